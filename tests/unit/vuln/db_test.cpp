// The advisory database: schema, upserts by (feed, id) and modified,
// withdrawn records, lookups, statistics, and refusing foreign files.
#include <moat/vuln/db.hpp>

#include "testutil.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace moat::vuln {
namespace {

Advisory advisory(std::string id, std::string modified, std::string fixed = "2.0.0") {
  Advisory a;
  a.id = std::move(id);
  a.modified = std::move(modified);
  a.aliases = {"CVE-2024-0001"};
  a.summary = "a flaw";
  a.references = {"https://example.org/a"};
  a.severity = {{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}};
  Affected pkg;
  pkg.ecosystem = "PyPI";
  pkg.name = "Requests_Toolbelt";
  pkg.ranges.push_back(
      Range{Range::Type::ecosystem,
            {Event{Event::Kind::introduced, "0"}, Event{Event::Kind::fixed, std::move(fixed)}}});
  a.affected.push_back(std::move(pkg));
  return a;
}

struct Fixture : ::testing::Test {
  test::TempDir dir;
  std::filesystem::path path = dir.path() / "sub" / "vuln.db";
};

TEST_F(Fixture, CreatesTheFileAndItsDirectoryAndReadsRecordsBack) {
  auto db = Database::open(path, true);
  ASSERT_TRUE(db) << db.error().to_string();
  ImportCounts counts;
  ASSERT_TRUE(db->begin());
  ASSERT_TRUE(db->put(advisory("PYSEC-1", "2024-01-01T00:00:00Z"), "osv", "feed/", counts));
  ASSERT_TRUE(db->commit());
  EXPECT_EQ(counts.added, 1);
  EXPECT_TRUE(std::filesystem::exists(path));

  // Names are looked up under their PEP 503 form.
  auto found = db->lookup("PyPI", name_key("PyPI", "requests-toolbelt"));
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1U);
  const auto& c = found->front();
  EXPECT_EQ(c.feed, "osv");
  EXPECT_EQ(c.advisory.id, "PYSEC-1");
  EXPECT_EQ(c.advisory.aliases, std::vector<std::string>{"CVE-2024-0001"});
  EXPECT_EQ(c.advisory.summary, "a flaw");
  ASSERT_EQ(c.advisory.severity.size(), 1U);
  EXPECT_EQ(c.advisory.severity[0].type, "CVSS_V3");
  ASSERT_EQ(c.advisory.affected.size(), 1U);
  const auto& a = c.advisory.affected[0];
  ASSERT_EQ(a.ranges.size(), 1U);
  ASSERT_EQ(a.ranges[0].events.size(), 2U);
  EXPECT_EQ(a.ranges[0].events[1].kind, Event::Kind::fixed);
  EXPECT_EQ(a.ranges[0].events[1].version, "2.0.0");
  EXPECT_TRUE(db->lookup("PyPI", "requests")->empty());
  EXPECT_TRUE(db->lookup("npm", "requests-toolbelt")->empty());
}

TEST_F(Fixture, ReimportUpdatesOnlyNewerOrDifferentRecords) {
  auto db = Database::open(path, true);
  ASSERT_TRUE(db);
  ImportCounts counts;
  ASSERT_TRUE(db->begin());
  ASSERT_TRUE(db->put(advisory("PYSEC-1", "2024-01-01T00:00:00Z"), "osv", "a", counts));
  ASSERT_TRUE(db->put(advisory("PYSEC-1", "2024-01-01T00:00:00Z"), "osv", "a", counts));
  EXPECT_EQ(counts.unchanged, 1);
  ASSERT_TRUE(db->put(advisory("PYSEC-1", "2024-02-01T00:00:00Z", "2.1.0"), "osv", "b", counts));
  EXPECT_EQ(counts.updated, 1);
  ASSERT_TRUE(db->put(advisory("PYSEC-1", "2023-12-01T00:00:00Z", "1.0.0"), "osv", "c", counts));
  EXPECT_EQ(counts.older, 1);
  // The same id from another feed is another record.
  ASSERT_TRUE(db->put(advisory("PYSEC-1", "2024-01-01T00:00:00Z"), "debian", "d", counts));
  ASSERT_TRUE(db->commit());
  EXPECT_EQ(counts.added, 2);

  auto found = db->lookup("PyPI", "requests-toolbelt");
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 2U); // no duplicate rows for the re-imported record
  for (const auto& c : *found) {
    if (c.feed == "osv") {
      EXPECT_EQ(c.advisory.affected[0].ranges[0].events[1].version, "2.1.0");
    }
  }
  auto stats = db->stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->advisories, 2);
  EXPECT_EQ(stats->newest_modified, "2024-02-01T00:00:00Z");
  EXPECT_FALSE(stats->updated.empty());
  ASSERT_EQ(stats->rows.size(), 2U);
  EXPECT_EQ(stats->rows[0].feed, "debian");
  EXPECT_EQ(stats->rows[1].ecosystem, "PyPI");
  EXPECT_EQ(stats->rows[1].packages, 1);
}

