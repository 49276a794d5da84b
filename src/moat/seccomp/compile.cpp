// A resolved profile compiled to a BPF program with libseccomp, as runc and
// crun compile it: one filter for the profile's architectures, a rule per
// system call and action, argument conditions as libseccomp comparisons.

#include <moat/seccomp/seccomp.hpp>

#include <fmt/format.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

namespace moat::seccomp {

namespace {

struct ArchToken {
  std::string_view name;
  std::uint32_t token;
};

const auto k_arch_tokens = std::to_array<ArchToken>({
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
});

core::Result<std::uint32_t> action_of(std::string_view action,
                                      std::optional<std::int64_t> errno_ret) {
  const auto ret = static_cast<std::uint16_t>(errno_ret.value_or(EPERM));
  if (action == "SCMP_ACT_ALLOW")
    return SCMP_ACT_ALLOW;
  if (action == "SCMP_ACT_ERRNO")
    return SCMP_ACT_ERRNO(ret);
  if (action == "SCMP_ACT_KILL" || action == "SCMP_ACT_KILL_THREAD")
    return SCMP_ACT_KILL_THREAD;
  if (action == "SCMP_ACT_KILL_PROCESS")
    return SCMP_ACT_KILL_PROCESS;
  if (action == "SCMP_ACT_TRAP")
    return SCMP_ACT_TRAP;
  if (action == "SCMP_ACT_LOG")
    return SCMP_ACT_LOG;
  if (action == "SCMP_ACT_TRACE")
    return SCMP_ACT_TRACE(ret);
  return core::fail(core::ErrorKind::usage, "seccomp",
                    fmt::format("action '{}' cannot be used here", action));
}

core::Result<scmp_compare> operator_of(std::string_view op) {
  if (op == "SCMP_CMP_NE")
    return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT")
    return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE")
    return SCMP_CMP_LE;
  if (op == "SCMP_CMP_EQ")
    return SCMP_CMP_EQ;
  if (op == "SCMP_CMP_GE")
    return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT")
    return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ")
    return SCMP_CMP_MASKED_EQ;
  return core::fail(core::ErrorKind::usage, "seccomp",
                    fmt::format("'{}' is not a comparison operator", op));
}

struct ContextFree {
  void operator()(scmp_filter_ctx ctx) const { seccomp_release(ctx); }
};

} // namespace

core::Result<std::vector<std::byte>> compile(const Profile& resolved) {
  auto default_action = action_of(resolved.default_action, resolved.default_errno);
  if (!default_action)
    return std::unexpected(default_action.error());
  std::unique_ptr<void, ContextFree> ctx(seccomp_init(*default_action));
  if (!ctx)
    return core::fail(core::ErrorKind::io, "seccomp", "libseccomp could not start a filter");
  // moat sets no_new_privs itself (or not, when told not to).
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  const std::uint32_t native = seccomp_arch_native();
  std::vector<std::uint32_t> arches{native};
  for (const auto& name : resolved.architectures) {
    const auto it = std::ranges::find(k_arch_tokens, name, &ArchToken::name);
    if (it == k_arch_tokens.end())
      return core::fail(core::ErrorKind::usage, "seccomp",
                        fmt::format("'{}' is not an architecture libseccomp knows", name));
    if (it->token == native)
      continue;
    const int rc = seccomp_arch_add(ctx.get(), it->token);
    if (rc != 0 && rc != -EEXIST)
      return core::fail(core::ErrorKind::io, "seccomp",
                        fmt::format("libseccomp cannot add {}: {}", name, std::strerror(-rc)));
    arches.push_back(it->token);
  }
  for (const auto& rule : resolved.rules) {
    auto action = action_of(rule.action, rule.errno_ret);
    if (!action)
      return std::unexpected(action.error());
    if (*action == *default_action)
      continue; // libseccomp refuses a rule that repeats the default
    std::vector<scmp_arg_cmp> args;
    for (const auto& c : rule.args) {
      auto op = operator_of(c.op);
      if (!op)
        return std::unexpected(op.error());
      if (c.index > 5)
        return core::fail(core::ErrorKind::usage, "seccomp",
                          fmt::format("argument index {} is out of range", c.index));
      scmp_arg_cmp cmp{};
      cmp.arg = c.index;
      cmp.op = *op;
      cmp.datum_a = c.value;
      cmp.datum_b = c.value_two;
      args.push_back(cmp);
    }
    for (const auto& name : rule.names) {
      // libseccomp resolves the name for every architecture of the filter;
      // a name it does not know (newer than its tables) is added by
      // x86-64's number on that architecture alone; a call an architecture
      // does not have is skipped, as runc and crun skip it.
      int number = seccomp_syscall_resolve_name_arch(native, name.c_str());
      if (number == __NR_SCMP_ERROR) {
        const auto own = native == SCMP_ARCH_X86_64 ? x86_64_number(name) : std::nullopt;
        if (!own)
          continue;
        number = *own;
      }
      const int rc = seccomp_rule_add_array(ctx.get(), *action, number,
                                            static_cast<unsigned>(args.size()), args.data());
      if (rc != 0 && rc != -EEXIST && rc != -EDOM && rc != -EOPNOTSUPP && rc != -EFAULT)
        return core::fail(
            core::ErrorKind::io, "seccomp",
            fmt::format("libseccomp refuses the rule for {}: {}", name, std::strerror(-rc)));
    }
  }
  const int fd = ::memfd_create("moat-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return core::fail(core::ErrorKind::io, "seccomp", std::strerror(errno));
  const int rc = seccomp_export_bpf(ctx.get(), fd);
  std::vector<std::byte> program;
  if (rc == 0) {
    const off_t size = ::lseek(fd, 0, SEEK_END);
    program.resize(static_cast<std::size_t>(size > 0 ? size : 0));
    if (::pread(fd, program.data(), program.size(), 0) != static_cast<ssize_t>(program.size()))
      program.clear();
  }
  ::close(fd);
  if (rc != 0 || program.empty())
    return core::fail(core::ErrorKind::io, "seccomp", "libseccomp could not export the filter");
  return program;
}

} // namespace moat::seccomp
