// Feeds arbitrary bytes to the CVSS vector parser and scorer.

#include <moat/vuln/cvss.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = moat::vuln::cvss::score(text);
  // Whatever the input, a score that comes back is a valid one.
  if (result && (!(result->base >= 0.0) || result->base > 10.0 || result->rating.empty()))
    std::abort();
  if (!result && result.error().empty())
    std::abort();
  return 0;
}
