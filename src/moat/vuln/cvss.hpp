#pragma once
// CVSS base scores computed from the vector string, for v2.0, v3.0, v3.1
// and v4.0, as FIRST's specifications define them.

#include <expected>
#include <string>
#include <string_view>

namespace moat::vuln::cvss {

struct Score {
  std::string version; // "2.0", "3.0", "3.1", "4.0"
  double base = 0.0;   // 0.0 - 10.0, rounded as the version's specification says
  std::string rating;  // "none", "low", "medium", "high", "critical" (v2: no "critical")
};

// Computes the base score of VECTOR ("CVSS:3.1/AV:N/AC:L/..." or a v2
// vector "AV:N/AC:L/Au:N/C:P/I:P/A:P"). Temporal/threat and environmental
// metrics may be present and are validated but do not change the base
// score. The error says why the vector is malformed (missing or repeated
// metric, unknown value, unknown version).
[[nodiscard]] std::expected<Score, std::string> score(std::string_view vector);

// The qualitative rating of a v3/v4 score: "none" (0), "low" (0.1-3.9),
// "medium" (4.0-6.9), "high" (7.0-8.9), "critical" (9.0-10.0).
[[nodiscard]] std::string_view rating(double score);

// CVSS v3.1's Roundup: the smallest one-decimal number not below VALUE,
// worked on integers so that floating-point noise (4.000000000000001)
// does not add a tenth.
[[nodiscard]] double round_up_v31(double value);

} // namespace moat::vuln::cvss
