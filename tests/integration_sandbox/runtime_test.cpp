// moat as an OCI runtime, driven as containerd's runc shim drives it:
// create (the init waits, the pid file exists), start, state, kill, ps,
// exec, delete, hooks, the weakening warnings in a JSON log, and bad
// bundles. A busybox root file system and real namespaces and cgroups.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services.hpp"
#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace fs = std::filesystem;
using moat::test::run_command;
using moat::test::shell_quote;
using moat::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

namespace {

// A config.json as dockerd writes one, trimmed: no user namespace, Docker's
// capabilities, masked and read-only paths, a devices cgroup.
json docker_like_config(const std::string& script) {
  const json caps = {"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
                     "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
                     "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
                     "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return json{
      {"ociVersion", "1.0.2-dev"},
      {"process",
       {{"terminal", false},
        {"user", {{"uid", 0}, {"gid", 0}}},
        {"args", {"/bin/sh", "-c", script}},
        {"env", {"PATH=/bin", "HOSTNAME=box"}},
        {"cwd", "/"},
        {"capabilities",
         {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"inheritable", caps}}},
        {"noNewPrivileges", false}}},
      {"root", {{"path", "rootfs"}, {"readonly", false}}},
      {"hostname", "box"},
      {"mounts",
       {{{"destination", "/proc"},
         {"type", "proc"},
         {"source", "proc"},
         {"options", {"nosuid", "noexec", "nodev"}}},
        {{"destination", "/dev"},
         {"type", "tmpfs"},
         {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/pts"},
         {"type", "devpts"},
         {"source", "devpts"},
         {"options", {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
        {{"destination", "/sys"},
         {"type", "sysfs"},
         {"source", "sysfs"},
         {"options", {"nosuid", "noexec", "nodev", "ro"}}},
        {{"destination", "/sys/fs/cgroup"},
         {"type", "cgroup"},
         {"source", "cgroup"},
         {"options", {"ro", "nosuid", "noexec", "nodev"}}},
        {{"destination", "/dev/shm"},
         {"type", "tmpfs"},
         {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}}}},
      {"linux",
       {{"resources",
         {{"devices",
           {{{"allow", false}, {"access", "rwm"}},
            {{"allow", true}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"access", "rwm"}}}},
          {"memory", {{"limit", 67108864}}},
          {"pids", {{"limit", 64}}}}},
        {"namespaces",
         {{{"type", "mount"}},
          {{"type", "network"}},
          {{"type", "uts"}},
          {{"type", "pid"}},
          {{"type", "ipc"}}}},
        {"maskedPaths", {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"}},
        {"readonlyPaths",
         {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}}}}};
}

class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "the OCI runtime tests need root (namespaces, cgroups)";
    if (!fs::exists("/bin/busybox"))
      GTEST_SKIP() << "busybox-static is not installed";
    // The container's root (a mapped id with a user namespace) must reach
    // the mount point under the state directory, as with runc.
    fs::permissions(dir.path(), static_cast<fs::perms>(0711));
    bundle = dir.path() / "bundle";
    const auto rootfs = bundle / "rootfs";
    for (const auto* d : {"bin", "proc", "sys", "dev", "tmp", "out"})
      fs::create_directories(rootfs / d);
    fs::copy_file("/bin/busybox", rootfs / "bin/busybox");
    auto r = run_command("cd " + shell_quote((rootfs / "bin").string()) +
                         " && for a in $(./busybox --list); do ln -s busybox $a; done");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    id = "moat-test-" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name();
    state_root = dir.path() / "state";
    log_path = dir.path() / "log.json";
  }
  void TearDown() override {
    if (!id.empty())
      (void)moat("delete --force " + id);
  }

  void write_config(const json& config) {
    moat::test::write_text(bundle / "config.json", config.dump(2));
  }
  // moat with the test's state root and JSON log; stdout and stderr
  // together. They go through a file of their own: the init of a created
  // container keeps moat create's descriptors, as it does the shim's.
  moat::test::CommandResult moat(const std::string& args) {
    const auto out = dir.path() / ("out." + std::to_string(++calls));
    const std::string cmd = runner + "timeout -k 5 60 " + shell_quote(MOAT_BINARY) + " --root " +
                            shell_quote(state_root.string()) + " --log " +
                            shell_quote(log_path.string()) + " --log-format json " + args +
                            " </dev/null >" + shell_quote(out.string()) + " 2>&1";
    const int status = std::system(cmd.c_str());
    moat::test::CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.output = moat::test::read_text(out);
    return r;
  }
  int calls = 0;
  json state() {
    auto r = moat("state " + id);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return json::parse(r.output.substr(r.output.find('{')), nullptr, false);
  }
  std::string status() { return state().value("status", ""); }
  bool wait_for_status(const std::string& wanted) {
    for (int i = 0; i < 200; ++i) {
      if (status() == wanted)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }
  std::string create(const std::string& extra = {}) {
    auto r = moat("create --bundle " + shell_quote(bundle.string()) + " --pid-file " +
                  shell_quote((dir.path() / "init.pid").string()) + " " + extra + id);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  TempDir dir;
  fs::path bundle;
  std::string id;
  // moat's state root and log, and what runs it ("runuser -u USER -- ").
  fs::path state_root;
  fs::path log_path;
  std::string runner;
};

TEST_F(RuntimeTest, CreateWaitsStartRunsAndDeleteCleansUp) {
  // The sleep starts before the file the test waits for is written, so ps
  // below finds both processes.
  write_config(docker_like_config("echo ran > /out/marker; echo $$ > /out/pid; sleep 30 & "
                                  "hostname > /out/hostname; wait"));
  create();
  // create returned: the pid file names the waiting init, which has not run the command.
  const auto pid = std::stoi(moat::test::read_text(dir.path() / "init.pid"));
  EXPECT_EQ(::kill(pid, 0), 0);
  auto s = state();
  EXPECT_EQ(s["status"], "created");
  EXPECT_EQ(s["pid"], pid);
  EXPECT_EQ(s["id"], id);
  EXPECT_EQ(s["bundle"], bundle.string());
  EXPECT_FALSE(fs::exists(bundle / "rootfs/out/marker"));
  auto started = moat("start " + id);
  ASSERT_EQ(started.exit_code, 0) << started.output;
  for (int i = 0; i < 200 && !fs::exists(bundle / "rootfs/out/hostname"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  EXPECT_EQ(moat::test::read_text(bundle / "rootfs/out/marker"), "ran\n");
  EXPECT_EQ(moat::test::read_text(bundle / "rootfs/out/pid"), "1\n") << "PID 1 of its namespace";
  EXPECT_EQ(moat::test::read_text(bundle / "rootfs/out/hostname"), "box\n");
  EXPECT_EQ(status(), "running");
  // ps lists the init and its sleep; a second start is refused.
  auto ps = moat("ps --format json " + id);
  ASSERT_EQ(ps.exit_code, 0) << ps.output;
  const auto pids = json::parse(ps.output, nullptr, false);
  ASSERT_TRUE(pids.is_array());
  EXPECT_GE(pids.size(), 2U);
  EXPECT_NE(std::find(pids.begin(), pids.end(), pid), pids.end());
  EXPECT_NE(moat("start " + id).exit_code, 0);
  // A running container is not deleted without --force.
  auto refused = moat("delete " + id);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("not stopped"));
  auto killed = moat("kill " + id + " KILL");
  ASSERT_EQ(killed.exit_code, 0) << killed.output;
  EXPECT_TRUE(wait_for_status("stopped"));
  auto deleted = moat("delete " + id);
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_FALSE(fs::exists(dir.path() / "state" / id));
  EXPECT_NE(moat("state " + id).exit_code, 0);
  // The cgroup went too.
  EXPECT_FALSE(fs::exists("/sys/fs/cgroup/pids/moat/" + id));
  EXPECT_FALSE(fs::exists("/sys/fs/cgroup/moat/" + id));
}

TEST_F(RuntimeTest, TheConfigsDefencesHoldInside) {
  write_config(docker_like_config(
      "grep -E '^(CapEff|CapInh|CapAmb|NoNewPrivs)' /proc/self/status > /out/status; "
      "cat /proc/keys > /out/keys 2>&1; echo 1 > /proc/sys/kernel/hostname 2>/out/sysctl; "
      "echo $? >> /out/sysctl; ls /dev > /out/dev; "
      "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory.max > /out/mem "
      "2>/dev/null; "
      "mknod /tmp/sda b 8 0 2>/dev/null && head -c1 /tmp/sda >/dev/null 2>&1 && echo read-disk "
      "> /out/mknod; echo done >> /out/mknod"));
  create();
  ASSERT_EQ(moat("start " + id).exit_code, 0);
  ASSERT_TRUE(wait_for_status("stopped"));
  const auto status_text = moat::test::read_text(bundle / "rootfs/out/status");
  EXPECT_THAT(status_text, HasSubstr("NoNewPrivs:\t0"));
  EXPECT_THAT(status_text, HasSubstr("CapAmb:\t0000000000000000"));
  EXPECT_THAT(moat::test::read_text(bundle / "rootfs/out/keys"), Not(HasSubstr("keyring")));
  EXPECT_THAT(moat::test::read_text(bundle / "rootfs/out/sysctl"), HasSubstr("1\n"));
  const auto dev = moat::test::read_text(bundle / "rootfs/out/dev");
  for (const auto* node : {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm"})
    EXPECT_THAT(dev, HasSubstr(node));
  EXPECT_THAT(moat::test::read_text(bundle / "rootfs/out/mem"), HasSubstr("67108864"));
  // CAP_MKNOD without a devices cgroup would open the host's disk: either
  // the devices cgroup refuses the node or moat withheld the capability.
  EXPECT_EQ(moat::test::read_text(bundle / "rootfs/out/mknod"), "done\n");
}

TEST_F(RuntimeTest, WeakeningsAreLoggedWithTheirCisChecksAndAStrictConfigHasNone) {
  write_config(docker_like_config("true"));
  create();
  const auto log = moat::test::read_text(dir.path() / "log.json");
  for (const auto* cis :
       {"CIS-2.9", "CIS-5.4", "CIS-5.22", "CIS-5.26", "CIS-5.13", "CIS-4.1", "CIS-5.12"})
    EXPECT_THAT(log, HasSubstr(cis)) << log;
  EXPECT_THAT(log, HasSubstr("\"level\":\"warning\""));
  EXPECT_THAT(log, Not(HasSubstr("CIS-5.11"))) << "the memory limit is set";
  EXPECT_THAT(log, Not(HasSubstr("CIS-5.29"))) << "the pids limit is set";
  ASSERT_EQ(moat("delete --force " + id).exit_code, 0);
  fs::remove(dir.path() / "log.json");
  // moat run's defaults written as a config: nothing to warn about.
  auto strict = docker_like_config("true");
  strict["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  strict["process"]["capabilities"] = json::object();
  strict["process"]["noNewPrivileges"] = true;
  strict["root"]["readonly"] = true;
  strict["linux"]["namespaces"].push_back({{"type", "user"}});
  strict["linux"]["namespaces"].push_back({{"type", "cgroup"}});
  strict["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", 1000000000}, {"size", 65536}}};
  strict["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", 1000000000}, {"size", 65536}}};
  strict["linux"]["resources"]["cpu"] = {{"quota", 50000}, {"period", 100000}};
  strict["linux"]["maskedPaths"] = {
      "/proc/asound",     "/proc/acpi",        "/proc/interrupts",
      "/proc/kcore",      "/proc/keys",        "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",       "/sys/firmware",     "/sys/devices/virtual/powercap"};
  strict["linux"]["seccomp"] = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"syscalls", {{{"names", {"keyctl"}}, {"action", "SCMP_ACT_ERRNO"}}}}};
  write_config(strict);
  create();
  const auto quiet = fs::exists(dir.path() / "log.json")
                         ? moat::test::read_text(dir.path() / "log.json")
                         : std::string();
  EXPECT_THAT(quiet, Not(HasSubstr("CIS-"))) << quiet;
}

TEST_F(RuntimeTest, ExecRunsInTheContainersNamespacesAndCgroup) {
  write_config(docker_like_config("sleep 30"));
  create();
  ASSERT_EQ(moat("start " + id).exit_code, 0);
  moat::test::write_text(dir.path() / "process.json",
                         json{{"args", {"/bin/sh", "-c", "hostname; echo $$; exit 7"}},
                              {"env", {"PATH=/bin"}},
                              {"cwd", "/tmp"},
                              {"user", {{"uid", 0}, {"gid", 0}}}}
                             .dump());
  auto r = moat("exec --process " + shell_quote((dir.path() / "process.json").string()) + " " + id);
  EXPECT_EQ(r.exit_code, 7) << r.output;
  EXPECT_THAT(r.output, HasSubstr("box\n")); // the container's UTS namespace
  // Detached, with a pid file: the process is in the container's cgroup.
  auto d = moat("exec --detach --pid-file " + shell_quote((dir.path() / "exec.pid").string()) +
                " " + id + " /bin/sleep 20");
  ASSERT_EQ(d.exit_code, 0) << d.output;
  const auto exec_pid = std::stoi(moat::test::read_text(dir.path() / "exec.pid"));
  auto ps = moat("ps --format json " + id);
  const auto pids = json::parse(ps.output, nullptr, false);
  EXPECT_NE(std::find(pids.begin(), pids.end(), exec_pid), pids.end()) << ps.output;
  auto missing = moat("exec " + id + " /bin/nonexistent");
  EXPECT_EQ(missing.exit_code, 127) << missing.output;
  // kill --all reaches the exec'd process too; delete waits for all.
  ASSERT_EQ(moat("kill --all " + id + " 9").exit_code, 0);
  ASSERT_EQ(moat("delete --force " + id).exit_code, 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    const auto stat = moat::test::read_text("/proc/" + std::to_string(exec_pid) + "/stat");
    gone = stat.empty() || stat.find(") Z ") != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(gone) << "the exec'd process outlived delete --force";
}

TEST_F(RuntimeTest, HooksSeeTheStateAndRunInOrder) {
  auto config = docker_like_config("true");
  const auto out = (dir.path() / "hooks").string();
  fs::create_directories(out);
  auto hook = [&](const std::string& name) {
    return json{
        {"path", "/bin/sh"},
        {"args",
         {"sh", "-c", "cat > " + out + "/" + name + "; echo " + name + " >> " + out + "/order"}}};
  };
  // startContainer runs inside the container, where its path and the
  // file it writes are the container's.
  const json inside = {{"path", "/bin/sh"}, {"args", {"sh", "-c", "cat > /out/startContainer"}}};
  config["hooks"] = {{"prestart", {hook("prestart")}},
                     {"createRuntime", {hook("createRuntime")}},
                     {"createContainer", {hook("createContainer")}},
                     {"startContainer", {inside}},
                     {"poststart", {hook("poststart")}},
                     {"poststop", {hook("poststop")}}};
  write_config(config);
  create();
  const auto prestart = json::parse(moat::test::read_text(out + "/prestart"), nullptr, false);
  EXPECT_EQ(prestart.value("id", ""), id);
  EXPECT_EQ(prestart.value("status", ""), "creating");
  const auto pid = std::stoi(moat::test::read_text(dir.path() / "init.pid"));
  EXPECT_EQ(prestart.value("pid", 0), pid);
  EXPECT_FALSE(fs::exists(bundle / "rootfs/out/startContainer")) << "not before start";
  ASSERT_EQ(moat("start " + id).exit_code, 0);
  ASSERT_TRUE(wait_for_status("stopped"));
  ASSERT_EQ(moat("delete " + id).exit_code, 0);
  EXPECT_EQ(moat::test::read_text(out + "/order"),
            "prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop\n");
  const auto started =
      json::parse(moat::test::read_text(bundle / "rootfs/out/startContainer"), nullptr, false);
  EXPECT_EQ(started.value("id", ""), id);
  EXPECT_EQ(started.value("pid", 0), pid);
  // A failing prestart hook fails create and leaves nothing.
  config["hooks"] = {{"prestart", {{{"path", "/bin/false"}}}}};
  write_config(config);
  auto failed = moat("create --bundle " + shell_quote(bundle.string()) + " " + id);
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_THAT(failed.output, HasSubstr("prestart hook failed"));
  EXPECT_FALSE(fs::exists(dir.path() / "state" / id));
}

TEST_F(RuntimeTest, ABadBundleIsOneLineAndLeavesNothing) {
  moat::test::write_text(bundle / "config.json", "{\"ociVersion\": \"1.0.2\", \"process\": ");
  auto r = moat("create --bundle " + shell_quote(bundle.string()) + " " + id);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("config.json"));
  EXPECT_THAT(r.output, HasSubstr("invalid JSON"));
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_FALSE(fs::exists(dir.path() / "state" / id));
  auto config = docker_like_config("true");
  config["process"]["capabilities"]["bounding"].push_back("CAP_NOT_A_THING");
  write_config(config);
  auto caps = moat("create --bundle " + shell_quote(bundle.string()) + " " + id);
  EXPECT_EQ(caps.exit_code, 2);
  EXPECT_THAT(caps.output, HasSubstr("unknown capability 'CAP_NOT_A_THING'"));
  config = docker_like_config("true");
  config["process"]["args"] = {"/bin/not-there"};
  write_config(config);
  auto missing = moat("create --bundle " + shell_quote(bundle.string()) + " " + id);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.output, HasSubstr("no such file or directory"));
  EXPECT_FALSE(fs::exists(dir.path() / "state" / id));
  EXPECT_THAT(moat("create --bundle " + shell_quote(bundle.string()) + " ../escape").output,
              HasSubstr("invalid container id"));
  EXPECT_NE(moat("state no-such-container").exit_code, 0);
  EXPECT_EQ(moat("delete --force no-such-container").exit_code, 0);
}

TEST_F(RuntimeTest, TheInitRunsFromASealedCopyOfMoat) {
  // CVE-2019-5736: whoever reaches the runtime's process through
  // /proc/PID/exe keeps a handle on its binary; once the process has
  // exec'd the container's command, that handle could be reopened for
  // writing and the runtime's binary on the host overwritten.
  write_config(docker_like_config("sleep 30"));
  create();
  const auto pid = std::stoi(moat::test::read_text(dir.path() / "init.pid"));
  const auto exe = "/proc/" + std::to_string(pid) + "/exe";
  std::array<char, 256> target{};
  const auto n = ::readlink(exe.c_str(), target.data(), target.size() - 1);
  ASSERT_GT(n, 0);
  EXPECT_THAT(std::string(target.data(), static_cast<std::size_t>(n)), HasSubstr("memfd:moat"));
  const int handle = ::open(exe.c_str(), O_PATH | O_CLOEXEC);
  ASSERT_GE(handle, 0);
  const auto before = run_command("sha256sum " + shell_quote(MOAT_BINARY)).output;
  ASSERT_EQ(moat("start " + id).exit_code, 0);
  ASSERT_TRUE(wait_for_status("running"));
  const auto reopened = "/proc/self/fd/" + std::to_string(handle);
  const int writable = ::open(reopened.c_str(), O_WRONLY | O_CLOEXEC);
  bool written = false;
  if (writable >= 0) {
    written = ::write(writable, "\x7f", 1) == 1;
    ::close(writable);
  }
  ::close(handle);
  EXPECT_FALSE(written) << "the runtime's binary was writable through the init's handle";
  EXPECT_EQ(run_command("sha256sum " + shell_quote(MOAT_BINARY)).output, before);
}

TEST_F(RuntimeTest, ATerminalIsSentOverTheConsoleSocket) {
  auto config = docker_like_config("[ -t 0 ] && [ -t 1 ] && echo is-a-tty; stty size");
  config["process"]["terminal"] = true;
  config["process"]["consoleSize"] = {{"height", 33}, {"width", 101}};
  write_config(config);
  // Without a console socket, create refuses.
  auto refused = moat("create --bundle " + shell_quote(bundle.string()) + " " + id);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("--console-socket"));
  // A listening socket, as containerd's shim has one.
  const auto path = dir.path() / "console.sock";
  const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(listener, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  create("--console-socket " + shell_quote(path.string()) + " ");
  const int peer = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  ASSERT_GE(peer, 0);
  std::array<char, 64> name{};
  iovec data{name.data(), name.size()};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  ASSERT_GT(::recvmsg(peer, &message, MSG_CMSG_CLOEXEC), 0);
  const cmsghdr* header = CMSG_FIRSTHDR(&message);
  ASSERT_NE(header, nullptr);
  int master = -1;
  std::memcpy(&master, CMSG_DATA(header), sizeof master);
  EXPECT_THAT(std::string(name.data()), HasSubstr("/dev/pts/"));
  ASSERT_EQ(moat("start " + id).exit_code, 0);
  std::string output;
  std::array<char, 256> buffer{};
  for (ssize_t n = 0; (n = ::read(master, buffer.data(), buffer.size())) > 0;)
    output.append(buffer.data(), static_cast<std::size_t>(n));
  EXPECT_THAT(output, HasSubstr("is-a-tty"));
  EXPECT_THAT(output, HasSubstr("33 101")) << "process.consoleSize";
  ::close(master);
  ::close(peer);
  ::close(listener);
}

TEST_F(RuntimeTest, FeaturesDescribeTheRuntime) {
  auto r = run_command(shell_quote(MOAT_BINARY) + " features");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto f = json::parse(r.output, nullptr, false);
  ASSERT_TRUE(f.is_object()) << r.output;
  EXPECT_EQ(f["ociVersionMax"], "1.2.0");
  EXPECT_TRUE(f["linux"]["seccomp"]["enabled"].get<bool>());
  EXPECT_NE(std::find(f["linux"]["namespaces"].begin(), f["linux"]["namespaces"].end(), "user"),
            f["linux"]["namespaces"].end());
}

// An ordinary user runs a rootless bundle: its user namespace maps only
// that user, no cgroup can be made (none is delegated here), so the
// container runs without one and the log says which limits do not apply.
TEST_F(RuntimeTest, ARootlessBundleRunsAsAnOrdinaryUser) {
  const auto user = moat::test::rootless_user();
  if (!user)
    GTEST_SKIP() << user.error();
  const int uid = *user;
  const int gid = std::stoi(run_command("id -g moat-rootless").output);
  json config = docker_like_config("cat /proc/self/uid_map > /out/seen; id -u >> /out/seen; "
                                   "grep ^CapEff /proc/self/status >> /out/seen");
  config["process"]["capabilities"] = json::object();
  config["process"]["noNewPrivileges"] = true;
  config["mounts"] = json::array({config["mounts"][0], config["mounts"][1]}); // proc, /dev
  config["linux"].erase("resources");
  config["linux"]["namespaces"].push_back({{"type", "user"}});
  config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", uid}, {"size", 1}}};
  config["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", gid}, {"size", 1}}};
  write_config(config);
  state_root = dir.path() / "user" / "state";
  log_path = dir.path() / "user" / "log.json";
  fs::create_directories(state_root);
  auto owned = run_command("chown -R moat-rootless: " + shell_quote(bundle.string()) + " " +
                           shell_quote((dir.path() / "user").string()));
  ASSERT_EQ(owned.exit_code, 0) << owned.output;
  runner = "cd / && runuser -u moat-rootless -- ";

