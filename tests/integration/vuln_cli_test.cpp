// moat db and moat vuln end to end: importing the real OSV data in
// ../shared/vulndata, statistics, scanning SBOM files, suppression, output
// formats, records merged or related by their ids, and the error paths (exit
// 2, one line, database unchanged).
#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace moat::test {
namespace {

using Json = nlohmann::json;

std::string q(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

// The real data, imported once for every test of the build.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return out;
}

class VulnCli : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    const auto& shared = shared_vuln_import();
    s_db = shared.db;
    s_import = &shared.run;
  }

  // A CycloneDX SBOM as Syft writes one: purls carry the ecosystems.
  static std::string sbom(const std::vector<std::string>& purls) {
    Json components = Json::array();
    for (const auto& p : purls) {
      const auto at = p.rfind('@');
      const auto slash = p.rfind('/', at);
      components.push_back({{"type", "library"},
                            {"name", p.substr(slash + 1, at - slash - 1)},
                            {"version", p.substr(at + 1)},
                            {"purl", p}});
    }
    Json doc{{"bomFormat", "CycloneDX"},
             {"specVersion", "1.5"},
             {"version", 1},
             {"components", components}};
    return doc.dump(2);
  }

  static Json findings_of(const RunResult& r) {
    auto doc = Json::parse(r.out, nullptr, false);
    if (doc.is_discarded() || !doc.contains("targets"))
      return Json::array();
    return doc["targets"][0]["findings"];
  }

  static const Json* find(const Json& findings, const std::string& id) {
    for (const auto& f : findings)
      if (f["id"] == id)
        return &f;
    return nullptr;
  }

  static std::filesystem::path s_db;
  static const RunResult* s_import;
};

std::filesystem::path VulnCli::s_db;
const RunResult* VulnCli::s_import = nullptr;

TEST_F(VulnCli, ImportsEveryRealAdvisory) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  EXPECT_NE(s_import->out.find("imported 6952 document(s)"), std::string::npos) << s_import->out;
  const auto stats = run_moat("db stats --format json --db " + q(s_db));
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  const auto doc = Json::parse(stats.out);
  long go = 0;
  long pypi = 0;
  for (const auto& row : doc["ecosystems"]) {
    if (row["ecosystem"] == "Go")
      go = row["advisories"].get<long>();
    if (row["ecosystem"] == "PyPI")
      pypi = row["advisories"].get<long>();
    EXPECT_EQ(row["source"], "osv");
  }
  // Withdrawn advisories are dropped, so the counts are at most the files.
  EXPECT_GT(go, 4000);
  EXPECT_LE(go, 4291);
  EXPECT_GT(pypi, 2500);
  EXPECT_LE(pypi, 2662);
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_GE(doc["newest_modified"].get<std::string>(), "2024-10-01");
  ASSERT_EQ(doc["origins"].size(), 2U);

  const auto text = run_moat("db stats --db " + q(s_db));
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("schema version:  1"), std::string::npos);
  EXPECT_NE(text.out.find("PyPI"), std::string::npos);
}

TEST_F(VulnCli, ReimportChangesNothing) {
  TempDir dir;
  const auto db = dir.path() / "again.db";
  const auto pypi = shared_dir() / "vulndata/pypi/requests";
  ASSERT_EQ(run_moat("db import -q --db " + q(db) + " " + q(pypi)).exit_code, 0);
  const auto again = run_moat("db import --db " + q(db) + " " + q(pypi));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 added, 0 updated, 5 unchanged"), std::string::npos) << again.out;
}

