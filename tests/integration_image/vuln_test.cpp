// moat db import + moat vuln on a real image: Debian 12 with python3-requests,
// python3-urllib3, python3-jinja2 and runc installed by apt from the Debian
// mirror (tests/images/build.sh, image "vuln", OUT/vuln.tar), matched against
// the real OSV advisories in ../shared/vulndata (golang/vulndb and
// pypa/advisory-database, see SOURCE.md there).
//
// What is installed, as read from the built rootfs (OUT/vuln-rootfs):
//   dpkg-query -W: python3-requests 2.28.1+dfsg-1, python3-urllib3
//     1.26.12-1+deb12u4, python3-idna 3.3-1+deb12u1, python3-certifi
//     2022.9.24-1, python3-jinja2 3.1.2-1+deb12u3, runc 1.1.5+ds1-1+deb12u1.
//   /usr/lib/python3/dist-packages: requests-2.28.1.egg-info,
//     urllib3-1.26.12.egg-info, idna-3.3.egg-info, certifi-2022.9.24.egg-info,
//     Jinja2-3.1.2.egg-info (PKG-INFO "Name: Jinja2", "Version: 3.1.2"),
//     MarkupSafe, six, chardet, charset_normalizer (no advisories for those).
//   /usr/sbin/runc build info (`strings`): "go1.19.8", "path
//     github.com/opencontainers/runc", no "mod"/"dep" lines, so the only Go
//     package is the standard library, "stdlib" at 1.19.8.
// Debian stable keeps the upstream version and backports fixes, so these
// upstream versions stay what they are across point releases.
//
// Matching language packages by their upstream version reports CVEs that
// Debian has backported: the urllib3 and idna changelogs
// (/usr/share/doc/python3-*/changelog.Debian.gz) name CVE-2023-43804,
// CVE-2023-45803 and CVE-2024-3651 as fixed in +deb12u1. So by default moat
// leaves every package here to the Debian package that installed it, and the
// tests of language matching pass --include-os-owned: the PyPI advisories
// still say 1.26.12 and 3.3 are affected, and that is what they assert.
#include "images.hpp"
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>
#include <string>
#include <utility>

