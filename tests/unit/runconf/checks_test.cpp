#include <moat/core/check.hpp>
#include <moat/runconf/runconf.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace runconf_checks_test {
namespace {

using moat::runconf::check;
using moat::runconf::read_docker_run;

// Every check this hardened line could trip, it passes.
constexpr std::string_view k_hardened =
    "docker run -d --read-only --cap-drop ALL --cap-add NET_BIND_SERVICE "
    "--security-opt no-new-privileges --user 1000:1000 --memory 64m --pids-limit 50 --cpus 0.5 "
    "--health-cmd 'curl -f http://localhost/' --restart on-failure:5 "
    "--ulimit nofile=1024:2048 --network appnet -p 127.0.0.1:8080:80 "
    "-v /srv/site:/usr/share/nginx/html:ro --tmpfs /tmp -e MODE=production nginx:1.25.3";

std::multiset<std::string> ids_of(std::string_view line) {
  auto spec = read_docker_run(line);
  EXPECT_TRUE(spec.has_value()) << (spec ? "" : spec.error().message);
  std::multiset<std::string> ids;
  if (spec)
    for (const auto& f : check(*spec))
      ids.emplace(f.check->id);
  return ids;
}

} // namespace

TEST(RunconfChecks, TableIsSortedUniqueAndComplete) {
  EXPECT_THAT(moat::core::validate_table(moat::runconf::checks()), ::testing::IsEmpty());
}

TEST(RunconfChecks, HardenedRunHasNoFinding) {
  EXPECT_THAT(ids_of(k_hardened), ::testing::IsEmpty());
}

struct Case {
  const char* id;
  const char* flags;     // added to the hardened line, or replacing what it names
  const char* drop = ""; // a word of the hardened line to remove first
};

class RunconfCheck : public ::testing::TestWithParam<Case> {};

// The bad fixture: the hardened line with one change. It must trip exactly
// the check under test (and the hardened line, the good fixture, none).
TEST_P(RunconfCheck, BadLineTripsTheCheck) {
  const Case& c = GetParam();
  std::string line(k_hardened);
  if (*c.drop != '\0') {
    const auto at = line.find(c.drop);
    ASSERT_NE(at, std::string::npos) << c.drop;
    line.erase(at, std::string_view(c.drop).size());
  }
  const auto image = line.rfind(' ');
  line.insert(image, std::string(" ") + c.flags);
  const auto ids = ids_of(line);
  EXPECT_EQ(ids.count(c.id), 1U) << line;
  for (const auto& id : ids)
    EXPECT_EQ(id, c.id) << line;
}

INSTANTIATE_TEST_SUITE_P(
    EachCheck, RunconfCheck,
    ::testing::Values(
        Case{"RC001", "--privileged"}, Case{"RC002", "--cap-add SYS_ADMIN"},
        Case{"RC002", "--cap-add=cap_sys_ptrace"}, Case{"RC003", "--cap-add NET_BROADCAST"},
        Case{"RC004", "", "--cap-drop ALL --cap-add NET_BIND_SERVICE"},
        Case{"RC005", "--security-opt apparmor=unconfined"},
        Case{"RC006", "--security-opt label=disable"},
        Case{"RC006", "--security-opt label:disable"},
        Case{"RC007", "--security-opt seccomp=unconfined"},
        Case{"RC008", "--security-opt systempaths=unconfined"},
        Case{"RC009", "", "--security-opt no-new-privileges"},
        Case{"RC009", "--security-opt no-new-privileges=false", "--security-opt no-new-privileges"},
        Case{"RC010", "-v /etc:/host/etc:ro"}, Case{"RC010", "--mount type=bind,src=/,dst=/host"},
        Case{"RC011", "-v /var/run/docker.sock:/var/run/docker.sock"},
        Case{"RC011", "-v /run/containerd/containerd.sock:/c.sock:ro"},
        Case{"RC012", "-v /srv/data:/data"}, Case{"RC013", "-v /srv/data:/data:ro,rshared"},
        Case{"RC014", "--network host", "--network appnet"}, Case{"RC015", "--pid host"},
        // Docker adds label=disable itself to a container in the host PID namespace.
        Case{"RC015", "--pid host --security-opt label=disable"}, Case{"RC016", "--ipc=host"},
        Case{"RC017", "--uts host"}, Case{"RC018", "--userns host"},
        Case{"RC019", "--device /dev/sda:/dev/xvda:r"}, Case{"RC020", "", "--memory 64m"},
        Case{"RC021", "", "--cpus 0.5"}, Case{"RC022", "", "--pids-limit 50"},
        Case{"RC022", "--pids-limit -1", "--pids-limit 50"}, Case{"RC023", "", "--read-only"},
        Case{"RC024", "-u root", "--user 1000:1000"},
        Case{"RC024", "--user 0:0", "--user 1000:1000"}, Case{"RC025", "-p 127.0.0.1:80:80"},
        Case{"RC026", "-p 8080:80"}, Case{"RC026", "-p [::]:8443:443"}, Case{"RC026", "-p 9000"},
        Case{"RC027", "--restart on-failure:10", "--restart on-failure:5"},
        Case{"RC027", "--restart always", "--restart on-failure:5"},
        Case{"RC028", "--no-healthcheck", "--health-cmd 'curl -f http://localhost/'"},
        Case{"RC029", "--cgroup-parent /custom"}, Case{"RC030", "", "--ulimit nofile=1024:2048"},
        Case{"RC032", "", "--network appnet"},
        Case{"RC033", "-e AWS_ACCESS_KEY_ID=AKIA4HG7JQ2K9WX3M5PZ"},
        Case{"RC034", "-e DB_PASSWORD=correct-horse-battery"},
        Case{"RC035", "--sysctl vm.swappiness=10"}));

