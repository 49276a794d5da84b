// dockerd's command line and daemon.json, merged under daemon.json names.

#include <moat/host/daemon.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace moat::host {

namespace {

constexpr std::string_view k_cli = "dockerd command line";

// dockerd's boolean flags: they take no separate value (--icc=false sets
// one), unlike every other flag.
constexpr auto k_bool_flags = std::to_array<std::string_view>({
    "D",
    "debug",
    "experimental",
    "icc",
    "init",
    "ip-forward",
    "ip-masq",
    "ip6tables",
    "iptables",
    "ipv6",
    "live-restore",
    "no-new-privileges",
    "raw-logs",
    "rootless",
    "selinux-enabled",
    "tls",
    "tlsverify",
    "userland-proxy",
    "validate",
    "version",
    "v",
    "help",
    "h",
});

bool is_bool_flag(std::string_view name) {
  return std::find(k_bool_flags.begin(), k_bool_flags.end(), name) != k_bool_flags.end();
}

std::string scalar(const nlohmann::json& v) {
  if (v.is_string())
    return v.get<std::string>();
  if (v.is_boolean())
    return v.get<bool>() ? "true" : "false";
  return v.dump();
}

} // namespace

std::string daemon_json_path(bool rootless, const std::string& home,
                             const std::string& xdg_config_home) {
  if (!rootless)
    return "/etc/docker/daemon.json";
  if (!xdg_config_home.empty())
    return xdg_config_home + "/docker/daemon.json";
  return home + "/.config/docker/daemon.json";
}

std::string daemon_json_name(std::string_view flag) {
  static const std::map<std::string_view, std::string_view> k_names = {
      {"D", "debug"},
      {"G", "group"},
      {"H", "hosts"},
      {"add-runtime", "runtimes"},
      {"allow-nondistributable-artifacts", "allow-nondistributable-artifacts"},
      {"authorization-plugin", "authorization-plugins"},
      {"b", "bridge"},
      {"cluster-store-opt", "cluster-store-opts"},
      {"default-ulimit", "default-ulimits"},
      {"dns-opt", "dns-opts"},
      {"exec-opt", "exec-opts"},
      {"g", "data-root"},
      {"graph", "data-root"},
      {"host", "hosts"},
      {"insecure-registry", "insecure-registries"},
      {"l", "log-level"},
      {"label", "labels"},
      {"log-opt", "log-opts"},
      {"node-generic-resource", "node-generic-resources"},
      {"p", "pidfile"},
      {"registry-mirror", "registry-mirrors"},
      {"s", "storage-driver"},
      {"storage-opt", "storage-opts"},
  };
  if (auto it = k_names.find(flag); it != k_names.end())
    return std::string(it->second);
  return std::string(flag);
}

std::optional<std::vector<std::string>> dockerd_command_line(const Root& root,
                                                             std::string_view host) {
  std::vector<std::pair<long, std::vector<std::string>>> found;
  for (const auto& entry : root.list("/proc")) {
    if (entry.empty() || !std::all_of(entry.begin(), entry.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        }))
      continue;
    const auto comm = root.read("/proc/" + entry + "/comm", 4096);
    if (!comm || util::trim(*comm) != "dockerd")
      continue;
    const auto cmdline = root.read("/proc/" + entry + "/cmdline", 1 << 20);
    if (!cmdline)
      continue;
    std::vector<std::string> args;
    for (auto arg : util::split(*cmdline, '\0'))
      args.emplace_back(arg);
    while (!args.empty() && args.back().empty())
      args.pop_back();
    if (!args.empty())
      args.erase(args.begin());
    long pid = 0;
    std::from_chars(entry.data(), entry.data() + entry.size(), pid);
    found.emplace_back(pid, std::move(args));
  }
  if (found.empty())
    return std::nullopt;
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (!host.empty())
    for (auto& [pid, args] : found)
      for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        const bool named =
            arg == host || arg == fmt::format("-H={}", host) ||
            arg == fmt::format("--host={}", host) ||
            ((arg == "-H" || arg == "--host") && i + 1 < args.size() && args[i + 1] == host);
        if (named)
          return std::move(args);
      }
  return std::move(found.front().second);
}

core::Result<DaemonConfig> DaemonConfig::load(const Root& root,
                                              const std::vector<std::string>& args,
                                              const std::string& default_file) {
  DaemonConfig config;
  config.m_args = args;
  std::string file = default_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with('-') || arg == "-" || arg == "--")
      continue;
    arg.remove_prefix(arg.starts_with("--") ? 2 : 1);
    std::string name;
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
    } else {
      name = std::string(arg);
    }
    if (!value) {
      if (is_bool_flag(name))
        value = "true";
      else if (i + 1 < args.size())
        value = args[++i];
      else
        value = "";
    }
    if (name == "config-file") {
      file = *value;
      continue;
    }
    auto& option = config.m_cli[daemon_json_name(name)];
    option.source = std::string(k_cli);
    option.values.push_back(*value);
  }

  config.m_file = file;
  const auto text = root.read(file);
  if (!text)
    return config;
  config.m_file_found = true;
  const auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return core::fail(core::ErrorKind::parse, file,
                      doc.is_discarded() ? "invalid JSON" : "expected a JSON object");
  for (const auto& [key, v] : doc.items()) {
    auto& option = config.m_file_options[key];
    option.source = file;
    if (v.is_array()) {
      for (const auto& item : v)
        option.values.push_back(scalar(item));
    } else if (v.is_object()) {
      for (const auto& [k, inner] : v.items())
        option.values.push_back(fmt::format("{}={}", k, scalar(inner)));
      if (v.empty())
        option.values.emplace_back();
    } else if (!v.is_null()) {
      option.values.push_back(scalar(v));
    }
  }
  return config;
}

std::vector<std::string> DaemonConfig::values(std::string_view key) const {
  std::vector<std::string> out;
  if (auto it = m_cli.find(key); it != m_cli.end())
    out = it->second.values;
  if (auto it = m_file_options.find(key); it != m_file_options.end())
    out.insert(out.end(), it->second.values.begin(), it->second.values.end());
  return out;
}

std::optional<std::string> DaemonConfig::value(std::string_view key) const {
  // The command line wins where both set a single value (dockerd refuses
  // that combination, but the one it would have used is the flag).
  if (auto it = m_cli.find(key); it != m_cli.end() && !it->second.values.empty())
    return it->second.values.back();
  if (auto it = m_file_options.find(key); it != m_file_options.end() && !it->second.values.empty())
    return it->second.values.back();
  return std::nullopt;
}

std::optional<bool> DaemonConfig::boolean(std::string_view key) const {
  const auto v = value(key);
  if (!v)
    return std::nullopt;
  const auto lower = util::to_lower(*v);
  if (lower == "true" || lower == "1" || lower.empty())
    return true;
  if (lower == "false" || lower == "0")
    return false;
  return std::nullopt;
}

std::string DaemonConfig::source(std::string_view key) const {
  if (auto it = m_cli.find(key); it != m_cli.end())
    return it->second.source;
  if (auto it = m_file_options.find(key); it != m_file_options.end())
    return it->second.source;
  return {};
}

} // namespace moat::host
