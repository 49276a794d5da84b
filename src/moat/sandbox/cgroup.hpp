#pragma once
// One container's cgroup: created with its limits, removed when destroyed.

#include <moat/core/result.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace moat::sandbox {

struct Limits {
  std::uint64_t memory_bytes = 0; // 0: none
  std::uint32_t pids = 0;         // 0: none
  double cpus = 0;                // 0: none
  std::uint64_t cpu_shares = 0;   // v1 shares (2-262144); 0: none
  std::int64_t cpu_quota = 0;     // with cpu_period; 0: none
  std::uint64_t cpu_period = 0;
  // Device access: when set, everything is denied, then these rules apply
  // in order (v1 devices controller; "allow c 1:3 rwm", "deny c 10:229 rwm").
  std::optional<std::vector<std::string>> devices;
};

// Which v1 hierarchies a cgroup is made in (v2 has one).
enum class Hierarchies {
  limited, // those whose controller LIMITS set (moat run: memory and pids)
  all,     // every one mounted, as runc does (the OCI runtime)
};

class Cgroup {
public:
  // Creates the cgroup NAME under moat/ in the controllers LIMITS needs,
  // below ROOT (the cgroup file system's mount point).
  [[nodiscard]] static core::Result<Cgroup>
  create(const std::string& name, const Limits& limits,
         const std::filesystem::path& root = "/sys/fs/cgroup");
  // The same at PATH (relative to the root: "docker/ID", "moat/ID"), by
  // default in every v1 hierarchy, so the container sees its own cgroup in
  // each and its process list is complete whatever the limits. A cgroup
  // that exists already is an error.
  [[nodiscard]] static core::Result<Cgroup>
  create_at(const std::string& path, const Limits& limits,
            const std::filesystem::path& root = "/sys/fs/cgroup",
            Hierarchies which = Hierarchies::all);
  // The cgroup of directories DIRS made earlier (moat delete, kill --all);
  // kept when the object goes.
  [[nodiscard]] static Cgroup open(std::vector<std::filesystem::path> dirs);
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
  // Whether device rules are enforced (a v1 devices controller).
  [[nodiscard]] bool enforces_devices() const { return m_devices; }
  // The processes in it.
  [[nodiscard]] std::vector<int> processes() const;
  [[nodiscard]] const std::vector<std::filesystem::path>& dirs() const { return m_dirs; }
  // Keeps the directories when the object goes (moat create).
  void release() { m_keep = true; }
  // Removes the directories (once the processes are gone).
  void remove() const;

private:
  Cgroup() = default;
  bool m_v2 = false;
  bool m_devices = false;
  bool m_keep = false;
  std::vector<std::filesystem::path> m_dirs;
  std::filesystem::path m_memory;
};

} // namespace moat::sandbox
