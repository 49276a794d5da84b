// Writing a least-privilege profile from what a trace observed: Docker's
// format, default action errno 1, the observed calls allowed, socket(2)
// and personality(2) allowed for the values seen, clone(2) under the flag
// condition of Docker's default, clone3(2) answered ENOSYS so libc falls
// back to clone, and the floor of calls the runtime makes after it loads
// the filter. Every rule says in its comment where it came from, which is
// also how --merge reads a generated profile back.

#include <moat/seccomp/seccomp.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace moat::seccomp {

namespace {

// What runc, crun and moat call between loading the filter and the
// command's execve (runc loads it before it changes its ids when
// no_new_privs is off, as Docker runs it, and its Go runtime keeps running
// on other threads; moat's calls were traced from the filter's load to the
// exec, sigaltstack being its sanitizer builds'), and calls a trace does
// not see or may miss: those served by the vDSO, the end of a process, the
// return from a signal handler.
constexpr auto k_floor = std::to_array<std::string_view>({"access",
                                                          "arch_prctl",
                                                          "brk",
                                                          "capget",
                                                          "capset",
                                                          "chdir",
                                                          "clock_getres",
                                                          "clock_gettime",
                                                          "close",
                                                          "close_range",
                                                          "epoll_ctl",
                                                          "epoll_pwait",
                                                          "execve",
                                                          "exit",
                                                          "exit_group",
                                                          "faccessat2",
                                                          "fcntl",
                                                          "fstat",
                                                          "fstatfs",
                                                          "futex",
                                                          "getcpu",
                                                          "getcwd",
                                                          "getdents64",
                                                          "getgid",
                                                          "getpid",
                                                          "getppid",
                                                          "gettimeofday",
                                                          "getuid",
                                                          "mmap",
                                                          "mprotect",
                                                          "munmap",
                                                          "nanosleep",
                                                          "newfstatat",
                                                          "openat",
                                                          "prctl",
                                                          "read",
                                                          "recvfrom",
                                                          "restart_syscall",
                                                          "rt_sigprocmask",
                                                          "rt_sigreturn",
                                                          "sched_yield",
                                                          "set_tid_address",
                                                          "setgid",
                                                          "setgroups",
                                                          "setresgid",
                                                          "setresuid",
                                                          "setuid",
                                                          "sigaltstack",
                                                          "tgkill",
                                                          "time",
                                                          "write"});

// Newer calls libraries probe and fall back from when they answer ENOSYS.
constexpr auto k_probes =
    std::to_array<std::string_view>({"clone3", "io_uring_setup", "openat2", "rseq", "statx"});

// Docker's default: clone without any CLONE_NEW* flag.
constexpr std::uint64_t k_clone_namespaces = 0x7E020000;
constexpr std::int64_t k_enosys = 38;

constexpr std::string_view k_observed = "observed";
constexpr std::string_view k_floor_comment = "floor";

std::string domain_name(std::uint64_t domain) {
  static constexpr auto k_names = std::to_array<std::string_view>(
      {"AF_UNSPEC",     "AF_UNIX",      "AF_INET",     "AF_AX25",  "AF_IPX",     "AF_APPLETALK",
       "AF_NETROM",     "AF_BRIDGE",    "AF_ATMPVC",   "AF_X25",   "AF_INET6",   "AF_ROSE",
       "AF_DECnet",     "AF_NETBEUI",   "AF_SECURITY", "AF_KEY",   "AF_NETLINK", "AF_PACKET",
       "AF_ASH",        "AF_ECONET",    "AF_ATMSVC",   "AF_RDS",   "AF_SNA",     "AF_IRDA",
       "AF_PPPOX",      "AF_WANPIPE",   "AF_LLC",      "AF_IB",    "AF_MPLS",    "AF_CAN",
       "AF_TIPC",       "AF_BLUETOOTH", "AF_IUCV",     "AF_RXRPC", "AF_ISDN",    "AF_PHONET",
       "AF_IEEE802154", "AF_CAIF",      "AF_ALG",      "AF_NFC",   "AF_VSOCK",   "AF_KCM",
       "AF_QIPCRTR",    "AF_SMC",       "AF_XDP",      "AF_MCTP"});
  return domain < k_names.size() ? std::string(k_names[domain]) : fmt::format("{}", domain);
}

nlohmann::ordered_json rule_json(const std::vector<std::string>& names, std::string_view action,
                                 const std::vector<ArgCondition>& args,
                                 std::optional<std::int64_t> errno_ret,
                                 const std::string& comment) {
  nlohmann::ordered_json r;
  r["names"] = names;
  r["action"] = action;
  if (!args.empty()) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& a : args)
      list.push_back(nlohmann::ordered_json{
          {"index", a.index}, {"value", a.value}, {"valueTwo", a.value_two}, {"op", a.op}});
    r["args"] = std::move(list);
  }
  if (errno_ret)
    r["errnoRet"] = *errno_ret;
  r["comment"] = comment;
  return r;
}

} // namespace

