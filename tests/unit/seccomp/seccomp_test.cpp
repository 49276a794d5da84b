#include <moat/seccomp/seccomp.hpp>

#include <moat/core/check.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace seccomp = moat::seccomp;
using ::testing::HasSubstr;

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string fixture(const std::string& name) {
  return read_text(std::filesystem::path(MOAT_FIXTURES_DIR) / "seccomp" / name);
}

std::string upstream_default() {
  return read_text(std::filesystem::path(MOAT_SHARED_DIR) /
                   "conformance/seccomp/moby-default.json");
}

// A resolved profile as a comparable value: one entry per (name, rule).
using Flat =
    std::set<std::tuple<std::string, std::string, long, std::vector<seccomp::ArgCondition>>>;
Flat flatten(const seccomp::Profile& p) {
  Flat out;
  for (const auto& r : p.rules)
    for (const auto& n : r.names)
      out.emplace(n, r.action, r.errno_ret.value_or(-1), r.args);
  return out;
}

seccomp::Conditions conditions(std::string arch, std::vector<std::string> caps,
                               std::string kernel) {
  seccomp::Conditions c;
  c.arch = std::move(arch);
  c.caps = std::move(caps);
  c.kernel = std::move(kernel);
  return c;
}

// The ids of REPORT's findings, with the line of each.
std::vector<std::pair<std::string, int>> ids(const moat::core::TargetReport& report) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& f : report.findings)
    out.emplace_back(std::string(f.check->id), f.location.line);
  return out;
}

std::vector<std::string> messages(const moat::core::TargetReport& report, std::string_view id) {
  std::vector<std::string> out;
  for (const auto& f : report.findings)
    if (f.check->id == id)
      out.push_back(f.message);
  return out;
}

const seccomp::Conditions k_host = conditions("amd64", seccomp::docker_default_caps(), "6.1");

} // namespace

TEST(Seccomp, TablesAreSortedAndSound) {
  EXPECT_TRUE(seccomp::syscall_tables_sorted());
  EXPECT_TRUE(seccomp::risk_table_sorted());
  EXPECT_THAT(moat::core::validate_table(seccomp::checks()), ::testing::IsEmpty());
}

TEST(Seccomp, SyscallNumbersAreTheKernels) {
  EXPECT_EQ(seccomp::x86_64_number("read"), 0);
  EXPECT_EQ(seccomp::x86_64_number("mount"), 165);
  EXPECT_EQ(seccomp::x86_64_number("fchmodat2"), 452);
  EXPECT_EQ(seccomp::x86_64_number("file_setattr"), 469);
  EXPECT_EQ(seccomp::x86_64_name(56), "clone");
  EXPECT_FALSE(seccomp::x86_64_number("arm_fadvise64_64"));
  EXPECT_TRUE(seccomp::known_syscall("arm_fadvise64_64"));
  EXPECT_TRUE(seccomp::known_syscall("socketcall"));
  EXPECT_FALSE(seccomp::known_syscall("mkdirr"));
}

// moat's own table of Docker's default, resolved, equals the upstream JSON
// resolved the same way, for every architecture Docker names, with and
// without capabilities, on old and new kernels.
TEST(Seccomp, EmbeddedDefaultMatchesUpstreamUnderEveryCondition) {
  auto upstream = seccomp::parse_profile(upstream_default(), "moby-default.json");
  ASSERT_TRUE(upstream) << upstream.error().message;
  std::vector<std::string> all_caps = seccomp::docker_default_caps();
  for (const auto* cap :
       {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_MODULE", "CAP_SYS_BOOT", "CAP_SYS_TIME",
        "CAP_SYS_NICE", "CAP_SYSLOG", "CAP_BPF", "CAP_PERFMON", "CAP_DAC_READ_SEARCH",
        "CAP_SYS_RAWIO", "CAP_SYS_PACCT", "CAP_SYS_TTY_CONFIG"})
    all_caps.emplace_back(cap);
  int compared = 0;
  for (const auto* arch :
       {"amd64", "386", "arm64", "arm", "s390x", "ppc64le", "riscv64", "mips64le", "loong64"})
    for (const auto& caps : {std::vector<std::string>{}, seccomp::docker_default_caps(), all_caps})
      for (const auto* kernel : {"4.4", "4.8", "6.1"}) {
        const auto c = conditions(arch, caps, kernel);
        const auto mine = seccomp::resolve(seccomp::docker_default(), c);
        const auto theirs = seccomp::resolve(*upstream, c);
        EXPECT_EQ(flatten(mine), flatten(theirs)) << arch << " " << caps.size() << " " << kernel;
        EXPECT_EQ(mine.architectures, theirs.architectures) << arch;
        EXPECT_EQ(mine.default_action, theirs.default_action);
        EXPECT_EQ(mine.default_errno, theirs.default_errno);
        ++compared;
      }
  EXPECT_EQ(compared, 81);
}

