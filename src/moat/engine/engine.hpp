#pragma once
// Reads images from a Docker daemon through the Engine API: over its unix
// socket, or over TCP (plain, or TLS with client certificates).

#include <moat/core/result.hpp>
#include <moat/engine/http.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::engine {

inline constexpr std::string_view k_default_docker_host = "unix:///var/run/docker.sock";

// Where the daemon listens, as DOCKER_HOST says.
struct DockerHost {
  enum class Kind { unix_socket, tcp };
  Kind kind = Kind::unix_socket;
  std::string address; // socket path, or host:port
  std::string text;    // as written, e.g. "unix:///var/run/docker.sock"
};

// Parses DOCKER_HOST: unix:///PATH or tcp://HOST:PORT (ssh:// and npipe:// are refused).
[[nodiscard]] core::Result<DockerHost> parse_docker_host(std::string_view text);

// The daemon to use when DOCKER_HOST is not set: the first socket that
// exists of /var/run/docker.sock, a rootless daemon's
// $XDG_RUNTIME_DIR/docker.sock, Podman's $XDG_RUNTIME_DIR/podman/podman.sock
// and /run/podman/podman.sock (for a user other than root the user's own
// sockets come first); unix:///var/run/docker.sock when none does. ROOT
// prefixes the system paths (for tests).
[[nodiscard]] std::string default_docker_host(bool is_root, const std::string& xdg_runtime_dir,
                                              const std::string& root = {});

// The daemon an engine client connects to: CONFIGURED when given, else
// $DOCKER_HOST, else default_docker_host() for this user.
[[nodiscard]] std::string docker_host_in_effect(std::string configured = {});

struct EngineOptions {
  std::string docker_host; // empty: docker_host_in_effect()
  // Directory with ca.pem, cert.pem and key.pem; when set, tcp:// uses TLS.
  // Empty: $DOCKER_CERT_PATH, or ~/.docker when $DOCKER_TLS_VERIFY is set.
  std::string cert_path;
  // Every request ends by this time (--timeout); none when unset.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds timeout{0};
};

class EngineClient {
public:
  // Prepares a client for DOCKER_HOST (empty: environment or default); no request is made yet.
  [[nodiscard]] static core::Result<EngineClient> open(std::string docker_host = {});
  [[nodiscard]] static core::Result<EngineClient> open(EngineOptions options);

  // GET /images/{name}/json: the image's inspect JSON.
  [[nodiscard]] core::Result<std::string> image_inspect(std::string_view name);

  // GET /images/get?names=NAME: streams the `docker save` tar of the image to SINK.
  [[nodiscard]] core::Status export_image(std::string_view name, const ByteSink& sink);

  // GET /containers/{name}/json: a container's inspect JSON (by name or id).
  [[nodiscard]] core::Result<std::string> container_inspect(std::string_view name);

  // GET /containers/json: the ids of the running containers.
  [[nodiscard]] core::Result<std::vector<std::string>> running_containers();

  // GET /containers/{name}/top: the container's own processes, as the
  // daemon lists them (Titles and Processes).
  [[nodiscard]] core::Result<std::string> container_top(std::string_view name);

  // GET PATH (with its query): the JSON body of a 200 answer. INPUT names
  // the request in errors.
  [[nodiscard]] core::Result<std::string> get(std::string_view path, std::string_view input);

  // The daemon address, e.g. "unix:///var/run/docker.sock".
  [[nodiscard]] const std::string& host() const { return m_host.text; }

private:
  EngineClient(DockerHost host, HttpClient http, std::string base)
      : m_host(std::move(host)), m_http(std::move(http)), m_base(std::move(base)) {}

  core::Result<std::string> get_json(const HttpRequest& request, std::string_view input,
                                     std::string_view not_found);
  core::Error request_error(std::string_view input, core::Error error) const;
  core::Error response_error(std::string_view input, const HttpResponse& response,
                             std::string_view not_found) const;

  DockerHost m_host;
  HttpClient m_http;
  std::string m_base; // "http://localhost" for a socket, "https://HOST:PORT" for TLS
};

} // namespace moat::engine
