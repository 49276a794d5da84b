#include <moat/image/registry.hpp>

#include "services.hpp"
#include "slow_server.hpp"
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <thread>

using namespace moat::image;
using namespace moat::engine;
using moat::core::ErrorKind;
using moat::test::TempDir;

namespace {

// --- references -------------------------------------------------------------

TEST(RegistryRef, ParsesHostPortRepositoryAndTag) {
  auto ref = parse_registry_ref("127.0.0.1:5000/team/app:1.2");
  ASSERT_TRUE(ref) << ref.error().to_string();
  EXPECT_EQ(ref->host, "127.0.0.1:5000");
  EXPECT_EQ(ref->repository, "team/app");
  EXPECT_EQ(ref->tag, "1.2");
  EXPECT_EQ(ref->digest, "");
  EXPECT_EQ(ref->reference(), "1.2");
  EXPECT_EQ(ref->to_string(), "registry://127.0.0.1:5000/team/app:1.2");
}

TEST(RegistryRef, DigestWinsOverTagAndNoTagMeansLatest) {
  const std::string digest = "sha256:" + std::string(64, 'a');
  auto pinned = parse_registry_ref("ghcr.io/org/tool:v1@" + digest);
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->tag, "v1");
  EXPECT_EQ(pinned->digest, digest);
  EXPECT_EQ(pinned->reference(), digest);
  EXPECT_EQ(pinned->to_string(), "registry://ghcr.io/org/tool:v1@" + digest);

  auto only_digest = parse_registry_ref("ghcr.io/org/tool@" + digest);
  ASSERT_TRUE(only_digest);
  EXPECT_EQ(only_digest->tag, "");

  auto bare = parse_registry_ref("localhost/a.b/c__d/e-f");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->host, "localhost");
  EXPECT_EQ(bare->repository, "a.b/c__d/e-f");
  EXPECT_EQ(bare->tag, "latest");

  auto v6 = parse_registry_ref("[::1]:5000/x:y");
  ASSERT_TRUE(v6) << v6.error().to_string();
  EXPECT_EQ(v6->host, "[::1]:5000");
  EXPECT_EQ(v6->repository, "x");
}

TEST(RegistryRef, RejectsMalformedReferencesWithAUsageError) {
  for (const char* text : {"", "alpine", "alpine:3", "/x", "host/", "host/UPPER", "host/a//b",
                           "host/a:", "host/a:-x", "host/a@sha256:abc",
                           "host/a@md5:"
                           "0123456789abcdef0123456789abcdef",
                           "ho st/a", "host:port/a", "host:/a", "[::1/a"}) {
    auto ref = parse_registry_ref(text);
    EXPECT_FALSE(ref) << text;
    if (!ref) {
      EXPECT_EQ(ref.error().kind, ErrorKind::usage) << text;
      EXPECT_EQ(ref.error().input, std::string("registry://") + text);
    }
  }
  auto no_host = parse_registry_ref("alpine");
  ASSERT_FALSE(no_host);
  EXPECT_NE(no_host.error().message.find("missing registry host"), std::string::npos);
}

