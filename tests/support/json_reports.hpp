#pragma once
// Reading moat's JSON reports in tests.

#include <nlohmann/json.hpp>

#include <set>
#include <string>

namespace moat::test {

// The ids of the findings above info in FINDINGS (a report target's
// "findings" array).
inline std::set<std::string> problem_ids(const nlohmann::json& findings) {
  std::set<std::string> ids;
  for (const auto& f : findings)
    if (f["severity"] != "info")
      ids.insert(f["id"].get<std::string>());
  return ids;
}

} // namespace moat::test
