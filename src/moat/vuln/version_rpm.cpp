// The rpm version scheme: rpmvercmp() for one version or release string,
// and the [epoch:]version[-release] comparison of rpm 4.18's rpmverCmp().

#include <moat/util/strings.hpp>
#include <moat/vuln/version.hpp>

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace moat::vuln::rpm {

namespace {

// rpm's character classes are ASCII-only: any other byte is a separator,
// which is why "1.1.α" and "1.1.β" compare equal.
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) {
  return is_digit(c) || is_alpha(c);
}

struct Evr {
  std::string_view epoch; // "0" when absent
  std::string_view version;
  std::optional<std::string_view> release;
};

std::string invalid(std::string_view v, std::string_view reason) {
  return fmt::format("invalid rpm version \"{}\": {}", util::terminal_safe(v), reason);
}

std::expected<Evr, std::string> parse(std::string_view v) {
  if (v.empty())
    return std::unexpected(invalid(v, "empty version"));
  Evr out{"0", v, std::nullopt};
  std::string_view rest = v;
  if (auto colon = v.find(':'); colon != std::string_view::npos) {
    std::string_view epoch = v.substr(0, colon);
    if (epoch.empty())
      return std::unexpected(invalid(v, "empty epoch before ':'"));
    for (char c : epoch)
      if (!is_digit(c))
        return std::unexpected(invalid(v, "epoch is not a number"));
    out.epoch = epoch;
    rest = v.substr(colon + 1);
  }
  out.version = rest;
  if (auto hyphen = rest.rfind('-'); hyphen != std::string_view::npos) {
    out.version = rest.substr(0, hyphen);
    out.release = rest.substr(hyphen + 1);
    if (out.release->empty())
      return std::unexpected(invalid(v, "empty release after '-'"));
  }
  if (out.version.empty())
    return std::unexpected(invalid(v, "empty version part"));
  return out;
}

int sign(int v) {
  return (v > 0) - (v < 0);
}

} // namespace

int vercmp(std::string_view a, std::string_view b) {
  if (a == b)
    return 0;
  std::size_t i = 0;
  std::size_t j = 0;
  auto at = [](std::string_view s, std::size_t k, char c) { return k < s.size() && s[k] == c; };
  auto is_separator = [](char c) { return !is_alnum(c) && c != '~' && c != '^'; };

  while (i < a.size() || j < b.size()) {
    while (i < a.size() && is_separator(a[i]))
      ++i;
    while (j < b.size() && is_separator(b[j]))
      ++j;

    // '~' sorts before anything, even the end of the string ("1.0~rc1" < "1.0").
    if (at(a, i, '~') || at(b, j, '~')) {
      if (!at(a, i, '~'))
        return 1;
      if (!at(b, j, '~'))
        return -1;
      ++i;
      ++j;
      continue;
    }
    // '^' sorts after the end of the string but before anything else
    // ("1.0" < "1.0^git1" < "1.0.1").
    if (at(a, i, '^') || at(b, j, '^')) {
      if (i == a.size())
        return -1;
      if (j == b.size())
        return 1;
      if (!at(a, i, '^'))
        return 1;
      if (!at(b, j, '^'))
        return -1;
      ++i;
      ++j;
      continue;
    }
    if (i == a.size() || j == b.size())
      break;

    // One segment from each side, of the kind A's segment starts with.
    const bool numeric = is_digit(a[i]);
    auto in_segment = numeric ? is_digit : is_alpha;
    std::size_t ei = i;
    std::size_t ej = j;
    while (ei < a.size() && in_segment(a[ei]))
      ++ei;
    while (ej < b.size() && in_segment(b[ej]))
      ++ej;
    // B's segment is of the other kind: numbers are newer than letters.
    if (ej == j)
      return numeric ? 1 : -1;

    std::string_view sa = a.substr(i, ei - i);
    std::string_view sb = b.substr(j, ej - j);
    if (numeric) {
      while (!sa.empty() && sa.front() == '0')
        sa.remove_prefix(1);
      while (!sb.empty() && sb.front() == '0')
        sb.remove_prefix(1);
      if (sa.size() != sb.size())
        return sa.size() < sb.size() ? -1 : 1;
    }
    if (int r = sa.compare(sb); r != 0)
      return sign(r);
    i = ei;
    j = ej;
  }
  if (i == a.size() && j == b.size())
    return 0;
  return i < a.size() ? 1 : -1;
}

Validity check(std::string_view v) {
  auto parsed = parse(v);
  if (!parsed)
    return parsed.error();
  return std::nullopt;
}

Order compare(std::string_view a, std::string_view b) {
  auto pa = parse(a);
  if (!pa)
    return std::unexpected(pa.error());
  auto pb = parse(b);
  if (!pb)
    return std::unexpected(pb.error());
  if (int r = vercmp(pa->epoch, pb->epoch); r != 0)
    return r;
  if (int r = vercmp(pa->version, pb->version); r != 0)
    return r;
  // rpm 4.18's rpmverCmp (rpm.ver, labelCompare): a missing release sorts
  // before any release, so "1.0" < "1.0-1".
  if (pa->release && pb->release)
    return vercmp(*pa->release, *pb->release);
  if (pa->release.has_value() != pb->release.has_value())
    return pa->release ? 1 : -1;
  return 0;
}

} // namespace moat::vuln::rpm
