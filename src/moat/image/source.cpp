#include <moat/image/source.hpp>
#include <moat/util/strings.hpp>

#include <moat/image/json_fields.hpp>
#include <moat/image/remote.hpp>
#include <moat/image/tar.hpp>
#include <moat/util/sha256.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <thread>
#include <unistd.h>

namespace moat::image {

using core::ErrorKind;
using core::fail;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// An owned file descriptor.
class Fd {
public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0)
      ::close(m_fd);
  }
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(m_fd, other.m_fd);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return m_fd; }

private:
  int m_fd;
};

// Opens a regular file. O_NONBLOCK keeps a FIFO with no writer from
// hanging the open; FIFOs, devices and sockets are refused, since archives
// are read with random access.
core::Result<Fd> open_file(const std::string& path, const std::string& name) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return fail(ErrorKind::io, name, fmt::format("cannot open: {}", std::strerror(errno)));
  Fd out(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return fail(ErrorKind::io, name, std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return fail(ErrorKind::usage, name,
                "not a regular file: image archives are read with random access, so a pipe, "
                "FIFO or device cannot be one; save the stream to a file first");
  return out;
}

} // namespace

std::string_view sniff_non_tar(std::string_view head) {
  auto starts = [&](std::string_view magic) { return head.starts_with(magic); };
  if (starts("\x1f\x8b"))
    return "a gzip-compressed file";
  if (starts("\x28\xb5\x2f\xfd"))
    return "a zstd-compressed file";
  if (starts("BZh"))
    return "a bzip2-compressed file";
  if (starts("\xfd"
             "7zXZ"))
    return "an xz-compressed file";
  if (starts("PK\x03\x04"))
    return "a zip archive";
  auto text = head;
  if (text.starts_with("\xef\xbb\xbf"))
    text.remove_prefix(3);
  text = util::trim_left(text); // as vuln::sniff_document skips it
  if (text.starts_with("SPDXVersion:"))
    return "an SPDX tag-value document";
  if (text.starts_with("<"))
    return text.find("cyclonedx") != std::string_view::npos ? "a CycloneDX XML document"
                                                            : "an XML document";
  if (text.starts_with("{") || text.starts_with("["))
    return "a JSON document";
  return {};
}

namespace {

constexpr std::string_view k_formats_read =
    "moat reads docker save and OCI archives (tar), OCI layout directories, dir://ROOT, "
    "docker://IMAGE and registry://IMAGE";

// Where blobs and named files of a layout or archive are.
class Store {
public:
  virtual ~Store() = default;
  // Opens a file by its path inside the layout/archive.
  virtual core::Result<std::unique_ptr<ByteReader>> open_path(const std::string& path) = 0;
  virtual bool has_path(const std::string& path) = 0;
  // The size of a file, 0 when unknown.
  virtual std::uint64_t size_of(const std::string& path) = 0;

