// Gathers a HostState: host files through a Root, the daemon through the
// Engine API.

#include <moat/engine/engine.hpp>
#include <moat/host/bench.hpp>
#include <moat/runconf/runconf.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

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
  auto info = client->get("/info", "the daemon's /info");
  if (!info) {
    state.engine.error = info.error().to_string();
    return;
  }
  state.engine.info = parse(info);
  state.engine.version = parse(client->get("/version", "the daemon's /version"));
  const auto all = parse(client->get("/containers/json?all=1", "the container list"));
  state.engine.all_containers = all.is_array() ? all.size() : 0;
  state.engine.images = parse(client->get("/images/json", "the image list"));
  state.engine.networks = parse(client->get("/networks", "the network list"));

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
  const auto args = dockerd_command_line(root, host);
  state.dockerd_running = args.has_value();
  if (options.ask_daemon)
    ask_daemon(state, options);
  else
    state.engine.error = "not asked (--no-daemon)";

  // A rootless daemon (it says so in its security options, or was started
  // with --rootless) reads the user's own daemon.json.
  bool rootless = args && std::find(args->begin(), args->end(), "--rootless") != args->end();
  if (const auto it = state.engine.info.find("SecurityOptions");
      state.engine.info.is_object() && it != state.engine.info.end() && it->is_array())
    for (const auto& o : *it)
      rootless = rootless || (o.is_string() && o.get<std::string>() == "name=rootless");
  const char* home = std::getenv("HOME");
  const char* xdg_config = std::getenv("XDG_CONFIG_HOME");
  MOAT_TRY_ASSIGN(daemon,
                  DaemonConfig::load(root, args.value_or(std::vector<std::string>{}),
                                     daemon_json_path(rootless, home != nullptr ? home : "",
                                                      xdg_config != nullptr ? xdg_config : "")));
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
