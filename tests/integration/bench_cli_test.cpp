// `moat bench` through the moat executable, on prepared host roots.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

using moat::test::run_moat;
using moat::test::TempDir;
using ::testing::HasSubstr;

namespace bench_cli_test {

namespace {

int lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

std::string root_args(const TempDir& dir) {
  return "bench --no-daemon --root '" + dir.path().string() + "'";
}

} // namespace

TEST(BenchCli, JsonListsFindingsAndPasses) {
  TempDir dir;
  dir.write("etc/docker/daemon.json", R"({"icc": true, "insecure-registries": ["reg:5000"]})");
  // The default threshold (medium) fails on icc.
  auto r = run_moat(root_args(dir) + " --format json");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const auto& target = doc["targets"][0];
  EXPECT_EQ(target["kind"], "host");
  std::set<std::string> found;
  for (const auto& f : target["findings"])
    found.insert(f["id"].get<std::string>());
  EXPECT_TRUE(found.contains("HB022"));
  EXPECT_TRUE(found.contains("HB025"));
  std::set<std::string> passed;
  for (const auto& p : target["passed"]) {
    passed.insert(p["id"].get<std::string>());
    EXPECT_FALSE(p["aliases"].empty());
  }
  EXPECT_TRUE(passed.contains("HB024")) << r.out; // iptables left on
  EXPECT_FALSE(passed.contains("HB022"));

  // --fail-on works as everywhere; an alias ignores its check.
  r = run_moat(root_args(dir) + " --fail-on high");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  r = run_moat(root_args(dir) + " --fail-on high --ignore CIS-2.5");
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(BenchCli, ShowPassedInTextAndSarif) {
  TempDir dir;
  dir.write("etc/docker/daemon.json", R"({"icc": false})");
  auto r = run_moat(root_args(dir));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("PASS")));
  EXPECT_THAT(r.out, HasSubstr("checks passed"));
  r = run_moat(root_args(dir) + " --show-passed");
  EXPECT_THAT(r.out, HasSubstr("PASS      HB022 (CIS-2.2)  icc is false"));
  r = run_moat(root_args(dir) + " --show-passed --format sarif");
  const auto sarif = nlohmann::json::parse(r.out);
  bool pass = false;
  for (const auto& result : sarif["runs"][0]["results"])
    pass = pass || (result.value("kind", "") == "pass" && result["ruleId"] == "HB022");
  EXPECT_TRUE(pass);
  // The daemon was not asked: a note says so, the checks that need it are info.
  r = run_moat(root_args(dir) + " --format json");
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_THAT(doc["targets"][0]["notes"][0].get<std::string>(), HasSubstr("--no-daemon"));
}

TEST(BenchCli, BadInputIsOneLineAndExitTwo) {
  TempDir dir;
  dir.write("etc/docker/daemon.json", "{\"icc\": fal");
  for (const auto& args : {root_args(dir), std::string("bench --root /nonexistent/dir")}) {
    SCOPED_TRACE(args);
    auto r = run_moat(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  auto r = run_moat(root_args(dir));
  EXPECT_THAT(r.err, HasSubstr("/etc/docker/daemon.json: invalid JSON"));
}

} // namespace bench_cli_test