  core::Result<std::unique_ptr<ByteReader>> open_blob(std::string_view digest) {
    if (!is_sha256_digest(digest))
      return fail(ErrorKind::parse, m_name, fmt::format("invalid blob digest '{}'", digest));
    return open_path(fmt::format("blobs/sha256/{}", digest.substr(7)));
  }
  // Reads a small file; when EXPECTED_DIGEST is not empty the content must match it.
  core::Result<std::string> read_text(const std::string& path, std::string_view expected_digest) {
    auto reader = open_path(path);
    if (!reader)
      return std::unexpected(reader.error());
    auto text = read_all(**reader, k_max_json_bytes);
    if (!text)
      return text;
    if (!expected_digest.empty()) {
      const auto actual = "sha256:" + util::sha256_hex(*text);
      if (actual != expected_digest)
        return fail(ErrorKind::parse, m_name,
                    fmt::format("{}: digest mismatch: expected {}, content is {}", path,
                                expected_digest, actual));
    }
    return text;
  }
  core::Result<std::string> read_blob_text(std::string_view digest) {
    if (!is_sha256_digest(digest))
      return fail(ErrorKind::parse, m_name, fmt::format("invalid blob digest '{}'", digest));
    return read_text(fmt::format("blobs/sha256/{}", digest.substr(7)), digest);
  }
  [[nodiscard]] const std::string& name() const { return m_name; }

protected:
  explicit Store(std::string name) : m_name(std::move(name)) {}
  std::string m_name;
};

class DirStore final : public Store {
public:
  DirStore(fs::path root, std::string name) : Store(std::move(name)), m_root(std::move(root)) {}
  core::Result<std::unique_ptr<ByteReader>> open_path(const std::string& path) override {
    // Names come from manifest.json and index.json: they must stay inside the layout.
    std::string relative;
    bool absolute = false;
    std::string problem;
    if (!normalize_entry_path(path, relative, absolute, problem) || absolute)
      return fail(ErrorKind::parse, m_name, fmt::format("'{}' leaves the image directory", path));
    const auto full = (m_root / relative).string();
    // O_NOFOLLOW on the last component; blob names are validated, so the
    // path has no '..' either.
    const int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
      return fail(ErrorKind::io, m_name, fmt::format("{}: {}", path, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return fail(ErrorKind::parse, m_name, fmt::format("{}: not a regular file", path));
    }
    {
      const std::lock_guard lock(m_mutex);
      m_fds.emplace_back(fd);
    }
    return std::make_unique<FileRangeReader>(fd, 0, static_cast<std::uint64_t>(st.st_size),
                                             fmt::format("{}: {}", m_name, path));
  }
  bool has_path(const std::string& path) override {
    std::error_code ec;
    return fs::is_regular_file(m_root / path, ec);
  }
  std::uint64_t size_of(const std::string& path) override {
    std::error_code ec;
    const auto size = fs::file_size(m_root / path, ec);
    return ec ? 0 : size;
  }

private:
  fs::path m_root;
  std::mutex m_mutex;
  std::vector<Fd> m_fds;
};

class TarStore final : public Store {
public:
  static core::Result<std::unique_ptr<TarStore>> open(const std::string& path,
                                                      const std::string& name) {
    auto fd = open_file(path, name);
    if (!fd)
      return std::unexpected(fd.error());
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0)
      return fail(ErrorKind::io, name, std::strerror(errno));
    if (st.st_size == 0)
      return fail(ErrorKind::parse, name, fmt::format("empty file; {}", k_formats_read));
    std::string head(512, '\0');
    const auto got = ::pread(fd->get(), head.data(), head.size(), 0);
    head.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    if (const auto seen = sniff_non_tar(head); !seen.empty())
      return fail(ErrorKind::parse, name,
                  fmt::format("not an image archive but {}; {}", seen, k_formats_read));
    auto store = std::unique_ptr<TarStore>(new TarStore(std::move(*fd), name));
    FileRangeReader whole(store->m_fd.get(), 0, static_cast<std::uint64_t>(st.st_size), name);
    TarReader tar(whole);
    for (;;) {
      auto header = tar.next();
      if (!header)
        return std::unexpected(header.error());
      if (!*header)
        break;
      std::string key;
      bool absolute = false;
      std::string problem;
      if (!normalize_entry_path((*header)->path, key, absolute, problem))
        return fail(ErrorKind::parse, name, fmt::format("'{}': {}", (*header)->path, problem));
      if ((*header)->type == '0' || (*header)->type == '\0' || (*header)->type == '7')
        store->m_files[key] = {(*header)->data_offset, (*header)->size};
      else if ((*header)->type == '2' || (*header)->type == '1')
        store->m_links[key] = (*header)->link;
    }
    return store;
  }
  core::Result<std::unique_ptr<ByteReader>> open_path(const std::string& path) override {
    std::string key = path;
    // docker save (classic) links duplicate layers to the first copy.
    for (int hops = 0; hops < 8 && !m_files.contains(key); ++hops) {
      const auto link = m_links.find(key);
      if (link == m_links.end())
        break;
      std::string target;
      bool absolute = false;
      std::string problem;
      const auto dir = fs::path(key).parent_path();
      const auto joined =
          link->second.starts_with('/') ? link->second : (dir / link->second).generic_string();
      if (!normalize_entry_path(joined, target, absolute, problem))
        return fail(ErrorKind::parse, m_name, fmt::format("'{}': link leaves the archive", path));
      key = target;
    }
    const auto it = m_files.find(key);
    if (it == m_files.end())
      return fail(ErrorKind::parse, m_name, fmt::format("'{}' is missing from the archive", path));
    return std::make_unique<FileRangeReader>(m_fd.get(), it->second.first, it->second.second,
                                             fmt::format("{}: {}", m_name, path));
  }
  bool has_path(const std::string& path) override {
    return m_files.contains(path) || m_links.contains(path);
  }
  std::uint64_t size_of(const std::string& path) override {
    const auto it = m_files.find(path);
    return it == m_files.end() ? 0 : it->second.second;
  }

private:
  TarStore(Fd fd, std::string name) : Store(std::move(name)), m_fd(std::move(fd)) {}
  Fd m_fd;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>, std::less<>> m_files;
  std::map<std::string, std::string, std::less<>> m_links;
};

core::Result<json> parse_json(std::string_view text, const std::string& name,
                              std::string_view what) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return fail(ErrorKind::parse, name, fmt::format("{} is not valid JSON", what));
  return doc;
}

