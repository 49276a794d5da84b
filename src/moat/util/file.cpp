#include <moat/util/file.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace moat::util {

namespace {
std::string errno_text(int err) {
  return std::strerror(err);
}
} // namespace

std::expected<std::string, std::string> read_file(const std::filesystem::path& path,
                                                  std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::unexpected(errno_text(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return std::unexpected(errno_text(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return std::unexpected(std::string("is a directory"));
  }
  std::string out;
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return std::unexpected("file is larger than " + std::to_string(max_bytes) + " bytes");
  }
  // A regular file is read in one call into a buffer of its size; the loop
  // below only runs for pipes, devices and files that grew meanwhile.
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.size()) {
      ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        int err = errno;
        ::close(fd);
        return std::unexpected(errno_text(err));
      }
      if (n == 0)
        break;
      got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    if (got < static_cast<std::size_t>(st.st_size)) {
      ::close(fd);
      return out; // the file shrank while it was read
    }
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int err = errno;
      ::close(fd);
      return std::unexpected(errno_text(err));
    }
    if (n == 0)
      break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return std::unexpected("file is larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
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

std::expected<void, std::string> write_file_atomic(const std::filesystem::path& path,
                                                   std::string_view content) {
  auto dir = path.parent_path();
  if (dir.empty())
    dir = ".";
  std::string name = ".";
  name += path.filename().string();
  name += ".tmp.XXXXXX";
  std::string tmpl = (dir / name).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    return std::unexpected(errno_text(errno));
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmpl.c_str());
      return std::unexpected(errno_text(err));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ::fchmod(fd, 0644);
  if (::close(fd) != 0 || ::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return std::unexpected(errno_text(err));
  }
  return {};
}

bool is_tty(int fd) {
  return ::isatty(fd) == 1;
}

} // namespace moat::util
