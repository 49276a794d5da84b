#include <moat/inventory/gobin.hpp>

#include <moat/core/purl.hpp>
#include <moat/util/strings.hpp>
#include <moat/util/unicode.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace moat::inventory {

namespace {

constexpr std::string_view k_magic = "\xff Go buildinf:";
constexpr std::size_t k_align = 16;
constexpr std::size_t k_header_size = 32;
constexpr std::uint8_t k_flag_inline = 2; // strings follow the header instead of pointers

bool starts_with_magic(std::span<const std::byte> bytes) {
  return bytes.size() >= k_magic.size() &&
         std::memcmp(bytes.data(), k_magic.data(), k_magic.size()) == 0;
}

std::uint8_t byte_at(std::span<const std::byte> bytes, std::size_t i) {
  return std::to_integer<std::uint8_t>(bytes[i]);
}

// True when the 16 bytes at an aligned offset open a build info blob.
bool is_blob_header(std::span<const std::byte> header) {
  // The pointer size and flags bytes must be sane too: Go programs that read
  // build info (syft, gopls, the go command) carry the magic as a string literal.
  if (header.size() < k_align || !starts_with_magic(header))
    return false;
  const std::uint8_t ptr_size = byte_at(header, k_magic.size());
  const std::uint8_t flags = byte_at(header, k_magic.size() + 1);
  return (ptr_size == 4 || ptr_size == 8) && (flags & ~0x3U) == 0;
}

// Go's binary.Uvarint: little-endian base-128, at most ten bytes.
enum class VarintStatus { ok, truncated, overflow };
VarintStatus read_uvarint(std::span<const std::byte> bytes, std::size_t& pos, std::uint64_t& out) {
  out = 0;
  for (unsigned shift = 0, i = 0;; shift += 7, ++i) {
    if (pos >= bytes.size())
      return VarintStatus::truncated;
    const std::uint8_t b = byte_at(bytes, pos++);
    if (i == 9 && b > 1)
      return VarintStatus::overflow;
    out |= std::uint64_t{b & 0x7FU} << shift;
    if (b < 0x80U)
      return VarintStatus::ok;
    if (i == 9)
      return VarintStatus::overflow;
  }
}

// Length of the Go string literal ("..." or `...`) that TEXT starts with; 0 if unterminated.
std::size_t quoted_prefix_length(std::string_view text) {
  if (text.empty())
    return 0;
  const char quote = text.front();
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '\\' && quote == '"')
      ++i;
    else if (text[i] == quote)
      return i + 1;
  }
  return 0;
}

// strconv.Unquote for the literals `go` writes with strconv.Quote.
std::optional<std::string> go_unquote(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != literal.back())
    return std::nullopt;
  const std::string_view body = literal.substr(1, literal.size() - 2);
  if (literal.front() == '`') {
    if (body.find('`') != std::string_view::npos)
      return std::nullopt;
    return std::string(body);
  }
  if (literal.front() != '"')
    return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '"' || c == '\n')
      return std::nullopt;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= body.size())
      return std::nullopt;
    const char e = body[i];
    switch (e) {
    case 'a':
      out.push_back('\a');
      break;
    case 'b':
      out.push_back('\b');
      break;
    case 'f':
      out.push_back('\f');
      break;
    case 'n':
      out.push_back('\n');
      break;
    case 'r':
      out.push_back('\r');
      break;
    case 't':
      out.push_back('\t');
      break;
    case 'v':
      out.push_back('\v');
      break;
    case '\\':
      out.push_back('\\');
      break;
    case '"':
      out.push_back('"');
      break;
    case 'x':
    case 'u':
    case 'U': {
      const std::size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (body.size() - i - 1 < digits)
        return std::nullopt;
      std::uint32_t value = 0;
      for (std::size_t k = 1; k <= digits; ++k) {
        const int h = util::hex_digit_value(body[i + k]);
        if (h < 0)
          return std::nullopt;
        value = (value << 4U) | static_cast<std::uint32_t>(h);
      }
      i += digits;
      if (e == 'x') {
        out.push_back(static_cast<char>(value));
      } else {
        if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
          return std::nullopt;
        util::append_utf8(out, value);
      }
      break;
    }
    default: {
      // \ooo: exactly three octal digits, at most 0377.
      if (e < '0' || e > '7' || body.size() - i < 3)
        return std::nullopt;
      std::uint32_t value = 0;
      for (std::size_t k = 0; k < 3; ++k) {
        const char o = body[i + k];
        if (o < '0' || o > '7')
          return std::nullopt;
        value = value * 8 + static_cast<std::uint32_t>(o - '0');
      }
      if (value > 0xFF)
        return std::nullopt;
      out.push_back(static_cast<char>(value));
      i += 2;
      break;
    }
    }
  }
  return out;
}

