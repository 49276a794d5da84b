#pragma once
// Image inputs built in memory for the image tests: layer tars written with
// libarchive (any tar flavour, gzip/zstd/none), raw tar headers for the
// corner cases libarchive will not write, and whole images laid out as an OCI
// image layout (directory or tar), a classic `docker save` tar, or the OCI
// form that `docker save` writes since Docker 25; and a lookup in what a
// layer scan read back. Builder mistakes throw: they are bugs in a test, not
// inputs under test.

#include <moat/image/layer.hpp>
#include <moat/image/reader.hpp>
#include <moat/util/sha256.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace moat::test {

// ---------------------------------------------------------------------------
// Tar entries and archives

enum class Compression : std::uint8_t { none, gzip, zstd };
enum class TarFormat : std::uint8_t { pax_restricted, pax, ustar, gnutar };
enum class EntryKind : std::uint8_t {
  file,
  dir,
  symlink,
  hardlink,
  char_device,
  block_device,
  fifo
};

struct TarEntry {
  std::string path; // as stored in the archive, verbatim
  std::string content;
  EntryKind kind = EntryKind::file;
  std::string link; // symlink or hard link target
  std::uint32_t mode = 0644;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t zeros = 0; // when not 0, the data is this many zero bytes (content is ignored)
  unsigned dev_major = 0;
  unsigned dev_minor = 0;
};

inline TarEntry tar_file(std::string path, std::string content, std::uint32_t mode = 0644,
                         std::uint32_t uid = 0, std::uint32_t gid = 0) {
  TarEntry e;
  e.path = std::move(path);
  e.content = std::move(content);
  e.mode = mode;
  e.uid = uid;
  e.gid = gid;
  return e;
}

inline TarEntry tar_dir(std::string path, std::uint32_t mode = 0755) {
  TarEntry e;
  e.path = std::move(path);
  e.kind = EntryKind::dir;
  e.mode = mode;
  return e;
}

inline TarEntry tar_symlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.kind = EntryKind::symlink;
  e.link = std::move(target);
  e.mode = 0777;
  return e;
}

inline TarEntry tar_hardlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.kind = EntryKind::hardlink;
  e.link = std::move(target);
  return e;
}

inline TarEntry tar_device(std::string path, EntryKind kind, unsigned major, unsigned minor) {
  TarEntry e;
  e.path = std::move(path);
  e.kind = kind;
  e.mode = 0660;
  e.dev_major = major;
  e.dev_minor = minor;
  return e;
}

// A file of SIZE zero bytes, written in chunks (decompression bombs).
inline TarEntry tar_zeros(std::string path, std::uint64_t size) {
  TarEntry e;
  e.path = std::move(path);
  e.zeros = size;
  return e;
}

// The ".wh.NAME" entry that deletes PATH ("dir/name").
inline TarEntry tar_whiteout(std::string_view path) {
  const auto slash = path.rfind('/');
  const std::string dir =
      slash == std::string_view::npos ? "" : std::string(path.substr(0, slash + 1));
  const std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  return tar_file(dir + ".wh." + name, "");
}

// The ".wh..wh..opq" entry that makes DIR opaque.
inline TarEntry tar_opaque(std::string_view dir) {
  return tar_file(std::string(dir) + "/.wh..wh..opq", "");
}

namespace detail {

inline la_ssize_t append_to_string(archive*, void* client, const void* buffer, size_t length) {
  static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

inline void check_archive(archive* a, int rc, std::string_view what) {
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
    const char* text = archive_error_string(a);
    throw std::runtime_error(std::string(what) + ": " + (text != nullptr ? text : "?"));
  }
}

inline unsigned file_type_of(EntryKind kind) {
  switch (kind) {
  case EntryKind::dir:
    return AE_IFDIR;
  case EntryKind::symlink:
    return AE_IFLNK;
  case EntryKind::char_device:
    return AE_IFCHR;
  case EntryKind::block_device:
    return AE_IFBLK;
  case EntryKind::fifo:
    return AE_IFIFO;
  case EntryKind::file:
  case EntryKind::hardlink:
    break;
  }
  return AE_IFREG;
}

} // namespace detail

