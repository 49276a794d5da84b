#include "vulnerability_sample.hpp"

#include <moat/report/writer.hpp>

#include <testutil.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

using namespace moat::core;
using namespace moat::report;

namespace junit_test {

constexpr std::array<CheckInfo, 3> k_checks{{
    {"DF001", "DL3002", Severity::high, "Last user should not be root",
     "Root in a container is root on the host.", "Add a USER instruction.",
     "https://docs.docker.com/a"},
    {"DF002", "", Severity::low, "Pin package versions", "Builds drift.", "Pin versions.", ""},
    {"DF003", "", Severity::critical, "Secret in ENV", "Secrets leak.", "Use a secret mount.", ""},
}};

std::vector<TargetReport> sample() {
  std::vector<TargetReport> reports(3);
  reports[0].target = "Dockerfile";
  reports[0].findings = {
      Finding{&k_checks[0], Severity::high, "ran as \"root\" <&> 'here'\nna\u00efve",
              Location{"Dockerfile", 3, 2, 0}},
      Finding{&k_checks[1], Severity::low, "apt-get", Location{"Dockerfile", 7, 0, 0}}};
  reports[1].target = "a&b/Dockerfile";
  reports[1].findings = {
      Finding{&k_checks[2], Severity::critical, "ctl\x01x\x1b", Location{"", 0, 0, 0}},
      Finding{&k_checks[1], Severity::medium, "m", Location{"", 2, 0, 0}}};
  reports[2].target = "clean/Dockerfile";
  return reports;
}

std::string render(const std::vector<TargetReport>& reports, std::optional<Severity> fail_on) {
  auto writer = make_writer("junit");
  EXPECT_TRUE(writer.has_value());
  std::ostringstream out;
  (*writer)->write(out, ReportInfo{"1.2.3", "lint", {}, fail_on}, reports);
  return out.str();
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

bool have_xmllint() {
  return std::system("command -v xmllint >/dev/null 2>&1") == 0;
}

// Runs xmllint over XML with an XPath expression; returns its output.
std::string xpath(const moat::test::TempDir& dir, const std::string& xml,
                  const std::string& expression) {
  auto in = dir.write("report.xml", xml);
  auto out = dir.path() / "xpath.out";
  std::string cmd =
      "xmllint --xpath '" + expression + "' '" + in.string() + "' >'" + out.string() + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << moat::test::read_text(out);
  auto result = moat::test::read_text(out);
  if (!result.empty() && result.back() == '\n') // xmllint ends its answer with one
    result.pop_back();
  return result;
}

TEST(JunitWriter, HeaderAndSuiteCounts) {
  auto xml = render(sample(), Severity::high);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0U);
  EXPECT_NE(xml.find("<testsuites name=\"moat\" tests=\"5\" failures=\"2\">"), std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"Dockerfile\" tests=\"2\" failures=\"1\""),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"a&amp;b/Dockerfile\" tests=\"2\" failures=\"1\""),
            std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"clean/Dockerfile\" tests=\"1\" failures=\"0\""),
            std::string::npos);
  EXPECT_EQ(xml.substr(xml.size() - 14), "</testsuites>\n");
}

TEST(JunitWriter, TestCasesNameCheckAndPosition) {
  auto xml = render(sample(), Severity::high);
  EXPECT_NE(xml.find("<testcase classname=\"Dockerfile\" name=\"DF001: Last user should not be "
                     "root\" file=\"Dockerfile\" line=\"3\">"),
            std::string::npos);
  // No line attribute for a finding about the whole file; file defaults to the target.
  EXPECT_NE(xml.find("<testcase classname=\"a&amp;b/Dockerfile\" name=\"DF003: Secret in ENV\" "
                     "file=\"a&amp;b/Dockerfile\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"clean/Dockerfile\" name=\"no findings\"/>"),
            std::string::npos);
}

