// The image checks, end to end: an image is built, written as an OCI layout
// (or a docker save tar when tags matter), loaded, viewed, catalogued and
// checked. Every check in the table has a bad image that triggers it and a
// good one that does not; a test fails when a check has no case.

#include "image_builder.hpp"
#include "testutil.hpp"

#include <moat/core/check.hpp>
#include <moat/image/catalog.hpp>
#include <moat/image/checks.hpp>
#include <moat/image/source.hpp>
#include <moat/image/union.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace moat::image;
using namespace moat::test;
using moat::core::Finding;

namespace {

// What a test feeds the pipeline: an image, and how it is packed.
struct Input {
  ImageBuilder image;
  bool docker_save = false; // a classic docker save tar with TAGS; otherwise an OCI layout
  std::vector<std::string> tags;
  std::size_t max_database = 0; // ScanLimits::max_database when not 0
};

// One run of the pipeline; the view points into SCANNED, so a Run never moves.
struct Run {
  ScannedImage scanned;
  std::optional<UnionView> view;
  Inventory inventory;
  moat::core::TargetReport report;

  [[nodiscard]] std::vector<const Finding*> with_id(std::string_view id) const {
    std::vector<const Finding*> out;
    for (const auto& f : report.findings)
      if (f.check != nullptr && f.check->id == id)
        out.push_back(&f);
    return out;
  }
  [[nodiscard]] bool has(std::string_view id) const { return !with_id(id).empty(); }
  [[nodiscard]] std::string ids() const {
    std::string out;
    for (const auto& f : report.findings)
      out += fmt::format("{} ({}) | ", f.check->id, f.message);
    return out;
  }
};

std::unique_ptr<Run> run_target(const std::string& target, std::size_t max_database = 0) {
  SourceOptions options;
  if (max_database != 0)
    options.limits.max_database = max_database;
  options.platform = "linux/amd64";
  options.threads = 2;
  options.limits.scan_secrets = true; // as moat image reads
  auto scanned = load_image(target, options);
  if (!scanned)
    throw std::runtime_error(scanned.error().to_string());
  auto run = std::make_unique<Run>();
  run->scanned = std::move(*scanned);
  run->view.emplace(run->scanned.layers);
  auto inventory = catalog_image(run->scanned, *run->view);
  if (!inventory)
    throw std::runtime_error(inventory.error().to_string());
  run->inventory = std::move(*inventory);
  run->report = check_image(run->scanned, *run->view, run->inventory, moat::core::Policy{});
  return run;
}

std::unique_ptr<Run> run(const Input& input) {
  TempDir dir;
  if (input.docker_save) {
    const auto path =
        dir.write("image.tar", make_tar(docker_save_classic(input.image, input.tags)));
    return run_target(path.string(), input.max_database);
  }
  OciLayout layout;
  layout.list(layout.add_image(input.image));
  layout.write_dir(dir.path());
  return run_target(dir.path().string(), input.max_database);
}

// A PEM private key shape (what find_private_key recognises); assembled so
// the source holds no key-shaped block.
std::string fake_key(std::string_view kind = "EC") {
  std::string body;
  for (int i = 0; i < 4; ++i)
    body += std::string(64, static_cast<char>('A' + i)) + "\n";
  return "-----BEGIN " + std::string(kind) + " PRIVATE KEY-----\n" + body + "-----END " +
         std::string(kind) + " PRIVATE KEY-----\n";
}

const std::string k_passwd = "root:x:0:0:root:/root:/bin/sh\n"
                             "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                             "app:x:1000:1000::/home/app:/bin/sh\n";
const std::string k_group = "root:x:0:\ndaemon:x:1:\napp:x:1000:\n";
const std::string k_shadow = "root:*:19000:0:99999:7:::\n"
                             "daemon:*:19000:0:99999:7:::\n"
                             "app:!:19000::::::\n";

// The base layer of every test image, as a distribution's root file system would be.
std::vector<TarEntry> base_files() {
  return {tar_dir("etc"),
          tar_file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian 12\"\n"),
          tar_file("etc/passwd", k_passwd),
          tar_file("etc/group", k_group),
          tar_file("etc/shadow", k_shadow, 0640, 0, 42),
          tar_dir("tmp", 01777),
          tar_dir("usr"),
          tar_dir("usr/bin"),
          tar_file("usr/bin/tool", "#!/bin/sh\n", 0755),
          tar_dir("var/lib/apt/lists"),
          tar_file("var/lib/apt/lists/lock", ""),
          tar_dir("var/lib/apt/lists/partial"),
          tar_dir("var/cache/apt/archives/partial"),
          tar_file("var/cache/apt/archives/lock", ""),
          tar_dir("usr/share/doc/tool"),
          tar_file("usr/share/doc/tool/Dockerfile", "FROM scratch\n")};
}

constexpr std::string_view k_base_step = "/bin/sh -c #(nop) ADD file:4f0b7e3d2c1a in / ";

// An image no check should complain about. EXTRA goes into a second layer.
Input clean(const std::vector<TarEntry>& extra = {}, std::vector<TarEntry> base = base_files()) {
  Input in;
  auto& b = in.image;
  b.layer(base, std::string(k_base_step));
  b.step("/bin/sh -c #(nop)  CMD [\"bash\"]");
  std::vector<TarEntry> app = {tar_dir("app"), tar_file("app/server", "#!/bin/sh\n", 0755)};
  app.insert(app.end(), extra.begin(), extra.end());
  b.layer(app, "COPY server /app/ # buildkit");
  b.step("USER app");
  b.step("WORKDIR /app");
  b.config = {{"User", "app"},
              {"Env", {"PATH=/usr/local/bin:/usr/bin:/bin"}},
              {"Cmd", {"/app/server"}},
              {"WorkingDir", "/app"},
              {"ExposedPorts", {{"8080/tcp", nlohmann::json::object()}}},
              {"Volumes", {{"/data", nlohmann::json::object()}}},
              {"Healthcheck", {{"Test", {"CMD", "/app/server", "--check"}}}}};
  return in;
}

