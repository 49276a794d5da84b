// Tests for the advisory feed parsers: OSV (JSON and YAML), the Debian
// Security Tracker export and Alpine secdb, on small documents written here in
// each upstream format and on the real OSV advisories in shared/vulndata.

#include <moat/vuln/feeds.hpp>

#include <gtest/gtest.h>
#include <testutil.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace {

using moat::core::ErrorKind;
using moat::vuln::Advisory;
using moat::vuln::Affected;
using moat::vuln::Event;
using moat::vuln::FixState;
using moat::vuln::Range;

using Kind = Event::Kind;

// The events of RANGE as (kind, version) pairs, for one-line comparisons.
std::vector<std::pair<Kind, std::string>> events_of(const Range& range) {
  std::vector<std::pair<Kind, std::string>> out;
  out.reserve(range.events.size());
  for (const Event& e : range.events)
    out.emplace_back(e.kind, e.version);
  return out;
}

const Advisory* find_id(const std::vector<Advisory>& list, std::string_view id) {
  auto it = std::find_if(list.begin(), list.end(), [&](const Advisory& a) { return a.id == id; });
  return it == list.end() ? nullptr : &*it;
}

const Affected* find_affected(const Advisory& adv, std::string_view ecosystem,
                              std::string_view name) {
  for (const Affected& a : adv.affected)
    if (a.ecosystem == ecosystem && a.name == name)
      return &a;
  return nullptr;
}

// ---- FixState ----------------------------------------------------------------

TEST(VulnFixState, NamesEveryState) {
  EXPECT_EQ(moat::vuln::to_string(FixState::fixed), "fixed");
  EXPECT_EQ(moat::vuln::to_string(FixState::affected), "affected");
  EXPECT_EQ(moat::vuln::to_string(FixState::will_not_fix), "will_not_fix");
  EXPECT_EQ(moat::vuln::to_string(FixState::deferred), "deferred");
  EXPECT_EQ(moat::vuln::to_string(FixState::end_of_life), "end_of_life");
  EXPECT_EQ(moat::vuln::to_string(FixState::not_affected), "not_affected");
}

// ---- OSV JSON ----------------------------------------------------------------

constexpr const char* k_full_osv_json = R"json({
  "schema_version": "1.6.0",
  "id": "GHSA-aaaa-bbbb-cccc",
  "aliases": ["CVE-2024-0001", "GHSA-aaaa-bbbb-cccc", "PYSEC-2024-1"],
  "summary": "Heap overflow in libfoo",
  "details": "Long text\nover two lines.",
  "published": "2024-01-02T03:04:05Z",
  "modified": "2024-02-03T04:05:06.789Z",
  "withdrawn": "2024-03-01T00:00:00Z",
  "related": ["CVE-2024-9999"],
  "credits": [{"name": "someone"}],
  "severity": [
    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
    {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
    {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}
  ],
  "database_specific": {"severity": "HIGH", "cwe_ids": ["CWE-122"], "github_reviewed": true},
  "affected": [
    {
      "package": {"ecosystem": "PyPI", "name": "libfoo", "purl": "pkg:pypi/libfoo"},
      "ranges": [
        {"type": "ECOSYSTEM", "events": [
          {"introduced": "0"}, {"fixed": "1.2"}, {"introduced": "2.0"},
          {"last_affected": "2.3"}, {"introduced": "3.0"}, {"limit": "3.5"}]},
        {"type": "GIT", "repo": "https://example.org/libfoo.git",
         "events": [{"introduced": "0"}, {"fixed": "abc123"}]}
      ],
      "versions": ["1.0", "1.10", "2.3"],
      "ecosystem_specific": {"severity": "MODERATE"},
      "database_specific": {"severity": "LOW"}
    },
    {
      "package": {"ecosystem": "Go", "name": "example.org/foo"},
      "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0-rc1"}, {"fixed": "1.4.2"}]}],
      "database_specific": {"severity": "Critical"}
    },
    {
      "package": {"ecosystem": "npm", "name": "foo"},
      "ecosystem_specific": {"severity": {"not": "a string"}},
      "database_specific": ["free", "form"]
    }
  ],
  "references": [
    {"type": "ADVISORY", "url": "https://example.org/advisory"},
    {"type": "FIX", "url": "https://example.org/fix"}
  ],
  "unknown_extension": {"anything": [1, 2, 3]}
})json";

TEST(VulnOsvJson, MapsEveryField) {
  auto parsed = moat::vuln::parse_osv_json(k_full_osv_json, "full.json");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  const Advisory& adv = *parsed;
  EXPECT_EQ(adv.id, "GHSA-aaaa-bbbb-cccc");
  // The advisory's own id is not kept among its aliases.
  EXPECT_EQ(adv.aliases, (std::vector<std::string>{"CVE-2024-0001", "PYSEC-2024-1"}));
  EXPECT_EQ(adv.summary, "Heap overflow in libfoo");
  EXPECT_EQ(adv.details, "Long text\nover two lines.");
  EXPECT_EQ(adv.published, "2024-01-02T03:04:05Z");
  EXPECT_EQ(adv.modified, "2024-02-03T04:05:06.789Z");
  EXPECT_EQ(adv.withdrawn, "2024-03-01T00:00:00Z");

  ASSERT_EQ(adv.severity.size(), 4u);
  EXPECT_EQ(adv.severity[0].type, "CVSS_V3");
  EXPECT_EQ(adv.severity[0].value, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
  EXPECT_EQ(adv.severity[1].type, "CVSS_V4");
  EXPECT_EQ(adv.severity[1].value,
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
  EXPECT_EQ(adv.severity[2].type, "CVSS_V2");
  EXPECT_EQ(adv.severity[2].value, "AV:N/AC:L/Au:N/C:P/I:P/A:P");
  EXPECT_EQ(adv.severity[3].type, "rating");
  EXPECT_EQ(adv.severity[3].value, "HIGH");

  ASSERT_EQ(adv.affected.size(), 3u);
  const Affected& pypi = adv.affected[0];
  EXPECT_EQ(pypi.ecosystem, "PyPI");
  EXPECT_EQ(pypi.name, "libfoo");
  EXPECT_EQ(pypi.purl, "pkg:pypi/libfoo");
  EXPECT_EQ(pypi.state, FixState::fixed);
  // ecosystem_specific wins over database_specific, lower-cased.
  EXPECT_EQ(pypi.severity, "moderate");
  EXPECT_EQ(pypi.versions, (std::vector<std::string>{"1.0", "1.10", "2.3"}));
  ASSERT_EQ(pypi.ranges.size(), 2u);
  EXPECT_EQ(pypi.ranges[0].type, Range::Type::ecosystem);
  EXPECT_EQ(events_of(pypi.ranges[0]),
            (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "0"},
                                                       {Kind::fixed, "1.2"},
                                                       {Kind::introduced, "2.0"},
                                                       {Kind::last_affected, "2.3"},
                                                       {Kind::introduced, "3.0"},
                                                       {Kind::limit, "3.5"}}));
  EXPECT_EQ(pypi.ranges[1].type, Range::Type::git);
  EXPECT_EQ(events_of(pypi.ranges[1]), (std::vector<std::pair<Kind, std::string>>{
                                           {Kind::introduced, "0"}, {Kind::fixed, "abc123"}}));

  const Affected& go = adv.affected[1];
  EXPECT_EQ(go.ecosystem, "Go");
  EXPECT_EQ(go.name, "example.org/foo");
  EXPECT_EQ(go.purl, "");
  EXPECT_EQ(go.severity, "critical");
  ASSERT_EQ(go.ranges.size(), 1u);
  EXPECT_EQ(go.ranges[0].type, Range::Type::semver);
  EXPECT_EQ(events_of(go.ranges[0]), (std::vector<std::pair<Kind, std::string>>{
                                         {Kind::introduced, "1.0.0-rc1"}, {Kind::fixed, "1.4.2"}}));

  // Free-form severities of another shape are skipped, not errors.
  const Affected& npm = adv.affected[2];
  EXPECT_EQ(npm.name, "foo");
  EXPECT_EQ(npm.severity, "");
  EXPECT_TRUE(npm.ranges.empty());
  EXPECT_TRUE(npm.versions.empty());

  EXPECT_EQ(adv.references,
            (std::vector<std::string>{"https://example.org/advisory", "https://example.org/fix"}));
}

