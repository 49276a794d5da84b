#pragma once
// The advisory database: one SQLite file, schema-versioned, indexed by
// (ecosystem, package name). Records are keyed by (feed, id); importing a
// record again replaces it only when it is newer or different.

#include <moat/core/result.hpp>
#include <moat/vuln/advisory.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace moat::vuln {

inline constexpr int k_schema_version = 1;

// $XDG_CACHE_HOME/moat/vuln.db, else $HOME/.cache/moat/vuln.db.
[[nodiscard]] std::filesystem::path default_db_path();

// The key an ecosystem is stored and looked up under ("Ubuntu:22.04:LTS" -> "Ubuntu:22.04").
[[nodiscard]] std::string ecosystem_key(std::string_view ecosystem);

// The key a package name is stored and looked up under (PyPI names
// normalised as PEP 503 says; others unchanged).
[[nodiscard]] std::string name_key(std::string_view ecosystem, std::string_view name);

struct ImportCounts {
  long added = 0;
  long updated = 0;
  long unchanged = 0; // same id, same content
  long older = 0;     // the database already has a newer copy
  long withdrawn = 0; // withdrawn advisories (dropped, and removed when present)
};

// An advisory as the matcher sees it: the advisory-wide fields, and the one
// Affected entry that named the package looked up.
struct Candidate {
  std::string feed;  // "osv", "debian", "alpine"
  Advisory advisory; // with exactly one entry in `affected`
};

struct StatsRow {
  std::string feed;
  std::string ecosystem;
  long advisories = 0; // distinct advisories with a package in this ecosystem
  long packages = 0;   // affected entries
};

struct Stats {
  std::string path;
  int schema = 0;
  long advisories = 0;
  std::string newest_modified; // RFC 3339; empty when no record has a date
  std::string updated;         // when the last import finished (RFC 3339, UTC)
  std::vector<StatsRow> rows;  // by feed, then ecosystem
  std::vector<std::pair<std::string, long>> origins; // where records came from, with counts
};

class Database {
public:
  // Opens PATH. With WRITABLE, creates it (and its directory) when missing;
  // otherwise a missing file is an error. A file that is not a moat
  // database, or has another schema version, is an error naming PATH.
  [[nodiscard]] static core::Result<Database> open(const std::filesystem::path& path,
                                                   bool writable);

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Starts the one transaction an import runs in.
  [[nodiscard]] core::Status begin();
  // Commits it and records the import time.
  [[nodiscard]] core::Status commit();
  // Abandons it; the database is as it was before begin().
  void rollback();

  // Stores ADV from FEED, read from ORIGIN, under the upsert rule above.
  [[nodiscard]] core::Status put(const Advisory& adv, std::string_view feed,
                                 std::string_view origin, ImportCounts& counts);

  // Every affected entry stored for (ecosystem key, name key).
  [[nodiscard]] core::Result<std::vector<Candidate>> lookup(std::string_view ecosystem,
                                                            std::string_view name) const;

  // True when any advisory names a package of ECOSYSTEM (a key).
  [[nodiscard]] core::Result<bool> has_ecosystem(std::string_view ecosystem) const;

  // Counts per feed and ecosystem.
  [[nodiscard]] core::Result<Stats> stats() const;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
  struct Impl;
  Database(std::filesystem::path path, std::unique_ptr<Impl> impl);
  std::filesystem::path m_path;
  std::unique_ptr<Impl> m_impl;
};

} // namespace moat::vuln
