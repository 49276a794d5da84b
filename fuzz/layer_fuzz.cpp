// Feeds arbitrary bytes to the layer scanner as a layer blob (gzip, zstd or
// plain tar), with small limits so bombs are cut short.

#include <moat/image/layer.hpp>
#include <moat/image/reader.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  moat::image::MemoryReader reader(std::span(reinterpret_cast<const std::byte*>(data), size),
                                   "fuzz");
  moat::image::ScanLimits limits;
  limits.max_entries = 10000;
  limits.max_uncompressed = std::uint64_t{64} << 20U;
  std::atomic<std::uint64_t> budget{limits.max_entries};
  (void)moat::image::scan_layer(reader, "", limits, budget);
  return 0;
}
