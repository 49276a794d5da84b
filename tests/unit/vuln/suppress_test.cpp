#include <moat/vuln/suppress.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using moat::core::ErrorKind;
using moat::vuln::IgnoreRule;
using moat::vuln::parse_ignore_file;
using moat::vuln::parse_vex;
using moat::vuln::purl_covers;
using moat::vuln::rule_active;
using moat::vuln::VexStatement;

// ---------------------------------------------------------------------------
// .moatignore

TEST(SuppressIgnoreFile, ReadsEveryScope) {
  auto rules = parse_ignore_file("# accepted risks\n"
                                 "\n"
                                 "CVE-2023-1234 pkg:pypi/requests@2.0.0 path:/app exp:2024-12-31  "
                                 "# not reachable, see TICKET-9\n"
                                 "GHSA-abcd-efgh-ijkl package:lodash\n",
                                 ".moatignore");
  ASSERT_TRUE(rules) << rules.error().to_string();
  ASSERT_EQ(rules->size(), 2U);
  const IgnoreRule& first = (*rules)[0];
  EXPECT_EQ(first.id, "CVE-2023-1234");
  EXPECT_EQ(first.purl, "pkg:pypi/requests@2.0.0"); // the purl keeps its "pkg:"
  EXPECT_EQ(first.package, "");
  EXPECT_EQ(first.path, "/app");
  EXPECT_EQ(first.expires, "2024-12-31");
  EXPECT_EQ(first.comment, "not reachable, see TICKET-9");
  EXPECT_EQ(first.line, 3);
  const IgnoreRule& second = (*rules)[1];
  EXPECT_EQ(second.id, "GHSA-abcd-efgh-ijkl");
  EXPECT_EQ(second.package, "lodash");
  EXPECT_EQ(second.purl, "");
  EXPECT_EQ(second.expires, "");
  EXPECT_EQ(second.comment, "");
  EXPECT_EQ(second.line, 4);
}

TEST(SuppressIgnoreFile, ReadsTrivyIgnoreFiles) {
  auto rules = parse_ignore_file("# Accept the risk\r\n"
                                 "CVE-2018-14618\r\n"
                                 "\r\n"
                                 "# No impact in our settings\r\n"
                                 "CVE-2019-1543 exp:2023-01-01\r\n"
                                 "AVD-DS-0002\r\n",
                                 ".trivyignore");
  ASSERT_TRUE(rules) << rules.error().to_string();
  ASSERT_EQ(rules->size(), 3U);
  EXPECT_EQ((*rules)[0].id, "CVE-2018-14618");
  EXPECT_EQ((*rules)[0].line, 2);
  EXPECT_EQ((*rules)[1].id, "CVE-2019-1543");
  EXPECT_EQ((*rules)[1].expires, "2023-01-01");
  EXPECT_EQ((*rules)[2].id, "AVD-DS-0002");
}

TEST(SuppressIgnoreFile, IdsMayHoldColonsAndPurlsHashes) {
  // Red Hat advisory ids hold a ':'; a purl's '#' starts its subpath, not a comment.
  auto rules = parse_ignore_file(
      "RHSA-2023:1234 pkg:golang/google.golang.org/genproto#googleapis/api # why\n", "ignore");
  ASSERT_TRUE(rules) << rules.error().to_string();
  ASSERT_EQ(rules->size(), 1U);
  EXPECT_EQ((*rules)[0].id, "RHSA-2023:1234");
  EXPECT_EQ((*rules)[0].purl, "pkg:golang/google.golang.org/genproto#googleapis/api");
  EXPECT_EQ((*rules)[0].comment, "why");
}

struct BadLine {
  const char* text;
  int line;
  int column;
  const char* message;
};

