// Feeds arbitrary bytes to the first-bytes detection that tells SBOMs
// (JSON, CycloneDX XML, SPDX tag-value) and image archives apart.

#include <moat/image/source.hpp>
#include <moat/vuln/sbom_input.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto kind = moat::vuln::sniff_document(text);
  const auto seen = moat::image::sniff_non_tar(text);
  // JSON is never taken for a tar, and a document named as one is not JSON.
  if (kind == moat::vuln::DocumentKind::json && seen.empty() && !text.empty())
    __builtin_trap();
  return 0;
}