TEST(RegistryRef, DigestAndLoopbackPredicates) {
  EXPECT_TRUE(is_valid_digest("sha256:" + std::string(64, '0')));
  EXPECT_TRUE(is_valid_digest("sha512:" + std::string(128, 'f')));
  EXPECT_FALSE(is_valid_digest("sha256:" + std::string(63, '0')));
  EXPECT_FALSE(is_valid_digest("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(is_valid_digest("sha1:" + std::string(40, '0')));

  for (const char* host : {"127.0.0.1", "127.0.0.1:5000", "127.1.2.3:80", "localhost",
                           "LOCALHOST:5000", "[::1]:5000", "::1"})
    EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const char* host : {"128.0.0.1", "127.0.0.256", "localhost.example.com", "10.0.0.1:5000",
                           "[::2]:5000", "127.0.0", "registry"})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

// --- WWW-Authenticate ---------------------------------------------------------

TEST(WwwAuthenticate, ParsesBearerChallengeOfDockerHub) {
  auto challenges = parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",)"
      R"(scope="repository:library/alpine:pull")");
  ASSERT_EQ(challenges.size(), 1U);
  EXPECT_EQ(challenges[0].scheme, "bearer");
  EXPECT_EQ(challenges[0].params.at("realm"), "https://auth.docker.io/token");
  EXPECT_EQ(challenges[0].params.at("service"), "registry.docker.io");
  EXPECT_EQ(challenges[0].params.at("scope"), "repository:library/alpine:pull");
}

TEST(WwwAuthenticate, ParsesSeveralChallengesTokensAndEscapes) {
  auto challenges = parse_www_authenticate(
      R"(Basic realm="Registry \"main\"", charset=UTF-8 , Bearer REALM=https://t.example/x ,)"
      R"( Negotiate abc123==)");
  ASSERT_EQ(challenges.size(), 3U);
  EXPECT_EQ(challenges[0].scheme, "basic");
  EXPECT_EQ(challenges[0].params.at("realm"), "Registry \"main\"");
  EXPECT_EQ(challenges[0].params.at("charset"), "UTF-8");
  EXPECT_EQ(challenges[1].scheme, "bearer");
  EXPECT_EQ(challenges[1].params.at("realm"), "https://t.example/x");
  EXPECT_EQ(challenges[2].scheme, "negotiate");
  EXPECT_EQ(challenges[2].params.at(""), "abc123==");

  auto bare = parse_www_authenticate("Basic");
  ASSERT_EQ(bare.size(), 1U);
  EXPECT_EQ(bare[0].scheme, "basic");
  EXPECT_TRUE(bare[0].params.empty());
  EXPECT_TRUE(parse_www_authenticate("").empty());
  EXPECT_TRUE(parse_www_authenticate(" , ,").empty());
}

// --- Docker config.json -------------------------------------------------------

TEST(DockerCredentials, ReadsAuthFieldUsernamePasswordAndUrlKeys) {
  TempDir dir;
  // "alice:s3cr:et" in base64: the password may hold colons.
  auto path = dir.write("config.json", R"({"auths": {
      "https://reg.example:5000/v1/": {"auth": "YWxpY2U6czNjcjpldA=="},
      "other.example": {"username": "bob", "password": "pw"},
      "https://index.docker.io/v1/": {"auth": "aHViOmh1YnB3"}}})");
  auto a = read_docker_credentials(path, "reg.example:5000");
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->username, "alice");
  EXPECT_EQ(a->password, "s3cr:et");
  auto b = read_docker_credentials(path, "OTHER.example");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->username, "bob");
  EXPECT_EQ(b->password, "pw");
  auto hub = read_docker_credentials(path, "docker.io");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "hub");
  EXPECT_EQ(hub->password, "hubpw");
  auto none = read_docker_credentials(path, "reg.example");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->found());
  EXPECT_EQ(none->helper, "");
}

TEST(DockerCredentials, ReportsCredentialHelpersAndBadFiles) {
  TempDir dir;
  auto helpers = dir.write("helpers.json", R"({"auths": {"a.example": {}},
      "credsStore": "desktop", "credHelpers": {"gcr.io": "gcloud"}})");
  auto store = read_docker_credentials(helpers, "a.example");
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->found());
  EXPECT_EQ(store->helper, "desktop");
  auto specific = read_docker_credentials(helpers, "gcr.io");
  ASSERT_TRUE(specific);
  EXPECT_EQ(specific->helper, "gcloud");

  auto missing = read_docker_credentials(dir.path() / "nope.json", "a.example");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->found());

  auto broken = read_docker_credentials(dir.write("broken.json", "{"), "a.example");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().kind, ErrorKind::parse);
  EXPECT_EQ(broken.error().input, (dir.path() / "broken.json").string());

  auto bad_auth = read_docker_credentials(
      dir.write("bad.json", R"({"auths": {"a.example": {"auth": "!!"}}})"), "a.example");
  ASSERT_FALSE(bad_auth);
  EXPECT_NE(bad_auth.error().message.find("base64"), std::string::npos);
}