TEST(SuppressIgnoreFile, ErrorsNameTheFileAndLine) {
  const BadLine cases[] = {
      {"CVE-1\nCVE-2 severity:high\n", 2, 7, "unknown scope 'severity:'"},
      {"CVE-1 CVE-2\n", 1, 7, "a second id 'CVE-2'"},
      {"# c\nCVE-1 exp:2023-02-29\n", 2, 7, "exp: wants a date"},
      {"CVE-1 exp:2024-13-01\n", 1, 7, "exp: wants a date"},
      {"CVE-1 exp:2024-04-31\n", 1, 7, "exp: wants a date"},
      {"CVE-1 exp:2024-1-01\n", 1, 7, "exp: wants a date"},
      {"CVE-1 exp:2024-01-00\n", 1, 7, "exp: wants a date"},
      {"CVE-1 exp:tomorrow\n", 1, 7, "exp: wants a date"},
      {"CVE-1 path:\n", 1, 7, "path: needs a value"},
      {"CVE-1 path:/a path:/b\n", 1, 15, "path: given twice"},
      {"exp:2024-01-01\n", 1, 1, "names no advisory id"},
      {"CVE-1 pkg:\n", 1, 7, "invalid purl"},
      {"CVE-1 pkg:pypi\n", 1, 7, "invalid purl"},
      {"CVE-1 pkg:pypi/requests package:requests\n", 1, 1, "cannot both"},
  };
  for (const auto& c : cases) {
    auto rules = parse_ignore_file(c.text, "proj/.moatignore");
    ASSERT_FALSE(rules) << c.text;
    EXPECT_EQ(rules.error().kind, ErrorKind::parse) << c.text;
    EXPECT_EQ(rules.error().input, "proj/.moatignore") << c.text;
    EXPECT_EQ(rules.error().line, c.line) << c.text;
    EXPECT_EQ(rules.error().column, c.column) << c.text;
    EXPECT_NE(rules.error().message.find(c.message), std::string::npos)
        << c.text << " -> " << rules.error().message;
  }
}

TEST(SuppressIgnoreFile, AcceptsRealDatesOnly) {
  // 2024 is a leap year, 2000 too (divisible by 400), 1900 is not.
  for (const char* good : {"2024-02-29", "2000-02-29", "2023-12-31", "2023-04-30"}) {
    auto rules = parse_ignore_file(std::string("CVE-1 exp:") + good, "f");
    ASSERT_TRUE(rules) << good;
    EXPECT_EQ((*rules)[0].expires, good);
  }
  for (const char* bad : {"1900-02-29", "2023-02-29", "2023-06-31", "2023-00-10", "20231-01-01"})
    EXPECT_FALSE(parse_ignore_file(std::string("CVE-1 exp:") + bad, "f")) << bad;
}

TEST(SuppressIgnoreFile, EmptyInputHasNoRules) {
  auto rules = parse_ignore_file("\n   \n# only comments\n", "f");
  ASSERT_TRUE(rules);
  EXPECT_TRUE(rules->empty());
}

TEST(SuppressIgnoreFile, ActiveUntilTheEndOfTheExpiryDay) {
  IgnoreRule rule;
  rule.id = "CVE-1";
  EXPECT_TRUE(rule_active(rule, "2099-01-01")); // never expires
  rule.expires = "2024-06-30";
  EXPECT_TRUE(rule_active(rule, "2024-06-29"));
  EXPECT_TRUE(rule_active(rule, "2024-06-30"));
  EXPECT_FALSE(rule_active(rule, "2024-07-01"));
  EXPECT_FALSE(rule_active(rule, "2025-01-01"));
}

// ---------------------------------------------------------------------------
// OpenVEX

