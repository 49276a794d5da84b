#pragma once
// cosign's simple-signing signatures: the payload (built byte for byte as
// cosign serialises it, read as strictly as containers/image reads it),
// the signature files of a `dir:` copy, Docker references as
// containers-policy.json compares them, and the verdict on each signature.

#include <moat/core/result.hpp>
#include <moat/trust/gpg.hpp>
#include <moat/trust/keys.hpp>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::trust {

inline constexpr std::string_view k_cosign_type = "cosign container image signature";
inline constexpr std::string_view k_simple_signing_media_type =
    "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view k_signature_annotation = "dev.cosignproject.cosign/signature";

// Largest payload moat reads: cosign's are a few hundred bytes.
inline constexpr std::size_t k_max_payload_bytes = std::size_t{64} * 1024;

// A simple-signing payload.
struct Payload {
  std::string docker_reference;
  std::string manifest_digest; // "sha256:<hex>"
  std::string type;
  // The `optional` members: strings as they are, other values as JSON text
  // (containers/image's integer timestamp).
  std::map<std::string, std::string> optional;
};

// The payload cosign signs for REFERENCE and DIGEST with ANNOTATIONS: compact
// JSON in cosign's member order, Go's escaping, `"optional":null` without
// annotations.
[[nodiscard]] std::string make_payload(std::string_view reference, std::string_view digest,
                                       const std::map<std::string, std::string>& annotations);

// Reads a payload. Unknown or missing members of `critical` are errors, as
// containers/image has them; the type is returned as written.
[[nodiscard]] core::Result<Payload> parse_payload(std::string_view bytes, const std::string& input);

// One signature, with where it came from: cosign's (the payload bytes and
// the signature annotation's value) or a GPG simple signing one (the
// OpenPGP message, payload inside).
struct Signature {
  enum class Format { cosign, gpg };
  Format format = Format::cosign;
  std::string source; // a file, "sha256-<hex>.sig layer 2"
  std::string media_type;
  std::string payload;
  std::string signature_base64;
  std::map<std::string, std::string> annotations;
  std::string openpgp; // Format::gpg: the signed message

  // A GPG signature as skopeo writes it (signature-N, standalone files).
  [[nodiscard]] static Signature gpg(std::string message, std::string source);
};

// A containers/image `dir:` signature file ("\0sigstore-json\n" and a JSON
// object with mimeType, payload and annotations).
[[nodiscard]] core::Result<Signature> parse_signature_file(std::string_view bytes,
                                                           const std::string& input);

// A Docker reference, normalised as containers/image normalises it
// ("busybox" is docker.io/library/busybox:latest... without the implied tag).
struct DockerReference {
  std::string repository; // "docker.io/library/busybox", "127.0.0.1:5000/app"
  std::string tag;        // empty when none was written
  std::string digest;     // empty when none was written

  [[nodiscard]] std::string to_string() const;
};

[[nodiscard]] std::optional<DockerReference> parse_docker_reference(std::string_view text);

// How the signed identity must match the image's reference
// (containers-policy.json's signedIdentity).
enum class IdentityRule {
  match_repository,
  match_exact,
  match_repo_digest_or_exact, // containers-policy.json's default
  exact_reference,            // the signed identity is VerifyRequest::identity
  exact_repository,           // its repository is VerifyRequest::identity's
};

// Each rule under its containers-policy.json name (signedIdentity's type).
inline constexpr std::array<std::pair<IdentityRule, std::string_view>, 5> k_identity_rules = {{
    {IdentityRule::match_repository, "matchRepository"},
    {IdentityRule::match_exact, "matchExact"},
    {IdentityRule::match_repo_digest_or_exact, "matchRepoDigestOrExact"},
    {IdentityRule::exact_reference, "exactReference"},
    {IdentityRule::exact_repository, "exactRepository"},
}};

// Whether SIGNED (the payload's identity) matches IMAGE under RULE; VALUE
// is exactReference's or exactRepository's.
[[nodiscard]] bool identity_matches(IdentityRule rule, const DockerReference& image,
                                    const DockerReference& signed_identity,
                                    const std::string& value);

// What a verification asks for.
struct VerifyRequest {
  struct NamedKey {
    std::string name; // the file it came from
    Key key;
  };
  std::vector<NamedKey> keys;
  std::shared_ptr<GpgKeyring> gpg;      // trusted GPG keys, for GPG signatures
  std::string manifest_digest;          // "sha256:<hex>" of the manifest or index
  std::optional<std::string> reference; // the image's reference; none: not checked
  IdentityRule rule = IdentityRule::match_repository;
  std::string identity;                           // exactReference / exactRepository's value
  std::map<std::string, std::string> annotations; // required in `optional`
};

enum class Outcome {
  verified,
  malformed,       // not a simple-signing signature moat can read
  wrong_key,       // no key verifies it
  digest_mismatch, // signed another manifest
  wrong_type,      // critical.type is not cosign's
  identity_mismatch,
  missing_annotation,
};

[[nodiscard]] std::string_view outcome_name(Outcome outcome);

struct Verdict {
  Outcome outcome = Outcome::malformed;
  std::string source;
  std::string reason; // why not, in a few words; empty when verified
  std::string key;    // the key that verified it
  std::optional<Payload> payload;
};

namespace detail {
// Appends S as a JSON string the way Go's encoding/json writes it.
void append_go_string(std::string& out, std::string_view s);
} // namespace detail

// Judges one signature; the checks run in the order a user needs them:
// the key first, then what the payload claims.
[[nodiscard]] Verdict judge(const Signature& signature, const VerifyRequest& request);

} // namespace moat::trust
