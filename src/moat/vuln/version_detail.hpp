#pragma once
// Pieces the version schemes share for their error messages.

#include <fmt/format.h>

#include <string>

namespace moat::vuln::detail {

// A byte as an error message shows it: 'x' when printable, else "byte 0x20".
[[nodiscard]] inline std::string describe_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte > 0x20 && byte < 0x7f)
    return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", byte);
}

} // namespace moat::vuln::detail
