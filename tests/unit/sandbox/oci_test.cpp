// Reading OCI config.json and process.json: what is applied, what is
// refused, and which of moat's defaults a config relaxes.

#include <moat/sandbox/container.hpp>
#include <moat/sandbox/oci.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <string>

using namespace moat::sandbox;
using ::testing::HasSubstr;

namespace {

const char* k_minimal = R"({
  "ociVersion": "1.0.2",
  "process": {"args": ["/bin/sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}},
  "root": {"path": "rootfs"},
  "linux": {"namespaces": [{"type": "mount"}, {"type": "pid"}]}
})";

moat::core::Result<Bundle> parse(const std::string& text, bool systemd = false) {
  return parse_config(text, "config.json", "/bundles/b", "web", systemd);
}

std::string with(const std::string& key_value) {
  std::string text = k_minimal;
  text.insert(text.rfind('}'), ", " + key_value);
  return text;
}

bool weakened(const Bundle& b, std::string_view cis) {
  return std::ranges::any_of(b.weakenings, [&](const Weakening& w) { return w.cis == cis; });
}

TEST(OciConfig, AMinimalConfigIsReadAndItsWeakeningsNamed) {
  auto b = parse(k_minimal);
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(b->rootfs, "/bundles/b/rootfs");
  EXPECT_EQ(b->spec.args, std::vector<std::string>{"/bin/sh"});
  EXPECT_EQ(b->spec.cgroup_path, "moat/web");
  ASSERT_TRUE(b->spec.oci);
  EXPECT_TRUE(b->spec.oci->creates(CLONE_NEWNS));
  EXPECT_FALSE(b->spec.oci->has(CLONE_NEWUSER));
  for (const auto* cis : {"CIS-2.9", "CIS-5.10", "CIS-5.17", "CIS-5.21", "CIS-5.22", "CIS-5.26",
                          "CIS-5.13", "CIS-5.11", "CIS-5.12", "CIS-5.29", "CIS-4.1"})
    EXPECT_TRUE(weakened(*b, cis)) << cis;
  EXPECT_FALSE(weakened(*b, "CIS-5.16")) << "it has its own PID namespace";
  EXPECT_FALSE(weakened(*b, "CIS-5.4")) << "no capabilities";
}

TEST(OciConfig, CapabilitiesMountsLimitsAndDevicesAreRead) {
  auto b = parse(with(R"("mounts": [
      {"destination": "/data", "type": "bind", "source": "data", "options": ["rbind", "ro", "nosuid", "rslave"]},
      {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=1777", "size=64k"]},
      {"destination": "/etc", "type": "bind", "source": "/etc", "options": ["bind"]}],
    "hooks": {"prestart": [{"path": "/usr/bin/hook", "args": ["hook", "x"], "timeout": 5}]},
    "annotations": {"a": "b"})"));
  ASSERT_TRUE(b) << b.error().to_string();
  const auto& mounts = b->spec.oci->mounts;
  ASSERT_EQ(mounts.size(), 3U);
  EXPECT_TRUE(mounts[0].bind);
  EXPECT_EQ(mounts[0].source, "/bundles/b/data");
  EXPECT_EQ(mounts[0].flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID);
  EXPECT_EQ(mounts[0].propagation, MS_SLAVE | MS_REC);
  EXPECT_FALSE(mounts[1].bind);
  EXPECT_EQ(mounts[1].flags, static_cast<unsigned long>(MS_NOSUID));
  EXPECT_EQ(mounts[1].data, "mode=1777,size=64k");
  EXPECT_TRUE(weakened(*b, "CIS-5.6")) << "the host's /etc is mounted";
  ASSERT_EQ(b->hooks.prestart.size(), 1U);
  EXPECT_EQ(b->hooks.prestart[0].timeout, 5);
  EXPECT_EQ(b->annotations.at("a"), "b");

  std::string text = k_minimal;
  text.replace(text.find(R"("user": {"uid": 0, "gid": 0})"), 28,
               R"("user": {"uid": 1000, "gid": 1000, "additionalGids": [5]},
                  "noNewPrivileges": true,
                  "capabilities": {"bounding": ["CAP_KILL", "NET_BIND_SERVICE"], "effective": ["CAP_KILL"]},
                  "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": 128}])");
  text.insert(text.rfind(']') + 1,
              R"(, "resources": {"memory": {"limit": 1048576}, "pids": {"limit": 10},
      "cpu": {"shares": 512, "quota": 50000, "period": 100000},
      "devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}]},
    "devices": [{"path": "/dev/sda", "type": "b", "major": 8, "minor": 0}],
    "sysctl": {"net.ipv4.ip_forward": "1"}, "cgroupsPath": "/docker/abc")");
  auto c = parse(text);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->spec.uid, 1000U);
  EXPECT_EQ(c->spec.oci->additional_gids, std::vector<std::uint32_t>{5});
  EXPECT_EQ(c->spec.oci->caps.bounding, (1ULL << 5) | (1ULL << 10));
  EXPECT_EQ(c->spec.oci->caps.effective, 1ULL << 5);
  ASSERT_EQ(c->spec.oci->rlimits.size(), 1U);
  EXPECT_EQ(c->spec.oci->rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(c->spec.memory_bytes, 1048576U);
  EXPECT_EQ(c->spec.pids, 10U);
  EXPECT_EQ(c->spec.cpu_quota, 50000);
  ASSERT_TRUE(c->spec.device_rules);
  // The config's rules in order, then what every container may use, then
  // the devices it lists.
  const auto& rules = *c->spec.device_rules;
  ASSERT_GE(rules.size(), 4U);
  EXPECT_EQ(rules[0], "deny a *:* rwm");
  EXPECT_EQ(rules[1], "allow c 1:3 rw");
  EXPECT_NE(std::ranges::find(rules, "allow c 136:* rwm"), rules.end());
  EXPECT_EQ(rules.back(), "allow b 8:0 rwm");
  EXPECT_EQ(c->spec.cgroup_path, "/docker/abc");
  EXPECT_TRUE(weakened(*c, "CIS-5.4"));
  EXPECT_TRUE(weakened(*c, "CIS-5.18")) << "a block device";
  EXPECT_FALSE(weakened(*c, "CIS-5.11"));
  EXPECT_FALSE(weakened(*c, "CIS-4.1"));
  EXPECT_FALSE(weakened(*c, "CIS-5.26"));
}

