// ContainerSpecs from a Compose file (the Compose Specification, and the
// older version 2 and 3 files, which use the same service keys), with
// variables interpolated as Compose does it.

#include <moat/runconf/runconf.hpp>
#include <moat/runconf/values.hpp>
#include <moat/runconf/yaml_fields.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>

namespace moat::runconf {

namespace {

using detail::origin_of;

// Compose's interpolation: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
// ${VAR:?message}, ${VAR?message}, ${VAR:+replacement}, ${VAR+replacement},
// and $$ for a dollar sign. An unset variable without a default is empty.
core::Result<std::string> interpolate(std::string_view text, const Variables& vars,
                                      const std::string& name, Origin at, int depth = 0) {
  auto error = [&](std::string message) {
    return core::fail(core::ErrorKind::parse, name, std::move(message), at.line, at.column);
  };
  if (depth > 8)
    return error("variables nested too deep in " + std::string(text));
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    const char next = text[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
      continue;
    }
    auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    if (next != '{') {
      std::size_t end = i + 1;
      while (end < text.size() && is_name(text[end]))
        ++end;
      if (end == i + 1) {
        out += '$';
        continue;
      }
      const auto var = std::string(text.substr(i + 1, end - i - 1));
      if (auto it = vars.find(var); it != vars.end())
        out += it->second;
      i = end - 1;
      continue;
    }
    // ${...}: find the matching brace (a default may hold ${...} itself).
    std::size_t end = i + 2;
    for (int open = 1; end < text.size(); ++end) {
      if (text[end] == '{')
        ++open;
      else if (text[end] == '}' && --open == 0)
        break;
    }
    if (end >= text.size())
      return error(fmt::format("unterminated ${{ in '{}'", text));
    const auto body = text.substr(i + 2, end - i - 2);
    std::size_t n = 0;
    while (n < body.size() && is_name(body[n]))
      ++n;
    if (n == 0)
      return error(fmt::format("invalid variable name in '{}'", text));
    const auto var = std::string(body.substr(0, n));
    const auto rest = body.substr(n);
    const auto found = vars.find(var);
    const bool set = found != vars.end();
    const bool set_nonempty = set && !found->second.empty();
    const std::string value = set ? found->second : std::string();
    if (rest.empty()) {
      out += value;
    } else {
      const bool colon = rest.starts_with(':');
      const auto op_text = rest.substr(colon ? 1 : 0);
      if (op_text.empty())
        return error(fmt::format("invalid interpolation format in '{}'", text));
      const char op = op_text.front();
      const auto arg = op_text.substr(1);
      const bool present = colon ? set_nonempty : set;
      if (op == '-') {
        if (present) {
          out += value;
        } else {
          MOAT_TRY_ASSIGN(fallback, interpolate(arg, vars, name, at, depth + 1));
          out += fallback;
        }
      } else if (op == '?') {
        if (!present)
          return error(fmt::format("required variable {} is missing a value: {}", var,
                                   arg.empty() ? "not set" : std::string(arg)));
        out += value;
      } else if (op == '+') {
        if (present) {
          MOAT_TRY_ASSIGN(replacement, interpolate(arg, vars, name, at, depth + 1));
          out += replacement;
        }
      } else {
        return error(fmt::format("invalid interpolation format in '{}'", text));
      }
    }
    i = end;
  }
  return out;
}

class ServiceReader {
public:
  ServiceReader(const std::string& name, const Variables& vars, const FileLoader& load)
      : m_name(name), m_vars(vars), m_load(load), m_fields(name) {}

  core::Result<ContainerSpec> read(const std::string& service, const YAML::Node& node,
                                   Origin declared) {
    ContainerSpec spec;
    spec.kind = "compose";
    spec.source = m_name;
    spec.name = service;
    spec.origin = std::move(declared);
    // A Compose service is on its project's network unless it says otherwise.
    spec.network_mode.value = "compose-project";
    MOAT_TRY(read_basics(spec, node));
    MOAT_TRY(read_lists(spec, node));
    MOAT_TRY(read_mounts(spec, node));
    MOAT_TRY(read_ports(spec, node));
    MOAT_TRY(read_limits(spec, node));
    MOAT_TRY(read_runtime(spec, node));
    return spec;
  }

private:
  std::unexpected<core::Error> error(const YAML::Node& node, const std::string& message) const {
    return m_fields.error(node, message);
  }

