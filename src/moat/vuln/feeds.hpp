#pragma once
// Parsers for the advisory formats moat imports. Each turns one document's
// text into advisories; NAME names the input in errors.

#include <moat/core/result.hpp>
#include <moat/vuln/advisory.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moat::vuln {

// One OSV advisory in JSON (https://ossf.github.io/osv-schema/). Unknown
// fields are ignored; a missing id, a wrong type for a known field or an
// unknown event or range type is an error. Top-level members moat never
// reads (unknown ones, and a string `details`, which is not stored) of
// DROP_AT_LEAST bytes and more are skipped, not parsed: the parser never
// holds them, so a padded document costs its text and no more.
inline constexpr std::size_t k_large_unread_member = 4096;
[[nodiscard]] core::Result<Advisory>
parse_osv_json(std::string_view text, std::string_view name,
               std::size_t drop_at_least = k_large_unread_member);

// One OSV advisory in YAML (as pypa/advisory-database writes them).
[[nodiscard]] core::Result<Advisory> parse_osv_yaml(std::string_view text, std::string_view name);

// The Debian Security Tracker's JSON export
// (https://security-tracker.debian.org/tracker/data/json): package ->
// CVE -> release -> status. One advisory per CVE (or TEMP-) id, with one
// Affected per (source package, release) in ecosystem "Debian:<number>"
// (bookworm -> 12; unknown codenames such as "sid" are skipped).
// resolved + fixed_version "0" -> not_affected; resolved + version -> fixed;
// open/undetermined -> affected, or will_not_fix (nodsa_reason "ignored"),
// deferred ("postponed"), end_of_life (urgency "end-of-life"). The urgency
// becomes the Affected severity.
[[nodiscard]] core::Result<std::vector<Advisory>> parse_debian_tracker(std::string_view text,
                                                                       std::string_view name);

// An Alpine secdb document (https://secdb.alpinelinux.org/v3.18/main.json):
// one advisory per CVE id, with one Affected per origin package in
// ecosystem "Alpine:v3.18", fixed at the secfixes version ("0" = never
// affected -> not_affected). FEED, when given, receives the feed the
// records belong to, "alpine:v3.18/main": each secdb document names the
// same CVE ids for its own release and repository.
[[nodiscard]] core::Result<std::vector<Advisory>>
parse_alpine_secdb(std::string_view text, std::string_view name, std::string* feed = nullptr);

// The Debian release number of a codename ("bookworm" -> "12"); empty when unknown.
[[nodiscard]] std::string_view debian_release(std::string_view codename);

} // namespace moat::vuln
