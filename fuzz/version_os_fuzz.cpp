// Feeds the two halves of the input to every dpkg, apk and rpm comparison
// and check, and traps when an ordering is not antisymmetric.

#include <moat/vuln/version.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

void require(bool ok) {
  if (!ok)
    __builtin_trap();
}

void antisymmetric(const moat::vuln::Order& ab, const moat::vuln::Order& ba) {
  require(ab.has_value() == ba.has_value());
  if (ab && ba)
    require((*ab > 0) - (*ab < 0) == -((*ba > 0) - (*ba < 0)));
}

int sign(int v) {
  return (v > 0) - (v < 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view a = text.substr(0, size / 2);
  std::string_view b = text.substr(size / 2);

  namespace dpkg = moat::vuln::dpkg;
  namespace apk = moat::vuln::apk;
  namespace rpm = moat::vuln::rpm;

  antisymmetric(dpkg::compare(a, b), dpkg::compare(b, a));
  require(sign(dpkg::compare_fragment(a, b)) == -sign(dpkg::compare_fragment(b, a)));
  (void)dpkg::check(a);
  (void)dpkg::check(b);

  antisymmetric(apk::compare(a, b), apk::compare(b, a));
  (void)apk::check(a);
  (void)apk::check(b);
  for (std::string_view op : {"~", "<~", ">~", "<", "=", ">", "<=", ">="})
    (void)apk::fuzzy(a, op, b);
  // Lets the fuzzer pick the operator too: A's first byte.
  std::string_view op = a.substr(0, 1);
  (void)apk::fuzzy(a.substr(op.size()), op, b);

  antisymmetric(rpm::compare(a, b), rpm::compare(b, a));
  require(sign(rpm::vercmp(a, b)) == -sign(rpm::vercmp(b, a)));
  (void)rpm::check(a);
  (void)rpm::check(b);
  return 0;
}
