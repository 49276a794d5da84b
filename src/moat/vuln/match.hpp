#pragma once
// Matching packages against the advisory database, with OSV's range
// semantics, and turning the matches into findings.

#include <moat/core/finding.hpp>
#include <moat/core/package.hpp>
#include <moat/core/package_list.hpp>
#include <moat/core/result.hpp>
#include <moat/vuln/db.hpp>
#include <moat/vuln/suppress.hpp>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace moat::vuln {

// The operating system the OS packages belong to.
struct Distro {
  std::string id;      // os-release ID: "debian", "ubuntu", "alpine"
  std::string version; // os-release VERSION_ID: "12", "22.04", "3.18.4"
};

// The ecosystem key OS packages of DISTRO are matched under ("Debian:12",
// "Ubuntu:22.04", "Alpine:v3.18"); empty when moat has no feed for it.
[[nodiscard]] std::string distro_ecosystem(const Distro& distro);

// The result of evaluating one affected entry for one version.
struct Verdict {
  bool affected = false;
  std::string fixed_version; // the first fix above the version; empty when none
};

// Evaluates AFFECTED for VERSION under OSV's rules: explicit versions,
// then every range (introduced/fixed/last_affected/limit, sorted by the
// ecosystem's scheme; SEMVER ranges compared as SemVer). Ranges whose
// versions the scheme rejects are skipped and counted in SKIPPED.
[[nodiscard]] Verdict evaluate(const Affected& affected, std::string_view ecosystem,
                               std::string_view version, int* skipped = nullptr);

struct Match {
  size_t package = 0; // index into the packages matched
  std::string feed;
  Advisory advisory; // with the one Affected that matched
  std::string ecosystem;
  std::string fixed_version;
  FixState state = FixState::affected;
  // The other records of the same vulnerability for this package (see
  // match_packages), most preferred first; the finding names them all.
  std::vector<Match> merged;
  // The ids of this package's other matches that share an alias with this
  // one without being the same vulnerability; sorted.
  std::vector<std::string> related;
};

struct MatchOptions {
  // Also match language packages an OS package installed against their
  // language's advisories (--include-os-owned).
  bool include_os_owned = false;
};

struct MatchResult {
  std::vector<Match> matches;     // by package, then advisory id
  std::vector<std::string> notes; // packages that could not be matched, and why
};

// Matches PACKAGES (OS packages by source package and version in DISTRO's
// release; language packages by ecosystem and name).
//
// A language package an OS package installed (Package::installed_by) is
// left to that OS package, which the distribution's feed covers:
// distributions backport fixes without changing the upstream version, so
// the language's advisories would report fixed vulnerabilities. A note
// counts such packages; OPTIONS.include_os_owned matches them as well.
//
// Records are merged per package. A record's identity is its own id and the
// CVE ids it names (as id or alias). Two records that affect the same
// package are one vulnerability when their identities meet: the same id
// (one advisory imported through two feeds) or a CVE id both name (the
// Debian tracker's CVE-X and the OSV record aliasing CVE-X; two PYSEC
// records for one CVE). The relation is closed transitively: when A and B
// name CVE-1 and B and C name CVE-2, A, B and C are one finding. Every
// other shared alias (a GHSA id, a GO id, or one record naming the other's
// non-CVE id) is too loose to hide a record: upstream data links distinct
// CVEs through one GHSA id. Such records stay separate matches and name
// each other in `related`.
//
// Within a merged group the primary record is the distribution's own feed
// first, then the database's order (feed, id); its fix and state make the
// finding, and the others go to `merged`.
[[nodiscard]] core::Result<MatchResult> match_packages(const Database& db,
                                                       const core::PackageSource& packages,
                                                       const Distro& distro,
                                                       const MatchOptions& options = {});
[[nodiscard]] core::Result<MatchResult> match_packages(const Database& db,
                                                       std::span<const core::Package> packages,
                                                       const Distro& distro,
                                                       const MatchOptions& options = {});

struct FindingOptions {
  std::string file;                // the target as the user named it
  bool ignore_unfixed = false;     // drop matches with no fixed version
  bool show_suppressed = false;    // keep suppressed findings in suppressed_findings
  std::vector<IgnoreRule> ignores; // from .moatignore
  std::string ignore_file;         // its name, for "suppressed by"
  std::vector<std::pair<std::string, std::vector<VexStatement>>> vex; // (file, statements)
  std::string today; // "YYYY-MM-DD", for ignore expiry
  // Images: the location of each layer (index, digest, history entry,
  // created_by), so a finding names the layer that installed the package.
  std::vector<core::Location> layers;
};

// The severity of a match: the distribution's urgency for OS packages,
// else the CVSS vector's computed score (v4, then v3, then v2), else the
// source's own rating; "unknown" when none says. Sets score, vector and
// source on V.
void rate(const Match& match, bool os_package, core::Vulnerability& v);

// The findings for MATCHES, with suppression applied; suppressed ones go
// to REPORT.suppressed_findings (with --show-suppressed) and count in
// REPORT.suppressed.
void add_findings(const MatchResult& result, const core::PackageSource& packages,
                  const FindingOptions& options, core::TargetReport& report);
void add_findings(const MatchResult& result, std::span<const core::Package> packages,
                  const FindingOptions& options, core::TargetReport& report);

// The core severity a vulnerability severity word maps to ("negligible" ->
// info; "unknown" -> medium, so an unrated advisory still fails the default gate).
[[nodiscard]] core::Severity core_severity(std::string_view severity);

} // namespace moat::vuln
