// Every Dockerfile check against its bad and good fixture, the check table's
// invariants, inline pragmas and the semantic model the checks rely on.

#include <moat/core/config.hpp>
#include <moat/dockerfile/lint.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testutil.hpp"

#include <filesystem>
#include <set>

namespace {

using moat::core::Policy;
using moat::dockerfile::LintInput;

const std::filesystem::path k_fixtures = std::filesystem::path(MOAT_FIXTURES_DIR) / "dockerfile";

Policy policy_for(const std::filesystem::path& dir) {
  Policy policy;
  if (std::filesystem::exists(dir / ".moat.yaml")) {
    auto config = moat::core::load_config(dir / ".moat.yaml");
    EXPECT_TRUE(config.has_value());
    if (config)
      moat::core::merge_config(*config, policy);
  }
  return policy;
}

// Ids of the findings of linting TEXT (with DIR as build context).
std::multiset<std::string> lint_ids(const std::string& text,
                                    const std::optional<std::filesystem::path>& dir = std::nullopt,
                                    const Policy& policy = {}) {
  LintInput input{"Dockerfile", text, dir};
  auto report = moat::dockerfile::lint(input, policy);
  EXPECT_TRUE(report.has_value()) << (report ? "" : report.error().to_string());
  std::multiset<std::string> ids;
  if (report)
    for (const auto& f : report->findings)
      ids.emplace(f.check->id);
  return ids;
}

std::vector<moat::core::Finding> lint_findings(const std::string& text) {
  LintInput input{"Dockerfile", text, std::nullopt};
  auto report = moat::dockerfile::lint(input, Policy{});
  EXPECT_TRUE(report.has_value());
  return report ? report->findings : std::vector<moat::core::Finding>{};
}

} // namespace

TEST(DockerfileChecks, TableIsSortedUniqueAndComplete) {
  auto problems = moat::core::validate_table(moat::dockerfile::checks());
  EXPECT_THAT(problems, ::testing::IsEmpty());
  EXPECT_GE(moat::dockerfile::checks().size(), 70U);
}

TEST(DockerfileChecks, CoversTheHadolintRulesUsersRelyOn) {
  std::set<std::string> aliases;
  for (const auto& c : moat::dockerfile::checks())
    for (auto a : moat::core::aliases_of(c))
      aliases.emplace(a);
  std::vector<std::string> wanted;
  for (int n : {3000, 3001, 3002, 3003, 3004, 3006, 3007, 3008, 3009, 3010, 3011, 3012, 3013, 3014,
                3015, 3016, 3018, 3019, 3020, 3021, 3022, 3023, 3024, 3025, 3026, 3027, 3028, 3029,
                3030, 3032, 3033, 3034, 3035, 3036, 3037, 3038, 3040, 3041, 3042, 3043, 3044, 3045,
                3046, 3047, 3048, 3057, 3059, 3060, 3061, 3062, 4000, 4001, 4003, 4004, 4005, 4006})
    wanted.push_back("DL" + std::to_string(n));
  for (const auto& id : wanted)
    EXPECT_TRUE(aliases.count(id)) << id << " has no moat check";
}

class CheckFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckFixture, BadFixtureTriggersAndGoodFixtureDoesNot) {
  const std::string id = GetParam();
  const auto dir = k_fixtures / id;
  ASSERT_TRUE(std::filesystem::exists(dir / "bad" / "Dockerfile")) << id << " has no bad fixture";
  ASSERT_TRUE(std::filesystem::exists(dir / "good" / "Dockerfile")) << id << " has no good fixture";
  auto bad = lint_ids(moat::test::read_text(dir / "bad" / "Dockerfile"), dir / "bad",
                      policy_for(dir / "bad"));
  auto good = lint_ids(moat::test::read_text(dir / "good" / "Dockerfile"), dir / "good",
                       policy_for(dir / "good"));
  EXPECT_TRUE(bad.count(id)) << id << " did not fire on its bad fixture";
  EXPECT_FALSE(good.count(id)) << id << " fired on its good fixture";
}

