#pragma once
// The operating system of a root file system, from /etc/os-release (or
// /usr/lib/os-release), as the os-release(5) format defines it.

#include <moat/core/result.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace moat::inventory {

struct OsRelease {
  std::string id;               // "debian", "alpine", "ubuntu", ...
  std::string version_id;       // "12", "3.20.3"
  std::string version_codename; // "bookworm"; empty when not given
  std::string pretty_name;
  std::map<std::string, std::string, std::less<>> fields; // every assignment, unquoted
};

// Parses os-release text. Quoting follows the format: values may be in
// single or double quotes, with backslash escapes inside double quotes.
// Lines that are not assignments are an error naming NAME and the line.
[[nodiscard]] core::Result<OsRelease> parse_os_release(std::string_view text,
                                                       const std::string& name);

} // namespace moat::inventory
