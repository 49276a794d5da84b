#include <moat/runconf/runconf.hpp>

#include <testutil.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

namespace runconf_inspect_test {
namespace {

using moat::runconf::read_docker_run;
using moat::runconf::read_inspect;

std::string fixture(const char* name) {
  return moat::test::read_text(std::filesystem::path(MOAT_FIXTURES_DIR) / "runconf" / name);
}

std::set<std::string> ids_of(const std::string& text) {
  auto specs = read_inspect(text, "inspect.json");
  EXPECT_TRUE(specs.has_value()) << (specs ? "" : specs.error().message);
  std::set<std::string> ids;
  if (specs)
    for (const auto& spec : *specs)
      for (const auto& f : moat::runconf::check(spec))
        ids.emplace(f.check->id);
  return ids;
}

} // namespace

// A container started with docker.sock and /etc mounted, SYS_ADMIN, host
// network and PID namespaces, seccomp and AppArmor off, no limits.
TEST(Inspect, InsecureContainerTripsItsChecks) {
  EXPECT_EQ(
      ids_of(fixture("inspect-insecure.json")),
      (std::set<std::string>{"RC002", "RC004", "RC005", "RC007", "RC009", "RC010", "RC011", "RC014",
                             "RC015", "RC020", "RC021", "RC022", "RC023", "RC024", "RC025", "RC026",
                             "RC027", "RC028", "RC030", "RC031", "RC033", "RC034", "RC035"}));
}

TEST(Inspect, HardenedContainerHasNoFinding) {
  EXPECT_THAT(ids_of(fixture("inspect-hardened.json")), ::testing::IsEmpty());
}

TEST(Inspect, ReadsTheFieldsItChecks) {
  auto specs = read_inspect(fixture("inspect-insecure.json"), "x.json");
  ASSERT_TRUE(specs.has_value());
  ASSERT_EQ(specs->size(), 1U);
  const auto& s = specs->front();
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.image.value, "nginx");
  ASSERT_EQ(s.cap_add.size(), 1U);
  EXPECT_EQ(s.cap_add[0].value, "SYS_ADMIN");
  ASSERT_EQ(s.mounts.size(), 2U);
  EXPECT_EQ(s.mounts[1].source, "/etc");
  EXPECT_FALSE(s.mounts[1].read_only);
  ASSERT_EQ(s.ports.size(), 1U);
  EXPECT_EQ(s.ports[0].host_port, 80);
  EXPECT_EQ(s.restart_retries.value, 10);
  ASSERT_TRUE(s.user.has_value());
  EXPECT_EQ(s.user->value, ""); // the merged configuration: root
}

// podman inspect writes the name without a slash and the image as ImageName.
TEST(Inspect, PodmanShapeIsRead) {
  auto specs = read_inspect(R"([{"Name": "db", "ImageName": "docker.io/library/postgres:16",
      "HostConfig": {"Privileged": true, "SecurityOpt": []}, "Config": {"User": "postgres"}}])",
                            "podman.json");
  ASSERT_TRUE(specs.has_value());
  ASSERT_EQ(specs->size(), 1U);
  EXPECT_EQ(specs->front().name, "db");
  EXPECT_EQ(specs->front().image.value, "docker.io/library/postgres:16");
  EXPECT_TRUE(specs->front().privileged.value);
}

TEST(Inspect, BadInputIsOneClearError) {
  struct Bad {
    const char* text;
    const char* message;
  };
  for (const Bad& bad : {
           Bad{"", "invalid JSON"},
           Bad{"[{\"Name\": \"x\",", "invalid JSON"},
           Bad{"42", "expected an object or an array of objects"},
           Bad{"[1]", "expected a container's inspect object"},
           Bad{R"({"Id": "sha256:1", "Config": {}, "RootFS": {"Type": "layers"}})",
               "an image's inspect output"},
           Bad{R"({"Name": "x"})", "no HostConfig"},
           Bad{R"({"HostConfig": {"Privileged": "yes"}})", "Privileged must be true or false"},
           Bad{R"({"HostConfig": {"Memory": "64m"}})", "Memory must be an integer"},
           Bad{R"({"HostConfig": {"CapAdd": "SYS_ADMIN"}})", "CapAdd"},
           Bad{R"({"HostConfig": {"PortBindings": {"80/tcp": "x"}}})", "PortBindings"},
       }) {
    auto specs = read_inspect(bad.text, "bad.json");
    ASSERT_FALSE(specs.has_value()) << bad.text;
    EXPECT_EQ(specs.error().input, "bad.json");
    EXPECT_NE(specs.error().message.find(bad.message), std::string::npos)
        << bad.text << ": " << specs.error().message;
  }
}

// The Engine API's top: each process's command; an SSH server among them
// is CIS 5.7. The same spec without processes (a file) cannot say.
TEST(Inspect, TopShowsAnSshServer) {
  const auto top = moat::runconf::read_top(
      R"({"Titles": ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
          "Processes": [["root", "1", "0", "0", "10:00", "?", "00:00:00", "/usr/sbin/sshd -D"],
                        ["root", "7", "1", "0", "10:00", "?", "00:00:00", "sleep 60"]]})");
  ASSERT_TRUE(top.has_value());
  EXPECT_THAT(*top, ::testing::ElementsAre("/usr/sbin/sshd -D", "sleep 60"));
  EXPECT_FALSE(moat::runconf::read_top(R"({"Titles": ["PID"], "Processes": [["1"]]})"));
  EXPECT_FALSE(moat::runconf::read_top("not json"));

  auto spec = read_docker_run("docker run --name s nginx:1.25");
  ASSERT_TRUE(spec.has_value());
  auto has_rc050 = [](const moat::runconf::ContainerSpec& s) {
    const auto findings = moat::runconf::check(s);
    return std::any_of(findings.begin(), findings.end(),
                       [](const auto& f) { return f.check->id == std::string_view("RC050"); });
  };
  EXPECT_FALSE(has_rc050(*spec));
  spec->processes = *top;
  EXPECT_TRUE(has_rc050(*spec));
  spec->processes = std::vector<std::string>{"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100",
                                             "nginx: master process"};
  EXPECT_TRUE(has_rc050(*spec));
  spec->processes = std::vector<std::string>{"nginx: master process", "/usr/bin/ssh-agent"};
  EXPECT_FALSE(has_rc050(*spec));
}

} // namespace runconf_inspect_test
