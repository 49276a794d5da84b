#include <moat/host/bench.hpp>
#include <moat/runconf/runconf.hpp>

#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace host_bench_test {
namespace {

using moat::host::HostState;
using moat::host::Root;
using moat::test::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* k_daemon_json = R"({
  "icc": false,
  "log-level": "info",
  "userns-remap": "default",
  "no-new-privileges": true,
  "live-restore": true,
  "userland-proxy": false,
  "authorization-plugins": ["authz-broker"],
  "log-driver": "syslog",
  "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 1024, "Soft": 1024}}
})";

const std::vector<std::string> k_audited = {
    "/usr/bin/dockerd",
    "/run/containerd",
    "/var/lib/docker",
    "/etc/docker",
    "/lib/systemd/system/docker.service",
    "/run/containerd/containerd.sock",
    "/lib/systemd/system/docker.socket",
    "/etc/default/docker",
    "/etc/docker/daemon.json",
    "/etc/containerd/config.toml",
    "/etc/sysconfig/docker",
    "/usr/bin/containerd",
    "/usr/bin/containerd-shim",
    "/usr/bin/containerd-shim-runc-v1",
    "/usr/bin/containerd-shim-runc-v2",
    "/usr/bin/runc",
};

void make_socket(const fs::path& path, unsigned mode, gid_t gid) {
  fs::create_directories(path.parent_path());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.string().copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << path;
  ::close(fd);
  ASSERT_EQ(::chown(path.c_str(), 0, gid), 0);
  fs::permissions(path, fs::perms(mode));
}

// A host set up the way the benchmark asks.
void make_good_host(const TempDir& dir) {
  dir.write("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  dir.write("etc/group", "root:x:0:\ndocker:x:999:\nalice:x:1000:\n");
  dir.write("etc/docker/daemon.json", k_daemon_json);
  fs::permissions(dir.path() / "etc/docker", fs::perms(0755));
  for (const char* unit : {"lib/systemd/system/docker.service", "lib/systemd/system/docker.socket"})
    dir.write(unit, "[Unit]\n");
  for (const char* file :
       {"usr/bin/dockerd", "usr/bin/containerd", "usr/bin/containerd-shim",
        "usr/bin/containerd-shim-runc-v1", "usr/bin/containerd-shim-runc-v2", "usr/bin/runc",
        "etc/default/docker", "etc/containerd/config.toml", "etc/sysconfig/docker"})
    dir.write(file, "x");
  fs::create_directories(dir.path() / "var/lib/docker");
  std::string rules = "# docker\n";
  for (const auto& path : k_audited)
    rules += "-w " + path + " -p rwxa -k docker\n";
  dir.write("etc/audit/rules.d/docker.rules", rules);
  dir.write("proc/1/mountinfo", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                "90 22 8:17 / /var/lib/docker rw - xfs /dev/sdb1 rw\n");
  dir.write("proc/42/comm", "dockerd\n");
  dir.write("proc/42/cmdline", std::string("/usr/bin/dockerd\0-H\0fd://\0", 27));
  make_socket(dir.path() / "run/containerd/containerd.sock", 0660, 0);
  make_socket(dir.path() / "var/run/docker.sock", 0660, 999);
}

// What a daemon set up that way answers.
void make_good_engine(HostState& state) {
  state.engine.error.clear();
  state.engine.info = json::parse(R"({
    "Driver": "overlay2", "LoggingDriver": "syslog", "LiveRestoreEnabled": true,
    "SecurityOptions": ["name=apparmor", "name=seccomp,profile=builtin", "name=userns"],
    "Swarm": {"LocalNodeState": "inactive"}, "DockerRootDir": "/var/lib/docker/100000.100000"})");
  state.engine.version = json::parse(R"({"Version": "27.3.1", "ApiVersion": "1.47"})");
  state.engine.image_inspects = {json::parse(
      R"({"Id": "sha256:1111", "RepoTags": ["api:2.1"],
          "Config": {"Healthcheck": {"Test": ["CMD", "/api", "health"]}}})")};
  state.engine.image_histories = {json::parse(
      R"([{"CreatedBy": "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit"},
          {"CreatedBy": "COPY app /app # buildkit"},
          {"CreatedBy": "/bin/sh -c #(nop) ADD file:4b03b5f5 in / "}])")};
  state.engine.networks = json::array();
  const auto text =
      moat::test::read_text(fs::path(MOAT_FIXTURES_DIR) / "runconf" / "inspect-hardened.json");
  auto specs = moat::runconf::read_inspect(text, "container://api");
  ASSERT_TRUE(specs.has_value());
  for (auto& spec : *specs) {
    spec.kind = "container";
    spec.source = "container://" + spec.name;
    spec.processes = std::vector<std::string>{"/api serve"};
    state.engine.containers.push_back(spec);
  }
  state.engine.container_inspects = {json::parse(text)};
  state.engine.all_containers = 1;
}

