#pragma once
// File helpers with no moat knowledge. Errors are plain strings (the caller
// turns them into its own error type, naming the input).

#include <cstddef>
#include <expected>
#include <filesystem>
#include <istream>
#include <string>

namespace moat::util {

// Reads a whole regular file, refusing files larger than MAX_BYTES.
[[nodiscard]] std::expected<std::string, std::string> read_file(const std::filesystem::path& path,
                                                                std::size_t max_bytes);

// Reads a whole stream, refusing more than MAX_BYTES.
[[nodiscard]] std::expected<std::string, std::string> read_stream(std::istream& in,
                                                                  std::size_t max_bytes);

// Writes CONTENT to PATH through a temporary file in the same directory and a
// rename, so PATH is either the old file or the complete new one.
[[nodiscard]] std::expected<void, std::string> write_file_atomic(const std::filesystem::path& path,
                                                                 std::string_view content);

// True when FD refers to a terminal.
[[nodiscard]] bool is_tty(int fd);

} // namespace moat::util
