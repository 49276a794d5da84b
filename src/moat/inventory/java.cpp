#include <moat/inventory/java.hpp>

#include <moat/core/purl.hpp>
#include <moat/util/strings.hpp>
#include <moat/util/unicode.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>

namespace moat::inventory {

namespace {

// What the archives of one parse_jar call may still consume, across all levels.
struct Budget {
  std::size_t entries_left = k_jar_max_entries;
  std::size_t bytes_left = k_jar_max_total_bytes;
};

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;

std::string archive_message(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? std::string(message) : std::string("unknown error");
}

char lower_ascii(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool iends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         util::iequals(text.substr(text.size() - suffix.size()), suffix);
}

bool is_nested_archive(std::string_view path) {
  return iends_with(path, ".jar") || iends_with(path, ".war") || iends_with(path, ".ear");
}

bool is_pom_properties(std::string_view path) {
  return path.starts_with("META-INF/maven/") && path.ends_with("/pom.properties");
}

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Undoes the escapes of java.util.Properties: \t \n \r \f, \uXXXX, and \X for X.
std::string unescape_property(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    const char e = text[++i];
    switch (e) {
    case 't':
      out.push_back('\t');
      break;
    case 'n':
      out.push_back('\n');
      break;
    case 'r':
      out.push_back('\r');
      break;
    case 'f':
      out.push_back('\f');
      break;
    case 'u': {
      std::uint32_t rune = 0;
      std::size_t digits = 0;
      for (; digits < 4 && i + 1 + digits < text.size(); ++digits) {
        const char h = lower_ascii(text[i + 1 + digits]);
        if (h >= '0' && h <= '9')
          rune = rune * 16 + static_cast<std::uint32_t>(h - '0');
        else if (h >= 'a' && h <= 'f')
          rune = rune * 16 + static_cast<std::uint32_t>(h - 'a' + 10);
        else
          break;
      }
      if (digits != 4) { // Java rejects this; keep the text rather than fail a whole jar
        out += "\\u";
        break;
      }
      util::append_utf8(out, rune);
      i += 4;
      break;
    }
    default:
      out.push_back(e);
      break;
    }
  }
  return out;
}

bool is_property_space(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}

// Splits TEXT into lines at \n, \r\n or \r.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r')
      continue;
    lines.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
      ++i;
    start = i + 1;
  }
  if (start < text.size())
    lines.push_back(text.substr(start));
  return lines;
}

bool ends_with_odd_backslashes(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && line[line.size() - 1 - n] == '\\')
    ++n;
  return n % 2 == 1;
}

core::Package maven_package(std::string group, std::string artifact, std::string version,
                            const std::string& found_at) {
  core::Package p;
  p.purl = core::make_purl("maven", group, artifact, version);
  p.name = std::move(artifact);
  p.version = std::move(version);
  p.namespace_ = std::move(group);
  p.type = "maven";
  p.ecosystem = "Maven";
  p.found_at = found_at;
  return p;
}

std::string attribute(const ManifestAttributes& attributes, std::string_view key) {
  const auto it = attributes.find(key);
  return it == attributes.end() ? std::string() : it->second;
}

// The package for the archive itself when no pom.properties names it.
std::optional<core::Package> package_from_manifest(const ManifestAttributes& manifest,
                                                   const std::string& name) {
  const JarFileName from_file = jar_name_from_file(name);
  const std::string title = attribute(manifest, "Implementation-Title");
  std::string symbolic = attribute(manifest, "Bundle-SymbolicName");
  symbolic = std::string(util::trim(std::string_view(symbolic).substr(0, symbolic.find(';'))));
  // A Maven artifact id never holds a space, so a display title ("Apache
  // Commons Lang") is a worse guess than the file name's stem.
  const bool title_is_identifier = !title.empty() && std::ranges::none_of(title, [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
  });
  std::string artifact = title_is_identifier       ? title
                         : !from_file.name.empty() ? from_file.name
                         : !symbolic.empty()       ? symbolic
                                                   : title;
  if (artifact.empty())
    return std::nullopt;
  std::string version = attribute(manifest, "Implementation-Version");
  if (version.empty())
    version = attribute(manifest, "Bundle-Version");
  if (version.empty())
    version = from_file.version;
  return maven_package(attribute(manifest, "Implementation-Vendor-Id"), std::move(artifact),
                       std::move(version), name);
}

