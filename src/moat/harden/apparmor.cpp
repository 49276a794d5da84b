// moat harden apparmor: the profile text. Files are generalised before
// they become rules: process directories of /proc become @{pid}, terminals
// a glob, a temporary directory written in one rule for its whole tree,
// and a directory from which the program only read (or mapped) enough
// files one DIR/** rule; every other file keeps a rule of its own.

#include <moat/harden/apparmor.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string_view>

namespace moat::harden {

namespace {

// A directory from which this many files were only read or mapped is
// allowed as a whole (DIR/**).
constexpr std::size_t k_collapse_at = 6;

constexpr unsigned k_read_only = k_file_read | k_file_map_exec | k_file_lock;

// Directories too broad to allow as a whole, whatever was read in them.
constexpr auto k_broad = std::to_array<std::string_view>(
    {"/etc",         "/usr/bin",   "/usr/include", "/usr/lib",   "/usr/lib32", "/usr/lib64",
     "/usr/libexec", "/usr/local", "/usr/sbin",    "/usr/share", "/var/cache", "/var/lib",
     "/var/log",     "/var/spool", "/home",        "/root",      "/srv",       "/opt",
     "/mnt",         "/media",     "/sys",         "/dev",       "@{PROC}",    "@{PROC}/sys"});

// Directories whose whole tree is allowed once the program wrote in them.
constexpr auto k_scratch =
    std::to_array<std::string_view>({"/tmp", "/var/tmp", "/run", "/dev/shm"});

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

// /proc/1234/status -> @{PROC}/@{pid}/status; /dev/pts/3 -> /dev/pts/[0-9]*.
std::string generalise(const std::string& path) {
  if (path.starts_with("/dev/pts/") && all_digits(std::string_view(path).substr(9)))
    return "/dev/pts/[0-9]*";
  if (path != "/proc" && path != "/proc/" && !path.starts_with("/proc/"))
    return path;
  std::string rest = path.size() > 5 ? path.substr(5) : std::string("/");
  // rest starts with '/'
  const auto end = rest.find('/', 1);
  const std::string first = rest.substr(1, end == std::string::npos ? std::string::npos : end - 1);
  if (first == "self" || first == "thread-self" || all_digits(first)) {
    std::string tail = end == std::string::npos ? std::string() : rest.substr(end);
    // task/<tid>/ inside a process directory.
    if (tail.starts_with("/task/")) {
      const auto tid_end = tail.find('/', 6);
      const std::string tid =
          tail.substr(6, tid_end == std::string::npos ? std::string::npos : tid_end - 6);
      if (all_digits(tid))
        tail =
            "/task/@{tid}" + (tid_end == std::string::npos ? std::string() : tail.substr(tid_end));
    }
    return "@{PROC}/@{pid}" + tail;
  }
  return "@{PROC}" + rest;
}

// A path as a rule writes it: AppArmor's glob characters in a real name
// escaped, and quoted when it holds a space.
std::string quote(const std::string& path, bool generalised) {
  std::string out;
  for (char c : path) {
    if (!generalised && (c == '*' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}' ||
                         c == '\\' || c == '"' || c == '^'))
      out += '\\';
    out += c;
  }
  if (out.find_first_of(" \t") != std::string::npos)
    return "\"" + out + "\"";
  return out;
}

std::string permissions(unsigned use) {
  std::string p;
  if ((use & k_file_read) != 0)
    p += 'r';
  if ((use & k_file_write) != 0)
    p += 'w';
  if ((use & k_file_link) != 0)
    p += 'l';
  if ((use & k_file_lock) != 0)
    p += 'k';
  if ((use & k_file_map_exec) != 0)
    p += 'm';
  if ((use & k_file_exec) != 0)
    p += "ix";
  return p;
}

std::size_t depth(std::string_view dir) {
  return static_cast<std::size_t>(std::count(dir.begin(), dir.end(), '/'));
}

// The directories above PATH, shallowest first ("/usr", "/usr/lib", ...).
std::vector<std::string> ancestors(const std::string& path) {
  std::vector<std::string> out;
  for (std::size_t at = path.find('/', 1); at != std::string::npos; at = path.find('/', at + 1))
    out.push_back(path.substr(0, at));
  return out;
}

std::string family(int domain) {
  switch (domain) {
  case 1:
    return "unix";
  case 2:
    return "inet";
  case 10:
    return "inet6";
  case 16:
    return "netlink";
  case 17:
    return "packet";
  default:
    return {};
  }
}

std::string socket_type(int type) {
  switch (type) {
  case 1:
    return "stream";
  case 2:
    return "dgram";
  case 3:
    return "raw";
  case 4:
    return "rdm";
  case 5:
    return "seqpacket";
  default:
    return {};
  }
}

} // namespace

