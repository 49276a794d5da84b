// moat fix: every fix on its fixtures (bad: the fix applies and gives the
// expected text; good: it leaves the file alone), re-linted; the fix loop;
// unified diffs; and every Dockerfile of the shared corpus fixed and
// re-linted.

#include <moat/dockerfile/ast.hpp>
#include <moat/dockerfile/lint.hpp>
#include <moat/fix/fix.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string k_test_digest =
    "sha256:1111111111111111111111111111111111111111111111111111111111111111";

// The digest every image without a variable resolves to in these tests
// (the registry lookup itself is tested against a real registry).
std::optional<std::string> test_resolver(const std::string& image) {
  if (image.find('$') != std::string::npos)
    return std::nullopt;
  return k_test_digest;
}

bool is_config(const fs::path& p) {
  return p.extension() == ".yaml" || p.extension() == ".yml";
}

// Lints FILE (named as PATH) and proposes only the fix ONLY (all when empty).
moat::core::Result<moat::fix::Analysis> analyze(const fs::path& path, const std::string& text,
                                                std::string_view only) {
  static const moat::core::Policy policy;
  moat::core::Result<moat::fix::Analysis> a = [&]() {
    if (is_config(path))
      return moat::fix::analyze_config(text, path.string(), policy, {});
    moat::fix::DockerfileInput input;
    input.name = path.string();
    input.context_dir = path.parent_path();
    input.policy = &policy;
    input.resolve = test_resolver;
    return moat::fix::analyze_dockerfile(text, input);
  }();
  if (a && !only.empty())
    std::erase_if(a->candidates, [&](const auto& c) { return c.fix->id != only; });
  return a;
}

int count(const moat::fix::Analysis& a, std::string_view id) {
  const auto it = a.counts.find(id);
  return it == a.counts.end() ? 0 : it->second;
}

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() != ".fixed")
        files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Fixes, EveryFixHasABadAndAGoodFixture) {
  for (const auto& table : moat::fix::fix_tables())
    for (const auto& f : table.fixes) {
      const fs::path dir = fs::path(MOAT_FIXTURES_DIR) / "fix" / std::string(f.id);
      EXPECT_FALSE(inputs_in(dir / "bad").empty()) << f.id << ": no bad fixture";
      EXPECT_FALSE(inputs_in(dir / "good").empty()) << f.id << ": no good fixture";
      EXPECT_FALSE(moat::fix::resolved_checks(f).empty()) << f.id;
    }
}

TEST(Fixes, TablesAreSortedAndNameChecksOfTheirModule) {
  for (const auto& table : moat::fix::fix_tables()) {
    for (std::size_t i = 1; i < table.fixes.size(); ++i)
      EXPECT_LT(table.fixes[i - 1].id, table.fixes[i].id) << table.module;
    for (const auto& f : table.fixes)
      for (auto id : moat::fix::resolved_checks(f))
        EXPECT_TRUE(id.starts_with(table.module == "dockerfile" ? "DF" : "RC")) << f.id;
  }
}

// A bad fixture: the fix applies, gives the expected text, and re-linting
// shows fewer findings of what it resolves and no new finding.
TEST(Fixes, BadFixturesAreFixedAndRelintClean) {
  for (const auto& table : moat::fix::fix_tables())
    for (const auto& f : table.fixes) {
      const fs::path dir = fs::path(MOAT_FIXTURES_DIR) / "fix" / std::string(f.id) / "bad";
      for (const auto& file : inputs_in(dir)) {
        SCOPED_TRACE(file.string());
        const auto text = read(file);
        auto fixed =
            moat::fix::fix_text(text, [&](const std::string& t) { return analyze(file, t, f.id); });
        ASSERT_TRUE(fixed.has_value()) << fixed.error().message;
        ASSERT_FALSE(fixed->applied.empty()) << f.id << " was not applied";
        EXPECT_EQ(fixed->text, read(file.string() + ".fixed"));
        const auto before = analyze(file, text, {});
        const auto after = analyze(file, fixed->text, {});
        ASSERT_TRUE(before && after);
        for (const auto& [id, n] : after->counts)
          EXPECT_LE(n, count(*before, id)) << "new finding " << id;
        int resolved_before = 0;
        int resolved_after = 0;
        for (auto id : moat::fix::resolved_checks(f)) {
          resolved_before += count(*before, id);
          resolved_after += count(*after, id);
        }
        EXPECT_LT(resolved_after, resolved_before);
        // Every finding of the checks the fix resolves is gone from the fixture.
        EXPECT_EQ(resolved_after, 0) << f.id;
      }
    }
}

