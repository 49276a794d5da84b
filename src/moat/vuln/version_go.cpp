// Go versions. Three spellings reach the matcher:
//   - module versions as golang.org/x/mod/semver reads them: "v1.2.3",
//     "v1.2.3-pre+build", the shorthands "v1" and "v1.2", pseudo-versions
//     ("v0.0.0-20191109021931-daa7c04131f5"), "+incompatible";
//   - the same without the "v", as OSV's Go data writes them ("1.20.0");
//   - toolchain versions as go/version reads them: "go1.21", "go1.21rc2",
//     "go1.21.0", "go1.9beta1", with an optional "-suffix" that is ignored.
// Each is mapped to one strict SemVer string and the SemVer order decides.
// Pseudo-versions need nothing special: Go builds them so that SemVer's
// pre-release order is their time order, and "+incompatible" is build
// metadata, which SemVer ignores.
//
// Toolchain versions map so that go/version's own order is kept:
//   go1.X.Y       -> 1.X.Y
//   go1.XkindN    -> 1.X.0-kind.N   (go1.21rc2 -> 1.21.0-rc.2, as OSV writes it)
//   go1.X, X < 21 -> 1.X.0          (before Go 1.21 "go1.20" was the release)
//   go1.X, X >= 21 -> 1.X.0-0       (a language version: below every 1.X
//                                    release and release candidate)
// so go1.21 < go1.21rc1 < go1.21.0, and "go1.19.8" compares with OSV's
// "1.20.0" as 1.19.8 does.

