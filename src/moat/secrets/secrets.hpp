#pragma once
// The names that usually hold secrets, and redaction. What a secret looks
// like by its value is the secret engine's (engine.hpp) alone.

#include <string>
#include <string_view>

namespace moat::secrets {

// The first four characters of VALUE followed by "****".
[[nodiscard]] std::string redact(std::string_view value);

// True when a variable NAME usually holds a secret (PASSWORD, API_KEY, ...)
// rather than point at one (PASSWORD_FILE, TOKEN_URL, ...).
[[nodiscard]] bool is_secret_name(std::string_view name);

} // namespace moat::secrets
