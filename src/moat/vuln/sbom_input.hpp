#pragma once
// Reading an SBOM back in (CycloneDX JSON or SPDX 2.x JSON, as moat, Syft
// or Trivy write them) to scan its packages for vulnerabilities.

#include <moat/core/package.hpp>
#include <moat/core/package_list.hpp>
#include <moat/core/result.hpp>

#include <cstdint>
#include <expected>
#include <functional>
#include <span>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::vuln {

// A parsed package URL.
struct Purl {
  std::string type;                                            // "deb", "pypi", ...; lower case
  std::string namespace_;                                      // decoded; "" when none
  std::string name;                                            // decoded
  std::string version;                                         // decoded; "" when none
  std::vector<std::pair<std::string, std::string>> qualifiers; // decoded, keys lower case
  std::string subpath;
};

// Parses "pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS#SUBPATH"; nullopt when
// malformed.
[[nodiscard]] std::optional<Purl> parse_purl(std::string_view text);

// A qualifier's value; empty when absent.
[[nodiscard]] std::string qualifier(const Purl& purl, std::string_view key);

// The OSV ecosystem of a purl type and namespace: deb/debian -> "Debian",
// deb/ubuntu -> "Ubuntu", apk/alpine -> "Alpine", rpm/* -> "Red Hat",
// pypi -> "PyPI", npm -> "npm", golang -> "Go", maven -> "Maven", gem ->
// "RubyGems", cargo -> "crates.io", nuget -> "NuGet", composer ->
// "Packagist"; empty when unknown.
[[nodiscard]] std::string ecosystem_of(const Purl& purl);

// CycloneDX component trees deeper than this are refused: they are walked
// recursively and the document is untrusted.
inline constexpr int k_max_component_depth = 32;

struct SbomInput {
  std::string format;            // "cyclonedx" or "spdx"
  std::string os_id;             // "debian", "alpine"; empty when the SBOM does not say
  std::string os_version;        // "12", "3.18.4"
  core::PackedPackages packages; // name, version, type, ecosystem, namespace_,
                                 // source_name/version, purl, found_at, layer_digest,
                                 // installed_by
};

// Reads a CycloneDX (1.2-1.6) or SPDX (2.2/2.3) JSON document. Packages
// come from purls; the source package from the purl's "upstream"
// qualifier or the writer's properties (moat:source-name, syft, trivy);
// the OS from an operating-system component, or a purl's "distro"
// qualifier ("debian-12"); the OS package that installed a language package
// from moat's records of it (a "moat:installed-by" property, an SPDX
// CONTAINS from an OS package). A document that is neither format is an error.
// The document is read as a stream, one component or package at a time:
// memory grows with the packages found, not with the size of the text.
[[nodiscard]] core::Result<SbomInput> read_sbom(std::string_view text, std::string_view name);

// Fills the buffer with the next bytes of the document and returns how
// many it put there, 0 at the end; an error text names what went wrong.
using ReadChunk = std::function<std::expected<std::size_t, std::string>(std::span<char>)>;
[[nodiscard]] core::Result<SbomInput> read_sbom(const ReadChunk& read, std::string_view name);

// What a document is from its first bytes (a UTF-8 byte order mark and
// white space skipped): JSON that read_sbom may read, or a format it does
// not read and that must be named rather than mistaken for an image.
enum class DocumentKind : std::uint8_t { empty, json, xml, spdx_tag_value, other };
[[nodiscard]] DocumentKind sniff_document(std::string_view head);

} // namespace moat::vuln
