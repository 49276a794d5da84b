#include <moat/util/sealed_exe.hpp>

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

extern char** environ;

namespace moat::util {

namespace {

constexpr const char* k_marker = "_MOAT_SEALED_EXE";

bool enters_containers(int argc, char** argv) {
  // The OCI verbs that act inside a container's namespaces as host root.
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "create" || arg == "exec")
      return true;
    if (!arg.starts_with('-'))
      return false; // another command
    // Global flags with a value: --root DIR, --log FILE, --log-format F, --rootless V.
    if ((arg == "--root" || arg == "--log" || arg == "--log-format" || arg == "--rootless") &&
        i + 1 < argc)
      ++i;
  }
  return false;
}

} // namespace

bool running_sealed() noexcept {
  char target[64] = {};
  const auto n = ::readlink("/proc/self/exe", target, sizeof target - 1);
  return n > 0 && std::string_view(target, static_cast<std::size_t>(n)).starts_with("/memfd:");
}

void reexec_sealed_for_runtime(int argc, char** argv) noexcept {
  if (const char* marker = std::getenv(k_marker); marker != nullptr) {
    ::unsetenv(k_marker); // the container's processes must not inherit it
    return;
  }
  if (!enters_containers(argc, argv))
    return;
  const int self = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return;
  struct stat st {};
  const int copy =
      static_cast<int>(::syscall(SYS_memfd_create, "moat", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (copy < 0 || ::fstat(self, &st) != 0) {
    ::close(self);
    return;
  }
  off_t offset = 0;
  while (offset < st.st_size) {
    const auto sent =
        ::sendfile(copy, self, &offset, static_cast<std::size_t>(st.st_size - offset));
    if (sent <= 0)
      break;
  }
  ::close(self);
  if (offset != st.st_size ||
      ::fcntl(copy, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    ::close(copy);
    return;
  }
  ::setenv(k_marker, "1", 1);
  ::syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
  // Still here: the kernel refused; go on from the binary on disk.
  ::unsetenv(k_marker);
  ::close(copy);
}

} // namespace moat::util
