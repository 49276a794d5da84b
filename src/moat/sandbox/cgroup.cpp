// cgroup limits for one container: cgroup v2 when the unified hierarchy is
// the only one, v1 controllers otherwise (also on hybrid hosts, where v1
// controllers sit beside an empty v2 mount; crun refuses to start there).

#include <moat/sandbox/cgroup.hpp>

#include <fmt/format.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>

namespace moat::sandbox {

namespace {

namespace fs = std::filesystem;

// Plain system calls rather than streams and std::filesystem: a container
// start makes a dozen of these, and each stat or stream setup the library
// adds is a system call more on the start's path.
core::Status write_value(const fs::path& file, const std::string& value) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return core::fail(core::ErrorKind::io, file.string(),
                      fmt::format("cannot write '{}': {}", value, std::strerror(errno)));
  const auto written = ::write(fd, value.data(), value.size());
  const int err = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(value.size()))
    return core::fail(core::ErrorKind::io, file.string(),
                      fmt::format("cannot write '{}': {}", value,
                                  written < 0 ? std::strerror(err) : "short write"));
  return {};
}

std::string read_value(const fs::path& file) {
  std::string text;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return text;
  char buffer[4096];
  for (;;) {
    const auto got = ::read(fd, buffer, sizeof buffer);
    if (got <= 0)
      break;
    text.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return text;
}

bool present(const fs::path& file) {
  return ::access(file.c_str(), F_OK) == 0;
}

// The hierarchy that holds CONTROLLER: "cpu,cpuacct" where "cpu" is a
// symbolic link to it, the name itself otherwise.
std::string hierarchy_of(const fs::path& root, const std::string& controller) {
  char target[256];
  const auto length = ::readlink((root / controller).c_str(), target, sizeof target - 1);
  if (length <= 0)
    return controller;
  return fs::path(std::string(target, static_cast<std::size_t>(length))).filename().string();
}

// The count after KEY in a "key value" list (memory.events, oom_control).
long count_of(const std::string& text, std::string_view key) {
  std::istringstream lines(text);
  std::string name;
  long value = 0;
  while (lines >> name >> value)
    if (name == key)
      return value;
  return 0;
}

} // namespace

core::Result<Cgroup> Cgroup::create(const std::string& name, const Limits& limits,
                                    const fs::path& root) {
  return create_at("moat/" + name, limits, root, Hierarchies::limited);
}

