#include <moat/inventory/os_release.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

namespace moat::inventory {

namespace {

// Removes shell-style quoting from an os-release value; nullopt when a quote
// is not closed.
std::optional<std::string> unquote(std::string_view v) {
  std::string out;
  char quote = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else if (quote != 0 && c == quote) {
      quote = 0;
    } else if (quote != '\'' && c == '\\' && i + 1 < v.size()) {
      out += v[++i];
    } else {
      out += c;
    }
  }
  if (quote != 0)
    return std::nullopt;
  return out;
}

bool valid_key(std::string_view key) {
  if (key.empty())
    return false;
  for (char c : key)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

} // namespace

core::Result<OsRelease> parse_os_release(std::string_view text, const std::string& name) {
  OsRelease out;
  int line_no = 0;
  for (auto line : util::split(text, '\n')) {
    ++line_no;
    line = util::trim(line);
    if (line.empty() || line.front() == '#')
      continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos || !valid_key(line.substr(0, eq)))
      return core::fail(core::ErrorKind::parse, name,
                        fmt::format("expected KEY=value, got '{}'",
                                    line.substr(0, std::min<std::size_t>(line.size(), 60))),
                        line_no);
    auto value = unquote(line.substr(eq + 1));
    if (!value)
      return core::fail(core::ErrorKind::parse, name, "unterminated quote", line_no);
    out.fields[std::string(line.substr(0, eq))] = std::move(*value);
  }
  auto get = [&](std::string_view key) {
    auto it = out.fields.find(key);
    return it == out.fields.end() ? std::string() : it->second;
  };
  out.id = get("ID");
  out.version_id = get("VERSION_ID");
  out.version_codename = get("VERSION_CODENAME");
  out.pretty_name = get("PRETTY_NAME");
  // os-release(5): ID defaults to "linux".
  if (out.id.empty())
    out.id = "linux";
  return out;
}

} // namespace moat::inventory
