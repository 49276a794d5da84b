#include <moat/runconf/runconf.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>

namespace runconf_compose_test {
namespace {

using moat::runconf::ContainerSpec;
using moat::runconf::read_compose;
using moat::runconf::Variables;

std::vector<ContainerSpec> read_ok(const std::string& text, const Variables& vars = {}) {
  auto specs = read_compose(text, "compose.yaml", vars);
  EXPECT_TRUE(specs.has_value()) << (specs ? "" : specs.error().to_string());
  return specs ? *specs : std::vector<ContainerSpec>{};
}

std::set<std::string> ids_at_low(const ContainerSpec& spec) {
  std::set<std::string> ids;
  for (const auto& f : moat::runconf::check(spec))
    if (f.severity >= moat::core::Severity::low)
      ids.emplace(f.check->id);
  return ids;
}

constexpr const char* k_hardened = R"(services:
  api:
    image: registry.example.com/api:2.4.1
    read_only: true
    user: "1000:1000"
    cap_drop: [ALL]
    cap_add: [NET_BIND_SERVICE]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 256m
    cpus: 0.5
    pids_limit: 100
    ulimits:
      nofile: {soft: 1024, hard: 2048}
    healthcheck:
      test: ["CMD", "/api", "health"]
    restart: on-failure:5
    ports: ["127.0.0.1:8080:8080"]
    volumes:
      - ./config:/config:ro
      - type: volume
        source: cache
        target: /cache
    tmpfs: [/tmp]
    environment:
      LOG_LEVEL: info
volumes:
  cache: {}
)";

} // namespace

TEST(Compose, HardenedServiceHasNoFinding) {
  const auto specs = read_ok(k_hardened);
  ASSERT_EQ(specs.size(), 1U);
  EXPECT_THAT(ids_at_low(specs[0]), ::testing::IsEmpty());
}

TEST(Compose, InsecureServiceTripsItsChecksAtTheirLines) {
  const auto specs = read_ok(R"(version: "3.8"
services:
  web:
    image: nginx
    privileged: true
    cap_add:
      - SYS_ADMIN
    pid: host
    network_mode: host
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - type: bind
        source: /etc
        target: /host/etc
    ports:
      - "80:80"
    restart: always
    security_opt:
      - seccomp:unconfined
    environment:
      - DB_PASSWORD=correct-horse-battery
)");
  ASSERT_EQ(specs.size(), 1U);
  const auto ids = ids_at_low(specs[0]);
  for (const char* id : {"RC001", "RC002", "RC007", "RC010", "RC011", "RC014", "RC015", "RC020",
                         "RC021", "RC022", "RC023", "RC025", "RC026", "RC027", "RC031", "RC034"})
    EXPECT_TRUE(ids.contains(id)) << id;
  for (const auto& f : moat::runconf::check(specs[0])) {
    EXPECT_EQ(f.location.file, "compose.yaml");
    if (f.check->id == std::string_view("RC001")) {
      EXPECT_EQ(f.location.line, 5);
      EXPECT_EQ(f.location.column, 5);
      EXPECT_EQ(f.message, "service 'web': runs privileged");
    }
    if (f.check->id == std::string_view("RC011")) {
      EXPECT_EQ(f.location.line, 11);
      EXPECT_EQ(f.location.column, 9);
    }
    if (f.check->id == std::string_view("RC010")) {
      EXPECT_EQ(f.location.line, 12);
    }
  }
  // No user and no healthcheck in the file: the image decides, unknown here.
  EXPECT_FALSE(ids.contains("RC024"));
  EXPECT_FALSE(ids.contains("RC028"));
}

// deploy.resources.limits and deploy.restart_policy count as the
// top-level keys do.
TEST(Compose, DeployLimitsAndRestartPolicy) {
  const auto specs = read_ok(R"(services:
  worker:
    image: app:1
    deploy:
      resources:
        limits: {cpus: "0.25", memory: 128M, pids: 64}
      restart_policy: {condition: on-failure, max_attempts: 3}
)");
  ASSERT_EQ(specs.size(), 1U);
  EXPECT_EQ(specs[0].memory.value, 128LL * 1024 * 1024);
  EXPECT_EQ(specs[0].nano_cpus.value, 250'000'000LL);
  ASSERT_TRUE(specs[0].pids_limit.value.has_value());
  EXPECT_EQ(*specs[0].pids_limit.value, 64);
  EXPECT_EQ(specs[0].restart_policy.value, "on-failure");
  EXPECT_EQ(specs[0].restart_retries.value, 3);
}

// Shared settings through YAML anchors and merge keys.
TEST(Compose, MergeKeysAreFollowed) {
  const auto specs = read_ok(R"(x-common: &common
  privileged: true
  cap_add: [NET_ADMIN]
services:
  a:
    <<: *common
    image: a:1
  b:
    <<: *common
    privileged: false
    image: b:1
)");
  ASSERT_EQ(specs.size(), 2U);
  EXPECT_TRUE(specs[0].privileged.value);
  ASSERT_EQ(specs[0].cap_add.size(), 1U);
  EXPECT_FALSE(specs[1].privileged.value);
}