constexpr const char* k_openvex_v020 = R"json({
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-2e67563e128250cbcb3e98930df948dd053e43271d70dc50cfa22d57e03fe96f",
  "author": "Wolfi J Inkinson",
  "role": "Document Creator",
  "timestamp": "2023-01-08T18:02:03.647787998-06:00",
  "version": 1,
  "statements": [
    {
      "vulnerability": {
        "@id": "https://nvd.nist.gov/vuln/detail/CVE-2019-17571",
        "name": "CVE-2019-17571",
        "description": "Deserialization in Apache Log4j 1.2",
        "aliases": ["GHSA-2qrg-x229-3v8q"]
      },
      "products": [
        {"@id": "pkg:maven/log4j/log4j@1.2.17"}
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path",
      "impact_statement": "SocketServer is never started"
    },
    {
      "vulnerability": {"name": "CVE-2023-0001"},
      "products": [
        {
          "@id": "pkg:oci/app@sha256%3A1234",
          "identifiers": {"purl": "pkg:oci/app@sha256%3A1234?repository_url=ghcr.io%2Facme%2Fapp"},
          "subcomponents": [
            {"@id": "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64"},
            {"@id": "https://example.com/sbom#git", "identifiers": {"purl": "pkg:apk/wolfi/git-daemon@2.39.0-r1"}}
          ]
        },
        {"@id": "pkg:deb/debian/curl", "identifiers": {"cpe23": "cpe:2.3:a:haxx:curl:*:*:*:*:*:*:*:*"}}
      ],
      "status": "fixed"
    },
    {
      "vulnerability": {"name": "CVE-2023-0002"},
      "products": [{"@id": "pkg:pypi/requests"}],
      "status": "affected",
      "action_statement": "Upgrade to 2.31.0"
    }
  ]
})json";

TEST(SuppressOpenVex, ReadsVersion020) {
  auto statements = parse_vex(k_openvex_v020, "app.openvex.json");
  ASSERT_TRUE(statements) << statements.error().to_string();
  ASSERT_EQ(statements->size(), 3U);
  const VexStatement& log4j = (*statements)[0];
  EXPECT_EQ(log4j.vulnerability, "CVE-2019-17571");
  EXPECT_EQ(log4j.aliases, std::vector<std::string>{"GHSA-2qrg-x229-3v8q"});
  EXPECT_EQ(log4j.products, std::vector<std::string>{"pkg:maven/log4j/log4j@1.2.17"});
  EXPECT_EQ(log4j.status, "not_affected");
  EXPECT_EQ(log4j.justification, "vulnerable_code_not_in_execute_path");
  EXPECT_EQ(log4j.detail, "SocketServer is never started");

  // Subcomponents stand for their product; identifiers.purl wins over @id.
  const VexStatement& git = (*statements)[1];
  EXPECT_EQ(git.status, "fixed");
  EXPECT_EQ(git.products, (std::vector<std::string>{"pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64",
                                                    "pkg:apk/wolfi/git-daemon@2.39.0-r1",
                                                    "pkg:deb/debian/curl"}));
  EXPECT_TRUE(git.aliases.empty());
  EXPECT_EQ(git.justification, "");

  const VexStatement& requests = (*statements)[2];
  EXPECT_EQ(requests.status, "affected");
  EXPECT_EQ(requests.detail, "Upgrade to 2.31.0");
}

constexpr const char* k_openvex_v001 = R"json({
  "@context": "https://openvex.dev/ns",
  "@id": "https://openvex.dev/docs/example/vex-9fb3463de1b57",
  "author": "Wolfi J Inkinson",
  "role": "Document Creator",
  "timestamp": "2023-01-08T18:02:03-06:00",
  "version": "1",
  "statements": [
    {
      "vulnerability": "CVE-2014-123456",
      "products": ["pkg:apk/distro/git@2.39.0-r1?arch=armv7"],
      "status": "fixed"
    },
    {
      "vulnerability": "CVE-2014-654321",
      "products": ["pkg:oci/image@sha256%3Aabc"],
      "subcomponents": ["pkg:npm/lodash@4.17.20"],
      "status": "under_investigation"
    }
  ]
})json";

TEST(SuppressOpenVex, ReadsVersion00x) {
  auto statements = parse_vex(k_openvex_v001, "old.vex");
  ASSERT_TRUE(statements) << statements.error().to_string();
  ASSERT_EQ(statements->size(), 2U);
  EXPECT_EQ((*statements)[0].vulnerability, "CVE-2014-123456");
  EXPECT_EQ((*statements)[0].products,
            std::vector<std::string>{"pkg:apk/distro/git@2.39.0-r1?arch=armv7"});
  EXPECT_EQ((*statements)[0].status, "fixed");
  EXPECT_EQ((*statements)[1].products, std::vector<std::string>{"pkg:npm/lodash@4.17.20"});
  EXPECT_EQ((*statements)[1].status, "under_investigation");
}

