#include "vulnerability_sample.hpp"

#include <moat/report/writer.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <sstream>
#include <string>
#include <vector>

using namespace moat::core;
using namespace moat::report;
using nlohmann::json;

namespace json_test {

constexpr std::array<CheckInfo, 2> k_checks{{
    {"DF001", "DL3002,DS-0002", Severity::high, "Last user should not be root",
     "Root in a container is root on the host.", "Add a USER instruction.",
     "https://docs.docker.com/a https://example.com/b"},
    {"DF002", "", Severity::low, "Pin package versions", "Builds drift.", "Pin versions.", ""},
}};

const std::string k_tricky = "ran as \"root\" <&> here\nsecond line \u2014 na\u00efve";

std::vector<TargetReport> sample() {
  std::vector<TargetReport> reports(2);
  reports[0].target = "Dockerfile";
  reports[0].kind = "dockerfile";
  reports[0].suppressed = 1;
  reports[0].findings = {
      Finding{&k_checks[0], Severity::critical, k_tricky, Location{"Dockerfile", 3, 2, 5}},
      Finding{&k_checks[1], Severity::low, "apt-get install curl",
              Location{"Dockerfile", 7, 0, 0}}};
  reports[1].target = "img.tar";
  reports[1].kind = "image";
  reports[1].suppressed = 2;
  reports[1].findings = {Finding{&k_checks[1], Severity::medium, "whole file", Location{}},
                         Finding{&k_checks[1], Severity::info, "i", Location{"etc/x", 1, 0, 0}}};
  return reports;
}

std::string render(const std::vector<TargetReport>& reports) {
  auto writer = make_writer("json");
  EXPECT_TRUE(writer.has_value());
  std::ostringstream out;
  (*writer)->write(out, ReportInfo{"1.2.3", "lint", {}, Severity::high}, reports);
  return out.str();
}

TEST(JsonWriter, TopLevelFieldsAndPrettyPrinting) {
  auto text = render(sample());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.substr(0, 19), "{\n  \"tool\": \"moat\",");
  auto doc = json::parse(text);
  EXPECT_EQ(doc["tool"], "moat");
  EXPECT_EQ(doc["version"], "1.2.3");
  EXPECT_EQ(doc["command"], "lint");
  ASSERT_EQ(doc["targets"].size(), 2U);
  EXPECT_EQ(doc["targets"][0]["target"], "Dockerfile");
  EXPECT_EQ(doc["targets"][0]["kind"], "dockerfile");
  EXPECT_EQ(doc["targets"][0]["suppressed"], 1);
  EXPECT_EQ(doc["targets"][1]["kind"], "image");
  EXPECT_EQ(doc["targets"][1]["suppressed"], 2);
  EXPECT_EQ(doc["targets"][1]["findings"].size(), 2U);
}

TEST(JsonWriter, FindingFields) {
  auto doc = json::parse(render(sample()));
  const auto& f = doc["targets"][0]["findings"][0];
  EXPECT_EQ(f["id"], "DF001");
  EXPECT_EQ(f["aliases"], json::array({"DL3002", "DS-0002"}));
  EXPECT_EQ(f["severity"], "critical"); // effective, not the check's default
  EXPECT_EQ(f["title"], "Last user should not be root");
  EXPECT_EQ(f["message"], k_tricky);
  EXPECT_EQ(f["location"],
            json({{"file", "Dockerfile"}, {"line", 3}, {"column", 2}, {"end_line", 5}}));
  EXPECT_EQ(f["remediation"], "Add a USER instruction.");
  EXPECT_EQ(f["references"], json::array({"https://docs.docker.com/a", "https://example.com/b"}));

  const auto& g = doc["targets"][0]["findings"][1];
  EXPECT_EQ(g["aliases"], json::array());
  EXPECT_EQ(g["references"], json::array());
  EXPECT_EQ(g["location"], json({{"file", "Dockerfile"}, {"line", 7}}));
}

TEST(JsonWriter, PositionOmittedWhenUnknownAndFileDefaultsToTarget) {
  auto doc = json::parse(render(sample()));
  const auto& loc = doc["targets"][1]["findings"][0]["location"];
  EXPECT_EQ(loc, json({{"file", "img.tar"}}));
  EXPECT_EQ(doc["targets"][1]["findings"][1]["location"]["file"], "etc/x");
}

TEST(JsonWriter, SummaryCountsEffectiveSeverities) {
  auto doc = json::parse(render(sample()));
  const auto& s = doc["summary"];
  EXPECT_EQ(s["total"], 4);
  EXPECT_EQ(s["critical"], 1);
  EXPECT_EQ(s["high"], 0);
  EXPECT_EQ(s["medium"], 1);
  EXPECT_EQ(s["low"], 1);
  EXPECT_EQ(s["info"], 1);
}

TEST(JsonWriter, EmptyReportListIsAValidDocument) {
  auto doc = json::parse(render({}));
  EXPECT_EQ(doc["targets"], json::array());
  EXPECT_EQ(doc["summary"]["total"], 0);
}

TEST(JsonWriter, InvalidUtf8InInputDoesNotBreakTheDocument) {
  auto reports = sample();
  reports[0].findings[0].message = "bad \xff\xfe byte";
  std::string text;
  ASSERT_NO_THROW(text = render(reports));
  auto doc = json::parse(text);
  EXPECT_EQ(doc["targets"][0]["findings"][0]["message"], "bad \ufffd\ufffd byte");
}

TEST(JsonWriter, VulnerabilityFindingsCarryAliasesAndRelated) {
  const auto doc = json::parse(render(moat::test::vulnerability_sample()));
  const auto& findings = doc["targets"][0]["findings"];
  ASSERT_EQ(findings.size(), 3U);
  EXPECT_EQ(findings[0]["aliases"], json::array({"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr",
                                                 "PYSEC-2021-872", "GHSA-j8fq-86c5-5v2r"}));
  EXPECT_EQ(findings[0]["related"], json::array());
  EXPECT_EQ(findings[1]["related"], json::array({"PYSEC-2021-104"}));
  EXPECT_EQ(findings[2]["related"], json::array({"PYSEC-2021-88"}));
  // Check findings have no related list.
  const auto lint = json::parse(render(sample()));
  EXPECT_FALSE(lint["targets"][0]["findings"][0].contains("related"));
}

} // namespace json_test
