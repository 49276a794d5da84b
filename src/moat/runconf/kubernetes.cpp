// ContainerSpecs from Kubernetes manifests: every container (regular, init
// and ephemeral) of every workload, with its pod's settings, each with the
// line and column of its key.

#include <moat/runconf/runconf.hpp>
#include <moat/runconf/values.hpp>
#include <moat/runconf/yaml_fields.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace moat::runconf {

namespace {

constexpr std::string_view k_apparmor_annotation =
    "container.apparmor.security.beta.kubernetes.io/";

// Where the pod template sits in each workload kind.
struct Workload {
  std::string_view kind;
  std::vector<std::string_view> path; // keys from the object to the pod template
  bool runs_to_completion;
};

const std::vector<Workload>& workloads() {
  static const std::vector<Workload> k_workloads = {
      {"Pod", {}, false},
      {"PodTemplate", {"template"}, false},
      {"Deployment", {"spec", "template"}, false},
      {"ReplicaSet", {"spec", "template"}, false},
      {"ReplicationController", {"spec", "template"}, false},
      {"StatefulSet", {"spec", "template"}, false},
      {"DaemonSet", {"spec", "template"}, false},
      {"Job", {"spec", "template"}, true},
      {"CronJob", {"spec", "jobTemplate", "spec", "template"}, true},
  };
  return k_workloads;
}

class ManifestReader {
public:
  explicit ManifestReader(const std::string& name) : m_fields(name) {}

  // One document: a workload, a List of objects, or another kind (skipped).
  core::Status read_object(const YAML::Node& object, int depth = 0) {
    if (object.IsNull())
      return {};
    if (!object.IsMap())
      return error(object, "not a Kubernetes object: expected a mapping with apiVersion and kind");
    const auto kind_node = get(object, "kind");
    if (!kind_node.IsDefined())
      return error(object, "not a Kubernetes object: no 'kind'");
    MOAT_TRY_ASSIGN(kind, text(kind_node, "kind"));
    if (kind == "List" || (kind.ends_with("List") && get(object, "items").IsDefined())) {
      if (depth > 4)
        return error(object, "List objects nested too deep");
      const auto items = get(object, "items");
      if (items.IsNull() || !items.IsDefined())
        return {};
      if (!items.IsSequence())
        return error(items, "items must be a list");
      for (const auto& item : items)
        MOAT_TRY(read_object(item, depth + 1));
      return {};
    }
    const auto w = std::find_if(workloads().begin(), workloads().end(),
                                [&](const Workload& wl) { return wl.kind == kind; });
    if (w == workloads().end())
      return {}; // a Service, a ConfigMap, ...: nothing runs
    std::string name = "unnamed";
    if (auto n = get(get(object, "metadata"), "name"); n.IsDefined()) {
      MOAT_TRY_ASSIGN(v, text(n, "metadata.name"));
      name = v;
    }
    if (auto n = get(get(object, "metadata"), "namespace"); n.IsDefined()) {
      MOAT_TRY_ASSIGN(v, text(n, "metadata.namespace"));
      name = fmt::format("{}/{}", v, name);
    }
    YAML::Node pod = object;
    for (auto key : w->path) {
      pod = get(pod, key);
      if (!pod.IsDefined() || pod.IsNull())
        return error(object, fmt::format("{} '{}' has no {}", kind, name, fmt::join(w->path, ".")));
    }
    const auto metadata = get(pod, "metadata");
    const auto spec = w->path.empty() ? get(object, "spec") : get(pod, "spec");
    if (!spec.IsDefined() || !spec.IsMap())
      return error(pod, fmt::format("{} '{}' has no pod spec", kind, name));
    return read_pod(fmt::format("{} '{}'", kind, name), w->runs_to_completion, metadata, spec);
  }

  core::Status read_document(const detail::YamlDocument& doc) {
    m_fields.set_first_line(doc.first_line);
    return read_object(doc.node);
  }

  std::vector<ContainerSpec> take() { return std::move(m_specs); }

private:
  std::unexpected<core::Error> error(const YAML::Node& node, const std::string& message) const {
    return m_fields.error(node, message);
  }

