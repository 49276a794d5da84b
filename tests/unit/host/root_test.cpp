#include <moat/host/bench.hpp>
#include <moat/host/daemon.hpp>
#include <moat/host/root.hpp>

#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

namespace host_root_test {
namespace {

using moat::host::DaemonConfig;
using moat::host::FileInfo;
using moat::host::Root;
using moat::test::TempDir;
using ::testing::ElementsAre;

// Links are followed inside the root: an absolute target names a path of
// the prepared host, not of the machine running the test.
TEST(Root, LinksStayInsideTheRoot) {
  TempDir dir;
  dir.write("run/docker.sock.txt", "inside");
  dir.write("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  dir.write("etc/group", "root:x:0:\ndocker:x:999:bob,carol\nalice:x:1000:\n");
  std::filesystem::create_directories(dir.path() / "var");
  std::filesystem::create_directory_symlink("/run", dir.path() / "var/run");
  std::filesystem::create_symlink("../../../../../etc/passwd", dir.path() / "run/up");
  std::filesystem::create_symlink("loop2", dir.path() / "run/loop1");
  std::filesystem::create_symlink("loop1", dir.path() / "run/loop2");
  const Root root(dir.path());
  EXPECT_FALSE(root.is_host());
  EXPECT_EQ(root.read("/var/run/docker.sock.txt"), "inside");
  // ".." cannot climb above the root: the link lands on the root's passwd.
  EXPECT_THAT(root.read("/run/up").value_or(""), ::testing::StartsWith("root:x:0:0"));
  EXPECT_FALSE(root.read("/run/loop1").has_value());
  EXPECT_FALSE(root.stat("/run/loop1").exists());
  EXPECT_EQ(root.stat("/var/run", false).type, FileInfo::Type::symlink);
  EXPECT_EQ(root.stat("/var/run").type, FileInfo::Type::directory);
  EXPECT_THAT(root.list("/run"), ElementsAre("docker.sock.txt", "loop1", "loop2", "up"));
  EXPECT_THAT(root.group_members("docker"), ElementsAre("bob", "carol"));
  // A user whose primary group it is counts too.
  EXPECT_THAT(root.group_members("alice"), ElementsAre("alice"));
  EXPECT_TRUE(root.group_members("nobody").empty());
}

TEST(Root, OwnersAreNamedFromTheRootsOwnFiles) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root to give files another owner";
  TempDir dir;
  dir.write("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  dir.write("etc/group", "root:x:0:\nstaff:x:1000:\n");
  const auto file = dir.write("etc/docker/daemon.json", "{}");
  ASSERT_EQ(::chown(file.c_str(), 1000, 1000), 0);
  std::filesystem::permissions(file, std::filesystem::perms(0606));
  const auto info = Root(dir.path()).stat("/etc/docker/daemon.json");
  EXPECT_EQ(info.owner, "alice");
  EXPECT_EQ(info.group, "staff");
  EXPECT_EQ(info.mode, 0606U);
}

TEST(DaemonConfig, CommandLineAndDaemonJsonUnderOneName) {
  TempDir dir;
  dir.write("srv/docker.json",
            R"({"icc": false, "insecure-registries": ["reg:5000"], "log-opts": {"max-size": "10m"},
                "hosts": ["unix:///var/run/docker.sock"]})");
  dir.write("etc/docker/daemon.json", R"({"icc": true})");
  const Root root(dir.path());
  // The space form of --config-file names the file that is read.
  auto config = DaemonConfig::load(root,
                                   {"-H", "fd://", "--host=tcp://0.0.0.0:2375", "--tlsverify",
                                    "--config-file", "/srv/docker.json", "--userns-remap",
                                    "default", "--live-restore=false", "-l", "debug"},
                                   "/etc/docker/daemon.json");
  ASSERT_TRUE(config.has_value()) << config.error().to_string();
  EXPECT_EQ(config->config_file(), "/srv/docker.json");
  EXPECT_TRUE(config->config_file_found());
  EXPECT_THAT(config->values("hosts"),
              ElementsAre("fd://", "tcp://0.0.0.0:2375", "unix:///var/run/docker.sock"));
  EXPECT_EQ(config->boolean("icc"), false);
  EXPECT_EQ(config->boolean("tlsverify"), true);
  EXPECT_EQ(config->boolean("live-restore"), false);
  EXPECT_EQ(config->value("userns-remap"), "default");
  EXPECT_EQ(config->value("log-level"), "debug");
  EXPECT_THAT(config->values("insecure-registries"), ElementsAre("reg:5000"));
  EXPECT_THAT(config->values("log-opts"), ElementsAre("max-size=10m"));
  EXPECT_EQ(config->source("icc"), "/srv/docker.json");
  EXPECT_EQ(config->source("tlsverify"), "dockerd command line");
  EXPECT_FALSE(config->is_set("experimental"));

  // No file: no error, nothing set from it.
  auto none = DaemonConfig::load(root, {}, "/etc/docker/missing.json");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->config_file_found());

