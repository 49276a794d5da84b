#pragma once
// Variable expansion as BuildKit's shell lexer does it for Dockerfile
// instructions (FROM, COPY, ENV, ARG, USER, WORKDIR, ...): $VAR, ${VAR},
// ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word}, ${VAR:?msg},
// ${VAR#pat}, ${VAR##pat}, ${VAR%pat}, ${VAR%%pat}, ${VAR/pat/repl}, quotes
// and the escape character.

#include <moat/core/result.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::dockerfile {

// Variables in scope; a name mapped to nullopt is declared without a value (ARG NAME).
using Env = std::map<std::string, std::optional<std::string>, std::less<>>;

struct Expansion {
  std::string value;
  std::vector<std::string> unresolved; // names that had no value
};

// Expands one word (quotes removed, variables substituted). Unset variables
// expand to "". ESCAPE is the Dockerfile escape character.
[[nodiscard]] core::Result<Expansion> expand_word(std::string_view word, const Env& env,
                                                  char escape = '\\');

// Expands and splits into words on unquoted whitespace (for EXPOSE, VOLUME, ...).
[[nodiscard]] core::Result<std::vector<std::string>>
expand_words(std::string_view text, const Env& env, char escape = '\\');

} // namespace moat::dockerfile