  YAML::Node get(const YAML::Node& node, std::string_view key) { return m_fields.get(node, key); }

  Origin at(const YAML::Node& node) const { return m_fields.at(node); }

  core::Result<std::string> text(const YAML::Node& node, std::string_view key) const {
    if (!node.IsScalar())
      return error(node, fmt::format("{} must be a single value", key));
    return node.Scalar();
  }

  // A boolean as Kubernetes' YAML reads it.
  core::Result<Set<bool>> flag(const YAML::Node& node, std::string_view key) const {
    MOAT_TRY_ASSIGN(value, text(node, key));
    const auto v = util::to_lower(value);
    if (v == "true" || v == "yes" || v == "on" || v == "y")
      return Set<bool>{true, at(node)};
    if (v == "false" || v == "no" || v == "off" || v == "n")
      return Set<bool>{false, at(node)};
    return error(node, fmt::format("{} must be true or false, not '{}'", key, value));
  }

  core::Result<Set<std::int64_t>> integer(const YAML::Node& node, std::string_view key) const {
    MOAT_TRY_ASSIGN(value, text(node, key));
    auto n = detail::integer_of(value);
    if (!n)
      return error(node, fmt::format("{} must be an integer, not '{}'", key, value));
    return Set<std::int64_t>{*n, at(node)};
  }

  // Optional members: set OUT when KEY is present and not null.
  core::Status optional_flag(const YAML::Node& node, std::string_view key,
                             std::optional<Set<bool>>& out) {
    if (auto n = get(node, key); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(v, flag(n, key));
      out = v;
    }
    return {};
  }

  core::Status optional_text(const YAML::Node& node, std::string_view key,
                             std::optional<Set<std::string>>& out) {
    if (auto n = get(node, key); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(v, text(n, key));
      out = Set<std::string>{v, at(n)};
    }
    return {};
  }

