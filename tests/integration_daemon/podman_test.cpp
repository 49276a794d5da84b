// moat config and moat bench through Podman's Docker-compatible API: a real
// `podman system service` with deliberately insecure containers. Podman has
// no dockerd: its containers are judged like Docker's, the dockerd settings
// it lacks are no findings, and its own socket is the one judged.

#include <gtest/gtest.h>

#include "json_reports.hpp"
#include "services.hpp"
#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>
#include <memory>
#include <set>

namespace podman_test {

namespace {

using moat::test::TempDir;
using nlohmann::json;

// No network of their own (nothing on the host changes), and limits below
// the machine's: Podman asks the runtime for its own process's limits,
// which a sandboxed machine may not grant.
constexpr const char* k_base = "--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024";
constexpr const char* k_hardened =
    "--read-only --cap-drop ALL --security-opt no-new-privileges --user 1000 --memory 64m "
    "--pids-limit 50 --cpus 0.5 --health-cmd true";

struct Container {
  std::string name;
  std::string flags;
  std::set<std::string> expected; // RC findings at low and above
};

std::vector<Container> containers(const std::string& socket) {
  const std::string h = std::string(k_hardened) + " " + k_base;
  return {
      {"hardened", h, {}},
      {"sysadmin", h + " --cap-add SYS_ADMIN", {"RC002"}},
      {"socket", h + " -v " + socket + ":/var/run/docker.sock", {"RC011"}},
      {"pidhost", h + " --pid host", {"RC015"}},
      {"etcrw", h + " -v /etc:/host/etc", {"RC010"}},
      {"unconfined", h + " --security-opt seccomp=unconfined", {"RC007"}},
      // Podman limits every container to 2048 processes (containers.conf's
      // pids_limit) unless told otherwise: no RC022, unlike Docker.
      {"nolimits",
       std::string("--read-only --cap-drop ALL --security-opt no-new-privileges --user 1000 "
                   "--health-cmd true ") +
           k_base,
       {"RC020", "RC021"}},
      {"pidsunlimited", h + " --pids-limit -1", {"RC022"}},
  };
}

class PodmanTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = std::make_unique<TempDir>();
    s_podman = std::make_unique<moat::test::PodmanService>();
    if (auto ok = prepare(); !ok)
      s_skip = ok.error();
  }

  static void TearDownTestSuite() {
    s_podman.reset();
    s_dir.reset();
  }

  void SetUp() override {
    if (!s_skip.empty())
      GTEST_SKIP() << "cannot run Podman containers: " << s_skip;
    ::setenv("DOCKER_HOST", s_podman->host().c_str(), 1);
  }

  void TearDown() override { ::unsetenv("DOCKER_HOST"); }

  static moat::test::Started prepare() {
    const auto& dir = s_dir->path();
    if (auto ok = s_podman->start(dir / "p"); !ok)
      return ok;
    const auto rootfs = dir / "rootfs";
    if (auto ok = moat::test::make_busybox_rootfs(rootfs); !ok)
      return ok;
    auto packed =
        moat::test::run_command("tar -C " + moat::test::shell_quote(rootfs.string()) + " -cf " +
                                moat::test::shell_quote((dir / "rootfs.tar").string()) + " .");
    if (packed.exit_code != 0)
      return std::unexpected("tar failed: " + packed.output);
    auto imported = s_podman->podman("import -q -c 'CMD [\"/bin/sleep\", \"3600\"]' " +
                                     moat::test::shell_quote((dir / "rootfs.tar").string()) +
                                     " bench/busybox:1");
    if (imported.exit_code != 0)
      return std::unexpected("podman import failed: " + imported.output);
    for (const auto& c : containers(s_podman->socket().string())) {
      auto run = s_podman->podman("run -d --name " + c.name + " " + c.flags + " bench/busybox:1");
      if (run.exit_code != 0)
        return std::unexpected("podman run " + c.name + " failed: " + run.output);
    }
    auto made = s_podman->podman(std::string("create --name privileged --privileged ") + k_base +
                                 " bench/busybox:1");
    if (made.exit_code != 0)
      return std::unexpected("podman create failed: " + made.output);
    return {};
  }

  static inline std::unique_ptr<TempDir> s_dir;
  static inline std::unique_ptr<moat::test::PodmanService> s_podman;
  static inline std::string s_skip;
};

TEST_F(PodmanTest, MoatConfigJudgesEachPodmanContainer) {
  for (const auto& c : containers(s_podman->socket().string())) {
    SCOPED_TRACE(c.name);
    auto r = moat::test::run_moat("config --format json container://" + c.name);
    ASSERT_NE(r.exit_code, 2) << r.err;
    EXPECT_EQ(moat::test::problem_ids(json::parse(r.out)["targets"][0]["findings"]), c.expected)
        << r.out;
  }
  auto r = moat::test::run_moat("config --format json container://privileged");
  ASSERT_NE(r.exit_code, 2) << r.err;
  EXPECT_TRUE(
      moat::test::problem_ids(json::parse(r.out)["targets"][0]["findings"]).contains("RC001"))
      << r.out;
  // Every running container at once.
  r = moat::test::run_moat("config --format json container://");
  ASSERT_NE(r.exit_code, 2) << r.err;
  EXPECT_EQ(json::parse(r.out)["targets"].size(), containers("").size()) << r.out;
}

TEST_F(PodmanTest, MoatBenchJudgesPodmanOnWhatItHas) {
  auto r = moat::test::run_moat("bench --format json");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto target = json::parse(r.out)["targets"][0];
  std::map<std::string, std::set<std::string>> by_container;
  std::map<std::string, std::string> host_findings; // id -> severity
  std::map<std::string, std::string> messages;
  for (const auto& f : target["findings"]) {
    const auto id = f["id"].get<std::string>();
    const auto file = f["location"]["file"].get<std::string>();
    messages[id] += f["message"].get<std::string>() + "\n";
    if (file.starts_with("container://")) {
      if (f["severity"] != "info")
        by_container[file.substr(12)].insert(id);
    } else {
      host_findings[id] = f["severity"].get<std::string>();
    }
  }
  for (const auto& c : containers(s_podman->socket().string()))
    EXPECT_EQ(by_container[c.name], c.expected) << c.name;
  EXPECT_NE(messages["HB020"].find("Podman Engine"), std::string::npos) << messages["HB020"];
  // dockerd's settings are not Podman's: info, not findings.
  for (const char* id : {"HB022", "HB029", "HB034", "HB035", "HB036", "HB038"}) {
    EXPECT_EQ(host_findings[id], "info") << id;
    EXPECT_NE(messages[id].find("Podman has no such dockerd setting"), std::string::npos) << id;
  }
  // Podman's own socket is the one judged (it makes it 0600 root:root).
  std::map<std::string, std::string> passed;
  for (const auto& p : target["passed"])
    passed[p["id"].get<std::string>()] = p["message"].get<std::string>();
  for (const char* id : {"HB053", "HB054", "HB026", "HB037", "RC001"})
    EXPECT_TRUE(passed.contains(id)) << id << "\n" << r.out;
  EXPECT_NE(passed["HB053"].find(s_podman->socket().string()), std::string::npos)
      << passed["HB053"];
}

} // namespace

} // namespace podman_test