TEST(OciConfig, SystemdCgroupPathsAreTheOnesSystemdWouldMake) {
  std::string text = k_minimal;
  text.insert(text.rfind(']') + 1, R"(, "cgroupsPath": "machine-web-x.slice:moat:abc")");
  auto c = parse(text, true);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->spec.cgroup_path,
            "machine.slice/machine-web.slice/machine-web-x.slice/moat-abc.scope");
  text = k_minimal;
  text.insert(text.rfind(']') + 1, R"(, "cgroupsPath": "/not/systemd")");
  auto bad = parse(text, true);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("slice:prefix:name"));
}

TEST(OciConfig, BadConfigsAreErrorsNamingTheField) {
  struct Case {
    std::string text;
    std::string expected;
  };
  std::string no_mount = k_minimal;
  no_mount.replace(no_mount.find(R"({"type": "mount"}, )"), 19, "");
  std::string bad_cap = k_minimal;
  bad_cap.insert(bad_cap.find(R"("cwd")"), R"("capabilities": {"bounding": ["CAP_NOPE"]}, )");
  std::string user_ns = k_minimal;
  user_ns.replace(user_ns.find(R"({"type": "pid"})"), 15, R"({"type": "user"})");
  std::string bad_ns = k_minimal;
  bad_ns.replace(bad_ns.find(R"({"type": "pid"})"), 15, R"({"type": "pidd"})");
  std::string relative_cwd = k_minimal;
  relative_cwd.replace(relative_cwd.find(R"("cwd": "/")"), 10, R"("cwd": "x")");
  std::string bad_sysctl = k_minimal;
  bad_sysctl.insert(bad_sysctl.rfind(']') + 1, R"(, "sysctl": {"../../etc/passwd": "x"})");
  std::string old = k_minimal;
  old.replace(old.find("1.0.2"), 5, "0.9.0");
  for (const auto& c : std::vector<Case>{
           {"{", "invalid JSON"},
           {"[]", "expected a JSON object"},
           {no_mount, "mount namespace"},
           {bad_cap, "unknown capability 'CAP_NOPE'"},
           {user_ns, "uidMappings"},
           {bad_ns, "unknown namespace type 'pidd'"},
           {relative_cwd, "process.cwd"},
           {bad_sysctl, "not a sysctl setting"},
           {old, "not a 1.x runtime spec"},
           {R"({"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"args": [1]}})",
            "process.args"},
       }) {
    auto b = parse(c.text);
    ASSERT_FALSE(b) << c.text;
    EXPECT_EQ(b.error().input, "config.json");
    EXPECT_THAT(b.error().message, HasSubstr(c.expected)) << c.text;
  }
}

TEST(OciProcess, AProcessObjectIsRead) {
  auto p = parse_process(R"({"args": ["ls", "-l"], "env": ["A=b"], "cwd": "/tmp",
      "user": {"uid": 7, "gid": 8}, "capabilities": {"effective": ["CAP_CHOWN"]}})",
                         "process.json");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->spec.args.size(), 2U);
  EXPECT_EQ(p->spec.cwd, "/tmp");
  EXPECT_EQ(p->spec.gid, 8U);
  EXPECT_EQ(p->spec.oci->caps.effective, 1ULL);
  EXPECT_FALSE(parse_process(R"({"args": []})", "process.json"));
  EXPECT_FALSE(parse_process("nope", "process.json"));
}

TEST(OciRuntime, SignalsAndIdsAreReadAsRuncReadsThem) {
  EXPECT_EQ(parse_signal("KILL"), SIGKILL);
  EXPECT_EQ(parse_signal("SIGTERM"), SIGTERM);
  EXPECT_EQ(parse_signal("sigusr1"), SIGUSR1);
  EXPECT_EQ(parse_signal("9"), 9);
  EXPECT_FALSE(parse_signal("NOPE"));
  EXPECT_FALSE(parse_signal("0"));
  EXPECT_FALSE(parse_signal(""));
  EXPECT_TRUE(Containers::check_id("web-1_a.b+c"));
  EXPECT_FALSE(Containers::check_id("../x"));
  EXPECT_FALSE(Containers::check_id(".."));
  EXPECT_FALSE(Containers::check_id(""));
  EXPECT_FALSE(Containers::check_id("a/b"));
}

} // namespace
