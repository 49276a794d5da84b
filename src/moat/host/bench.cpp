// The verdicts of moat bench over a gathered HostState.

#include <moat/host/bench.hpp>
#include <moat/runconf/runconf.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

namespace moat::host {

namespace {

using nlohmann::json;

// The findings and passes of one bench run, per check.
class Verdicts {
public:
  explicit Verdicts(std::string target) : m_target(std::move(target)) {}

  // A problem, at the check's severity (or SEVERITY), in FILE (the target
  // when empty).
  void fail(std::string_view id, std::string message, std::string file = {},
            std::optional<core::Severity> severity = std::nullopt) {
    const auto* check = find(id);
    core::Finding f;
    f.check = check;
    f.severity = severity.value_or(check->severity);
    f.message = std::move(message);
    f.location.file = file.empty() ? m_target : std::move(file);
    m_findings.push_back(std::move(f));
    m_decided.insert(std::string(id));
  }

  // Nothing to measure, or only a person can judge: an info finding.
  void info(std::string_view id, std::string message, std::string file = {}) {
    fail(id, std::move(message), std::move(file), core::Severity::info);
  }

  void pass(std::string_view id, std::string message) {
    m_passes.emplace_back(std::string(id), std::move(message));
  }

  void add(core::Finding f) {
    m_decided.insert(std::string(f.check->id));
    m_findings.push_back(std::move(f));
  }

  [[nodiscard]] bool decided(std::string_view id) const {
    return m_decided.contains(std::string(id));
  }

  core::TargetReport take(std::string kind) {
    core::TargetReport report;
    report.target = m_target;
    report.kind = std::move(kind);
    report.lists_passed = true;
    for (auto& f : m_findings)
      report.findings.push_back(std::move(f));
    for (auto& [id, message] : m_passes)
      if (!decided(id))
        report.passed.push_back({find(id), std::move(message)});
    return report;
  }

private:
  static const core::CheckInfo* find(std::string_view id) {
    for (auto table : {checks(), runconf::checks()})
      for (const auto& c : table)
        if (c.id == id)
          return &c;
    return nullptr;
  }

