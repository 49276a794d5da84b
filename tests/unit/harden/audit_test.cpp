#include <moat/harden/audit.hpp>
#include <moat/host/bench.hpp>

#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace harden_audit_test {
namespace {

using moat::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

moat::host::HostState gather(const moat::host::Root& root) {
  moat::host::GatherOptions options;
  options.ask_daemon = false;
  auto state = moat::host::gather(root, options);
  EXPECT_TRUE(state.has_value()) << (state ? "" : state.error().to_string());
  return state ? std::move(*state) : moat::host::HostState{};
}

// The rules name what exists on this host, and once loaded they satisfy
// moat bench's audit checks for every one of those paths.
TEST(AuditRules, WatchWhatExistsAndSatisfyTheBench) {
  TempDir dir;
  for (const char* file :
       {"usr/sbin/dockerd", "usr/bin/containerd", "usr/bin/runc", "usr/bin/docker",
        "lib/systemd/system/docker.service", "etc/default/docker"})
    dir.write(file, "x");
  dir.write("etc/docker/daemon.json", "{}");
  std::filesystem::create_directories(dir.path() / "var/lib/docker");
  std::filesystem::create_directories(dir.path() / "run/containerd");
  const moat::host::Root root(dir.path());
  auto state = gather(root);
  const auto rules = moat::harden::audit_rules(moat::host::audit_targets(state));
  EXPECT_THAT(
      rules,
      HasSubstr("## the Docker daemon (CIS-1.1.3)\n-w /usr/sbin/dockerd -p rwxa -k docker\n"));
  EXPECT_THAT(rules, HasSubstr("-w /var/lib/docker -p rwxa -k docker\n"));
  EXPECT_THAT(rules, HasSubstr("-w /etc/docker/daemon.json -p rwxa -k docker\n"));
  EXPECT_THAT(rules, HasSubstr("-w /usr/bin/docker -p rwxa -k docker\n"));
  // Missing files are comments, never rules auditctl would refuse.
  EXPECT_THAT(rules, Not(HasSubstr("-w /etc/sysconfig/docker")));
  EXPECT_THAT(rules, HasSubstr("#   the daemon's start options (/etc/sysconfig/docker)\n"));

  // Installed, they pass every audit check that has something to watch.
  dir.write("etc/audit/rules.d/docker.rules", rules);
  state = gather(root);
  const auto report = moat::host::bench(state, "host");
  for (const auto& f : report.findings) {
    const std::string id(f.check->id);
    if (id >= "HB003" && id <= "HB018") {
      EXPECT_EQ(f.severity, moat::core::Severity::info) << id << ": " << f.message;
    }
  }
  std::size_t passed = 0;
  for (const auto& p : report.passed) {
    const std::string id(p.check->id);
    passed += id >= "HB003" && id <= "HB018" ? 1U : 0U;
  }
  EXPECT_EQ(passed, 9U); // dockerd, /run/containerd, data root, /etc/docker, the unit,
                         // /etc/default/docker, daemon.json, containerd, runc
}

} // namespace
} // namespace harden_audit_test