// Members moat does not read are skipped, not parsed, so a padded
// document costs its text and no more; what moat reads is unchanged, and
// an error is still placed in the text as written.
TEST(VulnOsvJson, UnreadMembersAreSkipped) {
  constexpr std::size_t k_never = std::numeric_limits<std::size_t>::max();
  std::string numbers = "1"; // a long array's contents
  for (int i = 0; i < 2500; ++i)
    numbers += ",1";
  auto whole = moat::vuln::parse_osv_json(k_full_osv_json, "full.json", k_never);
  auto lean = moat::vuln::parse_osv_json(k_full_osv_json, "full.json", 0);
  ASSERT_TRUE(whole);
  ASSERT_TRUE(lean) << lean.error().to_string();
  EXPECT_EQ(whole->details, "Long text\nover two lines.");
  EXPECT_TRUE(lean->details.empty());
  EXPECT_EQ(lean->id, whole->id);
  EXPECT_EQ(lean->aliases, whole->aliases);
  EXPECT_EQ(lean->summary, whole->summary);
  EXPECT_EQ(lean->modified, whole->modified);
  EXPECT_EQ(lean->withdrawn, whole->withdrawn);
  EXPECT_EQ(lean->severity.size(), whole->severity.size());
  ASSERT_EQ(lean->affected.size(), whole->affected.size());
  EXPECT_EQ(lean->affected[0].versions, whole->affected[0].versions);
  EXPECT_EQ(lean->references, whole->references);

  // By default only long members are skipped.
  const std::string padded = R"({"id": "X-1", "details": ")" + std::string(10000, 'x') +
                             R"(", "credits": [)" + numbers + R"(], "summary": "kept"})";
  auto adv = moat::vuln::parse_osv_json(padded, "padded.json");
  ASSERT_TRUE(adv) << adv.error().to_string();
  EXPECT_EQ(adv->summary, "kept");
  EXPECT_TRUE(adv->details.empty());
  auto small = moat::vuln::parse_osv_json(k_full_osv_json, "full.json");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->details, "Long text\nover two lines.");

  // A details that is not a string keeps its type error; a syntax error
  // after a skipped member is placed where it is in the text.
  auto typed =
      moat::vuln::parse_osv_json(R"({"id": "X-1", "details": [)" + numbers + "]}", "typed.json");
  ASSERT_FALSE(typed);
  EXPECT_NE(typed.error().message.find("details"), std::string::npos) << typed.error().message;
  const std::string broken = R"({"id": "X-1", "credits": [)" + numbers + "],\n  \"summary\": oops}";
  auto placed = moat::vuln::parse_osv_json(broken, "broken.json");
  auto placed_whole = moat::vuln::parse_osv_json(broken, "broken.json", k_never);
  ASSERT_FALSE(placed);
  ASSERT_FALSE(placed_whole);
  EXPECT_EQ(placed.error().line, 2);
  EXPECT_EQ(placed.error().line, placed_whole.error().line);
  EXPECT_EQ(placed.error().column, placed_whole.error().column);
  const std::string one_line = R"({"id": "X-1", "credits": [)" + numbers + "], x}";
  auto same_line = moat::vuln::parse_osv_json(one_line, "one.json");
  auto same_line_whole = moat::vuln::parse_osv_json(one_line, "one.json", k_never);
  ASSERT_FALSE(same_line);
  ASSERT_FALSE(same_line_whole);
  EXPECT_EQ(same_line.error().column, same_line_whole.error().column);
}

TEST(VulnOsvJson, MinimalAdvisoryAndNullFields) {
  auto parsed = moat::vuln::parse_osv_json(
      R"({"id": "GO-2024-0001", "summary": null, "aliases": null, "affected": []})", "min.json");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed->id, "GO-2024-0001");
  EXPECT_TRUE(parsed->summary.empty());
  EXPECT_TRUE(parsed->aliases.empty());
  EXPECT_TRUE(parsed->affected.empty());
  EXPECT_TRUE(parsed->severity.empty());
  EXPECT_TRUE(parsed->withdrawn.empty());
}

struct BadCase {
  const char* text;
  const char* message_part;
};

void expect_parse_error(const moat::core::Result<Advisory>& result, const BadCase& c) {
  ASSERT_FALSE(result) << "accepted: " << c.text;
  EXPECT_EQ(result.error().kind, ErrorKind::parse);
  EXPECT_EQ(result.error().input, "bad.doc");
  EXPECT_NE(result.error().message.find(c.message_part), std::string::npos)
      << "message: " << result.error().message << "\nexpected part: " << c.message_part;
}

