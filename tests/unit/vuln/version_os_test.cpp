// The dpkg, apk and rpm version schemes against upstream's own vectors
// (../shared/conformance/versions) and a few hand-written cases.

#include <moat/vuln/version.hpp>

#include <testutil.hpp>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Row = std::vector<std::string>;

std::filesystem::path vectors(std::string_view name) {
  return moat::test::shared_dir() / "conformance" / "versions" / name;
}

// Reads a conformance TSV whose header must be exactly COLUMNS; fields of
// columns named "*_json" are JSON string literals and come back decoded.
// A missing or malformed file is a test failure and yields no rows.
std::vector<Row> load_tsv(std::string_view name, const std::vector<std::string>& columns) {
  std::vector<Row> rows;
  auto path = vectors(name);
  if (!std::filesystem::is_regular_file(path)) {
    ADD_FAILURE() << "missing conformance file " << path;
    return rows;
  }
  std::string text = moat::test::read_text(path);
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  auto split = [](const std::string& line) {
    Row fields;
    std::size_t from = 0;
    for (;;) {
      auto tab = line.find('\t', from);
      fields.emplace_back(line.substr(from, tab == std::string::npos ? tab : tab - from));
      if (tab == std::string::npos)
        return fields;
      from = tab + 1;
    }
  };
  if (lines.empty() || split(lines.front()) != columns) {
    ADD_FAILURE() << path << ": unexpected header";
    return rows;
  }
  for (std::size_t n = 1; n < lines.size(); ++n) {
    if (lines[n].empty())
      continue;
    Row fields = split(lines[n]);
    if (fields.size() != columns.size()) {
      ADD_FAILURE() << path << ":" << n + 1 << ": " << fields.size() << " fields";
      continue;
    }
    bool ok = true;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (!columns[c].ends_with("_json"))
        continue;
      auto decoded = nlohmann::json::parse(fields[c], nullptr, false);
      if (!decoded.is_string()) {
        ADD_FAILURE() << path << ":" << n + 1 << ": not a JSON string: " << fields[c];
        ok = false;
        break;
      }
      fields[c] = decoded.get<std::string>();
    }
    if (ok)
      rows.push_back(std::move(fields));
  }
  return rows;
}

int expected_sign(const std::string& symbol) {
  if (symbol == "<")
    return -1;
  if (symbol == ">")
    return 1;
  EXPECT_EQ(symbol, "=") << "unknown expectation";
  return 0;
}

int sign(int v) {
  return (v > 0) - (v < 0);
}

using Compare = moat::vuln::Order (*)(std::string_view, std::string_view);
using PlainCompare = int (*)(std::string_view, std::string_view);

// Every row of an a/b/expected file under COMPARE, both ways round.
std::size_t run_order_file(std::string_view name, Compare compare) {
  auto rows = load_tsv(name, {"a", "b", "expected"});
  for (const auto& row : rows) {
    int want = expected_sign(row[2]);
    auto got = compare(row[0], row[1]);
    if (!got) {
      ADD_FAILURE() << name << ": " << row[0] << " vs " << row[1] << ": " << got.error();
      continue;
    }
    EXPECT_EQ(sign(*got), want) << name << ": " << row[0] << " " << row[2] << " " << row[1];
    auto back = compare(row[1], row[0]);
    EXPECT_TRUE(back && sign(*back) == -want)
        << name << ": reversed " << row[1] << " vs " << row[0];
  }
  return rows.size();
}

std::size_t run_plain_order_file(std::string_view name, PlainCompare compare) {
  auto rows = load_tsv(name, {"a", "b", "expected"});
  for (const auto& row : rows) {
    int want = expected_sign(row[2]);
    EXPECT_EQ(sign(compare(row[0], row[1])), want)
        << name << ": " << row[0] << " " << row[2] << " " << row[1];
    EXPECT_EQ(sign(compare(row[1], row[0])), -want) << name << ": reversed " << row[1];
  }
  return rows.size();
}

} // namespace

namespace dpkg = moat::vuln::dpkg;
namespace apk = moat::vuln::apk;
namespace rpm = moat::vuln::rpm;

// --- conformance ---------------------------------------------------------

