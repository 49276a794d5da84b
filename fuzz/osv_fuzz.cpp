// Feeds arbitrary bytes to both OSV parsers, JSON and YAML. A JSON document
// that parses whole must parse to the same advisory when every member moat
// does not read is skipped, whatever its size.

#include <moat/vuln/feeds.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto whole =
      moat::vuln::parse_osv_json(text, "fuzz", std::numeric_limits<std::size_t>::max());
  const auto lean = moat::vuln::parse_osv_json(text, "fuzz", 0);
  if (whole &&
      (!lean || lean->id != whole->id || lean->aliases != whole->aliases ||
       lean->summary != whole->summary || lean->modified != whole->modified ||
       lean->affected.size() != whole->affected.size() || lean->references != whole->references ||
       lean->severity.size() != whole->severity.size()))
    std::abort();
  (void)moat::vuln::parse_osv_json(text, "fuzz");
  (void)moat::vuln::parse_osv_yaml(text, "fuzz");
  return 0;
}