TEST(VulnOsvJson, RejectsEachStructuralError) {
  const std::vector<BadCase> cases = {
      {R"([1, 2])", "not an object"},
      {R"("GO-1")", "not an object"},
      {R"({"summary": "x"})", "field id is missing"},
      {R"({"id": ""})", "field id is missing"},
      {R"({"id": 12})", "field id is not a string"},
      {R"({"id": "X", "aliases": "CVE-1"})", "field aliases is not an array"},
      {R"({"id": "X", "aliases": ["CVE-1", 2]})", "field aliases[1] is not a string"},
      {R"({"id": "X", "summary": ["a"]})", "field summary is not a string"},
      {R"({"id": "X", "details": 1})", "field details is not a string"},
      {R"({"id": "X", "published": 2024})", "field published is not a string"},
      {R"({"id": "X", "modified": true})", "field modified is not a string"},
      {R"({"id": "X", "withdrawn": {}})", "field withdrawn is not a string"},
      {R"({"id": "X", "severity": {"type": "CVSS_V3"}})", "field severity is not an array"},
      {R"({"id": "X", "severity": ["CVSS:3.1/AV:N"]})", "field severity[0] is not an object"},
      {R"({"id": "X", "severity": [{"type": "CVSS_V3"}]})", "field severity[0].score is missing"},
      {R"({"id": "X", "severity": [{"score": "AV:N"}]})", "field severity[0].type is missing"},
      {R"({"id": "X", "affected": {}})", "field affected is not an array"},
      {R"({"id": "X", "affected": ["pkg"]})", "field affected[0] is not an object"},
      {R"({"id": "X", "affected": [{"package": "foo"}]})",
       "field affected[0].package is not an object"},
      {R"({"id": "X", "affected": [{"package": {"name": 3}}]})",
       "field affected[0].package.name is not a string"},
      {R"({"id": "X", "affected": [{"package": {"ecosystem": []}}]})",
       "field affected[0].package.ecosystem is not a string"},
      {R"({"id": "X", "affected": [{"package": {"purl": 1}}]})",
       "field affected[0].package.purl is not a string"},
      {R"({"id": "X", "affected": [{"ranges": {}}]})", "field affected[0].ranges is not an array"},
      {R"({"id": "X", "affected": [{}, {"ranges": [{"events": []}]}]})",
       "field affected[1].ranges[0].type is missing"},
      {R"({"id": "X", "affected": [{"ranges": [{"type": "FOO", "events": []}]}]})",
       "field affected[0].ranges[0].type has unknown range type \"FOO\""},
      {R"({"id": "X", "affected": [{"ranges": [{"type": "SEMVER"}]}]})",
       "field affected[0].ranges[0].events is missing"},
      {R"({"id": "X", "affected": [{"ranges": [{"type": "SEMVER", "events": {}}]}]})",
       "field affected[0].ranges[0].events is not an array"},
      {R"({"id": "X", "affected": [{"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixd": "1"}]}]}]})",
       "field affected[0].ranges[0].events[1] has unknown event \"fixd\""},
      {R"({"id": "X", "affected": [{"ranges": [{"type": "GIT", "events": [{"fixed": 1.2}]}]}]})",
       "field affected[0].ranges[0].events[0].fixed is not a string"},
      {R"({"id": "X", "affected": [{"ranges": [{"type": "GIT", "events": [{"introduced": "0", "fixed": "1"}]}]}]})",
       "field affected[0].ranges[0].events[0] must have exactly one of"},
      {R"({"id": "X", "affected": [{"ranges": [{"type": "GIT", "events": [{}]}]}]})",
       "field affected[0].ranges[0].events[0] must have exactly one of"},
      {R"({"id": "X", "affected": [{"ranges": [{"type": "GIT", "events": ["0"]}]}]})",
       "field affected[0].ranges[0].events[0] is not an object"},
      {R"({"id": "X", "affected": [{"versions": "1.0"}]})",
       "field affected[0].versions is not an array"},
      {R"({"id": "X", "affected": [{"versions": ["1.0", 1.1]}]})",
       "field affected[0].versions[1] is not a string"},
      {R"({"id": "X", "references": "https://x"})", "field references is not an array"},
      {R"({"id": "X", "references": [{"type": "WEB"}]})", "field references[0].url is missing"},
      {R"({"id": "X", "references": [{"url": 5}]})", "field references[0].url is not a string"},
  };
  for (const BadCase& c : cases)
    expect_parse_error(moat::vuln::parse_osv_json(c.text, "bad.doc"), c);
}

TEST(VulnOsvJson, SyntaxErrorsCarryAPosition) {
  auto truncated = moat::vuln::parse_osv_json("{\n  \"id\": \"GO-1\",\n  \"aliases\": [", "t.json");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().kind, ErrorKind::parse);
  EXPECT_EQ(truncated.error().input, "t.json");
  EXPECT_EQ(truncated.error().message.rfind("invalid JSON: ", 0), 0u) << truncated.error().message;
  EXPECT_EQ(truncated.error().line, 3);

  auto garbage = moat::vuln::parse_osv_json("{\"id\": \"X\",\n  oops}", "g.json");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().line, 2);
  EXPECT_EQ(garbage.error().column, 3);

  EXPECT_FALSE(moat::vuln::parse_osv_json("", "empty.json"));
  EXPECT_FALSE(moat::vuln::parse_osv_json("{\"id\": \"\xff\"}", "utf8.json"));
}

// ---- OSV YAML ----------------------------------------------------------------

// As pypa/advisory-database writes them, with the quirks its files have:
// unquoted timestamps, unquoted versions that look like numbers, folded
// text, and empty values.
constexpr const char* k_osv_yaml = R"yaml(id: PYSEC-2099-1
details: The frobnicate function in foo
  allows remote attackers to do things.
summary:
affected:
- package:
    name: foo
    ecosystem: PyPI
    purl: pkg:pypi/foo
  ranges:
  - type: GIT
    repo: https://github.com/foo/foo
    events:
    - introduced: "0"
    - fixed: 2545222a3853e31ace15d87ae0e2effb7da0c96b
  - type: ECOSYSTEM
    events:
    - introduced: 0
    - fixed: 1.10
    - introduced: 2.0
    - last_affected: 2.50
    - introduced: '3'
    - limit: 1e3
  versions:
  - "0.1"
  - 1.10
  ecosystem_specific:
    severity: HIGH
severity:
- type: CVSS_V3
  score: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
references:
- type: WEB
  url: https://example.org/a
aliases:
- CVE-2099-1
- GHSA-xxxx-yyyy-zzzz
modified: 2023-11-07T20:24:23.946863Z
published: 2020-08-05
withdrawn: '2024-01-01T00:00:00Z'
database_specific:
  severity: MODERATE
)yaml";

