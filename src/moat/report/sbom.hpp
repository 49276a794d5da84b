#pragma once
// SBOM writers: a target's package inventory as CycloneDX 1.5 JSON or SPDX
// 2.3 JSON. Output is reproducible: the same document gives the same bytes,
// so SBOMs can be diffed and checked into version control.

#include <moat/core/package.hpp>
#include <moat/core/result.hpp>

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace moat::report {

struct SbomDocument {
  std::string name;        // the target as the user named it ("alpine.tar", "registry://...")
  std::string target_kind; // "image" or "directory"
  std::string digest;      // image manifest/config digest "sha256:..."; may be empty
  std::string os_id, os_version, os_codename, os_name; // from os-release; may be empty
  std::vector<core::Package> packages;
  std::string tool_version; // moat's version
  std::string created;      // RFC 3339 UTC timestamp; the caller passes it (tests pass a fixed one)
};

// Writes CycloneDX 1.5 JSON: the target as metadata.component (type
// "container" for an image, "file" otherwise), an "operating-system"
// component when os_id is set, one "library" component per package (the
// OS package that installed a language package in "moat:installed-by").
[[nodiscard]] core::Status write_cyclonedx(const SbomDocument& doc, std::ostream& out);

// Writes SPDX 2.3 JSON: a root package for the target that CONTAINS an
// operating-system package (when os_id is set) and one package per Package;
// an OS package CONTAINS each language package it installed.
[[nodiscard]] core::Status write_spdx(const SbomDocument& doc, std::ostream& out);

// How a declared license string maps onto the SPDX license list.
struct LicenseClass {
  enum class Form {
    none,       // empty
    id,         // one license on the SPDX list; `text` is its canonical spelling
    expression, // a well-formed SPDX expression of listed ids (and LicenseRef-s); `text` is
                // canonical
    name,       // anything else (free text, unknown ids); `text` is the input, trimmed
  };
  Form form = Form::none;
  std::string text;
  bool spdx_declarable =
      false; // `text` is valid in SPDX 2.3 licenseDeclared without extra definitions
};

// Classifies a package's declared license. Identifiers and operators match
// case-insensitively and come out in the list's spelling ("mit or apache-2.0"
// -> "MIT OR Apache-2.0").
[[nodiscard]] LicenseClass classify_license(std::string_view license);

// A name-based UUID (RFC 4122 version 5, SHA-1) of NAME in NAMESPACE, in the
// lower-case 8-4-4-4-12 form.
[[nodiscard]] std::string uuid_v5(const std::array<std::uint8_t, 16>& namespace_id,
                                  std::string_view name);

} // namespace moat::report
