// Language version schemes: SemVer (strict and node-semver loose), PEP 440,
// Go, Maven and RubyGems. SemVer and PEP 440 are checked against the shared
// upstream vectors; Go, Maven and RubyGems against cases taken from the
// upstream projects' own tests and documentation.

#include <moat/vuln/version.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <testutil.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::vuln {
namespace {

namespace fs = std::filesystem;

using CompareFn = Order (*)(std::string_view, std::string_view);
using CheckFn = Validity (*)(std::string_view);

// One conformance file: its header and rows, with `_json` columns decoded.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos)
      return out;
    start = tab + 1;
  }
}

fs::path versions_dir() {
  return test::shared_dir() / "conformance" / "versions";
}

// Reads NAME; a missing file or a malformed row is a test failure.
Table read_table(const std::string& name) {
  Table table;
  const fs::path path = versions_dir() / name;
  EXPECT_TRUE(fs::is_regular_file(path)) << path;
  const std::string text = test::read_text(path);
  std::size_t start = 0;
  bool first = true;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      continue;
    std::vector<std::string> fields = split_tabs(line);
    if (first) {
      table.header = std::move(fields);
      first = false;
      continue;
    }
    EXPECT_EQ(fields.size(), table.header.size()) << name << ": " << line;
    if (fields.size() != table.header.size())
      continue;
    for (std::size_t i = 0; i < fields.size(); ++i)
      if (table.header[i].ends_with("_json"))
        fields[i] = nlohmann::json::parse(fields[i]).get<std::string>();
    table.rows.push_back(std::move(fields));
  }
  return table;
}

int expected_sign(const std::string& symbol) {
  if (symbol == "<")
    return -1;
  if (symbol == ">")
    return 1;
  EXPECT_EQ(symbol, "=");
  return 0;
}

int sign(int v) {
  return v < 0 ? -1 : (v > 0 ? 1 : 0);
}

// Checks every a/b/expected row both ways round; returns how many rows there were.
std::size_t check_ordering_file(const std::string& name, CompareFn compare) {
  const Table table = read_table(name);
  EXPECT_EQ(table.header.size(), 3U) << name;
  for (const auto& row : table.rows) {
    const int want = expected_sign(row[2]);
    const Order ab = compare(row[0], row[1]);
    const Order ba = compare(row[1], row[0]);
    EXPECT_TRUE(ab.has_value()) << name << ": " << (ab ? "" : ab.error());
    EXPECT_TRUE(ba.has_value()) << name << ": " << (ba ? "" : ba.error());
    if (!ab || !ba)
      continue;
    EXPECT_EQ(sign(*ab), want) << name << ": " << row[0] << " " << row[2] << " " << row[1];
    EXPECT_EQ(sign(*ba), -want) << name << ": reversed " << row[0] << " " << row[2] << " "
                                << row[1];
  }
  return table.rows.size();
}

// Every pair of LIST (sorted ascending) both ways round, and each with itself.
void expect_sorted(const std::vector<std::string>& list, CompareFn compare) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Order self = compare(list[i], list[i]);
    ASSERT_TRUE(self.has_value()) << self.error();
    EXPECT_EQ(*self, 0) << list[i];
    for (std::size_t j = i + 1; j < list.size(); ++j) {
      const Order lo = compare(list[i], list[j]);
      const Order hi = compare(list[j], list[i]);
      ASSERT_TRUE(lo.has_value()) << lo.error();
      ASSERT_TRUE(hi.has_value()) << hi.error();
      EXPECT_LT(*lo, 0) << "expected " << list[i] << " < " << list[j];
      EXPECT_GT(*hi, 0) << "expected " << list[j] << " > " << list[i];
    }
  }
}

void expect_equal(std::string_view a, std::string_view b, CompareFn compare) {
  const Order ab = compare(a, b);
  const Order ba = compare(b, a);
  ASSERT_TRUE(ab.has_value()) << ab.error();
  ASSERT_TRUE(ba.has_value()) << ba.error();
  EXPECT_EQ(*ab, 0) << "expected " << a << " == " << b;
  EXPECT_EQ(*ba, 0) << "expected " << b << " == " << a;
}

