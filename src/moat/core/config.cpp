#include <moat/core/config.hpp>

#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <yaml-cpp/yaml.h>

#include <regex>
#include <system_error>

namespace moat::core {

namespace {

constexpr std::size_t k_max_config_bytes = 1 << 20;

std::unexpected<Error> node_error(const std::string& name, const YAML::Node& node,
                                  const std::string& message) {
  const auto& mark = node.Mark();
  return fail(ErrorKind::parse, name, message, mark.line >= 0 ? mark.line + 1 : 0,
              mark.column >= 0 ? mark.column + 1 : 0);
}

// The value types a label schema names (hadolint's label-schema).
bool is_label_type(const std::string& type) {
  return type == "text" || type == "url" || type == "semver" || type == "rfc3339" ||
         type == "spdx" || type == "hash" || type == "email";
}

// A list of ids: a YAML sequence of strings, or one comma-separated string.
Result<std::vector<std::string>> read_id_list(const std::string& name, const YAML::Node& node,
                                              const std::string& key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    for (auto id : util::split_trimmed(node.Scalar(), ','))
      out.emplace_back(id);
    return out;
  }
  if (!node.IsSequence())
    return node_error(name, node, "'" + key + "' must be a list of strings");
  for (const auto& item : node) {
    if (!item.IsScalar())
      return node_error(name, item, "'" + key + "' must be a list of strings");
    out.push_back(std::string(util::trim(item.Scalar())));
  }
  return out;
}

// A severity by moat name, or by the name hadolint gives the same level
// (error, warning, info, style), so a .hadolint.yaml-style file reads the same.
std::optional<Severity> config_severity(std::string_view name) {
  if (auto s = parse_severity(name))
    return s;
  if (util::iequals(name, "error"))
    return Severity::high;
  if (util::iequals(name, "warning"))
    return Severity::medium;
  if (util::iequals(name, "style"))
    return Severity::info;
  return std::nullopt;
}

// A string list: a sequence of strings, or one string.
Result<std::vector<std::string>> read_strings(const std::string& name, const YAML::Node& node,
                                              const std::string& key) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence())
    return node_error(name, node, "'" + key + "' must be a string or a list of strings");
  for (const auto& item : node) {
    if (!item.IsScalar())
      return node_error(name, item, "'" + key + "' must be a string or a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

// A regular expression the engine will compile with std::regex: refused
// here, with its line, when it does not compile.
Status check_regex(const std::string& name, const YAML::Node& node, const std::string& text,
                   bool caseless) {
  // std::regex compiles recursively: a bounded pattern cannot exhaust the stack.
  constexpr std::size_t k_max_pattern = 2048;
  constexpr int k_max_depth = 32;
  if (text.size() > k_max_pattern)
    return node_error(name, node, "a regular expression longer than 2048 characters");
  int depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '(' && ++depth > k_max_depth) {
      return node_error(name, node, "a regular expression nested more than 32 groups deep");
    } else if (text[i] == ')') {
      --depth;
    }
  }
  try {
    const std::regex re(text, caseless ? std::regex::ECMAScript | std::regex::icase
                                       : std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return node_error(name, node, "invalid regular expression '" + text + "': " + e.what());
  }
  return {};
}

Result<SecretRuleConfig> read_secret_rule(const std::string& name, const YAML::Node& node) {
  if (!node.IsMap())
    return node_error(name, node, "a secret rule must be a mapping with id and pattern");
  SecretRuleConfig rule;
  rule.line = node.Mark().line + 1;
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    if (key == "id" || key == "title" || key == "pattern") {
      if (!value.IsScalar() || value.Scalar().empty())
        return node_error(name, value, "'" + key + "' must be a non-empty string");
      (key == "id" ? rule.id : key == "title" ? rule.title : rule.pattern) = value.Scalar();
    } else if (key == "severity") {
      auto level = value.IsScalar() ? config_severity(value.Scalar()) : std::nullopt;
      if (!level)
        return node_error(name, value, "'severity' must be critical, high, medium, low or info");
      rule.severity = *level;
    } else if (key == "keywords" || key == "allow") {
      MOAT_TRY_ASSIGN(list, read_strings(name, value, key));
      (key == "keywords" ? rule.keywords : rule.allow) = std::move(list);
    } else if (key == "entropy") {
      if (!value.IsScalar() || !YAML::convert<double>::decode(value, rule.entropy) ||
          rule.entropy < 0 || rule.entropy > 8)
        return node_error(name, value, "'entropy' must be a number from 0 to 8");
    } else if (key == "caseless") {
      if (!value.IsScalar() || !YAML::convert<bool>::decode(value, rule.caseless))
        return node_error(name, value, "'caseless' must be true or false");
    } else if (key == "secret-group" || key == "secretGroup") {
      if (!value.IsScalar() || !YAML::convert<int>::decode(value, rule.secret_group) ||
          rule.secret_group < 0 || rule.secret_group > 9)
        return node_error(name, value, "'" + key + "' must be a group number from 0 to 9");
    } else {
      return node_error(name, entry.first, "unknown key '" + key + "' in a secret rule");
    }
  }
  if (rule.id.empty() || rule.pattern.empty())
    return node_error(name, node, "a secret rule needs an id and a pattern");
  if (rule.title.empty())
    rule.title = rule.id;
  MOAT_TRY(check_regex(name, node, rule.pattern, rule.caseless));
  for (const auto& a : rule.allow)
    MOAT_TRY(check_regex(name, node, a, false));
  return rule;
}

