#include <moat/trust/layout.hpp>

#include <moat/image/source.hpp>
#include <moat/util/base64.hpp>
#include <moat/util/file.hpp>
#include <moat/util/sha256.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace moat::trust {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::size_t k_max_index_bytes = std::size_t{8} * 1024 * 1024;
constexpr std::size_t k_max_manifest_bytes = std::size_t{8} * 1024 * 1024;
// cosign reads no more layers than this from a signature image.
constexpr std::size_t k_max_signature_layers = 1000;
constexpr std::string_view k_kind_annotation = "kind";
constexpr std::string_view k_kind_sigs = "dev.cosignproject.cosign/sigs";
constexpr std::string_view k_kind_atts = "dev.cosignproject.cosign/atts";

bool is_sha256_digest(std::string_view digest) {
  return digest.size() == 71 && digest.starts_with("sha256:") &&
         std::all_of(digest.begin() + 7, digest.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string string_at(const ojson& obj, std::string_view key) {
  if (!obj.is_object())
    return {};
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string annotation(const ojson& descriptor, std::string_view key) {
  const auto it = descriptor.is_object() ? descriptor.find("annotations") : descriptor.end();
  return it == descriptor.end() ? std::string() : string_at(*it, key);
}

struct Layout {
  std::filesystem::path dir;
  std::string ref;
};

core::Result<Layout> split_layout_path(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Layout{path, {}};
  if (const auto colon = path.rfind(':'); colon != std::string::npos && colon > 0) {
    const auto dir = path.substr(0, colon);
    if (std::filesystem::is_directory(dir, ec))
      return Layout{dir, path.substr(colon + 1)};
  }
  return core::fail(core::ErrorKind::usage, path, "not an OCI layout directory");
}

class LayoutBlobs : public BlobReader {
public:
  explicit LayoutBlobs(std::filesystem::path dir) : m_dir(std::move(dir)) {}

  core::Result<std::string> read_blob(const std::string& digest, std::size_t max_bytes) override {
    if (!is_sha256_digest(digest))
      return core::fail(core::ErrorKind::parse, m_dir.string(),
                        fmt::format("invalid digest '{}'", digest));
    const auto path = m_dir / "blobs" / "sha256" / digest.substr(7);
    auto bytes = util::read_file(path, max_bytes);
    if (!bytes)
      return core::fail(core::ErrorKind::io, path.string(), bytes.error());
    if ("sha256:" + util::sha256_hex(*bytes) != digest)
      return core::fail(core::ErrorKind::parse, path.string(),
                        "the blob's content does not match its digest");
    return std::move(*bytes);
  }

private:
  std::filesystem::path m_dir;
};

core::Result<ojson> read_index(const std::filesystem::path& dir) {
  const auto path = dir / "index.json";
  if (!std::filesystem::exists(dir / "oci-layout"))
    return core::fail(core::ErrorKind::usage, dir.string(),
                      "not an OCI layout directory (no oci-layout file)");
  auto text = util::read_file(path, k_max_index_bytes);
  if (!text)
    return core::fail(core::ErrorKind::io, path.string(), text.error());
  auto doc = ojson::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return core::fail(core::ErrorKind::parse, path.string(), "not valid JSON");
  if (!doc.contains("manifests") || !doc["manifests"].is_array())
    return core::fail(core::ErrorKind::parse, path.string(), "no manifests array");
  for (const auto& d : doc["manifests"])
    if (!d.is_object() || !is_sha256_digest(string_at(d, "digest")))
      return core::fail(core::ErrorKind::parse, path.string(),
                        "a manifest descriptor has no valid sha256 digest");
  return doc;
}

bool is_attachment(const ojson& descriptor) {
  const auto kind = annotation(descriptor, k_kind_annotation);
  return image::is_cosign_attachment_tag(annotation(descriptor, k_ref_name_annotation)) ||
         kind == k_kind_sigs || kind == k_kind_atts;
}

struct Chosen {
  std::string digest;
  std::string ref_name;
};

core::Result<Chosen> choose_image(const ojson& index, const Layout& layout) {
  std::vector<const ojson*> candidates;
  for (const auto& d : index["manifests"]) {
    if (is_attachment(d))
      continue;
    if (!layout.ref.empty() && annotation(d, k_ref_name_annotation) != layout.ref)
      continue;
    candidates.push_back(&d);
  }
  if (candidates.empty())
    return core::fail(core::ErrorKind::usage, layout.dir.string(),
                      layout.ref.empty()
                          ? std::string("the layout holds no image")
                          : fmt::format("no image named '{}' in the layout", layout.ref));
  if (candidates.size() > 1) {
    std::vector<std::string> names;
    names.reserve(candidates.size());
    for (const auto* c : candidates)
      names.push_back(annotation(*c, k_ref_name_annotation));
    return core::fail(core::ErrorKind::usage, layout.dir.string(),
                      fmt::format("the layout holds {} images ({}); name one as PATH:REF",
                                  candidates.size(), fmt::join(names, ", ")));
  }
  return Chosen{string_at(*candidates.front(), "digest"),
                annotation(*candidates.front(), k_ref_name_annotation)};
}

// The descriptor of DIGEST's signature image: tagged sha256-<hex>.sig, or
// marked as cosign's signatures by `cosign save`.
const ojson* signature_descriptor(const ojson& index, const std::string& digest) {
  const auto tag = signature_tag(digest);
  for (const auto& d : index["manifests"])
    if (annotation(d, k_ref_name_annotation) == tag)
      return &d;
  for (const auto& d : index["manifests"])
    if (annotation(d, k_kind_annotation) == k_kind_sigs)
      return &d;
  return nullptr;
}

// A full reference ("registry.example.com/team/app:1") names a repository;
// a bare tag ("latest", "1.0") does not.
std::optional<std::string> reference_of(const std::string& ref_name) {
  if (ref_name.find('/') == std::string::npos)
    return std::nullopt;
  if (!parse_docker_reference(ref_name))
    return std::nullopt;
  return ref_name;
}

// Writes NAME in DIR through a temporary file and a rename: a symlink at
// NAME is replaced, never followed.
core::Status write_in(const std::filesystem::path& dir, const std::string& name,
                      std::string_view content) {
  const auto target = dir / name;
  if (auto ok = util::replace_file(target, content, 0644); !ok)
    return core::fail(core::ErrorKind::io, target.string(), ok.error());
  return {};
}

// Adds a blob unless a regular file of that name is there.
core::Status add_blob(const std::filesystem::path& blobs, std::string_view content) {
  const auto hex = util::sha256_hex(content);
  std::error_code ec;
  if (std::filesystem::symlink_status(blobs / hex, ec).type() ==
      std::filesystem::file_type::regular)
    return {};
  return write_in(blobs, hex, content);
}

std::string descriptor_json(std::string_view media_type, std::string_view content,
                            const std::map<std::string, std::string>& annotations = {}) {
  std::string out = R"({"mediaType":)";
  detail::append_go_string(out, media_type);
  out +=
      fmt::format(R"(,"size":{},"digest":"sha256:{}")", content.size(), util::sha256_hex(content));
  if (!annotations.empty()) {
    out += R"(,"annotations":{)";
    bool first = true;
    for (const auto& [k, v] : annotations) {
      if (!first)
        out += ',';
      first = false;
      detail::append_go_string(out, k);
      out += ':';
      detail::append_go_string(out, v);
    }
    out += '}';
  }
  out += '}';
  return out;
}

} // namespace

std::string signature_tag(std::string_view digest) {
  std::string tag(digest);
  if (const auto colon = tag.find(':'); colon != std::string::npos)
    tag[colon] = '-';
  return tag + ".sig";
}

SignatureImage build_signature_image(const std::vector<Signature>& signatures) {
  SignatureImage image;
  std::string history;
  std::string diff_ids;
  std::string layers;
  for (const auto& s : signatures) {
    const auto digest = "sha256:" + util::sha256_hex(s.payload);
    history += std::string(history.empty() ? "" : ",") + R"({"created":"0001-01-01T00:00:00Z"})";
    diff_ids += fmt::format(R"({}"{}")", diff_ids.empty() ? "" : ",", digest);
    auto annotations = s.annotations;
    annotations[std::string(k_signature_annotation)] = s.signature_base64;
    layers += std::string(layers.empty() ? "" : ",") +
              descriptor_json(k_simple_signing_media_type, s.payload, annotations);
    image.payloads.push_back(s.payload);
  }
  image.config =
      fmt::format(R"({{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{}],"os":"",)"
                  R"("rootfs":{{"type":"layers","diff_ids":[{}]}},"config":{{}}}})",
                  history, diff_ids);
  image.manifest = fmt::format(
      R"({{"schemaVersion":2,"mediaType":"{}","config":{},"layers":[{}]}})",
      k_oci_manifest_media_type, descriptor_json(k_oci_config_media_type, image.config), layers);
  return image;
}

core::Result<std::vector<Signature>>
signatures_of_manifest(std::string_view manifest, BlobReader& blobs, const std::string& source) {
  const auto doc = ojson::parse(manifest, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return core::fail(core::ErrorKind::parse, source, "the signature manifest is not valid JSON");
  if (!doc.contains("layers") || !doc["layers"].is_array())
    return core::fail(core::ErrorKind::parse, source, "the signature manifest has no layers");
  std::vector<Signature> out;
  std::size_t n = 0;
  for (const auto& layer : doc["layers"]) {
    if (++n > k_max_signature_layers)
      break;
    Signature s;
    s.source = fmt::format("{} layer {}", source, n);
    s.media_type = string_at(layer, "mediaType");
    const auto digest = string_at(layer, "digest");
    if (const auto it = layer.find("annotations"); it != layer.end() && it->is_object())
      for (const auto& [k, v] : it->items())
        if (v.is_string())
          s.annotations[k] = v.get<std::string>();
    if (auto it = s.annotations.find(std::string(k_signature_annotation));
        it != s.annotations.end()) {
      s.signature_base64 = it->second;
      s.annotations.erase(it);
    }
    if (s.media_type == k_simple_signing_media_type) {
      auto payload = blobs.read_blob(digest, k_max_payload_bytes);
      if (!payload)
        return std::unexpected(payload.error());
      s.payload = std::move(*payload);
    }
    out.push_back(std::move(s));
  }
  return out;
}

core::Result<FoundSignatures> layout_signatures(const std::string& path) {
  MOAT_TRY_ASSIGN(layout, split_layout_path(path));
  MOAT_TRY_ASSIGN(index, read_index(layout.dir));
  MOAT_TRY_ASSIGN(chosen, choose_image(index, layout));
  FoundSignatures found;
  found.manifest_digest = chosen.digest;
  found.reference = reference_of(chosen.ref_name);
  const auto* sig = signature_descriptor(index, chosen.digest);
  if (sig == nullptr)
    return found;
  LayoutBlobs blobs(layout.dir);
  const auto digest = string_at(*sig, "digest");
  MOAT_TRY_ASSIGN(manifest, blobs.read_blob(digest, k_max_manifest_bytes));
  MOAT_TRY_ASSIGN(signatures, signatures_of_manifest(manifest, blobs,
                                                     fmt::format("{} {}", layout.dir.string(),
                                                                 signature_tag(chosen.digest))));
  found.signatures = std::move(signatures);
  return found;
}

core::Result<SignResult> sign_layout(const std::string& path, const Key& key,
                                     const std::string& identity,
                                     const std::map<std::string, std::string>& annotations) {
  MOAT_TRY_ASSIGN(layout, split_layout_path(path));
  MOAT_TRY_ASSIGN(index, read_index(layout.dir));
  MOAT_TRY_ASSIGN(chosen, choose_image(index, layout));
  SignResult result;
  result.manifest_digest = chosen.digest;
  result.identity = identity;
  if (result.identity.empty()) {
    // As cosign names it: the repository, without tag or digest.
    const auto ref = reference_of(chosen.ref_name);
    if (!ref)
      return core::fail(core::ErrorKind::usage, path,
                        "the image has no full reference name to sign for: give --identity "
                        "REGISTRY/REPOSITORY");
    result.identity = parse_docker_reference(*ref)->repository;
  }
  // The blobs directory must be the layout's own.
  const auto blobs_dir = layout.dir / "blobs" / "sha256";
  std::error_code ec;
  std::filesystem::create_directories(blobs_dir, ec);
  const auto real_dir = std::filesystem::weakly_canonical(layout.dir, ec);
  const auto real_blobs = std::filesystem::weakly_canonical(blobs_dir, ec);
  if (ec || real_blobs.parent_path().parent_path() != real_dir)
    return core::fail(core::ErrorKind::usage, blobs_dir.string(),
                      "blobs/sha256 leads out of the layout (a symlink)");

  Signature mine;
  mine.media_type = std::string(k_simple_signing_media_type);
  mine.payload = make_payload(result.identity, chosen.digest, annotations);
  MOAT_TRY_ASSIGN(raw, sign(key, mine.payload));
  mine.signature_base64 = util::base64_encode(raw);

  std::vector<Signature> all;
  LayoutBlobs blobs(layout.dir);
  if (const auto* existing = signature_descriptor(index, chosen.digest); existing != nullptr) {
    MOAT_TRY_ASSIGN(manifest,
                    blobs.read_blob(string_at(*existing, "digest"), k_max_manifest_bytes));
    MOAT_TRY_ASSIGN(found, signatures_of_manifest(manifest, blobs, path));
    all = std::move(found);
  }
  // cosign's rule: the same payload, already signed by this key, is not
  // added twice.
  for (const auto& s : all) {
    const auto raw_existing = util::base64_decode(s.signature_base64);
    if (s.media_type == mine.media_type && s.payload == mine.payload && raw_existing &&
        verify(key, s.payload, *raw_existing)) {
      result.already_signed = true;
      return result;
    }
  }
  all.push_back(mine);
  const auto image = build_signature_image(all);
  for (const auto& payload : image.payloads)
    MOAT_TRY(add_blob(blobs_dir, payload));
  MOAT_TRY(add_blob(blobs_dir, image.config));
  MOAT_TRY(add_blob(blobs_dir, image.manifest));

  const auto tag = signature_tag(chosen.digest);
  auto& manifests = index["manifests"];
  ojson kept = ojson::array();
  for (auto& d : manifests)
    if (annotation(d, k_ref_name_annotation) != tag)
      kept.push_back(std::move(d));
  ojson descriptor = ojson::object();
  descriptor["mediaType"] = k_oci_manifest_media_type;
  descriptor["digest"] = "sha256:" + util::sha256_hex(image.manifest);
  descriptor["size"] = image.manifest.size();
  descriptor["annotations"] = ojson::object({{std::string(k_ref_name_annotation), tag}});
  kept.push_back(std::move(descriptor));
  manifests = std::move(kept);
  MOAT_TRY(write_in(layout.dir, "index.json", index.dump()));
  return result;
}

} // namespace moat::trust