  YAML::Node get(const YAML::Node& node, std::string_view key) const {
    return m_fields.get(node, key);
  }

  Origin at(const YAML::Node& node) const { return m_fields.at(node); }

  core::Result<std::string> text(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar())
      return error(node, fmt::format("{} must be a single value", key));
    return interpolate(node.Scalar(), m_vars, m_name, at(node));
  }

  core::Result<bool> flag(const YAML::Node& node, std::string_view key) const {
    MOAT_TRY_ASSIGN(value, text(node, key));
    const auto v = util::to_lower(value);
    if (v == "true" || v == "yes" || v == "on" || v == "1")
      return true;
    if (v == "false" || v == "no" || v == "off" || v == "0" || v.empty())
      return false;
    return error(node, fmt::format("{} must be true or false, not '{}'", key, value));
  }

  // A list of strings (or one string, where Compose allows it).
  core::Result<std::vector<Set<std::string>>> strings(const YAML::Node& node,
                                                      std::string_view key) const {
    std::vector<Set<std::string>> out;
    if (node.IsScalar()) {
      MOAT_TRY_ASSIGN(value, text(node, key));
      out.push_back({value, at(node)});
      return out;
    }
    if (!node.IsSequence())
      return error(node, fmt::format("{} must be a list", key));
    for (const auto& item : node) {
      MOAT_TRY_ASSIGN(value, text(item, key));
      out.push_back({value, at(item)});
    }
    return out;
  }

  // A mapping or a list of KEY=VALUE (environment, sysctls).
  core::Result<std::vector<std::pair<std::string, Set<std::string>>>>
  pairs(const YAML::Node& node, std::string_view key) const {
    std::vector<std::pair<std::string, Set<std::string>>> out;
    if (node.IsMap()) {
      for (const auto& entry : node) {
        MOAT_TRY_ASSIGN(name, text(entry.first, key));
        std::string value;
        if (!entry.second.IsNull()) {
          MOAT_TRY_ASSIGN(v, text(entry.second, key));
          value = v;
        }
        out.emplace_back(name, Set<std::string>{value, at(entry.second)});
      }
      return out;
    }
    MOAT_TRY_ASSIGN(list, strings(node, key));
    for (auto& item : list) {
      const auto eq = item.value.find('=');
      out.emplace_back(
          item.value.substr(0, eq),
          Set<std::string>{eq == std::string::npos ? "" : item.value.substr(eq + 1), item.origin});
    }
    return out;
  }

