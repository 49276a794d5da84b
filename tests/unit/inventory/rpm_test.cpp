#include <moat/inventory/rpm.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using moat::core::ErrorKind;
using moat::inventory::parse_rpm_header;
using moat::inventory::parse_rpmdb_sqlite;
using moat::inventory::rpmdb_kind;
using moat::inventory::rpmdb_kind_name;
using moat::inventory::RpmdbKind;

namespace {

using Bytes = std::vector<std::byte>;

constexpr std::uint32_t k_int32 = 4;
constexpr std::uint32_t k_string = 6;
constexpr std::uint32_t k_bin = 7;
constexpr std::uint32_t k_string_array = 8;
constexpr std::uint32_t k_i18n_string = 9;

void put_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::byte>((v >> static_cast<unsigned>(shift)) & 0xFFU));
}

// Writes rpm header blobs the way rpm lays them out: index entries, then data.
class HeaderBuilder {
public:
  HeaderBuilder& string(std::uint32_t tag, const std::string& s, std::uint32_t type = k_string) {
    add(tag, type, 1);
    append(s);
    return *this;
  }
  HeaderBuilder& strings(std::uint32_t tag, const std::vector<std::string>& list) {
    add(tag, k_string_array, static_cast<std::uint32_t>(list.size()));
    for (const auto& s : list)
      append(s);
    return *this;
  }
  HeaderBuilder& int32s(std::uint32_t tag, const std::vector<std::uint32_t>& values) {
    while (m_data.size() % 4 != 0)
      m_data.push_back(std::byte{0});
    add(tag, k_int32, static_cast<std::uint32_t>(values.size()));
    for (auto v : values)
      put_be32(m_data, v);
    return *this;
  }
  // An index entry whose fields are all chosen by the caller.
  HeaderBuilder& raw(std::uint32_t tag, std::uint32_t type, std::uint32_t offset,
                     std::uint32_t count) {
    m_entries.push_back({tag, type, offset, count});
    return *this;
  }
  HeaderBuilder& bytes(const std::string& s) {
    for (char c : s)
      m_data.push_back(static_cast<std::byte>(c));
    return *this;
  }
  [[nodiscard]] std::uint32_t data_size() const {
    return static_cast<std::uint32_t>(m_data.size());
  }

  [[nodiscard]] Bytes build() const {
    Bytes out;
    put_be32(out, static_cast<std::uint32_t>(m_entries.size()));
    put_be32(out, static_cast<std::uint32_t>(m_data.size()));
    for (const auto& e : m_entries) {
      put_be32(out, e[0]);
      put_be32(out, e[1]);
      put_be32(out, e[2]);
      put_be32(out, e[3]);
    }
    out.insert(out.end(), m_data.begin(), m_data.end());
    return out;
  }

private:
  void add(std::uint32_t tag, std::uint32_t type, std::uint32_t count) {
    m_entries.push_back({tag, type, static_cast<std::uint32_t>(m_data.size()), count});
  }
  void append(const std::string& s) {
    bytes(s);
    m_data.push_back(std::byte{0});
  }
  std::vector<std::array<std::uint32_t, 4>> m_entries;
  Bytes m_data;
};

HeaderBuilder demo_header() {
  HeaderBuilder b;
  // A region tag first, as in every real header; the parser must pass over it.
  b.raw(63, k_bin, 0, 16).bytes(std::string(16, '\0'));
  b.string(1000, "moat-demo")
      .string(1001, "1.2.3")
      .string(1002, "4.el9")
      .int32s(1003, {7})
      .string(1014, "MIT AND Apache-2.0")
      .string(1022, "noarch")
      .string(1044, "moat-demo-1.2.3-4.el9.src.rpm")
      .int32s(1116, {0, 1, 1})
      .strings(1117, {"moat-demo.conf", "a.txt", "b.txt"})
      .strings(1118, {"/etc/", "/usr/share/moat-demo/"});
  return b;
}

HeaderBuilder minimal_header(const std::string& name = "tiny") {
  HeaderBuilder b;
  b.string(1000, name).string(1001, "1.0").string(1002, "1");
  return b;
}

