#pragma once
// Real services for tests: a Docker registry, a Docker daemon (as root and
// rootless) and Podman's API service on this machine, each started in a test's own directory and
// stopped when its object dies, plus the tools that make test images (umoci, skopeo, openssl,
// htpasswd). Every start returns the reason it failed, so a test can
// GTEST_SKIP() with it.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace moat::test {

// Why a service or tool could not be used; empty never means failure.
using Started = std::expected<void, std::string>;

struct CommandResult {
  int exit_code = -1;
  std::string output; // stdout and stderr together
};

// Quotes TEXT for /bin/sh.
inline std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// Runs a /bin/sh command line and captures what it prints.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr)
    return result;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

// True when PROGRAM is found in PATH.
inline bool have_program(const std::string& program) {
  return run_command("command -v " + shell_quote(program) + " >/dev/null").exit_code == 0;
}

// The uid of moat-rootless, the ordinary user the rootless tests run as
// (scripts/install-deps.sh makes it), or why it cannot be used here: it
// does not exist, or the kernel does not let it create a user namespace.
inline std::expected<int, std::string> rootless_user() {
  const auto who = run_command("id -u moat-rootless");
  if (who.exit_code != 0)
    return std::unexpected(
        std::string("the user moat-rootless does not exist (scripts/install-deps.sh makes it)"));
  const auto probe = run_command("runuser -u moat-rootless -- unshare -U true");
  if (probe.exit_code != 0)
    return std::unexpected("this kernel does not let an ordinary user create a user namespace: " +
                           probe.output);
  return std::stoi(who.output);
}

// Checks that every program is installed; the error names the missing one.
inline Started require_programs(std::initializer_list<const char*> programs) {
  for (const char* program : programs)
    if (!have_program(program))
      return std::unexpected(std::string(program) + " is not installed");
  return {};
}

// The last MAX_BYTES of a file, for a skip reason.
inline std::string file_tail(const std::filesystem::path& path, std::size_t max_bytes = 1500) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto text = ss.str();
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

// A TCP port on 127.0.0.1 that nothing listens on right now.
inline int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

inline bool can_connect_tcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

inline bool can_connect_unix(const std::filesystem::path& path) {
  sockaddr_un addr{};
  auto text = path.string();
  if (text.size() >= sizeof addr.sun_path)
    return false;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, text.c_str(), text.size() + 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A child process in its own process group, its output in a log file;
// stopped (SIGTERM, then SIGKILL to the group) when the object dies.
class ChildProcess {
public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(); }

  Started start(const std::vector<std::string>& argv, const std::filesystem::path& log) {
    stop();
    m_log = log;
    std::vector<char*> args;
    for (const auto& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = 0;
    int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0)
      return std::unexpected(argv[0] + ": cannot start: " + std::strerror(rc));
    m_pid = pid;
    return {};
  }

  // True while the child has not exited.
  bool running() {
    if (m_pid <= 0)
      return false;
    int status = 0;
    pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid || (r < 0 && errno == ECHILD)) {
      m_pid = -1;
      return false;
    }
    return true;
  }

  // Asks the child to stop, waits up to GRACE, then kills its process group.
  void stop(std::chrono::seconds grace = std::chrono::seconds(30)) {
    if (m_pid <= 0)
      return;
    pid_t group = m_pid;
    ::kill(m_pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (running()) {
      ::kill(-group, SIGKILL);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
      m_pid = -1;
    }
  }

  [[nodiscard]] pid_t pid() const { return m_pid; }
  [[nodiscard]] std::string log_tail() const { return file_tail(m_log); }

private:
  pid_t m_pid = -1;
  std::filesystem::path m_log;
};

// A self-signed certificate for 127.0.0.1 and localhost, made by openssl.
struct TlsFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

inline std::expected<TlsFiles, std::string>
make_self_signed_cert(const std::filesystem::path& dir) {
  if (auto ok = require_programs({"openssl"}); !ok)
    return std::unexpected(ok.error());
  std::filesystem::create_directories(dir);
  TlsFiles files{dir / "cert.pem", dir / "key.pem"};
  auto r =
      run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                  "-nodes -days 2 -subj /CN=127.0.0.1 "
                  "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
                  shell_quote(files.key.string()) + " -out " + shell_quote(files.cert.string()));
  if (r.exit_code != 0)
    return std::unexpected("openssl req failed: " + r.output);
  return files;
}

