// moat config and moat bench against a real dockerd running deliberately
// insecure containers, and moat bench beside docker-bench-security on the
// same host: every verdict that differs must be one docs/docker-bench.md
// explains.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "json_reports.hpp"
#include "services.hpp"
#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <thread>

namespace bench_daemon_test {

namespace {

using moat::test::TempDir;
using nlohmann::json;

constexpr const char* k_hardened =
    "--read-only --cap-drop ALL --security-opt no-new-privileges --user 1000 --memory 64m "
    "--pids-limit 50 --cpus 0.5 --health-cmd true";

struct Container {
  std::string name;
  std::string flags;
  std::set<std::string> expected; // RC findings at low and above
};

// Each insecure container is the hardened one with one thing changed.
std::vector<Container> containers(const std::string& socket) {
  const std::string h = k_hardened;
  return {
      {"hardened", h, {}},
      {"sysadmin", h + " --cap-add SYS_ADMIN", {"RC002"}},
      {"socket", h + " -v " + socket + ":/var/run/docker.sock", {"RC011"}},
      {"pidhost", h + " --pid host", {"RC015"}},
      {"etcrw", h + " -v /etc:/host/etc", {"RC010"}},
      {"unconfined", h + " --security-opt seccomp=unconfined", {"RC007"}},
      {"nolimits",
       "--read-only --cap-drop ALL --security-opt no-new-privileges --user 1000 --health-cmd true",
       {"RC020", "RC021", "RC022"}},
      {"restart", h + " --restart on-failure:10", {"RC027"}},
      {"port80", h + " -p 0.0.0.0:80:80", {"RC025", "RC026"}},
  };
}

class BenchDaemonTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = std::make_unique<TempDir>();
    s_daemon = std::make_unique<moat::test::DockerDaemon>();
    if (auto ok = prepare(); !ok)
      s_skip = ok.error();
  }

  static void TearDownTestSuite() {
    if (s_daemon && s_skip.empty())
      (void)s_daemon->docker("rm -f $(docker -H " + s_daemon->host() + " ps -aq) >/dev/null 2>&1");
    s_daemon.reset();
    s_dir.reset();
  }

  void SetUp() override {
    if (!s_skip.empty())
      GTEST_SKIP() << "cannot run containers: " << s_skip;
    ::setenv("DOCKER_HOST", s_daemon->host().c_str(), 1);
  }

  void TearDown() override { ::unsetenv("DOCKER_HOST"); }

