#include <moat/core/json_read.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <climits>

namespace moat::core {

namespace {

int clamp_to_int(std::size_t n) {
  return static_cast<int>(std::min<std::size_t>(n, INT_MAX));
}

} // namespace

std::pair<int, int> json_error_position(std::string_view text, std::size_t byte) {
  const std::size_t offset = std::min<std::size_t>(byte == 0 ? 0 : byte - 1, text.size());
  const std::string_view before = text.substr(0, offset);
  const auto newlines = static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t line_start = before.rfind('\n');
  const std::size_t column =
      line_start == std::string_view::npos ? offset : offset - line_start - 1;
  return {clamp_to_int(newlines + 1), clamp_to_int(column + 1)};
}

std::pair<int, int> line_and_column(std::string_view text, std::size_t offset) {
  return json_error_position(text, offset + 1);
}

namespace {

// A scanner over valid JSON that records where each value starts.
class OffsetScanner {
public:
  explicit OffsetScanner(std::string_view text) : m_text(text) {}

  std::unordered_map<std::string, std::size_t> run() {
    std::string pointer;
    value(pointer, 0);
    return std::move(m_offsets);
  }

private:
  static constexpr int k_max_depth = 512; // deeper documents are not indexed further

  void skip_space() { skip_json_space(m_text, m_pos); }

  // The raw text of the string at m_pos (quotes excluded, escapes kept);
  // m_pos ends after the closing quote.
  std::string_view raw_string() {
    const std::size_t start = ++m_pos;
    while (m_pos < m_text.size() && m_text[m_pos] != '"')
      m_pos += m_text[m_pos] == '\\' ? std::size_t{2} : std::size_t{1};
    const auto raw = m_text.substr(start, std::min(m_pos, m_text.size()) - start);
    ++m_pos;
    return raw;
  }

  // A member name as a JSON pointer token: the common escapes undone, then
  // '~' and '/' escaped as RFC 6901 says.
  static std::string pointer_token(std::string_view raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      if (c == '\\' && i + 1 < raw.size()) {
        const char e = raw[++i];
        c = e == 'n'   ? '\n'
            : e == 't' ? '\t'
            : e == 'r' ? '\r'
            : e == 'b' ? '\b'
            : e == 'f' ? '\f'
                       : e;
      }
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out += c;
    }
    return out;
  }

  void value(std::string& pointer, int depth) {
    skip_space();
    if (m_pos >= m_text.size())
      return;
    m_offsets[pointer] = m_pos;
    const char c = m_text[m_pos];
    if (c == '"') {
      raw_string();
    } else if (c == '{' || c == '[') {
      if (depth >= k_max_depth) {
        skip_container();
        return;
      }
      ++m_pos;
      const std::size_t base = pointer.size();
      std::size_t index = 0;
      for (;;) {
        skip_space();
        if (m_pos >= m_text.size())
          return;
        if (m_text[m_pos] == '}' || m_text[m_pos] == ']') {
          ++m_pos;
          return;
        }
        if (m_text[m_pos] == ',') {
          ++m_pos;
          continue;
        }
        pointer += '/';
        if (c == '{') {
          pointer += pointer_token(raw_string());
          skip_space();
          ++m_pos; // the colon
        } else {
          pointer += std::to_string(index++);
        }
        value(pointer, depth + 1);
        pointer.resize(base);
      }
    } else {
      // A number, true, false or null: up to the next delimiter.
      while (m_pos < m_text.size() && m_text[m_pos] != ',' && m_text[m_pos] != '}' &&
             m_text[m_pos] != ']' && !is_json_space(m_text[m_pos]))
        ++m_pos;
    }
  }

  // Skips a container without indexing it (strings can hold brackets).
  void skip_container() {
    int open = 0;
    while (m_pos < m_text.size()) {
      const char c = m_text[m_pos];
      if (c == '"') {
        raw_string();
        continue;
      }
      ++m_pos;
      if (c == '{' || c == '[')
        ++open;
      else if ((c == '}' || c == ']') && --open == 0)
        return;
    }
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
  std::unordered_map<std::string, std::size_t> m_offsets;
};

} // namespace

std::unordered_map<std::string, std::size_t> json_value_offsets(std::string_view text) {
  return OffsetScanner(text).run();
}

std::string json_error_detail(const nlohmann::json::exception& e) {
  // what() reads "[json.exception.parse_error.101] parse error at line 1,
  // column 2: syntax error ..." or "[json.exception.out_of_range.406]
  // number overflow ..."; the id and the position are moat's to give.
  std::string_view what = e.what();
  if (what.starts_with('[')) {
    const std::size_t close = what.find("] ");
    if (close != std::string_view::npos)
      what.remove_prefix(close + 2);
  }
  if (what.starts_with("parse error")) {
    const std::size_t colon = what.find(": ");
    if (colon != std::string_view::npos)
      what.remove_prefix(colon + 2);
  }
  return std::string(what);
}

core::Error json_syntax_error(const nlohmann::json::parse_error& e, std::string_view text,
                              std::string_view name) {
  const auto [line, column] = json_error_position(text, e.byte);
  return core::Error{core::ErrorKind::parse, std::string(name),
                     fmt::format("invalid JSON: {}", json_error_detail(e)), line, column};
}

std::unexpected<core::Error> JsonReader::error(std::string_view where, std::string_view message,
                                               core::ErrorKind kind) const {
  return core::fail(kind, std::string(m_input), fmt::format("{}: {}", where, message));
}

core::Result<std::string> JsonReader::string(const nlohmann::json& object, const char* key,
                                             std::string_view where) const {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return std::string();
  if (!it->is_string())
    return error(where, fmt::format("{} must be a string", key));
  return it->get<std::string>();
}

core::Result<const nlohmann::json*> JsonReader::array(const nlohmann::json& object, const char* key,
                                                      std::string_view where) const {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return nullptr;
  if (!it->is_array())
    return error(where, fmt::format("{} must be an array", key));
  return &*it;
}

core::Result<const nlohmann::json*>
JsonReader::object(const nlohmann::json& object, const char* key, std::string_view where) const {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return nullptr;
  if (!it->is_object())
    return error(where, fmt::format("{} must be an object", key));
  return &*it;
}

core::Result<std::int64_t> JsonReader::integer(const nlohmann::json& object, const char* key,
                                               std::string_view where) const {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return std::int64_t{0};
  if (!it->is_number_integer())
    return error(where, fmt::format("{} must be an integer", key));
  return it->get<std::int64_t>();
}

core::Result<bool> JsonReader::boolean(const nlohmann::json& object, const char* key,
                                       std::string_view where) const {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return false;
  if (!it->is_boolean())
    return error(where, fmt::format("{} must be true or false", key));
  return it->get<bool>();
}

core::Result<std::vector<std::string>>
JsonReader::strings(const nlohmann::json& object, const char* key, std::string_view where) const {
  auto list = array(object, key, where);
  if (!list)
    return std::unexpected(list.error());
  std::vector<std::string> out;
  if (*list == nullptr)
    return out;
  for (const auto& item : **list) {
    if (!item.is_string())
      return error(where, fmt::format("{} must hold strings", key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

} // namespace moat::core