TEST_F(VulnCli, FindsRealAdvisoriesInAnSbom) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  TempDir dir;
  const auto file = dir.write(
      "app.cdx.json",
      sbom({"pkg:pypi/requests@2.28.1", "pkg:golang/stdlib@1.20.5", "pkg:pypi/requests@2.31.0"}));
  const auto r = run_moat("vuln --db " + q(s_db) + " --format json " + q(file));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto findings = findings_of(r);
  // PYSEC-2023-74: requests >= 2.3.0, fixed in 2.31.0 (CVE-2023-32681).
  const auto* requests = find(findings, "PYSEC-2023-74");
  ASSERT_NE(requests, nullptr) << r.out;
  EXPECT_EQ((*requests)["package"]["name"], "requests");
  EXPECT_EQ((*requests)["package"]["version"], "2.28.1");
  EXPECT_EQ((*requests)["package"]["ecosystem"], "PyPI");
  EXPECT_EQ((*requests)["package"]["purl"], "pkg:pypi/requests@2.28.1");
  EXPECT_EQ((*requests)["fixed_version"], "2.31.0");
  EXPECT_EQ((*requests)["state"], "fixed");
  EXPECT_NE(
      std::find((*requests)["aliases"].begin(), (*requests)["aliases"].end(), "CVE-2023-32681"),
      (*requests)["aliases"].end());
  // GO-2023-1878 (CVE-2023-29406): stdlib fixed in 1.19.11 and 1.20.6.
  const auto* go = find(findings, "GO-2023-1878");
  ASSERT_NE(go, nullptr) << r.out;
  EXPECT_EQ((*go)["package"]["name"], "stdlib");
  EXPECT_EQ((*go)["fixed_version"], "1.20.6");
  // requests 2.31.0 is past every fix in the data.
  for (const auto& f : findings)
    EXPECT_NE(f["package"]["version"], "2.31.0") << f["id"];
}

TEST_F(VulnCli, SuppressionByIgnoreFileAndVex) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  TempDir dir;
  const auto file = dir.write("app.cdx.json", sbom({"pkg:pypi/requests@2.28.1"}));
  const auto base = run_moat("vuln --db " + q(s_db) + " --format json " + q(file));
  const auto total = findings_of(base).size();
  ASSERT_GE(total, 1U);

  dir.write(".moatignore", "# reviewed\nCVE-2023-32681 pkg:pypi/requests # no proxies here\n");
  const auto ignored = run_moat(
      "vuln --db " + q(s_db) + " --format json --show-suppressed app.cdx.json", dir.path());
  ASSERT_NE(ignored.exit_code, 2) << ignored.err;
  EXPECT_EQ(findings_of(ignored).size(), total - 1);
  const auto doc = Json::parse(ignored.out);
  ASSERT_EQ(doc["targets"][0]["suppressed_findings"].size(), 1U);
  EXPECT_EQ(doc["targets"][0]["suppressed_findings"][0]["justification"], "no proxies here");
  EXPECT_EQ(doc["targets"][0]["suppressed"], 1);

  const auto vex = dir.write("app.vex.json", R"({
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.org/vex/1",
    "author": "team", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
    "statements": [{"vulnerability": {"name": "CVE-2023-32681"},
                    "products": [{"@id": "pkg:pypi/requests@2.28.1"}],
                    "status": "not_affected",
                    "justification": "vulnerable_code_not_in_execute_path"}]})");
  std::filesystem::remove(dir.path() / ".moatignore");
  const auto vexed =
      run_moat("vuln --db " + q(s_db) + " --format json --vex " + q(vex) + " " + q(file));
  ASSERT_NE(vexed.exit_code, 2) << vexed.err;
  EXPECT_EQ(findings_of(vexed).size(), total - 1);
  EXPECT_EQ(find(findings_of(vexed), "PYSEC-2023-74"), nullptr);
}

TEST_F(VulnCli, SarifGroupsByAdvisoryId) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  TempDir dir;
  const auto file = dir.write("app.cdx.json", sbom({"pkg:pypi/requests@2.28.1"}));
  const auto r = run_moat("vuln --db " + q(s_db) + " --format sarif " + q(file));
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto doc = Json::parse(r.out);
  bool seen = false;
  for (const auto& result : doc["runs"][0]["results"])
    if (result["ruleId"] == "PYSEC-2023-74") {
      seen = true;
      EXPECT_EQ(result["properties"]["fixedVersion"], "2.31.0");
    }
  EXPECT_TRUE(seen);

  // A rule's security-severity (what GitHub ranks by) is the advisory's CVSS
  // score: PYSEC-2023-192 gives CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N = 8.1.
  const auto urllib3 = dir.write("u.cdx.json", sbom({"pkg:pypi/urllib3@1.26.12"}));
  const auto u = run_moat("vuln --db " + q(s_db) + " --format sarif " + q(urllib3));
  ASSERT_EQ(u.exit_code, 1) << u.err;
  bool rated = false;
  const auto rules_doc = Json::parse(u.out);
  for (const auto& rule : rules_doc["runs"][0]["tool"]["driver"]["rules"])
    if (rule["id"] == "PYSEC-2023-192") {
      rated = true;
      EXPECT_EQ(rule["properties"]["security-severity"], "8.1");
    }
  EXPECT_TRUE(rated);
}

