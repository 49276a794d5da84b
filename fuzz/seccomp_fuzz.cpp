// Feeds arbitrary bytes to the seccomp profile reader and checks whatever
// it reads, against Docker's default too.

#include <moat/seccomp/seccomp.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  moat::seccomp::Conditions conditions;
  conditions.caps = moat::seccomp::docker_default_caps();
  (void)moat::seccomp::check(text, "fuzz.json", conditions);
  return 0;
}
