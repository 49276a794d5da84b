// The tracer: the command starts stopped under a one-instruction seccomp
// filter that asks for a ptrace stop at every system call
// (SECCOMP_RET_TRACE), so each call costs one stop instead of the two of
// PTRACE_SYSCALL; the calls that may show a capability at work are also
// stopped at their exit to read their result. ptrace's options follow
// every clone, fork, vfork and exec; a clone asking for CLONE_UNTRACED has
// the flag taken off, or its child would run untraced and every call it
// made would fail under the filter.

#include <moat/trace/trace.hpp>

#include <moat/seccomp/seccomp.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace moat::trace {

namespace {

constexpr std::uint64_t k_clone_untraced = 0x00800000;
constexpr std::uint64_t k_clone_namespaces = 0x7E020000; // CLONE_NEW* and CLONE_NEWCGROUP...
constexpr std::uint32_t k_x32_bit = 0x40000000;
#if defined(__aarch64__)
constexpr std::uint32_t k_native_arch = AUDIT_ARCH_AARCH64;
#else
constexpr std::uint32_t k_native_arch = AUDIT_ARCH_X86_64;
#endif

// What a signal handler may touch.
std::atomic<pid_t> g_root{0};
std::atomic<int> g_phase{0}; // 0 running, 1 SIGTERM sent, 2 SIGKILL everything

extern "C" void on_stop_signal(int /*signal*/) {
  const pid_t root = g_root.load();
  if (g_phase.load() == 0) {
    g_phase.store(1);
    if (root > 0)
      ::kill(root, SIGTERM);
    // The escalation: SIGKILL to every traced process, checked again every
    // second in case a signal arrives between two waits.
    itimerval later{};
    later.it_value.tv_sec = 5;
    later.it_interval.tv_sec = 1;
    ::setitimer(ITIMER_REAL, &later, nullptr);
  } else {
    g_phase.store(2);
    if (root > 0)
      ::kill(root, SIGKILL);
  }
}

// The process's credentials, as /proc/PID/status shows them.
struct Creds {
  std::array<long, 4> uid{-1, -1, -1, -1}; // real, effective, saved, fs
  std::array<long, 4> gid{-1, -1, -1, -1};
  std::vector<long> groups;
  // Whether an unprivileged process may take the id: its real, effective
  // or saved one.
  [[nodiscard]] bool holds_uid(long id) const {
    return id == uid[0] || id == uid[1] || id == uid[2];
  }
  [[nodiscard]] bool holds_gid(long id) const {
    return id == gid[0] || id == gid[1] || id == gid[2];
  }
  [[nodiscard]] bool in_group(long g) const {
    return g == gid[3] || std::find(groups.begin(), groups.end(), g) != groups.end();
  }
};

Creds read_creds(pid_t pid) {
  Creds creds;
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  auto numbers = [](const std::string& rest) {
    std::vector<long> out;
    std::istringstream words(rest);
    long v = 0;
    while (words >> v)
      out.push_back(v);
    return out;
  };
  while (std::getline(in, line)) {
    if (line.starts_with("Uid:") || line.starts_with("Gid:")) {
      auto ids = numbers(line.substr(4));
      auto& into = line[0] == 'U' ? creds.uid : creds.gid;
      for (std::size_t i = 0; i < ids.size() && i < 4; ++i)
        into[i] = ids[i];
    } else if (line.starts_with("Groups:")) {
      creds.groups = numbers(line.substr(7));
    }
  }
  return creds;
}

// Whether CREDS may access a file of ST with WANT (4 read, 2 write, 1
// execute) without a capability.
bool permits(const struct stat& st, const Creds& creds, unsigned want) {
  unsigned bits = 0;
  if (static_cast<long>(st.st_uid) == creds.uid[3])
    bits = (st.st_mode >> 6) & 7;
  else if (creds.in_group(static_cast<long>(st.st_gid)))
    bits = (st.st_mode >> 3) & 7;
  else
    bits = st.st_mode & 7;
  return (bits & want) == want;
}

// Reads LEN bytes at ADDR in PID's memory.
bool read_memory(pid_t pid, std::uint64_t addr, void* out, std::size_t len) {
  iovec local{out, len};
  iovec remote{reinterpret_cast<void*>(addr), len}; // NOLINT(performance-no-int-to-ptr)
  return ::process_vm_readv(pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

// A NUL-terminated string at ADDR, read a page at a time (a read across
// into an unmapped page fails).
std::optional<std::string> read_string(pid_t pid, std::uint64_t addr) {
  std::string out;
  constexpr std::uint64_t page = 4096;
  while (out.size() < 4096) {
    const std::uint64_t chunk = page - (addr % page);
    std::array<char, page> buf{};
    if (!read_memory(pid, addr, buf.data(), chunk))
      return std::nullopt;
    const auto* end = static_cast<const char*>(std::memchr(buf.data(), '\0', chunk));
    if (end != nullptr) {
      out.append(buf.data(), static_cast<std::size_t>(end - buf.data()));
      return out;
    }
    out.append(buf.data(), chunk);
    addr += chunk;
  }
  return std::nullopt;
}

// What a task is doing between the stop at a call's entry and the one at
// its exit.
struct Pending {
  std::string name;
  std::array<std::uint64_t, 6> args{};
  std::string path;   // chmod, chown: the file, as moat reaches it (/proc/PID/...)
  int port = -1;      // bind: the port asked for
  bool armed = false; // stopped at the exit
  Creds before;       // set*id: the ids before the call
  // Files the call uses, noted when it succeeds: path (PID's view), FileUse.
  std::vector<std::pair<std::string, unsigned>> files;
};

struct Task {
  Pending pending;
};

// Calls whose result or arguments can show a capability at work; these are
// stopped at their exit too.
bool wants_exit(std::string_view name) {
  static constexpr auto k_names = std::to_array<std::string_view>(
      {"acct",     "bind",          "chmod",       "chown",     "chroot",       "clock_settime",
       "creat",    "delete_module", "execve",      "fchmod",    "fchmodat",     "fchown",
       "fchownat", "finit_module",  "init_module", "ioperm",    "iopl",         "kill",
       "lchown",   "link",          "linkat",      "mkdir",     "mkdirat",      "mknod",
       "mknodat",  "mount",         "open",        "openat",    "openat2",      "pivot_root",
       "reboot",   "rename",        "renameat",    "renameat2", "rmdir",        "setdomainname",
       "setfsgid", "setfsuid",      "setgid",      "setgroups", "sethostname",  "setns",
       "setregid", "setresgid",     "setresuid",   "setreuid",  "settimeofday", "setuid",
       "socket",   "swapoff",       "swapon",      "symlink",   "symlinkat",    "tgkill",
       "tkill",    "truncate",      "umount2",     "unlink",    "unlinkat",     "unshare"});
  return std::find(k_names.begin(), k_names.end(), name) != k_names.end();
}

// The target of the symbolic link LINK (a /proc entry) when it is an
// absolute path; "" otherwise.
std::string read_link(const std::string& link) {
  std::array<char, 4096> buf{};
  const auto n = ::readlink(link.c_str(), buf.data(), buf.size() - 1);
  if (n <= 0 || buf[0] != '/')
    return {};
  return {buf.data(), static_cast<std::size_t>(n)};
}

// What a descriptor of PID names: an absolute path, or "" for pipes,
// sockets and other objects without one.
std::string fd_path(pid_t pid, long fd) {
  std::string out = read_link(fmt::format("/proc/{}/fd/{}", pid, fd));
  constexpr std::string_view deleted = " (deleted)";
  if (out.ends_with(deleted))
    out.resize(out.size() - deleted.size());
  return out;
}

// PATH, an argument of PID's call, as a path in PID's own view: absolute
// as it is, relative from its working directory or from DIRFD; "" when
// that cannot be told.
std::string task_path(pid_t pid, long dirfd, const std::string& path) {
  std::string full;
  if (path.starts_with('/')) {
    full = path;
  } else {
    const std::string base =
        dirfd == AT_FDCWD ? read_link(fmt::format("/proc/{}/cwd", pid)) : fd_path(pid, dirfd);
    if (base.empty())
      return {};
    full = base + "/" + path;
  }
  auto normal = std::filesystem::path(full).lexically_normal().string();
  while (normal.size() > 1 && normal.ends_with('/'))
    normal.pop_back();
  return normal;
}

class Tracer {
public:
  explicit Tracer(Trace& trace) : trace_(trace) {}

  void note_capability(int cap, const std::string& syscall, std::string reason, bool refused) {
    auto it = trace_.capabilities.find(cap);
    // A use that succeeded says more than a refusal: it replaces one.
    if (it != trace_.capabilities.end() && (refused || !it->second.refused))
      return;
    trace_.capabilities[cap] = CapabilityUse{cap, syscall, std::move(reason), refused};
  }

  // At the seccomp stop: the call's arguments.
  bool on_entry(pid_t pid, Task& task, const __ptrace_syscall_info& info) {
    const CallKey key{info.arch, static_cast<std::int32_t>(info.seccomp.nr)};
    // A call's name and whether its exit is wanted, found once per call number.
    auto [known, is_new] = known_.try_emplace(key);
    if (is_new) {
      trace_.calls.insert(key);
      known->second.name = call_name(key);
      known->second.wants_exit = wants_exit(known->second.name);
    }
    const std::string& name = known->second.name;
    const auto* args = info.seccomp.args;
    if (name == "socket") {
      trace_.socket_domains.insert(args[0]);
    } else if (name == "personality") {
      trace_.personalities.insert(args[0] & 0xffffffffU);
    } else if (name == "clone") {
      trace_.clone_namespace_flags |= args[0] & k_clone_namespaces;
      if ((args[0] & k_clone_untraced) != 0)
        clear_untraced_clone(pid);
    } else if (name == "clone3") {
      std::uint64_t flags = 0;
      if (read_memory(pid, args[0], &flags, sizeof flags)) {
        trace_.clone_namespace_flags |= flags & k_clone_namespaces;
        if ((flags & k_clone_untraced) != 0)
          clear_untraced_clone3(pid, args[0], flags);
      }
    }
    if (name == "mmap" && (args[2] & 4U /* PROT_EXEC */) != 0 && static_cast<int>(args[4]) >= 0) {
      note_file(fd_path(pid, static_cast<int>(args[4])), k_file_map_exec | k_file_read);
    } else if (name == "flock" ||
               (name == "fcntl" && (args[1] == F_SETLK || args[1] == F_SETLKW ||
                                    args[1] == F_OFD_SETLK || args[1] == F_OFD_SETLKW))) {
      note_file(fd_path(pid, static_cast<int>(args[0])), k_file_lock);
    }
    if (!known->second.wants_exit)
      return false;
    task.pending = Pending{name, {}, {}, -1, true, {}, {}};
    std::copy(args, args + 6, task.pending.args.begin());
    auto& p = task.pending;
    if (name == "bind" && args[2] >= sizeof(sockaddr_in)) {
      sockaddr_in6 addr{};
      const auto len = std::min<std::uint64_t>(args[2], sizeof addr);
      if (read_memory(pid, args[1], &addr, len) &&
          (addr.sin6_family == AF_INET || addr.sin6_family == AF_INET6))
        p.port = ntohs(addr.sin6_port); // sin_port and sin6_port share their place
    } else if (name == "fchmod" || name == "fchown") {
      p.path = fmt::format("/proc/{}/fd/{}", pid, static_cast<int>(args[0]));
    } else if (name.starts_with("set") && (name.ends_with("uid") || name.ends_with("gid"))) {
      p.before = read_creds(pid);
    }
    note_targets(pid, p);
    // chmod and chown: the file they name, reached through the process's root.
    if (p.path.empty() && !p.files.empty() && !p.files.front().first.empty() &&
        (name.find("chmod") != std::string::npos || name.find("chown") != std::string::npos))
      p.path = fmt::format("/proc/{}/root{}", pid, p.files.front().first);
    return true;
  }

  void note_file(const std::string& path, unsigned use) {
    if (!path.empty())
      trace_.files[path] |= use;
  }

  // The paths a call that changes the file system names, read at its entry.
  static void note_targets(pid_t pid, Pending& p) {
    const auto& a = p.args;
    auto at = [&](std::size_t dirfd_arg, std::size_t path_arg, unsigned use) {
      if (auto path = read_string(pid, a[path_arg]))
        p.files.emplace_back(
            task_path(pid, dirfd_arg == SIZE_MAX ? AT_FDCWD : static_cast<int>(a[dirfd_arg]),
                      *path),
            use);
    };
    const auto& n = p.name;
    if (n == "execve") {
      at(SIZE_MAX, 0, k_file_exec);
    } else if (n == "mkdir" || n == "rmdir" || n == "unlink" || n == "truncate" || n == "chmod" ||
               n == "chown" || n == "lchown" || n == "mknod") {
      at(SIZE_MAX, 0, k_file_write);
    } else if (n == "mkdirat" || n == "unlinkat" || n == "fchmodat" || n == "fchownat" ||
               n == "mknodat") {
      at(0, 1, k_file_write);
    } else if (n == "rename") {
      at(SIZE_MAX, 0, k_file_write);
      at(SIZE_MAX, 1, k_file_write);
    } else if (n == "renameat" || n == "renameat2") {
      at(0, 1, k_file_write);
      at(2, 3, k_file_write);
    } else if (n == "link") {
      at(SIZE_MAX, 1, k_file_link);
    } else if (n == "linkat") {
      at(2, 3, k_file_link);
    } else if (n == "symlink") {
      at(SIZE_MAX, 1, k_file_write);
    } else if (n == "symlinkat") {
      at(1, 2, k_file_write);
    }
  }

  // At the exit stop: the result, and what it shows.
  void on_exit(pid_t pid, Task& task, const __ptrace_syscall_info& info) {
    auto& p = task.pending;
    if (!p.armed)
      return;
    p.armed = false;
    const bool failed = info.exit.is_error != 0;
    const int error = failed ? static_cast<int>(-info.exit.rval) : 0;
    if (!failed)
      for (const auto& [path, use] : p.files)
        note_file(path, use);
    const bool refused = failed && (error == EPERM || error == EACCES);
    if (failed && !refused)
      return;
    const auto& a = p.args;
    const std::string how =
        refused ? fmt::format("refused with {}", error == EPERM ? "EPERM" : "EACCES")
                : std::string{};
    auto note = [&](int cap, const std::string& what) {
      note_capability(cap, p.name, refused ? what + ", " + how : what, refused);
    };
    const auto& n = p.name;
    if (n == "bind") {
      if (!failed && p.port > 0)
        trace_.bound_ports.insert(p.port);
      if (p.port > 0 && p.port < 1024)
        note(CAP_NET_BIND_SERVICE, fmt::format("bound port {}", p.port));
    } else if (n == "socket") {
      const auto type = a[1] & 0xf;
      if (!failed)
        trace_.sockets.emplace(static_cast<int>(a[0]), static_cast<int>(type));
      if (type == SOCK_RAW || a[0] == AF_PACKET)
        note(CAP_NET_RAW, type == SOCK_RAW ? "opened a raw socket" : "opened a packet socket");
    } else if (n == "chown" || n == "lchown" || n == "fchown" || n == "fchownat") {
      const bool at = n == "fchownat";
      const auto uid = static_cast<std::uint32_t>(a[at ? 2 : 1]);
      const auto gid = static_cast<std::uint32_t>(a[at ? 3 : 2]);
      const Creds creds = read_creds(pid);
      const bool other_owner = uid != UINT32_MAX && static_cast<long>(uid) != creds.uid[3];
      const bool other_group = gid != UINT32_MAX && !creds.in_group(static_cast<long>(gid));
      if (refused || other_owner || other_group)
        note(CAP_CHOWN, other_owner ? fmt::format("gave a file to uid {}", uid)
                                    : fmt::format("gave a file to gid {}", gid));
    } else if (n == "chmod" || n == "fchmod" || n == "fchmodat") {
      struct stat st {};
      const Creds creds = read_creds(pid);
      if (refused ||
          (::stat(p.path.c_str(), &st) == 0 && static_cast<long>(st.st_uid) != creds.uid[3]))
        note(CAP_FOWNER, "changed the mode of a file it does not own");
    } else if (n == "open" || n == "openat" || n == "openat2" || n == "creat") {
      if (refused) {
        if (error == EACCES)
          note(CAP_DAC_OVERRIDE, "opened a file its mode does not let it");
        return;
      }
      std::uint64_t flags = n == "open" ? a[1] : n == "creat" ? O_WRONLY : a[2];
      if (n == "openat2") {
        std::uint64_t how_flags = 0;
        flags = read_memory(pid, a[2], &how_flags, sizeof how_flags) ? how_flags : 0;
      }
      if ((flags & O_PATH) != 0)
        return;
      struct stat st {};
      if (::stat(fmt::format("/proc/{}/fd/{}", pid, info.exit.rval).c_str(), &st) != 0)
        return;
      const unsigned want = (flags & O_ACCMODE) == O_RDONLY   ? 4U
                            : (flags & O_ACCMODE) == O_WRONLY ? 2U
                                                              : 6U;
      if (auto path = fd_path(pid, info.exit.rval); !path.empty()) {
        if (S_ISDIR(st.st_mode) && path != "/")
          path += '/';
        note_file(path,
                  ((want & 4U) != 0 ? k_file_read : 0U) |
                      ((want & 2U) != 0 || (flags & (O_CREAT | O_TRUNC)) != 0 ? k_file_write : 0U));
      }
      const Creds creds = read_creds(pid);
      if (!permits(st, creds, want))
        note(want == 4U ? CAP_DAC_READ_SEARCH : CAP_DAC_OVERRIDE,
             want == 4U ? "read a file its mode does not let it read"
                        : "wrote a file its mode does not let it write");
    } else if (n == "setuid" || n == "setreuid" || n == "setresuid" || n == "setfsuid") {
      const Creds& creds = p.before;
      const std::size_t count = n == "setreuid" ? 2 : n == "setresuid" ? 3 : 1;
      for (std::size_t i = 0; i < count; ++i) {
        const auto id = static_cast<std::uint32_t>(a[i]);
        if (refused || (id != UINT32_MAX && !creds.holds_uid(static_cast<long>(id))))
          return note(CAP_SETUID, fmt::format("changed its uid to {}", id));
      }
    } else if (n == "setgid" || n == "setregid" || n == "setresgid" || n == "setfsgid") {
      const Creds& creds = p.before;
      const std::size_t count = n == "setregid" ? 2 : n == "setresgid" ? 3 : 1;
      for (std::size_t i = 0; i < count; ++i) {
        const auto id = static_cast<std::uint32_t>(a[i]);
        if (refused || (id != UINT32_MAX && !creds.holds_gid(static_cast<long>(id))))
          return note(CAP_SETGID, fmt::format("changed its gid to {}", id));
      }
    } else if (n == "setgroups") {
      note(CAP_SETGID, "set its supplementary groups");
    } else if (n == "mknod" || n == "mknodat") {
      const auto mode = static_cast<mode_t>(a[n == "mknod" ? 1 : 2]);
      if (S_ISCHR(mode) || S_ISBLK(mode))
        note(CAP_MKNOD, "made a device node");
    } else if (n == "chroot") {
      note(CAP_SYS_CHROOT, "changed its root directory");
    } else if (n == "kill" || n == "tkill" || n == "tgkill") {
      const auto target = static_cast<pid_t>(a[n == "tgkill" ? 1 : 0]);
      if (target <= 0)
        return;
      const Creds sender = read_creds(pid);
      const Creds receiver = read_creds(target);
      const bool same = sender.uid[0] == receiver.uid[0] || sender.uid[0] == receiver.uid[2] ||
                        sender.uid[1] == receiver.uid[0] || sender.uid[1] == receiver.uid[2];
      if (refused || (!same && receiver.uid[0] >= 0))
        note(CAP_KILL, "signalled a process of another user");
    } else if (n == "mount" || n == "umount2" || n == "pivot_root" || n == "swapon" ||
               n == "swapoff" || n == "sethostname" || n == "setdomainname" || n == "setns" ||
               (n == "unshare" && (a[0] & k_clone_namespaces) != 0)) {
      note(CAP_SYS_ADMIN, n == "sethostname" ? "set the host name" : "used " + n);
    } else if (n == "reboot") {
      note(CAP_SYS_BOOT, "rebooted");
    } else if (n == "settimeofday" || n == "clock_settime") {
      note(CAP_SYS_TIME, "set the clock");
    } else if (n == "init_module" || n == "finit_module" || n == "delete_module") {
      note(CAP_SYS_MODULE, "loaded or removed a kernel module");
    } else if (n == "iopl" || n == "ioperm") {
      note(CAP_SYS_RAWIO, "asked for I/O ports");
    } else if (n == "acct") {
      note(CAP_SYS_PACCT, "switched process accounting");
    }
  }

private:
  struct Known {
    std::string name;
    bool wants_exit = false;
  };

  static void clear_untraced_clone(pid_t pid) {
    user_regs_struct regs{};
    if (::ptrace(PTRACE_GETREGS, pid, nullptr, &regs) != 0)
      return;
    regs.rdi &= ~k_clone_untraced;
    ::ptrace(PTRACE_SETREGS, pid, nullptr, &regs);
  }
  static void clear_untraced_clone3(pid_t pid, std::uint64_t addr, std::uint64_t flags) {
    // clone_args.flags is the first 8 bytes of the structure.
    ::ptrace(PTRACE_POKEDATA, pid, reinterpret_cast<void*>(addr), // NOLINT
             reinterpret_cast<void*>(flags & ~k_clone_untraced)); // NOLINT
  }

  Trace& trace_;
  std::map<CallKey, Known> known_;
};

// Restores moat's handling of the stop signals and the timer.
class SignalScope {
public:
  explicit SignalScope(std::chrono::milliseconds timeout) {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    ::sigemptyset(&action.sa_mask);
    action.sa_flags = 0; // no SA_RESTART: a signal wakes the wait
    for (std::size_t i = 0; i < k_signals.size(); ++i)
      ::sigaction(k_signals[i], &action, &saved_[i]);
    g_phase.store(0);
    if (timeout.count() > 0) {
      itimerval t{};
      t.it_value.tv_sec = timeout.count() / 1000;
      t.it_value.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
      ::setitimer(ITIMER_REAL, &t, nullptr);
    }
  }
  ~SignalScope() {
    itimerval off{};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    for (std::size_t i = 0; i < k_signals.size(); ++i)
      ::sigaction(k_signals[i], &saved_[i], nullptr);
    g_root.store(0);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

private:
  static constexpr std::array<int, 3> k_signals = {SIGINT, SIGTERM, SIGALRM};
  std::array<struct sigaction, 3> saved_{};
};

[[noreturn]] void child_fails(int fd, int error) {
  (void)!::write(fd, &error, sizeof error);
  ::_exit(127);
}

} // namespace

std::string scmp_arch(CallKey key) {
  switch (key.arch) {
  case AUDIT_ARCH_X86_64:
    return (static_cast<std::uint32_t>(key.number) & k_x32_bit) != 0 ? "SCMP_ARCH_X32"
                                                                     : "SCMP_ARCH_X86_64";
  case AUDIT_ARCH_I386:
    return "SCMP_ARCH_X86";
  case AUDIT_ARCH_AARCH64:
    return "SCMP_ARCH_AARCH64";
  case AUDIT_ARCH_ARM:
    return "SCMP_ARCH_ARM";
  default:
    return {};
  }
}

std::string call_name(CallKey key) {
  const auto arch = scmp_arch(key);
  if (arch == "SCMP_ARCH_X86_64")
    return std::string(seccomp::x86_64_name(key.number));
  if (arch.empty())
    return {};
  // Other ABIs (x32, i386, ...): libseccomp knows their numbers.
  // libseccomp names architectures in lower case ("x32", "aarch64").
  std::string short_name = arch.substr(10); // after "SCMP_ARCH_"
  std::transform(short_name.begin(), short_name.end(), short_name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::uint32_t scmp = ::seccomp_arch_resolve_name(short_name.c_str());
  if (scmp == 0)
    return {};
  char* name = ::seccomp_syscall_resolve_num_arch(scmp, key.number);
  if (name == nullptr)
    return {};
  std::string out = name;
  ::free(name); // NOLINT(cppcoreguidelines-no-malloc)
  return out;
}

std::span<const std::byte> tracing_filter() {
  // Every call asks for a stop; nothing else is decided in the kernel.
  static const std::array<sock_filter, 1> k_filter = {
      {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE)}};
  return std::as_bytes(std::span(k_filter));
}

core::Result<Trace> run(const Options& options) {
  if (options.argv.empty())
    return core::fail(core::ErrorKind::usage, "", "no command to trace");
  std::vector<char*> argv;
  argv.reserve(options.argv.size() + 1);
  for (const auto& word : options.argv)
    argv.push_back(
        const_cast<char*>(word.c_str())); // NOLINT(cppcoreguidelines-pro-type-const-cast)
  argv.push_back(nullptr);
  const bool privileged = [] {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::array<__user_cap_data_struct, 2> data{};
    return ::syscall(SYS_capget, &header, data.data()) == 0 &&
           (data[CAP_SYS_ADMIN / 32].effective & (1U << (CAP_SYS_ADMIN % 32))) != 0;
  }();
  const auto filter = tracing_filter();
  sock_fprog program{static_cast<unsigned short>(filter.size() / sizeof(sock_filter)),
                     const_cast<sock_filter*>( // NOLINT(cppcoreguidelines-pro-type-const-cast)
                         reinterpret_cast<const sock_filter*>(filter.data()))}; // NOLINT

  std::array<int, 2> report{-1, -1};
  if (::pipe2(report.data(), O_CLOEXEC) != 0)
    return core::fail(core::ErrorKind::internal, "", fmt::format("pipe: {}", std::strerror(errno)));
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(report[0]);
    ::close(report[1]);
    return core::fail(core::ErrorKind::internal, "", fmt::format("fork: {}", std::strerror(errno)));
  }
  if (child == 0) {
    ::close(report[0]);
    if (options.stdout_to_stderr)
      ::dup2(STDERR_FILENO, STDOUT_FILENO);
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0)
      child_fails(report[1], -errno);
    ::raise(SIGSTOP);
    // Without CAP_SYS_ADMIN a filter needs no_new_privs.
    if (!privileged && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      child_fails(report[1], -errno);
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0)
      child_fails(report[1], -errno);
    ::execvp(argv[0], argv.data());
    child_fails(report[1], errno);
  }
  ::close(report[1]);
  auto trace = follow(child, options.timeout);
  int error = 0;
  const auto n = ::read(report[0], &error, sizeof error);
  ::close(report[0]);
  if (!trace)
    return trace;
  if (n == static_cast<ssize_t>(sizeof error)) {
    if (error < 0)
      return core::fail(core::ErrorKind::internal, options.argv.front(),
                        fmt::format("cannot trace it: {}", std::strerror(-error)));
    trace->start_error = error;
  }
  return trace;
}

core::Result<Trace> follow(pid_t child, std::chrono::milliseconds timeout) {
  Trace trace;
  SignalScope signals(timeout);
  g_root.store(child);
  std::unordered_map<pid_t, Task> tasks;
  Tracer tracer(trace);
  bool started = false;
  // Until its exec the first process may share moat's memory (moat run
  // clones it with CLONE_VM): while it is stopped, perhaps inside malloc,
  // moat must not allocate, so its stops are only resumed.
  bool child_execed = false;
  bool killed_all = false;
  auto resume = [&](pid_t pid, bool to_exit, int signal) {
    ::ptrace(to_exit ? PTRACE_SYSCALL : PTRACE_CONT, pid, nullptr,
             reinterpret_cast<void*>(static_cast<std::intptr_t>(signal))); // NOLINT
  };
  for (;;) {
    if (g_phase.load() == 2 && !killed_all) {
      killed_all = true;
      for (const auto& [pid, task] : tasks)
        ::kill(pid, SIGKILL);
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      break; // ECHILD: nothing left to trace
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      tasks.erase(pid);
      if (pid == child)
        trace.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    if (!WIFSTOPPED(status))
      continue;
    const int stop_sig = WSTOPSIG(status);
    const int stop_event = status >> 16;
    if (pid == child && !started) {
      // The first stop: the command's own SIGSTOP, before its filter.
      started = true;
      constexpr long k_options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                                 PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL |
                                 PTRACE_O_TRACESECCOMP;
      if (::ptrace(PTRACE_SETOPTIONS, pid, nullptr, k_options) != 0) {
        const int error = errno;
        ::kill(child, SIGKILL);
        while (::waitpid(child, &status, __WALL) < 0 && errno == EINTR) {
        }
        return core::fail(core::ErrorKind::internal, "",
                          fmt::format("cannot trace the command: {}", std::strerror(error)));
      }
      resume(pid, false, 0);
      continue;
    }
    if (pid == child && started && !child_execed) {
      if (stop_sig == SIGTRAP && stop_event == PTRACE_EVENT_EXEC) {
        child_execed = true; // its own memory from here on: handled below
        // Its calls until here were not recorded: the exec is the one that
        // matters (the rest belong to moat or the runtime's floor).
        trace.calls.insert(CallKey{k_native_arch, SYS_execve});
      } else {
        siginfo_t si{};
        const bool delivery = stop_sig != SIGTRAP && (stop_sig & 0x80) == 0 &&
                              ::ptrace(PTRACE_GETSIGINFO, pid, nullptr, &si) == 0;
        resume(pid, false, delivery ? stop_sig : 0);
        continue;
      }
    }
    auto [it, is_new] = tasks.try_emplace(pid);
    if (is_new)
      ++trace.tasks;
    Task& task = it->second;
    if (stop_sig == SIGTRAP && stop_event == PTRACE_EVENT_SECCOMP) {
      __ptrace_syscall_info info{};
      const bool to_exit =
          ::ptrace(PTRACE_GET_SYSCALL_INFO, pid, reinterpret_cast<void*>(sizeof info), // NOLINT
                   &info) > 0 &&
          info.op == PTRACE_SYSCALL_INFO_SECCOMP && tracer.on_entry(pid, task, info);
      resume(pid, to_exit, 0);
      continue;
    }
    if (stop_sig == (SIGTRAP | 0x80)) {
      __ptrace_syscall_info info{};
      if (::ptrace(PTRACE_GET_SYSCALL_INFO, pid, reinterpret_cast<void*>(sizeof info), // NOLINT
                   &info) > 0 &&
          info.op == PTRACE_SYSCALL_INFO_EXIT)
        tracer.on_exit(pid, task, info);
      task.pending.armed = false;
      resume(pid, false, 0);
      continue;
    }
    if (stop_sig == SIGTRAP && stop_event != 0) {
      if (stop_event == PTRACE_EVENT_EXEC) {
        // A thread that execs takes the leader's pid; the old id is gone.
        unsigned long former = 0;
        if (::ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &former) == 0 &&
            static_cast<pid_t>(former) != pid)
          tasks.erase(static_cast<pid_t>(former));
        tracer.note_file(read_link(fmt::format("/proc/{}/exe", pid)), k_file_exec | k_file_read);
      }
      resume(pid, task.pending.armed, 0);
      continue;
    }
    if (is_new && stop_sig == SIGSTOP) {
      resume(pid, false, 0); // a new task's first stop
      continue;
    }
    // A signal on its way to the task: deliver it. A group stop (no
    // siginfo) is let go, so a stopped job does not hang the trace.
    siginfo_t si{};
    const bool delivery = ::ptrace(PTRACE_GETSIGINFO, pid, nullptr, &si) == 0;
    resume(pid, task.pending.armed, delivery ? stop_sig : 0);
  }
  trace.stopped_by_moat = g_phase.load() != 0;
  return trace;
}

} // namespace moat::trace