std::span<const std::byte> as_span(const Bytes& b) {
  return {b.data(), b.size()};
}
std::span<const std::byte> as_span(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

// Parses BLOB and expects an error of KIND whose message contains WORDS.
void expect_error(const Bytes& blob, ErrorKind kind, const std::string& words) {
  auto r = parse_rpm_header(as_span(blob), "blob");
  ASSERT_FALSE(r.has_value()) << "parsed, expected: " << words;
  EXPECT_EQ(r.error().kind, kind) << r.error().to_string();
  EXPECT_EQ(r.error().input, "blob");
  EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().to_string();
}

struct Shell {
  int code = -1;
  std::string out;
};

Shell shell(const std::string& command, const moat::test::TempDir& scratch) {
  const auto out = scratch.path() / "shell.out";
  const auto err = scratch.path() / "shell.err";
  const std::string full = command + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(full.c_str());
  Shell r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = moat::test::read_text(out);
  if (r.code != 0)
    r.out += moat::test::read_text(err);
  return r;
}

bool have_tool(const std::string& tool) {
  const std::string command = "command -v " + tool + " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

} // namespace

TEST(RpmHeader, ReadsNameVersionLicenseSourceAndFiles) {
  const auto blob = demo_header().build();
  auto r = parse_rpm_header(as_span(blob), "/var/lib/rpm/rpmdb.sqlite");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->name, "moat-demo");
  EXPECT_EQ(r->version, "7:1.2.3-4.el9");
  EXPECT_EQ(r->type, "rpm");
  EXPECT_EQ(r->ecosystem, "Red Hat");
  EXPECT_EQ(r->namespace_, "");
  EXPECT_EQ(r->architecture, "noarch");
  EXPECT_EQ(r->license, "MIT AND Apache-2.0");
  EXPECT_EQ(r->source_name, "moat-demo");
  EXPECT_EQ(r->source_version, "7:1.2.3-4.el9");
  EXPECT_EQ(r->found_at, "/var/lib/rpm/rpmdb.sqlite");
  EXPECT_EQ(r->purl, "pkg:rpm/moat-demo@1.2.3-4.el9?arch=noarch&epoch=7");
  EXPECT_EQ(r->files, (std::vector<std::string>{"/etc/moat-demo.conf", "/usr/share/moat-demo/a.txt",
                                                "/usr/share/moat-demo/b.txt"}));
}

TEST(RpmHeader, WithoutEpochOrOptionalTags) {
  const auto blob = minimal_header().build();
  auto r = parse_rpm_header(as_span(blob), "blob");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->version, "1.0-1");
  EXPECT_EQ(r->purl, "pkg:rpm/tiny@1.0-1");
  EXPECT_EQ(r->architecture, "");
  EXPECT_EQ(r->license, "");
  EXPECT_EQ(r->source_name, "");
  EXPECT_TRUE(r->files.empty());
}

TEST(RpmHeader, SourceRpmNamesWithDashesAndI18nStrings) {
  auto b = minimal_header("python3-libs");
  b.string(1044, "python3.9-3.9.18-1.el9_3.1.src.rpm").string(1014, "Python", k_i18n_string);
  const auto blob = b.build();
  auto r = parse_rpm_header(as_span(blob), "blob");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->source_name, "python3.9");
  EXPECT_EQ(r->source_version, "3.9.18-1.el9_3.1");
  EXPECT_EQ(r->license, "Python");

  auto odd = minimal_header();
  odd.string(1044, "nodashes.src.rpm");
  const auto odd_blob = odd.build();
  r = parse_rpm_header(as_span(odd_blob), "blob");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->source_name, "nodashes");
  EXPECT_EQ(r->source_version, "");
}

TEST(RpmHeader, LegacyOldFilenames) {
  auto b = minimal_header();
  b.strings(1027, {"/bin/sh", "/etc/profile"});
  const auto blob = b.build();
  auto r = parse_rpm_header(as_span(blob), "blob");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->files, (std::vector<std::string>{"/bin/sh", "/etc/profile"}));
}