struct Run {
  std::multiset<std::string> problems; // findings above info
  std::set<std::string> infos;
  std::set<std::string> passed;
  std::multimap<std::string, std::string> messages; // every finding's and pass's, by id
};

Run bench(const fs::path& root_dir, const std::function<void(HostState&)>& engine) {
  const Root root(root_dir);
  moat::host::GatherOptions options;
  options.ask_daemon = false;
  auto state = moat::host::gather(root, options);
  EXPECT_TRUE(state.has_value()) << state.error().to_string();
  Run run;
  if (!state)
    return run;
  make_good_engine(*state);
  if (engine)
    engine(*state);
  const auto report = moat::host::bench(*state, "host");
  for (const auto& f : report.findings) {
    if (f.severity > moat::core::Severity::info)
      run.problems.emplace(f.check->id);
    else
      run.infos.emplace(f.check->id);
    run.messages.emplace(f.check->id, f.message);
  }
  for (const auto& p : report.passed) {
    run.passed.emplace(p.check->id);
    run.messages.emplace(p.check->id, p.message);
  }
  return run;
}

bool root_or_skip() {
  return ::geteuid() == 0;
}

TEST(Bench, GoodHostPassesEveryMeasurableCheck) {
  if (!root_or_skip())
    GTEST_SKIP() << "needs root to own the prepared files as root";
  ::setenv("DOCKER_CONTENT_TRUST", "1", 1);
  TempDir dir;
  make_good_host(dir);
  const auto run = bench(dir.path(), {});
  EXPECT_THAT(run.problems, ::testing::IsEmpty());
  // What only a person can judge, or what this host has nothing of.
  EXPECT_EQ(run.infos,
            (std::set<std::string>{"HB019", "HB020", "HB021", "HB027", "HB045", "HB046", "HB047",
                                   "HB048", "HB049", "HB050", "HB051", "HB052", "HB063", "HB064",
                                   "HB065", "HB069", "HB071", "HB072", "HB073", "HB075", "HB076",
                                   "HB077", "HB079", "HB080", "HB081", "HB082", "HB083", "HB084",
                                   "HB085", "HB086", "HB087", "HB088", "HB089"}));
  for (const char* id : {"HB001", "HB003", "HB011", "HB018", "HB022", "HB029", "HB034", "HB040",
                         "HB053", "HB054", "HB061", "HB066", "HB067", "HB074", "RC001", "RC050"})
    EXPECT_TRUE(run.passed.contains(id)) << id;
  // Every check is decided one way or the other.
  std::size_t cis_rc = 0;
  for (const auto& c : moat::runconf::checks())
    for (auto alias : moat::core::aliases_of(c))
      if (alias.starts_with("CIS-5.") || alias == "CIS-4.1") {
        ++cis_rc;
        break;
      }
  EXPECT_EQ(run.passed.size() + run.infos.size(), moat::host::checks().size() + cis_rc);
}

