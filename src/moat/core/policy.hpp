#pragma once
// Policy: which findings are reported and which ones fail the run.

#include <moat/core/finding.hpp>
#include <moat/core/result.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moat::core {

struct Policy {
  // Findings at or above this severity make the exit code 1; nullopt = never.
  std::optional<Severity> fail_on = Severity::medium;
  // Ids (moat ids or aliases, upper-cased) whose findings are dropped.
  std::vector<std::string> ignores;
  // Severity overrides by id or alias (upper-cased keys).
  std::map<std::string, Severity> overrides;
  // Registries a FROM may pull from (DL3026); empty = any.
  std::vector<std::string> allowed_registries;
  // Opt-in checks turned on, by id or alias.
  std::vector<std::string> enables;
  // Labels every image must carry, with the type of their value
  // ("text", "url", "semver", "rfc3339", "spdx", "hash", "email"), in order.
  std::vector<std::pair<std::string, std::string>> label_schema;
  // With a label schema: labels it does not name are reported.
  bool strict_labels = false;
  // Ignore pragmas in Dockerfiles are read as plain comments.
  bool disable_ignore_pragma = false;

  // True when a finding of CHECK is ignored by this policy.
  [[nodiscard]] bool is_ignored(const CheckInfo& check) const;
  // True when CHECK runs: it is not opt-in, or the policy turns it on.
  [[nodiscard]] bool is_enabled(const CheckInfo& check) const;
  // The severity CHECK should have under this policy.
  [[nodiscard]] Severity severity_for(const CheckInfo& check) const;
};

// Parses a --fail-on value: a severity or "none".
[[nodiscard]] Result<std::optional<Severity>> parse_fail_on(std::string_view text);

// Applies ignores and overrides to a report in place.
void apply_policy(const Policy& policy, TargetReport& report);

// 1 when any finding is at or above the threshold, else 0.
[[nodiscard]] int exit_code_for(const Policy& policy, const std::vector<TargetReport>& reports);

} // namespace moat::core
