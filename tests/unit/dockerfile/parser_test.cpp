// Unit tests of the BuildKit-faithful Dockerfile parser.

#include <moat/dockerfile/ast.hpp>
#include <moat/dockerfile/parser_detail.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace moat::dockerfile {
namespace {

using namespace std::string_literals;

// Parses TEXT, recording a test failure (and returning an empty result) on error.
ParseResult parse_ok(std::string_view text) {
  auto parsed = parse(text, "Dockerfile");
  if (!parsed) {
    ADD_FAILURE() << "unexpected parse error: " << parsed.error().to_string()
                  << "\ninput: " << detail::go_quote(text);
    return {};
  }
  return std::move(*parsed);
}

// Parses TEXT expecting an error; returns it.
core::Error parse_error(std::string_view text) {
  auto parsed = parse(text, "Dockerfile");
  if (parsed) {
    ADD_FAILURE() << "expected an error, got:\n" << dump(*parsed);
    return {};
  }
  return parsed.error();
}

const Instruction& at(const ParseResult& result, std::size_t index) {
  static const Instruction k_none;
  if (index >= result.instructions.size()) {
    ADD_FAILURE() << "no instruction " << index << " (have " << result.instructions.size() << ")";
    return k_none;
  }
  return result.instructions[index];
}

using Strings = std::vector<std::string>;

// Names a parameterised case after its `name` field.
template <class Case> std::string case_name(const testing::TestParamInfo<Case>& param) {
  return param.param.name;
}

// ---------------------------------------------------------------------------
// Dumps: how each instruction's arguments are split.

struct DumpCase {
  const char* name;
  std::string text;
  std::string dump;
};

void PrintTo(const DumpCase& c, std::ostream* os) {
  *os << c.name;
}

class DumpTest : public testing::TestWithParam<DumpCase> {};

TEST_P(DumpTest, MatchesBuildKitDump) {
  const DumpCase& c = GetParam();
  EXPECT_EQ(dump(parse_ok(c.text)), c.dump) << detail::go_quote(c.text);
}

const DumpCase k_dump_cases[] = {
    {"keyword_case_insensitive", "fRoM a\nRuN b\n", "(from \"a\")\n(run \"b\")\n"},
    {"unknown_instruction_drops_args", "FROM a\nFOO bar baz\n", "(from \"a\")\n(foo \"\")\n"},
    {"unknown_instruction_keeps_flags", "FROM a\nfoo --x=1 bar\n",
     "(from \"a\")\n(foo [\"--x=1\"] \"\")\n"},
    {"from_split_on_whitespace", "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n",
     "(from [\"--platform=$BUILDPLATFORM\"] \"golang:1.22\" \"AS\" \"build\")\n"},
    {"expose_split", "FROM a\nEXPOSE 80/tcp\t443\n", "(from \"a\")\n(expose \"80/tcp\" \"443\")\n"},
    {"user_one_string", "FROM a\nUSER app:app extra\n", "(from \"a\")\n(user \"app:app extra\")\n"},
    {"workdir_one_string", "FROM a\nWORKDIR /my dir\n", "(from \"a\")\n(workdir \"/my dir\")\n"},
    {"stopsignal_maintainer", "FROM a\nSTOPSIGNAL SIGTERM\nMAINTAINER Jo <jo@x>\n",
     "(from \"a\")\n(stopsignal \"SIGTERM\")\n(maintainer \"Jo <jo@x>\")\n"},
    {"run_shell_form", "FROM a\nRUN  echo   \"hi\"  \n",
     "(from \"a\")\n(run \"echo   \\\"hi\\\"\")\n"},
    {"run_exec_form", "FROM a\nRUN [\"echo\", \"hi\"]\n", "(from \"a\")\n(run \"echo\" \"hi\")\n"},
    {"cmd_empty_array", "FROM a\nCMD []\n", "(from \"a\")\n(cmd)\n"},
    {"cmd_nothing", "FROM a\nCMD\n", "(from \"a\")\n(cmd)\n"},
    {"json_trailing_comment_is_shell", "FROM a\nCMD [\"a\"] # c\n",
     "(from \"a\")\n(cmd \"[\\\"a\\\"] # c\")\n"},
    {"json_single_quotes_is_shell", "FROM a\nENTRYPOINT ['a']\n",
     "(from \"a\")\n(entrypoint \"['a']\")\n"},
    {"json_missing_comma_is_shell", "FROM a\nCMD [\"a\" \"b\"]\n",
     "(from \"a\")\n(cmd \"[\\\"a\\\" \\\"b\\\"]\")\n"},
    {"json_bad_escape_is_shell", "FROM a\nRUN [\"c:\\x\"]\n",
     "(from \"a\")\n(run \"[\\\"c:\\\\x\\\"]\")\n"},
    {"json_unicode_escapes", "FROM a\nCMD [\"\\u00e9\", \"\\ud83d\\ude00\", \"\\ud800\"]\n",
     "(from \"a\")\n(cmd \"é\" \"😀\" \"\xEF\xBF\xBD\")\n"},
    {"json_huge_number_is_shell", "FROM a\nCMD [\"a\", 1e400]\n",
     "(from \"a\")\n(cmd \"[\\\"a\\\", 1e400]\")\n"},
    {"shell_exec_form", "FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n",
     "(from \"a\")\n(shell \"/bin/bash\" \"-o\" \"pipefail\" \"-c\")\n"},
    {"copy_split_and_json", "FROM a\nCOPY a b /c/\nCOPY [\"a b\", \"/c d/\"]\n",
     "(from \"a\")\n(copy \"a\" \"b\" \"/c/\")\n(copy \"a b\" \"/c d/\")\n"},
    {"volume_json", "FROM a\nVOLUME [\"/data\"]\nVOLUME /a /b\n",
     "(from \"a\")\n(volume \"/data\")\n(volume \"/a\" \"/b\")\n"},
    {"arg_words_keep_quotes", "ARG A=\"x y\" B\nFROM a\n",
     "(arg \"A=\\\"x y\\\"\" \"B\")\n(from \"a\")\n"},
    {"env_pairs", "FROM a\nENV A=1 B=\"two words\"\n",
     "(from \"a\")\n(env \"A\" \"1\" \"=\" \"B\" \"\\\"two words\\\"\" \"=\")\n"},
    {"env_legacy", "FROM a\nENV PATH /usr/bin:$PATH  x\n",
     "(from \"a\")\n(env \"PATH\" \"/usr/bin:$PATH  x\" \"\")\n"},
    {"env_empty", "FROM a\nENV\n", "(from \"a\")\n(env)\n"},
    {"label_pairs", "FROM a\nLABEL org.opencontainers.image.title=\"moat\" a=b\n",
     "(from \"a\")\n(label \"org.opencontainers.image.title\" \"\\\"moat\\\"\" \"=\" \"a\" \"b\" "
     "\"=\")\n"},
    {"healthcheck_none", "FROM a\nHEALTHCHECK NONE\n", "(from \"a\")\n(healthcheck \"NONE\")\n"},
    {"healthcheck_shell",
     "FROM a\nHEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1\n",
     "(from \"a\")\n(healthcheck [\"--interval=30s\"] \"CMD\" \"curl -f http://localhost/ || exit "
     "1\")\n"},
    {"healthcheck_exec", "FROM a\nHEALTHCHECK CMD [\"curl\", \"-f\", \"x\"]\n",
     "(from \"a\")\n(healthcheck \"CMD\" \"curl\" \"-f\" \"x\")\n"},
    {"onbuild_nests", "FROM a\nONBUILD RUN [\"echo\", \"test\"]\nONBUILD COPY --chown=1:1 . /\n",
     "(from \"a\")\n(onbuild (run \"echo\" \"test\"))\n(onbuild (copy [\"--chown=1:1\"] \".\" "
     "\"/\"))\n"},
    {"onbuild_onbuild_accepted", "FROM a\nONBUILD ONBUILD RUN x\n",
     "(from \"a\")\n(onbuild (onbuild (run \"x\")))\n"},
    {"onbuild_from_and_maintainer_accepted", "FROM a\nONBUILD FROM b\nONBUILD MAINTAINER me\n",
     "(from \"a\")\n(onbuild (from \"b\"))\n(onbuild (maintainer \"me\"))\n"},
    {"onbuild_alone", "FROM a\nONBUILD\n", "(from \"a\")\n(onbuild)\n"},
    {"quote_non_printable",
     "FROM a\nRUN a\x01\x7f\xff\xc2\xa0"
     "b\n",
     "(from \"a\")\n(run \"a\\x01\\x7f\\xff\\u00a0b\")\n"},
    {"nul_bytes", "FROM a\0b\n"s, "(from \"a\\x00b\")\n"},
    {"lone_escape_line_is_empty_instruction", "FROM a\n\\\n", "(from \"a\")\n(\"\")\n"},
};

INSTANTIATE_TEST_SUITE_P(Parser, DumpTest, testing::ValuesIn(k_dump_cases), case_name<DumpCase>);

TEST(ParserInstructions, KeywordIsLowerCaseAndOriginalIsTheJoinedLine) {
  const ParseResult r = parse_ok("From a\nRUN echo a \\\n    b\n");
  EXPECT_EQ(at(r, 0).keyword, "from");
  EXPECT_EQ(at(r, 1).keyword, "run");
  EXPECT_EQ(at(r, 1).original, "RUN echo a     b");
  EXPECT_EQ(at(r, 1).args, Strings{"echo a     b"});
}

TEST(ParserInstructions, JsonFlagFollowsTheForm) {
  const ParseResult r =
      parse_ok("FROM a\nCMD [\"a\"]\nCMD a\nENTRYPOINT []\nHEALTHCHECK CMD [\"x\"]\n"
               "HEALTHCHECK CMD x\nCOPY [\"a\", \"b\"]\nCOPY a b\n");
  const std::vector<bool> expected = {false, true, false, true, true, false, true, false};
  ASSERT_EQ(r.instructions.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_EQ(r.instructions[i].json, expected[i]) << r.instructions[i].original;
}

TEST(ParserInstructions, OnbuildTriggerIsAFullInstruction) {
  const ParseResult r = parse_ok("FROM a\n  ONBUILD RUN --mount=type=cache,target=/c make\n");
  const Instruction& onbuild = at(r, 1);
  EXPECT_EQ(onbuild.keyword, "onbuild");
  EXPECT_TRUE(onbuild.args.empty());
  ASSERT_NE(onbuild.onbuild, nullptr);
  const Instruction& trigger = *onbuild.onbuild;
  EXPECT_EQ(trigger.keyword, "run");
  EXPECT_EQ(trigger.original, "RUN --mount=type=cache,target=/c make");
  EXPECT_EQ(trigger.flags, Strings{"--mount=type=cache,target=/c"});
  EXPECT_EQ(trigger.args, Strings{"make"});
  EXPECT_EQ(trigger.start_line, 2);
  EXPECT_EQ(trigger.end_line, 2);
  EXPECT_EQ(onbuild.column, 3);
  EXPECT_EQ(trigger.column, 11);
}

TEST(ParserInstructions, OnbuildChainsAreBounded) {
  std::string ok = "FROM a\n";
  for (int i = 0; i < 16; ++i)
    ok += "ONBUILD ";
  ok += "RUN x\n";
  const ParseResult r = parse_ok(ok);
  int depth = 0;
  for (const Instruction* i = &at(r, 1); i->onbuild; i = i->onbuild.get())
    ++depth;
  EXPECT_EQ(depth, 16);
  const core::Error e = parse_error("FROM a\nONBUILD " + ok.substr(7));
  EXPECT_EQ(e.message, "onbuild triggers nested more than 16 deep");
  EXPECT_EQ(e.line, 2);
}

// ---------------------------------------------------------------------------
// Flags.

struct FlagCase {
  std::string line;
  Strings flags;
  Strings args;
};

void PrintTo(const FlagCase& c, std::ostream* os) {
  *os << detail::go_quote(c.line);
}

class FlagTest : public testing::TestWithParam<FlagCase> {};

TEST_P(FlagTest, FlagsAreKeptAsWritten) {
  const FlagCase& c = GetParam();
  const ParseResult r = parse_ok("FROM a\n" + c.line + "\n");
  EXPECT_EQ(at(r, 1).flags, c.flags) << c.line;
  EXPECT_EQ(at(r, 1).args, c.args) << c.line;
}

const FlagCase k_flag_cases[] = {
    {"RUN --mount=type=cache,target=/root/.cache pip install x",
     {"--mount=type=cache,target=/root/.cache"},
     {"pip install x"}},
    {"RUN --network=none --security=insecure make",
     {"--network=none", "--security=insecure"},
     {"make"}},
    {"COPY --from=build --chown=1000:1000 --chmod=755 --link /app /app",
     {"--from=build", "--chown=1000:1000", "--chmod=755", "--link"},
     {"/app", "/app"}},
    {"COPY --exclude=*.md --parents ./src /dst",
     {"--exclude=*.md", "--parents"},
     {"./src", "/dst"}},
    {"ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d "
     "https://x/a.tgz /",
     {"--checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d"},
     {"https://x/a.tgz", "/"}},
    {"ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /bk",
     {"--keep-git-dir=true"},
     {"https://github.com/moby/buildkit.git#v0.10.1", "/bk"}},
    {"COPY -- --odd /dst", {}, {"--odd", "/dst"}},
    {"COPY --link -- --odd /dst", {"--link"}, {"--odd", "/dst"}},
    {"COPY --link --", {"--link"}, {}},
    {"RUN --mount=type=secret,id=\"my id\" cat", {"--mount=type=secret,id=my id"}, {"cat"}},
    {"RUN --mount=a\\ b x", {"--mount=a b"}, {"x"}},
    {"RUN -x --y", {}, {"-x --y"}},
    {"RUN --mount=target=/\xc3\xa9 x", {"--mount=target=/\xc3\x83\xc2\xa9"}, {"x"}},
};

INSTANTIATE_TEST_SUITE_P(Parser, FlagTest, testing::ValuesIn(k_flag_cases));

TEST(ParserFlags, FlagsDumpWithGoQuoting) {
  EXPECT_EQ(dump(parse_ok("FROM a\nCOPY --from=build --chown=1:1 a b\n")),
            "(from \"a\")\n(copy [\"--from=build\" \"--chown=1:1\"] \"a\" \"b\")\n");
}

// ---------------------------------------------------------------------------
// Directives.

TEST(ParserDirectives, EscapeBacktickChangesContinuation) {
  const ParseResult r = parse_ok("# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo ok\n");
  EXPECT_EQ(r.escape, '`');
  ASSERT_EQ(r.directives.size(), 1U);
  EXPECT_EQ(r.directives[0].name, "escape");
  EXPECT_EQ(r.directives[0].value, "`");
  EXPECT_EQ(r.directives[0].line, 1);
  EXPECT_EQ(at(r, 1).args, Strings{"dir c:\\   && echo ok"});
  EXPECT_EQ(at(r, 1).end_line, 4);
  EXPECT_TRUE(r.comments.empty());
}

TEST(ParserDirectives, NamesAreCaseInsensitiveAndSpacesAllowed) {
  const ParseResult r = parse_ok(
      "  #  ESCAPE  =  `  \n# "
      "Syntax=docker/dockerfile:1.7\n#CHECK=skip=JSONArgsRecommended;error=true\nFROM a\n");
  EXPECT_EQ(r.escape, '`');
  ASSERT_EQ(r.directives.size(), 3U);
  EXPECT_EQ(r.directives[0].name, "escape");
  EXPECT_EQ(r.directives[0].value, "`");
  EXPECT_EQ(r.directives[1].name, "syntax");
  EXPECT_EQ(r.directives[1].value, "docker/dockerfile:1.7");
  EXPECT_EQ(r.directives[1].line, 2);
  EXPECT_EQ(r.directives[2].name, "check");
  EXPECT_EQ(r.directives[2].value, "skip=JSONArgsRecommended;error=true");
  EXPECT_EQ(r.directives[2].line, 3);
  EXPECT_TRUE(at(r, 0).comments.empty()) << "directives are not comments of the first instruction";
}

TEST(ParserDirectives, ByteOrderMarkIsSkipped) {
  const ParseResult r =
      parse_ok("\xEF\xBB\xBF# syntax=docker/dockerfile:1\n\xEF\xBB\xBF\n\tFROM a\n");
  ASSERT_EQ(r.directives.size(), 1U);
  EXPECT_EQ(r.directives[0].value, "docker/dockerfile:1");
  EXPECT_EQ(dump(r), "(\xEF\xBB\xBF \"\")\n(from \"a\")\n")
      << "only the first line's mark is dropped";

  const ParseResult plain = parse_ok("\xEF\xBB\xBF"
                                     "FROM a\n");
  EXPECT_EQ(at(plain, 0).keyword, "from");
  EXPECT_EQ(at(plain, 0).column, 1);
}

struct StopCase {
  const char* name;
  std::string text;
};

void PrintTo(const StopCase& c, std::ostream* os) {
  *os << c.name;
}

class DirectiveStopTest : public testing::TestWithParam<StopCase> {};

// Each input has "# escape=`" after something that ends directive detection.
TEST_P(DirectiveStopTest, LateEscapeIsAComment) {
  const ParseResult r = parse_ok(GetParam().text);
  EXPECT_EQ(r.escape, '\\');
  for (const Directive& d : r.directives)
    EXPECT_NE(d.name, "escape");
  const bool listed = std::any_of(r.comments.begin(), r.comments.end(),
                                  [](const Comment& c) { return c.text == "escape=`"; });
  EXPECT_TRUE(listed) << "the late directive is kept as an ordinary comment";
}

const StopCase k_stop_cases[] = {
    {"after_blank_line", "\n# escape=`\nFROM a\n"},
    {"after_comment", "# hello\n# escape=`\nFROM a\n"},
    {"after_instruction", "FROM a\n# escape=`\nRUN b\n"},
    {"after_unknown_directive", "# foo=bar\n# escape=`\nFROM a\n"},
    {"after_shebang", "#!/usr/bin/env buildctl\n# escape=`\nFROM a\n"},
};

INSTANTIATE_TEST_SUITE_P(Parser, DirectiveStopTest, testing::ValuesIn(k_stop_cases),
                         case_name<StopCase>);

TEST(ParserDirectives, LateEscapeDoesNotContinueLines) {
  const ParseResult r = parse_ok("FROM a\n# escape=`\nRUN a `\nRUN b\n");
  ASSERT_EQ(r.instructions.size(), 3U);
  EXPECT_EQ(at(r, 1).args, Strings{"a `"});
}

// ---------------------------------------------------------------------------
// Continuations.

struct ContinuationCase {
  const char* name;
  std::string text;
  Strings run_args; // of the instruction after FROM
  int end_line;
};

void PrintTo(const ContinuationCase& c, std::ostream* os) {
  *os << c.name;
}

class ContinuationTest : public testing::TestWithParam<ContinuationCase> {};

TEST_P(ContinuationTest, JoinsLines) {
  const ContinuationCase& c = GetParam();
  const ParseResult r = parse_ok(c.text);
  EXPECT_EQ(at(r, 1).args, c.run_args);
  EXPECT_EQ(at(r, 1).start_line, 2);
  EXPECT_EQ(at(r, 1).end_line, c.end_line);
}

const ContinuationCase k_continuation_cases[] = {
    {"keeps_leading_whitespace", "FROM a\nRUN a \\\n    b\n", {"a     b"}, 3},
    {"blanks_after_escape", "FROM a\nRUN a \\  \t\nb\n", {"a b"}, 3},
    {"comment_lines_skipped", "FROM a\nRUN a \\\n# note\n  # indented note\nb\n", {"a b"}, 5},
    {"escaped_escape_ends_line", "FROM a\nRUN a \\\\\nRUN b\n", {"a \\\\"}, 2},
    {"continue_at_eof", "FROM a\nRUN a \\", {"a"}, 2},
    {"crlf", "FROM a\r\nRUN a \\\r\n b\r\n", {"a  b"}, 3},
    {"empty_lines_skipped", "FROM a\nRUN a \\\n\n \t\nb\n", {"a b"}, 5},
};

INSTANTIATE_TEST_SUITE_P(Parser, ContinuationTest, testing::ValuesIn(k_continuation_cases),
                         case_name<ContinuationCase>);

TEST(ParserContinuation, EmptyContinuationLineWarnsAtTheInstructionsLastLine) {
  const ParseResult r = parse_ok("FROM a\nRUN apk add \\\n\n    gnupg \\\n\n    curl\nRUN ok\n");
  ASSERT_EQ(r.warnings.size(), 1U) << "one warning per instruction, as BuildKit";
  EXPECT_EQ(r.warnings[0].message, "empty continuation line");
  EXPECT_EQ(r.warnings[0].line, 6);
  EXPECT_EQ(at(r, 1).args, Strings{"apk add     gnupg     curl"});
  EXPECT_EQ(at(r, 1).end_line, 6);
}

TEST(ParserContinuation, CommentLineIsNotAnEmptyContinuation) {
  const ParseResult r = parse_ok("FROM a\nEXPOSE \\\n# Port\n80\n");
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(at(r, 1).args, Strings{"80"});
}

// ---------------------------------------------------------------------------
// Heredocs.

struct HeredocCase {
  const char* name;
  std::string text;
  std::size_t instruction;
  std::vector<Heredoc> heredocs;
  int end_line;
};

void PrintTo(const HeredocCase& c, std::ostream* os) {
  *os << c.name;
}

class HeredocTest : public testing::TestWithParam<HeredocCase> {};

TEST_P(HeredocTest, ReadsBodies) {
  const HeredocCase& c = GetParam();
  const ParseResult r = parse_ok(c.text);
  const Instruction& ins = at(r, c.instruction);
  ASSERT_EQ(ins.heredocs.size(), c.heredocs.size()) << dump(r);
  for (std::size_t i = 0; i < c.heredocs.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(ins.heredocs[i].name, c.heredocs[i].name);
    EXPECT_EQ(ins.heredocs[i].content, c.heredocs[i].content);
    EXPECT_EQ(ins.heredocs[i].expand, c.heredocs[i].expand);
    EXPECT_EQ(ins.heredocs[i].chomp, c.heredocs[i].chomp);
    EXPECT_EQ(ins.heredocs[i].start_line, c.heredocs[i].start_line);
  }
  EXPECT_EQ(ins.end_line, c.end_line);
}

const HeredocCase k_heredoc_cases[] = {
    {"basic",
     "FROM a\nRUN <<EOF\napt-get update\n# not a comment\nEOF\nUSER x\n",
     1,
     {{"EOF", "apt-get update\n# not a comment\n", true, false, 3}},
     5},
    {"empty", "FROM a\nRUN <<EMPTY\nEMPTY\n", 1, {{"EMPTY", "", true, false, 3}}, 3},
    {"chomp",
     "FROM a\nRUN <<-EOT\n\techo a\n\t\techo b\n\tEOT\n",
     1,
     {{"EOT", "echo a\necho b\n", true, true, 3}},
     5},
    {"tab_before_plain_terminator_is_body",
     "FROM a\nRUN <<EOT\n\tEOT\nEOT\n",
     1,
     {{"EOT", "\tEOT\n", true, false, 3}},
     4},
    {"single_quoted",
     "FROM a\nRUN <<'EOF'\necho $HOME\nEOF\n",
     1,
     {{"EOF", "echo $HOME\n", false, false, 3}},
     4},
    {"double_quoted", "FROM a\nRUN <<\"EOF\"\nx\nEOF\n", 1, {{"EOF", "x\n", false, false, 3}}, 4},
    {"chomp_quoted", "FROM a\nRUN <<-'EOF'\n\tx\n\tEOF\n", 1, {{"EOF", "x\n", false, true, 3}}, 4},
    {"partly_quoted", "FROM a\nRUN <<eo'f'\nx\neof\n", 1, {{"eof", "x\n", false, false, 3}}, 4},
    {"escaped_quote", "FROM a\nRUN <<eo\\'f\nx\neo'f\n", 1, {{"eo'f", "x\n", true, false, 3}}, 4},
    {"quoted_and_escaped",
     "FROM a\nRUN <<'e'o\\'f\nx\neo'f\n",
     1,
     {{"eo'f", "x\n", false, false, 3}},
     4},
    {"quoted_with_space",
     "FROM a\nRUN <<'one two'\nx\none two\n",
     1,
     {{"one two", "x\n", false, false, 3}},
     4},
    {"dollar_name_kept", "FROM a\nRUN <<$EOF\n$EOF\n", 1, {{"$EOF", "", true, false, 3}}, 3},
    {"space_after_operator",
     "FROM a\nRUN <<  EOF  > /out\nx\nEOF\n",
     1,
     {{"EOF", "x\n", true, false, 3}},
     4},
    {"fd_prefix", "FROM a\nRUN 3<<EOF\nx\nEOF\n", 1, {{"EOF", "x\n", true, false, 3}}, 4},
    {"with_command",
     "FROM a\nRUN <<EOF python3\nprint(1)\nEOF\n",
     1,
     {{"EOF", "print(1)\n", true, false, 3}},
     4},
    {"two_on_one_line",
     "FROM a\nCOPY <<A <<B /dst/\nfirst\nA\nsecond\nB\n",
     1,
     {{"A", "first\n", true, false, 3}, {"B", "second\n", true, false, 5}},
     6},
    {"terminators_checked_in_order",
     "FROM a\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n",
     1,
     {{"X", "Y\n", true, false, 3}, {"Y", "X\n", true, false, 5}},
     6},
    {"add",
     "FROM a\nADD --chmod=644 <<EOF /etc/motd\nhello\nEOF\n",
     1,
     {{"EOF", "hello\n", true, false, 3}},
     4},
    {"with_flags",
     "FROM a\nRUN --mount=type=cache,target=/c <<EOF\necho\nEOF\n",
     1,
     {{"EOF", "echo\n", true, false, 3}},
     4},
    {"after_continuation",
     "FROM a\nRUN <<EOF \\\n  bash\nbody\nEOF\n",
     1,
     {{"EOF", "body\n", true, false, 4}},
     5},
    {"crlf", "FROM a\r\nRUN <<EOF\r\nx\r\nEOF\r\n", 1, {{"EOF", "x\r\n", true, false, 3}}, 4},
    {"terminator_at_eof", "FROM a\nRUN <<EOF\nx\nEOF", 1, {{"EOF", "x\n", true, false, 3}}, 4},
    {"onbuild",
     "FROM a\nONBUILD RUN <<EOF\necho\nEOF\n",
     1,
     {{"EOF", "echo\n", true, false, 3}},
     4},
    {"not_in_json", "FROM a\nRUN [\"<<EOF\"]\nEOF\n", 1, {}, 2},
    {"not_when_quoted", "FROM a\nRUN \"<<EOF\"\n", 1, {}, 2},
    {"not_in_user", "FROM a\nUSER <<EOF\nEOF\n", 1, {}, 2},
    {"not_when_glued", "FROM a\nRUN cat<<EOF\nEOF\n", 1, {}, 2},
    {"not_when_line_cannot_be_lexed", "FROM a\nRUN <<EOF echo \"open\nEOF\n", 1, {}, 2},
    {"bare_operator", "FROM a\nRUN echo << x\nx\n", 1, {{"x", "", true, false, 3}}, 3},
};

INSTANTIATE_TEST_SUITE_P(Parser, HeredocTest, testing::ValuesIn(k_heredoc_cases),
                         case_name<HeredocCase>);

TEST(ParserHeredoc, BodiesAreNotDumpedNorComments) {
  const ParseResult r = parse_ok("FROM a\nCOPY <<EOF /x\n# body\nEOF\nRUN b\n");
  EXPECT_EQ(dump(r), "(from \"a\")\n(copy \"<<EOF\" \"/x\")\n(run \"b\")\n");
  EXPECT_TRUE(r.comments.empty());
  EXPECT_EQ(at(r, 2).start_line, 5);
}

TEST(ParserHeredoc, OnbuildTriggerCarriesTheHeredocToo) {
  const ParseResult r = parse_ok("FROM a\nONBUILD COPY <<EOF /x\ny\nEOF\n");
  ASSERT_NE(at(r, 1).onbuild, nullptr);
  ASSERT_EQ(at(r, 1).heredocs.size(), 1U);
  ASSERT_EQ(at(r, 1).onbuild->heredocs.size(), 1U);
  EXPECT_EQ(at(r, 1).onbuild->heredocs[0].content, "y\n");
  EXPECT_EQ(at(r, 1).onbuild->end_line, 4);
}

TEST(ParserHeredoc, UnterminatedIsAnError) {
  const core::Error e = parse_error("FROM a\n\nRUN <<EOF\necho\nEOf\n");
  EXPECT_EQ(e.message, "unterminated heredoc");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.kind, core::ErrorKind::parse);
  EXPECT_EQ(parse_error("FROM a\nCOPY <<A <<B /\nA\n").message, "unterminated heredoc");
}

TEST(ParserHeredoc, DelimiterThatCannotBeLexedIsAnError) {
  // The line splits into "<<${a:-\"x" and "y\"}"; the first cannot be lexed
  // on its own, which BuildKit reports.
  const core::Error e = parse_error("FROM a\nRUN <<${a:-\"x y\"}\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("syntax error: missing '}'"), std::string::npos) << e.message;
}

// ---------------------------------------------------------------------------
// ENV and LABEL pairs.

struct Pair {
  std::string key, value, sep;
};

struct PairCase {
  std::string line;
  std::vector<Pair> pairs;
};

void PrintTo(const PairCase& c, std::ostream* os) {
  *os << detail::go_quote(c.line);
}

class PairTest : public testing::TestWithParam<PairCase> {};

TEST_P(PairTest, SplitsPairs) {
  const PairCase& c = GetParam();
  const ParseResult r = parse_ok("FROM a\n" + c.line + "\n");
  const Instruction& ins = at(r, 1);
  ASSERT_EQ(ins.pairs().size(), c.pairs.size()) << c.line;
  Strings flat;
  for (std::size_t i = 0; i < c.pairs.size(); ++i) {
    EXPECT_EQ(ins.pairs()[i].key, c.pairs[i].key);
    EXPECT_EQ(ins.pairs()[i].value, c.pairs[i].value);
    EXPECT_EQ(ins.pairs()[i].sep, c.pairs[i].sep);
    flat.insert(flat.end(), {c.pairs[i].key, c.pairs[i].value, c.pairs[i].sep});
  }
  EXPECT_EQ(ins.args, flat);
}

const PairCase k_pair_cases[] = {
    {"ENV A=1", {{"A", "1", "="}}},
    {"ENV A=1 B=2", {{"A", "1", "="}, {"B", "2", "="}}},
    {"ENV A=\"x y\" B='p q'", {{"A", "\"x y\"", "="}, {"B", "'p q'", "="}}},
    {"ENV A=x\\ y", {{"A", "x\\ y", "="}}},
    {"ENV A=", {{"A", "", "="}}},
    {"ENV A=b=c", {{"A", "b=c", "="}}},
    {"ENV A=\"unbalanced", {{"A", "\"unbalanced", "="}}},
    {"ENV JAVA_HOME /usr/lib/jvm/java 17", {{"JAVA_HOME", "/usr/lib/jvm/java 17", ""}}},
    {"ENV A \"quoted value\"", {{"A", "\"quoted value\"", ""}}},
    {"LABEL maintainer=\"me <me@x>\" version=1.0",
     {{"maintainer", "\"me <me@x>\"", "="}, {"version", "1.0", "="}}},
    {"LABEL description A long description", {{"description", "A long description", ""}}},
    {"ENV A=1 \\\n    B=2", {{"A", "1", "="}, {"B", "2", "="}}},
};

INSTANTIATE_TEST_SUITE_P(Parser, PairTest, testing::ValuesIn(k_pair_cases));

TEST(ParserPairs, BacktickEscapeKeepsSpaces) {
  const ParseResult r = parse_ok("# escape=`\nFROM a\nENV A=x` y\n");
  ASSERT_EQ(at(r, 1).pairs().size(), 1U);
  EXPECT_EQ(at(r, 1).pairs()[0].value, "x` y");
}

// ---------------------------------------------------------------------------
// Positions and comments.

TEST(ParserPositions, LinesAndColumns) {
  const ParseResult r = parse_ok("FROM a\n\n  RUN b \\\n    c\n\tUSER x\n# c\n\nCMD [\"y\"]\n");
  ASSERT_EQ(r.instructions.size(), 4U);
  const int expected[4][3] = {{1, 1, 1}, {3, 4, 3}, {5, 5, 2}, {8, 8, 1}};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(r.instructions[i].original);
    EXPECT_EQ(r.instructions[i].start_line, expected[i][0]);
    EXPECT_EQ(r.instructions[i].end_line, expected[i][1]);
    EXPECT_EQ(r.instructions[i].column, expected[i][2]);
  }
}

TEST(ParserComments, EveryCommentLineIsListed) {
  const ParseResult r = parse_ok("# syntax=docker/dockerfile:1\n#   first   \n#\n  # "
                                 "indented\r\nFROM a\nRUN x \\\n# inside\n  y\n");
  ASSERT_EQ(r.comments.size(), 4U);
  EXPECT_EQ(r.comments[0].text, "first");
  EXPECT_EQ(r.comments[0].line, 2);
  EXPECT_EQ(r.comments[1].text, "");
  EXPECT_EQ(r.comments[1].line, 3);
  EXPECT_EQ(r.comments[2].text, "indented");
  EXPECT_EQ(r.comments[2].line, 4);
  EXPECT_EQ(r.comments[3].text, "inside");
  EXPECT_EQ(r.comments[3].line, 7);
}

struct PrevCommentCase {
  const char* name;
  std::string text;
  std::size_t instruction;
  Strings comments;
};

void PrintTo(const PrevCommentCase& c, std::ostream* os) {
  *os << c.name;
}

class PrevCommentTest : public testing::TestWithParam<PrevCommentCase> {};

TEST_P(PrevCommentTest, CommentsAboveTheInstruction) {
  const PrevCommentCase& c = GetParam();
  EXPECT_EQ(at(parse_ok(c.text), c.instruction).comments, c.comments);
}

const PrevCommentCase k_prev_comment_cases[] = {
    {"block", "# one\n#  two \nFROM a\n", 0, {"one", "two"}},
    {"empty_hash_resets", "# one\n#\n# two\nFROM a\n", 0, {"two"}},
    {"blank_line_does_not_reset", "# one\n\nFROM a\n", 0, {"one"}},
    {"consumed_by_first_instruction", "# one\nFROM a\nRUN b\n", 1, {}},
    {"pragma",
     "FROM a\n# hadolint ignore=DL3008\nRUN apt-get install x\n",
     1,
     {"hadolint ignore=DL3008"}},
    {"not_from_inside_continuation", "FROM a\nRUN x \\\n# inside\n y\nRUN z\n", 2, {}},
    {"directive_excluded", "# syntax=x\n# note\nFROM a\n", 0, {"note"}},
    {"heredoc_body_is_not_a_comment", "FROM a\nRUN <<EOF\n# body\nEOF\nRUN b\n", 2, {}},
};

INSTANTIATE_TEST_SUITE_P(Parser, PrevCommentTest, testing::ValuesIn(k_prev_comment_cases),
                         case_name<PrevCommentCase>);

// ---------------------------------------------------------------------------
// Errors.

struct ParseErrorCase {
  const char* name;
  std::string text;
  std::string message;
  int line;
};

void PrintTo(const ParseErrorCase& c, std::ostream* os) {
  *os << c.name;
}

class ErrorTest : public testing::TestWithParam<ParseErrorCase> {};

TEST_P(ErrorTest, RejectsWithBuildKitsMessage) {
  const ParseErrorCase& c = GetParam();
  const core::Error e = parse_error(c.text);
  EXPECT_EQ(e.kind, core::ErrorKind::parse);
  EXPECT_EQ(e.input, "Dockerfile");
  EXPECT_EQ(e.message, c.message);
  EXPECT_EQ(e.line, c.line);
}

const ParseErrorCase k_error_cases[] = {
    {"empty_file", "", "file with no instructions", 0},
    {"only_comments", "# Hello\n# These are just comments\n\n", "file with no instructions", 0},
    {"only_directives", "# syntax=x\n", "file with no instructions", 0},
    {"env_no_value", "FROM busybox\n\nENV PATH\n", "ENV must have two arguments", 3},
    {"label_no_value", "FROM busybox\nLABEL a\n", "LABEL must have two arguments", 2},
    {"env_pair_then_word", "FROM a\nENV A=1 B\n",
     "syntax error - can't find = in \"B\". Must be of the form: name=value", 2},
    {"nested_json", "CMD [ \"echo\", [ \"nested json\" ] ]\n",
     "when using JSON array syntax, arrays must be comprised of strings only", 1},
    {"json_number", "FROM a\nRUN [\"a\", 1]\n",
     "when using JSON array syntax, arrays must be comprised of strings only", 2},
    {"json_in_healthcheck", "FROM a\nHEALTHCHECK CMD [null]\n",
     "when using JSON array syntax, arrays must be comprised of strings only", 2},
    {"json_in_onbuild", "FROM a\nONBUILD CMD [{}]\n",
     "when using JSON array syntax, arrays must be comprised of strings only", 2},
    {"invalid_escape", "# escape=x\nFROM a\n", "invalid escape token 'x' does not match ` or \\",
     1},
    {"duplicate_directive", "# syntax=a\n# SYNTAX=b\nFROM a\n",
     "only one syntax parser directive can be used", 2},
    {"unterminated_heredoc", "FROM a\nRUN <<EOF\n", "unterminated heredoc", 2},
};

INSTANTIATE_TEST_SUITE_P(Parser, ErrorTest, testing::ValuesIn(k_error_cases),
                         case_name<ParseErrorCase>);

TEST(ParserErrors, ErrorTextNamesTheInput) {
  auto parsed = parse("FROM a\nENV PATH\n", "app/Dockerfile");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().to_string(), "app/Dockerfile:2: ENV must have two arguments");
}

