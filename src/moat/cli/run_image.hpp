#pragma once
// moat run IMAGE: the trust policy and --fail-on judge the image first,
// then its layers are unpacked into moat's cache (addressed by the config
// digest and the id range the files are owned by) and reused by later runs.

#include <moat/cli/image_common.hpp>
#include <moat/image/image.hpp>
#include <moat/sandbox/sandbox.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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

// moat run WORDS (IMAGE [CMD...]) with moat run's defaults and these few
// flags, the process traced by FOLLOW from just before its exec under
// FILTER (moat seccomp generate --image). Returns moat run's exit code.
struct TracedRun {
  std::vector<std::string> words;
  std::vector<std::string> env;          // -e
  std::string user;                      // -u
  std::string network = "none";          // --network none|host
  std::vector<std::string> volumes;      // -v
  bool read_write = false;               // --read-write (an overlay, discarded)
  std::vector<std::string> cap_add;      // --cap-add
  std::optional<std::string> entrypoint; // --entrypoint
  std::function<int(pid_t)> follow;
  std::vector<std::byte> filter;
};
[[nodiscard]] int run_traced(const TracedRun& traced);

} // namespace moat::cli
