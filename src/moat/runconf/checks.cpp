// The run-configuration checks over one ContainerSpec.

#include <moat/runconf/runconf.hpp>
#include <moat/secrets/engine.hpp>
#include <moat/secrets/secrets.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <tuple>

namespace moat::runconf {

std::vector<SecurityOpt> security_opts(const ContainerSpec& spec) {
  std::vector<SecurityOpt> out;
  for (const auto& opt : spec.security_opt) {
    const auto& text = opt.value;
    const auto sep = text.find_first_of("=:");
    SecurityOpt o;
    o.name = util::to_lower(text.substr(0, sep));
    o.value = sep == std::string::npos ? std::string() : text.substr(sep + 1);
    o.origin = opt.origin;
    out.push_back(std::move(o));
  }
  return out;
}

namespace {

// Docker's default capability set (moby's defaultCapabilities).
constexpr auto k_default_caps = std::to_array<std::string_view>({
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
});

// Capabilities with known ways out of a container or into the kernel.
constexpr auto k_dangerous_caps = std::to_array<std::string_view>({
    "ALL",
    "BPF",
    "CHECKPOINT_RESTORE",
    "DAC_READ_SEARCH",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "NET_ADMIN",
    "PERFMON",
    "SYSLOG",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_TIME",
});

// Default capabilities few programs need.
constexpr auto k_risky_defaults =
    std::to_array<std::string_view>({"NET_RAW", "MKNOD", "SETFCAP", "AUDIT_WRITE", "SYS_CHROOT"});

// Host directories whose mount exposes the host (CIS 5.6 and beyond).
constexpr auto k_sensitive_dirs = std::to_array<std::string_view>({
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/proc",
    "/root",
    "/sys",
    "/usr",
    "/var/lib/docker",
});
// Of those, the ones where a path below is as sensitive as the directory.
constexpr auto k_sensitive_trees =
    std::to_array<std::string_view>({"/boot", "/proc", "/sys", "/var/lib/docker"});

constexpr auto k_runtime_sockets = std::to_array<std::string_view>({
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "podman.sock",
    "dockershim.sock",
});

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view item) {
  return std::find(set.begin(), set.end(), item) != set.end();
}

// "/etc/" and "/etc" are the same directory.
std::string_view clean(std::string_view path) {
  while (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  return path;
}

bool is_host_path(const Mount& m) {
  return m.type == "bind" || (m.type.empty() && m.source.starts_with('/'));
}

// A socket of a container runtime, or a directory that holds one (/run).
bool is_runtime_socket(std::string_view source) {
  const auto path = clean(source);
  const auto slash = path.rfind('/');
  const auto file = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (contains(k_runtime_sockets, file))
    return true;
  return path == "/run" || path == "/var/run" || path == "/run/containerd" ||
         path == "/var/run/containerd" || path == "/run/podman" || path == "/run/docker" ||
         path == "/var/run/docker";
}

bool is_sensitive(std::string_view source) {
  const auto path = clean(source);
  if (contains(k_sensitive_dirs, path))
    return true;
  return std::any_of(k_sensitive_trees.begin(), k_sensitive_trees.end(), [&](auto tree) {
    return path.starts_with(tree) && path.size() > tree.size() && path[tree.size()] == '/';
  });
}

bool is_root_user(std::string_view user) {
  const auto name = user.substr(0, user.find(':'));
  return name.empty() || name == "root" || name == "0";
}

bool is_host(std::string_view mode) {
  return util::iequals(mode, "host");
}

// Kernel parameters that are namespaced per container (Docker's and the
// kubelet's safe set): IPC ones, and net.* unless the host's network is
// shared.
bool is_namespaced_sysctl(std::string_view name, bool host_network) {
  if (name.starts_with("net."))
    return !host_network;
  return name.starts_with("kernel.shm") || name.starts_with("kernel.msg") || name == "kernel.sem" ||
         name.starts_with("fs.mqueue.") || name == "kernel.domainname" || name == "kernel.hostname";
}

// True when IMAGE has no tag or the tag latest; a digest pins it.
bool image_unpinned(std::string_view image) {
  if (image.empty() || image.find('@') != std::string_view::npos)
    return false;
  const auto slash = image.rfind('/');
  const auto colon = image.rfind(':');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash))
    return true; // no tag: latest
  return image.substr(colon + 1) == "latest";
}

