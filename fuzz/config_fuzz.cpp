// Feeds arbitrary bytes to the .moat.yaml reader, and a secrets: section
// that reads to the secret engine (configure, then a scan with its rules).

#include <moat/core/config.hpp>
#include <moat/secrets/engine.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = moat::core::parse_config(text, "fuzz.yaml");
  if (config && config->secrets &&
      moat::secrets::configure(*config->secrets, "fuzz.yaml").has_value())
    (void)moat::secrets::scan_text("password = \"Xk3vQ9zLmT2w\"\nacme_0123456789abcdef\n"
                                   "https://user:pa55w0rd@example.org/ AKIA4HG7JQ2K9WX3M5PZ\n",
                                   "fixtures/app.conf");
  return 0;
}
