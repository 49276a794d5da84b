#pragma once
// Root: the host's files as moat bench reads them, below a directory that
// is "/" on a real host and a prepared tree in tests. Paths are host paths
// ("/etc/docker/daemon.json"); symbolic links are followed inside the root,
// never out of it.

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::host {

struct FileInfo {
  enum class Type { missing, regular, directory, symlink, socket, other };
  Type type = Type::missing;
  unsigned mode = 0; // permission bits (07777)
  uid_t uid = 0;
  gid_t gid = 0;
  std::string owner; // names from the root's /etc/passwd and /etc/group,
  std::string group; // or the number when the name is unknown

  [[nodiscard]] bool exists() const { return type != Type::missing; }
};

class Root {
public:
  explicit Root(std::filesystem::path dir = "/");

  // True for the real host ("/").
  [[nodiscard]] bool is_host() const { return m_host; }
  [[nodiscard]] const std::filesystem::path& dir() const { return m_dir; }

  // The file's text; nullopt when it does not exist or cannot be read.
  // Larger files are cut at MAX_BYTES.
  [[nodiscard]] std::optional<std::string> read(std::string_view path,
                                                std::size_t max_bytes = 16 << 20) const;

  // What PATH is; FOLLOW follows a final symbolic link.
  [[nodiscard]] FileInfo stat(std::string_view path, bool follow = true) const;

  // The names in directory PATH, sorted; empty when it is not a directory.
  [[nodiscard]] std::vector<std::string> list(std::string_view path) const;

  // Where PATH is on this machine's file system (links resolved inside the
  // root); empty when a link loops.
  [[nodiscard]] std::filesystem::path real(std::string_view path, bool follow = true) const;

  // The members of GROUP (the root's /etc/group), and the users whose
  // primary group it is (/etc/passwd).
  [[nodiscard]] std::vector<std::string> group_members(std::string_view group) const;

private:
  void load_names() const;

  std::filesystem::path m_dir;
  bool m_host = true;
  mutable bool m_names_loaded = false;
  mutable std::map<uid_t, std::string> m_users;
  mutable std::map<gid_t, std::string> m_groups;
};

} // namespace moat::host
