#include <moat/inventory/os_release.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

using moat::inventory::parse_os_release;

TEST(OsRelease, ReadsDebianAndAlpineFiles) {
  auto debian =
      parse_os_release("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                       "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
                       "VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n",
                       "os-release");
  ASSERT_TRUE(debian.has_value()) << debian.error().to_string();
  EXPECT_EQ(debian->id, "debian");
  EXPECT_EQ(debian->version_id, "12");
  EXPECT_EQ(debian->version_codename, "bookworm");
  EXPECT_EQ(debian->pretty_name, "Debian GNU/Linux 12 (bookworm)");
  auto alpine = parse_os_release("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n"
                                 "# a comment\n\nHOME_URL='https://alpinelinux.org/'\n",
                                 "os-release");
  ASSERT_TRUE(alpine.has_value());
  EXPECT_EQ(alpine->id, "alpine");
  EXPECT_EQ(alpine->version_id, "3.20.3");
  EXPECT_EQ(alpine->fields.at("HOME_URL"), "https://alpinelinux.org/");
  EXPECT_TRUE(alpine->version_codename.empty());
}

TEST(OsRelease, EscapesAndDefaults) {
  auto r = parse_os_release("NAME=\"a \\\"quoted\\\" \\$name\"\n", "x");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->fields.at("NAME"), "a \"quoted\" $name");
  EXPECT_EQ(r->id, "linux");
}

TEST(OsRelease, MalformedLinesAreErrors) {
  auto no_eq = parse_os_release("ID=debian\nnonsense\n", "os-release");
  ASSERT_FALSE(no_eq.has_value());
  EXPECT_EQ(no_eq.error().line, 2);
  EXPECT_FALSE(parse_os_release("ID=\"debian\n", "x").has_value());
  EXPECT_FALSE(parse_os_release("BAD KEY=1\n", "x").has_value());
}

TEST(OsRelease, ReadsThisMachine) {
  const std::filesystem::path path = "/etc/os-release";
  if (!std::filesystem::exists(path))
    GTEST_SKIP() << "no /etc/os-release on this machine";
  auto r = parse_os_release(moat::test::read_text(path), path.string());
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_FALSE(r->id.empty());
  EXPECT_FALSE(r->pretty_name.empty());
}
