#include <moat/util/formats.hpp>

#include <algorithm>
#include <cctype>

namespace moat::util {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// RFC 3986 unreserved, sub-delims, ':' and '@' (pchar without pct-encoded).
bool is_pchar(char c) {
  static constexpr std::string_view k_other = "-._~!$&'()*+,;=:@";
  return is_alpha(c) || is_digit(c) || k_other.find(c) != std::string_view::npos;
}

// Characters allowed in a URI part; '%' must start a two-digit escape.
bool uri_part_ok(std::string_view s, std::string_view extra) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() + 0 || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
        return false;
      i += 2;
      continue;
    }
    if (!is_pchar(c) && extra.find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

// N digits at S[POS..], advancing POS.
bool digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size())
    return false;
  for (std::size_t i = 0; i < n; ++i)
    if (!is_digit(s[pos + i]))
      return false;
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c)
    return false;
  ++pos;
  return true;
}

int number(std::string_view s, std::size_t from, std::size_t n) {
  int v = 0;
  for (std::size_t i = from; i < from + n; ++i)
    v = v * 10 + (s[i] - '0');
  return v;
}

// A SemVer numeric identifier: 0 or no leading zero.
bool numeric_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit) && (s.size() == 1 || s[0] != '0');
}

// Dot-separated identifiers of [0-9A-Za-z-]; NUMERIC_RULE forbids leading
// zeros in all-digit identifiers (pre-release) .
bool identifiers(std::string_view s, bool numeric_rule) {
  if (s.empty())
    return false;
  std::size_t start = 0;
  while (true) {
    const auto dot = s.find('.', start);
    const auto part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (part.empty() || !std::all_of(part.begin(), part.end(),
                                     [](char c) { return is_alpha(c) || is_digit(c) || c == '-'; }))
      return false;
    if (numeric_rule && std::all_of(part.begin(), part.end(), is_digit) && part.size() > 1 &&
        part[0] == '0')
      return false;
    if (dot == std::string_view::npos)
      return true;
    start = dot + 1;
  }
}

bool atext(char c) {
  static constexpr std::string_view k_other = "!#$%&'*+-/=?^_`{|}~";
  return is_alpha(c) || is_digit(c) || k_other.find(c) != std::string_view::npos ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.')
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (i + 1 < s.size() && s[i + 1] == '.')
        return false;
      continue;
    }
    if (!atext(s[i]))
      return false;
  }
  return true;
}

bool quoted_string(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"')
    return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (i + 2 >= s.size())
        return false;
      ++i;
      continue;
    }
    if (c == '"' || c < 0x20 || c == 0x7f)
      return false;
  }
  return true;
}

} // namespace

bool is_absolute_uri(std::string_view s) {
  if (s.empty() || !is_alpha(s[0]))
    return false;
  std::size_t colon = 1;
  while (colon < s.size() && (is_alpha(s[colon]) || is_digit(s[colon]) || s[colon] == '+' ||
                              s[colon] == '-' || s[colon] == '.'))
    ++colon;
  if (colon >= s.size() || s[colon] != ':')
    return false;
  std::string_view rest = s.substr(colon + 1);
  std::string_view fragment;
  if (auto hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!uri_part_ok(fragment, "/?") || !uri_part_ok(query, "/?"))
    return false;
  if (rest.starts_with("//")) {
    std::string_view authority = rest.substr(2);
    std::string_view path;
    if (auto slash = authority.find('/'); slash != std::string_view::npos) {
      path = authority.substr(slash);
      authority = authority.substr(0, slash);
    }
    // An IP literal in brackets keeps its colons and letters.
    if (auto open = authority.find('['); open != std::string_view::npos) {
      auto close = authority.find(']', open);
      if (close == std::string_view::npos)
        return false;
      const auto literal = authority.substr(open + 1, close - open - 1);
      if (literal.empty() || !std::all_of(literal.begin(), literal.end(), [](char c) {
            return is_hex(c) || c == ':' || c == '.' || c == 'v' || c == 'V';
          }))
        return false;
      authority = authority.substr(0, open);
    }
    return uri_part_ok(authority, "") && uri_part_ok(path, "/");
  }
  return uri_part_ok(rest, "/");
}

bool is_rfc3339(std::string_view s) {
  std::size_t pos = 0;
  if (!digits(s, pos, 4) || !expect(s, pos, '-') || !digits(s, pos, 2) || !expect(s, pos, '-') ||
      !digits(s, pos, 2))
    return false;
  const int month = number(s, 5, 2);
  const int day = number(s, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31)
    return false;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't'))
    return false;
  ++pos;
  const std::size_t time = pos;
  if (!digits(s, pos, 2) || !expect(s, pos, ':') || !digits(s, pos, 2) || !expect(s, pos, ':') ||
      !digits(s, pos, 2))
    return false;
  if (number(s, time, 2) > 23 || number(s, time + 3, 2) > 59 || number(s, time + 6, 2) > 60)
    return false;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos]))
      ++pos;
    if (pos == start)
      return false;
  }
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z'))
    return pos + 1 == s.size();
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-'))
    return false;
  ++pos;
  const std::size_t offset = pos;
  if (!digits(s, pos, 2) || !expect(s, pos, ':') || !digits(s, pos, 2))
    return false;
  return pos == s.size() && number(s, offset, 2) <= 23 && number(s, offset + 3, 2) <= 59;
}

bool is_git_hash(std::string_view s) {
  return (s.size() == 7 || s.size() == 40) && std::all_of(s.begin(), s.end(), [](char c) {
           return is_digit(c) || (c >= 'a' && c <= 'f');
         });
}

bool is_semver(std::string_view s) {
  std::string_view build;
  if (auto plus = s.find('+'); plus != std::string_view::npos) {
    build = s.substr(plus + 1);
    s = s.substr(0, plus);
    if (!identifiers(build, false))
      return false;
  }
  if (auto dash = s.find('-'); dash != std::string_view::npos) {
    if (!identifiers(s.substr(dash + 1), true))
      return false;
    s = s.substr(0, dash);
  }
  const auto first = s.find('.');
  const auto second = first == std::string_view::npos ? first : s.find('.', first + 1);
  if (second == std::string_view::npos || s.find('.', second + 1) != std::string_view::npos)
    return false;
  return numeric_identifier(s.substr(0, first)) &&
         numeric_identifier(s.substr(first + 1, second - first - 1)) &&
         numeric_identifier(s.substr(second + 1));
}

bool is_email(std::string_view s) {
  const auto at = s.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == s.size())
    return false;
  const auto local = s.substr(0, at);
  const auto domain = s.substr(at + 1);
  if (!dot_atom(local) && !quoted_string(local))
    return false;
  if (domain.front() == '[')
    return domain.back() == ']' && domain.size() > 2 &&
           std::none_of(domain.begin() + 1, domain.end() - 1,
                        [](char c) { return c == '[' || c == ']' || c == '\\' || c == ' '; });
  return dot_atom(domain);
}

} // namespace moat::util
