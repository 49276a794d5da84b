// Feeds the two halves of the input to every language version scheme
// (SemVer strict and loose, PEP 440, Go, Maven, RubyGems) and traps when an
// answer contradicts another: a comparison that is not antisymmetric, a valid
// version unequal to itself, compare and check disagreeing on validity, or a
// PEP 440 normal form that is not a fixed point naming the same version.

#include <moat/vuln/version.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using CompareFn = moat::vuln::Order (*)(std::string_view, std::string_view);
using CheckFn = moat::vuln::Validity (*)(std::string_view);

int sign(int v) {
  return v < 0 ? -1 : (v > 0 ? 1 : 0);
}

void exercise(CompareFn compare, CheckFn check, std::string_view a, std::string_view b) {
  const bool a_valid = !check(a).has_value();
  const bool b_valid = !check(b).has_value();
  const auto ab = compare(a, b);
  const auto ba = compare(b, a);
  if (ab.has_value() != (a_valid && b_valid) || ba.has_value() != ab.has_value())
    __builtin_trap();
  if (ab && sign(*ab) != -sign(*ba))
    __builtin_trap();
  if (a_valid) {
    const auto aa = compare(a, a);
    if (!aa || *aa != 0)
      __builtin_trap();
  }
}

void exercise_normalize(std::string_view v) {
  const auto normal = moat::vuln::pep440::normalize(v);
  if (normal.has_value() != !moat::vuln::pep440::check(v).has_value())
    __builtin_trap();
  if (!normal)
    return;
  const auto again = moat::vuln::pep440::normalize(*normal);
  if (!again || *again != *normal)
    __builtin_trap();
  const auto same = moat::vuln::pep440::compare(v, *normal);
  if (!same || *same != 0)
    __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string_view a = text.substr(0, size / 2);
  const std::string_view b = text.substr(size / 2);
  namespace v = moat::vuln;
  exercise(v::semver::compare, v::semver::check, a, b);
  exercise(v::semver::compare_loose, v::semver::check_loose, a, b);
  exercise(v::pep440::compare, v::pep440::check, a, b);
  exercise(v::golang::compare, v::golang::check, a, b);
  exercise(v::maven::compare, v::maven::check, a, b);
  exercise(v::gem::compare, v::gem::check, a, b);
  exercise_normalize(a);
  exercise_normalize(b);
  return 0;
}
