// The run-configuration checks: CIS Docker Benchmark 1.6 section 5 (as
// CIS-5.x aliases) and what the seed articles and users expect beyond it.

#include <moat/runconf/runconf.hpp>

#include <array>

namespace moat::runconf {

namespace {

using core::Severity;

constexpr std::string_view k_run_ref =
    "https://docs.docker.com/reference/cli/docker/container/run/ "
    "https://www.cisecurity.org/benchmark/docker";

constexpr std::string_view k_pss_ref =
    "https://kubernetes.io/docs/concepts/security/pod-security-standards/";

// Sorted by id; a test keeps it so.
constexpr std::array k_checks = std::to_array<core::CheckInfo>({
    {"RC001", "CIS-5.5,Privileged Containers,KSV017,privileged", Severity::critical,
     "Privileged container",
     "--privileged gives the container every capability, every device, no seccomp or AppArmor "
     "confinement and a writable /sys: root in the container is root on the host.",
     "Remove --privileged (privileged: true). Add only the capabilities and devices the program "
     "needs.",
     k_run_ref},
    {"RC002", "CIS-5.4", Severity::high, "Dangerous capability added",
     "Capabilities such as SYS_ADMIN, SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, NET_ADMIN, BPF or "
     "PERFMON (or ALL) each give known ways out of the container or into other processes and the "
     "kernel.",
     "Remove the --cap-add (cap_add, capabilities.add). If the program truly needs the privilege, "
     "run it in a VM or grant a narrower capability.",
     k_run_ref},
    {"RC003", "CIS-5.4", Severity::medium, "Capability added beyond Docker's default set",
     "Every capability added to Docker's default set widens what a compromised process can do.",
     "Drop all capabilities (--cap-drop ALL) and add back only those the program needs.",
     k_run_ref},
    {"RC004", "", Severity::low, "Default capabilities kept",
     "Docker's default set keeps capabilities few programs need, such as NET_RAW (raw sockets, "
     "ARP and DNS spoofing on the bridge), MKNOD, SETFCAP and AUDIT_WRITE.",
     "Run with --cap-drop ALL (cap_drop: [ALL], capabilities.drop: [ALL]) and add back what the "
     "program needs.",
     k_run_ref},
    {"RC005", "CIS-5.2,AppArmor,appArmorProfile", Severity::high, "AppArmor disabled",
     "apparmor=unconfined removes the mandatory access control profile Docker applies to every "
     "container (docker-default).",
     "Remove the security option, or give a profile that allows only what the program needs.",
     k_run_ref},
    {"RC006", "CIS-5.3", Severity::high, "SELinux labelling disabled",
     "label=disable (label:disable) turns off SELinux separation between the container and the "
     "host on hosts that enforce it.",
     "Remove the security option; relabel volumes with :z or :Z instead.", k_run_ref},
    {"RC007", "CIS-5.22,Seccomp,seccompProfile_baseline", Severity::high, "Seccomp disabled",
     "seccomp=unconfined lets the container make every system call, including the ones Docker's "
     "default profile blocks because they have been used to escape (keyctl, unshare, ptrace on "
     "old kernels, ...).",
     "Remove the option, or use a profile generated for the program (moat seccomp generate).",
     k_run_ref},
    {"RC008", "", Severity::high, "Masked system paths exposed",
     "systempaths=unconfined unmasks /proc/kcore, /proc/keys, /sys/firmware and the other paths "
     "Docker hides or makes read-only in every container.",
     "Remove the security option.", k_run_ref},
    {"RC009", "CIS-5.26,Privilege Escalation (v1.8+),KSV001,allowPrivilegeEscalation",
     Severity::medium, "Privilege escalation not prevented",
     "Without no-new-privileges a process in the container can gain privileges through setuid "
     "and setgid binaries or file capabilities.",
     "Run with --security-opt no-new-privileges (security_opt: [no-new-privileges:true], "
     "allowPrivilegeEscalation: false), or set it for the daemon in daemon.json.",
     k_run_ref},
    {"RC010", "CIS-5.6", Severity::high, "Sensitive host directory mounted",
     "Mounting /, /boot, /dev, /etc, /lib, /proc, /sys, /usr, /root, /home or /var/lib/docker "
     "into a container lets it read, and when writable change, the host's configuration, "
     "credentials and binaries.",
     "Mount only the application's own data directories, read-only where possible.", k_run_ref},
    {"RC011", "CIS-5.32,KSV006", Severity::critical, "Container runtime socket mounted",
     "The Docker, containerd, CRI-O or Podman socket gives the container full control of the "
     "daemon: it can start a privileged container that mounts the host's root.",
     "Do not mount the socket. A tool that must reach the daemon should use an authorising proxy "
     "that allows only the calls it needs.",
     k_run_ref,
     "Trivy's KSV006 looks only for a hostPath of /var/run/docker.sock; moat reports every "
     "container runtime socket (containerd, CRI-O, Podman) and the directories that hold them."},
    {"RC012", "", Severity::medium, "Writable host directory mounted",
     "A writable bind mount lets a compromised container change files the host, or other "
     "containers, use.",
     "Mount host directories read-only (:ro, read_only: true, readOnly: true) unless the "
     "container must write them, and prefer named volumes.",
     k_run_ref},
    {"RC013", "CIS-5.20", Severity::medium, "Mount propagation shared",
     "A shared (or rshared) mount lets mounts made inside the container appear on the host, and "
     "the host's new mounts appear inside.",
     "Use the default private propagation.", k_run_ref},
    {"RC014", "CIS-5.10,Host Namespaces,KSV009,hostNamespaces", Severity::high,
     "Host network namespace shared",
     "--network host gives the container the host's interfaces: it can bind any host port, see "
     "all traffic-related state and reach services that listen on localhost only.",
     "Use a bridge or user-defined network and publish the ports the service needs.", k_run_ref},
    {"RC015", "CIS-5.16,Host Namespaces,KSV010,hostNamespaces", Severity::high,
     "Host PID namespace shared",
     "--pid host shows the container every host process, and with ptrace or signals lets it act "
     "on them.",
     "Remove --pid host (pid: host, hostPID: true).", k_run_ref},
    {"RC016", "CIS-5.17,Host Namespaces,KSV008,hostNamespaces", Severity::high,
     "Host IPC namespace shared",
     "--ipc host gives the container the host's shared memory and semaphores, which other "
     "processes may trust.",
     "Remove --ipc host (ipc: host, hostIPC: true).", k_run_ref},
    {"RC017", "CIS-5.21", Severity::medium, "Host UTS namespace shared",
     "--uts host lets the container change the host's hostname.", "Remove --uts host.", k_run_ref},
    {"RC018", "CIS-5.31", Severity::medium, "Host user namespace shared",
     "--userns host opts the container out of the daemon's user-namespace remapping, so its root "
     "is the host's root.",
     "Remove --userns host.", k_run_ref},
    {"RC019", "CIS-5.18", Severity::medium, "Host device passed through",
     "A device node from the host (--device) gives the container direct access to hardware or "
     "kernel interfaces.",
     "Pass only the devices the program needs, with the narrowest permissions (:r).", k_run_ref},
    {"RC020", "CIS-5.11,KSV018", Severity::medium, "No memory limit",
     "Without a memory limit one container can exhaust the host's memory and get other "
     "processes killed.",
     "Set --memory (mem_limit, deploy.resources.limits.memory, resources.limits.memory).",
     k_run_ref},
    {"RC021", "CIS-5.12,KSV011", Severity::low, "No CPU limit",
     "Without a CPU limit or weight one container can starve the others.",
     "Set --cpus or --cpu-shares (cpus, deploy.resources.limits.cpus, resources.limits.cpu).",
     k_run_ref},
    {"RC022", "CIS-5.29", Severity::medium, "No PIDs limit",
     "Without a PIDs limit a fork bomb in the container exhausts the host's process table.",
     "Set --pids-limit (pids_limit, deploy.resources.limits.pids).", k_run_ref},
    {"RC023", "CIS-5.13,KSV014", Severity::low, "Root file system writable",
     "A writable root file system lets an attacker change the container's programs and persist "
     "there.",
     "Run with --read-only (read_only: true, readOnlyRootFilesystem: true) and mount a tmpfs or a "
     "volume where the program writes.",
     k_run_ref},
    {"RC024", "CIS-4.1", Severity::medium, "Runs as root",
     "The container's processes run as root (user empty, root or 0), so a compromise of the "
     "program is a compromise of root in the container.",
     "Run as an unprivileged user: --user 1000:1000 (user:, runAsUser with runAsNonRoot: true), "
     "or set USER in the image.",
     k_run_ref},
    {"RC025", "CIS-5.8", Severity::low, "Privileged host port mapped",
     "A host port below 1024 is published; CIS asks that containers do not take the host's "
     "privileged ports.",
     "Publish on a port of 1024 or above and put a proxy or load balancer in front.", k_run_ref,
     "docker-bench-security also reports host port 1024, which is not a privileged port."},
    {"RC026", "CIS-5.14", Severity::low, "Port published on every interface",
     "A port published without an address listens on 0.0.0.0 and :: and bypasses host firewall "
     "rules Docker does not manage.",
     "Publish on the address that should receive the traffic: -p 127.0.0.1:8080:80.", k_run_ref},
    {"RC027", "CIS-5.15", Severity::low, "Restart policy not bounded",
     "A container that keeps failing is restarted forever (always, unless-stopped, on-failure "
     "without a count or over 5), which can hide an attack and load the host.",
     "Use --restart on-failure:5.", k_run_ref},
    {"RC028", "CIS-5.27", Severity::low, "No health check",
     "Without a health check Docker and orchestrators cannot tell a hung service from a "
     "healthy one.",
     "Define --health-cmd (healthcheck:, livenessProbe) or HEALTHCHECK in the image; do not "
     "disable it.",
     k_run_ref},
    {"RC029", "CIS-5.25", Severity::low, "Custom cgroup parent",
     "--cgroup-parent places the container outside the cgroup the daemon manages, where its "
     "limits may not apply.",
     "Leave the cgroup parent at the daemon's default unless it is part of a managed setup.",
     k_run_ref},
    {"RC030", "CIS-5.19", Severity::info, "Default ulimits used",
     "The container inherits the daemon's default ulimits.",
     "Set --ulimit where the program needs other limits than the daemon's defaults.", k_run_ref},
    {"RC031", "CIS-5.28,KSV013", Severity::low, "Image not pinned",
     "An image given without a tag or as :latest changes under the running configuration; what "
     "runs is whatever was last pushed.",
     "Name the image by a version tag and, better, by digest (name@sha256:...).", k_run_ref},
    {"RC032", "CIS-5.30", Severity::info, "Default bridge network",
     "Containers on the default docker0 bridge can reach each other on every port.",
     "Put containers on user-defined networks that hold only what must talk to each other.",
     k_run_ref},
    {"RC033", "", Severity::critical, "Secret value in the environment",
     "An environment variable holds a value shaped like a credential; anyone who can inspect the "
     "container (or read the file) can read it.",
     "Revoke the credential and pass it as a secret file (--secret, secrets:, a Kubernetes "
     "Secret volume).",
     k_run_ref},
    {"RC034", "", Severity::high, "Environment variable named like a secret",
     "A variable such as PASSWORD or API_TOKEN is set in the environment, where docker inspect, "
     "/proc and crash reports show it.",
     "Pass the value as a secret file instead of an environment variable.", k_run_ref},
    {"RC035", "", Severity::medium, "Sysctl that weakens isolation",
     "Kernel parameters outside the namespaced set, or network parameters set while the host's "
     "network namespace is shared, change the host's kernel for everyone.",
     "Remove the sysctl, or set it on the host deliberately.", k_run_ref},
    {"RC036", "HostProcess,KSV103,windowsHostProcess", Severity::critical,
     "Windows HostProcess container",
     "A HostProcess container runs directly on the Windows node with the node's privileges: it "
     "is not isolated at all. The Pod Security Standards' baseline profile forbids it.",
     "Remove windowsOptions.hostProcess (or set it to false) from the pod and its containers.",
     k_pss_ref},
    {"RC037", "Capabilities,capabilities_baseline", Severity::medium,
     "Capability outside the baseline profile's set",
     "The baseline profile lets a container add only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, "
     "FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT; "
     "anything else (NET_RAW included) widens what a compromised process can do.",
     "Remove the capability from securityContext.capabilities.add.", k_pss_ref},
    {"RC038", "HostPath Volumes,KSV023,hostPathVolumes", Severity::high, "hostPath volume",
     "A hostPath volume gives the pod a directory of the node: it can read, and unless mounted "
     "read-only change, the node's files, and it escapes the storage the cluster manages.",
     "Use a persistentVolumeClaim, emptyDir, configMap or secret volume instead.", k_pss_ref},
    {"RC039", "Host Ports,KSV024,hostPorts", Severity::medium, "Host port used",
     "A hostPort binds the port on the node's own addresses, bypassing Services and network "
     "policy, and ties the pod to nodes where the port is free.",
     "Remove hostPort and expose the port through a Service.", k_pss_ref,
     "Trivy's KSV024 also reports hostPort: 0, which binds nothing; moat follows the Pod "
     "Security Standards and allows it."},
    {"RC040", "SELinux,KSV025,seLinuxOptions", Severity::medium, "Custom SELinux options",
     "Setting an SELinux user or role, or a type other than container_t, container_init_t, "
     "container_kvm_t or container_engine_t, can take the container out of the confinement the "
     "runtime applies.",
     "Remove seLinuxOptions.user and .role, and use one of the container types (or none).",
     k_pss_ref,
     "Trivy's KSV025 also reports the type container_engine_t, which the Pod Security "
     "Standards allow since Kubernetes 1.31; moat allows it."},
    {"RC041", "/proc Mount Type,KSV027,procMount", Severity::medium, "/proc not masked",
     "procMount: Unmasked shows the container the /proc paths the runtime hides (kcore, keys, "
     "sysrq-trigger, ...).",
     "Remove procMount or set it to Default.", k_pss_ref,
     "Trivy's KSV027 also reports procMount: Default, the value the Pod Security Standards "
     "allow; moat reports only other values."},
    {"RC042", "Sysctls,KSV026,sysctls", Severity::medium, "Sysctl outside the safe set",
     "The baseline profile allows only the sysctls the kubelet knows to be namespaced and safe "
     "(kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, ...); "
     "others can change the node's kernel for every pod.",
     "Remove the sysctl, or set it on the node deliberately.", k_pss_ref,
     "Trivy's KSV026 judges against the newest safe set by default; moat allows that set "
     "(through net.ipv4.tcp_rmem and net.ipv4.tcp_wmem, Kubernetes 1.32) whatever the cluster's "
     "version."},
    {"RC043", "Volume Types,KSV028,restrictedVolumes", Severity::low,
     "Volume type outside the restricted profile's set",
     "The restricted profile allows only configMap, csi, downwardAPI, emptyDir, ephemeral, "
     "persistentVolumeClaim, projected and secret volumes; other types reach node or network "
     "storage directly.",
     "Use one of those volume types (a persistentVolumeClaim for storage).", k_pss_ref,
     "Trivy's KSV028 rejects a fixed list of volume types and lets unknown ones pass; moat "
     "allows only the restricted profile's list, as the Pod Security Standards do."},
    {"RC044", "Running as Non-root,KSV012,runAsNonRoot", Severity::medium,
     "Not required to run as non-root",
     "Without runAsNonRoot: true the kubelet starts the container as whatever user the image "
     "names, root included.",
     "Set securityContext.runAsNonRoot: true on the pod (and not false on any container).",
     k_pss_ref,
     "Trivy's KSV012 is satisfied by runAsNonRoot: true on the pod even when a container sets "
     "it false; moat reports that container, as the Pod Security Standards do."},
    {"RC045", "Running as Non-root user (v1.23+),KSV105,runAsUser", Severity::medium,
     "runAsUser set to 0", "runAsUser: 0 runs the container as root whatever the image says.",
     "Set runAsUser to a non-zero UID, or remove it and build the image with a non-root USER.",
     k_pss_ref},
    {"RC046", "Seccomp (v1.19+),KSV030,seccompProfile_restricted", Severity::low,
     "Seccomp profile not set",
     "The restricted profile wants every container confined by seccomp: RuntimeDefault or a "
     "Localhost profile, set on the pod or on each container.",
     "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.", k_pss_ref},
    {"RC047", "Capabilities (v1.22+),KSV106,capabilities_restricted", Severity::low,
     "Capabilities not dropped",
     "The restricted profile wants every container to drop ALL capabilities and add back at most "
     "NET_BIND_SERVICE.",
     "Set securityContext.capabilities.drop: [ALL] and add only NET_BIND_SERVICE if needed.",
     k_pss_ref},
    {"RC048", "", Severity::low, "Service account token mounted",
     "Unless automountServiceAccountToken is false the pod gets a token for the Kubernetes API; "
     "a compromised container can use it with whatever rights the service account has.",
     "Set automountServiceAccountToken: false on the pod (or its service account) unless it "
     "talks to the API.",
     k_pss_ref},
    {"RC049", "Host Probes / Lifecycle Hooks (v1.34+),hostProbesAndHostLifecycle", Severity::medium,
     "Probe or lifecycle hook aimed at another host",
     "A probe's or lifecycle hook's httpGet.host or tcpSocket.host makes the kubelet connect to "
     "an address the pod chooses, from the node: a way to reach what only the node can reach.",
     "Remove host: the kubelet then probes the pod's own IP.", k_pss_ref},
    {"RC050", "CIS-5.7", Severity::medium, "SSH server running in the container",
     "An SSH daemon in a container is one more service to patch and one more way in, with its "
     "own keys and passwords to manage; docker exec already gives a shell.",
     "Remove the SSH server from the image and use docker exec (or kubectl exec) to get a shell.",
     k_run_ref,
     "docker-bench-security runs ps inside each container: under --pid host that lists the "
     "host's processes, so a host sshd is blamed on the container, and a container without ps "
     "passes. moat reads each container's own processes from the Engine API (top)."},
});

} // namespace

std::span<const core::CheckInfo> checks() {
  return k_checks;
}

} // namespace moat::runconf
