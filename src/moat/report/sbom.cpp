// CycloneDX 1.5 and SPDX 2.3 JSON writers for a target's package inventory.
//
// Both formats want a unique document id (CycloneDX serialNumber, SPDX
// documentNamespace). moat derives it from the document's content rather
// than from a random source, so the same scan gives byte-identical output
// (reproducible SBOMs that diff cleanly) while any change in the target,
// its packages or moat's version gives a different id. See content_uuid.

#include <moat/report/sbom.hpp>
#include <moat/util/sha256.hpp>

#include <moat/util/strings.hpp>
#include <moat/util/unicode.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <map>
#include <set>
#include <utility>

namespace moat::report {

namespace {

using Json = nlohmann::ordered_json;

// moat's own namespace for content-derived document ids (a random v4 UUID,
// fixed once: b82b799b-d270-4bce-a0b4-a7a159b41b2e).
constexpr std::array<std::uint8_t, 16> k_moat_namespace{
    0xb8, 0x2b, 0x79, 0x9b, 0xd2, 0x70, 0x4b, 0xce, 0xa0, 0xb4, 0xa7, 0xa1, 0x59, 0xb4, 0x1b, 0x2e};

// Every field goes in with its length first, so ("ab", "c") and ("a", "bc")
// hash differently.
void feed(std::string& buffer, std::string_view field) {
  buffer += fmt::format("{}:", field.size());
  buffer += field;
}

// The document id: a version-5 UUID, in moat's namespace, of FORMAT and
// everything the document says except its creation time. Leaving the time
// out is deliberate: two runs over the same target agree byte for byte.
std::string content_uuid(const SbomDocument& doc, std::string_view format) {
  std::string name;
  for (std::string_view field :
       {format, std::string_view(doc.name), std::string_view(doc.target_kind),
        std::string_view(doc.digest), std::string_view(doc.os_id), std::string_view(doc.os_version),
        std::string_view(doc.os_codename), std::string_view(doc.os_name),
        std::string_view(doc.tool_version)})
    feed(name, field);
  for (const auto& pkg : doc.packages) {
    for (std::string_view field :
         {std::string_view(pkg.purl), std::string_view(pkg.name), std::string_view(pkg.version),
          std::string_view(pkg.type), std::string_view(pkg.license), std::string_view(pkg.found_at),
          std::string_view(pkg.layer_digest), std::string_view(pkg.source_name),
          std::string_view(pkg.source_version), std::string_view(pkg.installed_by)})
      feed(name, field);
  }
  return uuid_v5(k_moat_namespace, name);
}

// ---------------------------------------------------------------------------
// Text hygiene. Package databases are not guaranteed to be UTF-8; JSON must
// be. Cleaning before the document is built (rather than only when dumping)
// keeps references unique: two refs that differ only in bad bytes would
// otherwise collapse into one after replacement.

bool is_continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

// TEXT with each ill-formed UTF-8 sequence (overlong forms, surrogates,
// values past U+10FFFF, truncated sequences) replaced by U+FFFD.
std::string clean_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out += text[i++];
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80; // allowed range of the second byte
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0)
        low = 0xA0; // overlong
      else if (lead == 0xED)
        high = 0x9F; // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0)
        low = 0x90; // overlong
      else if (lead == 0xF4)
        high = 0x8F; // past U+10FFFF
    }
    std::size_t good = length == 0 ? 0 : 1;
    while (good > 0 && good < length && i + good < text.size()) {
      auto c = static_cast<unsigned char>(text[i + good]);
      bool ok = good == 1 ? (c >= low && c <= high) : is_continuation(c);
      if (!ok)
        break;
      ++good;
    }
    if (length != 0 && good == length) {
      out += text.substr(i, length);
      i += length;
    } else {
      out += util::k_replacement_character;
      i += std::max<std::size_t>(good, 1);
    }
  }
  return out;
}

Json text(std::string_view s) {
  return Json(clean_utf8(s));
}

// Hands out references that are unique within one document: the first
// claim of a base gets it as is, later ones get "#2", "#3", ...
class RefAllocator {
public:
  std::string claim(const std::string& base) {
    if (m_used.insert(base).second)
      return base;
    for (std::size_t n = 2;; ++n) {
      std::string candidate = fmt::format("{}#{}", base, n);
      if (m_used.insert(candidate).second)
        return candidate;
    }
  }

private:
  std::set<std::string, std::less<>> m_used;
};