Result<SecretAllowConfig> read_secret_allow(const std::string& name, const YAML::Node& node) {
  if (!node.IsMap())
    return node_error(name, node, "an allow rule must be a mapping of paths, regex and rules");
  SecretAllowConfig allow;
  allow.line = node.Mark().line + 1;
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    if (key == "paths" || key == "rules") {
      MOAT_TRY_ASSIGN(list, read_strings(name, value, key));
      (key == "paths" ? allow.paths : allow.rules) = std::move(list);
    } else if (key == "regex") {
      if (!value.IsScalar() || value.Scalar().empty())
        return node_error(name, value, "'regex' must be a non-empty string");
      allow.regex = value.Scalar();
      MOAT_TRY(check_regex(name, value, allow.regex, false));
    } else {
      return node_error(name, entry.first, "unknown key '" + key + "' in an allow rule");
    }
  }
  if (allow.paths.empty() && allow.regex.empty())
    return node_error(name, node, "an allow rule needs paths or a regex");
  return allow;
}

Result<SecretsConfig> read_secrets(const std::string& name, const YAML::Node& node) {
  if (!node.IsMap())
    return node_error(name, node, "'secrets' must be a mapping");
  SecretsConfig out;
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    if (key == "disable") {
      MOAT_TRY_ASSIGN(ids, read_id_list(name, value, key));
      out.disable = std::move(ids);
    } else if (key == "placeholders") {
      MOAT_TRY_ASSIGN(words, read_strings(name, value, key));
      out.placeholders = std::move(words);
    } else if (key == "rules" || key == "allow") {
      if (!value.IsSequence())
        return node_error(name, value, "'" + key + "' must be a list");
      for (const auto& item : value) {
        if (key == "rules") {
          MOAT_TRY_ASSIGN(rule, read_secret_rule(name, item));
          out.rules.push_back(std::move(rule));
        } else {
          MOAT_TRY_ASSIGN(allow, read_secret_allow(name, item));
          out.allow.push_back(std::move(allow));
        }
      }
    } else if (key == "entropy") {
      if (!value.IsMap())
        return node_error(name, value, "'entropy' must map rule ids to numbers");
      for (const auto& item : value) {
        double floor = 0;
        if (!item.second.IsScalar() || !YAML::convert<double>::decode(item.second, floor) ||
            floor < 0 || floor > 8)
          return node_error(name, item.second, "an entropy floor must be a number from 0 to 8");
        out.entropy[item.first.as<std::string>()] = floor;
      }
    } else if (key == "package-paths") {
      bool flag = true;
      if (!value.IsScalar() || !YAML::convert<bool>::decode(value, flag))
        return node_error(name, value, "'package-paths' must be true or false");
      out.package_paths = flag;
    } else {
      return node_error(name, entry.first,
                        "unknown key '" + key +
                            "' in secrets (disable, rules, allow, placeholders, entropy or "
                            "package-paths)");
    }
  }
  return out;
}

} // namespace

