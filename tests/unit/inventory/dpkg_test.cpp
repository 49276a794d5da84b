#include <moat/inventory/dpkg.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

using moat::inventory::parse_dpkg_status;

TEST(DpkgStatus, ParsesStanzasSourcesAndStates) {
  const std::string text = "Package: libc6\n"
                           "Status: install ok installed\n"
                           "Architecture: amd64\n"
                           "Source: glibc\n"
                           "Version: 2.36-9+deb12u7\n"
                           "Description: GNU C Library\n"
                           " continuation line\n"
                           " .\n"
                           "\n"
                           "Package: libssl3\n"
                           "Status: install ok installed\n"
                           "Architecture: amd64\n"
                           "Source: openssl (3.0.15-1~deb12u1)\n"
                           "Version: 3.0.15-1~deb12u1+b1\n"
                           "\n"
                           "Package: removed\n"
                           "Status: deinstall ok config-files\n"
                           "Version: 1.0\n"
                           "\n"
                           "Package: gone\n"
                           "Status: purge ok not-installed\n";
  auto r = parse_dpkg_status(text, "status");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_EQ(r->size(), 3U);
  EXPECT_EQ((*r)[0].name, "libc6");
  EXPECT_EQ((*r)[0].source_name, "glibc");
  EXPECT_EQ((*r)[0].source_version, "2.36-9+deb12u7");
  EXPECT_EQ((*r)[0].line, 1);
  EXPECT_EQ((*r)[1].source_name, "openssl");
  EXPECT_EQ((*r)[1].source_version, "3.0.15-1~deb12u1");
  EXPECT_EQ((*r)[1].version, "3.0.15-1~deb12u1+b1");
  EXPECT_EQ((*r)[2].state, "config-files");
  EXPECT_EQ((*r)[2].source_name, "removed");
}

TEST(DpkgStatus, DistrolessEntriesWithoutStatusAreInstalled) {
  auto r = parse_dpkg_status("Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
                             "status.d/tzdata");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1U);
  EXPECT_EQ((*r)[0].state, "installed");
}

TEST(DpkgStatus, MalformedInputIsAnErrorWithALine) {
  auto no_colon = parse_dpkg_status("Package: a\nStatus: install ok installed\ngarbage\n", "s");
  ASSERT_FALSE(no_colon.has_value());
  EXPECT_EQ(no_colon.error().line, 3);
  EXPECT_EQ(no_colon.error().input, "s");
  auto no_package = parse_dpkg_status("Version: 1\nStatus: install ok installed\n", "s");
  ASSERT_FALSE(no_package.has_value());
  auto bad_status = parse_dpkg_status("Package: a\nStatus: installed\n", "s");
  ASSERT_FALSE(bad_status.has_value());
  auto stray = parse_dpkg_status(" continuation first\n", "s");
  ASSERT_FALSE(stray.has_value());
  EXPECT_TRUE(parse_dpkg_status("", "s")->empty());
}

// The machine's own dpkg database must read exactly as dpkg-query reads it.
TEST(DpkgStatus, MatchesDpkgQueryOnThisMachine) {
  const std::filesystem::path status = "/var/lib/dpkg/status";
  if (!std::filesystem::exists(status) || std::system("command -v dpkg-query >/dev/null") != 0)
    GTEST_SKIP() << "no dpkg database or dpkg-query on this machine";
  auto r = parse_dpkg_status(moat::test::read_text(status), status.string());
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  std::map<std::string, std::string> ours;
  for (const auto& p : *r)
    ours[p.name + ":" + p.architecture] = p.version + "|" + p.source_name + "|" + p.source_version;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(
      ::popen("dpkg-query -W -f '${Package}:${Architecture}\\t${Version}|${source:Package}|"
              "${source:Version}\\n'",
              "r"),
      ::pclose);
  ASSERT_TRUE(pipe);
  std::map<std::string, std::string> theirs;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe.get()) != nullptr) {
    std::string line(buf);
    if (!line.empty() && line.back() == '\n')
      line.pop_back();
    auto tab = line.find('\t');
    theirs[line.substr(0, tab)] = line.substr(tab + 1);
  }
  EXPECT_GT(theirs.size(), 50U);
  EXPECT_EQ(ours, theirs);
}
