#pragma once
// The real test images (tests/images/build.sh), shared by the image
// integration tests: built once, reused across test processes.

#include "testutil.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

namespace moat::test {

// MOAT_TEST_IMAGES, when set, names the directory (a build outside CMake
// has no build tree to put it in); else BUILD/test-images beside the binary's.
inline std::filesystem::path images_dir() {
  const char* env = std::getenv("MOAT_TEST_IMAGES");
  if (env != nullptr && *env != '\0')
    return env;
  return std::filesystem::path(MOAT_BINARY).parent_path().parent_path() / "test-images";
}

inline std::filesystem::path images_cache_dir() {
  const char* env = std::getenv("MOAT_TEST_CACHE");
  return env != nullptr && *env != '\0' ? std::filesystem::path(env)
                                        : std::filesystem::path("/var/cache/moat-test");
}

// Builds the images once (build.sh locks and reuses them across processes);
// the skip reason when they cannot be built here, empty when they are ready.
inline const std::string& images_unavailable() {
  static const std::string reason = [] {
    const std::string log = images_dir().string() + ".log";
    std::filesystem::create_directories(images_dir());
    const std::string cmd = "bash '" + (source_dir() / "tests/images/build.sh").string() + "' '" +
                            images_cache_dir().string() + "' '" + images_dir().string() + "' >'" +
                            log + "' 2>&1";
    const int status = std::system(cmd.c_str());
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 0)
      return std::string();
    return "test images not built (exit " + std::to_string(code) + "): " + read_text(log);
  }();
  return reason;
}

} // namespace moat::test

// Skips the test, with the reason, when the images cannot be built here.
#define REQUIRE_IMAGES()                                                                           \
  do {                                                                                             \
    if (!::moat::test::images_unavailable().empty())                                               \
      GTEST_SKIP() << ::moat::test::images_unavailable();                                          \
  } while (false)
