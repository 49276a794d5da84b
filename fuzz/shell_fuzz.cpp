// Feeds arbitrary bytes to the RUN shell reader.

#include <moat/dockerfile/shell.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto script = moat::dockerfile::shell::read(text);
  for (const auto& c : script.commands)
    (void)c.program();
  return 0;
}