// A clean image with a third layer made of ENTRIES.
Input clean_plus_layer(const std::vector<TarEntry>& extra, const std::vector<TarEntry>& top,
                       std::string created_by = "RUN /bin/sh -c rm -f /app/x # buildkit") {
  auto in = clean(extra);
  in.image.layer(top, std::move(created_by));
  return in;
}

// A base layer with FILE replaced.
std::vector<TarEntry> base_with(const std::string& path, const std::string& content,
                                std::uint32_t mode = 0644) {
  auto files = base_files();
  for (auto& f : files)
    if (f.path == path) {
      f.content = content;
      f.mode = mode;
      return files;
    }
  files.push_back(tar_file(path, content, mode));
  return files;
}

struct CheckCase {
  std::function<Input()> bad;
  std::function<Input()> good;
};

const std::map<std::string, CheckCase, std::less<>>& cases() {
  static const std::map<std::string, CheckCase, std::less<>> table = {
      {"IM001",
       {[] {
          auto in = clean();
          in.image.config.erase("User");
          return in;
        },
        [] { return clean(); }}},
      {"IM002",
       {[] {
          auto in = clean();
          in.image.config.erase("Healthcheck");
          return in;
        },
        [] { return clean(); }}},
      {"IM003",
       {[] {
          auto in = clean();
          in.image.config["Env"].push_back("AWS_ACCESS_KEY_ID=AKIA4HG7JQ2K9WX3M5PZ");
          return in;
        },
        [] {
          auto in = clean();
          in.image.config["Env"].push_back("AWS_REGION=eu-west-1");
          return in;
        }}},
      {"IM004",
       {[] {
          auto in = clean();
          in.image.config["Env"].push_back("DB_PASSWORD=hunter2");
          return in;
        },
        [] {
          auto in = clean();
          in.image.config["Env"].push_back("DB_PASSWORD_FILE=/run/secrets/db");
          in.image.config["Env"].push_back("API_TOKEN=");
          return in;
        }}},
      {"IM005",
       {[] {
          auto in = clean();
          in.image.layer({tar_file("opt/tool.tgz", "x")},
                         "ADD https://example.com/tool.tgz /opt/ # buildkit");
          return in;
        },
        [] { return clean(); }}}, // the base layer's own "ADD file:... in /" is how bases are made
      {"IM006",
       {[] {
          auto in = clean();
          in.image.config["Volumes"]["/sys/fs/cgroup"] = nlohmann::json::object();
          return in;
        },
        [] {
          auto in = clean();
          in.image.config["Volumes"]["/devices"] = nlohmann::json::object();
          in.image.config["Volumes"]["/var/lib/data/"] = nlohmann::json::object();
          return in;
        }}},
      {"IM007",
       {[] {
          return clean({tar_file("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                                 "Origin: Debian\n")});
        },
        [] { return clean({tar_file("var/lib/apt/lists/partial/deb.debian.org_x", "partial")}); }}},
      {"IM008",
       {[] {
          auto in = clean();
          in.docker_save = true;
          in.tags = {"registry.example.com:5000/team/app:latest"};
          return in;
        },
        [] {
          auto in = clean();
          in.docker_save = true;
          in.tags = {"registry.example.com:5000/team/app:1.4.2"};
          return in;
        }}},
      {"IM009",
       {[] {
          auto in = clean();
          in.image.config["ExposedPorts"]["22/tcp"] = nlohmann::json::object();
          return in;
        },
        [] {
          auto in = clean();
          in.image.config["ExposedPorts"]["2222/tcp"] = nlohmann::json::object();
          return in;
        }}},
      {"IM010",
       {[] { return clean({}, base_with("usr/bin/tool", "#!/bin/sh\n", 04755)); },
        [] { return clean({}, base_with("usr/bin/tool", "#!/bin/sh\n", 0755)); }}},
      {"IM011",
       {[] { return clean({tar_file("app/data.txt", "x", 0666)}); },
        [] {
          return clean({tar_dir("app/shared", 01777), tar_file("app/data.txt", "x", 0664)});
        }}},
      {"IM012",
       {[] { return clean({tar_file("app/tls/server.key", fake_key())}); },
        [] {
          return clean({tar_file("app/tls/server.crt",
                                 "-----BEGIN CERTIFICATE-----\n" + std::string(64, 'M') + "\n")});
        }}},
      {"IM013",
       {[] {
          return clean({tar_file("root/.npmrc", "//registry.npmjs.org/:_authToken=npm_abc123\n")});
        },
        [] { return clean({tar_file("root/.npmrc", "registry=https://registry.npmjs.org/\n")}); }}},
      {"IM014",
       {[] {
          return clean_plus_layer({tar_file("app/deploy.pem", fake_key("RSA"))},
                                  {tar_whiteout("app/deploy.pem")});
        },
        [] {
          return clean_plus_layer({tar_file("app/notes.txt", "not a secret")},
                                  {tar_whiteout("app/notes.txt")});
        }}},
      {"IM015",
       {[] {
          return clean({},
                       base_with("etc/shadow", "root:*:19000:0:99999:7:::\nguest::19000::::::\n"));
        },
        [] {
          return clean({},
                       base_with("etc/shadow", "root:!:19000:0:99999:7:::\nguest:*:19000::::::\n"));
        }}},
      {"IM016",
       {[] { return clean({}, base_with("etc/passwd", k_passwd + "toor:x:0:0::/root:/bin/sh\n")); },
        [] {
          return clean({}, base_with("etc/passwd", k_passwd + "svc:x:1001:1001::/srv:/bin/sh\n"));
        }}},
      {"IM017",
       {[] { return clean({tar_file("var/cache/apt/archives/curl_7.88.1-10_amd64.deb", "deb")}); },
        [] { return clean({tar_file("var/cache/apt/archives/partial/curl.deb.part", "x")}); }}},
      {"IM018",
       {[] {
          return clean({tar_dir("app/.git"), tar_file("app/.git/HEAD", "ref: refs/heads/main\n")});
        },
        [] { return clean({tar_dir("usr/lib/node_modules/x/.git")}); }}},
      {"IM019",
       {[] { return clean({tar_file("../../outside", "x")}); },
        [] { return clean({tar_file("app/inside/../also-inside", "x")}); }}},
      {"IM020",
       {[] {
          auto in = clean({tar_file("usr/lib/python3/dist-packages/a-1.dist-info/METADATA",
                                    "Name: a\nVersion: 1\n" + std::string(200, ' '))});
          in.max_database = 128;
          return in;
        },
        [] {
          auto in = clean({tar_file("usr/lib/python3/dist-packages/a-1.dist-info/METADATA",
                                    "Name: a\nVersion: 1\n")});
          in.max_database = 128;
          return in;
        }}},
  };
  return table;
}

TEST(ImageChecks, TableIsSortedUniqueAndComplete) {
  const auto table = checks();
  EXPECT_TRUE(moat::core::validate_table(table).empty());
  std::set<std::string_view> ids;
  for (const auto& c : table) {
    EXPECT_TRUE(c.id.starts_with("IM")) << c.id;
    EXPECT_TRUE(ids.insert(c.id).second) << c.id;
    EXPECT_FALSE(c.title.empty() || c.rationale.empty() || c.remediation.empty()) << c.id;
  }
  EXPECT_TRUE(std::ranges::is_sorted(table, {}, &moat::core::CheckInfo::id));
}

TEST(ImageChecks, CleanImageHasNoFindings) {
  auto r = run(clean());
  EXPECT_TRUE(r->report.findings.empty()) << r->ids();
  EXPECT_EQ(r->report.kind, "image");
  ASSERT_TRUE(r->inventory.os);
  EXPECT_EQ(r->inventory.os->id, "debian");
}

TEST(ImageChecks, EveryCheckHasABadAndAGoodImage) {
  for (const auto& info : checks()) {
    SCOPED_TRACE(std::string(info.id));
    const auto it = cases().find(info.id);
    if (it == cases().end()) {
      ADD_FAILURE() << info.id << " has no bad/good case in checks_test.cpp";
      continue;
    }
    auto bad = run(it->second.bad());
    EXPECT_TRUE(bad->has(info.id)) << "bad image not reported; findings: " << bad->ids();
    for (const auto* f : bad->with_id(info.id)) {
      EXPECT_EQ(f->check, &info);
      EXPECT_FALSE(f->message.empty());
      EXPECT_EQ(f->severity, info.severity);
    }
    auto good = run(it->second.good());
    EXPECT_FALSE(good->has(info.id)) << "good image reported; findings: " << good->ids();
  }
  // No case for a check that is not in the table.
  for (const auto& [id, c] : cases())
    EXPECT_TRUE(std::ranges::any_of(checks(), [&](const auto& i) { return i.id == id; })) << id;
}

// --- locations ---------------------------------------------------------------

TEST(ImageChecks, FileFindingsNameTheLayerAndPath) {
  auto r = run(clean({tar_file("app/data.txt", "x", 0666)}, base_with("usr/bin/tool", "x", 04755)));
  const auto& layers = r->scanned.image.layers;
  auto suid = r->with_id("IM010");
  ASSERT_EQ(suid.size(), 1U);
  EXPECT_EQ(suid[0]->location.path, "/usr/bin/tool");
  EXPECT_EQ(suid[0]->location.layer, 0);
  EXPECT_EQ(suid[0]->location.layer_digest, layers[0].digest);
  EXPECT_EQ(suid[0]->location.history, 0);
  EXPECT_EQ(suid[0]->location.created_by, k_base_step);
  EXPECT_NE(suid[0]->message.find("mode 4755"), std::string::npos) << suid[0]->message;

  auto ww = r->with_id("IM011");
  ASSERT_EQ(ww.size(), 1U);
  EXPECT_EQ(ww[0]->location.path, "/app/data.txt");
  EXPECT_EQ(ww[0]->location.layer, 1);
  EXPECT_EQ(ww[0]->location.layer_digest, layers[1].digest);
  EXPECT_EQ(ww[0]->location.history, 2);
}

TEST(ImageChecks, ConfigFindingsHaveNoLayer) {
  auto in = clean();
  in.image.config["User"] = "root";
  auto r = run(in);
  auto f = r->with_id("IM001");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0]->location.layer, -1);
  EXPECT_TRUE(f[0]->location.path.empty());
  EXPECT_NE(f[0]->message.find("'root'"), std::string::npos);
}

TEST(ImageChecks, RootUserForms) {
  for (const std::string user : {"", "root", "0", "0:0", "root:root"}) {
    auto in = clean();
    in.image.config["User"] = user;
    EXPECT_TRUE(run(in)->has("IM001")) << "'" << user << "'";
  }
  for (const std::string user : {"app", "1000", "1000:1000", "nobody:nogroup", "rooter"}) {
    auto in = clean();
    in.image.config["User"] = user;
    EXPECT_FALSE(run(in)->has("IM001")) << "'" << user << "'";
  }
  auto none = clean();
  none.image.config["Healthcheck"] = {{"Test", {"NONE"}}};
  auto r = run(none);
  ASSERT_TRUE(r->has("IM002"));
  EXPECT_NE(r->with_id("IM002")[0]->message.find("NONE"), std::string::npos);
}

TEST(ImageChecks, EnvironmentSecretsAreRedacted) {
  auto in = clean();
  in.image.config["Env"].push_back("GITHUB_TOKEN=ghp_Zk3uR8vQ1xW5yT7pL2mN4bC6dF9gH0jKa1s2");
  in.image.config["Env"].push_back("ADMIN_PASSWORD=correct-horse-battery");
  auto r = run(in);
  for (const auto& f : r->report.findings) {
    EXPECT_EQ(f.message.find("Zk3uR8vQ"), std::string::npos) << f.message;
    EXPECT_EQ(f.message.find("correct-horse"), std::string::npos) << f.message;
  }
  EXPECT_TRUE(r->has("IM003"));
  EXPECT_TRUE(r->has("IM004"));
}

TEST(ImageChecks, LatestTagForms) {
  for (const std::string tag : {"app:latest", "app", "localhost:5000/app"}) {
    auto in = clean();
    in.docker_save = true;
    in.tags = {tag};
    EXPECT_TRUE(run(in)->has("IM008")) << tag;
  }
  auto in = clean();
  in.docker_save = true;
  in.tags = {"localhost:5000/app:2"};
  EXPECT_FALSE(run(in)->has("IM008"));
}

// --- secrets a later layer only hid -----------------------------------------------

TEST(ImageChecks, KeyDeletedInALaterLayerIsStillReported) {
  auto r = run(clean_plus_layer({tar_file("app/deploy.pem", fake_key("RSA"))},
                                {tar_whiteout("app/deploy.pem")}));
  EXPECT_FALSE(r->has("IM012")); // not visible in the final image
  auto f = r->with_id("IM014");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  const auto& layers = r->scanned.image.layers;
  EXPECT_EQ(f[0]->location.path, "/app/deploy.pem");
  EXPECT_EQ(f[0]->location.layer, 1); // where it was added
  EXPECT_EQ(f[0]->location.layer_digest, layers[1].digest);
  EXPECT_NE(f[0]->message.find("RSA private key"), std::string::npos) << f[0]->message;
  EXPECT_NE(f[0]->message.find("deleted in layer 3"), std::string::npos) << f[0]->message;
  EXPECT_NE(f[0]->message.find(layers[2].digest.substr(0, 19)), std::string::npos);
  // The finding says which rule, which layer hid the file, and how.
  ASSERT_NE(f[0]->secret, nullptr);
  EXPECT_EQ(f[0]->secret->rule, "SE007");
  EXPECT_EQ(f[0]->secret->shadowed_by, 2);
  EXPECT_EQ(f[0]->secret->shadowed_digest, layers[2].digest);
  EXPECT_EQ(f[0]->secret->shadowed_how, "deleted");
  EXPECT_EQ(f[0]->secret->fingerprint.size(), 16U);
}

TEST(ImageChecks, KeyOverwrittenInALaterLayerIsStillReported) {
  auto r = run(clean_plus_layer({tar_file("app/deploy.pem", fake_key("RSA"))},
                                {tar_file("app/deploy.pem", "removed\n")}));
  EXPECT_FALSE(r->has("IM012"));
  auto f = r->with_id("IM014");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_EQ(f[0]->location.layer, 1);
  EXPECT_NE(f[0]->message.find("overwritten in layer 3"), std::string::npos) << f[0]->message;
}

TEST(ImageChecks, KeyHiddenByDeletingItsDirectory) {
  auto r = run(
      clean_plus_layer({tar_dir("app/keys"), tar_file("app/keys/id_ed25519", fake_key("OPENSSH"))},
                       {tar_whiteout("app/keys")}));
  auto f = r->with_id("IM014");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_EQ(f[0]->location.path, "/app/keys/id_ed25519");
  EXPECT_NE(f[0]->message.find("OpenSSH private key"), std::string::npos) << f[0]->message;
  EXPECT_FALSE(r->has("IM013")); // a key file is reported once, as a key
}

TEST(ImageChecks, CredentialDeletedInALaterLayer) {
  auto r = run(clean_plus_layer({tar_file("root/.git-credentials", "https://u:p@github.com\n")},
                                {tar_whiteout("root/.git-credentials")}));
  EXPECT_FALSE(r->has("IM013"));
  auto f = r->with_id("IM014");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_NE(f[0]->message.find(".git-credentials"), std::string::npos);
}

TEST(ImageChecks, VisibleKeyIsReportedWhereItWasAdded) {
  auto r = run(clean({tar_file("app/tls/server.key", fake_key())}));
  auto f = r->with_id("IM012");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0]->location.path, "/app/tls/server.key");
  EXPECT_EQ(f[0]->location.layer, 1);
  EXPECT_EQ(f[0]->location.layer_digest, r->scanned.image.layers[1].digest);
  EXPECT_NE(f[0]->message.find("EC private key"), std::string::npos);
  EXPECT_FALSE(r->has("IM014"));
}

