// Feeds arbitrary bytes to the Dockerfile parser and the AST dump.

#include <moat/dockerfile/ast.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = moat::dockerfile::parse(text, "fuzz");
  if (result)
    (void)moat::dockerfile::dump(*result);
  return 0;
}