void expect_less(std::string_view a, std::string_view b, CompareFn compare) {
  const Order ab = compare(a, b);
  const Order ba = compare(b, a);
  ASSERT_TRUE(ab.has_value()) << ab.error();
  ASSERT_TRUE(ba.has_value()) << ba.error();
  EXPECT_LT(*ab, 0) << "expected " << a << " < " << b;
  EXPECT_GT(*ba, 0) << "expected " << b << " > " << a;
}

// V is refused by CHECK, and by COMPARE on either side, with a message that
// starts with PREFIX followed by the quoted version.
void expect_invalid(std::string_view v, CheckFn check, CompareFn compare, std::string_view valid,
                    std::string_view prefix) {
  const Validity why = check(v);
  ASSERT_TRUE(why.has_value()) << "accepted: \"" << v << "\"";
  EXPECT_TRUE(why->starts_with(prefix)) << *why;
  const Order left = compare(v, valid);
  const Order right = compare(valid, v);
  EXPECT_FALSE(left.has_value()) << v;
  EXPECT_FALSE(right.has_value()) << v;
  if (!left.has_value()) {
    EXPECT_EQ(left.error(), *why);
  }
}

// ---------------------------------------------------------------- SemVer

TEST(SemverConformance, StrictVectors) {
  EXPECT_EQ(check_ordering_file("semver.tsv", semver::compare), 62U);
}

TEST(SemverConformance, LooseVectors) {
  EXPECT_EQ(check_ordering_file("semver-node-loose.tsv", semver::compare_loose), 47U);
}

TEST(SemverConformance, StrictVectorsHoldUnderLooseParsingToo) {
  // node-semver's loose mode accepts everything strict mode does, in the same order.
  EXPECT_EQ(check_ordering_file("semver.tsv", semver::compare_loose), 62U);
}

TEST(SemverStrict, AcceptsSemverOrgExamples) {
  for (std::string_view v : {"0.0.4",
                             "1.2.3",
                             "10.20.30",
                             "1.1.2-prerelease+meta",
                             "1.1.2+meta",
                             "1.1.2+meta-valid",
                             "1.0.0-alpha",
                             "1.0.0-beta",
                             "1.0.0-alpha.beta",
                             "1.0.0-alpha.beta.1",
                             "1.0.0-alpha.1",
                             "1.0.0-alpha0.valid",
                             "1.0.0-alpha.0valid",
                             "1.0.0-rc.1+build.1",
                             "2.0.0-rc.1+build.123",
                             "1.2.3-beta",
                             "10.2.3-DEV-SNAPSHOT",
                             "1.2.3-SNAPSHOT-123",
                             "2.0.0+build.1848",
                             "2.0.1-alpha.1227",
                             "1.0.0-alpha+beta",
                             "1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
                             "1.2.3----R-S.12.9.1--.12+meta",
                             "1.2.3----RC-SNAPSHOT.12.9.1--.12",
                             "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
                             "99999999999999999999999.999999999999999999.99999999999999999",
                             "1.0.0-0A.is.legal"}) {
    EXPECT_EQ(semver::check(v), std::nullopt) << v;
  }
}

