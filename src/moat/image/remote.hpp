#pragma once
// Network sources: the local Docker daemon (docker://) and registries (registry://).

#include <moat/image/source.hpp>

namespace moat::image {

// Loads a docker:// or registry:// TARGET.
[[nodiscard]] core::Result<ScannedImage> load_remote(const std::string& target,
                                                     const SourceOptions& options);

} // namespace moat::image
