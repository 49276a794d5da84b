// Reading SBOMs back in: package URLs, CycloneDX JSON and SPDX 2.x JSON.
//
// Three writers matter and each says the same things in its own words:
//   moat  properties moat:source-name, moat:source-version, moat:found-at,
//         moat:layer:digest; an "operating-system" component; purl qualifier
//         distro=debian-12.
//   Syft  purl qualifiers upstream= and distro=; properties
//         syft:metadata:source / sourceVersion (deb), sourceRpm (rpm),
//         originPackage (apk), syft:location:0:path and :layerID; an
//         "operating-system" component.
//   Trivy properties aquasecurity:trivy:SrcName / SrcVersion / SrcRelease /
//         SrcEpoch, LayerDigest / LayerDiffID, FilePath; the epoch of an OS
//         package moved out of the purl version into an epoch= qualifier; an
//         "operating-system" component; in SPDX, sourceInfo "built package
//         from: NAME VERSION" and "LayerDiffID: ..." attribution texts.
// The writer's own properties are the most precise, so they are read first;
// the purl qualifiers fill what they leave open.

#include <moat/vuln/sbom_input.hpp>

#include <moat/core/json_read.hpp>

#include <moat/util/strings.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>

namespace moat::vuln {

using core::json_error_detail;
using core::json_error_position;
using core::JsonReader;
using core::member;

namespace {

using Json = nlohmann::json;
using core::ErrorKind;

// TEXT with %XX escapes decoded; nullopt when an escape is cut short or not hex.
std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size())
      return std::nullopt;
    const int high = util::hex_digit_value(text[i + 1]);
    const int low = util::hex_digit_value(text[i + 2]);
    if (high < 0 || low < 0)
      return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

bool valid_type(std::string_view type) {
  if (type.empty() || (type.front() >= '0' && type.front() <= '9'))
    return false;
  return std::ranges::all_of(type, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '+' || c == '-';
  });
}

// Decoded '/'-separated SEGMENTS joined by '/', empty ones dropped (and "."
// and ".." too when DROP_DOTS, as the spec asks for subpaths).
std::optional<std::string> decode_segments(std::string_view segments, bool drop_dots) {
  std::string out;
  for (auto segment : util::split(segments, '/')) {
    if (segment.empty() || (drop_dots && (segment == "." || segment == "..")))
      continue;
    auto decoded = percent_decode(segment);
    if (!decoded)
      return std::nullopt;
    if (!out.empty())
      out += '/';
    out += *decoded;
  }
  return out;
}

// "debian-12" -> ("debian", "12"); "opensuse-leap-15.5" -> ("opensuse-leap",
// "15.5"); "debian" -> ("debian", ""). The version starts at the last '-'
// followed by a digit, since distro ids may hold '-' themselves.
std::pair<std::string, std::string> split_distro(std::string_view distro) {
  for (std::size_t i = distro.size(); i-- > 0;) {
    if (distro[i] == '-' && i + 1 < distro.size() && distro[i + 1] >= '0' && distro[i + 1] <= '9')
      return {util::to_lower(distro.substr(0, i)), std::string(distro.substr(i + 1))};
  }
  return {util::to_lower(distro), {}};
}

// What one SBOM entry says about a package, whoever wrote it.
struct Evidence {
  std::string version; // the entry's own version field
  std::string source_name, source_version;
  std::string found_at;
  std::string installed_by; // moat's record of the OS package that installed a language package
  std::string layer_digest, layer_diff_id;
  // Trivy splits the source version in three.
  std::string trivy_src_version, trivy_src_release, trivy_src_epoch;
  // The source version came from a source rpm's file name, which has no epoch.
  bool source_lacks_epoch = false;
};

