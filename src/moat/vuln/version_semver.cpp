// SemVer 2.0.0 (semver.org) and node-semver's loose dialect, which npm
// registry data is written in.

#include <moat/util/strings.hpp>
#include <moat/util/unicode.hpp>
#include <moat/vuln/version.hpp>
#include <moat/vuln/version_detail.hpp>

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace moat::vuln::semver {
namespace {

struct Identifier {
  std::string_view text;
  bool numeric = false;
};

struct Parsed {
  std::array<std::string_view, 3> core;
  std::vector<Identifier> pre;
};

using ParseResult = std::expected<Parsed, std::string>;

constexpr std::array<std::string_view, 3> k_part_names = {"major", "minor", "patch"};
// node-semver refuses numbers above Number.MAX_SAFE_INTEGER and inputs longer
// than MAX_LENGTH (counted in UTF-16 code units).
constexpr std::string_view k_max_safe_integer = "9007199254740991";
constexpr std::size_t k_loose_max_length = 256;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_identifier_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c))
      return false;
  return !s.empty();
}

std::string_view strip_zeros(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0')
    digits.remove_prefix(1);
  return digits;
}

// Compares two decimal digit strings of any length by value.
int compare_numbers(std::string_view a, std::string_view b) {
  a = strip_zeros(a);
  b = strip_zeros(b);
  if (a.size() != b.size())
    return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string invalid(std::string_view kind, std::string_view v, std::string_view reason) {
  return fmt::format("invalid {} version \"{}\": {}", kind, util::terminal_safe(v), reason);
}

// JavaScript's WhiteSpace and LineTerminator: what String.prototype.trim()
// and the \s in node-semver's regular expressions match.
bool is_js_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

// The length of the JavaScript whitespace character at the start of S, or 0.
std::size_t js_space_at(std::string_view s) {
  if (s.empty())
    return 0;
  const auto [cp, len] = util::decode_utf8(s);
  return len != 0 && is_js_space(cp) ? len : 0;
}

std::string_view trim_js(std::string_view s) {
  while (std::size_t n = js_space_at(s))
    s.remove_prefix(n);
  // Scan forward so that multi-byte characters are decoded from their start.
  std::size_t end = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto [cp, len] = util::decode_utf8(s.substr(i));
    const std::size_t step = len == 0 ? 1 : len;
    if (len == 0 || !is_js_space(cp))
      end = i + step;
    i += step;
  }
  return s.substr(0, end);
}

std::size_t utf16_length(std::string_view s) {
  std::size_t units = 0;
  while (!s.empty()) {
    const auto [cp, len] = util::decode_utf8(s);
    units += cp >= 0x10000 ? 2 : 1;
    s.remove_prefix(len == 0 ? 1 : len);
  }
  return units;
}

// Reads dot-separated identifiers from the front of REST up to '+' or the
// end; any other character is an error. STRICT forbids leading zeros in
// numeric identifiers.
std::expected<std::vector<Identifier>, std::string>
parse_identifiers(std::string_view& rest, std::string_view what, bool strict) {
  std::vector<Identifier> out;
  while (true) {
    std::size_t n = 0;
    while (n < rest.size() && is_identifier_char(rest[n]))
      ++n;
    if (n == 0) {
      if (rest.empty() || rest[0] == '.' || rest[0] == '+')
        return std::unexpected(fmt::format("empty {} identifier", what));
      return std::unexpected(
          fmt::format("invalid character {} in the {}", detail::describe_byte(rest[0]), what));
    }
    const std::string_view text = rest.substr(0, n);
    const bool numeric = all_digits(text);
    if (strict && numeric && text.size() > 1 && text[0] == '0')
      return std::unexpected(
          fmt::format("numeric {} identifier \"{}\" has a leading zero", what, text));
    out.push_back({text, numeric});
    rest.remove_prefix(n);
    if (rest.empty() || rest[0] == '+')
      return out;
    if (rest[0] != '.')
      return std::unexpected(
          fmt::format("invalid character {} in the {}", detail::describe_byte(rest[0]), what));
    rest.remove_prefix(1);
  }
}

std::expected<void, std::string> parse_build(std::string_view& rest) {
  if (rest.empty())
    return {};
  if (rest[0] != '+')
    return std::unexpected(
        fmt::format("unexpected {} after the version", detail::describe_byte(rest[0])));
  rest.remove_prefix(1);
  auto ids = parse_identifiers(rest, "build metadata", false);
  if (!ids)
    return std::unexpected(ids.error());
  if (!rest.empty())
    return std::unexpected(std::string("a second '+' in the build metadata"));
  return {};
}

// MAJOR.MINOR.PATCH from the front of REST.
std::expected<std::array<std::string_view, 3>, std::string> parse_core(std::string_view& rest,
                                                                       bool strict) {
  std::array<std::string_view, 3> core;
  for (std::size_t i = 0; i < 3; ++i) {
    if (i > 0) {
      if (rest.empty() || rest[0] != '.')
        return std::unexpected(std::string("expected MAJOR.MINOR.PATCH"));
      rest.remove_prefix(1);
    }
    std::size_t n = 0;
    while (n < rest.size() && is_digit(rest[n]))
      ++n;
    if (n == 0)
      return std::unexpected(rest.empty()
                                 ? std::string("expected MAJOR.MINOR.PATCH")
                                 : fmt::format("{} version is not a number (found {})",
                                               k_part_names[i], detail::describe_byte(rest[0])));
    core[i] = rest.substr(0, n);
    rest.remove_prefix(n);
    if (strict && n > 1 && core[i][0] == '0')
      return std::unexpected(fmt::format("{} version has a leading zero", k_part_names[i]));
  }
  return core;
}

