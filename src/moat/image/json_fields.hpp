#pragma once
// The JSON documents of images (manifests, indexes, configs): the largest
// one moat reads, and lenient field access: a missing or mistyped field
// reads as empty, and the caller decides whether that is an error.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace moat::image {

// The largest manifest, index or config moat reads whole, from any source.
inline constexpr std::size_t k_max_json_bytes = std::size_t{8} << 20U;

// The string at KEY of OBJECT; empty when absent or not a string.
[[nodiscard]] inline std::string string_at(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace moat::image