TEST(VersionOsConformance, DpkgOrdering) {
  EXPECT_EQ(run_order_file("dpkg.tsv", dpkg::compare), 89u);
}

TEST(VersionOsConformance, DpkgFragment) {
  EXPECT_EQ(run_plain_order_file("dpkg-fragment.tsv", dpkg::compare_fragment), 15u);
}

TEST(VersionOsConformance, DpkgInvalid) {
  auto rows = load_tsv("dpkg-invalid.tsv", {"version_json"});
  EXPECT_EQ(rows.size(), 67u);
  std::size_t warnings = 0;
  std::size_t errors = 0;
  for (const auto& row : rows) {
    auto reason = dpkg::check(row[0]);
    ASSERT_TRUE(reason.has_value()) << "accepted: \"" << row[0] << "\"";
    EXPECT_TRUE(reason->starts_with("invalid dpkg version \"")) << *reason;
    // dpkg only warns about a bad first or later character and still orders
    // the version; every other defect makes the comparison fail.
    bool warning_only = reason->find("must start with a digit") != std::string::npos ||
                        reason->find("invalid character") != std::string::npos;
    auto order = dpkg::compare(row[0], "1.0");
    if (warning_only) {
      ++warnings;
      EXPECT_TRUE(order.has_value()) << row[0];
    } else {
      ++errors;
      ASSERT_FALSE(order.has_value()) << row[0];
      EXPECT_EQ(order.error(), *reason);
    }
  }
  EXPECT_GT(warnings, 0u);
  EXPECT_GT(errors, 0u);
}

TEST(VersionOsConformance, ApkOrdering) {
  EXPECT_EQ(run_order_file("apk.tsv", apk::compare), 717u);
}

TEST(VersionOsConformance, ApkFuzzy) {
  auto rows = load_tsv("apk-fuzzy.tsv", {"a", "op", "b", "holds"});
  EXPECT_EQ(rows.size(), 16u);
  for (const auto& row : rows) {
    ASSERT_TRUE(row[3] == "true" || row[3] == "false") << row[3];
    EXPECT_EQ(apk::fuzzy(row[0], row[1], row[2]), row[3] == "true")
        << row[0] << " " << row[1] << " " << row[2];
  }
}

TEST(VersionOsConformance, ApkValidity) {
  auto rows = load_tsv("apk-validity.tsv", {"version_json", "valid"});
  EXPECT_EQ(rows.size(), 31u);
  std::size_t invalid = 0;
  for (const auto& row : rows) {
    ASSERT_TRUE(row[1] == "true" || row[1] == "false") << row[1];
    auto reason = apk::check(row[0]);
    if (row[1] == "true") {
      EXPECT_EQ(reason, std::nullopt) << row[0];
    } else {
      ++invalid;
      ASSERT_TRUE(reason.has_value()) << "accepted: \"" << row[0] << "\"";
      EXPECT_TRUE(reason->starts_with("invalid apk version \"")) << *reason;
    }
  }
  EXPECT_GT(invalid, 0u);
}

TEST(VersionOsConformance, RpmVercmp) {
  EXPECT_EQ(run_plain_order_file("rpm.tsv", rpm::vercmp), 91u);
}

TEST(VersionOsConformance, RpmOddities) {
  EXPECT_EQ(run_plain_order_file("rpm-oddities.tsv", rpm::vercmp), 12u);
}

TEST(VersionOsConformance, RpmEvr) {
  EXPECT_EQ(run_order_file("rpm-evr.tsv", rpm::compare), 18u);
}

TEST(VersionOsConformance, MissingFileYieldsNoRows) {
  std::size_t rows = 0;
  EXPECT_NONFATAL_FAILURE(rows = run_order_file("no-such-file.tsv", dpkg::compare),
                          "missing conformance file");
  EXPECT_EQ(rows, 0u);
}

// --- dpkg ------------------------------------------------------------------

TEST(VersionOsDpkg, TildeSortsBeforeEverything) {
  EXPECT_EQ(dpkg::compare("1.0~rc1", "1.0"), -1);
  EXPECT_EQ(dpkg::compare("1.0~~", "1.0~"), -1);
  EXPECT_EQ(dpkg::compare("1.0~rc1-1", "1.0-1"), -1);
  EXPECT_EQ(dpkg::compare("1.0+b1", "1.0"), 1);
  EXPECT_EQ(dpkg::compare_fragment("a", "+"), -1); // letters before non-letters
}

