// Matching: OSV range semantics, distribution matching by source package
// and release, merging the records of one vulnerability, fix states,
// severity, and suppression by ignore rules and VEX.
#include <moat/vuln/match.hpp>

#include <moat/core/policy.hpp>

#include "testutil.hpp"

#include <gtest/gtest.h>

namespace moat::vuln {
namespace {

Event ev(Event::Kind kind, std::string v) {
  return Event{kind, std::move(v)};
}
constexpr auto k_in = Event::Kind::introduced;
constexpr auto k_fix = Event::Kind::fixed;
constexpr auto k_last = Event::Kind::last_affected;
constexpr auto k_limit = Event::Kind::limit;

Affected affected(std::string eco, std::string name, std::vector<Event> events,
                  Range::Type type = Range::Type::ecosystem) {
  Affected a;
  a.ecosystem = std::move(eco);
  a.name = std::move(name);
  a.ranges.push_back(Range{type, std::move(events)});
  return a;
}

TEST(VulnEvaluate, IntroducedAndFixed) {
  const auto a = affected("PyPI", "x", {ev(k_in, "1.0"), ev(k_fix, "1.5")});
  EXPECT_FALSE(evaluate(a, "PyPI", "0.9").affected);
  EXPECT_TRUE(evaluate(a, "PyPI", "1.0").affected);
  const auto v = evaluate(a, "PyPI", "1.4.post1");
  EXPECT_TRUE(v.affected);
  EXPECT_EQ(v.fixed_version, "1.5");
  EXPECT_FALSE(evaluate(a, "PyPI", "1.5").affected);
  EXPECT_FALSE(evaluate(a, "PyPI", "1.5.0").affected); // PEP 440: 1.5 == 1.5.0
  EXPECT_TRUE(evaluate(a, "PyPI", "1.5rc1").affected); // pre-releases sort before
}

TEST(VulnEvaluate, SeveralIntervalsInOneRangeInAnyOrder) {
  // Events listed out of order: OSV says they are sorted before evaluation.
  const auto a = affected("PyPI", "x",
                          {ev(k_fix, "2.0.3"), ev(k_in, "0"), ev(k_fix, "1.2.9"), ev(k_in, "2.0")});
  EXPECT_TRUE(evaluate(a, "PyPI", "1.0").affected);
  EXPECT_EQ(evaluate(a, "PyPI", "1.0").fixed_version, "1.2.9");
  EXPECT_FALSE(evaluate(a, "PyPI", "1.3").affected);
  EXPECT_TRUE(evaluate(a, "PyPI", "2.0.1").affected);
  EXPECT_EQ(evaluate(a, "PyPI", "2.0.1").fixed_version, "2.0.3");
  EXPECT_FALSE(evaluate(a, "PyPI", "2.0.3").affected);
}

TEST(VulnEvaluate, OverlappingRangesNeedEveryFix) {
  // Two ranges of one package: the version is fixed only where both are.
  auto a = affected("PyPI", "x", {ev(k_in, "0"), ev(k_fix, "1.5")});
  a.ranges.push_back(Range{Range::Type::ecosystem, {ev(k_in, "1.0"), ev(k_fix, "2.0")}});
  EXPECT_EQ(evaluate(a, "PyPI", "1.2").fixed_version, "2.0");
  EXPECT_EQ(evaluate(a, "PyPI", "0.5").fixed_version, "1.5");
  EXPECT_FALSE(evaluate(a, "PyPI", "2.0").affected);
  // One of them has no fix: neither does the version.
  auto b = affected("PyPI", "x", {ev(k_in, "0"), ev(k_last, "3.0")});
  b.ranges.push_back(Range{Range::Type::ecosystem, {ev(k_in, "1.0"), ev(k_fix, "2.0")}});
  EXPECT_TRUE(evaluate(b, "PyPI", "1.2").affected);
  EXPECT_TRUE(evaluate(b, "PyPI", "1.2").fixed_version.empty());
  // An explicit version list beside a range keeps the range's fix.
  auto c = affected("PyPI", "x", {ev(k_in, "1.0"), ev(k_fix, "2.0")});
  c.versions = {"1.0", "1.2"};
  EXPECT_EQ(evaluate(c, "PyPI", "1.2").fixed_version, "2.0");
}

TEST(VulnEvaluate, LastAffectedAndLimit) {
  const auto last = affected("PyPI", "x", {ev(k_in, "0"), ev(k_last, "3.1")});
  EXPECT_TRUE(evaluate(last, "PyPI", "3.1").affected);
  EXPECT_TRUE(evaluate(last, "PyPI", "3.1").fixed_version.empty());
  EXPECT_FALSE(evaluate(last, "PyPI", "3.1.1").affected);
  const auto limited = affected("PyPI", "x", {ev(k_in, "1.0"), ev(k_limit, "2.0")});
  EXPECT_TRUE(evaluate(limited, "PyPI", "1.9").affected);
  EXPECT_FALSE(evaluate(limited, "PyPI", "2.0").affected);
  EXPECT_FALSE(evaluate(limited, "PyPI", "0.5").affected);
}

TEST(VulnEvaluate, ExplicitVersionsAndNotAffected) {
  Affected a;
  a.ecosystem = "PyPI";
  a.versions = {"1.0", "1.1"};
  EXPECT_TRUE(evaluate(a, "PyPI", "1.1").affected);
  EXPECT_TRUE(evaluate(a, "PyPI", "1.1.0").affected); // equal under PEP 440
  EXPECT_FALSE(evaluate(a, "PyPI", "1.2").affected);
  auto none = affected("Debian:12", "x", {ev(k_in, "0")});
  none.state = FixState::not_affected;
  EXPECT_FALSE(evaluate(none, "Debian:12", "1.0-1").affected);
}

TEST(VulnEvaluate, SemverRangesForGoCompareModuleVersions) {
  const auto a =
      affected("Go", "golang.org/x/net", {ev(k_in, "0"), ev(k_fix, "0.17.0")}, Range::Type::semver);
  EXPECT_TRUE(evaluate(a, "Go", "v0.16.0").affected);
  EXPECT_TRUE(evaluate(a, "Go", "v0.0.0-20220722155237-a158d28d115b").affected);
  EXPECT_FALSE(evaluate(a, "Go", "v0.17.0").affected);
}

TEST(VulnEvaluate, DpkgOrderingWithBackports) {
  const auto a = affected("Debian:12", "openssl", {ev(k_in, "0"), ev(k_fix, "3.0.11-1~deb12u2")});
  EXPECT_TRUE(evaluate(a, "Debian:12", "3.0.11-1~deb12u1").affected);
  EXPECT_FALSE(evaluate(a, "Debian:12", "3.0.11-1~deb12u2").affected);
  EXPECT_FALSE(evaluate(a, "Debian:12", "3.0.13-1~deb12u1").affected);
}

TEST(VulnEvaluate, UncomparableRangesAreSkippedAndCounted) {
  const auto a = affected("PyPI", "x", {ev(k_in, "0"), ev(k_fix, "not a version")});
  int skipped = 0;
  EXPECT_FALSE(evaluate(a, "PyPI", "1.0", &skipped).affected);
  EXPECT_EQ(skipped, 1);
}

TEST(VulnDistro, EcosystemOfRelease) {
  EXPECT_EQ(distro_ecosystem({"debian", "12"}), "Debian:12");
  EXPECT_EQ(distro_ecosystem({"ubuntu", "22.04"}), "Ubuntu:22.04");
  EXPECT_EQ(distro_ecosystem({"alpine", "3.18.4"}), "Alpine:v3.18");
  EXPECT_EQ(distro_ecosystem({"debian", ""}), "");
  EXPECT_EQ(distro_ecosystem({"fedora", "39"}), "");
}

struct MatchFixture : ::testing::Test {
  test::TempDir dir;
  std::optional<Database> db;
  std::vector<core::Package> packages;