  std::string m_target;
  std::vector<core::Finding> m_findings;
  std::vector<std::pair<std::string, std::string>> m_passes;
  std::set<std::string> m_decided;
};

std::string string_at(const json& doc, std::initializer_list<const char*> path) {
  const json* at = &doc;
  for (const char* key : path) {
    if (!at->is_object())
      return {};
    auto it = at->find(key);
    if (it == at->end())
      return {};
    at = &*it;
  }
  if (at->is_string())
    return at->get<std::string>();
  if (at->is_boolean())
    return at->get<bool>() ? "true" : "false";
  if (at->is_number())
    return at->dump();
  return {};
}

bool swarm_active(const HostState& s) {
  return string_at(s.engine.info, {"Swarm", "LocalNodeState"}) == "active";
}

std::string unreachable(const HostState& s) {
  (void)s;
  return "the daemon could not be asked (see the note)";
}

// "644 or more restrictive": no permission bit beyond ALLOWED.
// The sticky bit grants nothing (dockerd sets it on a rootless daemon's
// socket so that the runtime directory's cleanup keeps it).
bool mode_within(unsigned mode, unsigned allowed) {
  return (mode & ~allowed & ~unsigned{01000}) == 0;
}

// ---- Section 1 --------------------------------------------------------

// The data root as configured: with user namespaces the daemon reports a
// subdirectory of it (UID.GID).
std::string configured_data_root(const HostState& s) {
  std::string data_root = s.data_root;
  const auto slash = data_root.rfind('/');
  if (s.daemon.is_set("userns-remap") && slash != std::string::npos && slash > 0 &&
      data_root.find('.', slash) != std::string::npos)
    data_root.resize(slash);
  return data_root;
}

void section_1(const HostState& s, Verdicts& v) {
  const Root& root = *s.root;
  // 1.1.1: with user namespaces the data root is a subdirectory of the
  // configured one.
  const std::string data_root = configured_data_root(s);
  if (s.mountinfo.empty())
    v.info("HB001", "the mount table could not be read");
  else if (separate_partition(s.mountinfo, data_root))
    v.pass("HB001", fmt::format("{} is a separate file system", data_root));
  else
    v.fail("HB001",
           fmt::format("{} is on the same file system as its parent directory", data_root));

  // 1.1.2
  const auto group = root.read("/etc/group");
  const auto members = root.group_members("docker");
  bool has_group = false;
  if (group)
    for (auto line : util::split(*group, '\n'))
      has_group = has_group || line.starts_with("docker:");
  if (!has_group)
    v.info("HB002", "there is no docker group: only root reaches the socket");
  else if (members.empty())
    v.pass("HB002", "the docker group has no members");
  else
    v.info("HB002", fmt::format("members of the docker group (each is root on this host): {}",
                                fmt::join(members, ", ")));

  // 1.1.3 - 1.1.18: audit rules for Docker's files and programs.
  const auto audited_paths = audit_targets(s);
  for (const auto& [id, path, what] : audited_paths) {
    if (id.empty())
      continue;
    if (path.empty())
      v.info(id, "not on this host: nothing to audit");
    else if (audited(s.audit_rules, path))
      v.pass(id, fmt::format("{} is watched ({})", path, s.audit_source));
    else
      v.fail(id, fmt::format("no audit rule watches {} ({})", path,
                             s.audit_source.empty() ? "no audit rules found" : s.audit_source));
  }

  v.info("HB019", "review the host's hardening by hand");
  if (!s.engine.reachable())
    v.info("HB020", unreachable(s));
  else
    v.info("HB020", fmt::format("{} (API {}); check it against its vendor's support",
                                s.engine.product(), string_at(s.engine.version, {"ApiVersion"})));
}

// ---- Section 2 --------------------------------------------------------

bool security_option(const HostState& s, std::string_view prefix) {
  const auto it = s.engine.info.find("SecurityOptions");
  if (!s.engine.info.is_object() || it == s.engine.info.end() || !it->is_array())
    return false;
  return std::any_of(it->begin(), it->end(), [&](const json& o) {
    return o.is_string() && o.get<std::string>().find(prefix) != std::string::npos;
  });
}

std::string where(const HostState& s, std::string_view key) {
  const auto source = s.daemon.source(key);
  return source.empty() ? std::string("the default") : source;
}

bool rootless(const HostState& s) {
  return security_option(s, "name=rootless") || s.daemon.boolean("rootless").value_or(false) ||
         (s.dockerd && s.dockerd->rootless());
}

// Podman: no dockerd and no daemon.json, its settings live in
// containers.conf. What its API reports is judged; the rest is info.
void section_2_podman(const HostState& s, Verdicts& v) {
  if (rootless(s))
    v.pass("HB021", "Podman runs rootless");
  else
    v.info("HB021", "Podman runs as root; rootless Podman would confine it to one user");
  for (const char* id : {"HB022", "HB023", "HB024", "HB025", "HB028", "HB029", "HB030", "HB031",
                         "HB032", "HB033", "HB034", "HB035", "HB036", "HB038"})
    v.info(id, "Podman has no such dockerd setting (see containers.conf)");
  const std::string driver = string_at(s.engine.info, {"Driver"});
  if (driver == "aufs")
    v.fail("HB026", "the storage driver is aufs");
  else
    v.pass("HB026", fmt::format("the storage driver is {}", driver));
  if (s.engine.host.starts_with("tcp://"))
    v.fail("HB027",
           fmt::format("{} has no TLS: whoever reaches it controls Podman", s.engine.host));
  else
    v.info("HB027", "Podman's API is not on TCP: nothing to verify");
  if (security_option(s, "profile=unconfined"))
    v.fail("HB037", "the default seccomp profile is unconfined");
  else if (!security_option(s, "name=seccomp"))
    v.fail("HB037", "Podman reports no seccomp support: containers run without a filter");
  else
    v.pass("HB037", "the default seccomp profile applies");
}

void section_2(const HostState& s, Verdicts& v) {
  if (s.engine.reachable() && s.engine.podman()) {
    section_2_podman(s, v);
    return;
  }
  const auto& d = s.daemon;
  if (!s.engine.reachable() && !s.dockerd)
    v.info("HB021", unreachable(s));
  else if (rootless(s))
    v.pass("HB021", "the daemon runs rootless");
  else
    v.info("HB021", "the daemon runs as root; rootless mode would confine it to one user");

  if (d.boolean("icc") == false)
    v.pass("HB022", fmt::format("icc is false ({})", where(s, "icc")));
  else if (d.value("bridge") == "none")
    v.pass("HB022", "there is no default bridge (bridge: none)");
  else
    v.fail("HB022", "containers on the default bridge can reach each other (icc is not false)");

  const auto level = d.value("log-level");
  if (!level || util::to_lower(*level) == "info")
    v.pass("HB023", level ? fmt::format("log-level is info ({})", where(s, "log-level"))
                          : std::string("log-level is the default, info"));
  else
    v.fail("HB023", fmt::format("log-level is {} ({})", *level, where(s, "log-level")));

  if (d.boolean("iptables") == false)
    v.fail("HB024", fmt::format("iptables is false ({})", where(s, "iptables")));
  else
    v.pass("HB024", "Docker manages iptables");

  if (const auto registries = d.values("insecure-registries"); !registries.empty())
    v.fail("HB025", fmt::format("insecure registries: {} ({})", fmt::join(registries, ", "),
                                where(s, "insecure-registries")));
  else
    v.pass("HB025", "no insecure registry is configured");

  std::string driver = string_at(s.engine.info, {"Driver"});
  if (driver.empty())
    driver = d.value("storage-driver").value_or("");
  if (driver == "aufs")
    v.fail("HB026", "the storage driver is aufs");
  else if (driver.empty())
    v.info("HB026", unreachable(s));
  else
    v.pass("HB026", fmt::format("the storage driver is {}", driver));

  std::vector<std::string> tcp;
  for (const auto& host : d.values("hosts"))
    if (!host.starts_with("unix://") && !host.starts_with("fd://") && !host.starts_with("npipe:"))
      tcp.push_back(host);
  if (tcp.empty())
    v.info("HB027", "the daemon does not listen on TCP: nothing to verify");
  else if (d.boolean("tlsverify").value_or(false))
    v.pass("HB027",
           fmt::format("{} requires client certificates (tlsverify)", fmt::join(tcp, ", ")));
  else if (d.boolean("tls").value_or(false))
    v.fail("HB027",
           fmt::format("{} uses TLS but does not verify clients (tlsverify is not set)",
                       fmt::join(tcp, ", ")),
           {}, core::Severity::high);
  else
    v.fail("HB027", fmt::format("{} has no TLS: whoever reaches it controls the daemon",
                                fmt::join(tcp, ", ")));

  if (d.is_set("default-ulimits"))
    v.pass("HB028",
           fmt::format("default-ulimits: {}", fmt::join(d.values("default-ulimits"), ", ")));
  else
    v.info("HB028", "no default-ulimits: containers inherit the daemon's limits");

  if (const auto remap = d.value("userns-remap"); remap && !remap->empty())
    v.pass("HB029", fmt::format("userns-remap is {}", *remap));
  else if (rootless(s))
    v.pass("HB029", "the daemon runs rootless: root in a container is its user on the host");
  else
    v.fail("HB029", "userns-remap is not set: root in a container is root on the host");

  if (const auto parent = d.value("cgroup-parent"); parent && !parent->empty())
    v.fail("HB030", fmt::format("cgroup-parent is {} ({})", *parent, where(s, "cgroup-parent")));
  else
    v.pass("HB030", "cgroup-parent is the default");

  bool basesize = false;
  for (const auto& opt : d.values("storage-opts"))
    basesize = basesize || opt.find("dm.basesize") != std::string::npos;
  if (basesize)
    v.fail("HB031", "the dm.basesize storage option is set");
  else
    v.pass("HB031", "dm.basesize is not set");

  if (const auto plugins = d.values("authorization-plugins"); !plugins.empty())
    v.pass("HB032", fmt::format("authorization plugins: {}", fmt::join(plugins, ", ")));
  else
    v.fail("HB032", "no authorization plugin");

  std::string log_driver = string_at(s.engine.info, {"LoggingDriver"});
  if (log_driver.empty())
    log_driver = d.value("log-driver").value_or("json-file");
  if (log_driver == "json-file" || log_driver == "local" || log_driver == "none")
    v.fail("HB033", fmt::format("the log driver is {}: logs stay on this host", log_driver));
  else
    v.pass("HB033", fmt::format("the log driver is {}", log_driver));

  if (d.boolean("no-new-privileges").value_or(false))
    v.pass("HB034", fmt::format("no-new-privileges is true ({})", where(s, "no-new-privileges")));
  else
    v.fail("HB034", "no-new-privileges is not set for the daemon");

  const bool live = string_at(s.engine.info, {"LiveRestoreEnabled"}) == "true" ||
                    d.boolean("live-restore").value_or(false);
  if (live)
    v.pass("HB035", "live-restore is enabled");
  else if (swarm_active(s))
    v.info("HB035", "live-restore cannot be used with swarm mode");
  else
    v.fail("HB035", "live-restore is not enabled");

  if (d.boolean("userland-proxy") == false)
    v.pass("HB036", "userland-proxy is false");
  else
    v.fail("HB036", "the userland proxy is on");

  const auto profile = d.value("seccomp-profile");
  if ((profile && util::to_lower(*profile) == "unconfined") ||
      security_option(s, "profile=unconfined"))
    v.fail("HB037", "the daemon-wide seccomp profile is unconfined");
  else if (!s.engine.reachable() && !profile)
    v.info("HB037", unreachable(s));
  else if (s.engine.reachable() && !security_option(s, "name=seccomp"))
    v.fail("HB037", "the daemon reports no seccomp support: containers run without a filter");
  else
    v.pass("HB037", profile ? fmt::format("seccomp profile {}", *profile)
                            : std::string("the default seccomp profile applies"));

  const bool experimental = d.boolean("experimental").value_or(false) ||
                            string_at(s.engine.version, {"Experimental"}) == "true" ||
                            string_at(s.engine.info, {"ExperimentalBuild"}) == "true";
  if (experimental)
    v.fail("HB038", "experimental features are enabled");
  else
    v.pass("HB038", "experimental features are off");
}

// ---- Section 3 --------------------------------------------------------

struct FileRule {
  const char* owner_id;
  const char* mode_id;
  std::vector<std::string> paths; // every existing one is judged
  const char* owner;              // "root:root", "root:docker"; nullptr: any owner
  unsigned mode;                  // the bits allowed
  const char* missing;            // why there is nothing to judge
};

void judge_files(const HostState& s, Verdicts& v, const FileRule& rule) {
  std::vector<std::pair<std::string, FileInfo>> found;
  for (const auto& path : rule.paths)
    if (!path.empty())
      if (auto info = s.root->stat(path); info.exists())
        found.emplace_back(path, info);
  if (found.empty()) {
    v.info(rule.owner_id, rule.missing);
    v.info(rule.mode_id, rule.missing);
    return;
  }
  const std::string_view want_owner = rule.owner == nullptr ? "" : rule.owner;
  const auto want_group = want_owner.substr(want_owner.find(':') + 1);
  bool owner_ok = true;
  bool mode_ok = true;
  for (const auto& [path, info] : found) {
    if (rule.owner == nullptr) {
      owner_ok = false;
      v.info(rule.owner_id,
             fmt::format("{} belongs to the rootless daemon's user {}", path, info.owner), path);
    }
    const bool user_ok = rule.owner == nullptr || info.uid == 0;
    const bool group_ok =
        rule.owner == nullptr || (want_group == "root" ? info.gid == 0 : info.group == want_group);
    if (!user_ok || !group_ok) {
      owner_ok = false;
      v.fail(rule.owner_id,
             fmt::format("{} is owned by {}:{}, not {}", path, info.owner, info.group, want_owner),
             path);
    }
    if (!mode_within(info.mode, rule.mode)) {
      mode_ok = false;
      v.fail(rule.mode_id,
             fmt::format("{} has mode {:04o}, more than {:04o}", path, info.mode, rule.mode), path);
    }
  }
  std::vector<std::string> names;
  names.reserve(found.size());
  for (const auto& f : found)
    names.push_back(f.first);
  if (owner_ok)
    v.pass(rule.owner_id, fmt::format("{} owned by {}", fmt::join(names, ", "), want_owner));
  if (mode_ok)
    v.pass(rule.mode_id, fmt::format("{} within {:04o}", fmt::join(names, ", "), rule.mode));
}

// Every regular file below DIR (registry certificates).
std::vector<std::string> files_below(const Root& root, const std::string& dir, int depth = 0) {
  std::vector<std::string> out;
  if (depth > 4)
    return out;
  for (const auto& name : root.list(dir)) {
    const auto path = fmt::format("{}/{}", dir, name);
    const auto info = root.stat(path, false);
    if (info.type == FileInfo::Type::regular)
      out.push_back(path);
    else if (info.type == FileInfo::Type::directory) {
      auto more = files_below(root, path, depth + 1);
      out.insert(out.end(), more.begin(), more.end());
    }
  }
  return out;
}

void section_3(const HostState& s, Verdicts& v) {
  const auto& d = s.daemon;
  const bool tls = d.boolean("tls").value_or(false) || d.boolean("tlsverify").value_or(false);
  // dockerd's defaults for the TLS files are in the daemon user's ~/.docker.
  auto tls_file = [&](const char* key, const char* name) {
    if (auto value = d.value(key))
      return *value;
    return tls ? fmt::format("/root/.docker/{}", name) : std::string();
  };
  // The daemon's unix sockets: its hosts (command line, daemon.json), else
  // the one moat asked through (Podman's, a rootless daemon's), else the
  // default. Only sockets count: a directory left by a bind mount is none.
  std::vector<std::string> listens = d.values("hosts");
  if (listens.empty() && s.dockerd)
    listens = s.dockerd->hosts();
  std::vector<std::string> sockets;
  for (const auto& host : listens)
    if (host.starts_with("unix://"))
      sockets.push_back(host.substr(7));
    else if (host.starts_with("fd://"))
      sockets.emplace_back("/var/run/docker.sock");
  if (sockets.empty())
    sockets.push_back(s.socket.empty() || !s.engine.podman() ? std::string("/var/run/docker.sock")
                                                             : s.socket);
  std::erase_if(sockets, [&](const std::string& path) {
    return s.root->stat(path).type != FileInfo::Type::socket;
  });
  auto certs = files_below(*s.root, "/etc/docker/certs.d");
  const std::vector<FileRule> rules = {
      {"HB039", "HB040", {s.service_unit}, "root:root", 0644, "no docker.service unit file"},
      {"HB041", "HB042", {s.socket_unit}, "root:root", 0644, "no docker.socket unit file"},
      {"HB043", "HB044", {"/etc/docker"}, "root:root", 0755, "there is no /etc/docker"},
      {"HB045", "HB046", certs, "root:root", 0444,
       "no registry certificate in /etc/docker/certs.d"},
      {"HB047",
       "HB048",
       {tls_file("tlscacert", "ca.pem")},
       "root:root",
       0444,
       "no TLS CA certificate is configured"},
      {"HB049",
       "HB050",
       {tls_file("tlscert", "cert.pem")},
       "root:root",
       0444,
       "no TLS server certificate is configured"},
      {"HB051",
       "HB052",
       {tls_file("tlskey", "key.pem")},
       "root:root",
       0400,
       "no TLS server key is configured"},
      // A rootless daemon's socket is by design its user's.
      {"HB053", "HB054", sockets,
       rootless(s)         ? nullptr
       : s.engine.podman() ? "root:root"
                           : "root:docker",
       0660, "the Docker socket is not there"},
      {"HB055",
       "HB056",
       {d.config_file_found() ? d.config_file() : std::string()},
       "root:root",
       0644,
       "the daemon reads no daemon.json"},
      {"HB057",
       "HB058",
       {"/etc/default/docker"},
       "root:root",
       0644,
       "there is no /etc/default/docker"},
      {"HB060",
       "HB059",
       {"/etc/sysconfig/docker"},
       "root:root",
       0644,
       "there is no /etc/sysconfig/docker"},
      {"HB061",
       "HB062",
       {"/run/containerd/containerd.sock", "/run/docker/containerd/containerd.sock"},
       "root:root",
       0660,
       "no containerd socket"},
  };
  for (const auto& rule : rules)
    judge_files(s, v, rule);
}

// ---- Section 4 --------------------------------------------------------

std::string image_name(const json& inspect) {
  const auto tags = inspect.find("RepoTags");
  if (tags != inspect.end() && tags->is_array() && !tags->empty() && (*tags)[0].is_string())
    return (*tags)[0].get<std::string>();
  auto id = string_at(inspect, {"Id"});
  if (id.starts_with("sha256:"))
    id = id.substr(7, 12);
  return id;
}

void section_4(const HostState& s, Verdicts& v) {
  for (const char* id : {"HB063", "HB064", "HB065", "HB069", "HB071", "HB072", "HB073"})
    v.info(id, "review by hand");
  if (s.content_trust == "1")
    v.pass("HB066", "DOCKER_CONTENT_TRUST is 1");
  else
    v.fail("HB066", "DOCKER_CONTENT_TRUST is not 1 in this environment");

  if (!s.engine.reachable()) {
    for (const char* id : {"HB067", "HB068", "HB070"})
      v.info(id, unreachable(s));
    return;
  }
  if (s.engine.image_inspects.empty()) {
    for (const char* id : {"HB067", "HB068", "HB070"})
      v.info(id, "no images");
    return;
  }
  for (std::size_t i = 0; i < s.engine.image_inspects.size(); ++i) {
    const auto& img = s.engine.image_inspects[i];
    const auto name = image_name(img);
    const auto config = img.find("Config");
    const bool health = config != img.end() && config->is_object() &&
                        config->contains("Healthcheck") && !(*config)["Healthcheck"].is_null();
    if (!health)
      v.fail("HB067", fmt::format("image {} has no HEALTHCHECK", name));
    if (i >= s.engine.image_histories.size() || !s.engine.image_histories[i].is_array())
      continue;
    const auto& history = s.engine.image_histories[i];
    // Newest first; the last entry is the base file system's ADD.
    for (std::size_t h = 0; h + 1 < history.size(); ++h) {
      const auto created = string_at(history[h], {"CreatedBy"});
      auto command = std::string_view(created);
      if (command.starts_with("/bin/sh -c #(nop) "))
        command.remove_prefix(18);
      if (command.starts_with("ADD ") && !command.starts_with("ADD file:"))
        v.fail("HB070", fmt::format("image {} was built with ADD: {}", name,
                                    util::trim(command.substr(0, 120))));
      const bool update = command.find("apt-get update") != std::string_view::npos ||
                          command.find("apt update") != std::string_view::npos ||
                          command.find("apk update") != std::string_view::npos;
      const bool install = command.find(" install") != std::string_view::npos ||
                           command.find("apk add") != std::string_view::npos;
      if (update && !install)
        v.info("HB068",
               fmt::format("image {} has a layer that only updates the package index", name));
    }
  }
  v.pass("HB067", "every image has a HEALTHCHECK");
  v.pass("HB068", "no layer updates a package index alone");
  v.pass("HB070", "no image was built with ADD");
}

// ---- Section 5 --------------------------------------------------------

void section_5(const HostState& s, Verdicts& v) {
  const auto state = string_at(s.engine.info, {"Swarm", "LocalNodeState"});
  if (!s.engine.reachable())
    v.info("HB074", unreachable(s));
  else if (state == "inactive" || state.empty())
    v.pass("HB074", "swarm mode is not active");
  else
    v.fail("HB074", fmt::format("swarm mode is {}", state));
  for (const char* id : {"HB076", "HB077"})
    v.info(id, "review by hand");

  // The run-configuration checks on every running container. A daemon-wide
  // no-new-privileges applies to each container that does not turn it off.
  const bool daemon_nnp = s.daemon.boolean("no-new-privileges").value_or(false);
  const auto remap_value = s.daemon.value("userns-remap");
  const bool remap = remap_value && !remap_value->empty();
  std::set<std::string> ran;
  bool any_port = false;
  for (auto spec : s.engine.containers) {
    if (daemon_nnp) {
      const auto opts = runconf::security_opts(spec);
      if (std::none_of(opts.begin(), opts.end(),
                       [](const auto& o) { return o.name == "no-new-privileges"; }))
        spec.security_opt.push_back({"no-new-privileges:true", {}});
    }
    for (auto& f : runconf::check(spec)) {
      // --userns=host matters only where the daemon remaps users: without
      // remapping every container shares the host's user namespace.
      if (f.check->id == std::string_view("RC018") && !remap)
        continue;
      v.add(std::move(f));
    }
    for (const auto& p : spec.ports)
      if (p.host_port > 0) {
        any_port = true;
        v.info("HB075",
               fmt::format("container '{}' publishes {}:{} -> {}/{}", spec.name,
                           p.host_ip.empty() ? "0.0.0.0" : p.host_ip, p.host_port, p.container_port,
                           p.protocol),
               spec.source);
      }
  }
  const bool none = s.engine.containers.empty();
  if (!none && !any_port)
    v.pass("HB075", "no container publishes a port");
  else if (none)
    v.info("HB075", s.engine.reachable() ? "no running containers" : unreachable(s));
  // A pass (or "nothing to measure") for each CIS section 5 check and 4.1.
  for (const auto& c : runconf::checks()) {
    bool cis = false;
    for (auto alias : core::aliases_of(c))
      cis = cis || alias.starts_with("CIS-5.") || alias == "CIS-4.1";
    if (!cis)
      continue;
    if (none)
      v.info(c.id, s.engine.reachable() ? "no running containers" : unreachable(s));
    else
      v.pass(c.id, fmt::format("no running container: {}", util::to_lower(c.title)));
  }
}

// ---- Sections 6 and 7 -------------------------------------------------

void section_6(const HostState& s, Verdicts& v) {
  if (!s.engine.reachable()) {
    v.info("HB079", unreachable(s));
    v.info("HB080", unreachable(s));
    return;
  }
  std::set<std::string> used;
  for (const auto& c : s.engine.container_inspects)
    used.insert(string_at(c, {"Image"}));
  std::size_t in_use = 0;
  for (const auto& img : s.engine.image_inspects)
    in_use += used.contains(string_at(img, {"Id"})) ? 1U : 0U;
  v.info("HB079", fmt::format("{} images, {} used by running containers",
                              s.engine.image_inspects.size(), in_use));
  v.info("HB080", fmt::format("{} containers, {} running", s.engine.all_containers,
                              s.engine.containers.size()));
}

// Listening TCP sockets on PORT bound to every address, from /proc/net.
bool listens_everywhere(const Root& root, int port) {
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    const auto text = root.read(file);
    if (!text)
      continue;
    for (auto line : util::split(*text, '\n')) {
      std::vector<std::string_view> f;
      for (auto x : util::split(util::trim(line), ' '))
        if (!x.empty())
          f.push_back(x);
      if (f.size() < 4 || f[3] != "0A") // LISTEN
        continue;
      const auto local = f[1];
      const auto colon = local.rfind(':');
      if (colon == std::string_view::npos)
        continue;
      const auto port_hex = local.substr(colon + 1);
      int value = 0;
      for (char c : port_hex)
        value = value * 16 +
                (std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (c & 0x5f) - 'A' + 10);
      const auto address = local.substr(0, colon);
      if (value == port && address.find_first_not_of('0') == std::string_view::npos)
        return true;
    }
  }
  return false;
}

void section_7(const HostState& s, Verdicts& v) {
  static constexpr std::array k_ids = {"HB081", "HB082", "HB083", "HB084", "HB085",
                                       "HB086", "HB087", "HB088", "HB089"};
  if (!s.engine.reachable()) {
    for (const char* id : k_ids)
      v.info(id, unreachable(s));
    return;
  }
  if (!swarm_active(s)) {
    for (const char* id : k_ids)
      v.info(id, "no swarm: this node is not in swarm mode");
    return;
  }
  v.info("HB081",
         fmt::format("{} managers of {} nodes", string_at(s.engine.info, {"Swarm", "Managers"}),
                     string_at(s.engine.info, {"Swarm", "Nodes"})));
  if (listens_everywhere(*s.root, 2377))
    v.fail("HB082", "the swarm management port 2377 listens on every address");
  else
    v.pass("HB082", "port 2377 is bound to a specific address");
  bool overlay = false;
  if (s.engine.networks.is_array())
    for (const auto& n : s.engine.networks) {
      if (string_at(n, {"Driver"}) != "overlay")
        continue;
      overlay = true;
      const auto options = n.find("Options");
      const bool encrypted =
          options != n.end() && options->is_object() && options->contains("encrypted");
      if (!encrypted)
        v.fail("HB083", fmt::format("overlay network {} is not encrypted", string_at(n, {"Name"})));
    }
  if (overlay)
    v.pass("HB083", "every overlay network is encrypted");
  else
    v.info("HB083", "no overlay networks");
  if (s.engine.secrets.is_array() && !s.engine.secrets.empty())
    v.pass("HB084", fmt::format("{} swarm secrets", s.engine.secrets.size()));
  else
    v.info("HB084", "no swarm secrets (or this node is not a manager)");
  const auto autolock = string_at(s.engine.swarm, {"Spec", "EncryptionConfig", "AutoLockManagers"});
  if (autolock == "true")
    v.pass("HB085", "managers are auto-locked");
  else if (s.engine.swarm.is_null())
    v.info("HB085", "this node is not a manager");
  else
    v.fail("HB085", "managers are not auto-locked");
  for (const char* id : {"HB086", "HB088", "HB089"})
    v.info(id, "review by hand");
  const auto expiry =
      string_at(s.engine.info, {"Swarm", "Cluster", "Spec", "CAConfig", "NodeCertExpiry"});
  v.info("HB087", expiry.empty() ? std::string("node certificate expiry unknown")
                                 : fmt::format("node certificates expire after {} hours",
                                               std::stoll(expiry) / 3'600'000'000'000LL));
}

} // namespace