TEST(RegistryClientOptions, InsecureOnlyForLoopbackAndCaFileMustExist) {
  auto remote = parse_registry_ref("registry.example/app:1");
  ASSERT_TRUE(remote);
  RegistryOptions insecure;
  insecure.insecure = true;
  auto refused = RegistryClient::open(*remote, insecure);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::usage);
  EXPECT_EQ(refused.error().input, "registry://registry.example/app:1");

  auto local = parse_registry_ref("localhost:5000/app:1");
  ASSERT_TRUE(local);
  EXPECT_TRUE(RegistryClient::open(*local, insecure));

  RegistryOptions ca;
  ca.ca_cert = "/nonexistent/ca.pem";
  auto no_ca = RegistryClient::open(*local, ca);
  ASSERT_FALSE(no_ca);
  EXPECT_NE(no_ca.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

TEST(RegistryClientOptions, RejectsBadReferencesBeforeAnyRequest) {
  auto ref = parse_registry_ref("localhost:1/app:1");
  ASSERT_TRUE(ref);
  RegistryOptions options;
  options.insecure = true;
  auto client = RegistryClient::open(*ref, options);
  ASSERT_TRUE(client);
  auto manifest = client->get_manifest("../../x");
  ASSERT_FALSE(manifest);
  EXPECT_EQ(manifest.error().kind, ErrorKind::usage);
  auto blob = client->get_blob("sha256:xyz", [](auto) -> moat::core::Status { return {}; });
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().kind, ErrorKind::usage);
}

TEST(RegistryClientOptions, UnreachableRegistryNamesReferenceAndAddress) {
  const int port = moat::test::free_tcp_port();
  auto ref = parse_registry_ref("127.0.0.1:" + std::to_string(port) + "/app:1");
  ASSERT_TRUE(ref);
  RegistryOptions options;
  options.insecure = true;
  auto client = RegistryClient::open(*ref, options);
  ASSERT_TRUE(client);
  auto manifest = client->get_manifest("1");
  ASSERT_FALSE(manifest);
  EXPECT_EQ(manifest.error().kind, ErrorKind::io);
  auto text = manifest.error().to_string();
  EXPECT_TRUE(text.starts_with(
      ref->to_string() + ": cannot reach the registry at http://127.0.0.1:" + std::to_string(port) +
      ": "))
      << text;
}

// --- against a real registry ---------------------------------------------------

// A blob of an OCI layout, as bytes.
std::string layout_blob(const std::filesystem::path& layout, const std::string& digest) {
  return moat::test::read_text(layout / "blobs" / "sha256" / digest.substr(7));
}

struct LayoutImage {
  std::string manifest_digest, manifest, config_digest, config, layer_digest, layer;
};

// The image tagged TAG in an OCI layout, read without moat's code.
LayoutImage read_layout_image(const std::filesystem::path& layout, const std::string& tag) {
  LayoutImage image;
  auto index = nlohmann::json::parse(moat::test::read_text(layout / "index.json"));
  for (const auto& entry : index["manifests"])
    if (entry["annotations"]["org.opencontainers.image.ref.name"] == tag)
      image.manifest_digest = entry["digest"].get<std::string>();
  image.manifest = layout_blob(layout, image.manifest_digest);
  auto manifest = nlohmann::json::parse(image.manifest);
  image.config_digest = manifest["config"]["digest"].get<std::string>();
  image.config = layout_blob(layout, image.config_digest);
  image.layer_digest = manifest["layers"][0]["digest"].get<std::string>();
  image.layer = layout_blob(layout, image.layer_digest);
  return image;
}

std::string sha256_of_file(const std::filesystem::path& path) {
  auto r = moat::test::run_command("sha256sum " + moat::test::shell_quote(path.string()));
  return "sha256:" + r.output.substr(0, 64);
}

// A registry started in its own directory with test/img:1 pushed to it.
class RegistryTest : public ::testing::Test {
protected:
  // Starts the registry and pushes the image; the error is the skip reason.
  moat::test::Started start(moat::test::RegistryConfig config = {}) {
    m_layout = m_dir.path() / "layout";
    if (auto ok = moat::test::make_oci_image(
            m_layout, "1", {{"/etc/moat-test.txt", "hello from moat\n"}}, m_dir.path() / "scratch");
        !ok)
      return ok;
    m_image = read_layout_image(m_layout, "1");
    if (auto ok = m_registry.start(m_dir.path() / "registry", std::move(config)); !ok)
      return ok;
    return m_registry.push("oci:" + m_layout.string() + ":1", "test/img:1");
  }

