// Compiled profiles loaded into the real kernel, in a child process.

#include <moat/seccomp/seccomp.hpp>

#include <gtest/gtest.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

namespace seccomp = moat::seccomp;

namespace {

// Runs BODY in a child under PROGRAM; returns the child's exit status, or
// -1 when the filter could not be loaded, -2 when it died of a signal.
int under_filter(const std::vector<std::byte>& program, const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.size() / sizeof(sock_filter));
    prog.filter = reinterpret_cast<sock_filter*>(const_cast<std::byte*>(program.data()));
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
      ::_exit(255);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    return -2;
  return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

// 0 when the call fails with EXPECTED, 1 when it succeeds, 2 on another error.
int outcome(long result, int expected) {
  if (result >= 0)
    return 1;
  return errno == expected ? 0 : 2;
}

seccomp::Conditions host() {
  seccomp::Conditions c;
  c.caps = seccomp::docker_default_caps();
  return c;
}

} // namespace

TEST(SeccompCompile, DockersDefaultRefusesWhatItShouldInTheKernel) {
  auto program = seccomp::compile(seccomp::resolve(seccomp::docker_default(), host()));
  ASSERT_TRUE(program) << program.error().message;
  ASSERT_GT(program->size(), 100 * sizeof(sock_filter));
  // Allowed calls work.
  EXPECT_EQ(under_filter(*program, [] { return ::getppid() > 0 ? 0 : 1; }), 0);
  // Refused with EPERM: keyctl, unshare, mount, bpf.
  EXPECT_EQ(
      under_filter(*program, [] { return outcome(::syscall(SYS_keyctl, 0, 0, 0, 0), EPERM); }), 0);
  EXPECT_EQ(under_filter(*program, [] { return outcome(::unshare(CLONE_NEWUSER), EPERM); }), 0);
  EXPECT_EQ(
      under_filter(*program,
                   [] { return outcome(::syscall(SYS_mount, "none", "/", "tmpfs", 0, 0), EPERM); }),
      0);
  EXPECT_EQ(under_filter(*program, [] { return outcome(::syscall(SYS_bpf, 0, 0, 0), EPERM); }), 0);
  // clone3 gives ENOSYS, so that a C library falls back to clone.
  EXPECT_EQ(under_filter(*program, [] { return outcome(::syscall(SYS_clone3, 0, 0), ENOSYS); }), 0);
  // clone with a namespace flag is refused; fork-like clone is not.
  EXPECT_EQ(under_filter(*program,
                         [] {
                           return outcome(::syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0),
                                          EPERM);
                         }),
            0);
  // A call newer than libseccomp's tables, compiled from moat's own:
  // fchmodat2 (Linux 6.6) is allowed, so it reaches the kernel (EBADF).
  EXPECT_EQ(under_filter(*program, [] { return outcome(::syscall(452, -1, "x", 0, 0), EBADF); }),
            0);
}

TEST(SeccompCompile, AnAllowListRefusesEverythingElse) {
  seccomp::Profile p;
  p.default_action = "SCMP_ACT_ERRNO";
  p.default_errno = 38;
  seccomp::Rule r;
  r.action = "SCMP_ACT_ALLOW";
  // What the process and the sanitizers' runtime need to end cleanly.
  r.names = {"exit",  "exit_group", "write",       "rt_sigreturn",   "getpid",
             "mmap",  "munmap",     "sigaltstack", "rt_sigprocmask", "madvise",
             "futex", "brk",        "prctl",       "getrlimit",      "prlimit64"};
  p.rules.push_back(r);
  auto program = seccomp::compile(p);
  ASSERT_TRUE(program) << program.error().message;
  EXPECT_EQ(under_filter(*program, [] { return ::syscall(SYS_getpid) > 0 ? 0 : 1; }), 0);
  EXPECT_EQ(under_filter(*program, [] { return outcome(::syscall(SYS_getppid), ENOSYS); }), 0);
}

TEST(SeccompCompile, WhatLibseccompCannotTakeIsAnError) {
  seccomp::Profile p;
  p.default_action = "SCMP_ACT_NOTIFY";
  EXPECT_FALSE(seccomp::compile(p));
  p.default_action = "SCMP_ACT_ERRNO";
  p.architectures = {"SCMP_ARCH_PDP11"};
  EXPECT_FALSE(seccomp::compile(p));
}