TEST(SemverStrict, RejectsSemverOrgCounterExamples) {
  for (std::string_view v : {"",
                             "1",
                             "1.2",
                             "1.2.3-0123",
                             "1.2.3-0123.0123",
                             "1.1.2+.123",
                             "+invalid",
                             "-invalid",
                             "-invalid+invalid",
                             "-invalid.01",
                             "alpha",
                             "alpha.beta",
                             "alpha.beta.1",
                             "alpha.1",
                             "alpha+beta",
                             "alpha_beta",
                             "alpha.",
                             "alpha..",
                             "beta",
                             "1.0.0-alpha_beta",
                             "-alpha.",
                             "1.0.0-alpha..",
                             "1.0.0-alpha..1",
                             "1.0.0-alpha...1",
                             "1.0.0-alpha....1",
                             "1.0.0-alpha.....1",
                             "1.0.0-alpha......1",
                             "1.0.0-alpha.......1",
                             "01.1.1",
                             "1.01.1",
                             "1.1.01",
                             "1.2.3.DEV",
                             "1.2-SNAPSHOT",
                             "1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788",
                             "1.2-RC-SNAPSHOT",
                             "-1.0.3-gamma+b7718",
                             "+justmeta",
                             "9.8.7+meta+meta",
                             "9.8.7-whatever+meta+meta",
                             "v1.2.3",
                             "=1.2.3",
                             " 1.2.3",
                             "1.2.3 ",
                             "1.2.3-",
                             "1.2.3+",
                             "1.2.3beta",
                             "1.2.3-\xc3\xa9"}) {
    expect_invalid(v, semver::check, semver::compare, "1.0.0", "invalid SemVer version \"");
  }
}

TEST(SemverStrict, ExplainsWhy) {
  const Validity why = semver::check("1.2.3-01");
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "invalid SemVer version \"1.2.3-01\": numeric pre-release identifier \"01\" has "
                  "a leading zero");
  const Validity major = semver::check("01.2.3");
  ASSERT_TRUE(major.has_value());
  EXPECT_EQ(*major, "invalid SemVer version \"01.2.3\": major version has a leading zero");
}

TEST(SemverStrict, NumbersOfAnySizeCompareByValue) {
  expect_less("18446744073709551616.0.0", "18446744073709551617.0.0", semver::compare);
  expect_less("9.0.0", "18446744073709551616.0.0", semver::compare);
  expect_less("1.0.0-18446744073709551616", "1.0.0-18446744073709551617", semver::compare);
  expect_less("1.0.0-99999999999999999999", "1.0.0-a", semver::compare);
}

TEST(SemverStrict, PrecedenceFollowsTheSpec) {
  expect_sorted({"1.0.0-0", "1.0.0-0.0", "1.0.0-1", "1.0.0-10", "1.0.0--", "1.0.0-A", "1.0.0-a",
                 "1.0.0-a.0", "1.0.0-a.a", "1.0.0", "1.0.1", "1.1.0", "2.0.0"},
                semver::compare);
  expect_equal("1.0.0+a", "1.0.0+b", semver::compare);
}

TEST(SemverLoose, AcceptsWhatNpmAccepts) {
  expect_equal("1.2.3beta", "1.2.3-beta", semver::compare_loose);
  expect_equal("01.02.03", "1.2.3", semver::compare_loose);
  expect_equal("1.2.3-01", "1.2.3-1", semver::compare_loose);
  expect_equal("=v 1.2.3", "1.2.3", semver::compare_loose);
  expect_equal("\xc2\xa0v1.2.3\xe3\x80\x80", "1.2.3", semver::compare_loose);
  expect_equal("9007199254740991.0.0", "9007199254740991.0.0", semver::compare_loose);
  expect_less("1.2.3-alpha.9", "1.2.3-alpha.10", semver::compare_loose);
  expect_equal("1.2.3v  ", "1.2.3-v", semver::compare_loose);
  // node-semver matches a regular expression, so a patch number that leaves
  // an unparsable rest gives back its last digit to a hyphen-less pre-release.
  expect_equal("1.2.31.2.3", "1.2.3-1.2.3", semver::compare_loose);
  expect_equal("1.2.310", "1.2.310", semver::compare_loose);
  expect_less("1.2.309", "1.2.310", semver::compare_loose);
}

TEST(SemverLoose, RejectsWhatNpmRejects) {
  const std::string too_long = "1.2.3-" + std::string(251, 'a');
  ASSERT_EQ(too_long.size(), 257U);
  EXPECT_EQ(semver::check_loose(std::string("1.2.3-") + std::string(250, 'a')), std::nullopt);
  for (std::string_view v :
       {std::string_view(""), std::string_view("   "), std::string_view("1.2"),
        std::string_view("1.2.3.4"), std::string_view("V1.2.3"), std::string_view("x1.2.3"),
        std::string_view("9007199254740992.0.0"), std::string_view("1.2.3+"),
        std::string_view("1.2.3-a..b"), std::string_view("1.2.3 4"), std::string_view(too_long)}) {
    expect_invalid(v, semver::check_loose, semver::compare_loose, "1.0.0",
                   "invalid npm version \"");
  }
}

