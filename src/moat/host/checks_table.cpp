// The host and daemon checks of moat bench: CIS Docker Benchmark 1.6
// sections 1-4, 6 and 7, and the parts of section 5 that are not about one
// container's run configuration (those are the RC checks, run on every
// running container).

#include <moat/host/bench.hpp>

#include <array>

namespace moat::host {

namespace {

using core::Severity;

constexpr std::string_view k_cis = "https://www.cisecurity.org/benchmark/docker";
constexpr std::string_view k_daemon_ref =
    "https://docs.docker.com/reference/cli/dockerd/ https://www.cisecurity.org/benchmark/docker";
constexpr std::string_view k_audit_ref = "https://man7.org/linux/man-pages/man8/auditctl.8.html "
                                         "https://www.cisecurity.org/benchmark/docker";
constexpr std::string_view k_swarm_ref =
    "https://docs.docker.com/engine/swarm/ https://www.cisecurity.org/benchmark/docker";

constexpr std::string_view k_audit_why =
    "Without an audit rule, changes to this file and runs of this program leave no trace: the "
    "daemon and its files decide what every container may do.";
constexpr std::string_view k_audit_fix =
    "Add the watch rule that `moat harden audit-rules` prints to /etc/audit/rules.d/docker.rules "
    "and load it (augenrules --load).";
constexpr std::string_view k_owner_fix = "chown root:root the file.";
constexpr std::string_view k_manual = "Review it by hand; moat cannot measure it.";

// Sorted by id; a test keeps it so.
constexpr auto k_checks = std::to_array<core::CheckInfo>({
    {"HB001", "CIS-1.1.1", Severity::low, "Docker data root not on its own partition",
     "Containers fill the data root (images, layers, logs, volumes); on the root file system they "
     "can fill the disk the host needs to run.",
     "Mount a separate partition (or logical volume) at the data root.", k_cis},
    {"HB002", "CIS-1.1.2", Severity::info, "Users who control the Docker daemon",
     "Every member of the docker group can start a privileged container: each is root on the host.",
     "Keep only trusted administrators in the docker group (gpasswd -d USER docker).", k_cis},
    {"HB003", "CIS-1.1.3", Severity::low, "Docker daemon not audited", k_audit_why, k_audit_fix,
     k_audit_ref},
    {"HB004", "CIS-1.1.4", Severity::low, "/run/containerd not audited", k_audit_why, k_audit_fix,
     k_audit_ref},
    {"HB005", "CIS-1.1.5", Severity::low, "Docker data root not audited", k_audit_why, k_audit_fix,
     k_audit_ref},
    {"HB006", "CIS-1.1.6", Severity::low, "/etc/docker not audited", k_audit_why, k_audit_fix,
     k_audit_ref},
    {"HB007", "CIS-1.1.7", Severity::low, "docker.service not audited", k_audit_why, k_audit_fix,
     k_audit_ref},
    {"HB008", "CIS-1.1.8", Severity::low, "containerd socket not audited", k_audit_why, k_audit_fix,
     k_audit_ref},
    {"HB009", "CIS-1.1.9", Severity::low, "docker.socket not audited", k_audit_why, k_audit_fix,
     k_audit_ref},
    {"HB010", "CIS-1.1.10", Severity::low, "/etc/default/docker not audited", k_audit_why,
     k_audit_fix, k_audit_ref},
    {"HB011", "CIS-1.1.11", Severity::low, "daemon.json not audited", k_audit_why, k_audit_fix,
     k_audit_ref,
     "docker-bench-security looks at /etc/docker/daemon.json whatever dockerd's --config-file "
     "names; moat audits the file the daemon reads."},
    {"HB012", "CIS-1.1.12", Severity::low, "/etc/containerd/config.toml not audited", k_audit_why,
     k_audit_fix, k_audit_ref},
    {"HB013", "CIS-1.1.13", Severity::low, "/etc/sysconfig/docker not audited", k_audit_why,
     k_audit_fix, k_audit_ref},
    {"HB014", "CIS-1.1.14", Severity::low, "containerd not audited", k_audit_why, k_audit_fix,
     k_audit_ref,
     "docker-bench-security matches the path anywhere in the rules, so a rule for "
     "containerd-shim counts for containerd; moat wants a rule on the path itself."},
    {"HB015", "CIS-1.1.15", Severity::low, "containerd-shim not audited", k_audit_why, k_audit_fix,
     k_audit_ref},
    {"HB016", "CIS-1.1.16", Severity::low, "containerd-shim-runc-v1 not audited", k_audit_why,
     k_audit_fix, k_audit_ref},
    {"HB017", "CIS-1.1.17", Severity::low, "containerd-shim-runc-v2 not audited", k_audit_why,
     k_audit_fix, k_audit_ref},
    {"HB018", "CIS-1.1.18", Severity::low, "runc not audited", k_audit_why, k_audit_fix,
     k_audit_ref},
    {"HB019", "CIS-1.2.1", Severity::info, "Host hardening (manual)",
     "A container is only as isolated as the kernel and host around it.",
     "Harden the host (CIS benchmark for its distribution, minimal packages, patched kernel).",
     k_cis},
    {"HB020", "CIS-1.2.2", Severity::info, "Docker version",
     "Old Docker releases miss security fixes in the daemon, containerd and runc.",
     "Keep Docker at a release its vendor still supports, and patched.", k_cis},
    {"HB021", "CIS-2.1", Severity::info, "Daemon runs as root",
     "A root daemon that is compromised, or misused through its socket, is root on the host; "
     "rootless mode confines it to one user.",
     "Run the daemon rootless where the workload allows it (dockerd-rootless-setuptool.sh).",
     k_daemon_ref},
    {"HB022", "CIS-2.2", Severity::medium, "Containers on the default bridge can talk freely",
     "With inter-container communication on, every container on docker0 reaches every other's "
     "ports.",
     "Set \"icc\": false in daemon.json (or --icc=false) and link what must talk on user-defined "
     "networks.",
     k_daemon_ref},
    {"HB023", "CIS-2.3", Severity::low, "Daemon log level not info",
     "debug logs what it should not and fills disks; warn and above miss events an investigation "
     "needs.",
     "Set \"log-level\": \"info\" (or leave it unset).", k_daemon_ref},
    {"HB024", "CIS-2.4", Severity::medium, "Docker may not manage iptables",
     "With iptables off, published ports and network isolation depend on rules someone keeps by "
     "hand, and usually end up open.",
     "Remove \"iptables\": false / --iptables=false.", k_daemon_ref},
    {"HB025", "CIS-2.5", Severity::high, "Insecure registry configured",
     "Images from an insecure registry travel without TLS verification: anyone on the path can "
     "replace them.",
     "Remove insecure-registries; give the registry a certificate the host trusts.", k_daemon_ref},
    {"HB026", "CIS-2.6", Severity::medium, "aufs storage driver",
     "aufs is unmaintained and has had kernel bugs that crash or expose the host.", "Use overlay2.",
     k_daemon_ref},
    {"HB027", "CIS-2.7", Severity::critical, "Daemon listens on TCP without TLS verification",
     "Whoever reaches the port controls the daemon, and with it the host, unless clients must "
     "present a certificate the daemon trusts.",
     "Listen on the unix socket only, or set tlsverify with tlscacert, tlscert and tlskey.",
     k_daemon_ref,
     "docker-bench-security misses tlsverify in daemon.json when jq is installed, and treats two "
     "-H tcp:// addresses as none; moat reads both sources as dockerd does."},
    {"HB028", "CIS-2.8", Severity::info, "No default ulimits",
     "Without default ulimits every container inherits the daemon's, which are usually far too "
     "high.",
     "Set default-ulimits in daemon.json (nofile, nproc) to what the workloads need.",
     k_daemon_ref},
    {"HB029", "CIS-2.9", Severity::medium, "User namespaces not enabled",
     "Without userns-remap, root in a container is uid 0 on the host: an escape lands as root.",
     "Set \"userns-remap\": \"default\" in daemon.json.", k_daemon_ref},
    {"HB030", "CIS-2.10", Severity::low, "Daemon-wide cgroup parent changed",
     "A cgroup parent outside the one Docker manages can leave containers without the limits "
     "the host expects.",
     "Leave cgroup-parent at its default unless it is part of a managed setup.", k_daemon_ref,
     "docker-bench-security never sees cgroup-parent in daemon.json (its test cannot match); "
     "moat reads it from both sources."},
    {"HB031", "CIS-2.11", Severity::low, "Base device size changed",
     "A larger dm.basesize lets every container use more disk before anything notices.",
     "Remove the dm.basesize storage option.", k_daemon_ref},
    {"HB032", "CIS-2.12", Severity::low, "No authorization plugin",
     "Without an authorization plugin every client that reaches the socket may do everything.",
     "Add an authorization plugin (authorization-plugins) that allows only what each client "
     "needs.",
     k_daemon_ref},
    {"HB033", "CIS-2.13", Severity::low, "Logs only kept on the host",
     "json-file (and local) keep container logs on the host, where an attacker who gets there "
     "can change them.",
     "Use a log driver that ships logs off the host (syslog, journald with forwarding, fluentd, "
     "gelf, ...).",
     k_daemon_ref},
    {"HB034", "CIS-2.14", Severity::medium, "No daemon-wide no-new-privileges",
     "Unless each container sets it, processes in containers may gain privileges through setuid "
     "binaries.",
     "Set \"no-new-privileges\": true in daemon.json.", k_daemon_ref},
    {"HB035", "CIS-2.15", Severity::low, "Live restore not enabled",
     "Without live-restore a daemon restart (an upgrade, a crash) stops every container.",
     "Set \"live-restore\": true (not with swarm mode).", k_daemon_ref},
    {"HB036", "CIS-2.16", Severity::low, "Userland proxy enabled",
     "docker-proxy is one more process per published port, and it hides the client's address.",
     "Set \"userland-proxy\": false where hairpin NAT works.", k_daemon_ref},
    {"HB037", "CIS-2.17", Severity::high, "Daemon-wide seccomp disabled",
     "seccomp-profile set to unconfined takes the default system-call filter away from every "
     "container that does not name its own.",
     "Remove \"seccomp-profile\": \"unconfined\", or name a profile that allows only what the "
     "workloads need.",
     k_daemon_ref,
     "docker-bench-security wants the name profile=default, which Docker 23 and later call "
     "builtin, and reports the stock profile as info; moat reports only a disabled filter."},
    {"HB038", "CIS-2.18", Severity::low, "Experimental features enabled",
     "Experimental features have not had the review stable ones have.",
     "Remove \"experimental\": true in production.", k_daemon_ref},
    {"HB039", "CIS-3.1", Severity::medium, "docker.service not owned by root",
     "Whoever can change the unit file decides how the daemon starts.", k_owner_fix, k_cis},
    {"HB040", "CIS-3.2", Severity::medium, "docker.service writable beyond its owner",
     "Whoever can change the unit file decides how the daemon starts.",
     "chmod 644 the file (or stricter).", k_cis,
     "docker-bench-security compares modes as decimal numbers, so 606 passes and 600 with a "
     "sticky bit fails; moat compares the permission bits."},
    {"HB041", "CIS-3.3", Severity::medium, "docker.socket not owned by root",
     "Whoever can change the socket unit decides who may reach the daemon.", k_owner_fix, k_cis},
    {"HB042", "CIS-3.4", Severity::medium, "docker.socket writable beyond its owner",
     "Whoever can change the socket unit decides who may reach the daemon.",
     "chmod 644 the file (or stricter).", k_cis},
    {"HB043", "CIS-3.5", Severity::medium, "/etc/docker not owned by root",
     "/etc/docker holds the daemon's configuration, keys and registry certificates.",
     "chown root:root /etc/docker.", k_cis},
    {"HB044", "CIS-3.6", Severity::medium, "/etc/docker writable beyond its owner",
     "/etc/docker holds the daemon's configuration, keys and registry certificates.",
     "chmod 755 /etc/docker (or stricter).", k_cis},
    {"HB045", "CIS-3.7", Severity::medium, "Registry certificate not owned by root",
     "A registry certificate someone else can replace lets them redirect image pulls.",
     "chown root:root every file under /etc/docker/certs.d.", k_cis},
    {"HB046", "CIS-3.8", Severity::medium, "Registry certificate writable",
     "A registry certificate someone can change lets them redirect image pulls.",
     "chmod 444 every file under /etc/docker/certs.d.", k_cis},
    {"HB047", "CIS-3.9", Severity::medium, "TLS CA certificate not owned by root",
     "Whoever can replace the CA decides which clients the daemon trusts.", k_owner_fix, k_cis},
    {"HB048", "CIS-3.10", Severity::medium, "TLS CA certificate writable",
     "Whoever can replace the CA decides which clients the daemon trusts.", "chmod 444 the file.",
     k_cis},
    {"HB049", "CIS-3.11", Severity::medium, "Server certificate not owned by root",
     "Whoever can replace the server certificate can impersonate the daemon.", k_owner_fix, k_cis},
    {"HB050", "CIS-3.12", Severity::medium, "Server certificate writable",
     "Whoever can replace the server certificate can impersonate the daemon.",
     "chmod 444 the file.", k_cis},
    {"HB051", "CIS-3.13", Severity::high, "Server key not owned by root",
     "The daemon's private key is its identity.", k_owner_fix, k_cis},
    {"HB052", "CIS-3.14", Severity::high, "Server key readable beyond its owner",
     "The daemon's private key is its identity; anyone who reads it can impersonate the daemon.",
     "chmod 400 the key.", k_cis},
    {"HB053", "CIS-3.15", Severity::high, "Docker socket not owned by root:docker",
     "The socket's group decides who controls the daemon.", "chown root:docker the socket.", k_cis},
    {"HB054", "CIS-3.16", Severity::high, "Docker socket open beyond its group",
     "Anyone who can write the socket controls the daemon, and the host.",
     "chmod 660 the socket (or stricter).", k_cis},
    {"HB055", "CIS-3.17", Severity::medium, "daemon.json not owned by root",
     "Whoever can change daemon.json decides how every container runs.", k_owner_fix, k_cis},
    {"HB056", "CIS-3.18", Severity::medium, "daemon.json writable beyond its owner",
     "Whoever can change daemon.json decides how every container runs.",
     "chmod 644 the file (or stricter).", k_cis},
    {"HB057", "CIS-3.19", Severity::medium, "/etc/default/docker not owned by root",
     "The file sets the daemon's options at start.", k_owner_fix, k_cis},
    {"HB058", "CIS-3.20", Severity::medium, "/etc/default/docker writable beyond its owner",
     "The file sets the daemon's options at start.", "chmod 644 the file (or stricter).", k_cis},
    {"HB059", "CIS-3.21", Severity::medium, "/etc/sysconfig/docker writable beyond its owner",
     "The file sets the daemon's options at start.", "chmod 644 the file (or stricter).", k_cis},
    {"HB060", "CIS-3.22", Severity::medium, "/etc/sysconfig/docker not owned by root",
     "The file sets the daemon's options at start.", k_owner_fix, k_cis},
    {"HB061", "CIS-3.23", Severity::high, "containerd socket not owned by root",
     "containerd's socket controls every container below Docker.", k_owner_fix, k_cis,
     "docker-bench-security looks only at /run/containerd/containerd.sock; moat also checks the "
     "socket of the containerd dockerd starts itself (/run/docker/containerd)."},
    {"HB062", "CIS-3.24", Severity::high, "containerd socket open beyond its group",
     "containerd's socket controls every container below Docker.",
     "chmod 660 the socket (or stricter).", k_cis},
    {"HB063", "CIS-4.2", Severity::info, "Trusted base images (manual)",
     "An image is only as trustworthy as the base it was built from.",
     "Build from official or internally maintained bases, pinned by digest.", k_cis},
    {"HB064", "CIS-4.3", Severity::info, "Unnecessary packages (manual)",
     "Every package in an image is more to patch and more to attack with.",
     "Install only what the program needs (moat sbom lists what is there).", k_cis},
    {"HB065", "CIS-4.4", Severity::info, "Images scanned and rebuilt (manual)",
     "Images age: their packages collect known vulnerabilities.",
     "Scan images regularly (moat image, moat vuln) and rebuild them with fixes.", k_cis},
    {"HB066", "CIS-4.5", Severity::low, "Content trust not enabled",
     "Without DOCKER_CONTENT_TRUST=1 the client pulls and runs unsigned images.",
     "Export DOCKER_CONTENT_TRUST=1 for the users who pull and run images.", k_cis},
    {"HB067", "CIS-4.6", Severity::low, "Image without HEALTHCHECK",
     "Without a health check a hung container looks healthy to Docker and to orchestrators.",
     "Add a HEALTHCHECK instruction to the Dockerfile.", k_cis},
    {"HB068", "CIS-4.7", Severity::info, "Update instruction alone in an image's history",
     "A layer that only runs the package index update is cached and goes stale: later installs "
     "use old indexes.",
     "Update and install in the same RUN instruction.", k_cis,
     "docker-bench-security reports every layer whose command contains \"update\", the "
     "recommended `apt-get update && apt-get install` included; moat reports an update that is "
     "not followed by an install in the same layer."},
    {"HB069", "CIS-4.8", Severity::info, "setuid and setgid files (manual)",
     "setuid and setgid binaries in an image are ways to gain privileges inside the container.",
     "Remove the bits in the Dockerfile (moat image reports the files).", k_cis},
    {"HB070", "CIS-4.9", Severity::low, "ADD in an image's history",
     "ADD fetches URLs and unpacks archives, which COPY does not: it brings in more than it "
     "seems to.",
     "Use COPY; fetch and verify remote files in a RUN step.", k_cis,
     "docker-bench-security matches ADD anywhere in a layer's command (ENV ADDRESS=... counts); "
     "moat reads the instruction."},
    {"HB071", "CIS-4.10", Severity::info, "Secrets in Dockerfiles (manual)",
     "A secret in a Dockerfile is in the image for everyone who pulls it.",
     "Use build secrets (RUN --mount=type=secret); moat lint and moat image find many.", k_cis},
    {"HB072", "CIS-4.11", Severity::info, "Verified packages (manual)",
     "Packages from unverified sources may be tampered with.",
     "Install packages with signature checking on (the distribution's defaults).", k_cis},
    {"HB073", "CIS-4.12", Severity::info, "Signed artifacts validated (manual)",
     "An artifact whose signature is not checked may not be the one that was built.",
     "Sign images and verify them before running (moat verify).", k_cis},
    {"HB074", "CIS-5.1", Severity::low, "Swarm mode enabled",
     "Swarm mode opens management and data ports and keeps cluster secrets on the host.",
     "Leave the swarm (docker swarm leave) where it is not needed.", k_swarm_ref},
    {"HB075", "CIS-5.9", Severity::info, "Ports published by containers",
     "Each published port is a way into a container from the network.",
     "Publish only the ports that must be reached from outside the host.", k_cis},
    {"HB076", "CIS-5.23", Severity::info, "docker exec --privileged (manual)",
     "docker exec --privileged gives the process every capability inside a container.",
     "Do not use --privileged with docker exec; audit it (auditctl rules on the socket).", k_cis},
    {"HB077", "CIS-5.24", Severity::info, "docker exec --user root (manual)",
     "docker exec --user root undoes a container's non-root user.",
     "Do not exec as root into containers that run as another user.", k_cis},
    {"HB079", "CIS-6.1", Severity::info, "Image sprawl",
     "Images nobody runs still carry vulnerabilities and secrets, and fill the disk.",
     "Remove unused images (docker image prune -a).", k_cis},
    {"HB080", "CIS-6.2", Severity::info, "Container sprawl",
     "Stopped containers keep their file systems, and what they wrote.",
     "Remove stopped containers (docker container prune).", k_cis},
    {"HB081", "CIS-7.1", Severity::info, "Swarm manager count",
     "Too few managers lose the cluster with one node; too many slow consensus.",
     "Run an odd number of managers, three or five.", k_swarm_ref},
    {"HB082", "CIS-7.2", Severity::medium, "Swarm port on every interface",
     "The management port 2377 bound to every address is reachable from every network.",
     "Initialise or join with --listen-addr on the management interface.", k_swarm_ref},
    {"HB083", "CIS-7.3", Severity::medium, "Unencrypted overlay network",
     "Traffic between containers on different nodes crosses the network in clear.",
     "Create overlay networks with --opt encrypted.", k_swarm_ref},
    {"HB084", "CIS-7.4", Severity::info, "Swarm secrets not used",
     "Secrets kept in images or environment variables are readable where swarm secrets are not.",
     "Use docker secret for credentials.", k_swarm_ref},
    {"HB085", "CIS-7.5", Severity::medium, "Swarm managers not auto-locked",
     "Without auto-lock the keys that decrypt the Raft logs sit on disk beside them.",
     "docker swarm update --autolock=true.", k_swarm_ref},
    {"HB086", "CIS-7.6", Severity::info, "Auto-lock key rotation (manual)",
     "An unlock key that never changes outlives the people who knew it.",
     "Rotate it (docker swarm unlock-key --rotate) on a schedule.", k_swarm_ref},
    {"HB087", "CIS-7.7", Severity::info, "Node certificate expiry",
     "Node certificates that live long stay valid after a node is compromised.",
     "Set a short expiry (docker swarm update --cert-expiry).", k_swarm_ref},
    {"HB088", "CIS-7.8", Severity::info, "CA certificate rotation (manual)",
     "A cluster CA that never changes outlives the keys that leaked.",
     "Rotate it (docker swarm ca --rotate) on a schedule.", k_swarm_ref},
    {"HB089", "CIS-7.9", Severity::info, "Management and data traffic (manual)",
     "Management traffic on the data network is exposed to the workloads.",
     "Use --data-path-addr to separate the two.", k_swarm_ref},
});

} // namespace

std::span<const core::CheckInfo> checks() {
  return k_checks;
}

} // namespace moat::host
