#include <moat/vuln/import.hpp>

#include <moat/core/json_read.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>
#include <moat/util/time.hpp>
#include <moat/vuln/feeds.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>

namespace moat::vuln {

using core::member;
using core::skip_json_space;

namespace {

namespace fs = std::filesystem;

// Documents parsed in parallel before they are stored in order: at most
// this many, holding at most this much text, so a zip of highly
// compressed members cannot pile up in memory.
constexpr size_t k_batch = 256;
constexpr size_t k_batch_bytes = 64U << 20;

struct Document {
  std::string name; // path, or "ARCHIVE:MEMBER"
  std::string text;
  std::string origin;
  std::uint64_t weight = 0; // bytes of input it accounts for, for progress
};

bool importable_name(std::string_view name) {
  const auto lower = util::to_lower(name);
  return lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml");
}

// Dot files and directories (.git, .github) and macOS's __MACOSX forks
// hold no advisories; reading them would only fail the import.
bool hidden_path(std::string_view path) {
  for (auto part : util::split(path, '/'))
    if (part.starts_with('.') || part == "__MACOSX")
      return true;
  return false;
}

bool is_zip(const fs::path& path) {
  return util::to_lower(path.extension().string()) == ".zip";
}

// The first JSON string at POS (after whitespace), or empty.
std::string_view next_key(std::string_view text, size_t& pos) {
  skip_json_space(text, pos);
  if (pos >= text.size() || text[pos] != '"')
    return {};
  const size_t start = ++pos;
  while (pos < text.size() && text[pos] != '"') {
    if (text[pos] == '\\')
      ++pos;
    ++pos;
  }
  if (pos >= text.size())
    return {};
  return text.substr(start, pos++ - start);
}

// A document's advisories and the feed they are stored under.
struct ParsedDocument {
  std::vector<Advisory> advisories;
  std::string feed;
};
using Parsed = core::Result<ParsedDocument>;

Parsed parse_document(const Document& doc) {
  const auto format = detect_format(doc.name, doc.text);
  if (!format)
    return ParsedDocument{};
  ParsedDocument out;
  out.feed = feed_of(*format);
  auto one = [&](core::Result<Advisory> adv) -> Parsed {
    if (!adv)
      return std::unexpected(adv.error());
    out.advisories.push_back(std::move(*adv));
    return std::move(out);
  };
  auto many = [&](core::Result<std::vector<Advisory>> advs) -> Parsed {
    if (!advs)
      return std::unexpected(advs.error());
    out.advisories = std::move(*advs);
    return std::move(out);
  };
  try {
    switch (*format) {
    case FeedFormat::osv_json:
      return one(parse_osv_json(doc.text, doc.name));
    case FeedFormat::osv_yaml:
      return one(parse_osv_yaml(doc.text, doc.name));
    case FeedFormat::debian_tracker:
      return many(parse_debian_tracker(doc.text, doc.name));
    case FeedFormat::alpine_secdb:
      // Each secdb document is a feed of its own (release and repository).
      return many(parse_alpine_secdb(doc.text, doc.name, &out.feed));
    }
  } catch (const std::exception& e) {
    return core::fail(core::ErrorKind::parse, doc.name, e.what());
  }
  return ParsedDocument{};
}

// True for an RFC 3339 time ("2024-05-01T12:00:00Z", "...T12:00:00.123+02:00")
// whose date is real and not after LATEST_DATE ("YYYY-MM-DD").
bool plausible_time(std::string_view t, std::string_view latest_date) {
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > t.size())
      return -1;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9')
        return -1;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  const int year = digits(0, 4);
  const int month = digits(5, 2);
  const int day = digits(8, 2);
  const int hour = digits(11, 2);
  const int minute = digits(14, 2);
  const int second = digits(17, 2);
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':' || year < 0 || month < 1 || month > 12 || day < 1 || day > 31 ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
    return false;
  std::size_t i = 19;
  if (t[i] == '.') {
    ++i;
    const auto start = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
      ++i;
    if (i == start)
      return false;
  }
  const auto zone = t.substr(i);
  const bool zone_ok = zone == "Z" || zone == "z" ||
                       (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
                        digits(i + 1, 2) >= 0 && digits(i + 4, 2) >= 0);
  return zone_ok && t.substr(0, 10) <= latest_date;
}

class Importer {
public:
  Importer(Database& db, const ImportProgress& progress, std::uint64_t total)
      : m_db(db), m_progress(progress), m_total(total),
        // A day of slack for clocks and time zones.
        m_latest_date(util::format_utc(std::time(nullptr) + 86400, "%Y-%m-%d")) {}

