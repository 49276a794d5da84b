#pragma once
// Installed Python distributions: the core metadata file of a
// *.dist-info directory (METADATA) or of an *.egg-info (PKG-INFO), and the
// dist-info RECORD that lists the installed files.

#include <moat/core/package.hpp>
#include <moat/core/result.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace moat::inventory {

// Parses core metadata (RFC 822 style headers up to the first blank line)
// into a package of type "pypi": Name and Version are required; the license
// is License-Expression when given, else License. The name is kept as
// declared; the purl carries its PEP 503 normalised form. found_at is set to
// NAME, which also names the input in errors.
[[nodiscard]] core::Result<core::Package> parse_python_metadata(std::string_view text,
                                                                const std::string& name);

// Normalises a distribution name as PEP 503 says: lower case, and every run
// of '-', '_' and '.' becomes one '-'.
[[nodiscard]] std::string normalize_python_name(std::string_view name);

// Returns the paths (first column) of a dist-info RECORD file, a CSV file with
// optional double-quoted fields; paths are relative to the site-packages
// directory and returned as written ("../../../bin/pip" included).
[[nodiscard]] std::vector<std::string> parse_python_record(std::string_view text);

} // namespace moat::inventory