core::Result<Cgroup> Cgroup::create_at(const std::string& path, const Limits& limits,
                                       const fs::path& root, Hierarchies which) {
  Cgroup cg;
  cg.m_v2 = present(root / "cgroup.controllers");
  std::error_code ec;
  fs::path relative = fs::path(path).relative_path().lexically_normal();
  if (relative.empty() || relative.string().starts_with(".."))
    return core::fail(core::ErrorKind::usage, path, "not a cgroup path below the root");
  const bool cpu_limit = limits.cpus > 0 || limits.cpu_quota > 0;
  const auto quota =
      limits.cpu_quota > 0 ? limits.cpu_quota : static_cast<std::int64_t>(limits.cpus * 100000);
  const auto period = limits.cpu_quota > 0 && limits.cpu_period > 0 ? limits.cpu_period : 100000;
  if (cg.m_v2) {
    const auto dir = root / relative;
    // Each level hands the controllers down to the next.
    fs::path level = root;
    for (const auto& part : relative.parent_path()) {
      const auto wanted = read_value(level / "cgroup.controllers");
      std::string enable;
      for (const auto* c : {"memory", "pids", "cpu"})
        if (wanted.find(c) != std::string::npos)
          enable += fmt::format("+{} ", c);
      if (!enable.empty())
        (void)write_value(level / "cgroup.subtree_control", enable);
      level /= part;
      fs::create_directory(level, ec);
    }
    const auto wanted = read_value(level / "cgroup.controllers");
    std::string enable;
    for (const auto* c : {"memory", "pids", "cpu"})
      if (wanted.find(c) != std::string::npos)
        enable += fmt::format("+{} ", c);
    if (!enable.empty())
      (void)write_value(level / "cgroup.subtree_control", enable);
    if (!fs::create_directory(dir, ec))
      return core::fail(core::ErrorKind::io, dir.string(),
                        fmt::format("cannot create the cgroup: {}", ec ? ec.message() : "exists"));
    cg.m_dirs.push_back(dir);
    if (limits.memory_bytes > 0) {
      MOAT_TRY(write_value(dir / "memory.max", std::to_string(limits.memory_bytes)));
      if (fs::exists(dir / "memory.swap.max"))
        MOAT_TRY(write_value(dir / "memory.swap.max", "0"));
    }
    if (limits.pids > 0)
      MOAT_TRY(write_value(dir / "pids.max", std::to_string(limits.pids)));
    if (cpu_limit)
      MOAT_TRY(write_value(dir / "cpu.max", fmt::format("{} {}", quota, period)));
    if (limits.cpu_shares > 0) // v1 shares 2-262144 onto v2 weights 1-10000, as runc maps them
      MOAT_TRY(write_value(
          dir / "cpu.weight",
          std::to_string(1 +
                         ((std::clamp<std::uint64_t>(limits.cpu_shares, 2, 262144) - 2) * 9999) /
                             262142)));
    return cg;
  }
  auto make = [&](const std::string& controller) -> core::Result<fs::path> {
    const auto hierarchy = hierarchy_of(root, controller);
    const auto base = root / hierarchy;
    const auto dir = base / relative;
    if (std::ranges::find(cg.m_dirs, dir) != cg.m_dirs.end())
      return dir;
    // cpuset needs cpus and mems at every level before a task can join.
    const bool cpuset = hierarchy.find("cpuset") != std::string::npos;
    fs::path level = base;
    for (const auto& part : relative) {
      const auto next = level / part;
      if (::mkdir(next.c_str(), 0755) == 0) {
        if (next == dir)
          cg.m_dirs.push_back(dir); // removed with the object from here on
        if (cpuset)
          for (const auto* file : {"cpuset.cpus", "cpuset.mems"})
            (void)write_value(next / file, read_value(level / file));
      } else if (errno != EEXIST) {
        return core::fail(core::ErrorKind::io, next.string(),
                          fmt::format("cannot create the cgroup: {}", std::strerror(errno)));
      } else if (next == dir) {
        return core::fail(core::ErrorKind::io, dir.string(), "cannot create the cgroup: it exists");
      }
      level = next;
    }
    return dir;
  };
  if (which == Hierarchies::all) {
    // Every v1 hierarchy (cpu,cpuacct once, through its real directory), as
    // runc does: the container sees its own cgroup in each, and its process
    // list is complete whatever the limits.
    std::vector<std::string> hierarchies;
    if (DIR* listing = ::opendir(root.c_str()); listing != nullptr) {
      while (const dirent* entry = ::readdir(listing)) {
        struct stat st {};
        const bool directory =
            entry->d_type == DT_DIR ||
            (entry->d_type == DT_UNKNOWN && ::lstat((root / entry->d_name).c_str(), &st) == 0 &&
             S_ISDIR(st.st_mode)); // not a symbolic link ("cpu" -> "cpu,cpuacct")
        if (directory && entry->d_name[0] != '.' && present(root / entry->d_name / "tasks"))
          hierarchies.emplace_back(entry->d_name);
      }
      ::closedir(listing);
    }
    std::ranges::sort(hierarchies); // the same order on every start
    for (const auto& hierarchy : hierarchies)
      MOAT_TRY(make(hierarchy));
  }
  auto has = [&](const char* controller) { return present(root / controller / "tasks"); };
  const bool every = which == Hierarchies::all;
  if (limits.memory_bytes > 0 || (every && has("memory"))) {
    MOAT_TRY_ASSIGN(dir, make("memory"));
    if (limits.memory_bytes > 0) {
      MOAT_TRY(write_value(dir / "memory.limit_in_bytes", std::to_string(limits.memory_bytes)));
      if (present(dir / "memory.memsw.limit_in_bytes"))
        MOAT_TRY(
            write_value(dir / "memory.memsw.limit_in_bytes", std::to_string(limits.memory_bytes)));
      (void)write_value(dir / "memory.swappiness", "0");
    }
    cg.m_memory = dir;
  }
  if (limits.pids > 0 || (every && has("pids"))) {
    MOAT_TRY_ASSIGN(dir, make("pids"));
    if (limits.pids > 0)
      MOAT_TRY(write_value(dir / "pids.max", std::to_string(limits.pids)));
  }
  if (cpu_limit || limits.cpu_shares > 0) {
    MOAT_TRY_ASSIGN(dir, make("cpu"));
    if (cpu_limit) {
      MOAT_TRY(write_value(dir / "cpu.cfs_period_us", std::to_string(period)));
      MOAT_TRY(write_value(dir / "cpu.cfs_quota_us", std::to_string(quota)));
    }
    if (limits.cpu_shares > 0)
      MOAT_TRY(write_value(dir / "cpu.shares", std::to_string(limits.cpu_shares)));
  }
  if (limits.devices && has("devices")) {
    MOAT_TRY_ASSIGN(dir, make("devices"));
    MOAT_TRY(write_value(dir / "devices.deny", "a"));
    for (const auto& rule : *limits.devices) {
      const bool allow = rule.starts_with("allow ");
      MOAT_TRY(write_value(dir / (allow ? "devices.allow" : "devices.deny"),
                           rule.substr(rule.find(' ') + 1)));
    }
    cg.m_devices = true;
  }
  return cg;
}