TEST(Fixes, GoodFixturesAreLeftAlone) {
  for (const auto& table : moat::fix::fix_tables())
    for (const auto& f : table.fixes) {
      const fs::path dir = fs::path(MOAT_FIXTURES_DIR) / "fix" / std::string(f.id) / "good";
      for (const auto& file : inputs_in(dir)) {
        SCOPED_TRACE(file.string());
        const auto text = read(file);
        auto fixed =
            moat::fix::fix_text(text, [&](const std::string& t) { return analyze(file, t, f.id); });
        ASSERT_TRUE(fixed.has_value()) << fixed.error().message;
        EXPECT_TRUE(fixed->applied.empty());
        EXPECT_EQ(fixed->text, text);
      }
    }
}

// The loop keeps a fix only when it helps and harms nothing.
TEST(FixLoop, SetsAsideAFixThatAddsAFindingOrResolvesNothing) {
  static constexpr moat::fix::FixInfo k_fix{"test", "X1", "test"};
  // The text's findings: one X1 per 'x', one Y1 per 'y'.
  const moat::fix::Analyze analyze =
      [](const std::string& t) -> moat::core::Result<moat::fix::Analysis> {
    moat::fix::Analysis a;
    a.counts["X1"] = static_cast<int>(std::count(t.begin(), t.end(), 'x'));
    a.counts["Y1"] = static_cast<int>(std::count(t.begin(), t.end(), 'y'));
    for (std::size_t i = 0; i < t.size(); ++i)
      if (t[i] == 'x')
        // The first x becomes y (a new finding), the others vanish.
        a.candidates.push_back({&k_fix, 1, {{i, 1, i == 0 ? "y" : "."}}});
    // A candidate that changes text without resolving anything.
    a.candidates.push_back({&k_fix, 1, {{t.size(), 0, "z"}}});
    return a;
  };
  auto fixed = moat::fix::fix_text("xxax", analyze);
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(fixed->text, "x.a.");
  EXPECT_EQ(fixed->applied.size(), 2U);
  for (const auto& a : fixed->applied)
    EXPECT_EQ(a.resolved, std::vector<std::string>{"X1"});
}

TEST(FixLoop, AnUnparsableInputIsAnError) {
  const moat::fix::Analyze analyze =
      [](const std::string&) -> moat::core::Result<moat::fix::Analysis> {
    return moat::core::fail(moat::core::ErrorKind::parse, "f", "broken");
  };
  EXPECT_FALSE(moat::fix::fix_text("a", analyze).has_value());
}

TEST(Diff, UnifiedDiffWithContextAndHunks) {
  EXPECT_EQ(moat::fix::unified_diff("a\nb\n", "a\nb\n", "a/f", "b/f"), "");
  std::string before;
  for (int i = 1; i <= 20; ++i)
    before += std::to_string(i) + "\n";
  std::string after = before;
  after.replace(after.find("2\n"), 2, "two\n");
  after.replace(after.find("\n15\n") + 1, 3, "15\nfifteen\n");
  EXPECT_EQ(moat::fix::unified_diff(before, after, "a/f", "b/f"),
            "--- a/f\n+++ b/f\n"
            "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
            "@@ -13,6 +13,7 @@\n 13\n 14\n 15\n+fifteen\n 16\n 17\n 18\n");
  EXPECT_EQ(moat::fix::unified_diff("a", "b", "x", "y"),
            "--- x\n+++ y\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n"
            "\\ No newline at end of file\n");
  EXPECT_EQ(moat::fix::unified_diff("", "new\n", "x", "y"), "--- x\n+++ y\n@@ -0,0 +1 @@\n+new\n");
}

