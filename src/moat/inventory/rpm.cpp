#include <moat/inventory/rpm.hpp>

#include <moat/core/purl.hpp>

#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

namespace moat::inventory {

namespace {

using core::ErrorKind;

// rpm's own limits (lib/header_internal.h: hdrchkTags, hdrchkData): a header
// beyond them is one that rpm itself refuses to load.
constexpr std::uint32_t k_max_index_entries = 0xFFFF;
constexpr std::uint32_t k_max_data_bytes = 0xFFFFFF;
// File paths are built by joining a directory to each base name, so a small
// hostile header could ask for a huge amount of memory; real packages with
// tens of thousands of files stay far below this.
constexpr std::size_t k_max_file_path_bytes = 64UL << 20U;
// The same cap for a whole database.
constexpr std::size_t k_max_db_file_path_bytes = 512UL << 20U;

constexpr std::size_t k_preamble_bytes = 8;
constexpr std::size_t k_entry_bytes = 16;

enum Tag : std::uint32_t {
  tag_name = 1000,
  tag_version = 1001,
  tag_release = 1002,
  tag_epoch = 1003,
  tag_license = 1014,
  tag_arch = 1022,
  tag_old_filenames = 1027,
  tag_source_rpm = 1044,
  tag_dir_indexes = 1116,
  tag_base_names = 1117,
  tag_dir_names = 1118,
};

enum Type : std::uint32_t {
  type_int32 = 4,
  type_string = 6,
  type_string_array = 8,
  type_i18n_string = 9,
};

std::string_view tag_label(std::uint32_t tag) {
  switch (tag) {
  case tag_name:
    return "NAME";
  case tag_version:
    return "VERSION";
  case tag_release:
    return "RELEASE";
  case tag_epoch:
    return "EPOCH";
  case tag_license:
    return "LICENSE";
  case tag_arch:
    return "ARCH";
  case tag_old_filenames:
    return "OLDFILENAMES";
  case tag_source_rpm:
    return "SOURCERPM";
  case tag_dir_indexes:
    return "DIRINDEXES";
  case tag_base_names:
    return "BASENAMES";
  case tag_dir_names:
    return "DIRNAMES";
  default:
    return "?";
  }
}

std::uint32_t read_be32(std::span<const std::byte> bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v = (v << 8U) | std::to_integer<std::uint32_t>(bytes[at + i]);
  return v;
}

struct IndexEntry {
  std::uint32_t tag = 0;
  std::uint32_t type = 0;
  std::uint32_t offset = 0;
  std::uint32_t count = 0;
};

// The index and data of one header, with checked accessors for the few tags
// the inventory needs.
class Header {
public:
  Header(std::span<const std::byte> data, const std::string& name) : m_data(data), m_name(name) {}

  void add(const IndexEntry& e) {
    for (std::size_t i = 0; i < k_wanted.size(); ++i)
      if (k_wanted[i] == e.tag && !m_found[i]) {
        m_found[i] = e;
        return;
      }
  }

  [[nodiscard]] bool has(std::uint32_t tag) const { return find(tag) != nullptr; }

  // A single string (STRING, or the first of an I18NSTRING); nullopt when absent.
  [[nodiscard]] core::Result<std::optional<std::string>> string(std::uint32_t tag) const {
    const IndexEntry* e = find(tag);
    if (e == nullptr)
      return std::nullopt;
    if (e->type != type_string && e->type != type_i18n_string)
      return error(*e, fmt::format("has type {}, expected a string", e->type));
    if (e->count < 1)
      return error(*e, "has no value");
    std::size_t at = e->offset;
    auto s = next_string(*e, at);
    if (!s)
      return std::unexpected(s.error());
    return std::optional<std::string>(std::move(*s));
  }

