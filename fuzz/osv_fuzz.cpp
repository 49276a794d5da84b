// Feeds arbitrary bytes to both OSV parsers, JSON and YAML.

#include <moat/vuln/feeds.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::vuln::parse_osv_json(text, "fuzz");
  (void)moat::vuln::parse_osv_yaml(text, "fuzz");
  return 0;
}