// ---------------------------------------------------------------- PEP 440

TEST(Pep440Conformance, OrderingVectors) {
  EXPECT_EQ(check_ordering_file("pep440.tsv", pep440::compare), 8465U);
}

TEST(Pep440Conformance, NormalizeVectors) {
  const Table table = read_table("pep440-normalize.tsv");
  ASSERT_EQ(table.rows.size(), 102U);
  for (const auto& row : table.rows) {
    const auto normal = pep440::normalize(row[0]);
    ASSERT_TRUE(normal.has_value()) << normal.error();
    EXPECT_EQ(*normal, row[1]) << row[0];
    // The normal form is a fixed point and names the same version.
    const auto again = pep440::normalize(row[1]);
    ASSERT_TRUE(again.has_value()) << again.error();
    EXPECT_EQ(*again, row[1]);
    const Order same = pep440::compare(row[0], row[1]);
    ASSERT_TRUE(same.has_value()) << same.error();
    EXPECT_EQ(*same, 0) << row[0];
  }
}

TEST(Pep440Conformance, InvalidVectors) {
  const Table table = read_table("pep440-invalid.tsv");
  ASSERT_EQ(table.rows.size(), 20U);
  for (const auto& row : table.rows) {
    expect_invalid(row[0], pep440::check, pep440::compare, "1.0", "invalid PEP 440 version \"");
    EXPECT_FALSE(pep440::normalize(row[0]).has_value()) << row[0];
  }
}

TEST(Pep440, ErrorsNameTheVersionAndTheReason) {
  const Validity why = pep440::check("french toast");
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "invalid PEP 440 version \"french toast\": expected a release number at offset "
                  "0, found 'f'");
  const Validity local = pep440::check("1.0+");
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(*local, "invalid PEP 440 version \"1.0+\": empty part in the local version label");
  // Control characters are escaped, never printed raw.
  const Validity control = pep440::check("1.0\x1b[2J");
  ASSERT_TRUE(control.has_value());
  EXPECT_EQ(control->find('\x1b'), std::string::npos) << *control;
}

TEST(Pep440, HugeNumbersCompareWithoutOverflow) {
  expect_less("1.0.99999999999999999999999999999", "1.0.100000000000000000000000000000",
              pep440::compare);
  expect_less("1!99999999999999999999", "99999999999999999999!0", pep440::compare);
  expect_equal("1.0.post000000000000000000000000000001", "1.0.post1", pep440::compare);
  expect_less("1.0.dev18446744073709551616", "1.0.dev18446744073709551617", pep440::compare);
  expect_less("1.0+18446744073709551616", "1.0+18446744073709551617", pep440::compare);
  const auto normal =
      pep440::normalize("000000000000000000000000000012.0a000099999999999999999999");
  ASSERT_TRUE(normal.has_value()) << normal.error();
  EXPECT_EQ(*normal, "12.0a99999999999999999999");
}

TEST(Pep440, SpellingsAndImplicitForms) {
  expect_equal("1.0-1", "1.0.post1", pep440::compare);
  expect_equal("1.0preview2", "1.0rc2", pep440::compare);
  expect_equal("1.0pre2", "1.0c2", pep440::compare);
  expect_equal("1.0.0.0", "1", pep440::compare);
  expect_equal("V1.0", "1.0", pep440::compare);
  expect_equal("1.0+ABC", "1.0+abc", pep440::compare);
  expect_equal("1.0+a-b_c", "1.0+a.b.c", pep440::compare);
  expect_sorted({"1.0.dev0", "1.0a0", "1.0a1.post1", "1.0b1", "1.0rc1", "1.0", "1.0+abc",
                 "1.0+abc.5", "1.0+5", "1.0.post1.dev1", "1.0.post1", "1.1"},
                pep440::compare);
  const auto normal = pep440::normalize("1!2.0-RC.3.POST-4.DEV_5+Local_Ver-007");
  ASSERT_TRUE(normal.has_value()) << normal.error();
  EXPECT_EQ(*normal, "1!2.0rc3.post4.dev5+local.ver.7");
}

