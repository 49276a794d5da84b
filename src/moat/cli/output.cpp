#include <moat/cli/common.hpp>

#include <moat/dockerfile/lint.hpp>
#include <moat/host/bench.hpp>
#include <moat/image/checks.hpp>
#include <moat/report/writer.hpp>
#include <moat/runconf/runconf.hpp>
#include <moat/seccomp/seccomp.hpp>
#include <moat/secrets/engine.hpp>
#include <moat/secrets/rules.hpp>
#include <moat/trust/trust.hpp>
#include <moat/util/capabilities.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <unistd.h>

#ifndef MOAT_VERSION
#define MOAT_VERSION "0.0.0"
#endif

namespace moat::cli {

void add_common_options(CLI::App& app, CommonOptions& options, const std::string& formats,
                        bool short_format) {
  app.add_option(short_format ? "-f,--format" : "--format", options.format,
                 "Output format: " + formats)
      ->default_str("text")
      ->option_text("FORMAT");
  app.add_option("-o,--output", options.output,
                 "Write the report to FILE instead of standard output: a regular file is "
                 "replaced atomically and keeps its mode, a device or FIFO is written to")
      ->each([&options](const std::string&) { options.output_given = true; })
      ->option_text("FILE");
  app.add_option("--fail-on", options.fail_on,
                 "Exit with 1 when a finding is at or above this severity: critical, high, "
                 "medium (default), low, info or none")
      ->option_text("SEVERITY");
  app.add_option("--severity", options.severity,
                 "Show only findings of these severities (critical, high, medium, low, info; "
                 "comma-separated). A display filter: --fail-on still judges every finding")
      ->option_text("LIST");
  app.add_option("--exit-code", options.exit_code,
                 "Exit code when a finding reaches --fail-on (default 1; 0 never fails). "
                 "Errors always exit 2")
      ->check(CLI::Range(0, 255))
      ->option_text("N");
  app.add_option("--ignore", options.ignore,
                 "Ignore checks by moat id or alias (DL3008, DS-0002, CIS-DI-0001); "
                 "comma-separated, repeatable")
      ->allow_extra_args(false)
      ->option_text("ID[,ID...]");
  app.add_option("--enable", options.enable,
                 "Turn on opt-in checks by moat id or alias (DL1001, CopyIgnoredFile); "
                 "comma-separated, repeatable")
      ->allow_extra_args(false)
      ->option_text("ID[,ID...]");
  app.add_option("-c,--config", options.config,
                 "Configuration file (default: .moat.yaml found upward from the target)")
      ->option_text("FILE");
  app.add_flag("-q,--quiet", options.quiet, k_quiet_help);
  app.add_flag("--no-color", options.no_color,
               "Never colour the output (also: NO_COLOR environment variable)");
}

namespace {

// True for an id shaped like an advisory's (CVE-2023-1234, GHSA-xxxx-xxxx-xxxx,
// PYSEC-2023-74, GO-2024-2887, DSA-5000-1): letters, a dash, then anything
// holding a digit. Families moat uses for its checks' aliases are not
// advisories: an unknown DS-9999 is a typo, not an advisory.
bool looks_like_advisory_id(std::string_view id) {
  const auto dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= id.size())
    return false;
  const auto prefix = util::to_upper(id.substr(0, dash));
  if (prefix == "DS" || prefix == "CIS" || prefix == "DKL" || prefix == "AVD")
    return false;
  return std::ranges::all_of(prefix, [](char c) { return c >= 'A' && c <= 'Z'; }) &&
         std::ranges::any_of(id.substr(dash + 1), [](char c) { return c >= '0' && c <= '9'; });
}

// Every id --ignore, --enable or the configuration names must be a check of
// moat (by id or alias) or an advisory's id: a typo silently ignoring
// nothing is how findings come back unexpectedly.
core::Status check_ids(const std::vector<std::string>& ids, std::string_view where) {
  const auto tables = all_check_tables();
  for (const auto& id : ids) {
    if (core::find_check(tables, id) != nullptr || looks_like_advisory_id(id))
      continue;
    const auto user = secrets::user_checks();
    if (std::ranges::any_of(user, [&](const core::CheckInfo* c) { return c->id == id; }))
      continue;
    std::vector<std::string> known;
    for (const auto& table : tables)
      for (const auto& check : table.checks) {
        known.emplace_back(check.id);
        for (auto alias : core::aliases_of(check))
          known.emplace_back(alias);
      }
    const auto guess = util::closest_match(id, known);
    return core::fail(
        core::ErrorKind::usage, std::string(where),
        fmt::format("unknown check id '{}'{}; 'moat rules' lists them", id,
                    guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess)));
  }
  return {};
}

} // namespace