std::vector<AuditTarget> audit_targets(const HostState& s) {
  const Root& root = *s.root;
  auto first_existing = [&](std::initializer_list<std::string> paths) {
    for (const auto& p : paths)
      if (!p.empty() && root.stat(p).exists())
        return p;
    return std::string();
  };
  auto bin = [&](const char* name) {
    return first_existing({fmt::format("/usr/bin/{}", name), fmt::format("/usr/sbin/{}", name),
                           fmt::format("/usr/local/bin/{}", name),
                           fmt::format("/usr/local/sbin/{}", name)});
  };
  return {
      {"HB003", bin("dockerd"), "the Docker daemon"},
      {"HB004", first_existing({"/run/containerd"}), "containerd's run directory"},
      {"HB005", first_existing({configured_data_root(s)}), "the Docker data root"},
      {"HB006", first_existing({"/etc/docker"}), "Docker's configuration directory"},
      {"HB007", s.service_unit, "the docker.service unit"},
      {"HB008",
       first_existing(
           {"/run/containerd/containerd.sock", "/run/docker/containerd/containerd.sock"}),
       "containerd's socket"},
      {"HB009", s.socket_unit, "the docker.socket unit"},
      {"HB010", first_existing({"/etc/default/docker"}),
       "the daemon's start options (/etc/default/docker)"},
      {"HB011", s.daemon.config_file_found() ? s.daemon.config_file() : std::string(),
       "the daemon's configuration"},
      {"HB012", first_existing({"/etc/containerd/config.toml"}), "containerd's configuration"},
      {"HB013", first_existing({"/etc/sysconfig/docker"}),
       "the daemon's start options (/etc/sysconfig/docker)"},
      {"HB014", bin("containerd"), "containerd"},
      {"HB015", bin("containerd-shim"), "containerd's shim"},
      {"HB016", bin("containerd-shim-runc-v1"), "containerd's runc shim (v1)"},
      {"HB017", bin("containerd-shim-runc-v2"), "containerd's runc shim (v2)"},
      {"HB018", bin("runc"), "runc"},
      // Not numbered by the benchmark, named by the hardening guides: the
      // client, and the older packages' containerd and runc.
      {"", bin("docker"), "the Docker client"},
      {"", bin("docker-containerd"), "containerd (older Docker packages)"},
      {"", bin("docker-runc"), "runc (older Docker packages)"},
  };
}

