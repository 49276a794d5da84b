// Feeds arbitrary bytes to the outer-archive tar reader (docker save, OCI tar).

#include <moat/image/reader.hpp>
#include <moat/image/tar.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  moat::image::MemoryReader reader(std::span(reinterpret_cast<const std::byte*>(data), size),
                                   "fuzz");
  moat::image::TarReader tar(reader);
  for (int i = 0; i < 100000; ++i) {
    auto header = tar.next();
    if (!header || !*header)
      break;
    if ((*header)->size < 4096)
      (void)moat::image::read_all(tar.data(), 4096);
  }
  return 0;
}
