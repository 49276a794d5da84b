// The CI formats from the command line: every command that takes --format
// writes them from the same findings (as many as its JSON report has), and
// Checkstyle's XML is read back by a real XML parser (Python's).

#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using moat::test::run_moat;
using moat::test::TempDir;
using ::testing::HasSubstr;

constexpr const char* k_bad_dockerfile = "FROM debian\nRUN apt-get install curl\nADD a /a\n";

std::size_t json_findings(const std::string& args, const std::filesystem::path& dir) {
  auto r = run_moat(args + " --format json", dir);
  const auto doc = nlohmann::json::parse(r.out);
  std::size_t n = 0;
  for (const auto& t : doc["targets"])
    n += t["findings"].size();
  return n;
}

TEST(CiFormats, LintWritesEveryFormatFromTheSameFindings) {
  TempDir dir;
  dir.write("Dockerfile", k_bad_dockerfile);
  dir.write("a", "a\n");
  const auto n = json_findings("lint Dockerfile", dir.path());
  ASSERT_GT(n, 3U);

  auto github = run_moat("lint --format github Dockerfile", dir.path());
  EXPECT_EQ(github.exit_code, 1) << "--fail-on still decides the exit code";
  EXPECT_EQ(static_cast<std::size_t>(std::count(github.out.begin(), github.out.end(), '\n')), n);
  EXPECT_THAT(github.out, HasSubstr("::warning file=Dockerfile,line=3,col=1,title=DF020 "));

  auto gitlab = run_moat("lint --format gitlab Dockerfile", dir.path());
  EXPECT_EQ(nlohmann::json::parse(gitlab.out).size(), n);

  auto sonar = run_moat("lint --format sonarqube Dockerfile", dir.path());
  EXPECT_EQ(nlohmann::json::parse(sonar.out)["issues"].size(), n);

  auto markdown = run_moat("lint --format markdown Dockerfile", dir.path());
  EXPECT_THAT(markdown.out, HasSubstr("| severity | id | file | line | message |"));

  // Checkstyle, parsed as XML and counted.
  ASSERT_EQ(run_moat("lint --format checkstyle -o report.xml Dockerfile", dir.path()).exit_code, 1);
  const std::string python =
      "cd '" + dir.path().string() +
      "' && python3 -c \"import xml.etree.ElementTree as E; r = E.parse('report.xml').getroot(); "
      "assert r.tag == 'checkstyle'; es = list(r.iter('error')); "
      "assert all(e.get('severity') in ('error', 'warning', 'info') and e.get('source', "
      "'').startswith('moat.') for e in es); print(len(es))\" > count.txt";
  ASSERT_EQ(std::system(python.c_str()), 0);
  EXPECT_EQ(moat::test::read_text(dir.path() / "count.txt"), std::to_string(n) + "\n");
}

TEST(CiFormats, ConfigAndSecretsWriteThemToo) {
  TempDir dir;
  dir.write("compose.yaml", "services:\n  web:\n    image: nginx\n    privileged: true\n");
  auto sonar = run_moat("config --format sonarqube compose.yaml", dir.path());
  EXPECT_EQ(nlohmann::json::parse(sonar.out)["issues"].size(),
            json_findings("config compose.yaml", dir.path()));
  dir.write("keys/id", "-----BEGIN OPENSSH PRIVATE KEY-----\n"
                       "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
                       "QyNTUxOQAAACBpZmFrZWtleWZha2VrZXlmYWtla2V5ZmFrZWtleQAAAJgAAAAAAAAAAA==\n"
                       "-----END OPENSSH PRIVATE KEY-----\n");
  auto github = run_moat("secrets --format github keys", dir.path());
  EXPECT_EQ(github.exit_code, 1) << github.err;
  EXPECT_THAT(github.out, HasSubstr("::error file=keys/id,line=1"));
  EXPECT_EQ(run_moat("secrets --format gitlab keys", dir.path()).out.front(), '[');
}

} // namespace
