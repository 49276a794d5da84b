// moat seccomp check, end to end.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testutil.hpp"

#include <algorithm>
#include <filesystem>
#include <string>

using moat::test::run_moat;
using moat::test::TempDir;
using ::testing::HasSubstr;

namespace {

std::string fixture(const std::string& name) {
  return (std::filesystem::path(MOAT_FIXTURES_DIR) / "seccomp" / name).string();
}

std::string upstream_default() {
  return (moat::test::shared_dir() / "conformance/seccomp/moby-default.json").string();
}

} // namespace

TEST(SeccompCli, DockersDefaultPassesClean) {
  auto r = run_moat("seccomp check --fail-on low " + upstream_default());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
}

TEST(SeccompCli, AWidenedProfileFailsWithEachCallAndItsRisk) {
  auto r = run_moat("seccomp check --format json " + fixture("widened.json"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["command"], "seccomp");
  const auto& findings = doc["targets"][0]["findings"];
  std::vector<std::string> seen;
  for (const auto& f : findings)
    seen.push_back(f["id"].get<std::string>() + ":" +
                   std::to_string(f["location"]["line"].get<int>()));
  EXPECT_THAT(seen, ::testing::IsSupersetOf({"SC006:6", "SC007:7", "SC007:8"}));
  // The threshold decides the exit code; the report is the same.
  EXPECT_EQ(run_moat("seccomp check --fail-on critical " + fixture("widened.json")).exit_code, 0);
}

TEST(SeccompCli, StandardInputAndSarif) {
  auto r = run_moat("seccomp check --format sarif -", {},
                    moat::test::read_text(fixture("block-list.json")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["version"], "2.1.0");
  bool block_list = false;
  for (const auto& result : doc["runs"][0]["results"])
    block_list = block_list || result["ruleId"] == "SC005";
  EXPECT_TRUE(block_list);
}

TEST(SeccompCli, BrokenInputIsOneLineAndExitCode2WithNoReportLeft) {
  TempDir dir;
  const auto broken =
      dir.write("broken.json", "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n");
  const auto report = dir.path() / "report.json";
  auto r = run_moat("seccomp check --format json -o " + report.string() + " " + broken.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(broken.string()));
  EXPECT_THAT(r.err, HasSubstr("invalid JSON"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(report));
  // Not a seccomp profile at all.
  const auto other = dir.write("other.json", "{\"name\": \"x\"}");
  auto o = run_moat("seccomp check " + other.string());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_THAT(o.err, HasSubstr("not a seccomp profile"));
  // A missing file.
  EXPECT_EQ(run_moat("seccomp check " + (dir.path() / "none.json").string()).exit_code, 2);
}

TEST(SeccompCli, CapabilitiesWidenTheBaseline) {
  // Docker's default allows mount and unshare to a container with
  // CAP_SYS_ADMIN: compared for one, they are no longer beyond it.
  auto r = run_moat("seccomp check --format json --cap-add sys_admin " + fixture("widened.json"));
  const auto doc = nlohmann::json::parse(r.out);
  for (const auto& f : doc["targets"][0]["findings"])
    EXPECT_EQ(f["message"].get<std::string>().find("allows mount"), std::string::npos);
  auto bad = run_moat("seccomp check --cap-add SYS_ADMINN " + fixture("widened.json"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("unknown capability 'SYS_ADMINN'"));
}

TEST(SeccompCli, ChecksAreListedAndIgnorable) {
  auto rules = run_moat("rules SC006");
  EXPECT_EQ(rules.exit_code, 0);
  EXPECT_THAT(rules.out, HasSubstr("Dangerous system call allowed beyond Docker's default"));
  auto r = run_moat("seccomp check --ignore SC006,SC007 --fail-on low " + fixture("widened.json"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
}
