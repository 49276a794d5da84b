#pragma once
// String helpers with no moat knowledge.

#include <chrono>
#include <cstdint>
#include <optional>
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

// Calls F with each field of S split on SEP, trimmed, empty ones left out:
// the fields split_trimmed returns, without building the vector.
template <typename F> void for_each_trimmed(std::string_view s, char sep, F&& f) {
  while (!s.empty()) {
    const auto end = s.find(sep);
    const auto field = trim(s.substr(0, end));
    s = end == std::string_view::npos ? std::string_view() : s.substr(end + 1);
    if (!field.empty())
      f(field);
  }
}
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

// A duration as Go and Trivy write them: "90s", "5m", "1h30m", "250ms", or
// a plain number of seconds ("300"); nullopt when malformed or negative.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// "5m", "1m30s", "2h", "250ms": the shortest form parse_duration reads back.
[[nodiscard]] std::string describe_duration(std::chrono::milliseconds duration);

// A size in bytes: "1024", "512K", "64M", "2G", "1T" (binary multiples; a
// "B" or "iB" after the letter is allowed: "64GiB", "64GB"; "100B" too);
// nullopt when malformed or too large.
[[nodiscard]] std::optional<std::uint64_t> parse_byte_size(std::string_view text);

// Levenshtein distance between A and B.
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to NAME, ignoring case, for "did you mean": at most
// MAX_DISTANCE edits away (or NAME is a prefix of it), never NAME itself;
// empty when none is close.
[[nodiscard]] std::string closest_match(std::string_view name,
                                        const std::vector<std::string>& candidates,
                                        std::size_t max_distance = 2);

} // namespace moat::util
