#include <moat/core/check.hpp>
#include <moat/core/finding.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <string_view>

namespace {

using moat::core::CheckInfo;
using moat::core::Finding;
using moat::core::Findings;

// sort_findings orders by file, line, column and id, keeps the order of
// equal findings, and moves every finding exactly once into its place.
TEST(SortFindings, OrdersStablyAndLosesNothing) {
  auto check = [](std::string_view id) {
    CheckInfo c{};
    c.id = id;
    return c;
  };
  static const CheckInfo a = check("DF001");
  static const CheckInfo b = check("DF002");
  std::mt19937 random(42); // NOLINT(cert-msc32-c,cert-msc51-cpp): a fixed, repeatable order
  Findings findings;
  for (int i = 0; i < 2000; ++i) {
    Finding f;
    f.check = (random() % 2 == 0) ? &a : &b;
    f.location.file = (random() % 3 == 0) ? "b/Dockerfile" : "a/Dockerfile";
    f.location.line = static_cast<int>(random() % 50);
    f.location.column = static_cast<int>(random() % 3);
    f.message = std::to_string(i); // tells equal findings apart
    findings.push_back(std::move(f));
  }
  auto expected = findings;
  std::stable_sort(expected.begin(), expected.end(), [](const Finding& x, const Finding& y) {
    return std::tie(x.location.file, x.location.line, x.location.column, x.check->id) <
           std::tie(y.location.file, y.location.line, y.location.column, y.check->id);
  });
  moat::core::sort_findings(findings);
  ASSERT_EQ(findings.size(), expected.size());
  for (std::size_t i = 0; i < findings.size(); ++i) {
    EXPECT_EQ(findings[i].message, expected[i].message) << i;
    EXPECT_EQ(findings[i].check, expected[i].check) << i;
  }

  Findings none;
  moat::core::sort_findings(none);
  EXPECT_TRUE(none.empty());
}

} // namespace
