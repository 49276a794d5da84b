#include <moat/vuln/db.hpp>

#include <moat/inventory/python.hpp>
#include <moat/util/sha256.hpp>
#include <moat/util/strings.hpp>
#include <moat/util/time.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <system_error>

namespace moat::vuln {

// Database::Impl has external linkage, so the statements it holds must not
// be of a type with internal linkage: GCC warns about that
// (-Wsubobject-linkage) wherever this file is not the main file, as in a
// unity build.
namespace db_detail {
struct StatementFinalizer {
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};
} // namespace db_detail

namespace {

using Statement = std::unique_ptr<sqlite3_stmt, db_detail::StatementFinalizer>;

constexpr std::string_view k_schema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS advisory(
  rowid INTEGER PRIMARY KEY,
  feed TEXT NOT NULL,
  id TEXT NOT NULL,
  modified TEXT NOT NULL,
  digest TEXT NOT NULL,
  origin TEXT NOT NULL,
  published TEXT NOT NULL,
  summary TEXT NOT NULL,
  aliases TEXT NOT NULL,
  severity TEXT NOT NULL,
  refs TEXT NOT NULL,
  UNIQUE(feed, id));
CREATE TABLE IF NOT EXISTS affected(
  advisory INTEGER NOT NULL REFERENCES advisory(rowid) ON DELETE CASCADE,
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  spec TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_package ON affected(ecosystem, name);
CREATE INDEX IF NOT EXISTS affected_advisory ON affected(advisory);
)sql";

std::string_view event_key(Event::Kind kind) {
  switch (kind) {
  case Event::Kind::introduced:
    return "i";
  case Event::Kind::fixed:
    return "f";
  case Event::Kind::last_affected:
    return "l";
  case Event::Kind::limit:
    return "m";
  }
  return "i";
}

std::optional<Event::Kind> event_kind(std::string_view key) {
  if (key == "i")
    return Event::Kind::introduced;
  if (key == "f")
    return Event::Kind::fixed;
  if (key == "l")
    return Event::Kind::last_affected;
  if (key == "m")
    return Event::Kind::limit;
  return std::nullopt;
}

std::string_view range_key(Range::Type type) {
  switch (type) {
  case Range::Type::ecosystem:
    return "E";
  case Range::Type::semver:
    return "S";
  case Range::Type::git:
    return "G";
  }
  return "E";
}

constexpr std::array k_fix_states{FixState::fixed,        FixState::affected,
                                  FixState::will_not_fix, FixState::deferred,
                                  FixState::end_of_life,  FixState::not_affected};

// The stored form of one affected entry: a sequence of netstrings
// ("LEN:BYTES"), which any byte can go through and which reads back without
// a parser; matching decodes one per candidate, so this is on the hot path.
void put_token(std::string& out, std::string_view token) {
  out += std::to_string(token.size());
  out += ':';
  out += token;
}

std::string encode_spec(const Affected& a) {
  std::string out;
  put_token(out, to_string(a.state));
  put_token(out, a.severity);
  put_token(out, a.purl);
  put_token(out, a.name);
  put_token(out, a.ecosystem);
  size_t ranges = 0;
  for (const auto& r : a.ranges)
    ranges += r.type == Range::Type::git ? 0 : 1; // commits are not installed versions
  put_token(out, std::to_string(ranges));
  for (const auto& r : a.ranges) {
    if (r.type == Range::Type::git)
      continue;
    put_token(out, range_key(r.type));
    put_token(out, std::to_string(r.events.size()));
    for (const auto& e : r.events) {
      put_token(out, event_key(e.kind));
      put_token(out, e.version);
    }
  }
  put_token(out, std::to_string(a.versions.size()));
  for (const auto& v : a.versions)
    put_token(out, v);
  return out;
}

// Reads netstrings back; every read is bounds-checked, so a damaged row
// fails instead of reading past its end.
class TokenReader {
public:
  explicit TokenReader(std::string_view text) : m_text(text) {}

  std::optional<std::string_view> next() {
    size_t length = 0;
    size_t digits = 0;
    while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') {
      if (++digits > 9)
        return std::nullopt;
      length = length * 10 + static_cast<size_t>(m_text[m_pos++] - '0');
    }
    if (digits == 0 || m_pos >= m_text.size() || m_text[m_pos] != ':' ||
        m_text.size() - m_pos - 1 < length)
      return std::nullopt;
    auto token = m_text.substr(m_pos + 1, length);
    m_pos += 1 + length;
    return token;
  }

