#pragma once
// The built-in secret rules, compiled at build time (dbgen.cpp) into
// serialised Hyperscan stream databases, one per CPU level.

#include <span>
#include <string_view>

namespace moat::secrets {

struct SerializedDatabase {
  std::string_view level;          // "avx2", "generic"
  unsigned long long cpu_features; // Hyperscan's HS_CPU_FEATURES_* it needs
  std::span<const unsigned char> bytes;
};

// Most demanding first.
[[nodiscard]] std::span<const SerializedDatabase> serialized_databases();

} // namespace moat::secrets
