// The moat executable end to end: exit codes, formats, output files, errors,
// configuration, and the shared Dockerfile corpus.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "testutil.hpp"

#include <filesystem>

using moat::test::read_text;
using moat::test::run_moat;
using moat::test::TempDir;
using ::testing::HasSubstr;

namespace {
const std::string k_insecure = "FROM ubuntu:latest\nRUN sudo apt-get install curl\nUSER root\n";
const std::string k_clean =
    "FROM "
    "debian:12.7-slim@sha256:ad86386827b083b3d71139050b47ffb32bbd9559ea9b1345a739b14fec2d9ecf\n"
    "RUN useradd -r -u 10001 app\nUSER 10001\nHEALTHCHECK NONE\nCMD [\"sleep\", \"1\"]\n";
} // namespace

TEST(Cli, VersionAndHelp) {
  auto v = run_moat("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_THAT(v.out, HasSubstr("moat "));
  // The commit it was built from, and each optional library with whether
  // this system has it.
  EXPECT_TRUE(std::regex_match(v.out, std::regex(R"(moat [0-9.]+\ncommit: ([0-9a-f]{12}|unknown)\n)"
                                                 R"(features:\n(  [^\n]* \(lib[^\n]*: )"
                                                 R"((found|not found)\)\n)+)")))
      << v.out;
  EXPECT_THAT(v.out, HasSubstr("Hyperscan   to scan for secrets (libhs.so.5: found)"));
  EXPECT_EQ(run_moat("-V").out, v.out);
  auto h = run_moat("lint --help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_THAT(h.out, HasSubstr("--fail-on"));
  EXPECT_THAT(h.out, HasSubstr("EXIT STATUS"));
}

TEST(Cli, UnknownOptionIsAUsageError) {
  auto r = run_moat("lint --no-such-flag Dockerfile");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("moat:"));
  auto f = run_moat("lint --format yaml -", {}, k_clean);
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_THAT(f.err, HasSubstr("unknown format"));
}

TEST(Cli, ExitCodeFollowsFailOn) {
  TempDir dir;
  auto file = dir.write("Dockerfile", k_insecure);
  EXPECT_EQ(run_moat("lint '" + file.string() + "'").exit_code, 1);
  EXPECT_EQ(run_moat("lint --fail-on none '" + file.string() + "'").exit_code, 0);
  EXPECT_EQ(run_moat("lint --fail-on critical '" + file.string() + "'").exit_code, 0);
  auto clean = dir.write("clean/Dockerfile", k_clean);
  dir.write("clean/.dockerignore", ".git\n");
  auto r = run_moat("lint --fail-on info '" + clean.string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(run_moat("lint --fail-on severe '" + file.string() + "'").exit_code, 2);
}

TEST(Cli, IgnoreByAliasDropsFindings) {
  TempDir dir;
  auto file = dir.write("Dockerfile", "FROM debian:12\nUSER app\nRUN sudo true\n");
  auto r = run_moat("lint --format json --ignore DL3004 '" + file.string() + "'");
  auto j = nlohmann::json::parse(r.out);
  for (const auto& f : j["targets"][0]["findings"])
    EXPECT_NE(f["id"], "DF006");
  auto r2 = run_moat("lint --format json '" + file.string() + "'");
  EXPECT_THAT(r2.out, HasSubstr("DF006"));
}

TEST(Cli, ConfigFileFoundUpwardAppliesOverridesAndIgnores) {
  TempDir dir;
  dir.write(".moat.yaml", "fail-on: high\nignore: [DL3004]\nseverity:\n  DL3002: low\n");
  auto file = dir.write("svc/api/Dockerfile", "FROM debian:12\nRUN sudo true\nUSER root\n");
  auto r = run_moat("lint --format json '" + file.string() + "'");
  auto j = nlohmann::json::parse(r.out);
  bool saw_user = false;
  for (const auto& f : j["targets"][0]["findings"]) {
    EXPECT_NE(f["id"], "DF006");
    if (f["id"] == "DF003") {
      saw_user = true;
      EXPECT_EQ(f["severity"], "low");
    }
  }
  EXPECT_TRUE(saw_user);
  EXPECT_EQ(r.exit_code, 0) << "nothing left at or above high";
}

TEST(Cli, BadConfigIsExitTwoWithOneLine) {
  TempDir dir;
  auto cfg = dir.write("bad.yaml", "fail-on: [oops\n");
  auto file = dir.write("Dockerfile", k_clean);
  auto r = run_moat("lint --config '" + cfg.string() + "' '" + file.string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("bad.yaml"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST(Cli, ParseErrorLeavesNoReportFile) {
  TempDir dir;
  auto bad = dir.write("Dockerfile", "ENV PATH\n");
  auto out = dir.path() / "report.sarif";
  auto r = run_moat("lint --format sarif --output '" + out.string() + "' '" + bad.string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(bad.string()));
  EXPECT_FALSE(std::filesystem::exists(out));
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(Cli, MissingFileIsExitTwo) {
  auto r = run_moat("lint /nonexistent/Dockerfile");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/Dockerfile"));
}

TEST(Cli, OutputFileHoldsValidSarif) {
  TempDir dir;
  auto file = dir.write("Dockerfile", k_insecure);
  auto out = dir.path() / "moat.sarif";
  auto r = run_moat("lint --format sarif -o '" + out.string() + "' '" + file.string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty());
  auto j = nlohmann::json::parse(read_text(out));
  EXPECT_EQ(j["version"], "2.1.0");
  const auto& run = j["runs"][0];
  EXPECT_FALSE(run["results"].empty());
  bool has_alias = false;
  for (const auto& rule : run["tool"]["driver"]["rules"])
    for (const auto& a : rule["properties"]["aliases"])
      if (a == "DL3004")
        has_alias = true;
  EXPECT_TRUE(has_alias);
}

TEST(Cli, JunitOutput) {
  auto r = run_moat("lint --format junit -", {}, k_insecure);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("<testsuites"));
  EXPECT_THAT(r.out, HasSubstr("<failure"));
}

TEST(Cli, TextOutputIsPlainWhenPiped) {
  auto r = run_moat("lint -", {}, k_insecure);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("DF006"));
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos);
}

TEST(Cli, DirectoriesAreSearchedRecursively) {
  TempDir dir;
  dir.write("a/Dockerfile", k_insecure);
  dir.write("b/api.Dockerfile", k_insecure);
  dir.write("c/Dockerfile.dev", k_insecure);
  dir.write("d/Containerfile", k_insecure);
  dir.write("e/README.md", "FROM nothing\n");
  auto r = run_moat("lint --format json '" + dir.path().string() + "'");
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["targets"].size(), 4U);
}

TEST(Cli, AstDumpMatchesBuildKitCases) {
  const auto root = moat::test::shared_dir() / "conformance" / "buildkit-parser";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(root)) {
    if (!e.is_directory())
      continue;
    auto r = run_moat("lint --ast '" + (e.path() / "Dockerfile").string() + "'");
    EXPECT_EQ(r.exit_code, 0) << e.path();
    EXPECT_EQ(r.out, read_text(e.path() / "result")) << e.path();
    ++n;
  }
  EXPECT_EQ(n, 33);
  const auto neg = moat::test::shared_dir() / "conformance" / "buildkit-parser-negative";
  int m = 0;
  for (const auto& e : std::filesystem::directory_iterator(neg)) {
    auto r = run_moat("lint --ast '" + (e.path() / "Dockerfile").string() + "'");
    EXPECT_EQ(r.exit_code, 2) << e.path();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    ++m;
  }
  EXPECT_EQ(m, 4);
}

TEST(Cli, RulesListsAndExplains) {
  auto all = run_moat("rules");
  EXPECT_EQ(all.exit_code, 0);
  EXPECT_THAT(all.out, HasSubstr("DF001"));
  EXPECT_THAT(all.out, HasSubstr("DL3000"));
  auto one = run_moat("rules DL3008");
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_THAT(one.out, HasSubstr("DF009"));
  EXPECT_THAT(one.out, HasSubstr("Why:"));
  EXPECT_THAT(one.out, HasSubstr("Fix:"));
  auto json = run_moat("rules --format json");
  EXPECT_GE(nlohmann::json::parse(json.out).size(), 70U);
  EXPECT_EQ(run_moat("rules NOPE123").exit_code, 2);
}

TEST(Cli, BundledExampleHasFindings) {
  auto r = run_moat("lint --format json '" +
                    (moat::test::source_dir() / "examples" / "Dockerfile").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["targets"][0]["findings"].size(), 15U);
}

// Every real-world Dockerfile in the shared corpus lints without an error.
TEST(Corpus, EveryFileLintsWithoutErrorOrCrash) {
  const auto root = moat::test::shared_dir() / "corpus" / "dockerfiles";
  ASSERT_TRUE(std::filesystem::exists(root)) << root;
  // One process over the whole corpus, as users run it on a repository.
  std::string args;
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().filename() == "SOURCE.md")
      continue;
    ++files;
    args += " '" + e.path().string() + "'";
  }
  EXPECT_GT(files, 500);
  const auto r = run_moat("lint --format json --fail-on none" + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  ASSERT_TRUE(doc.contains("targets"));
  EXPECT_EQ(doc["targets"].size(), static_cast<std::size_t>(files));
}

// docs/checks.md is generated from the check tables and must stay in step.
TEST(Cli, ChecksReferenceIsUpToDate) {
  auto r = run_moat("rules --format markdown");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, read_text(moat::test::source_dir() / "docs" / "checks.md"))
      << "regenerate with: moat rules --format markdown > docs/checks.md";
}
