// Importing: format detection, directories walked in order, zip archives,
// every feed format through one call, and the all-or-nothing transaction.
#include <moat/vuln/import.hpp>

#include "testutil.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

namespace moat::vuln {
namespace {

constexpr std::string_view k_osv =
    R"({"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-05-01T00:00:00Z",
  "aliases": ["CVE-2024-11111"],
  "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.1"}]}]}]})";

constexpr std::string_view k_osv_yaml = R"(id: PYSEC-2024-1
modified: "2024-05-02T00:00:00Z"
affected:
- package: {name: Flask, ecosystem: PyPI}
  ranges:
  - type: ECOSYSTEM
    events: [{introduced: "0"}, {fixed: "2.2.5"}]
)";

constexpr std::string_view k_tracker =
    R"({"openssl": {"CVE-2024-0727": {"description": "NULL dereference",
  "releases": {"bookworm": {"status": "resolved", "fixed_version": "3.0.13-1~deb12u1",
                            "urgency": "low", "repositories": {"bookworm": "3.0.11-1~deb12u2"}}}}}})";

constexpr std::string_view k_secdb = R"({"distroversion": "v3.19", "reponame": "main",
  "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
  "packages": [{"pkg": {"name": "busybox", "secfixes": {"1.36.1-r16": ["CVE-2023-42363"]}}}]})";

// Writes a zip archive holding NAME -> CONTENT members.
void write_zip(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, std::string_view>>& members) {
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& [name, content] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
    ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
    ASSERT_EQ(archive_write_data(a, content.data(), content.size()),
              static_cast<la_ssize_t>(content.size()));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

TEST(VulnImportDetect, TellsFormatsApart) {
  EXPECT_EQ(detect_format("a.json", k_osv), FeedFormat::osv_json);
  EXPECT_EQ(detect_format("a.YAML", k_osv_yaml), FeedFormat::osv_yaml);
  EXPECT_EQ(detect_format("json", k_tracker), FeedFormat::debian_tracker);
  EXPECT_EQ(detect_format("main.json", k_secdb), FeedFormat::alpine_secdb);
  // An OSV record whose first member is an object is still OSV.
  EXPECT_EQ(detect_format("x.json", R"({"database_specific": {"a": 1}, "id": "X"})"),
            FeedFormat::osv_json);
  EXPECT_EQ(feed_of(FeedFormat::debian_tracker), "debian");
  EXPECT_EQ(feed_of(FeedFormat::osv_yaml), "osv");
}

struct ImportFixture : ::testing::Test {
  test::TempDir dir;
  std::optional<Database> db;
  void SetUp() override {
    auto opened = Database::open(dir.path() / "v.db", true);
    ASSERT_TRUE(opened) << opened.error().to_string();
    db = std::move(*opened);
  }
};

TEST_F(ImportFixture, EveryFormatFromFilesDirectoriesAndZips) {
  dir.write("feeds/osv/npm/GHSA-aaaa-bbbb-cccc.json", std::string(k_osv));
  dir.write("feeds/osv/pypi/flask/PYSEC-2024-1.yaml", std::string(k_osv_yaml));
  dir.write("feeds/osv/README.md", "not an advisory");
  dir.write("feeds/osv/.hidden.json", "{ broken");
  const auto tracker = dir.write("tracker.json", std::string(k_tracker));
  // The same CVE in main and community: each repository keeps its records.
  const std::string community = R"({"distroversion": "v3.19", "reponame": "community",
    "urlprefix": "https://dl-cdn.alpinelinux.org/alpine",
    "packages": [{"pkg": {"name": "busybox-extras", "secfixes": {"1.36.1-r16": ["CVE-2023-42363"]}}}]})";
  write_zip(dir.path() / "alpine.zip", {{"v3.19/main.json", k_secdb},
                                        {"v3.19/community.json", community},
                                        {"__MACOSX/v3.19/._main.json", "\x00\x05binary"},
                                        {"notes.txt", "x"}});
  // Hidden directories are not walked: a cloned repository's CI files are not advisories.
  dir.write("feeds/osv/.github/workflows/ci.yml", "on: [push]\njobs: {}\n");

  std::vector<size_t> progress;
  auto result = import_paths(
      *db,
      {(dir.path() / "feeds").string(), tracker.string(), (dir.path() / "alpine.zip").string()},
      [&](size_t done, size_t total) {
        progress.push_back(done);
        EXPECT_LE(done, total);
      });
  ASSERT_TRUE(result) << result.error().to_string();
  EXPECT_EQ(result->documents, 5U);
  EXPECT_EQ(result->counts.added, 5);
  ASSERT_FALSE(progress.empty());
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));

  auto npm = db->lookup("npm", "left-pad");
  ASSERT_TRUE(npm);
  ASSERT_EQ(npm->size(), 1U);
  EXPECT_EQ(npm->front().feed, "osv");
  auto flask = db->lookup("PyPI", "flask");
  ASSERT_TRUE(flask);
  ASSERT_EQ(flask->size(), 1U);
  auto debian = db->lookup("Debian:12", "openssl");
  ASSERT_TRUE(debian);
  ASSERT_EQ(debian->size(), 1U);
  EXPECT_EQ(debian->front().feed, "debian");
  EXPECT_EQ(debian->front().advisory.affected[0].severity, "low");
  auto alpine = db->lookup("Alpine:v3.19", "busybox");
  ASSERT_TRUE(alpine);
  ASSERT_EQ(alpine->size(), 1U);
  EXPECT_EQ(alpine->front().feed, "alpine:v3.19/main");
  auto extras = db->lookup("Alpine:v3.19", "busybox-extras");
  ASSERT_TRUE(extras);
  ASSERT_EQ(extras->size(), 1U);
  EXPECT_EQ(extras->front().feed, "alpine:v3.19/community");

  auto stats = db->stats();
  ASSERT_TRUE(stats);
  ASSERT_EQ(stats->origins.size(), 3U); // the three paths given
  EXPECT_EQ(stats->origins[0].first, (dir.path() / "alpine.zip").string());
}

