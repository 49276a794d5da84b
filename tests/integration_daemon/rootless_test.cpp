// moat config and moat bench against a real rootless dockerd
// (dockerd-rootless.sh under rootlesskit), run by an unprivileged user:
// moat finds the daemon's socket in the user's runtime directory by itself,
// judges the rootless daemon as one (no userns-remap needed, the socket is
// the user's), and reads the user's own daemon.json, whoever runs moat.

#include <gtest/gtest.h>

#include "json_reports.hpp"
#include "services.hpp"
#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <set>

namespace rootless_test {

namespace {

using moat::test::TempDir;
using nlohmann::json;

constexpr const char* k_hardened =
    "--read-only --cap-drop ALL --security-opt no-new-privileges --user 1000 --memory 64m "
    "--pids-limit 50 --cpus 0.5 --health-cmd true";

class RootlessTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = std::make_unique<TempDir>();
    s_daemon = std::make_unique<moat::test::RootlessDockerDaemon>();
    if (auto ok = prepare(); !ok)
      s_skip = ok.error();
  }

  static void TearDownTestSuite() {
    if (s_daemon && s_skip.empty())
      (void)s_daemon->docker("rm -f hardened sysadmin socket >/dev/null 2>&1");
    s_daemon.reset();
    s_dir.reset();
  }

  void SetUp() override {
    if (!s_skip.empty())
      GTEST_SKIP() << "cannot run a rootless daemon: " << s_skip;
  }

  static moat::test::Started prepare() {
    const auto& dir = s_dir->path();
    const auto base = dir / "r";
    // The user's daemon.json, which the rootless daemon reads (start() hands
    // the home directory to the user).
    const auto config = base / "home/.config/docker/daemon.json";
    std::filesystem::create_directories(config.parent_path());
    moat::test::write_text(config, R"({"log-level": "warn"})");
    if (auto ok = s_daemon->start(base); !ok)
      return ok;
    const auto rootfs = dir / "rootfs";
    if (auto ok = moat::test::make_busybox_rootfs(rootfs); !ok)
      return ok;
    auto imported = moat::test::run_command(
        "tar -C " + moat::test::shell_quote(rootfs.string()) + " -c . | docker -H " +
        moat::test::shell_quote(s_daemon->host()) +
        " import -c 'CMD [\"/bin/sleep\", \"3600\"]' - bench/busybox:1 2>&1");
    if (imported.exit_code != 0)
      return std::unexpected("docker import failed: " + imported.output);
    const std::string h = k_hardened;
    for (const auto& [name, flags] : std::map<std::string, std::string>{
             {"hardened", h},
             {"sysadmin", h + " --cap-add SYS_ADMIN"},
             {"socket", h + " -v " + s_daemon->socket().string() + ":/var/run/docker.sock"}}) {
      auto run = s_daemon->docker("run -d --name " + name + " " + flags + " bench/busybox:1");
      if (run.exit_code != 0)
        return std::unexpected("docker run " + name + " failed: " + run.output);
    }
    // moat as the user: a copy it can reach.
    s_moat = base / "moat";
    std::filesystem::copy_file(MOAT_BINARY, s_moat);
    std::filesystem::permissions(s_moat, std::filesystem::perms(0755));
    return {};
  }

  // moat with ARGS as the daemon's user, without DOCKER_HOST.
  static moat::test::CommandResult moat_as_user(const std::string& args) {
    return s_daemon->as_user("cd / && " + moat::test::shell_quote(s_moat.string()) + " " + args +
                             " 2>/dev/null");
  }

  static inline std::unique_ptr<TempDir> s_dir;
  static inline std::unique_ptr<moat::test::RootlessDockerDaemon> s_daemon;
  static inline std::filesystem::path s_moat;
  static inline std::string s_skip;
};

TEST_F(RootlessTest, MoatFindsTheUsersOwnDaemon) {
  const std::map<std::string, std::set<std::string>> expected = {
      {"hardened", {}}, {"sysadmin", {"RC002"}}, {"socket", {"RC011"}}};
  for (const auto& [name, ids] : expected) {
    SCOPED_TRACE(name);
    auto r = moat_as_user("config --format json container://" + name);
    ASSERT_NE(r.exit_code, 2) << r.output;
    EXPECT_EQ(moat::test::problem_ids(json::parse(r.output)["targets"][0]["findings"]), ids)
        << r.output;
  }
}

struct BenchRun {
  std::map<std::string, std::set<std::string>> by_container;
  std::map<std::string, std::string> findings; // host findings: id -> messages
  std::map<std::string, std::string> passed;   // id -> message
};

BenchRun read_bench(const std::string& out) {
  BenchRun run;
  const auto target = json::parse(out)["targets"][0];
  for (const auto& f : target["findings"]) {
    const auto id = f["id"].get<std::string>();
    const auto file = f["location"]["file"].get<std::string>();
    if (file.starts_with("container://")) {
      if (f["severity"] != "info")
        run.by_container[file.substr(12)].insert(id);
    } else {
      run.findings[id] += f["message"].get<std::string>() + "\n";
    }
  }
  for (const auto& p : target["passed"])
    run.passed[p["id"].get<std::string>()] = p["message"].get<std::string>();
  return run;
}

TEST_F(RootlessTest, MoatBenchAsTheUserJudgesARootlessDaemon) {
  auto r = moat_as_user("bench --format json");
  ASSERT_EQ(r.exit_code, 1) << r.output;
  const auto run = read_bench(r.output);
  EXPECT_EQ(run.by_container.at("sysadmin"), std::set<std::string>{"RC002"});
  EXPECT_EQ(run.by_container.at("socket"), std::set<std::string>{"RC011"});
  EXPECT_FALSE(run.by_container.contains("hardened"));
  // Rootless: no userns-remap needed, and the socket is its user's.
  EXPECT_TRUE(run.passed.contains("HB021")) << r.output;
  EXPECT_TRUE(run.passed.contains("HB029")) << r.output;
  const auto socket = s_daemon->socket().string();
  EXPECT_NE(run.findings.at("HB053").find(socket + " belongs to the rootless daemon's user " +
                                          moat::test::RootlessDockerDaemon::k_user),
            std::string::npos)
      << run.findings.at("HB053");
  EXPECT_NE(run.passed.at("HB054").find(socket), std::string::npos);
  // The user's daemon.json is the one read.
  const auto config = (s_daemon->home() / ".config/docker/daemon.json").string();
  EXPECT_NE(run.findings.at("HB023").find("log-level is warn (" + config + ")"), std::string::npos)
      << run.findings.at("HB023");
}

// Root asking the rootless daemon's socket judges the same daemon: its
// command line and its user's daemon.json, read from its environment.
TEST_F(RootlessTest, MoatBenchAsRootJudgesTheDaemonItAsks) {
  ::setenv("DOCKER_HOST", s_daemon->host().c_str(), 1);
  auto r = moat::test::run_moat("bench --format json");
  ::unsetenv("DOCKER_HOST");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto run = read_bench(r.out);
  EXPECT_TRUE(run.passed.contains("HB021")) << r.out;
  const auto config = (s_daemon->home() / ".config/docker/daemon.json").string();
  EXPECT_NE(run.findings.at("HB023").find("log-level is warn (" + config + ")"), std::string::npos)
      << run.findings.at("HB023");
  EXPECT_EQ(run.by_container.at("sysadmin"), std::set<std::string>{"RC002"});
}

} // namespace

} // namespace rootless_test
