// main stays tiny: run the CLI, turn a broken invariant into exit code 2.

#include <moat/cli/app.hpp>

#include <cstdio>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
  // Reports go through std::cout only; unsynchronised it buffers properly.
  std::ios::sync_with_stdio(false);
  try {
    return moat::cli::run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fputs("moat: out of memory\n", stderr);
  } catch (const std::exception&) {
    std::fputs("moat: internal error; please report it with the input that caused it\n", stderr);
  }
  return 2;
}
