// main stays tiny: run the CLI, turn a broken invariant into exit code 2.

#include <moat/cli/app.hpp>
#include <moat/util/sealed_exe.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  moat::util::reexec_sealed_for_runtime(argc, argv);
  // Reports go through std::cout only; unsynchronised it buffers properly.
  std::ios::sync_with_stdio(false);
  try {
    int code = moat::cli::run(argc, argv);
    // Whatever a command printed, a write that failed (a full disk, a closed
    // pipe, > /dev/full) is an error, not a success with output lost.
    std::cout.flush();
    errno = 0;
    const bool failed = !std::cout || std::fflush(stdout) != 0 || std::ferror(stdout) != 0;
    if (failed && code != 2) { // a command that failed has said why already
      const int err = errno;
      std::fprintf(stderr, "moat: stdout: write failed%s%s\n", err != 0 ? ": " : "",
                   err != 0 ? std::strerror(err) : "");
      code = 2;
    }
    return failed ? 2 : code;
  } catch (const std::bad_alloc&) {
    std::fputs("moat: out of memory\n", stderr);
  } catch (const std::exception&) {
    std::fputs("moat: internal error; please report it with the input that caused it\n", stderr);
  }
  return 2;
}