#include <moat/util/strings.hpp>
#include <moat/vuln/version.hpp>
#include <moat/vuln/version_detail.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace moat::vuln::golang {
namespace {

using Mapped = std::expected<std::string, std::string>;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_identifier_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

std::string invalid(std::string_view v, std::string_view reason) {
  return fmt::format("invalid Go version \"{}\": {}", util::terminal_safe(v), reason);
}

// A decimal number at the front of REST without a needless leading zero, as
// both x/mod/semver and go/version require; empty when there is none.
std::expected<std::string_view, std::string> cut_number(std::string_view& rest,
                                                        std::string_view what) {
  std::size_t n = 0;
  while (n < rest.size() && is_digit(rest[n]))
    ++n;
  if (n == 0)
    return std::unexpected(rest.empty() ? fmt::format("missing {} version", what)
                                        : fmt::format("{} version is not a number (found {})", what,
                                                      detail::describe_byte(rest[0])));
  if (n > 1 && rest[0] == '0')
    return std::unexpected(fmt::format("{} version has a leading zero", what));
  const std::string_view out = rest.substr(0, n);
  rest.remove_prefix(n);
  return out;
}

// Dot-separated identifiers at the front of REST, up to '+' or the end; any
// other character is an error.
std::expected<std::string_view, std::string>
cut_identifiers(std::string_view& rest, std::string_view what, bool numeric_rules) {
  const std::string_view start = rest;
  while (true) {
    std::size_t n = 0;
    bool numeric = true;
    while (n < rest.size() && is_identifier_char(rest[n])) {
      numeric = numeric && is_digit(rest[n]);
      ++n;
    }
    if (n == 0)
      return std::unexpected(rest.empty() || rest[0] == '.' || rest[0] == '+'
                                 ? fmt::format("empty {} identifier", what)
                                 : fmt::format("invalid character {} in the {}",
                                               detail::describe_byte(rest[0]), what));
    if (numeric_rules && numeric && n > 1 && rest[0] == '0')
      return std::unexpected(
          fmt::format("numeric {} identifier \"{}\" has a leading zero", what, rest.substr(0, n)));
    rest.remove_prefix(n);
    if (rest.empty() || rest[0] == '+')
      return start.substr(0, start.size() - rest.size());
    if (rest[0] != '.')
      return std::unexpected(
          fmt::format("invalid character {} in the {}", detail::describe_byte(rest[0]), what));
    rest.remove_prefix(1);
  }
}

// A module version after its "v", as x/mod/semver's parser reads it.
Mapped map_module(std::string_view rest) {
  auto major = cut_number(rest, "major");
  if (!major)
    return std::unexpected(major.error());
  if (rest.empty())
    return fmt::format("{}.0.0", *major);
  if (rest[0] != '.')
    return std::unexpected(
        fmt::format("unexpected {} after the major version", detail::describe_byte(rest[0])));
  rest.remove_prefix(1);
  auto minor = cut_number(rest, "minor");
  if (!minor)
    return std::unexpected(minor.error());
  // The shorthands "v1" and "v1.2" take no pre-release or build suffix.
  if (rest.empty())
    return fmt::format("{}.{}.0", *major, *minor);
  if (rest[0] != '.')
    return std::unexpected(
        fmt::format("unexpected {} after the minor version", detail::describe_byte(rest[0])));
  rest.remove_prefix(1);
  auto patch = cut_number(rest, "patch");
  if (!patch)
    return std::unexpected(patch.error());
  std::string out = fmt::format("{}.{}.{}", *major, *minor, *patch);
  if (!rest.empty() && rest[0] == '-') {
    rest.remove_prefix(1);
    auto pre = cut_identifiers(rest, "pre-release", true);
    if (!pre)
      return std::unexpected(pre.error());
    out += fmt::format("-{}", *pre);
  }
  if (!rest.empty() && rest[0] == '+') {
    rest.remove_prefix(1);
    auto build = cut_identifiers(rest, "build metadata", false);
    if (!build)
      return std::unexpected(build.error());
    if (!rest.empty())
      return std::unexpected(std::string("a second '+' in the build metadata"));
  }
  if (!rest.empty())
    return std::unexpected(
        fmt::format("unexpected {} after the version", detail::describe_byte(rest[0])));
  return out;
}

// The length of a decimal number as text; go/version compares numbers the
// same way (length first, then digits), so "21" is a string compare here.
bool less_than_21(std::string_view minor) {
  return minor.size() < 2 || (minor.size() == 2 && minor < "21");
}

// A toolchain version after its "go" (and without any "-suffix"), as
// go/version's parser reads it.
Mapped map_toolchain(std::string_view rest) {
  auto major = cut_number(rest, "major");
  if (!major)
    return std::unexpected(major.error());
  if (rest.empty())
    return fmt::format("{}.0.0", *major);
  if (rest[0] != '.')
    return std::unexpected(
        fmt::format("unexpected {} after the major version", detail::describe_byte(rest[0])));
  rest.remove_prefix(1);
  auto minor = cut_number(rest, "minor");
  if (!minor)
    return std::unexpected(minor.error());
  if (rest.empty())
    return fmt::format("{}.{}.0{}", *major, *minor, less_than_21(*minor) ? "" : "-0");
  if (rest[0] == '.') {
    rest.remove_prefix(1);
    auto patch = cut_number(rest, "patch");
    if (!patch)
      return std::unexpected(patch.error());
    if (!rest.empty())
      return std::unexpected(
          fmt::format("unexpected {} after the patch version (patch releases have no "
                      "pre-releases)",
                      detail::describe_byte(rest[0])));
    return fmt::format("{}.{}.{}", *major, *minor, *patch);
  }
  std::size_t n = 0;
  while (n < rest.size() && rest[n] >= 'a' && rest[n] <= 'z')
    ++n;
  if (n == 0)
    return std::unexpected(
        fmt::format("unexpected {} after the minor version", detail::describe_byte(rest[0])));
  const std::string_view kind = rest.substr(0, n);
  rest.remove_prefix(n);
  if (rest.empty())
    return fmt::format("{}.{}.0-{}", *major, *minor, kind);
  auto number = cut_number(rest, "pre-release");
  if (!number)
    return std::unexpected(number.error());
  if (!rest.empty())
    return std::unexpected(
        fmt::format("unexpected {} after the pre-release number", detail::describe_byte(rest[0])));
  return fmt::format("{}.{}.0-{}.{}", *major, *minor, kind, *number);
}

Mapped to_semver(std::string_view v) {
  if (v.empty())
    return std::unexpected(std::string("empty version"));
  if (v.starts_with("go")) {
    // "go1.21.0-bigcorp" names a vendor build of go1.21.0; go/version drops
    // everything from the first hyphen.
    const std::string_view rest = v.substr(2);
    return map_toolchain(rest.substr(0, rest.find('-')));
  }
  if (v[0] == 'v')
    return map_module(v.substr(1));
  if (is_digit(v[0]))
    return map_module(v);
  return std::unexpected(std::string("expected \"v\", \"go\" or a digit at the start"));
}

} // namespace

Order compare(std::string_view a, std::string_view b) {
  auto ma = to_semver(a);
  if (!ma)
    return std::unexpected(invalid(a, ma.error()));
  auto mb = to_semver(b);
  if (!mb)
    return std::unexpected(invalid(b, mb.error()));
  return semver::compare(*ma, *mb);
}

Validity check(std::string_view v) {
  if (auto m = to_semver(v); !m)
    return invalid(v, m.error());
  return std::nullopt;
}

} // namespace moat::vuln::golang