TEST(Edits, AppliedInOrderOfOffset) {
  EXPECT_EQ(moat::fix::apply_edits("hello world", {{6, 5, "moat"}, {0, 0, ">"}}), ">hello moat");
}

TEST(Rules, EveryFixResolvesAKnownCheck) {
  for (const auto& table : moat::fix::fix_tables())
    for (const auto& f : table.fixes)
      for (auto id : moat::fix::resolved_checks(f)) {
        const auto fixes = moat::fix::fixes_for(id);
        EXPECT_NE(std::find(fixes.begin(), fixes.end(), &f), fixes.end()) << id;
      }
  EXPECT_TRUE(moat::fix::fixes_for("DF001").empty());
}

// harden_kubernetes: settings already written are changed in place,
// missing ones added at the file's indentation, emptyDir volumes joined to
// the pod's own, other containers and comments left alone.
TEST(HardenKubernetes, PatchesEachContainerAtItsOwnIndentation) {
  const std::string manifest = "apiVersion: apps/v1\n"
                               "kind: Deployment\n"
                               "metadata:\n"
                               "  name: web\n"
                               "spec:\n"
                               "  template:\n"
                               "    spec:\n"
                               "      containers:\n"
                               "        - name: web  # the server\n"
                               "          image: web:1\n"
                               "          securityContext:\n"
                               "            runAsUser: 0\n"
                               "            capabilities:\n"
                               "              drop: [NET_RAW]\n"
                               "          resources:\n"
                               "            limits:\n"
                               "              memory: 1Gi\n"
                               "        - name: sidecar\n"
                               "          image: other:1\n"
                               "      volumes:\n"
                               "        - name: data\n"
                               "          emptyDir: {}\n";
  const moat::fix::HardeningFor plan =
      [](std::string_view container,
         std::string_view) -> std::optional<moat::fix::ContainerHardening> {
    if (container != "web")
      return std::nullopt;
    moat::fix::ContainerHardening h;
    h.run_as_user = 65534;
    h.cap_add = {"NET_BIND_SERVICE"};
    h.seccomp_profile = "moat-web-seccomp.json";
    h.writable = {"/var/cache/nginx"};
    return h;
  };
  auto patched = moat::fix::harden_kubernetes(manifest, "web.yaml", plan);
  ASSERT_TRUE(patched.has_value()) << patched.error().message;
  EXPECT_EQ(*patched, "apiVersion: apps/v1\n"
                      "kind: Deployment\n"
                      "metadata:\n"
                      "  name: web\n"
                      "spec:\n"
                      "  template:\n"
                      "    spec:\n"
                      "      containers:\n"
                      "        - name: web  # the server\n"
                      "          image: web:1\n"
                      "          securityContext:\n"
                      "            runAsUser: 65534\n"
                      "            capabilities:\n"
                      "              drop: [NET_RAW, ALL]\n"
                      "              add:\n"
                      "                - NET_BIND_SERVICE\n"
                      "            allowPrivilegeEscalation: false\n"
                      "            readOnlyRootFilesystem: true\n"
                      "            runAsNonRoot: true\n"
                      "            seccompProfile:\n"
                      "              type: Localhost\n"
                      "              localhostProfile: moat-web-seccomp.json\n"
                      "          resources:\n"
                      "            limits:\n"
                      "              memory: 1Gi\n"
                      "              cpu: 1\n"
                      "          volumeMounts:\n"
                      "            - name: moat-web-tmp-0\n"
                      "              mountPath: /var/cache/nginx\n"
                      "        - name: sidecar\n"
                      "          image: other:1\n"
                      "      volumes:\n"
                      "        - name: data\n"
                      "          emptyDir: {}\n"
                      "        - name: moat-web-tmp-0\n"
                      "          emptyDir: {}\n");
  // The patched manifest reads back.
  moat::core::Policy policy;
  auto analysis = moat::fix::analyze_config(*patched, "web.yaml", policy, {});
  ASSERT_TRUE(analysis.has_value());
}