  RegistryRef ref(const std::string& reference = "1") const {
    auto parsed = parse_registry_ref(m_registry.host() + "/test/img" +
                                     (is_valid_digest(reference) ? "@" : ":") + reference);
    EXPECT_TRUE(parsed);
    return parsed.value();
  }

  RegistryClient client(RegistryOptions options = insecure()) const {
    auto opened = RegistryClient::open(ref(), std::move(options));
    EXPECT_TRUE(opened) << opened.error().to_string();
    return std::move(opened).value();
  }

  static RegistryOptions insecure() {
    RegistryOptions options;
    options.insecure = true;
    options.docker_config = "/nonexistent/config.json";
    return options;
  }

  TempDir m_dir; // destroyed last: the registry writes into it
  moat::test::RegistryService m_registry;
  std::filesystem::path m_layout;
  LayoutImage m_image;
};

#define START_OR_SKIP(...)                                                                         \
  do {                                                                                             \
    if (auto started_ = start(__VA_ARGS__); !started_)                                             \
      GTEST_SKIP() << "cannot run the registry: " << started_.error();                             \
  } while (false)

TEST_F(RegistryTest, GetsManifestByTagAndByDigest) {
  START_OR_SKIP();
  auto c = client();
  auto manifest = c.get_manifest("1");
  ASSERT_TRUE(manifest) << manifest.error().to_string();
  EXPECT_EQ(manifest->media_type, k_media_oci_manifest);
  EXPECT_EQ(manifest->body, m_image.manifest);
  EXPECT_EQ(manifest->digest, m_image.manifest_digest);
  EXPECT_FALSE(manifest->is_index());

  auto pinned = c.get_manifest(m_image.manifest_digest);
  ASSERT_TRUE(pinned) << pinned.error().to_string();
  EXPECT_EQ(pinned->body, m_image.manifest);

  auto image = c.get_image_manifest();
  ASSERT_TRUE(image) << image.error().to_string();
  EXPECT_EQ(image->digest, m_image.manifest_digest);
}

TEST_F(RegistryTest, StreamsBlobsAndReadsConfig) {
  START_OR_SKIP();
  auto c = client();
  std::string received;
  std::size_t calls = 0;
  auto status = c.get_blob(m_image.layer_digest, [&](std::span<const std::byte> bytes) {
    ++calls;
    received.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return moat::core::Status{};
  });
  ASSERT_TRUE(status) << status.error().to_string();
  EXPECT_GE(calls, 1U);
  EXPECT_EQ(received, m_image.layer);

  auto config = c.get_blob_text(m_image.config_digest, 1 << 20);
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(*config, m_image.config);
  EXPECT_NE(config->find("\"rootfs\""), std::string::npos);

  auto small = c.get_blob_text(m_image.config_digest, 10);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().kind, ErrorKind::limit);
}

TEST_F(RegistryTest, SinkErrorAbortsTheTransferAndComesBackUnchanged) {
  START_OR_SKIP();
  auto c = client();
  auto status = c.get_blob(m_image.layer_digest, [](std::span<const std::byte>) {
    return moat::core::Status(moat::core::fail(ErrorKind::io, "out.tar", "disk full"));
  });
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().to_string(), "out.tar: disk full");
}

TEST_F(RegistryTest, MissingTagAndBlobAreNamedWithTheHttpStatus) {
  START_OR_SKIP();
  auto c = client();
  auto manifest = c.get_manifest("nope");
  ASSERT_FALSE(manifest);
  EXPECT_EQ(manifest.error().to_string(),
            "registry://" + m_registry.host() + "/test/img:nope: manifest unknown (HTTP 404)");

  const std::string absent = "sha256:" + std::string(64, '0');
  auto blob = c.get_blob_text(absent, 100);
  ASSERT_FALSE(blob);
  EXPECT_EQ(blob.error().to_string(), "registry://" + m_registry.host() + "/test/img:1: blob " +
                                          absent + ": blob unknown to registry (HTTP 404)");

  auto other = parse_registry_ref(m_registry.host() + "/no/such:1");
  ASSERT_TRUE(other);
  auto missing_repo = RegistryClient::open(*other, insecure());
  ASSERT_TRUE(missing_repo);
  auto repo_manifest = missing_repo->get_manifest("1");
  ASSERT_FALSE(repo_manifest);
  EXPECT_NE(repo_manifest.error().message.find("(HTTP 404)"), std::string::npos);
}

