#include <moat/image/reader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace moat::image {

using core::ErrorKind;
using core::fail;

FileRangeReader::FileRangeReader(int fd, std::uint64_t offset, std::uint64_t size, std::string name)
    : m_fd(fd), m_offset(offset), m_remaining(size), m_name(std::move(name)) {}

core::Result<std::size_t> FileRangeReader::read(std::span<std::byte> buffer) {
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), m_remaining));
  if (want == 0)
    return 0;
  for (;;) {
    const ssize_t got = ::pread(m_fd, buffer.data(), want, static_cast<off_t>(m_offset));
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return fail(ErrorKind::io, m_name, fmt::format("read failed: {}", std::strerror(errno)));
    if (got == 0)
      return fail(ErrorKind::parse, m_name, "unexpected end of file (truncated archive)");
    m_offset += static_cast<std::uint64_t>(got);
    m_remaining -= static_cast<std::uint64_t>(got);
    return static_cast<std::size_t>(got);
  }
}

core::Result<std::size_t> MemoryReader::read(std::span<std::byte> buffer) {
  const std::size_t n = std::min(buffer.size(), m_data.size());
  if (n > 0)
    std::memcpy(buffer.data(), m_data.data(), n);
  m_data = m_data.subspan(n);
  return n;
}

LimitedReader::LimitedReader(ByteReader& inner, std::uint64_t limit, std::string name)
    : m_inner(inner), m_remaining(limit), m_name(std::move(name)) {}

core::Result<std::size_t> LimitedReader::read(std::span<std::byte> buffer) {
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), m_remaining));
  if (want == 0)
    return 0;
  auto got = m_inner.read(buffer.first(want));
  if (!got)
    return got;
  if (*got == 0)
    return fail(ErrorKind::parse, m_name, "unexpected end of data (truncated archive)");
  m_remaining -= *got;
  return got;
}

core::Status LimitedReader::skip_rest() {
  std::vector<std::byte> scratch(std::size_t{64} << 10U);
  while (m_remaining > 0) {
    auto got = read(scratch);
    if (!got)
      return std::unexpected(got.error());
  }
  return {};
}

PipeReader::PipeReader(std::string name, std::size_t capacity)
    : m_name(std::move(name)), m_capacity(capacity) {}

bool PipeReader::push(std::span<const std::byte> data) {
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [&] { return m_abandoned || m_buffered < m_capacity; });
  if (m_abandoned)
    return false;
  m_chunks.emplace_back(data.begin(), data.end());
  m_buffered += data.size();
  m_cv.notify_all();
  return true;
}

void PipeReader::close(std::optional<core::Error> error) {
  const std::lock_guard lock(m_mutex);
  m_closed = true;
  m_error = std::move(error);
  m_cv.notify_all();
}

void PipeReader::abandon() {
  const std::lock_guard lock(m_mutex);
  m_abandoned = true;
  m_cv.notify_all();
}

core::Result<std::size_t> PipeReader::read(std::span<std::byte> buffer) {
  std::unique_lock lock(m_mutex);
  m_cv.wait(lock, [&] { return !m_chunks.empty() || m_closed; });
  if (m_chunks.empty()) {
    if (m_error)
      return std::unexpected(*m_error);
    return 0;
  }
  auto& front = m_chunks.front();
  const std::size_t n = std::min(buffer.size(), front.size() - m_front_offset);
  std::memcpy(buffer.data(), front.data() + m_front_offset, n);
  m_front_offset += n;
  m_buffered -= n;
  if (m_front_offset == front.size()) {
    m_chunks.pop_front();
    m_front_offset = 0;
  }
  m_cv.notify_all();
  return n;
}

core::Result<std::string> read_all(ByteReader& reader, std::size_t max_bytes) {
  std::string out;
  std::vector<std::byte> buffer(std::size_t{64} << 10U);
  for (;;) {
    auto got = reader.read(buffer);
    if (!got)
      return std::unexpected(got.error());
    if (*got == 0)
      return out;
    if (out.size() + *got > max_bytes)
      return fail(ErrorKind::limit, reader.name(),
                  fmt::format("larger than the {} byte limit", max_bytes));
    out.append(reinterpret_cast<const char*>(buffer.data()), *got);
  }
}

} // namespace moat::image
