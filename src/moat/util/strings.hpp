#pragma once
// String helpers with no moat knowledge.

#include <string>
#include <string_view>
#include <vector>

namespace moat::util {

[[nodiscard]] std::string_view trim(std::string_view s);
[[nodiscard]] std::string_view trim_left(std::string_view s);
[[nodiscard]] std::string_view trim_right(std::string_view s);
[[nodiscard]] std::string to_lower(std::string_view s);
[[nodiscard]] std::string to_upper(std::string_view s);
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);
// The value of hexadecimal digit C (either case), or -1 when C is not one.
[[nodiscard]] int hex_digit_value(char c);
// Splits on SEP; keeps empty fields.
[[nodiscard]] std::vector<std::string_view> split(std::string_view s, char sep);
// Splits on SEP, trims each field and drops empty ones.
[[nodiscard]] std::vector<std::string_view> split_trimmed(std::string_view s, char sep);
// Shell-style glob match with '*' and '?' only.
// Matches PATH (segments separated by '/') against a .dockerignore-style
// PATTERN: '*' and '?' stay within a segment, '[a-z]' and '[^a]' are
// character classes, '\\' escapes, and a "**" segment matches any number
// of segments.
[[nodiscard]] bool path_match(std::string_view pattern, std::string_view path);

[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);

// TEXT with control characters (C0, DEL and C1, but not tab) escaped as
// \xNN or \uNNNN, so it cannot move the cursor or recolour a terminal.
[[nodiscard]] std::string terminal_safe(std::string_view text);

} // namespace moat::util