// The Pod Security Standards' lists.
// Capabilities the baseline profile lets a container add.
constexpr auto k_baseline_caps = std::to_array<std::string_view>({
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
});
// Sysctls the baseline profile allows (the kubelet's safe set).
constexpr auto k_safe_sysctls = std::to_array<std::string_view>({
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ping_group_range",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.tcp_wmem",
});
// SELinux types the baseline profile allows.
constexpr auto k_selinux_types = std::to_array<std::string_view>(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"});
// Volume sources the restricted profile allows.
constexpr auto k_restricted_volumes = std::to_array<std::string_view>({
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
});

class Checker {
public:
  explicit Checker(const ContainerSpec& spec) : m_spec(spec) {}

  void add(std::string_view id, Origin origin, std::string message) {
    const auto all = checks();
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const core::CheckInfo& c) { return c.id == id; });
    core::Finding f;
    f.check = &*it;
    f.severity = it->severity;
    f.message = fmt::format("{}: {}", describe(), message);
    // A missing setting points at the service or container that lacks it.
    if (origin.line == 0)
      origin = m_spec.origin;
    f.location.file = origin.file.empty() ? m_spec.source : origin.file;
    f.location.line = origin.line;
    f.location.column = origin.column;
    m_findings.push_back(std::move(f));
  }

  std::vector<core::Finding> take() { return std::move(m_findings); }

  std::string describe() const { return describe(m_spec); }

  static std::string describe(const ContainerSpec& spec) {
    if (spec.kind == "compose")
      return fmt::format("service '{}'", spec.name);
    if (spec.k8s)
      return fmt::format("{} {} '{}'", spec.pod, spec.k8s->role, spec.name);
    return fmt::format("container '{}'", spec.name);
  }

  const ContainerSpec& m_spec;
  std::vector<core::Finding> m_findings;
};

void check_privileges(const ContainerSpec& spec, Checker& c) {
  if (spec.privileged.value)
    c.add("RC001", spec.privileged.origin, "runs privileged");
  bool drops_all = false;
  for (const auto& cap : spec.cap_drop)
    drops_all = drops_all || cap.value == "ALL";
  for (const auto& cap : spec.cap_add) {
    // A default capability added back after --cap-drop ALL is the
    // recommended practice, not a finding.
    if (contains(k_dangerous_caps, cap.value))
      c.add("RC002", cap.origin, fmt::format("adds capability {}", cap.value));
    else if (!contains(k_default_caps, cap.value))
      c.add("RC003", cap.origin, fmt::format("adds capability {}", cap.value));
  }
  // Kubernetes: the restricted profile's capability control says it.
  if (!spec.privileged.value && !drops_all && !spec.k8s) {
    std::vector<std::string_view> kept;
    for (auto cap : k_risky_defaults) {
      const bool dropped = std::any_of(spec.cap_drop.begin(), spec.cap_drop.end(),
                                       [&](const auto& d) { return d.value == cap; });
      if (!dropped)
        kept.push_back(cap);
    }
    if (!kept.empty())
      c.add("RC004", {}, fmt::format("keeps {} (no --cap-drop ALL)", fmt::join(kept, ", ")));
  }
}

// Docker itself adds label=disable to a privileged container and to one
// that shares the host's PID or IPC namespace; those findings say more.
bool docker_disables_labels(const ContainerSpec& spec) {
  return spec.privileged.value || is_host(spec.pid_mode.value) || is_host(spec.ipc_mode.value);
}

void check_security_opts(const ContainerSpec& spec, Checker& c) {
  bool no_new_privileges = false;
  for (const auto& opt : security_opts(spec)) {
    const auto value = util::to_lower(opt.value);
    if (opt.name == "apparmor" && value == "unconfined")
      c.add("RC005", opt.origin, "runs with apparmor=unconfined");
    else if (opt.name == "label" && value == "disable" && !docker_disables_labels(spec))
      c.add("RC006", opt.origin, "runs with label=disable");
    else if (opt.name == "seccomp" && value == "unconfined")
      c.add("RC007", opt.origin, "runs with seccomp=unconfined");
    else if (opt.name == "systempaths" && value == "unconfined")
      c.add("RC008", opt.origin, "runs with systempaths=unconfined");
    else if (opt.name == "no-new-privileges" && value != "false")
      no_new_privileges = true;
  }
  if (util::iequals(spec.apparmor_profile, "unconfined") && !spec.privileged.value)
    c.add("RC005", {}, "runs with the AppArmor profile 'unconfined'");
  // Kubernetes: allowPrivilegeEscalation, a Linux-only control.
  if (!no_new_privileges && !spec.privileged.value) {
    if (!spec.k8s)
      c.add("RC009", {}, "no-new-privileges is not set");
    else if (spec.k8s->windows)
      return;
    else if (const auto& ape = spec.k8s->allow_privilege_escalation)
      c.add("RC009", ape->origin, "sets allowPrivilegeEscalation: true");
    else
      c.add("RC009", {}, "does not set allowPrivilegeEscalation: false");
  }
}

