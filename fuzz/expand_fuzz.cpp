// Feeds arbitrary words to BuildKit-style variable expansion.

#include <moat/dockerfile/expand.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  moat::dockerfile::Env env{
      {"A", "alpha"}, {"EMPTY", ""}, {"UNSET", std::nullopt}, {"PATH", "/usr/bin:/bin"}};
  (void)moat::dockerfile::expand_word(text, env, '\\');
  (void)moat::dockerfile::expand_words(text, env, '`');
  return 0;
}