TEST(Pep440, RejectsNonAsciiAndBrokenInput) {
  for (std::string_view v :
       {std::string_view(""), std::string_view(" "), std::string_view("1.0+\xc4\xb0"),
        std::string_view("1.0+\xe2\x84\xaa"), std::string_view("1.0\xff"), std::string_view("1!"),
        std::string_view("!1.0"), std::string_view("1.0+a..b"), std::string_view("1.0 +a"),
        std::string_view("1.0\0", 4), std::string_view("1.0\xe2\x80\x8b")}) {
    expect_invalid(v, pep440::check, pep440::compare, "1.0", "invalid PEP 440 version \"");
  }
}

// ---------------------------------------------------------------- Go

TEST(GoVersion, ModuleVersionsOrderAsSemver) {
  // Pseudo-versions sort by their timestamp, after the version they follow
  // and before the next release; "+incompatible" does not count.
  expect_sorted({"v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200101000000-0123456789ab",
                 "v0.1.0", "v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-beta", "v1.0.0-rc.1", "v1.0.0",
                 "v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre",
                 "v1.2.4-pre.0.20191109021931-daa7c04131f5", "v1.2.4", "v1.10.0",
                 "v2.0.0+incompatible", "v2.0.1"},
                golang::compare);
}

TEST(GoVersion, EquivalentSpellings) {
  expect_equal("v2.0.0+incompatible", "v2.0.0", golang::compare);
  expect_equal("v1.2.3+meta", "v1.2.3", golang::compare);
  expect_equal("v1", "v1.0.0", golang::compare);
  expect_equal("v1.2", "v1.2.0", golang::compare);
  // OSV's Go data drops the "v".
  expect_equal("1.2.3", "v1.2.3", golang::compare);
  expect_equal("0", "v0.0.0", golang::compare);
}

TEST(GoVersion, ToolchainVersionsOrderAsGoVersionDoes) {
  // internal/gover's compare tests, with the "go" prefix go/version wants.
  const std::vector<std::pair<std::string, std::string>> less = {
      {"go1", "go1.1"},
      {"go1.5", "go1.6"},
      {"go1.5", "go1.10"},
      {"go1.6", "go1.6.1"},
      {"go1.19rc1", "go1.19"},
      {"go1.20rc1", "go1.20"},
      {"go1.21", "go1.21.0"},
      {"go1.21", "go1.21rc1"},
      {"go1.21rc1", "go1.21.0"},
      {"go1.6", "go1.19"},
      {"go1.19", "go1.19.1"},
      {"go1.19rc1", "go1.19.1"},
      {"go1.19rc1", "go1.19rc2"},
      {"go1.19.0", "go1.19.1"},
      {"go1.19rc1", "go1.19.0"},
      {"go1.19alpha3", "go1.19beta2"},
      {"go1.19beta2", "go1.19rc1"},
      {"go1.1", "go1.99999999999999998"},
      {"go1.99999999999999998", "go1.99999999999999999"},
      {"go1.21rc", "go1.21rc1"},
      {"go1.9beta1", "go1.9"}};
  for (const auto& [a, b] : less)
    expect_less(a, b, golang::compare);
  expect_equal("go1.19", "go1.19.0", golang::compare);
  expect_equal("go1.20", "go1.20.0", golang::compare);
  // A vendor suffix names the same toolchain.
  expect_equal("go1.21.0-bigcorp", "go1.21.0", golang::compare);
}