bool is_index_media_type(std::string_view media_type) {
  return media_type == "application/vnd.oci.image.index.v1+json" ||
         media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

} // namespace

core::Result<std::string> apply_manifest(Image& image, std::string_view text,
                                         const std::string& name) {
  auto doc = parse_json(text, name, "the image manifest");
  if (!doc)
    return std::unexpected(doc.error());
  const auto config = doc->find("config");
  const auto layers = doc->find("layers");
  if (config == doc->end() || !config->is_object() || layers == doc->end() || !layers->is_array())
    return fail(ErrorKind::parse, name, "the image manifest has no config or layers");
  for (const auto& layer : *layers) {
    if (!layer.is_object())
      return fail(ErrorKind::parse, name, "a manifest layer is not an object");
    LayerInfo info;
    info.digest = string_at(layer, "digest");
    info.media_type = string_at(layer, "mediaType");
    if (const auto size = layer.find("size"); size != layer.end()) {
      if (!size->is_number_unsigned())
        return fail(ErrorKind::parse, name,
                    fmt::format("layer {}: size {} is not a byte count",
                                info.digest.empty() ? std::string("?") : info.digest,
                                size->dump()));
      info.size = size->get<std::uint64_t>();
    }
    if (!is_sha256_digest(info.digest))
      return fail(ErrorKind::parse, name, fmt::format("invalid layer digest '{}'", info.digest));
    // A foreign (non-distributable) layer is read when its blob is there;
    // only a missing one is an error, said when the blob is looked for.
    image.layers.push_back(std::move(info));
  }
  const auto digest = string_at(*config, "digest");
  if (!is_sha256_digest(digest))
    return fail(ErrorKind::parse, name, fmt::format("invalid config digest '{}'", digest));
  if (const auto size = config->find("size"); size != config->end() && !size->is_number_unsigned())
    return fail(ErrorKind::parse, name,
                fmt::format("config: size {} is not a byte count", size->dump()));
  return digest;
}