// "glibc-2.34-60.el9.src.rpm" -> ("glibc", "2.34-60.el9"); false when the
// file name has not the NAME-VERSION-RELEASE.src.rpm shape.
bool split_source_rpm(std::string_view file, std::string& name, std::string& version) {
  constexpr std::string_view k_suffix = ".src.rpm";
  if (!file.ends_with(k_suffix))
    return false;
  file.remove_suffix(k_suffix.size());
  const auto release_dash = file.rfind('-');
  if (release_dash == std::string_view::npos || release_dash == 0)
    return false;
  const auto version_dash = file.rfind('-', release_dash - 1);
  if (version_dash == std::string_view::npos || version_dash == 0)
    return false;
  name = std::string(file.substr(0, version_dash));
  version = std::string(file.substr(version_dash + 1));
  return true;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

// VERSION's epoch as "E:"; empty when it has none.
std::string epoch_prefix(std::string_view version) {
  const auto colon = version.find(':');
  return colon == std::string_view::npos ? std::string()
                                         : std::string(version.substr(0, colon + 1));
}

class Reader : public JsonReader {
public:
  using JsonReader::JsonReader;

  // The package an entry describes, from its purl and EVIDENCE.
  core::Result<core::Package> package(std::string_view purl_text, Evidence evidence,
                                      std::string_view where) const {
    auto purl = parse_purl(purl_text);
    if (!purl)
      return error(where, fmt::format("invalid purl '{}'", util::terminal_safe(purl_text)));
    core::Package p;
    p.purl = std::string(purl_text);
    p.type = purl->type;
    p.namespace_ = purl->namespace_;
    p.architecture = qualifier(*purl, "arch");
    // The ecosystem's own spelling of the name, as moat's catalogers keep
    // it: npm and Go and Packagist names include what purl calls the
    // namespace; a Maven artifact keeps its group apart.
    const bool joined = purl->type == "npm" || purl->type == "golang" || purl->type == "composer";
    p.name = joined && !purl->namespace_.empty() ? purl->namespace_ + "/" + purl->name : purl->name;

    p.version = evidence.version.empty() ? purl->version : evidence.version;
    // Trivy moves the epoch of OS packages into a qualifier; matching needs
    // it back in the version.
    const std::string epoch = qualifier(*purl, "epoch");
    if ((p.type == "deb" || p.type == "rpm") && all_digits(epoch) &&
        epoch.find_first_not_of('0') != std::string::npos && !p.version.empty() &&
        p.version.find(':') == std::string::npos)
      p.version = epoch + ":" + p.version;

    p.ecosystem = ecosystem_of(*purl);
    if (p.ecosystem.empty()) {
      if (p.type == "deb")
        p.ecosystem = "Debian";
      else if (p.type == "apk")
        p.ecosystem = "Alpine";
    }

    if (evidence.source_name.empty())
      MOAT_TRY(source_from_qualifier(*purl, evidence, where));
    if (!evidence.source_name.empty() && evidence.source_version.empty() &&
        !evidence.trivy_src_version.empty())
      MOAT_TRY(trivy_source_version(evidence, where));
    // A source rpm is built with the binary's epoch.
    if (evidence.source_lacks_epoch && !evidence.source_version.empty())
      evidence.source_version = epoch_prefix(p.version) + evidence.source_version;
    p.source_name = std::move(evidence.source_name);
    p.source_version = std::move(evidence.source_version);
    // moat's dpkg and apk catalogers name a package its own source when
    // the database names none; SBOM input follows them.
    if (p.source_name.empty() && (p.type == "deb" || p.type == "apk"))
      p.source_name = p.name;
    if (!p.source_name.empty() && p.source_version.empty() && core::is_os_package_type(p.type))
      p.source_version = p.version;

    p.found_at = std::move(evidence.found_at);
    if (!core::is_os_package_type(p.type))
      p.installed_by = std::move(evidence.installed_by);
    p.layer_digest = !evidence.layer_digest.empty() ? std::move(evidence.layer_digest)
                                                    : std::move(evidence.layer_diff_id);
    return p;
  }

private:
  // The upstream qualifier: "glibc", "glibc@2.36-9" (Syft's deb and apk
  // form) or a source rpm file name (Syft's rpm form).
  core::Status source_from_qualifier(const Purl& purl, Evidence& evidence,
                                     std::string_view where) const {
    const std::string upstream = qualifier(purl, "upstream");
    if (upstream.empty())
      return {};
    if (purl.type == "rpm" && upstream.ends_with(".src.rpm")) {
      if (!split_source_rpm(upstream, evidence.source_name, evidence.source_version))
        return error(where, fmt::format("cannot read the source rpm name '{}'",
                                        util::terminal_safe(upstream)));
      evidence.source_lacks_epoch = true;
      return {};
    }
    const auto at = upstream.find('@');
    evidence.source_name = upstream.substr(0, at);
    if (at != std::string::npos)
      evidence.source_version = upstream.substr(at + 1);
    return {};
  }

  // Trivy's source version is three properties; FormatSrcVersion in Trivy
  // (pkg/scan/utils) joins them as [EPOCH:]VERSION[-RELEASE], epoch 0 left out.
  core::Status trivy_source_version(Evidence& evidence, std::string_view where) const {
    std::string version = evidence.trivy_src_version;
    if (!evidence.trivy_src_release.empty())
      version += "-" + evidence.trivy_src_release;
    const std::string& epoch = evidence.trivy_src_epoch;
    if (!epoch.empty()) {
      if (!all_digits(epoch))
        return error(where, fmt::format("aquasecurity:trivy:SrcEpoch '{}' is not a number",
                                        util::terminal_safe(epoch)));
      if (epoch.find_first_not_of('0') != std::string::npos)
        version = epoch.substr(epoch.find_first_not_of('0')) + ":" + version;
    }
    evidence.source_version = std::move(version);
    return {};
  }
};

// Reads one CycloneDX property into EVIDENCE when it is one moat knows.
void take_property(std::string_view name, std::string value, Evidence& e) {
  if (value.empty())
    return;
  auto set_once = [&](std::string& field) {
    if (field.empty())
      field = value;
  };
  if (name == "moat:source-name" || name == "aquasecurity:trivy:SrcName" ||
      name == "syft:metadata:source" || name == "syft:metadata:originPackage") {
    set_once(e.source_name);
  } else if (name == "moat:source-version" || name == "syft:metadata:sourceVersion") {
    set_once(e.source_version);
  } else if (name == "syft:metadata:sourceRpm") {
    if (e.source_name.empty()) {
      std::string source_name, source_version;
      if (split_source_rpm(value, source_name, source_version)) {
        e.source_name = std::move(source_name);
        e.source_version = std::move(source_version);
        e.source_lacks_epoch = true;
      }
    }
  } else if (name == "aquasecurity:trivy:SrcVersion") {
    set_once(e.trivy_src_version);
  } else if (name == "aquasecurity:trivy:SrcRelease") {
    set_once(e.trivy_src_release);
  } else if (name == "aquasecurity:trivy:SrcEpoch") {
    set_once(e.trivy_src_epoch);
  } else if (name == "moat:installed-by") {
    set_once(e.installed_by);
  } else if (name == "moat:found-at" || name == "syft:location:0:path") {
    set_once(e.found_at);
  } else if (name == "aquasecurity:trivy:FilePath") {
    // Trivy's paths are relative to the image root; moat's are absolute.
    if (e.found_at.empty())
      e.found_at = value.starts_with('/') ? value : "/" + value;
  } else if (name == "moat:layer:digest" || name == "moat:layer-digest" ||
             name == "aquasecurity:trivy:LayerDigest") {
    // moat's layer digest is the blob digest, which is Trivy's LayerDigest;
    // the diff id (Trivy's LayerDiffID, Syft's layerID) is the fallback.
    set_once(e.layer_digest);
  } else if (name == "aquasecurity:trivy:LayerDiffID" || name == "syft:location:0:layerID") {
    set_once(e.layer_diff_id);
  }
}

class CycloneDxReader {
public:
  explicit CycloneDxReader(const Reader& reader) : m_reader(reader) {}

  SbomInput finish() { return std::move(m_out); }

  // Component C at WHERE, DEPTH lists deep, and the components nested in it.
  core::Status element(const Json& c, const std::string& where, int depth) {
    if (!c.is_object())
      return m_reader.error(where, "a component must be an object");
    MOAT_TRY(component(c, where));
    auto nested = m_reader.array(c, "components", where);
    if (!nested)
      return std::unexpected(nested.error());
    if (*nested != nullptr)
      MOAT_TRY(components(**nested, where + ".components", depth + 1));
    return {};
  }

  core::Status components(const Json& list, const std::string& path, int depth) {
    if (depth > k_max_component_depth)
      return m_reader.error(path, "components are nested too deeply", ErrorKind::limit);
    for (std::size_t i = 0; i < list.size(); ++i)
      MOAT_TRY(element(list[i], fmt::format("{}[{}]", path, i), depth));
    return {};
  }

private:
  core::Status component(const Json& c, const std::string& where) {
    auto type = m_reader.string(c, "type", where);
    auto name = m_reader.string(c, "name", where);
    auto version = m_reader.string(c, "version", where);
    auto purl = m_reader.string(c, "purl", where);
    for (const auto* field : {&type, &name, &version, &purl})
      if (!*field)
        return std::unexpected(field->error());
    if (*type == "operating-system") {
      if (m_out.os_id.empty()) {
        m_out.os_id = util::to_lower(*name);
        m_out.os_version = *version;
      }
      return {};
    }
    if (purl->empty())
      return {}; // files, the image itself, applications without an identity
    Evidence evidence;
    evidence.version = *version;
    auto properties = m_reader.array(c, "properties", where);
    if (!properties)
      return std::unexpected(properties.error());
    if (*properties != nullptr) {
      for (const auto& property : **properties) {
        if (!property.is_object())
          return m_reader.error(where, "a property must be an object");
        auto property_name = m_reader.string(property, "name", where);
        auto value = m_reader.string(property, "value", where);
        if (!property_name)
          return std::unexpected(property_name.error());
        if (!value)
          return std::unexpected(value.error());
        take_property(*property_name, std::move(*value), evidence);
      }
    }
    auto package = m_reader.package(*purl, std::move(evidence), where);
    if (!package)
      return std::unexpected(package.error());
    m_out.packages.push_back(*package);
    return {};
  }

  const Reader& m_reader;
  SbomInput m_out;
};

// SPDX enumerations are spelled with '-' in tag-value and 2.3 JSON, with '_'
// in 2.2 JSON and by some writers: compare them in one spelling.
std::string spdx_word(std::string_view word) {
  std::string out = util::to_upper(word);
  std::ranges::replace(out, '_', '-');
  return out;
}

// sourceInfo as Trivy ("built package from: NAME VERSION") and moat
// ("acquired package info from PATH in layer DIGEST") write it.
void read_source_info(std::string_view info, Evidence& e) {
  constexpr std::string_view k_trivy = "built package from";
  constexpr std::string_view k_moat = "acquired package info from ";
  if (info.starts_with(k_trivy)) {
    info.remove_prefix(k_trivy.size());
    if (info.starts_with(':'))
      info.remove_prefix(1);
    info = util::trim(info);
    const auto space = info.find(' ');
    e.source_name = std::string(info.substr(0, space));
    if (space != std::string_view::npos)
      e.source_version = std::string(util::trim(info.substr(space + 1)));
    return;
  }
  if (!info.starts_with(k_moat))
    return;
  info.remove_prefix(k_moat.size());
  constexpr std::string_view k_layer = "layer ";
  constexpr std::string_view k_in_layer = " in layer ";
  if (info.starts_with(k_layer)) {
    e.layer_digest = std::string(info.substr(k_layer.size()));
    return;
  }
  // Syft writes "acquired package info from DPKG DB: /var/lib/...": only a
  // path that starts at the root is moat's.
  if (!info.starts_with('/'))
    return;
  const auto in_layer = info.rfind(k_in_layer);
  if (in_layer != std::string_view::npos) {
    e.layer_digest = std::string(info.substr(in_layer + k_in_layer.size()));
    info = info.substr(0, in_layer);
  }
  e.found_at = std::string(info);
}

// "LayerDiffID: sha256:..." and the like, as Trivy writes them in
// attributionTexts or annotation comments.
void read_trivy_note(std::string_view note, Evidence& e) {
  const auto colon = note.find(": ");
  if (colon == std::string_view::npos)
    return;
  take_property(fmt::format("aquasecurity:trivy:{}", note.substr(0, colon)),
                std::string(util::trim(note.substr(colon + 2))), e);
}

// Strings kept end to end in one buffer, each named by its offset and
// size: ids and relationships of a large SPDX document cost their text.
class StringArena {
public:
  struct Ref {
    std::uint64_t offset = 0;
    std::uint32_t size = 0;
  };
  Ref add(std::string_view s) {
    Ref ref{m_text.size(), static_cast<std::uint32_t>(s.size())};
    m_text += s;
    return ref;
  }
  [[nodiscard]] std::string_view view(Ref ref) const {
    return std::string_view(m_text).substr(ref.offset, ref.size);
  }

private:
  std::string m_text;
};

// SPDXID -> index in the package list; the first package with an id wins.
class IdIndex {
public:
  void add(std::string_view id, std::size_t package) {
    m_entries.push_back({m_ids.add(id), package});
    m_sorted = false;
  }
  [[nodiscard]] std::optional<std::size_t> find(std::string_view id) {
    if (!m_sorted) {
      std::ranges::stable_sort(m_entries, [this](const Entry& a, const Entry& b) {
        return m_ids.view(a.id) < m_ids.view(b.id);
      });
      m_sorted = true;
    }
    const auto it = std::ranges::lower_bound(m_entries, id, std::less<>{},
                                             [this](const Entry& e) { return m_ids.view(e.id); });
    if (it == m_entries.end() || m_ids.view(it->id) != id)
      return std::nullopt;
    return it->package;
  }

private:
  struct Entry {
    StringArena::Ref id;
    std::size_t package = 0;
  };
  StringArena m_ids;
  std::vector<Entry> m_entries;
  bool m_sorted = true;
};

// An SPDX document read element by element: packages as they come, and
// the CONTAINS relationships kept to be applied once every package is
// known ("A CONTAINS B" where A is an OS package and B a language package
// is moat's record that A installed B; see write_spdx).
class SpdxReader {
public:
  explicit SpdxReader(const Reader& reader) : m_reader(reader) {}

  core::Status package(const Json& p, const std::string& where) {
    if (!p.is_object())
      return m_reader.error(where, "a package must be an object");
    auto name = m_reader.string(p, "name", where);
    auto spdx_id = m_reader.string(p, "SPDXID", where);
    auto version = m_reader.string(p, "versionInfo", where);
    auto purpose = m_reader.string(p, "primaryPackagePurpose", where);
    auto source_info = m_reader.string(p, "sourceInfo", where);
    auto refs = m_reader.array(p, "externalRefs", where);
    for (const auto* field : {&name, &spdx_id, &version, &purpose, &source_info})
      if (!*field)
        return std::unexpected(field->error());
    if (!refs)
      return std::unexpected(refs.error());
    const std::string word = spdx_word(*purpose);
    if (word == "OPERATING-SYSTEM") {
      if (m_out.os_id.empty()) {
        m_out.os_id = util::to_lower(*name);
        m_out.os_version = *version;
      }
      return {};
    }
    if (word == "CONTAINER")
      return {}; // the scanned image itself
    std::string purl;
    if (*refs != nullptr) {
      for (const auto& ref : **refs) {
        if (!ref.is_object())
          return m_reader.error(where, "an external reference must be an object");
        auto category = m_reader.string(ref, "referenceCategory", where);
        auto type = m_reader.string(ref, "referenceType", where);
        auto locator = m_reader.string(ref, "referenceLocator", where);
        for (const auto* field : {&category, &type, &locator})
          if (!*field)
            return std::unexpected(field->error());
        if (spdx_word(*category) == "PACKAGE-MANAGER" && util::iequals(*type, "purl") &&
            !locator->empty()) {
          purl = std::move(*locator);
          break;
        }
      }
    }
    if (purl.empty())
      return {};
    Evidence evidence;
    evidence.version = *version == "NOASSERTION" ? std::string() : *version;
    read_source_info(*source_info, evidence);
    auto texts = m_reader.array(p, "attributionTexts", where);
    if (!texts)
      return std::unexpected(texts.error());
    if (*texts != nullptr)
      for (const auto& text : **texts)
        if (text.is_string())
          read_trivy_note(text.get<std::string>(), evidence);
    auto annotations = m_reader.array(p, "annotations", where);
    if (!annotations)
      return std::unexpected(annotations.error());
    if (*annotations != nullptr)
      for (const auto& annotation : **annotations) {
        if (!annotation.is_object())
          continue;
        auto comment = m_reader.string(annotation, "comment", where);
        if (comment)
          read_trivy_note(*comment, evidence);
      }
    auto package = m_reader.package(purl, std::move(evidence), where);
    if (!package)
      return std::unexpected(package.error());
    if (!spdx_id->empty())
      m_index.add(*spdx_id, m_out.packages.size());
    m_os_package.push_back(core::is_os_package_type(package->type));
    m_out.packages.push_back(*package);
    return {};
  }

  core::Status relationship(const Json& r, const std::string& where) {
    if (!r.is_object())
      return m_reader.error(where, "a relationship must be an object");
    auto from = m_reader.string(r, "spdxElementId", where);
    auto type = m_reader.string(r, "relationshipType", where);
    auto to = m_reader.string(r, "relatedSpdxElement", where);
    for (const auto* field : {&from, &type, &to})
      if (!*field)
        return std::unexpected(field->error());
    const auto word = spdx_word(*type);
    if (word == "CONTAINED-BY")
      std::swap(*from, *to);
    else if (word != "CONTAINS")
      return {};
    m_contains.emplace_back(m_relations.add(*from), m_relations.add(*to));
    return {};
  }

  // Applies the CONTAINS relationships and hands the packages over.
  SbomInput finish() {
    for (const auto& [from, to] : m_contains) {
      const auto owner = m_index.find(m_relations.view(from));
      const auto owned = m_index.find(m_relations.view(to));
      if (!owner || !owned || !m_os_package[*owner] || m_os_package[*owned] ||
          !m_out.packages[*owned].installed_by.empty())
        continue; // the first OS package to claim it wins
      m_out.packages.set_installed_by(*owned, m_out.packages[*owner].name);
    }
    return std::move(m_out);
  }

private:
  const Reader& m_reader;
  SbomInput m_out;
  IdIndex m_index;
  std::vector<bool> m_os_package; // by package index
  StringArena m_relations;
  std::vector<std::pair<StringArena::Ref, StringArena::Ref>> m_contains;
};

// The first package purl's distro qualifier, for documents without an OS entry.
void os_from_distro(SbomInput& out) {
  if (!out.os_id.empty())
    return;
  for (const auto& p : out.packages) {
    auto purl = parse_purl(p.purl);
    if (!purl)
      continue;
    auto distro = qualifier(*purl, "distro");
    if (distro.empty())
      continue;
    if (distro.front() >= '0' && distro.front() <= '9') {
      // Trivy's apk purls give the version alone ("3.19.1").
      out.os_id = util::to_lower(purl->namespace_);
      out.os_version = distro;
    } else {
      std::tie(out.os_id, out.os_version) = split_distro(distro);
    }
    return;
  }
}

} // namespace

