#pragma once
// Options and output handling shared by every verb.

#include <moat/core/check.hpp>
#include <moat/core/config.hpp>
#include <moat/core/finding.hpp>
#include <moat/core/policy.hpp>
#include <moat/core/result.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::cli {

// Exit codes: 0 clean, 1 findings at or above the threshold, 2 usage or tool error.
inline constexpr int k_exit_clean = 0;
inline constexpr int k_exit_findings = 1;
inline constexpr int k_exit_error = 2;

struct CommonOptions {
  std::string format = "text";
  std::string output;
  bool output_given = false; // -o was given, even as ''
  std::string fail_on;
  std::vector<std::string> ignore;
  std::vector<std::string> enable;
  std::string config;
  std::string severity; // --severity: a display filter
  int exit_code = 1;    // --exit-code: the code when --fail-on trips
  bool quiet = false;
  bool no_color = false;
};

// True while moat::cli::check_arguments parses without running: every
// verb's callback returns at once.
[[nodiscard]] inline bool& parse_only() {
  static bool value = false;
  return value;
}

// A verb's CLI11 callback: RUN() gives the exit code, unless the arguments
// are only being checked (parse_only).
template <typename Run> std::function<void()> verb_callback(int& exit_code, Run run) {
  return [&exit_code, run = std::move(run)] {
    if (!parse_only())
      exit_code = run();
  };
}

// The one meaning of -q/--quiet in every command.
inline constexpr const char* k_quiet_help =
    "Print only the report: no summary line, no progress bar, no success message";

// Adds --format, --output, --fail-on, --ignore, --enable, --config, --quiet, --no-color.
// Without SHORT_FORMAT, --format has no -f (a command where -f names a
// Dockerfile, as for docker build).
void add_common_options(CLI::App& app, CommonOptions& options, const std::string& formats,
                        bool short_format = true);

// Builds the policy: .moat.yaml (from --config or found upward from START), then
// the command line on top of it.
[[nodiscard]] core::Result<core::Policy> build_policy(const CommonOptions& options,
                                                      const std::filesystem::path& start);

// Renders REPORTS with the chosen writer to stdout or --output (see
// report::write_output). INPUTS are the files the command read; --output
// naming one of them (or the --config file) is refused.
[[nodiscard]] core::Status emit_reports(const CommonOptions& options, const std::string& command,
                                        std::span<const core::CheckInfo> checks,
                                        const core::Policy& policy,
                                        std::span<const core::TargetReport> reports,
                                        std::vector<std::filesystem::path> inputs = {});

// The value of --timeout (a positive duration: 90s, 5m, 1h30m), or a usage
// error naming the flag; every command words it the same way.
[[nodiscard]] core::Result<std::chrono::milliseconds> parse_timeout_option(const std::string& text);

// The value of the size option FLAG (a positive size: 64GiB, 512M), or a
// usage error naming the flag with EXAMPLES of sizes.
[[nodiscard]] core::Result<std::uint64_t>
parse_size_option(std::string_view flag, const std::string& text, std::string_view examples);

// Refuses `-o ''` (an explicit empty path) before any work is done.
[[nodiscard]] core::Status check_output_option(bool given, const std::string& output);

// The exit code of a command that reported REPORTS: 0, or --exit-code (1
// unless given) when a finding reaches --fail-on.
[[nodiscard]] int findings_exit_code(const CommonOptions& options, const core::Policy& policy,
                                     const std::vector<core::TargetReport>& reports);

// Prints "moat: MESSAGE" for an error on stderr and returns k_exit_error.
int report_error(const core::Error& error);

// The capabilities named in LISTS (each comma-separated, "SYS_ADMIN" or
// "CAP_SYS_ADMIN", any case) as numbers, in the order given. "ALL" stands
// for every capability when ALL_MEANS_EVERY, and for none otherwise (as
// --cap-drop ALL, which drops what is dropped anyway). An unknown name is
// a usage error naming FLAG.
[[nodiscard]] core::Result<std::vector<int>>
capability_numbers(std::string_view flag, const std::vector<std::string>& lists,
                   bool all_means_every);

// Every check table, for `moat rules` and id lookups.
[[nodiscard]] std::span<const core::CheckTable> all_check_tables();

// True when colour should be used on stdout.
[[nodiscard]] bool use_color(const CommonOptions& options);

// Draws "LABEL [####....] DONE of TOTAL MiB SUFFIX" over the current line
// of stderr (a terminal; callers decide whether to draw).
void draw_progress(std::string_view label, std::uint64_t done, std::uint64_t total,
                   std::string_view suffix = {});

// Erases the progress line.
void clear_progress();

// The text of --help's "EXIT STATUS" section.
[[nodiscard]] const char* exit_status_help();

} // namespace moat::cli
