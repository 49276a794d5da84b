#pragma once
// Content trust as findings: the verdicts on an image's signatures become a
// report any command can emit (text, JSON, SARIF, JUnit), and any command can
// ask whether an image is trusted before it uses it.

#include <moat/core/check.hpp>
#include <moat/core/finding.hpp>
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

} // namespace moat::trust