TEST(GoVersion, ToolchainAgainstOsvStdlibVersions) {
  expect_less("go1.19.8", "1.20.0", golang::compare);
  expect_less("1.19.7", "go1.19.8", golang::compare);
  expect_less("go1.20.3", "1.20.4", golang::compare);
  expect_equal("go1.21.0", "1.21.0", golang::compare);
  expect_equal("go1.19", "1.19.0", golang::compare);
  expect_equal("go1", "v1.0.0", golang::compare);
  // Release candidates are written "1.21.0-rc.2" in OSV.
  expect_equal("go1.21rc2", "1.21.0-rc.2", golang::compare);
  expect_less("go1.21rc2", "1.21.0", golang::compare);
  expect_less("1.8.7", "go1.9beta1", golang::compare);
  // The language version go1.21 is below every 1.21 release and candidate:
  // it is the "1.21.0-0" that Go's vulnerability data uses as a lower bound.
  expect_equal("go1.21", "1.21.0-0", golang::compare);
  expect_less("go1.21", "1.21.0-rc.1", golang::compare);
}

TEST(GoVersion, RejectsMalformedVersions) {
  for (std::string_view v : {"",
                             "latest",
                             "V1.2.3",
                             "vx",
                             "v",
                             "v1.02.3",
                             "v01.2.3",
                             "v1.2.03",
                             "v1.2.3-01",
                             "v1.2.3-",
                             "v1.2.3+",
                             "v1.2.3-a..b",
                             "v1.2-pre",
                             "v1.2.3.4",
                             "1.2.3.4",
                             " v1.2.3",
                             "v1.2.3 ",
                             "go",
                             "gox",
                             "go1.",
                             "go1.021",
                             "go1.21.0rc1",
                             "go1.21RC1",
                             "go1.21rc01",
                             "go1.21.0 X:boringcrypto",
                             "go1.21rc1.2",
                             "devel +abc"}) {
    expect_invalid(v, golang::check, golang::compare, "v1.0.0", "invalid Go version \"");
  }
  const Validity why = golang::check("v1.2.3-01");
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "invalid Go version \"v1.2.3-01\": numeric pre-release identifier \"01\" has a "
                  "leading zero");
}

// ---------------------------------------------------------------- Maven

TEST(MavenVersion, QualifierOrder) {
  // maven-artifact's ComparableVersionTest VERSIONS_QUALIFIER.
  expect_sorted({"1-alpha2snapshot",
                 "1-alpha2",
                 "1-alpha-123",
                 "1-beta-2",
                 "1-beta123",
                 "1-m2",
                 "1-m11",
                 "1-rc",
                 "1-cr2",
                 "1-rc123",
                 "1-SNAPSHOT",
                 "1",
                 "1-sp",
                 "1-sp2",
                 "1-sp123",
                 "1-abc",
                 "1-def",
                 "1-pom-1",
                 "1-1-snapshot",
                 "1-1",
                 "1-2",
                 "1-123"},
                maven::compare);
}

TEST(MavenVersion, NumberOrder) {
  // ComparableVersionTest VERSIONS_NUMBER in its 3.8.8+ order (MNG-7644).
  expect_sorted({"2.0",    "2.0.a", "2-1",     "2.0.2", "2.0.123", "2.1.0", "2.1-a",  "2.1b",
                 "2.1-c",  "2.1-1", "2.1.0.1", "2.2",   "2.123",   "11.a2", "11.a11", "11.b2",
                 "11.b11", "11.m2", "11.m11",  "11",    "11.a",    "11b",   "11c",    "11m"},
                maven::compare);
}