TEST(ParserErrors, OverlongLineIsRejected) {
  const std::string fits = "FROM a\nRUN " + std::string(65535 - 4, 'x') + "\n";
  EXPECT_EQ(at(parse_ok(fits), 1).args.front().size(), 65531U);
  const core::Error e = parse_error("FROM a\nRUN " + std::string(65536 - 4, 'x') + "\nRUN b\n");
  EXPECT_EQ(e.kind, core::ErrorKind::limit);
  EXPECT_EQ(e.message, "dockerfile line greater than max allowed size of 65535");
  EXPECT_EQ(e.line, 2);
}

// ---------------------------------------------------------------------------
// Building blocks.

TEST(ParserDetail, GoQuote) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "\"\""},
      {"plain", "\"plain\""},
      {"a\"b\\c", "\"a\\\"b\\\\c\""},
      {"\a\b\f\n\r\t\v", "\"\\a\\b\\f\\n\\r\\t\\v\""},
      {"\x01\x1f\x7f"s, "\"\\x01\\x1f\\x7f\""},
      {"\0"s, "\"\\x00\""},
      {"\xff\xc3", "\"\\xff\\xc3\""},
      {"♥ ☃ é 😀", "\"♥ ☃ é 😀\""},
      {"\xc2\xa0\xc2\xad\xe2\x80\x8b\xef\xbb\xbf", "\"\\u00a0\\u00ad\\u200b\\ufeff\""},
      {"\xee\x80\x80\xf3\xb0\x80\x80", "\"\\ue000\\U000f0000\""},
  };
  for (const auto& [in, out] : cases)
    EXPECT_EQ(detail::go_quote(in), out) << out;
}