// ENTRIES as a tar in FORMAT, compressed with COMPRESSION.
inline std::string make_tar(const std::vector<TarEntry>& entries,
                            Compression compression = Compression::none,
                            TarFormat format = TarFormat::pax_restricted) {
  std::string out;
  archive* a = archive_write_new();
  struct Free {
    archive* a;
    ~Free() { archive_write_free(a); }
  } guard{a};
  switch (format) {
  case TarFormat::pax_restricted:
    detail::check_archive(a, archive_write_set_format_pax_restricted(a), "format");
    break;
  case TarFormat::pax:
    detail::check_archive(a, archive_write_set_format_pax(a), "format");
    break;
  case TarFormat::ustar:
    detail::check_archive(a, archive_write_set_format_ustar(a), "format");
    break;
  case TarFormat::gnutar:
    detail::check_archive(a, archive_write_set_format_gnutar(a), "format");
    break;
  }
  switch (compression) {
  case Compression::none:
    detail::check_archive(a, archive_write_add_filter_none(a), "filter");
    break;
  case Compression::gzip:
    detail::check_archive(a, archive_write_add_filter_gzip(a), "filter");
    break;
  case Compression::zstd:
    detail::check_archive(a, archive_write_add_filter_zstd(a), "filter");
    break;
  }
  // No padding to a 10 KiB record: the archive ends after its two zero blocks.
  detail::check_archive(a, archive_write_set_bytes_in_last_block(a, 1), "block size");
  detail::check_archive(a, archive_write_open(a, &out, nullptr, detail::append_to_string, nullptr),
                        "open");
  const std::vector<char> zero_chunk(std::size_t{1} << 20U, '\0');
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    struct FreeEntry {
      archive_entry* e;
      ~FreeEntry() { archive_entry_free(e); }
    } entry_guard{entry};
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_filetype(entry, detail::file_type_of(e.kind));
    archive_entry_set_perm(entry, e.mode);
    archive_entry_set_uid(entry, e.uid);
    archive_entry_set_gid(entry, e.gid);
    archive_entry_set_mtime(entry, 1'700'000'000, 0);
    std::uint64_t size = 0;
    if (e.kind == EntryKind::file)
      size = e.zeros != 0 ? e.zeros : e.content.size();
    archive_entry_set_size(entry, static_cast<la_int64_t>(size));
    if (e.kind == EntryKind::symlink)
      archive_entry_set_symlink(entry, e.link.c_str());
    if (e.kind == EntryKind::hardlink)
      archive_entry_set_hardlink(entry, e.link.c_str());
    if (e.kind == EntryKind::char_device || e.kind == EntryKind::block_device) {
      archive_entry_set_rdevmajor(entry, e.dev_major);
      archive_entry_set_rdevminor(entry, e.dev_minor);
    }
    detail::check_archive(a, archive_write_header(a, entry), "header of " + e.path);
    if (e.kind != EntryKind::file)
      continue;
    if (e.zeros != 0) {
      for (std::uint64_t left = e.zeros; left > 0;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, zero_chunk.size()));
        if (archive_write_data(a, zero_chunk.data(), n) != static_cast<la_ssize_t>(n))
          throw std::runtime_error("short write of " + e.path);
        left -= n;
      }
    } else if (!e.content.empty() && archive_write_data(a, e.content.data(), e.content.size()) !=
                                         static_cast<la_ssize_t>(e.content.size())) {
      throw std::runtime_error("short write of " + e.path);
    }
  }
  detail::check_archive(a, archive_write_close(a), "close");
  return out;
}

// ---------------------------------------------------------------------------
// Raw tar blocks, for what libarchive's writer never produces (base-256
// sizes on small files, broken checksums, hand-made pax records).

struct RawHeader {
  std::string name{};
  char type = '0';
  std::uint64_t size = 0;
  std::string link{};
  std::string prefix{}; // ustar prefix field
  bool ustar = true;    // "ustar\0" "00" magic; false: a v7 header
  bool base256 = false; // size written in base-256 (high bit set)
  std::uint32_t mode = 0644;
};