  void SetUp() override {
    auto opened = Database::open(dir.path() / "vuln.db", true);
    ASSERT_TRUE(opened) << opened.error().to_string();
    db = std::move(*opened);
    ASSERT_TRUE(db->begin());
  }

  void put(const Advisory& a, const std::string& feed) {
    ImportCounts counts;
    ASSERT_TRUE(db->put(a, feed, "test", counts));
  }

  core::Package& deb(std::string name, std::string version, std::string source = {},
                     std::string source_version = {}) {
    core::Package p;
    p.name = std::move(name);
    p.version = std::move(version);
    p.type = "deb";
    p.ecosystem = "Debian";
    p.source_name = std::move(source);
    p.source_version = std::move(source_version);
    p.purl = "pkg:deb/debian/" + p.name + "@" + p.version + "?arch=amd64&distro=debian-12";
    p.found_at = "/var/lib/dpkg/status";
    p.layer = 0;
    p.layer_digest = "sha256:aa";
    packages.push_back(p);
    return packages.back();
  }

  core::Package& pypi(std::string name, std::string version) {
    core::Package p;
    p.name = std::move(name);
    p.version = std::move(version);
    p.type = "pypi";
    p.ecosystem = "PyPI";
    p.purl = "pkg:pypi/" + name_key("PyPI", p.name) + "@" + p.version;
    p.found_at = "/usr/lib/python3/dist-packages/" + p.name + ".dist-info/METADATA";
    packages.push_back(p);
    return packages.back();
  }
};

Advisory tracker_record(std::string id, std::string source, std::string release,
                        std::vector<Event> events, FixState state, std::string urgency) {
  Advisory a;
  a.id = std::move(id);
  Affected f;
  f.ecosystem = "Debian:" + release;
  f.name = std::move(source);
  f.state = state;
  f.severity = std::move(urgency);
  f.ranges.push_back(Range{Range::Type::ecosystem, std::move(events)});
  a.affected.push_back(std::move(f));
  return a;
}

TEST_F(MatchFixture, OsPackagesMatchBySourcePackageInTheirRelease) {
  put(tracker_record("CVE-2024-1", "openssl", "12", {ev(k_in, "0"), ev(k_fix, "3.0.13-1~deb12u1")},
                     FixState::fixed, "high"),
      "debian");
  // The same CVE for bullseye must not leak into a bookworm scan.
  put(tracker_record("CVE-2024-2", "openssl", "11", {ev(k_in, "0")}, FixState::affected, "low"),
      "debian");
  deb("libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2");
  deb("openssl", "3.0.13-1~deb12u1"); // already fixed
  auto result = match_packages(*db, packages, Distro{"debian", "12"});
  ASSERT_TRUE(result) << result.error().to_string();
  ASSERT_EQ(result->matches.size(), 1U);
  const auto& m = result->matches[0];
  EXPECT_EQ(m.package, 0U);
  EXPECT_EQ(m.advisory.id, "CVE-2024-1");
  EXPECT_EQ(m.fixed_version, "3.0.13-1~deb12u1");
  EXPECT_EQ(m.state, FixState::fixed);
  EXPECT_EQ(m.ecosystem, "Debian:12");

  // Without a release, OS packages are not guessed at.
  auto unknown = match_packages(*db, packages, Distro{});
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->matches.empty());
  ASSERT_FALSE(unknown->notes.empty());
  EXPECT_NE(unknown->notes[0].find("operating system is unknown"), std::string::npos);
}

TEST_F(MatchFixture, DistributionFixStatesCarryThrough) {
  put(tracker_record("CVE-2024-3", "zlib", "12", {ev(k_in, "0")}, FixState::will_not_fix,
                     "unimportant"),
      "debian");
  put(tracker_record("CVE-2024-4", "zlib", "12", {ev(k_in, "0")}, FixState::deferred, "low"),
      "debian");
  put(tracker_record("CVE-2024-5", "zlib", "12", {}, FixState::not_affected, "low"), "debian");
  deb("zlib1g", "1:1.2.13.dfsg-1", "zlib");
  auto result = match_packages(*db, packages, Distro{"debian", "12"});
  ASSERT_TRUE(result);
  ASSERT_EQ(result->matches.size(), 2U);
  EXPECT_EQ(result->matches[0].state, FixState::will_not_fix);
  EXPECT_EQ(result->matches[1].state, FixState::deferred);

  core::TargetReport report;
  FindingOptions options;
  options.file = "img.tar";
  add_findings(*result, packages, options, report);
  ASSERT_EQ(report.findings.size(), 2U);
  const auto& v = *report.findings[0].vulnerability;
  EXPECT_EQ(v.severity, "negligible"); // Debian "unimportant"
  EXPECT_EQ(report.findings[0].severity, core::Severity::info);
  EXPECT_EQ(v.state, "will_not_fix");
  EXPECT_NE(report.findings[0].message.find("will not be fixed"), std::string::npos);
  EXPECT_EQ(report.findings[0].check->id, "CVE-2024-3");
  EXPECT_EQ(report.findings[0].location.layer_digest, "sha256:aa");

  // --ignore-unfixed drops both: neither has a fixed version.
  core::TargetReport unfixed;
  options.ignore_unfixed = true;
  add_findings(*result, packages, options, unfixed);
  EXPECT_TRUE(unfixed.findings.empty());
}

TEST_F(MatchFixture, OneFindingPerVulnerabilityAcrossFeeds) {
  put(tracker_record("CVE-2024-6", "curl", "12", {ev(k_in, "0"), ev(k_fix, "7.88.1-10+deb12u5")},
                     FixState::fixed, "medium"),
      "debian");
  Advisory dsa;
  dsa.id = "DSA-5555-1";
  dsa.aliases = {"CVE-2024-6"};
  Affected f;
  f.ecosystem = "Debian:12";
  f.name = "curl";
  f.ranges.push_back(
      Range{Range::Type::ecosystem, {ev(k_in, "0"), ev(k_fix, "7.88.1-10+deb12u5")}});
  dsa.affected.push_back(f);
  put(dsa, "osv");
  deb("curl", "7.88.1-10+deb12u4");
  auto result = match_packages(*db, packages, Distro{"debian", "12"});
  ASSERT_TRUE(result);
  ASSERT_EQ(result->matches.size(), 1U);
  EXPECT_EQ(result->matches[0].feed, "debian");
}

Advisory pypi_record(std::string id, std::vector<std::string> aliases, std::string package,
                     std::string fixed) {
  Advisory a;
  a.id = std::move(id);
  a.aliases = std::move(aliases);
  a.affected.push_back(
      affected("PyPI", std::move(package), {ev(k_in, "0"), ev(k_fix, std::move(fixed))}));
  return a;
}

std::vector<std::string> ids_of(const std::vector<Match>& matches) {
  std::vector<std::string> out;
  for (const auto& m : matches)
    out.push_back(m.advisory.id);
  return out;
}

TEST_F(MatchFixture, RecordsSharingACveAreOneFindingThatNamesThemAll) {
  // The tracker's CVE record and a DSA that names the CVE: one finding, the
  // distribution's record first, the DSA among its aliases.
  put(tracker_record("CVE-2024-6", "curl", "12", {ev(k_in, "0"), ev(k_fix, "7.88.1-10+deb12u5")},
                     FixState::fixed, "medium"),
      "debian");
  Advisory dsa;
  dsa.id = "DSA-5555-1";
  dsa.aliases = {"CVE-2024-6", "CVE-2024-6"};
  dsa.references = {"https://www.debian.org/security/2024/dsa-5555"};
  Affected f;
  f.ecosystem = "Debian:12";
  f.name = "curl";
  f.ranges.push_back(
      Range{Range::Type::ecosystem, {ev(k_in, "0"), ev(k_fix, "7.88.1-10+deb12u5")}});
  dsa.affected.push_back(f);
  put(dsa, "osv");
  deb("curl", "7.88.1-10+deb12u4");
  auto result = match_packages(*db, packages, Distro{"debian", "12"});
  ASSERT_TRUE(result);
  ASSERT_EQ(result->matches.size(), 1U);
  const auto& m = result->matches[0];
  EXPECT_EQ(m.advisory.id, "CVE-2024-6");
  ASSERT_EQ(m.merged.size(), 1U);
  EXPECT_EQ(m.merged[0].advisory.id, "DSA-5555-1");
  EXPECT_TRUE(m.related.empty());

  core::TargetReport report;
  FindingOptions options;
  add_findings(*result, packages, options, report);
  ASSERT_EQ(report.findings.size(), 1U);
  const auto& v = *report.findings[0].vulnerability;
  // Neither the finding's own id nor a repeated alias is listed again.
  EXPECT_EQ(v.aliases, (std::vector<std::string>{"DSA-5555-1"}));
  EXPECT_EQ(report.findings[0].check->aliases, "DSA-5555-1");
  EXPECT_NE(std::find(v.links.begin(), v.links.end(), "https://osv.dev/vulnerability/DSA-5555-1"),
            v.links.end());
  EXPECT_NE(
      std::find(v.links.begin(), v.links.end(), "https://www.debian.org/security/2024/dsa-5555"),
      v.links.end());

  // --ignore, .moatignore and VEX take the merged record's id: another id
  // keeps the finding, the DSA's drops it.
  for (const std::string id : {"DSA-5555-2", "DSA-5555-1"}) {
    const bool drops = id == "DSA-5555-1";
    core::Policy policy;
    policy.ignores = {id};
    core::TargetReport ignored;
    add_findings(*result, packages, options, ignored);
    core::apply_policy(policy, ignored);
    EXPECT_EQ(ignored.findings.size(), drops ? 0U : 1U) << id;

    FindingOptions with_file = options;
    IgnoreRule rule;
    rule.id = id;
    rule.line = 1;
    with_file.ignores = {rule};
    with_file.ignore_file = ".moatignore";
    core::TargetReport by_file;
    add_findings(*result, packages, with_file, by_file);
    EXPECT_EQ(by_file.findings.size(), drops ? 0U : 1U) << id;

    FindingOptions with_vex = options;
    VexStatement s;
    s.vulnerability = id;
    s.products = {packages[0].purl};
    s.status = "not_affected";
    with_vex.vex = {{"curl.vex.json", {s}}};
    core::TargetReport by_vex;
    add_findings(*result, packages, with_vex, by_vex);
    EXPECT_EQ(by_vex.findings.size(), drops ? 0U : 1U) << id;
  }
}

TEST_F(MatchFixture, ADuplicateRecordIsNamedAmongTheAliases) {
  // Two PYSEC records for one CVE (pypa's PYSEC-2021-871 and -872 are such
  // a pair): one finding, the first id kept, the second named.
  put(pypi_record("PYSEC-2021-871", {"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr"}, "distributed",
                  "2021.10.0"),
      "osv");
  auto second = pypi_record("PYSEC-2021-872",
                            {"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr", "GHSA-j8fq-86c5-5v2r"},
                            "distributed", "2021.10.0");
  second.severity = {{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
  put(second, "osv");
  pypi("distributed", "2021.9.1");
  auto result = match_packages(*db, packages, Distro{});
  ASSERT_TRUE(result);
  ASSERT_EQ(ids_of(result->matches), (std::vector<std::string>{"PYSEC-2021-871"}));
  core::TargetReport report;
  add_findings(*result, packages, FindingOptions{}, report);
  ASSERT_EQ(report.findings.size(), 1U);
  const auto& v = *report.findings[0].vulnerability;
  EXPECT_EQ(v.aliases, (std::vector<std::string>{"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr",
                                                 "PYSEC-2021-872", "GHSA-j8fq-86c5-5v2r"}));
  EXPECT_TRUE(v.related.empty());
  // The kept record has no rating; the merged one's CVSS vector rates the finding.
  EXPECT_EQ(v.severity, "critical");
  EXPECT_DOUBLE_EQ(v.score, 9.8);
}

TEST_F(MatchFixture, RecordsSharingOnlyAGhsaIdStayApartAndRelated) {
  // pypa's PYSEC-2021-88 (CVE-2021-32633) and PYSEC-2021-104 (CVE-2021-32674)
  // both list GHSA-5pr9-v234-jw36: two vulnerabilities, each naming the other.
  put(pypi_record("PYSEC-2021-88", {"CVE-2021-32633", "GHSA-5pr9-v234-jw36"}, "zope", "4.6"),
      "osv");
  put(pypi_record("PYSEC-2021-104", {"CVE-2021-32674", "GHSA-5pr9-v234-jw36"}, "zope", "4.6.1"),
      "osv");
  // A record naming another's GHSA id as an alias is not made one with it either.
  put(pypi_record("GHSA-aaaa-bbbb-cccc", {}, "zope", "4.7"), "osv");
  put(pypi_record("PYSEC-2022-1", {"GHSA-aaaa-bbbb-cccc"}, "zope", "4.7"), "osv");
  pypi("zope", "4.1");
  auto result = match_packages(*db, packages, Distro{});
  ASSERT_TRUE(result);
  ASSERT_EQ(ids_of(result->matches),
            (std::vector<std::string>{"GHSA-aaaa-bbbb-cccc", "PYSEC-2021-104", "PYSEC-2021-88",
                                      "PYSEC-2022-1"}));
  for (const auto& m : result->matches)
    EXPECT_TRUE(m.merged.empty()) << m.advisory.id;
  EXPECT_EQ(result->matches[0].related, (std::vector<std::string>{"PYSEC-2022-1"}));
  EXPECT_EQ(result->matches[1].related, (std::vector<std::string>{"PYSEC-2021-88"}));
  EXPECT_EQ(result->matches[2].related, (std::vector<std::string>{"PYSEC-2021-104"}));
  EXPECT_EQ(result->matches[3].related, (std::vector<std::string>{"GHSA-aaaa-bbbb-cccc"}));

  core::TargetReport report;
  add_findings(*result, packages, FindingOptions{}, report);
  ASSERT_EQ(report.findings.size(), 4U);
  const auto& pysec_88 = *report.findings[2].vulnerability;
  EXPECT_EQ(pysec_88.id, "PYSEC-2021-88");
  EXPECT_EQ(pysec_88.aliases, (std::vector<std::string>{"CVE-2021-32633", "GHSA-5pr9-v234-jw36"}));
  EXPECT_EQ(pysec_88.related, (std::vector<std::string>{"PYSEC-2021-104"}));
  EXPECT_EQ(pysec_88.fixed_version, "4.6");
  // Ignoring one CVE leaves the other vulnerability reported.
  core::Policy policy;
  policy.ignores = {"CVE-2021-32633"};
  core::apply_policy(policy, report);
  std::vector<std::string> left;
  for (const auto& f : report.findings)
    left.emplace_back(f.check->id);
  EXPECT_EQ(left,
            (std::vector<std::string>{"GHSA-aaaa-bbbb-cccc", "PYSEC-2021-104", "PYSEC-2022-1"}));
}

TEST_F(MatchFixture, CveSharingIsTransitive) {
  // A and B share CVE-1, B and C share CVE-2: one vulnerability as far as
  // the records say, kept under the first id. D shares only a GHSA id with C.
  put(pypi_record("PYSEC-1", {"CVE-2020-1"}, "pkg", "2.0"), "osv");
  put(pypi_record("PYSEC-2", {"CVE-2020-1", "CVE-2020-2"}, "pkg", "2.0"), "osv");
  put(pypi_record("PYSEC-3", {"cve-2020-2", "GHSA-cccc-dddd-eeee"}, "pkg", "2.0"), "osv");
  put(pypi_record("PYSEC-4", {"CVE-2020-4", "GHSA-cccc-dddd-eeee"}, "pkg", "2.0"), "osv");
  // Not affected at this version: neither merged nor related.
  put(pypi_record("PYSEC-5", {"CVE-2020-1"}, "pkg", "0.5"), "osv");
  pypi("pkg", "1.0");
  auto result = match_packages(*db, packages, Distro{});
  ASSERT_TRUE(result);
  ASSERT_EQ(ids_of(result->matches), (std::vector<std::string>{"PYSEC-1", "PYSEC-4"}));
  const auto& merged = result->matches[0];
  ASSERT_EQ(merged.merged.size(), 2U);
  EXPECT_EQ(merged.merged[0].advisory.id, "PYSEC-2");
  EXPECT_EQ(merged.merged[1].advisory.id, "PYSEC-3");
  EXPECT_EQ(merged.related, (std::vector<std::string>{"PYSEC-4"}));
  EXPECT_EQ(result->matches[1].related, (std::vector<std::string>{"PYSEC-1"}));

  core::TargetReport report;
  add_findings(*result, packages, FindingOptions{}, report);
  ASSERT_EQ(report.findings.size(), 2U);
  // Aliases compare without case: cve-2020-2 is CVE-2020-2.
  EXPECT_EQ(report.findings[0].vulnerability->aliases,
            (std::vector<std::string>{"CVE-2020-1", "PYSEC-2", "CVE-2020-2", "PYSEC-3",
                                      "GHSA-cccc-dddd-eeee"}));
}

TEST_F(MatchFixture, LanguagePackagesSeverityAndSuppression) {
  Advisory a;
  a.id = "PYSEC-2023-74";
  a.aliases = {"CVE-2023-32681", "GHSA-j8r2-6x86-q33q"};
  a.summary = "Proxy-Authorization header leak";
  a.severity = {{"CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"}};
  a.affected.push_back(affected("PyPI", "requests", {ev(k_in, "2.3.0"), ev(k_fix, "2.31.0")}));
  put(a, "osv");
  pypi("Requests", "2.28.1");
  pypi("requests", "2.31.0");
  auto result = match_packages(*db, packages, Distro{"debian", "12"});
  ASSERT_TRUE(result);
  ASSERT_EQ(result->matches.size(), 1U);

  core::TargetReport report;
  FindingOptions options;
  add_findings(*result, packages, options, report);
  ASSERT_EQ(report.findings.size(), 1U);
  const auto& v = *report.findings[0].vulnerability;
  EXPECT_EQ(v.fixed_version, "2.31.0");
  EXPECT_EQ(v.state, "fixed");
  EXPECT_EQ(v.severity, "medium");
  EXPECT_DOUBLE_EQ(v.score, 6.1);
  EXPECT_EQ(v.severity_source, "cvss:3.1");
  EXPECT_EQ(v.links.front(), "https://osv.dev/vulnerability/PYSEC-2023-74");
  EXPECT_EQ(report.findings[0].check->aliases, "CVE-2023-32681,GHSA-j8r2-6x86-q33q");

  // An ignore rule by alias, scoped to the package's purl.
  IgnoreRule rule;
  rule.id = "CVE-2023-32681";
  rule.purl = "pkg:pypi/requests";
  rule.comment = "proxy not used";
  rule.line = 3;
  options.ignores = {rule};
  options.ignore_file = ".moatignore";
  options.show_suppressed = true;
  core::TargetReport ignored;
  add_findings(*result, packages, options, ignored);
  EXPECT_TRUE(ignored.findings.empty());
  EXPECT_EQ(ignored.suppressed, 1);
  ASSERT_EQ(ignored.suppressed_findings.size(), 1U);
  EXPECT_EQ(ignored.suppressed_findings[0].vulnerability->suppressed_by, ".moatignore:3");
  EXPECT_EQ(ignored.suppressed_findings[0].vulnerability->justification, "proxy not used");

  // Expired rules and rules for another package do not apply.
  options.ignores[0].expires = "2020-01-01";
  core::TargetReport expired;
  add_findings(*result, packages, options, expired);
  EXPECT_EQ(expired.findings.size(), 1U);
  options.ignores[0].expires.clear();
  options.ignores[0].purl = "pkg:pypi/urllib3";
  core::TargetReport other;
  add_findings(*result, packages, options, other);
  EXPECT_EQ(other.findings.size(), 1U);

  // VEX not_affected for the purl suppresses; "affected" does not.
  options.ignores.clear();
  VexStatement s;
  s.vulnerability = "CVE-2023-32681";
  s.products = {"pkg:pypi/requests@2.28.1"};
  s.status = "affected";
  options.vex = {{"app.vex.json", {s}}};
  core::TargetReport affected_vex;
  add_findings(*result, packages, options, affected_vex);
  EXPECT_EQ(affected_vex.findings.size(), 1U);
  s.status = "not_affected";
  s.justification = "vulnerable_code_not_in_execute_path";
  options.vex = {{"app.vex.json", {s}}};
  core::TargetReport vexed;
  add_findings(*result, packages, options, vexed);
  EXPECT_TRUE(vexed.findings.empty());
  ASSERT_EQ(vexed.suppressed_findings.size(), 1U);
  EXPECT_EQ(vexed.suppressed_findings[0].vulnerability->suppressed_by, "VEX app.vex.json");
  EXPECT_EQ(vexed.suppressed_findings[0].vulnerability->justification,
            "vulnerable_code_not_in_execute_path");
}

TEST_F(MatchFixture, FindingsNameTheLayerAndTheOsPackageThatInstalledThem) {
  Advisory a;
  a.id = "PYSEC-2023-192";
  a.aliases = {"CVE-2023-43804", "PYSEC-2023-192", "CVE-2023-43804", "GHSA-v845-jxx5-vc9f"};
  a.references = {"https://example.org/a", "https://example.org/a", "https://example.org/b"};
  a.affected.push_back(affected("PyPI", "urllib3", {ev(k_in, "0"), ev(k_fix, "1.26.17")}));
  put(a, "osv");
  auto& pkg = pypi("urllib3", "1.26.12");
  pkg.layer = 1;
  pkg.layer_digest = "sha256:bb";
  pkg.installed_by = "python3-urllib3";
  // --include-os-owned: matched against PyPI, and the finding says who installed it.
  auto result =
      match_packages(*db, packages, Distro{"debian", "12"}, MatchOptions{.include_os_owned = true});
  ASSERT_TRUE(result);
  FindingOptions options;
  core::Location layer0;
  layer0.layer = 0;
  core::Location layer1;
  layer1.layer = 1;
  layer1.layer_digest = "sha256:bb";
  layer1.history = 3;
  layer1.created_by = "RUN apt-get install -y python3-urllib3";
  options.layers = {layer0, layer1};
  core::TargetReport report;
  add_findings(*result, packages, options, report);
  ASSERT_EQ(report.findings.size(), 1U);
  const auto& f = report.findings[0];
  EXPECT_EQ(f.location.created_by, "RUN apt-get install -y python3-urllib3");
  EXPECT_EQ(f.location.history, 3);
  EXPECT_EQ(f.location.path, "/usr/lib/python3/dist-packages/urllib3.dist-info/METADATA");
  // Duplicates and the id itself are dropped from the aliases.
  EXPECT_EQ(f.vulnerability->aliases,
            (std::vector<std::string>{"CVE-2023-43804", "GHSA-v845-jxx5-vc9f"}));
  EXPECT_EQ(f.vulnerability->links,
            (std::vector<std::string>{"https://osv.dev/vulnerability/PYSEC-2023-192",
                                      "https://example.org/a", "https://example.org/b"}));
  EXPECT_EQ(f.vulnerability->installed_by, "python3-urllib3");
  EXPECT_NE(f.message.find("installed by the OS package python3-urllib3"), std::string::npos);

  // A package no OS package installed claims nothing.
  packages[0].installed_by.clear();
  core::TargetReport plain;
  add_findings(*result, packages, options, plain);
  EXPECT_TRUE(plain.findings[0].vulnerability->installed_by.empty());
}

// Debian's python3-urllib3 (source python-urllib3) installed urllib3 1.26.12:
// Debian fixed CVE-2023-43804 in 1.26.12-1+deb12u1 without a new upstream
// version, so PyPI's advisory still says 1.26.12 is affected.
TEST_F(MatchFixture, LanguagePackagesAnOsPackageInstalledAreMatchedThroughIt) {
  put(tracker_record("CVE-2023-43804", "python-urllib3", "12",
                     {ev(k_in, "0"), ev(k_fix, "1.26.12-1+deb12u1")}, FixState::fixed, "medium"),
      "debian");
  put(tracker_record("CVE-2023-45803", "python-urllib3", "12", {ev(k_in, "0")}, FixState::affected,
                     "low"),
      "debian");
  put(pypi_record("PYSEC-2023-192", {"CVE-2023-43804"}, "urllib3", "1.26.17"), "osv");
  put(pypi_record("PYSEC-2023-74", {"CVE-2023-32681"}, "requests", "2.31.0"), "osv");
  deb("python3-urllib3", "1.26.12-1+deb12u1", "python-urllib3");
  pypi("urllib3", "1.26.12").installed_by = "python3-urllib3";
  pypi("requests", "2.28.1"); // from pip: no OS package claims it

  auto result = match_packages(*db, packages, Distro{"debian", "12"});
  ASSERT_TRUE(result);
  std::vector<std::string> found;
  for (const auto& m : result->matches)
    found.push_back(packages[m.package].name + " " + m.advisory.id);
  EXPECT_EQ(found,
            (std::vector<std::string>{"python3-urllib3 CVE-2023-45803", "requests PYSEC-2023-74"}));
  EXPECT_EQ(result->notes,
            (std::vector<std::string>{
                "1 language package(s) installed by OS packages were matched through their OS "
                "package (--include-os-owned matches them against their language advisories "
                "too)"}));

  auto all =
      match_packages(*db, packages, Distro{"debian", "12"}, MatchOptions{.include_os_owned = true});
  ASSERT_TRUE(all);
  found.clear();
  for (const auto& m : all->matches)
    found.push_back(packages[m.package].name + " " + m.advisory.id);
  EXPECT_EQ(found, (std::vector<std::string>{"python3-urllib3 CVE-2023-45803",
                                             "urllib3 PYSEC-2023-192", "requests PYSEC-2023-74"}));
  EXPECT_TRUE(all->notes.empty());
  core::TargetReport report;
  add_findings(*all, packages, FindingOptions{}, report);
  ASSERT_EQ(report.findings.size(), 3U);
  EXPECT_EQ(report.findings[1].vulnerability->installed_by, "python3-urllib3");
  EXPECT_NE(report.findings[1].message.find("installed by the OS package python3-urllib3"),
            std::string::npos);
  EXPECT_EQ(report.findings[2].vulnerability->installed_by, "");

  // Without the distribution's feed the OS package is not checked, and the
  // note does not claim it was.
  auto unknown_os = match_packages(*db, packages, Distro{});
  ASSERT_TRUE(unknown_os);
  EXPECT_EQ(ids_of(unknown_os->matches), (std::vector<std::string>{"PYSEC-2023-74"}));
  ASSERT_EQ(unknown_os->notes.size(), 2U);
  EXPECT_EQ(unknown_os->notes[1],
            "1 language package(s) installed by OS packages were left to their OS package, "
            "which was not checked (--include-os-owned matches them against their language "
            "advisories)");
}

TEST_F(MatchFixture, EcosystemsTheDatabaseLacksAreNotedNotReportedClean) {
  put(tracker_record("CVE-2024-1", "openssl", "12", {ev(k_in, "0")}, FixState::affected, "low"),
      "debian");
  deb("libssl3", "3.0.11-1~deb12u2", "openssl");
  pypi("requests", "2.28.1");
  auto result = match_packages(*db, packages, Distro{"debian", "12"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->matches.size(), 1U);
  ASSERT_EQ(result->notes.size(), 1U);
  EXPECT_EQ(result->notes[0],
            "the database has no advisories for PyPI: its packages were not checked");
}

TEST_F(MatchFixture, InvalidInstalledVersionsAreNotedNotGuessed) {
  pypi("weird", "not a version");
  auto result = match_packages(*db, packages, Distro{});
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->matches.empty());
  ASSERT_EQ(result->notes.size(), 1U);
  EXPECT_NE(result->notes[0].find("weird not a version: not matched"), std::string::npos);
}

TEST(VulnSeverity, CoreSeverityOfWords) {
  EXPECT_EQ(core_severity("critical"), core::Severity::critical);
  EXPECT_EQ(core_severity("negligible"), core::Severity::info);
  EXPECT_EQ(core_severity("unknown"), core::Severity::medium);
}

} // namespace
} // namespace moat::vuln
