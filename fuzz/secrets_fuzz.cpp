// Feeds arbitrary bytes to the secret scanner, split into blocks where the
// first byte says, and checks that the split never changes what is found.

#include <moat/secrets/engine.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto db = moat::secrets::Database::builtin();
  if (!db || size == 0)
    return 0;
  static auto scanner = moat::secrets::Scanner::open(*db);
  if (!scanner)
    std::abort();
  const std::size_t step = data[0] == 0 ? 1 : data[0];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto whole = moat::secrets::scan_text(text, "fuzz");
  if (!whole || !scanner->begin("fuzz"))
    std::abort();
  for (std::size_t at = 0; at < text.size(); at += step)
    if (!scanner->feed(text.substr(at, step)))
      std::abort();
  auto split = scanner->finish();
  if (!split || split->size() != whole->size())
    std::abort();
  for (std::size_t i = 0; i < split->size(); ++i) {
    const auto& a = (*whole)[i];
    const auto& b = (*split)[i];
    if (a.rule != b.rule || a.offset != b.offset || a.line != b.line ||
        a.fingerprint != b.fingerprint || a.offset >= text.size())
      std::abort();
  }
  return 0;
}
