// Runs every Dockerfile check on arbitrary input.

#include <moat/dockerfile/lint.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  moat::dockerfile::LintInput input;
  input.name = "fuzz";
  input.text.assign(reinterpret_cast<const char*>(data), size);
  moat::core::Policy policy;
  (void)moat::dockerfile::lint(input, policy);
  return 0;
}
