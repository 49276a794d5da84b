#pragma once
// Suppression of vulnerability findings: moat's ignore file and VEX
// documents (OpenVEX and CycloneDX VEX).

#include <moat/core/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace moat::vuln {

// One line of a .moatignore file:
//   ID [pkg:PURL | package:NAME] [path:PREFIX] [exp:YYYY-MM-DD]  [# comment]
// ID is an advisory id or alias. With a purl scope, a purl without a
// version matches every version of that package.
struct IgnoreRule {
  std::string id;
  std::string purl;    // "pkg:pypi/requests" or "pkg:pypi/requests@2.0.0"; empty = any
  std::string package; // package name; empty = any
  std::string path;    // prefix of the package's path in the image; empty = any
  std::string expires; // "YYYY-MM-DD"; empty = never. The rule stops applying after that day
  std::string comment; // text after '#', trimmed
  int line = 0;
};

// Parses a .moatignore file. Blank lines and '#' comments are skipped; an
// unknown scope key or a malformed date is an error naming NAME and the line.
[[nodiscard]] core::Result<std::vector<IgnoreRule>> parse_ignore_file(std::string_view text,
                                                                      std::string_view name);

// True when RULE is in force on TODAY ("YYYY-MM-DD").
[[nodiscard]] bool rule_active(const IgnoreRule& rule, std::string_view today);

// One VEX statement, flattened: one vulnerability, the products it covers.
struct VexStatement {
  std::string vulnerability;         // "CVE-2023-1234"
  std::vector<std::string> aliases;  // other ids the document gives for it
  std::vector<std::string> products; // purls (or CycloneDX bom-refs resolved to purls)
  std::string status;                // "not_affected", "affected", "fixed", "under_investigation"
  std::string justification;         // "vulnerable_code_not_in_execute_path", ...; may be empty
  std::string detail;                // impact statement or analysis detail; may be empty
};

// Parses an OpenVEX (v0.0.x and v0.2.x) or CycloneDX VEX (JSON) document,
// recognised by its content. CycloneDX analysis states map to the OpenVEX
// words: not_affected/false_positive -> not_affected, resolved ->
// fixed, exploitable -> affected, in_triage -> under_investigation.
[[nodiscard]] core::Result<std::vector<VexStatement>> parse_vex(std::string_view text,
                                                                std::string_view name);

// True when a VEX or ignore PATTERN purl covers PURL: same type, namespace
// and name; a pattern without a version covers every version; qualifiers
// in the pattern must all be present in PURL with the same value.
[[nodiscard]] bool purl_covers(std::string_view pattern, std::string_view purl);

} // namespace moat::vuln