TEST(VulnOsvYaml, KeepsScalarsAsWritten) {
  auto parsed = moat::vuln::parse_osv_yaml(k_osv_yaml, "PYSEC-2099-1.yaml");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  const Advisory& adv = *parsed;
  EXPECT_EQ(adv.id, "PYSEC-2099-1");
  EXPECT_EQ(adv.details, "The frobnicate function in foo allows remote attackers to do things.");
  EXPECT_EQ(adv.summary, "");
  EXPECT_EQ(adv.modified, "2023-11-07T20:24:23.946863Z");
  EXPECT_EQ(adv.published, "2020-08-05");
  EXPECT_EQ(adv.withdrawn, "2024-01-01T00:00:00Z");
  EXPECT_EQ(adv.aliases, (std::vector<std::string>{"CVE-2099-1", "GHSA-xxxx-yyyy-zzzz"}));
  ASSERT_EQ(adv.severity.size(), 2u);
  EXPECT_EQ(adv.severity[0].type, "CVSS_V3");
  EXPECT_EQ(adv.severity[0].value, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
  EXPECT_EQ(adv.severity[1].type, "rating");
  EXPECT_EQ(adv.severity[1].value, "MODERATE");
  ASSERT_EQ(adv.affected.size(), 1u);
  const Affected& a = adv.affected[0];
  EXPECT_EQ(a.name, "foo");
  EXPECT_EQ(a.ecosystem, "PyPI");
  EXPECT_EQ(a.purl, "pkg:pypi/foo");
  EXPECT_EQ(a.severity, "high");
  ASSERT_EQ(a.ranges.size(), 2u);
  EXPECT_EQ(a.ranges[0].type, Range::Type::git);
  EXPECT_EQ(
      events_of(a.ranges[0]),
      (std::vector<std::pair<Kind, std::string>>{
          {Kind::introduced, "0"}, {Kind::fixed, "2545222a3853e31ace15d87ae0e2effb7da0c96b"}}));
  EXPECT_EQ(a.ranges[1].type, Range::Type::ecosystem);
  EXPECT_EQ(events_of(a.ranges[1]),
            (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "0"},
                                                       {Kind::fixed, "1.10"},
                                                       {Kind::introduced, "2.0"},
                                                       {Kind::last_affected, "2.50"},
                                                       {Kind::introduced, "3"},
                                                       {Kind::limit, "1e3"}}));
  EXPECT_EQ(a.versions, (std::vector<std::string>{"0.1", "1.10"}));
}

TEST(VulnOsvYaml, VersionsThatLookLikeNumbersStayText) {
  auto parsed = moat::vuln::parse_osv_yaml(R"(id: PYSEC-1
affected:
- versions:
  - "0.1"
  - 1.0
  - 1.10
  - 0x10
  - 1_000
  - yes
  - 010
  - .5
)",
                                           "v.yaml");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  ASSERT_EQ(parsed->affected.size(), 1u);
  EXPECT_EQ(parsed->affected[0].versions,
            (std::vector<std::string>{"0.1", "1.0", "1.10", "0x10", "1_000", "yes", "010", ".5"}));
}

TEST(VulnOsvYaml, FlowStyleAndJsonCompatibleYaml) {
  auto parsed = moat::vuln::parse_osv_yaml(
      R"({"id": "GO-1", "affected": [{"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]})",
      "flow.yaml");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  ASSERT_EQ(parsed->affected.size(), 1u);
  EXPECT_EQ(events_of(parsed->affected[0].ranges.at(0)),
            (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "0"}}));
}

TEST(VulnOsvYaml, RejectsStructuralErrors) {
  const std::vector<BadCase> cases = {
      {"", "not an object"},
      {"- a\n- b\n", "not an object"},
      {"just text\n", "not an object"},
      {"summary: x\n", "field id is missing"},
      {"id: [a]\n", "field id is not a string"},
      {"id: X\naliases: CVE-1\n", "field aliases is not an array"},
      {"id: X\naliases:\n- [CVE-1]\n", "field aliases[0] is not a string"},
      {"id: X\naffected:\n- ranges:\n  - type: FOO\n    events: []\n",
       "field affected[0].ranges[0].type has unknown range type \"FOO\""},
      {"id: X\naffected:\n- ranges:\n  - type: ECOSYSTEM\n    events:\n    - fixd: 1\n",
       "field affected[0].ranges[0].events[0] has unknown event \"fixd\""},
      {"id: X\naffected:\n- ranges:\n  - type: ECOSYSTEM\n    events:\n    - fixed: [1]\n",
       "field affected[0].ranges[0].events[0].fixed is not a string"},
      {"id: X\nreferences:\n- type: WEB\n", "field references[0].url is missing"},
      {"id: X\naffected:\n- versions:\n  - 1.0\n  - ~\n",
       "field affected[0].versions[1] is not a string"},
      {"id: X\nbase: &b {a: 1}\nother: *b\n", "yaml aliases are not supported"},
      {"? [a, b]\n: c\nid: X\n", "mapping keys must be scalars"},
      {"id: X\n---\nid: Y\n", "more than one yaml document"},
      {"id: X\naffected: [\n", "invalid YAML"},
      {"id: X: Y\n", "invalid YAML"},
      {"id: X\n- item\n", "invalid YAML"},
      {"id: X\n  bad: indent\n", "invalid YAML"},
  };
  for (const BadCase& c : cases)
    expect_parse_error(moat::vuln::parse_osv_yaml(c.text, "bad.doc"), c);
}

TEST(VulnOsvYaml, SyntaxErrorsCarryAPosition) {
  auto result = moat::vuln::parse_osv_yaml("id: X\naliases:\n- a\n  - b: [\n", "pos.yaml");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().input, "pos.yaml");
  EXPECT_GE(result.error().line, 3);
}

TEST(VulnOsvYaml, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "id: X\nx: " + std::string(100000, '[') + "\n";
  auto result = moat::vuln::parse_osv_yaml(deep, "deep.yaml");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::parse);
}

// ---- Debian Security Tracker ---------------------------------------------------

constexpr const char* k_debian_json = R"json({
  "openssl": {
    "CVE-2023-0001": {
      "description": "OpenSSL mishandles X.",
      "scope": "remote",
      "debianbug": 1034720,
      "releases": {
        "bookworm": {"status": "resolved", "repositories": {"bookworm": "3.0.9-1"},
                     "fixed_version": "3.0.9-1", "urgency": "medium**"},
        "bullseye": {"status": "resolved", "repositories": {"bullseye": "1.1.1n-0+deb11u5"},
                     "fixed_version": "0", "urgency": "not yet assigned"},
        "buster": {"status": "open", "repositories": {"buster": "1.1.1n-0+deb10u6"},
                   "urgency": "end-of-life"},
        "trixie": {"status": "open", "repositories": {"trixie": "3.0.9-1"},
                   "urgency": "low*", "nodsa": "Minor issue", "nodsa_reason": "ignored"},
        "forky": {"status": "open", "repositories": {}, "urgency": "high",
                  "nodsa": "Minor issue", "nodsa_reason": "postponed"},
        "duke": {"status": "undetermined", "repositories": {}, "urgency": "unimportant"},
        "sid": {"status": "resolved", "repositories": {"sid": "3.0.9-1"},
                "fixed_version": "3.0.9-1", "urgency": "medium"},
        "experimental": {"status": "open", "repositories": {}, "urgency": "low"}
      }
    },
    "TEMP-0000000-ABCDEF": {
      "description": "temporary entry without a CVE yet",
      "scope": "local",
      "releases": {
        "stretch": {"status": "open", "repositories": {"stretch": "1.1.0l-1~deb9u1"},
                    "urgency": "low"}
      }
    }
  },
  "openssl1.1": {
    "CVE-2023-0001": {
      "description": "OpenSSL mishandles X (legacy package).",
      "releases": {
        "bookworm": {"status": "open", "repositories": {"bookworm": "1.1.1w-0+deb12u1"},
                     "urgency": "medium"}
      }
    }
  },
  "zlib": {}
})json";

