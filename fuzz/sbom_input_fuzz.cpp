// Feeds arbitrary bytes to the SBOM reader and the purl parser. The reader
// is also given the bytes in small chunks, as it reads files and pipes:
// the outcome (packages, or the error and its place) must be the same.

#include <moat/vuln/sbom_input.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto whole = moat::vuln::read_sbom(text, "fuzz");
  const std::size_t chunk = size == 0 ? 1 : data[0] % 7 + 1;
  std::size_t at = 0;
  const moat::vuln::ReadChunk read =
      [&](std::span<char> buffer) -> std::expected<std::size_t, std::string> {
    const std::size_t n = std::min({buffer.size(), chunk, text.size() - at});
    std::copy_n(text.data() + at, n, buffer.data());
    at += n;
    return n;
  };
  const auto chunked = moat::vuln::read_sbom(read, "fuzz");
  if (whole.has_value() != chunked.has_value())
    std::abort();
  if (whole && whole->packages.size() != chunked->packages.size())
    std::abort();
  if (!whole && (whole.error().message != chunked.error().message ||
                 whole.error().line != chunked.error().line ||
                 whole.error().column != chunked.error().column))
    std::abort();
  if (auto purl = moat::vuln::parse_purl(text)) {
    (void)moat::vuln::qualifier(*purl, "distro");
    (void)moat::vuln::ecosystem_of(*purl);
  }
  return 0;
}