TEST(Seccomp, ResolutionFollowsDockersConditions) {
  const auto& d = seccomp::docker_default();
  const auto plain = seccomp::resolve(d, k_host);
  EXPECT_EQ(plain.architectures,
            (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  using seccomp::Allowance;
  EXPECT_EQ(seccomp::treatment(plain, "read").allowance, Allowance::always);
  EXPECT_EQ(seccomp::treatment(plain, "mount").allowance, Allowance::denied);
  EXPECT_EQ(seccomp::treatment(plain, "arch_prctl").allowance, Allowance::always);
  // ptrace needs kernel 4.8 (before it, seccomp could be bypassed with it).
  EXPECT_EQ(seccomp::treatment(plain, "ptrace").allowance, Allowance::always);
  const auto old_kernel = seccomp::resolve(d, conditions("amd64", {}, "4.4"));
  EXPECT_EQ(seccomp::treatment(old_kernel, "ptrace").allowance, Allowance::denied);
  // clone only without namespace flags, unless CAP_SYS_ADMIN.
  const auto clone = seccomp::treatment(plain, "clone");
  EXPECT_EQ(clone.allowance, Allowance::conditional);
  ASSERT_EQ(clone.when.size(), 1U);
  EXPECT_EQ(clone.when[0][0].op, "SCMP_CMP_MASKED_EQ");
  EXPECT_EQ(clone.when[0][0].value, 2114060288U);
  auto admin_caps = seccomp::docker_default_caps();
  admin_caps.emplace_back("CAP_SYS_ADMIN");
  const auto admin = seccomp::resolve(d, conditions("amd64", admin_caps, "6.1"));
  EXPECT_EQ(seccomp::treatment(admin, "clone").allowance, Allowance::always);
  EXPECT_EQ(seccomp::treatment(admin, "mount").allowance, Allowance::always);
  // clone3 is refused with ENOSYS so that glibc falls back to clone.
  bool enosys = false;
  for (const auto& r : plain.rules)
    if (std::ranges::find(r.names, "clone3") != r.names.end())
      enosys = r.action == "SCMP_ACT_ERRNO" && r.errno_ret == 38;
  EXPECT_TRUE(enosys);
  // arm-only calls are not in the amd64 profile.
  EXPECT_EQ(seccomp::treatment(plain, "arm_fadvise64_64").allowance, Allowance::denied);
  const auto arm = seccomp::resolve(d, conditions("arm64", {}, "6.1"));
  EXPECT_EQ(seccomp::treatment(arm, "arm_fadvise64_64").allowance, Allowance::always);
}

TEST(Seccomp, ReadsTheOciFormsAndRefusesWhatDockerdRefuses) {
  auto oci = seccomp::parse_profile(fixture("oci-config.json"), "config.json");
  ASSERT_TRUE(oci) << oci.error().message;
  EXPECT_EQ(oci->pointer, "/linux/seccomp");
  EXPECT_EQ(oci->rules.size(), 2U);

  auto bad = [](std::string_view text) {
    auto r = seccomp::parse_profile(text, "p.json");
    EXPECT_FALSE(r) << text;
    return r ? std::string() : r.error().message;
  };
  EXPECT_THAT(bad("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [}"),
              HasSubstr("invalid JSON"));
  EXPECT_THAT(bad("[1, 2]"), HasSubstr("JSON object"));
  // A number no type holds is an error, not an exception (found by fuzzing).
  EXPECT_THAT(bad(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],)"
                  R"("action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2e114060288}]}]})"),
              HasSubstr("number overflow"));
  EXPECT_THAT(bad("{\"syscalls\": []}"), HasSubstr("defaultAction is missing"));
  EXPECT_THAT(bad(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"read",)"
                  R"("names":["write"],"action":"SCMP_ACT_ALLOW"}]})"),
              HasSubstr("both name and names"));
  EXPECT_THAT(bad(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":"read",)"
                  R"("action":"SCMP_ACT_ALLOW"}]})"),
              HasSubstr("/syscalls/0"));
  EXPECT_THAT(bad(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],)"
                  R"("action":"SCMP_ACT_ALLOW","args":[{"index":-1,"op":"SCMP_CMP_EQ"}]}]})"),
              HasSubstr("index"));
  EXPECT_THAT(bad(R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],)"
                  R"("archMap":[]})"),
              HasSubstr("both architectures and archMap"));
  EXPECT_THAT(bad(R"({"ociVersion":"1.0.2","linux":{}})"), HasSubstr("no seccomp profile"));
}

