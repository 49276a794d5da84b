#include <moat/image/layer.hpp>

#include <moat/inventory/gobin.hpp>
#include <moat/inventory/java.hpp>
#include <moat/inventory/rpm.hpp>
#include <moat/lazy/lazy.hpp>
#include <moat/secrets/engine.hpp>
#include <moat/util/sha256.hpp>
#include <moat/util/strings.hpp>

#include <archive.h>
#ifdef MOAT_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <archive_entry.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_map>

namespace moat::image {

using core::ErrorKind;
using core::fail;

namespace {

bool is_python_metadata(std::string_view path) {
  return (path.ends_with("/METADATA") && path.find(".dist-info/") != std::string_view::npos) ||
         (path.ends_with("/PKG-INFO") && path.find(".egg-info/") != std::string_view::npos) ||
         path.ends_with(".egg-info");
}

// node_modules/NAME/package.json or node_modules/@SCOPE/NAME/package.json.
bool is_npm_manifest(std::string_view path) {
  if (!path.ends_with("/package.json"))
    return false;
  const auto dir = path.substr(0, path.size() - std::string_view("/package.json").size());
  const auto nm = dir.rfind("node_modules/");
  if (nm == std::string_view::npos || (nm != 0 && dir[nm - 1] != '/'))
    return false;
  const auto rest = dir.substr(nm + std::string_view("node_modules/").size());
  const auto slashes = std::ranges::count(rest, '/');
  return rest.starts_with('@') ? slashes == 1 : slashes == 0;
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

} // namespace

Capture capture_kind(std::string_view path) {
  static constexpr std::array<std::string_view, 8> k_text = {
      "etc/os-release", "usr/lib/os-release", "etc/passwd",         "etc/shadow",
      "etc/group",      "etc/gshadow",        "etc/alpine-release", "etc/debian_version"};
  if (std::ranges::find(k_text, path) != k_text.end())
    return Capture::text;
  // Package databases and metadata: what the catalogers read packages from.
  if (path == "var/lib/dpkg/status" || path == "lib/apk/db/installed" ||
      (path.starts_with("var/lib/dpkg/status.d/") && !path.ends_with(".md5sums")))
    return Capture::database;
  if (path.starts_with("var/lib/dpkg/info/") && path.ends_with(".list"))
    return Capture::text;
  if (path.ends_with("rpm/rpmdb.sqlite"))
    return Capture::database;
  if (is_python_metadata(path) || is_npm_manifest(path))
    return Capture::database;
  const auto name = base_name(path);
  static constexpr std::array<std::string_view, 10> k_credentials = {
      ".env",    ".npmrc", ".git-credentials", ".pypirc",  ".netrc",
      ".pgpass", "id_rsa", "id_dsa",           "id_ecdsa", "id_ed25519"};
  if (std::ranges::find(k_credentials, name) != k_credentials.end() ||
      path.ends_with(".docker/config.json") || path.ends_with(".aws/credentials"))
    return Capture::credential;
  if (name.ends_with(".jar") || name.ends_with(".war") || name.ends_with(".ear"))
    return Capture::archive;
  return Capture::none;
}

bool normalize_entry_path(std::string_view raw, std::string& out, bool& absolute,
                          std::string& problem) {
  out.clear();
  absolute = raw.starts_with('/');
  std::vector<std::string_view> parts;
  while (!raw.empty()) {
    const auto slash = raw.find('/');
    const auto part = raw.substr(0, slash);
    raw = slash == std::string_view::npos ? std::string_view() : raw.substr(slash + 1);
    if (part.empty() || part == ".")
      continue;
    if (part == "..") {
      if (parts.empty()) {
        problem = "path traversal: the name leaves the root through '..'";
        return false;
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  for (const auto part : parts) {
    if (!out.empty())
      out.push_back('/');
    out.append(part);
  }
  return true;
}

namespace {

// What the scan does with every entry, whether it comes from a tar or a directory.
class EntryProcessor {
public:
  EntryProcessor(LayerScan& scan, const ScanLimits& limits,
                 std::atomic<std::uint64_t>& capture_budget)
      : m_scan(scan), m_limits(limits), m_capture_budget(capture_budget) {
    if (!limits.scan_secrets)
      return;
    // One scanner per layer (layers are read in parallel); the database is
    // shared and loaded once.
    auto db = secrets::Database::active();
    if (!db) {
      m_error = db.error().to_string();
      return;
    }
    auto scanner = secrets::Scanner::open(*db);
    if (scanner)
      m_secrets.emplace(std::move(*scanner));
    else
      m_error = scanner.error().to_string();
  }

  // Set when the image's captured files outgrow ScanLimits::max_captured.
  [[nodiscard]] const std::optional<std::string>& error() const { return m_error; }

  // Registers an entry; returns true when its content should be fed.
  bool begin(FileEntry entry) {
    m_scan.entries.push_back(std::move(entry));
    const auto& e = m_scan.entries.back();
    m_index = m_scan.entries.size() - 1;
    m_buffer.clear();
    m_overflow = false;
    m_go.reset();
    m_first_chunk = true;
    m_secret_feed = false;
    if (e.type != EntryType::file)
      return false;
    m_secret_feed = m_secrets && m_secrets->begin("/" + e.path).has_value();
    m_capture = capture_kind(e.path);
    m_cap = cap_for(m_capture);
    if (m_capture != Capture::none && e.size > m_cap) {
      // A package database moat cannot read must not look like "no packages":
      // it becomes a finding (IM020), not only a note.
      if (m_capture == Capture::database || m_capture == Capture::archive)
        m_scan.unread.push_back(UnreadFile{m_index, e.size, m_cap});
      m_scan.notes.push_back(fmt::format("/{}: {} bytes, larger than the {} byte limit; not read",
                                         e.path, e.size, m_cap));
      m_capture = Capture::none;
    }
    if (const auto kind = inventory::rpmdb_kind(e.path);
        kind == inventory::RpmdbKind::berkeley_db || kind == inventory::RpmdbKind::ndb)
      m_scan.notes.push_back(fmt::format(
          "/{}: {} {} rpm database; moat reads only the SQLite rpmdb", e.path,
          kind == inventory::RpmdbKind::ndb ? "an" : "a", inventory::rpmdb_kind_name(kind)));
    // Executables are looked at for Go build info; that needs their bytes.
    m_maybe_binary = e.size >= 64 && (e.mode & 0111U) != 0;
    return m_capture != Capture::none || m_maybe_binary || m_secret_feed;
  }

  void feed(std::span<const std::byte> data) {
    if (m_first_chunk) {
      m_first_chunk = false;
      if (m_maybe_binary && inventory::looks_like_elf(data))
        m_go.emplace();
    }
    if (m_go)
      m_go->feed(data);
    if (m_secret_feed &&
        !m_secrets->feed(std::string_view(reinterpret_cast<const char*>(data.data()), data.size())))
      m_secret_feed = false;
    if (m_overflow || m_capture == Capture::none)
      return;
    if (m_buffer.size() + data.size() > m_cap) {
      m_overflow = true; // the entry is larger than its header said
      return;
    }
    m_buffer.append(reinterpret_cast<const char*>(data.data()), data.size());
  }

  void end() {
    const auto& path = m_scan.entries[m_index].path;
    if (m_secret_feed) {
      m_secret_feed = false;
      if (auto hits = m_secrets->finish())
        for (auto& h : *hits)
          m_scan.secrets.push_back(SecretHit{m_index, h.rule, h.line, h.column,
                                             std::move(h.redacted), std::move(h.fingerprint)});
    }
    if (m_go) {
      auto info = m_go->finish("/" + path);
      if (!info)
        m_scan.notes.push_back(info.error().to_string());
      else if (*info)
        for (auto& p : inventory::go_packages(**info, "/" + path))
          m_scan.packages.push_back(std::move(p));
      m_go.reset();
    }
    if (m_overflow)
      return;
    if (m_capture == Capture::archive) {
      auto packages = inventory::parse_jar(std::as_bytes(std::span(m_buffer)), "/" + path);
      if (!packages)
        m_scan.notes.push_back(packages.error().to_string());
      else
        for (auto& p : *packages)
          m_scan.packages.push_back(std::move(p));
    }
    if (m_capture != Capture::none && m_capture != Capture::archive) {
      // Many small metadata files can add up: the image as a whole has a budget.
      std::uint64_t left = m_capture_budget.load();
      while (left >= m_buffer.size() &&
             !m_capture_budget.compare_exchange_weak(left, left - m_buffer.size())) {
      }
      if (left < m_buffer.size()) {
        m_error = fmt::format("the files moat keeps (package databases, metadata) exceed {} bytes",
                              m_limits.max_captured);
        return;
      }
      m_scan.captured.push_back(CapturedFile{m_index, m_buffer});
    }
  }

private:
  std::size_t cap_for(Capture c) const {
    switch (c) {
    case Capture::database:
      return m_limits.max_database;
    case Capture::archive:
      return m_limits.max_archive;
    case Capture::credential:
    case Capture::text:
      return m_limits.max_capture;
    case Capture::none:
      break;
    }
    return 0;
  }

  LayerScan& m_scan;
  const ScanLimits& m_limits;
  std::size_t m_index = 0;
  std::string m_buffer;
  Capture m_capture = Capture::none;
  std::size_t m_cap = 0;
  bool m_overflow = false;
  bool m_maybe_binary = false;
  bool m_first_chunk = true;
  std::optional<inventory::GoBuildInfoScanner> m_go;
  std::atomic<std::uint64_t>& m_capture_budget;
  std::optional<std::string> m_error;
  std::optional<secrets::Scanner> m_secrets;
  bool m_secret_feed = false; // the current entry's bytes go to m_secrets
};

// Feeds a ByteReader to libarchive, hashing and counting the blob's bytes
// as they pass. With ISA-L, gzip blobs are inflated here (ISA-L's inflate is
// several times faster than zlib's) and libarchive reads the plain tar.
struct BlobFeed {
  explicit BlobFeed(ByteReader& r) : reader(r) {}
  ByteReader& reader;
  util::Digest hash;
  std::vector<std::byte> buffer = std::vector<std::byte>(std::size_t{256} << 10U);
  std::uint64_t bytes = 0;
  std::optional<core::Error> error;        // reading the blob failed
  std::optional<std::string> decode_error; // the blob is not valid gzip
  std::atomic<std::uint64_t>* progress = nullptr;
  bool started = false;
#ifdef MOAT_HAVE_ISAL
  std::unique_ptr<inflate_state> gzip; // set when the blob is gzip
  std::vector<std::byte> input = std::vector<std::byte>(std::size_t{256} << 10U);
  bool input_done = false;
#endif

  void count(std::size_t n) {
    bytes += n;
    if (progress != nullptr)
      progress->fetch_add(n, std::memory_order_relaxed);
  }
  // Reads blob bytes into OUT, hashed and counted.
  core::Result<std::size_t> read_raw(std::span<std::byte> out) {
    auto got = reader.read(out);
    if (got) {
      hash.update(out.first(*got));
      count(*got);
    }
    return got;
  }
};

// Records a failed read of the blob for libarchive and for the caller.
void read_failed(archive* a, BlobFeed& feed, const core::Error& error) {
  feed.error = error;
  archive_set_error(a, EIO, "%s", error.message.c_str());
}

#ifdef MOAT_HAVE_ISAL
// Moves the unread input to the front of the buffer and reads more after it.
bool refill(archive* a, BlobFeed& feed) {
  auto& gz = *feed.gzip;
  const std::size_t kept = gz.avail_in;
  if (kept > 0)
    std::memmove(feed.input.data(), gz.next_in, kept);
  auto got = feed.read_raw(std::span(feed.input).subspan(kept));
  if (!got) {
    read_failed(a, feed, got.error());
    return false;
  }
  if (*got == 0)
    feed.input_done = true;
  gz.next_in = reinterpret_cast<std::uint8_t*>(feed.input.data());
  gz.avail_in = static_cast<std::uint32_t>(kept + *got);
  return true;
}

la_ssize_t inflate_gzip(archive* a, BlobFeed& feed, const void** out) {
  auto& gz = *feed.gzip;
  for (;;) {
    if (gz.avail_in == 0 && !feed.input_done && !refill(a, feed))
      return -1;
    if (gz.block_state == ISAL_BLOCK_FINISH) {
      if (gz.avail_in == 0) {
        if (feed.input_done)
          return 0;
        continue;
      }
      // A read may have ended inside the next member's two-byte magic.
      if (gz.avail_in < 2 && !feed.input_done) {
        if (!refill(a, feed))
          return -1;
        continue;
      }
      // Another gzip member follows (concatenated streams), or padding that
      // gzip itself ignores.
      if (gz.avail_in >= 2 && gz.next_in[0] == 0x1F && gz.next_in[1] == 0x8B) {
        auto* next = gz.next_in;
        const auto avail = gz.avail_in;
        isal_inflate_reset(&gz);
        gz.crc_flag = ISAL_GZIP;
        gz.next_in = next;
        gz.avail_in = avail;
        continue;
      }
      gz.avail_in = 0;
      feed.input_done = true; // the rest is hashed by the caller's drain
      return 0;
    }
    gz.next_out = reinterpret_cast<std::uint8_t*>(feed.buffer.data());
    gz.avail_out = static_cast<std::uint32_t>(feed.buffer.size());
    const int rc = isal_inflate(&gz);
    if (rc != ISAL_DECOMP_OK) {
      feed.decode_error = rc == ISAL_INCORRECT_CHECKSUM
                              ? "gzip checksum mismatch"
                              : fmt::format("invalid gzip data (ISA-L error {})", rc);
      archive_set_error(a, EINVAL, "%s", feed.decode_error->c_str());
      return -1;
    }
    const std::size_t produced = feed.buffer.size() - gz.avail_out;
    if (produced > 0) {
      *out = feed.buffer.data();
      return static_cast<la_ssize_t>(produced);
    }
    if (gz.avail_in == 0 && feed.input_done && gz.block_state != ISAL_BLOCK_FINISH) {
      feed.decode_error = "truncated gzip data";
      archive_set_error(a, EINVAL, "%s", feed.decode_error->c_str());
      return -1;
    }
  }
}
#endif

la_ssize_t feed_read(archive* a, void* data, const void** out) {
  auto& feed = *static_cast<BlobFeed*>(data);
#ifdef MOAT_HAVE_ISAL
  if (!feed.started) {
    feed.started = true;
    auto got = feed.read_raw(feed.input);
    if (!got) {
      read_failed(a, feed, got.error());
      return -1;
    }
    if (*got >= 2 && feed.input[0] == std::byte{0x1F} && feed.input[1] == std::byte{0x8B} &&
        lazy::available(lazy::k_isal)) {
      feed.gzip = std::make_unique<inflate_state>();
      isal_inflate_init(feed.gzip.get());
      feed.gzip->crc_flag = ISAL_GZIP;
      feed.gzip->next_in = reinterpret_cast<std::uint8_t*>(feed.input.data());
      feed.gzip->avail_in = static_cast<std::uint32_t>(*got);
    } else {
      *out = feed.input.data();
      return static_cast<la_ssize_t>(*got);
    }
  }
  if (feed.gzip)
    return inflate_gzip(a, feed, out);
#endif
  auto got = feed.read_raw(feed.buffer);
  if (!got) {
    read_failed(a, feed, got.error());
    return -1;
  }
  *out = feed.buffer.data();
  return static_cast<la_ssize_t>(*got);
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

EntryType type_of(archive_entry* entry) {
  if (archive_entry_hardlink(entry) != nullptr)
    return EntryType::hardlink;
  switch (archive_entry_filetype(entry)) {
  case AE_IFDIR:
    return EntryType::directory;
  case AE_IFLNK:
    return EntryType::symlink;
  case AE_IFCHR:
    return EntryType::char_device;
  case AE_IFBLK:
    return EntryType::block_device;
  case AE_IFIFO:
    return EntryType::fifo;
  default:
    return EntryType::file;
  }
}

// True when a relative symlink TARGET placed at PATH resolves above the root.
bool link_escapes(std::string_view path, std::string_view target) {
  if (target.starts_with('/'))
    return false; // absolute targets resolve inside the container's root
  auto depth = static_cast<long>(std::ranges::count(path, '/'));
  while (!target.empty()) {
    const auto slash = target.find('/');
    const auto part = target.substr(0, slash);
    target = slash == std::string_view::npos ? std::string_view() : target.substr(slash + 1);
    if (part == "..") {
      if (--depth < 0)
        return true;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
  }
  return false;
}

} // namespace

core::Result<LayerScan> scan_layer(ByteReader& blob, std::string_view expected_digest,
                                   const ScanLimits& limits,
                                   std::atomic<std::uint64_t>& entry_budget,
                                   std::atomic<std::uint64_t>* bytes_read,
                                   std::atomic<std::uint64_t>* capture_budget) {
  const std::string& input = blob.name();
  std::atomic<std::uint64_t> own_budget{limits.max_captured};
  auto& captures = capture_budget != nullptr ? *capture_budget : own_budget;
  if (!expected_digest.empty() && !expected_digest.starts_with("sha256:"))
    return fail(ErrorKind::parse, input,
                fmt::format("unsupported digest algorithm in '{}'", expected_digest));
  LayerScan scan;
  BlobFeed feed(blob);
  feed.progress = bytes_read;
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_empty(a.get());
  // Reads what libarchive left of the blob into the digest; the mismatch
  // error when the blob is not what its digest says.
  auto drain_and_verify = [&]() -> std::optional<core::Error> {
    for (;;) {
      auto got = feed.read_raw(feed.buffer);
      if (!got)
        return got.error();
      if (*got == 0)
        break;
    }
    scan.compressed_bytes = feed.bytes;
    scan.digest = "sha256:" + feed.hash.hex();
    if (!expected_digest.empty() && scan.digest != expected_digest)
      return core::Error{
          ErrorKind::parse, input,
          fmt::format("digest mismatch: expected {}, content is {}", expected_digest, scan.digest)};
    return std::nullopt;
  };
  // A damaged blob usually fails to decompress before its end is reached:
  // when its digest is wrong, that is the error to report.
  auto archive_error = [&](std::string_view what) -> core::Error {
    if (feed.error)
      return *feed.error;
    const char* text = archive_error_string(a.get());
    core::Error error{
        ErrorKind::parse, input,
        feed.decode_error
            ? fmt::format("{}: {}", what, *feed.decode_error)
            : fmt::format("{}: {}", what, text != nullptr ? text : "unreadable archive")};
    if (auto mismatch = drain_and_verify())
      return *mismatch;
    return error;
  };
  if (archive_read_open(a.get(), &feed, nullptr, feed_read, nullptr) != ARCHIVE_OK)
    return std::unexpected(archive_error("not a layer tar"));
  EntryProcessor processor(scan, limits, captures);
  if (processor.error()) // the secret engine could not start
    return fail(ErrorKind::internal, input, *processor.error());
  auto check_size = [&]() -> core::Status {
    const auto out = static_cast<std::uint64_t>(archive_filter_bytes(a.get(), 0));
    // Nothing is extracted, so a highly compressible layer (a disk image of
    // zeros) costs time, not memory: only the expanded size is bounded.
    if (out > limits.max_uncompressed)
      return fail(ErrorKind::limit, input,
                  fmt::format("layer expands beyond {} bytes (--max-layer-size raises the limit)",
                              limits.max_uncompressed));
    return {};
  };

  archive_entry* entry = nullptr;
  std::string path;
  std::string problem;
  std::vector<std::pair<std::size_t, std::string>> hardlinks; // entry index, normalised target
  std::set<std::string, std::less<>> symlinks;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF)
      break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      return std::unexpected(archive_error("malformed layer tar"));
    MOAT_TRY(check_size());
    if (entry_budget.fetch_sub(1) == 0 || entry_budget.load() > limits.max_entries) {
      entry_budget.store(0);
      return fail(ErrorKind::limit, input,
                  fmt::format("more than {} files in the image (--max-files raises the limit)",
                              limits.max_entries));
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string raw = raw_name != nullptr ? raw_name : "";
    bool absolute = false;
    if (!normalize_entry_path(raw, path, absolute, problem)) {
      scan.anomalies.push_back(Anomaly{raw, problem});
      continue;
    }
    if (absolute)
      scan.anomalies.push_back(
          Anomaly{raw, "absolute path: a careless extractor writes outside its target"});
    FileEntry e;
    e.type = type_of(entry);
    e.size = archive_entry_size_is_set(entry) != 0
                 ? static_cast<std::uint64_t>(archive_entry_size(entry))
                 : 0;
    e.mode = static_cast<std::uint32_t>(archive_entry_perm(entry)) & 07777U;
    e.uid = static_cast<std::uint32_t>(archive_entry_uid(entry));
    e.gid = static_cast<std::uint32_t>(archive_entry_gid(entry));
    if (const char* hl = archive_entry_hardlink(entry); hl != nullptr) {
      e.link = hl;
      std::string target;
      bool target_absolute = false;
      if (!normalize_entry_path(e.link, target, target_absolute, problem)) {
        scan.anomalies.push_back(
            Anomaly{raw, fmt::format("hard link to '{}' leaves the root", e.link)});
      } else {
        if (target_absolute)
          scan.anomalies.push_back(
              Anomaly{raw, fmt::format("hard link to the absolute path '{}'", e.link)});
        hardlinks.emplace_back(scan.entries.size(), std::move(target));
      }
    } else if (const char* sl = archive_entry_symlink(entry); sl != nullptr) {
      e.link = sl;
      if (link_escapes(path, e.link))
        scan.anomalies.push_back(
            Anomaly{raw, fmt::format("symbolic link to '{}' points above the root", e.link)});
    }
    if (e.type == EntryType::char_device || e.type == EntryType::block_device)
      scan.anomalies.push_back(Anomaly{raw, "device node"});
    // A symlink followed by an entry beneath it makes a careless extractor
    // write wherever the link points.
    if (!symlinks.empty())
      for (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0;
           slash = path.rfind('/', slash - 1))
        if (symlinks.contains(std::string_view(path).substr(0, slash))) {
          scan.anomalies.push_back(Anomaly{
              raw, fmt::format("written through the symbolic link '{}'", path.substr(0, slash))});
          break;
        }
    if (e.type == EntryType::symlink)
      symlinks.insert(path);
    const auto name = base_name(path);
    if (name.starts_with(".wh.")) {
      const auto dir = path.substr(0, path.size() - name.size());
      if (name == ".wh..wh..opq") {
        e.type = EntryType::opaque;
        e.path = dir.empty() ? std::string() : std::string(dir.substr(0, dir.size() - 1));
      } else if (name.starts_with(".wh..wh.")) {
        continue; // aufs bookkeeping, not a whiteout
      } else {
        e.type = EntryType::whiteout;
        e.path = std::string(dir) + std::string(name.substr(4));
      }
    } else {
      e.path = path;
    }
    const bool wants = processor.begin(std::move(e));
    // Every entry's data is read (not skipped) so the size limit sees it.
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      const int data_rc = archive_read_data_block(a.get(), &block, &size, &offset);
      if (data_rc == ARCHIVE_EOF)
        break;
      if (data_rc != ARCHIVE_OK && data_rc != ARCHIVE_WARN)
        return std::unexpected(archive_error(fmt::format("cannot read '{}'", raw)));
      if (wants)
        processor.feed(std::span(static_cast<const std::byte*>(block), size));
      MOAT_TRY(check_size());
    }
    if (wants) {
      processor.end();
      if (processor.error())
        return fail(ErrorKind::limit, input, *processor.error());
    }
  }
  scan.uncompressed_bytes = static_cast<std::uint64_t>(archive_filter_bytes(a.get(), 0));
  // A hard link is the same file as its target: same mode, same owner, so a
  // setuid file stays visible under its other name.
  if (!hardlinks.empty()) {
    std::unordered_map<std::string_view, std::size_t> files;
    for (std::size_t i = 0; i < scan.entries.size(); ++i)
      if (scan.entries[i].type == EntryType::file && scan.entries[i].link.empty())
        files.emplace(scan.entries[i].path, i);
    for (const auto& [index, target] : hardlinks) {
      const auto it = files.find(target);
      if (index >= scan.entries.size() || it == files.end() ||
          scan.entries[index].type != EntryType::hardlink)
        continue;
      auto& e = scan.entries[index];
      const auto& t = scan.entries[it->second];
      e.type = EntryType::file;
      e.mode = t.mode;
      e.uid = t.uid;
      e.gid = t.gid;
      e.size = t.size;
    }
  }
  // What follows the end-of-archive blocks still belongs to the blob's digest.
  if (auto error = drain_and_verify())
    return std::unexpected(*error);
  return scan;
}

core::Result<LayerScan> scan_directory(const std::string& root, const std::string& name,
                                       const ScanLimits& limits) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return fail(ErrorKind::io, name, "not a directory");
  LayerScan scan;
  std::atomic<std::uint64_t> captures{limits.max_captured};
  EntryProcessor processor(scan, limits, captures);
  if (processor.error()) // the secret engine could not start
    return fail(ErrorKind::internal, name, *processor.error());
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec)
    return fail(ErrorKind::io, name, ec.message());
  std::vector<std::byte> buffer(std::size_t{256} << 10U);
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec)
      return fail(ErrorKind::io, name, fmt::format("{}: {}", it->path().string(), ec.message()));
    if (scan.entries.size() >= limits.max_entries)
      return fail(ErrorKind::limit, name,
                  fmt::format("more than {} files in the image (--max-files raises the limit)",
                              limits.max_entries));
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0)
      continue; // removed while walking
    FileEntry e;
    e.path = it->path().lexically_relative(root).generic_string();
    e.mode = static_cast<std::uint32_t>(st.st_mode) & 07777U;
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e.size = static_cast<std::uint64_t>(st.st_size);
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR:
      e.type = EntryType::directory;
      break;
    case S_IFLNK: {
      e.type = EntryType::symlink;
      std::string target(static_cast<std::size_t>(PATH_MAX), '\0');
      const auto n = ::readlink(it->path().c_str(), target.data(), target.size());
      if (n > 0)
        e.link = target.substr(0, static_cast<std::size_t>(n));
      break;
    }
    case S_IFCHR:
      e.type = EntryType::char_device;
      break;
    case S_IFBLK:
      e.type = EntryType::block_device;
      break;
    case S_IFIFO:
      e.type = EntryType::fifo;
      break;
    case S_IFREG:
      e.type = EntryType::file;
      break;
    default:
      continue; // sockets
    }
    const std::string full = it->path().string();
    if (!processor.begin(std::move(e)))
      continue;
    const int fd = ::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
      continue;
    for (;;) {
      const ssize_t got = ::read(fd, buffer.data(), buffer.size());
      if (got <= 0)
        break;
      processor.feed(std::span(buffer).first(static_cast<std::size_t>(got)));
      scan.uncompressed_bytes += static_cast<std::uint64_t>(got);
    }
    ::close(fd);
    processor.end();
    if (processor.error())
      return fail(ErrorKind::limit, name, *processor.error());
  }
  // increment(ec) ends the walk on an error (an unreadable directory): the
  // scan is then incomplete, which is an error, not a clean result.
  if (ec)
    return fail(ErrorKind::io, name, fmt::format("cannot walk the directory: {}", ec.message()));
  return scan;
}

} // namespace moat::image