void check_mounts(const ContainerSpec& spec, Checker& c) {
  for (const auto& m : spec.mounts) {
    if (!is_host_path(m))
      continue;
    const auto access = m.read_only ? "read-only" : "writable";
    if (is_runtime_socket(m.source))
      c.add("RC011", m.origin, fmt::format("mounts {} at {}", m.source, m.destination));
    else if (is_sensitive(m.source))
      c.add("RC010", m.origin,
            fmt::format("mounts the host's {} at {} ({})", m.source, m.destination, access));
    else if (!m.read_only)
      c.add("RC012", m.origin,
            fmt::format("mounts the host's {} at {} writable", m.source, m.destination));
    if (m.propagation == "shared" || m.propagation == "rshared")
      c.add("RC013", m.origin,
            fmt::format("mounts {} with {} propagation", m.destination, m.propagation));
  }
  for (const auto& d : spec.devices)
    c.add("RC019", d.origin, fmt::format("passes the host device {}", d.value));
}

void check_namespaces(const ContainerSpec& spec, Checker& c) {
  if (is_host(spec.network_mode.value))
    c.add("RC014", spec.network_mode.origin, "shares the host's network namespace");
  if (is_host(spec.pid_mode.value))
    c.add("RC015", spec.pid_mode.origin, "shares the host's PID namespace");
  if (is_host(spec.ipc_mode.value))
    c.add("RC016", spec.ipc_mode.origin, "shares the host's IPC namespace");
  if (is_host(spec.uts_mode.value))
    c.add("RC017", spec.uts_mode.origin, "shares the host's UTS namespace");
  if (is_host(spec.userns_mode.value) && !spec.k8s)
    c.add("RC018", spec.userns_mode.origin, "shares the host's user namespace");
  const auto& net = spec.network_mode.value;
  if ((net.empty() || net == "default" || net == "bridge") && !spec.k8s)
    c.add("RC032", spec.network_mode.origin, "is on the default bridge network");
  for (const auto& [name, value] : spec.sysctls)
    if (!is_namespaced_sysctl(name, is_host(net)))
      c.add("RC035", value.origin, fmt::format("sets the sysctl {}={}", name, value.value));
}

void check_limits(const ContainerSpec& spec, Checker& c) {
  // An ephemeral container cannot have resources: its pod's decide.
  if (spec.k8s && spec.k8s->role == "ephemeral container")
    return;
  if (spec.memory.value <= 0)
    c.add("RC020", spec.memory.origin,
          spec.k8s ? "sets no resources.limits.memory" : "has no memory limit");
  if (spec.nano_cpus.value <= 0 && spec.cpu_shares.value <= 0 && spec.cpu_quota.value <= 0)
    c.add("RC021", spec.nano_cpus.origin,
          spec.k8s ? "sets no resources.limits.cpu" : "has no CPU limit or weight");
  // A pod cannot set a PIDs limit, ulimits or a cgroup parent: the
  // kubelet's configuration decides them.
  if (spec.k8s)
    return;
  const auto& pids = spec.pids_limit.value;
  if (!pids || *pids <= 0)
    c.add("RC022", spec.pids_limit.origin, "has no PIDs limit");
  if (!spec.cgroup_parent.value.empty())
    c.add("RC029", spec.cgroup_parent.origin,
          fmt::format("uses the cgroup parent {}", spec.cgroup_parent.value));
  if (spec.ulimits.empty())
    c.add("RC030", {}, "uses the daemon's default ulimits");
}

