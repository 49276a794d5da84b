// The Debian package: CPack builds it from this build tree, lintian finds
// no error in it, and apt-get installs it on a clean Debian 12 (the
// debootstrap root file system of the image tests), pulling in what its
// Depends name from the Debian mirror; moat then runs from there.
#include "images.hpp"
#include "services.hpp"
#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace moat::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The package CPack wrote into DIR, or an empty path when there is not
// exactly one.
std::filesystem::path only_deb(const std::filesystem::path& dir) {
  std::filesystem::path found;
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".deb") {
      found = e.path();
      ++count;
    }
  return count == 1 ? found : std::filesystem::path();
}

// Runs SCRIPT (sh, ROOT as $1) with ROOT's /proc and a minimal /dev
// mounted (tests/images/in-root.sh, as the image build does).
CommandResult in_root(const std::filesystem::path& root, const std::string& script) {
  return run_command("sh " + shell_quote((source_dir() / "tests/images/in-root.sh").string()) +
                     " " + shell_quote(root.string()) + " " + shell_quote(script));
}

TEST(DebPackage, BuildsPassesLintianAndInstallsOnCleanDebian) {
  if (auto ok = require_programs({"cpack", "dpkg-deb", "dpkg-shlibdeps", "lintian", "unshare"});
      !ok)
    GTEST_SKIP() << ok.error();
  REQUIRE_IMAGES();
  const auto minbase = images_cache_dir() / "bookworm-minbase.tar";
  ASSERT_TRUE(std::filesystem::exists(minbase)) << minbase;
  TempDir dir;
  const auto build = std::filesystem::path(MOAT_BINARY).parent_path().parent_path();

  auto pack = run_command("cpack -G DEB -B " + shell_quote((dir.path() / "pkg").string()) +
                          " --config " + shell_quote((build / "CPackConfig.cmake").string()));
  ASSERT_EQ(pack.exit_code, 0) << pack.output;
  const auto deb = only_deb(dir.path() / "pkg");
  ASSERT_FALSE(deb.empty()) << pack.output;
  auto arch = run_command("dpkg --print-architecture").output;
  arch.resize(arch.find('\n'));
  EXPECT_EQ(deb.filename().string(), "moat_" MOAT_VERSION "_" + arch + ".deb");

  // dpkg-shlibdeps' reading of the binary (versioned), and the libraries
  // moat opens with dlopen, which no linker table shows.
  auto depends = run_command("dpkg-deb -f " + shell_quote(deb.string()) + " Depends");
  ASSERT_EQ(depends.exit_code, 0) << depends.output;
  EXPECT_THAT(depends.output, HasSubstr("libc6 (>= "));
  EXPECT_THAT(depends.output, HasSubstr("libstdc++6 (>= "));
  for (const char* lib :
       {"libarchive13", "libcurl4", "libseccomp2", "libsqlite3-0", "libssl3", "libhyperscan5"})
    EXPECT_THAT(depends.output, HasSubstr(lib));
  auto listing = run_command("dpkg-deb -c " + shell_quote(deb.string()));
  for (const char* file :
       {"./usr/bin/moat", "./usr/share/man/man1/moat.1.gz", "./usr/share/man/man1/moat-lint.1.gz",
        "./usr/share/doc/moat/copyright", "./usr/share/doc/moat/changelog.gz",
        "./usr/share/bash-completion/completions/moat",
        "./usr/share/doc/moat/third-party/libcli11-dev"})
    EXPECT_THAT(listing.output, HasSubstr(file));
  EXPECT_THAT(listing.output, Not(HasSubstr(" ./usr/local/")));

  auto lintian = run_command("lintian --fail-on error " + shell_quote(deb.string()));
  EXPECT_EQ(lintian.exit_code, 0) << lintian.output;
  EXPECT_THAT(lintian.output, Not(HasSubstr("E: ")));

  // A clean Debian 12: apt-get installs the package and what it depends on.
  const auto root = dir.path() / "root";
  std::filesystem::create_directories(root);
  auto untar = run_command("tar -C " + shell_quote(root.string()) + " --numeric-owner -xf " +
                           shell_quote(minbase.string()));
  ASSERT_EQ(untar.exit_code, 0) << untar.output;
  std::filesystem::copy_file("/etc/resolv.conf", root / "etc/resolv.conf",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(deb, root / "tmp" / deb.filename());
  auto install = in_root(root, "chroot \"$1\" apt-get update --error-on=any >/dev/null\n"
                               "chroot \"$1\" env DEBIAN_FRONTEND=noninteractive apt-get install "
                               "-y ./tmp/" +
                                   deb.filename().string());
  if (install.exit_code != 0) {
    for (const char* offline : {"Could not resolve", "Temporary failure resolving",
                                "Could not connect", "Failed to fetch"})
      if (install.output.find(offline) != std::string::npos)
        GTEST_SKIP() << "the Debian mirror cannot be reached: " << install.output;
  }
  ASSERT_EQ(install.exit_code, 0) << install.output;
  EXPECT_TRUE(std::filesystem::exists(root / "usr/lib/x86_64-linux-gnu/libarchive.so.13"));

  write_text(root / "tmp/Dockerfile", "FROM debian\nRUN apt install curl\n");
  auto run = in_root(root, "chroot \"$1\" dpkg-query -W -f '${Status}\\n' moat\n"
                           "chroot \"$1\" moat --version\n"
                           "set +e\n"
                           "chroot \"$1\" moat lint --no-color /tmp/Dockerfile\n"
                           "echo \"lint exit $?\"\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("install ok installed"));
  EXPECT_THAT(run.output, HasSubstr("moat " MOAT_VERSION));
  EXPECT_THAT(run.output, HasSubstr("DF027"));
  EXPECT_THAT(run.output, HasSubstr("lint exit 1"));
}

} // namespace
} // namespace moat::test
