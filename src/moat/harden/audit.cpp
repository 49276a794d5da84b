// Audit watch rules for Docker's files and programs.

#include <moat/harden/audit.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace moat::harden {

std::string audit_rules(std::span<const host::AuditTarget> targets) {
  std::string out =
      "# Audit rules for Docker's files and programs on this host (CIS Docker Benchmark\n"
      "# 1.1.3-1.1.18). Install as /etc/audit/rules.d/docker.rules, then load them:\n"
      "#   augenrules --load\n"
      "# Search the events with: ausearch -k docker\n";
  std::vector<std::string> seen;
  std::vector<const host::AuditTarget*> missing;
  for (const auto& t : targets) {
    if (t.path.empty()) {
      missing.push_back(&t);
      continue;
    }
    if (std::find(seen.begin(), seen.end(), t.path) != seen.end())
      continue;
    seen.push_back(t.path);
    std::string cis;
    for (const auto& check : host::checks())
      if (check.id == t.check)
        if (auto aliases = core::aliases_of(check); !aliases.empty())
          cis = fmt::format(" ({})", aliases.front());
    out += fmt::format("\n## {}{}\n-w {} -p rwxa -k docker\n", t.what, cis, t.path);
  }
  if (!missing.empty()) {
    out += "\n# Not on this host, so not watched:\n";
    for (const auto* t : missing)
      out += fmt::format("#   {}\n", t->what);
  }
  return out;
}

} // namespace moat::harden