std::optional<Purl> parse_purl(std::string_view text) {
  // Right to left, as the purl spec's parsing steps go: subpath, qualifiers,
  // scheme, type, version, name, namespace.
  Purl purl;
  std::string_view rest = text;
  if (const auto hash = rest.rfind('#'); hash != std::string_view::npos) {
    auto subpath = decode_segments(rest.substr(hash + 1), true);
    if (!subpath)
      return std::nullopt;
    purl.subpath = std::move(*subpath);
    rest = rest.substr(0, hash);
  }
  if (const auto question = rest.rfind('?'); question != std::string_view::npos) {
    for (auto pair : util::split(rest.substr(question + 1), '&')) {
      const auto equals = pair.find('=');
      if (equals == std::string_view::npos || equals == 0)
        continue;
      auto value = percent_decode(pair.substr(equals + 1));
      if (!value)
        return std::nullopt;
      if (value->empty())
        continue;
      purl.qualifiers.emplace_back(util::to_lower(pair.substr(0, equals)), std::move(*value));
    }
    rest = rest.substr(0, question);
  }
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos || !util::iequals(rest.substr(0, colon), "pkg"))
    return std::nullopt;
  rest = rest.substr(colon + 1);
  while (rest.starts_with('/'))
    rest.remove_prefix(1);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || !valid_type(rest.substr(0, slash)))
    return std::nullopt;
  purl.type = util::to_lower(rest.substr(0, slash));
  rest = rest.substr(slash + 1);
  // The version follows the last '@' of the name: an '@' before the last
  // '/' belongs to the namespace (an unencoded npm scope).
  if (const auto at = rest.rfind('@');
      at != std::string_view::npos && rest.find('/', at) == std::string_view::npos) {
    auto version = percent_decode(rest.substr(at + 1));
    if (!version)
      return std::nullopt;
    purl.version = std::move(*version);
    rest = rest.substr(0, at);
  }
  while (rest.ends_with('/'))
    rest.remove_suffix(1);
  const auto last_slash = rest.rfind('/');
  auto name =
      percent_decode(last_slash == std::string_view::npos ? rest : rest.substr(last_slash + 1));
  if (!name || name->empty())
    return std::nullopt;
  purl.name = std::move(*name);
  if (last_slash != std::string_view::npos) {
    auto namespace_ = decode_segments(rest.substr(0, last_slash), false);
    if (!namespace_)
      return std::nullopt;
    purl.namespace_ = std::move(*namespace_);
  }
  return purl;
}