TEST(ParserDetail, JsonArray) {
  using detail::JsonArray;
  const std::tuple<std::string, JsonArray, Strings> cases[] = {
      {"[]", JsonArray::strings, {}},
      {" [ \"a\" , \"b\" ] ", JsonArray::strings, {"a", "b"}},
      {"[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000\"]",
       JsonArray::strings,
       {"\" \\ / \b \f \n \r \t \0"s}},
      {"[\"\xff\"]", JsonArray::strings, {"\xEF\xBF\xBD"}},
      {"[\"a\", 1]", JsonArray::not_strings, {}},
      {"[true]", JsonArray::not_strings, {}},
      {"[\"a\", [\"b\"]]", JsonArray::not_strings, {}},
      {"[{\"k\": \"v\"}]", JsonArray::not_strings, {}},
      {"[1e308]", JsonArray::not_strings, {}},
      {"[-1.5e-400]", JsonArray::not_strings, {}},
      {"[1.8e308]", JsonArray::invalid, {}},
      {"[[1e999]]", JsonArray::invalid, {}},
      {"[\"a\",]", JsonArray::invalid, {}},
      {"[01]", JsonArray::invalid, {}},
      {"[\"a\"] x", JsonArray::invalid, {}},
      {"[\"\\'\"]", JsonArray::invalid, {}},
      {"[\"a\tb\"]", JsonArray::invalid, {}},
      {"{\"a\": 1}", JsonArray::invalid, {}},
      {"[\"a\"", JsonArray::invalid, {}},
  };
  for (const auto& [in, kind, items] : cases) {
    const detail::JsonArrayResult result = detail::parse_json_array(in);
    EXPECT_EQ(result.kind, kind) << in;
    EXPECT_EQ(result.items, items) << in;
  }
  EXPECT_EQ(detail::parse_json_array(std::string(10000, '[') + std::string(10000, ']')).kind,
            JsonArray::not_strings);
  EXPECT_EQ(detail::parse_json_array(std::string(10001, '[') + std::string(10001, ']')).kind,
            JsonArray::invalid);
}