// --- every file through the secret engine ---------------------------------------

// A GitHub token built here, so no file of the repository holds one.
std::string fake_token() {
  std::string body;
  for (int i = 0; i < 36; ++i)
    body += "Zq7xW2kLp9RtY4vBn8MhJ3cF6dGs5aE1"[(i * 5 + 1) % 32];
  return "ghp_" + body;
}

TEST(ImageChecks, ATokenInAnyFileIsReportedUnderItsRuleWithLineAndLayer) {
  auto r =
      run(clean({tar_file("app/settings.env", "# app\nREGION=eu\nTOKEN=" + fake_token() + "\n")}));
  auto f = r->with_id("SE009");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_EQ(f[0]->location.path, "/app/settings.env");
  EXPECT_EQ(f[0]->location.layer, 1);
  EXPECT_EQ(f[0]->location.line, 3);
  EXPECT_EQ(f[0]->location.column, 7);
  EXPECT_EQ(f[0]->message.find(fake_token()), std::string::npos) << f[0]->message;
  EXPECT_NE(f[0]->message.find("ghp_****"), std::string::npos) << f[0]->message;
}

TEST(ImageChecks, ATokenDeepInALargeFileIsFoundWholeNoSizeCap) {
  // 3 MiB of text before it: beyond any per-file cap, and across many
  // of the reader's blocks.
  std::string big;
  while (big.size() < (std::size_t{3} << 20))
    big += "lorem ipsum dolor sit amet, consectetur adipiscing elit\n";
  auto r = run(clean({tar_file("app/data.log", big + "token " + fake_token() + "\n")}));
  auto f = r->with_id("SE009");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_EQ(f[0]->location.line, static_cast<int>(std::count(big.begin(), big.end(), '\n')) + 1);
}