  std::optional<size_t> count() {
    auto token = next();
    if (!token || token->empty() || token->size() > 6)
      return std::nullopt;
    size_t n = 0;
    for (char c : *token) {
      if (c < '0' || c > '9')
        return std::nullopt;
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    return n;
  }

  [[nodiscard]] bool done() const { return m_pos == m_text.size(); }

private:
  std::string_view m_text;
  size_t m_pos = 0;
};

bool decode_spec(std::string_view text, Affected& a) {
  TokenReader in(text);
  auto state = in.next();
  auto severity = in.next();
  auto purl = in.next();
  auto name = in.next();
  auto ecosystem = in.next();
  if (!state || !severity || !purl || !name || !ecosystem)
    return false;
  bool known = false;
  for (auto s : k_fix_states)
    if (to_string(s) == *state) {
      a.state = s;
      known = true;
    }
  if (!known)
    return false;
  a.severity = *severity;
  a.purl = *purl;
  a.name = *name;
  a.ecosystem = *ecosystem;
  auto ranges = in.count();
  if (!ranges)
    return false;
  for (size_t r = 0; r < *ranges; ++r) {
    Range range;
    auto type = in.next();
    auto events = in.count();
    if (!type || !events)
      return false;
    range.type = *type == "S" ? Range::Type::semver : Range::Type::ecosystem;
    for (size_t e = 0; e < *events; ++e) {
      auto key = in.next();
      auto version = in.next();
      if (!key || !version)
        return false;
      auto kind = event_kind(*key);
      if (!kind)
        return false;
      range.events.push_back(Event{*kind, std::string(*version)});
    }
    a.ranges.push_back(std::move(range));
  }
  auto versions = in.count();
  if (!versions)
    return false;
  for (size_t v = 0; v < *versions; ++v) {
    auto version = in.next();
    if (!version)
      return false;
    a.versions.emplace_back(*version);
  }
  return in.done();
}

std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty())
      out += '\n';
    out += s;
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty())
    return out;
  for (auto part : util::split(text, '\n'))
    out.emplace_back(part);
  return out;
}

std::string encode_severity(const std::vector<SeverityEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty())
      out += '\n';
    out += e.type;
    out += '\t';
    out += e.value;
  }
  return out;
}

std::vector<SeverityEntry> decode_severity(std::string_view text) {
  std::vector<SeverityEntry> out;
  for (const auto& line : split_lines(text)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos)
      continue;
    out.push_back(SeverityEntry{line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

std::string_view column_text(sqlite3_stmt* st, int column) {
  const auto* text = sqlite3_column_text(st, column);
  if (text == nullptr)
    return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(st, column))};
}

} // namespace

std::filesystem::path default_db_path() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/')
    return std::filesystem::path(xdg) / "moat" / "vuln.db";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::filesystem::path(home) / ".cache" / "moat" / "vuln.db";
  return std::filesystem::path("/var/cache/moat/vuln.db");
}

std::string ecosystem_key(std::string_view ecosystem) {
  std::string out(util::trim(ecosystem));
  // Ubuntu's OSV data marks LTS releases; the release number alone selects them.
  if (out.starts_with("Ubuntu:") && out.ends_with(":LTS"))
    out.resize(out.size() - 4);
  return out;
}

std::string name_key(std::string_view ecosystem, std::string_view name) {
  if (ecosystem != "PyPI")
    return std::string(name);
  return inventory::normalize_python_name(name); // PEP 503, as the purls moat writes
}

struct Database::Impl {
  sqlite3* db = nullptr;
  std::string name;
  Statement find_advisory;
  Statement insert_advisory;
  Statement update_advisory;
  Statement delete_advisory;
  Statement delete_affected;
  Statement insert_affected;
  Statement touch_advisory;
  Statement lookup;

  ~Impl() {
    find_advisory.reset();
    insert_advisory.reset();
    update_advisory.reset();
    delete_advisory.reset();
    delete_affected.reset();
    insert_affected.reset();
    touch_advisory.reset();
    lookup.reset();
    if (db != nullptr)
      sqlite3_close(db);
  }

