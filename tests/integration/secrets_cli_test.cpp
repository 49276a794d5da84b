// moat secrets, end to end.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testutil.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

using moat::test::run_moat;
using moat::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// A token that looks real, built here so no file in the repository holds one.
std::string fake_github_token() {
  std::string body;
  for (int i = 0; i < 36; ++i)
    body += "Zq7xW2kLp9RtY4vBn8MhJ3cF6dGs5aE1"[(i * 7 + 3) % 32];
  return "ghp_" + body;
}

} // namespace

TEST(SecretsCli, ADirectoryWithASecretFailsAndNamesFileLineAndRule) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "app" / ".git");
  const std::string secret = fake_github_token();
  dir.write("app/README.md", "# app\nNothing here.\n");
  dir.write("app/deploy.env", "REGION=eu\nGITHUB_TOKEN=" + secret + "\n");
  dir.write("app/.git/config", "token=" + secret + "\n"); // skipped
  auto r = run_moat("secrets --format json " + (dir.path() / "app").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr(secret)));
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["command"], "secrets");
  const auto& findings = doc["targets"][0]["findings"];
  ASSERT_EQ(findings.size(), 1U) << r.out;
  EXPECT_EQ(findings[0]["id"], "SE009");
  EXPECT_THAT(findings[0]["aliases"].dump(), HasSubstr("github-pat"));
  EXPECT_THAT(findings[0]["location"]["file"].get<std::string>(), HasSubstr("deploy.env"));
  EXPECT_EQ(findings[0]["location"]["line"], 2);
  EXPECT_EQ(findings[0]["location"]["column"], 14);
  // The text report names the file inside the directory, then line:column.
  auto text = run_moat("secrets " + (dir.path() / "app").string());
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_THAT(text.out, HasSubstr("/app/deploy.env:2:14  CRITICAL  SE009 (github-pat)"));
  EXPECT_THAT(text.out, Not(HasSubstr(secret)));
}

TEST(SecretsCli, ACleanDirectoryPassesAndIgnoreByAliasWorks) {
  TempDir dir;
  dir.write("ok.txt", "password = ${DB_PASSWORD}\nAKIAIOSFODNN7EXAMPLE\n");
  auto clean = run_moat("secrets " + dir.path().string());
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  dir.write("bad.txt", "GITHUB_TOKEN=" + fake_github_token() + "\n");
  auto bad = run_moat("secrets " + dir.path().string());
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  auto ignored = run_moat("secrets --ignore github-pat " + dir.path().string());
  EXPECT_EQ(ignored.exit_code, 0) << ignored.out << ignored.err;
}

TEST(SecretsCli, SarifCarriesTheRuleAndNeverTheSecret) {
  TempDir dir;
  const std::string secret = fake_github_token();
  dir.write("env", "T=" + secret + "\n");
  auto r = run_moat("secrets --format sarif " + (dir.path() / "env").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr(secret)));
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["version"], "2.1.0");
  const auto& result = doc["runs"][0]["results"][0];
  EXPECT_EQ(result["ruleId"], "SE009");
  // The fingerprint .moatignore takes is the result's partial fingerprint.
  const auto fingerprint = result["properties"]["secret"]["fingerprint"].get<std::string>();
  EXPECT_EQ(fingerprint.size(), 16U);
  EXPECT_EQ(result["partialFingerprints"]["moatSecret/v1"], fingerprint);
  EXPECT_EQ(result["properties"]["secret"]["redacted"], "ghp_****");
  dir.write(".moatignore", fingerprint + "\n");
  auto ignored = run_moat("secrets --ignore-file " + (dir.path() / ".moatignore").string() + " " +
                          (dir.path() / "env").string());
  EXPECT_EQ(ignored.exit_code, 0) << ignored.out << ignored.err;
}

TEST(SecretsCli, AMissingPathIsOneLineAndExitTwo) {
  auto r = run_moat("secrets /nonexistent/moat-secrets-path");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/moat-secrets-path"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_EQ(r.out, "");
}

