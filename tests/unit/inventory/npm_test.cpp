#include <moat/inventory/npm.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

using moat::core::ErrorKind;
using moat::inventory::parse_npm_package_json;

TEST(NpmPackageJson, PlainPackage) {
  auto r = parse_npm_package_json(R"({"name": "express", "version": "4.19.2",
                                      "license": "MIT", "dependencies": {"x": "1"}})",
                                  "/app/node_modules/express/package.json");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  ASSERT_TRUE(r->has_value());
  const auto& p = **r;
  EXPECT_EQ(p.name, "express");
  EXPECT_EQ(p.version, "4.19.2");
  EXPECT_EQ(p.license, "MIT");
  EXPECT_EQ(p.type, "npm");
  EXPECT_EQ(p.ecosystem, "npm");
  EXPECT_EQ(p.namespace_, "");
  EXPECT_EQ(p.purl, "pkg:npm/express@4.19.2");
  EXPECT_EQ(p.found_at, "/app/node_modules/express/package.json");
}

TEST(NpmPackageJson, ScopedName) {
  auto r = parse_npm_package_json(R"({"name": "@babel/core", "version": "7.24.0"})", "p.json");
  ASSERT_TRUE(r.has_value() && r->has_value());
  EXPECT_EQ((*r)->name, "@babel/core");
  EXPECT_EQ((*r)->namespace_, "@babel");
  EXPECT_EQ((*r)->purl, "pkg:npm/%40babel/core@7.24.0");
}

TEST(NpmPackageJson, UpperCaseLegacyNamesAreLowerCasedInThePurl) {
  auto r = parse_npm_package_json(R"({"name": "@Scope/JSONStream", "version": "1.0.0-rc.1+b"})",
                                  "p.json");
  ASSERT_TRUE(r.has_value() && r->has_value());
  EXPECT_EQ((*r)->name, "@Scope/JSONStream");
  EXPECT_EQ((*r)->purl, "pkg:npm/%40scope/jsonstream@1.0.0-rc.1%2Bb");
}