core::Status parse_module_fields(std::string_view rest, const std::string& name, int line_no,
                                 std::string_view kind, std::string& path, std::string& version,
                                 std::string& sum) {
  std::vector<std::string_view> fields;
  while (true) {
    const auto tab = rest.find('\t');
    fields.push_back(rest.substr(0, tab));
    if (tab == std::string_view::npos)
      break;
    rest.remove_prefix(tab + 1);
  }
  if (fields.size() > 3 || fields[0].empty())
    return core::fail(core::ErrorKind::parse, name,
                      fmt::format("go build info: malformed '{}' line", kind), line_no);
  path = std::string(fields[0]);
  version = fields.size() > 1 ? std::string(fields[1]) : std::string();
  sum = fields.size() > 2 ? std::string(fields[2]) : std::string();
  return {};
}

core::Status parse_build_setting(std::string_view kv, const std::string& name, int line_no,
                                 GoBuildInfo& info) {
  auto bad = [&](std::string_view what) {
    return core::fail(core::ErrorKind::parse, name, fmt::format("go build info: {}", what),
                      line_no);
  };
  if (kv.empty())
    return bad("build line without '='");
  std::string key;
  std::string_view raw_value;
  if (kv.front() == '=')
    return bad("build line without a key");
  if (kv.front() == '"' || kv.front() == '`') {
    const std::size_t len = quoted_prefix_length(kv);
    auto unquoted = len == 0 ? std::nullopt : go_unquote(kv.substr(0, len));
    if (!unquoted)
      return bad("badly quoted build setting key");
    key = std::move(*unquoted);
    kv.remove_prefix(len);
    if (kv.empty() || kv.front() != '=')
      return bad("build line without '='");
    raw_value = kv.substr(1);
  } else {
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos)
      return bad("build line without '='");
    key = std::string(kv.substr(0, eq));
    raw_value = kv.substr(eq + 1);
  }
  std::string value;
  if (!raw_value.empty() && (raw_value.front() == '"' || raw_value.front() == '`')) {
    auto unquoted = go_unquote(raw_value);
    if (!unquoted)
      return bad("badly quoted build setting value");
    value = std::move(*unquoted);
  } else {
    value = std::string(raw_value);
  }
  info.settings.emplace_back(std::move(key), std::move(value));
  return {};
}

// Reads one uvarint-length-prefixed string of the inline format at POS.
core::Result<std::string> read_inline_string(std::span<const std::byte> blob, std::size_t& pos,
                                             bool truncated_by_limit, const std::string& name,
                                             std::string_view what) {
  auto past_end = [&]() {
    if (truncated_by_limit)
      return core::fail(core::ErrorKind::limit, name,
                        fmt::format("go build info {} is larger than {} bytes", what,
                                    k_go_buildinfo_capture_limit));
    return core::fail(core::ErrorKind::parse, name,
                      fmt::format("go build info {} runs past the end of the file", what));
  };
  std::uint64_t length = 0;
  switch (read_uvarint(blob, pos, length)) {
  case VarintStatus::ok:
    break;
  case VarintStatus::truncated:
    return past_end();
  case VarintStatus::overflow:
    return core::fail(core::ErrorKind::parse, name,
                      fmt::format("go build info {} has an overlong length", what));
  }
  if (length > blob.size() - pos)
    return past_end();
  const auto* begin = reinterpret_cast<const char*>(blob.data() + pos);
  pos += static_cast<std::size_t>(length);
  return std::string(begin, static_cast<std::size_t>(length));
}

