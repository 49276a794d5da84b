// Profiles written from observations: their rules, the floor, reading them
// back for --merge, and what they take away from Docker's default.

#include <moat/seccomp/seccomp.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace seccomp = moat::seccomp;
using ::testing::Contains;
using ::testing::Not;

namespace {

seccomp::Observed web_server() {
  seccomp::Observed o;
  o.arches = {"SCMP_ARCH_X86_64"};
  o.names = {"accept4", "bind",        "clone3", "execve", "listen",
             "openat",  "personality", "read",   "socket", "write"};
  o.socket_domains = {2, 10}; // AF_INET, AF_INET6
  o.personalities = {0xffffffff};
  return o;
}

seccomp::Profile parsed(const seccomp::Generated& g) {
  auto p = seccomp::parse_profile(g.text, "generated");
  EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().to_string());
  return p ? *p : seccomp::Profile{};
}

seccomp::Conditions amd64() {
  seccomp::Conditions c;
  c.arch = "amd64";
  c.kernel = "6.1";
  c.caps = seccomp::docker_default_caps();
  return c;
}

} // namespace

TEST(SeccompGenerate, ObservedCallsFloorAndConditions) {
  const auto g = seccomp::generate(web_server());
  const auto p = seccomp::resolve(parsed(g), amd64());
  EXPECT_EQ(p.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(p.default_errno, 1);
  using A = seccomp::Allowance;
  EXPECT_EQ(seccomp::treatment(p, "accept4").allowance, A::always);
  EXPECT_EQ(seccomp::treatment(p, "capset").allowance, A::always) << "the runtime's floor";
  EXPECT_EQ(seccomp::treatment(p, "mount").allowance, A::denied);
  EXPECT_EQ(seccomp::treatment(p, "chmod").allowance, A::denied) << "never made";
  // socket for AF_INET and AF_INET6 only.
  const auto socket = seccomp::treatment(p, "socket");
  ASSERT_EQ(socket.allowance, A::conditional);
  ASSERT_EQ(socket.when.size(), 2U);
  EXPECT_EQ(socket.when[0][0].value, 2U);
  EXPECT_EQ(socket.when[1][0].value, 10U);
  // clone3 answers ENOSYS; clone is there for libc's fallback, without namespaces.
  EXPECT_EQ(seccomp::treatment(p, "clone3").allowance, A::denied);
  const auto clone = seccomp::treatment(p, "clone");
  ASSERT_EQ(clone.allowance, A::conditional);
  EXPECT_EQ(clone.when[0][0].op, "SCMP_CMP_MASKED_EQ");
  EXPECT_EQ(clone.when[0][0].value, 0x7E020000U);
  EXPECT_THAT(g.observed, Contains("bind"));
  EXPECT_THAT(g.floor, Contains("capset"));
  EXPECT_THAT(g.floor, Not(Contains("read"))) << "observed calls are not floor";
}

TEST(SeccompGenerate, NamespacesSeenLeaveCloneUnconditional) {
  auto o = web_server();
  o.names.insert("clone");
  o.clone_namespace_flags = 0x20000000; // CLONE_NEWUTS
  const auto p = seccomp::resolve(parsed(seccomp::generate(o)), amd64());
  EXPECT_EQ(seccomp::treatment(p, "clone").allowance, seccomp::Allowance::always);
  EXPECT_EQ(seccomp::treatment(p, "clone3").allowance, seccomp::Allowance::always);
}

TEST(SeccompGenerate, ReadingBackGivesTheSameObservations) {
  const auto o = web_server();
  const auto back = seccomp::observed_in(parsed(seccomp::generate(o)));
  EXPECT_EQ(back.names, o.names);
  EXPECT_EQ(back.socket_domains, o.socket_domains);
  EXPECT_EQ(back.personalities, o.personalities);
  EXPECT_EQ(back.arches, o.arches);
  EXPECT_EQ(back.clone_namespace_flags, 0U);
  // Generating again from what was read back gives the same text.
  EXPECT_EQ(seccomp::generate(back).text, seccomp::generate(o).text);
  // Merging adds another run's calls.
  auto merged = back;
  seccomp::Observed other;
  other.names = {"chmod"};
  seccomp::merge(merged, other);
  EXPECT_THAT(merged.names, Contains("chmod"));
  EXPECT_THAT(merged.names, Contains("bind"));
}

TEST(SeccompGenerate, DiffAgainstDockersDefault) {
  const auto p = seccomp::resolve(parsed(seccomp::generate(web_server())), amd64());
  const auto diff = seccomp::diff_default(p, amd64());
  EXPECT_GT(diff.default_allowed, 300U);
  EXPECT_LT(diff.profile_allowed, 80U);
  EXPECT_THAT(diff.removed, Contains("chmod"));
  EXPECT_THAT(diff.removed, Not(Contains("bind")));
  // Docker's default already puts conditions on socket (no AF_ALG, no AF_VSOCK).
  EXPECT_THAT(diff.removed, Not(Contains("socket")));
  EXPECT_THAT(diff.narrowed, Not(Contains("bind")));
  EXPECT_TRUE(diff.added.empty());
  // A profile that allows mount widens the default (no CAP_SYS_ADMIN).
  auto o = web_server();
  o.names.insert("mount");
  const auto wide = seccomp::resolve(parsed(seccomp::generate(o)), amd64());
  const auto d2 = seccomp::diff_default(wide, amd64());
  ASSERT_EQ(d2.added.size(), 1U);
  EXPECT_EQ(d2.added[0].syscall, "mount");
}
