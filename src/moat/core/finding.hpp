#pragma once
// A Finding says the target is insecure or sloppy. It is not an error: an
// Error says moat could not do its job.

#include <moat/core/check.hpp>
#include <moat/core/location.hpp>
#include <moat/core/package.hpp>
#include <moat/core/severity.hpp>
#include <moat/core/vulnerability.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace moat::core {

// A secret's finding: what .moatignore and review tools key on, and for a
// file of an image whether a later layer hid it.
struct SecretDetail {
  std::string rule;        // the secret rule ("SE009"), also under IM012 and IM014
  std::string redacted;    // never the whole secret
  std::string fingerprint; // of the rule and the secret
  int shadowed_by = -1;    // the layer that deleted or overwrote the file; -1: none
  std::string shadowed_digest{};
  std::string shadowed_how{}; // "deleted" or "overwritten"
};

struct Finding {
  const CheckInfo* check = nullptr;   // never null once emitted
  Severity severity = Severity::info; // effective severity (after overrides)
  std::string message;                // specific to this occurrence; secrets redacted
  Location location;
  // Vulnerability findings: the advisory and the package; null for checks.
  std::shared_ptr<const Vulnerability> vulnerability{};
  // Secret findings: the rule, fingerprint and shadowing; null otherwise.
  std::shared_ptr<const SecretDetail> secret{};
};

// A deque, not a vector: a lint can report a million findings, and a
// vector's last doubling would hold one and a half copies of them.
using Findings = std::deque<Finding>;

// A check that ran and found nothing (moat bench lists them, so a run can
// be compared with an earlier one).
struct Passed {
  const CheckInfo* check = nullptr;
  std::string message; // what was measured ("no container runs privileged")
};

// The findings for one target (a file, an image, ...), in report order.
struct TargetReport {
  std::string target;             // as named by the user
  std::string kind;               // "dockerfile", "image", ...
  Findings findings;              // sorted by line, then column, then id
  int suppressed = 0;             // findings removed by ignores
  std::vector<std::string> notes; // what moat saw and could not read ("a BerkeleyDB rpmdb ...")
  bool list_packages = false;     // image reports with --list-packages
  std::string os;                 // "debian 12 (bookworm)"; empty when unknown
  std::vector<Package> packages;  // the inventory, when list_packages
  // Vulnerability findings a VEX statement or ignore rule suppressed, kept
  // only with --show-suppressed; they never decide the exit code.
  Findings suppressed_findings;
  // Checks that passed: always in JSON when LISTS_PASSED, in the other
  // formats with --show-passed (SHOW_PASSED).
  std::vector<Passed> passed;
  bool lists_passed = false;
  bool show_passed = false;
};

// Sorts findings by line, column, then check id.
void sort_findings(Findings& findings);

} // namespace moat::core