  auto created = moat("create --bundle " + shell_quote(bundle.string()) + " " + id);
  ASSERT_EQ(created.exit_code, 0) << created.output << moat::test::read_text(log_path);
  EXPECT_EQ(status(), "created");
  EXPECT_THAT(moat::test::read_text(log_path), HasSubstr("no cgroup"));
  auto started = moat("start " + id);
  ASSERT_EQ(started.exit_code, 0) << started.output;
  ASSERT_TRUE(wait_for_status("stopped"));
  const auto seen = moat::test::read_text(bundle / "rootfs/out/seen");
  EXPECT_THAT(seen, ::testing::ContainsRegex("0 +" + std::to_string(uid) + " +1"));
  EXPECT_THAT(seen, HasSubstr("\n0\n"));
  EXPECT_THAT(seen, HasSubstr("CapEff:\t0000000000000000"));
  auto deleted = moat("delete " + id);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.output;
  EXPECT_FALSE(fs::exists(state_root / id));
  id.clear();
}

// --preserve-fds N passes descriptors 3 to 3+N-1 on to the process, as
// runc does (socket activation); without it the same descriptor is closed
// at exec like every other.
TEST_F(RuntimeTest, PreservedDescriptorsReachTheProcessAndOthersDoNot) {
  write_config(docker_like_config("echo through-3 >&3 || echo closed > /out/closed"));
  const auto passed = dir.path() / "passed";
  auto created = moat("create --preserve-fds 1 --bundle " + shell_quote(bundle.string()) + " " +
                      id + " 3>" + shell_quote(passed.string()));
  ASSERT_EQ(created.exit_code, 0) << created.output;
  ASSERT_EQ(moat("start " + id).exit_code, 0);
  ASSERT_TRUE(wait_for_status("stopped"));
  EXPECT_EQ(moat::test::read_text(passed), "through-3\n");
  EXPECT_FALSE(fs::exists(bundle / "rootfs/out/closed"));
  ASSERT_EQ(moat("delete " + id).exit_code, 0);

  const auto not_passed = dir.path() / "not-passed";
  auto plain = moat("create --bundle " + shell_quote(bundle.string()) + " " + id + " 3>" +
                    shell_quote(not_passed.string()));
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  ASSERT_EQ(moat("start " + id).exit_code, 0);
  ASSERT_TRUE(wait_for_status("stopped"));
  EXPECT_EQ(moat::test::read_text(not_passed), "");
  EXPECT_TRUE(fs::exists(bundle / "rootfs/out/closed"));
}

} // namespace