TEST(SuppressOpenVex, BadStatementsAreErrors) {
  const std::string head = R"({"@context": "https://openvex.dev/ns/v0.2.0", "statements": [)";
  const std::pair<std::string, const char*> cases[] = {
      {R"({"vulnerability": {"name": "CVE-1"}, "products": [], "status": "fixed"})",
       "at least one product"},
      {R"({"vulnerability": {"name": "CVE-1"}, "status": "fixed"})", "at least one product"},
      {R"({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}], "status": "wontfix"})",
       "unknown status 'wontfix'"},
      {R"({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}]})",
       "status is missing"},
      {R"({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}], "status": "not_affected", "justification": "because"})",
       "unknown justification 'because'"},
      {R"({"vulnerability": 5, "products": ["pkg:npm/x"], "status": "fixed"})",
       "vulnerability must be a string or an object"},
      {R"({"vulnerability": {"name": ""}, "products": ["pkg:npm/x"], "status": "fixed"})",
       "has no name"},
      {R"({"products": ["pkg:npm/x"], "status": "fixed"})", "vulnerability is missing"},
      {R"({"vulnerability": "CVE-1", "products": "pkg:npm/x", "status": "fixed"})",
       "products must be an array"},
      {R"({"vulnerability": "CVE-1", "products": [{"hashes": {}}], "status": "fixed"})",
       "needs an @id"},
      {R"({"vulnerability": "CVE-1", "products": [3], "status": "fixed"})",
       "a string or an object"},
      {R"({"vulnerability": "CVE-1", "products": ["pkg:npm/x"], "status": true})",
       "status must be a string"},
      {R"({"vulnerability": {"name": "CVE-1", "aliases": "GHSA-1"}, "products": ["pkg:npm/x"], "status": "fixed"})",
       "aliases must be an array"},
      {R"("statement")", "a statement must be an object"},
  };
  for (const auto& [statement, message] : cases) {
    auto result = parse_vex(head + statement + "]}", "bad.openvex.json");
    ASSERT_FALSE(result) << statement;
    EXPECT_EQ(result.error().kind, ErrorKind::parse);
    EXPECT_EQ(result.error().input, "bad.openvex.json");
    EXPECT_NE(result.error().message.find("statements[0]"), std::string::npos)
        << result.error().message;
    EXPECT_NE(result.error().message.find(message), std::string::npos)
        << statement << " -> " << result.error().message;
  }
  auto no_statements = parse_vex(R"({"@context": "https://openvex.dev/ns/v0.2.0"})", "x");
  ASSERT_FALSE(no_statements);
  EXPECT_NE(no_statements.error().message.find("needs statements"), std::string::npos);
}

// ---------------------------------------------------------------------------
// CycloneDX VEX

constexpr const char* k_cyclonedx_vex = R"json({
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "version": 1,
  "components": [
    {"bom-ref": "libc-ref", "type": "library", "name": "libc6", "version": "2.36-9",
     "purl": "pkg:deb/debian/libc6@2.36-9?arch=amd64"},
    {"bom-ref": "app", "type": "application", "name": "app", "components": [
      {"bom-ref": "pkg:npm/lodash@4.17.20#2", "type": "library", "name": "lodash",
       "purl": "pkg:npm/lodash@4.17.20"}]}
  ],
  "vulnerabilities": [
    {
      "id": "CVE-2023-4911",
      "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2023-4911"},
      "references": [{"id": "DSA-5514-1", "source": {"name": "Debian"}}],
      "analysis": {"state": "not_affected", "justification": "code_not_reachable",
                   "detail": "setuid binaries are removed"},
      "affects": [{"ref": "libc-ref"}]
    },
    {
      "id": "CVE-2021-23337",
      "analysis": {"state": "exploitable"},
      "affects": [{"ref": "pkg:npm/lodash@4.17.20#2"},
                  {"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#libc-ref"},
                  {"ref": "urn:cdx:0000/1#pkg:pypi/requests@2.0.0"},
                  {"ref": "urn:cdx:0000/1#pkg%3Apypi%2Fflask%402.0.0"},
                  {"ref": "pkg:golang/golang.org/x/net@v0.1.0"}]
    },
    {"id": "CVE-2020-0001", "affects": [{"ref": "libc-ref"}]}
  ]
})json";