  [[nodiscard]] core::Result<std::vector<std::string>> strings(std::uint32_t tag) const {
    const IndexEntry* e = find(tag);
    if (e == nullptr)
      return std::vector<std::string>{};
    if (e->type != type_string_array)
      return error(*e, fmt::format("has type {}, expected a string array", e->type));
    // Every string takes at least its NUL, which bounds the count before any allocation.
    if (e->count > m_data.size() - e->offset)
      return error(
          *e, fmt::format("claims {} strings in {} bytes", e->count, m_data.size() - e->offset));
    std::vector<std::string> out;
    out.reserve(e->count);
    std::size_t at = e->offset;
    for (std::uint32_t i = 0; i < e->count; ++i) {
      auto s = next_string(*e, at);
      if (!s)
        return std::unexpected(s.error());
      out.push_back(std::move(*s));
    }
    return out;
  }

  [[nodiscard]] core::Result<std::vector<std::uint32_t>> int32s(std::uint32_t tag) const {
    const IndexEntry* e = find(tag);
    if (e == nullptr)
      return std::vector<std::uint32_t>{};
    if (e->type != type_int32)
      return error(*e, fmt::format("has type {}, expected int32", e->type));
    const std::uint64_t bytes = std::uint64_t{e->count} * 4U;
    if (bytes > m_data.size() - e->offset)
      return error(*e, fmt::format("claims {} int32 values, past the end of the data", e->count));
    std::vector<std::uint32_t> out;
    out.reserve(e->count);
    for (std::uint32_t i = 0; i < e->count; ++i)
      out.push_back(read_be32(m_data, e->offset + std::size_t{i} * 4U));
    return out;
  }

private:
  [[nodiscard]] const IndexEntry* find(std::uint32_t tag) const {
    for (std::size_t i = 0; i < k_wanted.size(); ++i)
      if (k_wanted[i] == tag && m_found[i])
        return &*m_found[i];
    return nullptr;
  }

  [[nodiscard]] core::Result<std::string> next_string(const IndexEntry& e, std::size_t& at) const {
    if (at >= m_data.size())
      return error(e, "string starts past the end of the data");
    const auto* begin = reinterpret_cast<const char*>(m_data.data()) + at;
    const auto* nul = static_cast<const char*>(std::memchr(begin, '\0', m_data.size() - at));
    if (nul == nullptr)
      return error(e, "string is not NUL-terminated within the data");
    std::string s(begin, nul);
    at += s.size() + 1;
    return s;
  }

  [[nodiscard]] std::unexpected<core::Error> error(const IndexEntry& e,
                                                   std::string_view what) const {
    return core::fail(ErrorKind::parse, m_name,
                      fmt::format("rpm header tag {} ({}) {}", e.tag, tag_label(e.tag), what));
  }

  static constexpr std::array<std::uint32_t, 11> k_wanted = {
      tag_name,          tag_version,    tag_release,     tag_epoch,      tag_license,  tag_arch,
      tag_old_filenames, tag_source_rpm, tag_dir_indexes, tag_base_names, tag_dir_names};

