#pragma once
// Content trust as findings: the verdicts on an image's signatures become a
// report any command can emit (text, JSON, SARIF, JUnit), and any command can
// ask whether an image is trusted before it uses it.

#include <moat/core/check.hpp>
#include <moat/core/finding.hpp>
#include <moat/image/registry.hpp>
#include <moat/trust/policy.hpp>
#include <moat/trust/signature.hpp>

#include <span>
#include <string>
#include <vector>

namespace moat::trust {

// The TR checks.
[[nodiscard]] std::span<const core::CheckInfo> checks();

// The outcome of verifying one image.
struct ImageVerdict {
  std::string target;          // what was verified: an image reference, a layout, a file
  std::string manifest_digest; // what the signatures must sign
  std::vector<Verdict> signatures;

  // At least one signature verified.
  [[nodiscard]] bool verified() const;
};

// Judges every signature of SIGNATURES against REQUEST.
[[nodiscard]] ImageVerdict verify_image(std::string target,
                                        const std::vector<Signature>& signatures,
                                        const VerifyRequest& request);

// The report: TR001 passes (what verified it: key, digest, identity,
// annotations) or is a finding (nothing verified), and each signature that
// did not verify is a TR002 info finding with its reason.
[[nodiscard]] core::TargetReport to_report(const ImageVerdict& verdict);

// Judges the image TARGET names against POLICY: a registry image's and an
// OCI layout's own signatures; any other target can hold none (only a
// scope that accepts anything lets it pass). OPTIONS reach the registry.
[[nodiscard]] core::Result<PolicyVerdict> check_policy(const TrustPolicy& policy,
                                                       const std::string& target,
                                                       const image::RegistryOptions& options);

// Adds POLICY's verdict to REPORT: TR003 passes, or is a finding naming why;
// each signature that did not verify under it is a TR002 info finding.
void add_policy_verdict(core::TargetReport& report, const PolicyVerdict& verdict);

} // namespace moat::trust