core::Result<core::Policy> build_policy(const CommonOptions& options,
                                        const std::filesystem::path& start) {
  core::Policy policy;
  std::optional<std::filesystem::path> config_path;
  if (!options.config.empty())
    config_path = options.config;
  else
    config_path = core::find_config(start);
  if (config_path) {
    auto config = core::load_config(*config_path);
    if (!config)
      return std::unexpected(config.error());
    // The secret engine's tuning, before the ids are checked: the user's
    // rules are checks too.
    if (config->secrets)
      if (auto status = secrets::configure(*config->secrets, config_path->string()); !status)
        return std::unexpected(status.error());
    std::vector<std::string> named = config->ignores;
    named.insert(named.end(), config->enables.begin(), config->enables.end());
    for (const auto& [id, severity] : config->overrides)
      named.push_back(id);
    if (auto status = check_ids(named, config_path->string()); !status)
      return std::unexpected(status.error());
    core::merge_config(*config, policy);
  }
  if (!options.fail_on.empty()) {
    auto fail_on = core::parse_fail_on(options.fail_on);
    if (!fail_on)
      return std::unexpected(fail_on.error());
    policy.fail_on = *fail_on;
  }
  for (const auto& list : options.ignore)
    for (auto id : util::split_trimmed(list, ','))
      policy.ignores.emplace_back(id);
  std::vector<std::string> given;
  for (const auto& list : options.enable)
    for (auto id : util::split_trimmed(list, ','))
      policy.enables.emplace_back(id);
  for (const auto& list : options.ignore)
    for (auto id : util::split_trimmed(list, ','))
      given.emplace_back(id);
  if (auto status = check_ids(given, "--ignore"); !status)
    return std::unexpected(status.error());
  given.clear();
  for (const auto& list : options.enable)
    for (auto id : util::split_trimmed(list, ','))
      given.emplace_back(id);
  if (auto status = check_ids(given, "--enable"); !status)
    return std::unexpected(status.error());
  return policy;
}

bool use_color(const CommonOptions& options) {
  if (options.no_color || !options.output.empty())
    return false;
  if (const char* no = std::getenv("NO_COLOR"); no != nullptr && *no != '\0')
    return false;
  if (const char* term = std::getenv("TERM"); term != nullptr && std::string_view(term) == "dumb")
    return false;
  return util::is_tty(STDOUT_FILENO);
}

core::Status emit_reports(const CommonOptions& options, const std::string& command,
                          std::span<const core::CheckInfo> checks, const core::Policy& policy,
                          std::span<const core::TargetReport> reports,
                          std::vector<std::filesystem::path> inputs) {
  if (auto status = check_output_option(options.output_given, options.output); !status)
    return status;
  report::TextOptions text;
  text.color = use_color(options);
  text.quiet = options.quiet;
  auto writer = report::make_writer(options.format, text);
  if (!writer)
    return std::unexpected(writer.error());
  // --severity hides findings from the report, not from --fail-on.
  std::vector<core::TargetReport> filtered;
  if (!options.severity.empty()) {
    std::vector<core::Severity> shown;
    for (auto name : util::split_trimmed(options.severity, ',')) {
      const auto severity = core::parse_severity(name);
      if (!severity)
        return core::fail(core::ErrorKind::usage, "--severity",
                          fmt::format("unknown severity '{}' (expected critical, high, medium, "
                                      "low or info)",
                                      name));
      shown.push_back(*severity);
    }
    filtered.assign(reports.begin(), reports.end());
    for (auto& report : filtered)
      std::erase_if(report.findings, [&](const core::Finding& f) {
        return std::ranges::find(shown, f.severity) == shown.end();
      });
    reports = filtered;
  }
  report::ReportInfo info;
  info.tool_version = MOAT_VERSION;
  info.command = command;
  info.fail_on = policy.fail_on;
  for (const auto& c : checks)
    info.checks.push_back(&c);
  if (options.output.empty() || options.output == "-") {
    (*writer)->write(std::cout, info, reports);
    std::cout.flush();
    if (!std::cout)
      return core::fail(core::ErrorKind::io, "stdout", "write failed");
    return {};
  }
  // A file is written whole or not at all, streamed through a temporary
  // file beside it.
  if (!options.config.empty())
    inputs.emplace_back(options.config);
  return report::write_output(
      options.output,
      [&](std::ostream& out) -> core::Status {
        (*writer)->write(out, info, reports);
        return {};
      },
      inputs);
}