// Writes a bcrypt htpasswd file (the only kind docker-registry reads).
inline Started make_htpasswd(const std::filesystem::path& path, const std::string& user,
                             const std::string& password) {
  if (auto ok = require_programs({"htpasswd"}); !ok)
    return std::unexpected(ok.error() + " (Debian package apache2-utils)");
  auto r = run_command("htpasswd -Bbn " + shell_quote(user) + " " + shell_quote(password));
  if (r.exit_code != 0)
    return std::unexpected("htpasswd failed: " + r.output);
  std::ofstream(path) << r.output;
  return {};
}

// Builds an OCI image layout at LAYOUT with tag TAG whose one layer holds
// FILES (path inside the image -> content). SCRATCH receives the root fs.
inline Started make_oci_image(const std::filesystem::path& layout, const std::string& tag,
                              const std::map<std::string, std::string>& files,
                              const std::filesystem::path& scratch) {
  if (auto ok = require_programs({"umoci"}); !ok)
    return std::unexpected(ok.error());
  auto rootfs = scratch / "rootfs";
  std::filesystem::create_directories(rootfs);
  for (const auto& [path, content] : files) {
    auto target = rootfs / std::filesystem::path(path).relative_path();
    std::filesystem::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary) << content;
  }
  const auto image = shell_quote(layout.string() + ":" + tag);
  for (const auto& command :
       {"umoci init --layout " + shell_quote(layout.string()), "umoci new --image " + image,
        "umoci insert --image " + image + " " + shell_quote(rootfs.string()) + " /"}) {
    auto r = run_command(command);
    if (r.exit_code != 0)
      return std::unexpected(command + " failed: " + r.output);
  }
  return {};
}

// Runs skopeo copy without a signature policy file (test images are unsigned).
inline Started skopeo_copy(const std::string& source, const std::string& destination,
                           const std::string& options = {}) {
  if (auto ok = require_programs({"skopeo"}); !ok)
    return std::unexpected(ok.error());
  auto r = run_command("skopeo --insecure-policy copy --quiet " + options + " " +
                       shell_quote(source) + " " + shell_quote(destination));
  if (r.exit_code != 0)
    return std::unexpected("skopeo copy " + source + " " + destination + " failed: " + r.output);
  return {};
}

// Base64url without padding, as JWTs use it.
inline std::string base64url(std::string_view bytes) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(buffer >> bits) & 63U];
    }
  }
  if (bits > 0)
    out += alphabet[(buffer << (6 - bits)) & 63U];
  return out;
}

// The token service of docker-registry's "token" auth, reduced to what a
// test needs: one JWT, signed with a self-signed RSA certificate (openssl)
// and granting pull and push on one repository, served as a static file by
// python3's http.server at /token whatever the query.
class TokenServer {
public:
  static constexpr const char* k_service = "moat-test";
  static constexpr const char* k_issuer = "moat-test-issuer";