TEST(VulnDebianTracker, MapsEveryReleaseState) {
  auto parsed = moat::vuln::parse_debian_tracker(k_debian_json, "debian.json");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  ASSERT_EQ(parsed->size(), 2u);

  const Advisory* cve = find_id(*parsed, "CVE-2023-0001");
  ASSERT_NE(cve, nullptr);
  // The first package's description is the summary; packages are read in
  // name order, so "openssl" comes before "openssl1.1".
  EXPECT_EQ(cve->summary, "OpenSSL mishandles X.");
  EXPECT_EQ(cve->references, (std::vector<std::string>{
                                 "https://security-tracker.debian.org/tracker/CVE-2023-0001"}));
  EXPECT_TRUE(cve->aliases.empty());
  // sid and experimental are skipped: 6 releases of openssl + 1 of openssl1.1.
  ASSERT_EQ(cve->affected.size(), 7u);

  const Affected* fixed = find_affected(*cve, "Debian:12", "openssl");
  ASSERT_NE(fixed, nullptr);
  EXPECT_EQ(fixed->state, FixState::fixed);
  EXPECT_EQ(fixed->severity, "medium");
  ASSERT_EQ(fixed->ranges.size(), 1u);
  EXPECT_EQ(fixed->ranges[0].type, Range::Type::ecosystem);
  EXPECT_EQ(events_of(fixed->ranges[0]), (std::vector<std::pair<Kind, std::string>>{
                                             {Kind::introduced, "0"}, {Kind::fixed, "3.0.9-1"}}));

  const Affected* never = find_affected(*cve, "Debian:11", "openssl");
  ASSERT_NE(never, nullptr);
  EXPECT_EQ(never->state, FixState::not_affected);
  EXPECT_TRUE(never->ranges.empty());
  EXPECT_EQ(never->severity, "");

  const std::vector<std::pair<Kind, std::string>> open_range{{Kind::introduced, "0"}};
  const Affected* eol = find_affected(*cve, "Debian:10", "openssl");
  ASSERT_NE(eol, nullptr);
  EXPECT_EQ(eol->state, FixState::end_of_life);
  EXPECT_EQ(eol->severity, "");
  ASSERT_EQ(eol->ranges.size(), 1u);
  EXPECT_EQ(events_of(eol->ranges[0]), open_range);

  const Affected* ignored = find_affected(*cve, "Debian:13", "openssl");
  ASSERT_NE(ignored, nullptr);
  EXPECT_EQ(ignored->state, FixState::will_not_fix);
  EXPECT_EQ(ignored->severity, "low");
  ASSERT_EQ(ignored->ranges.size(), 1u);
  EXPECT_EQ(events_of(ignored->ranges[0]), open_range);

  const Affected* postponed = find_affected(*cve, "Debian:14", "openssl");
  ASSERT_NE(postponed, nullptr);
  EXPECT_EQ(postponed->state, FixState::deferred);
  EXPECT_EQ(postponed->severity, "high");
  ASSERT_EQ(postponed->ranges.size(), 1u);
  EXPECT_EQ(events_of(postponed->ranges[0]), open_range);

  const Affected* undetermined = find_affected(*cve, "Debian:15", "openssl");
  ASSERT_NE(undetermined, nullptr);
  EXPECT_EQ(undetermined->state, FixState::affected);
  EXPECT_EQ(undetermined->severity, "unimportant");
  ASSERT_EQ(undetermined->ranges.size(), 1u);
  EXPECT_EQ(events_of(undetermined->ranges[0]), open_range);

  // The same CVE under a second source package joins the same advisory.
  const Affected* legacy = find_affected(*cve, "Debian:12", "openssl1.1");
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ(legacy->state, FixState::affected);
  EXPECT_EQ(legacy->severity, "medium");
  ASSERT_EQ(legacy->ranges.size(), 1u);
  EXPECT_EQ(events_of(legacy->ranges[0]), open_range);

  for (const Affected& a : cve->affected)
    EXPECT_TRUE(a.purl.empty() && a.versions.empty());

  const Advisory* temp = find_id(*parsed, "TEMP-0000000-ABCDEF");
  ASSERT_NE(temp, nullptr);
  EXPECT_EQ(temp->summary, "temporary entry without a CVE yet");
  EXPECT_EQ(temp->references,
            (std::vector<std::string>{
                "https://security-tracker.debian.org/tracker/TEMP-0000000-ABCDEF"}));
  ASSERT_EQ(temp->affected.size(), 1u);
  EXPECT_EQ(temp->affected[0].ecosystem, "Debian:9");
  EXPECT_EQ(temp->affected[0].name, "openssl");
  EXPECT_EQ(temp->affected[0].state, FixState::affected);
}

TEST(VulnDebianTracker, EmptyDocumentHasNoAdvisories) {
  auto parsed = moat::vuln::parse_debian_tracker("{}", "empty.json");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_TRUE(parsed->empty());
}

TEST(VulnDebianTracker, ResolvedWithoutVersionIsNotAffected) {
  auto parsed = moat::vuln::parse_debian_tracker(
      R"({"pkg": {"CVE-1": {"releases": {"bookworm": {"status": "resolved", "urgency": "low"}}}}})",
      "x.json");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  ASSERT_EQ(parsed->size(), 1u);
  ASSERT_EQ((*parsed)[0].affected.size(), 1u);
  EXPECT_EQ((*parsed)[0].affected[0].state, FixState::not_affected);
  EXPECT_EQ((*parsed)[0].summary, "");
}

struct DistroBadCase {
  const char* text;
  const char* message_part;
};

template <class Parse>
void expect_distro_errors(Parse parse, const std::vector<DistroBadCase>& cases) {
  for (const DistroBadCase& c : cases) {
    auto result = parse(c.text, "bad.json");
    ASSERT_FALSE(result) << "accepted: " << c.text;
    EXPECT_EQ(result.error().kind, ErrorKind::parse);
    EXPECT_EQ(result.error().input, "bad.json");
    EXPECT_NE(result.error().message.find(c.message_part), std::string::npos)
        << "message: " << result.error().message << "\nexpected part: " << c.message_part;
  }
}

