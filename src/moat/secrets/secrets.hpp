#pragma once
// Secrets recognised by their shape (cloud keys, tokens, private keys) and
// by the names that usually hold them. Shared by the Dockerfile and image checks.

#include <optional>
#include <string>
#include <string_view>

namespace moat::secrets {

// A secret found in some text: what kind it is and the matched value.
struct SecretHit {
  std::string kind;  // "AWS access key id", "private key", ...
  std::string value; // the matched text; never print it unredacted
};

// The first secret in TEXT recognised by its shape, if any.
[[nodiscard]] std::optional<SecretHit> find_secret_value(std::string_view text);

// The first four characters of VALUE followed by "****".
[[nodiscard]] std::string redact(std::string_view value);

// True when a variable NAME usually holds a secret (PASSWORD, API_KEY, ...)
// rather than point at one (PASSWORD_FILE, TOKEN_URL, ...).
[[nodiscard]] bool is_secret_name(std::string_view name);

} // namespace moat::secrets