struct Case {
  std::vector<const char*> ids; // exactly these findings above info
  std::function<void(const TempDir&)> files;
  std::function<void(HostState&)> engine = {};
};

class BenchCheck : public ::testing::TestWithParam<Case> {};

void set_json(const TempDir& dir, const std::string& member) {
  auto doc = json::parse(k_daemon_json);
  doc.merge_patch(json::parse("{" + member + "}"));
  dir.write("etc/docker/daemon.json", doc.dump());
}

// The bad fixture: the good host with one thing changed.
TEST_P(BenchCheck, TheChangeTripsTheCheck) {
  if (!root_or_skip())
    GTEST_SKIP() << "needs root to own the prepared files as root";
  ::setenv("DOCKER_CONTENT_TRUST", "1", 1);
  const auto& c = GetParam();
  TempDir dir;
  make_good_host(dir);
  if (c.files)
    c.files(dir);
  const auto run = bench(dir.path(), c.engine);
  EXPECT_EQ(run.problems, std::multiset<std::string>(c.ids.begin(), c.ids.end()));
}

INSTANTIATE_TEST_SUITE_P(
    EachCheck, BenchCheck,
    ::testing::Values(
        // dockerd bind-mounts the data root onto itself: same device.
        Case{{"HB001"},
             [](const TempDir& d) {
               d.write("proc/1/mountinfo",
                       "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                       "90 22 8:1 /var/lib/docker /var/lib/docker rw - ext4 /dev/sda1 rw\n");
             }},
        Case{{"HB003"},
             [](const TempDir& d) {
               std::string rules;
               for (const auto& p : k_audited)
                 if (p != "/usr/bin/dockerd")
                   rules += "-w " + p + " -k docker\n";
               d.write("etc/audit/rules.d/docker.rules", rules);
             }},
        // A rule for the shim is not a rule for containerd.
        Case{{"HB014"},
             [](const TempDir& d) {
               std::string rules;
               for (const auto& p : k_audited)
                 if (p != "/usr/bin/containerd")
                   rules += "-w " + p + " -k docker\n";
               d.write("etc/audit/rules.d/docker.rules", rules);
             }},
        // --config-file (space form) names the daemon.json read: it is the
        // one that must be audited.
        Case{{"HB011"},
             [](const TempDir& d) {
               d.write("srv/docker.json", k_daemon_json);
               d.write("proc/42/cmdline",
                       std::string("/usr/bin/dockerd\0--config-file\0/srv/docker.json\0", 48));
             }},
        Case{{"HB022"}, [](const TempDir& d) { set_json(d, R"("icc": true)"); }},
        Case{{"HB023"}, [](const TempDir& d) { set_json(d, R"("log-level": "debug")"); }},
        Case{{"HB024"}, [](const TempDir& d) { set_json(d, R"("iptables": false)"); }},
        Case{{"HB025"},
             [](const TempDir& d) { set_json(d, R"("insecure-registries": ["reg:5000"])"); }},
        Case{{"HB027"},
             [](const TempDir& d) {
               set_json(d, R"("hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"])");
             }},
        Case{{"HB029"}, [](const TempDir& d) { set_json(d, R"("userns-remap": null)"); }},
        Case{{"HB030"}, [](const TempDir& d) { set_json(d, R"("cgroup-parent": "/batch")"); }},
        Case{{"HB032"}, [](const TempDir& d) { set_json(d, R"("authorization-plugins": null)"); }},
        Case{{"HB033"}, {}, [](HostState& s) { s.engine.info["LoggingDriver"] = "json-file"; }},
        Case{{"HB034"}, [](const TempDir& d) { set_json(d, R"("no-new-privileges": null)"); }},
        Case{{"HB035"},
             [](const TempDir& d) { set_json(d, R"("live-restore": false)"); },
             [](HostState& s) { s.engine.info["LiveRestoreEnabled"] = false; }},
        Case{{"HB036"}, [](const TempDir& d) { set_json(d, R"("userland-proxy": true)"); }},
        Case{{"HB037"},
             [](const TempDir& d) { set_json(d, R"("seccomp-profile": "unconfined")"); }},
        Case{{"HB038"}, [](const TempDir& d) { set_json(d, R"("experimental": true)"); }},
        // 0606 is below 644 as a decimal number, and world-writable.
        Case{{"HB040"},
             [](const TempDir& d) {
               fs::permissions(d.path() / "lib/systemd/system/docker.service", fs::perms(0606));
             }},
        Case{{"HB039"},
             [](const TempDir& d) {
               ASSERT_EQ(::chown((d.path() / "lib/systemd/system/docker.service").c_str(), 1000, 0),
                         0);
             }},
        Case{{"HB053"},
             [](const TempDir& d) {
               ASSERT_EQ(::chown((d.path() / "var/run/docker.sock").c_str(), 0, 0), 0);
             }},
        Case{{"HB054"},
             [](const TempDir& d) {
               fs::permissions(d.path() / "var/run/docker.sock", fs::perms(0666));
             }},
        Case{{"HB056"},
             [](const TempDir& d) {
               fs::permissions(d.path() / "etc/docker/daemon.json", fs::perms(0664));
             }},
        Case{{"HB052"},
             [](const TempDir& d) {
               set_json(d, R"("tlskey": "/etc/docker/key.pem")");
               d.write("etc/docker/key.pem", "KEY");
               fs::permissions(d.path() / "etc/docker/key.pem", fs::perms(0640));
             }},
        Case{{"HB062"},
             [](const TempDir& d) {
               fs::permissions(d.path() / "run/containerd/containerd.sock", fs::perms(0666));
             }},
        Case{{"HB066"}, [](const TempDir&) { ::setenv("DOCKER_CONTENT_TRUST", "0", 1); }},
        Case{{"HB067"},
             {},
             [](HostState& s) { s.engine.image_inspects[0]["Config"].erase("Healthcheck"); }},
        // ADD in the image's own layers (not the base file system's).
        Case{{"HB070"},
             {},
             [](HostState& s) {
               s.engine.image_histories[0][1]["CreatedBy"] = "ADD app.tar.gz /app # buildkit";
             }},
        Case{{"HB074"},
             {},
             [](HostState& s) { s.engine.info["Swarm"]["LocalNodeState"] = "pending"; }},
        Case{{"RC001"}, {}, [](HostState& s) { s.engine.containers[0].privileged.value = true; }},
        // The good host remaps users: --userns=host undoes it.
        Case{
            {"RC018"}, {}, [](HostState& s) { s.engine.containers[0].userns_mode.value = "host"; }},
        // Without remapping there is nothing to undo.
        Case{{"HB029"},
             [](const TempDir& d) { set_json(d, R"("userns-remap": null)"); },
             [](HostState& s) { s.engine.containers[0].userns_mode.value = "host"; }},
        Case{{"RC050"}, {}, [](HostState& s) {
               s.engine.containers[0].processes =
                   std::vector<std::string>{"/usr/sbin/sshd -D", "/api serve"};
             }}));

// Without a daemon the checks that need it say so; they never pass.
TEST(Bench, UnreachableDaemonIsNothingToMeasure) {
  TempDir dir;
  dir.write("etc/docker/daemon.json", k_daemon_json);
  const Root root(dir.path());
  moat::host::GatherOptions options;
  options.ask_daemon = false;
  auto state = moat::host::gather(root, options);
  ASSERT_TRUE(state.has_value());
  const auto report = moat::host::bench(*state, "host");
  std::set<std::string> passed;
  for (const auto& p : report.passed)
    passed.emplace(p.check->id);
  for (const char* id : {"RC001", "RC050", "HB074", "HB079", "HB087", "HB067"})
    EXPECT_FALSE(passed.contains(id)) << id;
  bool said = false;
  for (const auto& f : report.findings)
    if (f.check->id == std::string_view("RC001")) {
      said = true;
      EXPECT_EQ(f.severity, moat::core::Severity::info);
    }
  EXPECT_TRUE(said);
  // The daemon.json settings are judged all the same.
  EXPECT_TRUE(passed.contains("HB022"));
}

TEST(Bench, SwarmChecksWhenTheNodeIsAManager) {
  if (!root_or_skip())
    GTEST_SKIP() << "needs root to own the prepared files as root";
  ::setenv("DOCKER_CONTENT_TRUST", "1", 1);
  TempDir dir;
  make_good_host(dir);
  dir.write("proc/net/tcp",
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
            "   0: 00000000:0949 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0\n");
  const auto run = bench(dir.path(), [](HostState& s) {
    s.engine.info["Swarm"] = json::parse(R"({"LocalNodeState": "active", "ControlAvailable": true,
        "Managers": 1, "Nodes": 3,
        "Cluster": {"Spec": {"CAConfig": {"NodeCertExpiry": 7776000000000000}}}})");
    s.engine.swarm = json::parse(R"({"Spec": {"EncryptionConfig": {"AutoLockManagers": false}}})");
    s.engine.networks = json::parse(
        R"([{"Name": "ingress", "Driver": "overlay", "Options": {}},
            {"Name": "secure", "Driver": "overlay", "Options": {"encrypted": ""}}])");
    s.engine.secrets = json::array();
  });
  EXPECT_EQ(run.problems, (std::multiset<std::string>{"HB074", "HB082", "HB083", "HB085"}));
  EXPECT_TRUE(run.infos.contains("HB035") || run.passed.contains("HB035"));
}

