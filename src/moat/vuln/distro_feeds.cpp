// Distribution feeds: the Debian Security Tracker's JSON export and Alpine's
// secdb, mapped onto OSV-shaped advisories (one per vulnerability id, one
// Affected per source package and release).

#include <moat/core/json_read.hpp>
#include <moat/util/strings.hpp>
#include <moat/vuln/feeds.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <climits>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace moat::vuln {

using core::json_error_detail;
using core::json_syntax_error;
using core::member;

namespace {

using Json = nlohmann::json;

// Codename -> release number as the OSV Debian ecosystem writes it
// ("Debian:12"). The releases before squeeze keep distro-info-data's dotted
// numbers, which are the only names they ever had.
constexpr std::array<std::pair<std::string_view, std::string_view>, 20> k_debian_releases{{
    {"bo", "1.3"},    {"bookworm", "12"}, {"bullseye", "11"}, {"buster", "10"}, {"buzz", "1.1"},
    {"duke", "15"},   {"etch", "4.0"},    {"forky", "14"},    {"hamm", "2.0"},  {"jessie", "8"},
    {"lenny", "5.0"}, {"potato", "2.2"},  {"rex", "1.2"},     {"sarge", "3.1"}, {"slink", "2.1"},
    {"squeeze", "6"}, {"stretch", "9"},   {"trixie", "13"},   {"wheezy", "7"},  {"woody", "3.0"},
}};

// Advisories in the order their ids first appear, found again by id when a
// later package or entry names the same vulnerability.
class AdvisoryTable {
public:
  // The advisory for ID; on first use it is created with the reference
  // REFERENCE_PREFIX + ID, unless the prefix is empty.
  Advisory& get(std::string_view id, std::string_view reference_prefix) {
    auto [it, inserted] = m_index.try_emplace(std::string(id), m_advisories.size());
    if (inserted) {
      Advisory& adv = m_advisories.emplace_back();
      adv.id = id;
      if (!reference_prefix.empty())
        adv.references.push_back(fmt::format("{}{}", reference_prefix, id));
    }
    return m_advisories[it->second];
  }

  [[nodiscard]] std::vector<Advisory> take() && { return std::move(m_advisories); }

private:
  std::vector<Advisory> m_advisories;
  std::unordered_map<std::string, std::size_t> m_index;
};

// A range that every version from the first on is in, up to FIXED if given.
Range from_the_start(std::string fixed = {}) {
  Range range;
  range.type = Range::Type::ecosystem;
  range.events.push_back(Event{Event::Kind::introduced, "0"});
  if (!fixed.empty())
    range.events.push_back(Event{Event::Kind::fixed, std::move(fixed)});
  return range;
}

// ---- Debian ----------------------------------------------------------------

// The tracker marks some urgencies with a trailing "*" or "**" ("low**"); the
// word before the stars is the urgency.
std::string clean_urgency(std::string_view text) {
  text = util::trim(text);
  while (!text.empty() && text.back() == '*')
    text.remove_suffix(1);
  return std::string(util::trim(text));
}

constexpr std::string_view k_debian_tracker_url = "https://security-tracker.debian.org/tracker/";

// Builds advisories one source package at a time. The tracker export is large
// (tens of megabytes), so the parser hands over each package's object as soon
// as it is complete and drops it afterwards instead of building the whole DOM.
class DebianBuilder {
public:
  explicit DebianBuilder(std::string_view name) : m_name(name) {}

  core::Status add_package(const std::string& package, Json& entries) {
    if (!entries.is_object())
      return bad(fmt::format("package {} is not an object", package));
    for (auto& [id, entry] : entries.get_ref<Json::object_t&>())
      MOAT_TRY(add_entry(package, id, entry));
    return {};
  }

  [[nodiscard]] std::vector<Advisory> take() && { return std::move(m_table).take(); }

  [[nodiscard]] std::unexpected<core::Error> bad(std::string message) const {
    return core::fail(core::ErrorKind::parse, std::string(m_name), std::move(message));
  }

private:
  std::string_view m_name;
  AdvisoryTable m_table;

