// Every Dockerfile check against its bad and good fixture, the check table's
// invariants, inline pragmas and the semantic model the checks rely on.

#include <moat/core/config.hpp>
#include <moat/dockerfile/lint.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
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

moat::core::Findings lint_findings(const std::string& text) {
  LintInput input{"Dockerfile", text, std::nullopt};
  auto report = moat::dockerfile::lint(input, Policy{});
  EXPECT_TRUE(report.has_value());
  return report ? report->findings : moat::core::Findings{};
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
      "FROM debian:12\nUSER app\nENV GITHUB_TOKEN=ghp_Zk3uR8vQ1xW5yT7pL2mN4bC6dF9gH0jKa1s2\n");
  bool saw = false;
  for (const auto& f : findings) {
    EXPECT_EQ(f.message.find("Zk3uR8vQ"), std::string::npos) << f.message;
    if (f.check->id == "DF064")
      saw = true;
  }
  EXPECT_TRUE(saw);
}

TEST(DockerfileChecks, PrivateKeyInHeredocIsFound) {
  const std::string body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\n";
  auto ids = lint_ids("FROM debian:12\nUSER app\nCOPY <<EOF /root/.ssh/id_rsa\n-----BEGIN OPENSSH "
                      "PRIVATE KEY-----\n" +
                      body + "-----END OPENSSH PRIVATE KEY-----\nEOF\n");
  EXPECT_TRUE(ids.count("DF064"));
  auto empty =
      lint_ids("FROM debian:12\nUSER app\nCOPY <<EOF /root/.ssh/id_rsa\n-----BEGIN OPENSSH "
               "PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\nEOF\n");
  EXPECT_FALSE(empty.count("DF064")) << "a block with no key in it";
}

