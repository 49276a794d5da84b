#pragma once
// A streaming reader for the outer, uncompressed tar of an image archive
// (`docker save` output, an OCI layout in a tar). It records where each
// entry's data starts so a file-backed archive can be re-read in parallel,
// one layer per thread. Layer tars themselves are read with libarchive.

#include <moat/core/result.hpp>
#include <moat/image/reader.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace moat::image {

struct TarHeader {
  std::string path;              // as stored (pax/GNU long names resolved)
  std::string link;              // link target for symlinks and hard links
  char type = '0';               // '0' file, '5' directory, '2' symlink, '1' hard link, ...
  std::uint64_t size = 0;        // data size
  std::uint64_t data_offset = 0; // offset of the data from the start of the archive
};

// True when BLOCK starts with a tar header block whose checksum is right.
[[nodiscard]] bool is_tar_header(std::span<const std::byte> block);

class TarReader {
public:
  explicit TarReader(ByteReader& input);
  // The next entry, or nullopt at the end of the archive. The previous
  // entry's unread data is skipped.
  [[nodiscard]] core::Result<std::optional<TarHeader>> next();
  // The current entry's data.
  [[nodiscard]] LimitedReader& data() { return *m_data; }

private:
  core::Status read_block(std::span<std::byte> block, bool& at_end);
  core::Result<std::string> read_long_text(std::uint64_t size);
  ByteReader& m_input;
  std::uint64_t m_position = 0;
  std::uint64_t m_padding = 0; // bytes after the current entry's data up to the block boundary
  std::unique_ptr<LimitedReader> m_data;
};

} // namespace moat::image