  core::Status read_security_context(const YAML::Node& sc, SecurityContext& out) {
    if (!sc.IsDefined() || sc.IsNull())
      return {};
    if (!sc.IsMap())
      return error(sc, "securityContext must be a mapping");
    MOAT_TRY(optional_flag(sc, "runAsNonRoot", out.run_as_non_root));
    if (auto n = get(sc, "runAsUser"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(v, integer(n, "runAsUser"));
      out.run_as_user = v;
    }
    MOAT_TRY(optional_text(get(sc, "seccompProfile"), "type", out.seccomp));
    MOAT_TRY(optional_text(get(sc, "appArmorProfile"), "type", out.apparmor));
    const auto selinux = get(sc, "seLinuxOptions");
    MOAT_TRY(optional_text(selinux, "type", out.selinux_type));
    MOAT_TRY(optional_text(selinux, "user", out.selinux_user));
    MOAT_TRY(optional_text(selinux, "role", out.selinux_role));
    MOAT_TRY(optional_flag(get(sc, "windowsOptions"), "hostProcess", out.host_process));
    return {};
  }

  core::Status read_volumes(const YAML::Node& pod, KubernetesContext& ctx) {
    const auto volumes = get(pod, "volumes");
    if (!volumes.IsDefined() || volumes.IsNull())
      return {};
    if (!volumes.IsSequence())
      return error(volumes, "volumes must be a list");
    for (const auto& item : volumes) {
      if (!item.IsMap())
        return error(item, "a volume must be a mapping");
      Volume v;
      v.origin = m_fields.origin(item);
      for (const auto& entry : item) {
        const auto key = entry.first.Scalar();
        if (key == "name") {
          MOAT_TRY_ASSIGN(n, text(entry.second, "volumes.name"));
          v.name = n;
        } else if (v.type.empty()) {
          // The one other member is the volume's source.
          v.type = key;
          v.origin = m_fields.origin(entry.first);
        }
      }
      if (v.type == "hostPath") {
        const auto path = get(get(item, "hostPath"), "path");
        if (!path.IsDefined())
          return error(item, "a hostPath volume needs a path");
        MOAT_TRY_ASSIGN(p, text(path, "hostPath.path"));
        v.path = p;
      }
      ctx.volumes.push_back(std::move(v));
    }
    return {};
  }

  // The pod-level settings every container of the pod shares.
  struct Pod {
    std::string workload;
    bool runs_to_completion = false;
    KubernetesContext ctx;
    std::vector<std::pair<std::string, Set<std::string>>> sysctls;
    std::optional<Set<bool>> host_pid, host_ipc, host_network;
    YAML::Node annotations;
  };

  core::Status read_pod(std::string workload, bool runs_to_completion, const YAML::Node& metadata,
                        const YAML::Node& spec) {
    Pod pod;
    pod.workload = std::move(workload);
    pod.runs_to_completion = runs_to_completion;
    pod.ctx.runs_to_completion = runs_to_completion;
    pod.ctx.pod_origin = at(spec);
    pod.annotations = get(metadata, "annotations");
    MOAT_TRY(optional_flag(spec, "hostPID", pod.host_pid));
    MOAT_TRY(optional_flag(spec, "hostIPC", pod.host_ipc));
    MOAT_TRY(optional_flag(spec, "hostNetwork", pod.host_network));
    MOAT_TRY(optional_flag(spec, "automountServiceAccountToken", pod.ctx.automount_token));
    std::optional<Set<bool>> host_users;
    MOAT_TRY(optional_flag(spec, "hostUsers", host_users));
    pod.ctx.own_user_namespace = host_users && !host_users->value;
    std::optional<Set<std::string>> os;
    MOAT_TRY(optional_text(get(spec, "os"), "name", os));
    pod.ctx.windows = os && os->value == "windows";
    const auto sc = get(spec, "securityContext");
    MOAT_TRY(read_security_context(sc, pod.ctx.pod));
    if (auto sysctls = get(sc, "sysctls"); sysctls.IsDefined() && !sysctls.IsNull()) {
      if (!sysctls.IsSequence())
        return error(sysctls, "securityContext.sysctls must be a list");
      for (const auto& item : sysctls) {
        MOAT_TRY_ASSIGN(name, text(get(item, "name"), "sysctls.name"));
        std::string value;
        if (auto v = get(item, "value"); v.IsDefined() && !v.IsNull()) {
          MOAT_TRY_ASSIGN(t, text(v, "sysctls.value"));
          value = t;
        }
        pod.sysctls.emplace_back(name, Set<std::string>{value, m_fields.origin(item)});
      }
    }
    MOAT_TRY(read_volumes(spec, pod.ctx));
    const std::pair<const char*, const char*> lists[] = {
        {"containers", "container"},
        {"initContainers", "init container"},
        {"ephemeralContainers", "ephemeral container"},
    };
    for (const auto& [key, role] : lists) {
      const auto containers = get(spec, key);
      if (!containers.IsDefined() || containers.IsNull())
        continue;
      if (!containers.IsSequence())
        return error(containers, fmt::format("{} must be a list", key));
      for (const auto& c : containers) {
        if (!c.IsMap())
          return error(c, fmt::format("an item of {} must be a mapping", key));
        MOAT_TRY(read_container(pod, role, c));
      }
    }
    return {};
  }

  core::Status read_container(const Pod& pod, std::string_view role, const YAML::Node& node) {
    ContainerSpec spec;
    spec.kind = "kubernetes";
    spec.source = m_fields.name();
    spec.pod = pod.workload;
    spec.origin = m_fields.origin(node);
    spec.k8s = pod.ctx;
    auto& ctx = *spec.k8s;
    ctx.role = std::string(role);
    MOAT_TRY_ASSIGN(name, text(get(node, "name"), "container name"));
    spec.name = name;
    if (auto n = get(node, "image"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(v, text(n, "image"));
      spec.image = {v, at(n)};
    }
    // command replaces the image's ENTRYPOINT, args its CMD.
    for (const auto& [key, member] : {std::pair{"command", &ContainerSpec::entrypoint},
                                      std::pair{"args", &ContainerSpec::command}}) {
      const auto list = get(node, key);
      if (!list.IsDefined() || list.IsNull())
        continue;
      if (!list.IsSequence())
        return error(list, fmt::format("{} must be a list", key));
      std::vector<std::string> words;
      for (const auto& item : list) {
        MOAT_TRY_ASSIGN(word, text(item, key));
        words.push_back(std::move(word));
      }
      spec.*member = std::move(words);
    }
    // A pod is on the cluster's pod network unless it shares the host's.
    spec.network_mode.value = "pod";
    if (pod.host_network && pod.host_network->value)
      spec.network_mode = {"host", pod.host_network->origin};
    if (pod.host_pid && pod.host_pid->value)
      spec.pid_mode = {"host", pod.host_pid->origin};
    if (pod.host_ipc && pod.host_ipc->value)
      spec.ipc_mode = {"host", pod.host_ipc->origin};
    spec.sysctls = pod.sysctls;

    const auto sc = get(node, "securityContext");
    MOAT_TRY(read_security_context(sc, ctx.container));
    if (auto n = get(sc, "privileged"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(v, flag(n, "privileged"));
      spec.privileged = v;
    }
    if (auto n = get(sc, "readOnlyRootFilesystem"); n.IsDefined() && !n.IsNull()) {
      MOAT_TRY_ASSIGN(v, flag(n, "readOnlyRootFilesystem"));
      spec.read_only_rootfs = v;
    }
    MOAT_TRY(optional_flag(sc, "allowPrivilegeEscalation", ctx.allow_privilege_escalation));
    MOAT_TRY(optional_text(sc, "procMount", ctx.proc_mount));
    const auto caps = get(sc, "capabilities");
    const std::pair<const char*, std::vector<Set<std::string>> ContainerSpec::*> cap_lists[] = {
        {"add", &ContainerSpec::cap_add}, {"drop", &ContainerSpec::cap_drop}};
    for (const auto& [key, member] : cap_lists) {
      const auto list = get(caps, key);
      if (!list.IsDefined() || list.IsNull())
        continue;
      if (!list.IsSequence())
        return error(list, fmt::format("capabilities.{} must be a list", key));
      for (const auto& item : list) {
        MOAT_TRY_ASSIGN(v, text(item, "capabilities"));
        (spec.*member).push_back({detail::capability_name(v), m_fields.origin(item)});
      }
    }

    // The AppArmor annotation names the container; the field, when both
    // are set, must agree with it (the API server refuses otherwise).
    if (auto a = get(pod.annotations, fmt::format("{}{}", k_apparmor_annotation, name));
        a.IsDefined() && !a.IsNull()) {
      MOAT_TRY_ASSIGN(v, text(a, "the AppArmor annotation"));
      const auto type = v == "runtime/default"        ? std::string("RuntimeDefault")
                        : v.starts_with("localhost/") ? std::string("Localhost")
                        : v == "unconfined"           ? std::string("Unconfined")
                                                      : v;
      if (!ctx.container.apparmor)
        ctx.container.apparmor = Set<std::string>{type, at(a)};
    }
    add_security_opts(spec);
    add_user(spec);
    MOAT_TRY(read_mounts(spec, node));
    MOAT_TRY(read_ports(spec, node));
    MOAT_TRY(read_resources(spec, node));
    MOAT_TRY(read_env(spec, node));
    MOAT_TRY(read_probe_hosts(ctx, node));
    if (ctx.role == "container" && !pod.runs_to_completion) {
      spec.health = {ContainerSpec::Health::none, {}};
      for (const char* probe : {"livenessProbe", "readinessProbe"})
        if (auto p = get(node, probe); p.IsDefined() && !p.IsNull())
          spec.health = {ContainerSpec::Health::configured, at(p)};
    }
    m_specs.push_back(std::move(spec));
    return {};
  }

  // The settings Docker spells as security options, at both levels: a pod
  // that asks for Unconfined is reported even where a container overrides
  // it, as the Pod Security Standards do.
  static void add_security_opts(ContainerSpec& spec) {
    const auto& ctx = *spec.k8s;
    for (const auto* level : {&ctx.pod, &ctx.container}) {
      if (level->seccomp && level->seccomp->value == "Unconfined")
        spec.security_opt.push_back({"seccomp=unconfined", level->seccomp->origin});
      if (level->apparmor && level->apparmor->value == "Unconfined")
        spec.security_opt.push_back({"apparmor=unconfined", level->apparmor->origin});
    }
    if (ctx.allow_privilege_escalation && !ctx.allow_privilege_escalation->value)
      spec.security_opt.push_back(
          {"no-new-privileges:true", ctx.allow_privilege_escalation->origin});
  }

  // The user the kubelet runs the container as: the container's runAsUser,
  // else the pod's; unknown (the image decides) when neither is set.
  static void add_user(ContainerSpec& spec) {
    const auto& ctx = *spec.k8s;
    const auto& uid = ctx.container.run_as_user ? ctx.container.run_as_user : ctx.pod.run_as_user;
    if (uid)
      spec.user = Set<std::string>{std::to_string(uid->value), uid->origin};
  }

  // httpGet.host and tcpSocket.host of the probes and lifecycle hooks.
  core::Status read_probe_hosts(KubernetesContext& ctx, const YAML::Node& node) {
    std::vector<YAML::Node> handlers;
    for (const char* probe : {"livenessProbe", "readinessProbe", "startupProbe"})
      handlers.push_back(get(node, probe));
    const auto lifecycle = get(node, "lifecycle");
    for (const char* hook : {"postStart", "preStop"})
      handlers.push_back(get(lifecycle, hook));
    for (const auto& handler : handlers)
      for (const char* action : {"httpGet", "tcpSocket"}) {
        std::optional<Set<std::string>> host;
        MOAT_TRY(optional_text(get(handler, action), "host", host));
        if (host && !host->value.empty())
          ctx.probe_hosts.push_back(*host);
      }
    return {};
  }

  core::Status read_mounts(ContainerSpec& spec, const YAML::Node& node) {
    const auto mounts = get(node, "volumeMounts");
    if (!mounts.IsDefined() || mounts.IsNull())
      return {};
    if (!mounts.IsSequence())
      return error(mounts, "volumeMounts must be a list");
    for (const auto& item : mounts) {
      MOAT_TRY_ASSIGN(volume, text(get(item, "name"), "volumeMounts.name"));
      Mount m;
      m.origin = m_fields.origin(item);
      if (auto p = get(item, "mountPath"); p.IsDefined()) {
        MOAT_TRY_ASSIGN(v, text(p, "volumeMounts.mountPath"));
        m.destination = v;
      }
      if (auto r = get(item, "readOnly"); r.IsDefined() && !r.IsNull()) {
        MOAT_TRY_ASSIGN(v, flag(r, "volumeMounts.readOnly"));
        m.read_only = v.value;
      }
      if (auto p = get(item, "mountPropagation"); p.IsDefined() && !p.IsNull()) {
        MOAT_TRY_ASSIGN(v, text(p, "volumeMounts.mountPropagation"));
        m.propagation = v == "Bidirectional"     ? "rshared"
                        : v == "HostToContainer" ? "rslave"
                                                 : "rprivate";
      }
      const auto& volumes = spec.k8s->volumes;
      const auto found = std::find_if(volumes.begin(), volumes.end(),
                                      [&](const Volume& v) { return v.name == volume; });
      if (found == volumes.end())
        return error(item, fmt::format("volumeMounts: no volume named '{}' in the pod", volume));
      m.type = found->type == "hostPath" ? "bind" : "volume";
      m.source = found->type == "hostPath" ? found->path : found->name;
      spec.mounts.push_back(std::move(m));
    }
    return {};
  }

  core::Status read_ports(ContainerSpec& spec, const YAML::Node& node) {
    const auto ports = get(node, "ports");
    if (!ports.IsDefined() || ports.IsNull())
      return {};
    if (!ports.IsSequence())
      return error(ports, "ports must be a list");
    for (const auto& item : ports) {
      // Only a hostPort is published on the node; a containerPort alone is
      // reachable on the pod network.
      const auto host_port = get(item, "hostPort");
      if (!host_port.IsDefined() || host_port.IsNull())
        continue;
      Port p;
      MOAT_TRY_ASSIGN(hp, integer(host_port, "hostPort"));
      if (hp.value < 0 || hp.value > 65535)
        return error(host_port, "hostPort must be a port number");
      if (hp.value == 0)
        continue;
      p.host_port = static_cast<int>(hp.value);
      p.origin = hp.origin;
      if (auto cp = get(item, "containerPort"); cp.IsDefined()) {
        MOAT_TRY_ASSIGN(v, integer(cp, "containerPort"));
        p.container_port = static_cast<int>(std::clamp<std::int64_t>(v.value, 0, 65535));
      }
      if (auto ip = get(item, "hostIP"); ip.IsDefined() && !ip.IsNull()) {
        MOAT_TRY_ASSIGN(v, text(ip, "hostIP"));
        p.host_ip = v;
      }
      if (auto proto = get(item, "protocol"); proto.IsDefined() && !proto.IsNull()) {
        MOAT_TRY_ASSIGN(v, text(proto, "protocol"));
        p.protocol = util::to_lower(v);
      }
      spec.ports.push_back(std::move(p));
    }
    return {};
  }

  core::Status read_resources(ContainerSpec& spec, const YAML::Node& node) {
    const auto limits = get(get(node, "resources"), "limits");
    if (auto m = get(limits, "memory"); m.IsDefined() && !m.IsNull()) {
      MOAT_TRY_ASSIGN(v, text(m, "resources.limits.memory"));
      auto bytes = detail::quantity_of(v);
      if (!bytes)
        return error(m, fmt::format("resources.limits.memory: '{}' is not a quantity", v));
      spec.memory = {static_cast<std::int64_t>(std::ceil(*bytes)), at(m)};
    }
    if (auto c = get(limits, "cpu"); c.IsDefined() && !c.IsNull()) {
      MOAT_TRY_ASSIGN(v, text(c, "resources.limits.cpu"));
      auto cores = detail::quantity_of(v);
      if (!cores || *cores > 1e9)
        return error(c, fmt::format("resources.limits.cpu: '{}' is not a quantity", v));
      spec.nano_cpus = {static_cast<std::int64_t>(std::llround(*cores * 1e9)), at(c)};
    }
    return {};
  }

  core::Status read_env(ContainerSpec& spec, const YAML::Node& node) {
    const auto env = get(node, "env");
    if (!env.IsDefined() || env.IsNull())
      return {};
    if (!env.IsSequence())
      return error(env, "env must be a list");
    for (const auto& item : env) {
      MOAT_TRY_ASSIGN(name, text(get(item, "name"), "env.name"));
      // valueFrom (a Secret, a ConfigMap, a field) holds no value here.
      if (auto v = get(item, "value"); v.IsDefined() && !v.IsNull()) {
        MOAT_TRY_ASSIGN(value, text(v, "env.value"));
        spec.env.emplace_back(name, Set<std::string>{value, at(v)});
      }
    }
    return {};
  }

  detail::YamlFields m_fields;
  std::vector<ContainerSpec> m_specs;
};

} // namespace

bool looks_like_kubernetes(std::string_view text) {
  // A top-level apiVersion and kind, and no Compose services.
  auto top_level = [&](std::string_view key) {
    for (std::size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1))
      if ((at == 0 || text[at - 1] == '\n') && at + key.size() < text.size() &&
          text[at + key.size()] == ':')
        return true;
    return false;
  };
  return top_level("apiVersion") && top_level("kind") && !top_level("services");
}

core::Result<std::vector<ContainerSpec>> read_kubernetes(std::string_view text,
                                                         const std::string& name) {
  MOAT_TRY_ASSIGN(documents, detail::load_documents(text, name));
  try {
    ManifestReader reader(name);
    for (const auto& doc : documents)
      MOAT_TRY(reader.read_document(doc));
    return reader.take();
  } catch (const YAML::Exception& e) {
    return core::fail(core::ErrorKind::parse, name, "invalid Kubernetes manifest: " + e.msg,
                      e.mark.line + 1, e.mark.column + 1);
  }
}

} // namespace moat::runconf