  static moat::test::Started prepare() {
    const auto& dir = s_dir->path();
    // A short path: dockerd's exec root holds unix sockets (108-byte limit).
    if (auto ok = s_daemon->start(dir / "d", true); !ok)
      return ok;
    // An image of busybox from Debian's busybox-static.
    const auto rootfs = dir / "rootfs";
    if (auto ok = moat::test::make_busybox_rootfs(rootfs); !ok)
      return ok;
    auto imported = moat::test::run_command(
        "tar -C " + moat::test::shell_quote(rootfs.string()) + " -c . | docker -H " +
        moat::test::shell_quote(s_daemon->host()) +
        " import -c 'CMD [\"/bin/sleep\", \"3600\"]' - bench/busybox:1 2>&1");
    if (imported.exit_code != 0)
      return std::unexpected("docker import failed: " + imported.output);
    // The previous test's daemon may still be letting go of port 80.
    for (int i = 0; i < 75 && moat::test::can_connect_tcp(80); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (const auto& c : containers(s_daemon->socket().string())) {
      auto run = s_daemon->docker("run -d --name " + c.name + " " + c.flags + " bench/busybox:1");
      if (run.exit_code != 0)
        return std::unexpected("docker run " + c.name + " failed: " + run.output);
    }
    // --privileged cannot start here: created only, judged from its inspect.
    auto made = s_daemon->docker("create --name privileged --privileged bench/busybox:1");
    if (made.exit_code != 0)
      return std::unexpected("docker create failed: " + made.output);
    return {};
  }

  static inline std::unique_ptr<TempDir> s_dir;
  static inline std::unique_ptr<moat::test::DockerDaemon> s_daemon;
  static inline std::string s_skip;
};

TEST_F(BenchDaemonTest, MoatConfigJudgesEachLiveContainer) {
  for (const auto& c : containers(s_daemon->socket().string())) {
    SCOPED_TRACE(c.name);
    auto r = moat::test::run_moat("config --format json container://" + c.name);
    ASSERT_NE(r.exit_code, 2) << r.err;
    const auto doc = json::parse(r.out);
    EXPECT_EQ(moat::test::problem_ids(doc["targets"][0]["findings"]), c.expected) << r.out;
  }
  auto r = moat::test::run_moat("config --format json container://privileged");
  EXPECT_TRUE(
      moat::test::problem_ids(json::parse(r.out)["targets"][0]["findings"]).contains("RC001"))
      << r.out;
}

TEST_F(BenchDaemonTest, MoatBenchJudgesTheDaemonAndEveryRunningContainer) {
  auto r = moat::test::run_moat("bench --format json");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto target = json::parse(r.out)["targets"][0];
  std::map<std::string, std::set<std::string>> by_container;
  std::set<std::string> host;
  for (const auto& f : target["findings"]) {
    if (f["severity"] == "info")
      continue;
    const auto file = f["location"]["file"].get<std::string>();
    if (file.starts_with("container://"))
      by_container[file.substr(12)].insert(f["id"].get<std::string>());
    else
      host.insert(f["id"].get<std::string>());
  }
  for (const auto& c : containers(s_daemon->socket().string())) {
    // moat bench adds CIS 4.1 (root user) and the checks beyond the
    // benchmark; the containers run as uid 1000 with every capability dropped.
    EXPECT_EQ(by_container[c.name], c.expected) << c.name;
  }
  // The test daemon runs with --iptables=false and none of the hardening.
  for (const char* id : {"HB024", "HB029", "HB034"})
    EXPECT_TRUE(host.contains(id)) << id;
  std::set<std::string> passed;
  for (const auto& p : target["passed"])
    passed.insert(p["id"].get<std::string>());
  EXPECT_TRUE(passed.contains("HB074")) << "swarm is not active";
  EXPECT_TRUE(passed.contains("RC001")) << "no running container is privileged";
}

// True when TEXT names ID as a CIS number on its own ("5.1", not "5.14").
bool names_id(const std::string& text, const std::string& id) {
  for (auto at = text.find(id); at != std::string::npos; at = text.find(id, at + 1)) {
    const auto end = at + id.size();
    const bool before_ok =
        at == 0 || (!std::isdigit(static_cast<unsigned char>(text[at - 1])) && text[at - 1] != '.');
    const bool after_ok =
        end >= text.size() || !(std::isdigit(static_cast<unsigned char>(text[end])) ||
                                (text[end] == '.' && end + 1 < text.size() &&
                                 std::isdigit(static_cast<unsigned char>(text[end + 1]))));
    if (before_ok && after_ok)
      return true;
  }
  return false;
}

TEST_F(BenchDaemonTest, EveryDisagreementWithDockerBenchSecurityIsExplained) {
  const auto peer = moat::test::shared_dir() / "peers/docker-bench-security";
  if (!std::filesystem::exists(peer / "docker-bench-security.sh"))
    GTEST_SKIP() << "docker-bench-security is not in " << peer;
  if (auto ok = moat::test::require_programs({"bash", "awk", "pgrep", "ss"}); !ok)
    GTEST_SKIP() << ok.error();
  const auto log = s_dir->path() / "dbs" / "bench.log";
  std::filesystem::create_directories(log.parent_path());
  // It sources its libraries from the working directory.
  auto run = moat::test::run_command(
      "cd " + moat::test::shell_quote(peer.string()) +
      " && DOCKER_HOST=" + moat::test::shell_quote(s_daemon->host()) +
      " bash docker-bench-security.sh -b -l " + moat::test::shell_quote(log.string()) + " 2>&1");
  ASSERT_TRUE(std::filesystem::exists(log.string() + ".json")) << run.output;
  const auto theirs = json::parse(moat::test::read_text(log.string() + ".json"));
  auto r = moat::test::run_moat("bench --format json");
  const auto ours = json::parse(r.out)["targets"][0];

  // moat's verdict per CIS number: WARN if any finding above info, INFO if
  // only info findings, PASS if it passed.
  std::map<std::string, std::set<std::string>> verdicts;
  auto cis_of = [](const json& aliases) {
    std::vector<std::string> out;
    for (const auto& a : aliases)
      if (a.get<std::string>().starts_with("CIS-"))
        out.push_back(a.get<std::string>().substr(4));
    return out;
  };
  for (const auto& f : ours["findings"])
    for (const auto& id : cis_of(f["aliases"]))
      verdicts[id].insert(f["severity"] == "info" ? "INFO" : "WARN");
  for (const auto& p : ours["passed"])
    for (const auto& id : cis_of(p["aliases"]))
      verdicts[id].insert("PASS");
  auto ours_for = [&](const std::string& id) -> std::string {
    const auto it = verdicts.find(id);
    if (it == verdicts.end())
      return "MISSING";
    if (it->second.contains("WARN"))
      return "WARN";
    return it->second.contains("INFO") ? "INFO" : "PASS";
  };

  const auto docs = moat::test::read_text(moat::test::source_dir() / "docs/docker-bench.md");
  std::size_t compared = 0;
  std::vector<std::string> unexplained;
  for (const auto& section : theirs["tests"])
    for (const auto& result : section["results"]) {
      const auto id = result["id"].get<std::string>();
      auto their = result["result"].get<std::string>();
      if (their == "NOTE")
        their = "INFO";
      const auto our = ours_for(id);
      ++compared;
      EXPECT_NE(our, "MISSING") << "moat has no check for CIS " << id;
      if (our != their && !names_id(docs, id))
        unexplained.push_back(id + ": docker-bench-security " + their + ", moat " + our);
    }
  EXPECT_EQ(compared, 117U) << "docker-bench-security ran every check of sections 1-7";
  EXPECT_THAT(unexplained, ::testing::IsEmpty())
      << "each disagreement needs its explanation in docs/docker-bench.md";
}

} // namespace

} // namespace bench_daemon_test
