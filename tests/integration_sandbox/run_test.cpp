// moat run on a real kernel: a busybox root file system built by the test,
// real namespaces, cgroups and seccomp. Needs root (the rootless case runs
// as the ordinary user moat-rootless); a test the kernel forbids is skipped
// with the reason.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services.hpp"
#include "testutil.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using moat::test::run_command;
using moat::test::run_moat;
using moat::test::shell_quote;
using moat::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

// A root file system of busybox-static: /bin/busybox and its applets.
class SandboxTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "moat run's tests need root (namespaces, cgroups, id maps)";
    if (!fs::exists("/bin/busybox"))
      GTEST_SKIP() << "busybox-static is not installed";
    root = dir.path() / "rootfs";
    for (const auto* d : {"bin", "proc", "sys", "dev", "tmp", "run", "etc", "data"})
      fs::create_directories(root / d);
    fs::copy_file("/bin/busybox", root / "bin/busybox");
    auto r = run_command("cd " + shell_quote((root / "bin").string()) +
                         " && for a in $(./busybox --list); do ln -s busybox $a; done");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    dir.write("rootfs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                   "app:x:1000:1000::/data:/bin/sh\n"
                                   "nobody:x:65534:65534::/:/bin/false\n");
    dir.write("rootfs/etc/group", "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n");
    dir.write("rootfs/data/hello.sh", "#!/bin/sh\necho hello from $(id -u)\n");
    ::chmod((root / "data/hello.sh").c_str(), 0755);
    dir.write("rootfs/data/not-executable", "data\n");
    fs::copy_file(MOAT_INSIDE, root / "bin/moat-inside");
  }

  moat::test::RunResult sandboxed(const std::string& flags, const std::string& script) {
    return run_moat("run --rootfs " + shell_quote(root.string()) + " " + flags + " -- /bin/sh -c " +
                        shell_quote(script),
                    {}, {}, 120);
  }

  TempDir dir;
  fs::path root;
};

namespace {

std::string field(const std::string& text, const std::string& name) {
  const auto at = text.find(name + ":");
  if (at == std::string::npos)
    return "";
  const auto start = text.find_first_not_of(" \t", at + name.size() + 1);
  return text.substr(start, text.find('\n', start) - start);
}

} // namespace