  std::span<const std::byte> m_data;
  const std::string& m_name;
  std::array<std::optional<IndexEntry>, k_wanted.size()> m_found{};
};

// "bash-5.1.8-6.el9.src.rpm" -> name "bash", version "5.1.8-6.el9".
void split_source_rpm(std::string_view file, std::string& name, std::string& version) {
  for (std::string_view suffix : {".src.rpm", ".nosrc.rpm"})
    if (file.ends_with(suffix)) {
      file.remove_suffix(suffix.size());
      break;
    }
  const auto release_dash = file.rfind('-');
  if (release_dash == std::string_view::npos || release_dash == 0) {
    name = std::string(file);
    return;
  }
  const auto version_dash = file.rfind('-', release_dash - 1);
  if (version_dash == std::string_view::npos || version_dash == 0) {
    name = std::string(file);
    return;
  }
  name = std::string(file.substr(0, version_dash));
  version = std::string(file.substr(version_dash + 1));
}

core::Result<std::vector<std::string>> file_list(const Header& h, const std::string& name,
                                                 std::size_t& budget) {
  auto too_many = [&] {
    return core::fail(ErrorKind::limit, name,
                      "rpm header file list is larger than moat's safety limit");
  };
  if (!h.has(tag_base_names)) {
    auto old = h.strings(tag_old_filenames);
    if (!old)
      return std::unexpected(old.error());
    for (const auto& f : *old) {
      if (f.size() > budget)
        return too_many();
      budget -= f.size();
    }
    return old;
  }
  auto base = h.strings(tag_base_names);
  if (!base)
    return std::unexpected(base.error());
  auto dirs = h.strings(tag_dir_names);
  if (!dirs)
    return std::unexpected(dirs.error());
  auto indexes = h.int32s(tag_dir_indexes);
  if (!indexes)
    return std::unexpected(indexes.error());
  if (indexes->size() != base->size())
    return core::fail(ErrorKind::parse, name,
                      fmt::format("rpm header has {} BASENAMES but {} DIRINDEXES", base->size(),
                                  indexes->size()));
  std::vector<std::string> files;
  files.reserve(base->size());
  for (std::size_t i = 0; i < base->size(); ++i) {
    const std::uint32_t d = (*indexes)[i];
    if (d >= dirs->size())
      return core::fail(ErrorKind::parse, name,
                        fmt::format("rpm header DIRINDEXES[{}] is {}, but there are {} DIRNAMES", i,
                                    d, dirs->size()));
    const auto& dir = (*dirs)[d];
    const std::size_t size = dir.size() + (*base)[i].size();
    if (size > budget)
      return too_many();
    budget -= size;
    files.push_back(dir + (*base)[i]);
  }
  return files;
}

core::Result<std::string> required_string(const Header& h, std::uint32_t tag,
                                          const std::string& name) {
  auto s = h.string(tag);
  if (!s)
    return std::unexpected(s.error());
  if (!*s || (*s)->empty())
    return core::fail(ErrorKind::parse, name,
                      fmt::format("rpm header has no {} tag", tag_label(tag)));
  return std::move(**s);
}

core::Result<core::Package> parse_header(std::span<const std::byte> blob, const std::string& name,
                                         std::size_t& file_budget) {
  if (blob.size() < k_preamble_bytes)
    return core::fail(ErrorKind::parse, name,
                      fmt::format("rpm header is {} bytes, too short to be one", blob.size()));
  const std::uint32_t index_count = read_be32(blob, 0);
  const std::uint32_t data_length = read_be32(blob, 4);
  if (index_count > k_max_index_entries)
    return core::fail(ErrorKind::limit, name,
                      fmt::format("rpm header claims {} index entries, more than rpm allows ({})",
                                  index_count, k_max_index_entries));
  if (data_length > k_max_data_bytes)
    return core::fail(ErrorKind::limit, name,
                      fmt::format("rpm header claims {} data bytes, more than rpm allows ({})",
                                  data_length, k_max_data_bytes));
  const std::size_t data_start = k_preamble_bytes + std::size_t{index_count} * k_entry_bytes;
  const std::size_t expected = data_start + data_length;
  if (blob.size() != expected)
    return core::fail(ErrorKind::parse, name,
                      fmt::format("rpm header is {} bytes, but its index and data length say {}",
                                  blob.size(), expected));
  const auto data = blob.subspan(data_start);
  Header h(data, name);
  for (std::uint32_t i = 0; i < index_count; ++i) {
    const std::size_t at = k_preamble_bytes + std::size_t{i} * k_entry_bytes;
    IndexEntry e{read_be32(blob, at), read_be32(blob, at + 4), read_be32(blob, at + 8),
                 read_be32(blob, at + 12)};
    // rpm stores offsets as signed and refuses negative ones or ones past the data.
    if (e.offset > data_length)
      return core::fail(ErrorKind::parse, name,
                        fmt::format("rpm header index entry {} (tag {}) has offset {} outside the "
                                    "{} data bytes",
                                    i, e.tag, e.offset, data_length));
    h.add(e);
  }

  core::Package p;
  auto pkg_name = required_string(h, tag_name, name);
  if (!pkg_name)
    return std::unexpected(pkg_name.error());
  auto version = required_string(h, tag_version, name);
  if (!version)
    return std::unexpected(version.error());
  auto release = required_string(h, tag_release, name);
  if (!release)
    return std::unexpected(release.error());
  auto epochs = h.int32s(tag_epoch);
  if (!epochs)
    return std::unexpected(epochs.error());
  auto arch = h.string(tag_arch);
  if (!arch)
    return std::unexpected(arch.error());
  auto license = h.string(tag_license);
  if (!license)
    return std::unexpected(license.error());
  auto source_rpm = h.string(tag_source_rpm);
  if (!source_rpm)
    return std::unexpected(source_rpm.error());
  auto files = file_list(h, name, file_budget);
  if (!files)
    return std::unexpected(files.error());

  const std::string epoch = epochs->empty() ? std::string() : fmt::format("{}", epochs->front());
  const std::string epoch_prefix = epoch.empty() ? std::string() : epoch + ":";
  const std::string version_release = *version + "-" + *release;
  p.name = std::move(*pkg_name);
  p.version = epoch_prefix + version_release;
  p.type = "rpm";
  p.ecosystem = "Red Hat";
  p.architecture = arch->value_or("");
  p.license = license->value_or("");
  if (*source_rpm) {
    std::string source_version;
    split_source_rpm(**source_rpm, p.source_name, source_version);
    // The source rpm's file name carries no epoch; it is built with the
    // binary's, so the binary's epoch is the source's too.
    if (!source_version.empty())
      p.source_version = epoch_prefix + source_version;
  }
  p.purl = core::make_purl("rpm", "", p.name, version_release,
                           {{"arch", p.architecture}, {"epoch", epoch}});
  p.found_at = name;
  p.files = std::move(*files);
  return p;
}

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};
using Database = std::unique_ptr<sqlite3, SqliteCloser>;
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

std::unexpected<core::Error> sqlite_error(sqlite3* db, const std::string& name,
                                          std::string_view doing) {
  return core::fail(ErrorKind::parse, name,
                    fmt::format("rpm database: {}: {}", doing, sqlite3_errmsg(db)));
}

core::Result<Statement> prepare(sqlite3* db, const std::string& name, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
    sqlite3_finalize(raw);
    return sqlite_error(db, name, "cannot query");
  }
  return Statement(raw);
}

} // namespace

