// Settings out of YAML mappings, with the position of each key.

#include <moat/runconf/yaml_fields.hpp>

namespace moat::runconf::detail {

Origin origin_of(const YAML::Node& node) {
  const auto mark = node.Mark();
  return {mark.line >= 0 ? mark.line + 1 : 0, mark.column >= 0 ? mark.column + 1 : 0};
}

YAML::Node YamlFields::get(const YAML::Node& node, std::string_view key, int depth) {
  if (!node.IsMap())
    return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : node)
    if (entry.first.IsScalar() && entry.first.Scalar() == key) {
      const auto mark = entry.second.Mark();
      if (mark.pos >= 0)
        m_keys.insert_or_assign(static_cast<std::size_t>(mark.pos), origin_of(entry.first));
      return entry.second;
    }
  if (depth > 8)
    return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || entry.first.Scalar() != "<<")
      continue;
    const YAML::Node& merged = entry.second;
    if (merged.IsMap())
      return get(merged, key, depth + 1);
    if (merged.IsSequence())
      for (const auto& m : merged)
        if (auto found = get(m, key, depth + 1); found.IsDefined())
          return found;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

Origin YamlFields::origin(const YAML::Node& node) const {
  auto o = origin_of(node);
  if (o.line > 0)
    o.line += m_first_line;
  return o;
}

Origin YamlFields::at(const YAML::Node& node) const {
  const auto mark = node.Mark();
  if (mark.pos >= 0)
    if (auto it = m_keys.find(static_cast<std::size_t>(mark.pos)); it != m_keys.end()) {
      auto o = it->second;
      o.line += m_first_line;
      return o;
    }
  return origin(node);
}

core::Result<std::vector<YamlDocument>> load_documents(std::string_view text,
                                                       const std::string& name) {
  std::vector<YamlDocument> out;
  std::string chunk;
  int first = 0;
  int line = 0;
  bool content = false;
  auto flush = [&]() -> core::Status {
    if (content) {
      try {
        out.push_back({YAML::Load(chunk), first});
      } catch (const YAML::Exception& e) {
        return core::fail(core::ErrorKind::parse, name, "invalid YAML: " + e.msg,
                          e.mark.line + 1 + first, e.mark.column + 1);
      }
    }
    chunk.clear();
    content = false;
    return {};
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    auto l = text.substr(start, end - start);
    const bool marker = (l.starts_with("---") || l.starts_with("...")) &&
                        (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker) {
      MOAT_TRY(flush());
      first = line;
      // What follows a --- on its line belongs to the new document; blank
      // the marker so that columns stay as written.
      if (l.starts_with("---")) {
        chunk.append(3, ' ');
        chunk.append(l.substr(3));
        content = l.find_first_not_of(" \t\r", 3) != std::string_view::npos;
      }
      chunk += '\n';
    } else {
      chunk.append(l);
      chunk += '\n';
      const auto text_start = l.find_first_not_of(" \t\r");
      if (text_start != std::string_view::npos && l[text_start] != '#')
        content = true;
    }
    ++line;
    if (end == text.size())
      break;
    start = end + 1;
  }
  MOAT_TRY(flush());
  return out;
}

std::unexpected<core::Error> YamlFields::error(const YAML::Node& node,
                                               const std::string& message) const {
  const auto where = at(node);
  return core::fail(core::ErrorKind::parse, m_name, message, where.line, where.column);
}

} // namespace moat::runconf::detail
