#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace moat::util {

namespace {
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
char upper(char c) {
  return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}
} // namespace

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  return s;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  return trim_right(trim_left(s));
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), upper);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::vector<std::string_view> split_trimmed(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for_each_trimmed(s, sep, [&out](std::string_view field) { out.push_back(field); });
  return out;
}

namespace {

// One character class at PATTERN[P] ('[' ... ']') against C; advances P
// past the class. False when the class is malformed.
bool class_match(std::string_view pattern, std::size_t& p, char c, bool& matched) {
  std::size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '^' || pattern[i] == '!')) {
    negate = true;
    ++i;
  }
  bool hit = false;
  bool first = true;
  while (i < pattern.size() && (first || pattern[i] != ']')) {
    first = false;
    char lo = pattern[i];
    if (lo == '\\' && i + 1 < pattern.size())
      lo = pattern[++i];
    ++i;
    char hi = lo;
    if (i + 1 < pattern.size() && pattern[i] == '-' && pattern[i + 1] != ']') {
      hi = pattern[i + 1];
      if (hi == '\\' && i + 2 < pattern.size())
        hi = pattern[++i + 1];
      i += 2;
    }
    if (lo <= c && c <= hi)
      hit = true;
  }
  if (i >= pattern.size())
    return false;
  p = i + 1;
  matched = hit != negate;
  return true;
}

// One path segment against one pattern segment.
bool segment_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
      continue;
    }
    if (p < pattern.size()) {
      bool ok = false;
      std::size_t next = p;
      if (pattern[p] == '?') {
        ok = true;
        next = p + 1;
      } else if (pattern[p] == '[') {
        bool matched = false;
        if (!class_match(pattern, next, text[t], matched))
          return false;
        ok = matched;
      } else if (pattern[p] == '\\' && p + 1 < pattern.size()) {
        ok = pattern[p + 1] == text[t];
        next = p + 2;
      } else {
        ok = pattern[p] == text[t];
        next = p + 1;
      }
      if (ok) {
        p = next;
        ++t;
        continue;
      }
    }
    if (star == std::string_view::npos)
      return false;
    p = star + 1;
    t = ++mark;
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

// Whether PAT[pi..] matches TXT[ti..]; FAILED remembers the (pi, ti)
// pairs known not to match, so "**" segments cost O(|PAT| x |TXT|).
bool segments_match(const std::vector<std::string_view>& pat, std::size_t pi,
                    const std::vector<std::string_view>& txt, std::size_t ti,
                    std::vector<bool>& failed) {
  const std::size_t key = pi * (txt.size() + 1) + ti;
  if (failed[key])
    return false;
  bool ok = false;
  if (pi == pat.size()) {
    ok = ti == txt.size();
  } else if (pat[pi] == "**") {
    for (std::size_t k = ti; k <= txt.size() && !ok; ++k)
      ok = segments_match(pat, pi + 1, txt, k, failed);
  } else {
    ok = ti < txt.size() && segment_match(pat[pi], txt[ti]) &&
         segments_match(pat, pi + 1, txt, ti + 1, failed);
  }
  if (!ok)
    failed[key] = true;
  return ok;
}

} // namespace

bool path_match(std::string_view pattern, std::string_view path) {
  std::vector<std::string_view> pat;
  for (auto part : split(pattern, '/'))
    if (!part.empty() && part != ".")
      pat.push_back(part);
  std::vector<std::string_view> txt;
  for (auto part : split(path, '/'))
    if (!part.empty() && part != ".")
      txt.push_back(part);
  // Real patterns and paths have a few dozen segments; the recursion is
  // bounded by the pattern's, so absurd ones match nothing.
  if (pat.size() > 256 || txt.size() > 4096)
    return false;
  std::vector<bool> failed((pat.size() + 1) * (txt.size() + 1), false);
  return segments_match(pat, 0, txt, 0, failed);
}

bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\t' || (c >= 0x20 && c != 0x7f && c != 0xc2)) {
      out += text[i];
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else if (c == 0xc2) {
      out += text[i];
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0U : 1U)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates,
                          std::size_t max_distance) {
  const auto lower = to_lower(name);
  std::string best;
  std::size_t best_distance = max_distance + 1;
  for (const auto& c : candidates) {
    if (c == name)
      continue;
    const auto other = to_lower(c);
    auto d = edit_distance(other, lower);
    if (d > max_distance && lower.size() >= 2 && other.starts_with(lower))
      d = max_distance; // a prefix: "--form" for "--format"
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  if (std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 9)
      return std::nullopt;
    return std::chrono::seconds(std::stoll(std::string(text)));
  }
  std::chrono::milliseconds total{0};
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
      ++i;
    if (i == start || i - start > 9)
      return std::nullopt;
    const long long n = std::stoll(std::string(text.substr(start, i - start)));
    std::size_t unit_start = i;
    while (i < text.size() && text[i] >= 'a' && text[i] <= 'z')
      ++i;
    const auto unit = text.substr(unit_start, i - unit_start);
    if (unit == "ms")
      total += std::chrono::milliseconds(n);
    else if (unit == "s")
      total += std::chrono::seconds(n);
    else if (unit == "m")
      total += std::chrono::minutes(n);
    else if (unit == "h")
      total += std::chrono::hours(n);
    else
      return std::nullopt;
  }
  return total;
}

std::string describe_duration(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  if (ms % 1000 != 0)
    return fmt::format("{}ms", ms);
  auto s = ms / 1000;
  std::string out;
  if (s >= 3600) {
    out += fmt::format("{}h", s / 3600);
    s %= 3600;
  }
  if (s >= 60) {
    out += fmt::format("{}m", s / 60);
    s %= 60;
  }
  if (s > 0 || out.empty())
    out += fmt::format("{}s", s);
  return out;
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (n > (std::uint64_t{1} << 50U))
      return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0)
    return std::nullopt;
  auto unit = to_lower(text.substr(i));
  if (unit.ends_with("ib"))
    unit.resize(unit.size() - 2);
  else if (unit.size() == 2 && unit.ends_with('b'))
    unit.resize(1);
  else if (unit == "b")
    unit.clear();
  unsigned shift = 0;
  if (unit == "k")
    shift = 10;
  else if (unit == "m")
    shift = 20;
  else if (unit == "g")
    shift = 30;
  else if (unit == "t")
    shift = 40;
  else if (!unit.empty())
    return std::nullopt;
  if (shift > 0 && n > (std::uint64_t{1} << (63U - shift)))
    return std::nullopt;
  return n << shift;
}

} // namespace moat::util
