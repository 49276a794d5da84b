// moat seccomp generate, end to end: real programs traced (moat-traced's
// threads, forks, vforks, clone3 and CLONE_UNTRACED children, busybox
// applets, Python's HTTP server), the profile they give, --merge,
// --diff-default, the capabilities seen, and the errors.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "services.hpp"
#include "testutil.hpp"

#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

namespace fs = std::filesystem;
using moat::test::run_command;
using moat::test::run_moat;
using moat::test::shell_quote;
using moat::test::TempDir;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// The names a profile allows, under any condition, in the rules whose
// comment starts with ORIGIN ("observed", "floor"; empty for all).
std::set<std::string> allowed(const nlohmann::json& profile, const std::string& origin = {}) {
  std::set<std::string> out;
  for (const auto& rule : profile["syscalls"])
    if (rule["action"] == "SCMP_ACT_ALLOW" && rule.value("comment", "").starts_with(origin))
      for (const auto& name : rule["names"])
        out.insert(name.get<std::string>());
  return out;
}

const nlohmann::json* rule_for(const nlohmann::json& profile, const std::string& name) {
  for (const auto& rule : profile["syscalls"])
    for (const auto& n : rule["names"])
      if (n == name)
        return &rule;
  return nullptr;
}

class SeccompGenerate : public ::testing::Test {
protected:
  void SetUp() override {
    auto probe = run_moat("seccomp generate -q -o " + path("probe.json") + " -- /bin/true");
    if (probe.exit_code == 2 && probe.err.find("cannot trace") != std::string::npos)
      GTEST_SKIP() << "this machine does not let moat trace: " << probe.err;
    ASSERT_EQ(probe.exit_code, 0) << probe.err;
  }

  std::string path(const std::string& name) const {
    return shell_quote((dir.path() / name).string());
  }

  nlohmann::json profile(const std::string& name) const {
    return nlohmann::json::parse(moat::test::read_text(dir.path() / name));
  }

  TempDir dir;
};

