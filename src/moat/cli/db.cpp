// moat db: the offline vulnerability database (import, update, stats).
#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/cli/vuln_common.hpp>
#include <moat/engine/http.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>
#include <moat/vuln/import.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace moat::cli {

namespace {

namespace fs = std::filesystem;

struct DbOptions {
  std::string db;
  std::vector<std::string> paths;
  std::vector<std::string> sources;
  std::string format = "text";
  std::string timeout = "30m";
  std::string max_document = "192MiB";
  bool no_progress = false;
  bool quiet = false;
};

constexpr const char* k_db_help =
    "DATABASE:\n"
    "  Advisories are kept in a local SQLite file, by default\n"
    "  $XDG_CACHE_HOME/moat/vuln.db (else ~/.cache/moat/vuln.db); --db names\n"
    "  another. moat vuln and moat image match packages against it offline.\n\n";

constexpr const char* k_db_exit_status =
    "EXIT STATUS:\n"
    "  0  done\n"
    "  2  usage error, or an input or the database could not be processed (one line\n"
    "     on stderr names it; the database is left as it was)";

fs::path db_path(const DbOptions& opts) {
  return opts.db.empty() ? vuln::default_db_path() : fs::path(opts.db);
}

// A progress bar on stderr while a long import runs on a terminal.
vuln::ImportProgress import_bar(const DbOptions& opts, bool& drawn) {
  if (opts.no_progress || opts.quiet || !util::is_tty(STDERR_FILENO))
    return {};
  return [&drawn](size_t done, size_t total) {
    draw_progress("importing", done, total);
    drawn = true;
  };
}

int import_into(const DbOptions& opts, const std::vector<std::string>& paths,
                const std::vector<std::string>& origins = {}) {
  const auto path = db_path(opts);
  std::error_code ec;
  const bool existed = fs::exists(path, ec);
  bool drawn = false;
  const auto max_document =
      parse_size_option("--max-document-size", opts.max_document, "192MiB, 1G");
  if (!max_document)
    return report_error(max_document.error());
  auto result = [&]() -> core::Result<vuln::ImportResult> {
    auto db = vuln::Database::open(path, true);
    if (!db)
      return std::unexpected(db.error());
    return vuln::import_paths(*db, paths, import_bar(opts, drawn), origins, *max_document);
  }();
  if (drawn)
    clear_progress();
  if (!result) {
    // A database this failed import created would be empty, and every
    // later scan would read it as "no vulnerabilities".
    if (!existed) {
      fs::remove(path, ec);
      fs::remove(path.string() + "-journal", ec);
    }
    return report_error(result.error());
  }
  // What was skipped is said even with -q: it is why records may be missing.
  constexpr std::size_t k_listed = 20;
  const auto& skipped = result->skipped;
  for (std::size_t i = 0; i < skipped.size() && i < k_listed; ++i)
    fmt::print(stderr, "moat: note: skipped {}\n", util::terminal_safe(skipped[i]));
  if (skipped.size() > k_listed)
    fmt::print(stderr, "moat: note: skipped {} more\n", skipped.size() - k_listed);
  for (std::size_t i = 0; i < result->notes.size() && i < k_listed; ++i)
    fmt::print(stderr, "moat: note: {}\n", util::terminal_safe(result->notes[i]));
  if (result->notes.size() > k_listed)
    fmt::print(stderr, "moat: note: {} more records taken without a date\n",
               result->notes.size() - k_listed);
  if (!opts.quiet) {
    const auto& c = result->counts;
    fmt::print("imported {} document(s) into {}: {} added, {} updated, {} unchanged, {} older "
               "copies kept, {} withdrawn\n",
               result->documents, util::terminal_safe(path.string()), c.added, c.updated,
               c.unchanged, c.older, c.withdrawn);
  }
  return k_exit_clean;
}

int run_import(const DbOptions& opts) {
  return import_into(opts, opts.paths);
}

// The public feeds `moat db update` knows, by name.
struct Feed {
  std::string name; // "osv:PyPI", "debian", "alpine:v3.20/main"
  std::string url;
  std::string file; // the name it is saved under, which tells the importer its format
};

std::vector<std::string> default_sources() {
  return {"osv:PyPI",
          "osv:Go",
          "osv:npm",
          "osv:Maven",
          "osv:RubyGems",
          "osv:crates.io",
          "debian",
          "alpine:v3.19/main",
          "alpine:v3.19/community",
          "alpine:v3.20/main",
          "alpine:v3.20/community"};
}

core::Result<Feed> feed_for(const std::string& source) {
  if (source.starts_with("osv:") && source.size() > 4) {
    const auto eco = source.substr(4);
    return Feed{source,
                fmt::format("https://osv-vulnerabilities.storage.googleapis.com/{}/all.zip", eco),
                fmt::format("osv-{}.zip", util::to_lower(eco))};
  }
  if (source == "debian")
    return Feed{source, "https://security-tracker.debian.org/tracker/data/json",
                "debian-tracker.json"};
  if (source.starts_with("alpine:")) {
    const auto rest = source.substr(7); // "v3.20/main"
    const auto slash = rest.find('/');
    if (slash != std::string::npos && rest.starts_with('v')) {
      auto file = rest;
      std::replace(file.begin(), file.end(), '/', '-');
      return Feed{source, fmt::format("https://secdb.alpinelinux.org/{}.json", rest),
                  fmt::format("alpine-{}.json", file)};
    }
  }
  return core::fail(core::ErrorKind::usage, source,
                    "unknown feed: use osv:ECOSYSTEM, debian or alpine:vX.Y/REPO");
}

core::Status download(engine::HttpClient& client, const Feed& feed, const fs::path& to) {
  std::ofstream out(to, std::ios::binary);
  if (!out)
    return core::fail(core::ErrorKind::io, to.string(), "cannot create the file");
  engine::HttpRequest request;
  request.url = feed.url;
  request.follow_redirects = true;
  auto response =
      client.get_streaming(request, [&](std::span<const std::byte> bytes) -> core::Status {
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        if (!out)
          return core::fail(core::ErrorKind::io, to.string(), "write failed");
        return {};
      });
  if (!response) {
    auto error = response.error();
    if (error.input.empty())
      error.input = feed.url;
    error.message =
        fmt::format("cannot download {} (is there a network?): {}", feed.name, error.message);
    return std::unexpected(error);
  }
  if (!response->ok())
    return core::fail(core::ErrorKind::io, feed.url,
                      fmt::format("cannot download {}: HTTP {}", feed.name, response->status));
  out.close();
  if (!out)
    return core::fail(core::ErrorKind::io, to.string(), "write failed");
  return {};
}

int run_update(const DbOptions& opts) {
  std::vector<Feed> feeds;
  for (const auto& source : opts.sources.empty() ? default_sources() : opts.sources) {
    auto feed = feed_for(source);
    if (!feed)
      return report_error(feed.error());
    feeds.push_back(std::move(*feed));
  }
  // Downloads go beside the database, in a directory of moat's own that is
  // removed afterwards; the database changes only if every feed arrived.
  const auto path = db_path(opts);
  std::error_code ec;
  const auto parent = path.has_parent_path() ? path.parent_path() : fs::current_path();
  fs::create_directories(parent, ec);
  auto temp = parent / fmt::format(".moat-update-{}", ::getpid());
  fs::create_directories(temp, ec);
  if (ec)
    return report_error(core::Error{core::ErrorKind::io, temp.string(),
                                    "cannot create the download directory: " + ec.message(), 0, 0});
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{temp};
  engine::HttpOptions http_options;
  const auto timeout = parse_timeout_option(opts.timeout);
  if (!timeout)
    return report_error(timeout.error());
  http_options.timeout = *timeout;
  http_options.deadline = std::chrono::steady_clock::now() + *timeout;
  auto client = engine::HttpClient::create(std::move(http_options));
  if (!client)
    return report_error(client.error());
  std::vector<std::string> files;
  std::vector<std::string> origins; // records name the feed's URL, not the download's temp path
  for (const auto& feed : feeds) {
    if (!opts.quiet)
      fmt::print(stderr, "moat: downloading {} from {}\n", feed.name, feed.url);
    const auto file = temp / feed.file;
    if (auto status = download(*client, feed, file); !status)
      return report_error(status.error());
    files.push_back(file.string());
    origins.push_back(feed.url);
  }
  return import_into(opts, files, origins);
}

int run_stats(const DbOptions& opts) {
  if (opts.format != "text" && opts.format != "json")
    return report_error(
        core::Error{core::ErrorKind::usage, "db stats",
                    fmt::format("unknown format '{}': use text or json", opts.format), 0, 0});
  auto db = vuln::Database::open(db_path(opts), false);
  if (!db)
    return report_error(db.error());
  auto stats = db->stats();
  if (!stats)
    return report_error(stats.error());
  if (opts.format == "json") {
    nlohmann::json doc;
    doc["database"] = stats->path;
    doc["schema_version"] = stats->schema;
    doc["advisories"] = stats->advisories;
    doc["newest_modified"] = stats->newest_modified;
    doc["updated"] = stats->updated;
    auto rows = nlohmann::json::array();
    for (const auto& r : stats->rows)
      rows.push_back({{"source", r.feed},
                      {"ecosystem", r.ecosystem},
                      {"advisories", r.advisories},
                      {"packages", r.packages}});
    doc["ecosystems"] = std::move(rows);
    auto origins = nlohmann::json::array();
    for (const auto& [origin, count] : stats->origins)
      origins.push_back({{"origin", origin}, {"advisories", count}});
    doc["origins"] = std::move(origins);
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return k_exit_clean;
  }
  fmt::print("database:        {}\n", util::terminal_safe(stats->path));
  fmt::print("schema version:  {}\n", stats->schema);
  fmt::print("advisories:      {}\n", stats->advisories);
  fmt::print("newest modified: {}\n",
             stats->newest_modified.empty() ? "-" : util::terminal_safe(stats->newest_modified));
  fmt::print("last import:     {}\n",
             stats->updated.empty() ? "-" : util::terminal_safe(stats->updated));
  size_t width = 9;
  for (const auto& r : stats->rows)
    width = std::max(width, r.ecosystem.size());
  fmt::print("\n  {:<7}  {:<{}}  {:>10}  {:>9}\n", "SOURCE", "ECOSYSTEM", width, "ADVISORIES",
             "PACKAGES");
  for (const auto& r : stats->rows)
    fmt::print("  {:<7}  {:<{}}  {:>10}  {:>9}\n", util::terminal_safe(r.feed),
               util::terminal_safe(r.ecosystem), width, r.advisories, r.packages);
  if (!stats->origins.empty()) {
    fmt::print("\n  ORIGIN\n");
    for (const auto& [origin, count] : stats->origins)
      fmt::print("  {}  ({} advisories)\n", util::terminal_safe(origin), count);
  }
  return k_exit_clean;
}

void add_db_option(CLI::App& cmd, DbOptions& opts) {
  cmd.add_option("--db", opts.db, "Database file (default: $XDG_CACHE_HOME/moat/vuln.db)")
      ->option_text("FILE");
}

} // namespace