  core::Status add(Document doc) {
    m_batch_bytes += doc.text.size();
    m_batch.push_back(std::move(doc));
    if (m_batch.size() >= k_batch || m_batch_bytes >= k_batch_bytes)
      return flush();
    return {};
  }

  core::Status flush() {
    std::vector<std::optional<Parsed>> parsed(m_batch.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < m_batch.size(); i = next++)
        parsed[i] = parse_document(m_batch[i]);
    };
    const size_t threads =
        std::min<size_t>(std::max(1U, std::thread::hardware_concurrency()), m_batch.size());
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t)
      pool.emplace_back(work);
    work();
    for (auto& t : pool)
      t.join();
    for (size_t i = 0; i < m_batch.size(); ++i) {
      if (!*parsed[i])
        return std::unexpected(parsed[i]->error());
      for (auto& adv : (*parsed[i])->advisories)
        if (!adv.modified.empty() && !plausible_time(adv.modified, m_latest_date)) {
          // A date in the future would sort as the newest copy and pin the
          // record; one that is not a time cannot be ordered at all. Either
          // way the copy is taken without a date, so any dated copy wins.
          m_result.notes.push_back(
              fmt::format("{}: {}: modified '{}' is {}; taken without a date", m_batch[i].name,
                          adv.id, util::terminal_safe(adv.modified),
                          adv.modified.size() >= 10 && adv.modified.substr(0, 10) > m_latest_date &&
                                  plausible_time(adv.modified, "9999-12-31")
                              ? "in the future"
                              : "not an RFC 3339 time"));
          adv.modified.clear();
        }
      for (const auto& adv : (*parsed[i])->advisories)
        MOAT_TRY(m_db.put(adv, (*parsed[i])->feed, m_batch[i].origin, m_result.counts));
      ++m_result.documents;
      m_done += m_batch[i].weight;
      if (m_progress)
        m_progress(static_cast<size_t>(m_done), static_cast<size_t>(m_total));
    }
    m_batch.clear();
    m_batch_bytes = 0;
    return {};
  }

  void account(std::uint64_t bytes) {
    m_done += bytes;
    if (m_progress)
      m_progress(static_cast<size_t>(m_done), static_cast<size_t>(m_total));
  }

  void skip(std::string what) { m_result.skipped.push_back(std::move(what)); }
  [[nodiscard]] std::uint64_t max_document() const { return m_max_document; }
  void set_max_document(std::uint64_t bytes) { m_max_document = bytes; }

  [[nodiscard]] const ImportResult& result() const { return m_result; }

private:
  Database& m_db;
  const ImportProgress& m_progress;
  std::uint64_t m_total;
  std::uint64_t m_done = 0;
  std::vector<Document> m_batch;
  size_t m_batch_bytes = 0;
  std::string m_latest_date; // "YYYY-MM-DD": no real advisory is modified after it
  std::uint64_t m_max_document = k_default_max_document;
  ImportResult m_result;
};

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

