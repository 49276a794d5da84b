// Compiled profiles loaded into the real kernel, in a child process.

#include <moat/seccomp/seccomp.hpp>

#include <gtest/gtest.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <functional>
#include <optional>

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

// A classic BPF interpreter for what seccomp programs hold: the action
// PROGRAM returns for DATA, or nullopt for an instruction it does not know
// or a jump out of the program.
std::optional<std::uint32_t> evaluate(const std::vector<std::byte>& program,
                                      const seccomp_data& data) {
  std::vector<sock_filter> code(program.size() / sizeof(sock_filter));
  std::memcpy(code.data(), program.data(), code.size() * sizeof(sock_filter));
  std::array<std::byte, sizeof(seccomp_data)> bytes{};
  std::memcpy(bytes.data(), &data, sizeof data);
  std::uint32_t a = 0;
  std::uint32_t x = 0;
  std::array<std::uint32_t, BPF_MEMWORDS> mem{};
  for (std::size_t pc = 0; pc < code.size(); ++pc) {
    const auto& op = code[pc];
    switch (op.code) {
    case BPF_LD | BPF_W | BPF_ABS:
      if (op.k + 4 > bytes.size())
        return std::nullopt;
      std::memcpy(&a, bytes.data() + op.k, 4);
      break;
    case BPF_LD | BPF_MEM:
      a = mem.at(op.k);
      break;
    case BPF_LDX | BPF_MEM:
      x = mem.at(op.k);
      break;
    case BPF_LD | BPF_IMM:
      a = op.k;
      break;
    case BPF_ST:
      mem.at(op.k) = a;
      break;
    case BPF_STX:
      mem.at(op.k) = x;
      break;
    case BPF_ALU | BPF_AND | BPF_K:
      a &= op.k;
      break;
    case BPF_MISC | BPF_TAX:
      x = a;
      break;
    case BPF_MISC | BPF_TXA:
      a = x;
      break;
    case BPF_RET | BPF_K:
      return op.k;
    case BPF_JMP | BPF_JA:
      pc += op.k;
      break;
    case BPF_JMP | BPF_JEQ | BPF_K:
      pc += a == op.k ? op.jt : op.jf;
      break;
    case BPF_JMP | BPF_JGT | BPF_K:
      pc += a > op.k ? op.jt : op.jf;
      break;
    case BPF_JMP | BPF_JGE | BPF_K:
      pc += a >= op.k ? op.jt : op.jf;
      break;
    case BPF_JMP | BPF_JSET | BPF_K:
      pc += (a & op.k) != 0 ? op.jt : op.jf;
      break;
    case BPF_JMP | BPF_JEQ | BPF_X:
      pc += a == x ? op.jt : op.jf;
      break;
    case BPF_JMP | BPF_JGT | BPF_X:
      pc += a > x ? op.jt : op.jf;
      break;
    case BPF_JMP | BPF_JGE | BPF_X:
      pc += a >= x ? op.jt : op.jf;
      break;
    default:
      return std::nullopt;
    }
  }
  return std::nullopt; // ran off the end
}

// Every call number on x86-64, x32 and i386 (and an architecture not in
// the filter), with argument values that the profiles' conditions test,
// decided the same way by both layouts of RESOLVED.
void expect_same_decisions(const seccomp::Profile& resolved) {
  auto ranged = seccomp::compile(resolved, seccomp::Layout::ranges_first);
  auto plain = seccomp::compile(resolved, seccomp::Layout::libseccomp);
  ASSERT_TRUE(ranged) << ranged.error().message;
  ASSERT_TRUE(plain) << plain.error().message;
  const std::vector<std::uint64_t> samples{0,
                                           1,
                                           8,
                                           0x20000,
                                           0x20008,
                                           0xffffffff,
                                           CLONE_NEWNS | SIGCHLD,
                                           0x7e020000,
                                           40,
                                           0xffffffffffffffffULL};
  struct Arch {
    std::uint32_t audit;
    std::uint32_t bit;
    int count;
  };
  std::size_t checked = 0;
  for (const Arch arch : {Arch{AUDIT_ARCH_X86_64, 0, 600}, Arch{AUDIT_ARCH_X86_64, 0x40000000, 600},
                          Arch{AUDIT_ARCH_I386, 0, 500}, Arch{AUDIT_ARCH_AARCH64, 0, 8}}) {
    std::vector<std::uint32_t> numbers;
    for (int n = 0; n < arch.count; ++n)
      numbers.push_back(static_cast<std::uint32_t>(n) | arch.bit);
    // libseccomp's pseudo-numbers (multiplexed and absent calls), as a
    // process can pass any number.
    for (int n = -300; n < 0; ++n)
      numbers.push_back(static_cast<std::uint32_t>(n));
    for (int n = -10600; n <= -10000; n += 3)
      numbers.push_back(static_cast<std::uint32_t>(n));
    for (const auto nr : numbers)
      for (const auto value : samples) {
        seccomp_data data{};
        data.nr = static_cast<int>(nr);
        data.arch = arch.audit;
        for (auto& arg : data.args)
          arg = value;
        data.args[1] = 0; // a second pattern: only the first argument set
        const auto want = evaluate(*plain, data);
        const auto got = evaluate(*ranged, data);
        ASSERT_TRUE(want.has_value()) << "libseccomp's program: nr " << nr;
        ASSERT_EQ(got, want) << "arch " << std::hex << arch.audit << " nr " << nr << " arg "
                             << value;
        ++checked;
      }
  }
  EXPECT_GT(checked, 10000U);
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

// The ranges in front decide exactly as libseccomp's program alone, for
// Docker's default (with and without Docker's capabilities) and a profile
// mixing plain, conditional and refused rules for the same calls.
TEST(SeccompCompile, RangesFirstDecidesAsLibseccompAlone) {
  expect_same_decisions(seccomp::resolve(seccomp::docker_default(), host()));
  seccomp::Conditions bare;
  expect_same_decisions(seccomp::resolve(seccomp::docker_default(), bare));

  seccomp::Profile p;
  p.default_action = "SCMP_ACT_ERRNO";
  p.default_errno = 1;
  p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  seccomp::Rule plain;
  plain.action = "SCMP_ACT_ALLOW";
  plain.names = {"read", "write", "close", "openat", "socket", "personality", "getpid", "kill"};
  p.rules.push_back(plain);
  seccomp::Rule conditional; // personality also allowed with a condition: stays with libseccomp
  conditional.action = "SCMP_ACT_ALLOW";
  conditional.names = {"personality", "clone"};
  conditional.args.push_back({.index = 0, .value = 8, .value_two = 0, .op = "SCMP_CMP_EQ"});
  p.rules.push_back(conditional);
  seccomp::Rule refused; // kill refused with its own errno: not a plain allow
  refused.action = "SCMP_ACT_ERRNO";
  refused.errno_ret = 13;
  refused.names = {"kill"};
  p.rules.push_back(refused);
  expect_same_decisions(p);
}

// The ranges make Docker's default much shorter (the kernel's load time
// grows with the length).
TEST(SeccompCompile, RangesFirstIsShorter) {
  const auto resolved = seccomp::resolve(seccomp::docker_default(), host());
  auto ranged = seccomp::compile(resolved, seccomp::Layout::ranges_first);
  auto plain = seccomp::compile(resolved, seccomp::Layout::libseccomp);
  ASSERT_TRUE(ranged && plain);
  EXPECT_LT(ranged->size() * 2, plain->size()) << ranged->size() / 8 << " vs " << plain->size() / 8;
}