TEST(ImageChecks, ATokenInAFileALaterLayerDeletedIsIM014WithTheRule) {
  auto r = run(clean_plus_layer({tar_file("app/settings.env", "TOKEN=" + fake_token() + "\n")},
                                {tar_whiteout("app/settings.env")}));
  EXPECT_FALSE(r->has("SE009"));
  auto f = r->with_id("IM014");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_EQ(f[0]->location.layer, 1);
  EXPECT_NE(f[0]->message.find("SE009"), std::string::npos) << f[0]->message;
  EXPECT_NE(f[0]->message.find("deleted in layer 3"), std::string::npos) << f[0]->message;
}

TEST(ImageChecks, AKeyIsReportedOnceAsAKeyNotAgainByTheEngine) {
  auto r = run(clean({tar_file("app/tls/server.key", fake_key())}));
  EXPECT_TRUE(r->has("IM012")) << r->ids();
  EXPECT_FALSE(r->has("SE007")) << r->ids();
}

TEST(ImageChecks, ATokenInALabelIsReported) {
  auto in = clean();
  in.image.config["Labels"] = {{"ci.token", fake_token()},
                               {"org.opencontainers.image.title", "app"}};
  auto r = run(in);
  auto f = r->with_id("SE009");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_NE(f[0]->message.find("LABEL ci.token"), std::string::npos) << f[0]->message;
}