// The image is the last word of these lines: its pin is judged alone.
TEST(RunconfChecks, ImagesWithoutATagOrWithLatestAreUnpinned) {
  std::string base(k_hardened);
  base.erase(base.rfind(' '));
  for (const char* image :
       {"nginx", "nginx:latest", "registry:5000/team/app", "registry:5000/team/app:latest"}) {
    const auto ids = ids_of(base + " " + image);
    EXPECT_EQ(ids, (std::multiset<std::string>{"RC031"})) << image;
  }
  for (const char* image : {"nginx:1.25", "registry:5000/team/app:2", "nginx@sha256:0123"})
    EXPECT_THAT(ids_of(base + " " + image), ::testing::IsEmpty()) << image;
}

// Sysctls that are namespaced per container are fine, unless the host's
// network namespace is shared and they are net.* ones.
TEST(RunconfChecks, NamespacedSysctlsAreFine) {
  EXPECT_THAT(ids_of(std::string(k_hardened)
                         .insert(10, " --sysctl net.ipv4.ip_forward=1 "
                                     "--sysctl kernel.shmmax=1000")),
              ::testing::IsEmpty());
  std::string host_net(k_hardened);
  host_net.replace(host_net.find("--network appnet"), 16, "--network host");
  const auto ids = ids_of(host_net.insert(10, " --sysctl net.ipv4.ip_forward=1"));
  EXPECT_EQ(ids, (std::multiset<std::string>{"RC014", "RC035"}));
}

// Findings carry the line and column of the flag's value and name the
// container.
TEST(RunconfChecks, FindingsPointAtTheFlag) {
  auto spec = read_docker_run("docker run --name web \\\n  --privileged nginx:1");
  ASSERT_TRUE(spec.has_value());
  for (const auto& f : check(*spec)) {
    if (f.check->id != std::string_view("RC001"))
      continue;
    EXPECT_EQ(f.location.file, "--docker-run");
    EXPECT_EQ(f.location.line, 2);
    EXPECT_EQ(f.location.column, 3);
    EXPECT_EQ(f.message, "container 'web': runs privileged");
    return;
  }
  ADD_FAILURE() << "no RC001";
}

// A secret value is never printed whole.
TEST(RunconfChecks, SecretValuesAreRedacted) {
  auto spec = read_docker_run("docker run -e TOKEN=AKIA4HG7JQ2K9WX3M5PZ img:1");
  ASSERT_TRUE(spec.has_value());
  bool found = false;
  for (const auto& f : check(*spec)) {
    EXPECT_EQ(f.message.find("AKIA4HG7JQ2K9WX3M5PZ"), std::string::npos) << f.message;
    found = found || f.check->id == std::string_view("RC033");
  }
  EXPECT_TRUE(found);
}

} // namespace runconf_checks_test
