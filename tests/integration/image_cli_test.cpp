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

// Without a vulnerability database moat image says so, on stderr and in
// every format, so the report never reads as "no vulnerabilities";
// --require-db makes it an error.
TEST(ImageCli, NoDatabaseIsSaidEverywhereAndRequireDbFails) {
  TempDir dir;
  write_rootfs(dir);
  const auto target = "dir://" + (dir.path() / "rootfs").string();
  for (const std::string format : {"text", "json", "sarif", "junit"}) {
    SCOPED_TRACE(format);
    auto r = run_moat("image --no-progress --format " + format + " " + target);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("moat: warning: vulnerabilities not checked"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("vulnerabilities not checked"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("moat db update"), std::string::npos);
  }
  auto r = run_moat("image --no-progress --require-db " + target);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("no vulnerability database"), std::string::npos) << r.err;
  // --skip-vulns is a choice, not an omission: nothing to warn about.
  r = run_moat("image --no-progress --skip-vulns " + target);
  EXPECT_EQ(r.err.find("not checked"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("not checked"), std::string::npos);
}

// --severity filters what is shown, --fail-on still judges everything, and
// --exit-code names the code; the summary counts images as images.
TEST(ImageCli, SeverityFilterAndExitCode) {
  TempDir dir;
  write_rootfs(dir);
  const auto su = dir.write("rootfs/usr/bin/su", "#!/bin/sh\n"); // setuid: IM010, low
  std::filesystem::permissions(su, std::filesystem::perms(04755),
                               std::filesystem::perm_options::replace);
  const auto target = "dir://" + (dir.path() / "rootfs").string();
  auto all = run_moat("image --no-progress --skip-vulns --format json " + target);
  ASSERT_EQ(all.exit_code, 1) << all.err;
  const auto doc = nlohmann::json::parse(all.out);
  std::size_t high = 0;
  for (const auto& f : doc["targets"][0]["findings"])
    high += f["severity"] == "high" ? 1U : 0U;
  ASSERT_GT(high, 0U);
  ASSERT_GT(doc["targets"][0]["findings"].size(), high);
  auto shown = run_moat("image --no-progress --skip-vulns --format json --severity high " + target);
  EXPECT_EQ(shown.exit_code, 1);
  const auto only = nlohmann::json::parse(shown.out);
  EXPECT_EQ(only["targets"][0]["findings"].size(), high);
  for (const auto& f : only["targets"][0]["findings"])
    EXPECT_EQ(f["severity"], "high");
  // The hidden findings still trip --fail-on; --exit-code picks the code.
  auto code =
      run_moat("image --no-progress --skip-vulns --severity critical --exit-code 7 " + target);
  EXPECT_EQ(code.exit_code, 7) << code.err;
  EXPECT_NE(code.out.find("in 1 image"), std::string::npos) << code.out;
  auto clean = run_moat("image --no-progress --skip-vulns --fail-on none --exit-code 7 " + target);
  EXPECT_EQ(clean.exit_code, 0);
  auto bad = run_moat("image --no-progress --skip-vulns --severity hgih " + target);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--severity: unknown severity 'hgih'"), std::string::npos) << bad.err;
}

} // namespace
} // namespace moat::test
