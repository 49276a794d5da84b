#pragma once
// Pull readers over the bytes of an image source: a range of a file (read
// with pread, so layers of one archive can be read in parallel), a prefix of
// another reader, and a pipe fed by another thread (network sources).

#include <moat/core/result.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace moat::image {

class ByteReader {
public:
  virtual ~ByteReader() = default;
  // Reads up to BUFFER.size() bytes; 0 means the end.
  [[nodiscard]] virtual core::Result<std::size_t> read(std::span<std::byte> buffer) = 0;
  // The name used in errors.
  [[nodiscard]] virtual const std::string& name() const = 0;
};

// Bytes [OFFSET, OFFSET+SIZE) of an open file descriptor (not owned).
class FileRangeReader final : public ByteReader {
public:
  FileRangeReader(int fd, std::uint64_t offset, std::uint64_t size, std::string name);
  [[nodiscard]] core::Result<std::size_t> read(std::span<std::byte> buffer) override;
  [[nodiscard]] const std::string& name() const override { return m_name; }

private:
  int m_fd;
  std::uint64_t m_offset;
  std::uint64_t m_remaining;
  std::string m_name;
};

// Bytes held in memory (not owned).
class MemoryReader final : public ByteReader {
public:
  MemoryReader(std::span<const std::byte> data, std::string name)
      : m_data(data), m_name(std::move(name)) {}
  [[nodiscard]] core::Result<std::size_t> read(std::span<std::byte> buffer) override;
  [[nodiscard]] const std::string& name() const override { return m_name; }

private:
  std::span<const std::byte> m_data;
  std::string m_name;
};

// At most LIMIT bytes of another reader; skip_rest() consumes what is left.
class LimitedReader final : public ByteReader {
public:
  LimitedReader(ByteReader& inner, std::uint64_t limit, std::string name);
  [[nodiscard]] core::Result<std::size_t> read(std::span<std::byte> buffer) override;
  [[nodiscard]] const std::string& name() const override { return m_name; }
  [[nodiscard]] core::Status skip_rest();
  [[nodiscard]] std::uint64_t remaining() const { return m_remaining; }

private:
  ByteReader& m_inner;
  std::uint64_t m_remaining;
  std::string m_name;
};

// A bounded queue of chunks between a producer thread (push, close) and the
// reader. Closing with an error makes the reader fail with it.
class PipeReader final : public ByteReader {
public:
  explicit PipeReader(std::string name, std::size_t capacity = std::size_t{8} << 20U);
  [[nodiscard]] core::Result<std::size_t> read(std::span<std::byte> buffer) override;
  [[nodiscard]] const std::string& name() const override { return m_name; }
  // Producer side. push() blocks while the queue is full; false once the reader abandoned it.
  bool push(std::span<const std::byte> data);
  void close(std::optional<core::Error> error = std::nullopt);
  // Reader side: stop accepting data (the producer's push returns false).
  void abandon();

private:
  std::string m_name;
  std::size_t m_capacity;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::deque<std::vector<std::byte>> m_chunks;
  std::size_t m_front_offset = 0;
  std::size_t m_buffered = 0;
  bool m_closed = false;
  bool m_abandoned = false;
  std::optional<core::Error> m_error;
};

// Reads everything from READER into a string, refusing more than MAX_BYTES.
[[nodiscard]] core::Result<std::string> read_all(ByteReader& reader, std::size_t max_bytes);

} // namespace moat::image