TEST(VulnDebianTracker, RejectsStructuralErrors) {
  expect_distro_errors(
      moat::vuln::parse_debian_tracker,
      {
          {"", "invalid JSON"},
          {R"({"openssl": {"CVE-1": {)", "invalid JSON"},
          {R"([{"CVE-1": {}}])", "the document is not an object"},
          {R"("text")", "the document is not an object"},
          {R"({"openssl": "CVE-1"})", "package openssl is not an object"},
          {R"({"openssl": ["CVE-1"]})", "package openssl is not an object"},
          {R"({"openssl": {"CVE-1": []}})", "package openssl, CVE-1: entry is not an object"},
          {R"({"openssl": {"CVE-1": {"description": 1}}})",
           "package openssl, CVE-1: field description is not a string"},
          {R"({"openssl": {"CVE-1": {"releases": []}}})",
           "package openssl, CVE-1: field releases is not an object"},
          {R"({"openssl": {"CVE-1": {"releases": {"bookworm": "open"}}}})",
           "package openssl, CVE-1, release bookworm: release is not an object"},
          {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"urgency": "low"}}}}})",
           "package openssl, CVE-1, release bookworm: field status is missing"},
          {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": 1}}}}})",
           "package openssl, CVE-1, release bookworm: field status is not a string"},
          {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": "resolved", "fixed_version": 3}}}}})",
           "field fixed_version is not a string"},
          {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": "open", "urgency": ["low"]}}}}})",
           "field urgency is not a string"},
          {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": "open", "nodsa_reason": {}}}}}})",
           "field nodsa_reason is not a string"},
          // An error in a later package is still reported.
          {R"({"a": {}, "b": {"CVE-1": 5}, "c": {}})", "package b, CVE-1: entry is not an object"},
      });
}

TEST(VulnDebianTracker, ReleaseNumbers) {
  EXPECT_EQ(moat::vuln::debian_release("squeeze"), "6");
  EXPECT_EQ(moat::vuln::debian_release("wheezy"), "7");
  EXPECT_EQ(moat::vuln::debian_release("jessie"), "8");
  EXPECT_EQ(moat::vuln::debian_release("stretch"), "9");
  EXPECT_EQ(moat::vuln::debian_release("buster"), "10");
  EXPECT_EQ(moat::vuln::debian_release("bullseye"), "11");
  EXPECT_EQ(moat::vuln::debian_release("bookworm"), "12");
  EXPECT_EQ(moat::vuln::debian_release("trixie"), "13");
  EXPECT_EQ(moat::vuln::debian_release("forky"), "14");
  EXPECT_EQ(moat::vuln::debian_release("duke"), "15");
  EXPECT_EQ(moat::vuln::debian_release("buzz"), "1.1");
  EXPECT_EQ(moat::vuln::debian_release("sarge"), "3.1");
  EXPECT_EQ(moat::vuln::debian_release("sid"), "");
  EXPECT_EQ(moat::vuln::debian_release("experimental"), "");
  EXPECT_EQ(moat::vuln::debian_release("Bookworm"), "");
  EXPECT_EQ(moat::vuln::debian_release(""), "");
}

// ---- Alpine secdb --------------------------------------------------------------

constexpr const char* k_alpine_json = R"json({
  "apkurl": "{{urlprefix}}/{{distroversion}}/{{reponame}}/{{arch}}/{{pkg.name}}-{{pkg.ver}}.apk",
  "archs": ["x86_64", "aarch64"],
  "reponame": "main",
  "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
  "distroversion": "v3.18",
  "packages": [
    {"pkg": {"name": "openssl", "secfixes": {
      "3.1.1-r0": ["CVE-2023-2650", "CVE-2023-1234 XSA-123"],
      "3.1.0-r4": ["CVE-2023-0001 CVE-2023-0002 GHSA-aaaa-bbbb-cccc", "   "],
      "0": ["CVE-2022-9999"]
    }}},
    {"pkg": {"name": "xen", "secfixes": {"4.17.1-r0": ["XSA-400 ZBX-1"]}}},
    {"pkg": {"name": "libressl", "secfixes": {"3.7.3-r0": ["CVE-2023-2650"]}}},
    {"pkg": {"name": "busybox"}},
    {"pkg": {"name": "musl", "secfixes": {"1.2.4-r1": null}}}
  ]
})json";

TEST(VulnAlpineSecdb, MapsSecfixes) {
  std::string feed;
  auto parsed = moat::vuln::parse_alpine_secdb(k_alpine_json, "main.json", &feed);
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(feed, "alpine:v3.18/main");
  std::vector<std::string> ids;
  for (const Advisory& a : *parsed)
    ids.push_back(a.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"CVE-2022-9999", "CVE-2023-0001", "CVE-2023-0002",
                                           "CVE-2023-1234", "CVE-2023-2650", "XSA-400"}));

  const Advisory* shared = find_id(*parsed, "CVE-2023-2650");
  ASSERT_NE(shared, nullptr);
  EXPECT_TRUE(shared->aliases.empty());
  EXPECT_EQ(shared->references,
            (std::vector<std::string>{"https://security.alpinelinux.org/vuln/CVE-2023-2650"}));
  ASSERT_EQ(shared->affected.size(), 2u);
  const Affected* openssl = find_affected(*shared, "Alpine:v3.18", "openssl");
  ASSERT_NE(openssl, nullptr);
  EXPECT_EQ(openssl->state, FixState::fixed);
  EXPECT_EQ(openssl->severity, "");
  ASSERT_EQ(openssl->ranges.size(), 1u);
  EXPECT_EQ(openssl->ranges[0].type, Range::Type::ecosystem);
  EXPECT_EQ(events_of(openssl->ranges[0]),
            (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "0"},
                                                       {Kind::fixed, "3.1.1-r0"}}));
  const Affected* libressl = find_affected(*shared, "Alpine:v3.18", "libressl");
  ASSERT_NE(libressl, nullptr);
  EXPECT_EQ(events_of(libressl->ranges.at(0)),
            (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "0"},
                                                       {Kind::fixed, "3.7.3-r0"}}));

  // "CVE-2023-1234 XSA-123": the CVE is the id, the XSA its alias.
  const Advisory* with_alias = find_id(*parsed, "CVE-2023-1234");
  ASSERT_NE(with_alias, nullptr);
  EXPECT_EQ(with_alias->aliases, (std::vector<std::string>{"XSA-123"}));
  ASSERT_EQ(with_alias->affected.size(), 1u);
  EXPECT_EQ(with_alias->affected[0].name, "openssl");

  // Two CVEs on one line are two advisories, each aliased to the GHSA.
  for (const char* id : {"CVE-2023-0001", "CVE-2023-0002"}) {
    const Advisory* both = find_id(*parsed, id);
    ASSERT_NE(both, nullptr) << id;
    EXPECT_EQ(both->aliases, (std::vector<std::string>{"GHSA-aaaa-bbbb-cccc"})) << id;
    ASSERT_EQ(both->affected.size(), 1u);
    EXPECT_EQ(events_of(both->affected[0].ranges.at(0)),
              (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "0"},
                                                         {Kind::fixed, "3.1.0-r4"}}));
  }

  // Version "0": never affected.
  const Advisory* never = find_id(*parsed, "CVE-2022-9999");
  ASSERT_NE(never, nullptr);
  ASSERT_EQ(never->affected.size(), 1u);
  EXPECT_EQ(never->affected[0].state, FixState::not_affected);
  EXPECT_TRUE(never->affected[0].ranges.empty());

  // Without a CVE the first id is the advisory id; no tracker page exists.
  const Advisory* xsa = find_id(*parsed, "XSA-400");
  ASSERT_NE(xsa, nullptr);
  EXPECT_EQ(xsa->aliases, (std::vector<std::string>{"ZBX-1"}));
  EXPECT_TRUE(xsa->references.empty());
  ASSERT_EQ(xsa->affected.size(), 1u);
  EXPECT_EQ(xsa->affected[0].ecosystem, "Alpine:v3.18");
  EXPECT_EQ(xsa->affected[0].name, "xen");
  EXPECT_EQ(xsa->affected[0].state, FixState::fixed);
}

