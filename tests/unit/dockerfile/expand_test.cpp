#include <moat/dockerfile/expand.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace moat::dockerfile {
namespace {

using Names = std::vector<std::string>;

const Env k_env = {
    {"BASE", "ubuntu:latest"},
    {"EMPTY", ""},
    {"DECLARED", std::nullopt}, // ARG DECLARED
    {"FOO", "xxyy"},
    {"STARS", "a***yy*"},
    {"PATHV", "/tmp/foo.txt"},
    {"SPACE", "abc  def"},
    {"LEADING", "  ab c"},
    {"VERSION", "v1.2.3"},
    {"TARGETOS", "linux"},
    {"TARGETARCH", "arm"},
    {"TARGETVARIANT", "v7"},
    {"URL", "http://google.de"},
    {"NEEDLE", "\\*/"},
    {"GLOBS", "/foo*/*/*.txt"},
    {"SPECIAL", "()[]{}^$.*?|\\x"},
    {"KOREAN", "한국어"},
    {"MULTI", "a\nb"},
    {"TPL", "[$0]"},
};

// ---- values ----------------------------------------------------------------

struct WordCase {
  std::string_view word;
  std::string value;
  Names unresolved = {};
};

class ExpandWord : public ::testing::TestWithParam<WordCase> {};

TEST_P(ExpandWord, Expands) {
  const auto& c = GetParam();
  const auto got = expand_word(c.word, k_env);
  ASSERT_TRUE(got.has_value()) << c.word << ": " << got.error().message;
  EXPECT_EQ(got->value, c.value) << c.word;
  EXPECT_EQ(got->unresolved, c.unresolved) << c.word;
}

INSTANTIATE_TEST_SUITE_P(
    Plain, ExpandWord,
    ::testing::Values(WordCase{"hello", "hello"}, WordCase{"${BASE}", "ubuntu:latest"},
                      WordCase{"$BASE", "ubuntu:latest"}, WordCase{"${TAG:-1.0}", "1.0", {"TAG"}},
                      WordCase{"${BASE}-${TAG:-1.0}", "ubuntu:latest-1.0", {"TAG"}},
                      WordCase{"$BASE/x$FOO.y", "ubuntu:latest/xxxyy.y"},
                      WordCase{"${KOREAN}!", "한국어!"}, WordCase{"$KOREAN", "한국어"},
                      WordCase{"$NOPE", "", {"NOPE"}}, WordCase{"$DECLARED", "", {"DECLARED"}},
                      WordCase{"$A ${B} ${A}", "  ", {"A", "B"}},
                      WordCase{"$1x $@ $$", "x  ", {"1", "@", "$"}}, WordCase{"$", "$"},
                      WordCase{"a$ b", "a$ b"}, WordCase{"$.x", "$.x"}, WordCase{"$-", "", {"-"}}));

INSTANTIATE_TEST_SUITE_P(
    Defaults, ExpandWord,
    ::testing::Values(WordCase{"${BASE:-x}", "ubuntu:latest"}, WordCase{"${EMPTY:-d}", "d"},
                      WordCase{"${EMPTY-d}", ""}, WordCase{"${NOPE-d}", "d", {"NOPE"}},
                      WordCase{"${DECLARED-d}", "d", {"DECLARED"}},
                      WordCase{"${NOPE:-}", "", {"NOPE"}},
                      WordCase{"${NOPE:-$BASE}", "ubuntu:latest", {"NOPE"}},
                      WordCase{"${NOPE:-\"a b\"}", "a b", {"NOPE"}},
                      WordCase{"${NOPE:-'$BASE'}", "$BASE", {"NOPE"}},
                      WordCase{"${BASE:+set}", "set"}, WordCase{"${EMPTY:+set}", ""},
                      WordCase{"${EMPTY+set}", "set"}, WordCase{"${NOPE+set}", "", {"NOPE"}},
                      WordCase{"${NOPE:+set}", "", {"NOPE"}},
                      WordCase{"${BASE:?needed}", "ubuntu:latest"}, WordCase{"${EMPTY?needed}", ""},
                      WordCase{"something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${"
                               "TARGETVARIANT}}.tar.gz",
                               "something-v1.2.3.linux-arm-v7.tar.gz"}));

INSTANTIATE_TEST_SUITE_P(
    Patterns, ExpandWord,
    ::testing::Values(WordCase{"${FOO#x}", "xyy"}, WordCase{"${FOO##*x}", "yy"},
                      WordCase{"${FOO#*x*y}", "y"}, WordCase{"${FOO#*}", "xxyy"},
                      WordCase{"${FOO#}", "xxyy"}, WordCase{"${FOO##}", "xxyy"},
                      WordCase{"${FOO#z}", "xxyy"}, WordCase{"${FOO%y}", "xxy"},
                      WordCase{"${FOO%%y*}", "xx"}, WordCase{"${FOO%y*}", "xxy"},
                      WordCase{"${FOO%%x*}", ""}, WordCase{"${FOO%}", "xxyy"},
                      WordCase{"${FOO#?}", "xyy"}, WordCase{"${BASE%:*}", "ubuntu"},
                      WordCase{"${BASE#*:}", "latest"}, WordCase{"${STARS%%\\**\\*}", "a"},
                      WordCase{"${SPECIAL#()[]{\\}^$.\\*\\?|\\\\}", "x"},
                      WordCase{"${FOO#$EMPTY}", "xxyy"}, WordCase{"${NOPE#x}", "", {"NOPE"}},
                      WordCase{"${KOREAN#?}", "국어"}, WordCase{"${KOREAN%?}", "한국"},
                      // like Go regexps, `*` and `?` do not match a newline
                      WordCase{"${MULTI#*}", "a\nb"}, WordCase{"${MULTI##a?}", "a\nb"},
                      WordCase{"${MULTI%%\nb}", "a"}));

INSTANTIATE_TEST_SUITE_P(
    Replace, ExpandWord,
    ::testing::Values(WordCase{"${FOO/x/z}", "zxyy"}, WordCase{"${FOO//x/z}", "zzyy"},
                      WordCase{"${FOO/q/z}", "xxyy"}, WordCase{"${FOO/x*/z}", "z"},
                      WordCase{"${FOO/?/}", "xyy"}, WordCase{"${FOO///}", "xxyy"},
                      WordCase{"${FOO/$EMPTY/ww}", "wwxxyy"},
                      WordCase{"${FOO//$EMPTY/-}", "-x-x-y-y-"},
                      // an empty match right after a match is not replaced (Go semantics)
                      WordCase{"${FOO//*/-}", "-"}, WordCase{"${FOO//y*/-}", "xx-"},
                      WordCase{"${URL/http:\\/\\//https:\\/\\/}", "https:\\/\\/google.de"},
                      WordCase{"${PATHV//\\//\\/}", "\\/tmp\\/foo.txt"},
                      WordCase{"${GLOBS/$NEEDLE/.} - ${GLOBS//$NEEDLE/.}",
                               "/foo.*/*.txt - /foo..*.txt"},
                      // Go's ReplaceAll expands $0 to the match; a single replace does not
                      WordCase{"${FOO//x/$TPL}", "[x][x]yy"}, WordCase{"${FOO/x/$TPL}", "[$0]xyy"},
                      WordCase{"${NOPE/x/y}", "", {"NOPE"}}));

INSTANTIATE_TEST_SUITE_P(
    Quotes, ExpandWord,
    ::testing::Values(WordCase{"'$BASE'", "$BASE"}, WordCase{"\"$BASE\"", "ubuntu:latest"},
                      WordCase{"he'll'o", "hello"}, WordCase{"\"a 'b' c\"", "a 'b' c"},
                      WordCase{"'a \"b\" c'", "a \"b\" c"}, WordCase{"\"\"", ""},
                      WordCase{"\"${NOPE:-x}\"", "x", {"NOPE"}}, WordCase{"'hello\\'", "hello\\"},
                      WordCase{"'hello\\there'", "hello\\there"}));

INSTANTIATE_TEST_SUITE_P(
    BackslashEscape, ExpandWord,
    ::testing::Values(WordCase{"\\$BASE", "$BASE"}, WordCase{"\"\\$BASE\"", "$BASE"},
                      WordCase{"abc\\tdef", "abctdef"}, WordCase{"\"abc\\tdef\"", "abc\\tdef"},
                      WordCase{"\"abc\\\\tdef\"", "abc\\tdef"}, WordCase{"hello\\", "hello"},
                      WordCase{"hello\\\\", "hello\\"}, WordCase{"he\\'llo", "he'llo"},
                      WordCase{"\"a\\\"b\"", "a\"b"}, WordCase{"a\\ b", "a b"},
                      WordCase{"\\\"$BASE\\\"", "\"ubuntu:latest\""},
                      WordCase{"\"`$BASE\"", "`ubuntu:latest"}));

class ExpandWordBacktick : public ::testing::TestWithParam<WordCase> {};

TEST_P(ExpandWordBacktick, Expands) {
  const auto& c = GetParam();
  const auto got = expand_word(c.word, k_env, '`');
  ASSERT_TRUE(got.has_value()) << c.word << ": " << got.error().message;
  EXPECT_EQ(got->value, c.value) << c.word;
  EXPECT_EQ(got->unresolved, c.unresolved) << c.word;
}

INSTANTIATE_TEST_SUITE_P(
    BacktickEscape, ExpandWordBacktick,
    ::testing::Values(WordCase{"`$BASE", "$BASE"}, WordCase{"\"`$BASE\"", "$BASE"},
                      WordCase{"C:\\Program Files\\$BASE", "C:\\Program Files\\ubuntu:latest"},
                      WordCase{"\"C:\\dir\\\"", "C:\\dir\\"}, WordCase{"a``b", "a`b"},
                      WordCase{"\"a``b\"", "a`b"}, WordCase{"\"a`\"b\"", "a\"b"},
                      WordCase{"\"a`b\"", "a`b"}, WordCase{"a`", "a"}));

// ---- errors ----------------------------------------------------------------

struct ErrorCase {
  std::string_view word;
  std::string_view message_part;
};

class ExpandError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ExpandError, Fails) {
  const auto& c = GetParam();
  const auto got = expand_word(c.word, k_env);
  ASSERT_FALSE(got.has_value()) << c.word << " gave " << got->value;
  EXPECT_EQ(got.error().kind, core::ErrorKind::parse);
  EXPECT_NE(got.error().message.find(c.message_part), std::string::npos)
      << c.word << ": " << got.error().message;
  const auto words = expand_words(c.word, k_env);
  EXPECT_FALSE(words.has_value()) << c.word;
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, ExpandError,
    ::testing::Values(ErrorCase{"${BASE", "missing '}'"}, ErrorCase{"${", "missing '}'"},
                      ErrorCase{"${BASE:-x", "missing '}'"}, ErrorCase{"${}", "bad substitution"},
                      ErrorCase{"${:x}", "bad substitution"},
                      ErrorCase{"${{x}", "bad substitution"}, ErrorCase{"'abc", "single-quote"},
                      ErrorCase{"he\\\\'llo", "single-quote"}, ErrorCase{"\"abc", "double-quote"},
                      ErrorCase{"\"abc\\\"", "double-quote"},
                      ErrorCase{"${BASE=x}", "unsupported modifier (=)"},
                      ErrorCase{"${BASE:x}", "unsupported modifier (:x)"},
                      ErrorCase{"${BASE.x}", "unsupported modifier (.)"},
                      ErrorCase{"${FOO//ww}", "missing '/'"}, ErrorCase{"${FOO//}", "missing '/'"},
                      ErrorCase{"${FOO#\\x}", "invalid pattern"},
                      ErrorCase{"x ${BASE", "failed to process \"x ${BASE\""}));

