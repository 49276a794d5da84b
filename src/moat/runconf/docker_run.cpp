// A ContainerSpec from a `docker run` command line, read with Docker's flag
// rules (spf13/pflag): --flag=value, --flag value, repeated flags, bundled
// short flags (-itd, -dp 80:80, -p80:80), and the image as the first word
// that is not an option.

#include <moat/runconf/runconf.hpp>
#include <moat/runconf/values.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

namespace moat::runconf {

namespace {

constexpr std::string_view k_input = "--docker-run";

struct Word {
  std::string text;
  Origin origin;
};

// Splits LINE as a POSIX shell does for a simple command: quotes, escapes,
// line continuations; no expansion ($VAR stays as written).
core::Result<std::vector<Word>> split_words(std::string_view line) {
  std::vector<Word> words;
  std::optional<Word> current;
  int row = 1;
  int column = 1;
  auto start = [&] {
    if (!current)
      current = Word{{}, {row, column}};
  };
  for (std::size_t i = 0; i < line.size(); ++i, ++column) {
    const char c = line[i];
    if (c == '\n') {
      if (current)
        words.push_back(std::move(*current));
      current.reset();
      ++row;
      column = 0;
    } else if (c == ' ' || c == '\t') {
      if (current)
        words.push_back(std::move(*current));
      current.reset();
    } else if (c == '\\') {
      if (i + 1 < line.size() && line[i + 1] == '\n') {
        ++i;
        ++row;
        column = 0;
        continue;
      }
      start();
      if (i + 1 < line.size()) {
        current->text += line[++i];
        ++column;
      }
    } else if (c == '\'') {
      start();
      const auto end = line.find('\'', i + 1);
      if (end == std::string_view::npos)
        return core::fail(core::ErrorKind::parse, std::string(k_input), "unterminated ' quote", row,
                          column);
      for (std::size_t k = i + 1; k < end; ++k) {
        current->text += line[k];
        if (line[k] == '\n') {
          ++row;
          column = 0;
        }
      }
      column += static_cast<int>(end - i);
      i = end;
    } else if (c == '"') {
      start();
      std::size_t k = i + 1;
      for (; k < line.size() && line[k] != '"'; ++k) {
        if (line[k] == '\\' && k + 1 < line.size() &&
            std::string_view("$`\"\\\n").find(line[k + 1]) != std::string_view::npos) {
          ++k;
          if (line[k] == '\n')
            continue;
        }
        current->text += line[k];
      }
      if (k >= line.size())
        return core::fail(core::ErrorKind::parse, std::string(k_input), "unterminated \" quote",
                          row, column);
      column += static_cast<int>(k - i);
      i = k;
    } else {
      start();
      current->text += c;
    }
  }
  if (current)
    words.push_back(std::move(*current));
  return words;
}

// docker run's flags that take no value (Docker 24, and Podman's common ones).
constexpr auto k_bool_flags = std::to_array<std::string_view>({
    "detach",
    "disable-content-trust",
    "help",
    "init",
    "interactive",
    "no-healthcheck",
    "no-hosts",
    "oom-kill-disable",
    "privileged",
    "publish-all",
    "quiet",
    "read-only",
    "read-only-tmpfs",
    "replace",
    "rm",
    "rmi",
    "sig-proxy",
    "tty",
    "use-api-socket",
});

// docker run's flags that take a value (Docker 27, and Podman's common
// ones); a flag in neither list is refused, as docker refuses it.
constexpr auto k_value_flags = std::to_array<std::string_view>({
    "add-host",
    "annotation",
    "arch",
    "attach",
    "blkio-weight",
    "blkio-weight-device",
    "cap-add",
    "cap-drop",
    "cgroup-parent",
    "cgroupns",
    "cidfile",
    "cpu-count",
    "cpu-percent",
    "cpu-period",
    "cpu-quota",
    "cpu-rt-period",
    "cpu-rt-runtime",
    "cpu-shares",
    "cpus",
    "cpuset-cpus",
    "cpuset-mems",
    "detach-keys",
    "device",
    "device-cgroup-rule",
    "device-read-bps",
    "device-read-iops",
    "device-write-bps",
    "device-write-iops",
    "dns",
    "dns-opt",
    "dns-option",
    "dns-search",
    "domainname",
    "entrypoint",
    "env",
    "env-file",
    "expose",
    "gidmap",
    "gpus",
    "group-add",
    "health-cmd",
    "health-interval",
    "health-retries",
    "health-start-interval",
    "health-start-period",
    "health-timeout",
    "hostname",
    "ip",
    "ip6",
    "ipc",
    "isolation",
    "kernel-memory",
    "label",
    "label-file",
    "link",
    "link-local-ip",
    "log-driver",
    "log-opt",
    "mac-address",
    "memory",
    "memory-reservation",
    "memory-swap",
    "memory-swappiness",
    "mount",
    "name",
    "net",
    "net-alias",
    "network",
    "network-alias",
    "oom-score-adj",
    "os",
    "pid",
    "pids-limit",
    "platform",
    "pod",
    "publish",
    "pull",
    "restart",
    "runtime",
    "secret",
    "security-opt",
    "shm-size",
    "stop-signal",
    "stop-timeout",
    "storage-opt",
    "sysctl",
    "systemd",
    "tmpfs",
    "uidmap",
    "ulimit",
    "user",
    "userns",
    "uts",
    "variant",
    "volume",
    "volume-driver",
    "volumes-from",
    "workdir",
});

// Short flags and their long names.
constexpr std::array<std::pair<char, std::string_view>, 15> k_short = {{
    {'a', "attach"},
    {'c', "cpu-shares"},
    {'d', "detach"},
    {'e', "env"},
    {'h', "hostname"},
    {'i', "interactive"},
    {'l', "label"},
    {'m', "memory"},
    {'p', "publish"},
    {'P', "publish-all"},
    {'q', "quiet"},
    {'t', "tty"},
    {'u', "user"},
    {'v', "volume"},
    {'w', "workdir"},
}};

bool is_bool_flag(std::string_view name) {
  return std::find(k_bool_flags.begin(), k_bool_flags.end(), name) != k_bool_flags.end();
}

bool is_value_flag(std::string_view name) {
  return std::find(k_value_flags.begin(), k_value_flags.end(), name) != k_value_flags.end();
}

std::optional<std::string_view> long_name(char c) {
  for (const auto& [s, name] : k_short)
    if (s == c)
      return name;
  return std::nullopt;
}

// -p [IP:][HOST_PORT:]CONTAINER_PORT[/PROTO]; IPv6 addresses in brackets.
core::Result<Port> read_publish(std::string_view value, const Origin& origin) {
  Port port;
  port.origin = origin;
  std::string_view rest = value;
  if (const auto slash = rest.rfind('/'); slash != std::string_view::npos) {
    port.protocol = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  std::string_view ip;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      return core::fail(core::ErrorKind::parse, std::string(k_input),
                        fmt::format("--publish {}: invalid IPv6 address", value), origin.line,
                        origin.column);
    ip = rest.substr(1, close - 1);
    rest = rest.substr(close + 2);
  }
  std::vector<std::string_view> parts;
  for (std::size_t from = 0;;) {
    const auto colon = rest.find(':', from);
    parts.push_back(rest.substr(from, colon - from));
    if (colon == std::string_view::npos)
      break;
    from = colon + 1;
  }
  if (!ip.empty() ? parts.size() != 2 : parts.size() > 3)
    return core::fail(core::ErrorKind::parse, std::string(k_input),
                      fmt::format("--publish {}: expected [IP:][HOST_PORT:]CONTAINER_PORT", value),
                      origin.line, origin.column);
  if (ip.empty() && parts.size() == 3) {
    ip = parts[0];
    parts.erase(parts.begin());
  }
  port.host_ip = std::string(ip);
  port.container_port = detail::port_of(parts.back());
  port.host_port = parts.size() == 2 && !parts[0].empty() ? detail::port_of(parts[0]) : 0;
  if (port.container_port < 0 || port.host_port < 0)
    return core::fail(core::ErrorKind::parse, std::string(k_input),
                      fmt::format("--publish {}: not a port number", value), origin.line,
                      origin.column);
  return port;
}

// --mount type=bind,source=/x,target=/y,readonly,bind-propagation=shared
Mount read_mount(std::string_view value, Origin origin) {
  Mount mount;
  mount.origin = std::move(origin);
  mount.type = "volume";
  for (auto field : util::split_trimmed(value, ',')) {
    const auto eq = field.find('=');
    const auto key = util::to_lower(field.substr(0, eq));
    const auto v = eq == std::string_view::npos ? std::string_view() : field.substr(eq + 1);
    if (key == "type")
      mount.type = std::string(v);
    else if (key == "source" || key == "src")
      mount.source = std::string(v);
    else if (key == "target" || key == "destination" || key == "dst")
      mount.destination = std::string(v);
    else if (key == "readonly" || key == "ro")
      mount.read_only = v.empty() || v == "true" || v == "1";
    else if (key == "bind-propagation")
      mount.propagation = std::string(v);
  }
  return mount;
}

core::Status apply(ContainerSpec& spec, std::string_view flag, const Word& value) {
  const Origin at = value.origin;
  const std::string& v = value.text;
  auto bad = [&](std::string_view what) {
    return core::fail(core::ErrorKind::parse, std::string(k_input),
                      fmt::format("--{} {}: {}", flag, v, what), at.line, at.column);
  };
  if (flag == "privileged") {
    spec.privileged = {v != "false", at};
  } else if (flag == "cap-add" || flag == "cap-drop") {
    for (auto cap : util::split_trimmed(v, ','))
      (flag == "cap-add" ? spec.cap_add : spec.cap_drop)
          .push_back({detail::capability_name(cap), at});
  } else if (flag == "security-opt") {
    spec.security_opt.push_back({v, at});
  } else if (flag == "read-only") {
    spec.read_only_rootfs = {v != "false", at};
  } else if (flag == "user") {
    spec.user = Set<std::string>{v, at};
  } else if (flag == "pid") {
    spec.pid_mode = {v, at};
  } else if (flag == "ipc") {
    spec.ipc_mode = {v, at};
  } else if (flag == "network" || flag == "net") {
    spec.network_mode = {v, at};
  } else if (flag == "uts") {
    spec.uts_mode = {v, at};
  } else if (flag == "userns") {
    spec.userns_mode = {v, at};
  } else if (flag == "cgroup-parent") {
    spec.cgroup_parent = {v, at};
  } else if (flag == "volume") {
    spec.mounts.push_back(detail::volume_of(v, at));
  } else if (flag == "mount") {
    spec.mounts.push_back(read_mount(v, at));
  } else if (flag == "tmpfs") {
    spec.mounts.push_back({"tmpfs", "", v.substr(0, v.find(':')), false, "", at});
  } else if (flag == "device") {
    spec.devices.push_back({v.substr(0, v.find(':')), at});
  } else if (flag == "publish") {
    MOAT_TRY_ASSIGN(port, read_publish(v, at));
    spec.ports.push_back(std::move(port));
  } else if (flag == "sysctl") {
    const auto eq = v.find('=');
    spec.sysctls.emplace_back(
        v.substr(0, eq), Set<std::string>{eq == std::string::npos ? "" : v.substr(eq + 1), at});
  } else if (flag == "ulimit") {
    spec.ulimits.push_back({v, at});
  } else if (flag == "memory") {
    auto bytes = detail::bytes_of(v);
    if (!bytes)
      return bad("not a size (examples: 64m, 1g)");
    spec.memory = {*bytes, at};
  } else if (flag == "cpus") {
    auto nano = detail::nano_cpus_of(v);
    if (!nano)
      return bad("not a number of CPUs (example: 0.5)");
    spec.nano_cpus = {*nano, at};
  } else if (flag == "cpu-shares" || flag == "cpu-quota" || flag == "pids-limit") {
    auto n = detail::integer_of(v);
    if (!n)
      return bad("not an integer");
    if (flag == "cpu-shares")
      spec.cpu_shares = {*n, at};
    else if (flag == "cpu-quota")
      spec.cpu_quota = {*n, at};
    else
      spec.pids_limit = {*n, at};
  } else if (flag == "health-cmd") {
    spec.health = {ContainerSpec::Health::configured, at};
  } else if (flag == "no-healthcheck") {
    if (v != "false")
      spec.health = {ContainerSpec::Health::disabled, at};
  } else if (flag == "restart") {
    const auto colon = v.find(':');
    spec.restart_policy = {v.substr(0, colon), at};
    int retries = 0;
    if (colon != std::string::npos) {
      auto n = detail::integer_of(std::string_view(v).substr(colon + 1));
      if (!n)
        return bad("the retry count is not an integer");
      retries = static_cast<int>(*n);
    }
    spec.restart_retries = {retries, at};
  } else if (flag == "env") {
    const auto eq = v.find('=');
    // NAME alone passes the caller's value, which this line does not show.
    spec.env.emplace_back(v.substr(0, eq),
                          Set<std::string>{eq == std::string::npos ? "" : v.substr(eq + 1), at});
  } else if (flag == "name") {
    spec.name = v;
  }
  return {};
}

} // namespace

core::Result<ContainerSpec> read_docker_run(std::string_view line) {
  MOAT_TRY_ASSIGN(words, split_words(line));
  std::size_t i = 0;
  auto fail_at = [&](std::size_t at, std::string message) {
    const Origin o = at < words.size() ? words[at].origin
                     : words.empty()   ? Origin{1, 1}
                                       : words.back().origin;
    return core::fail(core::ErrorKind::parse, std::string(k_input), std::move(message), o.line,
                      o.column);
  };
  // docker run | docker container run | docker create | podman run | ...
  if (i < words.size() &&
      (words[i].text == "docker" || words[i].text == "podman" ||
       words[i].text.ends_with("/docker") || words[i].text.ends_with("/podman")))
    ++i;
  if (i < words.size() && words[i].text == "container")
    ++i;
  if (i >= words.size() || (words[i].text != "run" && words[i].text != "create"))
    return fail_at(i,
                   "expected a `docker run` command line ('docker run [OPTIONS] IMAGE [COMMAND]')");
  ++i;

  ContainerSpec spec;
  spec.kind = "docker run";
  spec.source = std::string(k_input);
  for (; i < words.size(); ++i) {
    const Word& w = words[i];
    const std::string& t = w.text;
    if (t == "--") {
      ++i;
      break;
    }
    if (!t.starts_with('-') || t == "-")
      break;
    if (t.starts_with("--")) {
      const auto eq = t.find('=');
      const std::string name = t.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      // An unknown flag would leave the image unknown too: docker refuses it.
      if (!is_bool_flag(name) && !is_value_flag(name))
        return fail_at(i, fmt::format("unknown flag: --{}", name));
      if (eq != std::string::npos) {
        MOAT_TRY(apply(spec, name, Word{t.substr(eq + 1), w.origin}));
      } else if (is_bool_flag(name)) {
        MOAT_TRY(apply(spec, name, Word{"true", w.origin}));
      } else {
        if (i + 1 >= words.size())
          return fail_at(i, fmt::format("flag needs an argument: --{}", name));
        ++i;
        MOAT_TRY(apply(spec, name, words[i]));
      }
      continue;
    }
    // Bundled short flags: every one but a flag taking a value, which takes
    // the rest of the word or the next word.
    for (std::size_t k = 1; k < t.size(); ++k) {
      const auto name = long_name(t[k]);
      if (!name)
        return fail_at(i, fmt::format("unknown shorthand flag: '{}' in {}", t[k], t));
      if (is_bool_flag(*name)) {
        MOAT_TRY(apply(spec, *name, Word{"true", w.origin}));
        continue;
      }
      if (k + 1 < t.size()) {
        const auto rest = t.substr(k + 1);
        MOAT_TRY(apply(spec, *name, Word{rest.starts_with('=') ? rest.substr(1) : rest, w.origin}));
      } else {
        if (i + 1 >= words.size())
          return fail_at(i, fmt::format("flag needs an argument: '{}' in {}", t[k], t));
        ++i;
        MOAT_TRY(apply(spec, *name, words[i]));
      }
      break;
    }
  }
  if (i >= words.size())
    return fail_at(i, "no image: 'docker run [OPTIONS] IMAGE [COMMAND]'");
  spec.image = {words[i].text, words[i].origin};
  if (spec.name.empty())
    spec.name = words[i].text;
  return spec;
}

namespace detail {

core::Result<std::vector<std::string>> shell_words(std::string_view line,
                                                   const std::string& input) {
  auto words = split_words(line);
  if (!words)
    return core::fail(core::ErrorKind::parse, input, words.error().message);
  std::vector<std::string> out;
  out.reserve(words->size());
  for (auto& w : *words)
    out.push_back(std::move(w.text));
  return out;
}

} // namespace detail

} // namespace moat::runconf