TEST(RpmHeader, TooShortOrTruncatedBlobs) {
  expect_error({}, ErrorKind::parse, "too short");
  expect_error(Bytes(7, std::byte{0}), ErrorKind::parse, "too short");
  const auto good = demo_header().build();
  auto truncated = good;
  truncated.pop_back();
  expect_error(truncated, ErrorKind::parse, "index and data length say");
  auto longer = good;
  longer.push_back(std::byte{0});
  expect_error(longer, ErrorKind::parse, "index and data length say");
  // Every shorter prefix is rejected too, without reading past it (ASan watches).
  for (std::size_t n = 0; n < good.size(); ++n) {
    const Bytes prefix(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(parse_rpm_header(as_span(prefix), "blob").has_value()) << n;
  }
}

TEST(RpmHeader, HugeCountsAreLimitErrors) {
  Bytes blob;
  put_be32(blob, 0xFFFFFFFF);
  put_be32(blob, 0);
  expect_error(blob, ErrorKind::limit, "index entries");
  blob.clear();
  put_be32(blob, 1U << 20U);
  put_be32(blob, 0);
  expect_error(blob, ErrorKind::limit, "index entries");
  blob.clear();
  put_be32(blob, 0);
  put_be32(blob, 0x7FFFFFFF);
  expect_error(blob, ErrorKind::limit, "data bytes");
}

TEST(RpmHeader, OffsetsOutsideTheData) {
  auto b = minimal_header();
  b.raw(1022, k_string, 1U << 30U, 1);
  expect_error(b.build(), ErrorKind::parse, "outside the");

  // An offset exactly at the end is inside the limits but holds no string.
  auto at_end = minimal_header();
  at_end.raw(1022, k_string, at_end.data_size(), 1);
  expect_error(at_end.build(), ErrorKind::parse, "ARCH");
}

TEST(RpmHeader, StringsWithoutNul) {
  HeaderBuilder b;
  b.string(1001, "1").string(1002, "1").raw(1000, k_string, b.data_size(), 1).bytes("no-nul");
  expect_error(b.build(), ErrorKind::parse, "not NUL-terminated");

  auto list = minimal_header();
  list.raw(1117, k_string_array, list.data_size(), 2).bytes(std::string("a\0b", 3));
  list.int32s(1116, {0, 0}).strings(1118, {"/"});
  // The int32 data after "b" has NULs, so the second string ends there: the
  // array overlaps DIRINDEXES, which is harmless but must stay in bounds.
  auto r = parse_rpm_header(as_span(list.build()), "blob");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_EQ(r->files.size(), 2U);
  EXPECT_EQ(r->files[0], "/a");
}

TEST(RpmHeader, HugeArrayCounts) {
  auto strings = minimal_header();
  strings.raw(1117, k_string_array, 0, 0xFFFFFFFF);
  expect_error(strings.build(), ErrorKind::parse, "strings in");

  auto ints = minimal_header();
  ints.strings(1117, {"a"}).strings(1118, {"/"}).raw(1116, k_int32, 0, 0x40000000);
  expect_error(ints.build(), ErrorKind::parse, "past the end");

  auto epoch = minimal_header();
  epoch.raw(1003, k_int32, 0, 0xFFFFFFFF);
  expect_error(epoch.build(), ErrorKind::parse, "EPOCH");
}

TEST(RpmHeader, InconsistentFileLists) {
  auto bad_index = minimal_header();
  bad_index.int32s(1116, {0, 5}).strings(1117, {"a", "b"}).strings(1118, {"/"});
  expect_error(bad_index.build(), ErrorKind::parse, "DIRINDEXES[1] is 5");

  auto mismatch = minimal_header();
  mismatch.int32s(1116, {0}).strings(1117, {"a", "b"}).strings(1118, {"/"});
  expect_error(mismatch.build(), ErrorKind::parse, "2 BASENAMES but 1 DIRINDEXES");
}

TEST(RpmHeader, FileListAmplificationIsLimited) {
  // One long directory named by many base names would multiply into gigabytes.
  HeaderBuilder b = minimal_header();
  const std::uint32_t n = 20000;
  b.int32s(1116, std::vector<std::uint32_t>(n, 0));
  b.strings(1117, std::vector<std::string>(n, "f"));
  b.strings(1118, {"/" + std::string(8000, 'd') + "/"});
  expect_error(b.build(), ErrorKind::limit, "safety limit");
}

TEST(RpmHeader, WrongTypesAndMissingTags) {
  HeaderBuilder no_name;
  no_name.string(1001, "1").string(1002, "1");
  expect_error(no_name.build(), ErrorKind::parse, "no NAME");

  HeaderBuilder int_name;
  int_name.int32s(1000, {5}).string(1001, "1").string(1002, "1");
  expect_error(int_name.build(), ErrorKind::parse, "expected a string");

  auto zero_count = minimal_header();
  zero_count.raw(1022, k_string, 0, 0);
  expect_error(zero_count.build(), ErrorKind::parse, "no value");

  auto string_epoch = minimal_header();
  string_epoch.string(1003, "7");
  expect_error(string_epoch.build(), ErrorKind::parse, "expected int32");
}

TEST(RpmHeader, EveryByteFlipStaysSafe) {
  // Hostile variants of a valid header: each byte replaced by 0x00 and 0xFF.
  // Whatever the outcome, nothing reads out of bounds (ASan) and a success
  // still has a name.
  const auto good = demo_header().build();
  int errors = 0;
  for (std::size_t i = 0; i < good.size(); ++i)
    for (std::byte value : {std::byte{0x00}, std::byte{0xFF}}) {
      auto bad = good;
      bad[i] = value;
      auto r = parse_rpm_header(as_span(bad), "blob");
      if (r) {
        EXPECT_FALSE(r->name.empty());
      } else {
        ++errors;
      }
    }
  EXPECT_GT(errors, 0);
}

TEST(RpmdbKind, ClassifiesDatabasePaths) {
  EXPECT_EQ(rpmdb_kind("/var/lib/rpm/Packages"), RpmdbKind::berkeley_db);
  EXPECT_EQ(rpmdb_kind("var/lib/rpm/Packages"), RpmdbKind::berkeley_db);
  EXPECT_EQ(rpmdb_kind("./var/lib/rpm/Packages"), RpmdbKind::berkeley_db);
  EXPECT_EQ(rpmdb_kind("/var/lib/rpm/Packages.db"), RpmdbKind::ndb);
  EXPECT_EQ(rpmdb_kind("/usr/lib/sysimage/rpm/Packages.db"), RpmdbKind::ndb);
  EXPECT_EQ(rpmdb_kind("/usr/lib/sysimage/rpm/Packages"), RpmdbKind::berkeley_db);
  EXPECT_EQ(rpmdb_kind("/var/lib/rpm/rpmdb.sqlite"), RpmdbKind::sqlite);
  EXPECT_EQ(rpmdb_kind("usr/lib/sysimage/rpm/rpmdb.sqlite"), RpmdbKind::sqlite);
  EXPECT_EQ(rpmdb_kind("/var/lib/rpm/rpmdb.sqlite-wal"), RpmdbKind::none);
  EXPECT_EQ(rpmdb_kind("/var/lib/rpm/Name"), RpmdbKind::none);
  EXPECT_EQ(rpmdb_kind("/home/x/var/lib/rpm/Packages"), RpmdbKind::none);
  EXPECT_EQ(rpmdb_kind("/var/lib/rpm/sub/Packages"), RpmdbKind::none);
  EXPECT_EQ(rpmdb_kind(""), RpmdbKind::none);
  EXPECT_EQ(rpmdb_kind_name(RpmdbKind::berkeley_db), "BerkeleyDB");
  EXPECT_EQ(rpmdb_kind_name(RpmdbKind::ndb), "NDB");
  EXPECT_EQ(rpmdb_kind_name(RpmdbKind::sqlite), "SQLite");
  EXPECT_EQ(rpmdb_kind_name(RpmdbKind::none), "");
}

namespace {

// Builds an SQLite database file at PATH with SQL, then BLOBS in Packages.
void make_db(const std::filesystem::path& path, const std::string& sql,
             const std::vector<Bytes>& blobs) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message != nullptr ? message : "");
  for (const auto& blob : blobs) {
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?)", -1, &st, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(st, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
}