bool valid_profile_name(std::string_view name) {
  return !name.empty() && name.size() <= 200 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

AppArmorProfile apparmor_profile(const AppArmorInput& input) {
  AppArmorProfile out;
  // Generalised paths, their uses merged.
  std::map<std::string, unsigned> files;
  std::set<std::string> generalised;
  for (const auto& [path, use] : input.files) {
    if (path.empty() || (path[0] != '/'))
      continue;
    auto g = generalise(path);
    if (g != path)
      generalised.insert(g);
    files[g] |= use;
  }
  // Temporary directories written in: their whole tree.
  std::map<std::string, unsigned> rules; // glob or path -> uses
  for (auto scratch : k_scratch) {
    const std::string prefix = std::string(scratch) + "/";
    unsigned use = 0;
    bool written = false;
    for (const auto& [path, u] : files)
      if (path.starts_with(prefix)) {
        use |= u;
        written = written || (u & k_file_write) != 0;
      }
    if (!written)
      continue;
    for (auto it = files.begin(); it != files.end();)
      it = it->first.starts_with(prefix) ? files.erase(it) : std::next(it);
    rules[prefix] |= k_file_read;
    rules[prefix + "**"] |= (use & ~k_file_exec) | k_file_read | k_file_write;
    generalised.insert(prefix + "**");
  }
  // How many files each directory holds that were only read or mapped,
  // and whether anything else happened in it.
  std::map<std::string, std::size_t> read_only;
  for (const auto& [path, use] : files) {
    if ((use & ~k_read_only) != 0 || path.ends_with('/'))
      continue;
    for (const auto& dir : ancestors(path))
      ++read_only[dir];
  }
  auto collapsible = [&](const std::string& dir) {
    if (depth(dir) < 2)
      return false;
    if (std::find(k_broad.begin(), k_broad.end(), dir) != k_broad.end())
      return false;
    auto it = read_only.find(dir);
    return it != read_only.end() && it->second >= k_collapse_at;
  };
  for (const auto& [path, use] : files) {
    std::string target = path;
    if ((use & ~k_read_only) == 0 && !path.ends_with('/')) {
      for (const auto& dir : ancestors(path))
        if (collapsible(dir)) {
          target = dir + "/**";
          generalised.insert(target);
          break;
        }
    }
    rules[target] |= use;
  }
  // Directories listed inside a collapsed tree are covered by it.
  for (auto it = rules.begin(); it != rules.end();) {
    bool covered = false;
    if (it->first.ends_with('/') && (it->second & ~k_file_read) == 0)
      for (const auto& dir : ancestors(it->first))
        if (dir.size() + 1 < it->first.size() && rules.contains(dir + "/**"))
          covered = true;
    it = covered ? rules.erase(it) : std::next(it);
  }
  out.file_rules = rules.size();

  std::string t;
  t += fmt::format("# AppArmor profile {}, written by moat harden apparmor from what a traced\n"
                   "# run of the program did. Load it with `apparmor_parser -r FILE` and run\n"
                   "# the container with `--security-opt apparmor={}`. A code path the run\n"
                   "# did not take may need more: trace it too and compare.\n",
                   input.name, input.name);
  t += "abi <abi/3.0>,\n\n#include <tunables/global>\n\n";
  t += fmt::format("profile {} flags=(attach_disconnected,mediate_deleted) {{\n", input.name);
  t += "  #include <abstractions/base>\n\n";
  std::set<std::string> network;
  for (const auto& [domain, type] : input.sockets) {
    const auto f = family(domain);
    if (f.empty())
      continue;
    const auto ty = socket_type(type);
    network.insert(ty.empty() ? f : fmt::format("{} {}", f, ty));
  }
  t += "  # Sockets the program opened.\n";
  for (const auto& n : network)
    t += fmt::format("  network {},\n", n);
  if (network.empty())
    t += "  # (none)\n";
  t += "\n  # Capabilities it used.\n";
  for (const auto& cap : input.capabilities)
    t += fmt::format("  capability {},\n", cap);
  if (input.capabilities.empty())
    t += "  # (none)\n";
  t += "\n  # Files, as the program used them.\n";
  for (const auto& [path, use] : rules) {
    const auto perms = permissions(use);
    if (!perms.empty())
      t += fmt::format("  {} {},\n", quote(path, generalised.contains(path)), perms);
  }
  t += fmt::format(
      "\n"
      "  # Kept from Docker's docker-default.\n"
      "  signal (receive) peer=unconfined,\n"
      "  signal (receive) peer=runc,\n"
      "  signal (receive) peer=crun,\n"
      "  signal (send,receive) peer={0},\n"
      "  ptrace (trace,read,tracedby,readby) peer={0},\n"
      "  deny mount,\n"
      "  deny @{{PROC}}/* w,\n"
      "  deny "
      "@{{PROC}}/{{[^1-9],[^1-9][^0-9],[^1-9s][^0-9y][^0-9s],[^1-9][^0-9][^0-9][^0-9/]*}}/** "
      "w,\n"
      "  deny @{{PROC}}/sys/[^k]** w,\n"
      "  deny @{{PROC}}/sys/kernel/{{?,??,[^s][^h][^m]**}} w,\n"
      "  deny @{{PROC}}/sysrq-trigger rwklx,\n"
      "  deny @{{PROC}}/kcore rwklx,\n"
      "  deny /sys/[^f]*/** wklx,\n"
      "  deny /sys/f[^s]*/** wklx,\n"
      "  deny /sys/fs/[^c]*/** wklx,\n"
      "  deny /sys/fs/c[^g]*/** wklx,\n"
      "  deny /sys/fs/cg[^r]*/** wklx,\n"
      "  deny /sys/firmware/** rwklx,\n"
      "  deny /sys/devices/virtual/powercap/** rwklx,\n"
      "  deny /sys/kernel/security/** rwklx,\n"
      "}}\n",
      input.name);
  out.text = std::move(t);
  return out;
}

} // namespace moat::harden
