#include <moat/image/remote.hpp>

#include <moat/engine/engine.hpp>
#include <moat/image/json_fields.hpp>
#include <moat/image/registry.hpp>
#include <moat/image/tar.hpp>
#include <moat/util/sha256.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <thread>

namespace moat::image {

using core::ErrorKind;
using core::fail;
using engine::EngineClient;
using engine::EngineOptions;

namespace {

// A pipe whose producer is a thread running PRODUCE(sink); the thread is
// stopped and joined when the reader goes away.
class ProducerReader final : public ByteReader {
public:
  ProducerReader(std::string name, std::function<core::Status(const ByteSink&)> produce)
      : m_pipe(std::move(name)) {
    m_thread = std::jthread([this, produce = std::move(produce)] {
      core::Status status;
      try {
        status = produce([this](std::span<const std::byte> data) -> core::Status {
          if (!m_pipe.push(data))
            return fail(ErrorKind::internal, m_pipe.name(), "reader went away");
          return {};
        });
      } catch (const std::exception& e) { // must not escape the thread
        status = fail(ErrorKind::internal, m_pipe.name(), e.what());
      }
      m_pipe.close(status ? std::nullopt : std::optional<core::Error>(status.error()));
    });
  }
  ~ProducerReader() override {
    m_pipe.abandon();
    if (m_thread.joinable())
      m_thread.join();
  }
  ProducerReader(const ProducerReader&) = delete;
  ProducerReader& operator=(const ProducerReader&) = delete;
  [[nodiscard]] core::Result<std::size_t> read(std::span<std::byte> buffer) override {
    return m_pipe.read(buffer);
  }
  [[nodiscard]] const std::string& name() const override { return m_pipe.name(); }

private:
  PipeReader m_pipe;
  std::jthread m_thread;
};

// Yields PREFIX, then the rest of INNER.
class PrefixReader final : public ByteReader {
public:
  PrefixReader(std::vector<std::byte> prefix, ByteReader& inner)
      : m_prefix(std::move(prefix)), m_inner(inner) {}
  [[nodiscard]] core::Result<std::size_t> read(std::span<std::byte> buffer) override {
    if (m_offset < m_prefix.size()) {
      const auto n = std::min(buffer.size(), m_prefix.size() - m_offset);
      std::memcpy(buffer.data(), m_prefix.data() + m_offset, n);
      m_offset += n;
      return n;
    }
    return m_inner.read(buffer);
  }
  [[nodiscard]] const std::string& name() const override { return m_inner.name(); }

private:
  std::vector<std::byte> m_prefix;
  std::size_t m_offset = 0;
  ByteReader& m_inner;
};

core::Result<ScannedImage> load_registry(const std::string& target, const SourceOptions& options) {
  auto ref = parse_registry_ref(std::string_view(target).substr(11));
  if (!ref)
    return fail(ref.error().kind, target, ref.error().message);
  RegistryOptions ro;
  ro.ca_cert = options.ca_cert;
  ro.insecure = options.insecure;
  ro.platform = options.platform;
  ro.insecure_registries = options.insecure_registries;
  ro.deadline = options.deadline;
  ro.timeout = options.timeout;
  auto client = RegistryClient::open(*ref, ro);
  if (!client)
    return std::unexpected(client.error());
  auto manifest = client->get_image_manifest();
  if (!manifest)
    return std::unexpected(manifest.error());
  Image image;
  image.name = target;
  image.manifest_digest = manifest->digest;
  if (ref->digest.empty())
    image.tags.push_back(ref->host + "/" + ref->repository + ":" + ref->tag);
  auto config_digest = apply_manifest(image, manifest->body, target);
  if (!config_digest)
    return std::unexpected(config_digest.error());
  image.config_digest = *config_digest;
  auto config = client->get_blob_text(*config_digest, k_max_json_bytes);
  if (!config)
    return std::unexpected(config.error());
  auto parsed = parse_image_config(*config, target);
  if (!parsed)
    return std::unexpected(parsed.error());
  MOAT_TRY(attach_config(image, std::move(*parsed)));
  // One client per layer: layers download and decompress in parallel.
  std::vector<ReaderFactory> blobs;
  blobs.reserve(image.layers.size());
  for (const auto& layer : image.layers) {
    blobs.emplace_back([ref = *ref, ro, digest = layer.digest,
                        name = fmt::format("{}: layer {}", target, layer.digest)]()
                           -> core::Result<std::unique_ptr<ByteReader>> {
      auto layer_client = RegistryClient::open(ref, ro);
      if (!layer_client)
        return std::unexpected(layer_client.error());
      return std::make_unique<ProducerReader>(
          name, [c = std::make_shared<RegistryClient>(std::move(*layer_client)),
                 digest](const ByteSink& sink) { return c->get_blob(digest, sink); });
    });
  }
  auto scans = scan_layers(image, blobs, options);
  if (!scans)
    return std::unexpected(scans.error());
  return ScannedImage{std::move(image), std::move(*scans)};
}

// docker save output, streamed: blobs are scanned as they pass and put in
// order by manifest.json at the end.
core::Result<ScannedImage> load_daemon(const std::string& target, const SourceOptions& options) {
  const std::string name = target.substr(9);
  if (name.empty())
    return fail(ErrorKind::usage, target, "no image name after docker://");
  EngineOptions eo;
  eo.docker_host = options.docker_host;
  eo.deadline = options.deadline;
  eo.timeout = options.timeout;
  auto engine = EngineClient::open(std::move(eo));
  if (!engine)
    return std::unexpected(engine.error());
  // Inspect first: a missing image is a clear error before any streaming.
  if (auto inspect = engine->image_inspect(name); !inspect)
    return fail(inspect.error().kind, target, inspect.error().message);
  ProducerReader stream(target,
                        [client = std::make_shared<EngineClient>(std::move(*engine)),
                         name](const ByteSink& sink) { return client->export_image(name, sink); });
  TarReader tar(stream);
  std::map<std::string, std::string, std::less<>> texts;
  std::map<std::string, LayerScan, std::less<>> scans;
  std::atomic<std::uint64_t> budget{options.limits.max_entries};
  std::atomic<std::uint64_t> captures{options.limits.max_captured};
  for (;;) {
    auto header = tar.next();
    if (!header)
      return fail(header.error().kind, target, header.error().message);
    if (!*header)
      break;
    const auto& h = **header;
    if (h.type != '0' && h.type != '\0')
      continue;
    // Peek: JSON documents are kept, anything else is a layer.
    std::vector<std::byte> head(std::min<std::uint64_t>(h.size, 512));
    std::size_t filled = 0;
    while (filled < head.size()) {
      auto got = tar.data().read(std::span(head).subspan(filled));
      if (!got)
        return fail(got.error().kind, target, got.error().message);
      filled += *got;
    }
    std::size_t first = 0;
    while (first < head.size() && std::isspace(std::to_integer<unsigned char>(head[first])) != 0)
      ++first;
    // A layer is a tar (a valid header block) or gzip/zstd; a tar whose first
    // file name starts with '{' is still a layer.
    const bool compressed =
        head.size() >= 4 && ((head[0] == std::byte{0x1F} && head[1] == std::byte{0x8B}) ||
                             (head[0] == std::byte{0x28} && head[1] == std::byte{0xB5} &&
                              head[2] == std::byte{0x2F} && head[3] == std::byte{0xFD}));
    const bool is_json = !compressed && !is_tar_header(head) && first < head.size() &&
                         (head[first] == std::byte{'{'} || head[first] == std::byte{'['});
    if (is_json && h.size <= k_max_json_bytes) {
      std::string text(reinterpret_cast<const char*>(head.data()), head.size());
      auto rest = read_all(tar.data(), k_max_json_bytes);
      if (!rest)
        return std::unexpected(rest.error());
      texts[h.path] = text + *rest;
      continue;
    }
    // Layers are "ID/layer.tar" (classic) or "blobs/sha256/HEX" (OCI form);
    // other files (VERSION, legacy per-layer json) are not needed.
    if (h.size == 0 || !(h.path.ends_with("/layer.tar") || h.path.starts_with("blobs/")))
      continue;
    PrefixReader blob(std::move(head), tar.data());
    auto scan = scan_and_keep(blob, "", options, budget, nullptr, &captures);
    if (!scan)
      return fail(scan.error().kind, target, fmt::format("{}: {}", h.path, scan.error().message));
    scans[h.path] = std::move(*scan);
  }
  const auto manifest_text = texts.find("manifest.json");
  if (manifest_text == texts.end())
    return fail(ErrorKind::parse, target, "the daemon's export has no manifest.json");
  auto manifest = parse_docker_manifest(manifest_text->second, target);
  if (!manifest)
    return std::unexpected(manifest.error());
  const auto config = texts.find(manifest->config);
  if (config == texts.end())
    return fail(ErrorKind::parse, target,
                fmt::format("the export has no config '{}'", manifest->config));
  Image image;
  image.name = target;
  image.tags.push_back(name);
  // The config is named by its digest: "HEX.json" (classic) or "blobs/sha256/HEX".
  image.config_digest = "sha256:" + util::sha256_hex(config->second);
  if (image.config_digest != digest_from_name(manifest->config))
    return fail(ErrorKind::parse, target,
                fmt::format("{}: digest mismatch: the config's content is {}", manifest->config,
                            image.config_digest));
  auto parsed = parse_image_config(config->second, target);
  if (!parsed)
    return std::unexpected(parsed.error());
  const auto& paths = manifest->layers;
  image.layers.resize(paths.size());
  MOAT_TRY(attach_config(image, std::move(*parsed)));
  ScannedImage out;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto& layer = image.layers[i];
    const auto it = scans.find(paths[i]);
    if (it == scans.end())
      return fail(ErrorKind::parse, target, fmt::format("the export has no layer '{}'", paths[i]));
    // Classic exports name layers by directory; the blob is the uncompressed tar.
    std::string expected = digest_from_name(paths[i]);
    if (expected.empty())
      expected = layer.diff_id;
    if (it->second.digest != expected)
      return fail(ErrorKind::parse, target,
                  fmt::format("{}: digest mismatch: expected {}, content is {}", paths[i], expected,
                              it->second.digest));
    layer.digest = it->second.digest;
    out.layers.push_back(it->second); // a layer may be listed twice
  }
  out.image = std::move(image);
  return out;
}

} // namespace

core::Result<ScannedImage> load_remote(const std::string& target, const SourceOptions& options) {
  if (target.starts_with("registry://"))
    return load_registry(target, options);
  return load_daemon(target, options);
}

} // namespace moat::image
