#pragma once
// Reading one layer: a streamed pass over a (gzip, zstd or plain) tar with
// libarchive, nothing extracted. The scan keeps each entry's metadata,
// captures the few files the checks and catalogers need (package databases,
// os-release, passwd/shadow/group, credential files), looks for private keys
// by content, and notes hostile entries. The blob's digest is verified.

#include <moat/core/package.hpp>
#include <moat/core/result.hpp>
#include <moat/image/reader.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moat::secrets {
struct Rule;
} // namespace moat::secrets

namespace moat::image {

enum class EntryType : std::uint8_t {
  file,
  directory,
  symlink,
  hardlink,
  char_device,
  block_device,
  fifo,
  whiteout, // ".wh.NAME": NAME is deleted; path is NAME's path
  opaque,   // ".wh..wh..opq": the directory's lower contents are hidden; path is the directory
};

struct FileEntry {
  std::string path; // normalised: relative to the root, no leading '/', no '.' or '..'
  std::string link; // symlink or hard link target, as stored
  std::uint64_t size = 0;
  std::uint32_t mode = 0; // permission bits incl. setuid/setgid/sticky
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  EntryType type = EntryType::file;
};

struct CapturedFile {
  std::size_t entry = 0; // index into LayerScan::entries
  std::string content;
};

// A secret the secret engine (secrets/engine.hpp) found in a file's bytes.
struct SecretHit {
  std::size_t entry = 0; // index into LayerScan::entries
  const secrets::Rule* rule = nullptr;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string redacted;
  std::string fingerprint;
};

// An entry that a careless extractor would obey: traversal, absolute path,
// link escaping the root, device node.
struct Anomaly {
  std::string path; // as stored in the archive
  std::string problem;
};

// A package database or archive too large to read (ScanLimits).
struct UnreadFile {
  std::size_t entry = 0; // index into LayerScan::entries
  std::uint64_t size = 0;
  std::uint64_t limit = 0;
};

struct LayerScan {
  std::string digest; // as computed ("sha256:...")
  std::uint64_t compressed_bytes = 0;
  std::uint64_t uncompressed_bytes = 0;
  std::vector<FileEntry> entries;
  std::vector<CapturedFile> captured;
  std::vector<SecretHit> secrets; // every file, whole, whatever its size
  std::vector<Anomaly> anomalies;
  std::vector<UnreadFile> unread;
  std::vector<core::Package> packages; // found in binaries (Go build info, Java archives)
  std::vector<std::string> notes;      // what was seen and not read (e.g. a BerkeleyDB rpmdb)
};

struct ScanLimits {
  std::uint64_t max_entries = 1'000'000; // across the whole image (--max-files)
  // Expanded bytes of one layer (--max-layer-size). There is no ratio limit:
  // a layer is streamed, never extracted, so a compressible one only costs time.
  std::uint64_t max_uncompressed = std::uint64_t{256} << 30U;
  std::size_t max_capture = std::size_t{8} << 20U; // a captured text file (passwd, os-release)
  // A package database or metadata file (dpkg status, apk installed, rpmdb,
  // Python METADATA, package.json): real ones reach tens of MiB.
  std::size_t max_database = std::size_t{256} << 20U;
  std::size_t max_archive = std::size_t{64} << 20U;       // a Java archive read for packages
  std::uint64_t max_captured = std::uint64_t{512} << 20U; // all captured files of the image
  bool scan_secrets = false; // every byte of every file through the secret engine (moat image)
};

// What to do with a file's content, decided from its path.
enum class Capture : std::uint8_t { none, text, database, credential, archive };
[[nodiscard]] Capture capture_kind(std::string_view path);

// Normalises an archive entry name. Returns false (and sets PROBLEM) when the
// name leaves the root through "..". ABSOLUTE is set for names starting with '/'.
[[nodiscard]] bool normalize_entry_path(std::string_view raw, std::string& out, bool& absolute,
                                        std::string& problem);

// Scans one layer blob. EXPECTED_DIGEST ("sha256:...") is verified when not
// empty. ENTRY_BUDGET is shared by the image's layers (ScanLimits::max_entries).
// BYTES_READ, when given, counts the blob bytes read, for progress.
[[nodiscard]] core::Result<LayerScan>
scan_layer(ByteReader& blob, std::string_view expected_digest, const ScanLimits& limits,
           std::atomic<std::uint64_t>& entry_budget,
           std::atomic<std::uint64_t>* bytes_read = nullptr,
           std::atomic<std::uint64_t>* capture_budget = nullptr);

// Scans a root file system directory as one layer (dir:// targets).
[[nodiscard]] core::Result<LayerScan>
scan_directory(const std::string& root, const std::string& name, const ScanLimits& limits);

} // namespace moat::image