core::Status dump(const Json& doc, std::ostream& out, const SbomDocument& sbom,
                  std::string_view format) {
  // The replace handler is a second line of defence: every string is
  // already clean, but a dump must never throw on input bytes.
  out << doc.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
  out.flush();
  if (!out)
    return core::fail(core::ErrorKind::io, sbom.name,
                      fmt::format("cannot write the {} sbom", format));
  return {};
}

// ---------------------------------------------------------------------------
// SPDX license list. Only ids known to the list may appear as CycloneDX
// license.id (the schema enumerates them) or in SPDX licenseDeclared without
// extra definitions; this is the subset that package databases commonly
// declare, deprecated spellings included because older metadata uses them.

constexpr std::string_view k_license_ids[] = {
    "0BSD",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-1.0",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "APSL-2.0",
    "Artistic-1.0",
    "Artistic-1.0-Perl",
    "Artistic-2.0",
    "Beerware",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSD-4-Clause-UC",
    "BSD-Source-Code",
    "BSL-1.0",
    "bzip2-1.0.6",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC-PDDC",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CECILL-2.1",
    "CPL-1.0",
    "curl",
    "ECL-2.0",
    "EFL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "FSFAP",
    "FSFUL",
    "FSFULLR",
    "FTL",
    "GFDL-1.1-only",
    "GFDL-1.1-or-later",
    "GFDL-1.2",
    "GFDL-1.2-only",
    "GFDL-1.2-or-later",
    "GFDL-1.3",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GPL-1.0",
    "GPL-1.0+",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0+",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-2.0-with-classpath-exception",
    "GPL-2.0-with-GCC-exception",
    "GPL-3.0",
    "GPL-3.0+",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "GPL-3.0-with-GCC-exception",
    "HPND",
    "HPND-sell-variant",
    "ICU",
    "IJG",
    "ImageMagick",
    "Info-ZIP",
    "ISC",
    "JSON",
    "LGPL-2.0",
    "LGPL-2.0+",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1+",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0+",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "Libpng",
    "libpng-2.0",
    "libtiff",
    "LPPL-1.3c",
    "MirOS",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MPL-1.0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "MS-RL",
    "NCSA",
    "Net-SNMP",
    "NTP",
    "OFL-1.1",
    "OLDAP-2.8",
    "OpenSSL",
    "OSL-3.0",
    "PHP-3.0",
    "PHP-3.01",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Qhull",
    "Ruby",
    "Sendmail",
    "SGI-B-2.0",
    "Sleepycat",
    "SSPL-1.0",
    "TCL",
    "Unicode-DFS-2015",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "Vim",
    "W3C",
    "WTFPL",
    "X11",
    "XFree86-1.1",
    "Zlib",
    "zlib-acknowledgement",
    "ZPL-2.0",
    "ZPL-2.1",
};

// License exceptions, the right-hand side of WITH.
constexpr std::string_view k_exception_ids[] = {
    "Autoconf-exception-2.0",
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Bootloader-exception",
    "Classpath-exception-2.0",
    "CLISP-exception-2.0",
    "Font-exception-2.0",
    "GCC-exception-2.0",
    "GCC-exception-3.1",
    "Libtool-exception",
    "Linux-syscall-note",
    "LLVM-exception",
    "OpenJDK-assembly-exception-1.0",
    "openvpn-openssl-exception",
    "Qt-GPL-exception-1.0",
    "Qt-LGPL-exception-1.1",
    "u-boot-exception-2.0",
    "WxWindows-exception-3.1",
};

template <std::size_t N>
const std::string_view* find_id(const std::string_view (&table)[N], std::string_view id) {
  for (const auto& entry : table)
    if (util::iequals(entry, id))
      return &entry;
  return nullptr;
}

// idstring = 1*(ALPHA / DIGIT / "-" / "." ), SPDX 2.3 annex D.
bool is_idstring(std::string_view s) {
  if (s.empty())
    return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.';
  });
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && util::iequals(s.substr(0, prefix.size()), prefix);
}

