// Feeds arbitrary bytes to the OCI config.json and process.json readers of
// moat create and moat exec.

#include <moat/sandbox/oci.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::sandbox::parse_config(text, "config.json", "/bundle", "fuzz", false);
  (void)moat::sandbox::parse_config(text, "config.json", "/bundle", "fuzz", true);
  (void)moat::sandbox::parse_process(text, "process.json");
  return 0;
}