// --- credentials ------------------------------------------------------------------

TEST(ImageChecks, CredentialFileVariants) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"root/.npmrc", "//registry.npmjs.org/:_authToken=npm_abc123\n"},
      {"home/app/.npmrc", "_auth=dXNlcjpwYXNz\nemail=a@b.c\n"},
      {"root/.docker/config.json", R"({"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}})"},
      {"home/app/.git-credentials", "https://user:token@github.com\n"},
      {"root/.aws/credentials",
       "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
       "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"},
      {"app/.env", "DATABASE_PASSWORD=s3cret\n"},
      {"root/.pypirc", "[pypi]\nusername = __token__\npassword = pypi-abc\n"},
      {"root/.netrc", "machine example.com login me password pw\n"},
      {"root/.pgpass", "db:5432:*:app:pw\n"},
  };
  for (const auto& [path, content] : bad) {
    auto r = run(clean({tar_file(path, content)}));
    auto f = r->with_id("IM013");
    ASSERT_EQ(f.size(), 1U) << path << ": " << r->ids();
    EXPECT_EQ(f[0]->location.path, "/" + path);
    EXPECT_EQ(f[0]->location.layer, 1);
    EXPECT_EQ(f[0]->location.layer_digest, r->scanned.image.layers[1].digest);
    // Secrets never appear in messages.
    EXPECT_EQ(f[0]->message.find("dXNlcjpwYXNz"), std::string::npos);
    EXPECT_EQ(f[0]->message.find("s3cret"), std::string::npos);
  }
  const std::vector<std::pair<std::string, std::string>> good = {
      {"root/.npmrc", "registry=https://registry.npmjs.org/\nfund=false\n"},
      {"root/.docker/config.json", R"({"credsStore":"desktop","auths":{"r.example.com":{}}})"},
      {"root/.aws/credentials", ""},
      {"app/.env", "# settings\nDEBUG=1\nPORT=8080\nAPI_TOKEN=\n"},
      {"root/.pypirc", "[distutils]\nindex-servers = pypi\n"},
      {"root/.netrc", "\n"},
  };
  for (const auto& [path, content] : good) {
    auto r = run(clean({tar_file(path, content)}));
    EXPECT_FALSE(r->has("IM013")) << path << ": " << r->ids();
  }
}

// --- accounts -------------------------------------------------------------------------

TEST(ImageChecks, EmptyPasswordNamesTheLine) {
  auto r =
      run(clean({}, base_with("etc/shadow", "root:*:19000:0:99999:7:::\nguest::19000::::::\n")));
  auto f = r->with_id("IM015");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0]->location.path, "/etc/shadow");
  EXPECT_EQ(f[0]->location.line, 2);
  EXPECT_EQ(f[0]->location.layer, 0);
  EXPECT_EQ(f[0]->location.layer_digest, r->scanned.image.layers[0].digest);
  EXPECT_NE(f[0]->message.find("'guest'"), std::string::npos);
}

TEST(ImageChecks, ShadowFromTheTopLayerCounts) {
  // The base has an empty password; a later layer locks it.
  auto in = clean({}, base_with("etc/shadow", "root::19000:0:99999:7:::\n"));
  in.image.layer({tar_file("etc/shadow", "root:!:19000:0:99999:7:::\n")},
                 "RUN /bin/sh -c passwd -l root # buildkit");
  EXPECT_FALSE(run(in)->has("IM015"));
}

TEST(ImageChecks, DuplicateIds) {
  auto r = run(clean({}, base_with("etc/passwd", k_passwd + "toor:x:0:0::/root:/bin/sh\n")));
  auto f = r->with_id("IM016");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_NE(f[0]->message.find("UID 0 is shared by root, toor"), std::string::npos)
      << f[0]->message;
  EXPECT_EQ(f[0]->location.path, "/etc/passwd");

  auto g = run(clean({}, base_with("etc/group", k_group + "wheel:x:1:\n")));
  auto gf = g->with_id("IM016");
  ASSERT_EQ(gf.size(), 1U);
  EXPECT_NE(gf[0]->message.find("GID 1 is shared by daemon, wheel"), std::string::npos)
      << gf[0]->message;
  EXPECT_EQ(gf[0]->location.path, "/etc/group");
}