void attach_db(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<DbOptions>();
  auto* cmd = root.add_subcommand("db", "Manage the offline vulnerability database");
  cmd->require_subcommand(1);
  cmd->footer(std::string(k_db_help) +
              "EXAMPLES:\n"
              "  moat db import ./advisory-database/vulns ./osv-go.zip\n"
              "  moat db import debian-tracker.json alpine-v3.20-main.json\n"
              "  moat db update --source osv:PyPI --source debian\n"
              "  moat db stats --format json\n\n" +
              k_db_exit_status);

  auto* import = cmd->add_subcommand(
      "import", "Import advisories: OSV JSON/YAML, Debian Security Tracker JSON, Alpine secdb");
  import->add_option("PATH", opts->paths, "Files, directories (walked) or zip archives")
      ->required();
  add_db_option(*import, *opts);
  import->add_flag("--no-progress", opts->no_progress, "Never draw the progress bar");
  import
      ->add_option("--max-document-size", opts->max_document,
                   "Refuse a document (a file or zip member) larger than this (default 192MiB)")
      ->option_text("SIZE");
  import->add_flag("-q,--quiet", opts->quiet, k_quiet_help);
  import->footer(std::string("DESCRIPTION:\n"
                             "  Reads every .json, .yaml and .yml document (and those inside .zip\n"
                             "  archives) and stores its advisories, in one transaction: a "
                             "malformed\n"
                             "  document aborts the import with exit status 2 and leaves the "
                             "database as\n"
                             "  it was. A record already present (same source and id) is "
                             "replaced only\n"
                             "  by a newer (`modified`) or different copy; withdrawn advisories "
                             "are\n"
                             "  dropped. Each record keeps the path it was imported from. What "
                             "is not\n"
                             "  read (a zip inside a zip, a member named '../x', a record whose\n"
                             "  `modified` time is in the future) is named on stderr; finding no\n"
                             "  document at all is an error. Another import into the same file "
                             "is\n"
                             "  waited for, up to 10 minutes.\n\n"
                             "EXAMPLES:\n"
                             "  moat db import ./advisory-database/vulns ./osv-go.zip\n"
                             "  moat db import --db ./ci.db debian-tracker.json\n\n") +
                 k_db_exit_status);
  import->callback(verb_callback(exit_code, [opts] { return run_import(*opts); }));

  auto* update = cmd->add_subcommand("update", "Download the public feeds and import them");
  update
      ->add_option("--source", opts->sources,
                   "Feed to download: osv:ECOSYSTEM (osv:PyPI, osv:Debian, ...), debian, "
                   "alpine:vX.Y/REPO; repeatable (default: the common ones)")
      ->option_text("FEED")
      ->allow_extra_args(false);
  add_db_option(*update, *opts);
  update->add_flag("--no-progress", opts->no_progress, "Never draw the progress bar");
  update
      ->add_option("--max-document-size", opts->max_document,
                   "Refuse a downloaded document larger than this (default 192MiB)")
      ->option_text("SIZE");
  update
      ->add_option("--timeout", opts->timeout,
                   "Give up after this long in all: 90s, 5m, 1h (default 30m); a transfer under "
                   "512 bytes/s for 30 s fails sooner")
      ->option_text("DURATION");
  update->add_flag("-q,--quiet", opts->quiet, k_quiet_help);
  update->footer(
      std::string("DESCRIPTION:\n"
                  "  Downloads each feed over HTTPS into a temporary directory beside "
                  "the\n"
                  "  database and imports it as `moat db import` does. --timeout bounds "
                  "the\n"
                  "  whole run; a transfer under 512 bytes/s for 30 s fails sooner.\n\n"
                  "EXAMPLES:\n"
                  "  moat db update\n"
                  "  moat db update --source osv:PyPI --source debian --timeout 1h\n\n") +
      k_db_exit_status);
  update->callback(verb_callback(exit_code, [opts] { return run_update(*opts); }));

  auto* stats = cmd->add_subcommand("stats", "Counts per source and ecosystem, newest record");
  add_db_option(*stats, *opts);
  stats->add_option("-f,--format", opts->format, "Output format: text or json")
      ->default_str("text")
      ->option_text("FORMAT");
  stats->footer(std::string("DESCRIPTION:\n"
                            "  The database's schema version, advisory counts per source and\n"
                            "  ecosystem, the newest `modified` time, the last import and where\n"
                            "  the records came from. The file is checked for damage first.\n\n"
                            "EXAMPLES:\n"
                            "  moat db stats\n"
                            "  moat db stats --format json --db ./ci.db\n\n") +
                k_db_exit_status);
  stats->callback(verb_callback(exit_code, [opts] { return run_stats(*opts); }));
}

} // namespace moat::cli
