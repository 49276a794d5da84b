// The floor of `moat secrets` on a tree: every regular file under each
// argument read once, on one thread, the way moat reads it (open, read in
// 1 MiB blocks, close; symlinks not followed, .git skipped), with nothing
// done to the bytes. Prints the bytes read.

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::string buffer(std::size_t{1} << 20, '\0');
  unsigned long long total = 0;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    fs::recursive_directory_iterator it(argv[i], fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().filename() == ".git") {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec) || it->is_symlink(ec))
        continue;
      const int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
      if (fd < 0)
        continue;
      for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n <= 0)
          break;
        total += static_cast<unsigned long long>(n);
      }
      ::close(fd);
    }
  }
  std::printf("%llu\n", total);
  return 0;
}