  core::Error error(std::string_view doing) const {
    return core::Error{core::ErrorKind::io, name,
                       fmt::format("vulnerability database: {}: {}", doing, sqlite3_errmsg(db))};
  }

  core::Status exec(std::string_view sql, std::string_view doing) {
    char* message = nullptr;
    if (sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message != nullptr ? message : sqlite3_errmsg(db);
      sqlite3_free(message);
      return core::fail(core::ErrorKind::io, name,
                        fmt::format("vulnerability database: {}: {}", doing, text));
    }
    return {};
  }

  // PRAGMA quick_check: every page of every table and index is well formed
  // and the indexes agree in count; "ok" or the first problems.
  core::Status check_integrity() {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check(3)", -1, &raw, nullptr) != SQLITE_OK)
      return core::fail(core::ErrorKind::parse, name,
                        fmt::format("damaged vulnerability database ({}); delete it and import "
                                    "again",
                                    sqlite3_errmsg(db)));
    Statement check(raw);
    std::vector<std::string> problems;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(check.get())) == SQLITE_ROW) {
      const auto line = column_text(check.get(), 0);
      if (line != "ok")
        problems.emplace_back(line);
    }
    if (rc != SQLITE_DONE || !problems.empty())
      return core::fail(
          core::ErrorKind::parse, name,
          fmt::format("damaged vulnerability database ({}); delete it and import again",
                      problems.empty() ? std::string(sqlite3_errmsg(db))
                                       : util::terminal_safe(problems.front())));
    return {};
  }

  // SQLite's busy handler: waits for another import's transaction, saying
  // so once on a terminal, for up to k_max_wait.
  static int wait_for_writer(void* self, int attempt) {
    constexpr int k_step_ms = 100;
    constexpr int k_max_wait_ms = 10 * 60 * 1000;
    auto* impl = static_cast<Impl*>(self);
    if (attempt == 20 && ::isatty(STDERR_FILENO) == 1) // after two seconds
      fmt::print(stderr,
                 "moat: waiting for another import into {} to finish (up to 10 "
                 "minutes)\n",
                 util::terminal_safe(impl->name));
    if (attempt * k_step_ms >= k_max_wait_ms)
      return 0;
    ::usleep(k_step_ms * 1000);
    return 1;
  }

  core::Result<Statement> prepare(std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
        SQLITE_OK)
      return std::unexpected(error("preparing a query"));
    return Statement(raw);
  }
};

