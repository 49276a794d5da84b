#include <moat/vuln/version.hpp>

namespace moat::vuln {

std::optional<Scheme> scheme_for_ecosystem(std::string_view ecosystem) {
  const auto family = ecosystem.substr(0, ecosystem.find(':'));
  if (family == "Debian" || family == "Ubuntu")
    return Scheme::dpkg;
  if (family == "Alpine" || family == "Wolfi" || family == "Chainguard")
    return Scheme::apk;
  if (family == "Red Hat" || family == "Rocky Linux" || family == "AlmaLinux" ||
      family == "openSUSE" || family == "SUSE" || family == "Mageia" || family == "openEuler")
    return Scheme::rpm;
  if (family == "PyPI")
    return Scheme::pep440;
  if (family == "npm")
    return Scheme::npm;
  if (family == "Go")
    return Scheme::go;
  if (family == "Maven")
    return Scheme::maven;
  if (family == "RubyGems")
    return Scheme::rubygems;
  if (family == "crates.io" || family == "Hex" || family == "Pub" || family == "SwiftURL")
    return Scheme::semver;
  if (family == "NuGet" || family == "Packagist" || family == "Hackage" || family == "CRAN")
    return Scheme::generic;
  return std::nullopt;
}

std::string_view to_string(Scheme scheme) {
  switch (scheme) {
  case Scheme::dpkg:
    return "dpkg";
  case Scheme::apk:
    return "apk";
  case Scheme::rpm:
    return "rpm";
  case Scheme::semver:
    return "semver";
  case Scheme::npm:
    return "npm";
  case Scheme::pep440:
    return "pep440";
  case Scheme::go:
    return "go";
  case Scheme::maven:
    return "maven";
  case Scheme::rubygems:
    return "rubygems";
  case Scheme::generic:
    return "generic";
  }
  return "generic";
}

namespace {

// Ecosystems without a scheme of their own (NuGet, Packagist, ...) order
// dotted versions segment by segment, numbers numerically, as rpmvercmp does.
Validity generic_check(std::string_view v) {
  if (v.empty())
    return std::string("empty version");
  for (char c : v)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return "invalid version \"" + std::string(v) + "\": contains a space or control character";
  return std::nullopt;
}

} // namespace

Order compare(Scheme scheme, std::string_view a, std::string_view b) {
  switch (scheme) {
  case Scheme::dpkg:
    return dpkg::compare(a, b);
  case Scheme::apk:
    return apk::compare(a, b);
  case Scheme::rpm:
    return rpm::compare(a, b);
  case Scheme::semver:
    return semver::compare(a, b);
  case Scheme::npm:
    return semver::compare_loose(a, b);
  case Scheme::pep440:
    return pep440::compare(a, b);
  case Scheme::go:
    return golang::compare(a, b);
  case Scheme::maven:
    return maven::compare(a, b);
  case Scheme::rubygems:
    return gem::compare(a, b);
  case Scheme::generic:
    if (auto r = generic_check(a))
      return std::unexpected(*r);
    if (auto r = generic_check(b))
      return std::unexpected(*r);
    return rpm::vercmp(a, b);
  }
  return std::unexpected(std::string("unknown version scheme"));
}

Validity check(Scheme scheme, std::string_view v) {
  switch (scheme) {
  case Scheme::dpkg:
    return dpkg::check(v);
  case Scheme::apk:
    return apk::check(v);
  case Scheme::rpm:
    return rpm::check(v);
  case Scheme::semver:
    return semver::check(v);
  case Scheme::npm:
    return semver::check_loose(v);
  case Scheme::pep440:
    return pep440::check(v);
  case Scheme::go:
    return golang::check(v);
  case Scheme::maven:
    return maven::check(v);
  case Scheme::rubygems:
    return gem::check(v);
  case Scheme::generic:
    return generic_check(v);
  }
  return std::string("unknown version scheme");
}

} // namespace moat::vuln
