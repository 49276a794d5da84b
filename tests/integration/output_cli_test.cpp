// `-o FILE` through the moat executable: it never destroys what is at the
// path (devices, FIFOs, symlinks, the input itself, the file's mode).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testutil.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

using moat::test::read_text;
using moat::test::run_moat;
using moat::test::TempDir;
using ::testing::HasSubstr;

namespace output_cli_test {

namespace {
const std::string k_insecure = "FROM ubuntu:latest\nRUN sudo apt-get install curl\nUSER root\n";

int lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}
} // namespace

TEST(Output, NamingTheInputIsRefusedAndTheInputKept) {
  TempDir dir;
  auto file = dir.write("Dockerfile", k_insecure);
  auto r = run_moat("lint -o '" + file.string() + "' '" + file.string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("refusing to overwrite the input"));
  EXPECT_EQ(read_text(file), k_insecure);
  // The same file reached through a symlink or the --config file.
  std::filesystem::create_symlink(file, dir.path() / "link");
  r = run_moat("lint -o link Dockerfile", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(read_text(file), k_insecure);
  auto config = dir.write(".moat.yaml", "fail-on: high\n");
  r = run_moat("lint -c .moat.yaml -o .moat.yaml Dockerfile", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(read_text(config), "fail-on: high\n");
}

TEST(Output, EmptyPathIsAUsageErrorNotStdout) {
  TempDir dir;
  auto file = dir.write("Dockerfile", k_insecure);
  auto r = run_moat("lint -o '' '" + file.string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.err, "moat: --output: empty path (use '-' for standard output)\n");
  r = run_moat("sbom -o '' '" + dir.path().string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_THAT(r.err, HasSubstr("--output: empty path"));
}

TEST(Output, ExistingFileKeepsItsModeAndSymlinksStay) {
  TempDir dir;
  auto file = dir.write("Dockerfile", k_insecure);
  auto out = dir.write("report.json", "old");
  ASSERT_EQ(::chmod(out.c_str(), 0640), 0);
  std::filesystem::create_symlink("report.json", dir.path() / "latest.json");
  auto r = run_moat("lint -f json -o latest.json Dockerfile", dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(std::filesystem::is_symlink(dir.path() / "latest.json"));
  EXPECT_THAT(read_text(out), HasSubstr("\"findings\""));
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640U);
}

TEST(Output, DeviceNodeStaysADevice) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "creating a device node needs root";
  TempDir dir;
  auto file = dir.write("Dockerfile", k_insecure);
  auto node = dir.path() / "null";
  ASSERT_EQ(::mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  auto r = run_moat("lint -o null Dockerfile", dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  struct stat st {};
  ASSERT_EQ(::lstat(node.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(Output, FifoIsWrittenThrough) {
  TempDir dir;
  auto file = dir.write("Dockerfile", k_insecure);
  auto fifo = dir.path() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // A reader in the background; `timeout` keeps a regression from hanging.
  const std::string cmd = "cd '" + dir.path().string() + "' && { timeout 20 cat pipe >got & } && " +
                          "timeout 20 '" + MOAT_BINARY +
                          "' lint -f json -o pipe Dockerfile >/dev/null 2>err; echo $? >rc; wait";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(read_text(dir.path() / "rc"), "1\n") << read_text(dir.path() / "err");
  EXPECT_THAT(read_text(dir.path() / "got"), HasSubstr("\"findings\""));
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

} // namespace output_cli_test
