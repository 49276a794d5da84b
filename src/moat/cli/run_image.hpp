#pragma once
// moat run IMAGE: the trust policy and --fail-on judge the image first,
// then its layers are unpacked into moat's cache (addressed by the config
// digest and the id range the files are owned by) and reused by later runs.

#include <moat/cli/image_common.hpp>
#include <moat/image/image.hpp>
#include <moat/sandbox/sandbox.hpp>

#include <filesystem>
#include <string>

namespace moat::cli {

struct RunImageOptions {
  std::string target;
  ImageSourceOptions source;
  std::string policy;  // --policy FILE: the trust policy
  std::string fail_on; // --fail-on SEV: moat image's findings
  bool quiet = false;
  // Owners of the unpacked files (as root: the container's id range);
  // nullopt: left to whoever unpacks (an ordinary user's single-id map).
  std::optional<std::pair<sandbox::IdRange, sandbox::IdRange>> owners;
};

struct PreparedImage {
  std::filesystem::path rootfs;
  image::ImageConfig config;
  bool cached = false; // the rootfs was in the cache already
};

// The directory moat keeps its caches in: $XDG_CACHE_HOME/moat, else
// ~/.cache/moat.
[[nodiscard]] std::filesystem::path moat_cache_dir();

// Judges, unpacks (or finds in the cache) and describes OPTIONS.target.
[[nodiscard]] core::Result<PreparedImage> prepare_image(const RunImageOptions& options);

} // namespace moat::cli
