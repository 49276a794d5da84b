#pragma once
// File helpers with no moat knowledge. Errors are plain strings (the caller
// turns them into its own error type, naming the input).

#include <cstddef>
#include <expected>
#include <filesystem>
#include <functional>
#include <istream>
#include <ostream>
#include <span>
#include <string>

namespace moat::util {

// Reads a whole regular file, refusing files larger than MAX_BYTES.
[[nodiscard]] std::expected<std::string, std::string> read_file(const std::filesystem::path& path,
                                                                std::size_t max_bytes);

// An input read in chunks: a file opened as read_file opens it, or standard
// input. Reads fail past MAX_BYTES, and on a FIFO or pipe file that gives
// no data at all.
class InputFile {
public:
  [[nodiscard]] static std::expected<InputFile, std::string> open(const std::filesystem::path& path,
                                                                  std::size_t max_bytes);
  [[nodiscard]] static InputFile standard_input(std::size_t max_bytes);
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  ~InputFile();

  // Up to BUFFER's size of the next bytes; 0 at the end.
  [[nodiscard]] std::expected<std::size_t, std::string> read(std::span<char> buffer);

private:
  InputFile() = default;
  int m_fd = -1;
  bool m_owned = false;
  bool m_fifo = false;
  std::size_t m_max = 0;
  std::size_t m_total = 0;
};

// Reads a whole stream, refusing more than MAX_BYTES.
[[nodiscard]] std::expected<std::string, std::string> read_stream(std::istream& in,
                                                                  std::size_t max_bytes);

// Writes to PATH what PRODUCE writes on the stream it is given, without
// destroying what is there and without holding the output in memory:
//  - a new path or a regular file is written through a temporary file in the
//    same directory and a rename, so PATH is either the old file or the
//    complete new one; an existing file keeps its mode (and owner, as root);
//  - a character device or a FIFO is written through (`-o /dev/stdout`);
//  - a symlink is followed, and its target is judged by the same rules;
//  - a directory, socket or block device is refused, as is a path that is
//    the same file as one of INPUTS.
// PRODUCE returns false to abandon the file (its own error is the caller's
// to report); the error is then "abandoned" and PATH is left as it was.
using OutputProducer = std::function<bool(std::ostream&)>;
[[nodiscard]] std::expected<void, std::string>
write_output_file(const std::filesystem::path& path, const OutputProducer& produce,
                  std::span<const std::filesystem::path> inputs = {});

// The same for CONTENT already in memory.
[[nodiscard]] std::expected<void, std::string>
write_output_file(const std::filesystem::path& path, std::string_view content,
                  std::span<const std::filesystem::path> inputs = {});

// Writes CONTENT as PATH with MODE through a temporary file beside it and a
// rename: PATH is the old file or the whole new one, and a symlink at PATH
// is replaced, never followed. The error is strerror's text.
[[nodiscard]] std::expected<void, std::string>
replace_file(const std::filesystem::path& path, std::string_view content, unsigned mode);

// True when FD refers to a terminal.
[[nodiscard]] bool is_tty(int fd);

} // namespace moat::util