std::string message_of(const Run& run, const std::string& id) {
  std::string all;
  for (auto [it, end] = run.messages.equal_range(id); it != end; ++it)
    all += it->second + "\n";
  return all;
}

// Podman's Docker-compatible API: no dockerd, no daemon.json; its own socket.
void make_podman(HostState& s) {
  s.dockerd.reset();
  s.daemon = moat::host::DaemonConfig{};
  s.socket = "/run/podman/podman.sock";
  s.engine.host = "unix:///run/podman/podman.sock";
  s.engine.version = json::parse(R"({"Version": "4.3.1", "ApiVersion": "1.41",
      "Components": [{"Name": "Podman Engine", "Version": "4.3.1"}, {"Name": "Conmon"}]})");
  s.engine.info["ExperimentalBuild"] = true;
  s.engine.info["SecurityOptions"] = json::parse(R"(["name=seccomp,profile=default"])");
  s.engine.info["DockerRootDir"] = "/var/lib/containers/storage";
  s.data_root = "/var/lib/containers/storage";
}

TEST(Bench, PodmanIsJudgedOnWhatItHas) {
  if (!root_or_skip())
    GTEST_SKIP() << "needs root to own the prepared files as root";
  ::setenv("DOCKER_CONTENT_TRUST", "1", 1);
  TempDir dir;
  make_good_host(dir);
  make_socket(dir.path() / "run/podman/podman.sock", 0660, 0);
  fs::create_directories(dir.path() / "var/lib/containers/storage");
  auto run = bench(dir.path(), make_podman);
  // The dockerd settings Podman does not have are no finding; what its API
  // reports (the storage driver, seccomp) is judged.
  for (const char* id : {"HB022", "HB023", "HB024", "HB029", "HB034", "HB035", "HB036", "HB038"}) {
    EXPECT_TRUE(run.infos.contains(id)) << id;
    EXPECT_THAT(message_of(run, id), ::testing::HasSubstr("Podman has no such dockerd setting"));
  }
  EXPECT_TRUE(run.passed.contains("HB026"));
  EXPECT_TRUE(run.passed.contains("HB037"));
  EXPECT_THAT(message_of(run, "HB020"), ::testing::HasSubstr("Podman Engine 4.3.1 (API 1.41)"));
  // Its socket is the one judged, owned by root:root.
  EXPECT_THAT(message_of(run, "HB053"),
              ::testing::HasSubstr("/run/podman/podman.sock owned by root:root"));
  EXPECT_THAT(message_of(run, "HB054"),
              ::testing::HasSubstr("/run/podman/podman.sock within 0660"));
  // Podman's storage is neither on a file system of its own in this host's
  // mounts nor watched by its audit rules.
  EXPECT_THAT(run.problems, ::testing::ElementsAre("HB001", "HB005"));
  EXPECT_THAT(message_of(run, "HB001"), ::testing::HasSubstr("/var/lib/containers/storage"));

  // A socket anyone can write to is a problem on Podman too.
  fs::permissions(dir.path() / "run/podman/podman.sock", fs::perms(0666));
  run = bench(dir.path(), make_podman);
  EXPECT_TRUE(run.problems.contains("HB054"));
  EXPECT_THAT(message_of(run, "HB054"),
              ::testing::HasSubstr("/run/podman/podman.sock has mode 0666"));
}