TEST(SecretsCli, TheBuildContextIsWhatDockerBuildSends) {
  TempDir dir;
  const std::string secret = fake_github_token();
  const std::string line = "T=" + secret + "\n";
  dir.write(".dockerignore", "# comment\nsecrets\n*.env\n!keep.env\n**/*.bak\nDockerfile\n");
  dir.write("secrets/a.txt", line);                     // left out (a directory)
  dir.write("app.env", line);                           // left out (*.env)
  dir.write("keep.env", line);                          // brought back by !keep.env
  dir.write("src/old/config.bak", line);                // left out (**/*.bak)
  dir.write("src/config.txt", line);                    // sent
  dir.write("Dockerfile", "FROM scratch\nENV " + line); // always sent
  auto r = run_moat("secrets --format json --context " + dir.path().string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  std::set<std::string> files;
  for (const auto& f : doc["targets"][0]["findings"])
    files.insert(std::filesystem::path(f["location"]["file"].get<std::string>())
                     .lexically_relative(dir.path())
                     .generic_string());
  EXPECT_EQ(files, (std::set<std::string>{"Dockerfile", "keep.env", "src/config.txt"})) << r.out;
}

TEST(SecretsCli, ADockerfilesOwnIgnoreFileWinsOverTheContexts) {
  TempDir dir;
  const std::string line = "T=" + fake_github_token() + "\n";
  dir.write(".dockerignore", "nothing-matches\n");
  dir.write("build/app.Dockerfile", "FROM scratch\n");
  dir.write("build/app.Dockerfile.dockerignore", "conf\n");
  dir.write("conf/x.txt", line);
  auto own = run_moat("secrets --context " + dir.path().string() + " -f " +
                      (dir.path() / "build/app.Dockerfile").string());
  EXPECT_EQ(own.exit_code, 0) << own.out << own.err;
  auto context = run_moat("secrets --context " + dir.path().string());
  EXPECT_EQ(context.exit_code, 1) << context.out << context.err;
}

TEST(SecretsCli, TheReportIsTheSameOnOneThreadAndOnMany) {
  TempDir dir;
  for (int i = 0; i < 24; ++i)
    dir.write("d" + std::to_string(i % 3) + "/f" + std::to_string(i) + ".txt",
              i % 2 == 0 ? "T=" + fake_github_token() + "\n" : "nothing\n");
  auto one = run_moat("secrets --format json --threads 1 " + dir.path().string());
  auto many = run_moat("secrets --format json --threads 4 " + dir.path().string());
  EXPECT_EQ(one.exit_code, 1) << one.err;
  EXPECT_EQ(many.exit_code, 1) << many.err;
  EXPECT_EQ(nlohmann::json::parse(one.out)["targets"][0]["findings"].size(), 12U);
  EXPECT_EQ(one.out, many.out);
}

TEST(SecretsCli, MoatignoreTakesAFingerprintOrACheckUnderAPath) {
  TempDir dir;
  const std::string secret = fake_github_token();
  dir.write("src/app.env", "T=" + secret + "\n");
  dir.write("fixtures/keys.env", "T=" + secret + "x\n"); // another secret (length 41 is no token)
  dir.write("fixtures/more.env", "NPM_TOKEN=npm_" + fake_github_token().substr(4) + "\n");
  auto all = run_moat("secrets --format json .", dir.path());
  ASSERT_EQ(all.exit_code, 1) << all.err;
  const auto doc = nlohmann::json::parse(all.out);
  const auto& findings = doc["targets"][0]["findings"];
  ASSERT_EQ(findings.size(), 2U) << all.out;
  const auto github = std::find_if(findings.begin(), findings.end(),
                                   [](const auto& f) { return f["id"] == "SE009"; });
  ASSERT_NE(github, findings.end()) << all.out;
  const std::string message = (*github)["message"];
  const std::string fingerprint = message.substr(message.rfind(' ') + 1);
  ASSERT_EQ(fingerprint.size(), 16U) << message;
  // The fingerprint ignores that secret; the npm token under fixtures/ is
  // ignored by its check and the path.
  dir.write(".moatignore", fingerprint + "  # rotated\nnpm-access-token path:./fixtures/\n");
  auto quiet = run_moat("secrets --format json .", dir.path());
  EXPECT_EQ(quiet.exit_code, 0) << quiet.out << quiet.err;
  EXPECT_EQ(nlohmann::json::parse(quiet.out)["targets"][0]["suppressed"], 2);
  // An expired rule ignores nothing.
  dir.write(".moatignore", fingerprint + " exp:2020-01-01\n");
  auto expired = run_moat("secrets --format json .", dir.path());
  EXPECT_EQ(expired.exit_code, 1) << expired.out << expired.err;
  // A broken ignore file is one line and exit 2.
  dir.write(".moatignore", fingerprint + " exp:yesterday\n");
  auto broken = run_moat("secrets .", dir.path());
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.err, HasSubstr(".moatignore"));
}

