// Feeds arbitrary bytes to the content-trust parsers: simple-signing
// payloads, sigstore-json signature files, signature manifests, Docker
// references and key files (PEM, cosign's encrypted envelope).

#include <moat/trust/keys.hpp>
#include <moat/trust/layout.hpp>
#include <moat/trust/policy.hpp>
#include <moat/trust/signature.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

// Every blob the manifest names reads as the same small payload.
struct FixedBlobs : moat::trust::BlobReader {
  moat::core::Result<std::string> read_blob(const std::string& digest, std::size_t) override {
    if (digest.size() % 2 == 0)
      return std::string(
          R"({"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"},"type":"t"},"optional":null})");
    return moat::core::fail(moat::core::ErrorKind::io, digest, "absent");
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::trust::parse_payload(text, "fuzz");
  (void)moat::trust::parse_docker_reference(text);
  FixedBlobs blobs;
  (void)moat::trust::signatures_of_manifest(text, blobs, "fuzz");
  if (auto s = moat::trust::parse_signature_file(text, "fuzz")) {
    moat::trust::VerifyRequest request;
    request.manifest_digest = "sha256:0";
    request.reference = "docker.io/library/busybox";
    (void)moat::trust::judge(*s, request);
  }
  (void)moat::trust::read_public_key(text, "fuzz");
  // Key and keyring files a policy names are looked for in a directory
  // that does not exist.
  (void)moat::trust::read_policy_text(text, "/nonexistent/moat-policy.yaml");
  (void)moat::trust::read_policy_text(text, "/nonexistent/policy.json");
  // A cosign envelope that parses costs a real scrypt (N >= 32768, tenths of
  // a second): fuzzed as plain PEM only.
  if (!moat::trust::is_cosign_private_key(text))
    (void)moat::trust::read_private_key(text, "hello", "fuzz");
  return 0;
}
