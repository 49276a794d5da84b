#include <moat/cli/vuln_common.hpp>

#include <moat/util/file.hpp>
#include <moat/vuln/suppress.hpp>

#include <fmt/format.h>

#include <filesystem>

namespace moat::cli {

namespace {

constexpr std::size_t k_max_suppression_file = 64U << 20;

} // namespace

std::vector<std::filesystem::path> vuln_inputs(const std::string& target,
                                               const VulnOptions& options) {
  std::vector<std::filesystem::path> inputs{target};
  inputs.emplace_back(options.db.empty() ? vuln::default_db_path()
                                         : std::filesystem::path(options.db));
  inputs.insert(inputs.end(), options.vex.begin(), options.vex.end());
  inputs.emplace_back(options.ignore_file.empty() ? ".moatignore" : options.ignore_file);
  return inputs;
}

void add_vuln_options(CLI::App& cmd, VulnOptions& options, bool for_image) {
  cmd.add_option("--db", options.db,
                 "Vulnerability database (default: $XDG_CACHE_HOME/moat/vuln.db)")
      ->option_text("FILE");
  cmd.add_flag("--ignore-unfixed", options.ignore_unfixed,
               "Report only vulnerabilities that have a fixed version");
  cmd.add_option("--vex", options.vex,
                 "OpenVEX or CycloneDX VEX document; not_affected statements suppress "
                 "findings (repeatable)")
      ->option_text("FILE")
      ->allow_extra_args(false);
  cmd.add_option("--ignore-file", options.ignore_file,
                 "Ignore file of advisory ids with optional package/path scope and expiry "
                 "(default: .moatignore in the working directory)")
      ->option_text("FILE");
  cmd.add_flag("--show-suppressed", options.show_suppressed,
               "List suppressed vulnerabilities with the VEX justification or ignore rule");
  cmd.add_flag("--include-os-owned", options.include_os_owned,
               "Also match language packages an OS package installed against their "
               "language's advisories (see below)");
  if (for_image) {
    cmd.add_flag("--skip-vulns", options.skip,
                 "Do not match packages against the vulnerability database");
    cmd.add_flag("--require-db", options.require_db,
                 "Fail (exit 2) when there is no vulnerability database, instead of scanning "
                 "without one; for CI");
  }
}

core::Result<std::optional<vuln::Database>> open_vuln_db(const VulnOptions& options,
                                                         bool required) {
  const bool chosen = !options.db.empty();
  const auto path = chosen ? std::filesystem::path(options.db) : vuln::default_db_path();
  std::error_code ec;
  if (!required && !chosen && !std::filesystem::exists(path, ec))
    return std::optional<vuln::Database>{};
  auto db = vuln::Database::open(path, false);
  if (!db)
    return std::unexpected(db.error());
  return std::optional<vuln::Database>(std::move(*db));
}

core::Status add_vulnerabilities(const vuln::Database& db, const core::PackageSource& packages,
                                 const vuln::Distro& distro, const VulnOptions& options,
                                 core::TargetReport& report, const image::ScannedImage* scanned) {
  vuln::FindingOptions fo;
  fo.file = report.target;
  if (scanned != nullptr && !scanned->image.is_directory) {
    const auto& img = scanned->image;
    for (size_t i = 0; i < img.layers.size(); ++i) {
      core::Location loc;
      loc.layer = static_cast<int>(i);
      loc.layer_digest = img.layers[i].digest;
      loc.history = img.layers[i].history;
      if (loc.history >= 0 && static_cast<size_t>(loc.history) < img.history.size())
        loc.created_by = img.history[static_cast<size_t>(loc.history)].created_by;
      fo.layers.push_back(std::move(loc));
    }
  }
  fo.ignore_unfixed = options.ignore_unfixed;
  fo.show_suppressed = options.show_suppressed;
  MOAT_TRY_ASSIGN(ignores, read_ignore_file(options.ignore_file));
  fo.ignores = std::move(ignores.rules);
  fo.ignore_file = ignores.path;
  for (const auto& file : options.vex) {
    auto text = util::read_file(file, k_max_suppression_file);
    if (!text)
      return core::fail(core::ErrorKind::io, file, text.error());
    auto statements = vuln::parse_vex(*text, file);
    if (!statements)
      return std::unexpected(statements.error());
    fo.vex.emplace_back(file, std::move(*statements));
  }
  vuln::MatchOptions mo;
  mo.include_os_owned = options.include_os_owned;
  auto matched = vuln::match_packages(db, packages, distro, mo);
  if (!matched)
    return std::unexpected(matched.error());
  vuln::add_findings(*matched, packages, fo, report);
  return {};
}

core::Result<IgnoreFile> read_ignore_file(const std::string& given) {
  IgnoreFile out;
  out.path = given;
  std::error_code ec;
  if (out.path.empty() && std::filesystem::is_regular_file(".moatignore", ec))
    out.path = ".moatignore";
  if (out.path.empty())
    return out;
  auto text = util::read_file(out.path, k_max_suppression_file);
  if (!text)
    return core::fail(core::ErrorKind::io, out.path, text.error());
  auto rules = vuln::parse_ignore_file(*text, out.path);
  if (!rules)
    return std::unexpected(rules.error());
  out.rules = std::move(*rules);
  return out;
}

std::string vuln_db_help() {
  return "DATABASE:\n"
         "  Advisories are matched offline against a local SQLite database, by\n"
         "  default $XDG_CACHE_HOME/moat/vuln.db (else ~/.cache/moat/vuln.db).\n"
         "  Fill it with `moat db import PATH...` (OSV JSON/YAML, Debian Security\n"
         "  Tracker JSON, Alpine secdb JSON; files, directories or zip archives)\n"
         "  or `moat db update` when a network is there.\n\n"
         "SUPPRESSION:\n"
         "  .moatignore, one rule a line:\n"
         "    ID [pkg:PURL | package:NAME] [path:PREFIX] [exp:YYYY-MM-DD] [# why]\n"
         "  --vex FILE: OpenVEX or CycloneDX VEX; a not_affected statement for the\n"
         "  advisory (or an alias) and the package's purl suppresses the finding.\n"
         "  Suppressed findings never fail the run; --show-suppressed lists them.\n\n"
         "PACKAGES AN OS PACKAGE INSTALLED:\n"
         "  A language package whose files an OS package installed (PyPI's urllib3\n"
         "  from Debian's python3-urllib3, Go's stdlib in a binary from a .deb) is\n"
         "  matched through that OS package, in the distribution's feed: a\n"
         "  distribution backports fixes without changing the upstream version,\n"
         "  so the language's advisories would report vulnerabilities it already\n"
         "  fixed. A note says how many packages were matched this way.\n"
         "  --include-os-owned matches them against their language's advisories\n"
         "  as well; each such finding names the OS package (installed_by).\n\n";
}

} // namespace moat::cli
