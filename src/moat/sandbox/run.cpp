// Starting a container: clone into new namespaces, map ids, join the
// cgroup, then in the child build the root (mounts resolved inside the
// rootfs, masked and read-only paths, pivot_root), drop privileges, load
// seccomp and exec the command. The parent forwards signals and reports
// the end as docker run does.

#include <moat/sandbox/cgroup.hpp>
#include <moat/sandbox/sandbox.hpp>
#include <moat/util/in_root.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace moat::sandbox {

namespace {

namespace fs = std::filesystem;

// What the child reports when it cannot go on; the pipe closes at exec.
struct ChildError {
  int exit_code = 125; // 125 setup, 126 cannot run, 127 not found
  int err = 0;
  std::array<char, 256> what{};
};

[[noreturn]] void fail(int fd, int exit_code, int err, const std::string& what) {
  if (fd < 0) {
    // moat create has returned: nobody reads the pipe, the container's
    // standard error is where the reason can go.
    const auto line = err != 0 ? fmt::format("moat: {}: {}\n", what, std::strerror(err))
                               : fmt::format("moat: {}\n", what);
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
    ::_exit(exit_code);
  }
  ChildError e;
  e.exit_code = exit_code;
  e.err = err;
  std::strncpy(e.what.data(), what.c_str(), e.what.size() - 1);
  [[maybe_unused]] auto n = ::write(fd, &e, sizeof e);
  ::_exit(exit_code);
}

std::string fd_path(int fd) {
  return fmt::format("/proc/self/fd/{}", fd);
}

// Mount flags the kernel locks on a mount made in a user namespace: a
// remount must keep them.
unsigned long locked_flags(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0)
    return 0;
  unsigned long flags = 0;
  if ((st.f_flag & ST_NOSUID) != 0)
    flags |= MS_NOSUID;
  if ((st.f_flag & ST_NODEV) != 0)
    flags |= MS_NODEV;
  if ((st.f_flag & ST_NOEXEC) != 0)
    flags |= MS_NOEXEC;
  if ((st.f_flag & ST_NOATIME) != 0)
    flags |= MS_NOATIME;
  if ((st.f_flag & ST_NODIRATIME) != 0)
    flags |= MS_NODIRATIME;
  if ((st.f_flag & ST_RELATIME) != 0)
    flags |= MS_RELATIME;
  return flags;
}

// What the setup shares with moat run's process when it runs in the same
// memory (sandbox::run): whether it got as far as its exec, and the signal
// mask to exec with (signals stay blocked during the setup).
struct SharedSetup {
  std::atomic<bool> reached_exec{false};
  sigset_t signal_mask{};
};

class ChildSetup {
public:
  // MOUNT_POINT is a directory the container's root can reach, where the
  // rootfs is bound.
  ChildSetup(const Spec& spec, int err_fd, std::string mount_point)
      : m_spec(spec), m_err(err_fd), m_mount_point(std::move(mount_point)) {}

  // Runs in moat run's memory: SHARED is told when the exec starts.
  void shared_memory(SharedSetup* shared) { m_shared = shared; }

