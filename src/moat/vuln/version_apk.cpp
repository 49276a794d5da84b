// The apk version scheme, as apk-tools (3.x HEAD) reads it:
//   digits{.digits}[letter]{_suffix[digits]}[~hexhash][-rdigits]
// and orders it token by token.

#include <moat/util/strings.hpp>
#include <moat/vuln/version.hpp>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace moat::vuln::apk {

namespace {

// The order matters: it says which token may follow which, and when one
// version runs out of tokens first, the one stopped at the higher kind is
// the older version ("1.0" < "1.0-r1" < "1.0.1").
enum class Kind : std::uint8_t {
  initial_digit,
  digit,
  letter,
  suffix,
  suffix_no,
  commit_hash,
  revision_no,
  end,
  invalid,
};

// Pre-release suffixes rank below "none", post-release ones above it.
enum class Suffix : std::uint8_t { invalid, alpha, beta, pre, rc, none, cvs, svn, git, hg, p };

struct SuffixName {
  std::string_view name;
  Suffix value;
};

constexpr std::array<SuffixName, 9> k_suffixes{{
    {"alpha", Suffix::alpha},
    {"beta", Suffix::beta},
    {"pre", Suffix::pre},
    {"rc", Suffix::rc},
    {"cvs", Suffix::cvs},
    {"svn", Suffix::svn},
    {"git", Suffix::git},
    {"hg", Suffix::hg},
    {"p", Suffix::p},
}};

Suffix suffix_value(std::string_view name) {
  for (const auto& s : k_suffixes)
    if (s.name == name)
      return s.value;
  return Suffix::invalid;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f');
}

std::string_view kind_name(Kind k) {
  switch (k) {
  case Kind::initial_digit:
  case Kind::digit:
    return "number";
  case Kind::letter:
    return "letter";
  case Kind::suffix:
    return "suffix";
  case Kind::suffix_no:
    return "suffix number";
  case Kind::commit_hash:
    return "commit hash";
  case Kind::revision_no:
    return "revision";
  case Kind::end:
  case Kind::invalid:
    break;
  }
  return "end";
}

std::string describe(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f)
    return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02x}", byte);
}

// Walks a version one token at a time; once a token is invalid, m_reason
// says why and the walk stops there.
class Tokens {
public:
  explicit Tokens(std::string_view v) : m_rest(v) {
    m_kind = Kind::initial_digit;
    m_value = take_digits();
    if (m_value.empty())
      fail(v.empty() ? "empty version" : "must start with a digit");
  }

  [[nodiscard]] Kind kind() const { return m_kind; }
  [[nodiscard]] Suffix suffix() const { return m_suffix; }
  [[nodiscard]] std::string_view value() const { return m_value; }
  [[nodiscard]] const std::string& reason() const { return m_reason; }

  void next() {
    if (m_kind >= Kind::end)
      return;
    if (m_rest.empty()) {
      m_kind = Kind::end;
      return;
    }
    const char c = m_rest.front();
    const Kind prev = m_kind;
    if (is_lower(c)) {
      if (prev > Kind::digit)
        return unexpected(c);
      m_value = m_rest.substr(0, 1);
      m_rest.remove_prefix(1);
      m_kind = Kind::letter;
    } else if (c == '.' || is_digit(c)) {
      if (prev > Kind::digit && !(is_digit(c) && prev == Kind::suffix))
        return unexpected(c);
      if (c == '.')
        m_rest.remove_prefix(1);
      m_kind = prev == Kind::suffix ? Kind::suffix_no : Kind::digit;
      m_value = take_digits();
      if (m_value.empty())
        return fail("'.' must be followed by a digit");
    } else if (c == '_') {
      if (prev > Kind::suffix_no)
        return unexpected(c);
      m_rest.remove_prefix(1);
      m_value = take_while(is_lower);
      m_suffix = suffix_value(m_value);
      if (m_suffix == Suffix::invalid)
        return fail(m_value.empty() ? std::string("empty suffix after '_'")
                                    : fmt::format("unknown suffix \"_{}\"", m_value));
      m_kind = Kind::suffix;
    } else if (c == '~') {
      if (prev >= Kind::commit_hash)
        return unexpected(c);
      m_rest.remove_prefix(1);
      m_value = take_while(is_hex);
      if (m_value.empty())
        return fail("'~' must be followed by a lower-case hex commit hash");
      m_kind = Kind::commit_hash;
    } else if (c == '-') {
      if (prev >= Kind::revision_no)
        return unexpected(c);
      if (!m_rest.starts_with("-r"))
        return fail("'-' must start a revision (-r<number>)");
      m_rest.remove_prefix(2);
      m_value = take_digits();
      if (m_value.empty())
        return fail("revision \"-r\" has no number");
      m_kind = Kind::revision_no;
    } else {
      return fail(fmt::format("unexpected character {}", describe(c)));
    }
  }

private:
  std::string_view take_while(bool (*pred)(char)) {
    std::size_t n = 0;
    while (n < m_rest.size() && pred(m_rest[n]))
      ++n;
    auto taken = m_rest.substr(0, n);
    m_rest.remove_prefix(n);
    return taken;
  }
  std::string_view take_digits() { return take_while(is_digit); }