TEST(VersionOsDpkg, EpochWinsAndDefaultsToZero) {
  EXPECT_EQ(dpkg::compare("1:0.1", "9.9"), 1);
  EXPECT_EQ(dpkg::compare("0:2.0", "2.0"), 0);
  EXPECT_EQ(dpkg::compare("2.0-0", "2.0"), 0);
  EXPECT_EQ(dpkg::compare(" 1.0 ", "1.0"), 0);         // dpkg trims blanks
  EXPECT_EQ(dpkg::compare("1.0-1-2", "1.0-1-10"), -1); // revision is after the last '-'
}

TEST(VersionOsDpkg, InvalidGivesReason) {
  EXPECT_EQ(dpkg::check("1:"), R"(invalid dpkg version "1:": nothing after the epoch)");
  EXPECT_EQ(dpkg::check(""), R"(invalid dpkg version "": empty version)");
  EXPECT_EQ(dpkg::check("2147483648:1"),
            R"(invalid dpkg version "2147483648:1": epoch is too big (the limit is 2147483647))");
  EXPECT_EQ(dpkg::check("1.0-a_b"),
            R"(invalid dpkg version "1.0-a_b": invalid character '_' in the revision)");
  EXPECT_EQ(
      dpkg::check("1.0\n"),
      R"(invalid dpkg version "1.0\x0a": invalid character byte 0x0a in the upstream version)");
  // Accepted by dpkg 1.21 --validate-version too.
  EXPECT_EQ(dpkg::check("2147483647:1"), std::nullopt);
  EXPECT_EQ(dpkg::check("+1:1.0"), std::nullopt);
  EXPECT_EQ(dpkg::check("1.0-+"), std::nullopt);
  EXPECT_EQ(dpkg::check("1:2:3"), std::nullopt);
  // Ordered like dpkg --compare-versions, which only warns about these.
  EXPECT_EQ(dpkg::compare("0:a-0", "0:b-0"), -1);
  EXPECT_EQ(dpkg::compare("1.0_1", "1.0.1"), 1);
  EXPECT_EQ(dpkg::check("0:a-0"),
            R"(invalid dpkg version "0:a-0": upstream version must start with a digit)");
  auto bad = dpkg::compare("1.0", "-1:1");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), R"(invalid dpkg version "-1:1": negative epoch)");
}

// --- apk -------------------------------------------------------------------

TEST(VersionOsApk, SuffixesAndRevisions) {
  EXPECT_EQ(apk::compare("1.0_alpha1", "1.0_beta1"), -1);
  EXPECT_EQ(apk::compare("1.0_rc9", "1.0"), -1);
  EXPECT_EQ(apk::compare("1.0", "1.0_p1"), -1);
  EXPECT_EQ(apk::compare("1.0_git20240101", "1.0_p1"), -1);
  EXPECT_EQ(apk::compare("1.0-r9", "1.0-r10"), -1);
  EXPECT_EQ(apk::compare("1.0-r1", "1.0.1"), -1);
  EXPECT_EQ(apk::compare("1.0a", "1.0b"), -1);
  EXPECT_EQ(apk::compare("1.02", "1.1"), -1); // leading zero: string order
  // Numbers beyond 64 bits still order numerically.
  EXPECT_EQ(apk::compare("1.99999999999999999999", "1.100000000000000000000"), -1);
}

TEST(VersionOsApk, CommitHash) {
  EXPECT_EQ(apk::compare("1.0~abc", "1.0~abd"), -1);
  EXPECT_EQ(apk::compare("1.0", "1.0~abc"), -1);
  EXPECT_EQ(apk::compare("1.0~abc-r1", "1.0~abc"), 1);
}

