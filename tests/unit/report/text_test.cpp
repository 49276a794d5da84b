#include "vulnerability_sample.hpp"

#include <moat/report/writer.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <sstream>
#include <string>
#include <vector>

using namespace moat::core;
using namespace moat::report;

namespace text_test {

constexpr std::array<CheckInfo, 3> k_checks{{
    {"DF001", "DL3002,DS-0002,CIS-DI-0001", Severity::high, "Last user should not be root",
     "Root in a container is root on the host.", "Add a USER instruction.", ""},
    {"DF002", "", Severity::low, "Pin package versions", "Builds drift.", "Pin versions.", ""},
    {"DF003", "DL3020", Severity::critical, "Secret in ENV", "Secrets leak.", "Use a secret mount.",
     ""},
}};

Finding finding(const CheckInfo& check, Severity severity, std::string message, int line,
                int column = 0, int end_line = 0) {
  return Finding{&check, severity, std::move(message), Location{"", line, column, end_line}};
}

std::vector<TargetReport> sample() {
  std::vector<TargetReport> reports(3);
  reports[0].target = "Dockerfile";
  reports[0].kind = "dockerfile";
  reports[0].findings = {finding(k_checks[0], Severity::high,
                                 "ran as \"root\" <&> here\nsecond line \u2014 na\u00efve", 1, 1),
                         finding(k_checks[1], Severity::low, "apt-get install curl", 12, 5, 14)};
  reports[1].target = "sub dir/Dockerfile.dev";
  reports[1].kind = "dockerfile";
  reports[1].findings = {finding(k_checks[2], Severity::critical, "no HEALTHCHECK", 0),
                         finding(k_checks[1], Severity::info, "x", 3)};
  reports[2].target = "clean/Dockerfile";
  reports[2].kind = "dockerfile";
  reports[2].suppressed = 2;
  return reports;
}

std::string render(const std::vector<TargetReport>& reports, TextOptions options = {}) {
  auto writer = make_writer("text", options);
  EXPECT_TRUE(writer.has_value());
  std::ostringstream out;
  (*writer)->write(out, ReportInfo{"1.2.3", "lint", {}, Severity::high}, reports);
  return out.str();
}

// Removes ANSI CSI sequences ("ESC [ ... final byte").
std::string strip_ansi(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !(text[i] >= '@' && text[i] <= '~'))
        ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

TEST(TextWriter, GroupsFindingsByTargetWithAlignedColumns) {
  std::string expected =
      "Dockerfile\n"
      "  1:1   HIGH      DF001 (DL3002, DS-0002)  ran as \"root\" <&> here\n"
      "                                           second line \u2014 na\u00efve\n"
      "  12:5  LOW       DF002  apt-get install curl\n"
      "\n"
      "sub dir/Dockerfile.dev\n"
      "  -  CRITICAL  DF003 (DL3020)  no HEALTHCHECK\n"
      "  3  INFO      DF002  x\n"
      "\n"
      "4 findings in 3 files: 1 critical, 1 high, 1 low, 1 info\n";
  EXPECT_EQ(render(sample()), expected);
}

TEST(TextWriter, NoEscapeCodesWithoutColour) {
  auto text = render(sample(), TextOptions{false, false});
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

TEST(TextWriter, ColoursSeveritiesAndTargetAndKeepsLayout) {
  auto coloured = render(sample(), TextOptions{true, false});
  EXPECT_NE(coloured.find("\x1b["), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[1mDockerfile\x1b[0m\n"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[31mHIGH\x1b[0m      DF001"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[1;31mCRITICAL\x1b[0m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[34mLOW\x1b[0m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[2mINFO\x1b[0m"), std::string::npos);
  EXPECT_EQ(strip_ansi(coloured), render(sample()));
}

TEST(TextWriter, MediumIsYellow) {
  std::vector<TargetReport> reports(1);
  reports[0].target = "Dockerfile";
  reports[0].findings = {finding(k_checks[1], Severity::medium, "m", 2)};
  auto coloured = render(reports, TextOptions{true, false});
  EXPECT_NE(coloured.find("\x1b[33mMEDIUM\x1b[0m"), std::string::npos);
}

TEST(TextWriter, QuietOmitsSummary) {
  auto quiet = render(sample(), TextOptions{false, true});
  EXPECT_EQ(quiet.find("findings in"), std::string::npos);
  EXPECT_EQ(quiet.substr(quiet.size() - 4), "  x\n");

  std::vector<TargetReport> clean(1);
  clean[0].target = "Dockerfile";
  EXPECT_EQ(render(clean, TextOptions{false, true}), "");
}

TEST(TextWriter, SummaryWording) {
  std::vector<TargetReport> clean(2);
  clean[0].target = "a";
  clean[1].target = "b";
  EXPECT_EQ(render(clean), "no findings in 2 files\n");
  clean.pop_back();
  EXPECT_EQ(render(clean), "no findings in 1 file\n");
  EXPECT_EQ(render({}), "no findings in 0 files\n");

  std::vector<TargetReport> one(1);
  one[0].target = "Dockerfile";
  one[0].findings = {finding(k_checks[1], Severity::medium, "m", 2, 7)};
  EXPECT_EQ(render(one), "Dockerfile\n"
                         "  2:7  MEDIUM    DF002  m\n"
                         "\n"
                         "1 finding in 1 file: 1 medium\n");

  // Each kind of target by its own name; a mix is "targets".
  clean.resize(1);
  clean[0].kind = "sbom";
  EXPECT_EQ(render(clean), "no findings in 1 SBOM\n");
  clean[0].kind = "image";
  EXPECT_EQ(render(clean), "no findings in 1 image\n");
  clean.push_back(clean[0]);
  clean[1].kind = "sbom";
  EXPECT_EQ(render(clean), "no findings in 2 targets\n");
}

TEST(TextWriter, TerminalControlCharactersInInputAreShownNotSent) {
  std::vector<TargetReport> reports(1);
  reports[0].target = "evil\x1b]0;title\x07";
  reports[0].findings = {finding(k_checks[1], Severity::low,
                                 "a\x1b[2Jb\rc\xc2\x9b"
                                 "d",
                                 1)};
  auto text = render(reports);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos);
  EXPECT_NE(text.find("evil\\x1b]0;title\\x07\n"), std::string::npos);
  EXPECT_NE(text.find("a\\x1b[2Jb\\x0dc\\u009bd\n"), std::string::npos);
}

// Every column, not only the message: a file name from an image in the
// location column, an advisory id in the label, a package in the list.
TEST(TextWriter, EveryFieldIsEscaped) {
  static const CheckInfo vuln_check{
      "GHSA-\x1b[2J", "CVE-1\x1b]0;t\x07", Severity::high, "t", "r", "f", ""};
  std::vector<TargetReport> reports(1);
  reports[0].target = "image";
  reports[0].kind = "image";
  Finding f{&k_checks[1], Severity::low, "m", Location{}};
  f.location.path = "/app/\x1b]0;owned\x07\nforged  HIGH  DF001  fake\x1b[2J";
  reports[0].findings = {f, Finding{&vuln_check, Severity::high, "m", Location{}}};
  reports[0].list_packages = true;
  Package p;
  p.name = "pkg\x1b[31m";
  p.version = "1\n2";
  p.type = "deb\x07";
  p.found_at = "/x\x1b";
  reports[0].packages = {p};
  auto text = render(reports);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
  EXPECT_NE(text.find("/app/\\x1b]0;owned\\x07\\x0aforged"), std::string::npos) << text;
  EXPECT_NE(text.find("GHSA-\\x1b[2J (CVE-1\\x1b]0;t\\x07)"), std::string::npos) << text;
  // Exactly the lines the writer means: target, two findings, the package
  // list header and one package, the blank line and the summary.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 7) << text;
}

TEST(TextWriter, CrlfMessageLinesBreakCleanly) {
  std::vector<TargetReport> reports(1);
  reports[0].target = "Dockerfile";
  reports[0].findings = {finding(k_checks[1], Severity::low, "one\r\ntwo\r\n", 4)};
  EXPECT_EQ(render(reports, TextOptions{false, true}), "Dockerfile\n"
                                                       "  4  LOW       DF002  one\n"
                                                       "                      two\n");
}

TEST(TextWriter, EmptyMessageFallsBackToTitle) {
  std::vector<TargetReport> reports(1);
  reports[0].target = "Dockerfile";
  reports[0].findings = {finding(k_checks[1], Severity::low, "", 4)};
  EXPECT_NE(render(reports).find("  4  LOW       DF002  Pin package versions\n"),
            std::string::npos);
}

TEST(TextWriter, VulnerabilitiesShowEveryAliasAndTheirRelatedFindings) {
  const auto text = render(moat::test::vulnerability_sample());
  // The label shows two aliases; the merged record's id and the rest follow
  // on a line of their own, under the message.
  EXPECT_NE(text.find("PYSEC-2021-871 (CVE-2021-42343, GHSA-hwqr-f3v9-hwxr)  affected\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  also: PYSEC-2021-872, GHSA-j8fq-86c5-5v2r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("PYSEC-2021-88 (CVE-2021-32633, GHSA-5pr9-v234-jw36)  affected\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  related: PYSEC-2021-104\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  related: PYSEC-2021-88\n"), std::string::npos) << text;
  // Two aliases and nothing related: no extra line.
  EXPECT_EQ(text.find("also:"), text.rfind("also:")) << text;
  // The target, three findings, one "also" and two "related" lines, a blank line, the summary.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 9) << text;
}

} // namespace text_test