// --- hostile entries -----------------------------------------------------------------

TEST(ImageChecks, HostileEntriesNameTheLayer) {
  auto r = run(clean({tar_file("../../outside", "x"), tar_symlink("app/up", "../../../../etc"),
                      tar_device("app/mem", EntryKind::char_device, 1, 1)}));
  auto f = r->with_id("IM019");
  ASSERT_EQ(f.size(), 3U) << r->ids();
  for (const auto* finding : f) {
    EXPECT_EQ(finding->location.layer, 1);
    EXPECT_EQ(finding->location.layer_digest, r->scanned.image.layers[1].digest);
  }
}

TEST(ImageChecks, UnreadDatabaseNamesItsSizeAndOnlyWhileVisible) {
  auto in = clean({tar_file("var/lib/dpkg/status", std::string(300, 'x'))});
  in.max_database = 128;
  auto r = run(in);
  auto f = r->with_id("IM020");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_EQ(f[0]->message,
            "package database too large to read: /var/lib/dpkg/status, 300 bytes (the limit is "
            "128)");
  EXPECT_EQ(f[0]->location.path, "/var/lib/dpkg/status");
  EXPECT_EQ(f[0]->location.layer, 1);
  // A later layer that deletes the file leaves nothing to report.
  in.image.layer({tar_whiteout("var/lib/dpkg/status")}, "RUN rm /var/lib/dpkg/status");
  EXPECT_FALSE(run(in)->has("IM020"));
}

// --- the build history ----------------------------------------------------------------

TEST(ImageChecks, HistoryFindingsPointAtTheHistoryEntryAndLayer) {
  auto in = clean();
  in.image.layer({tar_dir("var/lib/apt/lists")}, "RUN /bin/sh -c apt-get update # buildkit");
  in.image.layer({tar_file("usr/bin/curl", "elf", 0755)},
                 "RUN /bin/sh -c apt-get install -y --no-install-recommends curl=7.88.1-10 && rm "
                 "-rf /var/lib/apt/lists/* # buildkit");
  auto r = run(in);
  auto f = r->with_id("DF058");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  const auto& image = r->scanned.image;
  // History: 0 base ADD, 1 CMD, 2 COPY, 3 USER, 4 WORKDIR, 5 RUN update, 6 RUN install.
  EXPECT_EQ(f[0]->location.history, 5);
  EXPECT_EQ(f[0]->location.layer, 2);
  EXPECT_EQ(f[0]->location.layer_digest, image.layers[2].digest);
  EXPECT_EQ(f[0]->location.created_by, "RUN /bin/sh -c apt-get update # buildkit");
  EXPECT_TRUE(f[0]->message.starts_with("history: ")) << f[0]->message;
  EXPECT_EQ(f[0]->location.line,
            0); // a line of the reconstructed Dockerfile means nothing to the user
}

TEST(ImageChecks, AddInHistoryPointsAtItsLayer) {
  auto in = clean();
  in.image.layer({tar_file("opt/tool.tgz", "x")},
                 "/bin/sh -c #(nop) ADD https://example.com/tool.tgz in /opt/ ");
  auto r = run(in);
  auto f = r->with_id("IM005");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_EQ(f[0]->location.history, 5);
  EXPECT_EQ(f[0]->location.layer, 2);
  EXPECT_NE(f[0]->message.find("ADD https://example.com/tool.tgz /opt/"), std::string::npos)
      << f[0]->message;
}

TEST(ImageChecks, EmptyLayerHistoryEntryHasNoLayer) {
  auto in = clean();
  in.image.step("RUN /bin/sh -c apt-get update # buildkit"); // recorded without a layer
  auto r = run(in);
  auto f = r->with_id("DF058");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_EQ(f[0]->location.history, 5);
  EXPECT_EQ(f[0]->location.layer, -1);
  EXPECT_TRUE(f[0]->location.layer_digest.empty());
}

// The DF findings of an image whose history is STEPS (each "+..." makes a layer).
std::vector<std::string> history_findings(const std::vector<std::string>& steps) {
  Input in = clean();
  for (const auto& s : steps) {
    if (s.starts_with('+'))
      in.image.layer({tar_file(fmt::format("layer{}", in.image.layers.size()), "x")}, s.substr(1));
    else
      in.image.step(s);
  }
  auto r = run(in);
  std::vector<std::string> out;
  for (const auto& f : r->report.findings)
    if (f.check->id.starts_with("DF"))
      out.push_back(fmt::format("{}: {}", f.check->id, f.message));
  return out;
}

bool any_starts_with(const std::vector<std::string>& v, std::string_view prefix) {
  return std::ranges::any_of(v, [&](const std::string& s) { return s.starts_with(prefix); });
}

TEST(ImageChecks, ClassicBuilderHistoryOfARealImageIsQuiet) {
  // The history of an image built by the classic builder, in its own words.
  const auto df = history_findings({
      "/bin/sh -c #(nop)  LABEL maintainer=docker-maint@nginx.com",
      "/bin/sh -c #(nop)  ENV NGINX_VERSION=1.25.3",
      "+/bin/sh -c set -x && apt-get update && apt-get install --no-install-recommends "
      "--no-install-suggests -y nginx=${NGINX_VERSION}-1~bookworm && rm -rf /var/lib/apt/lists/*",
      "+/bin/sh -c #(nop) COPY "
      "file:e57eef017a414ca793499729d80a7b9075790c9a804c930c83f4bbd35fcbe4fb "
      "in / ",
      "/bin/sh -c #(nop)  EXPOSE 80",
      "/bin/sh -c #(nop)  STOPSIGNAL SIGQUIT",
      "/bin/sh -c #(nop) WORKDIR /usr/share/nginx/html",
  });
  EXPECT_TRUE(df.empty()) << fmt::format("{}", fmt::join(df, " | "));
}