  core::Status add_entry(const std::string& package, const std::string& id, Json& entry) {
    if (!entry.is_object())
      return bad(fmt::format("package {}, {}: entry is not an object", package, id));
    Advisory& adv = m_table.get(id, k_debian_tracker_url);
    if (Json* description = member(entry, "description")) {
      if (!description->is_string())
        return bad(fmt::format("package {}, {}: field description is not a string", package, id));
      // The same CVE is described once per package, mostly identically.
      if (adv.summary.empty())
        adv.summary = std::move(description->get_ref<std::string&>());
    }
    Json* releases = member(entry, "releases");
    if (releases == nullptr)
      return {};
    if (!releases->is_object())
      return bad(fmt::format("package {}, {}: field releases is not an object", package, id));
    for (auto& [codename, release] : releases->get_ref<Json::object_t&>()) {
      std::string_view number = debian_release(codename);
      if (number.empty())
        continue; // sid, experimental and codenames not yet known
      auto affected = map_release(package, id, codename, release);
      if (!affected)
        return std::unexpected(std::move(affected).error());
      affected->ecosystem = fmt::format("Debian:{}", number);
      affected->name = package;
      adv.affected.push_back(std::move(*affected));
    }
    return {};
  }

  // The string member KEY of a release object (empty when absent).
  core::Result<std::string> release_field(Json& release, std::string_view key,
                                          const std::string& package, const std::string& id,
                                          const std::string& codename) const {
    Json* value = member(release, key);
    if (value == nullptr)
      return std::string();
    if (!value->is_string())
      return bad(fmt::format("package {}, {}, release {}: field {} is not a string", package, id,
                             codename, key));
    return std::move(value->get_ref<std::string&>());
  }

  core::Result<Affected> map_release(const std::string& package, const std::string& id,
                                     const std::string& codename, Json& release) const {
    if (!release.is_object())
      return bad(fmt::format("package {}, {}, release {}: release is not an object", package, id,
                             codename));
    if (member(release, "status") == nullptr)
      return bad(fmt::format("package {}, {}, release {}: field status is missing", package, id,
                             codename));
    auto status = release_field(release, "status", package, id, codename);
    auto fixed_version = release_field(release, "fixed_version", package, id, codename);
    auto urgency_text = release_field(release, "urgency", package, id, codename);
    auto nodsa_reason = release_field(release, "nodsa_reason", package, id, codename);
    for (auto* field : {&status, &fixed_version, &urgency_text, &nodsa_reason})
      if (!*field)
        return std::unexpected(std::move(*field).error());

    std::string urgency = clean_urgency(*urgency_text);

    Affected affected;
    if (*status == "resolved") {
      // A resolved entry without a version has nothing to compare against; the
      // tracker's word is that this release is not vulnerable.
      if (fixed_version->empty() || *fixed_version == "0") {
        affected.state = FixState::not_affected;
      } else {
        affected.state = FixState::fixed;
        affected.ranges.push_back(from_the_start(std::move(*fixed_version)));
      }
    } else {
      // "open", "undetermined", and any status the tracker adds later: treat
      // the release as vulnerable rather than hide a possible finding.
      if (urgency == "end-of-life")
        affected.state = FixState::end_of_life;
      else if (*nodsa_reason == "ignored")
        affected.state = FixState::will_not_fix;
      else if (*nodsa_reason == "postponed")
        affected.state = FixState::deferred;
      else
        affected.state = FixState::affected;
      affected.ranges.push_back(from_the_start());
    }
    // "not yet assigned" and "end-of-life" say nothing about how severe it is.
    if (urgency != "not yet assigned" && urgency != "end-of-life")
      affected.severity = std::move(urgency);
    return affected;
  }
};

// ---- Alpine ----------------------------------------------------------------

constexpr std::string_view k_alpine_vuln_url = "https://security.alpinelinux.org/vuln/";

bool is_cve(std::string_view id) {
  return id.size() > 4 && id.starts_with("CVE-");
}

// Splits a secfixes entry on white space.
std::vector<std::string_view> entry_ids(std::string_view entry) {
  std::vector<std::string_view> ids;
  std::size_t pos = 0;
  while (pos < entry.size()) {
    std::size_t start = entry.find_first_not_of(" \t\r\n", pos);
    if (start == std::string_view::npos)
      break;
    std::size_t end = entry.find_first_of(" \t\r\n", start);
    if (end == std::string_view::npos)
      end = entry.size();
    ids.push_back(entry.substr(start, end - start));
    pos = end;
  }
  return ids;
}

void add_alias(Advisory& adv, std::string_view alias) {
  if (alias == adv.id ||
      std::find(adv.aliases.begin(), adv.aliases.end(), alias) != adv.aliases.end())
    return;
  adv.aliases.emplace_back(alias);
}

class AlpineBuilder {
public:
  explicit AlpineBuilder(std::string_view name) : m_name(name) {}