TEST(ParserDetail, ParseWords) {
  EXPECT_EQ(detail::parse_words("a  \"b c\" 'd\\' e", '\\'),
            (Strings{"a", "\"b c\"", "'d\\'", "e"}));
  EXPECT_EQ(detail::parse_words("x\\ y z\\", '\\'), (Strings{"x\\ y", "z"}));
  EXPECT_EQ(detail::parse_words("\"\" ''", '\\'), (Strings{"\"\"", "''"}));
  EXPECT_EQ(detail::parse_words("a` b", '`'), (Strings{"a` b"}));
  EXPECT_EQ(detail::parse_words("a\xe3\x80\x80"
                                "b",
                                '\\'),
            (Strings{"a", "b"}))
      << "ideographic space";
}

TEST(ParserDetail, TrimContinuation) {
  EXPECT_TRUE(detail::trim_continuation("a \\", '\\').continues);
  EXPECT_EQ(detail::trim_continuation("a \\ \t", '\\').text, "a ");
  EXPECT_TRUE(detail::trim_continuation("\\", '\\').continues);
  EXPECT_EQ(detail::trim_continuation("\\  ", '\\').text, "");
  EXPECT_FALSE(detail::trim_continuation("a \\\\", '\\').continues);
  EXPECT_FALSE(detail::trim_continuation("a \\x", '\\').continues);
  EXPECT_FALSE(detail::trim_continuation("a `", '\\').continues);
  EXPECT_TRUE(detail::trim_continuation("a `", '`').continues);
}

