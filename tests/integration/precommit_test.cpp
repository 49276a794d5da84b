// The pre-commit hooks of .pre-commit-hooks.yaml, run by Debian's
// pre-commit (`pre-commit try-repo` on this source tree, no network) on a
// scratch repository: each hook fails on a bad file, passes on a good one,
// and leaves files its filter does not take alone.

#include "services.hpp"
#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using moat::test::CommandResult;
using moat::test::shell_quote;
using moat::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

class PreCommitTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (auto ok = moat::test::require_programs({"git", "pre-commit"}); !ok)
      GTEST_SKIP() << ok.error();
    repo = dir.path() / "repo";
    std::filesystem::create_directories(repo);
    ASSERT_EQ(sh("git init -q .").exit_code, 0);
  }

  // A command in the scratch repository, with moat on the PATH and
  // pre-commit's cache and git's identity kept in the scratch directory.
  CommandResult sh(const std::string& command) const {
    const auto bin = std::filesystem::path(MOAT_BINARY).parent_path().string();
    return moat::test::run_command(
        "cd " + shell_quote(repo.string()) + " && env PATH=" + shell_quote(bin) +
        ":\"$PATH\" HOME=" + shell_quote(dir.path().string()) +
        " PRE_COMMIT_HOME=" + shell_quote((dir.path() / "cache").string()) +
        " GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t "
        "GIT_COMMITTER_EMAIL=t@example.com " +
        command);
  }

  // Runs HOOK of this source tree's hooks on FILES (staged first).
  CommandResult hook(const std::string& name, const std::string& files) const {
    EXPECT_EQ(sh("git add -A").exit_code, 0);
    return sh("pre-commit try-repo " + shell_quote(MOAT_SOURCE_DIR) + " " + name + " --files " +
              files);
  }

  void write(const std::string& name, const std::string& text) const {
    moat::test::write_text(repo / name, text);
  }

  TempDir dir;
  std::filesystem::path repo;
};

TEST_F(PreCommitTest, LintFailsOnABadDockerfileAndPassesAGoodOne) {
  write("Dockerfile", "FROM debian\nRUN apt-get install curl\n");
  write("notes.txt", "FROM debian\n");
  auto bad = hook("moat-lint", "Dockerfile notes.txt");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("DF004"));
  EXPECT_THAT(bad.output, Not(HasSubstr("notes.txt"))) << "not a Dockerfile by its name";
  write("Dockerfile", "FROM debian:12.7-slim@sha256:"
                      "ad86386827b083b3d71139050b47ffb32bbd9559ea9b1345a739b14fec2d9ecf\n"
                      "USER 10001\nHEALTHCHECK NONE\nCMD [\"sleep\", \"1\"]\n");
  auto good = hook("moat-lint", "Dockerfile");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_THAT(good.output, HasSubstr("Passed"));
}

TEST_F(PreCommitTest, ConfigChecksComposeFilesOnly) {
  write("compose.yaml", "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n");
  write("ci.yaml", "jobs: {}\n");
  auto bad = hook("moat-config", "compose.yaml ci.yaml");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("RC001"));
  auto other = hook("moat-config", "ci.yaml");
  EXPECT_EQ(other.exit_code, 0) << other.output;
  EXPECT_THAT(other.output, HasSubstr("(no files to check)Skipped"));
}

TEST_F(PreCommitTest, SecretsFailOnACredential) {
  write("deploy.env", "AWS_ACCESS_KEY_ID=AKIA4HG7JQ2K9WX3M5PZ\n"
                      "AWS_SECRET_ACCESS_KEY=q7Jz0Vb3Xk9LmN2pR5tW8yA1cE4gH6jK0sD3fG7h\n");
  write("README.md", "# app\n");
  auto bad = hook("moat-secrets", "deploy.env README.md");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("deploy.env"));
  auto good = hook("moat-secrets", "README.md");
  EXPECT_EQ(good.exit_code, 0) << good.output;
}

} // namespace