TEST_F(ImportFixture, ABadDocumentLeavesTheDatabaseUntouched) {
  dir.write("a/1.json", std::string(k_osv));
  dir.write("a/2.json", R"({"id": "X-1", "affected": [{"ranges": [{"type": "SOMETHING"}]}]})");
  auto result = import_paths(*db, {(dir.path() / "a").string()});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().input.find("2.json"), std::string::npos);
  EXPECT_TRUE(db->lookup("npm", "left-pad")->empty()); // 1.json was rolled back too

  write_zip(dir.path() / "bad.zip", {{"ok.json", k_osv}, {"bad.json", "{\"id\": "}});
  auto zipped = import_paths(*db, {(dir.path() / "bad.zip").string()});
  ASSERT_FALSE(zipped);
  EXPECT_NE(zipped.error().input.find("bad.zip:bad.json"), std::string::npos);
  EXPECT_TRUE(db->lookup("npm", "left-pad")->empty());

  dir.write("trunc.zip", "PK\x03\x04 this is not really a zip archive");
  auto truncated = import_paths(*db, {(dir.path() / "trunc.zip").string()});
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().input.find("trunc.zip"), std::string::npos);

  auto missing = import_paths(*db, {(dir.path() / "nope").string()});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "no such file or directory");

  // The database still works after the failures.
  auto ok = import_paths(*db, {(dir.path() / "a/1.json").string()});
  ASSERT_TRUE(ok) << ok.error().to_string();
  EXPECT_EQ(db->lookup("npm", "left-pad")->size(), 1U);
}