TEST(ParserDetail, HeredocWords) {
  const auto names = [](std::string_view line) {
    Strings out;
    auto found = detail::heredocs_from_line(line);
    EXPECT_TRUE(found.has_value()) << line;
    if (found)
      for (const auto& h : *found)
        out.push_back(h.name);
    return out;
  };
  EXPECT_EQ(names("RUN <<EOF"), Strings{"EOF"});
  EXPECT_EQ(names("RUN <<-EOF"), Strings{"EOF"});
  EXPECT_EQ(names("RUN << -EOF"), Strings{"-EOF"});
  EXPECT_EQ(names("RUN 4<<EOF"), Strings{"EOF"});
  EXPECT_EQ(names("RUN <<EOF <<EOF2"), (Strings{"EOF", "EOF2"}));
  EXPECT_EQ(names("RUN '<<EOF'"), Strings{});
  EXPECT_EQ(names("RUN <<EOF<"), Strings{});
  EXPECT_EQ(names("RUN <<<EOF"), Strings{});
  EXPECT_EQ(names("RUN <<"), Strings{});
  for (const std::string_view word : {"<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""})
    EXPECT_FALSE(detail::parse_heredoc_word(word).has_value()) << word;
}

TEST(ParserDetail, ShellWords) {
  const auto words = detail::shell_words("a 'b c'\"d\" \\e ${x:-y z} $ <<  EOF",
                                         {.raw_quotes = true, .raw_escapes = true});
  ASSERT_TRUE(words.has_value());
  EXPECT_EQ(*words, (Strings{"a", "'b c'\"d\"", "\\e", "${x:-y", "z}", "$", "<<  EOF"}));
  const auto plain = detail::shell_words("'b c'\"d\\\"\" \\e", {});
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(*plain, (Strings{"b cd\"", "e"}));
  EXPECT_FALSE(detail::shell_words("${", {}).has_value());
  EXPECT_FALSE(detail::shell_words("${a!}", {}).has_value());
  EXPECT_FALSE(detail::shell_words("\"open", {}).has_value());
}

// ---------------------------------------------------------------------------
// Robustness: whatever the input, the parser returns.

void check_invariants(std::string_view text) {
  auto parsed = parse(text, "fuzz");
  if (!parsed) {
    EXPECT_FALSE(parsed.error().message.empty());
    EXPECT_TRUE(parsed.error().kind == core::ErrorKind::parse ||
                parsed.error().kind == core::ErrorKind::limit);
    return;
  }
  const ParseResult& r = *parsed;
  ASSERT_FALSE(r.instructions.empty());
  int previous_end = 0;
  for (const Instruction& ins : r.instructions) {
    EXPECT_GT(ins.start_line, previous_end);
    EXPECT_LE(ins.start_line, ins.end_line);
    EXPECT_GE(ins.column, 1);
    for (const Heredoc& h : ins.heredocs) {
      EXPECT_GT(h.start_line, ins.start_line);
      EXPECT_LE(h.start_line, ins.end_line + 1);
    }
    previous_end = ins.end_line;
  }
  const std::string out = dump(r);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n')),
            r.instructions.size());
}

TEST(ParserRobustness, RandomBytes) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> length(0, 300);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 2000; ++round) {
    std::string text(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : text)
      c = static_cast<char>(byte(rng));
    check_invariants(text);
  }
}