  // Makes the token for REPOSITORY and starts serving it; the error says why it could not.
  Started start(const std::filesystem::path& dir, const std::string& repository) {
    if (auto ok = require_programs({"openssl", "python3", "base64"}); !ok)
      return ok;
    m_dir = dir;
    std::filesystem::create_directories(dir / "www");
    m_cert = dir / "signer.pem";
    auto key = dir / "signer.key";
    auto r = run_command("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=moat-token "
                         "-keyout " +
                         shell_quote(key.string()) + " -out " + shell_quote(m_cert.string()));
    if (r.exit_code != 0)
      return std::unexpected("openssl req failed: " + r.output);
    auto der = run_command("openssl x509 -in " + shell_quote(m_cert.string()) +
                           " -outform DER | base64 -w0");
    if (der.exit_code != 0)
      return std::unexpected("cannot encode the signer certificate: " + der.output);
    const long now = static_cast<long>(std::time(nullptr));
    std::string header = R"({"typ":"JWT","alg":"RS256","x5c":[")" + der.output + R"("]})";
    std::string claims = std::string(R"({"iss":")") + k_issuer + R"(","sub":"","aud":")" +
                         k_service + R"(","exp":)" + std::to_string(now + 3600) + R"(,"nbf":)" +
                         std::to_string(now - 60) + R"(,"iat":)" + std::to_string(now - 60) +
                         R"(,"jti":"moat-test-token","access":[{"type":"repository","name":")" +
                         repository + R"(","actions":["pull","push"]}]})";
    const std::string signing_input = base64url(header) + "." + base64url(claims);
    std::ofstream(dir / "signing-input", std::ios::binary) << signing_input;
    r = run_command("openssl dgst -sha256 -sign " + shell_quote(key.string()) + " -out " +
                    shell_quote((dir / "signature").string()) + " " +
                    shell_quote((dir / "signing-input").string()));
    if (r.exit_code != 0)
      return std::unexpected("openssl dgst failed: " + r.output);
    std::ifstream sig_in(dir / "signature", std::ios::binary);
    std::ostringstream signature;
    signature << sig_in.rdbuf();
    m_token = signing_input + "." + base64url(signature.str());
    std::ofstream(dir / "www" / "token") << R"({"token":")" << m_token << R"("})";

    for (int attempt = 0; attempt < 3; ++attempt) {
      m_port = free_tcp_port();
      if (auto ok = m_process.start({"python3", "-m", "http.server", std::to_string(m_port),
                                     "--bind", "127.0.0.1", "--directory", (dir / "www").string()},
                                    dir / "token-server.log");
          !ok)
        return ok;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (std::chrono::steady_clock::now() < deadline && m_process.running()) {
        if (can_connect_tcp(m_port))
          return {};
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      m_process.stop();
    }
    return std::unexpected("python3 http.server did not start: " + m_process.log_tail());
  }

  void stop() { m_process.stop(); }

  // "http://127.0.0.1:PORT/token"
  [[nodiscard]] std::string realm() const {
    return "http://127.0.0.1:" + std::to_string(m_port) + "/token";
  }
  [[nodiscard]] const std::string& token() const { return m_token; }

  // The "auth:" section that makes docker-registry trust this server's tokens.
  [[nodiscard]] std::string registry_yaml() const {
    return "auth:\n  token:\n    realm: " + realm() + "\n    service: " + k_service +
           "\n    issuer: " + k_issuer + "\n    rootcertbundle: " + m_cert.string() + "\n";
  }

private:
  std::filesystem::path m_dir;
  std::filesystem::path m_cert;
  std::string m_token;
  int m_port = 0;
  ChildProcess m_process;
};

struct RegistryConfig {
  bool tls = false; // serve https with a self-signed certificate for 127.0.0.1
  std::string user; // when set, require Basic authentication with user/password
  std::string password;
  std::string extra_yaml; // appended to the configuration (e.g. an auth: token section)
};