namespace {

// Not called bind: std::bind would win overload resolution for std::string by ADL.
void bind_text(sqlite3_stmt* st, int index, std::string_view text) {
  sqlite3_bind_text(st, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

} // namespace

Database::Database(std::filesystem::path path, std::unique_ptr<Impl> impl)
    : m_path(std::move(path)), m_impl(std::move(impl)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

core::Result<Database> Database::open(const std::filesystem::path& path, bool writable) {
  auto impl = std::make_unique<Impl>();
  impl->name = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!writable && !std::filesystem::exists(status))
    return core::fail(core::ErrorKind::usage, path.string(),
                      "no vulnerability database here; create one with `moat db import` or "
                      "`moat db update`");
  // SQLite would block opening a FIFO with no writer, or read a device.
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    return core::fail(core::ErrorKind::usage, path.string(),
                      "not a regular file; a vulnerability database is a SQLite file");
  if (writable && path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return core::fail(core::ErrorKind::io, path.parent_path().string(),
                        fmt::format("cannot create the directory: {}", ec.message()));
  }
  // A reader opens the file read-write when it may, and then only queries:
  // an import stopped half-way (Ctrl-C, a crash) leaves a hot journal that
  // SQLite must roll back before anyone can read, and that needs write
  // access. A reader that cannot write is told what to do instead.
  const bool may_write =
      ::access(path.c_str(), W_OK) == 0 &&
      ::access(path.parent_path().empty() ? "." : path.parent_path().c_str(), W_OK) == 0;
  const int flags = writable    ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
                    : may_write ? SQLITE_OPEN_READWRITE
                                : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr) != SQLITE_OK)
    return std::unexpected(impl->error("opening"));
  // Another import holds the database: wait for it (saying so once) rather
  // than failing after a few seconds.
  sqlite3_busy_handler(impl->db, &Impl::wait_for_writer, impl.get());
  if (!writable && !may_write && std::filesystem::exists(path.string() + "-journal", ec))
    return core::fail(core::ErrorKind::io, path.string(),
                      "an interrupted import left a journal that only someone who may write "
                      "the database can roll back; run `moat db import` (or any moat command) "
                      "as its owner");
  // The schema version tells a moat database from any other SQLite file.
  Statement version;
  {
    sqlite3_stmt* raw = nullptr;
    const auto rc = sqlite3_prepare_v2(
        impl->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &raw, nullptr);
    version.reset(raw);
    if (rc == SQLITE_NOTADB)
      return core::fail(core::ErrorKind::parse, path.string(),
                        "not a moat vulnerability database (not an SQLite file)");
    if (rc != SQLITE_OK) {
      const bool empty = std::filesystem::file_size(path, ec) == 0;
      if (!writable || !empty) {
        if (std::string_view(sqlite3_errmsg(impl->db)).starts_with("no such table"))
          return core::fail(core::ErrorKind::parse, path.string(),
                            "not a moat vulnerability database (no schema version)");
        return std::unexpected(impl->error("reading the schema version"));
      }
    }
  }
  if (version) {
    const int rc = sqlite3_step(version.get());
    if (rc == SQLITE_ROW) {
      const auto text = column_text(version.get(), 0);
      if (text != std::to_string(k_schema_version))
        return core::fail(core::ErrorKind::parse, path.string(),
                          fmt::format("vulnerability database schema version {}, moat reads {}; "
                                      "delete it and import again",
                                      text, k_schema_version));
    } else if (rc != SQLITE_DONE) {
      return std::unexpected(impl->error("reading the schema version"));
    } else {
      return core::fail(core::ErrorKind::parse, path.string(),
                        "not a moat vulnerability database (no schema version)");
    }
  } else {
    // One transaction: a crash in between must not leave a file that
    // every later run refuses for having no schema version.
    MOAT_TRY(impl->exec(fmt::format("BEGIN IMMEDIATE; {} INSERT OR IGNORE INTO meta(key, value) "
                                    "VALUES('schema_version', '{}'); COMMIT;",
                                    k_schema, k_schema_version),
                        "creating the schema"));
  }
  version.reset();
  // A damaged file must not be read as "fewer advisories": the pages of
  // every table and index are checked (SQLite's quick_check, a few
  // milliseconds per MiB) before anything is matched or imported.
  MOAT_TRY(impl->check_integrity());
  if (!writable)
    MOAT_TRY(impl->exec("PRAGMA query_only = ON", "setting up"));
  MOAT_TRY(impl->exec("PRAGMA foreign_keys = ON", "setting up"));
  auto lookup =
      impl->prepare("SELECT a.feed, a.id, a.aliases, a.summary, a.severity, a.refs, a.modified, "
                    "a.published, f.spec FROM affected f JOIN advisory a ON a.rowid = f.advisory "
                    "WHERE f.ecosystem = ?1 AND f.name = ?2 ORDER BY a.feed, a.id");
  if (!lookup)
    return std::unexpected(lookup.error());
  impl->lookup = std::move(*lookup);
  if (writable) {
    const std::pair<Statement*, std::string_view> statements[] = {
        {&impl->find_advisory,
         "SELECT rowid, modified, digest FROM advisory WHERE feed = ?1 AND id = ?2"},
        {&impl->insert_advisory,
         "INSERT INTO advisory(feed, id, modified, digest, origin, published, summary, aliases, "
         "severity, refs) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
        {&impl->update_advisory,
         "UPDATE advisory SET modified = ?3, digest = ?4, origin = ?5, published = ?6, "
         "summary = ?7, aliases = ?8, severity = ?9, refs = ?10 WHERE feed = ?1 AND id = ?2"},
        {&impl->delete_advisory, "DELETE FROM advisory WHERE rowid = ?1"},
        {&impl->delete_affected, "DELETE FROM affected WHERE advisory = ?1"},
        {&impl->insert_affected,
         "INSERT INTO affected(advisory, ecosystem, name, spec) VALUES(?1, ?2, ?3, ?4)"},
        {&impl->touch_advisory, "UPDATE advisory SET modified = ?1 WHERE rowid = ?2"},
    };
    for (const auto& [target, sql] : statements) {
      auto st = impl->prepare(sql);
      if (!st)
        return std::unexpected(st.error());
      *target = std::move(*st);
    }
  }
  return Database(path, std::move(impl));
}

core::Status Database::begin() {
  return m_impl->exec("BEGIN IMMEDIATE", "starting the import");
}

core::Status Database::commit() {
  MOAT_TRY(m_impl->exec(fmt::format("INSERT INTO meta(key, value) VALUES('updated', '{}') "
                                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                    util::rfc3339_utc(std::time(nullptr))),
                        "recording the import"));
  return m_impl->exec("COMMIT", "committing the import");
}

void Database::rollback() {
  (void)m_impl->exec("ROLLBACK", "abandoning the import");
}

core::Status Database::put(const Advisory& adv, std::string_view feed, std::string_view origin,
                           ImportCounts& counts) {
  auto& impl = *m_impl;
  std::vector<std::pair<std::string, std::string>> rows; // (ecosystem, name) -> spec below
  std::vector<std::string> specs;
  std::string canonical = fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n", adv.id, adv.published,
                                      adv.summary, join_lines(adv.aliases),
                                      encode_severity(adv.severity), join_lines(adv.references));
  for (const auto& a : adv.affected) {
    const auto eco = ecosystem_key(a.ecosystem);
    rows.emplace_back(eco, name_key(eco, a.name));
    specs.push_back(encode_spec(a));
    canonical += specs.back();
    canonical += '\n';
  }
  const auto digest = util::sha256_hex(canonical);

