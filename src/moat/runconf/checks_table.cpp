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

// Sorted by id; a test keeps it so.
constexpr std::array k_checks = std::to_array<core::CheckInfo>({
    {"RC001", "CIS-5.5", Severity::critical, "Privileged container",
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
    {"RC005", "CIS-5.2", Severity::high, "AppArmor disabled",
     "apparmor=unconfined removes the mandatory access control profile Docker applies to every "
     "container (docker-default).",
     "Remove the security option, or give a profile that allows only what the program needs.",
     k_run_ref},
    {"RC006", "CIS-5.3", Severity::high, "SELinux labelling disabled",
     "label=disable (label:disable) turns off SELinux separation between the container and the "
     "host on hosts that enforce it.",
     "Remove the security option; relabel volumes with :z or :Z instead.", k_run_ref},
    {"RC007", "CIS-5.22", Severity::high, "Seccomp disabled",
     "seccomp=unconfined lets the container make every system call, including the ones Docker's "
     "default profile blocks because they have been used to escape (keyctl, unshare, ptrace on "
     "old kernels, ...).",
     "Remove the option, or use a profile generated for the program (moat seccomp generate).",
     k_run_ref},
    {"RC008", "", Severity::high, "Masked system paths exposed",
     "systempaths=unconfined unmasks /proc/kcore, /proc/keys, /sys/firmware and the other paths "
     "Docker hides or makes read-only in every container.",
     "Remove the security option.", k_run_ref},
    {"RC009", "CIS-5.26", Severity::medium, "Privilege escalation not prevented",
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
    {"RC011", "CIS-5.32", Severity::critical, "Container runtime socket mounted",
     "The Docker, containerd, CRI-O or Podman socket gives the container full control of the "
     "daemon: it can start a privileged container that mounts the host's root.",
     "Do not mount the socket. A tool that must reach the daemon should use an authorising proxy "
     "that allows only the calls it needs.",
     k_run_ref},
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
    {"RC014", "CIS-5.10", Severity::high, "Host network namespace shared",
     "--network host gives the container the host's interfaces: it can bind any host port, see "
     "all traffic-related state and reach services that listen on localhost only.",
     "Use a bridge or user-defined network and publish the ports the service needs.", k_run_ref},
    {"RC015", "CIS-5.16", Severity::high, "Host PID namespace shared",
     "--pid host shows the container every host process, and with ptrace or signals lets it act "
     "on them.",
     "Remove --pid host (pid: host, hostPID: true).", k_run_ref},
    {"RC016", "CIS-5.17", Severity::high, "Host IPC namespace shared",
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
    {"RC020", "CIS-5.11", Severity::medium, "No memory limit",
     "Without a memory limit one container can exhaust the host's memory and get other "
     "processes killed.",
     "Set --memory (mem_limit, deploy.resources.limits.memory, resources.limits.memory).",
     k_run_ref},
    {"RC021", "CIS-5.12", Severity::low, "No CPU limit",
     "Without a CPU limit or weight one container can starve the others.",
     "Set --cpus or --cpu-shares (cpus, deploy.resources.limits.cpus, resources.limits.cpu).",
     k_run_ref},
    {"RC022", "CIS-5.29", Severity::medium, "No PIDs limit",
     "Without a PIDs limit a fork bomb in the container exhausts the host's process table.",
     "Set --pids-limit (pids_limit, deploy.resources.limits.pids).", k_run_ref},
    {"RC023", "CIS-5.13", Severity::low, "Root file system writable",
     "A writable root file system lets an attacker change the container's programs and persist "
     "there.",
     "Run with --read-only (read_only: true, readOnlyRootFilesystem: true) and mount a tmpfs or a "
     "volume where the program writes.",
     k_run_ref},
    {"RC024", "", Severity::medium, "Runs as root",
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
    {"RC031", "CIS-5.28", Severity::low, "Image not pinned",
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
});

} // namespace

std::span<const core::CheckInfo> checks() {
  return k_checks;
}

} // namespace moat::runconf