// One 512-byte header block with a correct checksum.
inline std::string raw_tar_header(const RawHeader& h) {
  std::string b(512, '\0');
  auto put = [&](std::size_t offset, std::size_t length, std::string_view value) {
    if (value.size() > length)
      throw std::runtime_error("raw tar field too long");
    std::memcpy(b.data() + offset, value.data(), value.size());
  };
  auto octal = [&](std::size_t offset, std::size_t length, std::uint64_t value) {
    std::string digits;
    do {
      digits.insert(digits.begin(), static_cast<char>('0' + (value & 7U)));
      value >>= 3U;
    } while (value != 0);
    if (digits.size() > length - 1)
      throw std::runtime_error("raw tar number too large");
    digits.insert(0, length - 1 - digits.size(), '0');
    put(offset, length, digits);
  };
  put(0, 100, h.name);
  octal(100, 8, h.mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  if (h.base256) {
    b[124] = static_cast<char>(0x80);
    for (std::size_t i = 0; i < 8; ++i)
      b[135 - i] = static_cast<char>((h.size >> (8 * i)) & 0xFFU);
  } else {
    octal(124, 12, h.size);
  }
  octal(136, 12, 1'700'000'000);
  b[156] = h.type;
  put(157, 100, h.link);
  if (h.ustar) {
    put(257, 6, std::string_view("ustar\0", 6));
    put(263, 2, "00");
    put(345, 155, h.prefix);
  }
  std::memset(b.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (const char c : b)
    sum += static_cast<unsigned char>(c);
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%06o", sum);
  std::memcpy(b.data() + 148, text.data(), 7); // six digits, NUL, and the space already there
  return b;
}

// CONTENT padded with zeros to a whole number of blocks.
inline std::string raw_tar_data(std::string content) {
  content.resize((content.size() + 511) / 512 * 512, '\0');
  return content;
}

// The two zero blocks that end an archive.
inline std::string raw_tar_end() {
  return std::string(1024, '\0');
}

// One pax record: "LENGTH KEY=VALUE\n", LENGTH counting itself.
inline std::string pax_record(std::string_view key, std::string_view value) {
  const std::size_t body = 1 + key.size() + 1 + value.size() + 1;
  std::size_t length = body + 1;
  while (std::to_string(length).size() + body != length)
    ++length;
  return std::to_string(length) + " " + std::string(key) + "=" + std::string(value) + "\n";
}

// ---------------------------------------------------------------------------
// Readers and files

// An in-memory ByteReader, handing out at most CHUNK bytes per read.
class StringReader final : public image::ByteReader {
public:
  explicit StringReader(std::string data, std::string name = "blob",
                        std::size_t chunk = std::size_t{1} << 30U)
      : m_data(std::move(data)), m_name(std::move(name)), m_chunk(chunk) {}
  core::Result<std::size_t> read(std::span<std::byte> buffer) override {
    const std::size_t n = std::min({buffer.size(), m_chunk, m_data.size() - m_offset});
    std::memcpy(buffer.data(), m_data.data() + m_offset, n);
    m_offset += n;
    return n;
  }
  [[nodiscard]] const std::string& name() const override { return m_name; }

private:
  std::string m_data;
  std::string m_name;
  std::size_t m_chunk;
  std::size_t m_offset = 0;
};

// An open, owned, read-only file descriptor.
class OpenFile {
public:
  explicit OpenFile(const std::filesystem::path& path)
      : m_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (m_fd < 0)
      throw std::runtime_error("cannot open " + path.string());
  }
  ~OpenFile() { ::close(m_fd); }
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  [[nodiscard]] int fd() const { return m_fd; }
  [[nodiscard]] std::uint64_t size() const {
    struct stat st {};
    ::fstat(m_fd, &st);
    return static_cast<std::uint64_t>(st.st_size);
  }

private:
  int m_fd;
};

inline void write_file(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out)
    throw std::runtime_error("cannot write " + path.string());
}

// Writes the files and directories of ENTRIES under DIR (an extracted archive).
inline void write_entries(const std::filesystem::path& dir, const std::vector<TarEntry>& entries) {
  for (const auto& e : entries) {
    if (e.kind == EntryKind::dir)
      std::filesystem::create_directories(dir / e.path);
    else if (e.kind == EntryKind::file)
      write_file(dir / e.path, e.content);
    else
      throw std::runtime_error("write_entries: only files and directories");
  }
}

inline std::string sha256_digest(std::string_view content) {
  return "sha256:" + util::sha256_hex(content);
}

// The hex part of "sha256:HEX".
inline std::string hex_of(std::string_view digest) {
  return std::string(digest.substr(digest.find(':') + 1));
}

// The standard output of a shell command; nullopt when it fails.
inline std::optional<std::string> command_output(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr)
    return std::nullopt;
  std::string out;
  std::array<char, 4096> buffer{};
  for (std::size_t n = 0; (n = std::fread(buffer.data(), 1, buffer.size(), p)) > 0;)
    out.append(buffer.data(), n);
  const int status = ::pclose(p);
  if (status != 0)
    return std::nullopt;
  return out;
}

// ---------------------------------------------------------------------------
// Images

namespace media {
inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view layer_tar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
} // namespace media