// ../shared/vulndata/pypi, read before writing this test:
//   zope/PYSEC-2021-88.yaml   aliases CVE-2021-32633, GHSA-5pr9-v234-jw36,
//                             GHSA-962m-m8jw-8wrr; fixed 4.6 on the 4.x line
//   zope/PYSEC-2021-104.yaml  aliases CVE-2021-32674, GHSA-rpcg-f9q6-2mq6,
//                             GHSA-5pr9-v234-jw36, GHSA-5vq5-pg3r-9ph3; fixed 4.6.1
//   zope/PYSEC-2021-368.yaml  aliases CVE-2021-32811, GHSA-qcx9-j53g-ccgf,
//                             GHSA-g4gq-j4p2-j8fr; fixed 4.6.3
//   zope/PYSEC-2021-875.yaml  aliases CVE-2021-32807, GHSA-qcx9-j53g-ccgf; fixed 4.3
//   zope/PYSEC-2023-193.yaml  aliases CVE-2023-44389, GHSA-m755-gxxg-r5qh; fixed 4.8.11
//   distributed/PYSEC-2021-871.yaml  aliases CVE-2021-42343, GHSA-hwqr-f3v9-hwxr
//   distributed/PYSEC-2021-872.yaml  aliases CVE-2021-42343, GHSA-hwqr-f3v9-hwxr,
//                                    GHSA-j8fq-86c5-5v2r
//   (both: introduced 0, fixed 2021.10.0)
// All five zope records affect 4.1. 88 and 104 share only a GHSA id, as do
// 368 and 875: four vulnerabilities. 871 and 872 share their CVE: one.
class MergedAdvisories : public VulnCli {
protected:
  static std::string scan(const TempDir& dir, const std::string& format,
                          const std::string& extra = "") {
    const auto file =
        dir.write("app.cdx.json", sbom({"pkg:pypi/zope@4.1", "pkg:pypi/distributed@2021.9.1"}));
    const auto r =
        run_moat("vuln --db " + q(s_db) + " --format " + format + " " + extra + " " + q(file));
    EXPECT_EQ(r.exit_code, 1) << r.err;
    return r.out;
  }

  static Json findings_in(const std::string& json_out) {
    return findings_of(RunResult{0, json_out, ""});
  }

  static std::set<std::string> ids(const std::string& json_out) {
    std::set<std::string> out;
    for (const auto& f : findings_in(json_out))
      out.insert(f["id"].get<std::string>());
    return out;
  }

  static bool names(const Json& list, const std::string& id) {
    return std::find(list.begin(), list.end(), id) != list.end();
  }
};

TEST_F(MergedAdvisories, RecordsSharingOnlyAGhsaIdStaySeparateFindings) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  TempDir dir;
  const auto out = scan(dir, "json");
  EXPECT_EQ(ids(out), (std::set<std::string>{"PYSEC-2021-104", "PYSEC-2021-368", "PYSEC-2021-871",
                                             "PYSEC-2021-875", "PYSEC-2021-88", "PYSEC-2023-193"}));
  const auto findings = findings_in(out);
  struct Pair {
    const char* id;
    const char* cve;
    const char* related;
  };
  for (const auto& p : {Pair{"PYSEC-2021-88", "CVE-2021-32633", "PYSEC-2021-104"},
                        Pair{"PYSEC-2021-104", "CVE-2021-32674", "PYSEC-2021-88"},
                        Pair{"PYSEC-2021-368", "CVE-2021-32811", "PYSEC-2021-875"},
                        Pair{"PYSEC-2021-875", "CVE-2021-32807", "PYSEC-2021-368"}}) {
    SCOPED_TRACE(p.id);
    const auto* f = find(findings, p.id);
    ASSERT_NE(f, nullptr) << out;
    EXPECT_TRUE(names((*f)["aliases"], p.cve)) << (*f)["aliases"];
    EXPECT_FALSE(names((*f)["aliases"], p.related)) << (*f)["aliases"];
    EXPECT_EQ((*f)["related"], Json::array({p.related}));
  }
  EXPECT_EQ((*find(findings, "PYSEC-2021-88"))["fixed_version"], "4.6");
  EXPECT_EQ((*find(findings, "PYSEC-2021-104"))["fixed_version"], "4.6.1");
  EXPECT_EQ((*find(findings, "PYSEC-2023-193"))["related"], Json::array());
}