TEST(ParserRobustness, RandomDockerfileFragments) {
  const std::vector<std::string> fragments = {"FROM a",
                                              "RUN ",
                                              "COPY ",
                                              "ADD ",
                                              "ENV ",
                                              "LABEL ",
                                              "ARG ",
                                              "ONBUILD ",
                                              "HEALTHCHECK ",
                                              "CMD ",
                                              "SHELL ",
                                              "<<EOF",
                                              "<<-EOF",
                                              "<<'EOF'",
                                              "EOF",
                                              "\tEOF",
                                              "\\",
                                              "`",
                                              "# escape=`",
                                              "# syntax=x",
                                              "#",
                                              "\"",
                                              "'",
                                              "[",
                                              "]",
                                              ",",
                                              "{",
                                              "}",
                                              "$",
                                              "${",
                                              ":-",
                                              "=",
                                              " ",
                                              "\t",
                                              "\n",
                                              "\r\n",
                                              "--mount=type=cache,target=/x ",
                                              "-- ",
                                              "1",
                                              "1e999",
                                              "null",
                                              "\xEF\xBB\xBF",
                                              "\xff",
                                              "\xc2\xa0",
                                              "\0"s,
                                              "A=1",
                                              "x"};
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pick(0, fragments.size() - 1);
  std::uniform_int_distribution<int> count(1, 60);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    for (int n = count(rng); n > 0; --n)
      text += fragments[pick(rng)];
    check_invariants(text);
  }
}

TEST(ParserRobustness, PathologicalInputs) {
  check_invariants("FROM a\nCMD " + std::string(60000, '['));
  check_invariants("FROM a\nRUN <<EOF " + [] {
    std::string s;
    for (int i = 0; i < 5000; ++i)
      s += "${a:-";
    return s + std::string(5000, '}');
  }() + "\nEOF\n");
  check_invariants("FROM a\nRUN " + std::string(60000, '"') + "\n");
  check_invariants("FROM a\nENV " + std::string(60000, '\'') + "\n");
  check_invariants("FROM a\n" + std::string(100000, '\n') + "RUN x\n");
  check_invariants("FROM a\nRUN x \\\n" + [] {
    std::string s;
    for (int i = 0; i < 20000; ++i)
      s += "  y \\\n\n";
    return s;
  }());
  std::string many = "FROM a\n";
  for (int i = 0; i < 20000; ++i)
    many += "ONBUILD RUN <<A <<B\nA\nB\n";
  const ParseResult r = parse_ok(many);
  EXPECT_EQ(r.instructions.size(), 20001U);
  check_invariants(std::string(70000, 'x'));
}

} // namespace
} // namespace moat::dockerfile
