#include <moat/util/file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace moat::util {

namespace {
std::string errno_text(int err) {
  return std::strerror(err);
}
} // namespace

namespace {

// PATH opened for reading as moat reads inputs: without blocking on the
// open (opening a FIFO that has no writer would wait forever; reads then
// block as usual, and a FIFO with no writer reads as end of file at once),
// refusing directories, sockets and block devices. Returns the descriptor,
// ST filled.
std::expected<int, std::string> open_input(const std::filesystem::path& path, struct stat& st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return std::unexpected(errno_text(errno));
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return std::unexpected(errno_text(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return std::unexpected(std::string("is a directory"));
  }
  if (S_ISSOCK(st.st_mode) || S_ISBLK(st.st_mode)) {
    ::close(fd);
    return std::unexpected(std::string("not a regular file, FIFO or character device"));
  }
  // Reads of a FIFO or a device block again; O_NONBLOCK means nothing to
  // a regular file, which is left as it is (two system calls saved).
  if (const int flags = S_ISREG(st.st_mode) ? 0 : ::fcntl(fd, F_GETFL);
      flags < 0 || (!S_ISREG(st.st_mode) && ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)) {
    int err = errno;
    ::close(fd);
    return std::unexpected(errno_text(err));
  }
  return fd;
}

} // namespace

std::expected<InputFile, std::string> InputFile::open(const std::filesystem::path& path,
                                                      std::size_t max_bytes) {
  struct stat st {};
  auto fd = open_input(path, st);
  if (!fd)
    return std::unexpected(fd.error());
  InputFile file;
  file.m_fd = *fd;
  file.m_owned = true;
  file.m_fifo = S_ISFIFO(st.st_mode);
  file.m_max = max_bytes;
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > max_bytes)
    return std::unexpected("file is larger than " + std::to_string(max_bytes) + " bytes");
  return file;
}

InputFile InputFile::standard_input(std::size_t max_bytes) {
  InputFile file;
  file.m_fd = STDIN_FILENO;
  file.m_max = max_bytes;
  return file;
}

InputFile::InputFile(InputFile&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_owned(other.m_owned), m_fifo(other.m_fifo),
      m_max(other.m_max), m_total(other.m_total) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (m_owned && m_fd >= 0)
      ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
    m_owned = other.m_owned;
    m_fifo = other.m_fifo;
    m_max = other.m_max;
    m_total = other.m_total;
  }
  return *this;
}

InputFile::~InputFile() {
  if (m_owned && m_fd >= 0)
    ::close(m_fd);
}

std::expected<std::size_t, std::string> InputFile::read(std::span<char> buffer) {
  for (;;) {
    const ssize_t n = ::read(m_fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return std::unexpected(errno_text(errno));
    if (n == 0 && m_total == 0 && m_fifo)
      return std::unexpected(std::string("a FIFO or pipe with no data (no writer)"));
    m_total += static_cast<std::size_t>(n);
    if (m_total > m_max)
      return std::unexpected("input is larger than " + std::to_string(m_max) + " bytes");
    return static_cast<std::size_t>(n);
  }
}

std::expected<std::string, std::string> read_file(const std::filesystem::path& path,
                                                  std::size_t max_bytes) {
  struct stat st {};
  auto opened = open_input(path, st);
  if (!opened)
    return std::unexpected(opened.error());
  const int fd = *opened;
  std::string out;
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return std::unexpected("file is larger than " + std::to_string(max_bytes) + " bytes");
  }
  // A regular file is read in one call into a buffer one byte larger than
  // its size: a short read of a regular file means its end, so no second
  // read is needed to see it. The loop below only runs for pipes, devices
  // and files that grew meanwhile.
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    const auto size = static_cast<std::size_t>(st.st_size);
    out.resize(size + 1);
    std::size_t got = 0;
    bool at_end = false;
    while (got < out.size()) {
      const std::size_t wanted = out.size() - got;
      ssize_t n = ::read(fd, out.data() + got, wanted);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        int err = errno;
        ::close(fd);
        return std::unexpected(errno_text(err));
      }
      got += static_cast<std::size_t>(n);
      if (n == 0 || (got >= size && static_cast<std::size_t>(n) < wanted)) {
        at_end = true;
        break;
      }
    }
    out.resize(got);
    if (at_end) { // whole, or the file shrank while it was read
      ::close(fd);
      return out;
    }
  }
  // Read straight into the string, which grows as it fills: no buffer on
  // the stack (a large one costs a page fault per page on every call, as
  // the stack-clash probes touch it all), and small /proc files stay small.
  std::size_t have = out.size();
  std::size_t step = 4096;
  for (;;) {
    if (have == out.size()) {
      out.resize(have + step);
      step = std::min<std::size_t>(step * 2, 1 << 20);
    }
    ssize_t n = ::read(fd, out.data() + have, out.size() - have);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int err = errno;
      ::close(fd);
      return std::unexpected(errno_text(err));
    }
    if (n == 0)
      break;
    have += static_cast<std::size_t>(n);
    if (have > max_bytes) {
      ::close(fd);
      return std::unexpected("file is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  out.resize(have);
  ::close(fd);
  if (out.empty() && S_ISFIFO(st.st_mode))
    return std::unexpected(std::string("a FIFO or pipe with no data (no writer)"));
  return out;
}

std::expected<std::string, std::string> read_stream(std::istream& in, std::size_t max_bytes) {
  std::string out;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    auto n = static_cast<std::size_t>(in.gcount());
    if (out.size() + n > max_bytes)
      return std::unexpected("input is larger than " + std::to_string(max_bytes) + " bytes");
    out.append(buf, n);
  }
  if (in.bad())
    return std::unexpected(std::string("read error"));
  return out;
}