  // The rootfs and the volumes, opened while the process still has the
  // host's root uid (before it becomes the container's root): the
  // container's root may not be able to walk to them (a rootfs under a
  // directory only host root may enter). Opened in the container's mount
  // namespace, so they can be bound there.
  // The console socket, connected while paths are still the host's.
  void open_console() {
    if (!m_spec.terminal)
      return;
    m_console = m_spec.console_fd;
    if (!m_spec.console_socket.empty()) {
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      if (m_spec.console_socket.size() >= sizeof addr.sun_path)
        fail_setup(fmt::format("console socket {}: path too long", m_spec.console_socket),
                   ENAMETOOLONG);
      std::strncpy(addr.sun_path, m_spec.console_socket.c_str(), sizeof addr.sun_path - 1);
      m_console = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (m_console < 0 ||
          ::connect(m_console, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        fail_setup(fmt::format("connect to the console socket {}", m_spec.console_socket));
    }
    if (m_console < 0)
      fail_setup("a terminal needs a console socket", EINVAL);
  }

  void open_sources() {
    m_rootfs = ::open(m_spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m_rootfs < 0)
      fail_setup(fmt::format("open the rootfs {}", m_spec.rootfs.string()));
    open_console();
    if (!m_spec.start_fifo.empty()) {
      m_fifo = ::open(m_spec.start_fifo.c_str(), O_PATH | O_CLOEXEC);
      if (m_fifo < 0)
        fail_setup(fmt::format("open {}", m_spec.start_fifo));
    }
    if (m_spec.oci) {
      for (const auto& m : m_spec.oci->mounts) {
        if (!m.bind) {
          m_sources.push_back(-1);
          continue;
        }
        const int fd = ::open(m.source.c_str(), O_PATH | O_CLOEXEC);
        if (fd < 0)
          fail_setup(fmt::format("open the mount source {}", m.source));
        m_sources.push_back(fd);
      }
      for (const auto& ns : m_spec.oci->namespaces) {
        if (ns.path.empty())
          continue;
        const int fd = ::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
          fail_setup(fmt::format("open the namespace {}", ns.path));
        m_joins.emplace_back(ns.type, fd);
      }
      return;
    }
    for (const auto& m : m_spec.mounts) {
      if (m.tmpfs) {
        m_sources.push_back(-1);
        continue;
      }
      const int fd = ::open(m.source.c_str(), O_PATH | O_CLOEXEC);
      if (fd < 0)
        fail_setup(fmt::format("open the volume {}", m.source));
      m_sources.push_back(fd);
    }
  }

  [[noreturn]] void fail_setup(const std::string& what, int err = errno) {
    fail(m_err, 125, err, what);
  }

  // The mount target PATH inside the rootfs: it must exist and must not
  // be a symlink. Returns its O_PATH descriptor.
  int target(const std::string& path) {
    const int fd = util::open_in_root(m_root, path, O_PATH, false);
    if (fd < 0)
      fail_setup(fmt::format("mount point {} in the rootfs", path));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISLNK(st.st_mode))
      fail_setup(fmt::format("mount point {} is a symlink; refused", path), ELOOP);
    return fd;
  }

  void mount_at(const std::string& path, const char* source, const char* type, unsigned long flags,
                const char* data) {
    const int fd = target(path);
    if (::mount(source, fd_path(fd).c_str(), type, flags, data) != 0)
      fail_setup(fmt::format("mount {} on {}", type != nullptr ? type : source, path));
    ::close(fd);
  }

  void bind_at(const std::string& host, const std::string& path, bool read_only) {
    const int fd = target(path);
    const std::string at = fd_path(fd);
    if (::mount(host.c_str(), at.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
      fail_setup(fmt::format("bind {} on {}", host, path));
    ::close(fd);
    if (read_only)
      remount_read_only(path);
  }

  void remount_read_only(const std::string& path) {
    const int fd = target(path);
    const std::string at = fd_path(fd);
    if (::mount(nullptr, at.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags(at),
                nullptr) != 0)
      fail_setup(fmt::format("read-only remount of {}", path));
    ::close(fd);
  }

  void make_dev() {
    mount_at("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME,
             "mode=755,size=65536k");
    const int dev = target("/dev");
    for (const auto* name : {"null", "zero", "full", "random", "urandom", "tty"}) {
      const int f = ::openat(dev, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
      if (f < 0)
        fail_setup(fmt::format("create /dev/{}", name));
      ::close(f);
      bind_at(fmt::format("/dev/{}", name), fmt::format("/dev/{}", name), false);
    }
    for (const auto* name : {"pts", "shm", "mqueue"})
      if (::mkdirat(dev, name, 0755) != 0)
        fail_setup(fmt::format("create /dev/{}", name));
    mount_at("/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
             "newinstance,ptmxmode=0666,mode=0620");
    mount_at("/dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
    for (const auto& [link, to] :
         std::array<std::pair<const char*, const char*>, 5>{{{"ptmx", "pts/ptmx"},
                                                             {"fd", "/proc/self/fd"},
                                                             {"stdin", "/proc/self/fd/0"},
                                                             {"stdout", "/proc/self/fd/1"},
                                                             {"stderr", "/proc/self/fd/2"}}})
      if (::symlinkat(to, dev, link) != 0)
        fail_setup(fmt::format("create /dev/{}", link));
    ::close(dev);
  }

  void mask(const std::string& path) {
    const int fd = util::open_in_root(m_root, path, O_PATH, false);
    if (fd < 0)
      return; // nothing there to hide
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISLNK(st.st_mode))
      fail_setup(fmt::format("masked path {} is a symlink; refused", path), ELOOP);
    const std::string at = fd_path(fd);
    const int rc = S_ISDIR(st.st_mode)
                       ? ::mount("tmpfs", at.c_str(), "tmpfs", MS_RDONLY, "size=0")
                       : ::mount("/dev/null", at.c_str(), nullptr, MS_BIND, nullptr);
    if (rc != 0)
      fail_setup(fmt::format("mask {}", path));
    ::close(fd);
  }

  // PATH inside the root, made when missing (directories, and an empty
  // file when FILE), every component resolved inside it. Its O_PATH
  // descriptor; a symlink there is refused.
  int ensure_at(const std::string& path, bool file) {
    const int fd = util::open_in_root(m_root, path, O_PATH, false);
    if (fd >= 0) {
      ::close(fd);
      return target(path);
    }
    if (errno != ENOENT)
      fail_setup(fmt::format("mount point {}", path));
    std::string prefix;
    std::string_view rest = path;
    while (!rest.empty()) {
      const auto slash = rest.find('/');
      const std::string part(rest.substr(0, slash));
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
      if (part.empty() || part == ".")
        continue;
      const std::string parent = prefix.empty() ? "/" : prefix;
      prefix += "/" + part;
      const int at = util::open_in_root(m_root, prefix, O_PATH, true);
      if (at >= 0) {
        ::close(at);
        continue;
      }
      const int dir = util::open_in_root(m_root, parent, O_PATH | O_DIRECTORY, true);
      if (dir < 0)
        fail_setup(fmt::format("mount point {}", path));
      const bool last = rest.find_first_not_of('/') == std::string_view::npos;
      int rc = 0;
      if (last && file) {
        rc = ::openat(dir, part.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (rc >= 0)
          rc = ::close(rc);
      } else {
        rc = ::mkdirat(dir, part.c_str(), 0755);
      }
      if (rc != 0 && errno != EEXIST)
        fail_setup(fmt::format("create the mount point {}", path));
      ::close(dir);
    }
    return target(path);
  }

  // The cgroup file system at PATH: cgroup2 on a unified host, else a
  // tmpfs with each v1 hierarchy this process belongs to. In a cgroup
  // namespace of its own a fresh mount shows only the container's part;
  // without one (dockerd's default on v1 hosts) the container's own cgroup
  // directories are bound there instead, as runc does, so the host's tree
  // stays out of view.
  void mount_cgroups(const std::string& path, unsigned long flags) {
    const unsigned long base = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
    const bool own_ns = m_spec.oci && m_spec.oci->has(CLONE_NEWCGROUP);
    // This process's cgroup in each hierarchy ("4:memory:/docker/ID").
    std::vector<std::pair<std::string, std::string>> mine;
    {
      std::ifstream self("/proc/self/cgroup");
      std::string line;
      while (std::getline(self, line)) {
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first != std::string::npos && second != std::string::npos)
          mine.emplace_back(line.substr(first + 1, second - first - 1), line.substr(second + 1));
      }
    }
    auto bind_host = [&](const std::string& host, const std::string& at) {
      const int fd = ensure_at(at, false);
      if (::mount(host.c_str(), fd_path(fd).c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        fail_setup(fmt::format("bind {} on {}", host, at));
      ::close(fd);
      remount_flags(at, base | (flags & MS_RDONLY));
    };
    if (::access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
      if (!own_ns) {
        for (const auto& [controllers, where] : mine)
          if (controllers.empty())
            bind_host("/sys/fs/cgroup" + where, path);
        return;
      }
      const int fd = ensure_at(path, false);
      if (::mount("cgroup2", fd_path(fd).c_str(), "cgroup2", base | (flags & MS_RDONLY), nullptr) !=
          0)
        fail_setup(fmt::format("mount cgroup2 on {}", path));
      ::close(fd);
      return;
    }
    {
      const int fd = ensure_at(path, false);
      if (::mount("tmpfs", fd_path(fd).c_str(), "tmpfs", base, "mode=755,size=64k") != 0)
        fail_setup(fmt::format("mount a tmpfs for the cgroups on {}", path));
      ::close(fd);
    }
    for (const auto& [controllers, where] : mine) {
      if (controllers.empty())
        continue; // the v2 entry of a hybrid host
      const std::string dir =
          controllers.starts_with("name=") ? controllers.substr(5) : controllers;
      const std::string at = fmt::format("{}/{}", path, dir);
      if (!own_ns) {
        if (::access(fmt::format("/sys/fs/cgroup/{}{}", dir, where).c_str(), F_OK) == 0)
          bind_host(fmt::format("/sys/fs/cgroup/{}{}", dir, where), at);
        continue;
      }
      const int sub = ensure_at(at, false);
      // A v1 hierarchy can only be mounted with privileges over the host;
      // in a user namespace it is left out.
      if (::mount("cgroup", fd_path(sub).c_str(), "cgroup", base | (flags & MS_RDONLY),
                  controllers.c_str()) != 0 &&
          errno != EPERM)
        fail_setup(fmt::format("mount the {} cgroup on {}", controllers, path));
      ::close(sub);
    }
    // cpu and cpuacct are also reached by their own names, as on the host.
    if (const int dir = util::open_in_root(m_root, path, O_PATH | O_DIRECTORY, false); dir >= 0) {
      for (const auto& [controllers, where] : mine)
        if (controllers.find(',') != std::string::npos && !controllers.starts_with("name="))
          for (const auto part : split_commas(controllers)) {
            // Best effort: a name the tmpfs has already stays as it is.
            [[maybe_unused]] const int linked =
                ::symlinkat(controllers.c_str(), dir, std::string(part).c_str());
          }
      ::close(dir);
    }
    if ((flags & MS_RDONLY) != 0)
      remount_read_only(path);
  }

  static std::vector<std::string_view> split_commas(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
      const auto comma = text.find(',');
      out.push_back(text.substr(0, comma));
      text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    return out;
  }

  void remount_flags(const std::string& path, unsigned long flags) {
    if (flags == 0)
      return;
    const int fd = target(path);
    const std::string at = fd_path(fd);
    if (::mount(nullptr, at.c_str(), nullptr, MS_REMOUNT | MS_BIND | flags | locked_flags(at),
                nullptr) != 0)
      fail_setup(fmt::format("remount {}", path));
    ::close(fd);
  }

  // A device node at PATH: made with mknod, or bound from the host's
  // node where the kernel forbids mknod (a user namespace).
  void make_device(const DeviceSpec& d) {
    const int dev_fd = ensure_at(fs::path(d.path).parent_path().string(), false);
    ::close(dev_fd);
    const int parent = util::open_in_root(m_root, fs::path(d.path).parent_path().string(),
                                          O_PATH | O_DIRECTORY, true);
    if (parent < 0)
      fail_setup(fmt::format("device {}", d.path));
    const std::string name = fs::path(d.path).filename().string();
    ::unlinkat(parent, name.c_str(), 0);
    const mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
    const bool in_userns = m_spec.oci && m_spec.oci->has(CLONE_NEWUSER);
    if (!in_userns &&
        ::mknodat(parent, name.c_str(), type | (d.mode & 07777), makedev(d.major, d.minor)) == 0) {
      if (::fchownat(parent, name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) != 0)
        fail_setup(fmt::format("chown {}", d.path));
      ::close(parent);
      return;
    }
    const int f = ::openat(parent, name.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (f < 0)
      fail_setup(fmt::format("create {}", d.path));
    ::close(f);
    ::close(parent);
    bind_at(d.path, d.path, false);
  }

  void build_oci_root() {
    const OciParts& oci = *m_spec.oci;
    const unsigned long propagation =
        oci.root_propagation != 0 ? oci.root_propagation : MS_SLAVE | MS_REC;
    if (::mount(nullptr, "/", nullptr, propagation | MS_REC, nullptr) != 0)
      fail_setup("set the root's mount propagation");
    const std::string rootfs = m_spec.rootfs.string();
    if (::mount(fd_path(m_rootfs).c_str(), m_mount_point.c_str(), nullptr, MS_BIND | MS_REC,
                nullptr) != 0)
      fail_setup(fmt::format("bind the rootfs {}", rootfs));
    ::close(m_rootfs);
    m_root = ::open(m_mount_point.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m_root < 0)
      fail_setup(fmt::format("open the rootfs {}", rootfs));
    for (std::size_t i = 0; i < oci.mounts.size(); ++i) {
      const auto& m = oci.mounts[i];
      if (m.type == "cgroup" || m.type == "cgroup2") {
        mount_cgroups(m.destination, m.flags);
        continue;
      }
      if (m.bind) {
        struct stat st {};
        const bool file = ::fstat(m_sources[i], &st) == 0 && !S_ISDIR(st.st_mode);
        const int fd = ensure_at(m.destination, file);
        const std::string at = fd_path(fd);
        if (::mount(fd_path(m_sources[i]).c_str(), at.c_str(), nullptr,
                    MS_BIND | (m.flags & MS_REC), nullptr) != 0)
          fail_setup(fmt::format("bind {} on {}", m.source, m.destination));
        ::close(fd);
        const unsigned long extra = m.flags & ~static_cast<unsigned long>(MS_BIND | MS_REC);
        if (extra != 0) {
          const int again = target(m.destination);
          const std::string there = fd_path(again);
          if (::mount(nullptr, there.c_str(), nullptr,
                      MS_REMOUNT | MS_BIND | extra | locked_flags(there), nullptr) != 0)
            fail_setup(fmt::format("remount {}", m.destination));
          ::close(again);
        }
      } else {
        const int fd = ensure_at(m.destination, false);
        const std::string at = fd_path(fd);
        if (::mount(m.source.empty() ? m.type.c_str() : m.source.c_str(), at.c_str(),
                    m.type.c_str(), m.flags, m.data.empty() ? nullptr : m.data.c_str()) != 0) {
          const int e = errno;
          // sysfs and mqueue cannot be mounted in a user namespace that
          // does not own the network or IPC namespace: bind the host's.
          if (e == EPERM && (m.type == "sysfs" || m.type == "mqueue")) {
            const char* host = m.type == "sysfs" ? "/sys" : "/dev/mqueue";
            if (::mount(host, at.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
              fail_setup(fmt::format("bind {} on {}", host, m.destination));
            ::close(fd);
            remount_read_only(m.destination);
            continue;
          }
          fail_setup(fmt::format("mount {} on {}", m.type, m.destination), e);
        }
        ::close(fd);
      }
      if (m.propagation != 0) {
        const int fd = target(m.destination);
        if (::mount(nullptr, fd_path(fd).c_str(), nullptr, m.propagation, nullptr) != 0)
          fail_setup(fmt::format("set the propagation of {}", m.destination));
        ::close(fd);
      }
    }
    // The devices every container has, then the config's.
    static const std::array<DeviceSpec, 6> k_defaults{{{"/dev/null", 'c', 1, 3, 0666, 0, 0},
                                                       {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
                                                       {"/dev/full", 'c', 1, 7, 0666, 0, 0},
                                                       {"/dev/random", 'c', 1, 8, 0666, 0, 0},
                                                       {"/dev/urandom", 'c', 1, 9, 0666, 0, 0},
                                                       {"/dev/tty", 'c', 5, 0, 0666, 0, 0}}};
    for (const auto& d : k_defaults)
      if (std::ranges::none_of(oci.devices, [&](const DeviceSpec& c) { return c.path == d.path; }))
        make_device(d);
    for (const auto& d : oci.devices)
      make_device(d);
    if (const int dev = util::open_in_root(m_root, "/dev", O_PATH | O_DIRECTORY, false); dev >= 0) {
      for (const auto& [link, to] :
           std::array<std::pair<const char*, const char*>, 5>{{{"ptmx", "pts/ptmx"},
                                                               {"fd", "/proc/self/fd"},
                                                               {"stdin", "/proc/self/fd/0"},
                                                               {"stdout", "/proc/self/fd/1"},
                                                               {"stderr", "/proc/self/fd/2"}}}) {
        struct stat st {};
        if (::fstatat(dev, link, &st, AT_SYMLINK_NOFOLLOW) != 0 && ::symlinkat(to, dev, link) != 0)
          fail_setup(fmt::format("create /dev/{}", link));
      }
      ::close(dev);
    }
    for (const auto& [key, value] : oci.sysctl) {
      std::string path = "/proc/sys/" + key;
      std::replace(path.begin() + 10, path.end(), '.', '/');
      const int fd = util::open_in_root(m_root, path, O_WRONLY, false);
      if (fd < 0 || ::write(fd, value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        fail_setup(fmt::format("sysctl {}={}", key, value));
      ::close(fd);
    }
    for (const auto& path : oci.masked)
      mask(path);
    for (const auto& path : oci.readonly)
      protect(path);
    run_hooks(m_spec.create_container_hooks, "createContainer");
    enter_root();
  }

  void protect(const std::string& path) {
    const int fd = util::open_in_root(m_root, path, O_PATH, false);
    if (fd < 0)
      return; // nothing there to protect
    const std::string at = fd_path(fd);
    if (::mount(at.c_str(), at.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
      fail_setup(fmt::format("bind {} on itself", path));
    ::close(fd);
    remount_read_only(path);
  }

  // pivot_root into the rootfs; the old root goes away.
  void enter_root() {
    if (::fchdir(m_root) != 0)
      fail_setup("enter the rootfs");
    if (::syscall(SYS_pivot_root, ".", ".") != 0)
      fail_setup("pivot_root");
    if (::umount2(".", MNT_DETACH) != 0)
      fail_setup("detach the old root");
    if (::chdir("/") != 0)
      fail_setup("chdir /");
    ::close(m_root);
    m_root = -1;
    if (m_spec.read_only_root &&
        ::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | locked_flags("/"),
                nullptr) != 0)
      fail_setup("read-only remount of /");
  }

  void build_root() {
    if (m_spec.oci) {
      build_oci_root();
      return;
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      fail_setup("make the mounts private");
    const std::string rootfs = m_spec.rootfs.string();
    if (::mount(fd_path(m_rootfs).c_str(), m_mount_point.c_str(), nullptr, MS_BIND | MS_REC,
                nullptr) != 0)
      fail_setup(fmt::format("bind the rootfs {}", rootfs));
    ::close(m_rootfs);
    m_root = ::open(m_mount_point.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m_root < 0)
      fail_setup(fmt::format("open the rootfs {}", rootfs));
    mount_at("/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    if (m_spec.host_network) {
      // sysfs can only be mounted in a network namespace of one's own.
      bind_at("/sys", "/sys", true);
    } else {
      mount_at("/sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, nullptr);
    }
    make_dev();
    mount_at("/tmp", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=65536k");
    mount_at("/run", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=65536k");
    for (std::size_t i = 0; i < m_spec.mounts.size(); ++i) {
      const auto& m = m_spec.mounts[i];
      if (m.tmpfs)
        mount_at(m.target, "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV,
                 m.options.empty() ? "mode=1777" : m.options.c_str());
      else
        bind_at(fd_path(m_sources[i]), m.target, m.read_only);
    }
    for (const auto& path : masked_paths())
      mask(path);
    for (const auto& path : readonly_paths())
      protect(path);
    enter_root();
  }

  void loopback_up() {
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
      fail_setup("socket for the loopback interface");
    ifreq req{};
    std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(s, SIOCGIFFLAGS, &req) != 0)
      fail_setup("read the loopback interface");
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    if (::ioctl(s, SIOCSIFFLAGS, &req) != 0)
      fail_setup("bring the loopback interface up");
    ::close(s);
  }

  // The capability sets: the config's, or for moat run the kept
  // capabilities in every set (ambient too for a non-root user, who keeps
  // nothing across exec otherwise).
  [[nodiscard]] CapabilitySets capability_sets(std::uint32_t uid) const {
    if (m_spec.oci)
      return m_spec.oci->caps;
    std::uint64_t keep = 0;
    for (int cap : m_spec.capabilities)
      keep |= std::uint64_t{1} << cap;
    return CapabilitySets{keep, keep, keep, keep, uid != 0 ? keep : 0};
  }

  void drop_privileges() {
    const std::uint32_t uid = m_spec.uid.value_or(0);
    const std::uint32_t gid = m_spec.gid.value_or(m_spec.oci ? 0 : uid);
    const CapabilitySets caps = capability_sets(uid);
    // The bounding set first, while CAP_SETPCAP is still held.
    int last = CAP_LAST_CAP;
    {
      std::ifstream in("/proc/sys/kernel/cap_last_cap");
      in >> last;
    }
    for (int cap = 0; cap <= last && cap < 64; ++cap)
      if ((caps.bounding & (std::uint64_t{1} << cap)) == 0 &&
          ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
        fail_setup(fmt::format("drop capability {} from the bounding set", cap));
    // An ordinary user's namespace has setgroups denied (and one id).
    std::string setgroups_state;
    {
      std::ifstream in("/proc/self/setgroups");
      in >> setgroups_state;
    }
    std::vector<gid_t> groups{gid};
    if (m_spec.oci)
      groups.insert(groups.end(), m_spec.oci->additional_gids.begin(),
                    m_spec.oci->additional_gids.end());
    if (setgroups_state != "deny" && ::setgroups(groups.size(), groups.data()) != 0)
      fail_setup("setgroups");
    if (::setresgid(gid, gid, gid) != 0)
      fail_setup(fmt::format("setgid {}", gid));
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
      fail_setup("keep capabilities across setuid");
    if (::setresuid(uid, uid, uid) != 0)
      fail_setup(fmt::format("setuid {}", uid));
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    std::array<__user_cap_data_struct, 2> data{};
    for (std::size_t i = 0; i < 2; ++i) {
      data[i].effective = static_cast<std::uint32_t>(caps.effective >> (32 * i));
      data[i].permitted = static_cast<std::uint32_t>(caps.permitted >> (32 * i));
      data[i].inheritable = static_cast<std::uint32_t>(caps.inheritable >> (32 * i));
    }
    if (::syscall(SYS_capset, &header, data.data()) != 0)
      fail_setup("set capabilities");
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    // The kernel raises an ambient capability only when it is permitted and
    // inheritable; a config that lists it as ambient alone gets it skipped,
    // as runc does.
    const std::uint64_t ambient =
        m_spec.oci ? caps.ambient & caps.permitted & caps.inheritable : caps.ambient;
    for (int cap = 0; cap < 64; ++cap)
      if ((ambient & (std::uint64_t{1} << cap)) != 0 &&
          ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
        fail_setup(fmt::format("raise ambient capability {}", cap));
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  }

  // The terminal: a pseudo-terminal of the container's own devpts, its
  // other end sent over the console socket (SCM_RIGHTS, as runc sends it),
  // this end made the controlling terminal and standard input, output and
  // error.
  void setup_terminal() {
    if (!m_spec.terminal)
      return;
    const int master = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
      fail_setup("open /dev/ptmx");
    int unlock = 0;
    if (::ioctl(master, TIOCSPTLCK, &unlock) != 0)
      fail_setup("unlock the terminal");
    if (m_spec.rows > 0 && m_spec.columns > 0) {
      winsize size{};
      size.ws_row = m_spec.rows;
      size.ws_col = m_spec.columns;
      ::ioctl(master, TIOCSWINSZ, &size);
    }
    const int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0)
      fail_setup("open the terminal's container end");
    unsigned int number = 0;
    ::ioctl(master, TIOCGPTN, &number);
    const std::string name = fmt::format("/dev/pts/{}", number);
    iovec data{const_cast<char*>(name.data()), name.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &master, sizeof master);
    if (::sendmsg(m_console, &message, MSG_NOSIGNAL) < 0)
      fail_setup("send the terminal over the console socket");
    ::close(master);
    ::close(m_console);
    m_console = -1;
    if (::setsid() < 0)
      fail_setup("start a session");
    if (::ioctl(slave, TIOCSCTTY, 0) != 0)
      fail_setup("take the terminal as the controlling one");
    for (int fd = 0; fd < 3; ++fd)
      if (::dup2(slave, fd) < 0)
        fail_setup("make the terminal standard input and output");
    if (slave > 2)
      ::close(slave);
  }

  // The state document for the hooks the init runs: its length, then it.
  void read_state(int fd) {
    std::uint32_t size = 0;
    if (::read(fd, &size, sizeof size) != static_cast<ssize_t>(sizeof size) || size > (1U << 20))
      fail_setup("read the container's state from the parent");
    m_state.resize(size);
    std::size_t got = 0;
    while (got < size) {
      const auto n = ::read(fd, m_state.data() + got, size - got);
      if (n <= 0)
        fail_setup("read the container's state from the parent");
      got += static_cast<std::size_t>(n);
    }
  }

  void run_hooks(const std::vector<Hook>& hooks, std::string_view what) {
    for (const auto& hook : hooks)
      if (auto ok = run_hook(hook, m_state, what); !ok)
        fail_setup(ok.error().message, 0);
  }

  // moat create: tell the parent the container is ready, then wait until
  // moat start opens the FIFO and reads what is written to it.
  void wait_for_start() {
    if (m_fifo < 0)
      return;
    // A command that is not there fails create, not the start after it,
    // as with runc (docker run then says why at once).
    const std::string& program = m_spec.args.front();
    if (program.find('/') != std::string::npos) {
      // Worded as Go words it: dockerd reads "no such file or directory"
      // and "permission denied" in the message to pick 127 or 126.
      if (::access(program.c_str(), X_OK) != 0) {
        const bool missing = errno == ENOENT || errno == ENOTDIR;
        fail(m_err, missing ? 127 : 126, 0,
             fmt::format("exec: \"{}\": stat {}: {}", program, program,
                         missing ? "no such file or directory" : "permission denied"));
      }
    } else {
      std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
      for (const auto& e : m_spec.env)
        if (e.starts_with("PATH="))
          path = e.substr(5);
      bool found = false;
      std::stringstream dirs(path);
      std::string dir;
      while (!found && std::getline(dirs, dir, ':')) {
        const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
        struct stat st {};
        found = ::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
                ::access(candidate.c_str(), X_OK) == 0;
      }
      if (!found)
        fail(m_err, 127, 0,
             fmt::format("exec: \"{}\": executable file not found in $PATH", program));
    }
    ChildError ready;
    ready.exit_code = 0;
    [[maybe_unused]] auto n = ::write(m_err, &ready, sizeof ready);
    ::close(m_err);
    m_err = -1;
    const int fd = ::open(fd_path(m_fifo).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
      fail_setup("open the start FIFO");
    if (::write(fd, "0", 1) != 1)
      fail_setup("write the start FIFO");
    ::close(fd);
    ::close(m_fifo);
    m_fifo = -1;
  }

  void set_limits() {
    if (m_spec.oci) {
      for (const auto& l : m_spec.oci->rlimits) {
        const rlimit value{l.soft, l.hard};
        if (::setrlimit(static_cast<__rlimit_resource>(l.resource), &value) != 0)
          fail_setup(fmt::format("set rlimit {}", l.resource));
      }
      return;
    }
    const rlimit nofile{m_spec.nofile, m_spec.nofile};
    const rlim_t procs = m_spec.pids > 0 ? m_spec.pids : 4096;
    const rlimit nproc{procs, procs};
    const rlimit core{0, 0};
    if (::setrlimit(RLIMIT_NOFILE, &nofile) != 0 || ::setrlimit(RLIMIT_NPROC, &nproc) != 0 ||
        ::setrlimit(RLIMIT_CORE, &core) != 0)
      fail_setup("set rlimits");
  }

  void load_seccomp() {
    if (m_spec.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
      fail_setup("set no_new_privs");
    if (m_spec.seccomp.empty())
      return;
    if (m_spec.follow) {
      // moat seccomp generate: moat traces the process from here.
      if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0)
        fail_setup("be traced");
      ::raise(SIGSTOP);
    }
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(m_spec.seccomp.size() / sizeof(sock_filter));
    prog.filter = reinterpret_cast<sock_filter*>(const_cast<std::byte*>(m_spec.seccomp.data()));
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
      fail_setup("load the seccomp filter");
  }

  // The command's arguments, environment and every file to try, made
  // before the seccomp filter is loaded: from there on the process only
  // closes its descriptors and execs (nothing is allocated, see
  // shared_memory(), and a generated profile's floor covers what is left).
  void plan_exec() {
    m_argv.reserve(m_spec.args.size() + 1);
    for (const auto& a : m_spec.args)
      m_argv.push_back(const_cast<char*>(a.c_str()));
    m_argv.push_back(nullptr);
    m_envp.reserve(m_spec.env.size() + 1);
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : m_spec.env) {
      m_envp.push_back(const_cast<char*>(e.c_str()));
      if (e.starts_with("PATH="))
        path = e.substr(5);
    }
    m_envp.push_back(nullptr);
    const std::string& program = m_spec.args.front();
    if (program.find('/') != std::string::npos) {
      m_candidates.push_back(program);
    } else {
      std::stringstream dirs(path);
      std::string dir;
      while (std::getline(dirs, dir, ':'))
        m_candidates.push_back((dir.empty() ? std::string(".") : dir) + "/" + program);
    }
  }

  [[noreturn]] void exec() {
    // Every descriptor moat holds closes at exec (CVE-2024-21626), but for
    // those the caller asked to pass on (--preserve-fds).
    ::syscall(SYS_close_range, 3U + static_cast<unsigned>(m_spec.preserve_fds), ~0U,
              4U /* CLOSE_RANGE_CLOEXEC */);
    const std::string& program = m_spec.args.front();
    if (m_shared != nullptr) {
      m_shared->reached_exec.store(true);
      ::sigprocmask(SIG_SETMASK, &m_shared->signal_mask, nullptr);
    }
    // A path: its own error. A search of PATH: the last refusal, else
    // "not found".
    int err = ENOENT;
    int refused = 0;
    for (const auto& candidate : m_candidates) {
      ::execve(candidate.c_str(), m_argv.data(), m_envp.data());
      err = errno;
      if (err == EACCES || err == ENOEXEC || err == EPERM)
        refused = err;
    }
    if (program.find('/') == std::string::npos)
      err = refused != 0 ? refused : ENOENT;
    if (err == ENOENT || err == ENOTDIR)
      fail(m_err, 127, err, fmt::format("{}: executable file not found", program));
    fail(m_err, 126, err, fmt::format("{}: cannot run it", program));
  }

  [[noreturn]] void run(int sync_fd) {
    char go = 0;
    if (::read(sync_fd, &go, 1) != 1)
      fail_setup("wait for the parent");
    if (!m_spec.create_container_hooks.empty() || !m_spec.start_container_hooks.empty())
      read_state(sync_fd);
    if (m_spec.start_fifo.empty())
      ::close(sync_fd);
    else
      m_sync = sync_fd; // moat create: the runtime's hooks come between
    open_sources();
    const OciParts* oci = m_spec.oci ? &*m_spec.oci : nullptr;
    // Namespaces given by path: the user namespace first, as it decides
    // what the others may be joined with.
    std::ranges::stable_sort(m_joins, [](const auto& a, const auto& b) {
      return (a.first == CLONE_NEWUSER) > (b.first == CLONE_NEWUSER);
    });
    for (const auto& [type, fd] : m_joins) {
      if (::setns(fd, type) != 0)
        fail_setup(fmt::format("join namespace {:#x}", type));
      ::close(fd);
    }
    m_joins.clear();
    if ((oci == nullptr || oci->has(CLONE_NEWUSER)) &&
        (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0))
      fail_setup("become root of the user namespace");
    if ((oci == nullptr || oci->creates(CLONE_NEWCGROUP)) && ::unshare(CLONE_NEWCGROUP) != 0)
      fail_setup("new cgroup namespace");
    if ((oci == nullptr || oci->has(CLONE_NEWUTS)) && !m_spec.hostname.empty() &&
        ::sethostname(m_spec.hostname.c_str(), m_spec.hostname.size()) != 0)
      fail_setup("set the host name");
    if (oci != nullptr && oci->has(CLONE_NEWUTS) && !oci->domainname.empty() &&
        ::setdomainname(oci->domainname.c_str(), oci->domainname.size()) != 0)
      fail_setup("set the domain name");
    if (oci == nullptr ? !m_spec.host_network : oci->creates(CLONE_NEWNET))
      loopback_up();
    if (m_sync >= 0) {
      // The namespaces are there: the parent runs the prestart and
      // createRuntime hooks, then lets the setup go on.
      ChildError hooks;
      hooks.exit_code = 1;
      char resume = 0;
      if (::write(m_err, &hooks, sizeof hooks) != static_cast<ssize_t>(sizeof hooks) ||
          ::read(m_sync, &resume, 1) != 1)
        fail_setup("wait for the runtime's hooks");
      ::close(m_sync);
      m_sync = -1;
    }
    build_root();
    setup_terminal();
    set_limits();
    if (::chdir(m_spec.cwd.c_str()) != 0)
      fail_setup(fmt::format("working directory {}", m_spec.cwd));
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/')
      fail_setup(fmt::format("working directory {} is outside the container", m_spec.cwd), EPERM);
    // Without no_new_privs only CAP_SYS_ADMIN may load a filter: it goes in
    // before the capabilities are dropped (as runc orders it), and the
    // rest of the setup runs under it.
    plan_exec();
    const bool early = !m_spec.no_new_privileges;
    if (early)
      load_seccomp();
    drop_privileges();
    wait_for_start();
    run_hooks(m_spec.start_container_hooks, "startContainer");
    if (!early)
      load_seccomp();
    exec();
  }

  // moat exec: joins the namespaces listed (the container's), forks the
  // process that runs the command (it must be forked to enter the PID
  // namespace) and reports its pid on PID_FD; that process waits for the
  // parent to put it in the cgroup, then drops privileges and execs.
  [[noreturn]] void run_exec(int sync_fd, int pid_fd) {
    open_console();
    for (const auto& ns : m_spec.oci->namespaces) {
      const int fd = ::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        fail_setup(fmt::format("open the namespace {}", ns.path));
      m_joins.emplace_back(ns.type, fd);
    }
    // The user namespace first; the mount namespace last (it changes
    // what paths mean).
    std::ranges::stable_sort(m_joins, [](const auto& a, const auto& b) {
      auto rank = [](int type) { return type == CLONE_NEWUSER ? 0 : type == CLONE_NEWNS ? 2 : 1; };
      return rank(a.first) < rank(b.first);
    });
    for (const auto& [type, fd] : m_joins) {
      if (::setns(fd, type) != 0)
        fail_setup(fmt::format("join the container's namespace {:#x}", type));
      ::close(fd);
    }
    m_joins.clear();
    const pid_t child = ::fork();
    if (child < 0)
      fail_setup("fork into the container's PID namespace");
    if (child > 0) {
      [[maybe_unused]] auto n = ::write(pid_fd, &child, sizeof child);
      ::_exit(0);
    }
    ::close(pid_fd);
    char go = 0;
    if (::read(sync_fd, &go, 1) != 1)
      fail_setup("wait for the parent");
    ::close(sync_fd);
    setup_terminal();
    set_limits();
    if (::chdir(m_spec.cwd.c_str()) != 0)
      fail_setup(fmt::format("working directory {}", m_spec.cwd));
    plan_exec();
    const bool early = !m_spec.no_new_privileges;
    if (early)
      load_seccomp();
    drop_privileges();
    if (!early)
      load_seccomp();
    exec();
  }

private:
  const Spec& m_spec;
  int m_err;
  int m_rootfs = -1;
  int m_console = -1;
  std::string m_state; // for the createContainer and startContainer hooks
  int m_sync = -1;
  std::vector<char*> m_argv; // plan_exec()
  std::vector<char*> m_envp;
  std::vector<std::string> m_candidates;
  std::vector<int> m_sources;               // per mount; -1 for a tmpfs
  std::vector<std::pair<int, int>> m_joins; // namespace type, descriptor
  int m_fifo = -1;
  std::string m_mount_point;
  int m_root = -1;
  SharedSetup* m_shared = nullptr;
};

std::atomic<pid_t> g_child{0};

void forward(int sig) {
  const pid_t pid = g_child.load();
  if (pid > 0)
    ::kill(pid, sig);
}

std::string container_name() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

core::Status write_map(pid_t pid, const char* file, const std::string& map) {
  const auto path = fmt::format("/proc/{}/{}", pid, file);
  std::ofstream out(path);
  out << map;
  out.flush();
  if (!out)
    return core::fail(core::ErrorKind::io, path,
                      fmt::format("cannot write the id map '{}'", map.substr(0, map.size() - 1)));
  return {};
}

} // namespace

const std::vector<std::string>& masked_paths() {
  static const std::vector<std::string> paths{
      "/proc/asound",     "/proc/acpi",        "/proc/interrupts",
      "/proc/kcore",      "/proc/keys",        "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",       "/sys/firmware",     "/sys/devices/virtual/powercap"};
  return paths;
}

const std::vector<std::string>& readonly_paths() {
  static const std::vector<std::string> paths{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                              "/proc/sysrq-trigger"};
  return paths;
}

IdRange subordinate_range(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos)
      continue;
    const auto owner = line.substr(0, first);
    if (owner != "root" && owner != "0")
      continue;
    try {
      const auto start = std::stoul(line.substr(first + 1, second - first - 1));
      const auto count = std::stoul(line.substr(second + 1));
      if (count >= 65536 && start <= 0xffffffffUL - count)
        return {static_cast<std::uint32_t>(start), 65536U};
    } catch (const std::exception&) {
      continue;
    }
  }
  return k_builtin_range;
}

namespace {

// moat's directory for the mount points of running containers: one every
// container's root can walk through.
fs::path state_dir() {
  if (::geteuid() == 0)
    return "/run/moat";
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  return fs::path(runtime != nullptr && *runtime != '\0' ? runtime : "/tmp") /
         fmt::format("moat-{}", ::geteuid());
}

// Descriptors the parent opens for the child; closed when destroyed.
struct Descriptors {
  std::vector<int> fds;
  Descriptors() = default;
  Descriptors(const Descriptors&) = delete;
  Descriptors& operator=(const Descriptors&) = delete;
  ~Descriptors() {
    for (int fd : fds)
      if (fd >= 0)
        ::close(fd);
  }
};

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MOAT_SANITIZED_STACKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define MOAT_SANITIZED_STACKS 1
#endif
#endif

// The stack the container's setup runs on while it shares this process's
// memory (sandbox::run), with a guard page below it; unmapped when
// destroyed, once the child has exec'd or gone.
class ChildStack {
public:
  ChildStack() {
    void* base = ::mmap(nullptr, k_size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED)
      return;
    m_base = static_cast<char*>(base);
    if (::mprotect(m_base, k_guard, PROT_NONE) != 0) {
      ::munmap(m_base, k_size);
      m_base = nullptr;
    }
  }
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;
  ~ChildStack() {
    if (m_base != nullptr)
      ::munmap(m_base, k_size);
  }
  [[nodiscard]] bool ok() const { return m_base != nullptr; }
  [[nodiscard]] void* top() const { return m_base + k_size; }

private:
  static constexpr std::size_t k_size = std::size_t{1} << 20;
  static constexpr std::size_t k_guard = 4096;
  char* m_base = nullptr;
};

// A container's directory, removed with what it holds when destroyed.
struct MountPoint {
  fs::path dir;
  MountPoint() = default;
  MountPoint(const MountPoint&) = delete;
  MountPoint& operator=(const MountPoint&) = delete;
  ~MountPoint() {
    std::error_code ec;
    if (!dir.empty())
      fs::remove_all(dir, ec);
  }
};

} // namespace

namespace {

// The terminal's other end, sent by the container's init (SCM_RIGHTS);
// -1 when none came.
int receive_terminal(int socket) {
  std::array<char, 64> name{};
  iovec data{name.data(), name.size()};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  if (::recvmsg(socket, &message, MSG_CMSG_CLOEXEC) <= 0)
    return -1;
  const cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (header == nullptr || header->cmsg_type != SCM_RIGHTS)
    return -1;
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
  return fd;
}

// Copies moat's standard input to the terminal and the terminal to moat's
// standard output until the container's side closes. A terminal on moat's
// side is put in raw mode meanwhile and its size given to the container's.
void relay_terminal(int master) {
  termios saved{};
  const bool tty = ::isatty(STDIN_FILENO) != 0 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios raw = saved;
    ::cfmakeraw(&raw);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    winsize size{};
    if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &size) == 0)
      ::ioctl(master, TIOCSWINSZ, &size);
  }
  std::array<char, 8192> buffer{};
  bool input_open = true;
  for (;;) {
    std::array<pollfd, 2> fds{{{master, POLLIN, 0}, {input_open ? STDIN_FILENO : -1, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const auto n = ::read(master, buffer.data(), buffer.size());
      if (n <= 0 && errno != EINTR && errno != EAGAIN)
        break; // EIO: every descriptor of the container's end is closed
      if (n > 0 && ::write(STDOUT_FILENO, buffer.data(), static_cast<std::size_t>(n)) < 0)
        break;
    }
    if (input_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const auto n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n <= 0)
        input_open = false;
      else [[maybe_unused]]
        auto w = ::write(master, buffer.data(), static_cast<std::size_t>(n));
    }
  }
  if (tty)
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

} // namespace

core::Result<Outcome> run(const Spec& spec) {
  if (spec.args.empty())
    return core::fail(core::ErrorKind::usage, "moat run", "no command to run");
  const bool root = ::geteuid() == 0;
  const std::string name = container_name();
  // The rootfs and volumes must exist (the child opens them again in its
  // own mount namespace).
  Descriptors opened;
  const int rootfs = ::open(spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfs < 0)
    return core::fail(core::ErrorKind::io, spec.rootfs.string(),
                      fmt::format("cannot open the root file system: {}", std::strerror(errno)));
  opened.fds.push_back(rootfs);
  for (const auto& m : spec.mounts) {
    if (m.tmpfs)
      continue;
    const int fd = ::open(m.source.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0)
      return core::fail(core::ErrorKind::io, m.source,
                        fmt::format("cannot open the volume: {}", std::strerror(errno)));
    opened.fds.push_back(fd);
  }
  // The rootfs is bound at STATE/root in the container's own mount
  // namespace and pivoted into there: one empty directory serves every
  // container, each binding in a namespace of its own. Each level 0711, so
  // a container's root walks through (chmod: mkdir's mode passes the umask).
  const auto base = state_dir();
  const auto shared_root = base / "root";
  {
    auto made = [](const fs::path& d) {
      return ::mkdir(d.c_str(), 0711) == 0 ? ::chmod(d.c_str(), 0711) == 0 : errno == EEXIST;
    };
    struct stat st {};
    if (!made(base) || !made(shared_root))
      return core::fail(core::ErrorKind::io, shared_root.string(),
                        fmt::format("cannot make the mount point: {}", std::strerror(errno)));
    if (::lstat(shared_root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
      return core::fail(core::ErrorKind::io, shared_root.string(),
                        "the mount point is not a directory of this user's");
  }
  // A container's own directory, for an overlay's layers.
  MountPoint own_dir;
  // An image from the cache, written to: an overlay over it, in the host's
  // mount namespace (the child binds it like any rootfs), unmounted before
  // the mount point goes.
  std::optional<Spec> overlaid;
  struct Unmount {
    fs::path dir;
    Unmount() = default;
    Unmount(const Unmount&) = delete;
    Unmount& operator=(const Unmount&) = delete;
    ~Unmount() {
      if (!dir.empty())
        ::umount2(dir.c_str(), MNT_DETACH);
    }
  } overlay_mount;
  if (spec.shared_rootfs && !spec.read_only_root) {
    if (!root)
      return core::fail(core::ErrorKind::usage, spec.rootfs.string(),
                        "a writable root over a cached image needs root (an overlay mount)");
    const std::string lower = spec.rootfs.string();
    if (lower.find_first_of(",:\\") != std::string::npos)
      return core::fail(core::ErrorKind::usage, lower,
                        "an overlay cannot use a path with ',', ':' or '\\' as its lower layer");
    const auto layers = base / name;
    std::error_code ec;
    fs::create_directory(layers, ec);
    own_dir.dir = layers;
    for (const auto* d : {"upper", "work", "merged"})
      fs::create_directory(layers / d, ec);
    struct stat st {};
    if (ec || ::stat(lower.c_str(), &st) != 0 ||
        ::chown((layers / "upper").c_str(), st.st_uid, st.st_gid) != 0 ||
        ::chmod((layers / "upper").c_str(), st.st_mode & 07777) != 0)
      return core::fail(core::ErrorKind::io, layers.string(),
                        "cannot make the overlay's upper layer");
    const auto options = fmt::format("lowerdir={},upperdir={},workdir={}", lower,
                                     (layers / "upper").string(), (layers / "work").string());
    if (::mount("overlay", (layers / "merged").c_str(), "overlay", 0, options.c_str()) != 0)
      return core::fail(core::ErrorKind::io, lower,
                        fmt::format("cannot mount the writable overlay: {}", std::strerror(errno)));
    overlay_mount.dir = layers / "merged";
    overlaid = spec;
    overlaid->rootfs = layers / "merged";
  }
  // docker run -t: a terminal whose other end comes back over a socket
  // pair and is relayed to moat's own standard input and output.
  std::optional<Spec> with_terminal;
  Descriptors console;
  if (spec.terminal && spec.console_socket.empty() && spec.console_fd < 0) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
      return core::fail(core::ErrorKind::io, "moat run", std::strerror(errno));
    console.fds = {pair[0], pair[1]};
    with_terminal = overlaid ? *overlaid : spec;
    with_terminal->console_fd = pair[1];
  }
  const Spec& effective = with_terminal ? *with_terminal : overlaid ? *overlaid : spec;
  std::optional<Cgroup> cgroup;
  if (root) {
    Limits limits;
    limits.memory_bytes = spec.memory_bytes;
    limits.pids = spec.pids;
    limits.cpus = spec.cpus;
    auto made = Cgroup::create(name, limits);
    if (!made)
      return std::unexpected(made.error());
    cgroup.emplace(std::move(*made));
  }
  int sync[2];
  int err[2];
  if (::pipe2(sync, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    return core::fail(core::ErrorKind::io, "moat run", std::strerror(errno));
  int flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (!spec.host_network)
    flags |= CLONE_NEWNET;
#ifdef MOAT_SANITIZED_STACKS
  // A sanitizer's runtime follows one stack per thread: the setup runs on a
  // part of this one, below this frame, where it expects a stack to be.
  alignas(64) std::array<std::byte, std::size_t{512} << 10> stack_area;
  void* const stack_top = stack_area.data() + stack_area.size();
#else
  ChildStack stack;
  if (!stack.ok())
    return core::fail(core::ErrorKind::io, "moat run",
                      fmt::format("cannot map the setup's stack: {}", std::strerror(errno)));
  void* const stack_top = stack.top();
#endif
  // The child's heap is this process's: a child killed in the middle of an
  // allocation would leave it broken. Signals stay blocked in the child
  // until its exec (SIGKILL aside: see below).
  SharedSetup shared;
  ChildSetup setup(effective, err[1], shared_root.string());
  setup.shared_memory(&shared);
  struct Start {
    ChildSetup* setup;
    int sync_read;
    int sync_write;
    int err_read;
  } start{&setup, sync[0], sync[1], err[0]};
  // The child shares this process's memory until it execs (CLONE_VM, as
  // posix_spawn does): no page tables to copy, no page copied on write by
  // either side, and an exec that has no copy to tear down. Each side
  // touches the memory only while the other waits: this one until it
  // writes "go" (the child blocks reading it first), the child from then
  // until it execs or exits (this one blocks reading the error pipe, which
  // the exec closes). The child runs on a stack of its own; the setup
  // object is made here, so the child allocates nothing before "go".
  sigset_t all;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_BLOCK, &all, &shared.signal_mask);
  const pid_t pid = ::clone(
      [](void* arg) -> int {
        auto& s = *static_cast<Start*>(arg);
        ::close(s.sync_write);
        ::close(s.err_read);
        s.setup->run(s.sync_read);
      },
      stack_top, flags | CLONE_VM | SIGCHLD, &start);
  ::pthread_sigmask(SIG_SETMASK, &shared.signal_mask, nullptr);
  if (pid < 0) {
    const int e = errno;
    for (int fd : {sync[0], sync[1], err[0], err[1]})
      ::close(fd);
    return core::fail(core::ErrorKind::io, "moat run",
                      fmt::format("cannot create the namespaces: {}", std::strerror(e)));
  }
  ::close(sync[0]);
  ::close(err[1]);
  auto abandon = [&](core::Error e) -> core::Result<Outcome> {
    ::kill(pid, SIGKILL);
    ::close(sync[1]);
    ::close(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return std::unexpected(std::move(e));
  };
  // Container root is the first id of the range; an ordinary user maps
  // only itself.
  std::string uid_map;
  std::string gid_map;
  if (root) {
    uid_map = fmt::format("0 {} {}\n", spec.uids.first, spec.uids.count);
    gid_map = fmt::format("0 {} {}\n", spec.gids.first, spec.gids.count);
  } else {
    uid_map = fmt::format("0 {} 1\n", ::geteuid());
    gid_map = fmt::format("0 {} 1\n", ::getegid());
    if (auto st = write_map(pid, "setgroups", "deny"); !st)
      return abandon(st.error());
  }
  if (auto st = write_map(pid, "uid_map", uid_map); !st)
    return abandon(st.error());
  if (auto st = write_map(pid, "gid_map", gid_map); !st)
    return abandon(st.error());
  if (cgroup)
    if (auto st = cgroup->add(pid); !st)
      return abandon(st.error());
  g_child.store(pid);
  struct sigaction forwarder {};
  forwarder.sa_handler = forward;
  sigemptyset(&forwarder.sa_mask);
  forwarder.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH})
    ::sigaction(sig, &forwarder, nullptr);
  const char go = 1;
  if (::write(sync[1], &go, 1) != 1)
    return abandon(
        core::Error{core::ErrorKind::io, "moat run", "the container did not start", 0, 0});
  ::close(sync[1]);
  // Traced: the tracer waits for it (and every process it starts).
  const int traced_status = spec.follow ? spec.follow(pid) : -1;
  ChildError report;
  ssize_t got = 0;
  do {
    got = ::read(err[0], &report, sizeof report);
  } while (got < 0 && errno == EINTR);
  if (got == 0 && !shared.reached_exec.load()) {
    // Gone without a report and before its exec: killed (SIGKILL) during
    // the setup, perhaps inside an allocation. Nothing allocated may be
    // trusted: one line, written as it is, and out (the cgroup, empty,
    // stays behind).
    constexpr std::string_view line =
        "moat: moat run: the container was killed while it was being set up\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
    ::_exit(125);
  }
  ::close(err[0]);
  if (with_terminal && got == 0) {
    ::close(console.fds[1]);
    console.fds[1] = -1;
    const int master = receive_terminal(console.fds[0]);
    if (master >= 0) {
      relay_terminal(master);
      ::close(master);
    }
  }
  int status = traced_status;
  while (!spec.follow && ::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child.store(0);
  if (got == static_cast<ssize_t>(sizeof report)) {
    report.what.back() = '\0';
    const std::string what =
        report.err != 0 ? fmt::format("{}: {}", report.what.data(), std::strerror(report.err))
                        : std::string(report.what.data());
    if (report.exit_code == 125)
      return core::fail(core::ErrorKind::io, "moat run", what);
    Outcome o;
    o.exit_code = report.exit_code;
    std::fprintf(stderr, "moat: %s\n", what.c_str());
    return o;
  }
  Outcome o;
  if (WIFSIGNALED(status)) {
    o.signal = WTERMSIG(status);
    o.exit_code = 128 + o.signal;
  } else {
    o.exit_code = WEXITSTATUS(status);
  }
  o.oom_killed = cgroup && cgroup->oom_killed();
  return o;
}

core::Result<Created> create(const Spec& spec, const fs::path& mount_point,
                             const std::function<std::string(int)>& state_json,
                             const std::function<core::Status(int)>& runtime_hooks) {
  if (!spec.oci)
    return core::fail(core::ErrorKind::internal, "moat create", "no OCI configuration");
  Limits limits;
  limits.memory_bytes = spec.memory_bytes;
  limits.pids = spec.pids;
  limits.cpu_shares = spec.cpu_shares;
  limits.cpu_quota = spec.cpu_quota;
  limits.cpu_period = spec.cpu_period;
  limits.devices = spec.device_rules;
  std::optional<Cgroup> cgroup;
  std::string no_cgroup;
  if (auto made = Cgroup::create_at(spec.cgroup_path, limits)) {
    cgroup.emplace(std::move(*made));
  } else if (::geteuid() != 0) {
    // An ordinary user may not make cgroups where none are delegated to
    // it: as rootless runc does, the container goes on without them.
    no_cgroup = made.error().to_string();
    cgroup.emplace(Cgroup::open({}));
  } else {
    return std::unexpected(made.error());
  }
  // Without a devices controller to hold them to the config's rules, a
  // container with CAP_MKNOD outside a user namespace could make a node for
  // the host's disk and open it: it does not get CAP_MKNOD.
  Spec adjusted = spec;
  bool mknod_dropped = false;
  if (!cgroup->enforces_devices() && !spec.oci->has(CLONE_NEWUSER)) {
    auto& caps = adjusted.oci->caps;
    const std::uint64_t mknod = std::uint64_t{1} << CAP_MKNOD;
    mknod_dropped = ((caps.bounding | caps.effective | caps.permitted | caps.ambient) & mknod) != 0;
    for (auto* set :
         {&caps.bounding, &caps.effective, &caps.permitted, &caps.inheritable, &caps.ambient})
      *set &= ~mknod;
  }
  const OciParts& oci = *adjusted.oci;
  int sync[2];
  int err[2];
  if (::pipe2(sync, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    return core::fail(core::ErrorKind::io, "moat create", std::strerror(errno));
  unsigned long flags = 0;
  for (const auto& ns : oci.namespaces)
    if (ns.path.empty() && ns.type != CLONE_NEWCGROUP) // cgroup: after joining the cgroup
      flags |= static_cast<unsigned long>(ns.type);
  const auto pid =
      static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  if (pid < 0) {
    const int e = errno;
    for (int fd : {sync[0], sync[1], err[0], err[1]})
      ::close(fd);
    return core::fail(core::ErrorKind::io, "moat create",
                      fmt::format("cannot create the namespaces: {}", std::strerror(e)));
  }
  if (pid == 0) {
    ::close(sync[1]);
    ::close(err[0]);
    ChildSetup(adjusted, err[1], mount_point.string()).run(sync[0]);
  }
  ::close(sync[0]);
  ::close(err[1]);
  auto abandon = [&](core::Error e) -> core::Result<Created> {
    ::kill(pid, SIGKILL);
    ::close(sync[1]);
    ::close(err[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return std::unexpected(std::move(e));
  };
  if (oci.creates(CLONE_NEWUSER)) {
    auto map_text = [](const std::vector<IdMapping>& maps) {
      std::string text;
      for (const auto& m : maps)
        text += fmt::format("{} {} {}\n", m.container_id, m.host_id, m.size);
      return text;
    };
    if (auto st = write_map(pid, "uid_map", map_text(oci.uid_mappings)); !st)
      return abandon(st.error());
    // An ordinary user may map its own group only once setgroups is denied.
    if (::geteuid() != 0)
      if (auto st = write_map(pid, "setgroups", "deny"); !st)
        return abandon(st.error());
    if (auto st = write_map(pid, "gid_map", map_text(oci.gid_mappings)); !st)
      return abandon(st.error());
  }
  if (auto st = cgroup->add(pid); !st)
    return abandon(st.error());
  if (oci.oom_score_adj) {
    std::ofstream adj(fmt::format("/proc/{}/oom_score_adj", pid));
    adj << *oci.oom_score_adj;
    adj.flush();
    if (!adj)
      return abandon(core::Error{core::ErrorKind::io, "moat create",
                                 fmt::format("cannot set oomScoreAdj {}", *oci.oom_score_adj), 0,
                                 0});
  }
  const char go = 1;
  if (::write(sync[1], &go, 1) != 1)
    return abandon(
        core::Error{core::ErrorKind::io, "moat create", "the container did not start", 0, 0});
  if (!spec.create_container_hooks.empty() || !spec.start_container_hooks.empty()) {
    const std::string state = state_json ? state_json(pid) : std::string("{}");
    const auto size = static_cast<std::uint32_t>(state.size());
    if (::write(sync[1], &size, sizeof size) != static_cast<ssize_t>(sizeof size) ||
        ::write(sync[1], state.data(), state.size()) != static_cast<ssize_t>(state.size()))
      return abandon(core::Error{core::ErrorKind::io, "moat create",
                                 "cannot hand the state to the container", 0, 0});
  }
  ChildError report;
  ssize_t got = 0;
  for (;;) {
    do {
      got = ::read(err[0], &report, sizeof report);
    } while (got < 0 && errno == EINTR);
    if (got != static_cast<ssize_t>(sizeof report) || report.exit_code != 1)
      break;
    // The init's namespaces exist: the runtime's hooks, then on.
    if (runtime_hooks)
      if (auto ok = runtime_hooks(pid); !ok)
        return abandon(ok.error());
    const char resume = 1;
    if (::write(sync[1], &resume, 1) != 1)
      break;
  }
  ::close(sync[1]);
  sync[1] = -1;
  ::close(err[0]);
  err[0] = -1;
  if (got != static_cast<ssize_t>(sizeof report) || report.exit_code != 0) {
    report.what.back() = '\0';
    std::string what = "the container's init ended before it was ready";
    if (got == static_cast<ssize_t>(sizeof report))
      what = report.err != 0 ? fmt::format("{}: {}", report.what.data(), std::strerror(report.err))
                             : std::string(report.what.data());
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return core::fail(core::ErrorKind::io, "moat create", what);
  }
  // The init waits for moat start; the cgroup outlives this process.
  cgroup->release();
  return Created{pid, cgroup->dirs(), mknod_dropped, no_cgroup};
}

core::Result<int> exec_in(const Spec& spec, int init_pid, const std::vector<fs::path>& cgroup_dirs,
                          int* failure_code) {
  if (!spec.oci)
    return core::fail(core::ErrorKind::internal, "moat exec", "no OCI process");
  // The process is ours to wait for once its forking parent has gone.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  Spec local = spec;
  local.oci->namespaces.clear();
  static constexpr std::array<std::pair<int, const char*>, 7> k_kinds{{{CLONE_NEWUSER, "user"},
                                                                       {CLONE_NEWIPC, "ipc"},
                                                                       {CLONE_NEWUTS, "uts"},
                                                                       {CLONE_NEWNET, "net"},
                                                                       {CLONE_NEWPID, "pid"},
                                                                       {CLONE_NEWCGROUP, "cgroup"},
                                                                       {CLONE_NEWNS, "mnt"}}};
  for (const auto& [type, name] : k_kinds) {
    const auto theirs = fmt::format("/proc/{}/ns/{}", init_pid, name);
    struct stat a {};
    struct stat b {};
    if (::stat(theirs.c_str(), &a) != 0)
      return core::fail(core::ErrorKind::io, "moat exec",
                        fmt::format("the container's init ({}) is gone", init_pid));
    if (::stat(fmt::format("/proc/self/ns/{}", name).c_str(), &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev)
      continue;
    local.oci->namespaces.push_back(NamespaceSpec{type, theirs});
  }
  int sync[2];
  int err[2];
  int pids[2];
  if (::pipe2(sync, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0 ||
      ::pipe2(pids, O_CLOEXEC) != 0)
    return core::fail(core::ErrorKind::io, "moat exec", std::strerror(errno));
  const pid_t joiner = ::fork();
  if (joiner < 0)
    return core::fail(core::ErrorKind::io, "moat exec", std::strerror(errno));
  if (joiner == 0) {
    ::close(sync[1]);
    ::close(err[0]);
    ::close(pids[0]);
    ChildSetup(local, err[1], "").run_exec(sync[0], pids[1]);
  }
  ::close(sync[0]);
  ::close(err[1]);
  ::close(pids[1]);
  pid_t child = 0;
  const auto got_pid = ::read(pids[0], &child, sizeof child);
  ::close(pids[0]);
  int status = 0;
  ::waitpid(joiner, &status, 0);
  auto report = [&]() -> core::Error {
    ChildError e;
    ssize_t got = 0;
    do {
      got = ::read(err[0], &e, sizeof e);
    } while (got < 0 && errno == EINTR);
    e.what.back() = '\0';
    if (got != static_cast<ssize_t>(sizeof e))
      return core::Error{core::ErrorKind::io, "moat exec", "the process did not start", 0, 0};
    return core::Error{core::ErrorKind::io, "moat exec",
                       e.err != 0 ? fmt::format("{}: {}", e.what.data(), std::strerror(e.err))
                                  : std::string(e.what.data()),
                       0, 0};
  };
  if (got_pid != static_cast<ssize_t>(sizeof child) || child <= 0) {
    auto e = report();
    ::close(sync[1]);
    ::close(err[0]);
    return std::unexpected(e);
  }
  for (const auto& dir : cgroup_dirs) {
    std::ofstream procs(dir / "cgroup.procs");
    procs << child;
  }
  const char go = 1;
  [[maybe_unused]] auto n = ::write(sync[1], &go, 1);
  ::close(sync[1]);
  ChildError e;
  ssize_t got = 0;
  do {
    got = ::read(err[0], &e, sizeof e);
  } while (got < 0 && errno == EINTR);
  ::close(err[0]);
  if (got == static_cast<ssize_t>(sizeof e)) {
    ::waitpid(child, &status, 0);
    e.what.back() = '\0';
    if (failure_code != nullptr)
      *failure_code = e.exit_code;
    return core::fail(core::ErrorKind::io, "moat exec",
                      e.err != 0 ? fmt::format("{}: {}", e.what.data(), std::strerror(e.err))
                                 : std::string(e.what.data()));
  }
  return static_cast<int>(child);
}

} // namespace moat::sandbox
