#pragma once
// Unicode helpers with no moat knowledge.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace moat::util {

// U+FFFD REPLACEMENT CHARACTER in UTF-8: what stands for bytes that are not UTF-8.
inline constexpr std::string_view k_replacement_character = "\xEF\xBF\xBD";

// White space as Go's unicode.IsSpace defines it (the definition BuildKit's
// Dockerfile parser and shell lexer split words with).
[[nodiscard]] constexpr bool is_unicode_space(std::uint32_t cp) {
  switch (cp) {
  case '\t':
  case '\n':
  case '\v':
  case '\f':
  case '\r':
  case ' ':
  case 0x85:
  case 0xA0:
  case 0x1680:
  case 0x2028:
  case 0x2029:
  case 0x202F:
  case 0x205F:
  case 0x3000:
    return true;
  default:
    return cp >= 0x2000 && cp <= 0x200A;
  }
}

// One UTF-8 sequence at the start of S (not empty): its code point and
// length, or length 0 when the bytes are not well-formed UTF-8 (overlong
// forms, surrogates and code points past U+10FFFF included).
[[nodiscard]] inline std::pair<char32_t, std::size_t> decode_utf8(std::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80)
    return {b0, 1};
  std::size_t len = 0;
  char32_t cp = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
    cp = b0 & 0x1fU;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    cp = b0 & 0x0fU;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    cp = b0 & 0x07U;
  } else {
    return {0, 0};
  }
  if (s.size() < len)
    return {0, 0};
  for (std::size_t i = 1; i < len; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xc0U) != 0x80U)
      return {0, 0};
    cp = (cp << 6U) | (b & 0x3fU);
  }
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return {0, 0};
  return {cp, len};
}

// Appends code point CP (at most U+10FFFF) to OUT in UTF-8. Surrogates are
// encoded like any other code point; callers that must refuse them check first.
inline void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0U | (cp >> 6U)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0U | (cp >> 12U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  } else {
    out.push_back(static_cast<char>(0xF0U | (cp >> 18U)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 12U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | ((cp >> 6U) & 0x3FU)));
    out.push_back(static_cast<char>(0x80U | (cp & 0x3FU)));
  }
}

} // namespace moat::util
