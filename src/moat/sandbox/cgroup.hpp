#pragma once
// One container's cgroup: created with its limits, removed when destroyed.

#include <moat/core/result.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace moat::sandbox {

struct Limits {
  std::uint64_t memory_bytes = 0; // 0: none
  std::uint32_t pids = 0;         // 0: none
  double cpus = 0;                // 0: none
};

class Cgroup {
public:
  // Creates the cgroup NAME under moat/ in every controller LIMITS needs,
  // below ROOT (the cgroup file system's mount point).
  [[nodiscard]] static core::Result<Cgroup>
  create(const std::string& name, const Limits& limits,
         const std::filesystem::path& root = "/sys/fs/cgroup");
  Cgroup(Cgroup&& other) noexcept;
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;
  Cgroup& operator=(Cgroup&&) = delete;
  ~Cgroup();

  // Moves process PID into the cgroup.
  [[nodiscard]] core::Status add(int pid) const;
  // Whether the kernel's OOM killer ended a process of the cgroup.
  [[nodiscard]] bool oom_killed() const;
  [[nodiscard]] bool v2() const { return m_v2; }

private:
  Cgroup() = default;
  bool m_v2 = false;
  std::vector<std::filesystem::path> m_dirs;
  std::filesystem::path m_memory;
};

} // namespace moat::sandbox
