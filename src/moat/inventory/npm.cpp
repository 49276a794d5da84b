#include <moat/inventory/npm.hpp>

#include <moat/core/purl.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace moat::inventory {

namespace {

using nlohmann::json;

// A license as npm has spelled it over the years: "MIT" or {"type": "MIT", "url": ...}.
std::string license_of(const json& value) {
  if (value.is_string())
    return std::string(util::trim(value.get_ref<const std::string&>()));
  if (value.is_object())
    if (auto type = value.find("type"); type != value.end() && type->is_string())
      return std::string(util::trim(type->get_ref<const std::string&>()));
  return {};
}

std::string declared_license(const json& doc) {
  if (auto it = doc.find("license"); it != doc.end())
    if (auto license = license_of(*it); !license.empty())
      return license;
  auto it = doc.find("licenses");
  if (it == doc.end())
    return {};
  if (!it->is_array())
    return license_of(*it);
  // The legacy list offered a choice between the licenses it named.
  std::string joined;
  for (const auto& item : *it) {
    auto license = license_of(item);
    if (license.empty())
      continue;
    if (!joined.empty())
      joined += " OR ";
    joined += license;
  }
  return joined;
}

// Line and column (1-based) of byte OFFSET (1-based, as nlohmann counts) in TEXT.
std::pair<int, int> position_of(std::string_view text, std::size_t offset) {
  int line = 1;
  int column = 1;
  const std::size_t end = offset == 0 ? 0 : std::min(offset - 1, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// nlohmann's message without its "[json.exception...] parse error at line L,
// column C: " prefix and without the "; last read: '...'" echo of the input,
// which may hold control characters or broken UTF-8.
std::string describe(std::string_view what) {
  const auto column = what.find("column ");
  if (column == std::string_view::npos)
    return {};
  const auto colon = what.find(": ", column);
  if (colon == std::string_view::npos)
    return {};
  what.remove_prefix(colon + 2);
  return std::string(what.substr(0, what.find("; last read:")));
}

} // namespace

core::Result<std::optional<core::Package>> parse_npm_package_json(std::string_view text,
                                                                  const std::string& name) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    const auto [line, column] = position_of(text, e.byte);
    const auto detail = describe(e.what());
    return core::fail(core::ErrorKind::parse, name,
                      detail.empty() ? "invalid JSON" : "invalid JSON: " + detail, line, column);
  }
  if (!doc.is_object())
    return std::nullopt;
  const auto name_it = doc.find("name");
  const auto version_it = doc.find("version");
  if (name_it == doc.end() || !name_it->is_string() || version_it == doc.end() ||
      !version_it->is_string())
    return std::nullopt;
  core::Package p;
  p.name = std::string(util::trim(name_it->get_ref<const std::string&>()));
  p.version = std::string(util::trim(version_it->get_ref<const std::string&>()));
  if (p.name.empty() || p.version.empty())
    return std::nullopt;
  p.type = "npm";
  p.ecosystem = "npm";
  p.license = declared_license(doc);
  p.found_at = name;
  // npm forbids upper case in new names and purl's npm type lower-cases them.
  std::string purl_name = util::to_lower(p.name);
  if (purl_name.starts_with('@')) {
    if (const auto slash = purl_name.find('/'); slash != std::string::npos) {
      p.namespace_ = p.name.substr(0, slash);
      purl_name = purl_name.substr(slash + 1);
    }
  }
  p.purl = core::make_purl("npm", util::to_lower(p.namespace_), purl_name, p.version);
  return std::optional<core::Package>(std::move(p));
}

} // namespace moat::inventory
