// The checks of `moat seccomp check`: what a runtime would refuse or
// silently ignore in a profile, and what it allows beyond Docker's default.

#include <moat/seccomp/seccomp.hpp>

#include <moat/core/json_read.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <unordered_map>

namespace moat::seccomp {

namespace {

using core::Severity;

constexpr std::string_view k_refs =
    "https://docs.docker.com/engine/security/seccomp/ "
    "https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#seccomp "
    "https://man7.org/linux/man-pages/man3/seccomp_rule_add.3.html";

// Sorted by id; a test keeps it so.
constexpr auto k_checks = std::to_array<core::CheckInfo>({
    {"SC001", "", Severity::high, "Unknown seccomp action",
     "The runtime refuses a profile with an action it does not know, so the container does not "
     "start; a typo in a blocking rule's action can also be read as another action by older "
     "tools.",
     "Use one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD "
     "(SCMP_ACT_KILL), SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG or SCMP_ACT_NOTIFY.",
     k_refs},
    {"SC002", "", Severity::high, "Unknown architecture",
     "The runtime refuses a profile naming an architecture libseccomp does not know.",
     "Use the SCMP_ARCH_ names (SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, ...), or Docker's archMap.",
     k_refs},
    {"SC003", "", Severity::high, "Invalid argument condition",
     "A condition with an unknown operator or an argument index above 5 is refused by the "
     "runtime; a system call has at most six arguments.",
     "Use SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GT, SCMP_CMP_GE or "
     "SCMP_CMP_MASKED_EQ, with an index from 0 to 5.",
     k_refs},
    {"SC004", "", Severity::medium, "Unknown system call",
     "runc and crun skip a system call name they cannot resolve, so a rule naming a misspelled "
     "or nonexistent call does nothing: a call meant to be blocked is not, or one meant to be "
     "allowed fails.",
     "Fix the name (the names are the kernel's, as in `man 2 syscalls`).", k_refs},
    {"SC005", "", Severity::high, "Default action allows",
     "A profile whose default action allows every call it does not list is a block list: every "
     "system call added to the kernel later, and every one the author did not think of, is "
     "allowed.",
     "Make the default SCMP_ACT_ERRNO (with defaultErrnoRet 1, EPERM) and list the calls the "
     "program needs, as Docker's default does; `moat seccomp generate` writes such a profile "
     "from a trace.",
     k_refs},
    {"SC006", "", Severity::high, "Dangerous system call allowed beyond Docker's default",
     "Docker's default profile refuses these calls, or allows them only with a capability or "
     "with certain arguments, because each has led out of containers or into the kernel: "
     "mounting, new namespaces, the kernel keyring, eBPF, tracing other processes, kernel "
     "modules.",
     "Remove the call from the profile unless the program cannot work without it; if it needs "
     "it, grant it only with the argument conditions it needs, and keep the capability that "
     "makes it dangerous dropped.",
     k_refs},
    {"SC007", "", Severity::low, "System call allowed beyond Docker's default",
     "Every call allowed beyond Docker's default widens what a compromised process can reach in "
     "the kernel.",
     "Remove the call unless the program needs it.", k_refs},
    {"SC008", "", Severity::high, "Unknown seccomp flag",
     "The runtime refuses a profile with a filter flag it does not know.",
     "Use SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW or "
     "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, or none.",
     k_refs},
});

constexpr auto k_flags = std::to_array<std::string_view>(
    {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC",
     "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"});

const core::CheckInfo& info(std::string_view id) {
  const auto it = std::ranges::find(k_checks, id, &core::CheckInfo::id);
  return *it;
}

class Checker {
public:
  Checker(std::string_view text, std::string_view name, core::TargetReport& report)
      : m_text(text), m_name(name), m_report(report), m_offsets(core::json_value_offsets(text)) {}

  void report(std::string_view id, const std::string& pointer, std::string message) {
    core::Finding f;
    f.check = &info(id);
    f.severity = f.check->severity;
    f.message = std::move(message);
    f.location.file = std::string(m_name);
    if (const auto it = m_offsets.find(pointer); it != m_offsets.end()) {
      const auto [line, column] = core::line_and_column(m_text, it->second);
      f.location.line = line;
      f.location.column = column;
    }
    m_report.findings.push_back(std::move(f));
  }