TEST_F(MergedAdvisories, ADuplicateRecordIsNamedByTheFindingThatKeepsIt) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  TempDir dir;
  const auto findings = findings_in(scan(dir, "json"));
  EXPECT_EQ(find(findings, "PYSEC-2021-872"), nullptr);
  const auto* kept = find(findings, "PYSEC-2021-871");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ((*kept)["aliases"], Json::array({"CVE-2021-42343", "GHSA-hwqr-f3v9-hwxr",
                                             "PYSEC-2021-872", "GHSA-j8fq-86c5-5v2r"}));
  EXPECT_EQ((*kept)["related"], Json::array());
  EXPECT_EQ((*kept)["fixed_version"], "2021.10.0");
}

TEST_F(MergedAdvisories, EveryIdIsInEveryFormat) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  TempDir dir;
  const auto text = scan(dir, "text");
  for (const char* id :
       {"PYSEC-2021-88", "CVE-2021-32633", "PYSEC-2021-104", "CVE-2021-32674", "PYSEC-2021-875",
        "CVE-2021-32807", "PYSEC-2021-872", "GHSA-j8fq-86c5-5v2r"})
    EXPECT_NE(text.find(id), std::string::npos) << id << "\n" << text;
  EXPECT_NE(text.find("related: PYSEC-2021-104"), std::string::npos) << text;

  const auto sarif = Json::parse(scan(dir, "sarif"));
  std::map<std::string, Json> results;
  for (const auto& r : sarif["runs"][0]["results"])
    results[r["ruleId"].get<std::string>()] = r;
  ASSERT_TRUE(results.contains("PYSEC-2021-88"));
  ASSERT_TRUE(results.contains("PYSEC-2021-104"));
  ASSERT_TRUE(results.contains("PYSEC-2021-871"));
  EXPECT_TRUE(names(results["PYSEC-2021-88"]["properties"]["aliases"], "CVE-2021-32633"));
  EXPECT_TRUE(names(results["PYSEC-2021-104"]["properties"]["aliases"], "CVE-2021-32674"));
  EXPECT_EQ(results["PYSEC-2021-88"]["properties"]["related"], Json::array({"PYSEC-2021-104"}));
  EXPECT_TRUE(names(results["PYSEC-2021-871"]["properties"]["aliases"], "PYSEC-2021-872"));
  bool rule_seen = false;
  for (const auto& rule : sarif["runs"][0]["tool"]["driver"]["rules"]) {
    if (rule["id"] != "PYSEC-2021-871")
      continue;
    rule_seen = true;
    EXPECT_TRUE(names(rule["properties"]["aliases"], "PYSEC-2021-872"));
  }
  EXPECT_TRUE(rule_seen);

  const auto junit = scan(dir, "junit");
  for (const char* id : {"CVE-2021-32633", "CVE-2021-32674", "PYSEC-2021-872"})
    EXPECT_NE(junit.find(id), std::string::npos) << id;
}

