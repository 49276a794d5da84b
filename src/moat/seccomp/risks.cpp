// What allowing a system call opens up: the calls Docker's default profile
// keeps from containers (or allows only with a capability), and why.

#include <moat/seccomp/seccomp.hpp>

#include <algorithm>
#include <array>

namespace moat::seccomp {

namespace {

struct RiskEntry {
  std::string_view name;
  std::string_view what;
  bool dangerous;
};

constexpr std::string_view k_mount =
    "mounting file systems: with CAP_SYS_ADMIN a process can mount over or beside the host's "
    "paths, and the new mount API is a large kernel attack surface";
constexpr std::string_view k_namespaces =
    "new namespaces: an unprivileged user namespace gives a process every capability over "
    "kernel code that was never written for unprivileged callers (the source of many local "
    "privilege escalations)";
constexpr std::string_view k_keys =
    "the kernel keyring, which is not namespaced: keys of other containers and the host can be "
    "reached";
constexpr std::string_view k_modules = "loading and removing kernel modules: code in the kernel";
constexpr std::string_view k_kexec = "replacing the running kernel";
constexpr std::string_view k_ptrace =
    "tracing and writing into other processes (and on kernels before 4.8, bypassing seccomp "
    "itself)";
constexpr std::string_view k_clock = "setting the host's clock, which is not namespaced";
constexpr std::string_view k_numa = "moving memory between NUMA nodes, affecting other processes";
constexpr std::string_view k_uring =
    "io_uring: a large kernel interface with a long record of privilege-escalation bugs; "
    "Docker's default profile blocks it";

// Sorted by name; a test keeps it so.
constexpr auto k_risks = std::to_array<RiskEntry>({
    {"acct", "process accounting to a host file", false},
    {"add_key", k_keys, true},
    {"adjtimex", "adjusting the host's clock (allowed read-only by Docker's default)", false},
    {"bpf", "loading eBPF programs and maps into the kernel", true},
    {"chroot",
     "changing the root directory; a classic step in escapes when combined with "
     "an open directory outside it",
     false},
    {"clock_adjtime", k_clock, false},
    {"clock_settime", k_clock, false},
    {"clone",
     "new namespaces (clone with CLONE_NEW* flags; Docker's default allows clone only "
     "without them)",
     true},
    {"clone3", k_namespaces, true},
    {"create_module", k_modules, true},
    {"delete_module", k_modules, true},
    {"fanotify_init", "watching file-system events across mounts", false},
    {"finit_module", k_modules, true},
    {"fsconfig", k_mount, true},
    {"fsmount", k_mount, true},
    {"fsopen", k_mount, true},
    {"fspick", k_mount, true},
    {"get_kernel_syms", "reading kernel symbols (obsolete)", false},
    {"get_mempolicy", k_numa, false},
    {"init_module", k_modules, true},
    {"io_uring_enter", k_uring, true},
    {"io_uring_register", k_uring, true},
    {"io_uring_setup", k_uring, true},
    {"ioperm", "raw access to I/O ports: the hardware under the kernel", true},
    {"iopl", "raw access to I/O ports: the hardware under the kernel", true},
    {"kcmp", "comparing kernel objects of other processes (an information leak)", false},
    {"kexec_file_load", k_kexec, true},
    {"kexec_load", k_kexec, true},
    {"keyctl", k_keys, true},
    {"lookup_dcookie", "resolving kernel directory cookies (profiling)", false},
    {"mbind", k_numa, false},
    {"migrate_pages", k_numa, false},
    {"mount", k_mount, true},
    {"mount_setattr", k_mount, true},
    {"move_mount", k_mount, true},
    {"move_pages", k_numa, false},
    {"name_to_handle_at", "file handles, the first half of the open_by_handle_at escape", false},
    {"nfsservctl", "controlling the kernel NFS server (obsolete)", false},
    {"open_by_handle_at",
     "opening any file of the host's file system by handle (the 'shocker' escape)", true},
    {"open_tree", k_mount, true},
    {"perf_event_open", "kernel performance events: kernel addresses and a large attack surface",
     true},
    {"personality",
     "changing the execution domain, for example turning off address-space "
     "randomisation (Docker's default allows only a few values)",
     false},
    {"pidfd_getfd", "taking file descriptors from other processes", true},
    {"pivot_root", "changing the root mount: a step in escaping mount isolation", true},
    {"process_madvise", "advising on other processes' memory", false},
    {"process_vm_readv", k_ptrace, true},
    {"process_vm_writev", k_ptrace, true},
    {"ptrace", k_ptrace, true},
    {"query_module", k_modules, false},
    {"quotactl", "disk quotas of host file systems", false},
    {"quotactl_fd", "disk quotas of host file systems", false},
    {"reboot", "rebooting the host (or its PID namespace)", true},
    {"request_key", k_keys, true},
    {"set_mempolicy", k_numa, false},
    {"set_mempolicy_home_node", k_numa, false},
    {"setdomainname", "setting the NIS domain name (of the UTS namespace)", false},
    {"sethostname", "setting the host name (of the UTS namespace)", false},
    {"setns", "joining other namespaces, the host's included when their files are reachable", true},
    {"settimeofday", k_clock, false},
    {"stime", k_clock, false},
    {"swapoff", "turning host swap areas off", true},
    {"swapon", "turning host swap areas on", true},
    {"syslog", "reading and clearing the kernel log, which leaks kernel addresses", false},
    {"umount", k_mount, true},
    {"umount2", k_mount, true},
    {"unshare", k_namespaces, true},
    {"uselib", "loading a shared library the old way (obsolete)", false},
    {"userfaultfd",
     "handling page faults in user space: it lets an exploit stall the kernel at will in race "
     "conditions",
     true},
    {"ustat", "file-system statistics (obsolete)", false},
    {"vhangup", "hanging up the terminal", false},
    {"vm86", "virtual 8086 mode", false},
    {"vm86old", "virtual 8086 mode", false},
});

} // namespace

Risk risk_of(std::string_view syscall) {
  const auto it = std::ranges::lower_bound(k_risks, syscall, {}, &RiskEntry::name);
  if (it == k_risks.end() || it->name != syscall)
    return {};
  return {it->what, it->dangerous};
}

bool risk_table_sorted() {
  return std::ranges::is_sorted(k_risks, {}, &RiskEntry::name) &&
         std::ranges::adjacent_find(k_risks, {}, &RiskEntry::name) == k_risks.end();
}

} // namespace moat::seccomp