INSTANTIATE_TEST_SUITE_P(AllChecks, CheckFixture, ::testing::ValuesIn([] {
                           std::vector<std::string> ids;
                           for (const auto& c : moat::dockerfile::checks())
                             ids.emplace_back(c.id);
                           return ids;
                         }()),
                         [](const auto& param_info) { return param_info.param; });

TEST(DockerfileChecks, NoFixtureWithoutACheck) {
  std::set<std::string> ids;
  for (const auto& c : moat::dockerfile::checks())
    ids.emplace(c.id);
  for (const auto& entry : std::filesystem::directory_iterator(k_fixtures))
    EXPECT_TRUE(ids.count(entry.path().filename().string())) << entry.path();
}

TEST(DockerfileModel, ArgDefaultIsExpandedInFrom) {
  auto ids = lint_ids("ARG BASE=ubuntu:latest\nFROM ${BASE}\nUSER app\n");
  EXPECT_TRUE(ids.count("DF008"));
  auto pinned = lint_ids("ARG BASE=ubuntu\nARG TAG=24.04\nFROM $BASE:${TAG}\nUSER app\n");
  EXPECT_FALSE(pinned.count("DF007"));
  EXPECT_FALSE(pinned.count("DF008"));
}

TEST(DockerfileModel, StageNamesAreNotImages) {
  auto ids = lint_ids("FROM golang:1.22 AS builder\nRUN echo\nFROM builder\nUSER app\n");
  EXPECT_FALSE(ids.count("DF007")) << "FROM builder is a stage, not an untagged image";
  EXPECT_EQ(ids.count("DF073"), 1U) << "only golang:1.22 is an external image";
}

TEST(DockerfileModel, UnresolvedBaseImageIsNotJudged) {
  auto ids = lint_ids("ARG BASE\nFROM ${BASE}\nUSER app\n");
  EXPECT_FALSE(ids.count("DF007"));
  EXPECT_FALSE(ids.count("DF073"));
}

TEST(DockerfileChecks, OnlyTheFinalStageUserCounts) {
  auto ids = lint_ids("FROM debian:12 AS build\nUSER root\nFROM debian:12\nUSER app\n");
  EXPECT_FALSE(ids.count("DF003"));
  EXPECT_FALSE(ids.count("DF004"));
  auto inherited = lint_ids("FROM debian:12 AS base\nUSER app\nFROM base\nRUN true\n");
  EXPECT_FALSE(inherited.count("DF004")) << "USER is inherited from the stage it builds on";
  auto root = lint_ids("FROM debian:12 AS build\nUSER app\nFROM debian:12\nUSER 0:0\n");
  EXPECT_TRUE(root.count("DF003"));
}

TEST(DockerfileChecks, UserFromVariableIsExpanded) {
  auto ids = lint_ids("FROM debian:12\nARG RUN_AS=root\nUSER ${RUN_AS}\n");
  EXPECT_TRUE(ids.count("DF003"));
}

TEST(DockerfileChecks, SecretValuesAreRedacted) {
  auto findings = lint_findings(
      "FROM debian:12\nUSER app\nENV GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n");
  bool saw = false;
  for (const auto& f : findings) {
    EXPECT_EQ(f.message.find("abcdefghijklmnop"), std::string::npos) << f.message;
    if (f.check->id == "DF064")
      saw = true;
  }
  EXPECT_TRUE(saw);
}

TEST(DockerfileChecks, PrivateKeyInHeredocIsFound) {
  auto ids = lint_ids("FROM debian:12\nUSER app\nCOPY <<EOF /root/.ssh/id_rsa\n-----BEGIN OPENSSH "
                      "PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\nEOF\n");
  EXPECT_TRUE(ids.count("DF064"));
}