const std::string k_packages_table =
    "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);";

} // namespace

TEST(RpmdbSqlite, ReadsEveryHeaderAndSkipsSigningKeys) {
  moat::test::TempDir dir;
  auto key = minimal_header("gpg-pubkey");
  make_db(dir.path() / "rpmdb.sqlite", k_packages_table,
          {demo_header().build(), key.build(), minimal_header("zlib").build()});
  const auto bytes = moat::test::read_text(dir.path() / "rpmdb.sqlite");
  const auto copy = bytes;
  auto r = parse_rpmdb_sqlite(as_span(bytes), "rpmdb.sqlite");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ((*r)[0].name, "moat-demo");
  EXPECT_EQ((*r)[0].files.size(), 3U);
  EXPECT_EQ((*r)[1].name, "zlib");
  EXPECT_EQ((*r)[1].found_at, "rpmdb.sqlite");
  EXPECT_EQ(bytes, copy); // the caller's bytes are left alone
}

TEST(RpmdbSqlite, EmptyPackagesTable) {
  moat::test::TempDir dir;
  make_db(dir.path() / "db", k_packages_table, {});
  const auto bytes = moat::test::read_text(dir.path() / "db");
  auto r = parse_rpmdb_sqlite(as_span(bytes), "db");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_TRUE(r->empty());
}

