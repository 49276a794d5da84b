#pragma once
// The rpm database: package headers as rpm stores them (one "header blob"
// per installed package), and the SQLite rpmdb that holds them in current
// Fedora, RHEL 9+, CentOS Stream, Rocky, Alma and Amazon Linux 2023 images.

#include <moat/core/package.hpp>
#include <moat/core/result.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::inventory {

// Which rpm database back end a file belongs to, judged by its path.
enum class RpmdbKind {
  none,        // not an rpm database file
  berkeley_db, // .../rpm/Packages: RHEL/CentOS <= 8, Amazon Linux 2, old SUSE
  ndb,         // .../rpm/Packages.db: SUSE's native format
  sqlite,      // .../rpm/rpmdb.sqlite: rpm >= 4.16 default
};

// Classifies PATH ("/var/lib/rpm/Packages", "usr/lib/sysimage/rpm/rpmdb.sqlite",
// with or without a leading '/' or "./") as one of the rpm database files.
[[nodiscard]] RpmdbKind rpmdb_kind(std::string_view path);

// The back end's name for messages: "BerkeleyDB", "NDB", "SQLite"; "" for none.
[[nodiscard]] std::string_view rpmdb_kind_name(RpmdbKind kind);

// Parses one rpm header blob (index count, data length, index entries and
// data, all big-endian, without the 8-byte magic that rpm files put in front)
// into a package of type "rpm", ecosystem "Red Hat", empty namespace (the
// caller knows the distribution). Version is "[EPOCH:]VERSION-RELEASE"; files
// come from BASENAMES/DIRNAMES/DIRINDEXES (or the legacy OLDFILENAMES).
// found_at is set to NAME, which also names the input in errors. Every offset
// and count is checked: malformed or hostile input gives an error, never a crash.
[[nodiscard]] core::Result<core::Package> parse_rpm_header(std::span<const std::byte> blob,
                                                           const std::string& name);

// Reads every package header of a SQLite rpmdb (rpmdb.sqlite: table Packages
// with columns hnum and blob) held in memory; the bytes are not modified and no
// file is written. The "gpg-pubkey" entries rpm keeps for imported signing
// keys are not software and are left out. NAME names the input in errors.
[[nodiscard]] core::Result<std::vector<core::Package>>
parse_rpmdb_sqlite(std::span<const std::byte> db_bytes, const std::string& name);

} // namespace moat::inventory