// docker-registry (distribution) serving from DIR on 127.0.0.1:<free port>.
class RegistryService {
public:
  // Starts the registry; the error says why it could not.
  Started start(const std::filesystem::path& dir, RegistryConfig config = {}) {
    if (auto ok = require_programs({"docker-registry"}); !ok)
      return std::unexpected(ok.error());
    m_dir = dir;
    m_config = std::move(config);
    std::filesystem::create_directories(dir);
    std::string tls_yaml;
    if (m_config.tls) {
      auto files = make_self_signed_cert(dir / "tls");
      if (!files)
        return std::unexpected(files.error());
      m_tls = *files;
      tls_yaml = "  tls:\n    certificate: " + m_tls.cert.string() +
                 "\n    key: " + m_tls.key.string() + "\n";
    }
    std::string auth_yaml;
    if (!m_config.user.empty()) {
      auto file = dir / "htpasswd";
      if (auto ok = make_htpasswd(file, m_config.user, m_config.password); !ok)
        return ok;
      auth_yaml = "auth:\n  htpasswd:\n    realm: moat-test\n    path: " + file.string() + "\n";
    }
    std::string last_error;
    // The free port can be taken between the probe and the bind; try again then.
    for (int attempt = 0; attempt < 3; ++attempt) {
      m_port = free_tcp_port();
      auto config_path = dir / "config.yml";
      std::ofstream(config_path) << "version: 0.1\n"
                                    "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
                                    "storage:\n  filesystem:\n    rootdirectory: "
                                 << storage().string()
                                 << "\n  delete:\n    enabled: true\n"
                                    "http:\n  addr: 127.0.0.1:"
                                 << m_port << "\n  secret: moat-test-secret\n"
                                 << tls_yaml << auth_yaml << m_config.extra_yaml;
      if (auto ok = m_process.start({"docker-registry", "serve", config_path.string()},
                                    dir / "registry.log");
          !ok)
        return ok;
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (std::chrono::steady_clock::now() < deadline && m_process.running()) {
        if (can_connect_tcp(m_port))
          return {};
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      last_error = "docker-registry did not start: " + m_process.log_tail();
      m_process.stop();
    }
    return std::unexpected(last_error);
  }

  void stop() { m_process.stop(); }

  // "127.0.0.1:PORT"
  [[nodiscard]] std::string host() const { return "127.0.0.1:" + std::to_string(m_port); }
  [[nodiscard]] std::filesystem::path storage() const { return m_dir / "storage"; }
  // The certificate the registry serves (and a client should trust) when tls.
  [[nodiscard]] const std::filesystem::path& ca_cert() const { return m_tls.cert; }
  // Where the registry keeps the bytes of blob DIGEST ("sha256:...").
  [[nodiscard]] std::filesystem::path blob_path(const std::string& digest) const {
    auto colon = digest.find(':');
    auto algorithm = digest.substr(0, colon);
    auto hex = digest.substr(colon + 1);
    return storage() / "docker/registry/v2/blobs" / algorithm / hex.substr(0, 2) / hex / "data";
  }

  // Copies SOURCE (a skopeo transport reference such as "oci:/dir:tag") to REPO:TAG here.
  // EXTRA is more skopeo copy options, e.g. "--all" to copy every image of an index.
  Started push(const std::string& source, const std::string& repo_tag,
               const std::string& extra = {}) {
    std::string options = "--dest-tls-verify=false " + extra;
    if (!m_config.user.empty())
      options += " --dest-creds " + shell_quote(m_config.user + ":" + m_config.password);
    return skopeo_copy(source, "docker://" + host() + "/" + repo_tag, options);
  }

private:
  std::filesystem::path m_dir;
  RegistryConfig m_config;
  TlsFiles m_tls;
  int m_port = 0;
  ChildProcess m_process;
};

// A private dockerd (its own data root, exec root and socket under DIR),
// with no networking of its own. Needs root.
class DockerDaemon {
public:
  DockerDaemon() = default;
  DockerDaemon(const DockerDaemon&) = delete;
  DockerDaemon& operator=(const DockerDaemon&) = delete;
  ~DockerDaemon() { stop(); }

  // Starts dockerd and waits until its API socket answers; the error says why it could not.
  // With BRIDGE the daemon has its default bridge (docker0) and publishes ports; without,
  // containers have no network of their own.
  // EXTRA are more dockerd flags (--add-runtime NAME=PATH).
  Started start(const std::filesystem::path& dir, bool bridge = false,
                const std::vector<std::string>& extra = {}) {
    if (::geteuid() != 0)
      return std::unexpected("dockerd needs root");
    if (auto ok = require_programs({"dockerd", "docker"}); !ok)
      return std::unexpected(ok.error());
    m_dir = dir;
    std::filesystem::create_directories(dir / "data");
    std::filesystem::create_directories(dir / "exec");
    std::vector<std::string> args = {"dockerd",
                                     "--iptables=false",
                                     "--ip6tables=false",
                                     "--data-root",
                                     (dir / "data").string(),
                                     "--exec-root",
                                     (dir / "exec").string(),
                                     "-H",
                                     "unix://" + socket().string(),
                                     "--pidfile",
                                     (dir / "dockerd.pid").string()};
    if (!bridge)
      args.emplace_back("--bridge=none");
    args.insert(args.end(), extra.begin(), extra.end());
    if (auto ok = m_process.start(args, dir / "dockerd.log"); !ok)
      return ok;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && m_process.running()) {
      if (can_connect_unix(socket()) && docker("version").exit_code == 0)
        return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    auto why = "dockerd did not start: " + m_process.log_tail();
    stop();
    return std::unexpected(why);
  }