bool is_cosign_attachment_tag(std::string_view tag) {
  if (!tag.starts_with("sha256-") || tag.size() < 7 + 64 + 4)
    return false;
  const auto hex = tag.substr(7, 64);
  if (!std::all_of(hex.begin(), hex.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    return false;
  const auto suffix = tag.substr(7 + 64);
  return suffix == ".sig" || suffix == ".att" || suffix == ".sbom";
}

namespace {

// The descriptor of the image in an OCI layout's index.json.
core::Result<std::string> select_from_index(Store& store, const std::string& ref,
                                            const std::string& platform) {
  auto text = store.read_text("index.json", "");
  if (!text)
    return std::unexpected(text.error());
  auto doc = parse_json(*text, store.name(), "index.json");
  if (!doc)
    return std::unexpected(doc.error());
  const auto manifests = doc->find("manifests");
  if (manifests == doc->end() || !manifests->is_array() || manifests->empty())
    return fail(ErrorKind::parse, store.name(), "index.json lists no manifests");
  std::vector<const json*> candidates;
  for (const auto& m : *manifests) {
    if (!m.is_object())
      return fail(ErrorKind::parse, store.name(), "index.json: a manifest is not an object");
    const auto annotations = m.find("annotations");
    const bool annotated = annotations != m.end() && annotations->is_object();
    const auto ref_name =
        annotated ? string_at(*annotations, "org.opencontainers.image.ref.name") : std::string();
    if (!ref.empty() && ref_name != ref)
      continue;
    // cosign's signatures and attestations stored beside the image (tagged
    // sha256-<hex>.sig, or marked by `cosign save`) are not images to scan.
    const auto kind = annotated ? string_at(*annotations, "kind") : std::string();
    if (ref.empty() &&
        (is_cosign_attachment_tag(ref_name) || kind == "dev.cosignproject.cosign/sigs" ||
         kind == "dev.cosignproject.cosign/atts"))
      continue;
    candidates.push_back(&m);
  }
  if (candidates.empty())
    return fail(ErrorKind::usage, store.name(),
                fmt::format("no image named '{}' in the layout", ref));
  std::string digest;
  std::string media_type;
  if (candidates.size() == 1) {
    digest = string_at(*candidates.front(), "digest");
    media_type = string_at(*candidates.front(), "mediaType");
  } else if (std::ranges::none_of(candidates,
                                  [](const json* c) { return c->contains("platform"); })) {
    std::vector<std::string> names;
    for (const auto* c : candidates)
      if (const auto a = c->find("annotations"); a != c->end() && a->is_object())
        names.push_back(string_at(*a, "org.opencontainers.image.ref.name"));
    return fail(ErrorKind::usage, store.name(),
                fmt::format("the layout holds {} images ({}); name one as PATH:REF",
                            candidates.size(), fmt::join(names, ", ")));
  } else {
    json list = json::object();
    list["manifests"] = json::array();
    for (const auto* c : candidates)
      list["manifests"].push_back(*c);
    auto chosen = select_platform(list.dump(), platform, store.name());
    if (!chosen)
      return chosen;
    digest = *chosen;
    for (const auto* c : candidates)
      if (string_at(*c, "digest") == digest)
        media_type = string_at(*c, "mediaType");
  }
  // Nested indexes (multi-platform images) are followed down to a manifest.
  for (int depth = 0; is_index_media_type(media_type); ++depth) {
    if (depth > 4)
      return fail(ErrorKind::parse, store.name(), "image indexes nested too deeply");
    auto nested = store.read_blob_text(digest);
    if (!nested)
      return std::unexpected(nested.error());
    auto chosen = select_platform(*nested, platform, store.name());
    if (!chosen)
      return chosen;
    auto nested_doc = parse_json(*nested, store.name(), "an image index");
    media_type.clear();
    for (const auto& m : (*nested_doc)["manifests"])
      if (string_at(m, "digest") == *chosen)
        media_type = string_at(m, "mediaType");
    digest = *chosen;
  }
  return digest;
}

// --platform against the image's own config: a single-platform archive is
// not scanned as if it were the platform asked for.
core::Status check_platform(const Image& image, const std::string& platform,
                            const std::string& name) {
  if (platform.empty())
    return {};
  const auto parts = util::split(platform, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    return fail(ErrorKind::usage, name,
                fmt::format("invalid platform '{}': expected os/arch[/variant]", platform));
  const auto& c = image.config;
  if (c.os.empty() || c.architecture.empty())
    return {};
  // The variant is not compared: an index falls back to another variant of
  // the same os/arch, and single-platform configs often omit it.
  if (parts[0] != std::string_view(c.os) || parts[1] != std::string_view(c.architecture))
    return fail(ErrorKind::usage, name,
                fmt::format("the image is {}/{}{}, not {} (--platform)", c.os, c.architecture,
                            c.variant.empty() ? std::string() : "/" + c.variant, platform));
  return {};
}

core::Result<ScannedImage> finish(Image image, Store& store, const std::string& config_text,
                                  const std::vector<std::string>& layer_paths,
                                  const SourceOptions& options) {
  auto parsed = parse_image_config(config_text, store.name());
  if (!parsed)
    return std::unexpected(parsed.error());
  if (image.layers.empty()) // docker save classic: layers come from manifest.json paths
    image.layers.resize(layer_paths.size());
  MOAT_TRY(attach_config(image, std::move(*parsed)));
  MOAT_TRY(check_platform(image, options.platform, store.name()));
  std::vector<ReaderFactory> blobs;
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    auto& layer = image.layers[i];
    std::string path = i < layer_paths.size() ? layer_paths[i] : std::string();
    if (path.empty() && !is_sha256_digest(layer.digest))
      return fail(ErrorKind::parse, store.name(), fmt::format("layer {} names no blob", i + 1));
    if (path.empty())
      path = fmt::format("blobs/sha256/{}", layer.digest.substr(7));
    else if (layer.digest.empty()) {
      // The classic form names layers by directory (its tar is the diff_id);
      // an OCI-form path names the blob.
      layer.digest = digest_from_name(path);
      if (layer.digest.empty())
        layer.digest = layer.diff_id;
    }
    // Every layer is checked against a digest: the blob's name, or the
    // config's diff_id for the classic docker save form.
    if (!is_sha256_digest(layer.digest))
      return fail(ErrorKind::parse, store.name(),
                  fmt::format("layer {} ('{}') has no valid digest to verify it against ('{}')",
                              i + 1, path, layer.digest));
    if (!store.has_path(path) && (layer.media_type.find("foreign") != std::string::npos ||
                                  layer.media_type.find("nondistributable") != std::string::npos))
      return fail(ErrorKind::parse, store.name(),
                  fmt::format("layer {} is non-distributable (foreign) and its blob is not in the "
                              "image; pull it into the archive first",
                              layer.digest));
    if (layer.size == 0)
      layer.size = store.size_of(path);
    blobs.emplace_back([&store, path] { return store.open_path(path); });
  }
  auto scans = scan_layers(image, blobs, options);
  if (!scans)
    return std::unexpected(scans.error());
  return ScannedImage{std::move(image), std::move(*scans)};
}

core::Result<ScannedImage> load_oci(Store& store, const std::string& name, const std::string& ref,
                                    const SourceOptions& options) {
  auto digest =
      select_from_index(store, ref, options.platform.empty() ? host_platform() : options.platform);
  if (!digest)
    return std::unexpected(digest.error());
  Image image;
  image.name = name;
  image.manifest_digest = *digest;
  auto manifest = store.read_blob_text(*digest);
  if (!manifest)
    return std::unexpected(manifest.error());
  auto config_digest = apply_manifest(image, *manifest, name);
  if (!config_digest)
    return std::unexpected(config_digest.error());
  image.config_digest = *config_digest;
  auto config = store.read_blob_text(*config_digest);
  if (!config)
    return std::unexpected(config.error());
  if (!ref.empty())
    image.tags.push_back(ref == "latest" ? "latest" : ":" + ref);
  return finish(std::move(image), store, *config, {}, options);
}

core::Result<ScannedImage> load_docker_archive(Store& store, const std::string& name,
                                               const SourceOptions& options) {
  auto text = store.read_text("manifest.json", "");
  if (!text)
    return std::unexpected(text.error());
  auto manifest = parse_docker_manifest(*text, name);
  if (!manifest)
    return std::unexpected(manifest.error());
  Image image;
  image.name = name;
  image.tags = manifest->tags;
  // The config's name is its digest: "HEX.json" (classic) or "blobs/sha256/HEX".
  // A config not named by its digest could not be verified: an error, as
  // for any other blob.
  image.config_digest = digest_from_name(manifest->config);
  if (image.config_digest.empty())
    return fail(
        ErrorKind::parse, name,
        fmt::format("manifest.json: the config '{}' is not named by its digest", manifest->config));
  auto config = store.read_text(manifest->config, image.config_digest);
  if (!config)
    return std::unexpected(config.error());
  return finish(std::move(image), store, *config, manifest->layers, options);
}

core::Result<ScannedImage> load_directory(const std::string& root, const std::string& name,
                                          const SourceOptions& options) {
  auto scan = scan_directory(root, name, options.limits);
  if (!scan)
    return std::unexpected(scan.error());
  ScannedImage out;
  out.image.name = name;
  out.image.is_directory = true;
  out.image.layers.push_back(LayerInfo{});
  out.layers.push_back(std::move(*scan));
  return out;
}

} // namespace

std::string host_platform() {
  struct utsname u {};
  std::string arch = "amd64";
  if (::uname(&u) == 0) {
    const std::string_view m = u.machine;
    if (m == "aarch64" || m == "arm64")
      arch = "arm64/v8";
    else if (m.starts_with("armv7"))
      arch = "arm/v7";
    else if (m == "i686" || m == "i386")
      arch = "386";
    else if (m == "ppc64le" || m == "s390x" || m == "riscv64")
      arch = std::string(m);
  }
  return "linux/" + arch;
}

core::Result<std::string> select_platform(std::string_view index_json, std::string_view platform,
                                          const std::string& name) {
  auto doc = parse_json(index_json, name, "the image index");
  if (!doc)
    return std::unexpected(doc.error());
  const auto manifests = doc->find("manifests");
  if (manifests == doc->end() || !manifests->is_array())
    return fail(ErrorKind::parse, name, "the image index has no manifests");
  std::vector<std::string_view> want;
  for (std::size_t start = 0; start <= platform.size();) {
    const auto slash = platform.find('/', start);
    want.push_back(platform.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  if (want.size() < 2 || want.size() > 3 || want[0].empty() || want[1].empty())
    return fail(ErrorKind::usage, name,
                fmt::format("invalid platform '{}': expected os/arch[/variant]", platform));
  std::vector<std::string> seen;
  std::string fallback; // matching os/arch with another variant
  for (const auto& m : *manifests) {
    if (!m.is_object())
      continue;
    const auto p = m.find("platform");
    if (p == m.end() || !p->is_object())
      continue;
    const auto os = string_at(*p, "os");
    const auto arch = string_at(*p, "architecture");
    const auto variant = string_at(*p, "variant");
    seen.push_back(variant.empty() ? fmt::format("{}/{}", os, arch)
                                   : fmt::format("{}/{}/{}", os, arch, variant));
    if (os != want[0] || arch != want[1])
      continue;
    if (want.size() == 3 ? variant == want[2] : true)
      return string_at(m, "digest");
    if (fallback.empty())
      fallback = string_at(m, "digest");
  }
  if (!fallback.empty())
    return fallback;
  // An index whose one entry has no platform (an index wrapping another
  // index, as some tools write a layout) is followed down, not refused.
  if (seen.empty() && manifests->size() == 1 && manifests->front().is_object())
    return string_at(manifests->front(), "digest");
  if (seen.empty())
    return fail(ErrorKind::parse, name,
                fmt::format("the image index lists {} manifests and none names its platform",
                            manifests->size()));
  return fail(ErrorKind::usage, name,
              fmt::format("no image for platform {} (the index has: {})", platform,
                          seen.empty() ? std::string("no platforms")
                                       : fmt::format("{}", fmt::join(seen, ", "))));
}

namespace {

// Copies what INNER yields to a file, for scan_and_keep.
class KeepingReader final : public ByteReader {
public:
  KeepingReader(ByteReader& inner, int fd) : m_inner(inner), m_fd(fd) {}
  [[nodiscard]] core::Result<std::size_t> read(std::span<std::byte> buffer) override {
    auto got = m_inner.read(buffer);
    if (!got || *got == 0)
      return got;
    const auto* p = buffer.data();
    std::size_t left = *got;
    while (left > 0) {
      const auto n = ::write(m_fd, p, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return fail(ErrorKind::io, name(),
                    fmt::format("cannot keep a copy of the layer: {}", std::strerror(errno)));
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    return got;
  }
  [[nodiscard]] const std::string& name() const override { return m_inner.name(); }

private:
  ByteReader& m_inner;
  int m_fd;
};

} // namespace

core::Result<LayerScan> scan_and_keep(ByteReader& blob, std::string_view expected_digest,
                                      const SourceOptions& options,
                                      std::atomic<std::uint64_t>& entry_budget,
                                      std::atomic<std::uint64_t>* bytes_read,
                                      std::atomic<std::uint64_t>* capture_budget) {
  if (options.keep_blobs.empty())
    return scan_layer(blob, expected_digest, options.limits, entry_budget, bytes_read,
                      capture_budget);
  const fs::path dir = options.keep_blobs;
  std::string partial = (dir / ".partial-XXXXXX").string();
  Fd fd(::mkostemp(partial.data(), O_CLOEXEC));
  if (fd.get() < 0)
    return fail(ErrorKind::io, dir.string(),
                fmt::format("cannot keep a copy of the layer: {}", std::strerror(errno)));
  KeepingReader keeping(blob, fd.get());
  auto scan = scan_layer(keeping, expected_digest, options.limits, entry_budget, bytes_read,
                         capture_budget);
  std::error_code ec;
  if (scan && is_sha256_digest(scan->digest))
    fs::rename(partial, dir / scan->digest.substr(7), ec);
  else
    fs::remove(partial, ec);
  if (scan && ec)
    return fail(ErrorKind::io, dir.string(),
                fmt::format("cannot keep a copy of the layer: {}", ec.message()));
  return scan;
}

core::Result<std::vector<LayerScan>> scan_layers(const Image& image,
                                                 const std::vector<ReaderFactory>& blobs,
                                                 const SourceOptions& options) {
  if (options.skip_layers)
    return std::vector<LayerScan>(blobs.size());
  std::vector<std::optional<core::Result<LayerScan>>> results(blobs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<std::uint64_t> budget{options.limits.max_entries};
  std::atomic<bool> failed{false};
  std::mutex progress_mutex;
  std::atomic<std::uint64_t> bytes_read{0};
  std::atomic<std::uint64_t> captures{options.limits.max_captured};
  std::uint64_t total_bytes = 0;
  for (const auto& layer : image.layers)
    total_bytes =
        layer.size == 0 || total_bytes == UINT64_MAX ? UINT64_MAX : total_bytes + layer.size;
  if (total_bytes == UINT64_MAX)
    total_bytes = 0;
  auto work = [&] {
    for (std::size_t i = next++; i < blobs.size() && !failed; i = next++) {
      // An exception must not escape a thread (it would abort moat): it
      // becomes the layer's error.
      try {
        auto reader = blobs[i]();
        if (!reader) {
          results[i] = std::unexpected(reader.error());
        } else {
          results[i] = scan_and_keep(**reader, image.layers[i].digest, options, budget, &bytes_read,
                                     &captures);
        }
      } catch (const std::bad_alloc&) {
        results[i] =
            fail(ErrorKind::limit, image.name, fmt::format("layer {}: out of memory", i + 1));
      } catch (const std::exception& e) {
        results[i] =
            fail(ErrorKind::internal, image.name, fmt::format("layer {}: {}", i + 1, e.what()));
      }
      if (!*results[i])
        failed = true;
      const auto finished = ++done;
      if (options.progress) {
        const std::lock_guard lock(progress_mutex);
        options.progress(finished, blobs.size());
      }
    }
  };
  unsigned threads =
      options.threads != 0 ? options.threads : std::max(1U, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, blobs.size()));
  {
    std::jthread ticker;
    if (options.progress_bytes)
      ticker = std::jthread([&](const std::stop_token& stop) {
        while (!stop.stop_requested()) {
          {
            const std::lock_guard lock(progress_mutex);
            options.progress_bytes(bytes_read.load(), total_bytes);
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t)
      pool.emplace_back(work);
    work();
    pool.clear();
    if (ticker.joinable()) {
      ticker.request_stop();
      ticker.join();
      options.progress_bytes(bytes_read.load(), total_bytes);
    }
  }
  std::vector<LayerScan> out;
  out.reserve(blobs.size());
  for (auto& r : results) {
    if (r && !*r)
      return std::unexpected(r->error());
  }
  for (auto& r : results) {
    if (!r)
      return fail(ErrorKind::internal, image.name, "a layer was not scanned");
    out.push_back(std::move(**r));
  }
  return out;
}

core::Result<ScannedImage> load_image(const std::string& target, const SourceOptions& options) {
  if (target.starts_with("dir://"))
    return load_directory(target.substr(6), target, options);
  if (target.starts_with("docker://") || target.starts_with("registry://"))
    return load_remote(target, options);
  std::error_code ec;
  std::string path = target;
  std::string ref;
  if (!fs::exists(path, ec)) {
    // PATH:REF names one image of an OCI layout.
    const auto colon = target.rfind(':');
    if (colon != std::string::npos && colon > 0 && fs::exists(target.substr(0, colon), ec)) {
      path = target.substr(0, colon);
      ref = target.substr(colon + 1);
    } else {
      return fail(ErrorKind::io, target, "no such file or directory");
    }
  }
  if (fs::is_directory(path, ec)) {
    DirStore store(path, target);
    if (store.has_path("oci-layout") && store.has_path("index.json"))
      return load_oci(store, target, ref, options);
    if (store.has_path("manifest.json"))
      return load_docker_archive(store, target, options);
    return fail(ErrorKind::usage, target,
                "not an OCI image layout (no oci-layout and index.json); use dir://PATH to scan a "
                "root file system");
  }
  auto store = TarStore::open(path, target);
  if (!store)
    return std::unexpected(store.error());
  if ((*store)->has_path("manifest.json") && ref.empty())
    return load_docker_archive(**store, target, options);
  if ((*store)->has_path("index.json"))
    return load_oci(**store, target, ref, options);
  return fail(ErrorKind::parse, target,
              "not an image archive: no manifest.json (docker save) or index.json (OCI layout)");
}

} // namespace moat::image