void check_runtime(const ContainerSpec& spec, Checker& c) {
  if (!spec.read_only_rootfs.value)
    c.add("RC023", spec.read_only_rootfs.origin, "has a writable root file system");
  if (spec.user && is_root_user(spec.user->value))
    c.add("RC024", spec.user->origin,
          spec.user->value.empty() ? std::string("runs as root (no user set)")
                                   : fmt::format("runs as {}", spec.user->value));
  for (const auto& p : spec.ports) {
    if (p.host_port > 0 && p.host_port < 1024)
      c.add("RC025", p.origin, fmt::format("publishes host port {}", p.host_port));
    if (p.host_ip.empty() || p.host_ip == "0.0.0.0" || p.host_ip == "::")
      c.add("RC026", p.origin,
            fmt::format("publishes container port {}/{} on every interface", p.container_port,
                        p.protocol));
  }
  const auto& policy = spec.restart_policy.value;
  const int retries = spec.restart_retries.value;
  if (policy == "always" || policy == "unless-stopped")
    c.add("RC027", spec.restart_policy.origin, fmt::format("restarts {}", policy));
  else if (policy == "on-failure" && (retries <= 0 || retries > 5))
    c.add("RC027", spec.restart_policy.origin,
          retries <= 0 ? std::string("restarts on failure without a limit")
                       : fmt::format("restarts on failure up to {} times", retries));
  using Health = ContainerSpec::Health;
  if (spec.health.value == Health::none)
    c.add("RC028", spec.health.origin,
          spec.k8s ? "has no livenessProbe or readinessProbe" : "has no health check");
  else if (spec.health.value == Health::disabled)
    c.add("RC028", spec.health.origin, "has its health check disabled");
  if (image_unpinned(spec.image.value))
    c.add("RC031", spec.image.origin,
          fmt::format("runs {}, which is not pinned", spec.image.value));
  if (spec.processes)
    for (const auto& command : *spec.processes) {
      const auto program = command.substr(0, command.find_first_of(" :"));
      const auto base = program.substr(program.rfind('/') + 1);
      if (base == "sshd" || base == "dropbear") {
        c.add("RC050", {}, fmt::format("runs an SSH server ({})", command));
        break;
      }
    }
  for (const auto& [name, value] : spec.env) {
    if (auto hit = secrets::first_secret(fmt::format("{}={}", name, value.value)))
      c.add("RC033", value.origin, fmt::format("{} holds a {}", name, secrets::describe(*hit)));
    else if (secrets::is_secret_name(name) && !value.value.empty())
      c.add("RC034", value.origin,
            fmt::format("{} looks like a secret ({})", name, secrets::redact(value.value)));
  }
}

