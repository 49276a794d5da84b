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
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

class ChildSetup {
public:
  // MOUNT_POINT is a directory the container's root can reach, where the
  // rootfs is bound.
  ChildSetup(const Spec& spec, int err_fd, std::string mount_point)
      : m_spec(spec), m_err(err_fd), m_mount_point(std::move(mount_point)) {}

  // The rootfs and the volumes, opened while the process still has the
  // host's root uid (before it becomes the container's root): the
  // container's root may not be able to walk to them (a rootfs under a
  // directory only host root may enter). Opened in the container's mount
  // namespace, so they can be bound there.
  void open_sources() {
    m_rootfs = ::open(m_spec.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (m_rootfs < 0)
      fail_setup(fmt::format("open the rootfs {}", m_spec.rootfs.string()));
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

  void build_root() {
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
    for (const auto& path : readonly_paths()) {
      const int fd = util::open_in_root(m_root, path, O_PATH, false);
      if (fd < 0)
        continue; // nothing there to protect
      const std::string at = fd_path(fd);
      if (::mount(at.c_str(), at.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        fail_setup(fmt::format("bind {} on itself", path));
      ::close(fd);
      remount_read_only(path);
    }
    // pivot_root into the rootfs; the old root goes away.
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

  void drop_privileges() {
    const std::uint32_t uid = m_spec.uid.value_or(0);
    const std::uint32_t gid = m_spec.gid.value_or(uid == 0 ? 0 : uid);
    std::uint64_t keep = 0;
    for (int cap : m_spec.capabilities)
      keep |= std::uint64_t{1} << cap;
    // The bounding set first, while CAP_SETPCAP is still held.
    int last = CAP_LAST_CAP;
    {
      std::ifstream in("/proc/sys/kernel/cap_last_cap");
      in >> last;
    }
    for (int cap = 0; cap <= last; ++cap)
      if ((keep & (std::uint64_t{1} << cap)) == 0 && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
          errno != EINVAL)
        fail_setup(fmt::format("drop capability {} from the bounding set", cap));
    // An ordinary user's namespace has setgroups denied (and one id).
    std::string setgroups_state;
    {
      std::ifstream in("/proc/self/setgroups");
      in >> setgroups_state;
    }
    const gid_t groups[] = {gid};
    if (setgroups_state != "deny" && ::setgroups(1, groups) != 0)
      fail_setup("setgroups");
    if (::setresgid(gid, gid, gid) != 0)
      fail_setup(fmt::format("setgid {}", gid));
    if (keep != 0 && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
      fail_setup("keep capabilities across setuid");
    if (::setresuid(uid, uid, uid) != 0)
      fail_setup(fmt::format("setuid {}", uid));
    __user_cap_header_struct header{};
    header.version = _LINUX_CAPABILITY_VERSION_3;
    std::array<__user_cap_data_struct, 2> data{};
    for (std::size_t i = 0; i < 2; ++i) {
      const auto word = static_cast<std::uint32_t>(keep >> (32 * i));
      data[i].effective = word;
      data[i].permitted = word;
      data[i].inheritable = word;
    }
    if (::syscall(SYS_capset, &header, data.data()) != 0)
      fail_setup("set capabilities");
    ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    // A non-root process keeps what was added across exec only as ambient
    // capabilities.
    if (uid != 0)
      for (int cap : m_spec.capabilities)
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
          fail_setup(fmt::format("raise ambient capability {}", cap));
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  }

  void set_limits() {
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
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(m_spec.seccomp.size() / sizeof(sock_filter));
    prog.filter = reinterpret_cast<sock_filter*>(const_cast<std::byte*>(m_spec.seccomp.data()));
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
      fail_setup("load the seccomp filter");
  }

  [[noreturn]] void exec() {
    std::vector<char*> argv;
    argv.reserve(m_spec.args.size() + 1);
    for (const auto& a : m_spec.args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    envp.reserve(m_spec.env.size() + 1);
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : m_spec.env) {
      envp.push_back(const_cast<char*>(e.c_str()));
      if (e.starts_with("PATH="))
        path = e.substr(5);
    }
    envp.push_back(nullptr);
    // Every descriptor moat holds closes at exec (CVE-2024-21626).
    ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
    const std::string& program = m_spec.args.front();
    int err = ENOENT;
    if (program.find('/') != std::string::npos) {
      ::execve(program.c_str(), argv.data(), envp.data());
      err = errno;
    } else {
      bool denied = false;
      std::stringstream dirs(path);
      std::string dir;
      while (std::getline(dirs, dir, ':')) {
        const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
        ::execve(candidate.c_str(), argv.data(), envp.data());
        if (errno == EACCES || errno == ENOEXEC || errno == EPERM)
          denied = true, err = errno;
      }
      if (!denied)
        err = ENOENT;
    }
    if (err == ENOENT || err == ENOTDIR)
      fail(m_err, 127, err, fmt::format("{}: executable file not found", program));
    fail(m_err, 126, err, fmt::format("{}: cannot run it", program));
  }

  [[noreturn]] void run(int sync_fd) {
    char go = 0;
    if (::read(sync_fd, &go, 1) != 1)
      fail_setup("wait for the parent");
    ::close(sync_fd);
    open_sources();
    if (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0)
      fail_setup("become root of the user namespace");
    if (::unshare(CLONE_NEWCGROUP) != 0)
      fail_setup("new cgroup namespace");
    if (::sethostname(m_spec.hostname.c_str(), m_spec.hostname.size()) != 0)
      fail_setup("set the host name");
    if (!m_spec.host_network)
      loopback_up();
    build_root();
    set_limits();
    if (::chdir(m_spec.cwd.c_str()) != 0)
      fail_setup(fmt::format("working directory {}", m_spec.cwd));
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/')
      fail_setup(fmt::format("working directory {} is outside the container", m_spec.cwd), EPERM);
    drop_privileges();
    load_seccomp();
    exec();
  }

private:
  const Spec& m_spec;
  int m_err;
  int m_rootfs = -1;
  std::vector<int> m_sources; // per mount; -1 for a tmpfs
  std::string m_mount_point;
  int m_root = -1;
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

// A container's mount point, removed when destroyed.
struct MountPoint {
  fs::path dir;
  MountPoint() = default;
  MountPoint(const MountPoint&) = delete;
  MountPoint& operator=(const MountPoint&) = delete;
  ~MountPoint() {
    std::error_code ec;
    if (!dir.empty())
      fs::remove_all(dir.parent_path(), ec);
  }
};

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
  MountPoint mount_point;
  {
    std::error_code ec;
    const auto dir = state_dir() / name / "root";
    fs::create_directories(dir, ec);
    for (const auto& d : {state_dir(), dir.parent_path(), dir})
      if (!ec)
        fs::permissions(d, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                        ec);
    if (ec)
      return core::fail(core::ErrorKind::io, dir.string(),
                        fmt::format("cannot make the mount point: {}", ec.message()));
    mount_point.dir = dir;
  }
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
    const auto base = mount_point.dir.parent_path();
    std::error_code ec;
    for (const auto* d : {"upper", "work", "merged"})
      fs::create_directory(base / d, ec);
    struct stat st {};
    if (ec || ::stat(lower.c_str(), &st) != 0 ||
        ::chown((base / "upper").c_str(), st.st_uid, st.st_gid) != 0 ||
        ::chmod((base / "upper").c_str(), st.st_mode & 07777) != 0)
      return core::fail(core::ErrorKind::io, base.string(),
                        "cannot make the overlay's upper layer");
    const auto options = fmt::format("lowerdir={},upperdir={},workdir={}", lower,
                                     (base / "upper").string(), (base / "work").string());
    if (::mount("overlay", (base / "merged").c_str(), "overlay", 0, options.c_str()) != 0)
      return core::fail(core::ErrorKind::io, lower,
                        fmt::format("cannot mount the writable overlay: {}", std::strerror(errno)));
    overlay_mount.dir = base / "merged";
    overlaid = spec;
    overlaid->rootfs = base / "merged";
  }
  const Spec& effective = overlaid ? *overlaid : spec;
  std::optional<Cgroup> cgroup;
  if (root) {
    auto made = Cgroup::create(name, Limits{spec.memory_bytes, spec.pids, spec.cpus});
    if (!made)
      return std::unexpected(made.error());
    cgroup.emplace(std::move(*made));
  }
  int sync[2];
  int err[2];
  if (::pipe2(sync, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    return core::fail(core::ErrorKind::io, "moat run", std::strerror(errno));
  unsigned long flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (!spec.host_network)
    flags |= CLONE_NEWNET;
  const auto pid =
      static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  if (pid < 0) {
    const int e = errno;
    for (int fd : {sync[0], sync[1], err[0], err[1]})
      ::close(fd);
    return core::fail(core::ErrorKind::io, "moat run",
                      fmt::format("cannot create the namespaces: {}", std::strerror(e)));
  }
  if (pid == 0) {
    ::close(sync[1]);
    ::close(err[0]);
    ChildSetup(effective, err[1], mount_point.dir.string()).run(sync[0]);
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
  ChildError report;
  ssize_t got = 0;
  do {
    got = ::read(err[0], &report, sizeof report);
  } while (got < 0 && errno == EINTR);
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
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

} // namespace moat::sandbox
