// Feeds arbitrary bytes to the Python core-metadata and RECORD parsers.

#include <moat/inventory/python.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::inventory::parse_python_metadata(text, "fuzz");
  (void)moat::inventory::parse_python_record(text);
  return 0;
}
