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

bool DockerdProcess::rootless() const {
  return env.contains("ROOTLESSKIT_STATE_DIR") ||
         std::find(args.begin(), args.end(), "--rootless") != args.end();
}

std::vector<std::string> DockerdProcess::hosts() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    for (std::string_view flag : {"-H", "--host"}) {
      if (arg == flag && i + 1 < args.size())
        out.push_back(args[i + 1]);
      else if (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=')
        out.emplace_back(arg.substr(flag.size() + 1));
    }
    if (arg.starts_with("-H") && arg.size() > 2 && arg[2] != '=')
      out.emplace_back(arg.substr(2));
  }
  if (!out.empty())
    return out;
  if (rootless()) {
    const auto it = env.find("XDG_RUNTIME_DIR");
    if (it != env.end() && !it->second.empty())
      return {fmt::format("unix://{}/docker.sock", it->second)};
  }
  return {"unix:///var/run/docker.sock"};
}

std::string DockerdProcess::default_config_file() const {
  auto get = [&](const char* key) {
    const auto it = env.find(key);
    return it == env.end() ? std::string() : it->second;
  };
  return daemon_json_path(rootless(), get("HOME"), get("XDG_CONFIG_HOME"));
}

namespace {

// "unix:///var/run/docker.sock" -> "/run/docker.sock"; "fd://" is systemd's
// socket for docker.service, the default path.
std::string normal_host(std::string_view host) {
  if (host.starts_with("fd://"))
    return "/run/docker.sock";
  if (host.starts_with("unix://"))
    host.remove_prefix(7);
  std::string out(host);
  if (out.starts_with("/var/run/"))
    out.erase(0, 4);
  return out;
}

} // namespace

bool same_host(std::string_view a, std::string_view b) {
  return normal_host(a) == normal_host(b);
}

std::optional<DockerdProcess> find_dockerd(const Root& root, std::string_view host) {
  std::vector<DockerdProcess> found;
  for (const auto& entry : root.list("/proc")) {
    if (entry.empty() || !std::all_of(entry.begin(), entry.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        }))
      continue;
    const auto dir = "/proc/" + entry;
    const auto comm = root.read(dir + "/comm", 4096);
    if (!comm || util::trim(*comm) != "dockerd")
      continue;
    const auto cmdline = root.read(dir + "/cmdline", 1 << 20);
    if (!cmdline)
      continue;
    DockerdProcess p;
    for (auto arg : util::split(*cmdline, '\0'))
      p.args.emplace_back(arg);
    while (!p.args.empty() && p.args.back().empty())
      p.args.pop_back();
    if (!p.args.empty())
      p.args.erase(p.args.begin());
    std::from_chars(entry.data(), entry.data() + entry.size(), p.pid);
    // Another user's environment is readable only to root: a rootless
    // daemon of someone else then looks like a root one without -H.
    if (auto environ = root.read(dir + "/environ", 1 << 20))
      for (auto var : util::split(*environ, '\0'))
        for (std::string_view key :
             {"HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "ROOTLESSKIT_STATE_DIR"})
          if (var.size() > key.size() && var.starts_with(key) && var[key.size()] == '=')
            p.env.emplace(std::string(key), std::string(var.substr(key.size() + 1)));
    if (auto status = root.read(dir + "/status", 1 << 16))
      for (auto line : util::split(*status, '\n'))
        if (line.starts_with("Uid:")) {
          line.remove_prefix(4);
          line = util::trim(line);
          std::from_chars(line.data(), line.data() + line.size(), p.uid);
        }
    found.push_back(std::move(p));
  }
  if (found.empty())
    return std::nullopt;
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.pid < b.pid; });
  if (!host.empty())
    for (auto& p : found)
      for (const auto& listens : p.hosts())
        if (same_host(listens, host))
          return std::move(p);
  return std::move(found.front());
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
  if (file.empty())
    return config;
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
