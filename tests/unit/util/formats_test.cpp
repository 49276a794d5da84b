// The value formats a label schema asks for, and .dockerignore path patterns.

#include <moat/util/formats.hpp>
#include <moat/util/strings.hpp>

#include <gtest/gtest.h>

using namespace moat::util;

TEST(Formats, AbsoluteUri) {
  for (const char* good :
       {"https://example.com", "http://example.com:8080/a/b?q=1#frag", "mailto:a@example.com",
        "urn:isbn:0451450523", "git+ssh://git@example.com/org/app.git", "http://[::1]:80/",
        "https://example.com/a%20b"})
    EXPECT_TRUE(is_absolute_uri(good)) << good;
  for (const char* bad : {"", "not-url", "example.com", "//example.com", "http://exa mple.com",
                          "1http://x", "https://example.com/%zz", "http://[::1/"})
    EXPECT_FALSE(is_absolute_uri(bad)) << bad;
}

TEST(Formats, Rfc3339) {
  for (const char* good : {"2021-03-10T10:26:33Z", "2021-03-10T10:26:33.564595127+01:00",
                           "2021-03-10t10:26:33z", "1985-04-12T23:20:50.52-08:00"})
    EXPECT_TRUE(is_rfc3339(good)) << good;
  for (const char* bad :
       {"", "2021-03-10", "2021-03-10T10:26:33", "2021-13-10T10:26:33Z", "2021-03-10 10:26:33Z",
        "2021-03-10T25:00:00Z", "not-date", "2021-03-10T10:26:33+0100", "2021-03-10T10:26:33.Z"})
    EXPECT_FALSE(is_rfc3339(bad)) << bad;
}

TEST(Formats, SpdxLicenseIds) {
  for (const char* good : {"MIT", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-only", "GPL-2.0", "0BSD"})
    EXPECT_TRUE(is_spdx_license_id(good)) << good;
  for (const char* bad :
       {"", "mit", "Apache 2.0", "MIT OR Apache-2.0", "GPL-2.0+", "LicenseRef-x", "not-spdx"})
    EXPECT_FALSE(is_spdx_license_id(bad)) << bad;
}

TEST(Formats, GitHash) {
  EXPECT_TRUE(is_git_hash("2dbfae9"));
  EXPECT_TRUE(is_git_hash("2dbfae9aa1b0c0d0e0f0a0b0c0d0e0f0a0b0c0d0"));
  EXPECT_FALSE(is_git_hash("2DBFAE9"));
  EXPECT_FALSE(is_git_hash("2dbfae91"));
  EXPECT_FALSE(is_git_hash("not-git-hash"));
  EXPECT_FALSE(is_git_hash(""));
}

TEST(Formats, SemanticVersion) {
  for (const char* good : {"1.0.0", "0.0.0", "2.0.1-rc1", "1.0.0-alpha.1+build.5", "10.20.30"})
    EXPECT_TRUE(is_semver(good)) << good;
  for (const char* bad :
       {"", "1.0", "v1.0.0", "1.0.0.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "not-sem-ver"})
    EXPECT_FALSE(is_semver(bad)) << bad;
}

TEST(Formats, Email) {
  for (const char* good :
       {"abcd@google.com", "first.last+tag@example.co.uk", "\"a b\"@example.com", "x@[192.0.2.1]"})
    EXPECT_TRUE(is_email(good)) << good;
  for (const char* bad :
       {"", "not-email", "Name <a@b.c>", "a@", "@b.c", "a..b@c.d", ".a@b.c", "a@b..c"})
    EXPECT_FALSE(is_email(bad)) << bad;
}

TEST(PathMatch, DockerignorePatterns) {
  EXPECT_TRUE(path_match("Dockerfile", "Dockerfile"));
  EXPECT_TRUE(path_match("config", "config"));
  EXPECT_TRUE(path_match("*.md", "README.md"));
  EXPECT_FALSE(path_match("*.md", "docs/README.md")) << "'*' stays within one segment";
  EXPECT_TRUE(path_match("**/*.md", "docs/README.md"));
  EXPECT_TRUE(path_match("**/*.md", "README.md")) << "'**' also matches no segment";
  EXPECT_TRUE(path_match("docs/**", "docs/a/b/c"));
  EXPECT_TRUE(path_match("a/**/z", "a/b/c/z"));
  EXPECT_FALSE(path_match("a/**/z", "a/b/c/y"));
  EXPECT_TRUE(path_match("file?.txt", "file1.txt"));
  EXPECT_TRUE(path_match("[a-c]x", "bx"));
  EXPECT_FALSE(path_match("[^a-c]x", "bx"));
  EXPECT_TRUE(path_match("\\*", "*"));
  EXPECT_FALSE(path_match("[a-", "a")) << "a malformed class matches nothing";
  EXPECT_TRUE(path_match("./config/", "config"));
}

TEST(PathMatch, ManyDoubleStarsStayFast) {
  std::string pattern;
  for (int i = 0; i < 60; ++i)
    pattern += "**/a/";
  pattern += "b";
  std::string path;
  for (int i = 0; i < 200; ++i)
    path += "a/";
  path += "c";
  EXPECT_FALSE(path_match(pattern, path));
}