TEST(DockerfileChecks, SecretsThroughTheSecretEngine) {
  // The engine's rules: a generic assignment in RUN, a token in ARG, and a
  // key cut short in ENV (its first lines only).
  auto findings = lint_findings(
      "FROM debian:12\nUSER app\n"
      "ARG NPM=npm_Zk3uR8vQ1xW5yT7pL2mN4bC6dF9gH0jKa1s2\n"
      "RUN echo 'db_password = \"Vq8#kLz2$Rw9mT4x\"' > /etc/app.conf\n"
      "ENV SSH_KEY=\"-----BEGIN RSA PRIVATE "
      "KEY-----\\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVT\"\n");
  std::vector<std::string> messages;
  for (const auto& f : findings)
    if (f.check->id == "DF064")
      messages.push_back(f.message);
  ASSERT_EQ(messages.size(), 3U) << fmt::format("{}", fmt::join(messages, " | "));
  EXPECT_NE(messages[0].find("SE018"), std::string::npos) << messages[0];
  EXPECT_NE(messages[1].find("SE024"), std::string::npos) << messages[1];
  EXPECT_NE(messages[2].find("SE007"), std::string::npos) << messages[2];
  for (const auto& m : messages) {
    EXPECT_EQ(m.find("Zk3uR8vQ"), std::string::npos) << m;
    EXPECT_EQ(m.find("Vq8#kLz2"), std::string::npos) << m;
    EXPECT_EQ(m.find("AAKCAQEA"), std::string::npos) << m;
  }
  // Placeholders and variables are not secrets.
  auto clean = lint_findings("FROM debian:12\nUSER app\nARG TOKEN=${CI_TOKEN}\n"
                             "RUN echo \"password=changeme\" > /tmp/x\n");
  for (const auto& f : clean)
    EXPECT_NE(f.check->id, std::string_view("DF064")) << f.message;
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
  EXPECT_TRUE(plain.count("DF127"));
  EXPECT_TRUE(plain.count("DF082"));
  auto skipped = lint_ids("# check=skip=JSONArgsRecommended,StageNameCasing\n" + body);
  EXPECT_FALSE(skipped.count("DF127"));
  EXPECT_TRUE(skipped.count("DF025")) << "DL3025 is hadolint's, not BuildKit's";
  EXPECT_FALSE(skipped.count("DF082"));
  EXPECT_TRUE(skipped.count("DF077")) << "FromAsCasing was not skipped";
  auto all = lint_ids("# check=skip=all;error=true\n" + body);
  EXPECT_FALSE(all.count("DF077"));
  EXPECT_FALSE(all.count("DF127"));
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

// RUN inside ONBUILD runs in every image built on this one: it is checked
// like any RUN, once, and reported at the ONBUILD.
TEST(DockerfileChecks, OnbuildRunIsChecked) {
  auto findings = lint_findings("FROM debian:12\nONBUILD RUN sudo apt-get install python\n");
  int sudo = 0;
  for (const auto& f : findings)
    if (f.check->id == "DF006") {
      ++sudo;
      EXPECT_EQ(f.location.line, 2);
    }
  EXPECT_EQ(sudo, 1);
  auto ids = lint_ids("FROM debian:12\nONBUILD RUN apt-get update && apt-get install -y python\n");
  EXPECT_TRUE(ids.count("DF009"));
  EXPECT_TRUE(ids.count("DF010"));
  EXPECT_FALSE(lint_ids("FROM debian:12\nONBUILD COPY . /app\n").count("DF006"));
}

// A fragment without FROM is still read: its RUNs are checked, and DL3061
// says the FROM is missing.
TEST(DockerfileChecks, FileWithoutFromIsChecked) {
  auto ids = lint_ids("RUN sudo apt-get update\n");
  EXPECT_TRUE(ids.count("DF006"));
  EXPECT_TRUE(ids.count("DF050"));
  EXPECT_FALSE(ids.count("DF004")) << "nothing is known about the base, so nothing about USER";
  EXPECT_FALSE(ids.count("DF047"));
  EXPECT_FALSE(lint_ids("ARG A=1\nARG B\n").count("DF006"));
}

TEST(DockerfileChecks, PipCacheFollowsPipsOwnParsing) {
  for (const char* off :
       {"ENV PIP_NO_CACHE_DIR=1\nRUN pip install x==1\n",
        "ARG PIP_NO_CACHE_DIR=yes\nRUN pip install x==1\n",
        "RUN PIP_NO_CACHE_DIR=on pip install x==1\n",
        "RUN export PIP_NO_CACHE_DIR=true && pip install x==1\n",
        "RUN env PIP_NO_CACHE_DIR=1 pip install x==1\n",
        "ENV PIP_NO_CACHE_DIR=false\nRUN pip install x==1\n",
        "RUN --mount=type=tmpfs,target=/root/.cache/pip pip install x==1\n",
        "RUN --mount=type=cache,target=/root/.cache/pip pip install x==1\n",
        "RUN pip install --no-cache-dir x==1\n", "RUN pipx install black==24.1.0\n"})
    EXPECT_FALSE(lint_ids(std::string("FROM python:3.12\n") + off).count("DF040")) << off;
  for (const char* on :
       {"RUN pip install x==1\n", "ENV PIP_NO_CACHE_DIR=maybe\nRUN pip install x==1\n",
        "RUN PIP_NO_CACHE_DIR=1 echo && pip install x==1\n", "RUN pip2 install x==1\n",
        "RUN python3 -m pip install x==1\n",
        "RUN --mount=type=bind,target=/root/.cache/pip pip install x==1\n"})
    EXPECT_TRUE(lint_ids(std::string("FROM python:3.12\n") + on).count("DF040")) << on;
}

TEST(DockerfileChecks, PipPinningForms) {
  for (const char* pinned :
       {"x==1.0", "'x>=1'", "x~=1.0", "x===1", "-r requirements.txt", "x -c constraints.txt",
        "--constraint=c.txt x", ".", "./pkg", "foo/bar", "x.whl", "x.tar.gz",
        "git+https://github.com/o/r.git@v1.2#egg=r", "--root-user-action ignore x==1",
        "--index-url https://i/simple x==1", "-U pip setuptools wheel"})
    EXPECT_FALSE(
        lint_ids(std::string("FROM python:3.12\nRUN pip install --no-cache-dir ") + pinned + "\n")
            .count("DF014"))
        << pinned;
  for (const char* unpinned :
       {"x", "git+https://github.com/o/r.git#egg=r", "git+ssh://git@github.com/o/r.git#egg=r",
        "--root-user-action ignore x"})
    EXPECT_TRUE(
        lint_ids(std::string("FROM python:3.12\nRUN pip install --no-cache-dir ") + unpinned + "\n")
            .count("DF014"))
        << unpinned;
  EXPECT_TRUE(lint_ids("FROM python:3.12\nRUN pip2 install x\n").count("DF014"));
  EXPECT_TRUE(lint_ids("FROM python:3.12\nRUN pipx install black\n").count("DF014"));
}

TEST(DockerfileChecks, AptListsMustBeRemovedAfterTheUpdate) {
  const std::string base = "FROM debian:12\nRUN ";
  const std::string install = "apt-get install -y --no-install-recommends x=1";
  EXPECT_FALSE(lint_ids(base + "apt-get update && " + install + " && rm -rf /var/lib/apt/lists/*\n")
                   .count("DF010"));
  EXPECT_TRUE(lint_ids(base + "rm -rf /var/lib/apt/lists/* && apt-get update && " + install + "\n")
                  .count("DF010"))
      << "a cleanup before the update removes nothing it fetched";
  EXPECT_TRUE(lint_ids(base + "aptitude update && " + install + "\n").count("DF010"));
  EXPECT_FALSE(lint_ids("FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists "
                        "apt-get update && " +
                        install + "\n")
                   .count("DF010"));
  EXPECT_TRUE(lint_ids("FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt "
                       "apt-get update && " +
                       install + "\n")
                  .count("DF010"));
  EXPECT_FALSE(lint_ids("FROM debian:12\nRUN --mount=type=tmpfs,target=/var/cache/apt "
                        "--mount=type=cache,target=/var/lib/apt apt-get update && " +
                        install + "\n")
                   .count("DF010"));
  // A build stage nothing builds on is thrown away.
  EXPECT_FALSE(lint_ids("FROM debian:12 AS build\nRUN apt-get update && " + install +
                        "\nFROM scratch\nCOPY --from=build /x /x\n")
                   .count("DF010"));
}

TEST(DockerfileChecks, AptQuietLevelTwoImpliesYes) {
  EXPECT_FALSE(lint_ids("FROM debian:12\nRUN apt-get install -q -q x=1\n").count("DF015"));
  EXPECT_FALSE(
      lint_ids("FROM debian:12\nRUN apt-get install --quiet --quiet x=1\n").count("DF015"));
  EXPECT_FALSE(lint_ids("FROM debian:12\nRUN apt-get install -qq x=1\n").count("DF015"));
  EXPECT_TRUE(lint_ids("FROM debian:12\nRUN apt-get install -q x=1\n").count("DF015"));
  EXPECT_FALSE(
      lint_ids("FROM debian:12\nRUN apt-get install -y x/bookworm-backports\n").count("DF009"))
      << "a release pin names the version";
}

TEST(DockerfileChecks, EnvSelfReferenceMatchesWholeNames) {
  EXPECT_TRUE(lint_ids("FROM debian:12\nENV BLA=blubb BLUBB=\"${BLA}/blubb\"\n").count("DF042"));
  EXPECT_TRUE(lint_ids("FROM debian:12\nENV BLUBB=$BLA/x BLA=1\n").count("DF042"));
  EXPECT_FALSE(
      lint_ids("FROM debian:12\nENV BLA=blubb BLUBB=\"${BLAFOO}/blubb\"\n").count("DF042"));
  EXPECT_FALSE(lint_ids("FROM debian:12\nENV BLA=x\nENV BLA=y BLUBB=$BLA\n").count("DF042"))
      << "BLA already had a value";
  EXPECT_FALSE(lint_ids("FROM debian:12\nENV PATH=/x:${PATH}\n").count("DF042"));
}

TEST(DockerfileChecks, LabelSchema) {
  Policy policy;
  policy.label_schema = {{"version", "semver"}, {"src", "url"}};
  auto good =
      lint_ids("FROM debian:12\nLABEL version=1.2.3 src=https://x/y\n", std::nullopt, policy);
  EXPECT_EQ(good.count("DF111") + good.count("DF118") + good.count("DF114"), 0U);
  auto bad = lint_ids("FROM debian:12\nLABEL version=1.2 src=x/y other=1\n", std::nullopt, policy);
  EXPECT_TRUE(bad.count("DF118"));
  EXPECT_TRUE(bad.count("DF114"));
  EXPECT_FALSE(bad.count("DF112")) << "other labels are fine unless strict-labels is set";
  policy.strict_labels = true;
  EXPECT_TRUE(
      lint_ids("FROM debian:12\nLABEL version=1.2.3 src=https://x other=1\n", std::nullopt, policy)
          .count("DF112"));
  // A stage another one builds on or copies from need not carry the labels itself.
  auto stages = lint_ids("FROM debian:12 AS base\nFROM base\nLABEL version=1.0.0 src=https://x\n",
                         std::nullopt, policy);
  EXPECT_FALSE(stages.count("DF111"));
  auto unused =
      lint_ids("FROM debian:12 AS base\nFROM alpine:3\nLABEL version=1.0.0 src=https://x\n",
               std::nullopt, policy);
  EXPECT_TRUE(unused.count("DF111"));
  EXPECT_TRUE(lint_ids("FROM debian:12\nLABEL 1invalid=x\n").count("DF046"));
  EXPECT_TRUE(lint_ids("FROM debian:12\nLABEL invalid$character=x\n").count("DF046"));
}

TEST(DockerfileChecks, SecretNamesAsEachToolJudgesThem) {
  // BuildKit's words between underscores (DF063), hadolint's list and fragments (DF126).
  auto both = lint_ids("FROM debian:12\nARG DB_PASSWORD\n");
  EXPECT_TRUE(both.count("DF063"));
  EXPECT_TRUE(both.count("DF126"));
  auto buildkit_only = lint_ids("FROM debian:12\nENV GPG_KEY=abc\n");
  EXPECT_TRUE(buildkit_only.count("DF063"));
  EXPECT_FALSE(buildkit_only.count("DF126"));
  auto hadolint_only = lint_ids("FROM debian:12\nARG TRAVIS_OS_NAME=linux\nENV MYTOKENS=1\n");
  EXPECT_FALSE(hadolint_only.count("DF063"));
  EXPECT_EQ(hadolint_only.count("DF126"), 2U);
  auto exempt = lint_ids("FROM debian:12\nENV PUBLIC_KEY=x KEY_FILE=/k TOKEN_VERSION=2 MONKEY=1\n");
  EXPECT_FALSE(exempt.count("DF063"));
  EXPECT_FALSE(lint_ids("ARG API_TOKEN\nFROM debian:12\n").count("DF063"))
      << "BuildKit does not judge global ARGs";
}

TEST(DockerfileChecks, OverriddenInstructionsAreReportedWhereEachToolDoes) {
  auto findings = lint_findings(
      "FROM debian:12\nCMD [\"a\"]\nCMD [\"b\"]\nENTRYPOINT [\"c\"]\nENTRYPOINT [\"d\"]\n");
  std::multiset<std::pair<std::string, int>> got;
  for (const auto& f : findings)
    got.emplace(std::string(f.check->id), f.location.line);
  EXPECT_TRUE(got.count({"DF125", 2})) << "BuildKit points at the overridden CMD";
  EXPECT_TRUE(got.count({"DF054", 3})) << "hadolint points at the later CMD";
  EXPECT_TRUE(got.count({"DF125", 4}));
  EXPECT_TRUE(got.count({"DF055", 5}));
}

// The BuildKit build checks, as BuildKit decides them.
TEST(DockerfileChecks, BuildKitArgChecksExpandTheDefaults) {
  EXPECT_TRUE(lint_ids("ARG SFX=\"box:\"\nFROM busy${SFX}\n").count("DF078"));
  EXPECT_TRUE(lint_ids("ARG VERSION\nFROM busybox:$VERSION\n").count("DF078"));
  EXPECT_FALSE(lint_ids("ARG DEBUG\nFROM scratch${DEBUG}\n").count("DF078"));
  EXPECT_FALSE(lint_ids("ARG V\nFROM busybox:stable${V}\n").count("DF078"));
  EXPECT_FALSE(lint_ids("ARG TAG\nFROM alpine:${TAG:-3.20}\n").count("DF078"));
  EXPECT_TRUE(lint_ids("FROM --platform=$BULIDPLATFORM scratch\n").count("DF083"));
  EXPECT_FALSE(lint_ids("FROM --platform=$BUILDPLATFORM scratch\n").count("DF083"));
  auto findings = lint_findings("ARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH} busybox\n");
  bool suggested = false;
  for (const auto& f : findings)
    suggested = suggested || (f.check->id == "DF083" &&
                              f.message.find("did you mean MY_ARCH?") != std::string::npos);
  EXPECT_TRUE(suggested);
}

TEST(DockerfileChecks, BuildKitUndefinedVar) {
  EXPECT_TRUE(lint_ids("FROM alpine\nENV PATH=$PAHT:/tmp/bin\n").count("DF084"));
  EXPECT_FALSE(lint_ids("FROM scratch\nENV PATH=$PATH:/tmp/bin\n").count("DF084"))
      << "PATH is always defined";
  EXPECT_TRUE(lint_ids("FROM alpine\nCOPY $foo .\nARG foo=bar\n").count("DF084"))
      << "used before the ARG that defines it";
  EXPECT_FALSE(lint_ids("FROM alpine AS base\nARG foo=x\nFROM base\nCOPY $foo .\n").count("DF084"))
      << "an ARG of the parent stage declares it";
  EXPECT_FALSE(lint_ids("FROM alpine\nCOPY $FROM_BASE_IMAGE .\n").count("DF084"))
      << "the base image may define it";
  EXPECT_TRUE(lint_ids("FROM scratch\nCOPY $FROM_BASE_IMAGE .\n").count("DF084"));
  EXPECT_FALSE(lint_ids("FROM scratch\nEXPOSE $PORT\n").count("DF084"))
      << "EXPOSE is not a word BuildKit expands while it builds";
}

TEST(DockerfileChecks, BuildKitStageInheritance) {
  EXPECT_FALSE(
      lint_ids("FROM debian:12 AS a\nSHELL [\"bash\", \"-c\"]\nFROM a\nCMD echo\n").count("DF127"));
  EXPECT_TRUE(lint_ids("FROM debian:12\nCMD echo\n").count("DF127"));
  EXPECT_FALSE(
      lint_ids("FROM scratch AS a\nWORKDIR /app\nFROM a AS b\nWORKDIR subdir/\n").count("DF128"));
  EXPECT_EQ(
      lint_ids("FROM scratch AS a\nWORKDIR /app\nFROM a AS b\nWORKDIR subdir/\n").count("DF001"),
      1U)
      << "hadolint's DL3000 judges every WORKDIR";
  EXPECT_FALSE(lint_ids("FROM --platform=linux/amd64 scratch AS my_amd64_stage\n").count("DF129"));
  EXPECT_FALSE(lint_ids("FROM --platform=linux/amd64 scratch AS linux\n").count("DF129"));
  EXPECT_TRUE(lint_ids("FROM --platform=linux/amd64 scratch AS linux\n").count("DF029"))
      << "hadolint's DL3029 has no such exemption";
  EXPECT_TRUE(lint_ids("FROM --platform=$FOO scratch\n").count("DF029"));
  EXPECT_FALSE(lint_ids("FROM --platform=$FOO scratch\n").count("DF129"));
}