Generated generate(const Observed& observed) {
  Generated out;
  nlohmann::ordered_json doc;
  doc["defaultAction"] = "SCMP_ACT_ERRNO";
  doc["defaultErrnoRet"] = 1;
  std::vector<std::string> arches(observed.arches.begin(), observed.arches.end());
  if (arches.empty())
    arches.emplace_back("SCMP_ARCH_X86_64");
  // The native architecture first, as Docker lists it.
  std::stable_partition(arches.begin(), arches.end(),
                        [](const std::string& a) { return a == "SCMP_ARCH_X86_64"; });
  doc["architectures"] = arches;
  auto rules = nlohmann::ordered_json::array();

  // Calls with conditions of their own.
  const std::set<std::string> special = {"clone", "clone3", "personality", "socket"};
  std::vector<std::string> plain;
  for (const auto& name : observed.names)
    if (!special.contains(name))
      plain.push_back(name);
  out.observed.assign(observed.names.begin(), observed.names.end());
  if (!plain.empty())
    rules.push_back(rule_json(plain, "SCMP_ACT_ALLOW", {}, std::nullopt,
                              std::string(k_observed) + ": made by the traced program"));

  const bool namespaces = (observed.clone_namespace_flags & k_clone_namespaces) != 0;
  const bool clone = observed.names.contains("clone");
  const bool clone3 = observed.names.contains("clone3");
  if ((clone || clone3) && namespaces) {
    std::vector<std::string> names;
    if (clone)
      names.emplace_back("clone");
    if (clone3)
      names.emplace_back("clone3");
    rules.push_back(rule_json(names, "SCMP_ACT_ALLOW", {}, std::nullopt,
                              std::string(k_observed) +
                                  ": the program creates namespaces, so its clone flags are "
                                  "not restricted"));
  } else if (clone || clone3) {
    const ArgCondition no_namespaces{0, k_clone_namespaces, 0, "SCMP_CMP_MASKED_EQ"};
    rules.push_back(rule_json(
        {"clone"}, "SCMP_ACT_ALLOW", {no_namespaces}, std::nullopt,
        clone ? std::string(k_observed) + ": clone without new namespaces, as Docker's default"
              : std::string(k_floor_comment) +
                    ": clone without new namespaces, where libc falls back when clone3 "
                    "answers ENOSYS"));
    if (clone3)
      rules.push_back(rule_json({"clone3"}, "SCMP_ACT_ERRNO", {}, k_enosys,
                                std::string(k_observed) +
                                    ": clone3 answers ENOSYS so libc falls back to clone, whose "
                                    "flags a filter can read (clone3 keeps them in memory)"));
  }
  for (auto value : observed.personalities)
    rules.push_back(rule_json({"personality"}, "SCMP_ACT_ALLOW",
                              {ArgCondition{0, value, 0, "SCMP_CMP_EQ"}}, std::nullopt,
                              fmt::format("{}: personality({:#x})", k_observed, value)));
  if (observed.names.contains("socket")) {
    if (observed.socket_domains.empty())
      rules.push_back(rule_json({"socket"}, "SCMP_ACT_ALLOW", {}, std::nullopt,
                                std::string(k_observed) + ": socket"));
    for (auto domain : observed.socket_domains)
      rules.push_back(rule_json({"socket"}, "SCMP_ACT_ALLOW",
                                {ArgCondition{0, domain, 0, "SCMP_CMP_EQ"}}, std::nullopt,
                                fmt::format("{}: socket({})", k_observed, domain_name(domain))));
  }

  std::vector<std::string> floor;
  for (auto name : k_floor)
    if (!observed.names.contains(std::string(name)))
      floor.emplace_back(name);
  std::sort(floor.begin(), floor.end());
  out.floor = floor;
  if (!floor.empty())
    rules.push_back(rule_json(
        floor, "SCMP_ACT_ALLOW", {}, std::nullopt,
        std::string(k_floor_comment) +
            ": what the runtime calls after it loads the filter (runc, crun, moat), and calls a "
            "trace does not see (the vDSO's clocks, a process's end, returns from signal "
            "handlers)"));
  std::vector<std::string> probes;
  for (auto name : k_probes)
    if (!observed.names.contains(std::string(name)))
      probes.emplace_back(name);
  if (!probes.empty())
    rules.push_back(rule_json(probes, "SCMP_ACT_ERRNO", {}, k_enosys,
                              std::string(k_floor_comment) +
                                  ": newer calls the program did not make answer ENOSYS, so a "
                                  "library that tries them falls back to older ones"));
  doc["syscalls"] = std::move(rules);
  out.text = doc.dump(2) + "\n";
  return out;
}