TEST(HardenKubernetes, AFlowStyleSecurityContextIsAnError) {
  const std::string manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
                               "  containers:\n  - name: a\n    image: a:1\n"
                               "    securityContext: {runAsUser: 0}\n";
  auto patched =
      moat::fix::harden_kubernetes(manifest, "p.yaml", [](std::string_view, std::string_view) {
        return std::optional<moat::fix::ContainerHardening>(moat::fix::ContainerHardening{});
      });
  ASSERT_FALSE(patched.has_value());
  EXPECT_NE(patched.error().message.find("container 'a'"), std::string::npos);
  EXPECT_FALSE(moat::fix::harden_kubernetes("services: {}\n", "c.yaml", {}).has_value());
}

bool is_dockerfile_name(const std::string& name) {
  return name == "Dockerfile" || name.ends_with(".Dockerfile") || name.starts_with("Dockerfile.");
}

// Every real-world Dockerfile of the shared corpus: the fixed text still
// parses, loses the findings each fix resolved, and gains none.
TEST(Corpus, FixedDockerfilesParseLoseTheFixedFindingsAndGainNone) {
  const fs::path root = fs::path(MOAT_SHARED_DIR) / "corpus" / "dockerfiles";
  if (!fs::is_directory(root))
    GTEST_SKIP() << "no corpus at " << root;
  int files = 0;
  int changed = 0;
  std::map<std::string, int> applied_by_fix;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || !is_dockerfile_name(e.path().filename().string()))
      continue;
    ++files;
    const auto text = read(e.path());
    SCOPED_TRACE(e.path().string());
    auto fixed =
        moat::fix::fix_text(text, [&](const std::string& t) { return analyze(e.path(), t, {}); });
    ASSERT_TRUE(fixed.has_value()) << fixed.error().message;
    if (fixed->applied.empty()) {
      EXPECT_EQ(fixed->text, text);
      continue;
    }
    ++changed;
    ASSERT_TRUE(moat::dockerfile::parse(fixed->text, "fixed").has_value());
    // Linted again from scratch, not through the loop's own analysis.
    moat::core::Policy policy;
    auto lint = [&](const std::string& t) {
      std::map<std::string, int> counts;
      auto report = moat::dockerfile::lint({e.path().string(), t, e.path().parent_path()}, policy);
      EXPECT_TRUE(report.has_value());
      if (report)
        for (const auto& f : report->findings)
          ++counts[std::string(f.check->id)];
      return counts;
    };
    auto before = lint(text);
    const auto after = lint(fixed->text);
    for (const auto& [id, n] : after)
      EXPECT_LE(n, before[id]) << "new finding " << id;
    std::map<std::string, int> resolved;
    for (const auto& a : fixed->applied) {
      ++applied_by_fix[std::string(a.fix->id)];
      for (const auto& id : a.resolved)
        ++resolved[id];
    }
    for (const auto& [id, n] : resolved) {
      const auto it = after.find(id);
      EXPECT_LE((it == after.end() ? 0 : it->second) + n, before[id]) << id;
    }
  }
  EXPECT_GT(files, 100);
  EXPECT_GT(changed, 0);
  std::string summary;
  for (const auto& [id, n] : applied_by_fix)
    summary += " " + id + "=" + std::to_string(n);
  std::printf("corpus: %d Dockerfiles, %d changed; fixes applied:%s\n", files, changed,
              summary.c_str());
}

} // namespace
