#include <moat/engine/engine.hpp>
#include <moat/runconf/runconf.hpp>

#include "services.hpp"
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace moat::engine;
using moat::core::ErrorKind;
using moat::test::TempDir;

namespace {

// Sets an environment variable for one test and puts the old value back.
class ScopedEnv {
public:
  ScopedEnv(const char* name, const char* value) : m_name(name) {
    if (const char* old = std::getenv(name); old != nullptr)
      m_old = old;
    if (value == nullptr)
      ::unsetenv(name);
    else
      ::setenv(name, value, 1);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (m_old)
      ::setenv(m_name.c_str(), m_old->c_str(), 1);
    else
      ::unsetenv(m_name.c_str());
  }

private:
  std::string m_name;
  std::optional<std::string> m_old;
};

moat::core::Status ignore_bytes(std::span<const std::byte>) {
  return {};
}

TEST(DockerHost, ParsesUnixAndTcpAddresses) {
  auto unix_host = parse_docker_host("unix:///run/user/1000/docker.sock");
  ASSERT_TRUE(unix_host);
  EXPECT_EQ(unix_host->kind, DockerHost::Kind::unix_socket);
  EXPECT_EQ(unix_host->address, "/run/user/1000/docker.sock");
  EXPECT_EQ(unix_host->text, "unix:///run/user/1000/docker.sock");

  auto tcp = parse_docker_host("tcp://10.0.0.5:2376");
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->kind, DockerHost::Kind::tcp);
  EXPECT_EQ(tcp->address, "10.0.0.5:2376");
  auto no_port = parse_docker_host("tcp://docker.example/");
  ASSERT_TRUE(no_port);
  EXPECT_EQ(no_port->address, "docker.example:2375");
  auto v6 = parse_docker_host("tcp://[::1]:2375");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address, "[::1]:2375");
}

TEST(DockerHost, RefusesOtherSchemesAndRelativeSockets) {
  for (const char* text :
       {"ssh://user@host", "npipe:////./pipe/docker_engine", "unix://", "unix://relative.sock",
        "tcp://", "tcp://a/b", "/var/run/docker.sock", "fd://"}) {
    auto host = parse_docker_host(text);
    ASSERT_FALSE(host) << text;
    EXPECT_EQ(host.error().kind, ErrorKind::usage) << text;
    EXPECT_EQ(host.error().input, std::string("DOCKER_HOST=") + text);
  }
}

TEST(EngineClient, HostComesFromArgumentThenEnvironmentThenDefault) {
  {
    ScopedEnv env("DOCKER_HOST", nullptr);
    ScopedEnv xdg("XDG_RUNTIME_DIR", nullptr);
    auto client = EngineClient::open();
    ASSERT_TRUE(client);
    // The system daemon's socket, or Podman's where only that exists.
    EXPECT_EQ(client->host(), default_docker_host(true, ""));
  }
  {
    ScopedEnv env("DOCKER_HOST", "unix:///tmp/from-env.sock");
    auto from_env = EngineClient::open();
    ASSERT_TRUE(from_env);
    EXPECT_EQ(from_env->host(), "unix:///tmp/from-env.sock");
    auto explicit_host = EngineClient::open("unix:///tmp/explicit.sock");
    ASSERT_TRUE(explicit_host);
    EXPECT_EQ(explicit_host->host(), "unix:///tmp/explicit.sock");
  }
  {
    ScopedEnv env("DOCKER_HOST", "ssh://somewhere");
    auto refused = EngineClient::open();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::usage);
  }
}

// A listening unix socket at PATH (closed with the returned descriptor).
int listen_at(const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const auto text = path.string();
  text.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0) << text;
  return fd;
}

// Without DOCKER_HOST: the system socket, a rootless daemon's, Podman's,
// in the order the user's own come first for a user other than root.
TEST(DockerHost, DefaultIsTheFirstSocketThatExists) {
  TempDir dir;
  const auto root = dir.path().string();
  const auto xdg = (dir.path() / "run/user/1000").string();
  EXPECT_EQ(default_docker_host(true, xdg, root), "unix:///var/run/docker.sock");
  const int podman = listen_at(dir.path() / "run/podman/podman.sock");
  EXPECT_EQ(default_docker_host(true, xdg, root), "unix://" + root + "/run/podman/podman.sock");
  const int user_podman = listen_at(dir.path() / "run/user/1000/podman/podman.sock");
  EXPECT_EQ(default_docker_host(false, xdg, root), "unix://" + xdg + "/podman/podman.sock");
  const int rootless = listen_at(dir.path() / "run/user/1000/docker.sock");
  EXPECT_EQ(default_docker_host(false, xdg, root), "unix://" + xdg + "/docker.sock");
  const int system = listen_at(dir.path() / "var/run/docker.sock");
  EXPECT_EQ(default_docker_host(true, xdg, root), "unix://" + root + "/var/run/docker.sock");
  EXPECT_EQ(default_docker_host(false, xdg, root), "unix://" + xdg + "/docker.sock");
  // Nothing there: the default.
  EXPECT_EQ(default_docker_host(false, "", root + "/nowhere"), "unix:///var/run/docker.sock");
  for (int fd : {podman, user_podman, rootless, system})
    ::close(fd);
}

