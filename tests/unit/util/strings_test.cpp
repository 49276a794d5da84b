#include <moat/util/strings.hpp>
#include <moat/util/unicode.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

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

TEST(Strings, HexDigitValue) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value('/'), -1);
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

TEST(Unicode, AppendUtf8RoundTripsThroughDecode) {
  for (char32_t cp : {U'\0', U'A', U'\u00e9', U'\u20ac', U'\U0001F600', U'\U0010FFFF'}) {
    std::string out;
    append_utf8(out, cp);
    const auto [decoded, len] = decode_utf8(out);
    EXPECT_EQ(decoded, cp);
    EXPECT_EQ(len, out.size());
  }
  std::string replacement;
  append_utf8(replacement, 0xFFFD);
  EXPECT_EQ(replacement, k_replacement_character);
}

TEST(Duration, ParsesGoStyleDurationsAndPlainSeconds) {
  using namespace std::chrono;
  EXPECT_EQ(moat::util::parse_duration("90s"), milliseconds(90'000));
  EXPECT_EQ(moat::util::parse_duration("5m"), minutes(5));
  EXPECT_EQ(moat::util::parse_duration("1h30m"), minutes(90));
  EXPECT_EQ(moat::util::parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(moat::util::parse_duration("300"), seconds(300));
  for (const char* bad : {"", "soon", "-5s", "5x", "m", "1.5m", "10000000000s"})
    EXPECT_FALSE(moat::util::parse_duration(bad)) << bad;
  EXPECT_EQ(moat::util::describe_duration(minutes(5)), "5m");
  EXPECT_EQ(moat::util::describe_duration(seconds(90)), "1m30s");
  EXPECT_EQ(moat::util::describe_duration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(moat::util::describe_duration(hours(2)), "2h");
  EXPECT_EQ(moat::util::describe_duration(milliseconds(0)), "0s");
}

TEST(ClosestMatch, SuggestsTheNearestCandidateOrNothing) {
  const std::vector<std::string> flags = {"--format", "--output", "--fail-on", "--ignore"};
  EXPECT_EQ(moat::util::closest_match("--formt", flags), "--format");
  EXPECT_EQ(moat::util::closest_match("--FORMAT", flags), "--format");
  EXPECT_EQ(moat::util::closest_match("--form", flags), "--format"); // a prefix
  EXPECT_EQ(moat::util::closest_match("--zzzzzz", flags), "");
  EXPECT_EQ(moat::util::closest_match("--format", flags), ""); // never itself
  EXPECT_EQ(moat::util::edit_distance("kitten", "sitting"), 3U);
}

TEST(ByteSize, ParsesBinaryMultiples) {
  EXPECT_EQ(moat::util::parse_byte_size("1024"), 1024U);
  EXPECT_EQ(moat::util::parse_byte_size("512K"), 512U << 10U);
  EXPECT_EQ(moat::util::parse_byte_size("64M"), 64U << 20U);
  EXPECT_EQ(moat::util::parse_byte_size("256GiB"), std::uint64_t{256} << 30U);
  EXPECT_EQ(moat::util::parse_byte_size("2GB"), std::uint64_t{2} << 30U);
  EXPECT_EQ(moat::util::parse_byte_size("1t"), std::uint64_t{1} << 40U);
  for (const char* bad : {"", "G", "12X", "1.5G", "-1", "99999999999T"})
    EXPECT_FALSE(moat::util::parse_byte_size(bad)) << bad;
}