INSTANTIATE_TEST_SUITE_P(
    Required, ExpandError,
    ::testing::Values(ErrorCase{"${NOPE:?need a tag}", "NOPE: need a tag"},
                      ErrorCase{"${DECLARED:?set it}", "DECLARED: set it"},
                      ErrorCase{"${EMPTY:?must not be empty}", "EMPTY: must not be empty"},
                      ErrorCase{"${EMPTY:?}", "EMPTY: is not allowed to be empty"},
                      ErrorCase{"${NOPE?}", "NOPE: is not allowed to be unset"},
                      ErrorCase{"${NOPE:?message here$FOO}", "message herexxyy"}));

// ---- words -----------------------------------------------------------------

struct WordsCase {
  std::string_view text;
  std::vector<std::string> words;
};

class ExpandWords : public ::testing::TestWithParam<WordsCase> {};

TEST_P(ExpandWords, Splits) {
  const auto& c = GetParam();
  const auto got = expand_words(c.text, k_env);
  ASSERT_TRUE(got.has_value()) << c.text << ": " << got.error().message;
  EXPECT_EQ(*got, c.words) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Split, ExpandWords,
    ::testing::Values(WordsCase{"80/tcp 443", {"80/tcp", "443"}},
                      WordsCase{"  a \t b\n c  ", {"a", "b", "c"}},
                      WordsCase{"\"a b\" c", {"a b", "c"}}, WordsCase{"a\\ b c", {"a b", "c"}},
                      WordsCase{"'$BASE x' $BASE", {"$BASE x", "ubuntu:latest"}},
                      WordsCase{"hello${NOPE}bye", {"hellobye"}},
                      // as in BuildKit, unquoted expansion results are split again
                      WordsCase{"hello${SPACE}bye", {"helloabc", "defbye"}},
                      WordsCase{"hello\"${SPACE}\"bye", {"helloabc  defbye"}},
                      WordsCase{"hello${LEADING}def", {"hello", "ab", "cdef"}},
                      WordsCase{"hello \"${LEADING}\"", {"hello", "  ab c"}},
                      WordsCase{"\"\" x ''", {"x"}}, WordsCase{"", {}},
                      WordsCase{"/data ${NOPE:-/logs}", {"/data", "/logs"}}));

