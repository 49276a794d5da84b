#include "vulnerability_sample.hpp"

#include <moat/report/writer.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <sstream>
#include <string>
#include <vector>

using namespace moat::core;
using namespace moat::report;
using nlohmann::json;

namespace sarif_test {

constexpr std::array<CheckInfo, 3> k_checks{{
    {"DF001", "DL3002,DS-0002,CIS-DI-0001", Severity::high, "Last user should not be root",
     "Root in a container is root on the host.", "Add a USER instruction.",
     "https://docs.docker.com/a https://example.com/b"},
    {"DF002", "", Severity::low, "Pin package versions", "Builds drift.", "Pin versions.", ""},
    {"DF003", "DL3020", Severity::critical, "Secret in ENV", "Secrets leak.", "Use a secret mount.",
     "https://example.com/secrets"},
}};
// A check that produced findings but was not listed as run.
constexpr CheckInfo k_extra{"DF900", "DL9999", Severity::medium, "Extra", "Why.", "Fix.", ""};

const std::string k_tricky = "ran as \"root\" <&> here\nsecond line \u2014 na\u00efve";

std::vector<TargetReport> sample() {
  std::vector<TargetReport> reports(2);
  reports[0].target = "Dockerfile";
  reports[0].kind = "dockerfile";
  reports[0].findings = {
      Finding{&k_checks[0], Severity::high, k_tricky, Location{"Dockerfile", 1, 1, 0}},
      Finding{&k_checks[1], Severity::low, "apt-get", Location{"Dockerfile", 12, 0, 14}}};
  reports[1].target = "sub dir/Dockerfile:dev#1";
  reports[1].kind = "dockerfile";
  reports[1].findings = {
      Finding{&k_extra, Severity::medium, "extra", Location{"sub dir/Dockerfile:dev#1", 0, 0, 0}},
      Finding{&k_checks[2], Severity::critical, "secret", Location{"", 4, 3, 0}},
      Finding{&k_checks[1], Severity::info, "info", Location{"/abs/p\u00e4th x", 2, 0, 0}}};
  return reports;
}

json render(const std::vector<TargetReport>& reports, std::string* raw = nullptr) {
  auto writer = make_writer("sarif");
  EXPECT_TRUE(writer.has_value());
  std::ostringstream out;
  ReportInfo info{"1.2.3", "lint", {&k_checks[0], &k_checks[1], &k_checks[2]}, Severity::high};
  (*writer)->write(out, info, reports);
  if (raw != nullptr)
    *raw = out.str();
  return json::parse(out.str());
}

TEST(SarifWriter, EnvelopeAndDriver) {
  std::string raw;
  auto doc = render(sample(), &raw);
  EXPECT_EQ(raw.back(), '\n');
  EXPECT_EQ(raw.substr(0, 4), "{\n  ");
  EXPECT_EQ(doc["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  EXPECT_EQ(doc["version"], "2.1.0");
  ASSERT_EQ(doc["runs"].size(), 1U);
  const auto& driver = doc["runs"][0]["tool"]["driver"];
  EXPECT_EQ(driver["name"], "moat");
  EXPECT_EQ(driver["version"], "1.2.3");
  EXPECT_FALSE(driver.contains("informationUri"));
}

TEST(SarifWriter, RulesFollowRunChecksThenExtraChecksOnce) {
  auto doc = render(sample());
  const auto& rules = doc["runs"][0]["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 4U);
  EXPECT_EQ(rules[0]["id"], "DF001");
  EXPECT_EQ(rules[1]["id"], "DF002");
  EXPECT_EQ(rules[2]["id"], "DF003");
  EXPECT_EQ(rules[3]["id"], "DF900");
}

TEST(SarifWriter, RuleDescriptorFields) {
  auto doc = render(sample());
  const auto& rules = doc["runs"][0]["tool"]["driver"]["rules"];
  const auto& r = rules[0];
  EXPECT_EQ(r["name"], "DF001");
  EXPECT_EQ(r["shortDescription"]["text"], "Last user should not be root");
  EXPECT_EQ(r["fullDescription"]["text"], "Root in a container is root on the host.");
  EXPECT_EQ(r["help"]["text"],
            "Root in a container is root on the host.\nRemediation: Add a USER instruction.");
  EXPECT_NE(r["help"]["markdown"].get<std::string>().find("Add a USER instruction."),
            std::string::npos);
  EXPECT_EQ(r["helpUri"], "https://docs.docker.com/a");
  EXPECT_EQ(r["defaultConfiguration"]["level"], "error");
  EXPECT_EQ(r["properties"]["aliases"], json::array({"DL3002", "DS-0002", "CIS-DI-0001"}));
  EXPECT_EQ(r["properties"]["security-severity"], "7.0");
  EXPECT_EQ(r["properties"]["tags"], json::array({"security"}));

  EXPECT_FALSE(rules[1].contains("helpUri"));
  EXPECT_EQ(rules[1]["properties"]["aliases"], json::array());
  EXPECT_EQ(rules[1]["defaultConfiguration"]["level"], "note");
  EXPECT_EQ(rules[1]["properties"]["security-severity"], "3.0");
  EXPECT_EQ(rules[2]["defaultConfiguration"]["level"], "error");
  EXPECT_EQ(rules[2]["properties"]["security-severity"], "9.0");
  EXPECT_EQ(rules[3]["defaultConfiguration"]["level"], "warning");
  EXPECT_EQ(rules[3]["properties"]["security-severity"], "5.0");
  EXPECT_EQ(rules[3]["properties"]["aliases"], json::array({"DL9999"}));
}

TEST(SarifWriter, ResultsPointAtTheirRules) {
  auto doc = render(sample());
  const auto& rules = doc["runs"][0]["tool"]["driver"]["rules"];
  const auto& results = doc["runs"][0]["results"];
  ASSERT_EQ(results.size(), 5U);
  std::vector<std::string> ids;
  for (const auto& result : results) {
    auto index = result["ruleIndex"].get<std::size_t>();
    ASSERT_LT(index, rules.size());
    EXPECT_EQ(rules[index]["id"], result["ruleId"]);
    ids.push_back(result["ruleId"].get<std::string>());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"DF001", "DF002", "DF900", "DF003", "DF002"}));
  EXPECT_EQ(results[2]["ruleIndex"], 3);
}

TEST(SarifWriter, LevelsFollowEffectiveSeverity) {
  auto doc = render(sample());
  const auto& results = doc["runs"][0]["results"];
  EXPECT_EQ(results[0]["level"], "error");   // high
  EXPECT_EQ(results[1]["level"], "note");    // low
  EXPECT_EQ(results[2]["level"], "warning"); // medium
  EXPECT_EQ(results[3]["level"], "error");   // critical
  EXPECT_EQ(results[4]["level"], "note");    // info, though DF002's default is low
}

TEST(SarifWriter, MessagesAndRegions) {
  auto doc = render(sample());
  const auto& results = doc["runs"][0]["results"];
  EXPECT_EQ(results[0]["message"]["text"], k_tricky);

  const auto& loc0 = results[0]["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc0["artifactLocation"]["uri"], "Dockerfile");
  EXPECT_EQ(loc0["region"], json({{"startLine", 1}, {"startColumn", 1}}));

  const auto& loc1 = results[1]["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc1["region"], json({{"startLine", 12}, {"endLine", 14}}));

  const auto& loc2 = results[2]["locations"][0]["physicalLocation"];
  EXPECT_FALSE(loc2.contains("region"));
  EXPECT_EQ(loc2["artifactLocation"]["uri"], "sub%20dir/Dockerfile%3Adev%231");
}

TEST(SarifWriter, UrisAreEncodedAndDefaultToTarget) {
  auto doc = render(sample());
  const auto& results = doc["runs"][0]["results"];
  // No file on the location: the target names it.
  EXPECT_EQ(results[3]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "sub%20dir/Dockerfile%3Adev%231");
  EXPECT_EQ(results[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "file:///abs/p%C3%A4th%20x");
}

TEST(SarifWriter, NoFindingsStillListsRulesAndAnEmptyResultArray) {
  auto doc = render({});
  EXPECT_EQ(doc["runs"][0]["results"], json::array());
  EXPECT_EQ(doc["runs"][0]["tool"]["driver"]["rules"].size(), 3U);
}

TEST(SarifWriter, VulnerabilityResultsCarryAliasesAndRelated) {
  auto reports = moat::test::vulnerability_sample();
  // The same advisory in a second package, where it merged nothing.
  reports[0].findings.push_back(moat::test::vulnerability_finding(
      "PYSEC-2021-871", {"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr"}, {}, "dask-distributed"));
  auto doc = render(reports);
  const auto& results = doc["runs"][0]["results"];
  ASSERT_EQ(results.size(), 4U);
  EXPECT_EQ(results[0]["properties"]["aliases"],
            json::array({"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr", "PYSEC-2021-872",
                         "GHSA-j8fq-86c5-5v2r"}));
  EXPECT_EQ(results[0]["properties"]["related"], json::array());
  EXPECT_EQ(results[1]["properties"]["related"], json::array({"PYSEC-2021-104"}));
  EXPECT_EQ(results[2]["properties"]["related"], json::array({"PYSEC-2021-88"}));
  EXPECT_EQ(results[3]["properties"]["aliases"],
            json::array({"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr"}));
  // One rule per advisory, naming every alias any of its results has,
  // whichever result came first.
  std::reverse(reports[0].findings.begin(), reports[0].findings.end());
  for (const auto& d : {doc, render(reports)}) {
    const auto& rules = d["runs"][0]["tool"]["driver"]["rules"];
    bool found = false;
    for (const auto& rule : rules) {
      if (rule["id"] != "PYSEC-2021-871")
        continue;
      found = true;
      auto aliases = rule["properties"]["aliases"].get<std::vector<std::string>>();
      std::sort(aliases.begin(), aliases.end());
      EXPECT_EQ(aliases, (std::vector<std::string>{"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr",
                                                   "GHSA-j8fq-86c5-5v2r", "PYSEC-2021-872"}));
    }
    EXPECT_TRUE(found);
  }
  // Check results have neither.
  EXPECT_FALSE(render(sample())["runs"][0]["results"][0]["properties"].contains("aliases"));
}

} // namespace sarif_test
