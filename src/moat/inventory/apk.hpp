#pragma once
// The apk database of Alpine Linux: /lib/apk/db/installed.

#include <moat/core/package.hpp>
#include <moat/core/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace moat::inventory {

// Parses the text of an apk "installed" database into packages of type "apk"
// (namespace "alpine", no distro qualifier: the caller adds it when it knows
// the release). found_at is set to NAME, which also names the input in errors.
[[nodiscard]] core::Result<std::vector<core::Package>> parse_apk_installed(std::string_view text,
                                                                           const std::string& name);

} // namespace moat::inventory