TEST_F(MergedAdvisories, IgnoringOneCveDropsExactlyItsFinding) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  TempDir dir;
  const auto all = ids(scan(dir, "json"));
  auto without = [](std::set<std::string> set, const std::string& id) {
    set.erase(id);
    return set;
  };
  // PYSEC-2021-104 shares a GHSA id with PYSEC-2021-88 and stays.
  EXPECT_EQ(ids(scan(dir, "json", "--ignore CVE-2021-32633")), without(all, "PYSEC-2021-88"));
  EXPECT_EQ(ids(scan(dir, "json", "--ignore GHSA-962m-m8jw-8wrr")), without(all, "PYSEC-2021-88"));
  // A merged record's id names the finding that kept it.
  EXPECT_EQ(ids(scan(dir, "json", "--ignore PYSEC-2021-872")), without(all, "PYSEC-2021-871"));

  dir.write(".moatignore", "PYSEC-2021-872 pkg:pypi/distributed # dask on localhost only\n"
                           "CVE-2021-32807\n");
  const auto by_file = run_moat("vuln --db " + q(s_db) + " --format json app.cdx.json", dir.path());
  ASSERT_EQ(by_file.exit_code, 1) << by_file.err;
  EXPECT_EQ(ids(by_file.out), without(without(all, "PYSEC-2021-871"), "PYSEC-2021-875"));
  std::filesystem::remove(dir.path() / ".moatignore");

  const auto vex = dir.write("app.vex.json", R"({
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.org/vex/2",
    "author": "team", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
    "statements": [{"vulnerability": {"name": "PYSEC-2021-872"},
                    "products": [{"@id": "pkg:pypi/distributed@2021.9.1"}],
                    "status": "not_affected",
                    "justification": "vulnerable_code_not_in_execute_path"}]})");
  EXPECT_EQ(ids(scan(dir, "json", "--vex " + q(vex))), without(all, "PYSEC-2021-871"));
}

TEST_F(VulnCli, BadInputsExitTwoWithOneLine) {
  TempDir dir;
  const auto db = dir.path() / "v.db";
  // A malformed advisory aborts the whole import; nothing is stored.
  dir.write("feed/GO-1.json", R"({"id": "GO-1", "affected": []})");
  dir.write("feed/GO-2.json", R"({"id": "GO-2", "affected": [)");
  const auto bad = run_moat("db import --db " + q(db) + " " + q(dir.path() / "feed"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("GO-2.json"), std::string::npos) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  // A database the failed import created is not left behind empty.
  EXPECT_FALSE(std::filesystem::exists(db));
  ASSERT_EQ(
      run_moat("db import -q --db " + q(db) + " " + q(dir.path() / "feed/GO-1.json")).exit_code, 0);
  const auto again = run_moat("db import --db " + q(db) + " " + q(dir.path() / "feed"));
  EXPECT_EQ(again.exit_code, 2);
  const auto stats = run_moat("db stats --format json --db " + q(db));
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_EQ(Json::parse(stats.out)["advisories"], 1); // an existing database is kept as it was

  // No database, a file that is not one, an SBOM that is not one.
  const auto missing =
      run_moat("vuln --db " + q(dir.path() / "none.db") + " " + q(dir.write("s.json", sbom({}))));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("moat db import"), std::string::npos);
  const auto foreign =
      run_moat("vuln --db " + q(dir.write("x.db", "garbage garbage garbage")) + " x");
  EXPECT_EQ(foreign.exit_code, 2);
  ASSERT_EQ(
      run_moat("db import -q --db " + q(db) + " " + q(dir.path() / "feed/GO-1.json")).exit_code, 0);
  const auto out = dir.path() / "report.json";
  const auto not_sbom = run_moat("vuln --db " + q(db) + " --output " + q(out) + " " +
                                 q(dir.write("n.json", R"({"hello": 1})")));
  EXPECT_EQ(not_sbom.exit_code, 2);
  EXPECT_NE(not_sbom.err.find("n.json"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out));
  const auto bad_vex = run_moat("vuln --db " + q(db) + " --vex " + q(dir.write("bad.vex", "{")) +
                                " " + q(dir.path() / "s.json"));
  EXPECT_EQ(bad_vex.exit_code, 2);
  EXPECT_NE(bad_vex.err.find("bad.vex"), std::string::npos);
}