TEST(Bench, RootlessDaemonsNeedNoUsernsRemapAndOwnTheirSocket) {
  if (!root_or_skip())
    GTEST_SKIP() << "needs root to own the prepared files as root";
  ::setenv("DOCKER_CONTENT_TRUST", "1", 1);
  TempDir dir;
  make_good_host(dir);
  auto doc = json::parse(k_daemon_json);
  doc.erase("userns-remap");
  dir.write("etc/docker/daemon.json", doc.dump());
  // Owned by alice, as a rootless daemon's socket is; dockerd sets the sticky
  // bit on it.
  make_socket(dir.path() / "run/user/1000/docker.sock", 01660, 1000);
  ASSERT_EQ(::chown((dir.path() / "run/user/1000/docker.sock").c_str(), 1000, 1000), 0);
  dir.write("proc/42/cmdline",
            std::string("/usr/bin/dockerd\0--host=unix:///run/user/1000/docker.sock\0", 58));
  const auto run = bench(dir.path(), [](HostState& s) {
    s.engine.info["SecurityOptions"] =
        json::parse(R"(["name=seccomp,profile=builtin", "name=rootless"])");
    s.engine.info["DockerRootDir"] = "/var/lib/docker";
  });
  EXPECT_TRUE(run.passed.contains("HB021"));
  EXPECT_TRUE(run.passed.contains("HB029"));
  EXPECT_TRUE(run.infos.contains("HB053"));
  EXPECT_THAT(message_of(run, "HB053"),
              ::testing::HasSubstr(
                  "/run/user/1000/docker.sock belongs to the rootless daemon's user alice"));
  EXPECT_TRUE(run.passed.contains("HB054"));
  EXPECT_THAT(run.problems, ::testing::IsEmpty());
}

// Only a socket is a socket: a directory a bind mount left at the path is
// no Docker socket.
TEST(Bench, ADirectoryWhereTheSocketWouldBeIsNoSocket) {
  if (!root_or_skip())
    GTEST_SKIP() << "needs root to own the prepared files as root";
  TempDir dir;
  make_good_host(dir);
  fs::remove(dir.path() / "var/run/docker.sock");
  fs::create_directories(dir.path() / "var/run/docker.sock");
  const auto run = bench(dir.path(), {});
  EXPECT_TRUE(run.infos.contains("HB053"));
  EXPECT_TRUE(run.infos.contains("HB054"));
  EXPECT_THAT(message_of(run, "HB053"), ::testing::HasSubstr("the Docker socket is not there"));
}

} // namespace
} // namespace host_bench_test