  void vocabulary(const Profile& p) {
    const std::string& base = p.pointer;
    if (!known_action(p.default_action))
      report("SC001", base + "/defaultAction",
             fmt::format("defaultAction '{}' is not a seccomp action", p.default_action));
    for (std::size_t i = 0; i < p.architectures.size(); ++i)
      if (!known_arch(p.architectures[i]))
        report("SC002", fmt::format("{}/architectures/{}", base, i),
               fmt::format("'{}' is not an architecture libseccomp knows", p.architectures[i]));
    for (std::size_t i = 0; i < p.arch_map.size(); ++i) {
      const auto& entry = p.arch_map[i];
      if (!known_arch(entry.architecture))
        report("SC002", fmt::format("{}/archMap/{}/architecture", base, i),
               fmt::format("'{}' is not an architecture libseccomp knows", entry.architecture));
      for (std::size_t j = 0; j < entry.sub_architectures.size(); ++j)
        if (!known_arch(entry.sub_architectures[j]))
          report("SC002", fmt::format("{}/archMap/{}/subArchitectures/{}", base, i, j),
                 fmt::format("'{}' is not an architecture libseccomp knows",
                             entry.sub_architectures[j]));
    }
    for (std::size_t i = 0; i < p.flags.size(); ++i)
      if (std::ranges::find(k_flags, p.flags[i]) == k_flags.end())
        report("SC008", fmt::format("{}/flags/{}", base, i),
               fmt::format("'{}' is not a seccomp filter flag", p.flags[i]));
    for (const auto& rule : p.rules) {
      if (!known_action(rule.action))
        report("SC001", rule.pointer + "/action",
               fmt::format("action '{}' is not a seccomp action", rule.action));
      for (std::size_t j = 0; j < rule.args.size(); ++j) {
        const auto& c = rule.args[j];
        const std::string at = fmt::format("{}/args/{}", rule.pointer, j);
        if (!known_operator(c.op))
          report("SC003", at + "/op", fmt::format("'{}' is not a comparison operator", c.op));
        if (c.index > 5)
          report("SC003", at + "/index",
                 fmt::format("argument index {} is out of range (a system call has six "
                             "arguments, 0 to 5)",
                             c.index));
      }
      const bool singular = m_offsets.contains(rule.pointer + "/name");
      for (std::size_t j = 0; j < rule.names.size(); ++j) {
        if (known_syscall(rule.names[j]))
          continue;
        const std::string at =
            singular ? rule.pointer + "/name" : fmt::format("{}/names/{}", rule.pointer, j);
        report("SC004", at,
               fmt::format("'{}' is not a system call on any architecture; runtimes skip it",
                           rule.names[j]));
      }
    }
  }

  // Where the rule allowing SYSCALL names it, or the default action.
  std::string allowing_place(const Profile& resolved, std::string_view syscall) {
    for (const auto& rule : resolved.rules) {
      if (!allowing_action(rule.action))
        continue;
      const auto it = std::ranges::find(rule.names, syscall);
      if (it == rule.names.end())
        continue;
      if (m_offsets.contains(rule.pointer + "/name"))
        return rule.pointer + "/name";
      return fmt::format("{}/names/{}", rule.pointer, it - rule.names.begin());
    }
    return resolved.pointer + "/defaultAction";
  }

  void beyond_default(const Profile& profile, const Conditions& conditions) {
    if (allowing_action(profile.default_action))
      report("SC005", profile.pointer + "/defaultAction",
             fmt::format("the default action is {}: every call the profile does not list is "
                         "allowed",
                         profile.default_action));
    // Rules a runtime would refuse are reported above, not compared.
    Profile valid = profile;
    std::erase_if(valid.rules, [](const Rule& rule) {
      return !known_action(rule.action) ||
             std::ranges::any_of(rule.args, [](const ArgCondition& c) {
               return !known_operator(c.op) || c.index > 5;
             });
    });
    const auto resolved = resolve(valid, conditions);
    const auto baseline = resolve(docker_default(), conditions);
    for (const auto& w : widenings(resolved, baseline)) {
      const auto risk = risk_of(w.syscall);
      std::string how;
      if (w.baseline == Allowance::denied)
        how = w.profile == Allowance::always ? "allows {}" : "allows {} under some arguments";
      else
        how = "allows {} with fewer argument conditions than Docker's default";
      std::string message = fmt::format(fmt::runtime(how), w.syscall);
      if (w.baseline == Allowance::denied)
        message += ", which Docker's default refuses";
      if (!risk.what.empty())
        message += fmt::format(": {}", risk.what);
      report(risk.dangerous ? "SC006" : "SC007", allowing_place(resolved, w.syscall),
             std::move(message));
    }
  }

private:
  std::string_view m_text;
  std::string_view m_name;
  core::TargetReport& m_report;
  std::unordered_map<std::string, std::size_t> m_offsets;
};

} // namespace

std::span<const core::CheckInfo> checks() {
  return k_checks;
}

core::Result<core::TargetReport> check(std::string_view text, std::string_view name,
                                       const Conditions& conditions) {
  auto profile = parse_profile(text, name);
  if (!profile)
    return std::unexpected(profile.error());
  core::TargetReport report;
  report.target = std::string(name);
  report.kind = "seccomp profile";
  Checker checker(text, name, report);
  checker.vocabulary(*profile);
  checker.beyond_default(*profile, conditions);
  core::sort_findings(report.findings);
  return report;
}

} // namespace moat::seccomp