struct BuiltLayer {
  std::string tar;     // the uncompressed layer tar
  std::string blob;    // as stored: TAR, compressed
  std::string diff_id; // digest of TAR
  std::string digest;  // digest of BLOB
  std::string media_type;
};

// One image: layers (bottom first), history and the image config.
class ImageBuilder {
public:
  // Adds a layer made of ENTRIES and the history entry that created it.
  ImageBuilder& layer(const std::vector<TarEntry>& entries, std::string created_by = {},
                      Compression compression = Compression::gzip) {
    BuiltLayer l;
    l.tar = make_tar(entries);
    switch (compression) {
    case Compression::none:
      l.blob = l.tar;
      l.media_type = media::layer_tar;
      break;
    case Compression::gzip:
      l.blob = make_tar(entries, Compression::gzip);
      l.media_type = media::layer_gzip;
      break;
    case Compression::zstd:
      l.blob = make_tar(entries, Compression::zstd);
      l.media_type = media::layer_zstd;
      break;
    }
    l.diff_id = sha256_digest(l.tar);
    l.digest = sha256_digest(l.blob);
    layers.push_back(std::move(l));
    history.push_back(
        {{"created", "2024-01-01T00:00:00Z"},
         {"created_by", created_by.empty() ? "COPY layer /layer # buildkit" : created_by}});
    return *this;
  }

  // Adds a history entry that made no layer (CMD, ENV, USER, ...).
  ImageBuilder& step(std::string created_by) {
    history.push_back({{"created", "2024-01-01T00:00:00Z"},
                       {"created_by", std::move(created_by)},
                       {"empty_layer", true}});
    return *this;
  }

  // The whole image config document.
  [[nodiscard]] nlohmann::json config_document() const {
    nlohmann::json diff_ids = nlohmann::json::array();
    for (const auto& l : layers)
      diff_ids.push_back(l.diff_id);
    nlohmann::json doc = {{"architecture", architecture},
                          {"os", os},
                          {"created", "2024-01-01T00:00:00Z"},
                          {"config", config},
                          {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
                          {"history", history}};
    if (!variant.empty())
      doc["variant"] = variant;
    for (const auto& [key, value] : extra.items())
      doc[key] = value;
    return doc;
  }
  [[nodiscard]] std::string config_text() const { return config_document().dump(); }

  // The "config" member of the image config: User, Env, Healthcheck, ...
  nlohmann::json config = nlohmann::json::object();
  // Replaces or adds top-level members of the config document (e.g. a broken rootfs).
  nlohmann::json extra = nlohmann::json::object();
  nlohmann::json history = nlohmann::json::array();
  std::vector<BuiltLayer> layers;
  std::string os = "linux";
  std::string architecture = "amd64";
  std::string variant;
};

inline nlohmann::json descriptor(std::string_view media_type, const std::string& content) {
  return {{"mediaType", media_type}, {"digest", sha256_digest(content)}, {"size", content.size()}};
}

// DESCRIPTOR with a platform ("os/arch[/variant]").
inline nlohmann::json with_platform(nlohmann::json desc, std::string_view platform) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto slash = platform.find('/', start);
    parts.emplace_back(
        platform.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  desc["platform"] = {{"os", parts.at(0)}, {"architecture", parts.at(1)}};
  if (parts.size() > 2)
    desc["platform"]["variant"] = parts[2];
  return desc;
}

// DESCRIPTOR named REF (org.opencontainers.image.ref.name).
inline nlohmann::json with_ref(nlohmann::json desc, std::string_view ref) {
  desc["annotations"]["org.opencontainers.image.ref.name"] = ref;
  return desc;
}

// An OCI image layout: blobs and index.json.
class OciLayout {
public:
  // Stores CONTENT as a blob; returns its digest.
  std::string add_blob(const std::string& content) {
    auto digest = sha256_digest(content);
    blobs[hex_of(digest)] = content;
    return digest;
  }

  // The manifest of IMAGE, as OCI JSON.
  static std::string manifest_text(const ImageBuilder& image) {
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : image.layers)
      layers.push_back(
          {{"mediaType", l.media_type}, {"digest", l.digest}, {"size", l.blob.size()}});
    const nlohmann::json manifest = {{"schemaVersion", 2},
                                     {"mediaType", media::oci_manifest},
                                     {"config", descriptor(media::oci_config, image.config_text())},
                                     {"layers", layers}};
    return manifest.dump();
  }