TEST(EngineClient, UnreachableDaemonNamesImageAndSocket) {
  TempDir dir;
  const auto socket = (dir.path() / "docker.sock").string();
  auto client = EngineClient::open("unix://" + socket);
  ASSERT_TRUE(client);
  auto inspect = client->image_inspect("alpine:3");
  ASSERT_FALSE(inspect);
  EXPECT_EQ(inspect.error().kind, ErrorKind::io);
  EXPECT_EQ(inspect.error().to_string(), "docker://alpine:3: cannot connect to the Docker daemon "
                                         "at unix://" +
                                             socket + ": no such file or directory");

  // A file that is not a listening socket.
  dir.write("docker.sock", "");
  auto exported = client->export_image("alpine:3", ignore_bytes);
  ASSERT_FALSE(exported);
  EXPECT_EQ(exported.error().to_string(), "docker://alpine:3: cannot connect to the Docker daemon "
                                          "at unix://" +
                                              socket + ": connection refused");

  const auto port = std::to_string(moat::test::free_tcp_port());
  ScopedEnv no_tls("DOCKER_CERT_PATH", nullptr);
  ScopedEnv no_verify("DOCKER_TLS_VERIFY", nullptr);
  auto tcp = EngineClient::open("tcp://127.0.0.1:" + port);
  ASSERT_TRUE(tcp);
  auto tcp_inspect = tcp->image_inspect("alpine");
  ASSERT_FALSE(tcp_inspect);
  EXPECT_TRUE(tcp_inspect.error().to_string().starts_with(
      "docker://alpine: cannot connect to the Docker daemon at tcp://127.0.0.1:" + port + ": "))
      << tcp_inspect.error().to_string();
}

TEST(EngineClient, TlsNeedsEveryCertificateFile) {
  TempDir dir;
  dir.write("ca.pem", "x");
  dir.write("cert.pem", "x");
  EngineOptions options;
  options.docker_host = "tcp://127.0.0.1:2376";
  options.cert_path = dir.path().string();
  auto client = EngineClient::open(options);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().kind, ErrorKind::usage);
  EXPECT_NE(client.error().message.find("key.pem"), std::string::npos);
}

TEST(EngineClient, RefusesNamesThatWouldReshapeTheRequest) {
  auto client = EngineClient::open("unix:///nonexistent/docker.sock");
  ASSERT_TRUE(client);
  for (const char* name : {"", "a/../../containers/json", "x?all=1", "x#y", "a b", "/abs"}) {
    auto inspect = client->image_inspect(name);
    ASSERT_FALSE(inspect) << name;
    EXPECT_EQ(inspect.error().kind, ErrorKind::usage) << name;
    auto exported = client->export_image(name, ignore_bytes);
    ASSERT_FALSE(exported) << name;
    EXPECT_EQ(exported.error().kind, ErrorKind::usage) << name;
  }
}

// --- against a real dockerd ----------------------------------------------------

// One private dockerd for the suite, with test/img:1 loaded into it.
class EngineTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = std::make_unique<TempDir>();
    s_daemon = std::make_unique<moat::test::DockerDaemon>();
    if (auto ok = prepare(); !ok)
      s_skip = ok.error();
  }

  static void TearDownTestSuite() {
    s_daemon.reset(); // stop the daemon before its directory goes
    s_dir.reset();
  }

  void SetUp() override {
    if (!s_skip.empty())
      GTEST_SKIP() << "cannot run dockerd: " << s_skip;
  }

  static moat::test::Started prepare() {
    const auto& dir = s_dir->path();
    auto layout = dir / "layout";
    if (auto ok = moat::test::make_oci_image(layout, "1", {{"/srv/hello.txt", "hello, daemon\n"}},
                                             dir / "scratch");
        !ok)
      return ok;
    auto index = nlohmann::json::parse(moat::test::read_text(layout / "index.json"));
    auto manifest_digest = index["manifests"][0]["digest"].get<std::string>();
    auto manifest = nlohmann::json::parse(
        moat::test::read_text(layout / "blobs/sha256" / manifest_digest.substr(7)));
    s_config_digest = manifest["config"]["digest"].get<std::string>();
    auto tar = dir / "image.tar";
    if (auto ok = moat::test::skopeo_copy("oci:" + layout.string() + ":1",
                                          "docker-archive:" + tar.string() + ":test/img:1");
        !ok)
      return ok;
    // A short path: dockerd's exec root holds unix sockets (108-byte limit).
    if (auto ok = s_daemon->start(dir / "d"); !ok)
      return ok;
    return s_daemon->load(tar);
  }

  static EngineClient client() {
    auto opened = EngineClient::open(s_daemon->host());
    EXPECT_TRUE(opened);
    return std::move(opened).value();
  }

  static inline std::unique_ptr<TempDir> s_dir;
  static inline std::unique_ptr<moat::test::DockerDaemon> s_daemon;
  static inline std::string s_skip;
  static inline std::string s_config_digest;
};

