#pragma once
// Compose's variables for a Compose file, shared by moat config and moat fix.

#include <moat/core/result.hpp>
#include <moat/runconf/runconf.hpp>

#include <string>

namespace moat::cli {

// The `.env` file beside the Compose file at PATH, then the environment,
// which wins.
[[nodiscard]] core::Result<runconf::Variables> compose_variables(const std::string& path);

} // namespace moat::cli
