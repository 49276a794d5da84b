// Feeds arbitrary bytes to the rpm header blob parser, as a hostile rpmdb row would.

#include <moat/inventory/rpm.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> blob(reinterpret_cast<const std::byte*>(data), size);
  (void)moat::inventory::parse_rpm_header(blob, "fuzz");
  return 0;
}
