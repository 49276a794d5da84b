// moat's own container image (the Dockerfile at the root), built by a real
// dockerd with BuildKit and held to moat's rules: the Dockerfile has no
// finding at or above low, the image none at or above medium, and it is
// used as its documentation shows.
//
// The compile stage is what CI has already built: the test stages this
// build's binary with packaging/docker/stage-runtime.sh (as the compile
// stage does) into an image, and names it with MOAT_BUILD; BuildKit then
// skips the compile stage, which it never reaches.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services.hpp"
#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace container_image_test {

namespace {

using moat::test::CommandResult;
using moat::test::DockerDaemon;
using moat::test::read_text;
using moat::test::run_command;
using moat::test::run_moat;
using moat::test::shell_quote;
using moat::test::source_dir;
using moat::test::TempDir;
using moat::test::write_text;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// Debian's docker.io client: it drives the daemon's own BuildKit, where a
// newer client would want the buildx plugin.
constexpr const char* k_client = "/usr/bin/docker";
// The image holds this build's ASan binary: leak detection off, as for
// every other run of it in the integration tests.
constexpr const char* k_run = "run --rm -e ASAN_OPTIONS=detect_leaks=0 ";

CommandResult client(const DockerDaemon& daemon, const std::string& args) {
  return run_command(std::string("DOCKER_BUILDKIT=1 ") + k_client + " -H " +
                     shell_quote(daemon.host()) + " " + args);
}

// The severities of a JSON report's findings.
std::vector<std::string> severities(const std::string& report) {
  std::vector<std::string> out;
  auto doc = json::parse(report, nullptr, false);
  if (doc.is_discarded())
    return {"unparsable report"};
  for (const auto& target : doc["targets"])
    for (const auto& f : target["findings"])
      out.push_back(f["id"].get<std::string>() + ":" + f["severity"].get<std::string>());
  return out;
}

TEST(ContainerImage, DockerfilePassesMoatLintAtLow) {
  auto r = run_moat("lint --fail-on low --format json Dockerfile", source_dir());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(severities(r.out).empty()) << r.out;
  // The version label's default is the project's version (CMakeLists.txt).
  EXPECT_THAT(read_text(source_dir() / "Dockerfile"), HasSubstr("ARG VERSION=" MOAT_VERSION "\n"));
}

TEST(ContainerImage, BuildsAndPassesMoatImageAndRunsAsDocumented) {
  if (!std::filesystem::exists(k_client))
    GTEST_SKIP() << k_client << " (Debian's docker.io client) is not installed";
  TempDir dir;
  DockerDaemon daemon;
  if (auto ok = daemon.start(dir.path() / "d"); !ok)
    GTEST_SKIP() << ok.error();

  // The compile stage's result, from this build's binary.
  auto staged = run_command(
      "{ bash " + shell_quote((source_dir() / "packaging/docker/stage-runtime.sh").string()) + " " +
      shell_quote(MOAT_BINARY) + " " + shell_quote((dir.path() / "b/out").string()) +
      " && tar -C " + shell_quote((dir.path() / "b").string()) + " --numeric-owner -cf " +
      shell_quote((dir.path() / "b.tar").string()) + " out; }");
  // The licences of what the image ships travel with it.
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "b/out/usr/share/doc/moat/LICENSE"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "b/out/usr/share/doc/libarchive13/copyright"));
  ASSERT_EQ(staged.exit_code, 0) << staged.output;
  auto imported = client(daemon, "import " + shell_quote((dir.path() / "b.tar").string()) +
                                     " moat-test/compiled:1");
  ASSERT_EQ(imported.exit_code, 0) << imported.output;

  auto built = client(daemon, "build --build-arg MOAT_BUILD=moat-test/compiled:1 "
                              "--build-arg VERSION=" MOAT_VERSION " --build-arg REVISION=0123abcd "
                              "-t moat-test/moat:1 " +
                                  shell_quote(source_dir().string()));
  ASSERT_EQ(built.exit_code, 0) << built.output;
  EXPECT_THAT(built.output, Not(HasSubstr("[build "))) << "the compile stage ran";

  auto inspect = client(daemon, "image inspect moat-test/moat:1");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  auto config = json::parse(inspect.output)[0]["Config"];
  EXPECT_EQ(config["User"], "65532:65532");
  EXPECT_EQ(config["Entrypoint"], json::array({"/usr/bin/moat"}));
  EXPECT_EQ(config["Labels"]["org.opencontainers.image.title"], "moat");
  EXPECT_EQ(config["Labels"]["org.opencontainers.image.version"], MOAT_VERSION);
  EXPECT_EQ(config["Labels"]["org.opencontainers.image.revision"], "0123abcd");
  EXPECT_EQ(config["Labels"]["org.opencontainers.image.licenses"], "Apache-2.0");
  EXPECT_TRUE(config["Labels"].contains("org.opencontainers.image.created"));

  // No finding at or above medium in the image moat ships.
  setenv("DOCKER_HOST", daemon.host().c_str(), 1);
  auto image =
      run_moat("image --skip-vulns --fail-on medium --format json docker://moat-test/moat:1");
  unsetenv("DOCKER_HOST");
  EXPECT_EQ(image.exit_code, 0) << image.err;
  for (const auto& s : severities(image.out))
    EXPECT_TRUE(s.ends_with(":low") || s.ends_with(":info")) << s << "\n" << image.out;

  // No shell to run.
  auto shell = client(daemon, std::string(k_run) + "--entrypoint /bin/sh moat-test/moat:1 -c true");
  EXPECT_NE(shell.exit_code, 0);

  // docker run --rm -v "$PWD:/src" moat lint /src/Dockerfile
  std::filesystem::create_directories(dir.path() / "src");
  write_text(dir.path() / "src/Dockerfile", "FROM debian\nRUN apt install curl\n");
  auto bad =
      client(daemon, std::string(k_run) + "-v " + shell_quote((dir.path() / "src").string()) +
                         ":/src moat-test/moat:1 lint --no-color /src/Dockerfile");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("DF027"));
  auto good = client(daemon, std::string(k_run) + "-v " + shell_quote(source_dir().string()) +
                                 ":/src moat-test/moat:1 lint /src/Dockerfile");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_THAT(good.output, HasSubstr("no findings"));

  // The socket mount: the image's user is not in the socket's group, so
  // the error says what to add; with it, the report names the exception.
  const auto socket = shell_quote(daemon.socket().string() + ":/var/run/docker.sock");
  auto denied =
      client(daemon, std::string(k_run) + "-v " + socket +
                         " moat-test/moat:1 image --skip-vulns docker://moat-test/moat:1");
  if (denied.exit_code == 0) {
    ADD_FAILURE() << "uid 65532 opened the socket without --group-add: " << denied.output;
  } else {
    EXPECT_EQ(denied.exit_code, 2) << denied.output;
    EXPECT_THAT(denied.output, HasSubstr("permission denied"));
    EXPECT_THAT(denied.output, HasSubstr("--group-add"));
  }
  auto gid = run_command("stat -c %g " + shell_quote(daemon.socket().string())).output;
  gid.resize(gid.find('\n'));
  auto allowed = client(daemon, std::string(k_run) + "--group-add " + gid + " -v " + socket +
                                    " moat-test/moat:1 image --skip-vulns --no-color "
                                    "docker://moat-test/moat:1");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
  EXPECT_THAT(allowed.output, HasSubstr("IM002"));
  EXPECT_THAT(
      allowed.output,
      HasSubstr("the container engine's socket (/var/run/docker.sock) mounted into its container"));

  // Read from the host, the socket is not a mount: no note.
  EXPECT_THAT(image.out, Not(HasSubstr("mounted into its container")));
}

} // namespace

} // namespace container_image_test