TEST_F(RegistryTest, CorruptedLayerFailsTheDigestCheck) {
  START_OR_SKIP();
  auto path = m_registry.blob_path(m_image.layer_digest);
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  std::string bytes = moat::test::read_text(path);
  ASSERT_FALSE(bytes.empty());
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;

  auto c = client();
  auto status = c.get_blob(m_image.layer_digest, [](auto) { return moat::core::Status{}; });
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, ErrorKind::parse);
  EXPECT_NE(status.error().message.find(m_image.layer_digest), std::string::npos);
  EXPECT_NE(status.error().message.find("digest mismatch"), std::string::npos);
}

TEST_F(RegistryTest, CorruptedManifestFailsByDigestAndByTag) {
  START_OR_SKIP();
  auto path = m_registry.blob_path(m_image.manifest_digest);
  std::string text = moat::test::read_text(path);
  auto at = text.find("\"size\":");
  ASSERT_NE(at, std::string::npos);
  // Still valid JSON, so the registry serves it; only the digest can tell.
  text.insert(at + 7, "1");
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;

  auto c = client();
  auto pinned = c.get_manifest(m_image.manifest_digest);
  ASSERT_FALSE(pinned);
  EXPECT_EQ(pinned.error().kind, ErrorKind::parse);
  EXPECT_NE(pinned.error().message.find("manifest digest mismatch"), std::string::npos);
  EXPECT_NE(pinned.error().message.find(m_image.manifest_digest), std::string::npos);

  auto tagged = c.get_manifest("1");
  ASSERT_FALSE(tagged);
  EXPECT_EQ(tagged.error().kind, ErrorKind::parse);
}

TEST_F(RegistryTest, PicksThePlatformFromAnImageIndex) {
  START_OR_SKIP();
  // A second image and an index over both, pushed with skopeo --all.
  auto second = m_dir.path() / "second";
  auto made = moat::test::make_oci_image(second, "2", {{"/etc/arm.txt", "arm\n"}},
                                         m_dir.path() / "scratch2");
  ASSERT_TRUE(made) << made.error();
  auto arm = read_layout_image(second, "2");
  // Bring the second image's blobs into the first layout.
  for (const auto& digest : {arm.manifest_digest, arm.config_digest, arm.layer_digest})
    std::filesystem::copy_file(second / "blobs/sha256" / digest.substr(7),
                               m_layout / "blobs/sha256" / digest.substr(7),
                               std::filesystem::copy_options::skip_existing);
  nlohmann::json index = {
      {"schemaVersion", 2},
      {"mediaType", k_media_oci_index},
      {"manifests",
       {{{"mediaType", k_media_oci_manifest},
         {"digest", m_image.manifest_digest},
         {"size", m_image.manifest.size()},
         {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}},
        {{"mediaType", k_media_oci_manifest},
         {"digest", arm.manifest_digest},
         {"size", arm.manifest.size()},
         {"platform", {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}}}}}}};
  auto staged = m_dir.write("index-blob", index.dump());
  auto index_digest = sha256_of_file(staged);
  std::filesystem::copy_file(staged, m_layout / "blobs/sha256" / index_digest.substr(7));
  auto layout_index = nlohmann::json::parse(moat::test::read_text(m_layout / "index.json"));
  layout_index["manifests"].push_back(
      {{"mediaType", k_media_oci_index},
       {"digest", index_digest},
       {"size", index.dump().size()},
       {"annotations", {{"org.opencontainers.image.ref.name", "multi"}}}});
  std::ofstream(m_layout / "index.json", std::ios::trunc) << layout_index.dump();
  auto pushed = m_registry.push("oci:" + m_layout.string() + ":multi", "test/img:multi", "--all");
  ASSERT_TRUE(pushed) << pushed.error();

  auto multi = parse_registry_ref(m_registry.host() + "/test/img:multi");
  ASSERT_TRUE(multi);
  const auto for_platform = [&](const std::string& platform) {
    auto options = insecure();
    options.platform = platform;
    auto c = RegistryClient::open(*multi, options);
    EXPECT_TRUE(c);
    return c.value().get_image_manifest();
  };
  auto top = RegistryClient::open(*multi, insecure()).value().get_manifest("multi");
  ASSERT_TRUE(top) << top.error().to_string();
  EXPECT_TRUE(top->is_index());
  EXPECT_EQ(top->digest, index_digest);

  auto amd = for_platform("linux/amd64");
  ASSERT_TRUE(amd) << amd.error().to_string();
  EXPECT_EQ(amd->digest, m_image.manifest_digest);
  auto arm64 = for_platform("linux/arm64");
  ASSERT_TRUE(arm64) << arm64.error().to_string();
  EXPECT_EQ(arm64->digest, arm.manifest_digest);
  EXPECT_EQ(arm64->body, arm.manifest);
  auto s390 = for_platform("linux/s390x");
  ASSERT_FALSE(s390);
  EXPECT_NE(s390.error().message.find("linux/amd64, linux/arm64/v8"), std::string::npos)
      << s390.error().message;
}

