#include <moat/core/check.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <set>

namespace moat::core {

std::vector<std::string_view> aliases_of(const CheckInfo& info) {
  return util::split_trimmed(info.aliases, ',');
}

std::vector<std::string_view> references_of(const CheckInfo& info) {
  return util::split_trimmed(info.references, ' ');
}

bool check_matches(const CheckInfo& info, std::string_view id) {
  if (util::iequals(info.id, id))
    return true;
  for (auto alias : aliases_of(info))
    if (util::iequals(alias, id))
      return true;
  return false;
}

const CheckInfo* find_check(std::span<const CheckTable> tables, std::string_view id) {
  // Moat ids first, so an alias shared by two checks never hides a moat id.
  for (const auto& table : tables)
    for (const auto& check : table.checks)
      if (util::iequals(check.id, id))
        return &check;
  for (const auto& table : tables)
    for (const auto& check : table.checks)
      if (check_matches(check, id))
        return &check;
  return nullptr;
}

std::vector<std::string> validate_table(std::span<const CheckInfo> checks) {
  std::vector<std::string> problems;
  std::set<std::string, std::less<>> seen;
  for (size_t i = 0; i < checks.size(); ++i) {
    const auto& c = checks[i];
    if (c.id.empty())
      problems.push_back(fmt::format("check #{} has an empty id", i));
    if (!seen.insert(std::string(c.id)).second)
      problems.push_back(fmt::format("{}: duplicate id", c.id));
    if (i > 0 && !(checks[i - 1].id < c.id))
      problems.push_back(fmt::format("{}: not sorted after {}", c.id, checks[i - 1].id));
    if (c.title.empty() || c.rationale.empty() || c.remediation.empty())
      problems.push_back(fmt::format("{}: empty title, rationale or remediation", c.id));
    if (!c.title.empty() && c.title.back() == '.')
      problems.push_back(fmt::format("{}: title ends with a period", c.id));
    for (auto alias : aliases_of(c))
      if (util::iequals(alias, c.id))
        problems.push_back(fmt::format("{}: alias repeats the id", c.id));
  }
  return problems;
}

} // namespace moat::core
