#include <moat/core/policy.hpp>

#include <gtest/gtest.h>

using namespace moat::core;

namespace {
constexpr CheckInfo k_check{"DF009", "DL3008", Severity::low, "Pin", "Why", "Fix", ""};
constexpr CheckInfo k_high{"DF006", "DL3004,DS-0010", Severity::high, "Sudo", "Why", "Fix", ""};

TargetReport sample() {
  TargetReport r;
  r.target = "Dockerfile";
  r.findings.push_back(Finding{&k_check, Severity::low, "m", {"Dockerfile", 1, 1, 0}});
  r.findings.push_back(Finding{&k_high, Severity::high, "m", {"Dockerfile", 2, 1, 0}});
  return r;
}
} // namespace

TEST(Policy, ParseFailOn) {
  EXPECT_EQ(*parse_fail_on("HIGH"), std::optional<Severity>{Severity::high});
  EXPECT_EQ(*parse_fail_on("none"), std::optional<Severity>{});
  auto bad = parse_fail_on("urgent");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ErrorKind::usage);
}

TEST(Policy, IgnoresByAliasAndCountsSuppressed) {
  Policy p;
  p.ignores = {"ds-0010"};
  auto r = sample();
  apply_policy(p, r);
  ASSERT_EQ(r.findings.size(), 1U);
  EXPECT_EQ(r.findings[0].check, &k_check);
  EXPECT_EQ(r.suppressed, 1);
}

TEST(Policy, OverridesChangeSeverityAndMoatIdWins) {
  Policy p;
  p.overrides = {{"DL3008", Severity::critical}, {"DF009", Severity::medium}};
  auto r = sample();
  apply_policy(p, r);
  EXPECT_EQ(r.findings[0].severity, Severity::medium);
}

TEST(Policy, ExitCodeFollowsThreshold) {
  std::vector<TargetReport> reports{sample()};
  Policy p;
  p.fail_on = Severity::critical;
  EXPECT_EQ(exit_code_for(p, reports), 0);
  p.fail_on = Severity::high;
  EXPECT_EQ(exit_code_for(p, reports), 1);
  p.fail_on = std::nullopt;
  EXPECT_EQ(exit_code_for(p, reports), 0);
}
