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