core::Status import_zip(Importer& importer, const fs::path& path, const std::string& origin) {
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  archive_read_support_format_zip(a.get());
  const auto name = path.string();
  if (archive_read_open_filename(a.get(), name.c_str(), 1 << 16) != ARCHIVE_OK)
    return core::fail(
        core::ErrorKind::parse, name,
        fmt::format("cannot read the zip archive: {}", archive_error_string(a.get())));
  std::uint64_t accounted = 0;
  archive_entry* entry = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF)
      break;
    if (rc < ARCHIVE_WARN)
      return core::fail(core::ErrorKind::parse, name,
                        fmt::format("damaged zip archive: {}", archive_error_string(a.get())));
    const char* member = archive_entry_pathname(entry);
    if (member == nullptr || archive_entry_filetype(entry) == AE_IFDIR)
      continue;
    const std::string_view m(member);
    const auto where = fmt::format("{}:{}", name, util::terminal_safe(m));
    if (archive_entry_filetype(entry) != AE_IFREG) {
      importer.skip(where + ": not a regular file");
      continue;
    }
    if (m.starts_with('/') || m == ".." || m.starts_with("../") ||
        m.find("/../") != std::string_view::npos || m.ends_with("/..")) {
      importer.skip(where + ": a name that leaves the archive ('..' or absolute)");
      continue;
    }
    if (hidden_path(m))
      continue; // .git, __MACOSX: never advisories
    if (util::to_lower(m).ends_with(".zip")) {
      importer.skip(where + ": a zip inside a zip is not read; unpack it first");
      continue;
    }
    if (!importable_name(m)) {
      importer.skip(where + ": not a .json, .yaml or .yml document");
      continue;
    }
    Document doc;
    doc.name = fmt::format("{}:{}", name, member);
    doc.origin = origin;
    const auto limit = importer.max_document();
    const auto too_big = [&] {
      return core::fail(core::ErrorKind::limit, doc.name,
                        fmt::format("member expands beyond {} bytes (--max-document-size raises "
                                    "the limit)",
                                    limit));
    };
    // A declared size over the limit is refused before any byte is read; a
    // truthful one is reserved at once, so the text never grows by doubling.
    if (archive_entry_size_is_set(entry) != 0) {
      const auto declared = archive_entry_size(entry);
      if (declared > 0 && static_cast<std::uint64_t>(declared) > limit)
        return too_big();
      if (declared > 0)
        doc.text.reserve(static_cast<std::size_t>(declared));
    }
    std::array<char, 1 << 16> buffer{};
    for (;;) {
      const auto n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n == 0)
        break;
      if (n < 0)
        return core::fail(core::ErrorKind::parse, doc.name,
                          fmt::format("damaged zip member: {}", archive_error_string(a.get())));
      if (doc.text.size() + static_cast<size_t>(n) > limit)
        return too_big();
      doc.text.append(buffer.data(), static_cast<size_t>(n));
    }
    const auto position = static_cast<std::uint64_t>(archive_filter_bytes(a.get(), -1));
    doc.weight = position > accounted ? position - accounted : 0;
    accounted = std::max(accounted, position);
    MOAT_TRY(importer.add(std::move(doc)));
  }
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size > accounted)
    importer.account(size - accounted);
  return {};
}

core::Status import_file(Importer& importer, const fs::path& path, const std::string& origin) {
  if (is_zip(path))
    return import_zip(importer, path, origin);
  auto text = util::read_file(path, importer.max_document());
  if (!text && text.error().starts_with("file is larger than"))
    return core::fail(core::ErrorKind::limit, path.string(),
                      text.error() + " (--max-document-size raises the limit)");
  if (!text)
    return core::fail(core::ErrorKind::io, path.string(), text.error());
  Document doc{path.string(), std::move(*text), origin, 0};
  doc.weight = doc.text.size();
  return importer.add(std::move(doc));
}

} // namespace