TEST_F(RegistryTest, TlsWorksWithTheCaAndFailsWithoutIt) {
  moat::test::RegistryConfig config;
  config.tls = true;
  START_OR_SKIP(config);
  RegistryOptions trusted;
  trusted.ca_cert = m_registry.ca_cert().string();
  auto manifest = client(trusted).get_manifest("1");
  ASSERT_TRUE(manifest) << manifest.error().to_string();
  EXPECT_EQ(manifest->digest, m_image.manifest_digest);

  auto untrusted = client(RegistryOptions{}).get_manifest("1");
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().kind, ErrorKind::io);
  EXPECT_NE(
      untrusted.error().message.find("cannot reach the registry at https://" + m_registry.host()),
      std::string::npos)
      << untrusted.error().message;
  EXPECT_NE(untrusted.error().message.find("certificate"), std::string::npos)
      << untrusted.error().message;
}

TEST_F(RegistryTest, BasicAuthUsesDockerConfigCredentials) {
  moat::test::RegistryConfig config;
  config.user = "moat";
  config.password = "pa:ss word";
  START_OR_SKIP(config);

  auto anonymous = client().get_manifest("1");
  ASSERT_FALSE(anonymous);
  EXPECT_NE(anonymous.error().message.find("authentication required (HTTP 401)"), std::string::npos)
      << anonymous.error().message;

  // base64("moat:pa:ss word")
  auto good = m_dir.write("good/config.json", R"({"auths": {")" + m_registry.host() +
                                                  R"(": {"auth": "bW9hdDpwYTpzcyB3b3Jk"}}})");
  auto options = insecure();
  options.docker_config = good.string();
  auto c = client(options);
  auto manifest = c.get_manifest("1");
  ASSERT_TRUE(manifest) << manifest.error().to_string();
  EXPECT_EQ(manifest->digest, m_image.manifest_digest);
  auto layer = c.get_blob_text(m_image.layer_digest, 1 << 20);
  ASSERT_TRUE(layer) << layer.error().to_string();
  EXPECT_EQ(*layer, m_image.layer);

  auto wrong =
      m_dir.write("wrong/config.json", R"({"auths": {")" + m_registry.host() +
                                           R"(": {"username": "moat", "password": "nope"}}})");
  options.docker_config = wrong.string();
  auto refused = client(options).get_manifest("1");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("(HTTP 401)"), std::string::npos);

  auto helper = m_dir.write("helper/config.json", R"({"credsStore": "secretservice"})");
  options.docker_config = helper.string();
  auto needs_helper = client(options).get_manifest("1");
  ASSERT_FALSE(needs_helper);
  EXPECT_NE(needs_helper.error().message.find("docker-credential-secretservice"), std::string::npos)
      << needs_helper.error().message;
}

