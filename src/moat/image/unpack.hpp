#pragma once
// Unpacking layers onto a directory, for moat run. Each layer is applied as
// overlay file systems apply it: ".wh.NAME" deletes NAME, ".wh..wh..opq"
// hides what lower layers put in a directory, later entries replace
// earlier ones. Every path is resolved inside the root (openat2
// RESOLVE_IN_ROOT), so a symlink placed by one layer cannot lead a later
// entry out of it; names that climb out with ".." and hard links to
// outside are refused; device nodes are skipped (a container without
// privileges could not use them).

#include <moat/core/result.hpp>
#include <moat/image/reader.hpp>

#include <cstdint>
#include <string>

namespace moat::image {

struct UnpackOptions {
  // Owners are shifted into the container's id range: an entry owned by
  // uid U becomes UID_FIRST+U (ids beyond UID_COUNT become the range's
  // nobody, 65534). Without CHOWN the files belong to whoever unpacks.
  bool chown = false;
  std::uint32_t uid_first = 0;
  std::uint32_t uid_count = 65536;
  std::uint32_t gid_first = 0;
  std::uint32_t gid_count = 65536;
  std::uint64_t max_bytes = std::uint64_t{256} << 30U; // file data written, per layer
};

struct UnpackStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t devices_skipped = 0;
};

// Applies the layer tar BLOB (plain, gzip or zstd) to the directory ROOT
// (an open descriptor). An error names BLOB and the entry.
[[nodiscard]] core::Result<UnpackStats> unpack_layer(ByteReader& blob, int root,
                                                     const UnpackOptions& options);

} // namespace moat::image
