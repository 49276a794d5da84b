// moat fix pins FROM to a digest: asked of a real registry on 127.0.0.1
// with --resolve, and read from a real dockerd's copy of a pulled image.
#include "images.hpp"
#include "services.hpp"
#include "testutil.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace moat::test {
namespace {

// The digest of the manifest the registry serves for REFERENCE, as skopeo reads it.
std::string skopeo_digest(const std::string& reference) {
  auto r =
      run_command("skopeo inspect --tls-verify=false --format '{{.Digest}}' docker://" + reference);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  auto d = r.output;
  while (!d.empty() && (d.back() == '\n' || d.back() == '\r'))
    d.pop_back();
  return d;
}

TEST(FixResolve, PinsFromToTheRegistryDigestAndTheDaemonsCopy) {
  REQUIRE_IMAGES();
  TempDir dir;
  RegistryService registry;
  if (auto ok = registry.start(dir.path() / "r"); !ok)
    GTEST_SKIP() << ok.error();
  ASSERT_TRUE(
      registry.push("oci:" + (images_dir() / "oci").string() + ":planted", "moat/planted:1"));
  const auto image = registry.host() + "/moat/planted:1";
  const auto digest = skopeo_digest(image);
  ASSERT_TRUE(digest.starts_with("sha256:")) << digest;
  dir.write("p/Dockerfile", "FROM " + image + " AS base\nFROM " + registry.host() +
                                "/moat/missing:2\nCOPY --from=base /etc/os-release /\n");
  // No daemon here: the registry answers.
  setenv("DOCKER_HOST", ("unix://" + (dir.path() / "none.sock").string()).c_str(), 1);
  auto plain = run_moat("fix Dockerfile", dir.path() / "p");
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.find("@sha256:"), std::string::npos) << "pinned without --resolve";

  auto r = run_moat("fix --resolve --insecure --write Dockerfile", dir.path() / "p");
  unsetenv("DOCKER_HOST");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto fixed = read_text(dir.path() / "p/Dockerfile");
  EXPECT_NE(fixed.find("FROM " + image + "@" + digest + " AS base\n"), std::string::npos) << fixed;
  // An image the registry does not have stays as it was, with a warning.
  EXPECT_NE(fixed.find("FROM " + registry.host() + "/moat/missing:2\n"), std::string::npos);
  EXPECT_NE(
      r.err.find("moat: warning: Dockerfile: " + registry.host() + "/moat/missing:2 not pinned"),
      std::string::npos)
      << r.err;
  auto lint = run_moat("lint --format json Dockerfile", dir.path() / "p");
  EXPECT_EQ(lint.out.find("image '" + image + "' is not pinned"), std::string::npos);

  // A daemon that pulled the image knows its digest; no registry request is needed.
  DockerDaemon daemon;
  if (auto ok = daemon.start(dir.path() / "d"); !ok) {
    std::printf("daemon part skipped: %s\n", ok.error().c_str());
    return;
  }
  ASSERT_EQ(daemon.docker("pull -q " + image).exit_code, 0);
  dir.write("d/Dockerfile", "FROM " + image + "\n");
  setenv("DOCKER_HOST", daemon.host().c_str(), 1);
  auto local = run_moat("fix Dockerfile", dir.path() / "d");
  unsetenv("DOCKER_HOST");
  EXPECT_EQ(local.exit_code, 0) << local.err;
  EXPECT_NE(local.out.find("+FROM " + image + "@" + digest + "\n"), std::string::npos)
      << local.out << local.err;
}

} // namespace
} // namespace moat::test