TEST(VersionOsApk, InvalidGivesReason) {
  EXPECT_EQ(apk::check("1.0_foo"), R"(invalid apk version "1.0_foo": unknown suffix "_foo")");
  EXPECT_EQ(apk::check("1.0-r"), R"(invalid apk version "1.0-r": revision "-r" has no number)");
  EXPECT_EQ(apk::check("1.0-r1-r2"),
            R"(invalid apk version "1.0-r1-r2": unexpected '-' after the revision)");
  EXPECT_EQ(apk::check("v1.0"), R"(invalid apk version "v1.0": must start with a digit)");
  EXPECT_EQ(
      apk::check("1.0~ABC"),
      R"(invalid apk version "1.0~ABC": '~' must be followed by a lower-case hex commit hash)");
  EXPECT_EQ(apk::check("1.0_p1~abc-r2"), std::nullopt);
  // A comparison that reaches a malformed token is refused.
  auto bad = apk::compare("1.0_foo", "1.0_foo");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), R"(invalid apk version "1.0_foo": unknown suffix "_foo")");
  EXPECT_FALSE(apk::compare("", "1.0").has_value());
}

TEST(VersionOsApk, FuzzyOperators) {
  EXPECT_TRUE(apk::fuzzy("1.2.3", "~", "1.2"));
  EXPECT_FALSE(apk::fuzzy("1.2", "~", "1.2.3"));
  EXPECT_TRUE(apk::fuzzy("1.1.9", "<~", "1.2"));
  EXPECT_TRUE(apk::fuzzy("1.2.9", "<~", "1.2"));
  EXPECT_FALSE(apk::fuzzy("1.3", "<~", "1.2"));
  EXPECT_TRUE(apk::fuzzy("1.2.0", ">~", "1.2"));
  EXPECT_FALSE(apk::fuzzy("1.1", ">~", "1.2"));
  EXPECT_FALSE(apk::fuzzy("1.2", "?", "1.2"));
  EXPECT_FALSE(apk::fuzzy("1.2", "", "1.2"));
  EXPECT_FALSE(apk::fuzzy("1.2_foo", "~", "1.2_foo"));
}

// --- rpm -------------------------------------------------------------------

TEST(VersionOsRpm, TildeAndCaret) {
  EXPECT_EQ(rpm::vercmp("1.0~rc1", "1.0"), -1);
  EXPECT_EQ(rpm::vercmp("1.0", "1.0^post1"), -1);
  EXPECT_EQ(rpm::vercmp("1.0^post1", "1.0.1"), -1);
  EXPECT_EQ(rpm::vercmp("1.0~rc1^post1", "1.0"), -1);
  EXPECT_EQ(rpm::vercmp("1a", "1.a"), 0);   // separators only split segments
  EXPECT_EQ(rpm::vercmp("1.a", "1.1"), -1); // numbers are newer than letters
}

TEST(VersionOsRpm, EpochsAndReleases) {
  EXPECT_EQ(rpm::compare("1:1.0-1", "2.0-1"), 1);
  EXPECT_EQ(rpm::compare("0:1.0-1", "1.0-1"), 0);
  EXPECT_EQ(rpm::compare("007:1.0", "7:1.0"), 0);
  EXPECT_EQ(rpm::compare("1.0-1.el9", "1.0-2.el9"), -1);
  // rpm 4.18's rpm.ver: a missing release sorts before any release.
  EXPECT_EQ(rpm::compare("1.0", "1.0-1"), -1);
  EXPECT_EQ(rpm::compare("1.0-1", "1.0"), 1);
  EXPECT_EQ(rpm::compare("1.0-1-2", "1.0-1-10"), -1); // release after the last '-'
}

TEST(VersionOsRpm, InvalidGivesReason) {
  EXPECT_EQ(rpm::check(""), R"(invalid rpm version "": empty version)");
  EXPECT_EQ(rpm::check("a:1.0"), R"(invalid rpm version "a:1.0": epoch is not a number)");
  EXPECT_EQ(rpm::check(":1.0"), R"(invalid rpm version ":1.0": empty epoch before ':')");
  EXPECT_EQ(rpm::check("1:"), R"(invalid rpm version "1:": empty version part)");
  EXPECT_EQ(rpm::check("1:-1"), R"(invalid rpm version "1:-1": empty version part)");
  EXPECT_EQ(rpm::check("1.0-"), R"(invalid rpm version "1.0-": empty release after '-')");
  EXPECT_EQ(rpm::check("12:1.0-3.fc40"), std::nullopt);
  auto bad = rpm::compare("1.0", "x:1.0");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), R"(invalid rpm version "x:1.0": epoch is not a number)");
}
