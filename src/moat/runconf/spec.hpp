#pragma once
// ContainerSpec: one container's run configuration, whatever it was read
// from (docker inspect JSON, a live container, a docker run command line,
// a Compose service, a Kubernetes container). The checks read only this.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace moat::runconf {

// Where a setting was written: a line and column in the source file; zero
// when the source has no positions (inspect JSON, a live container).
struct Origin {
  int line = 0;
  int column = 0;
  // The file, when it is not the spec's source (an env_file of a Compose
  // service).
  std::string file = {};
};

struct Mount {
  std::string type;        // "bind", "volume", "tmpfs", "npipe", "image"
  std::string source;      // host path of a bind, the volume name; empty for tmpfs
  std::string destination; // path in the container
  bool read_only = false;
  std::string propagation; // "rprivate", "shared", "rshared", "slave", ...; empty: default
  Origin origin;
};

struct Port {
  std::string host_ip; // empty: every interface (as 0.0.0.0 and ::)
  int host_port = 0;   // 0: chosen by the daemon, or not published
  int container_port = 0;
  std::string protocol = "tcp";
  Origin origin;
};

// A value with where it was set.
template <typename T> struct Set {
  T value{};
  Origin origin;
};

// A pod volume (Kubernetes): its name and source type ("hostPath",
// "emptyDir", "configMap", ...), and the host path of a hostPath volume.
struct Volume {
  std::string name;
  std::string type;
  std::string path;
  Origin origin; // the volume's source key (hostPath:, emptyDir:, ...)
};

// A pod's or a container's securityContext as written: the fields that
// exist at both levels (the kubelet takes the container's where both are
// set). AppArmor holds the field's type or, from the annotation, its
// value in the same form ("RuntimeDefault", "Localhost", "Unconfined").
struct SecurityContext {
  std::optional<Set<bool>> run_as_non_root;
  std::optional<Set<std::int64_t>> run_as_user;
  std::optional<Set<std::string>> seccomp;  // seccompProfile.type
  std::optional<Set<std::string>> apparmor; // appArmorProfile.type or the annotation
  std::optional<Set<std::string>> selinux_type;
  std::optional<Set<std::string>> selinux_user;
  std::optional<Set<std::string>> selinux_role;
  std::optional<Set<bool>> host_process; // windowsOptions.hostProcess
};

// What a Kubernetes container adds to the run configuration: the pod
// around it, for the Pod Security Standards.
struct KubernetesContext {
  std::string role = "container";  // "container", "init container", "ephemeral container"
  bool runs_to_completion = false; // a Job's or CronJob's pod: no probes expected
  SecurityContext pod;
  SecurityContext container;
  std::optional<Set<bool>> allow_privilege_escalation;
  std::optional<Set<std::string>> proc_mount;
  std::vector<Volume> volumes;              // the pod's
  std::optional<Set<bool>> automount_token; // the pod's automountServiceAccountToken
  bool windows = false;            // spec.os.name: windows (Linux-only controls do not apply)
  bool own_user_namespace = false; // hostUsers: false
  // Hosts a probe or lifecycle hook of the container connects to
  // (httpGet.host, tcpSocket.host).
  std::vector<Set<std::string>> probe_hosts;
  Origin pod_origin; // the pod spec
};

struct ContainerSpec {
  std::string name;   // container name, service name, or the container of a workload
  std::string source; // the file or container:// target it came from
  std::string kind;   // "inspect", "container", "docker run", "compose", "kubernetes"
  // Where the service or container is declared; a finding about a setting
  // that is missing points here.
  Origin origin;
  // Kubernetes: the workload ("Deployment 'web'"); a finding its
  // containers share (a pod-level setting) is reported once, naming it.
  std::string pod;
  std::optional<KubernetesContext> k8s;
  Set<std::string> image;
  // The command the source sets in place of the image's: ENTRYPOINT
  // (Compose's entrypoint, Kubernetes' command) and CMD (Compose's command,
  // Kubernetes' args); unset keeps the image's.
  std::optional<std::vector<std::string>> entrypoint;
  std::optional<std::vector<std::string>> command;

  Set<bool> privileged;
  std::vector<Set<std::string>> cap_add;  // upper case, without CAP_; "ALL" kept
  std::vector<Set<std::string>> cap_drop; // the same
  // --security-opt values as written ("seccomp=unconfined", "no-new-privileges:true").
  std::vector<Set<std::string>> security_opt;
  // The AppArmor profile the daemon applied (inspect's AppArmorProfile);
  // empty when unknown.
  std::string apparmor_profile;
  Set<bool> read_only_rootfs;
  // The user processes run as; unset when the image's user decides and
  // the source does not say what it is.
  std::optional<Set<std::string>> user;

  Set<std::string> pid_mode;     // "host", "container:X", empty
  Set<std::string> ipc_mode;     // "host", "shareable", "private", ...
  Set<std::string> network_mode; // "host", "bridge", "default", "none", "container:X", a network
  Set<std::string> uts_mode;
  Set<std::string> userns_mode;
  Set<std::string> cgroup_parent;

  std::vector<Mount> mounts;
  std::vector<Set<std::string>> devices; // host device paths
  std::vector<Port> ports;
  std::vector<std::pair<std::string, Set<std::string>>> sysctls;
  std::vector<Set<std::string>> ulimits; // "nofile=1024:2048"

  Set<std::int64_t> memory;                    // bytes; 0: no limit
  Set<std::int64_t> nano_cpus;                 // 1e9 per CPU; 0: no limit
  Set<std::int64_t> cpu_shares;                // relative weight; 0: default
  Set<std::int64_t> cpu_quota;                 // CFS quota in microseconds; 0: none
  Set<std::optional<std::int64_t>> pids_limit; // none, 0 or -1: unlimited

  // The health check: configured (here, or in the image when the source
  // shows the merged configuration), explicitly disabled, absent, or
  // unknown (only the image could say, and it is not read here).
  enum class Health { unknown, configured, disabled, none };
  Set<Health> health{Health::unknown, {}};

  Set<std::string> restart_policy; // "no", "always", "unless-stopped", "on-failure"
  Set<int> restart_retries;        // on-failure's maximum; 0: unlimited

  std::vector<std::pair<std::string, Set<std::string>>> env;

  // A live container's own processes (their command lines, from the
  // Engine API's top); unset when the source cannot show them.
  std::optional<std::vector<std::string>> processes;
};

// The security option NAME ("seccomp", "apparmor", "label",
// "no-new-privileges", "systempaths") with its value, as Docker reads
// "name=value", "name:value" or a bare "no-new-privileges".
struct SecurityOpt {
  std::string name;
  std::string value;
  Origin origin;
};
[[nodiscard]] std::vector<SecurityOpt> security_opts(const ContainerSpec& spec);

} // namespace moat::runconf
