#pragma once
// What `moat vuln` and `moat image` share for vulnerabilities: the database
// and suppression options, and matching an inventory into a report.

#include <moat/cli/common.hpp>
#include <moat/core/package.hpp>
#include <moat/core/package_list.hpp>
#include <moat/image/source.hpp>
#include <moat/vuln/db.hpp>
#include <moat/vuln/match.hpp>
#include <moat/vuln/suppress.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace moat::cli {

struct VulnOptions {
  std::string db;                // --db
  bool ignore_unfixed = false;   // --ignore-unfixed
  std::vector<std::string> vex;  // --vex, repeatable
  std::string ignore_file;       // --ignore-file; default .moatignore in the working directory
  bool show_suppressed = false;  // --show-suppressed
  bool include_os_owned = false; // --include-os-owned
  bool skip = false;             // --skip-vulns (moat image)
  bool require_db = false;       // --require-db (moat image): no database is an error
};

// The files a vulnerability scan of TARGET reads: the target itself, the
// database, VEX documents and the ignore file (for --output's refusal).
[[nodiscard]] std::vector<std::filesystem::path> vuln_inputs(const std::string& target,
                                                             const VulnOptions& options);

// Adds --db, --ignore-unfixed, --vex, --ignore-file, --show-suppressed,
// --include-os-owned; with FOR_IMAGE also --skip-vulns.
void add_vuln_options(CLI::App& cmd, VulnOptions& options, bool for_image);

// Opens --db, or the default database. With REQUIRED a missing database is
// an error; without it, a missing default database gives nullopt.
[[nodiscard]] core::Result<std::optional<vuln::Database>> open_vuln_db(const VulnOptions& options,
                                                                       bool required);

// Matches PACKAGES and adds the findings (with suppression) to REPORT. For
// an image, SCANNED names each finding's layer.
[[nodiscard]] core::Status
add_vulnerabilities(const vuln::Database& db, const core::PackageSource& packages,
                    const vuln::Distro& distro, const VulnOptions& options,
                    core::TargetReport& report, const image::ScannedImage* scanned = nullptr);

// The DATABASE, SUPPRESSION and OS-installed package sections of --help.
// .moatignore: GIVEN (--ignore-file), else .moatignore in the working
// directory when there is one; no rules and an empty path otherwise.
struct IgnoreFile {
  std::string path;
  std::vector<vuln::IgnoreRule> rules;
};
[[nodiscard]] core::Result<IgnoreFile> read_ignore_file(const std::string& given);

[[nodiscard]] std::string vuln_db_help();

} // namespace moat::cli