  core::Result<std::vector<Advisory>> build(Json& doc, std::string* feed) {
    if (!doc.is_object())
      return bad("the document is not an object");
    Json* version = member(doc, "distroversion");
    if (version == nullptr)
      return bad("field distroversion is missing");
    if (!version->is_string() || version->get_ref<std::string&>().empty())
      return bad("field distroversion is not a non-empty string");
    m_ecosystem = fmt::format("Alpine:{}", version->get_ref<std::string&>());
    if (feed != nullptr) {
      const Json* repo = member(doc, "reponame");
      *feed = fmt::format("alpine:{}/{}", version->get_ref<std::string&>(),
                          repo != nullptr && repo->is_string() ? repo->get<std::string>() : "");
    }
    Json* packages = member(doc, "packages");
    if (packages == nullptr)
      return bad("field packages is missing");
    if (!packages->is_array())
      return bad("field packages is not an array");
    std::size_t i = 0;
    for (Json& item : *packages)
      MOAT_TRY(add_package(i++, item));
    return std::move(m_table).take();
  }

private:
  std::string_view m_name;
  std::string m_ecosystem;
  AdvisoryTable m_table;

  [[nodiscard]] std::unexpected<core::Error> bad(std::string message) const {
    return core::fail(core::ErrorKind::parse, std::string(m_name), std::move(message));
  }

  core::Status add_package(std::size_t index, Json& item) {
    if (!item.is_object())
      return bad(fmt::format("field packages[{}] is not an object", index));
    Json* pkg = member(item, "pkg");
    if (pkg == nullptr)
      return bad(fmt::format("field packages[{}].pkg is missing", index));
    if (!pkg->is_object())
      return bad(fmt::format("field packages[{}].pkg is not an object", index));
    Json* name = member(*pkg, "name");
    if (name == nullptr || !name->is_string() || name->get_ref<std::string&>().empty())
      return bad(fmt::format("field packages[{}].pkg.name is not a non-empty string", index));
    const std::string& package = name->get_ref<std::string&>();
    Json* secfixes = member(*pkg, "secfixes");
    if (secfixes == nullptr)
      return {};
    if (!secfixes->is_object())
      return bad(fmt::format("field packages[{}].pkg.secfixes is not an object", index));
    for (auto& [version, entries] : secfixes->get_ref<Json::object_t&>()) {
      if (entries.is_null())
        continue;
      if (!entries.is_array())
        return bad(
            fmt::format("field packages[{}].pkg.secfixes.\"{}\" is not an array", index, version));
      std::size_t j = 0;
      for (Json& entry : entries) {
        if (!entry.is_string())
          return bad(fmt::format("field packages[{}].pkg.secfixes.\"{}\"[{}] is not a string",
                                 index, version, j));
        add_entry(package, version, entry.get_ref<std::string&>());
        ++j;
      }
    }
    return {};
  }

