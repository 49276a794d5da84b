#include <moat/core/config.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

using namespace moat::core;

TEST(Config, ReadsMoatKeys) {
  auto c = parse_config("fail-on: high\nignore: [DL3008, df001]\nseverity:\n  DL3059: info\n"
                        "allowed-registries: [docker.io]\n",
                        ".moat.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  ASSERT_TRUE(c->fail_on.has_value());
  EXPECT_EQ(**c->fail_on, Severity::high);
  EXPECT_EQ(c->ignores.size(), 2U);
  EXPECT_EQ(c->overrides.at("DL3059"), Severity::info);
  EXPECT_EQ(c->allowed_registries.at(0), "docker.io");
}

TEST(Config, FailOnNoneDisablesTheThreshold) {
  auto c = parse_config("fail-on: none\n", "x");
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(c->fail_on.has_value());
  EXPECT_FALSE(c->fail_on->has_value());
}

TEST(Config, ReadsHadolintKeys) {
  auto c = parse_config("failure-threshold: warning\nignored:\n  - DL3008\n"
                        "override:\n  error: [DL3001]\n  style: [DL3059]\n"
                        "trustedRegistries: [ghcr.io]\n",
                        ".hadolint.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  EXPECT_EQ(**c->fail_on, Severity::medium);
  EXPECT_EQ(c->ignores.at(0), "DL3008");
  EXPECT_EQ(c->overrides.at("DL3001"), Severity::high);
  EXPECT_EQ(c->overrides.at("DL3059"), Severity::info);
  EXPECT_EQ(c->allowed_registries.at(0), "ghcr.io");
}

TEST(Config, EmptyFileIsAnEmptyConfig) {
  auto c = parse_config("", "x");
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->fail_on.has_value());
}

TEST(Config, ErrorsNameTheFileAndLine) {
  auto bad_yaml = parse_config("ignore: [a\n", "cfg.yaml");
  ASSERT_FALSE(bad_yaml.has_value());
  EXPECT_EQ(bad_yaml.error().input, "cfg.yaml");
  EXPECT_GT(bad_yaml.error().line, 0);

  auto unknown = parse_config("fail-on: high\nbogus: 1\n", "cfg.yaml");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().line, 2);
  EXPECT_NE(unknown.error().message.find("bogus"), std::string::npos);

  auto bad_sev = parse_config("severity:\n  DL3008: severe\n", "cfg.yaml");
  ASSERT_FALSE(bad_sev.has_value());
  auto not_map = parse_config("- a\n- b\n", "cfg.yaml");
  ASSERT_FALSE(not_map.has_value());
  auto bad_fail = parse_config("fail-on: sometimes\n", "cfg.yaml");
  ASSERT_FALSE(bad_fail.has_value());
}

TEST(Config, FindConfigWalksUpward) {
  moat::test::TempDir dir;
  dir.write(".moat.yaml", "fail-on: low\n");
  auto file = dir.write("a/b/c/Dockerfile", "FROM x\n");
  auto found = find_config(file);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->filename(), ".moat.yaml");
  moat::test::TempDir empty;
  auto lone = empty.write("Dockerfile", "FROM x\n");
  auto none = find_config(lone);
  // Only a config above the temp dir (none on a clean machine) could be found.
  if (none) {
    EXPECT_FALSE(none->string().starts_with(empty.path().string()));
  }
}

TEST(Config, MergeLetsTheCommandLineWin) {
  Config c;
  c.fail_on = std::optional<Severity>{Severity::critical};
  c.ignores = {"DL3008"};
  Policy p;
  merge_config(c, p);
  EXPECT_EQ(p.fail_on, Severity::critical);
  EXPECT_EQ(p.ignores.size(), 1U);
}

TEST(Config, ReadsTheSecretsSection) {
  auto c = parse_config(R"(secrets:
  disable: [SE024, jwt]
  placeholders: [not-a-real]
  package-paths: false
  entropy:
    SE001: 3.5
  rules:
    - id: acme-api-key
      title: ACME API key
      severity: critical
      pattern: 'acme_([A-Za-z0-9]{32})'
      secret-group: 1
      keywords: acme_
      entropy: 3
      allow: ['^acme_test']
  allow:
    - paths: ['fixtures/**', docs/]
    - regex: 'AKIA[A-Z0-9]{12}TEST'
      rules: [SE001]
)",
                        "cfg.yaml");
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  ASSERT_TRUE(c->secrets.has_value());
  const auto& s = *c->secrets;
  EXPECT_EQ(s.disable, (std::vector<std::string>{"SE024", "jwt"}));
  EXPECT_EQ(s.placeholders, std::vector<std::string>{"not-a-real"});
  EXPECT_EQ(s.package_paths, std::optional<bool>(false));
  EXPECT_EQ(s.entropy.at("SE001"), 3.5);
  ASSERT_EQ(s.rules.size(), 1U);
  EXPECT_EQ(s.rules[0].id, "acme-api-key");
  EXPECT_EQ(s.rules[0].severity, std::optional(moat::core::Severity::critical));
  EXPECT_EQ(s.rules[0].secret_group, 1);
  EXPECT_EQ(s.rules[0].keywords, std::vector<std::string>{"acme_"});
  EXPECT_EQ(s.rules[0].line, 8);
  ASSERT_EQ(s.allow.size(), 2U);
  EXPECT_EQ(s.allow[0].paths, (std::vector<std::string>{"fixtures/**", "docs/"}));
  EXPECT_EQ(s.allow[1].rules, std::vector<std::string>{"SE001"});
}

TEST(Config, BadSecretsSectionsNameTheLine) {
  struct Case {
    const char* text;
    int line;
    const char* says;
  };
  for (const auto& c : {
           Case{"secrets:\n  rules:\n    - id: x\n      pattern: 'a(b'\n", 3,
                "invalid regular expression"},
           Case{"secrets:\n  rules:\n    - id: x\n", 3, "needs an id and a pattern"},
           Case{"secrets:\n  allow:\n    - rules: [SE001]\n", 3, "needs paths or a regex"},
           Case{"secrets:\n  bogus: 1\n", 2, "unknown key 'bogus'"},
           Case{"secrets:\n  entropy:\n    SE001: lots\n", 3, "from 0 to 8"},
           Case{"secrets:\n  rules:\n    - id: x\n      pattern: a\n      colour: red\n", 5,
                "unknown key 'colour'"},
       }) {
    auto r = parse_config(c.text, "cfg.yaml");
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_EQ(r.error().input, "cfg.yaml");
    EXPECT_EQ(r.error().line, c.line) << c.text << r.error().to_string();
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().to_string();
  }
}
