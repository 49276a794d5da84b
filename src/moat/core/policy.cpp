#include <moat/core/policy.hpp>

#include <moat/util/strings.hpp>

#include <algorithm>

namespace moat::core {

bool Policy::is_ignored(const CheckInfo& check) const {
  return std::any_of(ignores.begin(), ignores.end(),
                     [&](const std::string& id) { return check_matches(check, id); });
}

bool Policy::is_enabled(const CheckInfo& check) const {
  if (!check.opt_in)
    return true;
  const auto named = [&](const std::string& id) { return check_matches(check, id); };
  return std::any_of(enables.begin(), enables.end(), named) ||
         std::any_of(overrides.begin(), overrides.end(),
                     [&](const auto& entry) { return named(entry.first); });
}

Severity Policy::severity_for(const CheckInfo& check) const {
  // The moat id wins over an alias when both are overridden.
  for (const auto& [id, severity] : overrides)
    if (util::iequals(id, check.id))
      return severity;
  for (const auto& [id, severity] : overrides)
    if (check_matches(check, id))
      return severity;
  return check.severity;
}

Result<std::optional<Severity>> parse_fail_on(std::string_view text) {
  if (util::iequals(text, "none"))
    return std::optional<Severity>{};
  if (auto s = parse_severity(text))
    return std::optional<Severity>{*s};
  return fail(ErrorKind::usage, "--fail-on",
              "unknown severity '" + std::string(text) +
                  "' (expected critical, high, medium, low, info or none)");
}

void apply_policy(const Policy& policy, TargetReport& report) {
  // In place: a second list would double what the findings hold.
  const auto removed =
      std::erase_if(report.findings, [&](const Finding& f) { return policy.is_ignored(*f.check); });
  report.suppressed += static_cast<int>(removed);
  // A finding keeps a severity of its own (moat bench's info findings for
  // a check with nothing to measure) unless the policy overrides the check.
  for (auto& f : report.findings) {
    const auto severity = policy.severity_for(*f.check);
    if (f.severity == f.check->severity || severity != f.check->severity)
      f.severity = severity;
  }
}

int exit_code_for(const Policy& policy, const std::vector<TargetReport>& reports) {
  if (!policy.fail_on)
    return 0;
  for (const auto& r : reports)
    for (const auto& f : r.findings)
      if (f.severity >= *policy.fail_on)
        return 1;
  return 0;
}

} // namespace moat::core