TEST(VulnAlpineSecdb, RejectsStructuralErrors) {
  expect_distro_errors(
      [](std::string_view text, std::string_view name) {
        return moat::vuln::parse_alpine_secdb(text, name);
      },
      {
          {"", "invalid JSON"},
          {R"({"distroversion": "v3.18", "packages": [)", "invalid JSON"},
          {R"([])", "the document is not an object"},
          {R"({"packages": []})", "field distroversion is missing"},
          {R"({"distroversion": 3.18, "packages": []})",
           "field distroversion is not a non-empty string"},
          {R"({"distroversion": "v3.18"})", "field packages is missing"},
          {R"({"distroversion": "v3.18", "packages": {}})", "field packages is not an array"},
          {R"({"distroversion": "v3.18", "packages": ["openssl"]})",
           "field packages[0] is not an object"},
          {R"({"distroversion": "v3.18", "packages": [{"name": "openssl"}]})",
           "field packages[0].pkg is missing"},
          {R"({"distroversion": "v3.18", "packages": [{"pkg": []}]})",
           "field packages[0].pkg is not an object"},
          {R"({"distroversion": "v3.18", "packages": [{"pkg": {"secfixes": {}}}]})",
           "field packages[0].pkg.name is not a non-empty string"},
          {R"({"distroversion": "v3.18", "packages": [{"pkg": {"name": "a", "secfixes": []}}]})",
           "field packages[0].pkg.secfixes is not an object"},
          {R"({"distroversion": "v3.18", "packages": [{"pkg": {"name": "a"}}, {"pkg": {"name": "b", "secfixes": {"1-r0": "CVE-1"}}}]})",
           "field packages[1].pkg.secfixes.\"1-r0\" is not an array"},
          {R"({"distroversion": "v3.18", "packages": [{"pkg": {"name": "a", "secfixes": {"1-r0": ["CVE-1", 2]}}}]})",
           "field packages[0].pkg.secfixes.\"1-r0\"[1] is not a string"},
      });
}

// ---- real advisories -------------------------------------------------------------

std::vector<std::filesystem::path> files_with(const std::filesystem::path& dir,
                                              std::string_view extension) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == extension)
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(VulnFeedsRealData, ParsesEveryGoAndPypiAdvisory) {
  const auto root = moat::test::shared_dir() / "vulndata";
  const auto go_files = files_with(root / "go", ".json");
  const auto pypi_files = files_with(root / "pypi", ".yaml");
  // SOURCE.md counts 2662 files under pypi/; one of them is pypa's
  // .id-allocator, not an advisory.
  ASSERT_EQ(go_files.size(), 4291u);
  ASSERT_EQ(pypi_files.size(), 2661u);

  std::vector<std::string> go_texts;
  std::vector<std::string> pypi_texts;
  go_texts.reserve(go_files.size());
  pypi_texts.reserve(pypi_files.size());
  for (const auto& p : go_files)
    go_texts.push_back(moat::test::read_text(p));
  for (const auto& p : pypi_files)
    pypi_texts.push_back(moat::test::read_text(p));

  std::size_t withdrawn = 0;
  std::size_t affected = 0;
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < go_texts.size(); ++i) {
    auto adv = moat::vuln::parse_osv_json(go_texts[i], go_files[i].string());
    ASSERT_TRUE(adv) << adv.error().to_string();
    EXPECT_EQ(adv->id, go_files[i].stem().string());
    withdrawn += adv->withdrawn.empty() ? 0u : 1u;
    affected += adv->affected.size();
  }
  auto middle = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < pypi_texts.size(); ++i) {
    auto adv = moat::vuln::parse_osv_yaml(pypi_texts[i], pypi_files[i].string());
    ASSERT_TRUE(adv) << adv.error().to_string();
    EXPECT_EQ(adv->id, pypi_files[i].stem().string());
    withdrawn += adv->withdrawn.empty() ? 0u : 1u;
    affected += adv->affected.size();
  }
  auto end = std::chrono::steady_clock::now();
  // Counted independently with a Python script over the same files.
  EXPECT_EQ(withdrawn, 17u + 10u);
  EXPECT_EQ(affected, 6125u + 2661u);
  using Seconds = std::chrono::duration<double>;
  std::printf("[ timing   ] parsed %zu OSV JSON in %.3f s, %zu OSV YAML in %.3f s\n",
              go_texts.size(), Seconds(middle - start).count(), pypi_texts.size(),
              Seconds(end - middle).count());
}