namespace moat::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The database, imported once for every test of the build (about 7000
// documents).
struct ImportedDb {
  fs::path path;
  RunResult run;
};

const ImportedDb& imported_db() {
  static const ImportedDb db = [] {
    const auto& shared = shared_vuln_import();
    return ImportedDb{shared.db, shared.run};
  }();
  return db;
}

struct Scan {
  int exit_code = -1;
  json doc;
  std::string err;
};

Scan scan(const std::string& extra = "") {
  const auto& db = imported_db();
  auto r = run_moat("vuln --no-progress --format json --db '" + db.path.string() + "' " + extra +
                    " '" + (images_dir() / "vuln.tar").string() + "'");
  Scan s;
  s.exit_code = r.exit_code;
  s.err = r.err;
  s.doc = json::parse(r.out, nullptr, false);
  return s;
}

// The full scan with the language advisories too, run once and shared by
// the tests that only read it.
const Scan& default_scan() {
  static const Scan s = scan("--include-os-owned");
  return s;
}

const json& findings_of(const json& doc) {
  static const json empty = json::array();
  if (!doc.is_object() || !doc.contains("targets") || doc["targets"].empty() ||
      !doc["targets"][0].contains("findings"))
    return empty;
  return doc["targets"][0]["findings"];
}

const json* find_finding(const json& doc, const std::string& id) {
  for (const auto& f : findings_of(doc))
    if (f.value("id", "") == id)
      return &f;
  return nullptr;
}

bool has_alias(const json& finding, const std::string& alias) {
  if (!finding.contains("aliases"))
    return false;
  const auto& aliases = finding["aliases"];
  return std::any_of(aliases.begin(), aliases.end(),
                     [&](const json& a) { return a.is_string() && a.get<std::string>() == alias; });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct Expected {
  const char* id;
  const char* cve;
  const char* package;
  const char* version;
  const char* ecosystem;
  const char* purl_prefix;
  const char* fixed;
};

// Each fact below is read from the named advisory file: "aliases" for the
// CVE, affected[].package for name and ecosystem, affected[].ranges[].events
// for the fix on the installed version's line (OSV sorts the events by
// version before walking them).
const Expected k_expected[] = {
    // go/GO-2023-1751.json: aliases [CVE-2023-24539]; stdlib, SEMVER events
    // introduced 0, fixed 1.19.9, introduced 1.20.0-0, fixed 1.20.4.
    {"GO-2023-1751", "CVE-2023-24539", "stdlib", "1.19.8", "Go", "pkg:golang/stdlib@", "1.19.9"},
    // go/GO-2023-1840.json: aliases [CVE-2023-29403]; introduced 0, fixed
    // 1.19.10, introduced 1.20.0-0, fixed 1.20.5. "1.19.10" sorts before
    // "1.19.8" as a string: only a semver comparison finds this one.
    {"GO-2023-1840", "CVE-2023-29403", "stdlib", "1.19.8", "Go", "pkg:golang/stdlib@", "1.19.10"},
    // go/GO-2023-2041.json: aliases [CVE-2023-39318]; introduced 0, fixed
    // 1.20.8, introduced 1.21.0-0, fixed 1.21.1: Go 1.19 got no fix, the first
    // fixed release after 1.19.8 is 1.20.8.
    {"GO-2023-2041", "CVE-2023-39318", "stdlib", "1.19.8", "Go", "pkg:golang/stdlib@", "1.20.8"},
    // pypi/requests/PYSEC-2023-74.yaml: aliases [CVE-2023-32681,
    // GHSA-j8r2-6x86-q33q]; ECOSYSTEM introduced 2.3.0, fixed 2.31.0
    // (versions[] lists 2.28.1). Debian's requests 2.28.1+dfsg-1 has no fix.
    {"PYSEC-2023-74", "CVE-2023-32681", "requests", "2.28.1", "PyPI", "pkg:pypi/requests@",
     "2.31.0"},
    // pypi/urllib3/PYSEC-2023-192.yaml: aliases [CVE-2023-43804,
    // GHSA-v845-jxx5-vc9f]; events written as introduced 2.0.0, fixed 2.0.6,
    // introduced 0, fixed 1.26.17: the 1.26 line is fixed in 1.26.17, not 2.0.6.
    {"PYSEC-2023-192", "CVE-2023-43804", "urllib3", "1.26.12", "PyPI", "pkg:pypi/urllib3@",
     "1.26.17"},
    // pypi/urllib3/PYSEC-2023-212.yaml: aliases [CVE-2023-45803,
    // GHSA-g4mx-q9vg-27p4]; introduced 2.0.0, fixed 2.0.7, introduced 0, fixed
    // 1.26.18.
    {"PYSEC-2023-212", "CVE-2023-45803", "urllib3", "1.26.12", "PyPI", "pkg:pypi/urllib3@",
     "1.26.18"},
    // pypi/idna/PYSEC-2024-60.yaml: aliases [CVE-2024-3651]; introduced 0.1,
    // fixed 3.7.
    {"PYSEC-2024-60", "CVE-2024-3651", "idna", "3.3", "PyPI", "pkg:pypi/idna@", "3.7"},
    // pypi/certifi/PYSEC-2022-42986.yaml: aliases [CVE-2022-23491,
    // GHSA-43fp-rhv2-5gv8]; introduced 2017.11.5, fixed 2022.12.7.
    {"PYSEC-2022-42986", "CVE-2022-23491", "certifi", "2022.9.24", "PyPI", "pkg:pypi/certifi@",
     "2022.12.7"},
};

class RealVulnImage : public ::testing::Test {
protected:
  void SetUp() override {
    REQUIRE_IMAGES();
    const auto& db = imported_db();
    ASSERT_EQ(db.run.exit_code, 0) << db.run.err;
  }
};

TEST_F(RealVulnImage, ImportReadsEveryDocumentOfBothFeeds) {
  // go/ holds 4291 .json files and pypi/ 2661 .yaml files (SOURCE.md's 2662
  // counts pypi/.id-allocator too), one advisory each; 17 of the Go ones have
  // "withdrawn" and 10 of the PyPI ones "withdrawn:", and those are dropped.
  const auto& out = imported_db().run.out;
  EXPECT_NE(out.find("imported 6952 document(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("6925 added"), std::string::npos) << out;
  EXPECT_NE(out.find("27 withdrawn"), std::string::npos) << out;
}

TEST_F(RealVulnImage, FindsTheAdvisoriesOfTheInstalledVersions) {
  const auto& s = default_scan();
  ASSERT_FALSE(s.doc.is_discarded()) << s.err;
  for (const auto& e : k_expected) {
    SCOPED_TRACE(e.id);
    const auto* f = find_finding(s.doc, e.id);
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(has_alias(*f, e.cve)) << (*f)["aliases"].dump();
    EXPECT_EQ((*f)["package"]["name"], e.package);
    EXPECT_EQ((*f)["package"]["version"], e.version);
    EXPECT_EQ((*f)["package"]["ecosystem"], e.ecosystem);
    EXPECT_EQ((*f)["package"]["purl"].get<std::string>().rfind(e.purl_prefix, 0), 0U)
        << (*f)["package"]["purl"];
    EXPECT_EQ((*f)["installed_version"], e.version);
    EXPECT_EQ((*f)["fixed_version"], e.fixed);
    EXPECT_EQ((*f)["state"], "fixed");
    EXPECT_EQ((*f)["source"], "osv");
    const std::string message = (*f).value("message", "");
    EXPECT_NE(message.find(e.fixed), std::string::npos) << message;
  }
}

TEST_F(RealVulnImage, PackagesNameWhereTheyWereFound) {
  const auto& s = default_scan();
  const auto* go = find_finding(s.doc, "GO-2023-1751");
  ASSERT_NE(go, nullptr);
  // The Go toolchain version comes from runc's build info.
  EXPECT_EQ((*go)["package"]["path"], "/usr/sbin/runc");
  const auto* py = find_finding(s.doc, "PYSEC-2023-74");
  ASSERT_NE(py, nullptr);
  const std::string path = (*py)["package"].value("path", "");
  EXPECT_NE(path.find("/usr/lib/python3/dist-packages/requests-2.28.1.egg-info"), std::string::npos)
      << path;
  // Both were installed by Debian packages, which the finding says (Debian
  // may have backported the fix), and both name the one layer of the image.
  EXPECT_EQ((*go)["package"].value("installed_by", ""), "runc");
  EXPECT_EQ((*py)["package"].value("installed_by", ""), "python3-requests");
  for (const auto* f : {go, py}) {
    EXPECT_EQ((*f)["location"]["layer"]["index"], 0);
    EXPECT_EQ((*f)["location"]["layer"]["created_by"],
              "/bin/sh -c #(nop) ADD file:bookworm-vuln in / ");
  }
}

TEST_F(RealVulnImage, CvssVectorsGiveScoreAndRating) {
  const auto& s = default_scan();
  // pypi/urllib3/PYSEC-2023-192.yaml: severity CVSS_V3
  // CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N, base score 8.1 (high).
  const auto* high = find_finding(s.doc, "PYSEC-2023-192");
  ASSERT_NE(high, nullptr);
  ASSERT_TRUE(high->contains("score"));
  EXPECT_NEAR((*high)["score"].get<double>(), 8.1, 1e-9);
  EXPECT_EQ((*high)["rating"], "high");
  EXPECT_EQ((*high)["severity"], "high");
  // pypi/urllib3/PYSEC-2023-212.yaml: CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N,
  // base score 4.2 (medium).
  const auto* medium = find_finding(s.doc, "PYSEC-2023-212");
  ASSERT_NE(medium, nullptr);
  ASSERT_TRUE(medium->contains("score"));
  EXPECT_NEAR((*medium)["score"].get<double>(), 4.2, 1e-9);
  EXPECT_EQ((*medium)["rating"], "medium");
  // pypi/idna/PYSEC-2024-60.yaml: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H, 7.5.
  const auto* idna = find_finding(s.doc, "PYSEC-2024-60");
  ASSERT_NE(idna, nullptr);
  ASSERT_TRUE(idna->contains("score"));
  EXPECT_NEAR((*idna)["score"].get<double>(), 7.5, 1e-9);
  EXPECT_EQ((*idna)["rating"], "high");
  // pypi/requests/PYSEC-2023-74.yaml has no severity: no score is made up.
  const auto* requests = find_finding(s.doc, "PYSEC-2023-74");
  ASSERT_NE(requests, nullptr);
  EXPECT_FALSE(requests->contains("score")) << requests->dump();
}

TEST_F(RealVulnImage, AdvisoriesOutsideTheInstalledRangeAreAbsent) {
  const auto& s = default_scan();
  ASSERT_FALSE(findings_of(s.doc).empty()) << s.err;
  // pypi/urllib3/PYSEC-2021-59.yaml (CVE-2021-28363): introduced 1.26.0,
  // fixed 1.26.4, the same 1.26 line as the installed 1.26.12 but below it
  // ("1.26.12" < "1.26.4" as strings, so a text comparison would report it).
  EXPECT_EQ(find_finding(s.doc, "PYSEC-2021-59"), nullptr);
  // go/GO-2023-1703.json (CVE-2023-24538): introduced 0, fixed 1.19.8,
  // exactly the Go runc was built with: fixed means not affected.
  EXPECT_EQ(find_finding(s.doc, "GO-2023-1703"), nullptr);
  // pypi/requests/PYSEC-2018-28.yaml (CVE-2018-18074): introduced 0, fixed 2.20.0.
  EXPECT_EQ(find_finding(s.doc, "PYSEC-2018-28"), nullptr);
  // Nothing for Jinja2 3.1.2: every pypi/jinja2/*.yaml (PYSEC-2014-8,
  // PYSEC-2014-82, PYSEC-2019-217, PYSEC-2019-220, PYSEC-2021-66) is fixed at
  // or before 2.11.3.
  for (const auto& f : findings_of(s.doc))
    EXPECT_NE(lower(f["package"].value("name", "")), "jinja2") << f.dump();
}

// Jinja2's absence above only means something if moat saw the package.
TEST_F(RealVulnImage, Jinja2IsInTheInventory) {
  auto r = run_moat("sbom --no-progress '" + (images_dir() / "vuln.tar").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto bom = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(bom.is_discarded());
  bool jinja = false;
  for (const auto& c : bom["components"])
    if (lower(c.value("name", "")) == "jinja2" && c.value("version", "") == "3.1.2" &&
        c.value("purl", "").starts_with("pkg:pypi/"))
      jinja = true;
  EXPECT_TRUE(jinja);
}

TEST_F(RealVulnImage, ExactlyTheAffectingAdvisoriesPerPackage) {
  const auto& s = default_scan();
  std::multiset<std::string> pypi;
  int stdlib = 0;
  for (const auto& f : findings_of(s.doc)) {
    const std::string eco = f["package"].value("ecosystem", "");
    if (eco == "PyPI")
      pypi.insert(lower(f["package"].value("name", "")) + " " + f.value("id", ""));
    else if (eco == "Go" && f["package"].value("name", "") == "stdlib")
      ++stdlib;
  }
  // Every advisory in pypi/{requests,urllib3,idna,certifi,jinja2}/ walked by
  // hand against the installed versions; markupsafe, six, chardet and
  // charset-normalizer have no folder there.
  const std::multiset<std::string> expected_pypi{
      "certifi PYSEC-2022-42986", "certifi PYSEC-2023-135", "idna PYSEC-2024-60",
      "requests PYSEC-2023-74",   "urllib3 PYSEC-2023-192", "urllib3 PYSEC-2023-212"};
  EXPECT_EQ(pypi, expected_pypi);
  // go/*.json: 80 advisories for "stdlib" have a SEMVER range holding 1.19.8
  // (counted with the OSV event order over all 4291 files).
  EXPECT_EQ(stdlib, 80);
}

// Without --include-os-owned, every language package here is left to the
// Debian package that installed it; this database has no Debian feed, and
// the notes say both.
TEST_F(RealVulnImage, OsInstalledPackagesAreLeftToTheirOsPackageByDefault) {
  const auto s = scan();
  ASSERT_FALSE(s.doc.is_discarded()) << s.err;
  for (const auto& f : findings_of(s.doc))
    ADD_FAILURE() << "unexpected finding " << f.dump();
  // Which packages the SBOM says an OS package installed.
  auto r = run_moat("sbom --no-progress '" + (images_dir() / "vuln.tar").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto bom = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(bom.is_discarded());
  std::set<std::string> owned;
  for (const auto& c : bom["components"])
    for (const auto& p : c.value("properties", json::array()))
      if (p.value("name", "") == "moat:installed-by")
        owned.insert(lower(c.value("name", "")) + " " + p.value("value", ""));
  for (const char* expected :
       {"requests python3-requests", "urllib3 python3-urllib3", "idna python3-idna",
        "certifi python3-certifi", "jinja2 python3-jinja2", "stdlib runc"})
    EXPECT_TRUE(owned.contains(expected)) << expected;
  const auto notes = s.doc["targets"][0].value("notes", json::array());
  const auto note = std::to_string(owned.size()) +
                    " language package(s) installed by OS packages were left to their OS "
                    "package, which was not checked (--include-os-owned matches them against "
                    "their language advisories)";
  EXPECT_NE(std::find(notes.begin(), notes.end(), note), notes.end()) << notes.dump();
  EXPECT_NE(std::find(notes.begin(), notes.end(),
                      "the database has no advisories for Debian:12: its packages were not "
                      "checked"),
            notes.end())
      << notes.dump();
}

TEST_F(RealVulnImage, FindingsFailTheRunByDefault) {
  const auto& s = default_scan();
  EXPECT_EQ(s.exit_code, 1) << s.err;
  EXPECT_FALSE(findings_of(s.doc).empty());
}

TEST_F(RealVulnImage, IgnoreUnfixedKeepsOnlyFindingsWithAFix) {
  const auto& all = default_scan();
  const auto unfixed = scan("--include-os-owned --ignore-unfixed");
  ASSERT_FALSE(unfixed.doc.is_discarded()) << unfixed.err;
  EXPECT_LE(findings_of(unfixed.doc).size(), findings_of(all.doc).size());
  std::multiset<std::string> with_fix;
  for (const auto& f : findings_of(all.doc))
    if (!f.value("fixed_version", "").empty())
      with_fix.insert(f.value("id", "") + " " + f["package"].value("name", ""));
  std::multiset<std::string> kept;
  for (const auto& f : findings_of(unfixed.doc)) {
    EXPECT_FALSE(f.value("fixed_version", "").empty()) << f.dump();
    kept.insert(f.value("id", "") + " " + f["package"].value("name", ""));
  }
  EXPECT_EQ(kept, with_fix);
}

} // namespace
} // namespace moat::test
