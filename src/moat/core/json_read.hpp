#pragma once
// Reading JSON documents of the vulnerability formats (OSV, Debian tracker,
// SBOMs, VEX): where a syntax error is, and typed member access whose
// errors name the input and the place in it.

#include <moat/core/result.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace moat::core {

// OBJECT's member KEY, or nullptr when it is absent or null (YAML writes an
// empty value as null, and feeds write null for "none").
[[nodiscard]] inline nlohmann::json* member(nlohmann::json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return nullptr;
  return &*it;
}

// JSON's white space: space, tab, line feed, carriage return.
[[nodiscard]] constexpr bool is_json_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Advances POS past the JSON white space at TEXT[POS].
inline void skip_json_space(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && is_json_space(text[pos]))
    ++pos;
}

// The 1-based line and column of nlohmann's 1-based BYTE in TEXT (which may
// point one past the end of truncated input).
[[nodiscard]] std::pair<int, int> json_error_position(std::string_view text, std::size_t byte);

// nlohmann's description of E without its exception id and position:
// "syntax error while parsing value - ...", "number overflow parsing '1e999'".
[[nodiscard]] std::string json_error_detail(const nlohmann::json::exception& e);

// A JSON syntax error as an Error naming NAME, at its position, with
// nlohmann's description: "invalid JSON: syntax error ...".
[[nodiscard]] core::Error json_syntax_error(const nlohmann::json::parse_error& e,
                                            std::string_view text, std::string_view name);

// Where each value of a JSON document starts: its JSON pointer ("",
// "/syscalls/3/names/1") mapped to the byte offset of its first character.
// TEXT must be valid JSON (parse it first); a key that occurs twice keeps
// its last place, as parsers keep its last value.
[[nodiscard]] std::unordered_map<std::string, std::size_t>
json_value_offsets(std::string_view text);

// The 1-based line and column of byte OFFSET (0-based) of TEXT.
[[nodiscard]] std::pair<int, int> line_and_column(std::string_view text, std::size_t offset);

// Typed member access; errors read "INPUT: WHERE: MESSAGE".
class JsonReader {
public:
  explicit JsonReader(std::string_view input) : m_input(input) {}

  [[nodiscard]] std::unexpected<core::Error>
  error(std::string_view where, std::string_view message,
        core::ErrorKind kind = core::ErrorKind::parse) const;

  // OBJECT's string member KEY; empty when absent or null.
  [[nodiscard]] core::Result<std::string> string(const nlohmann::json& object, const char* key,
                                                 std::string_view where) const;

  // OBJECT's array member KEY; nullptr when absent or null.
  [[nodiscard]] core::Result<const nlohmann::json*>
  array(const nlohmann::json& object, const char* key, std::string_view where) const;

  // OBJECT's object member KEY; nullptr when absent or null.
  [[nodiscard]] core::Result<const nlohmann::json*>
  object(const nlohmann::json& object, const char* key, std::string_view where) const;

  // OBJECT's integer member KEY; 0 when absent or null.
  [[nodiscard]] core::Result<std::int64_t> integer(const nlohmann::json& object, const char* key,
                                                   std::string_view where) const;

  // OBJECT's boolean member KEY; false when absent or null.
  [[nodiscard]] core::Result<bool> boolean(const nlohmann::json& object, const char* key,
                                           std::string_view where) const;

  // OBJECT's member KEY as a list of strings; empty when absent.
  [[nodiscard]] core::Result<std::vector<std::string>>
  strings(const nlohmann::json& object, const char* key, std::string_view where) const;

private:
  std::string_view m_input;
};

} // namespace moat::core