RpmdbKind rpmdb_kind(std::string_view path) {
  while (path.starts_with("./"))
    path.remove_prefix(2);
  while (path.starts_with('/'))
    path.remove_prefix(1);
  for (std::string_view dir : {"var/lib/rpm/", "usr/lib/sysimage/rpm/"}) {
    if (!path.starts_with(dir))
      continue;
    const auto file = path.substr(dir.size());
    if (file == "Packages")
      return RpmdbKind::berkeley_db;
    if (file == "Packages.db")
      return RpmdbKind::ndb;
    if (file == "rpmdb.sqlite")
      return RpmdbKind::sqlite;
  }
  return RpmdbKind::none;
}

std::string_view rpmdb_kind_name(RpmdbKind kind) {
  switch (kind) {
  case RpmdbKind::berkeley_db:
    return "BerkeleyDB";
  case RpmdbKind::ndb:
    return "NDB";
  case RpmdbKind::sqlite:
    return "SQLite";
  case RpmdbKind::none:
    break;
  }
  return "";
}

core::Result<core::Package> parse_rpm_header(std::span<const std::byte> blob,
                                             const std::string& name) {
  std::size_t budget = k_max_file_path_bytes;
  return parse_header(blob, name, budget);
}

core::Result<std::vector<core::Package>> parse_rpmdb_sqlite(std::span<const std::byte> db_bytes,
                                                            const std::string& name) {
  static constexpr std::string_view k_magic{"SQLite format 3\0", 16};
  constexpr std::size_t k_sqlite_header_bytes = 100;
  if (db_bytes.size() < k_sqlite_header_bytes ||
      std::memcmp(db_bytes.data(), k_magic.data(), k_magic.size()) != 0)
    return core::fail(ErrorKind::parse, name, "rpm database is not an SQLite database");

  // sqlite takes ownership of a buffer it allocated; the copy also lets the
  // journal mode be changed without touching the caller's bytes.
  const auto size = static_cast<sqlite3_int64>(db_bytes.size());
  auto* buffer = static_cast<unsigned char*>(sqlite3_malloc64(db_bytes.size()));
  if (buffer == nullptr)
    return core::fail(ErrorKind::internal, name, "out of memory copying the rpm database");
  std::memcpy(buffer, db_bytes.data(), db_bytes.size());
  // rpm opens its database in WAL mode (file format bytes 18 and 19 are 2), which
  // an in-memory database cannot do; as a rollback-journal database it reads
  // the same pages.
  constexpr std::size_t k_write_version = 18;
  constexpr std::size_t k_read_version = 19;
  if (buffer[k_write_version] == 2)
    buffer[k_write_version] = 1;
  if (buffer[k_read_version] == 2)
    buffer[k_read_version] = 1;

  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, nullptr);
  Database db(raw);
  if (opened != SQLITE_OK || !db) {
    sqlite3_free(buffer);
    return core::fail(ErrorKind::internal, name, "cannot open an in-memory sqlite database");
  }
  // The database comes from an untrusted image: refuse whatever its schema
  // could smuggle in (triggers, views, functions run from the schema).
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_VIEW, 0, nullptr);
  // On failure sqlite3_deserialize frees the buffer itself (FREEONCLOSE).
  if (sqlite3_deserialize(db.get(), "main", buffer, size, size,
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY) !=
      SQLITE_OK)
    return sqlite_error(db.get(), name, "cannot load the database");

  auto kind = prepare(db.get(), name, "SELECT type FROM sqlite_master WHERE name = 'Packages'");
  if (!kind)
    return std::unexpected(kind.error());
  const int step = sqlite3_step(kind->get());
  if (step != SQLITE_ROW && step != SQLITE_DONE)
    return sqlite_error(db.get(), name, "cannot read the schema");
  const auto* type = step == SQLITE_ROW ? sqlite3_column_text(kind->get(), 0) : nullptr;
  if (type == nullptr || std::strcmp(reinterpret_cast<const char*>(type), "table") != 0)
    return core::fail(ErrorKind::parse, name,
                      "SQLite database has no Packages table: not an rpm database");

  auto rows = prepare(db.get(), name, "SELECT hnum, blob FROM Packages ORDER BY hnum");
  if (!rows)
    return std::unexpected(rows.error());
  std::vector<core::Package> out;
  std::size_t budget = k_max_db_file_path_bytes;
  for (;;) {
    const int rc = sqlite3_step(rows->get());
    if (rc == SQLITE_DONE)
      break;
    if (rc != SQLITE_ROW)
      return sqlite_error(db.get(), name, "cannot read the Packages table");
    const sqlite3_int64 hnum = sqlite3_column_int64(rows->get(), 0);
    const void* bytes = sqlite3_column_blob(rows->get(), 1);
    const int length = sqlite3_column_bytes(rows->get(), 1);
    std::span<const std::byte> blob;
    if (bytes != nullptr && length > 0)
      blob = {static_cast<const std::byte*>(bytes), static_cast<std::size_t>(length)};
    auto package = parse_header(blob, name, budget);
    if (!package) {
      auto error = std::move(package).error();
      error.message = fmt::format("package record {}: {}", hnum, error.message);
      return std::unexpected(std::move(error));
    }
    if (package->name == "gpg-pubkey")
      continue;
    out.push_back(std::move(*package));
  }
  return out;
}

} // namespace moat::inventory
