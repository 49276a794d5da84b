// Gathers a HostState: host files through a Root, the daemon through the
// Engine API.

#include <moat/engine/engine.hpp>
#include <moat/host/bench.hpp>
#include <moat/runconf/runconf.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <unistd.h>

namespace moat::host {

namespace {

using nlohmann::json;

// The unit file systemd would load for UNIT: the first of its search path.
std::string unit_file(const Root& root, std::string_view unit) {
  for (const char* dir :
       {"/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
        "/usr/lib/systemd/system", "/lib/systemd/system"}) {
    auto path = fmt::format("{}/{}", dir, unit);
    if (root.stat(path).type == FileInfo::Type::regular)
      return path;
  }
  return {};
}

// `auditctl -l` on the real host; nullopt when it is not there or fails.
std::optional<std::string> auditctl_rules(const Root& root) {
  if (!root.is_host())
    return std::nullopt;
  const char* program = nullptr;
  for (const char* p : {"/usr/sbin/auditctl", "/sbin/auditctl"})
    if (root.stat(p).type == FileInfo::Type::regular) {
      program = p;
      break;
    }
  if (program == nullptr)
    return std::nullopt;
  const auto command = fmt::format("{} -l 2>/dev/null", program);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe)
    return std::nullopt;
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe.get()))
    out.append(buffer, n);
  const int status = ::pclose(pipe.release());
  if (status != 0)
    return std::nullopt;
  return out;
}

json parse(const core::Result<std::string>& body) {
  if (!body)
    return nullptr;
  auto doc = json::parse(*body, nullptr, false);
  return doc.is_discarded() ? json(nullptr) : doc;
}

// Runs WORK(client, i) for i in [0, COUNT) on a few threads, each with its
// own client (a connection is not shared between threads): the daemon
// answers top and inspect requests slowly one by one but well side by side.
template <typename Work>
void for_each_parallel(const engine::EngineOptions& options, std::size_t count, Work work) {
  const std::size_t threads = std::min<std::size_t>(count, 8);
  std::atomic<std::size_t> next{0};
  auto run = [&] {
    auto client = engine::EngineClient::open(options);
    if (!client)
      return;
    for (std::size_t i = next++; i < count; i = next++)
      work(*client, i);
  };
  std::vector<std::thread> pool;
  pool.reserve(threads > 0 ? threads - 1 : 0);
  for (std::size_t t = 1; t < threads; ++t)
    pool.emplace_back(run);
  if (threads > 0)
    run();
  for (auto& t : pool)
    t.join();
}

void ask_daemon(HostState& state, const GatherOptions& options) {
  engine::EngineOptions eo;
  eo.docker_host = options.docker_host;
  eo.deadline = options.deadline;
  eo.timeout = options.timeout;
  auto client = engine::EngineClient::open(eo);
  if (!client) {
    state.engine.error = client.error().to_string();
    return;
  }
  state.engine.host = client->host();
  eo.docker_host = client->host();
  // The daemon-wide documents side by side: Podman takes a good part of a
  // second for /info and for /version.
  struct Ask {
    const char* path;
    const char* what;
    json* into;
  };
  json all;
  const std::array<Ask, 5> asks = {{
      {"/info", "the daemon's /info", &state.engine.info},
      {"/version", "the daemon's /version", &state.engine.version},
      {"/containers/json?all=1", "the container list", &all},
      {"/images/json", "the image list", &state.engine.images},
      {"/networks", "the network list", &state.engine.networks},
  }};
  std::string info_error;
  for_each_parallel(eo, asks.size(), [&](engine::EngineClient& c, std::size_t i) {
    auto body = c.get(asks[i].path, asks[i].what);
    if (i == 0 && !body)
      info_error = body.error().to_string();
    *asks[i].into = parse(body);
  });
  if (!info_error.empty()) {
    state.engine.error = info_error;
    return;
  }
  state.engine.all_containers = all.is_array() ? all.size() : 0;

  // Every running container: its inspect and its own processes.
  const auto ids = client->running_containers().value_or(std::vector<std::string>{});
  struct Seen {
    std::optional<runconf::ContainerSpec> spec;
    json inspect;
  };
  std::vector<Seen> seen(ids.size());
  for_each_parallel(eo, ids.size(), [&](engine::EngineClient& c, std::size_t i) {
    auto inspect = c.container_inspect(ids[i]);
    if (!inspect)
      return;
    auto specs = runconf::read_inspect(*inspect, "container://" + ids[i]);
    if (!specs || specs->empty())
      return;
    auto spec = std::move(specs->front());
    spec.kind = "container";
    spec.source = fmt::format("container://{}", spec.name);
    if (auto top = c.container_top(ids[i]))
      spec.processes = runconf::read_top(*top);
    seen[i].spec = std::move(spec);
    seen[i].inspect = parse(inspect);
  });
  for (auto& s : seen)
    if (s.spec) {
      state.engine.containers.push_back(std::move(*s.spec));
      state.engine.container_inspects.push_back(std::move(s.inspect));
    }

  // Every image: its configuration and its history.
  std::vector<std::string> image_ids;
  if (state.engine.images.is_array())
    for (const auto& img : state.engine.images) {
      const auto id = img.is_object() && img.contains("Id") && img["Id"].is_string()
                          ? img["Id"].get<std::string>()
                          : std::string();
      if (!id.empty() && id.find_first_of("/?#%") == std::string::npos)
        image_ids.push_back(id);
    }
  state.engine.image_inspects.resize(image_ids.size());
  state.engine.image_histories.resize(image_ids.size());
  for_each_parallel(eo, image_ids.size(), [&](engine::EngineClient& c, std::size_t i) {
    const auto& id = image_ids[i];
    state.engine.image_inspects[i] = parse(c.get("/images/" + id + "/json", "image " + id));
    state.engine.image_histories[i] = parse(c.get("/images/" + id + "/history", "image " + id));
  });

  const auto& swarm = state.engine.info["Swarm"];
  if (swarm.is_object() && swarm.value("LocalNodeState", "") == "active" &&
      swarm.value("ControlAvailable", false)) {
    state.engine.swarm = parse(client->get("/swarm", "the swarm"));
    state.engine.secrets = parse(client->get("/secrets", "the swarm's secrets"));
  }
}

} // namespace