ParseResult parse_strict(std::string_view v) {
  if (v.empty())
    return std::unexpected(std::string("empty version"));
  std::string_view rest = v;
  auto core = parse_core(rest, true);
  if (!core)
    return std::unexpected(core.error());
  Parsed out{*core, {}};
  if (!rest.empty() && rest[0] == '-') {
    rest.remove_prefix(1);
    auto pre = parse_identifiers(rest, "pre-release", true);
    if (!pre)
      return std::unexpected(pre.error());
    out.pre = std::move(*pre);
  }
  if (auto build = parse_build(rest); !build)
    return std::unexpected(build.error());
  return out;
}

// The pre-release and build metadata after a loose version's patch number.
std::expected<std::vector<Identifier>, std::string> parse_loose_tail(std::string_view rest) {
  std::vector<Identifier> pre;
  if (!rest.empty() && rest[0] != '+') {
    if (!is_identifier_char(rest[0]))
      return std::unexpected(
          fmt::format("unexpected {} after the version", detail::describe_byte(rest[0])));
    // The hyphen before the pre-release is optional ("1.2.3beta"); a lone
    // hyphen with no identifier after it is itself the identifier "-".
    if (rest[0] == '-' && rest.size() > 1 && is_identifier_char(rest[1]))
      rest.remove_prefix(1);
    auto ids = parse_identifiers(rest, "pre-release", false);
    if (!ids)
      return std::unexpected(ids.error());
    pre = std::move(*ids);
  }
  if (auto build = parse_build(rest); !build)
    return std::unexpected(build.error());
  return pre;
}

ParseResult parse_loose(std::string_view v) {
  if (utf16_length(v) > k_loose_max_length)
    return std::unexpected(fmt::format("longer than {} characters", k_loose_max_length));
  std::string_view rest = trim_js(v);
  if (rest.empty())
    return std::unexpected(std::string("empty version"));
  // Any run of 'v', '=' and blanks may precede the number ("v 1.2.3", "=1.2.3").
  while (!rest.empty()) {
    if (rest[0] == 'v' || rest[0] == '=') {
      rest.remove_prefix(1);
    } else if (std::size_t n = js_space_at(rest)) {
      rest.remove_prefix(n);
    } else {
      break;
    }
  }
  auto core = parse_core(rest, false);
  if (!core)
    return std::unexpected(core.error());
  Parsed out{*core, {}};
  auto tail = parse_loose_tail(rest);
  std::string_view& patch = out.core[2];
  if (!tail && patch.size() > 1) {
    // node-semver matches a regular expression: when the rest does not fit,
    // the patch number gives back its last digit, which then starts a
    // hyphen-less pre-release ("1.2.31.2.3" is 1.2.3-1.2.3). Any shorter
    // split would fit the same way, so the longest patch is the match.
    auto retry =
        parse_loose_tail(std::string_view(patch.data() + patch.size() - 1, rest.size() + 1));
    if (retry) {
      patch.remove_suffix(1);
      tail = std::move(retry);
    }
  }
  if (!tail)
    return std::unexpected(tail.error());
  out.pre = std::move(*tail);
  for (std::size_t i = 0; i < 3; ++i)
    if (compare_numbers(out.core[i], k_max_safe_integer) > 0)
      return std::unexpected(
          fmt::format("{} version is larger than {}", k_part_names[i], k_max_safe_integer));
  return out;
}

int compare_identifiers(const Identifier& a, const Identifier& b) {
  if (a.numeric && b.numeric)
    return compare_numbers(a.text, b.text);
  if (a.numeric != b.numeric)
    return a.numeric ? -1 : 1;
  const int c = a.text.compare(b.text);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_parsed(const Parsed& a, const Parsed& b) {
  for (std::size_t i = 0; i < 3; ++i)
    if (int c = compare_numbers(a.core[i], b.core[i]); c != 0)
      return c;
  // A version without a pre-release has higher precedence than one with.
  if (a.pre.empty() || b.pre.empty())
    return a.pre.empty() == b.pre.empty() ? 0 : (a.pre.empty() ? 1 : -1);
  for (std::size_t i = 0; i < a.pre.size() && i < b.pre.size(); ++i)
    if (int c = compare_identifiers(a.pre[i], b.pre[i]); c != 0)
      return c;
  if (a.pre.size() == b.pre.size())
    return 0;
  return a.pre.size() < b.pre.size() ? -1 : 1;
}

Order compare_with(ParseResult (*parse)(std::string_view), std::string_view kind,
                   std::string_view a, std::string_view b) {
  auto pa = parse(a);
  if (!pa)
    return std::unexpected(invalid(kind, a, pa.error()));
  auto pb = parse(b);
  if (!pb)
    return std::unexpected(invalid(kind, b, pb.error()));
  return compare_parsed(*pa, *pb);
}

constexpr std::string_view k_strict_kind = "SemVer";
constexpr std::string_view k_loose_kind = "npm";

} // namespace

Order compare(std::string_view a, std::string_view b) {
  return compare_with(parse_strict, k_strict_kind, a, b);
}

Validity check(std::string_view v) {
  if (auto p = parse_strict(v); !p)
    return invalid(k_strict_kind, v, p.error());
  return std::nullopt;
}

Order compare_loose(std::string_view a, std::string_view b) {
  return compare_with(parse_loose, k_loose_kind, a, b);
}

Validity check_loose(std::string_view v) {
  if (auto p = parse_loose(v); !p)
    return invalid(k_loose_kind, v, p.error());
  return std::nullopt;
}

} // namespace moat::vuln::semver
