// A resolved profile compiled to a BPF program with libseccomp, as runc and
// crun compile it: one filter for the profile's architectures, a rule per
// system call and action, argument conditions as libseccomp comparisons.
// In front of it, by default, the calls allowed whatever their arguments,
// as ranges of numbers per architecture (Layout::ranges_first).

#include <moat/seccomp/seccomp.hpp>

#include <fmt/format.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

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

// What the kernel reports in seccomp_data.arch for a libseccomp
// architecture, and the bit its numbers carry: x32's calls arrive as
// x86-64's with bit 30 set. nullopt for the architectures the ranges are
// not built for (their calls all go through libseccomp's program).
struct KernelArch {
  std::uint32_t audit = 0;
  bool x32 = false;
};
std::optional<KernelArch> kernel_arch(std::uint32_t token) {
  switch (token) {
  case SCMP_ARCH_X86_64:
    return KernelArch{AUDIT_ARCH_X86_64, false};
  case SCMP_ARCH_X32:
    return KernelArch{AUDIT_ARCH_X86_64, true};
  case SCMP_ARCH_X86:
    return KernelArch{AUDIT_ARCH_I386, false};
  case SCMP_ARCH_AARCH64:
    return KernelArch{AUDIT_ARCH_AARCH64, false};
  case SCMP_ARCH_ARM:
    return KernelArch{AUDIT_ARCH_ARM, false};
  default:
    return std::nullopt;
  }
}

constexpr std::uint32_t k_x32_bit = 0x40000000U;
// libseccomp's pseudo-numbers for calls an architecture does not have start
// here (__PNR_*, -10000 and below); above it are the socketcall and ipc
// calls it multiplexes (-101, -201, ...) and its errors (-1, -2).
constexpr int k_absent = -10000;
constexpr std::uint32_t k_nr = offsetof(seccomp_data, nr);
constexpr std::uint32_t k_arch = offsetof(seccomp_data, arch);
// A block's jumps are 8 bits: at most this many ranges in one.
constexpr std::size_t k_ranges_per_block = 100;

sock_filter statement(std::uint16_t code, std::uint32_t k) {
  return sock_filter{code, 0, 0, k};
}
sock_filter jump(std::uint16_t code, std::uint32_t k, std::size_t jt, std::size_t jf) {
  return sock_filter{code, static_cast<std::uint8_t>(jt), static_cast<std::uint8_t>(jf), k};
}

// Blocks that return ALLOW when the call's architecture is ARCH and its
// number is in NUMBERS, and fall through to what follows otherwise:
//   load arch; not ARCH -> miss; load nr; (x32 bit set or not -> miss)
//   for each range [a, b]: nr < a -> miss; nr <= b -> allow
//   miss: ... (the next block)
void append_ranges(std::vector<sock_filter>& out, const KernelArch& arch,
                   const std::set<std::uint32_t>& numbers) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  for (const auto n : numbers) {
    if (!ranges.empty() && ranges.back().second + 1 == n)
      ranges.back().second = n;
    else
      ranges.emplace_back(n, n);
  }
  for (std::size_t first = 0; first < ranges.size(); first += k_ranges_per_block) {
    const std::size_t count = std::min(k_ranges_per_block, ranges.size() - first);
    // Header (4), two per range, then "ja miss" and "ret allow".
    const std::size_t length = 4 + (2 * count) + 2;
    const std::size_t start = out.size();
    // The distance from instruction I of the block to the miss (the end)
    // and to the allow (the last instruction), as a jump from I counts.
    auto to_miss = [&](std::size_t i) { return length - (i - start) - 1; };
    auto to_allow = [&](std::size_t i) { return length - (i - start) - 2; };
    out.push_back(statement(BPF_LD | BPF_W | BPF_ABS, k_arch));
    out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, arch.audit, 0, to_miss(out.size())));
    out.push_back(statement(BPF_LD | BPF_W | BPF_ABS, k_nr));
    // x86-64 and x32 share the architecture: the bit tells them apart.
    out.push_back(arch.x32 ? jump(BPF_JMP | BPF_JSET | BPF_K, k_x32_bit, 0, to_miss(out.size()))
                           : jump(BPF_JMP | BPF_JSET | BPF_K, k_x32_bit, to_miss(out.size()), 0));
    for (std::size_t r = first; r < first + count; ++r) {
      out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, ranges[r].first, 0, to_miss(out.size())));
      out.push_back(jump(BPF_JMP | BPF_JGT | BPF_K, ranges[r].second, 0, to_allow(out.size())));
    }
    out.push_back(statement(BPF_JMP | BPF_JA, 1)); // past the allow: a miss
    out.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  }
}

} // namespace

core::Result<std::vector<std::byte>> compile(const Profile& resolved, Layout layout) {
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
  // The ranges: names every rule of which allows them whatever their
  // arguments, on architectures whose numbers are known here, each number
  // libseccomp gives them on every architecture of the filter (a name
  // with a pseudo-number somewhere, a multiplexed socketcall or ipc call,
  // stays with libseccomp). Those names leave libseccomp's program, which
  // decides everything else exactly as before.
  std::set<std::string> in_ranges;
  std::map<std::uint32_t, std::set<std::uint32_t>> numbers; // by libseccomp token
  const bool ranges =
      layout == Layout::ranges_first && *default_action != SCMP_ACT_ALLOW &&
      std::ranges::all_of(arches, [](std::uint32_t a) { return kernel_arch(a).has_value(); });
  if (ranges) {
    std::map<std::string, bool> always; // name -> allowed whatever the arguments, by every rule
    for (const auto& rule : resolved.rules) {
      const bool plain_allow = rule.action == "SCMP_ACT_ALLOW" && rule.args.empty();
      for (const auto& name : rule.names) {
        auto [it, fresh] = always.emplace(name, plain_allow);
        if (!fresh)
          it->second = it->second && plain_allow;
      }
    }
    for (const auto& [name, allowed] : always) {
      if (!allowed)
        continue;
      std::vector<std::pair<std::uint32_t, std::uint32_t>> found;
      bool kept = false;
      for (const auto arch : arches) {
        const int number = seccomp_syscall_resolve_name_arch(arch, name.c_str());
        if (number <= k_absent) // a call this architecture lacks: nothing to check there
          continue;
        if (number < 0) { // unknown, or multiplexed through socketcall or ipc
          kept = true;
          break;
        }
        auto value = static_cast<std::uint32_t>(number);
        if (kernel_arch(arch)->x32)
          value |= k_x32_bit;
        found.emplace_back(arch, value);
      }
      if (kept || found.empty())
        continue;
      in_ranges.insert(name);
      for (const auto& [arch, value] : found)
        numbers[arch].insert(value);
    }
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
      if (in_ranges.contains(name))
        continue;
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
  if (numbers.empty())
    return program;
  std::vector<sock_filter> prefix;
  for (const auto arch : arches)
    if (const auto it = numbers.find(arch); it != numbers.end())
      append_ranges(prefix, *kernel_arch(arch), it->second);
  std::vector<std::byte> combined(prefix.size() * sizeof(sock_filter) + program.size());
  std::memcpy(combined.data(), prefix.data(), prefix.size() * sizeof(sock_filter));
  std::memcpy(combined.data() + (prefix.size() * sizeof(sock_filter)), program.data(),
              program.size());
  if (combined.size() / sizeof(sock_filter) > BPF_MAXINSNS)
    return program;
  return combined;
}

} // namespace moat::seccomp
