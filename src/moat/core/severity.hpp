#pragma once
// Severity of a finding, ordered from least to most severe.

#include <optional>
#include <string_view>

namespace moat::core {

enum class Severity { info = 0, low = 1, medium = 2, high = 3, critical = 4 };

// Lower-case name: "info", "low", "medium", "high", "critical".
[[nodiscard]] std::string_view to_string(Severity s);

// Parses a severity name (case-insensitive); nullopt when unknown.
[[nodiscard]] std::optional<Severity> parse_severity(std::string_view text);

} // namespace moat::core
