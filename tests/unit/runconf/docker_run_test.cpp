#include <moat/runconf/runconf.hpp>

#include <gtest/gtest.h>

#include <string>

namespace runconf_docker_run_test {
namespace {

using moat::runconf::ContainerSpec;
using moat::runconf::read_docker_run;

ContainerSpec read_ok(std::string_view line) {
  auto spec = read_docker_run(line);
  EXPECT_TRUE(spec.has_value()) << line << ": " << (spec ? "" : spec.error().message);
  return spec ? *spec : ContainerSpec{};
}

} // namespace

// Bundled short flags: booleans first, a value flag last takes the rest of
// the word or the next word, as pflag reads them.
TEST(DockerRun, BundledShortFlagsAndAttachedValues) {
  auto spec = read_ok("docker run -itd --name web -p80:80 -dp 8443:443 -e A=1 nginx:1 sh -c 'x'");
  EXPECT_EQ(spec.name, "web");
  EXPECT_EQ(spec.image.value, "nginx:1");
  ASSERT_EQ(spec.ports.size(), 2U);
  EXPECT_EQ(spec.ports[0].host_port, 80);
  EXPECT_EQ(spec.ports[0].container_port, 80);
  EXPECT_EQ(spec.ports[1].host_port, 8443);
  EXPECT_EQ(spec.ports[1].container_port, 443);
  ASSERT_EQ(spec.env.size(), 1U);
  EXPECT_EQ(spec.env[0].first, "A");
  EXPECT_EQ(spec.env[0].second.value, "1");
}

// --flag=value and --flag value, repeated flags, CAP_ prefixes and case.
TEST(DockerRun, LongFlagsInBothFormsAndRepeated) {
  auto spec = read_ok("docker container run --cap-add=SYS_ADMIN --cap-add cap_net_admin "
                      "--cap-drop=ALL --security-opt seccomp=unconfined --memory=1g --cpus 1.5 "
                      "--pids-limit=100 --restart=on-failure:3 --read-only img:2");
  ASSERT_EQ(spec.cap_add.size(), 2U);
  EXPECT_EQ(spec.cap_add[0].value, "SYS_ADMIN");
  EXPECT_EQ(spec.cap_add[1].value, "NET_ADMIN");
  ASSERT_EQ(spec.cap_drop.size(), 1U);
  EXPECT_EQ(spec.cap_drop[0].value, "ALL");
  EXPECT_EQ(spec.memory.value, 1024LL * 1024 * 1024);
  EXPECT_EQ(spec.nano_cpus.value, 1'500'000'000LL);
  ASSERT_TRUE(spec.pids_limit.value.has_value());
  EXPECT_EQ(*spec.pids_limit.value, 100);
  EXPECT_EQ(spec.restart_policy.value, "on-failure");
  EXPECT_EQ(spec.restart_retries.value, 3);
  EXPECT_TRUE(spec.read_only_rootfs.value);
  EXPECT_EQ(spec.name, "img:2"); // no --name: the image names the container
}

// The command after the image is the container's, not docker's: its flags
// are not read.
TEST(DockerRun, ArgumentsAfterTheImageBelongToTheCommand) {
  auto spec = read_ok("podman run --rm alpine:3 --privileged -v /:/host");
  EXPECT_EQ(spec.image.value, "alpine:3");
  EXPECT_FALSE(spec.privileged.value);
  EXPECT_TRUE(spec.mounts.empty());
}

TEST(DockerRun, VolumesMountsAndPublishForms) {
  auto spec = read_ok("docker run -v /etc:/e:ro,rshared -v data:/data -v /anon "
                      "--mount type=bind,source=/srv,target=/srv,readonly "
                      "-p 127.0.0.1::53/udp -p [::1]:8080:80 img:1");
  ASSERT_EQ(spec.mounts.size(), 4U);
  EXPECT_EQ(spec.mounts[0].type, "bind");
  EXPECT_EQ(spec.mounts[0].source, "/etc");
  EXPECT_TRUE(spec.mounts[0].read_only);
  EXPECT_EQ(spec.mounts[0].propagation, "rshared");
  EXPECT_EQ(spec.mounts[1].type, "volume");
  EXPECT_EQ(spec.mounts[2].destination, "/anon");
  EXPECT_EQ(spec.mounts[3].type, "bind");
  EXPECT_TRUE(spec.mounts[3].read_only);
  ASSERT_EQ(spec.ports.size(), 2U);
  EXPECT_EQ(spec.ports[0].host_ip, "127.0.0.1");
  EXPECT_EQ(spec.ports[0].host_port, 0);
  EXPECT_EQ(spec.ports[0].container_port, 53);
  EXPECT_EQ(spec.ports[0].protocol, "udp");
  EXPECT_EQ(spec.ports[1].host_ip, "::1");
  EXPECT_EQ(spec.ports[1].host_port, 8080);
}

// Quotes, escapes and continuation lines as a shell reads them; positions
// count lines and columns of the original text.
TEST(DockerRun, ShellQuotingAndContinuations) {
  auto spec = read_ok("docker run \\\n  -e \"MSG=a \\\"b\\\" c\" \\\n  --user 'app user' img:1");
  ASSERT_EQ(spec.env.size(), 1U);
  EXPECT_EQ(spec.env[0].second.value, "a \"b\" c");
  ASSERT_TRUE(spec.user.has_value());
  EXPECT_EQ(spec.user->value, "app user");
  EXPECT_EQ(spec.user->origin.line, 3);
  EXPECT_EQ(spec.user->origin.column, 10);
  EXPECT_EQ(spec.image.origin.line, 3);
}

// Without --user the image decides, and the line does not say: unknown.
TEST(DockerRun, UserIsUnknownUnlessGiven) {
  EXPECT_FALSE(read_ok("docker run img:1").user.has_value());
  EXPECT_EQ(read_ok("docker run img:1").health.value, ContainerSpec::Health::unknown);
}

TEST(DockerRun, BadLinesAreErrorsWithAPosition) {
  struct Bad {
    const char* line;
    const char* message;
  };
  for (const Bad& bad : {
           Bad{"docker ps", "expected a `docker run` command line"},
           Bad{"docker run", "no image"},
           Bad{"docker run --rm", "no image"},
           Bad{"docker run --name", "flag needs an argument: --name"},
           Bad{"docker run -Z img", "unknown shorthand flag: 'Z'"},
           Bad{"docker run --bogus value img", "unknown flag: --bogus"},
           Bad{"docker run --bogus=1 img", "unknown flag: --bogus"},
           Bad{"docker run --memory lots img", "--memory lots: not a size"},
           Bad{"docker run --cpus x img", "not a number of CPUs"},
           Bad{"docker run -p 1:2:3:4 img", "expected [IP:][HOST_PORT:]CONTAINER_PORT"},
           Bad{"docker run -p 99999:80 img", "not a port number"},
           Bad{"docker run -e 'A=1 img", "unterminated ' quote"},
           Bad{"docker run --restart on-failure:x img", "retry count is not an integer"},
       }) {
    auto spec = read_docker_run(bad.line);
    ASSERT_FALSE(spec.has_value()) << bad.line;
    EXPECT_EQ(spec.error().input, "--docker-run");
    EXPECT_NE(spec.error().message.find(bad.message), std::string::npos)
        << bad.line << ": " << spec.error().message;
    EXPECT_GE(spec.error().line, 1) << bad.line;
  }
}

} // namespace runconf_docker_run_test
