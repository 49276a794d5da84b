// moat-traced: a static program for the tracing tests. Each mode makes its
// process tree in one way and has the new task make one system call no
// other part of the program makes, so a test can tell from a generated
// profile whether the tracer followed it:
//   threads    a pthread (glibc creates it with clone3)      -> getpriority
//   fork       fork()                                        -> sysinfo
//   vfork      vfork() then exec of itself in mode "exec"    -> times (after the exec)
//   clone3     a raw clone3 with SIGCHLD (fork on ENOSYS)      -> getrusage
//   untraced   a raw clone with CLONE_UNTRACED               -> getpgrp
//   all        every mode above, one after the other
//   probe NAME...  makes each named call and prints "NAME: ok" or the errno's name
// Exits 0 when every child did its part.

#include "outcome.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

const char* g_self = nullptr;

int wait_ok(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, __WALL) != pid)
    return 1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

void* thread_main(void* /*unused*/) {
  ::syscall(SYS_getpriority, PRIO_PROCESS, 0);
  return nullptr;
}

int threads() {
  pthread_t t{};
  if (::pthread_create(&t, nullptr, thread_main, nullptr) != 0)
    return 1;
  return ::pthread_join(t, nullptr) == 0 ? 0 : 1;
}

int fork_mode() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    struct sysinfo_buf {
      char bytes[256];
    } buf{};
    ::syscall(SYS_sysinfo, &buf);
    ::_exit(0);
  }
  return pid < 0 ? 1 : wait_ok(pid);
}

int vfork_mode() {
  const pid_t pid = ::vfork();
  if (pid == 0) {
    ::execl(g_self, g_self, "exec", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid < 0 ? 1 : wait_ok(pid);
}

int clone3_mode() {
  clone_args args{};
  args.exit_signal = SIGCHLD;
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0 && errno == ENOSYS)
    pid = ::fork(); // as glibc falls back when a seccomp profile refuses clone3
  if (pid == 0) {
    rusage usage{};
    ::syscall(SYS_getrusage, RUSAGE_SELF, &usage);
    ::syscall(SYS_exit, 0);
  }
  return pid < 0 ? 1 : wait_ok(static_cast<pid_t>(pid));
}

int untraced_mode() {
  // A raw clone behaves as fork when given no stack.
  const long pid = ::syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) {
    ::syscall(SYS_getpgrp);
    ::syscall(SYS_exit, 0);
  }
  return pid < 0 ? 1 : wait_ok(static_cast<pid_t>(pid));
}

using moat::test::outcome;

long probe(const std::string& name) {
  if (name == "mount")
    return ::syscall(SYS_mount, "none", "/bin", "tmpfs", 0, nullptr);
  if (name == "keyctl")
    return ::syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
  if (name == "ptrace")
    return ::syscall(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, 1, 0, 0);
  if (name == "getpriority")
    return ::syscall(SYS_getpriority, PRIO_PROCESS, 0);
  if (name == "uname") {
    char buf[512];
    return ::syscall(SYS_uname, buf);
  }
  errno = EINVAL;
  return -1;
}

} // namespace

int main(int argc, char** argv) {
  g_self = argv[0];
  const std::string mode = argc > 1 ? argv[1] : "all";
  int failures = 0;
  if (mode == "exec") {
    tms t{};
    ::syscall(SYS_times, &t);
    return 0;
  }
  if (mode == "probe") {
    for (int i = 2; i < argc; ++i)
      std::printf("%s: %s\n", argv[i], outcome(probe(argv[i])).c_str());
    return 0;
  }
  if (mode == "threads" || mode == "all")
    failures += threads();
  if (mode == "fork" || mode == "all")
    failures += fork_mode();
  if (mode == "vfork" || mode == "all")
    failures += vfork_mode();
  if (mode == "clone3" || mode == "all")
    failures += clone3_mode();
  if (mode == "untraced" || mode == "all")
    failures += untraced_mode();
  std::printf("%s: %s\n", mode.c_str(), failures == 0 ? "done" : "failed");
  return failures == 0 ? 0 : 1;
}
