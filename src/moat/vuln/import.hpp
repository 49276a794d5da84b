#pragma once
// Importing advisories from files, directories and zip archives into the
// database, whatever their upstream format.

#include <moat/core/result.hpp>
#include <moat/vuln/db.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::vuln {

// The feed formats moat reads.
enum class FeedFormat { osv_json, osv_yaml, debian_tracker, alpine_secdb };

// Tells a document's format from its name and first bytes: YAML by
// extension; a JSON object with "distroversion" is Alpine secdb; one whose
// first member is an object keyed by CVE/TEMP ids is the Debian tracker;
// any other JSON is OSV. nullopt for names moat does not import.
[[nodiscard]] std::optional<FeedFormat> detect_format(std::string_view name, std::string_view text);

// The feed a format's records belong to: "osv", "debian", "alpine".
[[nodiscard]] std::string_view feed_of(FeedFormat format);

// Called after each document with the documents done and the total known so far.
using ImportProgress = std::function<void(size_t done, size_t total)>;

struct ImportResult {
  ImportCounts counts;
  size_t documents = 0;
  // What was seen and not read, each "NAME: why" (a zip inside a zip, a
  // member whose name leaves the archive, a file of another kind).
  std::vector<std::string> skipped;
  // Records taken with a correction, each "NAME: ID: what" (a modified date
  // in the future or not a time, which would pin the record forever).
  std::vector<std::string> notes;
};

// Imports every document under PATHS (files, directories walked
// recursively, .zip archives) in one transaction: a malformed document
// aborts the whole import with an error naming it, and the database is
// left as it was. Documents are parsed in parallel and stored in a fixed
// order, so the result does not depend on timing. ORIGINS, when given,
// name each path's records in place of the path (a feed's URL). Finding
// no document at all is an error (ErrorKind::usage) listing what was
// skipped: an import that reads nothing must not look like a success.
// One document (a file, a zip member) larger than this is refused by
// default: the Debian tracker's export, the largest real feed, is under
// 100 MiB, and a document is held whole while it is parsed.
inline constexpr std::uint64_t k_default_max_document = std::uint64_t{192} << 20U;

[[nodiscard]] core::Result<ImportResult>
import_paths(Database& db, const std::vector<std::string>& paths,
             const ImportProgress& progress = {}, const std::vector<std::string>& origins = {},
             std::uint64_t max_document = k_default_max_document);

} // namespace moat::vuln
