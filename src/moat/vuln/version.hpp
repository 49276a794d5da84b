#pragma once
// Version schemes: how each ecosystem orders its version strings. Every
// comparison parses both sides; an invalid version is refused with the
// reason, never guessed at.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace moat::vuln {

// The sign of a comparison (<0, 0, >0), or why one side is not a valid
// version of the scheme ("invalid dpkg version \"1:\": empty upstream part").
using Order = std::expected<int, std::string>;
// The reason a version is invalid; nullopt when valid.
using Validity = std::optional<std::string>;

namespace dpkg {
// Compares two dpkg versions ([epoch:]upstream[-revision]) as dpkg does.
[[nodiscard]] Order compare(std::string_view a, std::string_view b);
// Checks a dpkg version as dpkg's parser does.
[[nodiscard]] Validity check(std::string_view v);
// Compares two bare fragments with dpkg's verrevcmp (no epoch or revision split).
[[nodiscard]] int compare_fragment(std::string_view a, std::string_view b);
} // namespace dpkg

namespace apk {
// Compares two apk versions (1.2.3_rc1-r4, with ~hash components) as apk-tools does.
[[nodiscard]] Order compare(std::string_view a, std::string_view b);
// Checks an apk version as apk-tools' validator does.
[[nodiscard]] Validity check(std::string_view v);
// apk's fuzzy operators: "~" (A matches B as a prefix, by components), "<~", ">~".
[[nodiscard]] bool fuzzy(std::string_view a, std::string_view op, std::string_view b);
} // namespace apk

namespace rpm {
// Compares two full [epoch:]version[-release] strings as rpm's labelCompare
// does; a missing epoch is 0; ~ sorts before everything, ^ after the base.
[[nodiscard]] Order compare(std::string_view a, std::string_view b);
// Compares one version or release string with rpmvercmp's segment rules.
[[nodiscard]] int vercmp(std::string_view a, std::string_view b);
// Checks an EVR string (digits-only epoch, non-empty version).
[[nodiscard]] Validity check(std::string_view v);
} // namespace rpm

namespace semver {
// Compares two strict SemVer 2.0.0 versions; build metadata is ignored.
[[nodiscard]] Order compare(std::string_view a, std::string_view b);
// Checks a strict SemVer 2.0.0 version.
[[nodiscard]] Validity check(std::string_view v);
// Compares with node-semver's loose parsing (leading "v" or "=", spaces),
// as npm data needs.
[[nodiscard]] Order compare_loose(std::string_view a, std::string_view b);
// Checks a version under node-semver's loose rules.
[[nodiscard]] Validity check_loose(std::string_view v);
} // namespace semver

namespace pep440 {
// Compares two PEP 440 versions.
[[nodiscard]] Order compare(std::string_view a, std::string_view b);
// Checks a PEP 440 version.
[[nodiscard]] Validity check(std::string_view v);
// The normal form of a PEP 440 version ("1.0dev" -> "1.0.dev0").
[[nodiscard]] std::expected<std::string, std::string> normalize(std::string_view v);
} // namespace pep440

namespace golang {
// Compares Go module versions ("v1.2.3", pseudo-versions, "+incompatible"),
// bare SemVer as OSV's Go data writes it ("1.2.3"), and the toolchain form
// ("go1.21rc2", "go1.19"), which is ordered as Go's own go/version does.
[[nodiscard]] Order compare(std::string_view a, std::string_view b);
// Checks one of the forms above.
[[nodiscard]] Validity check(std::string_view v);
} // namespace golang

namespace maven {
// Compares Maven versions as Maven's ComparableVersion does.
[[nodiscard]] Order compare(std::string_view a, std::string_view b);
// Checks a Maven version (non-empty, no whitespace or control characters).
[[nodiscard]] Validity check(std::string_view v);
} // namespace maven

namespace gem {
// Compares RubyGems versions as Gem::Version does.
[[nodiscard]] Order compare(std::string_view a, std::string_view b);
// Checks a RubyGems version against Gem::Version's pattern.
[[nodiscard]] Validity check(std::string_view v);
} // namespace gem

enum class Scheme { dpkg, apk, rpm, semver, npm, pep440, go, maven, rubygems, generic };

// The scheme of an OSV ecosystem name ("Debian:12" -> dpkg, "PyPI" ->
// pep440); nullopt when moat does not know how the ecosystem orders versions.
[[nodiscard]] std::optional<Scheme> scheme_for_ecosystem(std::string_view ecosystem);

// "dpkg", "apk", ...
[[nodiscard]] std::string_view to_string(Scheme scheme);

// Compares under SCHEME.
[[nodiscard]] Order compare(Scheme scheme, std::string_view a, std::string_view b);

// Checks under SCHEME.
[[nodiscard]] Validity check(Scheme scheme, std::string_view v);

} // namespace moat::vuln
