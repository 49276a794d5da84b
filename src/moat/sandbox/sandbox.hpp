#pragma once
// The hardened runtime: a process started in new namespaces (user, PID,
// mount, UTS, IPC, network, cgroup) with a read-only root it pivoted into,
// no capabilities, no_new_privs, a seccomp filter, cgroup limits and
// rlimits. Every default is on unless a field below relaxes it.

#include <moat/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::sandbox {

// A range of host ids the container's ids map onto: container id 0 is host
// id FIRST, and COUNT ids in all.
struct IdRange {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

// The built-in range, for root without an /etc/subuid entry.
inline constexpr IdRange k_builtin_range{1'000'000'000U, 65536U};

// root's subordinate range from FILE (/etc/subuid or /etc/subgid; the
// entry for "root" or "0"), or the built-in range.
[[nodiscard]] IdRange subordinate_range(const std::filesystem::path& file);

struct Mount {
  std::string source; // host path (bind) or "tmpfs"
  std::string target; // inside the container
  bool read_only = true;
  bool tmpfs = false;
  std::string options; // tmpfs: "size=64m"
};

// What an OCI config.json says beyond moat run's fixed defaults. When a
// Spec carries it, these replace the defaults: the namespaces, id maps,
// mounts, devices, masked and read-only paths, capability sets and rlimits
// are exactly the ones listed.
struct IdMapping {
  std::uint32_t container_id = 0;
  std::uint32_t host_id = 0;
  std::uint32_t size = 0;
};

struct NamespaceSpec {
  int type = 0;     // CLONE_NEWUSER, CLONE_NEWPID, ...
  std::string path; // join this namespace; empty: a new one
};

struct MountSpec {
  std::string destination;
  std::string type;   // "proc", "tmpfs", "bind", ...; empty for a bind
  std::string source; // host path for binds (absolute), else the file system's name
  unsigned long flags = 0;
  unsigned long propagation = 0; // MS_PRIVATE, MS_SLAVE, MS_SHARED (with MS_REC)
  bool bind = false;
  std::string data; // options the file system reads (size=65536k,mode=755)
};

struct DeviceSpec {
  std::string path;
  char type = 'c'; // 'c', 'b', 'p' (FIFO)
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t mode = 0666;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

struct CapabilitySets {
  std::uint64_t bounding = 0;
  std::uint64_t effective = 0;
  std::uint64_t permitted = 0;
  std::uint64_t inheritable = 0;
  std::uint64_t ambient = 0;
};

struct RlimitSpec {
  int resource = 0; // RLIMIT_*
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

struct OciParts {
  std::vector<NamespaceSpec> namespaces;
  std::vector<IdMapping> uid_mappings;
  std::vector<IdMapping> gid_mappings;
  std::vector<MountSpec> mounts; // in order
  std::vector<DeviceSpec> devices;
  std::vector<std::string> masked;
  std::vector<std::string> readonly;
  CapabilitySets caps;
  std::vector<RlimitSpec> rlimits;
  std::vector<std::pair<std::string, std::string>> sysctl;
  std::vector<std::uint32_t> additional_gids;
  std::optional<int> oom_score_adj;
  unsigned long root_propagation = 0; // 0: private
  std::string domainname;

  [[nodiscard]] bool creates(int type) const;
  [[nodiscard]] bool has(int type) const;
};

// An OCI hook: a program run with the container's state on its standard
// input.
struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  int timeout = 0; // seconds; 0: none
};

// Runs HOOK with STATE_JSON on its standard input, waiting at most its
// timeout. WHAT names the hook kind in errors ("prestart").
[[nodiscard]] core::Status run_hook(const Hook& hook, const std::string& state_json,
                                    std::string_view what);

struct Spec {
  std::filesystem::path rootfs;  // used as it is, never written to
  std::vector<std::string> args; // the command; args[0] is looked up in PATH
  std::vector<std::string> env;  // NAME=VALUE
  std::string cwd = "/";
  std::optional<std::uint32_t> uid; // inside the container; nullopt: 0
  std::optional<std::uint32_t> gid;
  std::string hostname = "moat";
  bool read_only_root = true;
  // The rootfs is shared (moat's image cache): with READ_ONLY_ROOT off, the
  // container writes to an overlay over it, whose upper layer is removed
  // when the container ends. Needs root.
  bool shared_rootfs = false;
  bool host_network = false; // --network host: keep the host's network namespace
  bool no_new_privileges = true;
  std::vector<int> capabilities; // kept (--cap-add); none by default
  // The compiled seccomp program (struct sock_filter records); empty with
  // seccomp=unconfined.
  std::vector<std::byte> seccomp;
  // moat seccomp generate --image: the process calls PTRACE_TRACEME and
  // stops itself (SIGSTOP) before it loads SECCOMP (the tracing filter),
  // and run() hands its pid to FOLLOW, which traces it to the end and
  // returns its wait status, instead of waiting for it.
  std::function<int(pid_t)> follow;
  std::uint64_t memory_bytes = std::uint64_t{512} << 20; // 0: no limit
  std::uint32_t pids = 256;                              // 0: no limit
  double cpus = 0;                                       // 0: no limit
  std::uint64_t nofile = 1024;
  std::vector<Mount> mounts; // -v and --tmpfs
  IdRange uids = k_builtin_range;
  IdRange gids = k_builtin_range;
  // An OCI runtime's container (moat create): what config.json says.
  std::optional<OciParts> oci;
  // A terminal for the process (docker run -t, process.terminal): the
  // container's end is its standard input, output and error; the other end
  // is sent over CONSOLE_SOCKET (a unix socket path, as runc's
  // --console-socket) or CONSOLE_FD (a connected socket).
  bool terminal = false;
  std::string console_socket;
  int console_fd = -1;
  // Descriptors 3 to 3+N-1, open when moat started, stay open in the
  // process (--preserve-fds N, as runc passes them); every other one
  // closes at exec.
  int preserve_fds = 0;
  unsigned short rows = 0; // process.consoleSize; 0: left as it is
  unsigned short columns = 0;
  // moat create: hooks the init runs itself, with the state the parent
  // sends it once its pid is known: createContainer after the mounts and
  // before pivot_root (paths as the runtime sees them), startContainer
  // after start and before the command (paths inside the container).
  std::vector<Hook> create_container_hooks;
  std::vector<Hook> start_container_hooks;
  // moat create: the FIFO the init opens, once set up, and waits on until
  // moat start reads it; empty: the command runs at once.
  std::string start_fifo;
  // moat create: the parent this container's cgroup is made in (under the
  // cgroup root; "moat/NAME" when empty).
  std::string cgroup_path;
  // linux.resources: CPU weight and quota (0: none), device rules.
  std::uint64_t cpu_shares = 0;
  std::int64_t cpu_quota = 0;
  std::uint64_t cpu_period = 0;
  // The devices cgroup's rules, in order ("allow c 1:3 rwm", "deny c 10:229
  // rwm"), after everything is denied; nullopt: no devices cgroup.
  std::optional<std::vector<std::string>> device_rules;
};

// Docker's masked and read-only paths.
[[nodiscard]] const std::vector<std::string>& masked_paths();
[[nodiscard]] const std::vector<std::string>& readonly_paths();

// How the container ended.
struct Outcome {
  int exit_code = 0; // as docker run reports it: the status, 128+signal
  bool oom_killed = false;
  int signal = 0; // the signal that ended it; 0 when it exited
};

// moat create: starts SPEC's init up to the point where it waits for
// moat start (SPEC.start_fifo), in a cgroup at SPEC.cgroup_path that stays
// after this returns. MOUNT_POINT (an empty directory the container's root
// can reach) is where the rootfs is bound. Returns the init's pid and the
// cgroup's directories.
struct Created {
  int pid = 0;
  std::vector<std::filesystem::path> cgroup_dirs;
  bool mknod_dropped = false; // no devices controller: CAP_MKNOD was withheld
  // Why there is no cgroup (an ordinary user with none delegated); empty
  // when there is one.
  std::string no_cgroup;
};
// STATE_JSON gives the state document for the init's pid, which the
// createContainer and startContainer hooks read. RUNTIME_HOOKS (prestart
// and createRuntime) runs once the init's namespaces exist and before it
// builds its root; an error there ends the container.
[[nodiscard]] core::Result<Created>
create(const Spec& spec, const std::filesystem::path& mount_point,
       const std::function<std::string(int pid)>& state_json = {},
       const std::function<core::Status(int pid)>& runtime_hooks = {});

// moat exec: starts SPEC's process (args, env, cwd, user, SPEC.oci's
// capabilities and rlimits, no_new_privs, seccomp) in the namespaces of
// INIT_PID and the cgroup directories CGROUP_DIRS. Returns its pid once it
// has exec'd; the caller becomes its subreaper and may wait for it.
// FAILURE_CODE, when given, receives 126 or 127 for a command that cannot
// be run or is not found.
[[nodiscard]] core::Result<int> exec_in(const Spec& spec, int init_pid,
                                        const std::vector<std::filesystem::path>& cgroup_dirs,
                                        int* failure_code = nullptr);

// Runs SPEC and waits for it. An Error means the container could not
// start (moat run exits 125); a command that cannot be run or found gives
// exit codes 126 and 127 in the Outcome, as docker run does.
[[nodiscard]] core::Result<Outcome> run(const Spec& spec);

} // namespace moat::sandbox
