// moat image on docker:// and registry:// targets: a real dockerd and a real
// registry on 127.0.0.1, fed the planted test image.
#include "images.hpp"
#include "services.hpp"
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <set>

namespace moat::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::multiset<std::string> ids(const std::string& json_text) {
  std::multiset<std::string> out;
  json doc = json::parse(json_text); // outlives the loop over its findings
  for (const auto& f : doc["targets"][0]["findings"])
    out.insert(f["id"].get<std::string>());
  return out;
}

std::multiset<std::string> reference_ids() {
  auto r = run_moat("image --no-progress --format json '" +
                    (images_dir() / "planted.tar").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  return ids(r.out);
}

TEST(Daemon, StreamsTheImageFromDockerd) {
  REQUIRE_IMAGES();
  TempDir dir;
  DockerDaemon daemon;
  if (auto ok = daemon.start(dir.path() / "d"); !ok)
    GTEST_SKIP() << ok.error();
  ASSERT_TRUE(daemon.load(images_dir() / "planted.tar")) << "docker load failed";
  // moat reads DOCKER_HOST from the environment.
  setenv("DOCKER_HOST", daemon.host().c_str(), 1);
  auto r = run_moat("image --no-progress --format json docker://moat/planted:1");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(ids(r.out), reference_ids());
  // Nothing was written to disk by moat: the daemon's data root holds only
  // what dockerd itself keeps, and the working directory stays empty.
  TempDir cwd;
  r = run_moat("image --no-progress --format json docker://moat/planted:1", cwd.path());
  EXPECT_TRUE(fs::is_empty(cwd.path()));

  // The archive dockerd itself writes with docker save reads the same.
  const auto saved = dir.path() / "saved.tar";
  ASSERT_EQ(daemon.docker("save -o " + shell_quote(saved.string()) + " moat/planted:1").exit_code,
            0);
  r = run_moat("image --no-progress --format json '" + saved.string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(ids(r.out), reference_ids());

  r = run_moat("image --no-progress docker://moat/missing:1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no such image"), std::string::npos) << r.err;
  unsetenv("DOCKER_HOST");
}

TEST(Daemon, UnreachableDaemonIsAClearError) {
  TempDir dir;
  setenv("DOCKER_HOST", ("unix://" + (dir.path() / "none.sock").string()).c_str(), 1);
  auto r = run_moat("image --no-progress docker://debian:12");
  unsetenv("DOCKER_HOST");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot connect to the Docker daemon"), std::string::npos) << r.err;
}

TEST(Registry, PullsLayersInParallelAndVerifiesThem) {
  REQUIRE_IMAGES();
  TempDir dir;
  RegistryService registry;
  if (auto ok = registry.start(dir.path() / "r"); !ok)
    GTEST_SKIP() << ok.error();
  ASSERT_TRUE(
      registry.push("oci:" + (images_dir() / "oci").string() + ":planted", "moat/planted:1"));
  const std::string target = "registry://" + registry.host() + "/moat/planted:1";
  auto r = run_moat("image --no-progress --insecure --format json " + target);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(ids(r.out), reference_ids());

  // Without --insecure the client speaks TLS to a plain-HTTP registry.
  r = run_moat("image --no-progress " + target);
  EXPECT_EQ(r.exit_code, 2);

  // --insecure is refused for a host that is not loopback.
  r = run_moat("image --no-progress --insecure registry://registry.example.com/x:1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("allows plain http only for a registry on this machine"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--insecure-registry registry.example.com"), std::string::npos) << r.err;

  r = run_moat("image --no-progress --insecure registry://" + registry.host() +
               "/moat/planted:nope");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("HTTP 404"), std::string::npos) << r.err;
}

TEST(Registry, TamperedLayerIsAnError) {
  REQUIRE_IMAGES();
  TempDir dir;
  RegistryService registry;
  if (auto ok = registry.start(dir.path() / "r"); !ok)
    GTEST_SKIP() << ok.error();
  ASSERT_TRUE(
      registry.push("oci:" + (images_dir() / "oci").string() + ":planted", "moat/planted:1"));
  // Corrupt the largest blob in the registry's storage.
  fs::path largest;
  std::uintmax_t size = 0;
  for (const auto& e : fs::recursive_directory_iterator(registry.storage()))
    if (e.is_regular_file() && e.path().filename() == "data" && e.file_size() > size) {
      size = e.file_size();
      largest = e.path();
    }
  ASSERT_FALSE(largest.empty());
  {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put('\x01');
  }
  TempDir out;
  auto r = run_moat("image --no-progress --insecure --format json --output '" +
                    (out.path() / "r.json").string() + "' registry://" + registry.host() +
                    "/moat/planted:1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(out.path() / "r.json"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

} // namespace
} // namespace moat::test