TEST(JunitWriter, FailuresFollowThreshold) {
  auto high = render(sample(), Severity::high);
  EXPECT_EQ(count(high, "<failure "), 2U);
  EXPECT_EQ(count(high, "<system-out>"), 2U);
  EXPECT_NE(high.find("type=\"high\">"), std::string::npos);
  EXPECT_NE(high.find("type=\"critical\">"), std::string::npos);

  auto info = render(sample(), Severity::info);
  EXPECT_EQ(count(info, "<failure "), 4U);
  EXPECT_EQ(count(info, "<system-out>"), 0U);
  EXPECT_NE(info.find("tests=\"5\" failures=\"4\""), std::string::npos);

  auto none = render(sample(), std::nullopt);
  EXPECT_EQ(count(none, "<failure"), 0U);
  EXPECT_EQ(count(none, "<system-out>"), 4U);
  EXPECT_NE(none.find("tests=\"5\" failures=\"0\""), std::string::npos);
}

TEST(JunitWriter, EscapesTextAndAttributes) {
  auto xml = render(sample(), Severity::high);
  // Attribute: quotes, markup characters and the line break are references.
  EXPECT_NE(xml.find("message=\"ran as &quot;root&quot; &lt;&amp;&gt; &apos;here&apos;&#10;"
                     "na\u00efve\""),
            std::string::npos);
  // Element text: a real line break stays.
  EXPECT_NE(xml.find("ran as &quot;root&quot; &lt;&amp;&gt; &apos;here&apos;\nna\u00efve\n"),
            std::string::npos);
  EXPECT_EQ(xml.find("\"root\""), std::string::npos);
  EXPECT_EQ(xml.find("<&>"), std::string::npos);
  // Control characters XML 1.0 cannot carry are replaced.
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
  EXPECT_NE(xml.find("ctl\ufffdx\ufffd"), std::string::npos);
}

TEST(JunitWriter, MalformedUtf8IsReplaced) {
  std::vector<TargetReport> reports(1);
  reports[0].target = "bad\xff\xc3";
  reports[0].findings = {
      Finding{&k_checks[1], Severity::low, "x\xed\xa0\x80y\xc0\xafz", Location{"", 1, 0, 0}}};
  auto xml = render(reports, Severity::low);
  EXPECT_NE(xml.find("name=\"bad\ufffd\ufffd\""), std::string::npos);
  EXPECT_NE(xml.find("message=\"x\ufffd\ufffd\ufffdy\ufffd\ufffdz\""), std::string::npos);
}

TEST(JunitWriter, FailureDetailNamesCheckPlaceAndFix) {
  auto xml = render(sample(), Severity::high);
  EXPECT_NE(xml.find(">high DF001 (DL3002) at Dockerfile:3:2\n"), std::string::npos);
  EXPECT_NE(xml.find("Remediation: Add a USER instruction.\nReferences: https://docs.docker.com/a"
                     "</failure>"),
            std::string::npos);
  EXPECT_NE(xml.find(">critical DF003 at a&amp;b/Dockerfile\n"), std::string::npos);
}

TEST(JunitWriter, WellFormedForAnXmlParser) {
  if (!have_xmllint())
    GTEST_SKIP() << "xmllint is not installed (Debian package libxml2-utils)";
  moat::test::TempDir dir;
  auto xml = render(sample(), Severity::high);
  EXPECT_EQ(xpath(dir, xml, "count(//testsuite)"), "3");
  EXPECT_EQ(xpath(dir, xml, "count(//testcase)"), "5");
  EXPECT_EQ(xpath(dir, xml, "count(//failure)"), "2");
  EXPECT_EQ(xpath(dir, xml, "string(//testsuite[1]/testcase[1]/failure/@message)"),
            "ran as \"root\" <&> 'here'\nna\u00efve");
  EXPECT_EQ(xpath(dir, xml, "string(//testsuite[2]/@name)"), "a&b/Dockerfile");
}

TEST(JunitWriter, VulnerabilitiesNameEveryAliasAndRelatedFinding) {
  const auto xml = render(moat::test::vulnerability_sample(), Severity::high);
  EXPECT_NE(xml.find("PYSEC-2021-871 (CVE-2021-42343, GHSA-hwqr-f3v9-hwxr, PYSEC-2021-872, "
                     "GHSA-j8fq-86c5-5v2r)"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("Related: PYSEC-2021-104"), std::string::npos) << xml;
  EXPECT_NE(xml.find("Related: PYSEC-2021-88"), std::string::npos) << xml;
  EXPECT_EQ(count(xml, "Related:"), 2U) << xml;
}

} // namespace junit_test