// A Debian 12 root file system with OpenSSL's libssl3 (a binary package of
// source openssl) and Debian's python3-requests, as dpkg and pip leave them.
void write_debian_rootfs(const TempDir& dir) {
  dir.write("rootfs/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
  dir.write("rootfs/etc/shadow", "root:*:19000::::::\nguest::19000::::::\n"); // an image finding
  dir.write("rootfs/var/lib/dpkg/status",
            "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\n"
            "Source: openssl\nVersion: 3.0.11-1~deb12u2\nDescription: x\n\n"
            "Package: python3-requests\nStatus: install ok installed\nArchitecture: all\n"
            "Source: requests\nVersion: 2.28.1+dfsg-1\nDescription: x\n\n");
  dir.write("rootfs/var/lib/dpkg/info/python3-requests.list",
            "/.\n/usr\n/usr/lib/python3/dist-packages/requests-2.28.1.egg-info\n"
            "/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO\n");
  dir.write("rootfs/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO",
            "Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\n");
  // The Debian Security Tracker's record: fixed in bookworm by a point release;
  // a second CVE bookworm never had (fixed_version "0").
  dir.write("tracker.json", R"({"openssl": {
    "CVE-2024-0727": {"description": "PKCS12 NULL dereference", "releases": {"bookworm":
      {"status": "resolved", "fixed_version": "3.0.13-1~deb12u1", "urgency": "low",
       "repositories": {"bookworm": "3.0.11-1~deb12u2"}}}},
    "CVE-2022-0778": {"description": "BN_mod_sqrt loop", "releases": {"bookworm":
      {"status": "resolved", "fixed_version": "0", "urgency": "high",
       "repositories": {"bookworm": "3.0.11-1~deb12u2"}}}}}})");
}

TEST_F(VulnCli, ImageReportsVulnerabilitiesWhenADatabaseIsThere) {
  TempDir dir;
  write_debian_rootfs(dir);
  const auto db = dir.path() / "v.db";
  ASSERT_EQ(run_moat("db import -q --db " + q(db) + " " + q(dir.path() / "tracker.json") + " " +
                     q(shared_dir() / "vulndata/pypi/requests"))
                .exit_code,
            0);
  const auto rootfs = "dir://" + (dir.path() / "rootfs").string();
  // Debian's python3-requests installed requests: matching it against PyPI
  // takes --include-os-owned.
  const auto r =
      run_moat("image --no-progress --format json --include-os-owned --db " + q(db) + " " + rootfs);
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto findings = findings_of(r);
  const auto* openssl = find(findings, "CVE-2024-0727");
  ASSERT_NE(openssl, nullptr) << r.out;
  EXPECT_EQ((*openssl)["package"]["name"], "libssl3");
  EXPECT_EQ((*openssl)["package"]["version"], "3.0.11-1~deb12u2");
  EXPECT_EQ((*openssl)["package"]["ecosystem"], "Debian:12");
  EXPECT_EQ((*openssl)["fixed_version"], "3.0.13-1~deb12u1");
  EXPECT_EQ((*openssl)["state"], "fixed");
  EXPECT_EQ((*openssl)["rating"], "low"); // the tracker's urgency
  EXPECT_EQ((*openssl)["severity"], "low");
  EXPECT_EQ(find(findings, "CVE-2022-0778"), nullptr); // bookworm was never affected
  const auto* requests = find(findings, "PYSEC-2023-74");
  ASSERT_NE(requests, nullptr) << r.out;
  EXPECT_EQ((*requests)["package"]["path"],
            "/usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO");
  // Image checks still run beside them.
  auto image_checks = [](const Json& list) {
    return std::count_if(list.begin(), list.end(), [](const Json& f) {
      return f["id"].get<std::string>().starts_with("IM");
    });
  };
  EXPECT_GT(image_checks(findings), 0);

  const auto skipped =
      run_moat("image --no-progress --format json --skip-vulns --db " + q(db) + " " + rootfs);
  EXPECT_EQ(find(findings_of(skipped), "CVE-2024-0727"), nullptr);
  EXPECT_EQ(image_checks(findings_of(skipped)), image_checks(findings));
  // --ignore takes advisory ids and aliases like any rule id.
  const auto ignored = run_moat("image --no-progress --format json --include-os-owned "
                                "--ignore CVE-2023-32681 --db " +
                                q(db) + " " + rootfs);
  EXPECT_EQ(find(findings_of(ignored), "PYSEC-2023-74"), nullptr);
  EXPECT_NE(find(findings_of(ignored), "CVE-2024-0727"), nullptr);
}