TEST(VulnFeedsRealData, GoAdvisoryFieldByField) {
  const auto path = moat::test::shared_dir() / "vulndata/go/GO-2023-1512.json";
  auto adv = moat::vuln::parse_osv_json(moat::test::read_text(path), path.string());
  ASSERT_TRUE(adv) << adv.error().to_string();
  EXPECT_EQ(adv->id, "GO-2023-1512");
  EXPECT_EQ(adv->aliases, (std::vector<std::string>{"CVE-2023-22736", "GHSA-6p4m-hw2h-6gmw"}));
  EXPECT_EQ(adv->summary, "Controller reconciles apps outside configured namespaces when "
                          "sharding is enabled in github.com/argoproj/argo-cd");
  EXPECT_EQ(adv->details, adv->summary);
  EXPECT_EQ(adv->published, "0001-01-01T00:00:00Z");
  EXPECT_EQ(adv->modified, "0001-01-01T00:00:00Z");
  EXPECT_EQ(adv->withdrawn, "");
  EXPECT_TRUE(adv->severity.empty());
  ASSERT_EQ(adv->affected.size(), 2u);
  EXPECT_EQ(adv->affected[0].ecosystem, "Go");
  EXPECT_EQ(adv->affected[0].name, "github.com/argoproj/argo-cd");
  ASSERT_EQ(adv->affected[0].ranges.size(), 1u);
  EXPECT_EQ(adv->affected[0].ranges[0].type, Range::Type::semver);
  EXPECT_EQ(events_of(adv->affected[0].ranges[0]),
            (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "0"}}));
  EXPECT_EQ(adv->affected[1].name, "github.com/argoproj/argo-cd/v2");
  ASSERT_EQ(adv->affected[1].ranges.size(), 1u);
  EXPECT_EQ(events_of(adv->affected[1].ranges[0]),
            (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "2.5.0-rc1"},
                                                       {Kind::fixed, "2.5.8"},
                                                       {Kind::introduced, "2.6.0-rc4"},
                                                       {Kind::fixed, "2.6.0-rc5"}}));
  for (const Affected& a : adv->affected) {
    EXPECT_EQ(a.purl, "");
    EXPECT_EQ(a.severity, "");
    EXPECT_TRUE(a.versions.empty());
    EXPECT_EQ(a.state, FixState::fixed);
  }
  EXPECT_EQ(adv->references,
            (std::vector<std::string>{
                "https://github.com/argoproj/argo-cd/security/advisories/GHSA-6p4m-hw2h-6gmw",
                "https://nvd.nist.gov/vuln/detail/CVE-2023-22736"}));
}

TEST(VulnFeedsRealData, WithdrawnGoAdvisoryKeepsItsDate) {
  const auto path = moat::test::shared_dir() / "vulndata/go/GO-2024-2730.json";
  auto adv = moat::vuln::parse_osv_json(moat::test::read_text(path), path.string());
  ASSERT_TRUE(adv) << adv.error().to_string();
  EXPECT_EQ(adv->withdrawn, "2024-04-17T18:06:23Z");
  EXPECT_TRUE(adv->aliases.empty());
  ASSERT_EQ(adv->affected.size(), 1u);
  EXPECT_EQ(adv->affected[0].name, "github.com/gorilla/sessions");
}

TEST(VulnFeedsRealData, PypiAdvisoryFieldByField) {
  const auto path = moat::test::shared_dir() / "vulndata/pypi/cdo-local-uuid/PYSEC-2024-6.yaml";
  auto adv = moat::vuln::parse_osv_yaml(moat::test::read_text(path), path.string());
  ASSERT_TRUE(adv) << adv.error().to_string();
  EXPECT_EQ(adv->id, "PYSEC-2024-6");
  // Unquoted in the file: YAML would read these as timestamps.
  EXPECT_EQ(adv->modified, "2024-01-19T22:21:07.454006Z");
  EXPECT_EQ(adv->published, "2024-01-11T03:15:00Z");
  EXPECT_EQ(adv->withdrawn, "");
  EXPECT_EQ(adv->aliases, (std::vector<std::string>{"CVE-2024-22194", "GHSA-rgrf-6mf5-m882"}));
  EXPECT_EQ(adv->summary, "");
  EXPECT_EQ(adv->details.rfind("cdo-local-uuid project provides a specialized UUID-generating "
                               "function that can, on user request, cause",
                               0),
            0u);
  // A single-quoted folded scalar keeps its trailing space.
  EXPECT_TRUE(adv->details.ends_with("its original implementation `case_utils.local_uuid()`. "));
  ASSERT_EQ(adv->severity.size(), 1u);
  EXPECT_EQ(adv->severity[0].type, "CVSS_V3");
  EXPECT_EQ(adv->severity[0].value, "CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N");
  ASSERT_EQ(adv->affected.size(), 1u);
  const Affected& a = adv->affected[0];
  EXPECT_EQ(a.ecosystem, "PyPI");
  EXPECT_EQ(a.name, "cdo-local-uuid");
  EXPECT_EQ(a.purl, "pkg:pypi/cdo-local-uuid");
  ASSERT_EQ(a.ranges.size(), 3u);
  EXPECT_EQ(a.ranges[0].type, Range::Type::git);
  ASSERT_EQ(a.ranges[0].events.size(), 11u);
  EXPECT_EQ(a.ranges[0].events[0].kind, Kind::introduced);
  EXPECT_EQ(a.ranges[0].events[0].version, "0");
  EXPECT_EQ(a.ranges[0].events[1].kind, Kind::fixed);
  EXPECT_EQ(a.ranges[0].events[1].version, "00864cd12de7c50d882dd1a74915d32e939c25f9");
  EXPECT_EQ(a.ranges[0].events[10].version, "fdc32414eccfcbde6be0fd91b7f491cc0779b02d");
  EXPECT_EQ(a.ranges[1].type, Range::Type::git);
  EXPECT_EQ(
      events_of(a.ranges[1]),
      (std::vector<std::pair<Kind, std::string>>{
          {Kind::introduced, "0"}, {Kind::fixed, "9e78f7cb1075728d0aafc918514f32a1392cd235"}}));
  EXPECT_EQ(a.ranges[2].type, Range::Type::ecosystem);
  EXPECT_EQ(events_of(a.ranges[2]),
            (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "0"}}));
  EXPECT_EQ(a.versions, (std::vector<std::string>{"0.4.0", "0.5.0"}));
  EXPECT_EQ(a.severity, "");
  ASSERT_EQ(adv->references.size(), 15u);
  EXPECT_EQ(adv->references[0], "https://github.com/Cyber-Domain-Ontology/CDO-Utility-Local-UUID/"
                                "security/advisories/GHSA-rgrf-6mf5-m882");
  EXPECT_EQ(adv->references[14],
            "https://github.com/casework/CASE-Utilities-Python/commit/"
            "fdc32414eccfcbde6be0fd91b7f491cc0779b02d#diff-"
            "e60b9cb8fb480ed27283a030a0898be3475992d78228f4045b12ce5cbb2f0509");
}

TEST(VulnFeedsRealData, PypiLastAffectedAndQuotedVersions) {
  const auto path = moat::test::shared_dir() / "vulndata/pypi/py/PYSEC-2022-42969.yaml";
  auto adv = moat::vuln::parse_osv_yaml(moat::test::read_text(path), path.string());
  ASSERT_TRUE(adv) << adv.error().to_string();
  ASSERT_EQ(adv->affected.size(), 1u);
  const Affected& a = adv->affected[0];
  EXPECT_EQ(events_of(a.ranges.at(0)),
            (std::vector<std::pair<Kind, std::string>>{{Kind::introduced, "0"},
                                                       {Kind::last_affected, "1.11.0"}}));
  ASSERT_EQ(a.versions.size(), 65u);
  EXPECT_EQ(a.versions.front(), "0.8.0-alpha2");
  EXPECT_EQ(a.versions.back(), "1.11.0");
  EXPECT_EQ(adv->modified, "2022-11-04T11:00:00Z");
}

} // namespace
