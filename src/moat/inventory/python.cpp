#include <moat/inventory/python.hpp>

#include <moat/core/purl.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace moat::inventory {

namespace {

bool is_header_name(std::string_view s) {
  // RFC 822 field names: printable ASCII except space and colon.
  return !s.empty() && std::ranges::all_of(s, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 32 && u < 127 && c != ':';
  });
}

struct Field {
  std::string key;
  std::string value;
};

// Reads one CSV field at I as Python's csv module does by default: a field
// that starts with a quote runs to the closing quote ("" is one quote) and
// may hold separators and line breaks; text after the closing quote is kept.
// Leaves I on the ',' or line break (\r, \n) that ends the field, or at the end.
std::string read_csv_field(std::string_view text, std::size_t& i) {
  std::string field;
  if (i < text.size() && text[i] == '"') {
    ++i;
    while (i < text.size()) {
      if (text[i] == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      field.push_back(text[i++]);
    }
  }
  while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
    field.push_back(text[i++]);
  return field;
}

} // namespace

std::string normalize_python_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool in_run = false;
  for (const char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_run)
        out.push_back('-');
      in_run = true;
      continue;
    }
    in_run = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

core::Result<core::Package> parse_python_metadata(std::string_view text, const std::string& name) {
  if (text.starts_with("\xEF\xBB\xBF"))
    text.remove_prefix(3);
  std::vector<Field> fields;
  int line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.empty())
      break; // the body (the long description) follows
    if (line.front() == ' ' || line.front() == '\t') {
      if (fields.empty())
        return core::fail(core::ErrorKind::parse, name,
                          "continuation line before the first metadata field", line_no);
      // Multi-line values (License texts, mostly) keep their line breaks.
      auto& value = fields.back().value;
      value.push_back('\n');
      value += util::trim(line);
      continue;
    }
    const auto colon = line.find(':');
    // As Python's email parser does, a line that is not a header starts the
    // body even without the blank line.
    if (colon == std::string_view::npos || !is_header_name(line.substr(0, colon)))
      break;
    fields.push_back(
        {std::string(line.substr(0, colon)), std::string(util::trim(line.substr(colon + 1)))});
  }

  auto first = [&](std::string_view key) -> std::optional<std::string> {
    for (const auto& f : fields)
      if (util::iequals(f.key, key))
        return std::string(util::trim(f.value));
    return std::nullopt;
  };

  core::Package p;
  p.name = first("Name").value_or("");
  if (p.name.empty())
    return core::fail(core::ErrorKind::parse, name, "python metadata has no Name field");
  p.version = first("Version").value_or("");
  if (p.version.empty())
    return core::fail(core::ErrorKind::parse, name,
                      fmt::format("python metadata for {} has no Version field", p.name));
  p.license = first("License-Expression").value_or("");
  if (p.license.empty()) {
    p.license = first("License").value_or("");
    // setuptools writes UNKNOWN when a project declares no license.
    if (p.license == "UNKNOWN")
      p.license.clear();
  }
  p.type = "pypi";
  p.ecosystem = "PyPI";
  p.purl = core::make_purl("pypi", "", normalize_python_name(p.name), p.version);
  p.found_at = name;
  return p;
}

std::vector<std::string> parse_python_record(std::string_view text) {
  std::vector<std::string> paths;
  std::size_t i = 0;
  while (i < text.size()) {
    bool first_field = true;
    bool row_done = false;
    while (!row_done) {
      std::string field = read_csv_field(text, i);
      if (i < text.size() && text[i] == ',')
        ++i;
      else
        row_done = true;
      if (first_field && !field.empty())
        paths.push_back(std::move(field));
      first_field = false;
    }
    // The line break ending the row (\n or \r\n).
    if (i < text.size() && text[i] == '\r')
      ++i;
    if (i < text.size() && text[i] == '\n')
      ++i;
  }
  return paths;
}

} // namespace moat::inventory
