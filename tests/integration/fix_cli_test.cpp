// moat fix on the command line: the diff applies with patch(1) to give what
// --write writes, the written file lints without the fixed findings, bad
// input changes nothing, and moat rules names the fix of a check.

#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

namespace {

using moat::test::read_text;
using moat::test::run_moat;
using moat::test::TempDir;

constexpr const char* k_fixable_dockerfile = R"(FROM debian:12
# tools
RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u8 \
    ca-certificates=20230311
RUN curl -fsSL https://example.com/setup.tgz | tar -xz -C /opt
ADD app.py /app/
CMD python3 /app/app.py
)";

TEST(FixCli, DiffAppliesWithPatchAndEqualsWhatWriteWrites) {
  TempDir dir;
  dir.write("p/Dockerfile", k_fixable_dockerfile);
  dir.write("p/app.py", "print('hi')\n");
  dir.write("w/Dockerfile", k_fixable_dockerfile);
  dir.write("w/app.py", "print('hi')\n");
  ::chmod((dir.path() / "w/Dockerfile").c_str(), 0640);

  auto diff = run_moat("fix Dockerfile", dir.path() / "p");
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_NE(diff.out.find("--- a/Dockerfile\n+++ b/Dockerfile\n"), std::string::npos);
  EXPECT_NE(diff.out.find("+COPY app.py /app/"), std::string::npos) << diff.out;
  EXPECT_NE(diff.err.find("can fix findings:"), std::string::npos) << diff.err;
  // Without --write nothing changes.
  EXPECT_EQ(read_text(dir.path() / "p/Dockerfile"), k_fixable_dockerfile);

  dir.write("p/fix.diff", diff.out);
  ASSERT_EQ(
      std::system(("cd '" + (dir.path() / "p").string() + "' && patch -s -p1 < fix.diff").c_str()),
      0);

  auto write = run_moat("fix --write Dockerfile", dir.path() / "w");
  ASSERT_EQ(write.exit_code, 0) << write.err;
  EXPECT_EQ(write.out, "");
  EXPECT_NE(write.err.find("fixed findings:"), std::string::npos) << write.err;
  const auto fixed = read_text(dir.path() / "w/Dockerfile");
  EXPECT_EQ(read_text(dir.path() / "p/Dockerfile"), fixed);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "w/Dockerfile").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640U);

  // The fixed findings are gone; the untouched ones stay.
  auto lint = run_moat("lint --format json Dockerfile", dir.path() / "w");
  for (const char* id : {"DF004", "DF010", "DF016", "DF020", "DF025", "DF057"})
    EXPECT_EQ(lint.out.find(std::string("\"") + id + "\""), std::string::npos) << id;
  auto again = run_moat("fix Dockerfile", dir.path() / "w");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, "");
  EXPECT_NE(again.err.find("nothing to fix"), std::string::npos);
}

TEST(FixCli, JsonNamesEachFixAndWhatItResolved) {
  TempDir dir;
  dir.write("compose.yaml", "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n");
  auto r = run_moat("fix -f json compose.yaml", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["files"].size(), 1U);
  const auto& f = j["files"][0];
  EXPECT_EQ(f["file"], "compose.yaml");
  EXPECT_EQ(f["written"], false);
  ASSERT_FALSE(f["fixes"].empty());
  EXPECT_EQ(f["fixes"][0]["fix"], "drop-privileged");
  EXPECT_EQ(f["fixes"][0]["resolves"][0], "RC001");
  EXPECT_NE(f["diff"].get<std::string>().find("-    privileged: true\n"), std::string::npos);
}

TEST(FixCli, IgnoredChecksAreNotFixed) {
  TempDir dir;
  dir.write("Dockerfile", "FROM debian:12\nADD a.txt /a.txt\n");
  dir.write("a.txt", "a\n");
  auto r = run_moat("fix --ignore DF020,DF004 Dockerfile", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("COPY"), std::string::npos) << r.out;
  auto all = run_moat("fix Dockerfile", dir.path());
  EXPECT_NE(all.out.find("+COPY a.txt /a.txt"), std::string::npos) << all.out;
}

TEST(FixCli, BadInputIsAnErrorAndNoFileChanges) {
  TempDir dir;
  dir.write("Dockerfile", "FROM debian:12\nADD a.txt /a.txt\n");
  const std::string broken = "services:\n  web: [unclosed\n";
  dir.write("compose.yaml", broken);
  auto r = run_moat("fix --write Dockerfile compose.yaml", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("compose.yaml"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // The Dockerfile, fixable on its own, is left as it was too.
  EXPECT_EQ(read_text(dir.path() / "Dockerfile"), "FROM debian:12\nADD a.txt /a.txt\n");
  EXPECT_EQ(read_text(dir.path() / "compose.yaml"), broken);
  EXPECT_EQ(run_moat("fix missing/Dockerfile", dir.path()).exit_code, 2);
  EXPECT_EQ(run_moat("fix -", dir.path()).exit_code, 2);
  EXPECT_EQ(run_moat("fix -f xml Dockerfile", dir.path()).exit_code, 2);
  // Nothing but the two inputs is left in the directory.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path()))
    ++entries;
  EXPECT_EQ(entries, 2);
}

TEST(FixCli, RulesSayWhetherACheckHasAFix) {
  auto with = run_moat("rules DF016");
  EXPECT_NE(with.out.find("moat fix:\n  add --no-install-recommends to apt-get install "
                          "(apt-no-recommends)"),
            std::string::npos)
      << with.out;
  auto without = run_moat("rules DF001");
  EXPECT_NE(without.out.find("moat fix:\n  no mechanical fix"), std::string::npos) << without.out;
  auto json = run_moat("rules --format json RC001");
  const auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["autofix"].size(), 1U);
  EXPECT_EQ(j["autofix"][0]["id"], "drop-privileged");
  EXPECT_EQ(nlohmann::json::parse(run_moat("rules --format json DF001").out)["autofix"].size(), 0U);
}

} // namespace