TEST(ImageChecks, BuildKitHistoryOfARealImageIsQuiet) {
  const auto df = history_findings({
      "ARG VERSION=3.12",
      "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1",
      "+COPY requirements.txt . # buildkit",
      "+RUN |1 VERSION=3.12 /bin/sh -c pip install --no-cache-dir -r requirements.txt # buildkit",
      "+COPY . . # buildkit",
      "EXPOSE map[8080/tcp:{}]",
      "LABEL org.opencontainers.image.source=https://example.com/app",
  });
  EXPECT_TRUE(df.empty()) << fmt::format("{}", fmt::join(df, " | "));
}

TEST(ImageChecks, OneUnreadableHistoryLineDoesNotHideTheOthers) {
  // The classic builder records LABEL values unquoted, spaces and all.
  const auto df = history_findings({
      "/bin/sh -c #(nop)  LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>",
      "+/bin/sh -c apt-get update",
  });
  if (!any_starts_with(df, "DF058"))
    FAIL() << "regression: one history line the Dockerfile parser rejects (classic LABEL with "
              "spaces: 'LABEL maintainer=NGINX Docker Maintainers <...>') makes "
              "dockerfile::lint fail, and checks.cpp check_history then drops every "
              "history finding (checks.cpp:165 'if (!report) return;'); the DF058 of the "
              "next line is lost";
  // The update also leaves its lists in the layer (DF010, hadolint's DL3009).
  EXPECT_TRUE(any_starts_with(df, "DF010")) << fmt::format("{}", fmt::join(df, " | "));
  EXPECT_EQ(df.size(), 2U) << fmt::format("{}", fmt::join(df, " | "));
}

TEST(ImageChecks, ClassicShellRecordIsNotAShellFormFinding) {
  // The classic builder prints the SHELL array with Go's %v: "[/bin/bash -o pipefail -c]".
  const auto df = history_findings({"/bin/sh -c #(nop)  SHELL [/bin/bash -o pipefail -c]"});
  if (any_starts_with(df, "DF090"))
    FAIL() << "regression: false positive on every classic-builder image with SHELL: "
              "instruction_from_history (checks.cpp) passes 'SHELL [/bin/bash -o pipefail "
              "-c]' through unchanged and DF090 reports it as not JSON: "
           << fmt::format("{}", fmt::join(df, " | "));
  EXPECT_TRUE(df.empty()) << fmt::format("{}", fmt::join(df, " | "));
}

TEST(ImageChecks, ClassicHealthcheckRecordIsNotAnInvalidHealthcheck) {
  // The classic builder prints the health check config as a Go struct.
  const auto df = history_findings(
      {"/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/ || exit 1\"] "
       "\"30s\" \"3s\" \"0s\" '\\x03'}"});
  if (any_starts_with(df, "DF088"))
    FAIL() << "regression: false positive on every classic-builder image with HEALTHCHECK: "
              "instruction_from_history (checks.cpp) passes the '#(nop)  HEALTHCHECK "
              "&{[...] ...}' record through (BuildKit's form is dropped, as HEALTHCHECK is "
              "not in k_keywords) and DF088 reports it: "
           << fmt::format("{}", fmt::join(df, " | "));
  EXPECT_TRUE(df.empty()) << fmt::format("{}", fmt::join(df, " | "));
}

TEST(ImageChecks, BaseImageCmdAndEntrypointOverriddenByTheAppAreNotFindings) {
  // clean() already has the base image's CMD ["bash"]; an application image sets its own.
  const auto df = history_findings({
      "/bin/sh -c #(nop)  ENTRYPOINT [\"docker-entrypoint.sh\"]",
      "ENTRYPOINT [\"/app/server\"]",
      "CMD [\"serve\"]",
  });
  if (any_starts_with(df, "DF054") || any_starts_with(df, "DF055"))
    FAIL() << "regression: false positive on most derived images: the history holds the base "
              "image's CMD/ENTRYPOINT and the application's, and DF054/DF055 ('another CMD "
              "in the same stage') are not in check_history's k_skip list (checks.cpp): "
           << fmt::format("{}", fmt::join(df, " | "));
  EXPECT_TRUE(df.empty()) << fmt::format("{}", fmt::join(df, " | "));
}

// --- root directories ------------------------------------------------------------------

TEST(ImageChecks, RootDirectoryHasFileFindingsWithoutLayers) {
  TempDir root;
  root.write("etc/passwd", k_passwd);
  root.write("usr/bin/tool", "x");
  std::filesystem::permissions(root.path() / "usr/bin/tool", std::filesystem::perms(04755),
                               std::filesystem::perm_options::replace);
  auto r = run_target("dir://" + root.path().string());
  EXPECT_FALSE(r->has("IM001")); // there is no config to check
  EXPECT_FALSE(r->has("IM002"));
  auto f = r->with_id("IM010");
  ASSERT_EQ(f.size(), 1U) << r->ids();
  EXPECT_EQ(f[0]->location.path, "/usr/bin/tool");
  EXPECT_EQ(f[0]->location.layer, -1);
  EXPECT_TRUE(f[0]->location.layer_digest.empty());
}

} // namespace

