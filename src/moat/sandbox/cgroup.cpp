// cgroup limits for one container: cgroup v2 when the unified hierarchy is
// the only one, v1 controllers otherwise (also on hybrid hosts, where v1
// controllers sit beside an empty v2 mount; crun refuses to start there).

#include <moat/sandbox/cgroup.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace moat::sandbox {

namespace {

namespace fs = std::filesystem;

core::Status write_value(const fs::path& file, const std::string& value) {
  std::ofstream out(file);
  out << value;
  out.flush();
  if (!out)
    return core::fail(core::ErrorKind::io, file.string(),
                      fmt::format("cannot write '{}': {}", value, std::strerror(errno)));
  return {};
}

std::string read_value(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
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
  Cgroup cg;
  cg.m_v2 = fs::exists(root / "cgroup.controllers");
  std::error_code ec;
  if (cg.m_v2) {
    const auto parent = root / "moat";
    fs::create_directories(parent, ec);
    // Each level hands the controllers down to the next.
    for (const auto& dir : {root, parent}) {
      const auto wanted = read_value(dir / "cgroup.controllers");
      std::string enable;
      for (const auto* c : {"memory", "pids", "cpu"})
        if (wanted.find(c) != std::string::npos)
          enable += fmt::format("+{} ", c);
      if (!enable.empty())
        (void)write_value(dir / "cgroup.subtree_control", enable);
    }
    const auto dir = parent / name;
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
    if (limits.cpus > 0)
      MOAT_TRY(write_value(dir / "cpu.max",
                           fmt::format("{} 100000", static_cast<long>(limits.cpus * 100000))));
    return cg;
  }
  auto make = [&](const char* controller) -> core::Result<fs::path> {
    const auto dir = root / controller / "moat" / name;
    fs::create_directories(dir.parent_path(), ec);
    if (!fs::create_directory(dir, ec))
      return core::fail(core::ErrorKind::io, dir.string(),
                        fmt::format("cannot create the cgroup: {}", ec ? ec.message() : "exists"));
    cg.m_dirs.push_back(dir);
    return dir;
  };
  if (limits.memory_bytes > 0) {
    MOAT_TRY_ASSIGN(dir, make("memory"));
    MOAT_TRY(write_value(dir / "memory.limit_in_bytes", std::to_string(limits.memory_bytes)));
    if (fs::exists(dir / "memory.memsw.limit_in_bytes"))
      MOAT_TRY(
          write_value(dir / "memory.memsw.limit_in_bytes", std::to_string(limits.memory_bytes)));
    (void)write_value(dir / "memory.swappiness", "0");
    cg.m_memory = dir;
  }
  if (limits.pids > 0) {
    MOAT_TRY_ASSIGN(dir, make("pids"));
    MOAT_TRY(write_value(dir / "pids.max", std::to_string(limits.pids)));
  }
  if (limits.cpus > 0) {
    MOAT_TRY_ASSIGN(dir, make("cpu"));
    MOAT_TRY(write_value(dir / "cpu.cfs_period_us", "100000"));
    MOAT_TRY(write_value(dir / "cpu.cfs_quota_us",
                         std::to_string(static_cast<long>(limits.cpus * 100000))));
  }
  return cg;
}

Cgroup::Cgroup(Cgroup&& other) noexcept
    : m_v2(other.m_v2), m_dirs(std::move(other.m_dirs)), m_memory(std::move(other.m_memory)) {
  other.m_dirs.clear();
}

Cgroup::~Cgroup() {
  // A cgroup can be removed once its last process has gone; the kernel
  // may take a moment after the wait.
  for (const auto& dir : m_dirs)
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::error_code ec;
      fs::remove(dir, ec);
      if (!ec || ec == std::errc::no_such_file_or_directory)
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
