// The man pages and shell completions the build writes (moat
// __generate-docs, src/CMakeLists.txt): one page per command that renders
// without a groff warning and names every option the command's --help
// names; completions that load in bash, zsh and fish and complete
// commands, subcommands and check ids.

#include "services.hpp"
#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

namespace {

using moat::test::run_command;
using moat::test::run_moat;
using moat::test::shell_quote;
using ::testing::HasSubstr;
using ::testing::Not;

std::filesystem::path docs_dir() {
  return std::filesystem::path(MOAT_BINARY).parent_path() / "generated-docs";
}

// The command paths of moat: the root's commands and theirs, from the
// lines of --help that name a command ("  lint    Check Dockerfiles...").
std::vector<std::string> commands_of(const std::string& path) {
  const auto help = run_moat(path + " --help").out;
  std::vector<std::string> out;
  std::istringstream in(help);
  const std::regex entry(R"(^  ([a-z][a-z-]*)\s{2,}\S.*)");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, entry))
      continue;
    const auto sub = path.empty() ? m[1].str() : path + " " + m[1].str();
    out.push_back(sub);
    for (auto& deeper : commands_of(sub))
      out.push_back(std::move(deeper));
  }
  return out;
}

TEST(ManPages, OnePerCommandRenderedWithoutWarningsNamingEveryOption) {
  if (auto ok = moat::test::require_programs({"groff", "man"}); !ok)
    GTEST_SKIP() << ok.error();
  const auto commands = commands_of("");
  ASSERT_GT(commands.size(), 25U);
  std::vector<std::string> pages{"moat"};
  for (auto c : commands) {
    std::replace(c.begin(), c.end(), ' ', '-');
    pages.push_back("moat-" + c);
  }
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const auto page = docs_dir() / "man1" / (pages[i] + ".1");
    SCOPED_TRACE(page.string());
    ASSERT_TRUE(std::filesystem::exists(page));
    auto rendered =
        run_command("groff -ww -man -Tutf8 " + shell_quote(page.string()) + " 2>&1 >/dev/null");
    EXPECT_EQ(rendered.output, "") << "groff warnings";
    auto man = run_command("MANWIDTH=100 man -l " + shell_quote(page.string()) + " 2>&1");
    EXPECT_EQ(man.exit_code, 0);
    // Every long option of the command's --help is on its page.
    const auto help = run_moat((i == 0 ? std::string() : commands[i - 1]) + " --help").out;
    const std::regex option(R"(--([a-z][a-z0-9-]+))");
    std::set<std::string> names;
    for (std::sregex_iterator it(help.begin(), help.end(), option), end; it != end; ++it)
      names.insert((*it)[0]);
    for (const auto& name : names) {
      if (help.find("  " + name) != std::string::npos ||
          help.find(", " + name) != std::string::npos) {
        EXPECT_THAT(man.output, HasSubstr(name)) << name;
      }
    }
  }
  auto fix = run_command("MANWIDTH=100 man -l " +
                         shell_quote((docs_dir() / "man1" / "moat-fix.1").string()));
  EXPECT_THAT(fix.output, HasSubstr("EXIT STATUS"));
  EXPECT_THAT(fix.output, HasSubstr("moat fix Dockerfile | patch -p1"));
}

TEST(Completions, BashCompletesCommandsSubcommandsAndCheckIds) {
  const auto script = (docs_dir() / "completions" / "moat.bash").string();
  auto complete = [&](const std::string& words, int cword) {
    return run_command("bash --norc -c " +
                       shell_quote("source " + shell_quote(script) + " && COMP_WORDS=(" + words +
                                   ") && COMP_CWORD=" + std::to_string(cword) +
                                   " && _moat && printf '%s\\n' \"${COMPREPLY[@]}\""));
  };
  auto top = complete("moat fi", 1);
  EXPECT_EQ(top.exit_code, 0) << top.output;
  EXPECT_EQ(top.output, "fix\n");
  EXPECT_EQ(complete("moat seccomp ge", 2).output, "generate\n");
  EXPECT_EQ(complete("moat harden run-flags --image-s", 3).output, "--image-source\n");
  auto ids = complete("moat lint --ignore DF00", 3).output;
  EXPECT_THAT(ids, HasSubstr("DF001\n"));
  EXPECT_THAT(ids, Not(HasSubstr("DF010")));
  EXPECT_THAT(complete("moat rules RC00", 2).output, HasSubstr("RC001\n"));
}

