// moat image and moat sbom through the executable, on small root file
// systems written by the test (the real images are in integration_image/).
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace moat::test {
namespace {

void write_rootfs(const TempDir& dir) {
  dir.write("rootfs/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
  dir.write("rootfs/etc/passwd",
            "root:x:0:0::/root:/bin/sh\nguest:x:1000:1000::/home/guest:/bin/sh\n");
  dir.write("rootfs/etc/shadow", "root:*:19000::::::\nguest::19000::::::\n");
  dir.write("rootfs/var/lib/dpkg/status",
            "Package: tool\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n"
            "Description: x\n\n");
}

TEST(ImageCli, DirectoryTargetFindsAndExitsOne) {
  TempDir dir;
  write_rootfs(dir);
  auto r = run_moat("image --no-progress --format json dir://" + (dir.path() / "rootfs").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  bool empty_password = false;
  for (const auto& f : doc["targets"][0]["findings"])
    empty_password = empty_password || f["id"] == "IM015";
  EXPECT_TRUE(empty_password) << r.out;
}

// A .moat.yaml inside the scanned root file system is content, not
// configuration: it cannot silence the image's own findings.
TEST(ImageCli, ConfigInsideTheScannedRootIsIgnored) {
  TempDir dir;
  write_rootfs(dir);
  dir.write("rootfs/.moat.yaml", "fail-on: none\nignore: [IM015]\n");
  auto r = run_moat("image --no-progress dir://" + (dir.path() / "rootfs").string(), dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("IM015"), std::string::npos);
  // The user's own configuration, in the working directory, applies.
  dir.write(".moat.yaml", "ignore: [IM015]\n");
  r = run_moat("image --no-progress dir://" + (dir.path() / "rootfs").string(), dir.path());
  EXPECT_EQ(r.out.find("IM015"), std::string::npos) << r.out;
}

TEST(ImageCli, SbomOfADirectory) {
  TempDir dir;
  write_rootfs(dir);
  auto r = run_moat("sbom --no-progress --format spdx dir://" + (dir.path() / "rootfs").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  bool tool = false;
  for (const auto& p : doc["packages"])
    tool = tool || (p["name"] == "tool" && p["versionInfo"] == "1.0-1");
  EXPECT_TRUE(tool) << r.out;
}

TEST(ImageCli, BadTargetsAreOneLineErrors) {
  TempDir dir;
  dir.write("not-an-image.tar", "hello");
  for (const std::string& target :
       {(dir.path() / "missing.tar").string(), (dir.path() / "not-an-image.tar").string(),
        dir.path().string(), std::string("registry://")}) {
    auto r = run_moat("image --no-progress '" + target + "'");
    EXPECT_EQ(r.exit_code, 2) << target;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  auto r = run_moat("sbom --no-progress --format xml dir://" + dir.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown format"), std::string::npos);
}

} // namespace
} // namespace moat::test