// "LicenseRef-x" or "DocumentRef-x:LicenseRef-y", canonically spelled.
bool license_ref(std::string_view token, std::string& canonical) {
  std::string_view rest = token;
  std::string prefix;
  if (starts_with_icase(rest, "DocumentRef-")) {
    auto colon = rest.find(':');
    if (colon == std::string_view::npos || !is_idstring(rest.substr(12, colon - 12)))
      return false;
    prefix = fmt::format("DocumentRef-{}:", rest.substr(12, colon - 12));
    rest = rest.substr(colon + 1);
  }
  if (!starts_with_icase(rest, "LicenseRef-") || !is_idstring(rest.substr(11)))
    return false;
  canonical = fmt::format("{}LicenseRef-{}", prefix, rest.substr(11));
  return true;
}

// Recursive descent over annex D's grammar, loosened in one way: operators
// match in any case, since hand-written package metadata ("MIT or GPL")
// means the same thing. The canonical rewrite uses upper-case operators.
class ExpressionParser {
public:
  explicit ExpressionParser(std::string_view input) { tokenize(input); }

  // True when the whole input is one expression.
  bool parse() {
    if (m_tokens.empty())
      return false;
    if (!parse_or(m_out))
      return false;
    return m_pos == m_tokens.size();
  }

  const std::string& canonical() const { return m_out; }
  bool all_listed() const { return m_all_listed; }
  bool has_refs() const { return m_has_refs; }
  // The one listed id the input names, when it names exactly one with no
  // operator and no "+": empty otherwise.
  std::string_view single_id() const {
    return m_leaves == 1 && !m_has_operator ? m_single : std::string_view();
  }

private:
  // Nesting bound: package metadata is untrusted and recursion is the stack.
  static constexpr int k_max_depth = 32;

  void tokenize(std::string_view input) {
    std::size_t i = 0;
    while (i < input.size()) {
      char ch = input[i];
      if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
        ++i;
      } else if (ch == '(' || ch == ')') {
        m_tokens.push_back(input.substr(i, 1));
        ++i;
      } else {
        std::size_t start = i;
        while (i < input.size() && input[i] != ' ' && input[i] != '\t' && input[i] != '\n' &&
               input[i] != '\r' && input[i] != '(' && input[i] != ')')
          ++i;
        m_tokens.push_back(input.substr(start, i - start));
      }
    }
  }

  bool at_keyword(std::string_view keyword) const {
    return m_pos < m_tokens.size() && util::iequals(m_tokens[m_pos], keyword);
  }

  bool parse_binary(std::string& out, std::string_view keyword,
                    bool (ExpressionParser::*operand)(std::string&)) {
    if (!(this->*operand)(out))
      return false;
    while (at_keyword(keyword)) {
      ++m_pos;
      m_has_operator = true;
      out += fmt::format(" {} ", keyword);
      if (!(this->*operand)(out))
        return false;
    }
    return true;
  }

  bool parse_or(std::string& out) { return parse_binary(out, "OR", &ExpressionParser::parse_and); }
  bool parse_and(std::string& out) {
    return parse_binary(out, "AND", &ExpressionParser::parse_with);
  }

  bool parse_with(std::string& out) {
    if (!parse_primary(out))
      return false;
    if (!at_keyword("WITH"))
      return true;
    ++m_pos;
    m_has_operator = true;
    if (m_pos >= m_tokens.size() || !is_idstring(m_tokens[m_pos]))
      return false;
    std::string_view exception = m_tokens[m_pos++];
    if (const auto* listed = find_id(k_exception_ids, exception)) {
      exception = *listed;
    } else {
      m_all_listed = false;
    }
    out += fmt::format(" WITH {}", exception);
    return true;
  }

  bool parse_primary(std::string& out) {
    if (m_pos >= m_tokens.size())
      return false;
    std::string_view token = m_tokens[m_pos];
    if (token == "(") {
      if (++m_depth > k_max_depth)
        return false;
      ++m_pos;
      out += '(';
      if (!parse_or(out) || m_pos >= m_tokens.size() || m_tokens[m_pos] != ")")
        return false;
      ++m_pos;
      --m_depth;
      out += ')';
      return true;
    }
    if (token == ")" || util::iequals(token, "AND") || util::iequals(token, "OR") ||
        util::iequals(token, "WITH"))
      return false;
    ++m_pos;
    ++m_leaves;
    std::string ref;
    if (license_ref(token, ref)) {
      m_has_refs = true;
      out += ref;
      return true;
    }
    if (const auto* listed = find_id(k_license_ids, token)) {
      // Whole-token match first: the list spells some ids with a "+".
      m_single = *listed;
      out += *listed;
      return true;
    }
    bool or_later = token.size() > 1 && token.back() == '+';
    std::string_view id = or_later ? token.substr(0, token.size() - 1) : token;
    if (!is_idstring(id))
      return false;
    const auto* listed = find_id(k_license_ids, id);
    if (listed == nullptr)
      m_all_listed = false;
    out += listed != nullptr ? *listed : id;
    if (or_later)
      out += '+';
    m_has_operator = m_has_operator || or_later;
    return true;
  }

  std::vector<std::string_view> m_tokens;
  std::size_t m_pos = 0;
  int m_depth = 0;
  std::string m_out;
  bool m_all_listed = true;
  bool m_has_refs = false;
  bool m_has_operator = false;
  std::size_t m_leaves = 0;
  std::string_view m_single;
};

