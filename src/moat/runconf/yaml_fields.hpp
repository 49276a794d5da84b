#pragma once
// Reading settings out of YAML mappings (Compose files, Kubernetes
// manifests) with the position of the key that set each one.

#include <moat/core/result.hpp>
#include <moat/runconf/spec.hpp>

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace moat::runconf::detail {

// The 1-based line and column where NODE starts; zeros when unknown.
[[nodiscard]] Origin origin_of(const YAML::Node& node);

// The documents of a YAML stream, each with the 0-based line it starts on.
// Documents are split at `---` and `...` lines and loaded one at a time:
// yaml-cpp's own LoadAll never returns on some malformed streams (a lone
// ","). Errors name NAME with the line in the whole stream.
struct YamlDocument {
  YAML::Node node;
  int first_line = 0;
};
[[nodiscard]] core::Result<std::vector<YamlDocument>> load_documents(std::string_view text,
                                                                     const std::string& name);

class YamlFields {
public:
  explicit YamlFields(const std::string& name) : m_name(name) {}

  // KEY of the mapping NODE, following YAML merge keys (<<: *anchor);
  // undefined when absent or when NODE is not a mapping.
  YAML::Node get(const YAML::Node& node, std::string_view key, int depth = 0);

  // Where the key that set NODE (a value get() returned) is written; the
  // node's own position for a value without a key (a list item).
  [[nodiscard]] Origin at(const YAML::Node& node) const;

  // A parse error at NODE naming the input.
  [[nodiscard]] std::unexpected<core::Error> error(const YAML::Node& node,
                                                   const std::string& message) const;

  [[nodiscard]] const std::string& name() const { return m_name; }

  // Where NODE starts, in the whole stream.
  [[nodiscard]] Origin origin(const YAML::Node& node) const;

  // The document being read starts on this 0-based line of the stream.
  void set_first_line(int line) { m_first_line = line; }

private:
  const std::string& m_name;
  int m_first_line = 0;
  std::map<std::size_t, Origin> m_keys; // value position -> key origin
};

} // namespace moat::runconf::detail
