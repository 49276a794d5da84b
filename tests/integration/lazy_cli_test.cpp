// libarchive, libcrypto, SQLite and libseccomp are opened on first use (src/moat/lazy):
// a lint never maps them, the commands that need them do, and a broken
// installation is one clear error.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testutil.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

using moat::test::run_moat;
using moat::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// Sets an environment variable for one scope.
class ScopedEnv {
public:
  ScopedEnv(const char* name, const std::string& value) : m_name(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(m_name); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
  const char* m_name;
};

const std::string k_dockerfile = "FROM debian:12\nRUN apt-get install -y curl\n";

} // namespace

TEST(Lazy, ALintMapsNoneOfTheLazyLibraries) {
  TempDir dir;
  dir.write("Dockerfile", k_dockerfile);
  // The dynamic loader names every library it loads (LD_DEBUG=libs).
  ScopedEnv debug("LD_DEBUG", "libs");
  auto r = run_moat("lint --fail-on none Dockerfile", dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_THAT(r.err, HasSubstr("libstdc++.so.6")) << "LD_DEBUG gave no trace";
  EXPECT_THAT(r.err, Not(HasSubstr("libarchive.so.13")));
  EXPECT_THAT(r.err, Not(HasSubstr("libcrypto.so.3")));
  EXPECT_THAT(r.err, Not(HasSubstr("libsqlite3.so.0")));
  EXPECT_THAT(r.err, Not(HasSubstr("libseccomp.so.2")));
}

TEST(Lazy, KeyGenerationOpensLibcryptoWhenItNeedsIt) {
  TempDir dir;
  ScopedEnv password("MOAT_PASSWORD", "correct horse");
  ScopedEnv debug("LD_DEBUG", "libs");
  auto r = run_moat("key generate --output-key-prefix " + (dir.path() / "k").string(), {}, {}, 120);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("libcrypto.so.3"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "k.pub"));
}

TEST(Lazy, ALibraryWithoutTheFunctionIsOneLineAndExitCode2) {
  // A file named libcrypto.so.3 that is some other library: it loads, and
  // lacks every function moat asks it for.
  const std::filesystem::path other = "/lib/x86_64-linux-gnu/libz.so.1";
  if (!std::filesystem::exists(other))
    GTEST_SKIP() << other << " is not here to stand in for libcrypto";
  TempDir libs;
  std::filesystem::copy_file(other, libs.path() / "libcrypto.so.3");
  TempDir dir;
  ScopedEnv password("MOAT_PASSWORD", "correct horse");
  ScopedEnv path("LD_LIBRARY_PATH", libs.path().string());
  auto r = run_moat("key generate --output-key-prefix " + (dir.path() / "k").string(), {}, {}, 120);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("moat: libcrypto.so.3 is needed for digests, keys and signatures: "
                               "it lacks "));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "k.key"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "k.pub"));
}