TEST_F(VulnCli, MoatsOwnSbomGivesTheSameFindingsAsTheImage) {
  TempDir dir;
  write_debian_rootfs(dir);
  const auto db = dir.path() / "v.db";
  ASSERT_EQ(run_moat("db import -q --db " + q(db) + " " + q(dir.path() / "tracker.json") + " " +
                     q(shared_dir() / "vulndata/pypi/requests"))
                .exit_code,
            0);
  const auto rootfs = "dir://" + (dir.path() / "rootfs").string();
  // The SBOM records which OS package installed a language package, so both
  // decide alike whether to match it, and say so alike.
  auto keys = [](const RunResult& r) {
    std::set<std::string> out;
    for (const auto& f : findings_of(r))
      out.insert(f["id"].get<std::string>() + " " + f["package"]["name"].get<std::string>() + " " +
                 f["package"].value("installed_by", "-"));
    return out;
  };
  for (const std::string format : {"cyclonedx", "spdx"}) {
    const auto sbom = dir.path() / ("sbom-" + format + ".json");
    ASSERT_EQ(
        run_moat("sbom --no-progress --format " + format + " --output " + q(sbom) + " " + rootfs)
            .exit_code,
        0);
    for (const std::string flag : {"", "--include-os-owned"}) {
      SCOPED_TRACE(format + " " + flag);
      const auto from_image =
          run_moat("vuln --no-progress --format json " + flag + " --db " + q(db) + " " + rootfs);
      const auto from_sbom =
          run_moat("vuln --format json " + flag + " --db " + q(db) + " " + q(sbom));
      ASSERT_NE(from_sbom.exit_code, 2) << from_sbom.err;
      EXPECT_EQ(from_sbom.exit_code, from_image.exit_code);
      const auto a = keys(from_image);
      EXPECT_EQ(a, keys(from_sbom));
      EXPECT_TRUE(a.contains("CVE-2024-0727 libssl3 -"));
      EXPECT_EQ(a.contains("PYSEC-2023-74 requests python3-requests"), !flag.empty());
    }
  }
}

// By default a language package an OS package installed is matched through
// the OS package only, and a note says so; --include-os-owned adds the
// language's advisories, each finding naming the OS package.
TEST_F(VulnCli, LanguagePackagesAnOsPackageInstalledAreMatchedThroughIt) {
  TempDir dir;
  write_debian_rootfs(dir);
  // pip's own requests beside Debian's: no OS package claims it.
  dir.write("rootfs/usr/local/lib/python3.11/dist-packages/requests-2.30.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: requests\nVersion: 2.30.0\n");
  const auto db = dir.path() / "v.db";
  ASSERT_EQ(run_moat("db import -q --db " + q(db) + " " + q(dir.path() / "tracker.json") + " " +
                     q(shared_dir() / "vulndata/pypi/requests"))
                .exit_code,
            0);
  const auto rootfs = "dir://" + (dir.path() / "rootfs").string();
  const std::string note = "1 language package(s) installed by OS packages were matched through "
                           "their OS package (--include-os-owned matches them against their "
                           "language advisories too)";
  auto pypi_versions = [](const Json& findings) {
    std::multiset<std::string> out;
    for (const auto& f : findings)
      if (f.contains("package") && f["package"]["ecosystem"] == "PyPI") // image checks have none
        out.insert(f["id"].get<std::string>() + " " + f["package"]["version"].get<std::string>() +
                   " " + f["package"].value("installed_by", "-"));
    return out;
  };
  for (const std::string verb : {"vuln", "image"}) {
    SCOPED_TRACE(verb);
    const auto plain = run_moat(verb + " --no-progress --format json --db " + q(db) + " " + rootfs);
    ASSERT_EQ(plain.exit_code, 1) << plain.err;
    const auto doc = Json::parse(plain.out);
    EXPECT_EQ(pypi_versions(findings_of(plain)),
              (std::multiset<std::string>{"PYSEC-2023-74 2.30.0 -"}));
    EXPECT_NE(find(findings_of(plain), "CVE-2024-0727"), nullptr); // the OS package still is
    const auto notes = doc["targets"][0].value("notes", Json::array());
    EXPECT_NE(std::find(notes.begin(), notes.end(), note), notes.end()) << notes;

    const auto all = run_moat(verb + " --no-progress --format json --include-os-owned --db " +
                              q(db) + " " + rootfs);
    ASSERT_EQ(all.exit_code, 1) << all.err;
    EXPECT_EQ(pypi_versions(findings_of(all)),
              (std::multiset<std::string>{"PYSEC-2023-74 2.28.1 python3-requests",
                                          "PYSEC-2023-74 2.30.0 -"}));
    const auto all_notes = Json::parse(all.out)["targets"][0].value("notes", Json::array());
    EXPECT_EQ(std::find(all_notes.begin(), all_notes.end(), note), all_notes.end()) << all_notes;
  }
  const auto text = run_moat("vuln --no-progress --db " + q(db) + " " + rootfs);
  EXPECT_NE(text.out.find("note: " + note), std::string::npos) << text.out;
}

