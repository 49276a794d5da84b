#pragma once
// Lenient field access for the JSON documents of images (manifests, indexes,
// configs): a missing or mistyped field reads as empty, and the caller
// decides whether that is an error.

#include <nlohmann/json.hpp>

#include <string>

namespace moat::image {

// The string at KEY of OBJECT; empty when absent or not a string.
[[nodiscard]] inline std::string string_at(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace moat::image
