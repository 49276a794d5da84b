#include <moat/trust/registry.hpp>
#include <moat/util/base64.hpp>
#include <moat/util/sha256.hpp>

#include <fmt/format.h>

#include <cstdlib>

namespace moat::trust {

namespace {

constexpr std::size_t k_max_signature_manifest_bytes = std::size_t{8} * 1024 * 1024;

class RegistryBlobs : public BlobReader {
public:
  explicit RegistryBlobs(image::RegistryClient& client) : m_client(client) {}
  core::Result<std::string> read_blob(const std::string& digest, std::size_t max_bytes) override {
    return m_client.get_blob_text(digest, max_bytes);
  }

private:
  image::RegistryClient& m_client;
};

core::Result<image::RegistryRef> parse_target(const std::string& target) {
  std::string_view text = target;
  if (!text.starts_with("registry://"))
    return core::fail(core::ErrorKind::usage, target, "not a registry://HOST/REPO reference");
  text.remove_prefix(11);
  return image::parse_registry_ref(text);
}

// The signatures already stored for DIGEST, through CLIENT (the signature
// repository's).
core::Result<std::vector<Signature>> stored_signatures(image::RegistryClient& client,
                                                       const std::string& digest) {
  const auto tag = signature_tag(digest);
  MOAT_TRY_ASSIGN(manifest, client.find_manifest(tag));
  if (!manifest)
    return std::vector<Signature>{};
  if (manifest->body.size() > k_max_signature_manifest_bytes)
    return core::fail(core::ErrorKind::limit, tag, "the signature manifest is too large");
  RegistryBlobs blobs(client);
  image::RegistryRef where = client.ref();
  where.tag = tag;
  where.digest.clear();
  return signatures_of_manifest(manifest->body, blobs, where.to_string());
}

} // namespace

core::Result<image::RegistryRef> signature_repository(const image::RegistryRef& ref) {
  const char* env = std::getenv("COSIGN_REPOSITORY");
  if (env == nullptr || *env == '\0')
    return ref;
  const std::string_view value(env);
  if (value.find('/') == std::string_view::npos || value.find('@') != std::string_view::npos ||
      value.find(':', value.rfind('/')) != std::string_view::npos)
    return core::fail(core::ErrorKind::usage, std::string(value),
                      "COSIGN_REPOSITORY names a repository (HOST/REPO), without tag or digest");
  MOAT_TRY_ASSIGN(other, image::parse_registry_ref(value));
  return other;
}

core::Result<FoundSignatures> registry_signatures(const std::string& target,
                                                  const image::RegistryOptions& options) {
  MOAT_TRY_ASSIGN(ref, parse_target(target));
  MOAT_TRY_ASSIGN(client, image::RegistryClient::open(ref, options));
  MOAT_TRY_ASSIGN(manifest, client.get_manifest(ref.reference()));
  FoundSignatures found;
  found.manifest_digest = manifest.digest;
  found.reference = ref.digest.empty()
                        ? fmt::format("{}/{}:{}", ref.host, ref.repository, ref.tag)
                        : fmt::format("{}/{}@{}", ref.host, ref.repository, ref.digest);
  MOAT_TRY_ASSIGN(sig_ref, signature_repository(ref));
  MOAT_TRY_ASSIGN(sig_client, image::RegistryClient::open(sig_ref, options));
  MOAT_TRY_ASSIGN(signatures, stored_signatures(sig_client, manifest.digest));
  found.signatures = std::move(signatures);
  return found;
}

core::Result<SignResult> sign_registry(const std::string& target, const Key& key,
                                       const std::string& identity,
                                       const std::map<std::string, std::string>& annotations,
                                       const image::RegistryOptions& options) {
  MOAT_TRY_ASSIGN(ref, parse_target(target));
  MOAT_TRY_ASSIGN(client, image::RegistryClient::open(ref, options));
  MOAT_TRY_ASSIGN(manifest, client.get_manifest(ref.reference()));
  SignResult result;
  result.manifest_digest = manifest.digest;
  result.identity = identity.empty() ? fmt::format("{}/{}", ref.host, ref.repository) : identity;

  Signature mine;
  mine.media_type = std::string(k_simple_signing_media_type);
  mine.payload = make_payload(result.identity, manifest.digest, annotations);
  MOAT_TRY_ASSIGN(raw, sign(key, mine.payload));
  mine.signature_base64 = util::base64_encode(raw);

  MOAT_TRY_ASSIGN(sig_ref, signature_repository(ref));
  MOAT_TRY_ASSIGN(sig_client, image::RegistryClient::open(sig_ref, options));
  MOAT_TRY_ASSIGN(all, stored_signatures(sig_client, manifest.digest));
  for (const auto& s : all) {
    const auto existing = util::base64_decode(s.signature_base64);
    if (s.media_type == mine.media_type && s.payload == mine.payload && existing &&
        verify(key, s.payload, *existing)) {
      result.already_signed = true;
      return result;
    }
  }
  all.push_back(std::move(mine));
  const auto built = build_signature_image(all);
  for (const auto& payload : built.payloads)
    MOAT_TRY(sig_client.put_blob("sha256:" + util::sha256_hex(payload), payload));
  MOAT_TRY(sig_client.put_blob("sha256:" + util::sha256_hex(built.config), built.config));
  MOAT_TRY(sig_client.put_manifest(signature_tag(manifest.digest), k_oci_manifest_media_type,
                                   built.manifest));
  return result;
}

} // namespace moat::trust