core::Result<GoBuildInfo> parse_blob(std::span<const std::byte> blob, bool truncated_by_limit,
                                     const std::string& name) {
  if (blob.size() < k_magic.size() + 2)
    return core::fail(core::ErrorKind::parse, name, "go build info truncated after its magic");
  const std::uint8_t flags = byte_at(blob, k_magic.size() + 1);
  if ((flags & k_flag_inline) == 0)
    return core::fail(core::ErrorKind::parse, name, "go build info in pre-1.18 format not read");
  if (blob.size() < k_header_size)
    return core::fail(core::ErrorKind::parse, name, "go build info truncated after its magic");
  std::size_t pos = k_header_size;
  auto version = read_inline_string(blob, pos, truncated_by_limit, name, "version string");
  if (!version)
    return std::unexpected(std::move(version).error());
  auto modinfo = read_inline_string(blob, pos, truncated_by_limit, name, "module information");
  if (!modinfo)
    return std::unexpected(std::move(modinfo).error());
  if (version->empty())
    return core::fail(core::ErrorKind::parse, name, "go build info without a go version");
  GoBuildInfo info;
  info.go_version = std::move(*version);
  // The linker wraps the text in 16-byte sentinels so it can be found in a
  // binary; without them (and the newline before the end one) there is no module text.
  std::string_view text = *modinfo;
  if (text.size() >= 33 && text[text.size() - 17] == '\n')
    text = text.substr(16, text.size() - 32);
  else
    text = {};
  if (auto parsed = parse_go_modinfo(text, name, info); !parsed)
    return std::unexpected(std::move(parsed).error());
  return info;
}

std::pair<std::string, std::string> split_module_path(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos)
    return {std::string(), std::string(path)};
  return {std::string(path.substr(0, slash)), std::string(path.substr(slash + 1))};
}

core::Package go_package(std::string_view path, std::string version, const std::string& found_at) {
  core::Package p;
  auto [namespace_, last] = split_module_path(path);
  p.name = std::string(path);
  p.version = std::move(version);
  p.type = "golang";
  p.ecosystem = "Go";
  p.purl = core::make_purl("golang", namespace_, last, p.version);
  p.namespace_ = std::move(namespace_);
  p.found_at = found_at;
  return p;
}

bool is_local_path(std::string_view path) {
  return path.starts_with("./") || path.starts_with("../") || path.starts_with('/') ||
         path == "." || path == "..";
}

std::size_t count_digits(std::string_view s) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9')
    ++n;
  return n;
}

} // namespace

bool looks_like_elf(std::span<const std::byte> first_bytes) {
  static constexpr std::string_view k_elf = "\x7f"
                                            "ELF";
  return first_bytes.size() >= k_elf.size() &&
         std::memcmp(first_bytes.data(), k_elf.data(), k_elf.size()) == 0;
}

void GoBuildInfoScanner::capture(std::span<const std::byte> bytes) {
  const std::size_t room = k_go_buildinfo_capture_limit - m_capture.size();
  const std::size_t take = std::min(room, bytes.size());
  m_capture.insert(m_capture.end(), bytes.begin(),
                   bytes.begin() + static_cast<std::ptrdiff_t>(take));
  if (bytes.size() > take) {
    m_capture_truncated = true;
    m_state = State::captured;
  }
}

void GoBuildInfoScanner::feed(std::span<const std::byte> chunk) {
  if (m_state == State::captured)
    return;
  if (m_state == State::capturing) {
    capture(chunk);
    return;
  }
  // m_carry holds the bytes since the last 16-byte boundary of the file, so
  // every block checked below starts at an aligned file offset.
  std::size_t i = 0;
  if (!m_carry.empty()) {
    const std::size_t take = std::min(k_align - m_carry.size(), chunk.size());
    m_carry.insert(m_carry.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(take));
    i = take;
    if (m_carry.size() < k_align)
      return;
    if (is_blob_header(m_carry)) {
      m_state = State::capturing;
      capture(m_carry);
      m_carry.clear();
      capture(chunk.subspan(i));
      return;
    }
    m_carry.clear();
  }
  for (; chunk.size() - i >= k_align; i += k_align) {
    if (std::to_integer<std::uint8_t>(chunk[i]) == 0xFF &&
        is_blob_header(chunk.subspan(i, k_align))) {
      m_state = State::capturing;
      capture(chunk.subspan(i));
      return;
    }
  }
  m_carry.assign(chunk.begin() + static_cast<std::ptrdiff_t>(i), chunk.end());
}

