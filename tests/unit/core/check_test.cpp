#include <moat/core/check.hpp>

#include <gtest/gtest.h>

#include <array>

using namespace moat::core;

namespace {
constexpr std::array<CheckInfo, 2> k_good{{
    {"AA001", "DL1,DS-0001", Severity::high, "A title", "Why", "Fix", "https://a https://b"},
    {"AA002", "", Severity::low, "Another", "Why", "Fix", ""},
}};
constexpr std::array<CheckInfo, 2> k_bad{{
    {"AA002", "", Severity::low, "Title.", "Why", "Fix", ""},
    {"AA001", "AA001", Severity::low, "", "Why", "Fix", ""},
}};
} // namespace

TEST(Check, AliasesAndReferencesSplit) {
  auto aliases = aliases_of(k_good[0]);
  ASSERT_EQ(aliases.size(), 2U);
  EXPECT_EQ(aliases[1], "DS-0001");
  EXPECT_EQ(references_of(k_good[0]).size(), 2U);
  EXPECT_TRUE(aliases_of(k_good[1]).empty());
}

TEST(Check, MatchesIdOrAliasCaseInsensitively) {
  EXPECT_TRUE(check_matches(k_good[0], "aa001"));
  EXPECT_TRUE(check_matches(k_good[0], "ds-0001"));
  EXPECT_FALSE(check_matches(k_good[0], "DS-0002"));
}

TEST(Check, ValidateTableAcceptsSoundTableAndRejectsBadOne) {
  EXPECT_TRUE(validate_table(k_good).empty());
  auto problems = validate_table(k_bad);
  EXPECT_GE(problems.size(), 3U); // unsorted, empty title, alias repeating id, title period
}

TEST(Check, FindCheckPrefersMoatIdOverAlias) {
  std::array<CheckTable, 1> tables{{{"test", k_good}}};
  EXPECT_EQ(find_check(tables, "DL1"), &k_good[0]);
  EXPECT_EQ(find_check(tables, "aa002"), &k_good[1]);
  EXPECT_EQ(find_check(tables, "nope"), nullptr);
}