  // One secfixes line, such as "CVE-2023-1234 XSA-123". Each CVE on the line
  // gets an advisory and the other ids (XSA, GHSA, ...) become its aliases.
  // Two CVEs on one line are two vulnerabilities fixed together, not aliases
  // of each other: OSV aliases must name the same vulnerability. A line with
  // no CVE takes its first id as the advisory id and the rest as aliases.
  void add_entry(const std::string& package, const std::string& version, std::string_view entry) {
    std::vector<std::string_view> ids = entry_ids(entry);
    if (ids.empty())
      return;
    std::vector<std::string_view> primaries;
    for (std::string_view id : ids)
      if (is_cve(id))
        primaries.push_back(id);
    if (primaries.empty())
      primaries.push_back(ids.front());
    for (std::string_view primary : primaries) {
      // security.alpinelinux.org only has pages for CVE ids.
      Advisory& adv = m_table.get(primary, is_cve(primary) ? k_alpine_vuln_url : "");
      for (std::string_view id : ids)
        if (std::find(primaries.begin(), primaries.end(), id) == primaries.end())
          add_alias(adv, id);
      Affected affected;
      affected.ecosystem = m_ecosystem;
      affected.name = package;
      if (version == "0") {
        affected.state = FixState::not_affected;
      } else {
        affected.state = FixState::fixed;
        affected.ranges.push_back(from_the_start(version));
      }
      adv.affected.push_back(std::move(affected));
    }
  }
};

} // namespace

std::string_view debian_release(std::string_view codename) {
  for (const auto& [known, number] : k_debian_releases)
    if (known == codename)
      return number;
  return {};
}

core::Result<std::vector<Advisory>> parse_debian_tracker(std::string_view text,
                                                         std::string_view name) {
  DebianBuilder builder(name);
  std::optional<core::Error> failure;
  bool top_is_object = false;
  std::string package;
  // Depth 0 is the document, depth 1 a source package's value. Returning
  // false drops the value just parsed, which is how each package is released
  // once mapped; after a failure everything is dropped.
  auto on_event = [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
    if (failure)
      return false;
    switch (event) {
    case Json::parse_event_t::object_start:
      if (depth == 0)
        top_is_object = true;
      return true;
    case Json::parse_event_t::key:
      if (depth == 1 && top_is_object)
        package = parsed.get<std::string>();
      return true;
    case Json::parse_event_t::object_end:
      if (depth == 1 && top_is_object) {
        if (auto added = builder.add_package(package, parsed); !added)
          failure = std::move(added).error();
        return false;
      }
      return true;
    case Json::parse_event_t::array_end:
    case Json::parse_event_t::value:
      if (depth == 1 && top_is_object) {
        failure = builder.bad(fmt::format("package {} is not an object", package)).error();
        return false;
      }
      return true;
    case Json::parse_event_t::array_start:
      return true;
    }
    return true;
  };
  try {
    Json doc = Json::parse(text.begin(), text.end(), on_event);
    if (failure)
      return std::unexpected(std::move(*failure));
    if (!top_is_object || !doc.is_object())
      return builder.bad("the document is not an object");
  } catch (const Json::parse_error& e) {
    return std::unexpected(json_syntax_error(e, text, name));
  } catch (const Json::exception& e) {
    return builder.bad(fmt::format("invalid JSON: {}", json_error_detail(e)));
  }
  return std::move(builder).take();
}

core::Result<std::vector<Advisory>> parse_alpine_secdb(std::string_view text, std::string_view name,
                                                       std::string* feed) {
  try {
    Json doc = Json::parse(text.begin(), text.end());
    return AlpineBuilder(name).build(doc, feed);
  } catch (const Json::parse_error& e) {
    return std::unexpected(json_syntax_error(e, text, name));
  } catch (const Json::exception& e) {
    return core::fail(core::ErrorKind::parse, std::string(name),
                      fmt::format("invalid JSON: {}", json_error_detail(e)));
  }
}

} // namespace moat::vuln
