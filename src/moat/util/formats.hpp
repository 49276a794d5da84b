#pragma once
// Validators for the value formats a label schema can ask for. Each reads
// the whole string and says whether it is one.

#include <string_view>

namespace moat::util {

// An absolute URI as RFC 3986 defines it: scheme ":" hier-part ["?" query]
// ["#" fragment], with no character outside the URI grammar.
[[nodiscard]] bool is_absolute_uri(std::string_view s);

// An RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM).
[[nodiscard]] bool is_rfc3339(std::string_view s);

// One SPDX license identifier from the SPDX license list (not an expression).
[[nodiscard]] bool is_spdx_license_id(std::string_view id);

// A git commit id: 7 or 40 lower-case hexadecimal digits.
[[nodiscard]] bool is_git_hash(std::string_view s);

// A Semantic Versioning 2.0.0 version: MAJOR.MINOR.PATCH[-pre][+build].
[[nodiscard]] bool is_semver(std::string_view s);

// An RFC 5322 addr-spec: local-part "@" domain (dot-atoms, a quoted local
// part, or a domain literal in brackets).
[[nodiscard]] bool is_email(std::string_view s);

} // namespace moat::util
