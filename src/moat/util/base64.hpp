#pragma once
// Standard base64 (RFC 4648, "+/" alphabet, padded): what signatures, keys
// and payloads in cosign's formats use.

#include <optional>
#include <string>
#include <string_view>

namespace moat::util {

[[nodiscard]] std::string base64_encode(std::string_view bytes);

// Decodes padded standard base64. With IGNORE_WHITESPACE, spaces, tabs and
// line ends between characters are skipped (PEM bodies). nullopt for any
// other character, bad padding or a length that is not a multiple of four.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text,
                                                       bool ignore_whitespace = false);

} // namespace moat::util
