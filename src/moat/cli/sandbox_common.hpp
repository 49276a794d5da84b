#pragma once
// What moat run and the OCI runtime verbs (moat create, ...) share.

#include <moat/core/result.hpp>

#include <cstddef>
#include <string_view>
#include <vector>

namespace moat::cli {

// PROFILE_TEXT (Docker or OCI seccomp JSON; empty: Docker's default
// profile) resolved for this host and the kept capabilities CAPS, compiled
// to a BPF program. Programs are kept in $XDG_CACHE_HOME/moat/seccomp (else
// ~/.cache/moat/seccomp), named by a BLAKE2b digest of moat's version, the
// profile, the architecture, the kernel and the capabilities, each followed
// by its own digest so a damaged file is compiled again, never loaded.
// NAME names the profile in errors.
[[nodiscard]] core::Result<std::vector<std::byte>> compiled_seccomp(std::string_view profile_text,
                                                                    std::string_view name,
                                                                    const std::vector<int>& caps);

} // namespace moat::cli