namespace {

// A setuid file deleted by name is still in the image under its hard link.
TEST(ImageReview, HardLinkKeepsASetuidFileVisible) {
  auto in = clean_plus_layer(
      {tar_file("app/helper", "ELF", 04755), tar_hardlink("app/alias", "app/helper")},
      {tar_whiteout("app/helper")});
  const auto r = run(in);
  const auto setuid = r->with_id("IM010");
  ASSERT_EQ(setuid.size(), 1U) << r->ids();
  EXPECT_EQ(setuid[0]->location.path, "/app/alias");
}

// The same path twice in one layer: the first copy is overwritten within
// the layer, and is reported as hidden, not as visible.
TEST(ImageReview, KeyOverwrittenWithinItsOwnLayerIsShadowed) {
  auto in = clean({tar_file("app/key.pem", fake_key()), tar_file("app/key.pem", "gone\n")});
  const auto r = run(in);
  EXPECT_FALSE(r->has("IM012")) << r->ids();
  ASSERT_TRUE(r->has("IM014")) << r->ids();
  EXPECT_NE(r->with_id("IM014")[0]->message.find("overwritten"), std::string::npos);
}

// Deleted, then created again later: the key was deleted, not overwritten.
TEST(ImageReview, DeletedThenRecreatedSaysDeleted) {
  auto in = clean_plus_layer({tar_file("app/key.pem", fake_key())}, {tar_whiteout("app/key.pem")});
  in.image.layer({tar_file("app/key.pem", "placeholder\n")}, "COPY key.pem /app/ # buildkit");
  const auto r = run(in);
  ASSERT_TRUE(r->has("IM014")) << r->ids();
  const auto& message = r->with_id("IM014")[0]->message;
  EXPECT_NE(message.find("deleted in layer 3"), std::string::npos) << message;
}

// An entry written beneath a symlink of the same layer is the classic
// extractor escape.
TEST(ImageReview, WriteThroughASymlinkIsHostile) {
  auto in =
      clean({tar_symlink("app/etc", "/etc"), tar_file("app/etc/cron.d/x", "* * * * * root sh\n")});
  const auto r = run(in);
  bool seen = false;
  for (const auto* f : r->with_id("IM019"))
    seen =
        seen || f->message.find("written through the symbolic link 'app/etc'") != std::string::npos;
  EXPECT_TRUE(seen) << r->ids();
}

// A package upgraded in one layer and downgraded in the next was installed
// (at its final version) by the last layer.
TEST(ImageReview, DowngradedPackageBelongsToTheLayerThatDowngradedIt) {
  auto status = [](const std::string& version) {
    return "Package: tool\nStatus: install ok installed\nVersion: " + version +
           "\nArchitecture: amd64\nDescription: x\n\n";
  };
  auto in = clean();
  in.image.layer({tar_file("var/lib/dpkg/status", status("1.0"))},
                 "RUN /bin/sh -c install # buildkit");
  in.image.layer({tar_file("var/lib/dpkg/status", status("2.0"))},
                 "RUN /bin/sh -c upgrade # buildkit");
  in.image.layer({tar_file("var/lib/dpkg/status", status("1.0"))},
                 "RUN /bin/sh -c downgrade # buildkit");
  const auto r = run(in);
  ASSERT_EQ(r->inventory.packages.size(), 1U);
  EXPECT_EQ(r->inventory.packages[0].version, "1.0");
  EXPECT_EQ(r->inventory.packages[0].layer, 4);
}

// A language package whose metadata an OS package's file list holds was
// installed by that OS package; one pip put elsewhere was not.
TEST(ImageReview, LanguagePackagesKnowTheOsPackageThatInstalledThem) {
  const std::string dist = "usr/lib/python3/dist-packages/";
  auto in = clean();
  in.image.layer(
      {tar_file("var/lib/dpkg/status",
                "Package: python3-urllib3\nStatus: install ok installed\nVersion: 1.26.12-1\n"
                "Source: python-urllib3\nArchitecture: all\nDescription: x\n\n"
                "Package: python3-idna\nStatus: install ok installed\nVersion: 3.3-1\n"
                "Architecture: all\nDescription: x\n\n"),
       tar_file("var/lib/dpkg/info/python3-urllib3.list",
                "/.\n/usr\n/" + dist + "urllib3-1.26.12.egg-info\n/" + dist +
                    "urllib3-1.26.12.egg-info/PKG-INFO\n"),
       // Merged /usr: dpkg names the path below /usr without it.
       tar_file("var/lib/dpkg/info/python3-idna.list",
                "/.\n/lib/python3/dist-packages/idna-3.3.egg-info/PKG-INFO\n"),
       tar_file(dist + "urllib3-1.26.12.egg-info/PKG-INFO",
                "Metadata-Version: 2.1\nName: urllib3\nVersion: 1.26.12\n"),
       tar_file(dist + "idna-3.3.egg-info/PKG-INFO",
                "Metadata-Version: 2.1\nName: idna\nVersion: 3.3\n"),
       tar_file("usr/local/lib/python3.11/dist-packages/requests-2.31.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n"),
       tar_file("lib/apk/db/installed",
                "P:py3-certifi\nV:2024.2.2-r0\n"
                "F:usr/lib/python3.11/site-packages/certifi-2024.2.2.dist-info\n"
                "R:METADATA\n\n"),
       tar_file("usr/lib/python3.11/site-packages/certifi-2024.2.2.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: certifi\nVersion: 2024.2.2\n")},
      "RUN /bin/sh -c apt-get install -y python3-urllib3 python3-idna # buildkit");
  const auto r = run(in);
  std::map<std::string, std::string> installed_by;
  for (const auto& p : r->inventory.packages)
    installed_by[p.type + " " + p.name] = p.installed_by;
  EXPECT_EQ(installed_by,
            (std::map<std::string, std::string>{{"apk py3-certifi", ""},
                                                {"deb python3-idna", ""},
                                                {"deb python3-urllib3", ""},
                                                {"pypi certifi", "py3-certifi"},
                                                {"pypi idna", "python3-idna"},
                                                {"pypi requests", ""},
                                                {"pypi urllib3", "python3-urllib3"}}));
}

// The history's "|N" argument count cannot make moat loop for ever.
TEST(ImageReview, HugeBuildArgumentCountIsBounded) {
  EXPECT_EQ(instruction_from_history("|99999999999999999999 x"), "");
  EXPECT_EQ(instruction_from_history("RUN |2000000000 A=1 /bin/sh -c make"), "RUN ");
}

} // namespace