TEST_F(Fixture, WithdrawnAdvisoriesAreDroppedAndRemoved) {
  auto db = Database::open(path, true);
  ASSERT_TRUE(db);
  ImportCounts counts;
  ASSERT_TRUE(db->begin());
  ASSERT_TRUE(db->put(advisory("GHSA-1", "2024-01-01T00:00:00Z"), "osv", "a", counts));
  auto withdrawn = advisory("GHSA-1", "2024-03-01T00:00:00Z");
  withdrawn.withdrawn = "2024-03-01T00:00:00Z";
  ASSERT_TRUE(db->put(withdrawn, "osv", "a", counts));
  ASSERT_TRUE(db->commit());
  EXPECT_EQ(counts.withdrawn, 1);
  EXPECT_TRUE(db->lookup("PyPI", "requests-toolbelt")->empty());
  EXPECT_EQ(db->stats()->advisories, 0);
}

TEST_F(Fixture, AnOlderWithdrawnCopyDoesNotRemoveANewerRecord) {
  auto db = Database::open(path, true);
  ASSERT_TRUE(db);
  ImportCounts counts;
  ASSERT_TRUE(db->begin());
  ASSERT_TRUE(db->put(advisory("GHSA-2", "2024-05-01T00:00:00Z"), "osv", "a", counts));
  auto stale = advisory("GHSA-2", "2024-01-01T00:00:00Z");
  stale.withdrawn = "2024-01-01T00:00:00Z";
  ASSERT_TRUE(db->put(stale, "osv", "a", counts));
  // The same content with a newer date keeps the newer date.
  ASSERT_TRUE(db->put(advisory("GHSA-2", "2024-06-01T00:00:00Z"), "osv", "a", counts));
  ASSERT_TRUE(db->commit());
  EXPECT_EQ(counts.unchanged, 1);
  EXPECT_EQ(db->lookup("PyPI", "requests-toolbelt")->size(), 1U);
  EXPECT_EQ(db->stats()->newest_modified, "2024-06-01T00:00:00Z");
  EXPECT_TRUE(*db->has_ecosystem("PyPI"));
  EXPECT_FALSE(*db->has_ecosystem("npm"));
}

TEST_F(Fixture, RollbackLeavesTheDatabaseAsItWas) {
  {
    auto db = Database::open(path, true);
    ASSERT_TRUE(db);
    ImportCounts counts;
    ASSERT_TRUE(db->begin());
    ASSERT_TRUE(db->put(advisory("A-1", "2024-01-01T00:00:00Z"), "osv", "a", counts));
    ASSERT_TRUE(db->commit());
    ASSERT_TRUE(db->begin());
    ASSERT_TRUE(db->put(advisory("A-2", "2024-01-01T00:00:00Z"), "osv", "a", counts));
    db->rollback();
  }
  auto db = Database::open(path, false);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->stats()->advisories, 1);
}

TEST_F(Fixture, RefusesMissingForeignAndFutureFiles) {
  auto missing = Database::open(path, false);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("moat db import"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path)); // reading never creates it

  auto text = dir.write("not-a-db", "hello, this is not SQLite at all, just some text here\n");
  auto garbage = Database::open(text, false);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message.find("not a moat vulnerability database"), std::string::npos);
  EXPECT_EQ(garbage.error().input, text.string());

  ASSERT_TRUE(Database::open(path, true));
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto future = Database::open(path, false);
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().message.find("schema version 99"), std::string::npos);
}

TEST_F(Fixture, ADamagedRowIsAnErrorNotAGuess) {
  {
    auto db = Database::open(path, true);
    ASSERT_TRUE(db);
    ImportCounts counts;
    ASSERT_TRUE(db->begin());
    ASSERT_TRUE(db->put(advisory("A-1", "2024-01-01T00:00:00Z"), "osv", "a", counts));
    ASSERT_TRUE(db->commit());
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  // A length that runs past the end of the row.
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE affected SET spec = '5:fixed0:0:0:4:PyPI1:199:E'", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto db = Database::open(path, false);
  ASSERT_TRUE(db);
  auto found = db->lookup("PyPI", "requests-toolbelt");
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("damaged record for advisory A-1"), std::string::npos);
}

TEST(VulnKeys, EcosystemAndNameKeys) {
  EXPECT_EQ(ecosystem_key("Ubuntu:22.04:LTS"), "Ubuntu:22.04");
  EXPECT_EQ(ecosystem_key("Debian:12"), "Debian:12");
  EXPECT_EQ(name_key("PyPI", "Zope.Interface__x"), "zope-interface-x");
  EXPECT_EQ(name_key("npm", "Left_Pad"), "Left_Pad");
}

} // namespace
} // namespace moat::vuln