TEST(SuppressCycloneDxVex, ResolvesRefsAndMapsStates) {
  auto statements = parse_vex(k_cyclonedx_vex, "app.cdx.vex.json");
  ASSERT_TRUE(statements) << statements.error().to_string();
  ASSERT_EQ(statements->size(), 2U); // the one without an analysis states nothing
  const VexStatement& glibc = (*statements)[0];
  EXPECT_EQ(glibc.vulnerability, "CVE-2023-4911");
  EXPECT_EQ(glibc.aliases, std::vector<std::string>{"DSA-5514-1"});
  EXPECT_EQ(glibc.products, std::vector<std::string>{"pkg:deb/debian/libc6@2.36-9?arch=amd64"});
  EXPECT_EQ(glibc.status, "not_affected");
  EXPECT_EQ(glibc.justification, "code_not_reachable");
  EXPECT_EQ(glibc.detail, "setuid binaries are removed");

  const VexStatement& lodash = (*statements)[1];
  EXPECT_EQ(lodash.status, "affected");
  EXPECT_EQ(lodash.products, (std::vector<std::string>{
                                 "pkg:npm/lodash@4.17.20", "pkg:deb/debian/libc6@2.36-9?arch=amd64",
                                 "pkg:pypi/requests@2.0.0", "pkg:pypi/flask@2.0.0",
                                 "pkg:golang/golang.org/x/net@v0.1.0"}));
}

TEST(SuppressCycloneDxVex, EveryStateHasAnOpenVexWord) {
  const std::pair<const char*, const char*> cases[] = {
      {"not_affected", "not_affected"},
      {"false_positive", "not_affected"},
      {"resolved", "fixed"},
      {"resolved_with_pedigree", "fixed"},
      {"exploitable", "affected"},
      {"in_triage", "under_investigation"},
  };
  for (const auto& [state, status] : cases) {
    const std::string doc = std::string(R"({"bomFormat": "CycloneDX", "vulnerabilities": [
      {"id": "CVE-1", "analysis": {"state": ")") +
                            state + R"("}, "affects": [{"ref": "pkg:npm/x@1"}]}]})";
    auto statements = parse_vex(doc, "states.json");
    ASSERT_TRUE(statements) << state << ": " << statements.error().to_string();
    ASSERT_EQ(statements->size(), 1U);
    EXPECT_EQ((*statements)[0].status, status) << state;
  }
}