// Reads the current entry's data, refusing more than LIMIT bytes.
core::Result<std::string> read_entry(archive* a, archive_entry* entry, std::size_t limit,
                                     Budget& budget, const std::string& name,
                                     std::string_view path) {
  auto too_big = [&]() {
    return core::fail(core::ErrorKind::limit, name,
                      fmt::format("archive entry {} is larger than {} bytes", path, limit));
  };
  if (archive_entry_size_is_set(entry) != 0 && archive_entry_size(entry) >= 0 &&
      static_cast<std::uint64_t>(archive_entry_size(entry)) > limit)
    return too_big();
  std::string data;
  std::array<char, std::size_t{64} * 1024> buffer{};
  while (true) {
    const la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
    if (n == 0)
      break;
    if (n < 0)
      return core::fail(core::ErrorKind::parse, name,
                        fmt::format("cannot read archive entry {}: {}", path, archive_message(a)));
    const auto count = static_cast<std::size_t>(n);
    if (count > limit - data.size())
      return too_big();
    if (count > budget.bytes_left)
      return core::fail(
          core::ErrorKind::limit, name,
          fmt::format("archive decompresses to more than {} bytes in all", k_jar_max_total_bytes));
    budget.bytes_left -= count;
    data.append(buffer.data(), count);
  }
  return data;
}

core::Result<std::vector<core::Package>> parse_archive(std::span<const std::byte> bytes,
                                                       const std::string& name, int depth,
                                                       Budget& budget) {
  if (bytes.empty())
    return core::fail(core::ErrorKind::parse, name, "not a zip archive: the file is empty");
  ArchiveReader reader(archive_read_new());
  if (!reader)
    return core::fail(core::ErrorKind::internal, name, "cannot allocate an archive reader");
  archive* a = reader.get();
  archive_read_support_format_zip(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK)
    return core::fail(core::ErrorKind::parse, name,
                      fmt::format("not a zip archive: {}", archive_message(a)));

  std::vector<core::Package> own;
  std::vector<core::Package> nested;
  std::optional<ManifestAttributes> manifest;
  bool has_pom = false;
  bool first = true;
  while (true) {
    archive_entry* entry = nullptr;
    const int status = archive_read_next_header(a, &entry);
    if (status == ARCHIVE_EOF)
      break;
    if (status < ARCHIVE_WARN)
      return core::fail(core::ErrorKind::parse, name,
                        fmt::format("{}: {}", first ? "not a zip archive" : "corrupt zip archive",
                                    archive_message(a)));
    // Checked once the bytes proved to be an archive, so that a nested file
    // merely named .jar is not mistaken for a bomb.
    if (first && depth > k_jar_max_depth)
      return core::fail(core::ErrorKind::limit, name,
                        fmt::format("archives nested more than {} levels deep", k_jar_max_depth));
    first = false;
    if (budget.entries_left == 0)
      return core::fail(
          core::ErrorKind::limit, name,
          fmt::format("archive holds more than {} entries in all", k_jar_max_entries));
    --budget.entries_left;
    if (archive_entry_filetype(entry) == AE_IFDIR)
      continue;
    const char* raw_path = archive_entry_pathname(entry);
    if (raw_path == nullptr)
      raw_path = archive_entry_pathname_utf8(entry);
    if (raw_path == nullptr)
      continue; // a name libarchive cannot convert cannot be one of the names looked for
    const std::string path = raw_path;

    if (is_pom_properties(path)) {
      auto text = read_entry(a, entry, k_jar_max_text_size, budget, name, path);
      if (!text)
        return std::unexpected(std::move(text).error());
      const auto properties = parse_pom_properties(*text);
      auto get = [&](std::string_view key) {
        const auto it = properties.find(key);
        return it == properties.end() ? std::string() : std::string(util::trim(it->second));
      };
      // META-INF/maven/GROUP/ARTIFACT/pom.properties: the path says it too.
      const auto segments = util::split(path, '/');
      std::string group = get("groupId");
      std::string artifact = get("artifactId");
      if (group.empty() && segments.size() == 5)
        group = std::string(segments[2]);
      if (artifact.empty() && segments.size() == 5)
        artifact = std::string(segments[3]);
      if (artifact.empty())
        continue;
      has_pom = true;
      auto package = maven_package(std::move(group), std::move(artifact), get("version"), name);
      const bool seen = std::ranges::any_of(own, [&](const core::Package& p) {
        return std::tie(p.namespace_, p.name, p.version) ==
               std::tie(package.namespace_, package.name, package.version);
      });
      if (!seen)
        own.push_back(std::move(package));
    } else if (util::iequals(path, "META-INF/MANIFEST.MF")) {
      auto text = read_entry(a, entry, k_jar_max_text_size, budget, name, path);
      if (!text)
        return std::unexpected(std::move(text).error());
      manifest = parse_manifest(*text);
    } else if (is_nested_archive(path)) {
      auto data = read_entry(a, entry, k_jar_max_nested_size, budget, name, path);
      if (!data)
        return std::unexpected(std::move(data).error());
      const std::span<const std::byte> inner_bytes(reinterpret_cast<const std::byte*>(data->data()),
                                                   data->size());
      auto inner = parse_archive(inner_bytes, fmt::format("{}!/{}", name, path), depth + 1, budget);
      if (!inner) {
        // A resource that only carries the extension is no archive to list;
        // limits, though, say the whole archive is hostile.
        if (inner.error().kind == core::ErrorKind::limit)
          return std::unexpected(std::move(inner).error());
        continue;
      }
      std::ranges::move(*inner, std::back_inserter(nested));
    }
  }
  if (!has_pom)
    if (auto package = package_from_manifest(manifest.value_or(ManifestAttributes{}), name))
      own.push_back(std::move(*package));
  std::ranges::move(nested, std::back_inserter(own));
  return own;
}

} // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::ranges::lexicographical_compare(
      a, b, [](char x, char y) { return lower_ascii(x) < lower_ascii(y); });
}