int findings_exit_code(const CommonOptions& options, const core::Policy& policy,
                       const std::vector<core::TargetReport>& reports) {
  return core::exit_code_for(policy, reports) == 0 ? k_exit_clean : options.exit_code;
}

core::Result<std::chrono::milliseconds> parse_timeout_option(const std::string& text) {
  const auto timeout = util::parse_duration(text);
  if (!timeout || timeout->count() <= 0)
    return core::fail(core::ErrorKind::usage, "--timeout",
                      fmt::format("'{}' is not a duration (90s, 5m, 1h30m)", text));
  return *timeout;
}

core::Result<std::uint64_t> parse_size_option(std::string_view flag, const std::string& text,
                                              std::string_view examples) {
  const auto size = util::parse_byte_size(text);
  if (!size || *size == 0)
    return core::fail(core::ErrorKind::usage, std::string(flag),
                      fmt::format("'{}' is not a size ({})", text, examples));
  return *size;
}

core::Status check_output_option(bool given, const std::string& output) {
  if (given && output.empty())
    return core::fail(core::ErrorKind::usage, "--output",
                      "empty path (use '-' for standard output)");
  return {};
}

int report_error(const core::Error& error) {
  std::string line = error.to_string();
  // One line, whatever the message held, and no terminal escapes from
  // names that came out of an archive.
  for (auto& c : line)
    if (c == '\n' || c == '\r')
      c = ' ';
  fmt::print(stderr, "moat: {}\n", util::terminal_safe(line));
  return k_exit_error;
}

core::Result<std::vector<int>> capability_numbers(std::string_view flag,
                                                  const std::vector<std::string>& lists,
                                                  bool all_means_every) {
  std::vector<int> out;
  for (const auto& list : lists)
    for (auto name : util::split_trimmed(list, ',')) {
      if (util::iequals(name, "ALL")) {
        if (all_means_every)
          for (std::size_t i = 0; i < util::all_capabilities().size(); ++i)
            out.push_back(static_cast<int>(i));
        continue;
      }
      const auto number = util::capability_number(name);
      if (!number)
        return core::fail(core::ErrorKind::usage, std::string(flag),
                          fmt::format("unknown capability '{}'", name));
      out.push_back(*number);
    }
  return out;
}

std::span<const core::CheckTable> all_check_tables() {
  static const std::array<core::CheckTable, 7> tables{{{"dockerfile", dockerfile::checks()},
                                                       {"image", image::checks()},
                                                       {"config", runconf::checks()},
                                                       {"bench", host::checks()},
                                                       {"verify", trust::checks()},
                                                       {"seccomp", seccomp::checks()},
                                                       {"secrets", secrets::checks()}}};
  return tables;
}

void draw_progress(std::string_view label, std::uint64_t done, std::uint64_t total,
                   std::string_view suffix) {
  constexpr std::uint64_t k_width = 30;
  constexpr double k_mib = 1024.0 * 1024.0;
  const std::uint64_t filled = total == 0 ? 0 : std::min(k_width, done * k_width / total);
  fmt::print(stderr, "\r\033[K{} [{}{}] {:.1f}{} MiB{}", label, std::string(filled, '#'),
             std::string(k_width - filled, '.'), static_cast<double>(done) / k_mib,
             total == 0 ? std::string()
                        : fmt::format(" of {:.1f}", static_cast<double>(total) / k_mib),
             suffix);
  std::fflush(stderr);
}

void clear_progress() {
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
}

const char* exit_status_help() {
  return "EXIT STATUS:\n"
         "  0  no finding at or above the --fail-on severity\n"
         "  1  at least one finding at or above it\n"
         "  2  usage error, or an input could not be processed (one line on stderr names it;\n"
         "     no report file is written)";
}

} // namespace moat::cli