  sqlite3_stmt* find = impl.find_advisory.get();
  sqlite3_reset(find);
  bind_text(find, 1, feed);
  bind_text(find, 2, adv.id);
  sqlite3_int64 existing = -1;
  std::string old_modified;
  std::string old_digest;
  if (const int rc = sqlite3_step(find); rc == SQLITE_ROW) {
    existing = sqlite3_column_int64(find, 0);
    old_modified = column_text(find, 1);
    old_digest = column_text(find, 2);
  } else if (rc != SQLITE_DONE) {
    return std::unexpected(impl.error("looking up an advisory"));
  }
  sqlite3_reset(find);

  // RFC 3339 timestamps in UTC order as strings; an older copy never
  // replaces (or withdraws) a newer one.
  const bool older = existing >= 0 && !adv.modified.empty() && !old_modified.empty() &&
                     adv.modified < old_modified;
  if (!adv.withdrawn.empty()) {
    ++counts.withdrawn;
    if (existing >= 0 && !older) {
      sqlite3_stmt* del = impl.delete_advisory.get();
      sqlite3_reset(del);
      sqlite3_bind_int64(del, 1, existing);
      if (sqlite3_step(del) != SQLITE_DONE)
        return std::unexpected(impl.error("removing a withdrawn advisory"));
    }
    return {};
  }
  if (older) {
    ++counts.older;
    return {};
  }
  if (existing >= 0 && old_digest == digest) {
    ++counts.unchanged;
    if (adv.modified > old_modified) { // same content, newer date: keep the date
      sqlite3_stmt* touch = impl.touch_advisory.get();
      sqlite3_reset(touch);
      bind_text(touch, 1, adv.modified);
      sqlite3_bind_int64(touch, 2, existing);
      if (sqlite3_step(touch) != SQLITE_DONE)
        return std::unexpected(impl.error("updating an advisory"));
    }
    return {};
  }

  sqlite3_stmt* write = existing >= 0 ? impl.update_advisory.get() : impl.insert_advisory.get();
  sqlite3_reset(write);
  bind_text(write, 1, feed);
  bind_text(write, 2, adv.id);
  bind_text(write, 3, adv.modified);
  bind_text(write, 4, digest);
  bind_text(write, 5, origin);
  bind_text(write, 6, adv.published);
  bind_text(write, 7, adv.summary);
  const auto aliases = join_lines(adv.aliases);
  bind_text(write, 8, aliases);
  const auto severity = encode_severity(adv.severity);
  bind_text(write, 9, severity);
  const auto refs = join_lines(adv.references);
  bind_text(write, 10, refs);
  if (sqlite3_step(write) != SQLITE_DONE) {
    return std::unexpected(impl.error("writing an advisory"));
  }
  sqlite3_int64 rowid = existing;
  if (existing >= 0) {
    sqlite3_stmt* del = impl.delete_affected.get();
    sqlite3_reset(del);
    sqlite3_bind_int64(del, 1, existing);
    if (sqlite3_step(del) != SQLITE_DONE)
      return std::unexpected(impl.error("replacing an advisory"));
    ++counts.updated;
  } else {
    rowid = sqlite3_last_insert_rowid(impl.db);
    ++counts.added;
  }
  sqlite3_stmt* ins = impl.insert_affected.get();
  for (size_t i = 0; i < rows.size(); ++i) {
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, rowid);
    bind_text(ins, 2, rows[i].first);
    bind_text(ins, 3, rows[i].second);
    bind_text(ins, 4, specs[i]);
    if (sqlite3_step(ins) != SQLITE_DONE)
      return std::unexpected(impl.error("writing an affected package"));
  }
  return {};
}