TEST(NpmPackageJson, LicenseForms) {
  struct Case {
    const char* json;
    const char* license;
  };
  const Case cases[] = {
      {R"j({"name":"a","version":"1","license":"(MIT OR Apache-2.0)"})j", "(MIT OR Apache-2.0)"},
      {R"({"name":"a","version":"1","license":{"type":"ISC","url":"https://x"}})", "ISC"},
      {R"({"name":"a","version":"1","licenses":[{"type":"MIT"},{"type":"GPL-2.0"}]})",
       "MIT OR GPL-2.0"},
      {R"({"name":"a","version":"1","licenses":["BSD-2-Clause"]})", "BSD-2-Clause"},
      {R"({"name":"a","version":"1","licenses":{"type":"Apache-2.0"}})", "Apache-2.0"},
      {R"({"name":"a","version":"1","license":"","licenses":[{"type":"MIT"}]})", "MIT"},
      {R"({"name":"a","version":"1","license":42})", ""},
      {R"({"name":"a","version":"1","licenses":[1,{"url":"x"},null]})", ""},
      {R"({"name":"a","version":"1"})", ""},
  };
  for (const auto& c : cases) {
    auto r = parse_npm_package_json(c.json, "p.json");
    ASSERT_TRUE(r.has_value() && r->has_value()) << c.json;
    EXPECT_EQ((*r)->license, c.license) << c.json;
  }
}

TEST(NpmPackageJson, NotAPackageIsNullopt) {
  for (const char* json : {R"({"type": "module"})", R"({"name": "x"})", R"({"version": "1"})",
                           R"({"name": 5, "version": "1"})", R"({"name": "x", "version": 1})",
                           R"({"name": "", "version": "1"})", R"({"name": "x", "version": " "})",
                           R"([1, 2])", R"("text")", "null"}) {
    auto r = parse_npm_package_json(json, "p.json");
    ASSERT_TRUE(r.has_value()) << json << ": " << r.error().to_string();
    EXPECT_FALSE(r->has_value()) << json;
  }
}

TEST(NpmPackageJson, InvalidJsonIsAParseErrorWithPosition) {
  auto r = parse_npm_package_json("{\n  \"name\": \"x\",\n  \"version\": oops\n}", "pkg.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_EQ(r.error().input, "pkg.json");
  EXPECT_EQ(r.error().line, 3);
  EXPECT_GT(r.error().column, 12);
  EXPECT_EQ(r.error().message.rfind("invalid JSON", 0), 0U) << r.error().message;
  EXPECT_EQ(r.error().message.find("json.exception"), std::string::npos) << r.error().message;
  // The input is not echoed back: it may hold control characters or broken UTF-8.
  EXPECT_EQ(r.error().message.find("last read"), std::string::npos) << r.error().message;

  for (const char* bad : {"", "{", "{\"name\": \"x\",}", "\xff", "{\"a\": \"\xc3\"}"}) {
    auto e = parse_npm_package_json(bad, "pkg.json");
    ASSERT_FALSE(e.has_value()) << bad;
    EXPECT_EQ(e.error().kind, ErrorKind::parse);
    EXPECT_GE(e.error().line, 1);
  }
}

TEST(NpmPackageJson, DeepNestingDoesNotCrash) {
  const std::string deep = "{\"name\":\"a\",\"version\":\"1\",\"x\":" + std::string(100000, '[') +
                           std::string(100000, ']') + "}";
  auto r = parse_npm_package_json(deep, "deep.json");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_TRUE(r->has_value());
}

// Real package.json files: those of npm itself as Debian installs it, with
// Node's JSON.parse as the oracle.
TEST(NpmPackageJson, MatchesNodeOnInstalledModules) {
  const std::filesystem::path modules = "/usr/lib/node_modules";
  if (!std::filesystem::is_directory(modules))
    GTEST_SKIP() << modules << " does not exist (Debian packages npm/nodejs not installed)";
  if (std::system("command -v node >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "node not installed";
  moat::test::TempDir dir;
  const auto script = dir.write("oracle.js", R"(const fs = require('fs'), path = require('path');
const out = [];
(function walk(d) {
  for (const e of fs.readdirSync(d, {withFileTypes: true})) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile() && e.name === 'package.json') {
      const j = JSON.parse(fs.readFileSync(p, 'utf8'));
      const ok = j !== null && typeof j === 'object' && !Array.isArray(j) &&
                 typeof j.name === 'string' && typeof j.version === 'string' &&
                 j.name.trim() !== '' && j.version.trim() !== '';
      out.push({file: p, ok, name: ok ? j.name.trim() : '', version: ok ? j.version.trim() : '',
                license: typeof j.license === 'string' ? j.license.trim() : null});
    }
  }
})(process.argv[2]);
process.stdout.write(JSON.stringify(out));
)");
  const auto out = dir.path() / "oracle.json";
  const std::string command =
      "node '" + script.string() + "' '" + modules.string() + "' >'" + out.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const auto oracle = nlohmann::json::parse(moat::test::read_text(out));
  ASSERT_TRUE(oracle.is_array());
  if (oracle.empty())
    GTEST_SKIP() << "no package.json under " << modules;
  int packages = 0;
  int scoped = 0;
  for (const auto& o : oracle) {
    const std::string file = o["file"];
    SCOPED_TRACE(file);
    auto r = parse_npm_package_json(moat::test::read_text(file), file);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    ASSERT_EQ(r->has_value(), o["ok"].get<bool>());
    if (!r->has_value())
      continue;
    ++packages;
    const auto& p = **r;
    EXPECT_EQ(p.name, o["name"].get<std::string>());
    EXPECT_EQ(p.version, o["version"].get<std::string>());
    if (o["license"].is_string()) {
      EXPECT_EQ(p.license, o["license"].get<std::string>());
    }
    if (p.name.starts_with('@')) {
      ++scoped;
      const auto slash = p.name.find('/');
      EXPECT_EQ(p.namespace_, p.name.substr(0, slash));
      EXPECT_TRUE(p.purl.starts_with("pkg:npm/%40")) << p.purl;
    }
  }
  EXPECT_GT(packages, 0);
  std::cout << "[          ] compared " << oracle.size() << " package.json files (" << packages
            << " packages, " << scoped << " scoped)\n";
}
