#include <moat/trust/trust.hpp>

#include <moat/trust/layout.hpp>
#include <moat/trust/registry.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

namespace moat::trust {

namespace {

using core::Severity;

constexpr std::string_view k_refs =
    "https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md "
    "https://github.com/containers/image/blob/main/docs/containers-policy.json.5.md";

// Sorted by id.
constexpr auto k_checks = std::to_array<core::CheckInfo>({
    {"TR001", "", Severity::high, "Image not signed by a trusted key",
     "Without a signature by a key you trust, nothing says the image is the one its publisher "
     "built: a poisoned image pushed under a familiar name (the cryptominers on Docker Hub) runs "
     "like any other.",
     "Sign the image with `moat sign --key KEY IMAGE` (or cosign) where it is built, and verify "
     "it with the public key before it runs.",
     k_refs},
    {"TR002", "", Severity::info, "Signature that does not verify",
     "A signature that does not verify (another key, another manifest, another repository, a "
     "damaged file) says nothing about the image; it is listed so you can see why.",
     "Sign the image again with the key the verifier trusts, or verify with the signer's public "
     "key.",
     k_refs},
    {"TR003", "", Severity::high, "Image does not meet the trust policy",
     "The trust policy says which keys must have signed the images of each registry, repository "
     "or domain, and which images are rejected outright; an image that does not meet it is not "
     "the one you decided to trust.",
     "Sign the image with the keys the policy names for its scope, or change the policy (moat "
     "verify --policy FILE IMAGE shows which scope applies and why).",
     k_refs},
});

const core::CheckInfo& check(std::string_view id) {
  for (const auto& c : k_checks)
    if (c.id == id)
      return c;
  return k_checks.front();
}

std::string annotations_text(const std::map<std::string, std::string>& optional) {
  if (optional.empty())
    return "none";
  std::string out;
  for (const auto& [key, value] : optional)
    out += fmt::format("{}{}={}", out.empty() ? "" : ", ", key, value);
  return out;
}

// TR002: a signature that did not verify, and why.
void add_unverified(core::TargetReport& report, const Verdict& v, const std::string& target) {
  core::Finding f;
  f.check = &check("TR002");
  f.severity = Severity::info;
  f.message = fmt::format("{}: {}: {}", v.source, outcome_name(v.outcome), v.reason);
  f.location.file = target;
  report.findings.push_back(std::move(f));
}

} // namespace

std::span<const core::CheckInfo> checks() {
  return k_checks;
}

bool ImageVerdict::verified() const {
  return std::any_of(signatures.begin(), signatures.end(),
                     [](const Verdict& v) { return v.outcome == Outcome::verified; });
}

ImageVerdict verify_image(std::string target, const std::vector<Signature>& signatures,
                          const VerifyRequest& request) {
  ImageVerdict out;
  out.target = std::move(target);
  out.manifest_digest = request.manifest_digest;
  out.signatures.reserve(signatures.size());
  for (const auto& s : signatures)
    out.signatures.push_back(judge(s, request));
  return out;
}

core::TargetReport to_report(const ImageVerdict& verdict) {
  core::TargetReport report;
  report.target = verdict.target;
  report.kind = "image";
  report.lists_passed = true;
  report.show_passed = true;
  for (const auto& v : verdict.signatures) {
    if (v.outcome == Outcome::verified) {
      const auto& p = *v.payload;
      report.passed.push_back(
          {&check("TR001"),
           fmt::format("{} is signed by {} (signature {}); identity {}; annotations: {}",
                       verdict.manifest_digest, v.key, v.source, p.docker_reference,
                       annotations_text(p.optional))});
      continue;
    }
    add_unverified(report, v, verdict.target);
  }
  if (!verdict.verified()) {
    core::Finding f;
    f.check = &check("TR001");
    f.severity = Severity::high;
    f.location.file = verdict.target;
    if (verdict.signatures.empty()) {
      f.message = fmt::format("{} has no signatures", verdict.manifest_digest);
    } else {
      std::map<std::string_view, int> counts;
      for (const auto& v : verdict.signatures)
        ++counts[outcome_name(v.outcome)];
      std::string why;
      for (const auto& [name, n] : counts)
        why += fmt::format("{}{} {}", why.empty() ? "" : ", ", n, name);
      f.message =
          fmt::format("no signature of {} verifies ({} signature{}: {})", verdict.manifest_digest,
                      verdict.signatures.size(), verdict.signatures.size() == 1 ? "" : "s", why);
    }
    report.findings.insert(report.findings.begin(), std::move(f));
  }
  return report;
}

core::Result<PolicyVerdict> check_policy(const TrustPolicy& policy, const std::string& target,
                                         const image::RegistryOptions& options) {
  std::error_code ec;
  if (target.starts_with("registry://")) {
    MOAT_TRY_ASSIGN(found, registry_signatures(target, options));
    return evaluate(policy, found.reference, found.manifest_digest, found.signatures);
  }
  // An OCI layout directory, or DIR:REF naming one of its images.
  std::filesystem::path dir = target;
  if (!std::filesystem::is_directory(dir, ec))
    if (const auto colon = target.rfind(':'); colon != std::string::npos && colon > 0)
      dir = target.substr(0, colon);
  if (std::filesystem::exists(dir / "oci-layout", ec)) {
    MOAT_TRY_ASSIGN(found, layout_signatures(target));
    return evaluate(policy, found.reference, found.manifest_digest, found.signatures);
  }
  // An archive, a daemon's image, a root file system: no signatures.
  return evaluate(policy, std::nullopt, "", {});
}

void add_policy_verdict(core::TargetReport& report, const PolicyVerdict& verdict) {
  report.lists_passed = true;
  for (const auto& v : verdict.signatures) {
    if (v.outcome == Outcome::verified)
      continue;
    add_unverified(report, v, report.target);
  }
  if (verdict.accepted) {
    report.passed.push_back({&check("TR003"), verdict.reason});
    return;
  }
  core::Finding f;
  f.check = &check("TR003");
  f.severity = Severity::high;
  f.message = verdict.reason;
  f.location.file = report.target;
  report.findings.push_back(std::move(f));
}

} // namespace moat::trust
