#include <moat/engine/engine.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace moat::engine {

namespace {

using core::ErrorKind;
using core::fail;

constexpr std::size_t k_max_inspect_bytes = std::size_t{16} * 1024 * 1024;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// For a socket moat may not open: the group that may (connecting needs
// write permission), when moat's user is not in it. In moat's own container image (uid 65532) the
// Docker socket's group is the host's docker group, which only --group-add brings in.
std::string socket_group_hint(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & S_IWGRP) == 0)
    return {};
  if (::getegid() == st.st_gid)
    return {};
  const int count = ::getgroups(0, nullptr);
  std::vector<gid_t> groups(count > 0 ? static_cast<std::size_t>(count) : 0);
  if (count > 0 && ::getgroups(count, groups.data()) == count &&
      std::find(groups.begin(), groups.end(), st.st_gid) != groups.end())
    return {};
  return fmt::format(" (the socket's group is {} and uid {} is not in it: join the group, or "
                     "pass --group-add {} to docker run when moat runs in a container)",
                     st.st_gid, ::geteuid(), st.st_gid);
}

// Why a unix socket cannot be reached, as the kernel says it; empty when it can.
std::string unix_connect_problem(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path))
    return "socket path is too long";
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return util::to_lower(std::strerror(errno));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  std::string problem;
  int error = 0;
  // sockaddr_un is the documented argument type of connect for AF_UNIX.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    error = errno;
    problem = util::to_lower(std::strerror(error));
  }
  ::close(fd);
  if (error == EACCES)
    problem += socket_group_hint(path);
  return problem;
}

// Image names, ids and digests never hold these; refusing them keeps the
// name from reshaping the request path or query.
bool is_safe_image_name(std::string_view name) {
  if (name.empty() || name.size() > 1024 || name.find("..") != std::string_view::npos ||
      name.front() == '/')
    return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '?' || c == '#' || c == '%' || c == '\\')
      return false;
  }
  return true;
}

// Docker's container names ([a-zA-Z0-9][a-zA-Z0-9_.-]*) and ids (hex).
bool is_safe_container_name(std::string_view name) {
  if (name.empty() || name.size() > 256 || std::isalnum(static_cast<unsigned char>(name[0])) == 0)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
  });
}

} // namespace

core::Result<DockerHost> parse_docker_host(std::string_view text) {
  const std::string input = "DOCKER_HOST=" + std::string(text);
  DockerHost host;
  host.text = std::string(text);
  if (text.starts_with("unix://")) {
    host.kind = DockerHost::Kind::unix_socket;
    host.address = std::string(text.substr(7));
    if (host.address.empty() || host.address.front() != '/')
      return fail(ErrorKind::usage, input, "expected unix:///ABSOLUTE/PATH");
    return host;
  }
  if (text.starts_with("tcp://")) {
    host.kind = DockerHost::Kind::tcp;
    auto address = text.substr(6);
    while (address.ends_with('/'))
      address.remove_suffix(1);
    if (address.empty() || address.find_first_of("/?#@ ") != std::string_view::npos)
      return fail(ErrorKind::usage, input, "expected tcp://HOST:PORT");
    host.address = std::string(address);
    // Docker's own default port for a plain tcp:// address.
    bool has_port = address.front() == '[' ? address.find("]:") != std::string_view::npos
                                           : address.find(':') != std::string_view::npos;
    if (!has_port)
      host.address += ":2375";
    return host;
  }
  return fail(ErrorKind::usage, input,
              "unsupported Docker host; moat reaches the daemon through unix:// or tcp:// only");
}

std::string default_docker_host(bool is_root, const std::string& xdg_runtime_dir,
                                const std::string& root) {
  std::vector<std::string> system = {root + "/var/run/docker.sock",
                                     root + "/run/podman/podman.sock"};
  std::vector<std::string> user;
  if (!xdg_runtime_dir.empty()) {
    user.push_back(xdg_runtime_dir + "/docker.sock");
    user.push_back(xdg_runtime_dir + "/podman/podman.sock");
  }
  auto& first = is_root ? system : user;
  auto& second = is_root ? user : system;
  first.insert(first.end(), second.begin(), second.end());
  for (const auto& path : first) {
    std::error_code ec;
    if (std::filesystem::is_socket(path, ec))
      return "unix://" + path;
  }
  return std::string(k_default_docker_host);
}

core::Result<EngineClient> EngineClient::open(std::string docker_host) {
  EngineOptions options;
  options.docker_host = std::move(docker_host);
  return open(std::move(options));
}

std::string docker_host_in_effect(std::string configured) {
  if (configured.empty())
    configured = env("DOCKER_HOST");
  if (configured.empty())
    configured = default_docker_host(::geteuid() == 0, env("XDG_RUNTIME_DIR"));
  return configured;
}

