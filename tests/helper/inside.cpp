// moat-inside: a static program the sandbox tests put in a container's root
// file system. It reports, one "key: value" line each, what the container
// sees from the inside: its ids, capabilities, no_new_privs and seccomp
// mode, whether / is writable, its host name and PID, its network
// interfaces, whether the masked paths show anything, and what the system
// calls a hardened container must not make return.

#include "outcome.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

std::string status_field(const std::string& name) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + ":", 0) == 0) {
      const auto value = line.find_first_not_of(" \t", name.size() + 1);
      return value == std::string::npos ? "" : line.substr(value);
    }
  return "?";
}

// "visible" when the path shows content, "hidden" when it is empty or absent.
std::string shows(const char* path) {
  if (DIR* d = ::opendir(path)) {
    int entries = 0;
    while (const dirent* e = ::readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
        ++entries;
    ::closedir(d);
    return entries > 0 ? "visible" : "hidden";
  }
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return "hidden";
  char byte = 0;
  const auto n = ::read(fd, &byte, 1);
  ::close(fd);
  return n > 0 ? "visible" : "hidden";
}

// "ok" or the errno's name the call failed with.
using moat::test::outcome;

} // namespace

int main() {
  std::printf("uid: %u\ngid: %u\npid: %d\n", ::getuid(), ::getgid(), ::getpid());
  for (const char* field : {"CapInh", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"})
    std::printf("%s: %s\n", field, status_field(field).c_str());
  const int probe = ::open("/.moat-inside-probe", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  std::printf("root-writable: %s\n", probe >= 0 ? "yes" : "no");
  if (probe >= 0) {
    ::close(probe);
    ::unlink("/.moat-inside-probe");
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::printf("hostname: %s\n", host);
  std::string interfaces;
  if (struct if_nameindex* list = ::if_nameindex()) {
    for (auto* i = list; i->if_index != 0; ++i)
      interfaces += std::string(interfaces.empty() ? "" : ",") + i->if_name;
    ::if_freenameindex(list);
  }
  std::printf("interfaces: %s\n", interfaces.c_str());
  for (const char* path :
       {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware"})
    std::printf("masked %s: %s\n", path, shows(path).c_str());
  std::printf("unshare: %s\n", outcome(::syscall(SYS_unshare, CLONE_NEWNS)).c_str());
  std::printf("mount: %s\n",
              outcome(::syscall(SYS_mount, "none", "/tmp", "tmpfs", 0UL, nullptr)).c_str());
  std::printf("keyctl: %s\n", outcome(::syscall(SYS_keyctl, 1 /* JOIN_SESSION */, 0)).c_str());
  std::printf("ptrace: %s\n",
              outcome(::syscall(SYS_ptrace, PTRACE_ATTACH, ::getppid() > 0 ? ::getppid() : 1,
                                nullptr, nullptr))
                  .c_str());
  std::printf("bpf: %s\n", outcome(::syscall(SYS_bpf, 0 /* MAP_CREATE */, nullptr, 0)).c_str());
  return 0;
}
