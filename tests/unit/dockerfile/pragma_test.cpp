// Ignore pragmas, BuildKit's check directive, and opt-in checks, read as
// hadolint and BuildKit read them.

#include <moat/core/config.hpp>
#include <moat/dockerfile/checks.hpp>
#include <moat/dockerfile/lint.hpp>
#include <moat/dockerfile/pragma.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace {

using moat::core::Policy;
using moat::dockerfile::detail::PragmaScope;
using moat::dockerfile::detail::read_pragma;

std::optional<moat::dockerfile::detail::Pragma> pragma(std::string_view text) {
  return read_pragma(text, moat::dockerfile::checks());
}

// (id, line) of every finding.
std::multiset<std::pair<std::string, int>> findings(const std::string& text,
                                                    const Policy& policy = {}) {
  auto report = moat::dockerfile::lint({"Dockerfile", text, std::nullopt}, policy);
  EXPECT_TRUE(report.has_value());
  std::multiset<std::pair<std::string, int>> out;
  if (report)
    for (const auto& f : report->findings)
      out.emplace(std::string(f.check->id), f.location.line);
  return out;
}

bool has(const std::multiset<std::pair<std::string, int>>& fs, const std::string& id,
         int line = 0) {
  for (const auto& [fid, fline] : fs)
    if (fid == id && (line == 0 || fline == line))
      return true;
  return false;
}

} // namespace

TEST(Pragmas, GrammarAllowsSpacesAndAReason) {
  auto p = pragma("hadolint ignore=DL3023, DL3021");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->scope, PragmaScope::inline_);
  EXPECT_THAT(p->ids, ::testing::ElementsAre("DL3023", "DL3021"));
  auto g = pragma("hadolint global ignore = DL3023 , DL3021");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->scope, PragmaScope::global);
  EXPECT_EQ(g->ids.size(), 2U);
  auto reason = pragma("moat ignore=DF006 # the build needs sudo, see #12");
  ASSERT_TRUE(reason);
  EXPECT_THAT(reason->ids, ::testing::ElementsAre("DF006"));
  auto stage = pragma("hadolint stage ignore=DL3059");
  ASSERT_TRUE(stage);
  EXPECT_EQ(stage->scope, PragmaScope::stage);
}

TEST(Pragmas, AnUnknownNameVoidsTheWholePragma) {
  EXPECT_FALSE(pragma("hadolint ignore=crazy,DL3002"));
  EXPECT_FALSE(pragma("hadolint ignore=DL3002 DL3003")) << "names are separated by commas";
  EXPECT_FALSE(pragma("hadolint ignore=DL3002,")) << "a trailing comma";
  EXPECT_FALSE(pragma("hadolint ignore="));
  EXPECT_FALSE(pragma("hadolint stageignore=DL3002"));
  EXPECT_FALSE(pragma("Hadolint ignore=DL3002")) << "the prefix is case-sensitive";
  EXPECT_FALSE(pragma("just a comment about hadolint ignore=DL3002"));
  // An unknown id shaped like hadolint's, or any moat id or alias, is fine.
  EXPECT_TRUE(pragma("hadolint ignore=DL9999,DL3002"));
  EXPECT_TRUE(pragma("hadolint ignore=JSONArgsRecommended"));
  EXPECT_TRUE(pragma("moat ignore=DS-0002"));
}

TEST(Pragmas, InvalidListIgnoresNothing) {
  auto fs = findings("FROM scratch\n# hadolint ignore=crazy,DL3002\nUSER root\n");
  EXPECT_TRUE(has(fs, "DF003", 3));
  auto ok = findings("FROM scratch\n# hadolint ignore=DL3001, DL3002\nUSER root\n");
  EXPECT_FALSE(has(ok, "DF003"));
}

TEST(Pragmas, StageIgnoreLastsUntilTheNextFrom) {
  const std::string text = "FROM debian:12 AS a\n"
                           "# hadolint stage ignore=DL3004\n"
                           "RUN sudo a\n"
                           "RUN sudo b\n"
                           "FROM debian:12\n"
                           "RUN sudo c\n";
  auto fs = findings(text);
  EXPECT_FALSE(has(fs, "DF006", 4)) << "later in the same stage";
  EXPECT_TRUE(has(fs, "DF006", 6)) << "the next stage is not covered";
  // Above FROM, it covers that stage but not the FROM line itself.
  auto above = findings("# hadolint stage ignore=DL3004,DL3007\nFROM debian:latest\nRUN sudo x\n");
  EXPECT_FALSE(has(above, "DF006"));
  EXPECT_TRUE(has(above, "DF008", 2));
}