core::Result<EngineClient> EngineClient::open(EngineOptions options) {
  options.docker_host = docker_host_in_effect(std::move(options.docker_host));
  auto host = parse_docker_host(options.docker_host);
  if (!host)
    return std::unexpected(std::move(host).error());

  HttpOptions http_options;
  http_options.deadline = options.deadline;
  http_options.timeout = options.timeout;
  std::string base;
  if (host->kind == DockerHost::Kind::unix_socket) {
    http_options.unix_socket = host->address;
    // The host name is ignored on a unix socket but HTTP/1.1 needs one.
    base = "http://localhost";
  } else {
    std::string cert_path = options.cert_path;
    if (cert_path.empty())
      cert_path = env("DOCKER_CERT_PATH");
    if (cert_path.empty() && !env("DOCKER_TLS_VERIFY").empty() && !env("HOME").empty())
      cert_path = (std::filesystem::path(env("HOME")) / ".docker").string();
    if (!cert_path.empty()) {
      std::filesystem::path dir(cert_path);
      for (const char* file : {"ca.pem", "cert.pem", "key.pem"}) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(dir / file, ec))
          return fail(ErrorKind::usage, "DOCKER_CERT_PATH=" + cert_path,
                      fmt::format("{} is missing", (dir / file).string()));
      }
      http_options.ca_file = (dir / "ca.pem").string();
      http_options.client_cert = (dir / "cert.pem").string();
      http_options.client_key = (dir / "key.pem").string();
      base = "https://" + host->address;
    } else {
      base = "http://" + host->address;
    }
  }
  auto http = HttpClient::create(std::move(http_options));
  if (!http)
    return std::unexpected(std::move(http).error());
  return EngineClient(std::move(*host), std::move(*http), std::move(base));
}

core::Error EngineClient::request_error(std::string_view input, core::Error error) const {
  error.input = std::string(input);
  if (error.kind == ErrorKind::io) {
    std::string reason = error.message;
    if (m_host.kind == DockerHost::Kind::unix_socket) {
      // libcurl words a failed socket connect as a TCP one to localhost:80.
      if (auto problem = unix_connect_problem(m_host.address); !problem.empty())
        reason = problem;
    }
    error.message =
        fmt::format("cannot connect to the Docker daemon at {}: {}", m_host.text, reason);
  } else if (error.kind == ErrorKind::limit) {
    error.message = fmt::format("the daemon's answer is larger than {} bytes", k_max_inspect_bytes);
  }
  return error;
}

core::Error EngineClient::response_error(std::string_view input, const HttpResponse& response,
                                         std::string_view not_found) const {
  if (response.status == 404)
    return core::Error{ErrorKind::io, std::string(input), std::string(not_found)};
  std::string message;
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    if (auto it = doc.find("message"); it != doc.end() && it->is_string())
      message = it->get<std::string>();
  }
  if (message.empty())
    message = "the Docker daemon refused the request";
  return core::Error{ErrorKind::io, std::string(input),
                     fmt::format("{} (HTTP {})", message, response.status)};
}

core::Result<std::string> EngineClient::image_inspect(std::string_view name) {
  if (!is_safe_image_name(name))
    return fail(ErrorKind::usage, fmt::format("docker://{}", name), "invalid image name");
  HttpRequest request{
      m_base + "/images/" + percent_encode(name, "/:@") + "/json", {}, false, false};
  return get_json(request, fmt::format("docker://{}", name), "no such image");
}

core::Result<std::string> EngineClient::get_json(const HttpRequest& request, std::string_view input,
                                                 std::string_view not_found) {
  auto response = m_http.get(request, k_max_inspect_bytes);
  if (!response)
    return std::unexpected(request_error(input, std::move(response).error()));
  if (!response->ok())
    return std::unexpected(response_error(input, *response, not_found));
  return std::move(response->body);
}

core::Result<std::string> EngineClient::container_inspect(std::string_view name) {
  const auto input = fmt::format("container://{}", name);
  if (!is_safe_container_name(name))
    return fail(ErrorKind::usage, input, "invalid container name or id");
  HttpRequest request{m_base + "/containers/" + percent_encode(name) + "/json", {}, false, false};
  return get_json(request, input, "no such container");
}

core::Result<std::string> EngineClient::container_top(std::string_view name) {
  const auto input = fmt::format("container://{}", name);
  if (!is_safe_container_name(name))
    return fail(ErrorKind::usage, input, "invalid container name or id");
  HttpRequest request{m_base + "/containers/" + percent_encode(name) + "/top", {}, false, false};
  return get_json(request, input, "no such container, or it is not running");
}

core::Result<std::string> EngineClient::get(std::string_view path, std::string_view input) {
  HttpRequest request{m_base + std::string(path), {}, false, false};
  return get_json(request, input, "not found");
}

core::Result<std::vector<std::string>> EngineClient::running_containers() {
  HttpRequest request{m_base + "/containers/json", {}, false, false};
  auto body = get_json(request, "container://", "the daemon has no container list");
  if (!body)
    return std::unexpected(std::move(body).error());
  auto doc = nlohmann::json::parse(*body, nullptr, false);
  if (doc.is_discarded() || !doc.is_array())
    return fail(ErrorKind::parse, "container://",
                "the daemon's container list is not a JSON array");
  std::vector<std::string> ids;
  for (const auto& c : doc)
    if (c.is_object())
      if (auto it = c.find("Id"); it != c.end() && it->is_string())
        ids.push_back(it->get<std::string>());
  return ids;
}

core::Status EngineClient::export_image(std::string_view name, const ByteSink& sink) {
  if (!is_safe_image_name(name))
    return fail(ErrorKind::usage, fmt::format("docker://{}", name), "invalid image name");
  HttpRequest request{m_base + "/images/get?names=" + percent_encode(name), {}, false, false};
  // The sink's own error goes back as it is, not dressed as a connection failure.
  std::optional<core::Error> sink_error;
  ByteSink forward = [&](std::span<const std::byte> bytes) -> core::Status {
    auto status = sink(bytes);
    if (!status)
      sink_error = status.error();
    return status;
  };
  auto response = m_http.get_streaming(request, forward);
  if (sink_error)
    return std::unexpected(std::move(*sink_error));
  const auto input = fmt::format("docker://{}", name);
  if (!response)
    return std::unexpected(request_error(input, std::move(response).error()));
  if (!response->ok())
    return std::unexpected(response_error(input, *response, "no such image"));
  return {};
}

} // namespace moat::engine