std::vector<std::string> audit_rule_lines(std::string_view text) {
  std::vector<std::string> out;
  for (auto line : util::split(text, '\n')) {
    const auto l = util::trim(line);
    if (l.empty() || l.starts_with('#') || l == "No rules")
      continue;
    out.emplace_back(l);
  }
  return out;
}

bool audited(const std::vector<std::string>& rules, std::string_view path) {
  // /var/run is a link to /run: a rule may name either.
  std::vector<std::string> names = {std::string(path)};
  if (path.starts_with("/run/"))
    names.push_back("/var" + std::string(path));
  else if (path.starts_with("/var/run/"))
    names.emplace_back(path.substr(4));
  for (const auto& rule : rules) {
    std::vector<std::string_view> words;
    for (auto w : util::split(rule, ' '))
      if (!w.empty())
        words.push_back(w);
    for (std::size_t i = 0; i + 1 < words.size(); ++i)
      for (const auto& name : names) {
        if (words[i] == "-w" && words[i + 1] == name)
          return true;
        if (words[i] == "-F" && (words[i + 1] == "path=" + name || words[i + 1] == "dir=" + name))
          return true;
      }
  }
  return false;
}

bool separate_partition(std::string_view mountinfo, std::string_view path) {
  struct Mount {
    std::string device;
    std::string root;
    std::string point;
  };
  auto unescape = [](std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 3 < text.size()) {
        const auto oct = text.substr(i + 1, 3);
        if (oct.size() == 3 &&
            std::all_of(oct.begin(), oct.end(), [](char c) { return c >= '0' && c <= '7'; })) {
          out += static_cast<char>((oct[0] - '0') * 64 + (oct[1] - '0') * 8 + (oct[2] - '0'));
          i += 3;
          continue;
        }
      }
      out += text[i];
    }
    return out;
  };
  std::vector<Mount> mounts;
  for (auto line : util::split(mountinfo, '\n')) {
    std::vector<std::string_view> f;
    for (auto x : util::split(line, ' '))
      if (!x.empty())
        f.push_back(x);
    if (f.size() < 5)
      continue;
    mounts.push_back({std::string(f[2]), unescape(f[3]), unescape(f[4])});
  }
  std::string target(path);
  while (target.size() > 1 && target.back() == '/')
    target.pop_back();
  // The mount that holds DIR: the last (topmost) one whose point is DIR or
  // a parent of it.
  auto holder = [&](const std::string& dir) -> const Mount* {
    const Mount* best = nullptr;
    for (const auto& m : mounts) {
      const bool under = m.point == "/" || dir == m.point ||
                         (dir.starts_with(m.point) && dir[m.point.size()] == '/');
      if (under && (best == nullptr || m.point.size() >= best->point.size()))
        best = &m;
    }
    return best;
  };
  const Mount* own = holder(target);
  if (own == nullptr || own->point != target)
    return false;
  const auto slash = target.rfind('/');
  const auto parent_dir = slash == 0 ? std::string("/") : target.substr(0, slash);
  const Mount* parent = holder(parent_dir);
  return parent == nullptr || parent->device != own->device;
}

core::TargetReport bench(const HostState& state, const std::string& target) {
  Verdicts v(target);
  section_1(state, v);
  section_2(state, v);
  section_3(state, v);
  section_4(state, v);
  section_5(state, v);
  section_6(state, v);
  section_7(state, v);
  auto report = v.take("host");
  core::sort_findings(report.findings);
  return report;
}

} // namespace moat::host