// Good: Docker's own default and a tight hand-written profile have no
// finding at all.
TEST(Seccomp, DockersDefaultAndATightProfileAreClean) {
  auto upstream = seccomp::check(upstream_default(), "moby-default.json", k_host);
  ASSERT_TRUE(upstream) << upstream.error().message;
  EXPECT_THAT(ids(*upstream), ::testing::IsEmpty());
  auto minimal = seccomp::check(fixture("minimal.json"), "minimal.json", k_host);
  ASSERT_TRUE(minimal) << minimal.error().message;
  EXPECT_THAT(ids(*minimal), ::testing::IsEmpty());
}

// Bad: every vocabulary check, at the line of the offending value.
TEST(Seccomp, UnknownNamesAreFoundWhereTheyAre) {
  auto r = seccomp::check(fixture("invalid.json"), "invalid.json", k_host);
  ASSERT_TRUE(r) << r.error().message;
  using P = std::pair<std::string, int>;
  EXPECT_THAT(ids(*r), ::testing::IsSupersetOf({P{"SC002", 3}, P{"SC008", 4}, P{"SC004", 6},
                                                P{"SC001", 7}, P{"SC003", 11}, P{"SC003", 16}}));
  EXPECT_THAT(messages(*r, "SC004"), ::testing::ElementsAre(HasSubstr("'mkdirr'")));
  EXPECT_THAT(messages(*r, "SC001"), ::testing::ElementsAre(HasSubstr("'SCMP_ACT_ALOW'")));
  EXPECT_THAT(messages(*r, "SC003"),
              ::testing::UnorderedElementsAre(HasSubstr("'SCMP_CMP_EQUAL'"), HasSubstr("index 6")));
  // A rule the runtime would refuse is not also compared with the default.
  EXPECT_THAT(messages(*r, "SC007"), ::testing::IsEmpty());
}

TEST(Seccomp, WhatAProfileAllowsBeyondTheDefaultIsListedWithItsRisk) {
  auto r = seccomp::check(fixture("widened.json"), "widened.json", k_host);
  ASSERT_TRUE(r) << r.error().message;
  const auto dangerous = messages(*r, "SC006");
  EXPECT_THAT(dangerous, ::testing::UnorderedElementsAre(
                             ::testing::AllOf(HasSubstr("allows mount,"), HasSubstr("mounting")),
                             ::testing::AllOf(HasSubstr("allows keyctl,"), HasSubstr("keyring")),
                             HasSubstr("allows unshare under some arguments")));
  EXPECT_THAT(messages(*r, "SC007"),
              ::testing::UnorderedElementsAre(
                  HasSubstr("allows sethostname, which Docker's default refuses"),
                  HasSubstr("allows personality with fewer argument conditions")));
  // Each at the line of the name that allows it; "name" (singular) too.
  using P = std::pair<std::string, int>;
  EXPECT_THAT(ids(*r), ::testing::IsSupersetOf({P{"SC006", 6}, P{"SC007", 7}, P{"SC007", 8}}));
  // With CAP_SYS_ADMIN, Docker's default allows mount too: no longer beyond it.
  auto caps = seccomp::docker_default_caps();
  caps.emplace_back("CAP_SYS_ADMIN");
  auto admin =
      seccomp::check(fixture("widened.json"), "widened.json", conditions("amd64", caps, "6.1"));
  ASSERT_TRUE(admin);
  for (const auto& m : messages(*admin, "SC006"))
    EXPECT_THAT(m, ::testing::Not(HasSubstr("mount")));
}

