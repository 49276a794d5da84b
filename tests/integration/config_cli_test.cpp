// `moat config` through the moat executable: inspect JSON from a file and
// from standard input, docker run lines, the common options, bad input.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

using moat::test::read_text;
using moat::test::run_moat;
using moat::test::TempDir;
using ::testing::HasSubstr;

namespace config_cli_test {

namespace {

std::string fixture(const char* name) {
  return (std::filesystem::path(MOAT_FIXTURES_DIR) / "runconf" / name).string();
}

int lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

std::set<std::string> ids_in_json(const std::string& out) {
  std::set<std::string> ids;
  const auto doc = nlohmann::json::parse(out);
  for (const auto& target : doc["targets"])
    for (const auto& f : target["findings"])
      ids.insert(f["id"].get<std::string>());
  return ids;
}

} // namespace

TEST(ConfigCli, InsecureInspectFailsAndHardenedPasses) {
  auto bad = run_moat("config '" + fixture("inspect-insecure.json") + "'");
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_THAT(bad.out, HasSubstr("RC011"));
  EXPECT_THAT(bad.out, HasSubstr("CIS-5.32"));
  EXPECT_THAT(bad.out, HasSubstr("container 'web': mounts /var/run/docker.sock"));
  auto good = run_moat("config '" + fixture("inspect-hardened.json") + "'");
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
}

// `docker inspect web | moat config -`, and JSON output carrying the ids.
TEST(ConfigCli, StandardInputAndJson) {
  auto r = run_moat("config --format json -", {}, read_text(fixture("inspect-insecure.json")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto ids = ids_in_json(r.out);
  EXPECT_TRUE(ids.contains("RC007")) << r.out;
  EXPECT_TRUE(ids.contains("RC015")) << r.out;
}

TEST(ConfigCli, DockerRunLinesAndAliases) {
  auto r = run_moat("config --fail-on high --docker-run 'docker run -d --privileged nginx:1'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("RC001"));
  EXPECT_THAT(r.out, HasSubstr("1:15  CRITICAL  RC001"));
  // A CIS id ignores the check it names.
  r = run_moat("config --fail-on high --ignore CIS-5.5 "
               "--docker-run 'docker run -d --privileged nginx:1'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("RC001")));
}

TEST(ConfigCli, BadInputIsOneLineAndExitTwo) {
  TempDir dir;
  auto truncated = dir.write("truncated.json", "[{\"Name\": \"/x\", \"HostConfig\": {");
  auto image = dir.write("image.json", R"([{"Id": "sha256:1", "Config": {}, "RootFS": {}}])");
  auto yaml = dir.write("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n");
  auto notcompose = dir.write("other.yaml", "name: x\n");
  for (const auto& args : {
           std::string("config"),
           "config '" + truncated.string() + "'",
           "config '" + image.string() + "'",
           "config '" + yaml.string() + "'",
           "config '" + notcompose.string() + "'",
           "config '" + (dir.path() / "missing.json").string() + "'",
           std::string("config --docker-run 'docker run'"),
           std::string("config --docker-run 'docker run --memory lots img'"),
       }) {
    SCOPED_TRACE(args);
    auto r = run_moat(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  auto r = run_moat("config '" + truncated.string() + "'");
  EXPECT_THAT(r.err, HasSubstr("truncated.json"));
  EXPECT_THAT(r.err, HasSubstr("invalid JSON"));
}

// A Compose file with the .env beside it: the variable decides the finding.
TEST(ConfigCli, ComposeFileWithDotEnv) {
  TempDir dir;
  dir.write("compose.yaml", "services:\n  web:\n    image: nginx:1\n    pid: ${PID_MODE}\n");
  dir.write(".env", "PID_MODE=host\n");
  auto r = run_moat("config --fail-on high compose.yaml", dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // The key that set it; a missing setting points at the service.
  EXPECT_THAT(r.out, HasSubstr("4:5  HIGH      RC015"));
  EXPECT_THAT(r.out, HasSubstr("2:3  MEDIUM    RC020"));
  EXPECT_THAT(r.out, HasSubstr("service 'web': shares the host's PID namespace"));
  dir.write(".env", "PID_MODE=\n");
  r = run_moat("config --fail-on high compose.yaml", dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

// Kubernetes manifests: findings at their lines with the Pod Security
// Standards' control names and Trivy's ids as aliases, which --ignore takes.
TEST(ConfigCli, KubernetesManifests) {
  const auto bad = fixture("k8s-insecure.yaml");
  auto r = run_moat("config --format json '" + bad + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  std::map<std::string, std::set<std::string>> aliases;
  for (const auto& f : doc["targets"][0]["findings"])
    for (const auto& a : f["aliases"])
      aliases[f["id"].get<std::string>()].insert(a.get<std::string>());
  EXPECT_TRUE(aliases["RC015"].contains("Host Namespaces")) << r.out;
  EXPECT_TRUE(aliases["RC015"].contains("KSV010"));
  EXPECT_TRUE(aliases["RC038"].contains("HostPath Volumes"));
  EXPECT_TRUE(aliases["RC044"].contains("KSV012"));
  EXPECT_TRUE(aliases["RC047"].contains("Capabilities (v1.22+)"));
  EXPECT_EQ(doc["targets"][0]["kind"], "kubernetes");

  r = run_moat("config '" + bad + "'");
  EXPECT_THAT(r.out, HasSubstr("17:7   HIGH      RC015"));
  EXPECT_THAT(r.out, HasSubstr("Deployment 'shop/web': shares the host's PID namespace"));
  EXPECT_THAT(r.out, HasSubstr("35:13  CRITICAL  RC001"));
  EXPECT_THAT(r.out, HasSubstr("Deployment 'shop/web' init container 'setup': runs privileged"));
  EXPECT_THAT(r.out, HasSubstr("CronJob 'report' container 'report': sets runAsNonRoot: false"));

  // A control name, a KSV id and a pod-security-admission id each ignore
  // what they name.
  r = run_moat("config --format json --ignore 'Host Namespaces,KSV023,capabilities_restricted' '" +
               bad + "'");
  const auto ids = ids_in_json(r.out);
  for (const char* gone : {"RC014", "RC015", "RC038", "RC047"})
    EXPECT_FALSE(ids.contains(gone)) << gone;
  EXPECT_TRUE(ids.contains("RC001"));

  r = run_moat("config --fail-on info '" + fixture("k8s-hardened.yaml") + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("no findings"));
}

// env_file contents beside the Compose file: a secret there is reported in
// that file; a missing one is an error.
TEST(ConfigCli, ComposeEnvFile) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "deploy");
  dir.write("deploy/compose.yaml",
            "services:\n  web:\n    image: nginx:1\n    env_file: web.env\n");
  dir.write("deploy/web.env", "MODE=prod\nDB_PASSWORD=correct-horse-battery\n");
  auto r = run_moat("config --fail-on high deploy/compose.yaml", dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("deploy/web.env\n  2:1  HIGH      RC034"));
  std::filesystem::remove(dir.path() / "deploy" / "web.env");
  r = run_moat("config deploy/compose.yaml", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("env_file web.env not found"));
}

// A daemon that is not there is named, with its socket, in one line.
TEST(ConfigCli, UnreachableDaemonIsNamed) {
  TempDir dir;
  const auto sock = (dir.path() / "none.sock").string();
  ::setenv("DOCKER_HOST", ("unix://" + sock).c_str(), 1);
  auto r = run_moat("config container://web", {}, {}, 60);
  ::unsetenv("DOCKER_HOST");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("container://web"));
  EXPECT_THAT(r.err, HasSubstr(sock));
}

} // namespace config_cli_test
