// Feeds arbitrary bytes to the Java archive cataloger and its text parsers.

#include <moat/inventory/java.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  (void)moat::inventory::parse_jar(bytes, "fuzz.jar");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::inventory::parse_pom_properties(text);
  (void)moat::inventory::parse_manifest(text);
  (void)moat::inventory::jar_name_from_file(text);
  return 0;
}