Observed observed_in(const Profile& profile) {
  Observed obs;
  obs.arches.insert(profile.architectures.begin(), profile.architectures.end());
  for (const auto& rule : profile.rules) {
    if (rule.comment.starts_with(k_floor_comment))
      continue;
    // clone3 answering ENOSYS in a generated profile: the program made it.
    const bool enosys_clone3 = rule.action == "SCMP_ACT_ERRNO" && rule.errno_ret == k_enosys &&
                               rule.comment.starts_with(k_observed);
    if (!allowing_action(rule.action) && !enosys_clone3)
      continue;
    for (const auto& name : rule.names) {
      obs.names.insert(name);
      if (name == "socket" || name == "personality") {
        for (const auto& c : rule.args)
          if (c.index == 0 && c.op == "SCMP_CMP_EQ")
            (name == "socket" ? obs.socket_domains : obs.personalities).insert(c.value);
      }
      if ((name == "clone" || name == "clone3") && rule.args.empty() && !enosys_clone3)
        obs.clone_namespace_flags |= k_clone_namespaces;
    }
  }
  return obs;
}

void merge(Observed& into, const Observed& other) {
  into.arches.insert(other.arches.begin(), other.arches.end());
  into.names.insert(other.names.begin(), other.names.end());
  into.socket_domains.insert(other.socket_domains.begin(), other.socket_domains.end());
  into.personalities.insert(other.personalities.begin(), other.personalities.end());
  into.clone_namespace_flags |= other.clone_namespace_flags;
}

DefaultDiff diff_default(const Profile& resolved, const Conditions& conditions) {
  DefaultDiff diff;
  const Profile baseline = resolve(docker_default(), conditions);
  for (auto name : x86_64_syscalls()) {
    const auto mine = treatment(resolved, name).allowance;
    const auto theirs = treatment(baseline, name).allowance;
    if (theirs != Allowance::denied)
      ++diff.default_allowed;
    if (mine != Allowance::denied)
      ++diff.profile_allowed;
    if (theirs != Allowance::denied && mine == Allowance::denied)
      diff.removed.emplace_back(name);
    else if (theirs == Allowance::always && mine == Allowance::conditional)
      diff.narrowed.emplace_back(name);
  }
  diff.added = widenings(resolved, baseline);
  return diff;
}

} // namespace moat::seccomp