TEST(SuppressCycloneDxVex, BadVulnerabilitiesAreErrors) {
  const std::string head = R"({"bomFormat": "CycloneDX", "components": [
    {"bom-ref": "nopurl", "type": "library", "name": "x"}], "vulnerabilities": [)";
  const std::pair<std::string, const char*> cases[] = {
      {R"({"id": "CVE-1", "analysis": {"state": "maybe"}, "affects": [{"ref": "pkg:npm/x"}]})",
       "unknown analysis state 'maybe'"},
      {R"({"id": "CVE-1", "analysis": {"state": "not_affected", "justification": "trust_me"}, "affects": [{"ref": "pkg:npm/x"}]})",
       "unknown justification 'trust_me'"},
      {R"({"id": "CVE-1", "analysis": {"state": "not_affected"}, "affects": [{"ref": "somewhere"}]})",
       "neither a purl nor a component"},
      {R"({"id": "CVE-1", "analysis": {"state": "not_affected"}, "affects": [{"ref": "nopurl"}]})",
       "has no purl"},
      {R"({"id": "CVE-1", "analysis": {"state": "not_affected"}, "affects": [{"ref": "urn:cdx:abc/1"}]})",
       "names no component"},
      {R"({"id": "CVE-1", "analysis": {"state": "not_affected"}, "affects": []})",
       "affects names no component"},
      {R"({"id": "CVE-1", "analysis": {"state": "not_affected"}})", "affects names no component"},
      {R"({"analysis": {"state": "not_affected"}, "affects": [{"ref": "pkg:npm/x"}]})",
       "id is missing"},
      {R"({"id": "CVE-1", "analysis": "not_affected", "affects": [{"ref": "pkg:npm/x"}]})",
       "analysis must be an object"},
      {R"({"id": "CVE-1", "analysis": {"state": 1}, "affects": [{"ref": "pkg:npm/x"}]})",
       "state must be a string"},
      {R"({"id": "CVE-1", "analysis": {"state": "resolved"}, "affects": [{"ref": 2}]})",
       "ref must be a string"},
  };
  for (const auto& [vulnerability, message] : cases) {
    auto result = parse_vex(head + vulnerability + "]}", "bad.cdx.json");
    ASSERT_FALSE(result) << vulnerability;
    EXPECT_EQ(result.error().input, "bad.cdx.json");
    EXPECT_NE(result.error().message.find(message), std::string::npos)
        << vulnerability << " -> " << result.error().message;
  }
  auto sbom_only = parse_vex(R"({"bomFormat": "CycloneDX", "components": []})", "sbom.json");
  ASSERT_FALSE(sbom_only);
  EXPECT_NE(sbom_only.error().message.find("not VEX"), std::string::npos);
}

TEST(SuppressVex, NotAVexDocument) {
  for (const char* text : {"{}", "[]", R"({"spdxVersion": "SPDX-2.3"})",
                           R"({"@context": "https://example.com/ns"})", R"("text")"}) {
    auto result = parse_vex(text, "random.json");
    ASSERT_FALSE(result) << text;
    EXPECT_EQ(result.error().kind, ErrorKind::parse);
    EXPECT_EQ(result.error().input, "random.json");
    EXPECT_EQ(result.error().message, "not an OpenVEX or CycloneDX VEX document");
  }
}

TEST(SuppressVex, InvalidJson) {
  auto result = parse_vex("{\"@context\": \"https://openvex.dev/ns/v0.2.0\",\n\"statements\": [,]}",
                          "broken.vex");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().input, "broken.vex");
  EXPECT_EQ(result.error().message.rfind("invalid JSON: ", 0), 0U) << result.error().message;
  EXPECT_EQ(result.error().line, 2);
  auto empty = parse_vex("", "empty.vex");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message.rfind("invalid JSON: ", 0), 0U) << empty.error().message;
}

// ---------------------------------------------------------------------------
// purl_covers

TEST(SuppressPurlCovers, VersionlessPatternCoversEveryVersion) {
  EXPECT_TRUE(purl_covers("pkg:pypi/requests", "pkg:pypi/requests@2.0.0"));
  EXPECT_TRUE(purl_covers("pkg:pypi/requests", "pkg:pypi/requests"));
  EXPECT_TRUE(purl_covers("pkg:pypi/requests@2.0.0", "pkg:pypi/requests@2.0.0"));
  EXPECT_FALSE(purl_covers("pkg:pypi/requests@2.0.0", "pkg:pypi/requests@2.0.1"));
  EXPECT_FALSE(purl_covers("pkg:pypi/requests@2.0.0", "pkg:pypi/requests"));
}