std::string qualifier(const Purl& purl, std::string_view key) {
  for (const auto& [k, v] : purl.qualifiers)
    if (util::iequals(k, key))
      return v;
  return {};
}

std::string ecosystem_of(const Purl& purl) {
  const std::string type = util::to_lower(purl.type);
  const std::string namespace_ = util::to_lower(purl.namespace_);
  if (type == "deb") {
    if (namespace_ == "debian")
      return "Debian";
    if (namespace_ == "ubuntu")
      return "Ubuntu";
    return {};
  }
  if (type == "apk")
    return namespace_ == "alpine" ? "Alpine" : std::string();
  static constexpr std::pair<std::string_view, std::string_view> k_types[] = {
      {"cargo", "crates.io"}, {"composer", "Packagist"}, {"gem", "RubyGems"},
      {"golang", "Go"},       {"maven", "Maven"},        {"npm", "npm"},
      {"nuget", "NuGet"},     {"pypi", "PyPI"},          {"rpm", "Red Hat"},
  };
  for (const auto& [purl_type, ecosystem] : k_types)
    if (type == purl_type)
      return std::string(ecosystem);
  return {};
}

DocumentKind sniff_document(std::string_view head) {
  if (head.starts_with("\xef\xbb\xbf"))
    head.remove_prefix(3);
  head = util::trim_left(head);
  if (head.empty())
    return DocumentKind::empty;
  if (head.front() == '{')
    return DocumentKind::json;
  if (head.front() == '<')
    return DocumentKind::xml;
  if (head.starts_with("SPDXVersion:"))
    return DocumentKind::spdx_tag_value;
  return DocumentKind::other;
}

