#pragma once
// Watching a program run: every system call of its whole process tree
// (threads, forks, vforks, clone3 and execs), traced with ptrace and stops
// asked for by a seccomp filter, and what the calls show of the capabilities
// the program needed. What `moat seccomp generate` writes a profile from.

#include <moat/core/result.hpp>

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace moat::trace {

// A system call as the kernel saw it: the audit architecture of the calling
// code (AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, ...) and its number there (x32
// calls keep their 0x40000000 bit).
struct CallKey {
  std::uint32_t arch = 0;
  std::int32_t number = 0;
  friend auto operator<=>(const CallKey&, const CallKey&) = default;
};

// A capability the program used or was refused, with the first call that
// showed it.
struct CapabilityUse {
  int capability = 0;   // CAP_* number
  std::string syscall;  // "bind"
  std::string reason;   // "bound port 80"
  bool refused = false; // the call failed for want of it (EPERM/EACCES)
};

// How a program used a file (AppArmor's file permissions).
enum FileUse : unsigned {
  k_file_read = 1,     // r
  k_file_write = 2,    // w: written, created, removed, renamed, its mode or owner changed
  k_file_map_exec = 4, // m: mapped executable (libraries)
  k_file_exec = 8,     // x: executed
  k_file_link = 16,    // l: a hard link made
  k_file_lock = 32,    // k: locked
};

struct Trace {
  std::set<CallKey> calls;                   // every call made, by architecture
  std::set<std::uint64_t> socket_domains;    // socket(2)'s first argument, as seen
  std::set<std::uint64_t> personalities;     // personality(2)'s argument, as seen
  std::uint64_t clone_namespace_flags = 0;   // CLONE_NEW* any clone or clone3 asked for
  std::map<int, CapabilityUse> capabilities; // by capability number
  // The files the program used successfully, by path in its own mount
  // namespace (directories end in '/'), with FileUse bits.
  std::map<std::string, unsigned> files;
  std::set<std::pair<int, int>> sockets; // (domain, type) of the sockets it opened
  std::set<int> bound_ports;             // TCP/UDP ports it bound (bind succeeded)
  std::uint64_t tasks = 0;               // processes and threads traced
  int exit_status = 0;                   // the command's exit code, or 128 + signal
  bool stopped_by_moat = false;          // the timeout or a signal to moat ended it
  int start_error = 0;                   // the command could not be run: its errno
};

struct Options {
  std::vector<std::string> argv;        // the command; argv[0] is looked up in PATH
  std::chrono::milliseconds timeout{0}; // 0: until the command's processes have all exited
  bool stdout_to_stderr = false;        // the command's standard output goes to moat's stderr
};

// Runs OPTIONS.argv traced to the end and returns what it did. SIGINT or
// SIGTERM to moat, or the timeout, sends SIGTERM to the command (and
// SIGKILL to every traced process 5 seconds later); the trace is then
// complete up to there.
// A command that cannot be run (not found, not executable) is a trace
// with START_ERROR set. Errors: ptrace or seccomp refused to moat.
[[nodiscard]] core::Result<Trace> run(const Options& options);

// The seccomp program (struct sock_filter records) a traced process loads
// before its exec: a ptrace stop at every system call.
[[nodiscard]] std::span<const std::byte> tracing_filter();

// Traces CHILD, a child of moat that has called PTRACE_TRACEME and will stop
// itself with SIGSTOP, then load tracing_filter() and exec, to the end of
// every process it starts. Its calls before the exec are not recorded (it
// may share moat's memory until then: moat run clones it with CLONE_VM).
// TIMEOUT and signals to moat as for run().
[[nodiscard]] core::Result<Trace> follow(pid_t child, std::chrono::milliseconds timeout);

// The name of a call for its architecture ("openat"); "" when unknown.
[[nodiscard]] std::string call_name(CallKey key);

// The SCMP_ARCH_* name of the ABI a call was made in ("SCMP_ARCH_X86_64",
// "SCMP_ARCH_X32" for an x32 number); "" when moat does not know it.
[[nodiscard]] std::string scmp_arch(CallKey key);

} // namespace moat::trace
