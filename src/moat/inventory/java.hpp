#pragma once
// Java archives (.jar, .war, .ear): the Maven coordinates they declare in
// META-INF/maven/**/pom.properties, else what META-INF/MANIFEST.MF or the
// file name says, and the same for the archives nested inside them.
//
// The archive is read from memory (the image scanner hands over the bytes of
// a layer entry); no file I/O happens here. Nesting depth, nested entry size,
// entry count and the total bytes decompressed are capped so a zip bomb
// cannot exhaust memory or time.

#include <moat/core/package.hpp>
#include <moat/core/result.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::inventory {

// Archives nested more deeply than this inside the one given are a limit error.
inline constexpr int k_jar_max_depth = 4;
// A nested archive larger than this (uncompressed) is a limit error.
inline constexpr std::size_t k_jar_max_nested_size = std::size_t{64} << 20U;
// pom.properties or MANIFEST.MF larger than this is a limit error.
inline constexpr std::size_t k_jar_max_text_size = std::size_t{1} << 20U;
// Entries of all levels together; more is a limit error.
inline constexpr std::size_t k_jar_max_entries = 200'000;
// Bytes decompressed from entries of all levels together; more is a limit error.
inline constexpr std::size_t k_jar_max_total_bytes = std::size_t{1} << 30U;

// Orders strings ignoring ASCII case: manifest attribute names are case-insensitive.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

// Attributes of a manifest's main section, looked up ignoring case.
using ManifestAttributes = std::map<std::string, std::string, CaseInsensitiveLess>;

// Parses Java .properties text (as java.util.Properties.load does: comments,
// "k=v", "k: v" and "k v", backslash continuations and escapes).
[[nodiscard]] std::map<std::string, std::string, std::less<>>
parse_pom_properties(std::string_view text);

// Parses the main section of a JAR manifest; a line starting with one space
// continues the previous value. Lines that are not "Name: value" are ignored.
[[nodiscard]] ManifestAttributes parse_manifest(std::string_view text);

struct JarFileName {
  std::string name;    // "commons-lang3"
  std::string version; // "3.12.0"; empty when the file name has none
};

// Splits a jar's file name (a path is allowed) at the first "-DIGIT":
// "lib/commons-lang3-3.12.0.jar" -> {"commons-lang3", "3.12.0"}.
[[nodiscard]] JarFileName jar_name_from_file(std::string_view file_name);

// Lists the Maven packages in the Java archive BYTES. NAME (the archive's
// path) is used in errors, as Package::found_at, and for the file-name
// fallback; a nested archive is named "OUTER!/ENTRY". DEPTH is how deeply
// BYTES is already nested. Each pom.properties gives one package; when there
// is none, the manifest or the file name gives one for the archive itself.
// A nested archive that is not a readable zip is skipped; limits are errors.
[[nodiscard]] core::Result<std::vector<core::Package>>
parse_jar(std::span<const std::byte> bytes, const std::string& name, int depth = 0);

} // namespace moat::inventory