Result<Config> parse_config(std::string_view text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return fail(ErrorKind::parse, name, "invalid YAML: " + e.msg, e.mark.line + 1,
                e.mark.column + 1);
  }
  Config config;
  config.source = name;
  if (root.IsNull())
    return config;
  if (!root.IsMap())
    return node_error(name, root, "the configuration must be a mapping");
  try {
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      const YAML::Node& value = entry.second;
      if (key == "fail-on" || key == "failure-threshold") {
        if (!value.IsScalar())
          return node_error(name, value, "'" + key + "' must be a severity or none");
        if (auto level = config_severity(value.Scalar()); level && key == "failure-threshold") {
          config.fail_on = std::optional<Severity>{*level};
          continue;
        }
        auto parsed = parse_fail_on(value.Scalar());
        if (!parsed)
          return node_error(name, value, parsed.error().message);
        config.fail_on = *parsed;
      } else if (key == "ignore" || key == "ignored") {
        auto ids = read_id_list(name, value, key);
        if (!ids)
          return std::unexpected(ids.error());
        config.ignores.insert(config.ignores.end(), ids->begin(), ids->end());
      } else if (key == "severity" || key == "override") {
        if (!value.IsMap())
          return node_error(name, value, "'" + key + "' must map check ids to severities");
        for (const auto& item : value) {
          const auto first = item.first.as<std::string>();
          // hadolint's form: a severity mapped to a list of ids.
          if (item.second.IsSequence()) {
            auto level = config_severity(first);
            if (!level)
              return node_error(name, item.first, "unknown severity '" + first + "'");
            for (const auto& id : item.second) {
              if (!id.IsScalar())
                return node_error(name, id, "'" + key + "' lists must hold check ids");
              config.overrides[util::to_upper(id.Scalar())] = *level;
            }
            continue;
          }
          if (!item.second.IsScalar())
            return node_error(name, item.second, "severity for " + first + " must be a name");
          auto level = config_severity(item.second.Scalar());
          if (!level)
            return node_error(name, item.second,
                              "unknown severity '" + item.second.Scalar() + "' for " + first);
          config.overrides[util::to_upper(first)] = *level;
        }
      } else if (key == "allowed-registries" || key == "trustedRegistries") {
        auto regs = read_id_list(name, value, key);
        if (!regs)
          return std::unexpected(regs.error());
        config.allowed_registries.insert(config.allowed_registries.end(), regs->begin(),
                                         regs->end());
      } else if (key == "enable") {
        auto ids = read_id_list(name, value, key);
        if (!ids)
          return std::unexpected(ids.error());
        config.enables.insert(config.enables.end(), ids->begin(), ids->end());
      } else if (key == "label-schema") {
        if (!value.IsMap())
          return node_error(name, value, "'label-schema' must map label names to types");
        for (const auto& item : value) {
          if (!item.first.IsScalar() || !item.second.IsScalar())
            return node_error(name, item.first, "'label-schema' must map label names to types");
          const auto type = item.second.Scalar();
          if (!is_label_type(type))
            return node_error(name, item.second,
                              "unknown label type '" + type +
                                  "' (text, url, semver, rfc3339, spdx, hash or email)");
          config.label_schema.emplace_back(item.first.Scalar(), type);
        }
      } else if (key == "strict-labels" || key == "disable-ignore-pragma") {
        bool flag = false;
        if (!value.IsScalar() || !YAML::convert<bool>::decode(value, flag))
          return node_error(name, value, "'" + key + "' must be true or false");
        (key == "strict-labels" ? config.strict_labels : config.disable_ignore_pragma) = flag;
      } else if (key == "secrets") {
        auto secrets = read_secrets(name, value);
        if (!secrets)
          return std::unexpected(secrets.error());
        config.secrets = std::move(*secrets);
      } else {
        return node_error(name, entry.first, "unknown key '" + key + "'");
      }
    }
  } catch (const YAML::Exception& e) {
    return fail(ErrorKind::parse, name, "invalid configuration: " + e.msg, e.mark.line + 1,
                e.mark.column + 1);
  }
  return config;
}

Result<Config> load_config(const std::filesystem::path& path) {
  auto text = util::read_file(path, k_max_config_bytes);
  if (!text)
    return fail(ErrorKind::io, path.string(), text.error());
  return parse_config(*text, path.string());
}

std::optional<std::filesystem::path> find_config(const std::filesystem::path& start) {
  std::error_code ec;
  auto dir = std::filesystem::absolute(start, ec);
  if (ec)
    return std::nullopt;
  if (!std::filesystem::is_directory(dir, ec))
    dir = dir.parent_path();
  for (;;) {
    auto candidate = dir / ".moat.yaml";
    if (std::filesystem::is_regular_file(candidate, ec))
      return candidate;
    auto alt = dir / ".moat.yml";
    if (std::filesystem::is_regular_file(alt, ec))
      return alt;
    if (!dir.has_parent_path() || dir.parent_path() == dir)
      return std::nullopt;
    dir = dir.parent_path();
  }
}

void merge_config(const Config& config, Policy& policy) {
  if (config.fail_on)
    policy.fail_on = *config.fail_on;
  policy.ignores.insert(policy.ignores.end(), config.ignores.begin(), config.ignores.end());
  for (const auto& [id, s] : config.overrides)
    policy.overrides[id] = s;
  policy.allowed_registries.insert(policy.allowed_registries.end(),
                                   config.allowed_registries.begin(),
                                   config.allowed_registries.end());
  policy.enables.insert(policy.enables.end(), config.enables.begin(), config.enables.end());
  for (const auto& entry : config.label_schema)
    policy.label_schema.push_back(entry);
  if (config.strict_labels)
    policy.strict_labels = *config.strict_labels;
  if (config.disable_ignore_pragma)
    policy.disable_ignore_pragma = *config.disable_ignore_pragma;
}

} // namespace moat::core
