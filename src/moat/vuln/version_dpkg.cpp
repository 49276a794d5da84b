// The dpkg version scheme: [epoch:]upstream[-revision], validated the way
// dpkg's parseversion() does and ordered with its verrevcmp() rules. Like
// dpkg --compare-versions, compare() orders a version that dpkg only warns
// about (bad characters); check() refuses those too.

#include <moat/util/strings.hpp>
#include <moat/vuln/version.hpp>

#include <fmt/format.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace moat::vuln::dpkg {

namespace {

struct Parsed {
  std::int64_t epoch = 0;
  std::string_view upstream;
  std::string_view revision; // empty when absent; dpkg orders "" like "0"
  // A defect dpkg only warns about (a bad first or later character): dpkg
  // still orders such a version, so compare() does too, but check() refuses it.
  std::optional<std::string> defect;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// dpkg trims and splits on blanks only: a newline is an invalid character.
bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
// strtol() skips C isspace() before the epoch, so "\n1:1.0" is accepted.
bool is_c_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string describe(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f)
    return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", byte);
}

std::string invalid(std::string_view v, std::string_view reason) {
  return fmt::format("invalid dpkg version \"{}\": {}", util::terminal_safe(v), reason);
}

// The epoch text before the first ':' read as strtol(…, 10) would, with the
// same outcomes dpkg reports: empty, not a number, negative, too big.
std::expected<std::int64_t, std::string> parse_epoch(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_c_space(text[i]))
    ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  std::size_t digits_start = i;
  std::int64_t value = 0;
  bool too_big = false;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (!too_big) {
      value = value * 10 + (text[i] - '0');
      too_big = value > INT_MAX;
    }
  }
  if (i == digits_start)
    return std::unexpected("empty epoch before ':'");
  if (i != text.size())
    return std::unexpected("epoch is not a number");
  if (negative && (value != 0 || too_big))
    return std::unexpected("negative epoch");
  if (too_big)
    return std::unexpected(fmt::format("epoch is too big (the limit is {})", INT_MAX));
  return value;
}

std::optional<std::string> syntax_defect(std::string_view upstream, std::string_view revision) {
  if (!is_digit(upstream.front()))
    return "upstream version must start with a digit";
  for (char c : upstream.substr(1)) {
    if (!is_digit(c) && !is_alpha(c) && std::string_view(".-+~:").find(c) == std::string_view::npos)
      return fmt::format("invalid character {} in the upstream version", describe(c));
  }
  for (char c : revision) {
    if (!is_digit(c) && !is_alpha(c) && std::string_view(".+~").find(c) == std::string_view::npos)
      return fmt::format("invalid character {} in the revision", describe(c));
  }
  return std::nullopt;
}

// Splits V as dpkg's parseversion() does. Errors are the defects that make
// dpkg refuse the version outright.
std::expected<Parsed, std::string> parse(std::string_view v) {
  std::string_view s = v;
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  if (s.empty())
    return std::unexpected(invalid(v, "empty version"));
  for (char c : s)
    if (is_blank(c))
      return std::unexpected(invalid(v, "embedded whitespace"));

  Parsed out;
  if (auto colon = s.find(':'); colon != std::string_view::npos) {
    auto epoch = parse_epoch(s.substr(0, colon));
    if (!epoch)
      return std::unexpected(invalid(v, epoch.error()));
    out.epoch = *epoch;
    s.remove_prefix(colon + 1);
    if (s.empty())
      return std::unexpected(invalid(v, "nothing after the epoch"));
  }

  out.upstream = s;
  if (auto hyphen = s.rfind('-'); hyphen != std::string_view::npos) {
    out.upstream = s.substr(0, hyphen);
    out.revision = s.substr(hyphen + 1);
    if (out.revision.empty())
      return std::unexpected(invalid(v, "empty revision after '-'"));
  }
  if (out.upstream.empty())
    return std::unexpected(invalid(v, "empty upstream version"));
  out.defect = syntax_defect(out.upstream, out.revision);
  if (out.defect)
    out.defect = invalid(v, *out.defect);
  return out;
}

// Weight of one non-digit character: '~' below the end of the string, the
// end below letters, letters below everything else. dpkg computes this on a
// signed char, so bytes >= 0x80 land between letters and ASCII punctuation;
// kept so fragments order as dpkg on amd64 orders them.
int order(std::string_view s, std::size_t i) {
  if (i >= s.size())
    return 0;
  char c = s[i];
  if (is_digit(c))
    return 0;
  if (is_alpha(c))
    return c;
  if (c == '~')
    return -1;
  return static_cast<signed char>(c) + 256;
}

int sign(int v) {
  return (v > 0) - (v < 0);
}

} // namespace

int compare_fragment(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  auto digit_at = [](std::string_view s, std::size_t k) { return k < s.size() && is_digit(s[k]); };
  while (i < a.size() || j < b.size()) {
    while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
      int ac = order(a, i);
      int bc = order(b, j);
      if (ac != bc)
        return sign(ac - bc);
      ++i;
      ++j;
    }
    while (i < a.size() && a[i] == '0')
      ++i;
    while (j < b.size() && b[j] == '0')
      ++j;
    int first_diff = 0;
    while (digit_at(a, i) && digit_at(b, j)) {
      if (first_diff == 0)
        first_diff = a[i] - b[j];
      ++i;
      ++j;
    }
    if (digit_at(a, i))
      return 1;
    if (digit_at(b, j))
      return -1;
    if (first_diff != 0)
      return sign(first_diff);
  }
  return 0;
}

Validity check(std::string_view v) {
  auto parsed = parse(v);
  if (!parsed)
    return parsed.error();
  return parsed->defect;
}

Order compare(std::string_view a, std::string_view b) {
  auto pa = parse(a);
  if (!pa)
    return std::unexpected(pa.error());
  auto pb = parse(b);
  if (!pb)
    return std::unexpected(pb.error());
  if (pa->epoch != pb->epoch)
    return pa->epoch < pb->epoch ? -1 : 1;
  if (int r = compare_fragment(pa->upstream, pb->upstream); r != 0)
    return r;
  return compare_fragment(pa->revision, pb->revision);
}

} // namespace moat::vuln::dpkg