std::map<std::string, std::string, std::less<>> parse_pom_properties(std::string_view text) {
  std::map<std::string, std::string, std::less<>> out;
  const auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    while (!line.empty() && is_property_space(line.front()))
      line.remove_prefix(1);
    if (line.empty() || line.front() == '#' || line.front() == '!')
      continue;
    // A logical line goes on while a natural line ends in an unescaped backslash.
    std::string logical;
    while (ends_with_odd_backslashes(line)) {
      logical.append(line.substr(0, line.size() - 1));
      if (++i == lines.size()) {
        line = {};
        break;
      }
      line = lines[i];
      while (!line.empty() && is_property_space(line.front()))
        line.remove_prefix(1);
    }
    logical.append(line);

    std::size_t key_end = 0;
    while (key_end < logical.size()) {
      const char c = logical[key_end];
      if (c == '\\') {
        key_end += 2;
        continue;
      }
      if (c == '=' || c == ':' || is_property_space(c))
        break;
      ++key_end;
    }
    key_end = std::min(key_end, logical.size());
    std::size_t value_start = key_end;
    while (value_start < logical.size() && is_property_space(logical[value_start]))
      ++value_start;
    if (value_start < logical.size() &&
        (logical[value_start] == '=' || logical[value_start] == ':'))
      ++value_start;
    while (value_start < logical.size() && is_property_space(logical[value_start]))
      ++value_start;
    out.insert_or_assign(unescape_property(std::string_view(logical).substr(0, key_end)),
                         unescape_property(std::string_view(logical).substr(value_start)));
  }
  return out;
}

ManifestAttributes parse_manifest(std::string_view text) {
  ManifestAttributes out;
  std::string* last = nullptr;
  for (const std::string_view line : split_lines(text)) {
    if (line.empty())
      break; // the main section ends at the first blank line
    if (line.front() == ' ') {
      if (last != nullptr)
        last->append(line.substr(1));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      last = nullptr;
      continue;
    }
    auto [it, inserted] =
        out.insert_or_assign(std::string(util::trim(line.substr(0, colon))),
                             std::string(util::trim_left(line.substr(colon + 1))));
    last = &it->second;
  }
  for (auto& [key, value] : out)
    value = std::string(util::trim_right(value));
  return out;
}

JarFileName jar_name_from_file(std::string_view file_name) {
  std::string_view stem = basename(file_name);
  for (const std::string_view extension : {".jar", ".war", ".ear"}) {
    if (iends_with(stem, extension)) {
      stem.remove_suffix(extension.size());
      break;
    }
  }
  for (std::size_t i = 0; i + 1 < stem.size(); ++i) {
    if (stem[i] == '-' && std::isdigit(static_cast<unsigned char>(stem[i + 1])) != 0 && i > 0)
      return {std::string(stem.substr(0, i)), std::string(stem.substr(i + 1))};
  }
  return {std::string(stem), std::string()};
}

core::Result<std::vector<core::Package>> parse_jar(std::span<const std::byte> bytes,
                                                   const std::string& name, int depth) {
  Budget budget;
  return parse_archive(bytes, name, depth, budget);
}

} // namespace moat::inventory