TEST(Pragmas, GlobalPragmaWorksAnywhere) {
  auto fs = findings("FROM debian:12\nRUN sudo x\n# hadolint global ignore=DL3004\n");
  EXPECT_FALSE(has(fs, "DF006"));
}

TEST(Pragmas, DisableIgnorePragmaReadsThemAsComments) {
  const std::string text = "FROM debian:12\n# hadolint ignore=DL3004\nRUN sudo x\n";
  EXPECT_FALSE(has(findings(text), "DF006"));
  Policy off;
  off.disable_ignore_pragma = true;
  EXPECT_TRUE(has(findings(text, off), "DF006"));
}

TEST(CheckDirective, SkipAboveOneInstructionSilencesItAlone) {
  const std::string text = "FROM debian:12\n"
                           "# check=skip=JSONArgsRecommended\n"
                           "CMD echo one\n"
                           "FROM debian:12\n"
                           "CMD echo two\n";
  auto fs = findings(text);
  EXPECT_FALSE(has(fs, "DF127", 3));
  EXPECT_TRUE(has(fs, "DF127", 5));
  EXPECT_TRUE(has(fs, "DF025", 3)) << "hadolint's DL3025 has no BuildKit name";
  auto all = findings("FROM debian:12\n# a comment\n# check=skip=all\nCMD echo one\n");
  EXPECT_FALSE(has(all, "DF127"));
  EXPECT_TRUE(has(all, "DF047")) << "checks without a BuildKit name are not skipped";
}

TEST(CheckDirective, ExperimentalChecksRunOnlyWhenNamed) {
  const std::string body = "# foo bar\nFROM scratch AS base\n";
  EXPECT_FALSE(has(findings(body), "DF124"));
  EXPECT_TRUE(
      has(findings("# check=experimental=InvalidDefinitionDescription\n\n" + body), "DF124"));
  EXPECT_TRUE(has(findings("# check=skip=all;experimental=all\n\n" + body), "DF124"))
      << "skip=all does not turn experimental checks off";
  Policy enabled;
  enabled.enables.push_back("InvalidDefinitionDescription");
  EXPECT_TRUE(has(findings(body, enabled), "DF124"));
}

TEST(OptIn, Dl1001ReportsInlinePragmasOnlyWhenEnabled) {
  const std::string text = "FROM debian:12\n# hadolint ignore=DL3004\nRUN sudo x\n"
                           "# hadolint global ignore=DL3059\n";
  EXPECT_FALSE(has(findings(text), "DF122"));
  Policy enabled;
  enabled.enables.push_back("DL1001");
  auto fs = findings(text, enabled);
  EXPECT_TRUE(has(fs, "DF122", 2));
  EXPECT_FALSE(has(fs, "DF122", 4)) << "a global pragma is not an inline one";
  Policy overridden;
  overridden.overrides["DL1001"] = moat::core::Severity::high;
  EXPECT_TRUE(has(findings(text, overridden), "DF122", 2)) << "a severity override turns it on";
}

TEST(OptIn, ConfigEnablesChecksAndReadsTheLabelSchema) {
  auto config = moat::core::parse_config("enable: [DL1001]\nlabel-schema:\n  a.b: url\n"
                                         "strict-labels: true\ndisable-ignore-pragma: false\n",
                                         "c.yaml");
  ASSERT_TRUE(config.has_value()) << config.error().to_string();
  Policy policy;
  moat::core::merge_config(*config, policy);
  EXPECT_THAT(policy.enables, ::testing::ElementsAre("DL1001"));
  ASSERT_EQ(policy.label_schema.size(), 1U);
  EXPECT_EQ(policy.label_schema[0].second, "url");
  EXPECT_TRUE(policy.strict_labels);
  auto bad = moat::core::parse_config("label-schema:\n  a.b: colour\n", "c.yaml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("unknown label type 'colour'"));
  EXPECT_FALSE(moat::core::parse_config("strict-labels: maybe\n", "c.yaml").has_value());
}