Cgroup Cgroup::open(std::vector<fs::path> dirs) {
  Cgroup cg;
  cg.m_keep = true; // removed by remove() only
  cg.m_dirs = std::move(dirs);
  cg.m_v2 = !cg.m_dirs.empty() && fs::exists(cg.m_dirs.front() / "cgroup.controllers");
  for (const auto& dir : cg.m_dirs)
    if (dir.string().find("/memory/") != std::string::npos)
      cg.m_memory = dir;
  return cg;
}

std::vector<int> Cgroup::processes() const {
  std::vector<int> pids;
  for (const auto& dir : m_dirs) {
    std::istringstream in(read_value(dir / "cgroup.procs"));
    int pid = 0;
    while (in >> pid)
      if (std::find(pids.begin(), pids.end(), pid) == pids.end())
        pids.push_back(pid);
  }
  return pids;
}

Cgroup::Cgroup(Cgroup&& other) noexcept
    : m_v2(other.m_v2), m_devices(other.m_devices), m_keep(other.m_keep),
      m_dirs(std::move(other.m_dirs)), m_memory(std::move(other.m_memory)) {
  other.m_dirs.clear();
}

Cgroup::~Cgroup() {
  if (!m_keep)
    remove();
}

void Cgroup::remove() const {
  // A cgroup can be removed once its last process has gone; the kernel
  // may take a moment after the wait.
  for (const auto& dir : m_dirs)
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

core::Status Cgroup::add(int pid) const {
  for (const auto& dir : m_dirs)
    MOAT_TRY(write_value(dir / "cgroup.procs", std::to_string(pid)));
  return {};
}

bool Cgroup::oom_killed() const {
  if (m_v2 && !m_dirs.empty())
    return count_of(read_value(m_dirs.front() / "memory.events"), "oom_kill") > 0;
  if (m_memory.empty())
    return false;
  const auto control = read_value(m_memory / "memory.oom_control");
  return count_of(control, "oom_kill") > 0 || count_of(control, "under_oom") > 0;
}

} // namespace moat::sandbox
