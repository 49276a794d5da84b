// moat as dockerd's runtime: a real dockerd started with
// --add-runtime moat=<moat>, a local busybox image, and docker run, ps,
// exec, logs, stop and rm going through containerd's runc shim to moat.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services.hpp"
#include "testutil.hpp"

#include <filesystem>
#include <memory>
#include <string>

using moat::test::shell_quote;
using moat::test::TempDir;
using ::testing::HasSubstr;

namespace {

class RuntimeDaemonTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    s_dir = std::make_unique<TempDir>();
    s_daemon = std::make_unique<moat::test::DockerDaemon>();
    if (auto ok = prepare(); !ok)
      s_skip = ok.error();
  }

  static void TearDownTestSuite() {
    if (s_daemon && s_skip.empty())
      (void)s_daemon->docker("rm -f $(docker -H " + s_daemon->host() + " ps -aq) >/dev/null 2>&1");
    s_daemon.reset();
    s_dir.reset();
  }

  void SetUp() override {
    if (!s_skip.empty())
      GTEST_SKIP() << "cannot run containers: " << s_skip;
  }

  static moat::test::Started prepare() {
    const auto& dir = s_dir->path();
    // A short path: dockerd's exec root holds unix sockets (108-byte limit).
    if (auto ok = s_daemon->start(dir / "d", false, {"--add-runtime", "moat=" MOAT_BINARY}); !ok)
      return ok;
    const auto rootfs = dir / "rootfs";
    if (auto ok = moat::test::make_busybox_rootfs(rootfs); !ok)
      return ok;
    std::filesystem::copy_file(MOAT_TRACED, rootfs / "bin/moat-traced");
    auto imported =
        moat::test::run_command("tar -C " + shell_quote(rootfs.string()) + " -c . | docker -H " +
                                shell_quote(s_daemon->host()) + " import - moat/busybox:1 2>&1");
    if (imported.exit_code != 0)
      return std::unexpected("docker import failed: " + imported.output);
    return {};
  }

  static moat::test::CommandResult docker(const std::string& args) {
    return s_daemon->docker(args + " 2>&1");
  }

  static inline std::unique_ptr<TempDir> s_dir;
  static inline std::unique_ptr<moat::test::DockerDaemon> s_daemon;
  static inline std::string s_skip;
};

TEST_F(RuntimeDaemonTest, DockerRunThroughMoatKeepsDockersDefencesAndItsExitCode) {
  auto r = docker("run --rm --runtime moat moat/busybox:1 sh -c "
                  "'echo hello; grep -E \"^(Seccomp|NoNewPrivs|CapEff):\" /proc/self/status; "
                  "cat /proc/keys; exit 3'");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("hello"));
  EXPECT_THAT(r.output, HasSubstr("Seccomp:\t2")); // Docker's default profile, compiled by moat
  EXPECT_THAT(r.output, HasSubstr("CapEff:\t00000000a80425fb")); // Docker's 14 capabilities
  EXPECT_THAT(r.output, ::testing::Not(HasSubstr("keyring"))) << "/proc/keys is masked";
  // Docker's flags arrive through config.json.
  auto limited = docker("run --rm --runtime moat --read-only --user 1000:1000 "
                        "--security-opt no-new-privileges moat/busybox:1 sh -c "
                        "'id -u; grep NoNewPrivs /proc/self/status; touch /x 2>&1'");
  // Docker copies stdout and stderr on separate streams: touch's complaint goes to
  // stdout so the order of the lines is the container's own.
  EXPECT_NE(limited.exit_code, 0);
  EXPECT_THAT(limited.output, HasSubstr("1000\nNoNewPrivs:\t1"));
  EXPECT_THAT(limited.output, HasSubstr("Read-only file system"));
  auto missing = docker("run --rm --runtime moat moat/busybox:1 /bin/not-there");
  EXPECT_EQ(missing.exit_code, 127) << missing.output;
}