TEST_F(SeccompGenerate, FollowsThreadsForksVforksClone3AndUntracedChildren) {
  auto r = run_moat("seccomp generate -o " + path("p.json") + " -- " + MOAT_TRACED + " all");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("all: done")) << "the command keeps its stdout with -o";
  const auto p = profile("p.json");
  EXPECT_EQ(p["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(p["defaultErrnoRet"], 1);
  EXPECT_EQ(p["architectures"], nlohmann::json::array({"SCMP_ARCH_X86_64"}));
  const auto observed = allowed(p, "observed");
  // Each child's own call: the thread, the fork, the vfork's exec, the
  // clone3 child, the CLONE_UNTRACED child.
  for (const auto* call :
       {"getpriority", "sysinfo", "times", "getrusage", "getpgrp", "execve", "wait4", "exit_group"})
    EXPECT_THAT(observed, Contains(call)) << call;
  EXPECT_THAT(observed, Not(Contains("mount")));
  // clone under Docker's condition; clone3 answers ENOSYS.
  const auto* clone = rule_for(p, "clone");
  ASSERT_NE(clone, nullptr);
  EXPECT_EQ((*clone)["args"][0]["op"], "SCMP_CMP_MASKED_EQ");
  EXPECT_EQ((*clone)["args"][0]["value"], 2114060288);
  const auto* clone3 = rule_for(p, "clone3");
  ASSERT_NE(clone3, nullptr);
  EXPECT_EQ((*clone3)["action"], "SCMP_ACT_ERRNO");
  EXPECT_EQ((*clone3)["errnoRet"], 38);
  // The floor is listed apart and only where the trace did not see it.
  const auto floor = allowed(p, "floor");
  EXPECT_THAT(floor, Contains("capset"));
  for (const auto& name : floor)
    EXPECT_THAT(observed, Not(Contains(name))) << name;
  EXPECT_THAT(r.err, HasSubstr("capabilities: --cap-drop ALL"));
  // The profile is one moat seccomp check reads without a finding.
  auto check = run_moat("seccomp check --fail-on low " + path("p.json"));
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(SeccompGenerate, TheProfileGoesToStdoutAndTheCommandsOutputToStderr) {
  auto r = run_moat("seccomp generate -- /bin/busybox sh -c 'echo hello from sh; ls / >/dev/null; "
                    "/bin/busybox true'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("hello from sh"));
  const auto p = nlohmann::json::parse(r.out);
  const auto observed = allowed(p, "observed");
  for (const auto* call : {"getdents64", "openat", "write", "wait4", "execve"})
    EXPECT_THAT(observed, Contains(call)) << call;
}

TEST_F(SeccompGenerate, PythonsHttpServerStoppedWithCtrlC) {
  if (!moat::test::have_program("python3"))
    GTEST_SKIP() << "python3 is not installed";
  const std::string port = std::to_string(18000 + (::getpid() % 1000));
  // The server runs traced until a request has been served, then moat gets
  // SIGINT (Ctrl-C), stops it and writes the profile; the timeout is only
  // a safety net.
  const std::string script =
      std::string("'") + MOAT_BINARY + "' seccomp generate --timeout 120s -o " + path("web.json") +
      " -- python3 -m http.server " + port + " --bind 127.0.0.1 --directory " +
      shell_quote(dir.path().string()) + " >/dev/null 2>" + path("err") +
      " & pid=$!; for i in $(seq 1 600); do python3 -c 'import urllib.request,sys; "
      "urllib.request.urlopen(\"http://127.0.0.1:" +
      port +
      "/\", timeout=2)' 2>/dev/null && break; sleep 0.1; done; kill -INT $pid; wait $pid; "
      "echo rc=$?";
  auto r = run_command(script);
  EXPECT_THAT(r.output, HasSubstr("rc=0")) << r.output << moat::test::read_text(dir.path() / "err");
  const auto p = profile("web.json");
  const auto observed = allowed(p, "observed");
  for (const auto* call : {"bind", "listen", "accept4", "socket"})
    EXPECT_THAT(observed, Contains(call)) << call;
  // socket(2) only for the families Python used: AF_INET (2), not AF_PACKET (17).
  std::set<std::uint64_t> domains;
  for (const auto& rule : p["syscalls"])
    if (rule["names"][0] == "socket")
      domains.insert(rule["args"][0]["value"].get<std::uint64_t>());
  EXPECT_THAT(domains, Contains(2));
  EXPECT_THAT(domains, Not(Contains(17)));
  // A port above 1023 needs no capability.
  EXPECT_THAT(moat::test::read_text(dir.path() / "err"),
              HasSubstr("capabilities: --cap-drop ALL\n"));
}

TEST_F(SeccompGenerate, CapabilitiesTheProgramUsedAndWasRefused) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root to use capabilities";
  if (!moat::test::have_program("python3") || !moat::test::have_program("setpriv"))
    GTEST_SKIP() << "python3 or setpriv is not installed";
  // Root gives a file away and binds port 81: CHOWN and NET_BIND_SERVICE.
  auto used = run_moat("seccomp generate -o " + path("p.json") +
                           " --diff-default --format json -- /bin/sh -c " +
                           shell_quote("touch f && chown 1000:1000 f && python3 -c 'import socket; "
                                       "s = socket.socket(); s.bind((\"127.0.0.1\", 81))'"),
                       dir.path());
  ASSERT_EQ(used.exit_code, 0) << used.err;
  const auto report = nlohmann::json::parse(used.out);
  std::map<std::string, nlohmann::json> caps;
  for (const auto& c : report["capabilities"])
    caps[c["capability"].get<std::string>()] = c;
  ASSERT_TRUE(caps.contains("CHOWN")) << used.out;
  EXPECT_EQ(caps["CHOWN"]["syscall"].get<std::string>().find("chown") != std::string::npos, true);
  EXPECT_FALSE(caps["CHOWN"]["refused"].get<bool>());
  ASSERT_TRUE(caps.contains("NET_BIND_SERVICE")) << used.out;
  EXPECT_THAT(caps["NET_BIND_SERVICE"]["reason"].get<std::string>(), HasSubstr("port 81"));
  EXPECT_THAT(used.err, HasSubstr("--cap-add CHOWN"));
  // The same work on files the user owns and a high port: none.
  auto plain = run_moat("seccomp generate -q -o " + path("q.json") +
                            " --diff-default --format json -- /bin/sh -c " +
                            shell_quote("touch g && chown 0:0 g && python3 -c 'import socket; "
                                        "s = socket.socket(); s.bind((\"127.0.0.1\", 0))'"),
                        dir.path());
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(nlohmann::json::parse(plain.out)["capabilities"], nlohmann::json::array());
  // An ordinary user refused: the program fails, moat says so with its exit code.
  auto refused = run_moat("seccomp generate -q -o " + path("r.json") +
                              " --diff-default --format json -- setpriv --reuid=65534 "
                              "--regid=65534 --clear-groups -- /bin/busybox chown 0 /tmp",
                          dir.path());
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("exited with status 1"));
  bool chown_refused = false;
  const auto refused_report = nlohmann::json::parse(refused.out);
  for (const auto& c : refused_report["capabilities"])
    if (c["capability"] == "CHOWN")
      chown_refused = c["refused"].get<bool>();
  EXPECT_TRUE(chown_refused) << refused.out;
  // setpriv itself changed its ids: that needs SETUID and SETGID.
  EXPECT_THAT(refused.out, HasSubstr("\"SETUID\""));
  EXPECT_TRUE(fs::exists(dir.path() / "r.json")) << "the profile is written all the same";
}

TEST_F(SeccompGenerate, MergeFoldsRunsAndAddsTheFloorOnce) {
  ASSERT_EQ(run_moat("seccomp generate -q -o " + path("a.json") + " -- " + MOAT_TRACED + " fork")
                .exit_code,
            0);
  ASSERT_EQ(run_moat("seccomp generate -q -o " + path("b.json") + " -- " + MOAT_TRACED + " clone3")
                .exit_code,
            0);
  EXPECT_THAT(allowed(profile("a.json"), "observed"), Not(Contains("getrusage")));
  auto r = run_moat("seccomp generate -o " + path("ab.json") + " --merge " + path("a.json") +
                    " --merge " + path("b.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto merged = profile("ab.json");
  const auto observed = allowed(merged, "observed");
  EXPECT_THAT(observed, Contains("sysinfo"));
  EXPECT_THAT(observed, Contains("getrusage"));
  EXPECT_THAT(allowed(merged, "floor"), Not(Contains("sysinfo")));
  int floor_rules = 0;
  for (const auto& rule : merged["syscalls"])
    if (rule["action"] == "SCMP_ACT_ALLOW" &&
        rule["comment"].get<std::string>().starts_with("floor"))
      ++floor_rules;
  EXPECT_EQ(floor_rules, 1);
  // Merging a run into a profile it already covers changes nothing.
  ASSERT_EQ(run_moat("seccomp generate -q -o " + path("ab2.json") + " --merge " + path("ab.json") +
                     " -- " + MOAT_TRACED + " fork")
                .exit_code,
            0);
  EXPECT_EQ(allowed(profile("ab2.json")), allowed(merged));
}

TEST_F(SeccompGenerate, DiffDefaultListsWhatTheProfileTakesAway) {
  ASSERT_EQ(run_moat("seccomp generate -q -o " + path("p.json") + " -- " + MOAT_TRACED + " all")
                .exit_code,
            0);
  auto r = run_moat("seccomp generate --diff-default --format json --merge " + path("p.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto diff = nlohmann::json::parse(r.out);
  EXPECT_GT(diff["dockerDefaultAllows"].get<int>(), 300);
  EXPECT_LT(diff["profileAllows"].get<int>(), 150);
  EXPECT_THAT(diff["removed"], Contains("chmod"));
  EXPECT_THAT(diff["removed"], Contains("socket"));
  EXPECT_THAT(diff["removed"], Not(Contains("getpriority")));
  EXPECT_EQ(diff["added"], nlohmann::json::array()) << "nothing beyond Docker's default";
  auto text = run_moat("seccomp generate --diff-default --merge " + path("p.json"));
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_THAT(text.out, HasSubstr("Removed from Docker's default"));
  EXPECT_THAT(text.out, HasSubstr("Docker's default allows"));
}

TEST_F(SeccompGenerate, TheTimeoutStopsTheCommand) {
  auto r = run_moat("seccomp generate --timeout 1s -o " + path("sleep.json") + " -- sleep 60", {},
                    {}, 30);
  EXPECT_EQ(r.exit_code, 0) << "stopped by moat, not failed on its own: " << r.err;
  EXPECT_THAT(allowed(profile("sleep.json"), "observed"), Contains("clock_nanosleep"));
}

TEST_F(SeccompGenerate, ErrorsAreOneLineAndLeaveNoFile) {
  auto missing = run_moat("seccomp generate -o " + path("x.json") + " -- /no/such/program");
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_EQ(missing.err, "moat: cannot run /no/such/program: No such file or directory\n");
  EXPECT_FALSE(fs::exists(dir.path() / "x.json"));
  dir.write("broken.json", "{\"defaultAction\": ");
  auto broken =
      run_moat("seccomp generate -o " + path("y.json") + " --merge " + path("broken.json"));
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_THAT(broken.err, HasSubstr("broken.json"));
  EXPECT_EQ(std::count(broken.err.begin(), broken.err.end(), '\n'), 1) << broken.err;
  EXPECT_FALSE(fs::exists(dir.path() / "y.json"));
  auto nothing = run_moat("seccomp generate");
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_THAT(nothing.err, HasSubstr("nothing to trace"));
  auto format = run_moat("seccomp generate --format sarif -- /bin/true");
  EXPECT_EQ(format.exit_code, 2);
}

// moat harden apparmor on a command of this machine: the profile names what
// busybox read, wrote and ran, and apparmor_parser accepts it.
TEST_F(SeccompGenerate, HardenApparmorWritesAProfileTheParserAccepts) {
  auto r =
      run_moat("harden apparmor --name moat-busybox -o " + path("aa") + " -- /bin/busybox sh -c " +
                   shell_quote("cat /etc/passwd >/dev/null; echo hi > out.txt; "
                               "/bin/busybox ls / >/dev/null"),
               dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("moat: profile moat-busybox:"));
  const auto text = moat::test::read_text(dir.path() / "aa");
  EXPECT_THAT(text, HasSubstr("profile moat-busybox flags=(attach_disconnected,mediate_deleted)"));
  EXPECT_THAT(text, HasSubstr("/etc/passwd r,"));
  EXPECT_THAT(text, ::testing::ContainsRegex("/busybox r?ix,"));
  // out.txt was written in the test's directory, under /tmp: the whole tree.
  EXPECT_THAT(text, HasSubstr("/tmp/** rw,"));
  EXPECT_THAT(text, Not(HasSubstr("out.txt")));
  EXPECT_THAT(text, HasSubstr("/ r,")) << "ls / lists the root";
  EXPECT_THAT(text, HasSubstr("deny mount,"));
  if (!fs::exists("/usr/sbin/apparmor_parser") ||
      !fs::exists("/usr/share/apparmor-features/features"))
    GTEST_SKIP() << "Debian's apparmor package (apparmor_parser) is not installed";
  auto parsed = run_command("apparmor_parser -Q -K -M /usr/share/apparmor-features/features "
                            "--warn=all " +
                            path("aa") + " 2>&1");
  EXPECT_EQ(parsed.exit_code, 0) << parsed.output << text;
  // A bad name is refused before anything runs.
  auto bad = run_moat("harden apparmor --name 'two words' -- /bin/true");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--name two words"));
}

} // namespace
