// Feeds arbitrary bytes to the apk installed-database parser.

#include <moat/inventory/apk.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::inventory::parse_apk_installed(text, "fuzz");
  return 0;
}