std::optional<FeedFormat> detect_format(std::string_view name, std::string_view text) {
  const auto lower = util::to_lower(name);
  if (lower.ends_with(".yaml") || lower.ends_with(".yml"))
    return FeedFormat::osv_yaml;
  size_t pos = 0;
  skip_json_space(text, pos);
  if (pos >= text.size() || text[pos] != '{')
    return FeedFormat::osv_json; // the OSV parser names what is wrong
  // Alpine secdb documents are small; their keys come in any order.
  if (text.substr(0, 4096).find("\"distroversion\"") != std::string_view::npos &&
      text.substr(0, 4096).find("\"packages\"") != std::string_view::npos)
    return FeedFormat::alpine_secdb;
  ++pos;
  const auto first = next_key(text, pos);
  skip_json_space(text, pos);
  if (first.empty() || pos >= text.size() || text[pos] != ':')
    return FeedFormat::osv_json;
  ++pos;
  skip_json_space(text, pos);
  if (pos >= text.size() || text[pos] != '{')
    return FeedFormat::osv_json;
  ++pos;
  const auto nested = next_key(text, pos);
  if (nested.starts_with("CVE-") || nested.starts_with("TEMP-"))
    return FeedFormat::debian_tracker;
  return FeedFormat::osv_json;
}

std::string_view feed_of(FeedFormat format) {
  switch (format) {
  case FeedFormat::osv_json:
  case FeedFormat::osv_yaml:
    return "osv";
  case FeedFormat::debian_tracker:
    return "debian";
  case FeedFormat::alpine_secdb:
    return "alpine";
  }
  return "osv";
}

core::Result<ImportResult> import_paths(Database& db, const std::vector<std::string>& paths,
                                        const ImportProgress& progress,
                                        const std::vector<std::string>& origins,
                                        std::uint64_t max_document) {
  // Everything to read, in a fixed order, with its size for the progress bar.
  struct Input {
    fs::path path;
    std::string origin;
  };
  std::vector<Input> inputs;
  std::uint64_t total = 0;
  for (size_t a = 0; a < paths.size(); ++a) {
    const auto& arg = paths[a];
    const std::string& origin = a < origins.size() ? origins[a] : arg;
    std::error_code ec;
    const fs::path root(arg);
    const auto status = fs::status(root, ec);
    if (ec || !fs::exists(status))
      return core::fail(core::ErrorKind::io, arg, "no such file or directory");
    if (fs::is_directory(status)) {
      std::vector<fs::path> found;
      fs::recursive_directory_iterator it(root, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        const auto file = it->path().filename().string();
        if (file.starts_with('.') || file == "__MACOSX") {
          if (it->is_directory(ec))
            it.disable_recursion_pending();
          continue;
        }
        if (!it->is_regular_file(ec))
          continue;
        if (importable_name(file) || is_zip(it->path()))
          found.push_back(it->path());
      }
      if (ec)
        return core::fail(core::ErrorKind::io, arg,
                          fmt::format("cannot list the directory: {}", ec.message()));
      std::sort(found.begin(), found.end());
      for (auto& f : found)
        inputs.push_back(Input{std::move(f), origin});
    } else if (fs::is_regular_file(status)) {
      inputs.push_back(Input{root, origin});
    } else {
      return core::fail(core::ErrorKind::io, arg, "not a file or directory");
    }
  }
  for (const auto& in : inputs) {
    std::error_code ec;
    total += fs::file_size(in.path, ec);
  }
  MOAT_TRY(db.begin());
  Importer importer(db, progress, total);
  importer.set_max_document(max_document);
  auto run = [&]() -> core::Status {
    for (const auto& in : inputs)
      MOAT_TRY(import_file(importer, in.path, in.origin));
    return importer.flush();
  };
  if (auto status = run(); !status) {
    db.rollback();
    return std::unexpected(status.error());
  }
  if (importer.result().documents == 0) {
    db.rollback();
    const auto& skipped = importer.result().skipped;
    std::string why = skipped.empty()
                          ? std::string("no .json, .yaml, .yml or .zip files found")
                          : fmt::format("{} skipped, first {}", skipped.size(), skipped.front());
    return core::fail(core::ErrorKind::usage, fmt::format("{}", fmt::join(paths, ", ")),
                      fmt::format("nothing to import: {}", why));
  }
  if (auto status = db.commit(); !status) {
    db.rollback();
    return std::unexpected(status.error());
  }
  return importer.result();
}

} // namespace moat::vuln
