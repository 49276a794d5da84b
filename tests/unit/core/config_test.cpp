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