TEST(SuppressPurlCovers, TypeNamespaceAndNameMustAgree) {
  EXPECT_FALSE(purl_covers("pkg:pypi/requests", "pkg:npm/requests@1"));
  EXPECT_FALSE(purl_covers("pkg:pypi/requests", "pkg:pypi/request@1"));
  EXPECT_FALSE(purl_covers("pkg:deb/debian/curl", "pkg:deb/ubuntu/curl@1"));
  EXPECT_FALSE(purl_covers("pkg:maven/org.a/lib", "pkg:maven/org.b/lib@1"));
  EXPECT_FALSE(purl_covers("pkg:maven/org.a/Lib", "pkg:maven/org.a/lib@1")); // maven keeps case
  EXPECT_TRUE(purl_covers("PKG:Deb/Debian/Curl", "pkg:deb/debian/curl@7.88.1-10"));
  EXPECT_TRUE(purl_covers("pkg:npm/%40babel/core", "pkg:npm/@babel/core@7.24.0"));
  EXPECT_TRUE(purl_covers("pkg:golang/golang.org/x/net", "pkg:golang/golang.org/x/net@v0.17.0"));
}

TEST(SuppressPurlCovers, PypiNamesArePep503Normalised) {
  EXPECT_TRUE(purl_covers("pkg:pypi/Typing_Extensions", "pkg:pypi/typing-extensions@4.8.0"));
  EXPECT_TRUE(purl_covers("pkg:pypi/zope.interface", "pkg:pypi/zope-interface@6.0"));
  EXPECT_TRUE(purl_covers("pkg:pypi/a-_.b", "pkg:pypi/A.B@1"));
  EXPECT_FALSE(purl_covers("pkg:pypi/zopeinterface", "pkg:pypi/zope-interface@6.0"));
}

TEST(SuppressPurlCovers, PatternQualifiersMustAllBePresent) {
  const char* purl = "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12";
  EXPECT_TRUE(purl_covers("pkg:deb/debian/libc6", purl));
  EXPECT_TRUE(purl_covers("pkg:deb/debian/libc6?arch=amd64", purl));
  EXPECT_TRUE(purl_covers("pkg:deb/debian/libc6@2.36-9?distro=debian-12&arch=amd64", purl));
  EXPECT_FALSE(purl_covers("pkg:deb/debian/libc6?arch=arm64", purl));
  EXPECT_FALSE(purl_covers("pkg:deb/debian/libc6?arch=amd64&epoch=1", purl));
}

TEST(SuppressPurlCovers, EpochsCompareInEitherSpelling) {
  // moat and Syft put the epoch in the version, Trivy in a qualifier.
  const char* trivy = "pkg:deb/debian/passwd@4.13%2Bdfsg1-1?arch=amd64&epoch=1";
  const char* moat = "pkg:deb/debian/passwd@1%3A4.13%2Bdfsg1-1?arch=amd64&distro=debian-12";
  EXPECT_TRUE(purl_covers("pkg:deb/debian/passwd@1:4.13+dfsg1-1", trivy));
  EXPECT_TRUE(purl_covers("pkg:deb/debian/passwd@4.13+dfsg1-1?epoch=1", moat));
  EXPECT_TRUE(purl_covers("pkg:deb/debian/passwd?epoch=1", moat));
  EXPECT_FALSE(purl_covers("pkg:deb/debian/passwd@4.13+dfsg1-1", trivy)); // epoch 0 vs 1
  EXPECT_FALSE(purl_covers("pkg:deb/debian/passwd@2:4.13+dfsg1-1", moat));
  EXPECT_FALSE(purl_covers("pkg:deb/debian/passwd?epoch=2", trivy));
  EXPECT_TRUE(purl_covers("pkg:rpm/redhat/vim@0:8.2-1", "pkg:rpm/redhat/vim@8.2-1"));
  // Other types have no epochs: a ':' is part of the version.
  EXPECT_FALSE(purl_covers("pkg:generic/x@1:2", "pkg:generic/x@2?epoch=1"));
}

TEST(SuppressPurlCovers, MalformedPurlsCoverNothing) {
  EXPECT_FALSE(purl_covers("requests", "pkg:pypi/requests@1"));
  EXPECT_FALSE(purl_covers("pkg:pypi/requests", "requests"));
  EXPECT_FALSE(purl_covers("", ""));
}

} // namespace