// ---------------------------------------------------------------------------
// CycloneDX 1.5

Json cyclonedx_license(const core::Package& pkg) {
  auto license = classify_license(pkg.license);
  switch (license.form) {
  case LicenseClass::Form::none:
    return Json();
  case LicenseClass::Form::id:
    return Json::array({Json{{"license", Json{{"id", text(license.text)}}}}});
  case LicenseClass::Form::expression:
    return Json::array({Json{{"expression", text(license.text)}}});
  case LicenseClass::Form::name:
    return Json::array({Json{{"license", Json{{"name", text(license.text)}}}}});
  }
  return Json();
}

void add_property(Json& properties, std::string_view name, std::string_view value) {
  if (!value.empty())
    properties.push_back(Json{{"name", name}, {"value", text(value)}});
}

Json cyclonedx_package(const core::Package& pkg, const std::string& ref) {
  Json component = Json::object();
  component["bom-ref"] = ref;
  component["type"] = "library";
  component["name"] = text(pkg.name);
  if (!pkg.version.empty())
    component["version"] = text(pkg.version);
  if (auto licenses = cyclonedx_license(pkg); !licenses.is_null())
    component["licenses"] = std::move(licenses);
  if (!pkg.purl.empty())
    component["purl"] = text(pkg.purl);
  Json properties = Json::array();
  add_property(properties, "moat:package:type", pkg.type);
  add_property(properties, "moat:layer:digest", pkg.layer_digest);
  add_property(properties, "moat:found-at", pkg.found_at);
  add_property(properties, "moat:source-name", pkg.source_name);
  add_property(properties, "moat:source-version", pkg.source_version);
  add_property(properties, "moat:installed-by", pkg.installed_by);
  if (!properties.empty())
    component["properties"] = std::move(properties);
  // The files the package database lists for it (CycloneDX 1.5 evidence).
  if (!pkg.files.empty()) {
    Json occurrences = Json::array();
    for (const auto& file : pkg.files)
      occurrences.push_back(Json{{"location", text(file)}});
    component["evidence"] = Json{{"occurrences", std::move(occurrences)}};
  }
  return component;
}

// The base of a package's bom-ref: its purl, which consumers already use
// as the identity, else something readable built from name and version.
std::string package_ref_base(const core::Package& pkg) {
  if (!pkg.purl.empty())
    return clean_utf8(pkg.purl);
  return clean_utf8(fmt::format("moat:package:{}@{}", pkg.name, pkg.version));
}

// ---------------------------------------------------------------------------
// SPDX 2.3

constexpr std::string_view k_noassertion = "NOASSERTION";

// SPDXRef ids allow only [A-Za-z0-9.-]; everything else becomes '-'.
std::string spdx_id_part(std::string_view s, std::size_t max_length) {
  std::string out;
  for (char ch : s.substr(0, std::min(s.size(), max_length))) {
    bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '.' || ch == '-';
    out += keep ? ch : '-';
  }
  return out;
}

// A path segment for documentNamespace: RFC 3986 unreserved bytes only.
std::string namespace_segment(std::string_view name) {
  std::string out;
  for (char ch : name.substr(0, std::min<std::size_t>(name.size(), 100))) {
    bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '.' || ch == '-' || ch == '_' || ch == '~';
    out += keep ? ch : '-';
  }
  return out.empty() ? std::string("unnamed") : out;
}