TEST_F(EngineTest, InspectsALoadedImageByNameAndId) {
  auto c = client();
  auto inspect = c.image_inspect("test/img:1");
  ASSERT_TRUE(inspect) << inspect.error().to_string();
  auto doc = nlohmann::json::parse(*inspect);
  EXPECT_EQ(doc["Id"], s_config_digest);
  ASSERT_TRUE(doc["RepoTags"].is_array());
  EXPECT_EQ(doc["RepoTags"][0], "test/img:1");

  auto by_id = c.image_inspect(s_config_digest);
  ASSERT_TRUE(by_id) << by_id.error().to_string();
  EXPECT_EQ(nlohmann::json::parse(*by_id)["Id"], s_config_digest);
}

TEST_F(EngineTest, ExportsTheDockerSaveTar) {
  TempDir out;
  auto tar_path = out.path() / "saved.tar";
  std::ofstream tar(tar_path, std::ios::binary);
  std::size_t total = 0;
  auto status = client().export_image("test/img:1", [&](std::span<const std::byte> bytes) {
    tar.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    total += bytes.size();
    return moat::core::Status{};
  });
  tar.close();
  ASSERT_TRUE(status) << status.error().to_string();
  ASSERT_GT(total, 1024U);

  auto listing = moat::test::run_command("tar -tf " + moat::test::shell_quote(tar_path.string()));
  ASSERT_EQ(listing.exit_code, 0) << listing.output;
  EXPECT_NE(listing.output.find("manifest.json"), std::string::npos) << listing.output;
  EXPECT_NE(listing.output.find(s_config_digest.substr(7) + ".json"), std::string::npos)
      << listing.output;
  auto manifest = moat::test::run_command("tar -xOf " + moat::test::shell_quote(tar_path.string()) +
                                          " manifest.json");
  ASSERT_EQ(manifest.exit_code, 0) << manifest.output;
  EXPECT_NE(manifest.output.find("test/img:1"), std::string::npos) << manifest.output;
}

// Containers made by the real daemon with insecure and hardened flags: the
// client reads their inspect JSON and the run-configuration checks judge
// what the daemon recorded (not what a flag parser thought it meant).
TEST_F(EngineTest, ContainersAreInspectedAndJudged) {
  auto made = s_daemon->docker(
      "create --name insecure --cap-add SYS_ADMIN -v /var/run/docker.sock:/var/run/docker.sock "
      "-v /etc:/host/etc --pid host --security-opt seccomp=unconfined --restart on-failure:10 "
      "-p 0.0.0.0:80:80 test/img:1 /srv/none");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  made = s_daemon->docker(
      "create --name hardened --read-only --cap-drop ALL --security-opt no-new-privileges "
      "--user 1000 --memory 64m --pids-limit 50 --cpus 0.5 --health-cmd /srv/none "
      "--restart on-failure:5 --ulimit nofile=1024:2048 test/img:1 /srv/none");
  ASSERT_EQ(made.exit_code, 0) << made.output;

  auto c = client();
  auto ids_of = [&](const std::string& name) {
    std::set<std::string> ids;
    auto json = c.container_inspect(name);
    EXPECT_TRUE(json) << json.error().to_string();
    if (!json)
      return ids;
    auto specs = moat::runconf::read_inspect(*json, "container://" + name);
    EXPECT_TRUE(specs) << specs.error().to_string();
    if (specs)
      for (const auto& spec : *specs)
        for (const auto& f : moat::runconf::check(spec))
          if (f.severity >= moat::core::Severity::low)
            ids.emplace(f.check->id);
    return ids;
  };
  const auto insecure = ids_of("insecure");
  for (const char* id : {"RC002", "RC007", "RC010", "RC011", "RC015", "RC020", "RC022", "RC023",
                         "RC025", "RC026", "RC027"})
    EXPECT_TRUE(insecure.contains(id)) << id;
  // The default bridge (RC032) is info; everything at low and above passes.
  EXPECT_TRUE(ids_of("hardened").empty());

  auto missing = c.container_inspect("no-such-container");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().input, "container://no-such-container");
  EXPECT_EQ(missing.error().message, "no such container");
  EXPECT_FALSE(c.container_inspect("../images/json"));
}

TEST_F(EngineTest, MissingImageIsNoSuchImage) {
  auto c = client();
  auto inspect = c.image_inspect("nope:1");
  ASSERT_FALSE(inspect);
  EXPECT_EQ(inspect.error().to_string(), "docker://nope:1: no such image");
  auto exported = c.export_image("nope:1", ignore_bytes);
  ASSERT_FALSE(exported);
  EXPECT_EQ(exported.error().to_string(), "docker://nope:1: no such image");
}

TEST_F(EngineTest, SinkErrorStopsTheExport) {
  std::size_t calls = 0;
  auto status = client().export_image("test/img:1", [&](std::span<const std::byte>) {
    ++calls;
    return moat::core::Status(
        moat::core::fail(ErrorKind::limit, "docker://test/img:1", "image is larger than 0 bytes"));
  });
  ASSERT_FALSE(status);
  EXPECT_EQ(calls, 1U);
  EXPECT_EQ(status.error().to_string(), "docker://test/img:1: image is larger than 0 bytes");
}

} // namespace
