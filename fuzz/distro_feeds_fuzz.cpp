// Feeds arbitrary bytes to the Debian Security Tracker and Alpine secdb parsers.

#include <moat/vuln/feeds.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::vuln::parse_debian_tracker(text, "fuzz");
  (void)moat::vuln::parse_alpine_secdb(text, "fuzz");
  return 0;
}
