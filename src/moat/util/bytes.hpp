#pragma once
// Byte-class scans eight bytes at a time, for the loops that look at every
// byte of an input or a report: most words hold no byte of interest, and the
// test that says so costs a handful of instructions for all eight.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace moat::util {

namespace bytes_detail {

inline constexpr std::uint64_t k_ones = 0x0101010101010101ULL;
inline constexpr std::uint64_t k_highs = 0x8080808080808080ULL;

inline std::uint64_t load8(const char* p) {
  std::uint64_t w = 0;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Non-zero when some byte of W is below N (N <= 128). Exact as a whole-word
// test; which byte it was is found byte by byte.
inline std::uint64_t has_less(std::uint64_t w, std::uint8_t n) {
  return (w - k_ones * n) & ~w & k_highs;
}

inline std::uint64_t has_byte(std::uint64_t w, std::uint8_t b) {
  const auto x = w ^ (k_ones * b);
  return (x - k_ones) & ~x & k_highs;
}

} // namespace bytes_detail

// Whether C goes into a JSON string as itself: printable ASCII other than the
// quote and the backslash (bytes of 0x80 and above are UTF-8 to check).
[[nodiscard]] inline bool is_plain_json_byte(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

// The end of the run of plain JSON bytes that starts at FROM.
[[nodiscard]] inline std::size_t plain_json_run_end(std::string_view s, std::size_t from) {
  using namespace bytes_detail;
  std::size_t i = from;
  while (i + 8 <= s.size()) {
    const auto w = load8(s.data() + i);
    if ((w & k_highs) | has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\'))
      break;
    i += 8;
  }
  while (i < s.size() && is_plain_json_byte(static_cast<unsigned char>(s[i])))
    ++i;
  return i;
}

// The first byte below 0x20 at or after FROM, or the size of S.
[[nodiscard]] inline std::size_t next_control_byte(std::string_view s, std::size_t from) {
  using namespace bytes_detail;
  std::size_t i = from;
  while (i + 8 <= s.size() && has_less(load8(s.data() + i), 0x20) == 0)
    i += 8;
  while (i < s.size() && static_cast<unsigned char>(s[i]) >= 0x20)
    ++i;
  return i;
}

// How many bytes of TEXT are B: 32 bytes at a time where the CPU has
// AVX2 (the secret engine counts the lines of every byte it scans).
[[nodiscard]] std::size_t count_byte(std::string_view text, char b);

} // namespace moat::util