TEST(DockerfileChecks, RunHeredocScriptIsRead) {
  auto ids = lint_ids("FROM debian:12\nUSER app\nRUN <<EOF\nset -e\nsudo make install\nEOF\n");
  EXPECT_TRUE(ids.count("DF006"));
  auto data =
      lint_ids("FROM debian:12\nUSER app\nRUN python3 <<EOF\nprint('sudo make install')\nEOF\n");
  EXPECT_FALSE(data.count("DF006")) << "a python heredoc is not a shell script";
}

TEST(DockerfileChecks, CurlPipedIntoShellInSubstitution) {
  EXPECT_TRUE(lint_ids("FROM debian:12\nRUN sh -c \"$(curl -fsSL https://x/install.sh)\"\n")
                  .count("DF070"));
  EXPECT_TRUE(
      lint_ids("FROM debian:12\nRUN wget -qO- https://x/i.sh | bash -s --\n").count("DF070"));
  EXPECT_FALSE(
      lint_ids("FROM debian:12\nRUN curl -fsSL https://x/k | gpg --dearmor -o k\n").count("DF070"));
}

TEST(DockerfileChecks, ChmodModes) {
  EXPECT_TRUE(lint_ids("FROM debian:12\nRUN chmod 4755 /bin/x\n").count("DF071"));
  EXPECT_TRUE(lint_ids("FROM debian:12\nRUN chmod g+s /srv\n").count("DF071"));
  EXPECT_TRUE(lint_ids("FROM debian:12\nRUN chmod -R o+w /srv\n").count("DF072"));
  EXPECT_FALSE(lint_ids("FROM debian:12\nRUN chmod 1777 /tmp/x\n").count("DF072"));
  EXPECT_FALSE(lint_ids("FROM debian:12\nRUN chmod +x /bin/x\n").count("DF071"));
}

TEST(DockerfilePragmas, MoatIgnoreAppliesToTheNextInstructionOnly) {
  const std::string text =
      "FROM debian:12\nUSER app\n# moat ignore=DF006\nRUN sudo true\nRUN sudo false\n";
  auto findings = lint_findings(text);
  int sudo = 0;
  for (const auto& f : findings)
    if (f.check->id == "DF006") {
      ++sudo;
      EXPECT_EQ(f.location.line, 5);
    }
  EXPECT_EQ(sudo, 1);
}

TEST(DockerfilePragmas, HadolintFormsAreHonouredByAlias) {
  auto ids = lint_ids("FROM debian:12\nUSER app\n# hadolint ignore=DL3004,DL3059\nRUN sudo true\n");
  EXPECT_FALSE(ids.count("DF006"));
  auto global = lint_ids(
      "# hadolint global ignore=DL3004\nFROM debian:12\nUSER app\nRUN sudo true\nRUN sudo x\n");
  EXPECT_FALSE(global.count("DF006"));
  auto moat_global = lint_ids("FROM debian:12\n# moat global ignore=DF073,DS-0026\nUSER app\n");
  EXPECT_FALSE(moat_global.count("DF073"));
  EXPECT_FALSE(moat_global.count("DF047"));
}

TEST(DockerfileChecks, FindingsCarryPositions) {
  auto findings = lint_findings("FROM debian:12\n  RUN sudo apt-get \\\n     update\n");
  bool saw = false;
  for (const auto& f : findings)
    if (f.check->id == "DF006") {
      saw = true;
      EXPECT_EQ(f.location.line, 2);
      EXPECT_EQ(f.location.column, 3);
      EXPECT_EQ(f.location.end_line, 3);
    }
  EXPECT_TRUE(saw);
}

TEST(DockerfileChecks, ParseErrorIsAnErrorNotAFinding) {
  LintInput input{"bad.Dockerfile", "# only a comment\n", std::nullopt};
  auto report = moat::dockerfile::lint(input, Policy{});
  ASSERT_FALSE(report.has_value());
  EXPECT_EQ(report.error().input, "bad.Dockerfile");
}