// Where moat read the package, for sourceInfo.
std::string source_info(const core::Package& pkg) {
  if (!pkg.found_at.empty() && !pkg.layer_digest.empty())
    return fmt::format("acquired package info from {} in layer {}", pkg.found_at, pkg.layer_digest);
  if (!pkg.found_at.empty())
    return fmt::format("acquired package info from {}", pkg.found_at);
  if (!pkg.layer_digest.empty())
    return fmt::format("acquired package info from layer {}", pkg.layer_digest);
  return {};
}

Json spdx_package(std::string_view id, std::string_view name, std::string_view version,
                  std::string_view purpose) {
  Json package = Json::object();
  package["name"] = text(name);
  package["SPDXID"] = id;
  if (!version.empty())
    package["versionInfo"] = text(version);
  package["downloadLocation"] = k_noassertion;
  package["filesAnalyzed"] = false;
  package["licenseConcluded"] = k_noassertion;
  package["licenseDeclared"] = k_noassertion;
  package["copyrightText"] = k_noassertion;
  package["primaryPackagePurpose"] = purpose;
  return package;
}

Json relationship(std::string_view from, std::string_view type, std::string_view to) {
  return Json{{"spdxElementId", from}, {"relationshipType", type}, {"relatedSpdxElement", to}};
}

} // namespace

std::string uuid_v5(const std::array<std::uint8_t, 16>& namespace_id, std::string_view name) {
  std::string input(reinterpret_cast<const char*>(namespace_id.data()), namespace_id.size());
  input.append(name);
  auto digest = util::sha1_digest(input);
  digest[6] = static_cast<std::uint8_t>((digest[6] & 0x0F) | 0x50); // version 5
  digest[8] = static_cast<std::uint8_t>((digest[8] & 0x3F) | 0x80); // RFC 4122 variant
  std::string out;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out += '-';
    out += fmt::format("{:02x}", digest[i]);
  }
  return out;
}

LicenseClass classify_license(std::string_view license) {
  std::string_view trimmed = util::trim(license);
  if (trimmed.empty())
    return {};
  ExpressionParser parser(trimmed);
  if (parser.parse() && parser.all_listed()) {
    if (auto id = parser.single_id(); !id.empty())
      return {LicenseClass::Form::id, std::string(id), true};
    return {LicenseClass::Form::expression, parser.canonical(), !parser.has_refs()};
  }
  return {LicenseClass::Form::name, std::string(trimmed), false};
}

core::Status write_cyclonedx(const SbomDocument& doc, std::ostream& out) {
  RefAllocator refs;
  std::string root_ref = refs.claim("moat:target");

  Json root = Json::object();
  root["bom-ref"] = root_ref;
  root["type"] = doc.target_kind == "image" ? "container" : "file";
  root["name"] = text(doc.name);
  if (!doc.digest.empty())
    root["version"] = text(doc.digest);

  Json tool = Json::object();
  tool["type"] = "application";
  tool["name"] = "moat";
  if (!doc.tool_version.empty())
    tool["version"] = text(doc.tool_version);

  Json metadata = Json::object();
  if (!doc.created.empty())
    metadata["timestamp"] = text(doc.created);
  metadata["tools"] = Json{{"components", Json::array({std::move(tool)})}};
  metadata["component"] = std::move(root);

  Json components = Json::array();
  Json depends_on = Json::array();
  if (!doc.os_id.empty()) {
    std::string ref =
        refs.claim(clean_utf8(fmt::format("moat:os:{}@{}", doc.os_id, doc.os_version)));
    Json os = Json::object();
    os["bom-ref"] = ref;
    os["type"] = "operating-system";
    os["name"] = text(doc.os_id);
    if (!doc.os_version.empty())
      os["version"] = text(doc.os_version);
    if (!doc.os_name.empty())
      os["description"] = text(doc.os_name);
    Json properties = Json::array();
    add_property(properties, "moat:os:codename", doc.os_codename);
    if (!properties.empty())
      os["properties"] = std::move(properties);
    components.push_back(std::move(os));
    depends_on.push_back(ref);
  }
  for (const auto& pkg : doc.packages) {
    std::string ref = refs.claim(package_ref_base(pkg));
    components.push_back(cyclonedx_package(pkg, ref));
    depends_on.push_back(std::move(ref));
  }

  Json bom = Json::object();
  bom["$schema"] = "http://cyclonedx.org/schema/bom-1.5.schema.json";
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.5";
  bom["serialNumber"] = fmt::format("urn:uuid:{}", content_uuid(doc, "cyclonedx-1.5"));
  bom["version"] = 1;
  bom["metadata"] = std::move(metadata);
  bom["components"] = std::move(components);
  bom["dependencies"] =
      Json::array({Json{{"ref", root_ref}, {"dependsOn", std::move(depends_on)}}});
  return dump(bom, out, doc, "cyclonedx");
}