// ---- robustness ------------------------------------------------------------

TEST(Expand, RandomInputNeverCrashes) {
  std::mt19937 rng(7u);
  const std::string alphabet = "${}:-+?#%/'\"\\` aBX*\n";
  std::uniform_int_distribution<int> len(0, 40);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string in;
    const int n = len(rng);
    for (int k = 0; k < n; ++k)
      in += alphabet[pick(rng)];
    const auto a = expand_word(in, k_env, i % 2 == 0 ? '\\' : '`');
    const auto b = expand_words(in, k_env);
    if (a)
      ++ok;
    else
      EXPECT_FALSE(a.error().message.empty());
    (void)b;
  }
  EXPECT_GT(ok, 0);
}

TEST(Expand, ErrorMessagesStayShort) {
  const std::string word = std::string(5000, 'x') + "${";
  const auto got = expand_word(word, k_env);
  ASSERT_FALSE(got.has_value());
  EXPECT_LT(got.error().message.size(), 200u);
  EXPECT_NE(got.error().message.find("missing '}'"), std::string::npos);
}

TEST(Expand, NestingIsBounded) {
  std::string shallow = "x";
  for (int i = 0; i < 10; ++i)
    shallow = "${NOPE:-" + shallow + "}";
  const auto ok = expand_word(shallow, k_env);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->value, "x");
  EXPECT_EQ(ok->unresolved, (Names{"NOPE"}));

  std::string deep;
  for (int i = 0; i < 20000; ++i)
    deep += "\"${NOPE:-";
  const auto refused = expand_word(deep, k_env);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().kind, core::ErrorKind::limit);
  EXPECT_FALSE(expand_words(deep, k_env).has_value());
}

TEST(Expand, HugePatternWorkIsRefused) {
  const Env env = {{"BIG", std::string(200000, 'a')}, {"PAT", std::string(1000, '*')}};
  const auto got = expand_word("${BIG#$PAT}", env);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().kind, core::ErrorKind::limit);
}

} // namespace
} // namespace moat::dockerfile