TEST_F(VulnCli, UpdateSaysWhenThereIsNoNetwork) {
  TempDir dir;
  // An address nothing listens on stands in for a machine without a network.
  const auto r =
      run_moat("db update --db " + q(dir.path() / "v.db") + " --source osv:PyPI", {}, {});
  if (r.exit_code == 0)
    GTEST_SKIP() << "this machine reached the OSV feed";
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot download osv:PyPI"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "v.db"));
}

// Padding a package's METADATA must not hide it: up to the database limit
// it is read (and matched); beyond it the scan reports IM020 at high
// severity instead of coming back clean. Sparse files keep the test cheap.
TEST_F(VulnCli, PaddedMetadataCannotHideAPackage) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  TempDir dir;
  const std::string metadata = "Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\n\n";
  const auto site = std::string("rootfs/usr/lib/python3/dist-packages/requests-2.28.1.dist-info/");
  auto padded = dir.write(site + "METADATA", metadata);
  std::filesystem::resize_file(padded, std::uintmax_t{9} << 20U); // was over the old 8 MiB cap
  const auto target = "dir://" + (dir.path() / "rootfs").string();
  auto r = run_moat("vuln --no-progress --db " + q(s_db) + " --format json " + q(target));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(find(findings_of(r), "PYSEC-2023-74"), nullptr) << r.out;

  std::filesystem::resize_file(padded, std::uintmax_t{300} << 20U); // over today's limit
  r = run_moat("vuln --no-progress --db " + q(s_db) + " --format json " + q(target));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto findings = findings_of(r);
  const auto* unread = find(findings, "IM020");
  ASSERT_NE(unread, nullptr) << r.out;
  EXPECT_EQ((*unread)["severity"], "high");
  EXPECT_NE((*unread)["message"].get<std::string>().find(
                "package database too large to read: /usr/lib/python3/dist-packages/"
                "requests-2.28.1.dist-info/METADATA, 314572800 bytes"),
            std::string::npos)
      << (*unread)["message"];
  // moat image reports it too, and --fail-on high catches it.
  r = run_moat("image --no-progress --skip-vulns --fail-on high --format json " + q(target));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(find(findings_of(r), "IM020"), nullptr) << r.out;
}

// The table layout Trivy and Grype users read, and the summary naming an
// SBOM as one.
TEST_F(VulnCli, TableLayoutAndSbomSummary) {
  ASSERT_EQ(s_import->exit_code, 0) << s_import->err;
  TempDir dir;
  const auto file = dir.write("app.cdx.json", sbom({"pkg:pypi/requests@2.28.1"}));
  const auto r = run_moat("vuln --db " + q(s_db) + " --format table " + q(file));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto header = r.out.find("PACKAGE   INSTALLED  FIXED");
  ASSERT_NE(header, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ID"), std::string::npos);
  EXPECT_NE(r.out.find("SEVERITY"), std::string::npos);
  // One row: requests, 2.28.1, 2.31.0, PYSEC-2023-74, its severity.
  bool row = false;
  for (auto line : split_lines(r.out))
    row = row ||
          (line.find("requests") != std::string::npos && line.find("2.28.1") != std::string::npos &&
           line.find("2.31.0") != std::string::npos &&
           line.find("PYSEC-2023-74") != std::string::npos);
  EXPECT_TRUE(row) << r.out;
  EXPECT_NE(r.out.find("in 1 SBOM:"), std::string::npos) << r.out;
}

} // namespace
} // namespace moat::test
