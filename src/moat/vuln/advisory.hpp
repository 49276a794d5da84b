#pragma once
// Advisory: one vulnerability record as moat stores it, whatever feed it came
// from. The model follows OSV (https://ossf.github.io/osv-schema/); the
// Debian Security Tracker and Alpine secdb importers map onto it.

#include <string>
#include <vector>

namespace moat::vuln {

// Whether, and how, a vulnerable package can be fixed.
enum class FixState {
  fixed,        // a fixed version exists
  affected,     // affected, no fix yet
  will_not_fix, // the distribution decided not to fix it (Debian "ignored")
  deferred,     // the fix is postponed (Debian "postponed")
  end_of_life,  // the package is no longer supported in this release
  not_affected, // this release was never affected (Debian fixed_version "0")
};

// "fixed", "affected", "will_not_fix", "deferred", "end_of_life", "not_affected".
[[nodiscard]] std::string_view to_string(FixState state);

struct Event {
  enum class Kind { introduced, fixed, last_affected, limit };
  Kind kind = Kind::introduced;
  std::string version; // "0" for introduced means every version before
};

struct Range {
  enum class Type { ecosystem, semver, git };
  Type type = Type::ecosystem;
  std::vector<Event> events; // in the order the source lists them
};

// One affected package of an advisory.
struct Affected {
  std::string ecosystem; // OSV ecosystem with its release: "Debian:12", "Alpine:v3.18", "PyPI"
  std::string name;      // package name as the ecosystem spells it (distros: the source package)
  std::string purl;      // may be empty
  std::vector<Range> ranges;
  std::vector<std::string> versions; // explicitly affected versions
  // Distribution feeds: the fix state for this package in this release.
  // Left `fixed` for OSV records, whose ranges decide.
  FixState state = FixState::fixed;
  std::string severity; // per-package rating ("high"; Debian urgency); empty when none
};

// A severity statement: a CVSS vector, or a rating given by the source.
struct SeverityEntry {
  std::string type;  // "CVSS_V2", "CVSS_V3", "CVSS_V4", or "rating" for a source's own word
  std::string value; // the vector, or the rating ("HIGH", "moderate")
};

struct Advisory {
  std::string id;                   // "GO-2023-1234", "PYSEC-2021-1", "CVE-2023-1234"
  std::vector<std::string> aliases; // other ids (CVE, GHSA, DSA, ...), without id itself
  std::string summary;              // one line; may be empty
  std::string details;              // may be long; may be empty
  std::string published;            // RFC 3339; may be empty
  std::string modified;             // RFC 3339; may be empty
  std::string withdrawn;            // RFC 3339 when withdrawn; such advisories are dropped
  std::vector<SeverityEntry> severity;
  std::vector<Affected> affected;
  std::vector<std::string> references; // URLs
};

} // namespace moat::vuln