  // Stops the daemon (it stops its own containerd) and drops any mount it left.
  void stop() {
    if (m_dir.empty())
      return;
    m_process.stop();
    // dockerd bind-mounts its data root; a killed daemon can leave it behind.
    ::umount2((m_dir / "data").c_str(), MNT_DETACH);
    m_dir.clear();
  }

  [[nodiscard]] std::filesystem::path socket() const { return m_dir / "docker.sock"; }
  // "unix:///DIR/docker.sock", for DOCKER_HOST.
  [[nodiscard]] std::string host() const { return "unix://" + socket().string(); }

  // Runs the docker CLI against this daemon with ARGS (already shell-quoted).
  CommandResult docker(const std::string& args) const {
    return run_command("docker -H " + shell_quote(host()) + " " + args);
  }

  // Loads a docker-archive tar into the daemon.
  Started load(const std::filesystem::path& tar) const {
    auto r = docker("load -i " + shell_quote(tar.string()));
    if (r.exit_code != 0)
      return std::unexpected("docker load failed: " + r.output);
    return {};
  }

private:
  std::filesystem::path m_dir;
  ChildProcess m_process;
};

// A root file system of Debian's static busybox in ROOTFS (sh, sleep, ps,
// true, cat), for images made with `docker import` or `podman import`.
inline Started make_busybox_rootfs(const std::filesystem::path& rootfs) {
  if (auto ok = require_programs({"busybox", "tar"}); !ok)
    return ok;
  std::filesystem::create_directories(rootfs / "bin");
  auto busybox = run_command("command -v busybox").output;
  busybox.resize(busybox.find('\n'));
  std::filesystem::copy_file(busybox, rootfs / "bin/busybox",
                             std::filesystem::copy_options::overwrite_existing);
  for (const char* applet : {"sh", "sleep", "ps", "true", "cat"})
    if (!std::filesystem::is_symlink(rootfs / "bin" / applet))
      std::filesystem::create_symlink("busybox", rootfs / "bin" / applet);
  return {};
}

// A throwaway GnuPG key in DIR (its own home directory; the agent is stopped
// when the object goes): its public keyring and signing with it, as skopeo
// signs.
class GpgTestKey {
public:
  GpgTestKey() = default;
  GpgTestKey(const GpgTestKey&) = delete;
  GpgTestKey& operator=(const GpgTestKey&) = delete;
  ~GpgTestKey() {
    if (!m_home.empty())
      (void)run_command("gpgconf --homedir " + shell_quote(m_home.string()) +
                        " --kill gpg-agent >/dev/null 2>&1");
  }

  Started create(const std::filesystem::path& dir) {
    if (auto ok = require_programs({"gpg", "gpgv", "gpgconf"}); !ok)
      return ok;
    m_home = dir / "gnupg";
    std::filesystem::create_directories(m_home);
    std::filesystem::permissions(m_home, std::filesystem::perms(0700));
    auto made = gpg("--quick-gen-key 'Moat Test <test@example.invalid>' ed25519 sign never");
    if (made.exit_code != 0)
      return std::unexpected("gpg could not make a key: " + made.output);
    m_keyring = dir / "trusted.gpg";
    auto exported = gpg("--export --output " + shell_quote(m_keyring.string()));
    if (exported.exit_code != 0)
      return std::unexpected("gpg could not export the key: " + exported.output);
    return {};
  }

  // Signs the file PAYLOAD into the OpenPGP message SIGNATURE.
  Started sign(const std::filesystem::path& payload, const std::filesystem::path& signature) const {
    auto r = gpg("--sign --output " + shell_quote(signature.string()) + " " +
                 shell_quote(payload.string()));
    if (r.exit_code != 0)
      return std::unexpected("gpg could not sign: " + r.output);
    return {};
  }

