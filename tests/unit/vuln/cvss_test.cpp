#include <moat/vuln/cvss.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

namespace {

using moat::vuln::cvss::rating;
using moat::vuln::cvss::round_up_v31;
using moat::vuln::cvss::score;

struct Case {
  std::string_view vector;
  double base;
};

// Scores VECTOR and checks its version and base score; returns the rating.
std::string expect_base(std::string_view vector, std::string_view version, double base) {
  const auto result = score(vector);
  EXPECT_TRUE(result.has_value()) << vector << ": " << (result ? "" : result.error());
  if (!result)
    return {};
  EXPECT_EQ(result->version, version) << vector;
  EXPECT_DOUBLE_EQ(result->base, base) << vector;
  return result->rating;
}

// The error for VECTOR, or a marker that makes the caller's check fail.
std::string error_of(std::string_view vector) {
  const auto result = score(vector);
  EXPECT_FALSE(result.has_value()) << vector << " scored " << (result ? result->base : 0.0);
  return result ? std::string("<no error>") : result.error();
}

// ---------------------------------------------------------------------------
// v2.0
// ---------------------------------------------------------------------------

// CVSS v2 Complete Guide, section 3.3 (worked examples): CVE-2002-0392
// (Apache chunked encoding), CVE-2003-0818 (Microsoft ASN.1),
// CVE-2003-0062 (NOD32 buffer overflow).
constexpr std::array k_v2_guide{
    Case{"AV:N/AC:L/Au:N/C:N/I:N/A:C", 7.8},
    Case{"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0},
    Case{"AV:L/AC:H/Au:N/C:C/I:C/A:C", 6.2},
};

// NVD v2 base scores: CVE-2014-0160 (Heartbleed) 5.0, CVE-2014-6271
// (Shellshock) 10.0; AV:N/AC:L/Au:S/C:C/I:C/A:C 9.0 as NVD's calculator
// gives it in RedHatProductSecurity/cvss issue #10; the rest are the common
// NVD shapes, cross-checked against the metaeffekt universal calculator.
constexpr std::array k_v2_nvd{
    Case{"AV:N/AC:L/Au:N/C:P/I:N/A:N", 5.0}, Case{"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0},
    Case{"AV:N/AC:L/Au:S/C:C/I:C/A:C", 9.0}, Case{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5},
    Case{"AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3}, Case{"AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2},
    Case{"AV:N/AC:M/Au:N/C:C/I:C/A:C", 9.3}, Case{"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0},
};

TEST(CvssV2Test, GuideExamples) {
  for (const auto& c : k_v2_guide)
    expect_base(c.vector, "2.0", c.base);
}

TEST(CvssV2Test, NvdScores) {
  for (const auto& c : k_v2_nvd)
    expect_base(c.vector, "2.0", c.base);
}

TEST(CvssV2Test, ParenthesesAndPrefixAreAccepted) {
  expect_base("(AV:N/AC:L/Au:N/C:P/I:P/A:P)", "2.0", 7.5);
  expect_base("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5);
  expect_base("  AV:N/AC:L/Au:N/C:P/I:P/A:P\n", "2.0", 7.5);
}

TEST(CvssV2Test, TemporalAndEnvironmentalAreValidatedButIgnored) {
  // NVD gives this vector a temporal score of 7.7; the base stays 9.0.
  expect_base("AV:N/AC:L/Au:S/C:C/I:C/A:C/E:U/RL:U/RC:C", "2.0", 9.0);
  expect_base("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:UR/CDP:LM/TD:H/CR:H/IR:ND/AR:L", "2.0",
              7.5);
  EXPECT_NE(error_of("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X").find("unknown value 'X' for metric E"),
            std::string::npos);
  EXPECT_NE(error_of("AV:N/AC:L/Au:N/C:P/I:P/A:P/CDP:Q").find("metric CDP"), std::string::npos);
}

TEST(CvssV2Test, RatingHasNoCritical) {
  EXPECT_EQ(expect_base("AV:N/AC:L/Au:N/C:C/I:C/A:C", "2.0", 10.0), "high");
  EXPECT_EQ(expect_base("AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5), "high");
  EXPECT_EQ(expect_base("AV:L/AC:H/Au:N/C:C/I:C/A:C", "2.0", 6.2), "medium");
  EXPECT_EQ(expect_base("AV:N/AC:M/Au:N/C:N/I:P/A:N", "2.0", 4.3), "medium");
  EXPECT_EQ(expect_base("AV:L/AC:H/Au:M/C:P/I:N/A:N", "2.0", 0.8), "low");
  EXPECT_EQ(expect_base("AV:N/AC:L/Au:N/C:N/I:N/A:N", "2.0", 0.0), "low");
}

// ---------------------------------------------------------------------------
// v3.0 / v3.1
// ---------------------------------------------------------------------------

// FIRST's "CVSS v3.1: Examples" document (the same vulnerabilities and
// base scores as the v3.0 examples).
constexpr std::array k_v31_examples{
    Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1}, // CVE-2013-1937 phpMyAdmin XSS
    Case{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4}, // CVE-2013-0375 MySQL SQLi
    Case{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1}, // CVE-2014-3566 POODLE
    Case{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9}, // CVE-2012-1516 VMware
    Case{"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2}, // CVE-2009-0783 Tomcat
    Case{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8}, // CVE-2012-0384 Cisco IOS
    Case{"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8}, // CVE-2015-1098 iWork
    Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5}, // CVE-2014-0160 Heartbleed
    Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8}, // CVE-2014-6271 Shellshock
    Case{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8}, // CVE-2008-1447 DNS poisoning
    Case{"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8}, // CVE-2014-2005 Sophos
    Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8}, // CVE-2010-0467 Joomla
    Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8}, // CVE-2012-1342 Cisco ASR
    Case{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3}, // CVE-2013-6014 Juniper
    Case{"CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4}, // CVE-2014-9253 DNN XSS
    Case{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8}, // CVE-2011-1265 Bluetooth
    Case{"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6}, // CVE-2014-2019 iOS passcode
    Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8}, // CVE-2015-0970 SearchBlox
    Case{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4}, // CVE-2014-0224 OpenSSL CCS
    Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6}, // CVE-2012-5376 Chrome IPC
    Case{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 6.8}, // CVE-2016-0128 Badlock
    Case{"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2}, // CVE-2016-5729 Lenovo
};

TEST(CvssV3Test, FirstExamples) {
  for (const auto& c : k_v31_examples)
    expect_base(c.vector, "3.1", c.base);
}

TEST(CvssV3Test, V30ExamplesScoreTheSame) {
  for (const auto& c : k_v31_examples) {
    std::string v30(c.vector);
    v30.replace(0, 8, "CVSS:3.0");
    expect_base(v30, "3.0", c.base);
  }
}

TEST(CvssV3Test, ScopeChangeRaisesPrivilegeWeightsAndCapsAtTen) {
  // PR:H weighs 0.27 with scope unchanged and 0.5 with it changed.
  expect_base("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", "3.1", 7.2);
  expect_base("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", "3.1", 9.1);
  // (impact + exploitability) * 1.08 exceeds 10 and is capped.
  expect_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "3.1", 10.0);
  // No impact means no score, whatever the scope.
  expect_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "3.1", 0.0);
  expect_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", "3.1", 0.0);
}

TEST(CvssV3Test, RawScoreJustBelowATenthRoundsUpToIt) {
  // Raw 5.29999597...: Roundup gives 5.3 in both versions.
  expect_base("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N", "3.1", 5.3);
  expect_base("CVSS:3.0/AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N", "3.0", 5.3);
}

TEST(CvssV3Test, RoundUpV31IgnoresFloatingPointNoise) {
  // The v3.1 specification's examples: Roundup(4.02) is 4.1, Roundup(4.00) is 4.0.
  EXPECT_DOUBLE_EQ(round_up_v31(4.02), 4.1);
  EXPECT_DOUBLE_EQ(round_up_v31(4.0), 4.0);
  // 4.000000000000001 is what floating point makes of a sum that is 4.0 on
  // paper; v3.0's plain ceiling would give 4.1 here, v3.1 gives 4.0.
  EXPECT_DOUBLE_EQ(round_up_v31(4.000000000000001), 4.0);
  EXPECT_DOUBLE_EQ(round_up_v31(4.00001), 4.1);
  EXPECT_DOUBLE_EQ(round_up_v31(5.2999959717151235), 5.3);
  EXPECT_DOUBLE_EQ(round_up_v31(9.99999), 10.0);
  EXPECT_DOUBLE_EQ(round_up_v31(0.0), 0.0);
}

TEST(CvssV3Test, V30AndV31AgreeOnEveryBaseVector) {
  // The versions differ only in Roundup, and no base vector's raw score
  // lands where that matters; any difference here is a scoring bug.
  int compared = 0;
  for (const char av : std::string_view("NALP"))
    for (const char ac : std::string_view("LH"))
      for (const char pr : std::string_view("NLH"))
        for (const char ui : std::string_view("NR"))
          for (const char s : std::string_view("UC"))
            for (const char c : std::string_view("HLN"))
              for (const char i : std::string_view("HLN"))
                for (const char a : std::string_view("HLN")) {
                  const std::string body = std::string("/AV:") + av + "/AC:" + ac + "/PR:" + pr +
                                           "/UI:" + ui + "/S:" + s + "/C:" + c + "/I:" + i +
                                           "/A:" + a;
                  const auto v30 = score("CVSS:3.0" + body);
                  const auto v31 = score("CVSS:3.1" + body);
                  ASSERT_TRUE(v30 && v31) << body;
                  EXPECT_DOUBLE_EQ(v30->base, v31->base) << body;
                  EXPECT_GE(v31->base, 0.0);
                  EXPECT_LE(v31->base, 10.0);
                  EXPECT_EQ(v31->rating, rating(v31->base));
                  ++compared;
                }
  EXPECT_EQ(compared, 2592);
}

TEST(CvssV3Test, TemporalAndEnvironmentalAreValidatedButIgnored) {
  expect_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", "3.1", 9.8);
  expect_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:W/RC:R/CR:H/IR:X/AR:L/"
              "MAV:L/MAC:H/MPR:H/MUI:R/MS:C/MC:N/MI:L/MA:H",
              "3.1", 9.8);
  expect_base("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:X/RL:X/RC:X", "3.0", 7.5);
}

TEST(CvssV3Test, MetricsMayComeInAnyOrder) {
  expect_base("CVSS:3.1/A:N/S:C/UI:R/C:L/I:L/AV:N/PR:N/AC:L", "3.1", 6.1);
}

TEST(CvssV3Test, RatingsFollowTheScale) {
  EXPECT_EQ(expect_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.1", 9.8), "critical");
  EXPECT_EQ(expect_base("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "3.1", 8.8), "high");
  EXPECT_EQ(expect_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "3.1", 6.1), "medium");
  EXPECT_EQ(expect_base("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", "3.1", 3.1), "low");
  EXPECT_EQ(expect_base("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "3.1", 0.0), "none");
}

// ---------------------------------------------------------------------------
// v4.0
// ---------------------------------------------------------------------------

// CVSS-B scores from RedHatProductSecurity/cvss, the Python reference
// library maintained with FIRST's calculator: tests/vectors_simple4 and
// tests/test_cvss4.py (the VA:H-only vector, 8.7).
constexpr std::array k_v4_reference{
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L", 9.2},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L", 7.8},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:L/SA:N", 6.9},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H", 7.9},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:N/VA:N/SC:L/SI:N/SA:L", 5.3},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.6},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:N/SC:H/SI:N/SA:N", 8.3},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:H", 6.3},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H", 9.3},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:P/VC:L/VI:L/VA:N/SC:L/SI:N/SA:N", 4.8},
    Case{"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H", 9.5},
    Case{"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N", 2.1},
    Case{"CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N", 2.3},
    Case{"CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:L/VA:L/SC:L/SI:N/SA:N", 1.8},
    Case{"CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:L/SI:H/SA:L", 9.4},
    Case{"CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:L/VI:L/VA:L/SC:H/SI:H/SA:H", 5.2},
    Case{"CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N", 4.0},
    Case{"CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:N", 9.5},
    Case{"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:L/SC:H/SI:N/SA:N", 9.2},
    Case{"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:A/VC:L/VI:L/VA:N/SC:L/SI:N/SA:L", 2.4},
    Case{"CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:P/VC:H/VI:L/VA:N/SC:H/SI:N/SA:L", 6.8},
    Case{"CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:A/VC:L/VI:N/VA:N/SC:N/SI:L/SA:L", 1.0},
    Case{"CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:L/SC:N/SI:H/SA:L", 8.5},
    Case{"CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:N/VI:N/VA:L/SC:H/SI:H/SA:L", 4.7},
    Case{"CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:P/VC:L/VI:H/VA:H/SC:L/SI:H/SA:H", 6.0},
    Case{"CVSS:4.0/AV:P/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:N/SA:L", 5.4},
    Case{"CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:N/VC:H/VI:H/VA:L/SC:H/SI:H/SA:L", 7.1},
    Case{"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:N/VA:H/SC:N/SI:N/SA:N", 4.4},
    Case{"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N", 1.0},
    Case{"CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0},
    Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7},
};

TEST(CvssV4Test, ReferenceImplementationScores) {
  for (const auto& c : k_v4_reference)
    expect_base(c.vector, "4.0", c.base);
}

TEST(CvssV4Test, HighestAndLowest) {
  EXPECT_EQ(
      expect_base("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", "4.0", 10.0),
      "critical");
  // No impact anywhere scores 0 whatever the exploitability.
  EXPECT_EQ(
      expect_base("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", "4.0", 0.0),
      "none");
  // The least severe vector with any impact: macrovector 212201 (1.0). The
  // table goes down to 0.1, but only for E:U, and CVSS-B takes E at its worst.
  EXPECT_EQ(
      expect_base("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L", "4.0", 1.0),
      "low");
}

TEST(CvssV4Test, NvdVectorsWithEveryMetricSpelledOut) {
  // NVD publishes CNA v4.0 vectors with every optional metric as X; 9.3 and
  // 8.5 are their CVSS-B scores (e.g. the 9.3 "critical" of a network RCE).
  expect_base("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3);
  expect_base("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/"
              "AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/"
              "R:X/V:X/RE:X/U:X",
              "4.0", 8.5);
}

TEST(CvssV4Test, ThreatEnvironmentalAndSupplementalDoNotChangeTheBase) {
  // The same vector's CVSS-BTE would be far lower; the base score is not.
  expect_base("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:L/IR:L/"
              "AR:L/MAV:P/MAC:H/MAT:P/MPR:H/MUI:A/MVC:N/MVI:N/MVA:N/MSC:H/MSI:S/MSA:S/S:P/AU:Y/"
              "R:I/V:C/RE:H/U:Amber",
              "4.0", 9.3);
  expect_base("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/AR:L", "4.0", 8.7);
}

TEST(CvssV4Test, MetricsMayComeInAnyOrder) {
  expect_base("CVSS:4.0/SA:L/SI:H/SC:N/VA:L/VI:H/VC:L/UI:N/PR:N/AT:N/AC:L/AV:N", "4.0", 9.2);
}

TEST(CvssV4Test, VectorOutsideEveryMaximumOfItsClass) {
  // AV:N with PR and UI both above None is in EQ1 class 1 but no maximum of
  // that class dominates it; the reference scores it from its last maximum.
  expect_base("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:L/SC:L/SI:L/SA:L", "4.0", 7.0);
}

TEST(CvssV4Test, ExactHalfRoundsUp) {
  // The unrounded score is exactly 8.55; floating point computes 8.5499...
  // and rounded it down to 8.5 until RedHat cvss-v4-calculator issue #66
  // (fixed in pull request #67) and cvss pull request #65.
  expect_base("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H", "4.0", 8.6);
}

// ---------------------------------------------------------------------------
// Malformed vectors
// ---------------------------------------------------------------------------

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

constexpr std::string_view k_v31_body = "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

TEST(CvssErrorTest, Empty) {
  EXPECT_TRUE(contains(error_of(""), "empty cvss vector"));
  EXPECT_TRUE(contains(error_of(" \t\n"), "empty cvss vector"));
}

TEST(CvssErrorTest, UnknownVersionPrefix) {
  EXPECT_TRUE(contains(error_of(std::string("CVSS:3.2/") + std::string(k_v31_body)),
                       "unknown cvss version prefix 'CVSS:3.2'"));
  EXPECT_TRUE(contains(error_of("CVSS:5.0/AV:N"), "unknown cvss version prefix 'CVSS:5.0'"));
  EXPECT_TRUE(contains(error_of("CVSS:/AV:N"), "unknown cvss version prefix"));
  // The prefix is case-sensitive, as every part of a vector string is.
  EXPECT_TRUE(contains(error_of(std::string("cvss:3.1/") + std::string(k_v31_body)),
                       "unknown cvss version prefix 'cvss:3.1'"));
}

TEST(CvssErrorTest, MissingMandatoryMetric) {
  EXPECT_TRUE(contains(error_of("CVSS:3.1"), "missing mandatory metric AV"));
  EXPECT_TRUE(contains(error_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H"),
                       "missing mandatory metric S in a cvss 3.1 vector"));
  EXPECT_TRUE(contains(error_of("CVSS:3.0/AV:P/AC:H/UI:R/S:C/C:H/I:H/A:N/E:H/RL:O/RC:R"),
                       "missing mandatory metric PR"));
  EXPECT_TRUE(contains(error_of("CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
                       "missing mandatory metric AT in a cvss 4.0 vector"));
  EXPECT_TRUE(contains(error_of("AV:N/AC:L/Au:N/C:P/I:P"), "missing mandatory metric A "));
}

TEST(CvssErrorTest, RepeatedMetric) {
  EXPECT_TRUE(contains(error_of("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                       "repeated metric AV"));
  EXPECT_TRUE(contains(error_of(std::string("CVSS:3.1/") + std::string(k_v31_body) + "/E:P/E:U"),
                       "repeated metric E"));
  EXPECT_TRUE(contains(error_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SI:H"),
                       "repeated metric SI"));
  EXPECT_TRUE(contains(error_of("AV:N/AC:L/Au:N/C:P/I:P/A:P/A:P"), "repeated metric A "));
}

TEST(CvssErrorTest, UnknownValue) {
  EXPECT_TRUE(contains(error_of("CVSS:3.1/AV:W/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                       "unknown value 'W' for metric AV"));
  // X ("not defined") exists only for optional metrics.
  EXPECT_TRUE(contains(error_of("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                       "unknown value 'X' for metric AV"));
  // v4.0: S (safety) exists only for MSI/MSA, UI:R was v3's spelling.
  EXPECT_TRUE(contains(error_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:S/SA:N"),
                       "unknown value 'S' for metric SI"));
  EXPECT_TRUE(contains(error_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N"),
                       "unknown value 'R' for metric UI"));
  EXPECT_TRUE(
      contains(error_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/U:Purple"),
               "unknown value 'Purple' for metric U"));
  EXPECT_TRUE(contains(error_of("AV:N/AC:L/Au:N/C:P/I:P/A:H"), "unknown value 'H' for metric A "));
  EXPECT_TRUE(
      contains(error_of("CVSS:3.1/AV:/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), "metric AV has no value"));
}

TEST(CvssErrorTest, UnknownMetric) {
  EXPECT_TRUE(
      contains(error_of("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/JJ:H"),
               "unknown metric 'JJ' in a cvss 4.0 vector"));
  // Metrics of another version are unknown here.
  EXPECT_TRUE(contains(error_of(std::string("CVSS:3.1/") + std::string(k_v31_body) + "/AT:N"),
                       "unknown metric 'AT' in a cvss 3.1 vector"));
  // Metric keys are case-sensitive: v2's Au is not AU.
  EXPECT_TRUE(contains(error_of("AV:N/AC:L/AU:N/C:P/I:P/A:P"), "unknown metric 'AU'"));
  // A v3 vector without its prefix reads as v2 and says what is missing.
  const auto unprefixed = error_of(k_v31_body);
  EXPECT_TRUE(contains(unprefixed, "unknown metric 'PR' in a cvss 2.0 vector"));
  EXPECT_TRUE(contains(unprefixed, "CVSS:3.x/"));
}

TEST(CvssErrorTest, EmptyComponent) {
  EXPECT_TRUE(contains(error_of("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                       "empty component at position 2"));
  EXPECT_TRUE(contains(error_of(std::string("CVSS:3.1/") + std::string(k_v31_body) + "/"),
                       "empty component at position 9"));
  EXPECT_TRUE(contains(error_of("CVSS:3.1/"), "empty component at position 1"));
  EXPECT_TRUE(contains(error_of("/AV:N/AC:L/Au:N/C:P/I:P/A:P"), "empty component at position 1"));
}

TEST(CvssErrorTest, ComponentWithoutColon) {
  EXPECT_TRUE(contains(error_of("CVSS:3.1/AVN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
                       "component 'AVN' is not METRIC:VALUE"));
}

TEST(CvssErrorTest, UnbalancedParentheses) {
  EXPECT_TRUE(contains(error_of("(AV:N/AC:L/Au:N/C:P/I:P/A:P"), "unbalanced parentheses"));
  EXPECT_TRUE(contains(error_of("AV:N/AC:L/Au:N/C:P/I:P/A:P)"), "unbalanced parentheses"));
  EXPECT_TRUE(contains(error_of("("), "unbalanced parentheses"));
}

TEST(CvssErrorTest, EchoedInputIsBoundedAndEscaped) {
  const std::string long_value(10000, 'Q');
  const auto long_error = error_of("CVSS:3.1/AV:" + long_value);
  EXPECT_TRUE(contains(long_error, "unknown value 'QQQQ"));
  EXPECT_LT(long_error.size(), 200U);

  const auto escaped = error_of("CVSS:3.1/AV:\x1b[31mN");
  EXPECT_TRUE(contains(escaped, "unknown value"));
  EXPECT_FALSE(contains(escaped, "\x1b"));
}

// ---------------------------------------------------------------------------
// rating()
// ---------------------------------------------------------------------------

TEST(CvssRatingTest, BoundariesOfTheQualitativeScale) {
  EXPECT_EQ(rating(0.0), "none");
  EXPECT_EQ(rating(0.1), "low");
  EXPECT_EQ(rating(3.9), "low");
  EXPECT_EQ(rating(4.0), "medium");
  EXPECT_EQ(rating(6.9), "medium");
  EXPECT_EQ(rating(7.0), "high");
  EXPECT_EQ(rating(8.9), "high");
  EXPECT_EQ(rating(9.0), "critical");
  EXPECT_EQ(rating(10.0), "critical");
}

} // namespace
