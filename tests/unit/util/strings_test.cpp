#include <moat/util/strings.hpp>

#include <gtest/gtest.h>

using namespace moat::util;

TEST(Strings, TrimRemovesSurroundingWhitespaceOnly) {
  EXPECT_EQ(trim("  a b \t\n"), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim_left("  x "), "x ");
  EXPECT_EQ(trim_right("  x "), "  x");
}

TEST(Strings, SplitKeepsEmptyFieldsSplitTrimmedDropsThem) {
  EXPECT_EQ(split("a,,b", ',').size(), 3U);
  auto t = split_trimmed(" a , ,b ", ',');
  ASSERT_EQ(t.size(), 2U);
  EXPECT_EQ(t[0], "a");
  EXPECT_EQ(t[1], "b");
}

TEST(Strings, CaseHelpers) {
  EXPECT_TRUE(iequals("DL3008", "dl3008"));
  EXPECT_FALSE(iequals("DL3008", "DL300"));
  EXPECT_EQ(to_upper("ds-0001"), "DS-0001");
  EXPECT_EQ(to_lower("RUN"), "run");
}

TEST(Strings, GlobMatch) {
  EXPECT_TRUE(glob_match("*.Dockerfile", "api.Dockerfile"));
  EXPECT_TRUE(glob_match("Dockerfile.*", "Dockerfile.dev"));
  EXPECT_FALSE(glob_match("Dockerfile.*", "Dockerfile"));
  EXPECT_TRUE(glob_match("id_rsa*", "id_rsa.pub"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "ac"));
}

TEST(Strings, TerminalSafeEscapesControlCharacters) {
  EXPECT_EQ(terminal_safe("plain text\tand tab"), "plain text\tand tab");
  EXPECT_EQ(terminal_safe("a\x1b[31mred"), "a\\x1b[31mred");
  EXPECT_EQ(terminal_safe("line\nbreak\x7f"), "line\\x0abreak\\x7f");
  EXPECT_EQ(terminal_safe("csi \xc2\x9b here"), "csi \\u009b here");
  EXPECT_EQ(terminal_safe("caf\xc3\xa9 \xc2\xa0"), "caf\xc3\xa9 \xc2\xa0");
}