  [[nodiscard]] const std::filesystem::path& keyring() const { return m_keyring; }

private:
  [[nodiscard]] CommandResult gpg(const std::string& args) const {
    return run_command("gpg --homedir " + shell_quote(m_home.string()) +
                       " --batch --pinentry-mode loopback --passphrase '' " + args);
  }

  std::filesystem::path m_home;
  std::filesystem::path m_keyring;
};

// Podman's Docker-compatible API service (`podman system service`) as root,
// with its storage, runtime state and temporary files in the test's
// directory (vfs storage: no mount outlives the test).
class PodmanService {
public:
  PodmanService() = default;
  PodmanService(const PodmanService&) = delete;
  PodmanService& operator=(const PodmanService&) = delete;
  ~PodmanService() { stop(); }

  Started start(const std::filesystem::path& dir) {
    if (::geteuid() != 0)
      return std::unexpected("the Podman service runs as root here");
    if (auto ok = require_programs({"podman"}); !ok)
      return std::unexpected(ok.error());
    m_dir = dir;
    for (const char* sub : {"storage", "run", "tmp"})
      std::filesystem::create_directories(dir / sub);
    std::vector<std::string> args = {"podman"};
    for (const auto& a : global_args())
      args.push_back(a);
    for (const char* a : {"system", "service", "--time=0"})
      args.emplace_back(a);
    args.push_back("unix://" + socket().string());
    if (auto ok = m_process.start(args, dir / "podman.log"); !ok)
      return ok;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && m_process.running()) {
      if (can_connect_unix(socket()))
        return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto why = "podman system service did not start: " + m_process.log_tail();
    stop();
    return std::unexpected(why);
  }

  void stop() {
    if (m_dir.empty())
      return;
    (void)podman("rm -f -a -t 0 >/dev/null");
    m_process.stop(std::chrono::seconds(10));
    m_dir.clear();
  }

  [[nodiscard]] std::filesystem::path socket() const { return m_dir / "podman.sock"; }
  [[nodiscard]] std::string host() const { return "unix://" + socket().string(); }

  // Runs the podman CLI on this service's storage with ARGS (shell-quoted).
  CommandResult podman(const std::string& args) const {
    std::string command = "podman";
    for (const auto& a : global_args())
      command += " " + shell_quote(a);
    return run_command(command + " " + args);
  }

private:
  [[nodiscard]] std::vector<std::string> global_args() const {
    return {"--root",           (m_dir / "storage").string(),
            "--runroot",        (m_dir / "run").string(),
            "--tmpdir",         (m_dir / "tmp").string(),
            "--storage-driver", "vfs",
            "--cgroup-manager", "cgroupfs",
            "--events-backend", "file"};
  }

  std::filesystem::path m_dir;
  ChildProcess m_process;
};

// A rootless dockerd (Docker's dockerd-rootless.sh under rootlesskit) run by
// the unprivileged USER, its home and runtime directory in the test's
// directory. The user needs ranges in /etc/subuid and /etc/subgid
// (scripts/install-deps.sh makes one). rootlesskit's host network: no tap
// device, no bridge.
class RootlessDockerDaemon {
public:
  RootlessDockerDaemon() = default;
  RootlessDockerDaemon(const RootlessDockerDaemon&) = delete;
  RootlessDockerDaemon& operator=(const RootlessDockerDaemon&) = delete;
  ~RootlessDockerDaemon() { stop(); }

  static constexpr const char* k_user = "moat-rootless";

