#pragma once
// AppArmor profiles in the style of Docker's docker-default, written from
// what a trace saw the program do: its files (collapsed to globs), its
// network families and its capabilities, in place of docker-default's
// blanket `file,`, `network,` and `capability,`; docker-default's denials
// of /proc, /sys and mount are kept.

#include <moat/trace/trace.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace moat::harden {

// How a file was used: trace::FileUse bits.
using trace::k_file_exec;
using trace::k_file_link;
using trace::k_file_lock;
using trace::k_file_map_exec;
using trace::k_file_read;
using trace::k_file_write;

struct AppArmorInput {
  std::string name;                      // the profile's name
  std::map<std::string, unsigned> files; // path (directories end in '/') -> uses
  std::set<std::pair<int, int>> sockets; // (domain, type) as socket(2) takes them
  std::vector<std::string> capabilities; // "net_bind_service", ...
};

struct AppArmorProfile {
  std::string text;
  std::size_t file_rules = 0; // rules the files were collapsed into
};

// The profile. Paths are generalised: /proc/PID/ becomes @{PROC}/@{pid}/,
// terminals /dev/pts/*, temporary directories (/tmp, /var/tmp, /run,
// /dev/shm) a glob when written in, and a directory whose files were only
// read or mapped, with enough of them, DIR/**.
[[nodiscard]] AppArmorProfile apparmor_profile(const AppArmorInput& input);

// Whether NAME may name a profile (letters, digits, '.', '_', '-').
[[nodiscard]] bool valid_profile_name(std::string_view name);

} // namespace moat::harden
