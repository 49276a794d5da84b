#pragma once
// Containers of the OCI runtime CLI (moat create, start, state, kill,
// delete, ps), kept as ROOT/ID/state.json: the init's pid and start time
// (so a recycled pid is not taken for it), the bundle, the cgroup's
// directories and the poststop hooks. ROOT/ID/exec.fifo exists from
// create until start.

#include <moat/core/result.hpp>
#include <moat/sandbox/oci.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace moat::sandbox {

enum class Status { creating, created, running, stopped };
[[nodiscard]] std::string_view to_string(Status status);

struct ContainerState {
  std::string id;
  int pid = 0;
  std::uint64_t start_time = 0; // /proc/PID/stat field 22
  std::filesystem::path bundle;
  std::filesystem::path rootfs;
  std::string created; // RFC 3339, UTC
  std::string oci_version;
  std::map<std::string, std::string> annotations;
  std::vector<std::filesystem::path> cgroup_dirs;
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
};

class Containers {
public:
  explicit Containers(std::filesystem::path root) : m_root(std::move(root)) {}

  [[nodiscard]] const std::filesystem::path& root() const { return m_root; }
  [[nodiscard]] std::filesystem::path dir(const std::string& id) const { return m_root / id; }
  [[nodiscard]] std::filesystem::path fifo(const std::string& id) const {
    return dir(id) / "exec.fifo";
  }

  // A container id as runc accepts them: letters, digits, '_', '+', '-', '.'.
  [[nodiscard]] static core::Status check_id(const std::string& id);

  // Makes ROOT/ID (refused when it exists) and its start FIFO, which the
  // init, running as host uid FIFO_OWNER, must be able to open.
  [[nodiscard]] core::Status prepare(const std::string& id, std::uint32_t fifo_owner) const;
  // Removes ROOT/ID and what is in it.
  void remove(const std::string& id) const;

  [[nodiscard]] core::Status save(const ContainerState& state) const;
  [[nodiscard]] core::Result<ContainerState> load(const std::string& id) const;
  [[nodiscard]] Status status(const ContainerState& state) const;

  // The state document the OCI runtime spec defines (what `state` prints
  // and hooks read on standard input).
  [[nodiscard]] std::string state_json(const ContainerState& state) const;

  // Lets the init of a created container run its command.
  [[nodiscard]] core::Status start(const ContainerState& state) const;
  // Sends SIGNAL to the init, or with ALL to every process of the cgroup.
  [[nodiscard]] core::Status kill(const ContainerState& state, int signal, bool all) const;
  // Kills what is left (FORCE, or a container that never started), runs
  // the poststop hooks, removes the cgroup and ROOT/ID.
  [[nodiscard]] core::Status destroy(const ContainerState& state, bool force) const;
  // The host pids of its processes.
  [[nodiscard]] std::vector<int> processes(const ContainerState& state) const;

private:
  std::filesystem::path m_root;
};

// The start time of PID (/proc/PID/stat field 22); 0 when it is gone.
[[nodiscard]] std::uint64_t process_start_time(int pid);

// A signal by name or number: "KILL", "SIGKILL", "9".
[[nodiscard]] std::optional<int> parse_signal(std::string_view text);

} // namespace moat::sandbox