  Started start(const std::filesystem::path& dir) {
    if (::geteuid() != 0)
      return std::unexpected("starting a rootless daemon for another user needs root");
    if (auto ok = require_programs({"rootlesskit", "newuidmap", "setpriv", "dockerd", "docker"});
        !ok)
      return std::unexpected(ok.error());
    const passwd* pw = ::getpwnam(k_user);
    if (pw == nullptr)
      return std::unexpected(std::string("there is no user ") + k_user +
                             " (scripts/install-deps.sh creates it)");
    m_uid = pw->pw_uid;
    m_gid = pw->pw_gid;
    std::string script = "/usr/share/docker.io/contrib/dockerd-rootless.sh";
    if (!std::filesystem::exists(script)) {
      auto found = run_command("command -v dockerd-rootless.sh");
      if (found.exit_code != 0)
        return std::unexpected("dockerd-rootless.sh is not installed");
      script = found.output.substr(0, found.output.find('\n'));
    }
    m_dir = dir;
    // The user must reach its own directories below the test's (a temporary
    // directory is the test's own up to the system's temporary directory).
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms(0755));
    const auto tmp = std::filesystem::temp_directory_path();
    for (auto p = dir.parent_path(); p.string().starts_with(tmp.string()) && p != tmp;
         p = p.parent_path())
      if ((std::filesystem::status(p).permissions() & std::filesystem::perms::others_exec) ==
          std::filesystem::perms::none)
        std::filesystem::permissions(p, std::filesystem::perms::others_exec,
                                     std::filesystem::perm_options::add);
    // Both are the user's, with what a test put there first (a daemon.json).
    for (const char* sub : {"home", "run"}) {
      std::filesystem::create_directories(dir / sub);
      std::vector<std::filesystem::path> paths = {dir / sub};
      for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / sub))
        paths.push_back(entry.path());
      for (const auto& path : paths)
        if (::lchown(path.c_str(), m_uid, m_gid) != 0)
          return std::unexpected("cannot chown " + path.string());
    }
    std::filesystem::permissions(dir / "run", std::filesystem::perms(0700));
    std::vector<std::string> args = user_command();
    args.push_back(script);
    args.emplace_back("--iptables=false");
    args.emplace_back("--bridge=none");
    if (auto ok = m_process.start(args, dir / "dockerd.log"); !ok)
      return ok;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline && m_process.running()) {
      if (can_connect_unix(socket()) && docker("version").exit_code == 0)
        return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    auto why = "the rootless dockerd did not start: " + m_process.log_tail();
    stop();
    return std::unexpected(why);
  }

  void stop() {
    if (m_dir.empty())
      return;
    m_process.stop(std::chrono::seconds(10));
    m_dir.clear();
  }

  [[nodiscard]] std::filesystem::path home() const { return m_dir / "home"; }
  [[nodiscard]] std::filesystem::path runtime_dir() const { return m_dir / "run"; }
  [[nodiscard]] std::filesystem::path socket() const { return runtime_dir() / "docker.sock"; }
  [[nodiscard]] std::string host() const { return "unix://" + socket().string(); }
  [[nodiscard]] uid_t uid() const { return m_uid; }
  [[nodiscard]] gid_t gid() const { return m_gid; }

  // The docker CLI (as root) against this daemon, with ARGS (shell-quoted).
  CommandResult docker(const std::string& args) const {
    return run_command("docker -H " + shell_quote(host()) + " " + args);
  }

  // Runs COMMAND (a /bin/sh line) as the daemon's user, in its environment:
  // HOME and XDG_RUNTIME_DIR as the daemon has them, no DOCKER_HOST.
  CommandResult as_user(const std::string& command) const {
    std::string line;
    for (const auto& a : user_command())
      line += shell_quote(a) + " ";
    for (const char* keep : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
      if (const char* value = std::getenv(keep); value != nullptr)
        line += shell_quote(std::string(keep) + "=" + value) + " ";
    return run_command(line + "sh -c " + shell_quote(command));
  }

private:
  [[nodiscard]] std::vector<std::string> user_command() const {
    return {"setpriv",
            "--reuid=" + std::to_string(m_uid),
            "--regid=" + std::to_string(m_gid),
            "--clear-groups",
            "env",
            "-i",
            "HOME=" + home().string(),
            "XDG_RUNTIME_DIR=" + runtime_dir().string(),
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "DOCKERD_ROOTLESS_ROOTLESSKIT_NET=host",
            "DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=none"};
  }

  std::filesystem::path m_dir;
  uid_t m_uid = 0;
  gid_t m_gid = 0;
  ChildProcess m_process;
};

} // namespace moat::test