bool EngineState::podman() const {
  const auto it = version.is_object() ? version.find("Components") : version.end();
  if (it == version.end() || !it->is_array())
    return false;
  return std::any_of(it->begin(), it->end(), [](const json& c) {
    return c.is_object() && c.value("Name", "").find("Podman") != std::string::npos;
  });
}

std::string EngineState::product() const {
  const auto v = version.is_object() ? version.value("Version", "") : std::string();
  return fmt::format("{} {}", podman() ? "Podman Engine" : "Docker Engine", v);
}

core::Result<HostState> gather(const Root& root, const GatherOptions& options) {
  HostState state;
  state.root = &root;
  // The daemon moat asks is the one whose configuration is judged.
  std::string host = options.docker_host;
  if (host.empty())
    if (const char* env = std::getenv("DOCKER_HOST"); env != nullptr)
      host = env;
  if (host.empty())
    host = engine::default_docker_host(::geteuid() == 0, std::getenv("XDG_RUNTIME_DIR") != nullptr
                                                             ? std::getenv("XDG_RUNTIME_DIR")
                                                             : "");
  if (options.ask_daemon)
    ask_daemon(state, options);
  else
    state.engine.error = "not asked (--no-daemon)";
  const std::string& asked = state.engine.host.empty() ? host : state.engine.host;
  if (asked.starts_with("unix://"))
    state.socket = asked.substr(7);
  // Podman has no dockerd: a dockerd on the same host serves another socket.
  if (!state.engine.podman())
    state.dockerd = find_dockerd(root, asked);

  // A rootless daemon reads its user's own daemon.json: the user's as its
  // environment says, else as moat's own says (a rootless daemon is its
  // user's, and only root or that user can read its environment).
  std::string daemon_json;
  if (state.dockerd && (!state.dockerd->rootless() || state.dockerd->env.contains("HOME"))) {
    daemon_json = state.dockerd->default_config_file();
  } else {
    bool rootless = state.dockerd && state.dockerd->rootless();
    if (const auto it = state.engine.info.find("SecurityOptions");
        state.engine.info.is_object() && it != state.engine.info.end() && it->is_array())
      for (const auto& o : *it)
        rootless = rootless || (o.is_string() && o.get<std::string>() == "name=rootless");
    const char* home = std::getenv("HOME");
    const char* xdg_config = std::getenv("XDG_CONFIG_HOME");
    daemon_json = daemon_json_path(rootless, home != nullptr ? home : "",
                                   xdg_config != nullptr ? xdg_config : "");
  }
  if (state.engine.podman())
    daemon_json.clear();
  MOAT_TRY_ASSIGN(
      daemon,
      DaemonConfig::load(root, state.dockerd ? state.dockerd->args : std::vector<std::string>{},
                         daemon_json));
  state.daemon = std::move(daemon);

  if (auto rules = auditctl_rules(root)) {
    state.audit_rules = audit_rule_lines(*rules);
    state.audit_source = "auditctl -l";
  } else {
    std::vector<std::string> files;
    for (const auto& name : root.list("/etc/audit/rules.d"))
      if (name.ends_with(".rules"))
        files.push_back("/etc/audit/rules.d/" + name);
    files.emplace_back("/etc/audit/audit.rules");
    std::vector<std::string> read;
    for (const auto& file : files)
      if (auto text = root.read(file)) {
        auto lines = audit_rule_lines(*text);
        state.audit_rules.insert(state.audit_rules.end(), lines.begin(), lines.end());
        read.push_back(file);
      }
    if (!read.empty())
      state.audit_source = fmt::format("{}", fmt::join(read, ", "));
  }

  for (const char* file : {"/proc/1/mountinfo", "/proc/self/mountinfo"})
    if (auto text = root.read(file)) {
      state.mountinfo = std::move(*text);
      break;
    }
  state.service_unit = unit_file(root, "docker.service");
  state.socket_unit = unit_file(root, "docker.socket");
  if (auto dir = state.engine.info.is_object() ? state.engine.info.value("DockerRootDir", "")
                                               : std::string();
      !dir.empty())
    state.data_root = dir;
  else if (auto configured = state.daemon.value("data-root"))
    state.data_root = *configured;
  if (const char* trust = std::getenv("DOCKER_CONTENT_TRUST"); trust != nullptr)
    state.content_trust = trust;
  return state;
}

} // namespace moat::host
