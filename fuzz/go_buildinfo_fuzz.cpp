// Feeds arbitrary bytes to the Go build info scanner, whole and in chunks
// whose size the first byte picks, and traps when the two disagree.

#include <moat/inventory/gobin.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  const std::size_t chunk = std::size_t{data[0]} + 1;
  const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data) + 1, size - 1);

  auto whole = moat::inventory::parse_go_buildinfo(file, "fuzz");
  moat::inventory::GoBuildInfoScanner scanner;
  for (std::size_t i = 0; i < file.size(); i += chunk)
    scanner.feed(file.subspan(i, std::min(chunk, file.size() - i)));
  auto chunked = scanner.finish("fuzz");

  if (whole.has_value() != chunked.has_value())
    __builtin_trap();
  if (whole.has_value()) {
    if (*whole != *chunked)
      __builtin_trap();
    if (whole->has_value())
      (void)moat::inventory::go_packages(**whole, "fuzz");
  } else if (whole.error().message != chunked.error().message) {
    __builtin_trap();
  }
  return 0;
}
