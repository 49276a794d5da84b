// Gathers a HostState: host files through a Root, the daemon through the
// Engine API.

#include <moat/engine/engine.hpp>
#include <moat/host/bench.hpp>
#include <moat/runconf/runconf.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

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

void ask_daemon(HostState& state, const GatherOptions& options) {
  engine::EngineOptions eo;
  eo.docker_host = options.docker_host;
  eo.deadline = options.deadline;
  eo.timeout = options.timeout;
  auto client = engine::EngineClient::open(std::move(eo));
  if (!client) {
    state.engine.error = client.error().to_string();
    return;
  }
  state.engine.host = client->host();
  auto info = client->get("/info", "the daemon's /info");
  if (!info) {
    state.engine.error = info.error().to_string();
    return;
  }
  state.engine.info = parse(info);
  state.engine.version = parse(client->get("/version", "the daemon's /version"));
  const auto all = parse(client->get("/containers/json?all=1", "the container list"));
  state.engine.all_containers = all.is_array() ? all.size() : 0;
  if (auto ids = client->running_containers())
    for (const auto& id : *ids) {
      auto inspect = client->container_inspect(id);
      if (!inspect)
        continue;
      auto specs = runconf::read_inspect(*inspect, "container://" + id);
      if (!specs || specs->empty())
        continue;
      auto spec = std::move(specs->front());
      spec.kind = "container";
      spec.source = fmt::format("container://{}", spec.name);
      if (auto top = client->container_top(id))
        spec.processes = runconf::read_top(*top);
      state.engine.containers.push_back(std::move(spec));
      state.engine.container_inspects.push_back(parse(inspect));
    }
  state.engine.images = parse(client->get("/images/json", "the image list"));
  if (state.engine.images.is_array())
    for (const auto& img : state.engine.images) {
      const auto id = img.is_object() && img.contains("Id") && img["Id"].is_string()
                          ? img["Id"].get<std::string>()
                          : std::string();
      if (id.empty() || id.find_first_of("/?#%") != std::string::npos)
        continue;
      state.engine.image_inspects.push_back(
          parse(client->get("/images/" + id + "/json", "image " + id)));
      state.engine.image_histories.push_back(
          parse(client->get("/images/" + id + "/history", "image " + id)));
    }
  state.engine.networks = parse(client->get("/networks", "the network list"));
  const auto& swarm = state.engine.info["Swarm"];
  if (swarm.is_object() && swarm.value("LocalNodeState", "") == "active" &&
      swarm.value("ControlAvailable", false)) {
    state.engine.swarm = parse(client->get("/swarm", "the swarm"));
    state.engine.secrets = parse(client->get("/secrets", "the swarm's secrets"));
  }
}

} // namespace

core::Result<HostState> gather(const Root& root, const GatherOptions& options) {
  HostState state;
  state.root = &root;
  const auto args = dockerd_command_line(root);
  state.dockerd_running = args.has_value();
  // A rootless daemon reads the user's own daemon.json.
  std::string default_file = "/etc/docker/daemon.json";
  if (args && std::find(args->begin(), args->end(), "--rootless") != args->end())
    if (const char* home = std::getenv("HOME"); home != nullptr && root.is_host())
      default_file = fmt::format("{}/.config/docker/daemon.json", home);
  MOAT_TRY_ASSIGN(
      daemon, DaemonConfig::load(root, args.value_or(std::vector<std::string>{}), default_file));
  state.daemon = std::move(daemon);

  if (options.ask_daemon)
    ask_daemon(state, options);
  else
    state.engine.error = "not asked (--no-daemon)";

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
