#include <moat/sandbox/oci.hpp>
#include <moat/util/capabilities.hpp>
#include <moat/util/file.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <climits>
#include <limits>

namespace moat::sandbox {

namespace {

namespace fs = std::filesystem;
using core::ErrorKind;
using core::fail;
using nlohmann::json;

// The first error met while reading the config; the readers below return
// defaults once it is set.
class Reader {
public:
  explicit Reader(std::string name) : m_name(std::move(name)) {}

  void error(const std::string& where, const std::string& what) {
    if (!m_error)
      m_error = core::Error{ErrorKind::parse, m_name, fmt::format("{}: {}", where, what), 0, 0};
  }
  [[nodiscard]] const std::optional<core::Error>& failed() const { return m_error; }

  const json* member(const json& object, const char* key, const std::string& where) {
    if (!object.is_object()) {
      error(where, "expected an object");
      return nullptr;
    }
    const auto it = object.find(key);
    if (it == object.end() || it->is_null())
      return nullptr;
    return &*it;
  }
  std::string text(const json& object, const char* key, const std::string& where) {
    const json* v = member(object, key, where);
    if (v == nullptr)
      return {};
    if (!v->is_string()) {
      error(where + "." + key, "expected a string");
      return {};
    }
    return v->get<std::string>();
  }
  bool boolean(const json& object, const char* key, const std::string& where, bool fallback) {
    const json* v = member(object, key, where);
    if (v == nullptr)
      return fallback;
    if (!v->is_boolean()) {
      error(where + "." + key, "expected true or false");
      return fallback;
    }
    return v->get<bool>();
  }
  template <typename T>
  std::optional<T> integer(const json& object, const char* key, const std::string& where) {
    const json* v = member(object, key, where);
    if (v == nullptr)
      return std::nullopt;
    if (v->is_number_unsigned()) {
      const auto u = v->get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
        return static_cast<T>(u);
    } else if (v->is_number_integer()) {
      const auto i = v->get<std::int64_t>();
      if (i >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
          (i < 0 || static_cast<std::uint64_t>(i) <=
                        static_cast<std::uint64_t>(std::numeric_limits<T>::max())))
        return static_cast<T>(i);
    }
    error(where + "." + key, "expected an integer in range");
    return std::nullopt;
  }
  std::vector<std::string> strings(const json& object, const char* key, const std::string& where) {
    const json* v = member(object, key, where);
    std::vector<std::string> out;
    if (v == nullptr)
      return out;
    if (!v->is_array()) {
      error(where + "." + key, "expected an array of strings");
      return out;
    }
    for (const auto& item : *v) {
      if (!item.is_string()) {
        error(where + "." + key, "expected an array of strings");
        return {};
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  const json* array(const json& object, const char* key, const std::string& where) {
    const json* v = member(object, key, where);
    if (v != nullptr && !v->is_array()) {
      error(where + "." + key, "expected an array");
      return nullptr;
    }
    return v;
  }

private:
  std::string m_name;
  std::optional<core::Error> m_error;
};

int namespace_type(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, int>, 8> k_types{{
      {"pid", CLONE_NEWPID},
      {"network", CLONE_NEWNET},
      {"mount", CLONE_NEWNS},
      {"ipc", CLONE_NEWIPC},
      {"uts", CLONE_NEWUTS},
      {"user", CLONE_NEWUSER},
      {"cgroup", CLONE_NEWCGROUP},
      {"time", 0x80}, // CLONE_NEWTIME
  }};
  for (const auto& [n, t] : k_types)
    if (n == name)
      return t;
  return 0;
}

// Mount options: flags, propagation, and what the file system reads.
struct MountFlag {
  std::string_view name;
  bool clear;
  unsigned long flag;
};
constexpr std::array<MountFlag, 24> k_mount_flags{{
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"nosuid", false, MS_NOSUID},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
}};

std::optional<unsigned long> propagation_of(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, unsigned long>, 8> k_kinds{{
      {"private", MS_PRIVATE},
      {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},
      {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},
      {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE},
      {"runbindable", MS_UNBINDABLE | MS_REC},
  }};
  for (const auto& [n, f] : k_kinds)
    if (n == name)
      return f;
  return std::nullopt;
}

std::optional<int> rlimit_of(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, int>, 16> k_limits{{
      {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_CORE", RLIMIT_CORE},
      {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA},
      {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
      {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_NPROC", RLIMIT_NPROC},
      {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
      {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_STACK", RLIMIT_STACK},
  }};
  for (const auto& [n, r] : k_limits)
    if (n == name)
      return r;
  return std::nullopt;
}

// Host directories whose bind mount CIS 5.6 names as sensitive.
bool sensitive_host_path(std::string_view path) {
  static constexpr std::array<std::string_view, 11> k_paths{
      "/",    "/boot", "/dev",  "/etc",  "/lib",           "/proc",
      "/sys", "/usr",  "/root", "/home", "/var/lib/docker"};
  while (path.size() > 1 && path.ends_with('/'))
    path.remove_suffix(1);
  return std::ranges::find(k_paths, path) != k_paths.end();
}

std::string cap_list(std::uint64_t set) {
  std::vector<std::string_view> names;
  for (int cap = 0; cap < 64; ++cap)
    if ((set & (std::uint64_t{1} << cap)) != 0)
      names.push_back(util::capability_short_name(cap));
  return fmt::format("{}", fmt::join(names, ", "));
}

void read_hooks(Reader& r, const json& hooks, const char* key, std::vector<Hook>& out) {
  const std::string where = std::string("hooks.") + key;
  const json* list = r.array(hooks, key, "hooks");
  if (list == nullptr)
    return;
  for (const auto& item : *list) {
    Hook h;
    h.path = r.text(item, "path", where);
    h.args = r.strings(item, "args", where);
    h.env = r.strings(item, "env", where);
    h.timeout = r.integer<int>(item, "timeout", where).value_or(0);
    if (!h.path.starts_with('/'))
      r.error(where, fmt::format("hook path '{}' is not absolute", h.path));
    out.push_back(std::move(h));
  }
}

void read_process(Reader& r, const json& process_json, Bundle& b, OciParts& oci) {
  const json* process = &process_json;
  Spec& spec = b.spec;
  b.terminal = r.boolean(*process, "terminal", "process", false);
  spec.terminal = b.terminal;
  if (const json* size = r.member(*process, "consoleSize", "process"); size != nullptr) {
    spec.rows = r.integer<unsigned short>(*size, "height", "process.consoleSize").value_or(0);
    spec.columns = r.integer<unsigned short>(*size, "width", "process.consoleSize").value_or(0);
  }
  spec.args = r.strings(*process, "args", "process");
  if (spec.args.empty() && !r.failed())
    r.error("process.args", "no command");
  spec.env = r.strings(*process, "env", "process");
  spec.cwd = r.text(*process, "cwd", "process");
  if (!spec.cwd.starts_with('/'))
    r.error("process.cwd", fmt::format("'{}' is not absolute", spec.cwd));
  spec.no_new_privileges = r.boolean(*process, "noNewPrivileges", "process", false);
  if (const json* user = r.member(*process, "user", "process"); user != nullptr) {
    spec.uid = r.integer<std::uint32_t>(*user, "uid", "process.user").value_or(0);
    spec.gid = r.integer<std::uint32_t>(*user, "gid", "process.user").value_or(0);
    if (const json* extra = r.array(*user, "additionalGids", "process.user"))
      for (const auto& g : *extra) {
        if (!g.is_number_unsigned())
          r.error("process.user.additionalGids", "expected group ids");
        else
          oci.additional_gids.push_back(g.get<std::uint32_t>());
      }
  }
  if (const json* caps = r.member(*process, "capabilities", "process"); caps != nullptr) {
    auto set = [&](const char* key) {
      std::uint64_t bits = 0;
      for (const auto& n : r.strings(*caps, key, "process.capabilities")) {
        const auto number = util::capability_number(n);
        if (!number) // runc and crun skip these; moat does not guess
          r.error(std::string("process.capabilities.") + key,
                  fmt::format("unknown capability '{}'", n));
        else
          bits |= std::uint64_t{1} << *number;
      }
      return bits;
    };
    oci.caps.bounding = set("bounding");
    oci.caps.effective = set("effective");
    oci.caps.permitted = set("permitted");
    oci.caps.inheritable = set("inheritable");
    oci.caps.ambient = set("ambient");
  }
  if (const json* limits = r.array(*process, "rlimits", "process"))
    for (const auto& l : *limits) {
      const auto type = r.text(l, "type", "process.rlimits");
      const auto resource = rlimit_of(type);
      if (!resource) {
        r.error("process.rlimits", fmt::format("unknown rlimit '{}'", type));
        continue;
      }
      RlimitSpec rl;
      rl.resource = *resource;
      rl.soft = r.integer<std::uint64_t>(l, "soft", "process.rlimits").value_or(0);
      rl.hard = r.integer<std::uint64_t>(l, "hard", "process.rlimits").value_or(0);
      oci.rlimits.push_back(rl);
    }
  oci.oom_score_adj = r.integer<int>(*process, "oomScoreAdj", "process");
  if (!r.text(*process, "apparmorProfile", "process").empty())
    b.ignored.emplace_back("process.apparmorProfile (AppArmor is not applied)");
  if (!r.text(*process, "selinuxLabel", "process").empty())
    b.ignored.emplace_back("process.selinuxLabel (SELinux labels are not applied)");
}

} // namespace

bool OciParts::creates(int type) const {
  return std::ranges::any_of(
      namespaces, [&](const NamespaceSpec& n) { return n.type == type && n.path.empty(); });
}

bool OciParts::has(int type) const {
  return std::ranges::any_of(namespaces, [&](const NamespaceSpec& n) { return n.type == type; });
}

core::Result<Bundle> parse_config(std::string_view text, const std::string& name,
                                  const fs::path& dir, const std::string& id, bool systemd_cgroup) {
  json config;
  try {
    config = json::parse(text);
  } catch (const json::exception& e) {
    std::string what = e.what();
    if (const auto at = what.find("] "); at != std::string::npos)
      what = what.substr(at + 2);
    return fail(ErrorKind::parse, name, "invalid JSON: " + what);
  }
  if (!config.is_object())
    return fail(ErrorKind::parse, name, "expected a JSON object");
  Reader r(name);
  Bundle b;
  b.dir = dir;
  b.oci_version = r.text(config, "ociVersion", "config");
  if (b.oci_version.empty())
    r.error("ociVersion", "missing");
  else if (!b.oci_version.starts_with("1."))
    r.error("ociVersion", fmt::format("'{}' is not a 1.x runtime spec", b.oci_version));
  OciParts oci;
  Spec& spec = b.spec;
  spec.memory_bytes = 0;
  spec.pids = 0;
  spec.nofile = 0;
  spec.read_only_root = false;
  spec.no_new_privileges = false;
  // root
  if (const json* root = r.member(config, "root", "config"); root != nullptr) {
    fs::path path = r.text(*root, "path", "root");
    if (path.empty())
      r.error("root.path", "missing");
    b.rootfs = path.is_absolute() ? path : dir / path;
    spec.rootfs = b.rootfs;
    spec.read_only_root = r.boolean(*root, "readonly", "root", false);
  } else {
    r.error("root", "missing");
  }
  spec.hostname = r.text(config, "hostname", "config");
  oci.domainname = r.text(config, "domainname", "config");
  // process
  const json* process = r.member(config, "process", "config");
  if (process == nullptr)
    r.error("process", "missing");
  else
    read_process(r, *process, b, oci);
  // mounts
  if (const json* mounts = r.array(config, "mounts", "config"))
    for (const auto& m : *mounts) {
      MountSpec ms;
      ms.destination = r.text(m, "destination", "mounts");
      ms.type = r.text(m, "type", "mounts");
      ms.source = r.text(m, "source", "mounts");
      if (!ms.destination.starts_with('/'))
        r.error("mounts", fmt::format("destination '{}' is not absolute", ms.destination));
      std::vector<std::string> data;
      for (const auto& opt : r.strings(m, "options", "mounts")) {
        const auto flag = std::ranges::find(k_mount_flags, opt, &MountFlag::name);
        if (flag != k_mount_flags.end()) {
          if (flag->clear)
            ms.flags &= ~flag->flag;
          else
            ms.flags |= flag->flag;
        } else if (auto p = propagation_of(opt)) {
          ms.propagation = *p;
        } else if (opt == "idmap" || opt == "ridmap") {
          r.error("mounts", fmt::format("{}: id-mapped mounts are not supported", ms.destination));
        } else if (opt == "rro") {
          ms.flags |= MS_RDONLY;
        } else if (opt != "tmpcopyup" && opt != "rprivate" && !opt.empty()) {
          data.push_back(opt);
        }
      }
      ms.bind = ms.type == "bind" || (ms.flags & MS_BIND) != 0;
      if (ms.bind) {
        ms.flags |= MS_BIND;
        if (!ms.source.empty() && !ms.source.starts_with('/'))
          ms.source = (dir / ms.source).string();
        if ((ms.propagation & MS_SHARED) != 0)
          b.weakenings.push_back(
              {"CIS-5.20", fmt::format("the mount {} is shared with the host", ms.destination)});
        if (sensitive_host_path(ms.source))
          b.weakenings.push_back({"CIS-5.6", fmt::format("the host's {} is mounted at {}",
                                                         ms.source, ms.destination)});
        if (ms.source.ends_with("docker.sock") || ms.source.ends_with("containerd.sock"))
          b.weakenings.push_back(
              {"CIS-5.32", fmt::format("the runtime socket {} is mounted", ms.source)});
      }
      ms.data = fmt::format("{}", fmt::join(data, ","));
      oci.mounts.push_back(std::move(ms));
    }
  // hooks
  if (const json* hooks = r.member(config, "hooks", "config"); hooks != nullptr) {
    read_hooks(r, *hooks, "prestart", b.hooks.prestart);
    read_hooks(r, *hooks, "createRuntime", b.hooks.create_runtime);
    read_hooks(r, *hooks, "createContainer", b.hooks.create_container);
    read_hooks(r, *hooks, "startContainer", b.hooks.start_container);
    read_hooks(r, *hooks, "poststart", b.hooks.poststart);
    read_hooks(r, *hooks, "poststop", b.hooks.poststop);
  }
  if (const json* notes = r.member(config, "annotations", "config"); notes != nullptr) {
    if (!notes->is_object())
      r.error("annotations", "expected an object");
    else
      for (const auto& [k, v] : notes->items())
        if (v.is_string())
          b.annotations[k] = v.get<std::string>();
  }
  // linux
  const json* linux_section = r.member(config, "linux", "config");
  bool seccomp = false;
  std::vector<std::string> device_rules; // "allow c 1:3 rwm", in order
  if (linux_section != nullptr) {
    const json& lx = *linux_section;
    if (const json* list = r.array(lx, "namespaces", "linux"))
      for (const auto& n : *list) {
        NamespaceSpec ns;
        const auto type = r.text(n, "type", "linux.namespaces");
        ns.type = namespace_type(type);
        if (ns.type == 0)
          r.error("linux.namespaces", fmt::format("unknown namespace type '{}'", type));
        ns.path = r.text(n, "path", "linux.namespaces");
        if (oci.has(ns.type))
          r.error("linux.namespaces", fmt::format("the {} namespace is listed twice", type));
        oci.namespaces.push_back(std::move(ns));
      }
    auto mappings = [&](const char* key, std::vector<IdMapping>& out) {
      if (const json* list = r.array(lx, key, "linux"))
        for (const auto& m : *list) {
          IdMapping im;
          const std::string where = std::string("linux.") + key;
          im.container_id = r.integer<std::uint32_t>(m, "containerID", where).value_or(0);
          im.host_id = r.integer<std::uint32_t>(m, "hostID", where).value_or(0);
          im.size = r.integer<std::uint32_t>(m, "size", where).value_or(0);
          out.push_back(im);
        }
    };
    mappings("uidMappings", oci.uid_mappings);
    mappings("gidMappings", oci.gid_mappings);
    if (const json* sysctl = r.member(lx, "sysctl", "linux"); sysctl != nullptr) {
      if (!sysctl->is_object())
        r.error("linux.sysctl", "expected an object");
      else
        for (const auto& [k, v] : sysctl->items()) {
          if (!v.is_string() || k.find("..") != std::string::npos ||
              k.find('/') != std::string::npos)
            r.error("linux.sysctl", fmt::format("'{}' is not a sysctl setting", k));
          else
            oci.sysctl.emplace_back(k, v.get<std::string>());
        }
    }
    if (const json* res = r.member(lx, "resources", "linux"); res != nullptr) {
      if (const json* mem = r.member(*res, "memory", "linux.resources"); mem != nullptr) {
        const auto limit = r.integer<std::int64_t>(*mem, "limit", "linux.resources.memory");
        if (limit && *limit > 0)
          spec.memory_bytes = static_cast<std::uint64_t>(*limit);
      }
      if (const json* pids = r.member(*res, "pids", "linux.resources"); pids != nullptr) {
        const auto limit = r.integer<std::int64_t>(*pids, "limit", "linux.resources.pids");
        if (limit && *limit > 0)
          spec.pids = static_cast<std::uint32_t>(std::min<std::int64_t>(*limit, UINT32_MAX));
      }
      if (const json* cpu = r.member(*res, "cpu", "linux.resources"); cpu != nullptr) {
        spec.cpu_shares =
            r.integer<std::uint64_t>(*cpu, "shares", "linux.resources.cpu").value_or(0);
        spec.cpu_quota = r.integer<std::int64_t>(*cpu, "quota", "linux.resources.cpu").value_or(0);
        spec.cpu_period =
            r.integer<std::uint64_t>(*cpu, "period", "linux.resources.cpu").value_or(0);
      }
      if (const json* list = r.array(*res, "devices", "linux.resources")) {
        for (const auto& d : *list) {
          const bool allow = r.boolean(d, "allow", "linux.resources.devices", false);
          std::string type = r.text(d, "type", "linux.resources.devices");
          if (type.empty())
            type.push_back('a'); // (an assignment trips GCC 12's -Wrestrict, bug 105329)
          const auto major = r.integer<std::int64_t>(d, "major", "linux.resources.devices");
          const auto minor = r.integer<std::int64_t>(d, "minor", "linux.resources.devices");
          std::string access = r.text(d, "access", "linux.resources.devices");
          if (access.empty())
            access = "rwm";
          if (type != "a" && type != "c" && type != "b") {
            r.error("linux.resources.devices", fmt::format("unknown device type '{}'", type));
            continue;
          }
          device_rules.push_back(fmt::format("{} {} {}:{} {}", allow ? "allow" : "deny", type,
                                             major && *major >= 0 ? std::to_string(*major) : "*",
                                             minor && *minor >= 0 ? std::to_string(*minor) : "*",
                                             access));
        }
      }
    }
    b.cgroups_path = r.text(lx, "cgroupsPath", "linux");
    if (const json* devices = r.array(lx, "devices", "linux"))
      for (const auto& d : *devices) {
        DeviceSpec ds;
        ds.path = r.text(d, "path", "linux.devices");
        const auto type = r.text(d, "type", "linux.devices");
        if (type == "c" || type == "u")
          ds.type = 'c';
        else if (type == "b" || type == "p")
          ds.type = type[0];
        else
          r.error("linux.devices", fmt::format("{}: unknown device type '{}'", ds.path, type));
        ds.major = r.integer<std::uint32_t>(d, "major", "linux.devices").value_or(0);
        ds.minor = r.integer<std::uint32_t>(d, "minor", "linux.devices").value_or(0);
        ds.mode = r.integer<std::uint32_t>(d, "fileMode", "linux.devices").value_or(0666);
        ds.uid = r.integer<std::uint32_t>(d, "uid", "linux.devices").value_or(0);
        ds.gid = r.integer<std::uint32_t>(d, "gid", "linux.devices").value_or(0);
        if (!ds.path.starts_with("/dev/"))
          r.error("linux.devices", fmt::format("'{}' is not under /dev", ds.path));
        oci.devices.push_back(std::move(ds));
      }
    // What every container may use whatever the config says (runc's
    // allowed devices): making nodes, the null, zero, full, random and
    // terminal devices, and the devices the config lists.
    for (const auto* rule :
         {"allow c *:* m", "allow b *:* m", "allow c 1:3 rwm", "allow c 1:5 rwm", "allow c 1:7 rwm",
          "allow c 1:8 rwm", "allow c 1:9 rwm", "allow c 5:0 rwm", "allow c 5:1 rwm",
          "allow c 5:2 rwm", "allow c 136:* rwm"})
      device_rules.emplace_back(rule);
    for (const auto& d : oci.devices)
      if (d.type != 'p')
        device_rules.push_back(fmt::format("allow {} {}:{} rwm", d.type, d.major, d.minor));
    spec.device_rules = std::move(device_rules);
    oci.masked = r.strings(lx, "maskedPaths", "linux");
    oci.readonly = r.strings(lx, "readonlyPaths", "linux");
    const auto propagation = r.text(lx, "rootfsPropagation", "linux");
    if (!propagation.empty()) {
      if (auto p = propagation_of(propagation))
        oci.root_propagation = *p;
      else
        r.error("linux.rootfsPropagation", fmt::format("unknown propagation '{}'", propagation));
      if ((oci.root_propagation & MS_SHARED) != 0)
        b.weakenings.push_back({"CIS-5.20", "the root file system's mounts are shared"});
    }
    if (const json* profile = r.member(lx, "seccomp", "linux"); profile != nullptr) {
      seccomp = true;
      b.seccomp_profile = profile->dump();
    }
    if (!r.text(lx, "mountLabel", "linux").empty())
      b.ignored.emplace_back("linux.mountLabel (SELinux labels are not applied)");
    if (r.member(lx, "intelRdt", "linux") != nullptr)
      b.ignored.emplace_back("linux.intelRdt");
  } else {
    r.error("linux", "missing (moat runs Linux containers)");
  }
  if (auto e = r.failed())
    return std::unexpected(*e);
  if (!oci.has(CLONE_NEWNS))
    return fail(ErrorKind::usage, name,
                "linux.namespaces: moat needs a mount namespace (it pivots into the root)");
  if (oci.has(CLONE_NEWUSER) && oci.creates(CLONE_NEWUSER) &&
      (oci.uid_mappings.empty() || oci.gid_mappings.empty()))
    return fail(ErrorKind::usage, name, "a new user namespace needs uidMappings and gidMappings");
  // The cgroup: linux.cgroupsPath (systemd's "slice:prefix:name" read as
  // the path systemd would give it), else moat/ID.
  if (b.cgroups_path.empty()) {
    spec.cgroup_path = "moat/" + id;
  } else if (systemd_cgroup) {
    const auto parts = [&] {
      std::vector<std::string> out;
      std::string_view rest = b.cgroups_path;
      for (auto colon = rest.find(':'); colon != std::string_view::npos; colon = rest.find(':')) {
        out.emplace_back(rest.substr(0, colon));
        rest.remove_prefix(colon + 1);
      }
      out.emplace_back(rest);
      return out;
    }();
    if (parts.size() != 3)
      return fail(ErrorKind::usage, name,
                  fmt::format("linux.cgroupsPath '{}': expected slice:prefix:name with "
                              "--systemd-cgroup",
                              b.cgroups_path));
    std::string slice = parts[0].empty() ? "system.slice" : parts[0];
    // "a-b-c.slice" lives at a.slice/a-b.slice/a-b-c.slice.
    std::string path;
    std::string stem = slice.substr(0, slice.size() - std::string_view(".slice").size());
    for (std::size_t dash = stem.find('-'); dash != std::string::npos;
         dash = stem.find('-', dash + 1))
      path += stem.substr(0, dash) + ".slice/";
    path += slice;
    spec.cgroup_path = fmt::format("{}/{}-{}.scope", path, parts[1], parts[2]);
  } else {
    spec.cgroup_path = b.cgroups_path;
  }
  // What this config relaxes of moat's defaults.
  auto weak = [&](const char* cis, std::string what) {
    b.weakenings.push_back({cis, std::move(what)});
  };
  if (!oci.has(CLONE_NEWUSER))
    weak("CIS-2.9", "no user namespace: the container's root is root on the host");
  if (!oci.has(CLONE_NEWPID))
    weak("CIS-5.16", "the host's PID namespace is shared");
  if (!oci.has(CLONE_NEWNET))
    weak("CIS-5.10", "the host's network namespace is shared");
  if (!oci.has(CLONE_NEWIPC))
    weak("CIS-5.17", "the host's IPC namespace is shared");
  if (!oci.has(CLONE_NEWUTS))
    weak("CIS-5.21", "the host's UTS namespace is shared");
  const std::uint64_t kept = oci.caps.bounding | oci.caps.effective | oci.caps.permitted;
  if (std::popcount(kept) >= 38)
    weak("CIS-5.5", "every capability is kept (a privileged container)");
  else if (kept != 0)
    weak("CIS-5.4", fmt::format("capabilities kept: {}", cap_list(kept)));
  if (oci.caps.inheritable != 0)
    weak("", fmt::format("inheritable capabilities are set: {}", cap_list(oci.caps.inheritable)));
  if (!seccomp)
    weak("CIS-5.22", "no seccomp profile");
  if (!spec.no_new_privileges)
    weak("CIS-5.26", "no_new_privs is off: set-user-ID programs can gain privileges");
  if (!spec.read_only_root)
    weak("CIS-5.13", "the root file system is writable");
  if (spec.memory_bytes == 0)
    weak("CIS-5.11", "no memory limit");
  if (spec.cpu_quota <= 0 && spec.cpu_shares == 0)
    weak("CIS-5.12", "no CPU limit or weight");
  if (spec.pids == 0)
    weak("CIS-5.29", "no PIDs limit");
  if (spec.uid.value_or(0) == 0)
    weak("CIS-4.1", "the process runs as root");
  for (const auto& path : masked_paths())
    if (std::ranges::find(oci.masked, path) == oci.masked.end())
      weak("", fmt::format("{} is not masked", path));
  for (const auto& path : readonly_paths())
    if (std::ranges::find(oci.readonly, path) == oci.readonly.end())
      weak("", fmt::format("{} is not read-only", path));
  static constexpr std::array<std::pair<std::uint32_t, std::uint32_t>, 6> k_default_devices{
      {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}}};
  for (const auto& d : oci.devices)
    if (d.type == 'b' || std::ranges::find(k_default_devices, std::pair{d.major, d.minor}) ==
                             k_default_devices.end())
      weak("CIS-5.18",
           fmt::format("the host device {} ({}:{}) is added", d.path, d.major, d.minor));
  spec.oci = std::move(oci);
  return b;
}

core::Result<Bundle> parse_process(std::string_view text, const std::string& name) {
  json process;
  try {
    process = json::parse(text);
  } catch (const json::exception& e) {
    std::string what = e.what();
    if (const auto at = what.find("] "); at != std::string::npos)
      what = what.substr(at + 2);
    return fail(ErrorKind::parse, name, "invalid JSON: " + what);
  }
  Reader r(name);
  Bundle b;
  OciParts oci;
  b.spec.no_new_privileges = false;
  read_process(r, process, b, oci);
  if (auto e = r.failed())
    return std::unexpected(*e);
  b.spec.oci = std::move(oci);
  return b;
}

core::Result<Bundle> read_bundle(const fs::path& dir, const std::string& id, bool systemd_cgroup) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(dir, ec);
  const auto file = absolute / "config.json";
  auto text = util::read_file(file, std::size_t{16} << 20);
  if (!text)
    return fail(ErrorKind::io, file.string(), text.error());
  return parse_config(*text, file.string(), absolute, id, systemd_cgroup);
}

std::string features_json(std::string_view version) {
  json f;
  f["ociVersionMin"] = "1.0.0";
  f["ociVersionMax"] = "1.2.0";
  f["hooks"] = {"prestart",       "createRuntime", "createContainer",
                "startContainer", "poststart",     "poststop"};
  std::vector<std::string> options;
  options.reserve(k_mount_flags.size() + 9);
  for (const auto& flag : k_mount_flags)
    options.emplace_back(flag.name);
  for (const auto* p : {"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
                        "runbindable", "rro"})
    options.emplace_back(p);
  std::ranges::sort(options);
  f["mountOptions"] = options;
  json lx;
  lx["namespaces"] = {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"};
  std::vector<std::string> caps;
  for (const auto name : util::all_capabilities())
    caps.emplace_back(name);
  lx["capabilities"] = caps;
  lx["cgroup"] = {
      {"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", false}};
  lx["seccomp"] = {{"enabled", true},
                   {"actions",
                    {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                     "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"}},
                   {"operators",
                    {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                     "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"}},
                   {"archs",
                    {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_X32", "SCMP_ARCH_X86",
                     "SCMP_ARCH_X86_64"}}};
  lx["apparmor"] = {{"enabled", false}};
  lx["selinux"] = {{"enabled", false}};
  lx["intelRdt"] = {{"enabled", false}};
  f["linux"] = lx;
  f["annotations"] = {{"org.opencontainers.runtime-spec.features.runtime", "moat"},
                      {"io.github.moat.version", version}};
  return f.dump(2) + "\n";
}

} // namespace moat::sandbox