  void fail(std::string reason) {
    m_kind = Kind::invalid;
    m_reason = std::move(reason);
  }
  void unexpected(char c) {
    fail(fmt::format("unexpected {} after the {}", describe(c), kind_name(m_kind)));
  }

  std::string_view m_rest;
  Kind m_kind = Kind::initial_digit;
  Suffix m_suffix = Suffix::invalid;
  std::string_view m_value;
  std::string m_reason;
};

// Numeric order of two digit strings of any length (apk-tools reads them
// into a uint64_t; this agrees wherever that does not overflow).
int compare_number(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a.front() == '0')
    a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0')
    b.remove_prefix(1);
  if (a.size() != b.size())
    return a.size() < b.size() ? -1 : 1;
  int r = a.compare(b);
  return (r > 0) - (r < 0);
}

int compare_bytes(std::string_view a, std::string_view b) {
  int r = a.compare(b);
  return (r > 0) - (r < 0);
}

int compare_token(const Tokens& a, const Tokens& b) {
  switch (a.kind()) {
  case Kind::digit:
    // Gentoo's rule: a component with a leading zero is a decimal fraction,
    // so it compares as a string ("1.02" < "1.1", "8.2.0015" < "8.2.002").
    if (a.value().front() == '0' || b.value().front() == '0')
      return compare_bytes(a.value(), b.value());
    return compare_number(a.value(), b.value());
  case Kind::initial_digit:
  case Kind::suffix_no:
  case Kind::revision_no:
    return compare_number(a.value(), b.value());
  case Kind::letter:
    return compare_bytes(a.value(), b.value());
  case Kind::suffix:
    return a.suffix() < b.suffix() ? -1 : (a.suffix() > b.suffix() ? 1 : 0);
  case Kind::commit_hash:
  case Kind::end:
  case Kind::invalid:
    break;
  }
  return compare_bytes(a.value(), b.value());
}

std::string invalid(std::string_view v, std::string_view reason) {
  return fmt::format("invalid apk version \"{}\": {}", util::terminal_safe(v), reason);
}

bool is_pre_release(const Tokens& t) {
  return t.kind() == Kind::suffix && t.suffix() < Suffix::none;
}

// apk-tools' comparison, which stops at the first difference. A malformed
// token is refused only when the walk reaches it: apk-tools' own vectors
// order versions such as "1.0bc" by their well-formed prefix.
Order compare_impl(std::string_view a, std::string_view b, bool fuzzy) {
  Tokens ta(a);
  Tokens tb(b);
  for (; ta.kind() == tb.kind() && ta.kind() < Kind::end; ta.next(), tb.next()) {
    if (int r = compare_token(ta, tb); r != 0)
      return r;
  }
  if (ta.kind() == Kind::invalid)
    return std::unexpected(invalid(a, ta.reason()));
  if (tb.kind() == Kind::invalid)
    return std::unexpected(invalid(b, tb.reason()));
  if (ta.kind() == tb.kind())
    return 0;
  // Fuzzy matching: B ran out first, so A starts with B's components.
  if (fuzzy && tb.kind() == Kind::end)
    return 0;
  if (is_pre_release(ta))
    return -1;
  if (is_pre_release(tb))
    return 1;
  return ta.kind() > tb.kind() ? -1 : 1;
}

constexpr unsigned k_less = 1;
constexpr unsigned k_equal = 2;
constexpr unsigned k_greater = 4;
constexpr unsigned k_fuzzy = 8;

} // namespace

Order compare(std::string_view a, std::string_view b) {
  return compare_impl(a, b, false);
}

Validity check(std::string_view v) {
  Tokens t(v);
  while (t.kind() < Kind::end)
    t.next();
  if (t.kind() == Kind::invalid)
    return invalid(v, t.reason());
  return std::nullopt;
}

bool fuzzy(std::string_view a, std::string_view op, std::string_view b) {
  // apk's dependency operators are sets of outcomes: "<~" is less, equal or
  // a fuzzy (prefix) match. Any other character makes the operator unknown.
  unsigned mask = 0;
  for (char c : op) {
    switch (c) {
    case '<':
      mask |= k_less;
      break;
    case '>':
      mask |= k_greater;
      break;
    case '=':
      mask |= k_equal;
      break;
    case '~':
      mask |= k_fuzzy | k_equal;
      break;
    default:
      return false;
    }
  }
  if (mask == 0)
    return false;
  auto order = compare_impl(a, b, (mask & k_fuzzy) != 0);
  if (!order)
    return false;
  unsigned outcome = *order < 0 ? k_less : (*order > 0 ? k_greater : k_equal);
  return (mask & outcome) != 0;
}

} // namespace moat::vuln::apk