  dir.write("etc/docker/bad.json", "{\"icc\": fal");
  auto bad = DaemonConfig::load(root, {}, "/etc/docker/bad.json");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().input, "/etc/docker/bad.json");
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("invalid JSON"));
}

TEST(DaemonConfig, RootlessDaemonsReadTheUsersOwnFile) {
  EXPECT_EQ(moat::host::daemon_json_path(false, "/home/a", ""), "/etc/docker/daemon.json");
  EXPECT_EQ(moat::host::daemon_json_path(true, "/home/a", ""),
            "/home/a/.config/docker/daemon.json");
  EXPECT_EQ(moat::host::daemon_json_path(true, "/home/a", "/cfg"), "/cfg/docker/daemon.json");
}

TEST(DaemonConfig, DockerdIsFoundInProc) {
  TempDir dir;
  dir.write("proc/17/comm", "containerd\n");
  dir.write("proc/17/cmdline", std::string("/usr/bin/containerd\0", 20));
  dir.write("proc/42/comm", "dockerd\n");
  dir.write("proc/42/cmdline",
            std::string(
                "/usr/bin/dockerd\0-H\0fd://\0--containerd=/run/containerd/containerd.sock\0", 71));
  dir.write("proc/42/status", "Name:\tdockerd\nUid:\t0\t0\t0\t0\n");
  dir.write("proc/self/comm", "moat\n");
  const auto found = moat::host::find_dockerd(Root(dir.path()));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->pid, 42);
  EXPECT_THAT(found->args,
              ElementsAre("-H", "fd://", "--containerd=/run/containerd/containerd.sock"));
  EXPECT_FALSE(found->rootless());
  EXPECT_EQ(found->default_config_file(), "/etc/docker/daemon.json");
  // Two daemons: the one listening where moat asks is the one judged.
  dir.write("proc/7/comm", "dockerd\n");
  dir.write("proc/7/cmdline", std::string("dockerd\0--host=unix:///srv/d.sock\0", 34));
  const auto first = moat::host::find_dockerd(Root(dir.path()));
  ASSERT_TRUE(first.has_value());
  EXPECT_THAT(first->hosts(), ElementsAre("unix:///srv/d.sock"));
  // fd:// is systemd's docker.socket, the default path, under either name.
  for (const char* asked : {"fd://", "unix:///var/run/docker.sock", "unix:///run/docker.sock"}) {
    const auto chosen = moat::host::find_dockerd(Root(dir.path()), asked);
    ASSERT_TRUE(chosen.has_value());
    EXPECT_EQ(chosen->pid, 42) << asked;
  }
  // A rootless daemon (rootlesskit's environment) without -H listens in its
  // user's runtime directory and reads the user's daemon.json.
  dir.write("proc/90/comm", "dockerd\n");
  dir.write("proc/90/cmdline", std::string("dockerd\0--iptables=false\0", 26));
  using namespace std::string_literals;
  const auto env = "HOME=/home/u\0XDG_RUNTIME_DIR=/run/user/1001\0"
                   "ROOTLESSKIT_STATE_DIR=/tmp/rootlesskit1\0PATH=/usr/bin\0"s;
  dir.write("proc/90/environ", env);
  dir.write("proc/90/status", "Name:\tdockerd\nUid:\t1001\t1001\t1001\t1001\n");
  const auto rootless =
      moat::host::find_dockerd(Root(dir.path()), "unix:///run/user/1001/docker.sock");
  ASSERT_TRUE(rootless.has_value());
  EXPECT_EQ(rootless->pid, 90);
  EXPECT_TRUE(rootless->rootless());
  EXPECT_EQ(rootless->uid, 1001U);
  EXPECT_THAT(rootless->hosts(), ElementsAre("unix:///run/user/1001/docker.sock"));
  EXPECT_EQ(rootless->default_config_file(), "/home/u/.config/docker/daemon.json");
  TempDir empty;
  EXPECT_FALSE(moat::host::find_dockerd(Root(empty.path())).has_value());
}