TEST(Seccomp, ABlockListIsReportedWithTheDangerousCallsItLetsThrough) {
  auto r = seccomp::check(fixture("block-list.json"), "block-list.json", k_host);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_THAT(messages(*r, "SC005"), ::testing::ElementsAre(HasSubstr("SCMP_ACT_ALLOW")));
  const auto dangerous = messages(*r, "SC006");
  for (const auto* call : {"mount", "unshare", "keyctl", "bpf", "init_module", "kexec_load"})
    EXPECT_TRUE(std::ranges::any_of(dangerous, [&](const std::string& m) {
      return m.find(std::string("allows ") + call + ",") != std::string::npos;
    })) << call;
  // chmod is refused by the profile: not beyond anything.
  for (const auto& m : messages(*r, "SC007"))
    EXPECT_THAT(m, ::testing::Not(HasSubstr("allows chmod")));
}

TEST(Seccomp, AnOciConfigIsCheckedAtItsOwnLines) {
  auto r = seccomp::check(fixture("oci-config.json"), "config.json", k_host);
  ASSERT_TRUE(r) << r.error().message;
  using P = std::pair<std::string, int>;
  EXPECT_THAT(ids(*r), ::testing::ElementsAre(P{"SC006", 13}));
}

// Argument conditions are compared by the values they admit, not by how
// they are written.
TEST(Seccomp, ConditionsAreComparedByMeaning) {
  auto beyond = [](std::string_view rules) {
    const std::string text = std::string(R"({"defaultAction":"SCMP_ACT_ERRNO","syscalls":[)") +
                             std::string(rules) + "]}";
    auto p = seccomp::parse_profile(text, "p.json");
    EXPECT_TRUE(p) << text;
    std::vector<std::string> out;
    for (const auto& w : seccomp::widenings(seccomp::resolve(*p, k_host),
                                            seccomp::resolve(seccomp::docker_default(), k_host)))
      out.push_back(w.syscall);
    return out;
  };
  // socket(AF_UNIX): Docker's default admits domains below 38.
  EXPECT_THAT(beyond(R"({"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[)"
                     R"({"index":0,"value":1,"op":"SCMP_CMP_EQ"}]})"),
              ::testing::IsEmpty());
  EXPECT_THAT(beyond(R"({"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[)"
                     R"({"index":0,"value":10,"op":"SCMP_CMP_LE"}]})"),
              ::testing::IsEmpty());
  // AF_VSOCK (40) is what the default leaves out.
  EXPECT_THAT(beyond(R"({"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[)"
                     R"({"index":0,"value":40,"op":"SCMP_CMP_EQ"}]})"),
              ::testing::ElementsAre("socket"));
  EXPECT_THAT(beyond(R"({"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[)"
                     R"({"index":0,"value":30,"op":"SCMP_CMP_GT"}]})"),
              ::testing::ElementsAre("socket"));
  // clone with a wider mask of refused flags is within the default; a
  // narrower one is not.
  EXPECT_THAT(beyond(R"({"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[)"
                     R"({"index":0,"value":2114060289,"op":"SCMP_CMP_MASKED_EQ"}]})"),
              ::testing::IsEmpty());
  EXPECT_THAT(beyond(R"({"names":["clone"],"action":"SCMP_ACT_ALLOW","args":[)"
                     R"({"index":0,"value":268435456,"op":"SCMP_CMP_MASKED_EQ"}]})"),
              ::testing::ElementsAre("clone"));
  // A refusal of the same call next to an allowing rule wins.
  EXPECT_THAT(beyond(R"({"names":["mount"],"action":"SCMP_ACT_ALLOW"},)"
                     R"({"names":["mount"],"action":"SCMP_ACT_ERRNO"})"),
              ::testing::IsEmpty());
}