core::Status write_spdx(const SbomDocument& doc, std::ostream& out) {
  std::string root_id =
      doc.target_kind == "image" ? "SPDXRef-DocumentRoot-Image" : "SPDXRef-DocumentRoot-Directory";

  Json packages = Json::array();
  Json relationships = Json::array();
  relationships.push_back(relationship("SPDXRef-DOCUMENT", "DESCRIBES", root_id));
  packages.push_back(spdx_package(root_id, doc.name, doc.digest,
                                  doc.target_kind == "image" ? "CONTAINER" : "FILE"));

  if (!doc.os_id.empty()) {
    std::string os_id = "SPDXRef-OperatingSystem";
    Json os = spdx_package(os_id, doc.os_id, doc.os_version, "OPERATING_SYSTEM");
    if (!doc.os_name.empty())
      os["description"] = text(doc.os_name);
    packages.push_back(std::move(os));
    relationships.push_back(relationship(root_id, "CONTAINS", os_id));
  }

  // The index keeps ids unique; type and name only make them readable.
  std::vector<std::string> ids;
  std::map<std::string, std::string, std::less<>> os_package_ids; // name -> the first one's id
  for (std::size_t i = 0; i < doc.packages.size(); ++i) {
    const auto& pkg = doc.packages[i];
    std::string id = "SPDXRef-Package";
    for (std::string_view part : {std::string_view(pkg.type), std::string_view(pkg.name)})
      if (!part.empty()) {
        id += '-';
        id += spdx_id_part(part, 64);
      }
    id += fmt::format("-{}", i + 1);
    if (core::is_os_package_type(pkg.type))
      os_package_ids.try_emplace(pkg.name, id);
    ids.push_back(std::move(id));
  }
  for (std::size_t i = 0; i < doc.packages.size(); ++i) {
    const auto& pkg = doc.packages[i];
    const auto& id = ids[i];

    Json package = spdx_package(id, pkg.name, pkg.version, "LIBRARY");
    if (auto license = classify_license(pkg.license); license.spdx_declarable)
      package["licenseDeclared"] = text(license.text);
    if (auto info = source_info(pkg); !info.empty())
      package["sourceInfo"] = text(info);
    if (!pkg.purl.empty())
      package["externalRefs"] = Json::array({Json{{"referenceCategory", "PACKAGE-MANAGER"},
                                                  {"referenceType", "purl"},
                                                  {"referenceLocator", text(pkg.purl)}}});
    packages.push_back(std::move(package));
    relationships.push_back(relationship(root_id, "CONTAINS", id));
  }
  // A language package an OS package installed: the OS package CONTAINS it.
  for (std::size_t i = 0; i < doc.packages.size(); ++i) {
    const auto& owner = doc.packages[i].installed_by;
    if (owner.empty())
      continue;
    if (auto it = os_package_ids.find(owner); it != os_package_ids.end()) {
      auto installed = relationship(it->second, "CONTAINS", ids[i]);
      installed["comment"] = "the OS package installed this package's files";
      relationships.push_back(std::move(installed));
    }
  }

  std::string creator = doc.tool_version.empty() ? std::string("Tool: moat")
                                                 : fmt::format("Tool: moat-{}", doc.tool_version);
  Json spdx = Json::object();
  spdx["spdxVersion"] = "SPDX-2.3";
  spdx["dataLicense"] = "CC0-1.0";
  spdx["SPDXID"] = "SPDXRef-DOCUMENT";
  spdx["name"] = text(doc.name);
  spdx["documentNamespace"] =
      fmt::format("https://moat.invalid/spdxdocs/{}-{}", namespace_segment(doc.name),
                  content_uuid(doc, "spdx-2.3"));
  spdx["creationInfo"] =
      Json{{"created", text(doc.created)}, {"creators", Json::array({text(creator)})}};
  spdx["documentDescribes"] = Json::array({root_id});
  spdx["packages"] = std::move(packages);
  spdx["relationships"] = std::move(relationships);
  return dump(spdx, out, doc, "spdx");
}

} // namespace moat::report