namespace {

std::expected<void, std::string> write_all(int fd, std::string_view content) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return std::unexpected(errno_text(errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return {};
}

// Creates a temporary file beside PATH with mode 0666 less the umask, as a
// plain `open(O_CREAT)` would make PATH itself.
int create_temporary(const std::filesystem::path& path, std::string& name) {
  auto dir = path.parent_path();
  if (dir.empty())
    dir = ".";
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    name = (dir / fmt::format(".{}.tmp.{}.{}", path.filename().string(), ::getpid(), counter++))
               .string();
    int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST)
      return fd;
  }
  errno = EEXIST;
  return -1;
}

// A stream buffer writing to a descriptor in 64 KiB blocks; the first
// write error is kept and fails the stream.
class FdBuffer : public std::streambuf {
public:
  explicit FdBuffer(int fd) : m_fd(fd) { setp(m_buffer.data(), m_buffer.data() + m_buffer.size()); }
  FdBuffer(const FdBuffer&) = delete;
  FdBuffer& operator=(const FdBuffer&) = delete;
  ~FdBuffer() override = default;

  // The first write error, as text; empty when every write succeeded.
  [[nodiscard]] const std::string& error() const { return m_error; }

protected:
  int_type overflow(int_type ch) override {
    if (!drain())
      return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  std::streamsize xsputn(const char* data, std::streamsize count) override {
    const auto room = static_cast<std::streamsize>(epptr() - pptr());
    if (count <= room) {
      std::memcpy(pptr(), data, static_cast<std::size_t>(count));
      pbump(static_cast<int>(count));
      return count;
    }
    if (!drain())
      return 0;
    if (auto written = write_all(m_fd, std::string_view(data, static_cast<std::size_t>(count)));
        !written) {
      m_error = written.error();
      return 0;
    }
    return count;
  }
  int sync() override { return drain() ? 0 : -1; }

private:
  bool drain() {
    if (!m_error.empty())
      return false;
    const auto size = static_cast<std::size_t>(pptr() - pbase());
    if (size > 0) {
      if (auto written = write_all(m_fd, std::string_view(pbase(), size)); !written) {
        m_error = written.error();
        return false;
      }
    }
    setp(m_buffer.data(), m_buffer.data() + m_buffer.size());
    return true;
  }

  int m_fd;
  std::string m_error;
  std::array<char, std::size_t{64} * 1024> m_buffer{};
};

// Runs PRODUCE on a stream writing to FD; the write error, or "abandoned"
// when PRODUCE gave up.
std::expected<void, std::string> produce_to(int fd, const OutputProducer& produce) {
  FdBuffer buffer(fd);
  std::ostream out(&buffer);
  const bool produced = produce(out);
  out.flush();
  if (!buffer.error().empty())
    return std::unexpected(buffer.error());
  if (!produced)
    return std::unexpected(std::string("abandoned"));
  if (!out)
    return std::unexpected(std::string("write failed"));
  return {};
}

std::expected<void, std::string> replace_atomically(const std::filesystem::path& path,
                                                    const OutputProducer& produce,
                                                    const struct stat* existing) {
  std::string tmp;
  int fd = create_temporary(path, tmp);
  if (fd < 0)
    return std::unexpected(errno_text(errno));
  auto fail = [&](int err) -> std::expected<void, std::string> {
    ::close(fd);
    ::unlink(tmp.c_str());
    return std::unexpected(errno_text(err));
  };
  if (auto written = produce_to(fd, produce); !written) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return written;
  }
  if (existing != nullptr) {
    // The replacement keeps the mode and, where moat may set it, the owner.
    if (::geteuid() == 0 && ::fchown(fd, existing->st_uid, existing->st_gid) != 0)
      return fail(errno);
    if (::fchmod(fd, existing->st_mode & 07777) != 0)
      return fail(errno);
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return std::unexpected(errno_text(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return std::unexpected(errno_text(err));
  }
  return {};
}

// Follows PATH through symlinks (a dangling one included) to the name that
// is finally written.
std::expected<std::filesystem::path, std::string> resolve_links(std::filesystem::path path) {
  for (int depth = 0; depth < 40; ++depth) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
      return path;
    std::error_code ec;
    auto target = std::filesystem::read_symlink(path, ec);
    if (ec)
      return std::unexpected(ec.message());
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  return std::unexpected(errno_text(ELOOP));
}

} // namespace

std::expected<void, std::string> write_output_file(const std::filesystem::path& path,
                                                   std::string_view content,
                                                   std::span<const std::filesystem::path> inputs) {
  return write_output_file(
      path,
      [content](std::ostream& out) {
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        return true;
      },
      inputs);
}

std::expected<void, std::string> write_output_file(const std::filesystem::path& path,
                                                   const OutputProducer& produce,
                                                   std::span<const std::filesystem::path> inputs) {
  if (path.empty())
    return std::unexpected(std::string("empty output path"));
  auto target = resolve_links(path);
  if (!target)
    return std::unexpected(target.error());
  struct stat st {};
  if (::stat(target->c_str(), &st) != 0) {
    if (errno != ENOENT)
      return std::unexpected(errno_text(errno));
    return replace_atomically(*target, produce, nullptr);
  }
  for (const auto& input : inputs) {
    struct stat in {};
    if (!input.empty() && input != "-" && ::stat(input.c_str(), &in) == 0 &&
        in.st_dev == st.st_dev && in.st_ino == st.st_ino)
      return std::unexpected("refusing to overwrite the input " + input.string());
  }
  if (S_ISDIR(st.st_mode))
    return std::unexpected(std::string("is a directory"));
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
    int fd = ::open(target->c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
      return std::unexpected(errno_text(errno));
    auto written = produce_to(fd, produce);
    if (::close(fd) != 0 && written)
      return std::unexpected(errno_text(errno));
    return written;
  }
  if (!S_ISREG(st.st_mode))
    return std::unexpected(
        std::string("not a regular file, character device or FIFO; refusing to replace it"));
  return replace_atomically(*target, produce, &st);
}

bool is_tty(int fd) {
  return ::isatty(fd) == 1;
}

std::expected<void, std::string> replace_file(const std::filesystem::path& path,
                                              std::string_view content, unsigned mode) {
  // Appended piece by piece: g++ 12 at -O3 warns (wrongly) about
  // "." + std::string.
  std::string name(".");
  name += path.filename().native();
  name += ".moat-XXXXXX";
  std::string tmp = (path.parent_path() / name).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    return std::unexpected(std::string(std::strerror(errno)));
  bool ok = ::fchmod(fd, static_cast<mode_t>(mode)) == 0;
  std::size_t done = 0;
  while (ok && done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    ok = n > 0;
    if (ok)
      done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return std::unexpected(std::move(why));
  }
  return {};
}

} // namespace moat::util