// The Pod Security Standards' controls that have no Docker counterpart.
void check_kubernetes(const ContainerSpec& spec, Checker& c) {
  const auto& k = *spec.k8s;
  for (const auto* level : {&k.pod, &k.container}) {
    if (level->host_process && level->host_process->value)
      c.add("RC036", level->host_process->origin, "runs as a Windows HostProcess container");
    if (level->selinux_type && !contains(k_selinux_types, level->selinux_type->value))
      c.add("RC040", level->selinux_type->origin,
            fmt::format("sets the SELinux type {}", level->selinux_type->value));
    if (level->selinux_user && !level->selinux_user->value.empty())
      c.add("RC040", level->selinux_user->origin,
            fmt::format("sets the SELinux user {}", level->selinux_user->value));
    if (level->selinux_role && !level->selinux_role->value.empty())
      c.add("RC040", level->selinux_role->origin,
            fmt::format("sets the SELinux role {}", level->selinux_role->value));
  }
  for (const auto& cap : spec.cap_add)
    if (!contains(k_baseline_caps, cap.value))
      c.add("RC037", cap.origin,
            fmt::format("adds {}, outside the baseline profile's set", cap.value));
  for (const auto& v : k.volumes) {
    if (v.type == "hostPath")
      c.add("RC038", v.origin, fmt::format("has the hostPath volume '{}' ({})", v.name, v.path));
    if (!contains(k_restricted_volumes, v.type))
      c.add("RC043", v.origin, fmt::format("has the {} volume '{}'", v.type, v.name));
  }
  for (const auto& p : spec.ports)
    c.add("RC039", p.origin, fmt::format("uses the host port {}", p.host_port));
  if (k.proc_mount && k.proc_mount->value != "Default")
    c.add("RC041", k.proc_mount->origin, fmt::format("sets procMount: {}", k.proc_mount->value));
  for (const auto& [name, value] : spec.sysctls)
    if (!contains(k_safe_sysctls, name))
      c.add("RC042", value.origin, fmt::format("sets the sysctl {}, outside the safe set", name));
  for (const auto& host : k.probe_hosts)
    c.add("RC049", host.origin, fmt::format("probes or hooks the host {}", host.value));
  // In its own user namespace (hostUsers: false) root in the container is
  // not root on the node: the non-root controls do not apply.
  if (!k.own_user_namespace) {
    // runAsNonRoot: false anywhere fails; unset passes only under a pod's
    // true.
    const auto& pod_nr = k.pod.run_as_non_root;
    const auto& own_nr = k.container.run_as_non_root;
    if (pod_nr && !pod_nr->value)
      c.add("RC044", pod_nr->origin, "sets runAsNonRoot: false");
    if (own_nr && !own_nr->value)
      c.add("RC044", own_nr->origin, "sets runAsNonRoot: false");
    else if (!own_nr && !pod_nr)
      c.add("RC044", {}, "does not set runAsNonRoot: true");
    for (const auto* level : {&k.pod, &k.container})
      if (level->run_as_user && level->run_as_user->value == 0)
        c.add("RC045", level->run_as_user->origin, "sets runAsUser: 0");
  }
  // The restricted profile's Linux-only controls.
  if (!k.windows) {
    // RuntimeDefault or Localhost: the container's, or else the pod's.
    const auto& seccomp = k.container.seccomp ? k.container.seccomp : k.pod.seccomp;
    if (!seccomp)
      c.add("RC046", {}, "sets no seccompProfile (RuntimeDefault or Localhost)");
    else if (seccomp->value != "RuntimeDefault" && seccomp->value != "Localhost")
      c.add("RC046", seccomp->origin, fmt::format("sets seccompProfile type {}", seccomp->value));
    const bool drops_all = std::any_of(spec.cap_drop.begin(), spec.cap_drop.end(),
                                       [](const auto& cap) { return cap.value == "ALL"; });
    if (!drops_all)
      c.add("RC047", {}, "does not drop ALL capabilities");
    for (const auto& cap : spec.cap_add)
      if (cap.value != "NET_BIND_SERVICE")
        c.add("RC047", cap.origin,
              fmt::format("adds {}; only NET_BIND_SERVICE may be added", cap.value));
  }
  if (!k.automount_token || k.automount_token->value)
    c.add("RC048", k.automount_token ? k.automount_token->origin : k.pod_origin,
          "mounts the service account token (automountServiceAccountToken is not false)");
}

} // namespace

std::vector<core::Finding> check(const ContainerSpec& spec) {
  Checker c(spec);
  check_privileges(spec, c);
  check_security_opts(spec, c);
  check_mounts(spec, c);
  check_namespaces(spec, c);
  check_limits(spec, c);
  check_runtime(spec, c);
  if (spec.k8s)
    check_kubernetes(spec, c);
  return c.take();
}

std::vector<core::Finding> check(const std::vector<ContainerSpec>& specs) {
  std::vector<core::Finding> out;
  // (check, line, column) of each pod-level finding already kept, per pod.
  std::map<std::tuple<std::string, std::string, std::string_view, int, int>, std::size_t> seen;
  for (const auto& spec : specs) {
    const auto prefix = Checker::describe(spec);
    for (auto& f : check(spec)) {
      const bool from_pod =
          spec.k8s && f.location.line > 0 &&
          (f.location.line != spec.origin.line || f.location.column != spec.origin.column);
      if (!from_pod) {
        out.push_back(std::move(f));
        continue;
      }
      const auto key =
          std::make_tuple(spec.source, spec.pod, f.check->id, f.location.line, f.location.column);
      if (auto it = seen.find(key); it != seen.end()) {
        // Shared by a second container: a pod-level setting. Name the pod.
        out[it->second].message =
            fmt::format("{}{}", spec.pod, std::string_view(f.message).substr(prefix.size()));
        continue;
      }
      seen.emplace(key, out.size());
      out.push_back(std::move(f));
    }
  }
  return out;
}

} // namespace moat::runconf