// A profile moat seccomp generate wrote from moat-traced run on the host:
// docker run with it (runc, and moat as the runtime) runs the same program
// (threads, fork, vfork and exec, clone3 refused with ENOSYS and the fork
// it falls back to), and refuses the mount that Docker's default lets a
// container with CAP_SYS_ADMIN make.
TEST_F(RuntimeDaemonTest, AGeneratedProfileRunsUnderDockerAndIsTighterThanItsDefault) {
  const auto profile = s_dir->path() / "traced-seccomp.json";
  auto traced = moat::test::run_moat("seccomp generate -q -o " + shell_quote(profile.string()) +
                                     " -- " + shell_quote(MOAT_TRACED) + " all");
  if (traced.exit_code == 2 && traced.err.find("cannot trace") != std::string::npos)
    GTEST_SKIP() << "this machine does not let moat trace: " << traced.err;
  ASSERT_EQ(traced.exit_code, 0) << traced.err;
  const std::string opt = "--security-opt seccomp=" + shell_quote(profile.string());
  for (const std::string runtime : {"", "--runtime moat "}) {
    auto r = docker("run --rm " + runtime + opt + " moat/busybox:1 /bin/moat-traced all");
    EXPECT_EQ(r.exit_code, 0) << runtime << r.output;
    EXPECT_THAT(r.output, HasSubstr("all: done")) << runtime;
    auto refused = docker("run --rm --cap-add SYS_ADMIN " + runtime + opt +
                          " moat/busybox:1 /bin/moat-traced probe mount");
    EXPECT_THAT(refused.output, HasSubstr("mount: EPERM")) << runtime;
  }
  // Docker's default lets the same container mount.
  auto by_default =
      docker("run --rm --cap-add SYS_ADMIN moat/busybox:1 /bin/moat-traced probe mount");
  EXPECT_THAT(by_default.output, HasSubstr("mount: ok"));
}

TEST_F(RuntimeDaemonTest, PsExecLogsStopAndRmWork) {
  auto started = docker("run -d --name web --runtime moat moat/busybox:1 sh -c "
                        "'trap \"echo stopping; exit 0\" TERM; echo up; "
                        "while true; do sleep 1; done'");
  ASSERT_EQ(started.exit_code, 0) << started.output;
  auto ps = docker("ps --filter name=web --format '{{.Names}} {{.Status}}'");
  EXPECT_THAT(ps.output, HasSubstr("web Up")) << ps.output;
  auto runtime = docker("inspect -f '{{.HostConfig.Runtime}}' web");
  EXPECT_THAT(runtime.output, HasSubstr("moat"));
  auto exec = docker("exec web sh -c 'echo in-exec; hostname; exit 5'");
  EXPECT_EQ(exec.exit_code, 5) << exec.output;
  EXPECT_THAT(exec.output, HasSubstr("in-exec"));
  auto detached = docker("exec -d web sleep 60");
  EXPECT_EQ(detached.exit_code, 0) << detached.output;
  auto top = docker("top web");
  EXPECT_THAT(top.output, HasSubstr("sleep 60")) << top.output;
  auto logs = docker("logs web");
  EXPECT_THAT(logs.output, HasSubstr("up"));
  auto stopped = docker("stop -t 10 web");
  EXPECT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_THAT(docker("logs web").output, HasSubstr("stopping"));
  auto state = docker("inspect -f '{{.State.Status}} {{.State.ExitCode}}' web");
  EXPECT_THAT(state.output, HasSubstr("exited 0")) << state.output;
  auto removed = docker("rm web");
  EXPECT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_THAT(docker("ps -a --format '{{.Names}}'").output, ::testing::Not(HasSubstr("web")));
}

TEST_F(RuntimeDaemonTest, TerminalsReachTheContainerThroughTheConsoleSocket) {
  auto run = docker("run -t --rm --runtime moat moat/busybox:1 sh -c "
                    "'[ -t 0 ] && [ -t 1 ] && echo is-a-tty; ls -l /proc/self/fd/1'");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("is-a-tty"));
  EXPECT_THAT(run.output, HasSubstr("/dev/pts/0"));
  auto started = docker("run -dt --name term --runtime moat moat/busybox:1 sleep 60");
  ASSERT_EQ(started.exit_code, 0) << started.output;
  auto exec = docker("exec -t term sh -c '[ -t 1 ] && echo exec-tty'");
  EXPECT_EQ(exec.exit_code, 0) << exec.output;
  EXPECT_THAT(exec.output, HasSubstr("exec-tty"));
  EXPECT_EQ(docker("rm -f term").exit_code, 0);
}

TEST_F(RuntimeDaemonTest, PrivilegedCannotStartOnThisMachine) {
  // --privileged asks for every capability; where the host's own bounding
  // set lacks one (as on these machines) runc cannot start it either.
  auto with_runc = docker("run --rm --privileged moat/busybox:1 true");
  auto with_moat = docker("run --rm --privileged --runtime moat moat/busybox:1 true");
  if (with_runc.exit_code != 0) {
    EXPECT_NE(with_moat.exit_code, 0);
    GTEST_SKIP() << "--privileged cannot start on this machine (runc: "
                 << with_runc.output.substr(0, with_runc.output.find('\n'))
                 << "); moat: " << with_moat.output.substr(0, with_moat.output.find('\n'));
  }
  EXPECT_EQ(with_moat.exit_code, 0) << with_moat.output;
}

} // namespace
