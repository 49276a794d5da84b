// Feeds arbitrary bytes to the SBOM reader and the purl parser.

#include <moat/vuln/sbom_input.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::vuln::read_sbom(text, "fuzz");
  if (auto purl = moat::vuln::parse_purl(text)) {
    (void)moat::vuln::qualifier(*purl, "distro");
    (void)moat::vuln::ecosystem_of(*purl);
  }
  return 0;
}