TEST(DockerfilePragmas, BuildKitCheckDirectiveSkipsByRuleName) {
  const std::string body = "FROM debian:12 as Build\nUSER app\nCMD echo hi\n";
  auto plain = lint_ids(body);
  EXPECT_TRUE(plain.count("DF025"));
  EXPECT_TRUE(plain.count("DF082"));
  auto skipped = lint_ids("# check=skip=JSONArgsRecommended,StageNameCasing\n" + body);
  EXPECT_FALSE(skipped.count("DF025"));
  EXPECT_FALSE(skipped.count("DF082"));
  EXPECT_TRUE(skipped.count("DF077")) << "FromAsCasing was not skipped";
  auto all = lint_ids("# check=skip=all;error=true\n" + body);
  EXPECT_FALSE(all.count("DF077"));
  EXPECT_FALSE(all.count("DF025"));
  EXPECT_TRUE(all.count("DF073")) << "checks without a BuildKit name still run";
}

TEST(DockerfilePragmas, IgnoreByBuildKitRuleNameOnTheCommandLineMatchesAliases) {
  bool found = false;
  for (const auto& c : moat::dockerfile::checks())
    if (moat::core::check_matches(c, "undefinedvar"))
      found = c.id == "DF084";
  EXPECT_TRUE(found);
}

// Cases taken from the official images in the shared corpus, where a first
// version of the checks was wrong.
TEST(DockerfileChecks, OfficialImagePatternsAreUnderstood) {
  // apt-get dist-clean (apt 2.7+) removes the lists.
  EXPECT_FALSE(lint_ids("FROM debian:13\nRUN apt-get update && apt-get install -y "
                        "--no-install-recommends curl=8 && apt-get dist-clean\n")
                   .count("DF010"));
  // xargs runs apt-get install, so the update is not alone.
  EXPECT_FALSE(lint_ids("FROM debian:12\nRUN apt-get update; xargs -rt apt-get install -y "
                        "--no-install-recommends < deps.txt; rm -rf /var/lib/apt/lists/*\n")
                   .count("DF058"));
  // A Windows destination ends with a backslash.
  EXPECT_FALSE(lint_ids("# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\n"
                        "COPY a.dll b.dll C:\\Windows\\System32\\\n")
                   .count("DF021"));
  // A local repository built in the same step may be trusted.
  EXPECT_FALSE(lint_ids("FROM debian:12\nRUN echo \"deb [ trusted=yes ] file:///tmp/repo ./\" > "
                        "/etc/apt/sources.list.d/temp.list\n")
                   .count("DF095"));
  // apt-get install -s only simulates.
  EXPECT_FALSE(lint_ids("FROM debian:12\nRUN if apt-get install -s pkg >/dev/null; then true; fi\n")
                   .count("DF015"));
  // FROM without AS has no AS to compare casing with.
  EXPECT_FALSE(lint_ids("FROM debian:12 as\n").count("DF077"));
  // Local .apk files from a build stage cannot be signed for the image.
  EXPECT_FALSE(lint_ids("FROM alpine:3.20\nRUN apk add --no-cache --allow-untrusted "
                        "/tmp/packages/mod-1.0.apk\n")
                   .count("DF068"));
  EXPECT_TRUE(
      lint_ids("FROM alpine:3.20\nRUN apk add --no-cache --allow-untrusted curl\n").count("DF068"));
}

TEST(DockerfileChecks, ShellFromABaseStageCarriesPipefail) {
  const std::string base =
      "FROM debian:12 AS base\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n";
  EXPECT_FALSE(lint_ids(base + "FROM base\nRUN curl -fsSL https://x | tar -x\n").count("DF057"));
  EXPECT_TRUE(
      lint_ids(base + "FROM debian:12\nRUN curl -fsSL https://x | tar -x\n").count("DF057"));
  // A non-POSIX SHELL in the base stage means RUN is not read as sh.
  EXPECT_FALSE(lint_ids("FROM mcr.microsoft.com/powershell:7.4 AS ps\nSHELL [\"pwsh\", \"-c\"]\n"
                        "FROM ps\nRUN Get-Item x | Remove-Item\n")
                   .count("DF057"));
}
