// RubyGems versions as Gem::Version reads and orders them.
//
// Gem::Version accepts /\A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+
// (\.[0-9A-Za-z-]+)*)?)?\s*\z/, turns every "-" into ".pre.", and splits the
// result into runs of digits (numbers) and runs of letters (strings). A
// string segment marks a pre-release and sorts below any number, so
// "1.0.a" < "1.0". Trailing zeros are dropped from the numeric part before
// the first string and from the part after it, so "1.0" == "1" and
// "1.0.a.0" == "1.a". An empty or blank version is "0".

#include <moat/util/strings.hpp>
#include <moat/vuln/version.hpp>
#include <moat/vuln/version_detail.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace moat::vuln::gem {
namespace {

struct Segment {
  bool number = false;
  std::string text; // digits without leading zeros, or letters as written
};

using Segments = std::vector<Segment>;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_alnum(char c) {
  return is_digit(c) || is_letter(c);
}

// Ruby's \s: ASCII blanks only.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string invalid(std::string_view v, std::string_view reason) {
  return fmt::format("invalid RubyGems version \"{}\": {}", util::terminal_safe(v), reason);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

// Why V does not match Gem::Version's pattern, or an empty string when it does.
std::string pattern_defect(std::string_view v) {
  std::size_t i = 0;
  auto run = [&](bool (*accept)(char)) {
    const std::size_t start = i;
    while (i < v.size() && accept(v[i]))
      ++i;
    return i - start;
  };
  if (run(is_digit) == 0)
    return fmt::format("expected a digit at offset 0, found {}", detail::describe_byte(v[0]));
  while (i + 1 < v.size() && v[i] == '.' && is_alnum(v[i + 1])) {
    ++i;
    run(is_alnum);
  }
  if (i < v.size() && v[i] == '-') {
    auto pre_char = [](char c) { return is_alnum(c) || c == '-'; };
    do {
      ++i;
      if (run(pre_char) == 0)
        return fmt::format("empty pre-release segment at offset {}", i);
    } while (i < v.size() && v[i] == '.');
  }
  if (i < v.size())
    return fmt::format("unexpected {} at offset {}", detail::describe_byte(v[i]), i);
  return {};
}

std::expected<Segments, std::string> parse(std::string_view v) {
  const std::string_view body = trim(v);
  if (body.empty())
    return Segments{};
  if (std::string defect = pattern_defect(body); !defect.empty())
    return std::unexpected(std::move(defect));
  // A hyphen reads as ".pre.": the segment "pre" sits where the hyphen was.
  Segments all;
  std::size_t first_string = std::string::npos;
  std::size_t i = 0;
  while (i < body.size()) {
    const char c = body[i];
    if (c == '-') {
      if (first_string == std::string::npos)
        first_string = all.size();
      all.push_back({false, "pre"});
      ++i;
    } else if (is_digit(c)) {
      std::size_t start = i;
      while (i < body.size() && is_digit(body[i]))
        ++i;
      while (i - start > 1 && body[start] == '0')
        ++start;
      all.push_back({true, std::string(body.substr(start, i - start))});
    } else if (is_letter(c)) {
      const std::size_t start = i;
      while (i < body.size() && is_letter(body[i]))
        ++i;
      if (first_string == std::string::npos)
        first_string = all.size();
      all.push_back({false, std::string(body.substr(start, i - start))});
    } else {
      ++i;
    }
  }
  // Drop the trailing zeros of the numeric part and of the rest, separately.
  auto drop_zeros = [](Segments& part) {
    while (!part.empty() && part.back().number && part.back().text == "0")
      part.pop_back();
  };
  const std::size_t split = first_string == std::string::npos ? all.size() : first_string;
  Segments numeric(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(split));
  Segments rest(all.begin() + static_cast<std::ptrdiff_t>(split), all.end());
  drop_zeros(numeric);
  drop_zeros(rest);
  numeric.insert(numeric.end(), rest.begin(), rest.end());
  return numeric;
}

int compare_segments(const Segments& a, const Segments& b) {
  static const Segment zero{true, "0"};
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Segment& x = i < a.size() ? a[i] : zero;
    const Segment& y = i < b.size() ? b[i] : zero;
    if (x.number != y.number)
      return x.number ? 1 : -1;
    int c = 0;
    if (x.number && x.text.size() != y.text.size())
      c = x.text.size() < y.text.size() ? -1 : 1;
    else
      c = x.text.compare(y.text);
    if (c != 0)
      return c < 0 ? -1 : 1;
  }
  return 0;
}

} // namespace

Order compare(std::string_view a, std::string_view b) {
  auto pa = parse(a);
  if (!pa)
    return std::unexpected(invalid(a, pa.error()));
  auto pb = parse(b);
  if (!pb)
    return std::unexpected(invalid(b, pb.error()));
  return compare_segments(*pa, *pb);
}

Validity check(std::string_view v) {
  if (auto p = parse(v); !p)
    return invalid(v, p.error());
  return std::nullopt;
}

} // namespace moat::vuln::gem
