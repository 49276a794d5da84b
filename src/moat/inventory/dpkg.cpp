#include <moat/inventory/dpkg.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

namespace moat::inventory {

namespace {

struct Stanza {
  int line = 0;
  std::string package, version, architecture, source, status;
};

// Splits "name (version)" from a Source: field.
void split_source(std::string_view source, std::string& name, std::string& version) {
  source = util::trim(source);
  auto paren = source.find('(');
  if (paren == std::string_view::npos) {
    name = std::string(source);
    return;
  }
  name = std::string(util::trim(source.substr(0, paren)));
  auto close = source.find(')', paren);
  version = std::string(util::trim(source.substr(
      paren + 1, close == std::string_view::npos ? std::string_view::npos : close - paren - 1)));
}

core::Status finish(const Stanza& s, const std::string& name, std::vector<DpkgPackage>& out) {
  if (s.package.empty())
    return core::fail(core::ErrorKind::parse, name, "package entry without a Package field",
                      s.line);
  // distroless status.d/ entries have no Status: they are installed.
  const std::string status = s.status.empty() ? "install ok installed" : s.status;
  auto words = util::split_trimmed(status, ' ');
  if (words.size() != 3)
    return core::fail(
        core::ErrorKind::parse, name,
        fmt::format("package {}: Status must have three words, not '{}'", s.package, s.status),
        s.line);
  if (words[2] == "not-installed")
    return {};
  DpkgPackage p;
  p.name = s.package;
  p.version = s.version;
  p.architecture = s.architecture;
  p.want = std::string(words[0]);
  p.state = std::string(words[2]);
  p.line = s.line;
  if (!s.source.empty())
    split_source(s.source, p.source_name, p.source_version);
  if (p.source_name.empty())
    p.source_name = p.name;
  if (p.source_version.empty())
    p.source_version = p.version;
  out.push_back(std::move(p));
  return {};
}

} // namespace

core::Result<std::vector<DpkgPackage>> parse_dpkg_status(std::string_view text,
                                                         const std::string& name) {
  std::vector<DpkgPackage> out;
  Stanza current;
  bool in_stanza = false;
  int line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (util::trim(line).empty()) {
      if (in_stanza) {
        if (auto done = finish(current, name, out); !done)
          return std::unexpected(done.error());
        current = Stanza{};
        in_stanza = false;
      }
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (!in_stanza)
        return core::fail(core::ErrorKind::parse, name, "continuation line outside an entry",
                          line_no);
      continue; // continuation of a multi-line field (Description, Conffiles, ...)
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return core::fail(core::ErrorKind::parse, name,
                        fmt::format("expected 'Field: value', got '{}'",
                                    line.substr(0, std::min<std::size_t>(line.size(), 60))),
                        line_no);
    if (!in_stanza) {
      in_stanza = true;
      current.line = line_no;
    }
    auto field = line.substr(0, colon);
    auto value = std::string(util::trim(line.substr(colon + 1)));
    if (util::iequals(field, "Package"))
      current.package = std::move(value);
    else if (util::iequals(field, "Version"))
      current.version = std::move(value);
    else if (util::iequals(field, "Architecture"))
      current.architecture = std::move(value);
    else if (util::iequals(field, "Source"))
      current.source = std::move(value);
    else if (util::iequals(field, "Status"))
      current.status = std::move(value);
  }
  if (in_stanza)
    if (auto done = finish(current, name, out); !done)
      return std::unexpected(done.error());
  return out;
}

} // namespace moat::inventory