TEST(SecretsCli, TheConfigurationAddsRulesAllowsPathsAndDisablesBuiltIns) {
  TempDir dir;
  std::string key = "acme_";
  for (int i = 0; i < 32; ++i)
    key += "Zq7xW2kLp9RtY4vBn8MhJ3cF6dGs5aE1"[(i * 11 + 5) % 32];
  dir.write(".moat.yaml", "secrets:\n"
                          "  disable: [SE009]\n"
                          "  rules:\n"
                          "    - id: acme-api-key\n"
                          "      title: ACME API key\n"
                          "      severity: medium\n"
                          "      pattern: 'acme_[A-Za-z0-9]{32}'\n"
                          "      keywords: [acme_]\n"
                          "  allow:\n"
                          "    - paths: ['fixtures/**']\n");
  dir.write("app/settings.py", "ACME = \"" + key + "\"\nGH = \"" + fake_github_token() + "\"\n");
  dir.write("fixtures/sample.py", "ACME = \"" + key + "\"\n");
  auto r = run_moat("secrets --format json " + dir.path().string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr(key)));
  const auto doc = nlohmann::json::parse(r.out);
  const auto& findings = doc["targets"][0]["findings"];
  ASSERT_EQ(findings.size(), 1U) << r.out;
  EXPECT_EQ(findings[0]["id"], "acme-api-key");
  EXPECT_EQ(findings[0]["severity"], "medium");
  EXPECT_THAT(findings[0]["location"]["file"].get<std::string>(), HasSubstr("settings.py"));
  // Its id works like any other: ignored, and judged by --fail-on.
  EXPECT_EQ(run_moat("secrets --ignore acme-api-key " + dir.path().string()).exit_code, 0);
  EXPECT_EQ(run_moat("secrets --fail-on high " + dir.path().string()).exit_code, 0);
  // moat rules lists the rule and the allow rule, and shows a rule's keywords.
  auto rules = run_moat("rules --config " + (dir.path() / ".moat.yaml").string());
  EXPECT_EQ(rules.exit_code, 0) << rules.err;
  EXPECT_THAT(rules.out, HasSubstr("acme-api-key"));
  EXPECT_THAT(rules.out, HasSubstr("allow rule:   paths fixtures/**"));
  EXPECT_THAT(rules.out, HasSubstr("placeholders: example, xxxx"));
  auto one = run_moat("rules SE009 --config " + (dir.path() / ".moat.yaml").string());
  EXPECT_THAT(one.out, HasSubstr("Keywords:    ghp_"));
  EXPECT_THAT(one.out, HasSubstr("Disabled:    yes"));
}

TEST(SecretsCli, ARuleThatDoesNotCompileIsOneLineAndExitTwo) {
  TempDir dir;
  dir.write(".moat.yaml", "secrets:\n  rules:\n    - id: bad\n      pattern: '(a)\\1'\n");
  dir.write("a.txt", "aa\n");
  auto r = run_moat("secrets " + dir.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_THAT(r.err, HasSubstr(".moat.yaml"));
  EXPECT_THAT(r.err, HasSubstr("bad"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// On a terminal a progress bar is drawn on stderr and erased at the end;
// --no-progress and a pipe draw none. The terminal is a pseudo-terminal
// from util-linux's script(1).
TEST(SecretsCli, AProgressBarOnATerminalOnly) {
  if (std::system("command -v script >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "script(1) from util-linux is not installed";
  TempDir dir;
  dir.write("data/a.txt", std::string(1 << 20, 'a') + "\n");
  dir.write("data/b.txt", "GITHUB_TOKEN=" + fake_github_token() + "\n");
  const auto typescript = dir.path() / "typescript";
  auto on_tty = [&](const std::string& flags) {
    const std::string cmd = "script -qec \"'" + std::string(MOAT_BINARY) + "' secrets " + flags +
                            " --threads 1 " + (dir.path() / "data").string() + "\" '" +
                            typescript.string() + "' >/dev/null 2>&1";
    (void)std::system(cmd.c_str());
    return moat::test::read_text(typescript);
  };
  const auto drawn = on_tty("");
  EXPECT_THAT(drawn, HasSubstr("scanning ["));
  EXPECT_THAT(drawn, HasSubstr("\r\x1b[K")); // erased before the report
  EXPECT_THAT(drawn, HasSubstr("SE009"));
  EXPECT_THAT(on_tty("--no-progress"), Not(HasSubstr("scanning [")));
  auto piped = run_moat("secrets " + (dir.path() / "data").string());
  EXPECT_EQ(piped.err.find("scanning"), std::string::npos) << piped.err;
}

// moat image reads the same configuration: a rule of the user's finds its
// secret in the image's files.
TEST(SecretsCli, MoatImageAppliesTheConfiguredRules) {
  TempDir dir;
  std::string key = "acme_";
  for (int i = 0; i < 32; ++i)
    key += "Zq7xW2kLp9RtY4vBn8MhJ3cF6dGs5aE1"[(i * 13 + 1) % 32];
  dir.write("cfg.yaml", "secrets:\n  rules:\n    - id: acme-api-key\n"
                        "      pattern: 'acme_[A-Za-z0-9]{32}'\n      keywords: [acme_]\n");
  dir.write("rootfs/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
  dir.write("rootfs/app/settings.py", "KEY = \"" + key + "\"\n");
  auto r =
      run_moat("image --no-progress --skip-vulns --fail-on none --format json --config " +
               (dir.path() / "cfg.yaml").string() + " dir://" + (dir.path() / "rootfs").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr(key)));
  const auto doc = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& f : doc["targets"][0]["findings"])
    if (f["id"] == "acme-api-key") {
      found = true;
      EXPECT_EQ(f["location"]["path"], "/app/settings.py");
      EXPECT_EQ(f["location"]["line"], 1);
      EXPECT_EQ(f["secret"]["rule"], "acme-api-key");
    }
  EXPECT_TRUE(found) << r.out;
}
