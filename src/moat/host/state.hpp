#pragma once
// HostState: what moat bench reads about a host and its Docker daemon,
// gathered once, then judged by the checks. Files come through a Root; the
// daemon's own view (info, version, containers, images, networks) through
// the Engine API, as JSON text a test can also supply.

#include <moat/core/result.hpp>
#include <moat/host/daemon.hpp>
#include <moat/host/root.hpp>
#include <moat/runconf/spec.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace moat::host {

// What the Engine API said. Empty documents when the daemon was not asked.
struct EngineState {
  std::string host;                            // the address asked ("unix:///var/run/docker.sock")
  std::string error;                           // why it could not be asked; empty when it was
  nlohmann::json info;                         // GET /info
  nlohmann::json version;                      // GET /version
  nlohmann::json images;                       // GET /images/json (array)
  nlohmann::json networks;                     // GET /networks (array)
  std::vector<nlohmann::json> image_inspects;  // GET /images/{id}/json, one per image
  std::vector<nlohmann::json> image_histories; // GET /images/{id}/history, the same order
  nlohmann::json swarm;                        // GET /swarm (a manager's), else null
  nlohmann::json secrets;                      // GET /secrets (a manager's), else null
  std::vector<runconf::ContainerSpec> containers; // running containers, with their processes
  std::vector<nlohmann::json> container_inspects; // the same containers' inspect JSON
  std::size_t all_containers = 0;                 // running or not

  [[nodiscard]] bool reachable() const { return error.empty(); }
  // Podman's Docker-compatible API answered (its /version names the
  // "Podman Engine" component).
  [[nodiscard]] bool podman() const;
  // The engine's name and version: "Docker Engine 27.3.1", "Podman Engine 4.3.1".
  [[nodiscard]] std::string product() const;
};

struct HostState {
  const Root* root = nullptr;
  // The dockerd serving the address asked (nullopt when none runs, or when
  // Podman answers there).
  std::optional<DockerdProcess> dockerd;
  // The unix socket moat asked the engine through; empty for TCP.
  std::string socket;
  DaemonConfig daemon;
  EngineState engine;
  // Audit rules, one per line: `auditctl -l` when it ran, else the rules
  // files; where they came from.
  std::vector<std::string> audit_rules;
  std::string audit_source;
  // The mount table (/proc/self/mountinfo, or /proc/1/mountinfo).
  std::string mountinfo;
  // Unit files found for docker.service and docker.socket; empty when none.
  std::string service_unit;
  std::string socket_unit;
  // The Docker data root (info's DockerRootDir, else daemon.json's
  // data-root, else /var/lib/docker).
  std::string data_root = "/var/lib/docker";
  // Environment of the user running moat bench (DOCKER_CONTENT_TRUST).
  std::optional<std::string> content_trust;
};

} // namespace moat::host