TEST_F(SandboxTest, EveryDefenceIsOnByDefault) {
  auto r =
      sandboxed("", "cat /proc/self/status; echo uid_map $(cat /proc/self/uid_map); "
                    "echo pid $$; hostname; ls /sys/class/net; "
                    "touch /x 2>/dev/null && echo root-writable; "
                    "touch /tmp/x && echo tmp-writable; "
                    "echo keys $(wc -c < /proc/keys); echo timer $(wc -c < /proc/timer_list); "
                    "echo 1 > /proc/sys/kernel/hostname 2>/dev/null || echo proc-sys-readonly; "
                    "ls /dev | tr '\\n' ' '");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto* cap : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_EQ(field(r.out, cap), "0000000000000000") << cap;
  EXPECT_EQ(field(r.out, "NoNewPrivs"), "1");
  EXPECT_EQ(field(r.out, "Seccomp"), "2");
  // The container's root is not the host's.
  EXPECT_THAT(r.out, ::testing::ContainsRegex("uid_map 0 [1-9][0-9]* 65536"));
  EXPECT_THAT(r.out, HasSubstr("pid 1\n"));
  EXPECT_THAT(r.out, HasSubstr("\nmoat\n"));
  EXPECT_THAT(r.out, HasSubstr("\nlo\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("eth")));
  EXPECT_THAT(r.out, Not(HasSubstr("root-writable")));
  EXPECT_THAT(r.out, HasSubstr("tmp-writable"));
  EXPECT_THAT(r.out, HasSubstr("keys 0\n"));
  EXPECT_THAT(r.out, HasSubstr("timer 0\n"));
  EXPECT_THAT(r.out, HasSubstr("proc-sys-readonly"));
  EXPECT_THAT(r.out, HasSubstr("fd full mqueue null ptmx pts random shm stderr stdin stdout tty "
                               "urandom zero"));
}

TEST_F(SandboxTest, BlockedSystemCallsFailWithEperm) {
  auto r = sandboxed("", "unshare -U true 2>&1; echo unshare $?; "
                         "mount -t tmpfs none /tmp 2>&1; echo mount $?");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Operation not permitted"));
  EXPECT_THAT(r.out, HasSubstr("unshare 1"));
  EXPECT_THAT(r.out, HasSubstr("mount 1"));
  // Without the filter the same unshare succeeds (a new user namespace
  // needs no capability): the filter is what refused it.
  auto u = sandboxed("--security-opt seccomp=unconfined",
                     "grep ^Seccomp: /proc/self/status; unshare -U true; echo unshare $?");
  EXPECT_THAT(u.out, HasSubstr("Seccomp:\t0"));
  EXPECT_THAT(u.out, HasSubstr("unshare 0"));
}

TEST_F(SandboxTest, ExitCodesAreDockers) {
  EXPECT_EQ(sandboxed("", "exit 3").exit_code, 3);
  auto missing = run_moat("run --rootfs " + shell_quote(root.string()) + " -- nosuchcommand");
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_THAT(missing.err, HasSubstr("nosuchcommand: executable file not found"));
  auto denied = run_moat("run --rootfs " + shell_quote(root.string()) + " -- /data/not-executable");
  EXPECT_EQ(denied.exit_code, 126);
  auto workdir = run_moat("run --rootfs " + shell_quote(root.string()) + " -w /nowhere -- true");
  EXPECT_EQ(workdir.exit_code, 125);
  EXPECT_EQ(std::count(workdir.err.begin(), workdir.err.end(), '\n'), 1) << workdir.err;
  EXPECT_THAT(workdir.err, HasSubstr("working directory /nowhere"));
  auto flag =
      run_moat("run --rootfs " + shell_quote(root.string()) + " --cap-add SYS_ADMN -- true");
  EXPECT_EQ(flag.exit_code, 125);
  EXPECT_THAT(flag.err, HasSubstr("unknown capability 'SYS_ADMN'"));
  // A child killed by a signal: the shell reports 128+9.
  EXPECT_EQ(sandboxed("", "sleep 30 & kill -9 $!; wait $!").exit_code, 137);
}

TEST_F(SandboxTest, UsersAndAddedCapabilities) {
  auto r = sandboxed("--user app", "id -u; id -g; grep ^CapEff /proc/self/status");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1000\n1000\nCapEff:\t0000000000000000"));
  auto c = sandboxed("--user 1000:1000 --cap-add NET_BIND_SERVICE",
                     "grep -E '^Cap(Eff|Amb)' /proc/self/status");
  EXPECT_THAT(c.out, HasSubstr("CapEff:\t0000000000000400"));
  EXPECT_THAT(c.out, HasSubstr("CapAmb:\t0000000000000400"));
  auto h = run_moat("run --rootfs " + shell_quote(root.string()) + " --user app -- /data/hello.sh");
  EXPECT_EQ(h.out, "hello from 1000\n");
}

TEST_F(SandboxTest, MemoryExhaustionIsReportedAndForkBombsAreContained) {
  auto oom = sandboxed("--memory 32m", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}");
  EXPECT_EQ(oom.exit_code, 137) << oom.out;
  EXPECT_THAT(oom.err, HasSubstr("ran out of memory (limit 32m)"));
  auto bomb = sandboxed("--pids-limit 16", "for i in $(seq 100); do sleep 5 & done; echo all");
  EXPECT_THAT(bomb.err, HasSubstr("can't fork"));
  EXPECT_THAT(bomb.out, Not(HasSubstr("all")));
  // The host is unaffected: it can still start processes.
  EXPECT_EQ(run_command("true").exit_code, 0);
}

TEST_F(SandboxTest, DescriptorsAreClosedAndTheWorkingDirectoryStaysInside) {
  // CVE-2024-21626: a descriptor moat's caller left open never reaches the
  // container.
  auto r = run_command("exec 7</etc/hostname; " + std::string(MOAT_BINARY) + " run --rootfs " +
                       shell_quote(root.string()) + " -- /bin/ls /proc/self/fd");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, Not(HasSubstr("7")));
  // ".." cannot climb out of the container's root.
  auto w = run_moat("run --rootfs " + shell_quote(root.string()) + " -w /../../.. -- /bin/pwd");
  EXPECT_EQ(w.out, "/\n");
}

TEST_F(SandboxTest, SymlinkedMountTargetsAreRefused) {
  // A rootfs whose /proc points elsewhere (as the runc /proc and masked-
  // path CVEs used) does not get proc mounted through the link.
  fs::remove(root / "proc");
  fs::create_symlink("/tmp", root / "proc");
  auto r = run_moat("run --rootfs " + shell_quote(root.string()) + " -- true");
  EXPECT_EQ(r.exit_code, 125);
  EXPECT_THAT(r.err, HasSubstr("mount point /proc is a symlink; refused"));
}

// What moat-inside (the project's static helper) reports from inside a
// container started with every default.
void expect_hardened_from_inside(const std::string& report) {
  EXPECT_THAT(report, HasSubstr("uid: 0\n"));
  EXPECT_THAT(report, HasSubstr("pid: 1\n"));
  for (const auto* set : {"CapInh", "CapEff", "CapBnd", "CapAmb"})
    EXPECT_THAT(report, HasSubstr(std::string(set) + ": 0000000000000000")) << set;
  EXPECT_THAT(report, HasSubstr("NoNewPrivs: 1"));
  EXPECT_THAT(report, HasSubstr("Seccomp: 2"));
  EXPECT_THAT(report, HasSubstr("root-writable: no"));
  EXPECT_THAT(report, HasSubstr("hostname: moat\n"));
  EXPECT_THAT(report, HasSubstr("interfaces: lo\n"));
  for (const auto* path : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"})
    EXPECT_THAT(report, HasSubstr(std::string("masked ") + path + ": hidden")) << path;
  for (const auto* call : {"unshare", "mount", "keyctl", "ptrace", "bpf"})
    EXPECT_THAT(report, HasSubstr(std::string(call) + ": EPERM")) << call;
}

TEST_F(SandboxTest, TheStaticHelperSeesEveryDefenceFromInside) {
  auto r =
      run_moat("run --rootfs " + shell_quote(root.string()) + " -- /bin/moat-inside", {}, {}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_hardened_from_inside(r.out);
}

TEST_F(SandboxTest, TtyGivesTheCommandATerminalAndRelaysInput) {
  auto r = run_moat("run -t --rootfs " + shell_quote(root.string()) +
                        " -- /bin/sh -c '[ -t 0 ] && [ -t 1 ] && echo both-ttys; "
                        "ls -l /proc/self/fd/1; read line; echo got:$line'",
                    {}, "typed\n", 60);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("both-ttys"));
  EXPECT_THAT(r.out, HasSubstr("/dev/pts/0"));
  EXPECT_THAT(r.out, HasSubstr("got:typed"));
  // Without -t the command has no terminal.
  auto plain = sandboxed("", "[ -t 1 ] || echo no-tty");
  EXPECT_THAT(plain.out, HasSubstr("no-tty"));
}

TEST_F(SandboxTest, RootlessAsAnOrdinaryUser) {
  const auto user = moat::test::rootless_user();
  if (!user)
    GTEST_SKIP() << user.error();
  fs::permissions(dir.path(),
                  fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  auto r =
      run_command("cd / && runuser -u moat-rootless -- " + std::string(MOAT_BINARY) +
                  " run --rootfs " + shell_quote(root.string()) +
                  " -- /bin/sh -c 'cat /proc/self/uid_map; id -u; grep ^CapEff /proc/self/status'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("ordinary user"));
  EXPECT_THAT(r.output, ::testing::ContainsRegex("0 +" + std::to_string(*user) + " +1"));
  EXPECT_THAT(r.output, HasSubstr("CapEff:\t0000000000000000"));
  // The same defences as under root, seen by the helper.
  auto inside = run_command("cd / && runuser -u moat-rootless -- " + std::string(MOAT_BINARY) +
                            " run --rootfs " + shell_quote(root.string()) +
                            " -- /bin/moat-inside 2>/dev/null");
  ASSERT_EQ(inside.exit_code, 0) << inside.output;
  expect_hardened_from_inside(inside.output);
}

TEST_F(SandboxTest, ASecondStartUsesTheCompiledFilterFromTheCache) {
  const auto cache = dir.path() / "cache";
  const std::string run = "XDG_CACHE_HOME=" + shell_quote(cache.string()) + " LD_DEBUG=libs " +
                          std::string(MOAT_BINARY) + " run --rootfs " + shell_quote(root.string()) +
                          " -- /bin/true";
  // The first start compiles with libseccomp (opened on first use)...
  auto first = run_command(run);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("libseccomp.so.2"));
  ASSERT_TRUE(fs::exists(cache / "moat/seccomp"));
  // ...the second loads the cached program and never opens libseccomp.
  auto second = run_command(run);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, Not(HasSubstr("libseccomp.so.2")));
  // A damaged cache file is compiled again, never loaded.
  for (const auto& entry : fs::directory_iterator(cache / "moat/seccomp")) {
    std::string text = moat::test::read_text(entry.path());
    text[10] = static_cast<char>(text[10] ^ 0x5a);
    dir.write(fs::relative(entry.path(), dir.path()).string(), text);
  }
  auto third = run_command(run);
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_THAT(third.output, HasSubstr("libseccomp.so.2"));
  // The filter from the cache is the one that refuses unshare.
  auto refused =
      run_command("XDG_CACHE_HOME=" + shell_quote(cache.string()) + " " + std::string(MOAT_BINARY) +
                  " run --rootfs " + shell_quote(root.string()) + " -- /bin/unshare -U /bin/true");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("Operation not permitted"));
}

// Containers started at once share the mount point (each binds its root in
// a mount namespace of its own) and each sees its own root.
TEST_F(SandboxTest, ContainersStartedAtOnceEachSeeTheirOwnRoot) {
  TempDir other;
  const auto second = other.path() / "rootfs";
  auto copied =
      run_command("cp -a " + shell_quote(root.string()) + " " + shell_quote(second.string()));
  ASSERT_EQ(copied.exit_code, 0) << copied.output;
  dir.write("rootfs/data/which", "first\n");
  other.write("rootfs/data/which", "second\n");
  const std::string moat = MOAT_BINARY;
  auto start = [&](const fs::path& rootfs, const fs::path& out) {
    return moat + " run --rootfs " + shell_quote(rootfs.string()) +
           " -- /bin/sh -c 'sleep 1; cat /data/which' > " + shell_quote(out.string()) + " 2>&1";
  };
  auto both = run_command(start(root, dir.path() / "a") + " & a=$!; " +
                          start(second, dir.path() / "b") + " & b=$!; wait $a && wait $b");
  ASSERT_EQ(both.exit_code, 0) << both.output << moat::test::read_text(dir.path() / "a")
                               << moat::test::read_text(dir.path() / "b");
  EXPECT_EQ(moat::test::read_text(dir.path() / "a"), "first\n");
  EXPECT_EQ(moat::test::read_text(dir.path() / "b"), "second\n");
  // The shared mount point stays, empty: the binds were in the containers'
  // own mount namespaces.
  EXPECT_TRUE(fs::is_directory("/run/moat/root"));
  EXPECT_TRUE(fs::is_empty("/run/moat/root"));
}

// A profile moat seccomp generate wrote from a trace on the host runs the
// same program in the sandbox, and refuses what the program never called,
// even calls Docker's default allows.
TEST_F(SandboxTest, AGeneratedProfileRunsTheTracedProgramAndRefusesTheRest) {
  fs::copy_file(MOAT_TRACED, root / "bin/moat-traced");
  const auto profile = dir.path() / "traced.json";
  auto traced = run_moat("seccomp generate -q -o " + shell_quote(profile.string()) + " -- " +
                         shell_quote(MOAT_TRACED) + " all");
  if (traced.exit_code == 2 && traced.err.find("cannot trace") != std::string::npos)
    GTEST_SKIP() << "this machine does not let moat trace: " << traced.err;
  ASSERT_EQ(traced.exit_code, 0) << traced.err;
  ASSERT_THAT(moat::test::read_text(profile), Not(HasSubstr("\"uname\"")));
  // The program itself, with no shell before it: only it was traced.
  auto direct = [&](const std::string& flags, const std::string& args) {
    return run_moat("run --rootfs " + shell_quote(root.string()) + " " + flags +
                        " -- /bin/moat-traced " + args,
                    {}, {}, 120);
  };
  const std::string opt = "--security-opt seccomp=" + shell_quote(profile.string());
  // Threads, fork, vfork and exec, clone3 (refused with ENOSYS: the
  // program falls back to fork), a CLONE_UNTRACED child: all still work.
  auto works = direct(opt, "all");
  EXPECT_EQ(works.exit_code, 0) << works.out << works.err;
  EXPECT_THAT(works.out, HasSubstr("all: done"));
  auto refused = direct(opt, "probe uname mount keyctl ptrace");
  EXPECT_EQ(refused.exit_code, 0) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr("uname: EPERM\nmount: EPERM\nkeyctl: EPERM\nptrace: EPERM\n"));
  // Docker's default (moat run's) allows uname: the generated profile is tighter.
  auto by_default = direct("", "probe uname");
  EXPECT_THAT(by_default.out, HasSubstr("uname: ok"));
}