TEST(MavenVersion, Equalities) {
  const std::vector<std::pair<std::string, std::string>> equal = {
      {"1", "1"},
      {"1", "1.0"},
      {"1", "1.0.0"},
      {"1.0", "1.0.0"},
      {"1", "1-0"},
      {"1", "1.0-0"},
      {"1.0", "1.0-0"},
      {"1a", "1-a"},
      {"1a", "1.0-a"},
      {"1a", "1.0.0-a"},
      {"1.0a", "1.0.a"},
      {"1.0.0a", "1.0.0.a"},
      {"1x", "1.x"},
      {"1x", "1-x"},
      {"1x", "1.0-x"},
      {"1x", "1.0.0-x"},
      {"1.0x", "1.0.x"},
      {"1.0.0x", "1.0.0.x"},
      {"1ga", "1"},
      {"1release", "1"},
      {"1final", "1"},
      {"1cr", "1rc"},
      {"1a1", "1-alpha-1"},
      {"1b2", "1-beta-2"},
      {"1m3", "1-milestone-3"},
      {"1X", "1x"},
      {"1A", "1a"},
      {"1B", "1b"},
      {"1M", "1m"},
      {"1Ga", "1"},
      {"1GA", "1"},
      {"1Final", "1"},
      {"1FinaL", "1"},
      {"1FINAL", "1"},
      {"1Cr", "1Rc"},
      {"1cR", "1rC"},
      {"1m3", "1Milestone3"},
      {"1m3", "1MileStone3"},
      {"1m3", "1MILESTONE3"},
      {"1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ"}};
  for (const auto& [a, b] : equal)
    expect_equal(a, b, maven::compare);
}

TEST(MavenVersion, Comparisons) {
  const std::vector<std::pair<std::string, std::string>> less = {
      {"1", "2"},
      {"1.5", "2"},
      {"1", "2.5"},
      {"1.0", "1.1"},
      {"1.1", "1.2"},
      {"1.0.0", "1.1"},
      {"1.0.1", "1.1"},
      {"1.1", "1.2.0"},
      {"1.0-alpha-1", "1.0"},
      {"1.0-alpha-1", "1.0-alpha-2"},
      {"1.0-alpha-1", "1.0-beta-1"},
      {"1.0-beta-1", "1.0-SNAPSHOT"},
      {"1.0-SNAPSHOT", "1.0"},
      {"1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"},
      {"1.0", "1.0-1"},
      {"1.0-1", "1.0-2"},
      {"1.0.0", "1.0-1"},
      {"2.0-1", "2.0.1"},
      {"2.0.1-klm", "2.0.1-lmn"},
      {"2.0.1", "2.0.1-xyz"},
      {"2.0.1", "2.0.1-123"},
      {"2.0.1-xyz", "2.0.1-123"},
      // MNG-5568: the order stays transitive.
      {"6.1.0rc3", "6.1.0"},
      {"6.1.0rc3", "6.1H.5-beta"},
      {"6.1.0", "6.1H.5-beta"},
      // MNG-6964: a list against nothing looks past its first item.
      {"1-0.alpha", "1"},
      {"1-0.beta", "1"},
      {"1-0.alpha", "1-0.beta"},
      // Leading zeros are ignored.
      {"0.7", "2"},
      {"0.2", "1.0.7"}};
  for (const auto& [a, b] : less)
    expect_less(a, b, maven::compare);
  // MNG-6572: numbers beyond int and long.
  expect_sorted({"20190126.230843", "1234567890.12345", "123456789012345.1H.5-beta",
                 "12345678901234567890.1H.5-beta"},
                maven::compare);
}

TEST(MavenVersion, QualifierAfterDotOrHyphen) {
  // MNG-7644: 1.0.0.X1 < 1.0.0-X2, and 2.0.X == 2-X == 2.0.0.X, for any X.
  for (std::string x : {"abc", "alpha", "a", "beta", "b", "def", "milestone", "m", "RC"}) {
    expect_less("1.0.0." + x + "1", "1.0.0-" + x + "2", maven::compare);
    expect_equal("2-" + x, "2.0." + x, maven::compare);
    expect_equal("2-" + x, "2.0.0." + x, maven::compare);
    expect_equal("2.0." + x, "2.0.0." + x, maven::compare);
  }
}

TEST(MavenVersion, LeadingZeros) {
  for (std::string_view one :
       {"0000000000000000001", "000000000000000001", "00000000000000001", "0000000000000001",
        "000000000000001", "00000000000001", "0000000000001", "000000000001", "00000000001",
        "0000000001", "000000001", "00000001", "0000001", "000001", "00001", "0001", "001", "01"})
    expect_equal(one, "1", maven::compare);
  for (std::string_view zero : {"0000000000000000000", "0000000000", "000000000", "00", "0"})
    expect_equal(zero, "0", maven::compare);
  // Java picks int, long or BigInteger by the length of the digits, and an
  // all-zero run keeps its length: ten zeros are a long, above the int 5.
  expect_less("5.1", "0000000000.1", maven::compare);
}

