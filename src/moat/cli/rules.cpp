// moat rules: list and explain every check.

#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace moat::cli {

namespace {

struct RulesOptions {
  std::string id;
  std::string format = "text";
};

nlohmann::json to_json(const core::CheckInfo& c, std::string_view module) {
  nlohmann::json j;
  j["id"] = c.id;
  j["module"] = module;
  auto aliases = nlohmann::json::array();
  for (auto a : core::aliases_of(c))
    aliases.push_back(a);
  j["aliases"] = aliases;
  j["severity"] = core::to_string(c.severity);
  j["title"] = c.title;
  j["rationale"] = c.rationale;
  j["remediation"] = c.remediation;
  auto refs = nlohmann::json::array();
  for (auto r : core::references_of(c))
    refs.push_back(r);
  j["references"] = refs;
  return j;
}

int run_rules(const RulesOptions& opts) {
  if (opts.format != "text" && opts.format != "json")
    return report_error(core::Error{core::ErrorKind::usage, "--format",
                                    "unknown format '" + opts.format + "' (expected text or json)",
                                    0, 0});
  const auto tables = all_check_tables();
  if (!opts.id.empty()) {
    const core::CheckInfo* check = core::find_check(tables, opts.id);
    if (check == nullptr)
      return report_error(
          core::Error{core::ErrorKind::usage, "rules", "unknown check '" + opts.id + "'", 0, 0});
    std::string_view module;
    for (const auto& t : tables)
      for (const auto& c : t.checks)
        if (&c == check)
          module = t.module;
    if (opts.format == "json") {
      std::cout << to_json(*check, module).dump(2) << "\n";
      return k_exit_clean;
    }
    std::string out = fmt::format("{}  {}\n\n", check->id, check->title);
    out += fmt::format("Module:      {}\n", module);
    out += fmt::format("Severity:    {}\n", core::to_string(check->severity));
    auto aliases = core::aliases_of(*check);
    out += fmt::format("Aliases:     {}\n\n", aliases.empty()
                                                  ? std::string("-")
                                                  : fmt::format("{}", fmt::join(aliases, ", ")));
    out += fmt::format("Why:\n  {}\n\n", check->rationale);
    out += fmt::format("Fix:\n  {}\n", check->remediation);
    auto refs = core::references_of(*check);
    if (!refs.empty()) {
      out += "\nReferences:\n";
      for (auto r : refs)
        out += fmt::format("  {}\n", r);
    }
    std::cout << out;
    return k_exit_clean;
  }
  if (opts.format == "json") {
    auto all = nlohmann::json::array();
    for (const auto& t : tables)
      for (const auto& c : t.checks)
        all.push_back(to_json(c, t.module));
    std::cout << all.dump(2) << "\n";
    return k_exit_clean;
  }
  std::string out = fmt::format("{:<7} {:<9} {:<34} {}\n", "ID", "SEVERITY", "ALIASES", "TITLE");
  for (const auto& t : tables)
    for (const auto& c : t.checks)
      out += fmt::format("{:<7} {:<9} {:<34} {}\n", c.id, core::to_string(c.severity),
                         c.aliases.empty() ? std::string_view("-") : c.aliases, c.title);
  std::cout << out;
  return k_exit_clean;
}

} // namespace

void attach_rules(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<RulesOptions>();
  auto* cmd = root.add_subcommand("rules", "List every check, or explain one");
  cmd->description("List every check with its id, default severity, aliases and title, or\n"
                   "explain one check (by moat id or any alias) with its rationale and fix.");
  cmd->add_option("ID", opts->id, "A moat id (DF003) or an alias (DL3002, DS-0002)");
  cmd->add_option("-f,--format", opts->format, "Output format: text or json")
      ->option_text("FORMAT");
  cmd->footer("EXAMPLES:\n  moat rules\n  moat rules DL3008\n  moat rules --format json\n\n"
              "EXIT STATUS:\n  0  success\n  2  unknown check id or usage error");
  cmd->callback([opts, &exit_code] { exit_code = run_rules(*opts); });
}

} // namespace moat::cli
