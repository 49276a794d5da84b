// PEP 440 versions as pypa/packaging's Version parses, orders and prints them.
// The parser follows packaging's regular expression (compiled with
// IGNORECASE, anchored with optional whitespace at both ends) by hand, so
// numbers of any length are kept as digit strings and never overflow.

#include <moat/util/strings.hpp>
#include <moat/util/unicode.hpp>
#include <moat/vuln/version.hpp>
#include <moat/vuln/version_detail.hpp>

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::vuln::pep440 {
namespace {

// Pre-release kinds in their sort order: a < b < rc.
enum class PreKind { alpha = 0, beta = 1, rc = 2 };

struct Parsed {
  std::string_view epoch; // digits; empty when absent
  std::vector<std::string_view> release;
  std::optional<PreKind> pre;
  std::string_view pre_number; // empty means 0
  bool has_post = false;
  std::string_view post_number;
  bool has_dev = false;
  std::string_view dev_number;
  bool has_local = false;
  std::vector<std::string_view> local; // as written; case folded when used
};

using ParseResult = std::expected<Parsed, std::string>;

// Spellings packaging accepts, in the order its alternation tries them
// (longest first where one is a prefix of another).
constexpr std::array<std::pair<std::string_view, PreKind>, 8> k_pre_spellings = {{
    {"alpha", PreKind::alpha},
    {"a", PreKind::alpha},
    {"beta", PreKind::beta},
    {"b", PreKind::beta},
    {"preview", PreKind::rc},
    {"pre", PreKind::rc},
    {"c", PreKind::rc},
    {"rc", PreKind::rc},
}};
constexpr std::array<std::string_view, 3> k_post_spellings = {"post", "rev", "r"};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_separator(char c) {
  return c == '.' || c == '_' || c == '-';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view strip_zeros(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0')
    digits.remove_prefix(1);
  return digits.empty() ? std::string_view("0") : digits;
}

int compare_numbers(std::string_view a, std::string_view b) {
  a = strip_zeros(a);
  b = strip_zeros(b);
  if (a.size() != b.size())
    return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c))
      return false;
  return !s.empty();
}

std::string invalid(std::string_view v, std::string_view reason) {
  return fmt::format("invalid PEP 440 version \"{}\": {}", util::terminal_safe(v), reason);
}

// Python's str.isspace(), which is what \s matches in packaging's pattern.
bool is_python_space(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

// The whitespace around a version: [begin, end) of what is left inside.
std::pair<std::size_t, std::size_t> trim_bounds(std::string_view s) {
  std::size_t begin = 0;
  while (begin < s.size()) {
    const auto [cp, len] = util::decode_utf8(s.substr(begin));
    if (len == 0 || !is_python_space(cp))
      break;
    begin += len;
  }
  std::size_t end = begin;
  std::size_t i = begin;
  while (i < s.size()) {
    const auto [cp, len] = util::decode_utf8(s.substr(i));
    const std::size_t step = len == 0 ? 1 : len;
    if (len == 0 || !is_python_space(cp))
      end = i + step;
    i += step;
  }
  return {begin, end};
}

// A cursor over the version text; offsets in messages are byte offsets into
// the caller's string.
class Cursor {
public:
  Cursor(std::string_view text, std::size_t pos, std::size_t end)
      : m_text(text), m_pos(pos), m_end(end) {}

  [[nodiscard]] bool at_end() const { return m_pos >= m_end; }
  [[nodiscard]] char peek(std::size_t ahead = 0) const {
    return m_pos + ahead < m_end ? m_text[m_pos + ahead] : '\0';
  }
  [[nodiscard]] std::size_t pos() const { return m_pos; }
  void reset(std::size_t pos) { m_pos = pos; }

  std::string_view digits() {
    const std::size_t start = m_pos;
    while (m_pos < m_end && is_digit(m_text[m_pos]))
      ++m_pos;
    return m_text.substr(start, m_pos - start);
  }

  bool separator() {
    if (m_pos < m_end && is_separator(m_text[m_pos])) {
      ++m_pos;
      return true;
    }
    return false;
  }

  // Consumes WORD when the text continues with it in any letter case.
  bool word(std::string_view word) {
    if (m_end - m_pos < word.size())
      return false;
    for (std::size_t i = 0; i < word.size(); ++i)
      if (lower(m_text[m_pos + i]) != word[i])
        return false;
    m_pos += word.size();
    return true;
  }

private:
  std::string_view m_text;
  std::size_t m_pos;
  std::size_t m_end;
};

void parse_pre(Cursor& in, Parsed& out) {
  const std::size_t start = in.pos();
  in.separator();
  for (const auto& [spelling, kind] : k_pre_spellings) {
    if (in.word(spelling)) {
      out.pre = kind;
      in.separator();
      out.pre_number = in.digits();
      return;
    }
  }
  in.reset(start);
}

void parse_post(Cursor& in, Parsed& out) {
  const std::size_t start = in.pos();
  // The implicit form "1.0-1" is a post-release.
  if (in.peek() == '-' && is_digit(in.peek(1))) {
    in.separator();
    out.has_post = true;
    out.post_number = in.digits();
    return;
  }
  in.separator();
  for (std::string_view spelling : k_post_spellings) {
    if (in.word(spelling)) {
      out.has_post = true;
      in.separator();
      out.post_number = in.digits();
      return;
    }
  }
  in.reset(start);
}

void parse_dev(Cursor& in, Parsed& out) {
  const std::size_t start = in.pos();
  in.separator();
  if (in.word("dev")) {
    out.has_dev = true;
    in.separator();
    out.dev_number = in.digits();
    return;
  }
  in.reset(start);
}

ParseResult parse(std::string_view v) {
  const auto [begin, end] = trim_bounds(v);
  if (begin == end)
    return std::unexpected(std::string("empty version"));
  Cursor in(v, begin, end);
  Parsed out;
  if (lower(in.peek()) == 'v')
    in.reset(in.pos() + 1);

  std::string_view number = in.digits();
  if (!number.empty() && in.peek() == '!') {
    out.epoch = number;
    in.reset(in.pos() + 1);
    number = in.digits();
    if (number.empty())
      return std::unexpected(std::string("no release number after the epoch"));
  }
  if (number.empty())
    return std::unexpected(in.at_end()
                               ? std::string("no release number")
                               : fmt::format("expected a release number at offset {}, found {}",
                                             in.pos(), detail::describe_byte(in.peek())));
  out.release.push_back(number);
  while (in.peek() == '.' && is_digit(in.peek(1))) {
    in.reset(in.pos() + 1);
    out.release.push_back(in.digits());
  }

  parse_pre(in, out);
  parse_post(in, out);
  parse_dev(in, out);

  if (in.peek() == '+' && !in.at_end()) {
    in.reset(in.pos() + 1);
    out.has_local = true;
    while (true) {
      const std::size_t start = in.pos();
      while (!in.at_end() && is_alnum(in.peek()))
        in.reset(in.pos() + 1);
      if (in.pos() == start)
        return std::unexpected(
            in.at_end() ? std::string("empty part in the local version label")
                        : fmt::format("unexpected {} at offset {} in the local version label",
                                      detail::describe_byte(in.peek()), in.pos()));
      out.local.push_back(v.substr(start, in.pos() - start));
      if (!is_separator(in.peek()) || in.at_end())
        break;
      in.reset(in.pos() + 1);
    }
  }
  if (!in.at_end())
    return std::unexpected(
        fmt::format("unexpected {} at offset {}", detail::describe_byte(in.peek()), in.pos()));
  return out;
}

// The release segment compared with trailing zeros ignored: 1.0 == 1.0.0.
int compare_release(const std::vector<std::string_view>& a,
                    const std::vector<std::string_view>& b) {
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view x = i < a.size() ? a[i] : std::string_view("0");
    const std::string_view y = i < b.size() ? b[i] : std::string_view("0");
    if (int c = compare_numbers(x, y); c != 0)
      return c;
  }
  return 0;
}

// packaging's key for the pre-release slot: a dev release with neither pre
// nor post sorts before every pre-release (1.0.dev0 < 1.0a0); no pre-release
// sorts after all of them. Returns {rank, kind, number}.
struct PreKey {
  int rank; // 0: below all, 1: a real pre-release, 2: above all
  int kind;
  std::string_view number;
};

PreKey pre_key(const Parsed& p) {
  if (!p.pre && !p.has_post && p.has_dev)
    return {0, 0, {}};
  if (!p.pre)
    return {2, 0, {}};
  return {1, static_cast<int>(*p.pre), p.pre_number};
}

int compare_local_part(std::string_view a, std::string_view b) {
  const bool an = all_digits(a);
  const bool bn = all_digits(b);
  // Alphanumeric parts sort before numeric ones.
  if (an != bn)
    return an ? 1 : -1;
  if (an)
    return compare_numbers(a, b);
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const char x = lower(a[i]);
    const char y = lower(b[i]);
    if (x != y)
      return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

int compare_parsed(const Parsed& a, const Parsed& b) {
  if (int c = compare_numbers(a.epoch, b.epoch); c != 0)
    return c;
  if (int c = compare_release(a.release, b.release); c != 0)
    return c;
  const PreKey pa = pre_key(a);
  const PreKey pb = pre_key(b);
  if (pa.rank != pb.rank)
    return pa.rank < pb.rank ? -1 : 1;
  if (pa.rank == 1) {
    if (pa.kind != pb.kind)
      return pa.kind < pb.kind ? -1 : 1;
    if (int c = compare_numbers(pa.number, pb.number); c != 0)
      return c;
  }
  // No post-release sorts before any post-release.
  if (a.has_post != b.has_post)
    return a.has_post ? 1 : -1;
  if (a.has_post)
    if (int c = compare_numbers(a.post_number, b.post_number); c != 0)
      return c;
  // No dev release sorts after any dev release.
  if (a.has_dev != b.has_dev)
    return a.has_dev ? -1 : 1;
  if (a.has_dev)
    if (int c = compare_numbers(a.dev_number, b.dev_number); c != 0)
      return c;
  if (a.has_local != b.has_local)
    return a.has_local ? 1 : -1;
  for (std::size_t i = 0; i < a.local.size() && i < b.local.size(); ++i)
    if (int c = compare_local_part(a.local[i], b.local[i]); c != 0)
      return c;
  if (a.local.size() == b.local.size())
    return 0;
  return a.local.size() < b.local.size() ? -1 : 1;
}

constexpr std::array<std::string_view, 3> k_pre_normal = {"a", "b", "rc"};

std::string to_normal(const Parsed& p) {
  std::string out;
  if (const std::string_view epoch = strip_zeros(p.epoch); epoch != "0")
    out += fmt::format("{}!", epoch);
  for (std::size_t i = 0; i < p.release.size(); ++i) {
    if (i > 0)
      out += '.';
    out += strip_zeros(p.release[i]);
  }
  if (p.pre)
    out += fmt::format("{}{}", k_pre_normal[static_cast<std::size_t>(*p.pre)],
                       strip_zeros(p.pre_number));
  if (p.has_post)
    out += fmt::format(".post{}", strip_zeros(p.post_number));
  if (p.has_dev)
    out += fmt::format(".dev{}", strip_zeros(p.dev_number));
  if (p.has_local) {
    out += '+';
    for (std::size_t i = 0; i < p.local.size(); ++i) {
      if (i > 0)
        out += '.';
      if (all_digits(p.local[i])) {
        out += strip_zeros(p.local[i]);
      } else {
        for (char c : p.local[i])
          out += lower(c);
      }
    }
  }
  return out;
}

} // namespace

Order compare(std::string_view a, std::string_view b) {
  auto pa = parse(a);
  if (!pa)
    return std::unexpected(invalid(a, pa.error()));
  auto pb = parse(b);
  if (!pb)
    return std::unexpected(invalid(b, pb.error()));
  return compare_parsed(*pa, *pb);
}

Validity check(std::string_view v) {
  if (auto p = parse(v); !p)
    return invalid(v, p.error());
  return std::nullopt;
}

std::expected<std::string, std::string> normalize(std::string_view v) {
  auto p = parse(v);
  if (!p)
    return std::unexpected(invalid(v, p.error()));
  return to_normal(*p);
}

} // namespace moat::vuln::pep440
