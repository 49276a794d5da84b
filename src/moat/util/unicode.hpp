#pragma once
// Unicode helpers with no moat knowledge.

#include <cstdint>

namespace moat::util {

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

} // namespace moat::util
