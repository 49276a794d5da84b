// docs/ci.md: every moat command in its code blocks is run, as written, on
// a sample repository with findings and on a clean one. Each completes
// (exit 0 or 1, never 2), the gates fail only on the first, and the
// reports the CI systems read are written in their formats.

#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

namespace {

using moat::test::read_text;
using moat::test::TempDir;

// The moat command lines of the fenced code blocks of docs/ci.md, without
// a YAML list dash or a `run:` key in front.
std::vector<std::string> doc_commands() {
  std::istringstream in(read_text(std::filesystem::path(MOAT_SOURCE_DIR) / "docs" / "ci.md"));
  std::vector<std::string> commands;
  bool fenced = false;
  const std::regex command(R"(^\s*(?:-\s+|run:\s+)?(moat\s.*)$)");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("```")) {
      fenced = !fenced;
      continue;
    }
    std::smatch m;
    if (fenced && std::regex_match(line, m, command))
      commands.push_back(m[1]);
  }
  return commands;
}

// Runs COMMAND (a moat command line) in DIR with the moat under test first
// on the PATH; the exit code.
int run(const std::string& command, const std::filesystem::path& dir) {
  const auto bin = std::filesystem::path(MOAT_BINARY).parent_path().string();
  const auto line = "cd '" + dir.string() + "' && PATH='" + bin + "':\"$PATH\" XDG_CACHE_HOME='" +
                    (dir / ".cache").string() + "' " + command + " >/dev/null 2>&1";
  const int status = std::system(line.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST(DocsCi, EveryCommandRunsAndWritesWhatTheCiSystemReads) {
  const auto commands = doc_commands();
  ASSERT_GE(commands.size(), 8U);
  TempDir bad;
  bad.write("Dockerfile", "FROM ubuntu:latest\nRUN sudo apt-get install curl\nUSER root\n");
  bad.write("compose.yaml", "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n");
  bad.write("deploy.env", "AWS_ACCESS_KEY_ID=AKIA4HG7JQ2K9WX3M5PZ\n"
                          "AWS_SECRET_ACCESS_KEY=q7Jz0Vb3Xk9LmN2pR5tW8yA1cE4gH6jK0sD3fG7h\n");
  TempDir good;
  good.write("Dockerfile",
             "FROM debian:12.7-slim@sha256:"
             "ad86386827b083b3d71139050b47ffb32bbd9559ea9b1345a739b14fec2d9ecf\n"
             "RUN useradd -r -u 10001 app\nUSER 10001\nHEALTHCHECK NONE\nCMD [\"sleep\", \"1\"]\n");
  good.write("compose.yaml", "services:\n  api:\n    image: registry.example.com/api:2.4.1\n"
                             "    read_only: true\n    user: \"1000:1000\"\n    cap_drop: [ALL]\n"
                             "    security_opt: [\"no-new-privileges:true\"]\n    mem_limit: 256m\n"
                             "    cpus: 0.5\n    pids_limit: 100\n");
  int failed_bad = 0;
  for (const auto& c : commands) {
    SCOPED_TRACE(c);
    const int on_bad = run(c, bad.path());
    const int on_good = run(c, good.path());
    EXPECT_TRUE(on_bad == 0 || on_bad == 1) << on_bad;
    EXPECT_EQ(on_good, 0);
    failed_bad += on_bad;
  }
  EXPECT_GE(failed_bad, 4) << "every gate fails on the repository with findings";
  // What the CI systems read.
  const auto sarif = nlohmann::json::parse(read_text(bad.path() / "moat.sarif"));
  EXPECT_EQ(sarif["version"], "2.1.0");
  EXPECT_FALSE(sarif["runs"][0]["results"].empty());
  for (const auto* name : {"gl-code-quality-report.json", "gl-code-quality-config.json"}) {
    const auto report = nlohmann::json::parse(read_text(bad.path() / name));
    ASSERT_TRUE(report.is_array()) << name;
    EXPECT_FALSE(report.empty()) << name;
    EXPECT_TRUE(report[0].contains("fingerprint")) << name;
  }
  EXPECT_TRUE(
      nlohmann::json::parse(read_text(good.path() / "gl-code-quality-report.json")).empty());
}

} // namespace
