#pragma once
// The dpkg database: /var/lib/dpkg/status (and the per-package files of
// distroless images' status.d/, which use the same format).

#include <moat/core/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace moat::inventory {

struct DpkgPackage {
  std::string name;
  std::string version;
  std::string architecture;
  std::string source_name;    // the Source: field's name, else the package name
  std::string source_version; // the version in Source: "name (version)", else the package version
  std::string want;           // Status: first word ("install", "hold", ...)
  std::string state;          // Status: third word ("installed", "config-files", ...)
  int line = 0;               // line of the stanza's first field
};

// Parses the text of a dpkg status file. Packages whose state is
// "not-installed" are skipped, as dpkg-query -W skips them. NAME is used in errors.
[[nodiscard]] core::Result<std::vector<DpkgPackage>> parse_dpkg_status(std::string_view text,
                                                                       const std::string& name);

} // namespace moat::inventory
