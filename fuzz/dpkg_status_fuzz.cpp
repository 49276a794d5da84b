// Feeds arbitrary bytes to the dpkg status parser.

#include <moat/inventory/dpkg.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::inventory::parse_dpkg_status(text, "fuzz");
  return 0;
}
