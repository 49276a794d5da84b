#include <moat/inventory/apk.hpp>

#include <moat/core/purl.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace moat::inventory {

namespace {

struct Entry {
  int line = 0;
  core::Package package;
  std::string directory; // the last F: line, relative to the root
};

core::Status finish(Entry& e, const std::string& name, std::vector<core::Package>& out) {
  auto& p = e.package;
  if (p.name.empty())
    return core::fail(core::ErrorKind::parse, name, "package entry without a P: (name) line",
                      e.line);
  if (p.version.empty())
    return core::fail(core::ErrorKind::parse, name,
                      fmt::format("package {} has no V: (version) line", p.name), e.line);
  p.type = "apk";
  p.ecosystem = "Alpine";
  p.namespace_ = "alpine";
  p.found_at = name;
  // apk names the origin's version nowhere else: an origin package is built
  // from the same APKBUILD, so it shares the binary package's version.
  if (p.source_name.empty())
    p.source_name = p.name;
  p.source_version = p.version;
  p.purl = core::make_purl("apk", "alpine", p.name, p.version, {{"arch", p.architecture}});
  out.push_back(std::move(p));
  return {};
}

std::string join_path(std::string_view directory, std::string_view file) {
  std::string path = "/";
  while (!directory.empty() && directory.front() == '/')
    directory.remove_prefix(1);
  while (!directory.empty() && directory.back() == '/')
    directory.remove_suffix(1);
  if (!directory.empty()) {
    path += directory;
    path.push_back('/');
  }
  path += file;
  return path;
}

} // namespace

core::Result<std::vector<core::Package>> parse_apk_installed(std::string_view text,
                                                             const std::string& name) {
  std::vector<core::Package> out;
  Entry current;
  bool in_entry = false;
  int line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    if (line.empty()) {
      if (in_entry) {
        if (auto done = finish(current, name, out); !done)
          return std::unexpected(done.error());
        current = Entry{};
        in_entry = false;
      }
      continue;
    }
    // Every line is one letter, a colon and the value; apk itself rejects others.
    if (line.size() < 2 || line[1] != ':')
      return core::fail(core::ErrorKind::parse, name,
                        fmt::format("expected 'X:value', got '{}'",
                                    line.substr(0, std::min<std::size_t>(line.size(), 60))),
                        line_no);
    if (!in_entry) {
      in_entry = true;
      current.line = line_no;
    }
    const char key = line[0];
    const std::string_view value = line.substr(2);
    auto& p = current.package;
    switch (key) {
    case 'P':
      p.name = std::string(value);
      break;
    case 'V':
      p.version = std::string(value);
      break;
    case 'A':
      p.architecture = std::string(value);
      break;
    case 'L':
      p.license = std::string(value);
      break;
    case 'o':
      p.source_name = std::string(value);
      break;
    case 'F':
      current.directory = std::string(value);
      break;
    case 'R':
      if (value.empty())
        return core::fail(core::ErrorKind::parse, name, "empty R: (file name) line", line_no);
      p.files.push_back(join_path(current.directory, value));
      break;
    default:
      break; // checksums, sizes, dependencies, permissions: not part of the inventory
    }
  }
  if (in_entry)
    if (auto done = finish(current, name, out); !done)
      return std::unexpected(done.error());
  return out;
}

} // namespace moat::inventory