  // Stores IMAGE's layers, config and manifest; returns the manifest's descriptor.
  nlohmann::json add_image(const ImageBuilder& image) {
    for (const auto& l : image.layers)
      add_blob(l.blob);
    add_blob(image.config_text());
    const auto manifest = manifest_text(image);
    add_blob(manifest);
    return descriptor(media::oci_manifest, manifest);
  }

  // Stores an image index listing DESCRIPTORS; returns its descriptor.
  nlohmann::json add_index(const std::vector<nlohmann::json>& descriptors) {
    const nlohmann::json doc = {
        {"schemaVersion", 2}, {"mediaType", media::oci_index}, {"manifests", descriptors}};
    const auto text = doc.dump();
    add_blob(text);
    return descriptor(media::oci_index, text);
  }

  // Lists DESCRIPTOR in index.json.
  OciLayout& list(nlohmann::json desc) {
    index["manifests"].push_back(std::move(desc));
    return *this;
  }

  // The layout's files: oci-layout, index.json, blobs/sha256/*.
  [[nodiscard]] std::vector<TarEntry> entries() const {
    std::vector<TarEntry> out;
    out.push_back(tar_file("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
    out.push_back(tar_file("index.json", index.dump()));
    out.push_back(tar_dir("blobs"));
    out.push_back(tar_dir("blobs/sha256"));
    for (const auto& [hex, content] : blobs)
      out.push_back(tar_file("blobs/sha256/" + hex, content));
    return out;
  }

  void write_dir(const std::filesystem::path& dir) const { write_entries(dir, entries()); }
  [[nodiscard]] std::string to_tar() const { return make_tar(entries()); }

  std::map<std::string, std::string> blobs; // hex -> content
  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", media::oci_index},
                          {"manifests", nlohmann::json::array()}};
};

// The files of a classic `docker save` archive (before Docker 25) of IMAGE:
// "ID/layer.tar" (uncompressed), "HEX.json" config, manifest.json.
inline std::vector<TarEntry> docker_save_classic(const ImageBuilder& image,
                                                 const std::vector<std::string>& repo_tags) {
  std::vector<TarEntry> out;
  nlohmann::json layer_paths = nlohmann::json::array();
  for (const auto& l : image.layers) {
    const auto id = hex_of(l.diff_id);
    out.push_back(tar_dir(id));
    out.push_back(tar_file(id + "/VERSION", "1.0"));
    out.push_back(tar_file(id + "/json", R"({"id":")" + id + R"("})"));
    out.push_back(tar_file(id + "/layer.tar", l.tar));
    layer_paths.push_back(id + "/layer.tar");
  }
  const auto config = image.config_text();
  const auto config_name = util::sha256_hex(config) + ".json";
  out.push_back(tar_file(config_name, config));
  const nlohmann::json manifest = nlohmann::json::array(
      {{{"Config", config_name}, {"RepoTags", repo_tags}, {"Layers", layer_paths}}});
  out.push_back(tar_file("manifest.json", manifest.dump()));
  return out;
}

// The files of a `docker save` archive as Docker 25+ writes it: an OCI
// layout plus manifest.json whose paths name blobs.
inline std::vector<TarEntry> docker_save_oci(const ImageBuilder& image,
                                             const std::vector<std::string>& repo_tags) {
  OciLayout layout;
  auto desc = layout.add_image(image);
  if (!repo_tags.empty()) {
    desc["annotations"]["io.containerd.image.name"] = "docker.io/library/" + repo_tags.front();
    desc["annotations"]["org.opencontainers.image.ref.name"] =
        repo_tags.front().substr(repo_tags.front().rfind(':') + 1);
  }
  layout.list(desc);
  nlohmann::json layer_paths = nlohmann::json::array();
  for (const auto& l : image.layers)
    layer_paths.push_back("blobs/sha256/" + hex_of(l.digest));
  const nlohmann::json manifest =
      nlohmann::json::array({{{"Config", "blobs/sha256/" + util::sha256_hex(image.config_text())},
                              {"RepoTags", repo_tags},
                              {"Layers", layer_paths}}});
  auto out = layout.entries();
  out.push_back(tar_file("manifest.json", manifest.dump()));
  return out;
}

// ---------------------------------------------------------------------------
// What a scan read back

// The entry of SCAN at PATH; nullptr when it has none.
inline const image::FileEntry* entry_at(const image::LayerScan& scan, std::string_view path) {
  for (const auto& e : scan.entries)
    if (e.path == path)
      return &e;
  return nullptr;
}

} // namespace moat::test
