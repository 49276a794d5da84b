#pragma once
// Package URLs (purl), as https://github.com/package-url/purl-spec defines them.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::core {

// Percent-encodes every byte outside A-Z a-z 0-9 . - _ ~ (purl's safe set).
[[nodiscard]] std::string purl_encode(std::string_view text);

// Builds "pkg:TYPE/NAMESPACE/NAME@VERSION?k=v&...". NAMESPACE may hold
// several '/'-separated segments (each is encoded); empty parts are left
// out; qualifiers with empty values are dropped and the rest sorted by key.
[[nodiscard]] std::string
make_purl(std::string_view type, std::string_view namespace_, std::string_view name,
          std::string_view version,
          std::vector<std::pair<std::string, std::string>> qualifiers = {});

} // namespace moat::core
