// Feeds arbitrary bytes to the .moat.yaml reader.

#include <moat/core/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::core::parse_config(text, "fuzz.yaml");
  return 0;
}
