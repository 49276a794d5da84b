#pragma once
// A trust policy: which keys must have signed the images of a registry,
// repository or domain pattern, or that they are rejected or accepted as
// they are. Read from moat-policy.yaml or from a containers-policy.json as
// skopeo, Podman and CRI-O read it (its docker transport); the most specific
// scope wins, as containers/image decides it. Any command can ask
// evaluate() before it uses an image.

#include <moat/core/result.hpp>
#include <moat/trust/gpg.hpp>
#include <moat/trust/keys.hpp>
#include <moat/trust/signature.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace moat::trust {

struct Requirement {
  enum class Type { accept_anything, reject, cosign_keys, gpg_keys };
  Type type = Type::reject;
  std::vector<VerifyRequest::NamedKey> keys; // cosign_keys
  std::shared_ptr<GpgKeyring> gpg;           // gpg_keys
  int threshold = 1;                         // distinct keys that must have signed
  IdentityRule rule = IdentityRule::match_repository;
  std::string identity; // exactReference / exactRepository's value
};

struct TrustPolicy {
  std::string source; // the file
  std::vector<Requirement> fallback;
  std::vector<std::pair<std::string, std::vector<Requirement>>> scopes;

  // The requirements for REFERENCE (normalised), and the scope they came
  // from ("default" for the fallback).
  [[nodiscard]] const std::vector<Requirement>&
  for_reference(const std::optional<DockerReference>& reference, std::string& scope) const;
};

// Reads a policy: containers-policy.json (a JSON object with "default") or
// moat-policy.yaml. Key files are read relative to the policy's directory.
// Unknown members, a malformed scope or an unreadable key are errors naming
// PATH.
[[nodiscard]] core::Result<TrustPolicy> read_policy(const std::string& path);
// The same for TEXT already read from PATH.
[[nodiscard]] core::Result<TrustPolicy> read_policy_text(std::string_view text,
                                                         const std::string& path);

struct PolicyVerdict {
  bool accepted = false;
  std::string scope;
  std::string reason;              // why not, or what accepted it
  std::vector<Verdict> signatures; // each signature's verdict under the deciding requirement
};

// Judges the image known as REFERENCE (none: only the default applies)
// with manifest DIGEST and SIGNATURES against POLICY: every requirement of
// the scope must pass.
[[nodiscard]] PolicyVerdict evaluate(const TrustPolicy& policy,
                                     const std::optional<std::string>& reference,
                                     const std::string& digest,
                                     const std::vector<Signature>& signatures);

} // namespace moat::trust
