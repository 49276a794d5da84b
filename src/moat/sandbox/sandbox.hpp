#pragma once
// The hardened runtime: a process started in new namespaces (user, PID,
// mount, UTS, IPC, network, cgroup) with a read-only root it pivoted into,
// no capabilities, no_new_privs, a seccomp filter, cgroup limits and
// rlimits. Every default is on unless a field below relaxes it.

#include <moat/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
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
  std::uint64_t memory_bytes = std::uint64_t{512} << 20; // 0: no limit
  std::uint32_t pids = 256;                              // 0: no limit
  double cpus = 0;                                       // 0: no limit
  std::uint64_t nofile = 1024;
  std::vector<Mount> mounts; // -v and --tmpfs
  IdRange uids = k_builtin_range;
  IdRange gids = k_builtin_range;
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

// Runs SPEC and waits for it. An Error means the container could not
// start (moat run exits 125); a command that cannot be run or found gives
// exit codes 126 and 127 in the Outcome, as docker run does.
[[nodiscard]] core::Result<Outcome> run(const Spec& spec);

} // namespace moat::sandbox