TEST(RpmdbSqlite, NotAnRpmDatabase) {
  auto r = parse_rpmdb_sqlite(as_span(std::string("hello")), "db");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_NE(r.error().message.find("not an SQLite database"), std::string::npos);

  moat::test::TempDir dir;
  make_db(dir.path() / "other", "CREATE TABLE Other (x);", {});
  auto other = moat::test::read_text(dir.path() / "other");
  r = parse_rpmdb_sqlite(as_span(other), "other");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("no Packages table"), std::string::npos);

  // A view named Packages is not followed.
  make_db(dir.path() / "view",
          "CREATE TABLE t (hnum, blob); CREATE VIEW Packages AS SELECT * FROM t;", {});
  auto view = moat::test::read_text(dir.path() / "view");
  r = parse_rpmdb_sqlite(as_span(view), "view");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("no Packages table"), std::string::npos);

  // The magic alone, then garbage: sqlite reports it, moat names the input.
  std::string garbage("SQLite format 3\0", 16);
  garbage += std::string(4096, '\x5a');
  r = parse_rpmdb_sqlite(as_span(garbage), "garbage");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().input, "garbage");
  EXPECT_NE(r.error().message.find("rpm database"), std::string::npos) << r.error().to_string();
}

TEST(RpmdbSqlite, BadHeaderNamesItsRecord) {
  moat::test::TempDir dir;
  auto bad = demo_header().build();
  bad.pop_back();
  make_db(dir.path() / "db", k_packages_table, {minimal_header().build(), bad});
  const auto bytes = moat::test::read_text(dir.path() / "db");
  auto r = parse_rpmdb_sqlite(as_span(bytes), "db");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().input, "db");
  EXPECT_NE(r.error().message.find("package record 2:"), std::string::npos)
      << r.error().to_string();
}

TEST(RpmdbSqlite, TruncatedDatabaseIsAnErrorNotACrash) {
  moat::test::TempDir dir;
  std::vector<Bytes> blobs;
  for (int i = 0; i < 40; ++i)
    blobs.push_back(demo_header().build());
  make_db(dir.path() / "db", k_packages_table, blobs);
  const auto bytes = moat::test::read_text(dir.path() / "db");
  ASSERT_GT(bytes.size(), 4096U);
  for (std::size_t keep : {std::size_t{100}, std::size_t{4096}, bytes.size() - 1}) {
    const std::string cut = bytes.substr(0, keep);
    auto r = parse_rpmdb_sqlite(as_span(cut), "db");
    // sqlite may still read a prefix that holds whole pages; it must not crash.
    if (!r) {
      EXPECT_EQ(r.error().input, "db");
    }
  }
}

