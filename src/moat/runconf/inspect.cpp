// ContainerSpecs from `docker inspect` and `podman inspect` output (the
// Engine API's ContainerInspect shape; Podman writes the same names).

#include <moat/core/json_read.hpp>
#include <moat/runconf/runconf.hpp>
#include <moat/runconf/values.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <string>

namespace moat::runconf {

namespace {

using Json = nlohmann::json;
using core::JsonReader;

int port_number(std::string_view text) {
  int value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end ? value : 0;
}

core::Result<ContainerSpec> read_one(const Json& c, const std::string& name, std::size_t index) {
  const JsonReader reader(name);
  const std::string where = fmt::format("[{}]", index);
  if (!c.is_object())
    return reader.error(where, "expected a container's inspect object");
  MOAT_TRY_ASSIGN(host, reader.object(c, "HostConfig", where));
  MOAT_TRY_ASSIGN(config, reader.object(c, "Config", where));
  if (host == nullptr) {
    if (config != nullptr && c.contains("RootFS"))
      return reader.error(where, "this is an image's inspect output, not a container's; "
                                 "check the image with `moat image`");
    return reader.error(where, "not docker inspect output of a container (no HostConfig)");
  }
  const Json empty = Json::object();
  const Json& hc = *host;
  const Json& cfg = config != nullptr ? *config : empty;

  ContainerSpec spec;
  spec.kind = "inspect";
  spec.source = name;
  MOAT_TRY_ASSIGN(container_name, reader.string(c, "Name", where));
  spec.name = container_name.starts_with('/') ? container_name.substr(1) : container_name;
  if (spec.name.empty()) {
    MOAT_TRY_ASSIGN(id, reader.string(c, "Id", where));
    spec.name = id.substr(0, 12);
  }
  MOAT_TRY_ASSIGN(image, reader.string(cfg, "Image", where));
  if (image.empty()) {
    MOAT_TRY_ASSIGN(image_name, reader.string(c, "ImageName", where)); // podman
    image = image_name;
  }
  spec.image.value = image;

  MOAT_TRY_ASSIGN(privileged, reader.boolean(hc, "Privileged", where));
  spec.privileged.value = privileged;
  MOAT_TRY_ASSIGN(cap_add, reader.strings(hc, "CapAdd", where));
  for (const auto& cap : cap_add)
    spec.cap_add.push_back({detail::capability_name(cap), {}});
  MOAT_TRY_ASSIGN(cap_drop, reader.strings(hc, "CapDrop", where));
  for (const auto& cap : cap_drop)
    spec.cap_drop.push_back({detail::capability_name(cap), {}});
  MOAT_TRY_ASSIGN(security_opt, reader.strings(hc, "SecurityOpt", where));
  for (auto& opt : security_opt)
    spec.security_opt.push_back({std::move(opt), {}});
  MOAT_TRY_ASSIGN(apparmor, reader.string(c, "AppArmorProfile", where));
  spec.apparmor_profile = apparmor;
  MOAT_TRY_ASSIGN(read_only, reader.boolean(hc, "ReadonlyRootfs", where));
  spec.read_only_rootfs.value = read_only;
  // Config.User is what the container runs as: the run's --user, else the
  // image's USER; empty means root.
  MOAT_TRY_ASSIGN(user, reader.string(cfg, "User", where));
  spec.user = Set<std::string>{user, {}};

  MOAT_TRY_ASSIGN(pid_mode, reader.string(hc, "PidMode", where));
  spec.pid_mode.value = pid_mode;
  MOAT_TRY_ASSIGN(ipc_mode, reader.string(hc, "IpcMode", where));
  spec.ipc_mode.value = ipc_mode;
  MOAT_TRY_ASSIGN(network_mode, reader.string(hc, "NetworkMode", where));
  spec.network_mode.value = network_mode;
  MOAT_TRY_ASSIGN(uts_mode, reader.string(hc, "UTSMode", where));
  spec.uts_mode.value = uts_mode;
  MOAT_TRY_ASSIGN(userns_mode, reader.string(hc, "UsernsMode", where));
  spec.userns_mode.value = userns_mode;
  MOAT_TRY_ASSIGN(cgroup_parent, reader.string(hc, "CgroupParent", where));
  spec.cgroup_parent.value = cgroup_parent;

  // Mounts as the daemon made them (binds, volumes, tmpfs alike).
  MOAT_TRY_ASSIGN(mounts, reader.array(c, "Mounts", where));
  if (mounts != nullptr)
    for (const auto& m : *mounts) {
      if (!m.is_object())
        return reader.error(where, "Mounts must hold objects");
      Mount mount;
      MOAT_TRY_ASSIGN(type, reader.string(m, "Type", where));
      MOAT_TRY_ASSIGN(source, reader.string(m, "Source", where));
      MOAT_TRY_ASSIGN(destination, reader.string(m, "Destination", where));
      MOAT_TRY_ASSIGN(propagation, reader.string(m, "Propagation", where));
      MOAT_TRY_ASSIGN(rw, reader.boolean(m, "RW", where));
      mount.type = type;
      mount.source = source;
      mount.destination = destination;
      mount.propagation = propagation;
      mount.read_only = !rw;
      spec.mounts.push_back(std::move(mount));
    }

  MOAT_TRY_ASSIGN(devices, reader.array(hc, "Devices", where));
  if (devices != nullptr)
    for (const auto& d : *devices) {
      if (!d.is_object())
        return reader.error(where, "HostConfig.Devices must hold objects");
      MOAT_TRY_ASSIGN(path, reader.string(d, "PathOnHost", where));
      spec.devices.push_back({path, {}});
    }

  MOAT_TRY_ASSIGN(bindings, reader.object(hc, "PortBindings", where));
  if (bindings != nullptr)
    for (const auto& [key, list] : bindings->items()) {
      const auto slash = key.find('/');
      const int container_port = port_number(std::string_view(key).substr(0, slash));
      const std::string protocol = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
      if (list.is_null())
        continue;
      if (!list.is_array())
        return reader.error(where, "HostConfig.PortBindings must map ports to arrays");
      for (const auto& b : list) {
        if (!b.is_object())
          return reader.error(where, "HostConfig.PortBindings must hold objects");
        MOAT_TRY_ASSIGN(ip, reader.string(b, "HostIp", where));
        MOAT_TRY_ASSIGN(host_port, reader.string(b, "HostPort", where));
        spec.ports.push_back({ip, port_number(host_port), container_port, protocol, {}});
      }
    }

  MOAT_TRY_ASSIGN(sysctls, reader.object(hc, "Sysctls", where));
  if (sysctls != nullptr)
    for (const auto& [key, value] : sysctls->items())
      spec.sysctls.emplace_back(
          key, Set<std::string>{value.is_string() ? value.get<std::string>() : value.dump(), {}});
  MOAT_TRY_ASSIGN(ulimits, reader.array(hc, "Ulimits", where));
  if (ulimits != nullptr)
    for (const auto& u : *ulimits) {
      if (!u.is_object())
        return reader.error(where, "HostConfig.Ulimits must hold objects");
      MOAT_TRY_ASSIGN(ulimit_name, reader.string(u, "Name", where));
      MOAT_TRY_ASSIGN(soft, reader.integer(u, "Soft", where));
      MOAT_TRY_ASSIGN(hard, reader.integer(u, "Hard", where));
      spec.ulimits.push_back({fmt::format("{}={}:{}", ulimit_name, soft, hard), {}});
    }

  MOAT_TRY_ASSIGN(memory, reader.integer(hc, "Memory", where));
  spec.memory.value = memory;
  MOAT_TRY_ASSIGN(nano_cpus, reader.integer(hc, "NanoCpus", where));
  spec.nano_cpus.value = nano_cpus;
  MOAT_TRY_ASSIGN(cpu_shares, reader.integer(hc, "CpuShares", where));
  spec.cpu_shares.value = cpu_shares;
  MOAT_TRY_ASSIGN(cpu_quota, reader.integer(hc, "CpuQuota", where));
  spec.cpu_quota.value = cpu_quota;
  if (const auto it = hc.find("PidsLimit"); it != hc.end() && !it->is_null()) {
    MOAT_TRY_ASSIGN(pids, reader.integer(hc, "PidsLimit", where));
    spec.pids_limit.value = pids;
  }

  // The health check of the merged configuration (the image's, unless the
  // run replaced or disabled it).
  spec.health.value = ContainerSpec::Health::none;
  MOAT_TRY_ASSIGN(health, reader.object(cfg, "Healthcheck", where));
  if (health != nullptr) {
    MOAT_TRY_ASSIGN(test, reader.strings(*health, "Test", where));
    if (!test.empty() && test.front() == "NONE")
      spec.health.value = ContainerSpec::Health::disabled;
    else if (!test.empty())
      spec.health.value = ContainerSpec::Health::configured;
  }

  MOAT_TRY_ASSIGN(restart, reader.object(hc, "RestartPolicy", where));
  if (restart != nullptr) {
    MOAT_TRY_ASSIGN(policy, reader.string(*restart, "Name", where));
    MOAT_TRY_ASSIGN(retries, reader.integer(*restart, "MaximumRetryCount", where));
    spec.restart_policy.value = policy;
    spec.restart_retries.value = static_cast<int>(retries);
  }

  MOAT_TRY_ASSIGN(env, reader.strings(cfg, "Env", where));
  for (const auto& entry : env) {
    const auto eq = entry.find('=');
    spec.env.emplace_back(
        entry.substr(0, eq),
        Set<std::string>{eq == std::string::npos ? "" : entry.substr(eq + 1), {}});
  }
  return spec;
}

} // namespace

core::Result<std::vector<ContainerSpec>> read_inspect(std::string_view text,
                                                      const std::string& name) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return std::unexpected(core::json_syntax_error(e, text, name));
  } catch (const Json::exception& e) {
    return core::fail(core::ErrorKind::parse, name,
                      fmt::format("invalid JSON: {}", core::json_error_detail(e)));
  }
  std::vector<ContainerSpec> specs;
  if (doc.is_object()) {
    MOAT_TRY_ASSIGN(spec, read_one(doc, name, 0));
    specs.push_back(std::move(spec));
  } else if (doc.is_array()) {
    for (std::size_t i = 0; i < doc.size(); ++i) {
      MOAT_TRY_ASSIGN(spec, read_one(doc[i], name, i));
      specs.push_back(std::move(spec));
    }
  } else {
    return core::fail(core::ErrorKind::parse, name,
                      "not docker inspect output: expected an object or an array of objects");
  }
  return specs;
}

} // namespace moat::runconf

namespace moat::runconf {

std::optional<std::vector<std::string>> read_top(std::string_view json) {
  const auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::nullopt;
  const auto titles = doc.find("Titles");
  const auto processes = doc.find("Processes");
  if (titles == doc.end() || !titles->is_array() || processes == doc.end() ||
      !processes->is_array())
    return std::nullopt;
  std::size_t column = titles->size();
  for (std::size_t i = 0; i < titles->size(); ++i)
    if ((*titles)[i] == "CMD" || (*titles)[i] == "COMMAND")
      column = i;
  if (column == titles->size())
    return std::nullopt;
  std::vector<std::string> out;
  for (const auto& row : *processes)
    if (row.is_array() && column < row.size() && row[column].is_string())
      out.push_back(row[column].get<std::string>());
  return out;
}

} // namespace moat::runconf