TEST(Completions, ZshLoadsTheScriptAndItsFunctionOffersTheCommands) {
  if (auto ok = moat::test::require_programs({"zsh"}); !ok)
    GTEST_SKIP() << ok.error();
  const auto script = (docs_dir() / "completions" / "_moat").string();
  // As an interactive zsh has it: compinit loaded, then the script; zsh's
  // own matcher narrows the candidates, so all of them are offered.
  auto r = run_command(
      "zsh -f -c " +
      shell_quote("autoload -U compinit && compinit -u -D && source " + shell_quote(script) +
                  " && print -r -- \"registered: $_comps[moat]\" && setopt ksharrays && "
                  "COMP_WORDS=(moat seccomp ge) && COMP_CWORD=2 && _moat && "
                  "print -l -- \"${COMPREPLY[@]}\""));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("registered: _bash_complete -o filenames -F _moat"));
  EXPECT_THAT(r.output, HasSubstr("\ngenerate\n"));
  EXPECT_THAT(r.output, Not(HasSubstr("\nlint\n"))) << "the subcommands of seccomp only";
}

TEST(Completions, FishCompletesCommandsAndOptions) {
  if (auto ok = moat::test::require_programs({"fish"}); !ok)
    GTEST_SKIP() << ok.error();
  const auto script = (docs_dir() / "completions" / "moat.fish").string();
  auto r = run_command("fish --no-config -c " +
                       shell_quote("source " + shell_quote(script) +
                                   "; complete -C 'moat fi'; complete -C 'moat seccomp ge'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("fix\tWrite the fixes"));
  EXPECT_THAT(r.output, HasSubstr("generate\tTrace a command"));
}

// cmake --install puts the binary, the pages (compressed), the
// completions, the licence and the docs where Debian's man, bash-completion,
// zsh and fish look for them.
TEST(Install, PutsEverythingInPlace) {
  if (auto ok = moat::test::require_programs({"cmake"}); !ok)
    GTEST_SKIP() << ok.error();
  moat::test::TempDir dir;
  const auto build = std::filesystem::path(MOAT_BINARY).parent_path().parent_path();
  auto r = run_command("cmake --install " + shell_quote(build.string()) + " --prefix " +
                       shell_quote((dir.path() / "usr").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const auto* file :
       {"bin/moat", "share/man/man1/moat.1.gz", "share/man/man1/moat-fix.1.gz",
        "share/man/man1/moat-seccomp-generate.1.gz", "share/bash-completion/completions/moat",
        "share/zsh/vendor-completions/_moat", "share/fish/vendor_completions.d/moat.fish",
        "share/doc/moat/README.md", "share/doc/moat/ci.md", "share/doc/moat/LICENSE",
        "share/doc/moat/copyright"})
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "usr" / file)) << file;
  auto version = run_command(shell_quote((dir.path() / "usr/bin/moat").string()) + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, HasSubstr("commit: "));
  // man reads the compressed page the install put in place.
  if (moat::test::require_programs({"man"})) {
    auto page =
        run_command("MANWIDTH=100 man -l " +
                    shell_quote((dir.path() / "usr/share/man/man1/moat-fix.1.gz").string()));
    EXPECT_EQ(page.exit_code, 0) << page.output;
    EXPECT_THAT(page.output, HasSubstr("--resolve"));
  }
}

} // namespace
