#pragma once
// CheckInfo: the data half of a check. Each module keeps one sorted constexpr
// table of them; documentation and `moat rules` are generated from the tables.

#include <moat/core/severity.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::core {

struct CheckInfo {
  std::string_view id;          // stable moat id, e.g. "DF001"
  std::string_view aliases;     // comma-separated ids users know: "DL3002,DS-0002,CIS-DI-0001"
  Severity severity;            // default severity
  std::string_view title;       // one line
  std::string_view rationale;   // why it matters
  std::string_view remediation; // what to do
  std::string_view references;  // space-separated URLs
  // Where moat deliberately gives another answer than a tool whose id it
  // carries as an alias, and why; empty when it does not.
  std::string_view differences = {};
  // Off unless the user turns it on (--enable, `enable:` in .moat.yaml, a
  // severity override, or for BuildKit's experimental checks the check
  // directive's experimental= list).
  bool opt_in = false;
};

// The aliases of a check, split.
[[nodiscard]] std::vector<std::string_view> aliases_of(const CheckInfo& info);

// The references of a check, split.
[[nodiscard]] std::vector<std::string_view> references_of(const CheckInfo& info);

// True when ID names this check (its moat id or any alias, case-insensitive).
[[nodiscard]] bool check_matches(const CheckInfo& info, std::string_view id);

// A named table of checks, as a module exports it.
struct CheckTable {
  std::string_view module; // "dockerfile", "image", ...
  std::span<const CheckInfo> checks;
};

// Finds a check by moat id or alias in TABLES; nullptr when unknown.
[[nodiscard]] const CheckInfo* find_check(std::span<const CheckTable> tables, std::string_view id);

// Problems with a table: unsorted or duplicate ids, empty texts. Empty when sound.
[[nodiscard]] std::vector<std::string> validate_table(std::span<const CheckInfo> checks);

} // namespace moat::core