core::Result<std::optional<GoBuildInfo>> GoBuildInfoScanner::finish(const std::string& name) {
  if (m_state == State::searching) {
    // The file ended inside what would have been the header.
    if (starts_with_magic(m_carry))
      return core::fail(core::ErrorKind::parse, name, "go build info truncated after its magic");
    return std::optional<GoBuildInfo>();
  }
  auto info = parse_blob(m_capture, m_capture_truncated, name);
  if (!info)
    return std::unexpected(std::move(info).error());
  return std::optional<GoBuildInfo>(std::move(*info));
}

core::Result<std::optional<GoBuildInfo>> parse_go_buildinfo(std::span<const std::byte> whole_file,
                                                            const std::string& name) {
  GoBuildInfoScanner scanner;
  scanner.feed(whole_file);
  return scanner.finish(name);
}

core::Status parse_go_modinfo(std::string_view text, const std::string& name, GoBuildInfo& info) {
  GoModule* last = nullptr; // the module an "=>" line replaces
  int line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty())
      continue;
    if (line.starts_with("path\t")) {
      info.path = std::string(line.substr(5));
      last = nullptr;
    } else if (line.starts_with("mod\t") || line.starts_with("dep\t")) {
      const bool is_main = line.starts_with("mod\t");
      GoModule module;
      MOAT_TRY(parse_module_fields(line.substr(4), name, line_no, is_main ? "mod" : "dep",
                                   module.path, module.version, module.sum));
      if (is_main) {
        info.main = std::move(module);
        last = &info.main;
      } else {
        info.deps.push_back(std::move(module));
        last = &info.deps.back();
      }
    } else if (line.starts_with("=>\t")) {
      if (last == nullptr)
        return core::fail(core::ErrorKind::parse, name,
                          "go build info: replacement without a module before it", line_no);
      GoReplacement replacement;
      MOAT_TRY(parse_module_fields(line.substr(3), name, line_no, "=>", replacement.path,
                                   replacement.version, replacement.sum));
      last->replaced_by = std::move(replacement);
      last = nullptr;
    } else if (line.starts_with("build\t")) {
      MOAT_TRY(parse_build_setting(line.substr(6), name, line_no, info));
      last = nullptr;
    }
  }
  return {};
}

std::string go_stdlib_version(std::string_view go_version) {
  go_version = go_version.substr(0, go_version.find(' ')); // "go1.22.0 X:boringcrypto"
  if (!go_version.starts_with("go"))
    return {};
  std::string_view rest = go_version.substr(2);
  std::array<std::string, 3> numbers;
  std::size_t parts = 0;
  while (parts < 3) {
    const std::size_t n = count_digits(rest);
    if (n == 0)
      return {};
    numbers[parts++] = std::string(rest.substr(0, n));
    rest.remove_prefix(n);
    if (rest.empty() || rest.front() != '.')
      break;
    rest.remove_prefix(1);
  }
  std::string out =
      numbers[0] + "." + (parts > 1 ? numbers[1] : "0") + "." + (parts > 2 ? numbers[2] : "0");
  if (rest.empty())
    return out;
  for (const std::string_view tag : {"rc", "beta", "alpha"}) {
    if (rest.starts_with(tag)) {
      const std::string_view number = rest.substr(tag.size());
      if (number.empty() || count_digits(number) != number.size())
        return {};
      return fmt::format("{}-{}.{}", out, tag, number);
    }
  }
  return {};
}

std::vector<core::Package> go_packages(const GoBuildInfo& info, const std::string& found_at) {
  std::vector<core::Package> out;
  if (!info.main.path.empty()) {
    out.push_back(go_package(info.main.path,
                             info.main.version == "(devel)" ? std::string() : info.main.version,
                             found_at));
  } else if (!info.path.empty() && info.path != "command-line-arguments") {
    // Built outside module mode (Debian builds from GOPATH): the main package
    // path names the program, but nothing records its version.
    out.push_back(go_package(info.path, std::string(), found_at));
  }
  for (const auto& dep : info.deps) {
    if (!dep.replaced_by)
      out.push_back(go_package(dep.path, dep.version, found_at));
    else if (is_local_path(dep.replaced_by->path))
      // A directory on the build machine: the code is some unknown version of DEP.
      out.push_back(go_package(dep.path, std::string(), found_at));
    else
      out.push_back(go_package(dep.replaced_by->path, dep.replaced_by->version, found_at));
  }
  if (!info.go_version.empty())
    out.push_back(go_package("stdlib", go_stdlib_version(info.go_version), found_at));
  return out;
}

} // namespace moat::inventory