TEST(Compose, VariablesAreInterpolatedAsComposeDoes) {
  Variables vars = moat::runconf::read_dotenv(
      "# comment\nTAG=1.2\nexport MODE='host'\nEMPTY=\nQUOTED=\"a b\" \nNOTE=x # trailing\n");
  EXPECT_EQ(vars["MODE"], "host");
  EXPECT_EQ(vars["QUOTED"], "a b");
  EXPECT_EQ(vars["NOTE"], "x");
  const auto specs = read_ok(R"(services:
  s:
    image: "app:${TAG}"
    pid: $MODE
    user: "${MISSING:-1000}"
    ipc: "${EMPTY-private}"
    uts: "${EMPTY:-x}"
    network_mode: "${TAG:+bridge}"
    cgroup_parent: "$$literal"
)",
                             vars);
  ASSERT_EQ(specs.size(), 1U);
  EXPECT_EQ(specs[0].image.value, "app:1.2");
  EXPECT_EQ(specs[0].pid_mode.value, "host");
  ASSERT_TRUE(specs[0].user.has_value());
  EXPECT_EQ(specs[0].user->value, "1000");
  EXPECT_EQ(specs[0].ipc_mode.value, "");
  EXPECT_EQ(specs[0].uts_mode.value, "x");
  EXPECT_EQ(specs[0].network_mode.value, "bridge");
  EXPECT_EQ(specs[0].cgroup_parent.value, "$literal");
}

// env_file values are the service's environment, each at its own file and
// line; environment: wins over them, and a later file over an earlier one.
TEST(Compose, EnvFilesAreRead) {
  std::map<std::string, std::string> files = {
      {"app.env", "# app\nMODE=dev\nAPI_TOKEN=correct-horse-battery\n"},
      {"override.env", "MODE=prod\n"},
  };
  std::vector<std::string> asked;
  const moat::runconf::FileLoader load =
      [&](const std::string& path) -> moat::core::Result<std::optional<moat::runconf::LoadedFile>> {
    asked.push_back(path);
    auto it = files.find(path);
    if (it == files.end())
      return std::nullopt;
    return moat::runconf::LoadedFile{"conf/" + path, it->second};
  };
  auto specs = read_compose(R"(services:
  web:
    image: app:1
    env_file:
      - app.env
      - path: override.env
      - path: optional.env
        required: false
    environment:
      LEVEL: debug
  api:
    image: app:1
    env_file: app.env
    environment:
      API_TOKEN: ""
)",
                            "compose.yaml", {}, load);
  ASSERT_TRUE(specs.has_value()) << specs.error().to_string();
  EXPECT_THAT(asked, ::testing::ElementsAre("app.env", "override.env", "optional.env", "app.env"));
  std::map<std::string, std::string> env;
  for (const auto& [name, value] : (*specs)[0].env)
    env[name] = value.value;
  EXPECT_EQ(env,
            (std::map<std::string, std::string>{
                {"API_TOKEN", "correct-horse-battery"}, {"LEVEL", "debug"}, {"MODE", "prod"}}));
  // The secret is reported in the env file, at its line.
  bool found = false;
  for (const auto& f : moat::runconf::check((*specs)[0]))
    if (f.check->id == std::string_view("RC034")) {
      found = true;
      EXPECT_EQ(f.location.file, "conf/app.env");
      EXPECT_EQ(f.location.line, 3);
    }
  EXPECT_TRUE(found);
  // environment: overrides the file's value, and an empty one is no secret.
  for (const auto& f : moat::runconf::check((*specs)[1]))
    EXPECT_NE(f.check->id, std::string_view("RC034")) << f.message;

  auto missing =
      read_compose("services:\n  web:\n    env_file: nowhere.env\n", "compose.yaml", {}, load);
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message, ::testing::HasSubstr("env_file nowhere.env not found"));
  EXPECT_EQ(missing.error().line, 3);
}

TEST(Compose, BadFilesAreOneErrorWithAPosition) {
  struct Bad {
    const char* text;
    const char* message;
  };
  for (const Bad& bad : {
           Bad{"services: [a\n", "invalid YAML"},
           Bad{"- a\n", "expected a mapping"},
           Bad{"version: '3'\n", "no 'services' mapping"},
           Bad{"services:\n  web: nginx\n", "service 'web' must be a mapping"},
           Bad{"services:\n  web:\n    mem_limit: lots\n", "is not a size"},
           Bad{"services:\n  web:\n    ports: ['99999:80']\n", "not a port number"},
           Bad{"services:\n  web:\n    privileged: maybe\n", "must be true or false"},
           Bad{"services:\n  web:\n    image: ${NEED:?set NEED}\n", "required variable NEED"},
           Bad{"services:\n  web:\n    image: ${NEED\n", "unterminated"},
           Bad{"services:\n  web:\n    cap_add: {a: b}\n", "cap_add must be a list"},
       }) {
    auto specs = read_compose(bad.text, "bad.yaml", {});
    ASSERT_FALSE(specs.has_value()) << bad.text;
    EXPECT_EQ(specs.error().input, "bad.yaml");
    EXPECT_GE(specs.error().line, 1) << bad.text;
    EXPECT_NE(specs.error().message.find(bad.message), std::string::npos)
        << bad.text << ": " << specs.error().message;
  }
}

// The command a service runs instead of the image's: a list, or a string
// split as a shell splits it.
TEST(Compose, EntrypointAndCommandAreRead) {
  auto specs = read_ok("services:\n  a:\n    image: x:1\n    command: python3 -c 'print(1)'\n"
                       "  b:\n    image: x:1\n    entrypoint: [\"/bin/sh\", \"-c\"]\n"
                       "    command: [\"echo hi\"]\n  c:\n    image: x:1\n");
  ASSERT_EQ(specs.size(), 3U);
  EXPECT_EQ(specs[0].command, (std::vector<std::string>{"python3", "-c", "print(1)"}));
  EXPECT_FALSE(specs[0].entrypoint.has_value());
  EXPECT_EQ(specs[1].entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_EQ(specs[1].command, (std::vector<std::string>{"echo hi"}));
  EXPECT_FALSE(specs[2].command.has_value());
  EXPECT_FALSE(read_compose("services:\n  a:\n    command: \"unclosed 'quote\"\n", "c.yaml", {})
                   .has_value());
}

} // namespace runconf_compose_test