// What is not read is said, and reading nothing at all is an error: an
// empty directory, or a zip holding only a zip, must not look imported.
TEST_F(ImportFixture, SkippedMembersAreNamedAndNothingImportedIsAnError) {
  std::filesystem::create_directories(dir.path() / "empty");
  auto none = import_paths(*db, {(dir.path() / "empty").string()});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, moat::core::ErrorKind::usage);
  EXPECT_NE(none.error().message.find("nothing to import: no .json, .yaml, .yml or .zip files"),
            std::string::npos)
      << none.error().message;

  write_zip(dir.path() / "nested.zip", {{"inner.zip", "PK\x05\x06"}, {"README.md", "hi"}});
  auto nested = import_paths(*db, {(dir.path() / "nested.zip").string()});
  ASSERT_FALSE(nested);
  EXPECT_NE(nested.error().message.find("nothing to import: 2 skipped"), std::string::npos)
      << nested.error().message;
  EXPECT_NE(nested.error().message.find("a zip inside a zip is not read"), std::string::npos);

  write_zip(dir.path() / "mixed.zip", {{"ok.json", k_osv},
                                       {"../escape.json", k_osv},
                                       {"/abs.json", k_osv},
                                       {"inner.zip", "PK\x05\x06"}});
  auto mixed = import_paths(*db, {(dir.path() / "mixed.zip").string()});
  ASSERT_TRUE(mixed) << mixed.error().to_string();
  EXPECT_EQ(mixed->documents, 1U);
  ASSERT_EQ(mixed->skipped.size(), 3U);
  EXPECT_NE(mixed->skipped[0].find("../escape.json: a name that leaves the archive"),
            std::string::npos)
      << mixed->skipped[0];
  EXPECT_NE(mixed->skipped[1].find("/abs.json: a name that leaves the archive"), std::string::npos);
  EXPECT_NE(mixed->skipped[2].find("inner.zip: a zip inside a zip"), std::string::npos);
}

// A modified date in the future (or not a time) would sort as the newest
// copy forever; it is taken without a date, with a note, and the next real
// copy replaces it.
TEST_F(ImportFixture, ImpossibleModifiedDatesDoNotPinARecord) {
  std::string future(k_osv);
  future.replace(future.find("2024-05-01T00:00:00Z"), 20, "2999-01-01T00:00:00Z");
  future.replace(future.find("1.3.1"), 5, "1.3.9");
  dir.write("future/a.json", future);
  auto first = import_paths(*db, {(dir.path() / "future").string()});
  ASSERT_TRUE(first) << first.error().to_string();
  ASSERT_EQ(first->notes.size(), 1U);
  EXPECT_NE(first->notes[0].find("GHSA-aaaa-bbbb-cccc: modified '2999-01-01T00:00:00Z' is in the "
                                 "future; taken without a date"),
            std::string::npos)
      << first->notes[0];
  dir.write("real/a.json", std::string(k_osv));
  auto second = import_paths(*db, {(dir.path() / "real").string()});
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(second->counts.updated, 1L);
  EXPECT_EQ(second->counts.older, 0L);
  EXPECT_TRUE(second->notes.empty());

  std::string garbled(k_osv);
  garbled.replace(garbled.find("2024-05-01T00:00:00Z"), 20, "yesterday-ish");
  dir.write("garbled/a.json", garbled);
  auto third = import_paths(*db, {(dir.path() / "garbled").string()});
  ASSERT_TRUE(third) << third.error().to_string();
  ASSERT_EQ(third->notes.size(), 1U);
  EXPECT_NE(third->notes[0].find("is not an RFC 3339 time"), std::string::npos);
}

// The document size limit holds for files and zip members, before their
// bytes pile up in memory, and names the flag that raises it.
TEST_F(ImportFixture, DocumentSizeLimitIsNamedAndRaisable) {
  const std::string big = std::string(k_osv) + std::string(4096, ' ');
  dir.write("big/a.json", big);
  write_zip(dir.path() / "big.zip", {{"a.json", big}});
  for (const auto* input : {"big", "big.zip"}) {
    SCOPED_TRACE(input);
    auto refused = import_paths(*db, {(dir.path() / input).string()}, {}, {}, 1024);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, moat::core::ErrorKind::limit) << refused.error().to_string();
    EXPECT_NE(refused.error().message.find("--max-document-size raises the limit"),
              std::string::npos)
        << refused.error().message;
    auto taken = import_paths(*db, {(dir.path() / input).string()}, {}, {}, 1 << 20);
    EXPECT_TRUE(taken) << taken.error().to_string();
  }
}

} // namespace
} // namespace moat::vuln