TEST(DaemonConfig, HostFlagsInEveryForm) {
  moat::host::DockerdProcess p;
  p.args = {"-H", "unix:///a.sock", "--host=tcp://0.0.0.0:2376", "-H=fd://", "--host", "unix:///b"};
  EXPECT_THAT(p.hosts(), ElementsAre("unix:///a.sock", "tcp://0.0.0.0:2376", "fd://", "unix:///b"));
  EXPECT_TRUE(moat::host::same_host("fd://", "unix:///var/run/docker.sock"));
  EXPECT_TRUE(moat::host::same_host("unix:///var/run/x.sock", "unix:///run/x.sock"));
  EXPECT_FALSE(moat::host::same_host("unix:///run/x.sock", "unix:///run/y.sock"));
  p.args = {"--rootless"};
  EXPECT_TRUE(p.rootless());
}

TEST(AuditRules, ThePathItselfMustBeWatched) {
  const auto rules = moat::host::audit_rule_lines(
      "# Docker\n-w /usr/bin/dockerd -p rwxa -k docker\n"
      "-a always,exit -F path=/usr/bin/containerd-shim -F perm=x -k docker\n"
      "  # -w /etc/docker -k docker\n-w /var/run/docker.sock -k docker\nNo rules\n");
  ASSERT_EQ(rules.size(), 3U);
  EXPECT_TRUE(moat::host::audited(rules, "/usr/bin/dockerd"));
  EXPECT_TRUE(moat::host::audited(rules, "/usr/bin/containerd-shim"));
  // docker-bench-security counts the shim's rule for containerd; a rule
  // for another path is not one for this path.
  EXPECT_FALSE(moat::host::audited(rules, "/usr/bin/containerd"));
  // A commented rule watches nothing.
  EXPECT_FALSE(moat::host::audited(rules, "/etc/docker"));
  // /var/run is /run.
  EXPECT_TRUE(moat::host::audited(rules, "/run/docker.sock"));
}

// dockerd bind-mounts its data root onto itself: the same device is not a
// partition of its own.
TEST(Partition, SelfBindMountIsNotASeparatePartition) {
  const std::string base = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n";
  EXPECT_FALSE(moat::host::separate_partition(base, "/var/lib/docker"));
  EXPECT_FALSE(moat::host::separate_partition(
      base +
          "90 22 8:1 /var/lib/docker /var/lib/docker rw,relatime shared:40 - ext4 /dev/sda1 rw\n",
      "/var/lib/docker"));
  EXPECT_TRUE(moat::host::separate_partition(
      base + "90 22 8:17 / /var/lib/docker rw,relatime shared:40 - xfs /dev/sdb1 rw\n",
      "/var/lib/docker/"));
  // An escaped space in the mount point.
  EXPECT_TRUE(moat::host::separate_partition(
      base + "91 22 8:33 / /srv/docker\\040data rw - xfs /dev/sdc1 rw\n", "/srv/docker data"));
}

} // namespace
} // namespace host_root_test
