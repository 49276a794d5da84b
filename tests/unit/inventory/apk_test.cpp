#include <moat/inventory/apk.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using moat::core::ErrorKind;
using moat::inventory::parse_apk_installed;

namespace {

// Two entries in the shape apk writes them (fields from Alpine 3.20's database).
const std::string k_installed = "C:Q1eHn8r6eD2mQn6k3J2sYWnA0dG4w=\n"
                                "P:musl\n"
                                "V:1.2.5-r0\n"
                                "A:x86_64\n"
                                "S:411323\n"
                                "I:662528\n"
                                "T:the musl c library (libc) implementation\n"
                                "U:https://musl.libc.org/\n"
                                "L:MIT\n"
                                "o:musl\n"
                                "m:Natanael Copa <ncopa@alpinelinux.org>\n"
                                "t:1712060745\n"
                                "c:ee3d8a1ba4a2a2f6d9c4e4c6d1cd0e0fca8c4f52\n"
                                "p:so:libc.musl-x86_64.so.1=1\n"
                                "F:lib\n"
                                "R:ld-musl-x86_64.so.1\n"
                                "a:0:0:755\n"
                                "Z:Q1y6qLhcmcMpXXJv4HcUwd3MJu6/s=\n"
                                "R:libc.musl-x86_64.so.1\n"
                                "\n"
                                "P:libcrypto3\n"
                                "V:3.3.2-r0\n"
                                "A:x86_64\n"
                                "L:Apache-2.0\n"
                                "o:openssl\n"
                                "F:etc\n"
                                "F:etc/ssl\n"
                                "R:openssl.cnf\n"
                                "F:usr/lib/engines-3/\n"
                                "R:afalg.so\n"
                                "R:capi.so\n"
                                "\n";

} // namespace

TEST(ApkInstalled, ParsesEntriesFilesAndPurls) {
  auto r = parse_apk_installed(k_installed, "/lib/apk/db/installed");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2U);
  const auto& musl = (*r)[0];
  EXPECT_EQ(musl.name, "musl");
  EXPECT_EQ(musl.version, "1.2.5-r0");
  EXPECT_EQ(musl.architecture, "x86_64");
  EXPECT_EQ(musl.license, "MIT");
  EXPECT_EQ(musl.source_name, "musl");
  EXPECT_EQ(musl.type, "apk");
  EXPECT_EQ(musl.ecosystem, "Alpine");
  EXPECT_EQ(musl.namespace_, "alpine");
  EXPECT_EQ(musl.found_at, "/lib/apk/db/installed");
  EXPECT_EQ(musl.purl, "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64");
  EXPECT_EQ(musl.files,
            (std::vector<std::string>{"/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"}));

  const auto& crypto = (*r)[1];
  EXPECT_EQ(crypto.name, "libcrypto3");
  EXPECT_EQ(crypto.source_name, "openssl");
  EXPECT_EQ(crypto.source_version, "3.3.2-r0");
  EXPECT_EQ(crypto.license, "Apache-2.0");
  EXPECT_EQ(crypto.purl, "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64");
  EXPECT_EQ(crypto.files,
            (std::vector<std::string>{"/etc/ssl/openssl.cnf", "/usr/lib/engines-3/afalg.so",
                                      "/usr/lib/engines-3/capi.so"}));
}

TEST(ApkInstalled, LastEntryWithoutBlankLineAndCrlfAndRootFiles) {
  const std::string text = "P:alpine-baselayout-data\r\nV:3.6.5-r0\r\nR:top-level\r\n"
                           "\r\n\r\n"
                           "P:noarch\nV:1\nL:GPL-2.0-only OR MIT";
  auto r = parse_apk_installed(text, "installed");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].version, "3.6.5-r0");
  EXPECT_EQ((*r)[0].files, (std::vector<std::string>{"/top-level"}));
  EXPECT_EQ((*r)[0].source_name, "alpine-baselayout-data"); // no o: line: its own origin
  EXPECT_EQ((*r)[1].license, "GPL-2.0-only OR MIT");
  EXPECT_EQ((*r)[1].architecture, "");
  EXPECT_EQ((*r)[1].purl, "pkg:apk/alpine/noarch@1"); // no empty arch qualifier
}

TEST(ApkInstalled, EmptyDatabaseHasNoPackages) {
  auto r = parse_apk_installed("", "installed");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
  r = parse_apk_installed("\n\n", "installed");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST(ApkInstalled, PurlEncodesUnusualCharacters) {
  auto r = parse_apk_installed("P:g++\nV:13.2.1_git20240309-r0\nA:x86_64\n", "installed");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1U);
  EXPECT_EQ(r->front().name, "g++");
  EXPECT_EQ(r->front().purl, "pkg:apk/alpine/g%2B%2B@13.2.1_git20240309-r0?arch=x86_64");
}

TEST(ApkInstalled, MalformedLinesAreErrorsWithTheirLine) {
  auto r = parse_apk_installed("P:a\nV:1\nnot a field\n", "db");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_EQ(r.error().input, "db");
  EXPECT_EQ(r.error().line, 3);
  EXPECT_NE(r.error().message.find("not a field"), std::string::npos);

  r = parse_apk_installed("P:a\nV:1\nX\n", "db");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 3);

  r = parse_apk_installed("P:a\nV:1\nF:usr\nR:\n", "db");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 4);
}

TEST(ApkInstalled, EntriesNeedNameAndVersion) {
  auto r = parse_apk_installed("P:a\nV:1\n\nV:2\nA:x86_64\n", "db");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 4);
  EXPECT_NE(r.error().message.find("P:"), std::string::npos);

  r = parse_apk_installed("P:lonely\nA:x86_64\n", "db");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 1);
  EXPECT_NE(r.error().message.find("lonely"), std::string::npos);
}
