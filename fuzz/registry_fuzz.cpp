// Feeds arbitrary bytes to what moat reads from registries and archives:
// image references, WWW-Authenticate headers, index, manifest and config
// JSON, docker save's manifest.json.

#include <moat/image/image.hpp>
#include <moat/image/registry.hpp>
#include <moat/image/source.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)moat::image::parse_registry_ref(text);
  (void)moat::image::is_loopback_host(text);
  (void)moat::image::parse_www_authenticate(text);
  (void)moat::image::select_platform(text, "linux/amd64", "fuzz");
  (void)moat::image::select_platform(text, "linux/arm/v7", "fuzz");
  moat::image::Image image;
  (void)moat::image::apply_manifest(image, text, "fuzz");
  (void)moat::image::parse_image_config(text, "fuzz");
  (void)moat::image::parse_docker_manifest(text, "fuzz");
  return 0;
}
