#include <moat/util/bytes.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace moat::util {
namespace {

std::size_t naive_plain_end(std::string_view s, std::size_t from) {
  while (from < s.size() && is_plain_json_byte(static_cast<unsigned char>(s[from])))
    ++from;
  return from;
}

std::size_t naive_next_control(std::string_view s, std::size_t from) {
  while (from < s.size() && static_cast<unsigned char>(s[from]) >= 0x20)
    ++from;
  return from;
}

TEST(Bytes, PlainJsonRunStopsAtEveryByteThatNeedsEscaping) {
  const std::string text = "plain text, 20 bytes";
  EXPECT_EQ(plain_json_run_end(text, 0), text.size());
  for (const char stop : {'"', '\\', '\n', '\0', '\x1f', '\x80', '\xff'}) {
    for (std::size_t at = 0; at < text.size(); ++at) {
      std::string s = text;
      s[at] = stop;
      EXPECT_EQ(plain_json_run_end(s, 0), at) << "byte " << int(stop) << " at " << at;
      EXPECT_EQ(plain_json_run_end(s, at), at);
    }
  }
  // 0x7f and the space are plain.
  EXPECT_EQ(plain_json_run_end("a\x7f b", 0), 4U);
  EXPECT_EQ(plain_json_run_end("", 0), 0U);
}

TEST(Bytes, NextControlByteFindsTheFirstByteBelowASpace) {
  EXPECT_EQ(next_control_byte("no controls in here at all", 0), 26U);
  EXPECT_EQ(next_control_byte("line one\nline two\n", 0), 8U);
  EXPECT_EQ(next_control_byte("line one\nline two\n", 9), 17U);
  EXPECT_EQ(next_control_byte(std::string_view("abcdefghij\0k", 12), 0), 10U);
  // Bytes of 0x80 and above are not controls.
  EXPECT_EQ(next_control_byte("\x80\xff\xc3\xa9 text\t", 0), 9U);
}

TEST(Bytes, WordScansAgreeWithAByteLoopOnRandomInput) {
  std::mt19937 rng(7);
  // Mostly printable text with rare special bytes, so runs of every length
  // and every alignment occur.
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz 0123456789-_/.:=";
  const std::string specials = std::string("\"\\\n\t\r\0\x01\x1f\x7f\x80\xc3\xff", 12);
  for (int round = 0; round < 2000; ++round) {
    std::string s(rng() % 64, 'x');
    for (auto& c : s)
      c = rng() % 10 == 0 ? specials[rng() % specials.size()] : alphabet[rng() % alphabet.size()];
    for (std::size_t from = 0; from <= s.size(); ++from) {
      ASSERT_EQ(plain_json_run_end(s, from), naive_plain_end(s, from)) << s;
      ASSERT_EQ(next_control_byte(s, from), naive_next_control(s, from)) << s;
    }
  }
}

// count_byte against a plain loop: every length around the vector widths
// and the 255-step flush, every alignment, dense and sparse bytes.
TEST(CountByte, AgreesWithAPlainCountAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::string buffer(40000, '\0');
  for (auto& c : buffer)
    c = static_cast<char>(rng() % 4 == 0 ? '\n' : 'a' + rng() % 26);
  auto plain = [](std::string_view s) {
    std::size_t n = 0;
    for (char c : s)
      n += c == '\n' ? 1 : 0;
    return n;
  };
  for (std::size_t offset = 0; offset < 33; ++offset)
    for (std::size_t length : {0U, 1U, 15U, 16U, 17U, 31U, 32U, 33U, 255U * 16U, 255U * 32U,
                               255U * 32U + 1U, 9000U, 39000U}) {
      const auto view = std::string_view(buffer).substr(offset, length);
      EXPECT_EQ(count_byte(view, '\n'), plain(view)) << offset << "+" << length;
    }
  // Every byte the one counted: the byte lanes must not overflow.
  const std::string all(100000, '\n');
  EXPECT_EQ(count_byte(all, '\n'), all.size());
  EXPECT_EQ(count_byte(all, 'x'), 0U);
  const std::string high(70000, static_cast<char>(0xff));
  EXPECT_EQ(count_byte(high, static_cast<char>(0xff)), high.size());
}

} // namespace
} // namespace moat::util