namespace {

// The document's bytes as nlohmann's parser takes them: an input iterator
// over chunks read on demand, counting lines so that a syntax error can be
// placed without the text at hand.
class ChunkStream {
public:
  explicit ChunkStream(const ReadChunk& read) : m_read(read), m_buffer(1U << 16) {}

  bool at_end() {
    if (m_pos < m_size)
      return false;
    if (m_done)
      return true;
    auto got = m_read(std::span<char>(m_buffer));
    if (!got) {
      m_error = std::move(got.error());
      m_done = true;
      return true;
    }
    m_pos = 0;
    m_size = *got;
    m_done = *got == 0;
    return m_size == 0;
  }
  [[nodiscard]] char peek() const { return m_buffer[m_pos]; }
  void advance() {
    m_before_newlines = m_newlines;
    m_before_line_start = m_line_start;
    if (m_buffer[m_pos++] == '\n') {
      ++m_newlines;
      m_line_start = m_consumed + 1;
    }
    ++m_consumed;
  }

  // The 1-based line and column of nlohmann's 1-based BYTE, as
  // json_error_position finds them in the whole text.
  [[nodiscard]] std::pair<int, int> position(std::size_t byte) const {
    const std::size_t offset = byte == 0 ? 0 : byte - 1;
    const bool last = m_consumed > 0 && offset == m_consumed - 1;
    const std::size_t newlines = last ? m_before_newlines : m_newlines;
    const std::size_t line_start = last ? m_before_line_start : m_line_start;
    const std::size_t at = std::min(offset, m_consumed);
    auto clamp = [](std::size_t n) { return static_cast<int>(std::min<std::size_t>(n, INT_MAX)); };
    return {clamp(newlines + 1), clamp(at - std::min(at, line_start) + 1)};
  }
  [[nodiscard]] const std::optional<std::string>& error() const { return m_error; }

private:
  const ReadChunk& m_read;
  std::vector<char> m_buffer;
  std::size_t m_pos = 0, m_size = 0;
  bool m_done = false;
  std::optional<std::string> m_error;
  std::size_t m_consumed = 0, m_newlines = 0, m_line_start = 0;
  std::size_t m_before_newlines = 0, m_before_line_start = 0;
};

class ChunkIterator {
public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  ChunkIterator() = default;
  explicit ChunkIterator(ChunkStream* stream) : m_stream(stream) {}
  char operator*() const { return m_stream->peek(); }
  ChunkIterator& operator++() {
    m_stream->advance();
    return *this;
  }
  ChunkIterator operator++(int) {
    auto old = *this;
    m_stream->advance();
    return old;
  }
  bool operator==(const ChunkIterator& other) const { return ended() == other.ended(); }

private:
  [[nodiscard]] bool ended() const { return m_stream == nullptr || m_stream->at_end(); }
  ChunkStream* m_stream = nullptr;
};

// The top-level arrays whose elements are read.
enum class List : std::uint8_t { components, packages, relationships };

std::optional<List> list_named(std::string_view key) {
  if (key == "components")
    return List::components;
  if (key == "packages")
    return List::packages;
  if (key == "relationships")
    return List::relationships;
  return std::nullopt;
}

// Walks the document with nlohmann's SAX parser. Each element of a
// top-level components, packages or relationships array is built as a
// small DOM and handed to ON_ELEMENT, then dropped; the top-level strings
// that say which format the document is are kept; everything else is
// skipped. Memory is one element, not the document.
class SbomSax final : public nlohmann::json_sax<Json> {
public:
  using OnElement = std::function<void(List, std::size_t, Json&&)>;
  explicit SbomSax(OnElement on_element) : m_on_element(std::move(on_element)) {}

