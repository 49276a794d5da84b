#include <moat/util/in_root.hpp>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace moat::util {

int open_in_root(int root, std::string_view path, int flags, bool follow_last) {
  const std::string text(path.empty() ? std::string_view(".") : path);
  open_how how{};
  const auto bits = static_cast<unsigned>(flags | O_CLOEXEC | (follow_last ? 0 : O_NOFOLLOW));
  how.flags = bits;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const int fd = static_cast<int>(::syscall(SYS_openat2, root, text.c_str(), &how, sizeof how));
  if (fd >= 0 || errno != ENOSYS)
    return fd;
  // Kernels before 5.6: one component at a time, never through a symlink.
  int dir = ::fcntl(root, F_DUPFD_CLOEXEC, 0);
  std::string_view rest = path;
  while (dir >= 0 && !rest.empty()) {
    const auto slash = rest.find('/');
    const std::string part(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".")
      continue;
    if (part == "..") {
      ::close(dir);
      errno = EPERM;
      return -1;
    }
    const bool last = rest.find_first_not_of('/') == std::string_view::npos;
    const int next =
        ::openat(dir, part.c_str(), (last ? flags : O_PATH | O_DIRECTORY) | O_CLOEXEC | O_NOFOLLOW);
    const int saved = errno;
    ::close(dir);
    errno = saved;
    dir = next;
  }
  return dir;
}

} // namespace moat::util
