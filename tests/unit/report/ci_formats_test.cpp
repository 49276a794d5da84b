// The CI and review-tool formats, each checked against what its consumer
// documents: GitHub's workflow-command syntax and escapes, GitLab's Code
// Quality fields and severities, Checkstyle's elements and attributes,
// SonarQube's generic issue format (10.3+) and a Markdown table.

#include <moat/report/writer.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace ci_formats_test {
namespace {

using namespace moat::core;
using namespace moat::report;

constexpr CheckInfo k_user{
    "DF004",     "DS-0002", Severity::medium, "Final stage sets no USER", "Runs as root.",
    "Add USER.", ""};
constexpr CheckInfo k_secret{"DF064",
                             "",
                             Severity::critical,
                             "Secret value in the Dockerfile",
                             "Leaks.",
                             "Use a build secret.",
                             ""};

// Two files: findings with and without lines, a message and a file name
// holding every character the formats must escape.
std::vector<TargetReport> sample() {
  std::vector<TargetReport> reports(2);
  reports[0].target = "app/Dockerfile";
  reports[0].findings = {
      Finding{&k_user, Severity::medium, "no USER", Location{"app/Dockerfile", 1, 1, 0}},
      Finding{&k_secret, Severity::critical, "100% <secret> | a,b: c\nnext `x` *y*",
              Location{"app/Dockerfile", 4, 5, 6}},
      Finding{&k_secret, Severity::critical, "100% <secret> | a,b: c\nnext `x` *y*",
              Location{"app/Dockerfile", 9, 5, 0}},
  };
  reports[1].target = "odd,name:1.Dockerfile";
  reports[1].findings = {
      Finding{&k_user, Severity::info, "whole file", Location{"odd,name:1.Dockerfile", 0, 0, 0}}};
  return reports;
}

std::string render(std::string_view format, const std::vector<TargetReport>& reports = sample()) {
  ReportInfo info{"1.0", "lint", {&k_user, &k_secret}, Severity::medium};
  std::ostringstream out;
  (*make_writer(format))->write(out, info, reports);
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

TEST(GithubFormat, OneWorkflowCommandPerFindingWithItsEscapes) {
  const auto lines = lines_of(render("github"));
  ASSERT_EQ(lines.size(), 4U);
  // ::LEVEL file=F[,line=N[,endLine=N][,col=N]],title=T::MESSAGE, where a
  // property holds no raw ':' or ',' and the message no raw line break.
  const std::regex command(R"(^::(error|warning|notice) file=[^,:]*(,line=[0-9]+)?)"
                           R"((,endLine=[0-9]+)?(,col=[0-9]+)?,title=[^,:]*::[^\r\n]*$)");
  for (const auto& l : lines)
    EXPECT_TRUE(std::regex_match(l, command)) << l;
  EXPECT_EQ(lines[0], "::warning file=app/Dockerfile,line=1,col=1,title=DF004 Final stage sets no "
                      "USER (medium)::no USER");
  EXPECT_EQ(lines[1], "::error file=app/Dockerfile,line=4,endLine=6,col=5,title=DF064 Secret value "
                      "in the Dockerfile (critical)::100%25 <secret> | a,b: c%0Anext `x` *y*");
  EXPECT_EQ(lines[3], "::notice file=odd%2Cname%3A1.Dockerfile,title=DF004 Final stage sets no "
                      "USER (info)::whole file");
}

TEST(GitlabFormat, CodeQualityIssuesWithStableFingerprints) {
  const auto doc = nlohmann::json::parse(render("gitlab"));
  ASSERT_TRUE(doc.is_array());
  ASSERT_EQ(doc.size(), 4U);
  const std::set<std::string> severities{"info", "minor", "major", "critical", "blocker"};
  std::set<std::string> fingerprints;
  for (const auto& issue : doc) {
    // The fields GitLab requires, with their types.
    ASSERT_TRUE(issue["description"].is_string());
    ASSERT_TRUE(issue["check_name"].is_string());
    ASSERT_TRUE(issue["fingerprint"].is_string());
    EXPECT_TRUE(severities.contains(issue["severity"].get<std::string>()));
    ASSERT_TRUE(issue["location"]["path"].is_string());
    ASSERT_TRUE(issue["location"]["lines"]["begin"].is_number_integer());
    EXPECT_GE(issue["location"]["lines"]["begin"].get<int>(), 1);
    EXPECT_EQ(issue["type"], "issue");
    fingerprints.insert(issue["fingerprint"].get<std::string>());
  }
  EXPECT_EQ(fingerprints.size(), 4U) << "the two identical findings differ by occurrence";
  EXPECT_EQ(doc[1]["severity"], "blocker");
  EXPECT_EQ(doc[0]["severity"], "major");
  // The same finding on another line keeps its fingerprint.
  auto moved = sample();
  moved[0].findings[0].location.line = 30;
  EXPECT_EQ(nlohmann::json::parse(render("gitlab", moved))[0]["fingerprint"],
            doc[0]["fingerprint"]);
  EXPECT_EQ(nlohmann::json::parse(render("gitlab"))[2]["fingerprint"], doc[2]["fingerprint"]);
}

TEST(CheckstyleFormat, FilesWithErrorElements) {
  const auto xml = render("checkstyle");
  EXPECT_EQ(
      xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n", 0),
      0U);
  EXPECT_NE(xml.find("  <file name=\"app/Dockerfile\">\n    <error line=\"1\" column=\"1\" "
                     "severity=\"warning\" message=\"no USER\" source=\"moat.DF004\"/>\n"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("message=\"100% &lt;secret&gt; | a,b: c&#10;next `x` *y*\" "
                     "source=\"moat.DF064\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<file name=\"odd,name:1.Dockerfile\">\n    <error severity=\"info\""),
            std::string::npos);
  EXPECT_TRUE(xml.ends_with("</checkstyle>\n"));
  // A clean target is a file with no error.
  std::vector<TargetReport> clean(1);
  clean[0].target = "Dockerfile";
  EXPECT_NE(render("checkstyle", clean).find("<file name=\"Dockerfile\">\n  </file>"),
            std::string::npos);
}

TEST(SonarqubeFormat, RulesAndIssuesOfTheGenericFormat) {
  const auto doc = nlohmann::json::parse(render("sonarqube"));
  ASSERT_TRUE(doc["rules"].is_array());
  ASSERT_TRUE(doc["issues"].is_array());
  ASSERT_EQ(doc["rules"].size(), 2U) << "one rule per check";
  const std::set<std::string> attributes{"FORMATTED", "CONVENTIONAL", "IDENTIFIABLE", "CLEAR",
                                         "LOGICAL",   "COMPLETE",     "EFFICIENT",    "FOCUSED",
                                         "DISTINCT",  "MODULAR",      "TESTED",       "TRUSTWORTHY",
                                         "LAWFUL",    "RESPECTFUL"};
  std::set<std::string> ids;
  for (const auto& rule : doc["rules"]) {
    ids.insert(rule["id"].get<std::string>());
    EXPECT_TRUE(rule["name"].is_string());
    EXPECT_EQ(rule["engineId"], "moat");
    EXPECT_TRUE(attributes.contains(rule["cleanCodeAttribute"].get<std::string>()));
    ASSERT_FALSE(rule["impacts"].empty());
    for (const auto& impact : rule["impacts"]) {
      EXPECT_EQ(impact["softwareQuality"], "SECURITY");
      EXPECT_TRUE(std::set<std::string>({"LOW", "MEDIUM", "HIGH"})
                      .contains(impact["severity"].get<std::string>()));
    }
  }
  ASSERT_EQ(doc["issues"].size(), 4U);
  for (const auto& issue : doc["issues"]) {
    EXPECT_TRUE(ids.contains(issue["ruleId"].get<std::string>()));
    const auto& loc = issue["primaryLocation"];
    EXPECT_TRUE(loc["message"].is_string());
    EXPECT_TRUE(loc["filePath"].is_string());
    EXPECT_GE(loc["textRange"]["startLine"].get<int>(), 1) << "1-based";
  }
  EXPECT_EQ(doc["issues"][1]["primaryLocation"]["textRange"]["endLine"], 6);
}

TEST(MarkdownFormat, ATableWithEscapedCells) {
  const auto md = render("markdown");
  const auto lines = lines_of(md);
  ASSERT_GE(lines.size(), 9U);
  EXPECT_EQ(lines[0], "### moat lint");
  EXPECT_EQ(lines[2], "4 findings: 2 critical, 1 medium, 1 info.");
  EXPECT_EQ(lines[4], "| severity | id | file | line | message |");
  EXPECT_EQ(lines[6], "| medium | DF004 | app/Dockerfile | 1 | no USER |");
  EXPECT_EQ(lines[7], "| critical | DF064 | app/Dockerfile | 4 | 100% &lt;secret&gt; \\| a,b: "
                      "c<br>next \\`x\\` \\*y\\* |");
  // Every row has the header's five cells: no unescaped pipe splits one.
  for (std::size_t i = 4; i < lines.size(); ++i) {
    int cells = 0;
    for (std::size_t k = 0; k < lines[i].size(); ++k)
      if (lines[i][k] == '|' && (k == 0 || lines[i][k - 1] != '\\'))
        ++cells;
    EXPECT_EQ(cells, 6) << lines[i];
  }
  EXPECT_EQ(render("markdown", {}), "### moat lint\n\nNo findings in 0 targets.\n");
}

} // namespace
} // namespace ci_formats_test