  bool null() override { return value(Json(nullptr)); }
  bool boolean(bool v) override { return value(Json(v)); }
  bool number_integer(number_integer_t v) override { return value(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return value(Json(v)); }
  bool number_float(number_float_t v, const string_t& /*text*/) override { return value(Json(v)); }
  bool string(string_t& v) override { return value(Json(std::move(v))); }
  bool binary(binary_t& v) override { return value(Json::binary(std::move(v))); }
  bool start_object(std::size_t /*elements*/) override { return start(Json::object()); }
  bool start_array(std::size_t /*elements*/) override { return start(Json::array()); }
  bool end_object() override { return end(); }
  bool end_array() override { return end(); }
  bool key(string_t& k) override {
    if (m_depth == 1)
      m_key = k;
    else if (!m_stack.empty())
      m_member = std::move(k);
    return true;
  }
  bool parse_error(std::size_t byte, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& e) override {
    m_error_byte = byte;
    m_error_detail = json_error_detail(e);
    return false;
  }

  [[nodiscard]] bool root_object() const { return m_root_object; }
  [[nodiscard]] std::optional<std::size_t> error_byte() const { return m_error_byte; }
  [[nodiscard]] const std::string& error_detail() const { return m_error_detail; }
  // A top-level member (bomFormat, specVersion, spdxVersion); null when absent.
  [[nodiscard]] const Json& top(std::string_view key) const {
    static const Json k_null;
    const auto it = m_top.find(key);
    return it == m_top.end() ? k_null : it->second;
  }
  // True when a top-level KEY was there and was not an array (nor null).
  [[nodiscard]] bool not_array(List list) const {
    return std::ranges::find(m_not_arrays, list) != m_not_arrays.end();
  }

private:
  bool building() const { return m_list && (m_depth == 2 || !m_stack.empty()); }

  // Puts V where the element being built expects its next value.
  Json* place(Json&& v) {
    if (m_stack.empty()) {
      m_element = std::move(v);
      return &m_element;
    }
    Json* top = m_stack.back();
    if (top->is_array()) {
      top->push_back(std::move(v));
      return &top->back();
    }
    Json& slot = (*top)[m_member];
    slot = std::move(v);
    return &slot;
  }

  void top_level(Json&& v) {
    if (const auto list = list_named(m_key)) {
      if (!v.is_array() && !v.is_null())
        m_not_arrays.push_back(*list);
      return;
    }
    if (m_key == "bomFormat" || m_key == "specVersion" || m_key == "spdxVersion")
      m_top.insert_or_assign(m_key, std::move(v));
  }

  bool value(Json&& v) {
    if (m_depth == 0)
      return true; // a scalar document: not an object
    if (m_depth == 1) {
      top_level(std::move(v));
      return true;
    }
    if (!building())
      return true;
    if (m_stack.empty())
      m_on_element(*m_list, m_count[static_cast<std::size_t>(*m_list)]++, std::move(v));
    else
      place(std::move(v));
    return true;
  }

  bool start(Json&& container) {
    if (m_depth == 0) {
      m_root_object = container.is_object();
    } else if (m_depth == 1) {
      m_list.reset();
      if (m_root_object) {
        const auto list = list_named(m_key);
        if (list && container.is_array())
          m_list = list;
        else if (list)
          m_not_arrays.push_back(*list);
        else if (m_key == "specVersion" || m_key == "bomFormat" || m_key == "spdxVersion")
          m_top.insert_or_assign(m_key, container); // kept to be named in the error
      }
    } else if (building()) {
      m_stack.push_back(place(std::move(container)));
    }
    ++m_depth;
    return true;
  }

  bool end() {
    --m_depth;
    if (m_depth >= 2 && !m_stack.empty()) {
      m_stack.pop_back();
      if (m_stack.empty())
        m_on_element(*m_list, m_count[static_cast<std::size_t>(*m_list)]++, std::move(m_element));
    }
    if (m_depth <= 1)
      m_list.reset();
    return true;
  }

  OnElement m_on_element;
  int m_depth = 0; // open containers
  bool m_root_object = false;
  std::string m_key;    // the current top-level member
  std::string m_member; // the current member inside the element being built
  std::optional<List> m_list;
  std::array<std::size_t, 3> m_count{};
  std::vector<Json*> m_stack;
  Json m_element;
  std::map<std::string, Json, std::less<>> m_top;
  std::vector<List> m_not_arrays;
  std::optional<std::size_t> m_error_byte;
  std::string m_error_detail;
};

core::Result<SbomInput> read_sbom_stream(const ReadChunk& read, std::string_view name) {
  const Reader reader(name);
  CycloneDxReader cdx(reader);
  SpdxReader spdx(reader);
  std::optional<core::Error> cdx_error, spdx_error, relation_error;
  auto keep_first = [](std::optional<core::Error>& first, const core::Status& status) {
    if (!status && !first)
      first = status.error();
  };
  SbomSax sax([&](List list, std::size_t index, Json&& element) {
    switch (list) {
    case List::components:
      if (!cdx_error)
        keep_first(cdx_error, cdx.element(element, fmt::format("components[{}]", index), 0));
      break;
    case List::packages:
      if (!spdx_error)
        keep_first(spdx_error, spdx.package(element, fmt::format("packages[{}]", index)));
      break;
    case List::relationships:
      if (!relation_error)
        keep_first(relation_error,
                   spdx.relationship(element, fmt::format("relationships[{}]", index)));
      break;
    }
  });
  ChunkStream stream(read);
  (void)Json::sax_parse(ChunkIterator(&stream), ChunkIterator(), &sax);
  if (stream.error())
    return core::fail(ErrorKind::io, std::string(name), *stream.error());
  if (const auto byte = sax.error_byte()) {
    const auto [line, column] = stream.position(*byte);
    return core::fail(ErrorKind::parse, std::string(name),
                      fmt::format("invalid JSON: {}", sax.error_detail()), line, column);
  }
  const Json& format = sax.top("bomFormat");
  const Json& spdx_version = sax.top("spdxVersion");
  SbomInput out;
  if (sax.root_object() && format.is_string() && format.get<std::string>() == "CycloneDX") {
    // The schema makes specVersion a string ("1.5"); a number or another
    // family is a document moat would only be guessing about.
    const Json& version = sax.top("specVersion");
    if (!version.is_null() && !version.is_string())
      return core::fail(ErrorKind::parse, std::string(name),
                        fmt::format("CycloneDX specVersion must be a string such as \"1.5\" (got "
                                    "{})",
                                    util::terminal_safe(version.dump())));
    const auto v = version.is_string() ? version.get<std::string>() : std::string("1.5");
    if (v.size() != 3 || v[0] != '1' || v[1] != '.' || v[2] < '0' || v[2] > '6')
      return core::fail(ErrorKind::parse, std::string(name),
                        fmt::format("unsupported CycloneDX specVersion \"{}\" (moat reads 1.0 to "
                                    "1.6)",
                                    util::terminal_safe(v)));
    if (sax.not_array(List::components))
      return reader.error("document", "components must be an array");
    if (cdx_error)
      return std::unexpected(std::move(*cdx_error));
    out = cdx.finish();
    out.format = "cyclonedx";
  } else if (sax.root_object() && spdx_version.is_string() &&
             spdx_version.get<std::string>().starts_with("SPDX-2.")) {
    if (sax.not_array(List::packages))
      return reader.error("document", "packages must be an array");
    if (spdx_error)
      return std::unexpected(std::move(*spdx_error));
    if (sax.not_array(List::relationships))
      return reader.error("document", "relationships must be an array");
    if (relation_error)
      return std::unexpected(std::move(*relation_error));
    out = spdx.finish();
    out.format = "spdx";
  } else {
    return core::fail(ErrorKind::parse, std::string(name), "not a CycloneDX or SPDX JSON document");
  }
  os_from_distro(out);
  return out;
}

} // namespace

core::Result<SbomInput> read_sbom(const ReadChunk& read, std::string_view name) {
  return read_sbom_stream(read, name);
}

core::Result<SbomInput> read_sbom(std::string_view text, std::string_view name) {
  std::size_t at = 0;
  const ReadChunk read = [&](std::span<char> buffer) -> std::expected<std::size_t, std::string> {
    const std::size_t n = std::min(buffer.size(), text.size() - at);
    std::copy_n(text.data() + at, n, buffer.data());
    at += n;
    return n;
  };
  return read_sbom_stream(read, name);
}

} // namespace moat::vuln