// A real database: rpmbuild makes two packages, rpm installs them into a
// private root with the sqlite back end, and `rpm -qa` is the oracle.
TEST(RpmdbSqlite, MatchesRpmOnARealDatabase) {
  if (!have_tool("rpmbuild") || !have_tool("rpm"))
    GTEST_SKIP() << "rpmbuild or rpm not installed (Debian package: rpm)";
  moat::test::TempDir dir;
  const auto top = dir.path() / "top";
  const auto root = dir.path() / "root";
  std::filesystem::create_directories(root);
  dir.write("demo.spec", "Name: moat-demo\n"
                         "Version: 1.2.3\n"
                         "Release: 4\n"
                         "Epoch: 7\n"
                         "Summary: demo\n"
                         "License: MIT AND Apache-2.0\n"
                         "BuildArch: noarch\n"
                         "%description\n"
                         "demo\n"
                         "%install\n"
                         "mkdir -p %{buildroot}/usr/share/moat-demo %{buildroot}/etc\n"
                         "echo a > %{buildroot}/usr/share/moat-demo/a.txt\n"
                         "echo b > %{buildroot}/etc/moat-demo.conf\n"
                         "%files\n"
                         "%dir /usr/share/moat-demo\n"
                         "/usr/share/moat-demo/a.txt\n"
                         "/etc/moat-demo.conf\n");
  dir.write("two.spec", "%global debug_package %{nil}\n"
                        "Name: moat-two\n"
                        "Version: 0.9\n"
                        "Release: 1.fc40\n"
                        "Summary: second\n"
                        "License: GPL-2.0-or-later\n"
                        "%description\n"
                        "second\n"
                        "%install\n"
                        "mkdir -p \"%{buildroot}/usr/lib/moat-two\"\n"
                        "echo b > \"%{buildroot}/usr/lib/moat-two/b c.txt\"\n"
                        "%files\n"
                        "\"/usr/lib/moat-two/b c.txt\"\n");
  const std::string defines = "--define '_topdir " + top.string() + "' --define '_tmppath " +
                              dir.path().string() + "' --define '_build_id_links none'";
  for (const char* spec : {"demo.spec", "two.spec"}) {
    auto built = shell("HOME='" + dir.path().string() + "' rpmbuild --quiet " + defines + " -bb '" +
                           (dir.path() / spec).string() + "'",
                       dir);
    ASSERT_EQ(built.code, 0) << built.out;
  }
  const std::string rpm = "rpm --root '" + root.string() + "' --dbpath /var/lib/rpm";
  auto installed =
      shell(rpm + " --define '_db_backend sqlite' -i --nodeps --justdb --noscripts $(find '" +
                top.string() + "' -name '*.rpm')",
            dir);
  ASSERT_EQ(installed.code, 0) << installed.out;

  const auto db_path = root / "var/lib/rpm/rpmdb.sqlite";
  ASSERT_TRUE(std::filesystem::exists(db_path)) << "rpm did not create an sqlite database";
  EXPECT_EQ(rpmdb_kind("var/lib/rpm/rpmdb.sqlite"), RpmdbKind::sqlite);
  const auto bytes = moat::test::read_text(db_path);
  auto r = parse_rpmdb_sqlite(as_span(bytes), "/var/lib/rpm/rpmdb.sqlite");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();

  auto query = shell(rpm + " -qa --qf '%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}"
                           "\\t%{ARCH}\\t%{LICENSE}\\t%{SOURCERPM}\\n'",
                     dir);
  ASSERT_EQ(query.code, 0) << query.out;
  std::set<std::string> expected;
  std::istringstream lines(query.out);
  for (std::string line; std::getline(lines, line);)
    expected.insert(line);
  std::set<std::string> got;
  for (const auto& p : *r)
    got.insert(p.name + "\t" + p.version + "\t" + p.architecture + "\t" + p.license + "\t" +
               p.source_name + "-" + p.source_version.substr(p.source_version.find(':') + 1) +
               ".src.rpm");
  EXPECT_EQ(got, expected);
  ASSERT_EQ(expected.size(), 2U);

  auto files_query = shell(rpm + " -qa --qf '[%{=NAME}\\t%{FILENAMES}\\n]'", dir);
  ASSERT_EQ(files_query.code, 0) << files_query.out;
  std::set<std::string> expected_files;
  std::istringstream file_lines(files_query.out);
  for (std::string line; std::getline(file_lines, line);)
    expected_files.insert(line);
  std::set<std::string> got_files;
  for (const auto& p : *r)
    for (const auto& f : p.files)
      got_files.insert(p.name + "\t" + f);
  EXPECT_EQ(got_files, expected_files);
  EXPECT_TRUE(got_files.contains("moat-two\t/usr/lib/moat-two/b c.txt"));

  std::map<std::string, std::string> purls;
  for (const auto& p : *r)
    purls[p.name] = p.purl;
  EXPECT_EQ(purls["moat-demo"], "pkg:rpm/moat-demo@1.2.3-4?arch=noarch&epoch=7");
  auto arch = shell("rpm --eval '%{_arch}'", dir).out;
  while (!arch.empty() && arch.back() == '\n')
    arch.pop_back();
  EXPECT_EQ(purls["moat-two"], "pkg:rpm/moat-two@0.9-1.fc40?arch=" + arch);
}
