// Feeds arbitrary bytes to the VEX reader, the ignore-file parser and the
// purl comparison that suppressions rely on.

#include <moat/vuln/suppress.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::vuln::parse_vex(text, "fuzz");
  if (auto rules = moat::vuln::parse_ignore_file(text, "fuzz")) {
    for (const auto& rule : *rules) {
      (void)moat::vuln::rule_active(rule, "2024-01-01");
      if (!rule.purl.empty())
        (void)moat::vuln::purl_covers(rule.purl, "pkg:pypi/requests@2.0.0?arch=x86_64");
    }
  }
  // Both halves of the input as pattern and purl.
  const auto half = text.size() / 2;
  (void)moat::vuln::purl_covers(text.substr(0, half), text.substr(half));
  return 0;
}