  core::Status read_basics(ContainerSpec& spec, const YAML::Node& node) const {
    if (auto n = get(node, "container_name"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(v, text(n, "container_name"));
      spec.name = fmt::format("{} ({})", spec.name, v);
    }
    if (auto n = get(node, "image"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(v, text(n, "image"));
      spec.image = {v, at(n)};
    }
    for (const auto& [key, member] : {std::pair{"entrypoint", &ContainerSpec::entrypoint},
                                      std::pair{"command", &ContainerSpec::command}})
      if (auto n = get(node, key); n.IsDefined() && !n.IsNull()) {
        std::vector<std::string> words;
        if (n.IsScalar()) {
          MOAT_TRY_ASSIGN(line, text(n, key));
          auto split = detail::shell_words(line, m_name);
          if (!split)
            return error(n, fmt::format("{}: {}", key, split.error().message));
          words = std::move(*split);
        } else {
          MOAT_TRY_ASSIGN(list, strings(n, key));
          for (auto& w : list)
            words.push_back(std::move(w.value));
        }
        spec.*member = std::move(words);
      }
    if (auto n = get(node, "privileged"); n.IsDefined()) {
      MOAT_TRY_ASSIGN(v, flag(n, "privileged"));
      spec.privileged = {v, at(n)};
    }
    if (auto n = get(node, "read_only"); n.IsDefined()) {
      MOAT_TRY_ASSIGN(v, flag(n, "read_only"));
      spec.read_only_rootfs = {v, at(n)};
    }
    if (auto n = get(node, "user"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(v, text(n, "user"));
      spec.user = Set<std::string>{v, at(n)};
    }
    const std::pair<const char*, Set<std::string> ContainerSpec::*> modes[] = {
        {"pid", &ContainerSpec::pid_mode},
        {"ipc", &ContainerSpec::ipc_mode},
        {"network_mode", &ContainerSpec::network_mode},
        {"uts", &ContainerSpec::uts_mode},
        {"userns_mode", &ContainerSpec::userns_mode},
        {"cgroup_parent", &ContainerSpec::cgroup_parent},
    };
    for (const auto& [key, member] : modes)
      if (auto n = get(node, key); n.IsDefined() && !n.IsNull()) {
        MOAT_TRY_ASSIGN(v, text(n, key));
        spec.*member = {v, at(n)};
      }
    return {};
  }

  core::Status read_lists(ContainerSpec& spec, const YAML::Node& node) const {
    if (auto n = get(node, "cap_add"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(list, strings(n, "cap_add"));
      for (auto& cap : list)
        spec.cap_add.push_back({detail::capability_name(cap.value), cap.origin});
    }
    if (auto n = get(node, "cap_drop"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(list, strings(n, "cap_drop"));
      for (auto& cap : list)
        spec.cap_drop.push_back({detail::capability_name(cap.value), cap.origin});
    }
    if (auto n = get(node, "security_opt"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(list, strings(n, "security_opt"));
      spec.security_opt = std::move(list);
    }
    if (auto n = get(node, "devices"); n.IsDefined() && !n.IsNull()) {
      if (!n.IsSequence())
        return error(n, "devices must be a list");
      for (const auto& item : n) {
        if (item.IsMap()) {
          MOAT_TRY_ASSIGN(source, text(get(item, "source"), "devices.source"));
          spec.devices.push_back({source, at(item)});
        } else {
          MOAT_TRY_ASSIGN(v, text(item, "devices"));
          spec.devices.push_back({v.substr(0, v.find(':')), at(item)});
        }
      }
    }
    if (auto n = get(node, "sysctls"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(list, pairs(n, "sysctls"));
      spec.sysctls = std::move(list);
    }
    MOAT_TRY(read_env_files(spec, node));
    if (auto n = get(node, "environment"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(list, pairs(n, "environment"));
      // environment wins over env_file.
      for (auto& [name, value] : list) {
        std::erase_if(spec.env, [&](const auto& e) { return e.first == name; });
        spec.env.emplace_back(std::move(name), std::move(value));
      }
    }
    if (auto n = get(node, "ulimits"); n.IsDefined() && !n.IsNull()) {
      if (!n.IsMap())
        return error(n, "ulimits must be a mapping");
      for (const auto& entry : n)
        spec.ulimits.push_back({entry.first.Scalar(), at(entry.first)});
    }
    return {};
  }

  // env_file: a path, a list of paths, or a list of {path, required}; a
  // later file wins over an earlier one. Each value keeps its file and line.
  core::Status read_env_files(ContainerSpec& spec, const YAML::Node& node) const {
    const auto n = get(node, "env_file");
    if (!n.IsDefined() || n.IsNull() || !m_load)
      return {};
    std::vector<std::pair<Set<std::string>, bool>> files; // path, required
    if (n.IsSequence()) {
      for (const auto& item : n) {
        if (item.IsMap()) {
          MOAT_TRY_ASSIGN(path, text(get(item, "path"), "env_file.path"));
          bool required = true;
          if (auto r = get(item, "required"); r.IsDefined()) {
            MOAT_TRY_ASSIGN(v, flag(r, "env_file.required"));
            required = v;
          }
          files.push_back({{path, at(item)}, required});
        } else {
          MOAT_TRY_ASSIGN(path, text(item, "env_file"));
          files.push_back({{path, at(item)}, true});
        }
      }
    } else {
      MOAT_TRY_ASSIGN(path, text(n, "env_file"));
      files.push_back({{path, at(n)}, true});
    }
    for (const auto& [path, required] : files) {
      auto loaded = m_load(path.value);
      if (!loaded)
        return std::unexpected(loaded.error());
      if (!*loaded) {
        if (required)
          return core::fail(core::ErrorKind::io, m_name,
                            fmt::format("env_file {} not found", path.value), path.origin.line,
                            path.origin.column);
        continue;
      }
      for (auto& entry : read_env_lines((*loaded)->text)) {
        std::erase_if(spec.env, [&](const auto& e) { return e.first == entry.name; });
        spec.env.emplace_back(
            std::move(entry.name),
            Set<std::string>{std::move(entry.value), Origin{entry.line, 1, (*loaded)->name}});
      }
    }
    return {};
  }

  core::Status read_mounts(ContainerSpec& spec, const YAML::Node& node) const {
    auto n = get(node, "volumes");
    if (!n.IsDefined() || n.IsNull())
      return {};
    if (!n.IsSequence())
      return error(n, "volumes must be a list");
    for (const auto& item : n) {
      if (!item.IsMap()) {
        MOAT_TRY_ASSIGN(v, text(item, "volumes"));
        spec.mounts.push_back(detail::volume_of(v, at(item)));
        continue;
      }
      Mount m;
      m.origin = at(item);
      m.type = "volume";
      if (auto t = get(item, "type"); t.IsDefined()) {
        MOAT_TRY_ASSIGN(v, text(t, "volumes.type"));
        m.type = v;
      }
      if (auto s = get(item, "source"); s.IsDefined() && !s.IsNull()) {
        MOAT_TRY_ASSIGN(v, text(s, "volumes.source"));
        m.source = v;
      }
      if (auto t = get(item, "target"); t.IsDefined()) {
        MOAT_TRY_ASSIGN(v, text(t, "volumes.target"));
        m.destination = v;
      }
      if (auto r = get(item, "read_only"); r.IsDefined()) {
        MOAT_TRY_ASSIGN(v, flag(r, "volumes.read_only"));
        m.read_only = v;
      }
      if (auto p = get(get(item, "bind"), "propagation"); p.IsDefined()) {
        MOAT_TRY_ASSIGN(v, text(p, "volumes.bind.propagation"));
        m.propagation = v;
      }
      spec.mounts.push_back(std::move(m));
    }
    return {};
  }

  core::Status read_ports(ContainerSpec& spec, const YAML::Node& node) const {
    auto n = get(node, "ports");
    if (!n.IsDefined() || n.IsNull())
      return {};
    if (!n.IsSequence())
      return error(n, "ports must be a list");
    for (const auto& item : n) {
      Port p;
      p.origin = at(item);
      if (item.IsMap()) {
        MOAT_TRY_ASSIGN(target, text(get(item, "target"), "ports.target"));
        p.container_port = detail::port_of(target);
        if (auto pub = get(item, "published"); pub.IsDefined()) {
          MOAT_TRY_ASSIGN(v, text(pub, "ports.published"));
          p.host_port = detail::port_of(v);
        }
        if (auto ip = get(item, "host_ip"); ip.IsDefined()) {
          MOAT_TRY_ASSIGN(v, text(ip, "ports.host_ip"));
          p.host_ip = v;
        }
        if (auto proto = get(item, "protocol"); proto.IsDefined()) {
          MOAT_TRY_ASSIGN(v, text(proto, "ports.protocol"));
          p.protocol = v;
        }
      } else {
        MOAT_TRY_ASSIGN(v, text(item, "ports"));
        std::string_view rest = v;
        if (const auto slash = rest.rfind('/'); slash != std::string_view::npos) {
          p.protocol = std::string(rest.substr(slash + 1));
          rest = rest.substr(0, slash);
        }
        if (rest.starts_with('[')) {
          const auto close = rest.find("]:");
          if (close == std::string_view::npos)
            return error(item, fmt::format("ports: invalid address in '{}'", v));
          p.host_ip = std::string(rest.substr(1, close - 1));
          rest = rest.substr(close + 2);
        }
        const auto last = rest.rfind(':');
        p.container_port =
            detail::port_of(rest.substr(last == std::string_view::npos ? 0 : last + 1));
        if (last != std::string_view::npos) {
          auto front = rest.substr(0, last);
          if (const auto colon = front.rfind(':'); colon != std::string_view::npos) {
            p.host_ip = std::string(front.substr(0, colon));
            front = front.substr(colon + 1);
          }
          p.host_port = front.empty() ? 0 : detail::port_of(front);
        }
      }
      if (p.container_port < 0 || p.host_port < 0)
        return error(item, "ports: not a port number");
      spec.ports.push_back(std::move(p));
    }
    return {};
  }

  core::Result<std::int64_t> size(const YAML::Node& n, std::string_view key) const {
    MOAT_TRY_ASSIGN(v, text(n, key));
    auto bytes = detail::bytes_of(v);
    if (!bytes)
      return error(n, fmt::format("{}: '{}' is not a size (examples: 512m, 1g)", key, v));
    return *bytes;
  }

  core::Status read_limits(ContainerSpec& spec, const YAML::Node& node) const {
    const auto limits = get(get(get(node, "deploy"), "resources"), "limits");
    for (const auto& n : {get(node, "mem_limit"), get(limits, "memory")})
      if (n.IsDefined() && !n.IsNull()) {
        MOAT_TRY_ASSIGN(bytes, size(n, "memory limit"));
        spec.memory = {bytes, at(n)};
      }
    for (const auto& n : {get(node, "cpus"), get(limits, "cpus")})
      if (n.IsDefined() && !n.IsNull()) {
        MOAT_TRY_ASSIGN(v, text(n, "cpus"));
        auto nano = detail::nano_cpus_of(v);
        if (!nano)
          return error(n, fmt::format("cpus: '{}' is not a number of CPUs", v));
        spec.nano_cpus = {*nano, at(n)};
      }
    const std::pair<const char*, Set<std::int64_t> ContainerSpec::*> ints[] = {
        {"cpu_shares", &ContainerSpec::cpu_shares}, {"cpu_quota", &ContainerSpec::cpu_quota}};
    for (const auto& [key, member] : ints)
      if (auto n = get(node, key); n.IsDefined() && !n.IsNull()) {
        MOAT_TRY_ASSIGN(v, text(n, key));
        auto i = detail::integer_of(v);
        if (!i)
          return error(n, fmt::format("{}: '{}' is not an integer", key, v));
        spec.*member = {*i, at(n)};
      }
    for (const auto& n : {get(node, "pids_limit"), get(limits, "pids")})
      if (n.IsDefined() && !n.IsNull()) {
        MOAT_TRY_ASSIGN(v, text(n, "pids_limit"));
        auto i = detail::integer_of(v);
        if (!i)
          return error(n, fmt::format("pids_limit: '{}' is not an integer", v));
        spec.pids_limit = {*i, at(n)};
      }
    return {};
  }

  core::Status read_runtime(ContainerSpec& spec, const YAML::Node& node) const {
    if (auto h = get(node, "healthcheck"); h.IsDefined() && !h.IsNull()) {
      spec.health = {ContainerSpec::Health::configured, at(h)};
      if (auto d = get(h, "disable"); d.IsDefined()) {
        MOAT_TRY_ASSIGN(off, flag(d, "healthcheck.disable"));
        if (off)
          spec.health = {ContainerSpec::Health::disabled, at(d)};
      }
      if (auto t = get(h, "test"); t.IsDefined()) {
        MOAT_TRY_ASSIGN(words, strings(t, "healthcheck.test"));
        if (!words.empty() && words.front().value == "NONE")
          spec.health = {ContainerSpec::Health::disabled, at(t)};
      }
    }
    if (auto r = get(node, "restart"); r.IsDefined() && !r.IsNull()) {
      MOAT_TRY_ASSIGN(v, text(r, "restart"));
      const auto colon = v.find(':');
      spec.restart_policy = {v.substr(0, colon), at(r)};
      int retries = 0;
      if (colon != std::string::npos) {
        auto n = detail::integer_of(std::string_view(v).substr(colon + 1));
        if (!n)
          return error(r, fmt::format("restart: the retry count of '{}' is not an integer", v));
        retries = static_cast<int>(*n);
      }
      spec.restart_retries = {retries, at(r)};
    }
    // Swarm's restart_policy: any (the default) restarts forever.
    if (auto rp = get(get(node, "deploy"), "restart_policy"); rp.IsDefined() && !rp.IsNull()) {
      std::string condition = "any";
      if (auto c = get(rp, "condition"); c.IsDefined()) {
        MOAT_TRY_ASSIGN(v, text(c, "deploy.restart_policy.condition"));
        condition = v;
      }
      int attempts = 0;
      if (auto a = get(rp, "max_attempts"); a.IsDefined()) {
        MOAT_TRY_ASSIGN(v, text(a, "deploy.restart_policy.max_attempts"));
        auto n = detail::integer_of(v);
        if (!n)
          return error(a, "deploy.restart_policy.max_attempts must be an integer");
        attempts = static_cast<int>(*n);
      }
      spec.restart_policy = {condition == "any"          ? (attempts > 0 ? "on-failure" : "always")
                             : condition == "on-failure" ? "on-failure"
                                                         : "no",
                             at(rp)};
      spec.restart_retries = {attempts, at(rp)};
    }
    return {};
  }

  const std::string& m_name;
  const Variables& m_vars;
  const FileLoader& m_load;
  mutable detail::YamlFields m_fields;
};

} // namespace

std::vector<EnvLine> read_env_lines(std::string_view text) {
  std::vector<EnvLine> out;
  int number = 0;
  for (auto line : util::split(text, '\n')) {
    ++number;
    auto l = util::trim(line);
    if (l.empty() || l.starts_with('#'))
      continue;
    if (l.starts_with("export "))
      l = util::trim(l.substr(7));
    const auto eq = l.find('=');
    if (eq == std::string_view::npos)
      continue;
    auto key = std::string(util::trim(l.substr(0, eq)));
    auto value = util::trim(l.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    else if (const auto hash = value.find(" #"); hash != std::string_view::npos)
      value = util::trim(value.substr(0, hash));
    out.push_back({std::move(key), std::string(value), number});
  }
  return out;
}

Variables read_dotenv(std::string_view text) {
  Variables vars;
  for (auto& entry : read_env_lines(text))
    vars.insert_or_assign(std::move(entry.name), std::move(entry.value));
  return vars;
}

core::Result<std::vector<ContainerSpec>> read_compose(std::string_view text,
                                                      const std::string& name,
                                                      const Variables& variables,
                                                      const FileLoader& load) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return core::fail(core::ErrorKind::parse, name, "invalid YAML: " + e.msg, e.mark.line + 1,
                      e.mark.column + 1);
  }
  try {
    const auto top = origin_of(root);
    const int line = std::max(top.line, 1);
    const int column = std::max(top.column, 1);
    if (!root.IsMap())
      return core::fail(core::ErrorKind::parse, name, "not a Compose file: expected a mapping",
                        line, column);
    const auto services = root["services"];
    if (!services.IsDefined() || !services.IsMap())
      return core::fail(core::ErrorKind::parse, name, "not a Compose file: no 'services' mapping",
                        line, column);
    ServiceReader reader(name, variables, load);
    std::vector<ContainerSpec> specs;
    for (const auto& entry : services) {
      const auto service = entry.first.Scalar();
      if (!entry.second.IsMap()) {
        const auto at = origin_of(entry.second);
        return core::fail(core::ErrorKind::parse, name,
                          fmt::format("service '{}' must be a mapping", service), at.line,
                          at.column);
      }
      MOAT_TRY_ASSIGN(spec, reader.read(service, entry.second, origin_of(entry.first)));
      specs.push_back(std::move(spec));
    }
    return specs;
  } catch (const YAML::Exception& e) {
    return core::fail(core::ErrorKind::parse, name, "invalid Compose file: " + e.msg,
                      e.mark.line + 1, e.mark.column + 1);
  }
}

} // namespace moat::runconf