core::Result<std::vector<Candidate>> Database::lookup(std::string_view ecosystem,
                                                      std::string_view name) const {
  std::vector<Candidate> out;
  sqlite3_stmt* st = m_impl->lookup.get();
  sqlite3_reset(st);
  bind_text(st, 1, ecosystem);
  bind_text(st, 2, name);
  for (;;) {
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
      break;
    if (rc != SQLITE_ROW)
      return std::unexpected(m_impl->error("looking up a package"));
    Candidate c;
    c.feed = column_text(st, 0);
    c.advisory.id = column_text(st, 1);
    c.advisory.aliases = split_lines(column_text(st, 2));
    c.advisory.summary = column_text(st, 3);
    c.advisory.severity = decode_severity(column_text(st, 4));
    c.advisory.references = split_lines(column_text(st, 5));
    c.advisory.modified = column_text(st, 6);
    c.advisory.published = column_text(st, 7);
    Affected a;
    if (!decode_spec(column_text(st, 8), a))
      return core::fail(core::ErrorKind::parse, m_impl->name,
                        fmt::format("damaged record for advisory {}", c.advisory.id));
    c.advisory.affected.push_back(std::move(a));
    out.push_back(std::move(c));
  }
  sqlite3_reset(st);
  return out;
}

core::Result<bool> Database::has_ecosystem(std::string_view ecosystem) const {
  auto st = m_impl->prepare("SELECT 1 FROM affected WHERE ecosystem = ?1 LIMIT 1");
  if (!st)
    return std::unexpected(st.error());
  bind_text(st->get(), 1, ecosystem);
  const int rc = sqlite3_step(st->get());
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return std::unexpected(m_impl->error("looking up an ecosystem"));
  return rc == SQLITE_ROW;
}

core::Result<Stats> Database::stats() const {
  auto& impl = *m_impl;
  Stats s;
  s.path = m_path.string();
  s.schema = k_schema_version;
  auto one = [&](std::string_view sql, auto&& row) -> core::Status {
    auto st = impl.prepare(sql);
    if (!st)
      return std::unexpected(st.error());
    for (;;) {
      const int rc = sqlite3_step(st->get());
      if (rc == SQLITE_DONE)
        return {};
      if (rc != SQLITE_ROW)
        return std::unexpected(impl.error("reading statistics"));
      row(st->get());
    }
  };
  MOAT_TRY(one("SELECT count(*), coalesce(max(modified), '') FROM advisory", [&](sqlite3_stmt* st) {
    s.advisories = sqlite3_column_int64(st, 0);
    s.newest_modified = column_text(st, 1);
  }));
  MOAT_TRY(one("SELECT value FROM meta WHERE key = 'updated'",
               [&](sqlite3_stmt* st) { s.updated = column_text(st, 0); }));
  MOAT_TRY(one("SELECT a.feed, f.ecosystem, count(DISTINCT a.rowid), count(*) FROM affected f "
               "JOIN advisory a ON a.rowid = f.advisory GROUP BY a.feed, f.ecosystem "
               "ORDER BY a.feed, f.ecosystem",
               [&](sqlite3_stmt* st) {
                 s.rows.push_back(
                     StatsRow{std::string(column_text(st, 0)), std::string(column_text(st, 1)),
                              sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)});
               }));
  MOAT_TRY(one("SELECT origin, count(*) FROM advisory GROUP BY origin ORDER BY origin",
               [&](sqlite3_stmt* st) {
                 s.origins.emplace_back(std::string(column_text(st, 0)),
                                        sqlite3_column_int64(st, 1));
               }));
  return s;
}

} // namespace moat::vuln