TEST_F(RegistryTest, BearerTokenFromTheRealmIsFetchedAndUsed) {
  moat::test::TokenServer tokens;
  if (auto ok = tokens.start(m_dir.path() / "token", "test/img"); !ok)
    GTEST_SKIP() << "cannot run the token server: " << ok.error();
  moat::test::RegistryConfig config;
  config.extra_yaml = tokens.registry_yaml();
  START_OR_SKIP(config);

  auto c = client();
  auto manifest = c.get_manifest("1");
  ASSERT_TRUE(manifest) << manifest.error().to_string();
  EXPECT_EQ(manifest->digest, m_image.manifest_digest);
  auto layer = c.get_blob_text(m_image.layer_digest, 1 << 20);
  ASSERT_TRUE(layer) << layer.error().to_string();
  EXPECT_EQ(*layer, m_image.layer);

  // Credentials go to a token realm over plain http only on this machine.
  auto creds = m_dir.write("creds/config.json", R"({"auths": {")" + m_registry.host() +
                                                    R"(": {"username": "u", "password": "p"}}})");
  auto options = insecure();
  options.docker_config = creds.string();
  auto with_creds = client(options).get_manifest(m_image.manifest_digest);
  ASSERT_TRUE(with_creds) << with_creds.error().to_string();
  auto requests = moat::test::read_text(m_dir.path() / "token" / "token-server.log");
  EXPECT_NE(requests.find("GET /token?service=moat-test&scope=repository%3Atest%2Fimg%3Apull"),
            std::string::npos)
      << requests;

  // The token grants test/img only.
  auto other = parse_registry_ref(m_registry.host() + "/test/other:1");
  ASSERT_TRUE(other);
  auto denied = RegistryClient::open(*other, insecure()).value().get_manifest("1");
  ASSERT_FALSE(denied);
  EXPECT_NE(denied.error().message.find("(HTTP 401)"), std::string::npos) << denied.error().message;
}

} // namespace

// --insecure-registry: plain http to a named host on any network.
TEST(RegistryClientOptions, InsecureRegistryNamesAHost) {
  auto remote = parse_registry_ref("registry.internal:5000/app:1");
  ASSERT_TRUE(remote);
  RegistryOptions options;
  options.insecure = true;
  auto refused = RegistryClient::open(*remote, options);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("--insecure-registry registry.internal:5000"),
            std::string::npos)
      << refused.error().message;
  options.insecure = false;
  options.insecure_registries = {"registry.internal:5000"};
  EXPECT_TRUE(RegistryClient::open(*remote, options));
  options.insecure_registries = {"other.internal:5000"};
  EXPECT_TRUE(RegistryClient::open(*remote, options)); // https, as without the flag
}

// A server that accepts and never answers, and one that trickles two bytes a
// second, both end: the first by the stall limit, the second by it too (it
// is under the bytes-per-second floor), and both by the deadline.
TEST(HttpTimeouts, StalledAndTricklingServersEnd) {
  using moat::test::SlowServer;
  using namespace std::chrono;
  for (const auto mode : {SlowServer::Mode::silent, SlowServer::Mode::trickle}) {
    SlowServer server(mode);
    HttpOptions options;
    options.stall_timeout_seconds = 2;
    auto client = HttpClient::create(options);
    ASSERT_TRUE(client);
    HttpRequest request;
    request.url = "http://" + server.host() + "/v2/";
    const auto start = steady_clock::now();
    auto response = client->get(request, 1 << 20);
    const auto took = steady_clock::now() - start;
    ASSERT_FALSE(response);
    EXPECT_NE(response.error().message.find("stalled"), std::string::npos)
        << response.error().message;
    EXPECT_NE(response.error().message.find(request.url), std::string::npos);
    EXPECT_LT(took, seconds(20));
  }
  for (const auto mode : {SlowServer::Mode::silent, SlowServer::Mode::trickle}) {
    SlowServer server(mode);
    HttpOptions options;
    options.timeout = milliseconds(1500);
    options.deadline = steady_clock::now() + options.timeout;
    auto client = HttpClient::create(options);
    ASSERT_TRUE(client);
    HttpRequest request;
    request.url = "http://" + server.host() + "/v2/";
    auto response = client->get(request, 1 << 20);
    ASSERT_FALSE(response);
    EXPECT_NE(response.error().message.find("timed out: the --timeout of 1500ms passed"),
              std::string::npos)
        << response.error().message;
    // Once the deadline has passed, no request even starts. (curl may end
    // the first a few milliseconds before the deadline, on a loaded machine.)
    std::this_thread::sleep_until(*options.deadline + milliseconds(20));
    auto late = client->get(request, 1 << 20);
    ASSERT_FALSE(late);
    EXPECT_NE(late.error().message.find("passed before"), std::string::npos)
        << late.error().message;
  }
}