TEST(MavenVersion, DeepNestingIsNotRecursive) {
  std::string deep = "1";
  for (int i = 0; i < 50000; ++i)
    deep += "-1";
  expect_equal(deep, deep, maven::compare);
  expect_less("1", deep, maven::compare);
  expect_less(deep, "2", maven::compare);
}

TEST(MavenVersion, RejectsEmptyAndWhitespace) {
  for (std::string_view v :
       {std::string_view(""), std::string_view(" 1.0"), std::string_view("1.0 "),
        std::string_view("1 0"), std::string_view("1.0\t"), std::string_view("1.0\n"),
        std::string_view("1.0\x7f"), std::string_view("1.0\xc2\xa0"),
        std::string_view("1.0\xc2\x85"), std::string_view("1\0", 2)}) {
    expect_invalid(v, maven::check, maven::compare, "1.0", "invalid Maven version \"");
  }
}

// ---------------------------------------------------------------- RubyGems

TEST(GemVersion, DocumentedOrder) {
  // Gem::Version's documentation: prereleases sort between real releases.
  expect_sorted({"0.9", "1.0.a.2", "1.0.a10", "1.0.b1", "1.0.b.2", "1.0.b10", "1.0", "1.0.1"},
                gem::compare);
}

TEST(GemVersion, SpaceshipCases) {
  // test_gem_version.rb's <=> cases.
  expect_equal("1.0", "1.0.0", gem::compare);
  expect_less("1.0.a", "1.0", gem::compare);
  expect_less("0.0.0", "1.8.2", gem::compare);
  expect_less("1.8.2.a", "1.8.2", gem::compare);
  expect_less("1.8.2.a", "1.8.2.b", gem::compare);
  expect_less("1.8.2.a9", "1.8.2.a10", gem::compare);
  expect_equal("", "0", gem::compare);
  expect_equal("0.beta.1", "0.0.beta.1", gem::compare);
  expect_less("0.0.beta", "0.0.beta.1", gem::compare);
  expect_less("0.0.beta", "0.beta.1", gem::compare);
  expect_less("5.a", "5.0.0.rc2", gem::compare);
  expect_less("5.0.0.rc2", "5.x", gem::compare);
  expect_equal("1.0.0.a.0", "1.a", gem::compare);
}

TEST(GemVersion, HyphenMeansPre) {
  expect_equal("1.0.0-rc1", "1.0.0.pre.rc1", gem::compare);
  expect_less("1.0-1", "1.0", gem::compare);
  expect_less("1.0", "1.0.1-1", gem::compare);
}

TEST(GemVersion, BlanksCaseAndBigNumbers) {
  expect_equal(" 1.0\t\n", "1.0", gem::compare);
  expect_equal("   ", "0", gem::compare);
  // Strings compare byte by byte, so upper case sorts first.
  expect_less("1.0.A", "1.0.a", gem::compare);
  expect_less("1.99999999999999999999", "1.100000000000000000000", gem::compare);
  expect_equal("1.0001", "1.1", gem::compare);
}

TEST(GemVersion, RejectsWhatGemVersionRejects) {
  for (std::string_view v :
       {"junk", "1.0\n2.0", "1..2", "1.2 3.4", "1a", "a1", "x", ".1", "1.", "-1", "1.0-",
        "1.0-a..b", "1.0_1", "1.0+build", "1.0.\xc3\xa9", "1.0\v-"}) {
    expect_invalid(v, gem::check, gem::compare, "1.0", "invalid RubyGems version \"");
  }
  const Validity why = gem::check("junk");
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(*why, "invalid RubyGems version \"junk\": expected a digit at offset 0, found 'j'");
  EXPECT_EQ(gem::check("1.x"), std::nullopt);
  EXPECT_EQ(gem::check("1.0-beta-2.x"), std::nullopt);
}

} // namespace
} // namespace moat::vuln
