// Hostile and odd inputs through the moat executable: FIFOs with no
// writer, pipes, symlink loops, deep trees, formats moat does not read.
// Every case must end with one clear line and exit 2 (or work), never hang:
// each run is bounded by a timeout.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "slow_server.hpp"
#include "testutil.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using moat::test::run_moat;
using moat::test::RunResult;
using moat::test::TempDir;
using ::testing::HasSubstr;

namespace hostile_cli_test {

namespace {

constexpr int k_bound = 30; // seconds; every case here takes well under one

int lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

std::string q(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

void expect_one_line_error(const RunResult& r, const std::string& what) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(what));
}

// Runs SCRIPT with bash (for process substitution) in DIR, moat as $MOAT.
RunResult run_bash(const std::string& script, const std::filesystem::path& dir,
                   int bound = k_bound) {
  TempDir scratch;
  const auto file = scratch.write("script", script);
  const std::string cmd = "cd " + q(dir) + " && MOAT='" + MOAT_BINARY +
                          "' XDG_CACHE_HOME=" + q(scratch.path() / "cache") + " timeout -k 5 " +
                          std::to_string(bound) + " bash " + q(file) + " >" +
                          q(scratch.path() / "out") + " 2>" + q(scratch.path() / "err");
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = moat::test::read_text(scratch.path() / "out");
  r.err = moat::test::read_text(scratch.path() / "err");
  return r;
}

} // namespace

TEST(Hostile, FifoWithNoWriterNeverHangs) {
  TempDir dir;
  const auto fifo = dir.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  dir.write("Dockerfile", "FROM scratch\n");
  dir.write("rootfs/etc/os-release", "ID=debian\n");
  // Every place moat takes a file name.
  const std::vector<std::string> commands = {
      "lint " + q(fifo),
      "lint -c " + q(fifo) + " Dockerfile",
      "image --no-progress --skip-vulns " + q(fifo),
      "sbom --no-progress " + q(fifo),
      "vuln --no-progress --db " + q(fifo) + " dir://rootfs",
      "image --no-progress --db " + q(fifo) + " dir://rootfs",
      "db stats --db " + q(fifo),
  };
  for (const auto& c : commands) {
    SCOPED_TRACE(c);
    const auto r = run_moat(c, dir.path(), {}, k_bound);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr(fifo.string()));
  }
}

TEST(Hostile, FifoInsideAnOciLayoutNeverHangs) {
  TempDir dir;
  dir.write("layout/oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  const std::string digest(64, 'a');
  dir.write(
      "layout/index.json",
      R"({"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:)" +
          digest + R"(","size":10}]})");
  std::filesystem::create_directories(dir.path() / "layout/blobs/sha256");
  const auto blob = dir.path() / "layout/blobs/sha256" / digest;
  ASSERT_EQ(::mkfifo(blob.c_str(), 0600), 0);
  const auto r = run_moat("image --no-progress --skip-vulns layout", dir.path(), {}, k_bound);
  expect_one_line_error(r, "not a regular file");
}

TEST(Hostile, PipesStillWork) {
  TempDir dir;
  // `moat lint <(...)` and `moat vuln -` / `moat vuln <(...)` for SBOMs.
  auto r =
      run_bash("\"$MOAT\" lint --fail-on none <(printf 'FROM scratch\\nUSER 1000\\n')", dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string sbom =
      R"({"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[]})";
  dir.write("empty.db", "");
  const auto db = moat::test::shared_vuln_import().db;
  r = run_moat("vuln --db " + q(db) + " --format json -", dir.path(), sbom, k_bound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"targets\""));
  r = run_bash("\"$MOAT\" vuln --db " + q(db) + " --format json <(echo '" + sbom + "')",
               dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // An image archive needs random access: a pipe is refused with a reason.
  r = run_bash("\"$MOAT\" image --no-progress --skip-vulns <(printf 'not a tar')", dir.path());
  expect_one_line_error(r, "not a regular file");
}

TEST(Hostile, SymlinkLoopIsNamedAsOne) {
  TempDir dir;
  std::filesystem::create_symlink("b", dir.path() / "a");
  std::filesystem::create_symlink("a", dir.path() / "b");
  const auto r = run_moat("lint a", dir.path(), {}, k_bound);
  expect_one_line_error(r, "Too many levels of symbolic links");
}

TEST(Hostile, DeepDirectoryTreeIsALimitNotAMemoryHog) {
  TempDir dir;
  std::filesystem::path deep = dir.path() / "tree";
  for (int i = 0; i < 200; ++i)
    deep /= "d";
  std::filesystem::create_directories(deep);
  const auto r = run_moat("lint tree", dir.path(), {}, k_bound);
  expect_one_line_error(r, "directories nested more than 128 deep");
}

TEST(Hostile, FormatsMoatDoesNotReadAreNamed) {
  TempDir dir;
  dir.write("bom.xml",
            "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">"
            "</bom>\n");
  dir.write("bom.spdx", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n");
  dir.write("empty.json", "");
  dir.write("image.tar.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8));
  const auto db = moat::test::shared_vuln_import().db;
  struct Case {
    std::string args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"image --no-progress --skip-vulns bom.xml", "not an image archive but a CycloneDX XML"},
      {"image --no-progress --skip-vulns bom.spdx", "an SPDX tag-value document"},
      {"image --no-progress --skip-vulns empty.json", "empty file"},
      {"image --no-progress --skip-vulns image.tar.gz", "a gzip-compressed file"},
      {"vuln --no-progress --db " + q(db) + " bom.xml", "CycloneDX XML is not read"},
      {"vuln --no-progress --db " + q(db) + " bom.spdx", "SPDX tag-value document"},
      {"vuln --no-progress --db " + q(db) + " empty.json", "empty file; moat vuln reads"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    expect_one_line_error(run_moat(c.args, dir.path(), {}, k_bound), c.says);
  }
}

// A registry that accepts and then says nothing, or trickles, ends at the
// --timeout with a line naming the registry and what stalled.
TEST(Hostile, StalledRegistryEndsAtTheTimeout) {
  for (const auto mode :
       {moat::test::SlowServer::Mode::silent, moat::test::SlowServer::Mode::trickle}) {
    moat::test::SlowServer server(mode);
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_moat("image --no-progress --skip-vulns --insecure --timeout 3s "
                            "registry://" +
                                server.host() + "/app:1",
                            {}, {}, k_bound);
    const auto took = std::chrono::steady_clock::now() - start;
    expect_one_line_error(r, "timed out: the --timeout of 3s passed while reading http://" +
                                 server.host() + "/v2/");
    EXPECT_THAT(r.err, HasSubstr(server.host()));
    EXPECT_LT(took, std::chrono::seconds(15));
  }
  const auto bad = run_moat("image --timeout soon registry://127.0.0.1:1/app:1", {}, {}, k_bound);
  expect_one_line_error(bad, "--timeout: 'soon' is not a duration");
}

// Parse errors in moat's own words, one line, with the nearest flag or command.
TEST(Hostile, UnknownCommandsAndFlagsAreAnsweredInMoatsWords) {
  struct Case {
    std::string args;
    std::string line;
  };
  const std::vector<Case> cases = {
      {"bogus", "moat: unknown command 'bogus'; run 'moat --help'\n"},
      {"lnit Dockerfile", "moat: unknown command 'lnit' (did you mean 'lint'?); run 'moat "
                          "--help'\n"},
      {"",
       "moat: a command is needed: bench, config, db, fix, harden, image, key, lint, rules, run, "
       "sbom, seccomp, secrets, sign, verify, vuln, create, start, state, kill, delete, ps, exec, "
       "features; "
       "run 'moat "
       "--help'\n"},
      {"lint --formt json Dockerfile",
       "moat: lint: unknown flag '--formt' (did you mean '--format'?); run 'moat lint "
       "--help'\n"},
      {"db", "moat: db: a command is needed: import, update, stats; run 'moat db --help'\n"},
      {"db imprt x", "moat: db: unknown command 'imprt' (did you mean 'import'?); run 'moat "
                     "db --help'\n"},
      {"sbom", "moat: sbom: TARGET is required; run 'moat sbom --help'\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    const auto r = run_moat(c.args, {}, {}, k_bound);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, c.line);
  }
}

TEST(Hostile, UnknownCheckIdsAreErrorsWithASuggestion) {
  TempDir dir;
  dir.write("Dockerfile", "FROM scratch\n");
  auto r = run_moat("lint --ignore NOPE Dockerfile", dir.path(), {}, k_bound);
  expect_one_line_error(r, "--ignore: unknown check id 'NOPE'");
  r = run_moat("lint --ignore DL3009,DL30O8 Dockerfile", dir.path(), {}, k_bound);
  expect_one_line_error(r, "unknown check id 'DL30O8' (did you mean 'DL3008'?)");
  r = run_moat("lint --enable CopyIgnoredFil Dockerfile", dir.path(), {}, k_bound);
  expect_one_line_error(r, "did you mean 'CopyIgnoredFile'?");
  dir.write(".moat.yaml", "ignore: [DL3008, NOPE]\n");
  r = run_moat("lint Dockerfile", dir.path(), {}, k_bound);
  expect_one_line_error(r, ".moat.yaml: unknown check id 'NOPE'");
  std::filesystem::remove(dir.path() / ".moat.yaml");
  // Advisory ids (for vuln and image) and every kind of alias are accepted.
  r = run_moat("lint --ignore CVE-2023-32681,GHSA-j8r2-6x86-q33q,PYSEC-2023-74,DS-0002,"
               "CIS-DI-0001,JSONArgsRecommended,IM001,DF001 Dockerfile",
               dir.path(), {}, k_bound);
  EXPECT_NE(r.exit_code, 2) << r.err;
}

TEST(Hostile, WriteErrorsAreExitTwo) {
  if (!std::filesystem::exists("/dev/full"))
    GTEST_SKIP() << "/dev/full is not on this machine";
  TempDir dir;
  dir.write("Dockerfile", "FROM scratch\nUSER 1\n");
  const auto db = moat::test::shared_vuln_import().db;
  const std::vector<std::string> commands = {"rules",
                                             "rules --format json",
                                             "rules DL3008",
                                             "db stats --db " + q(db),
                                             "db stats --format json --db " + q(db),
                                             "lint --fail-on none Dockerfile"};
  for (const auto& args : commands) {
    SCOPED_TRACE(args);
    const auto r = run_bash("\"$MOAT\" " + args + " >/dev/full", dir.path());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("write failed"));
  }
}

// Wrong answers on bad input: a binary file has no findings to give, and a
// huge one-line FROM is a line over BuildKit's limit, not an empty file.
TEST(Hostile, BinaryAndOverlongDockerfilesSayWhatTheyAre) {
  TempDir dir;
  std::string random(100'000, '\0');
  std::uint32_t state = 12345;
  for (auto& c : random) {
    state = state * 1103515245U + 12345U;
    c = static_cast<char>(state >> 24U);
  }
  dir.write("random.bin", random);
  auto r = run_moat("lint random.bin", dir.path(), {}, k_bound);
  expect_one_line_error(r, "random.bin: not a text file (binary content at byte");
  EXPECT_TRUE(r.out.empty()) << r.out.substr(0, 200);

  dir.write("Dockerfile.long", "FROM " + std::string(10U << 20U, 'a') + "\n");
  r = run_moat("lint Dockerfile.long", dir.path(), {}, k_bound);
  expect_one_line_error(r, "dockerfile line greater than max allowed size of 65535");
  // Text with a form feed and an escape sequence is still text.
  dir.write("Dockerfile", "FROM scratch\n\f# \x1b[1mbold\x1b[0m\nUSER 1\n");
  r = run_moat("lint --fail-on none Dockerfile", dir.path(), {}, k_bound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// An import killed half-way (a crash, a SIGKILL, Ctrl-C) leaves a hot
// journal; readers roll it back
// and read the database as it was, instead of failing until a later
// import.
TEST(Hostile, InterruptedImportLeavesAReadableDatabase) {
  TempDir dir;
  const auto db = dir.path() / "v.db";
  const auto go = moat::test::shared_dir() / "vulndata/go";
  const auto pypi = moat::test::shared_dir() / "vulndata/pypi";
  // A first, small import makes the database; the second is interrupted.
  auto first = run_moat("db import -q --db " + q(db) + " " + q(pypi / "requests"), {}, {}, k_bound);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto killed = run_bash("\"$MOAT\" db import -q --no-progress --db " + q(db) + " " + q(go) + " " +
                             q(pypi) + " & pid=$!; sleep 1.5; kill -KILL $pid; wait $pid; echo $?",
                         dir.path());
  if (!std::filesystem::exists(db.string() + "-journal"))
    GTEST_SKIP() << "the import finished before the signal; no journal to recover from";
  for (const std::string& args :
       {"db stats --db " + q(db), "db stats --format json --db " + q(db)}) {
    const auto r = run_moat(args, {}, {}, k_bound);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("PyPI"));
  }
  // And the next import goes on from the state before the killed one.
  const auto again = run_moat("db import -q --db " + q(db) + " " + q(pypi), {}, {}, k_bound);
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

// Two imports at once: the second waits for the first, and both succeed.
TEST(Hostile, ConcurrentImportsWaitForEachOther) {
  TempDir dir;
  const auto db = dir.path() / "v.db";
  const auto pypi = moat::test::shared_dir() / "vulndata/pypi";
  const auto r = run_bash("\"$MOAT\" db import -q --db " + q(db) + " " + q(pypi) +
                              " & a=$!; \"$MOAT\" db import -q --db " + q(db) + " " + q(pypi) +
                              " & b=$!; wait $a; ra=$?; wait $b; rb=$?; echo \"$ra $rb\"",
                          dir.path(), 4 * k_bound);
  // Two whole imports, one after the other, under the sanitizers on a busy
  // machine: a longer bound than one command's.
  EXPECT_EQ(r.out, "0 0\n") << r.err;
}

// A damaged page is refused with one line, not read as fewer advisories.
TEST(Hostile, DamagedDatabaseIsRefused) {
  TempDir dir;
  const auto db = dir.path() / "v.db";
  std::filesystem::copy_file(moat::test::shared_vuln_import().db, db);
  const auto size = std::filesystem::file_size(db);
  ASSERT_GT(size, 64U * 4096U);
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>((size / 4096 / 2) * 4096));
    const std::string junk(4096, '\xff');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  TempDir work;
  work.write("app.cdx.json", R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":[]})");
  for (const std::string& args :
       {"db stats --db " + q(db), "vuln --db " + q(db) + " app.cdx.json"}) {
    SCOPED_TRACE(args);
    expect_one_line_error(run_moat(args, work.path(), {}, k_bound),
                          "damaged vulnerability database");
  }
}

// Each help page is its command's own: no sections of other commands, and
// every db subcommand has its description, examples and exit status.
TEST(Hostile, HelpPagesBelongToTheirCommand) {
  for (const std::string sub : {"import", "update", "stats"}) {
    SCOPED_TRACE(sub);
    const auto r = run_moat("db " + sub + " --help", {}, {}, k_bound);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_THAT(r.out, HasSubstr("DESCRIPTION:"));
    EXPECT_THAT(r.out, HasSubstr("EXAMPLES:"));
    EXPECT_THAT(r.out, HasSubstr("EXIT STATUS:"));
    EXPECT_THAT(r.out, HasSubstr("moat db " + sub));
    EXPECT_EQ(r.out.find("SUPPRESSION"), std::string::npos);
    EXPECT_EQ(r.out.find("--fail-on"), std::string::npos); // findings exit codes are not db's
  }
  // moat rules: TITLE starts in the same column on every line.
  const auto r = run_moat("rules", {}, {}, k_bound);
  ASSERT_EQ(r.exit_code, 0);
  const auto title = r.out.find("TITLE");
  ASSERT_NE(title, std::string::npos);
  std::size_t start = r.out.find('\n') + 1;
  int rows = 0;
  while (start < r.out.size()) {
    const auto end = r.out.find('\n', start);
    const auto line = r.out.substr(start, end - start);
    if (line.empty())
      break; // the table ends; the secret rules' noise controls follow
    ASSERT_GT(line.size(), title) << line;
    EXPECT_EQ(line[title - 1], ' ') << line;
    EXPECT_NE(line[title], ' ') << line;
    ++rows;
    start = end + 1;
  }
  EXPECT_GT(rows, 100);
  EXPECT_THAT(r.out.substr(start), HasSubstr("Secret rules leave alone:"));
}

// Every limit error names the limit and the flag that raises it, and the
// flag does raise it.
TEST(Hostile, LimitErrorsNameTheirFlag) {
  TempDir dir;
  dir.write("rootfs/etc/os-release", "ID=debian\n");
  dir.write("rootfs/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  dir.write("rootfs/app/a", "a");
  auto r = run_moat("image --no-progress --skip-vulns --max-files 3 dir://rootfs", dir.path(), {},
                    k_bound);
  expect_one_line_error(r, "more than 3 files in the image (--max-files raises the limit)");
  r = run_moat("image --no-progress --skip-vulns --max-files 100 --fail-on none dir://rootfs",
               dir.path(), {}, k_bound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_moat("image --no-progress --skip-vulns --max-layer-size lots dir://rootfs", dir.path(),
               {}, k_bound);
  expect_one_line_error(r, "--max-layer-size: 'lots' is not a size");
}

} // namespace hostile_cli_test

namespace hostile_cli_test {
namespace {

// Runs moat with ARGS (stdout and stderr to /dev/null) and returns its peak
// resident memory in KiB, or -1 when it did not exit with at most MAX_EXIT.
long peak_kib(const std::vector<std::string>& args, int max_exit = 1) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    // The ASan build's quarantine would otherwise count as moat's memory.
    ::setenv("ASAN_OPTIONS", "quarantine_size_mb=1:detect_leaks=0", 1);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(MOAT_BINARY));
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(MOAT_BINARY, argv.data());
    ::_exit(127);
  }
  int status = 0;
  struct rusage usage {};
  if (::wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) > max_exit)
    return -1;
  return usage.ru_maxrss;
}

} // namespace

// The hostile Dockerfile shapes that were quadratic, scaled down: ENV after
// ENV (each step copied every variable: 1 MB took 7.6 GB), variables that
// double each other, and thousands of stages. Memory stays linear; the
// time of the full-size probes is in bench/hostile.sh.
TEST(Hostile, HostileDockerfileShapesStayLinearInMemory) {
  TempDir dir;
  std::string env = "FROM debian:12\n";
  std::string chained = "FROM debian:12\nENV V0=x\n";
  std::string stages;
  for (int i = 0; i < 60'000; ++i)
    env += "ENV VAR" + std::to_string(i) + "=value" + std::to_string(i) + "\n";
  for (int i = 1; i < 40; ++i)
    chained += "ENV V" + std::to_string(i) + "=$V" + std::to_string(i - 1) + "$V" +
               std::to_string(i - 1) + "\n";
  for (int i = 0; i < 20'000; ++i)
    stages += "FROM debian:12 AS s" + std::to_string(i) + "\nRUN echo " + std::to_string(i) + "\n";
  const auto env_file = dir.write("Dockerfile.env", env);
  const auto chained_file = dir.write("Dockerfile.chained", chained);
  const auto stages_file = dir.write("Dockerfile.stages", stages);
  for (const auto& file : {env_file, chained_file, stages_file}) {
    SCOPED_TRACE(file.filename().string());
    const auto kib = peak_kib({"lint", "--fail-on", "none", "-f", "json", file.string()});
    ASSERT_GE(kib, 0) << "moat failed";
    EXPECT_LT(kib, 400L * 1024L) << "peak " << kib << " KiB";
  }
}

// Findings by the ten thousand (two per RUN): every format is streamed,
// to stdout and to -o FILE, so JSON and SARIF files cost what the text on
// stdout costs. SARIF was one document (2.6 times the memory of text for a
// 15 MB file) and -o held the whole report as a string.
TEST(Hostile, ReportsAreStreamedInEveryFormat) {
  TempDir dir;
  std::string run = "FROM debian:12\n";
  for (int i = 0; i < 15'000; ++i) {
    const auto n = std::to_string(i);
    run += "RUN apt-get install -y pkg" + n + " && echo $HOME" + n + " > /tmp/f" + n + "\n";
  }
  const auto file = dir.write("Dockerfile.run", run).string();
  const auto text = peak_kib({"lint", "--fail-on", "none", "-f", "text", file});
  ASSERT_GE(text, 0) << "moat failed";
  EXPECT_LT(text, 400L * 1024L) << "peak " << text << " KiB";
  for (const std::string format : {"json", "sarif"}) {
    SCOPED_TRACE(format);
    const auto out = (dir.path() / ("report." + format)).string();
    const auto to_stdout = peak_kib({"lint", "--fail-on", "none", "-f", format, file});
    const auto to_file = peak_kib({"lint", "--fail-on", "none", "-f", format, "-o", out, file});
    ASSERT_GE(to_stdout, 0) << "moat failed";
    ASSERT_GE(to_file, 0) << "moat failed";
    EXPECT_LT(to_stdout - text, 16L * 1024L) << to_stdout << " KiB against " << text;
    EXPECT_LT(to_file - text, 16L * 1024L) << to_file << " KiB against " << text;
    EXPECT_GT(std::filesystem::file_size(out), 10'000'000U);
  }
}

} // namespace hostile_cli_test

namespace hostile_cli_test {

// SBOMs are read element by element into packed packages: 50,000
// components cost a few MiB where the whole-document reading took about
// 100 MiB (a million took 1.25 GB CycloneDX, 2.1 GB SPDX), and the SPDX
// document's relationship per package costs no more. The last component
// still matches its advisory.
TEST(Hostile, LargeSbomsAreReadInBoundedMemory) {
  TempDir dir;
  constexpr int k_components = 50'000;
  std::string cdx = R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":[)";
  std::string spdx = R"({"spdxVersion":"SPDX-2.3","packages":[)";
  std::string relations;
  for (int i = 0; i < k_components; ++i) {
    const std::string n = std::to_string(i);
    const bool last = i + 1 == k_components;
    const std::string name = last ? "admesh" : "pkg" + n;
    const std::string purl = "pkg:pypi/" + name + "@" + (last ? "0.98.4" : "1.0.0");
    cdx += std::string(i > 0 ? "," : "") + R"({"type":"library","name":")" + name +
           R"(","purl":")" + purl + R"("})";
    spdx +=
        std::string(i > 0 ? "," : "") + R"({"SPDXID":"SPDXRef-p)" + n + R"(","name":")" + name +
        R"(","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":")" +
        purl + R"("}]})";
    relations +=
        std::string(i > 0 ? "," : "") +
        R"({"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-p)" +
        n + R"("})";
  }
  cdx += "]}";
  spdx += "],\"relationships\":[" + relations + "]}";
  const auto cdx_file = dir.write("cdx.json", cdx);
  const auto spdx_file = dir.write("spdx.json", spdx);
  const auto tiny_file = dir.write(
      "tiny.json",
      R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"purl":"pkg:pypi/a@1"}]})");
  const auto db = moat::test::shared_vuln_import().db;
  const auto report = dir.path() / "report.json";
  auto peak = [&](const std::filesystem::path& file) {
    return peak_kib({"vuln", "--db", db.string(), "--fail-on", "none", "-f", "json", "-o",
                     report.string(), file.string()});
  };
  // What moat holds whatever the SBOM (the database, the ASan runtime in
  // that build) is measured first; the SBOM's own cost is the rest.
  const long baseline = peak(tiny_file);
  ASSERT_GE(baseline, 0) << "moat failed";
  for (const auto& file : {cdx_file, spdx_file}) {
    SCOPED_TRACE(file.filename().string());
    const auto kib = peak(file);
    ASSERT_GE(kib, 0) << "moat failed";
    EXPECT_LT(kib - baseline, 30L * 1024L) << "peak " << kib << " KiB, baseline " << baseline;
    std::ifstream in(report);
    const std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_THAT(out, HasSubstr("PYSEC-2022-182"));
  }
}

} // namespace hostile_cli_test

namespace hostile_cli_test {

// An OSV document padded with a field moat never reads (a 60 MB details)
// costs its text: the padding is skipped, not parsed (it took four times
// the text, 991 MB for 250 MB). The advisory is still stored.
TEST(Hostile, PaddedOsvDocumentCostsItsText) {
  TempDir dir;
  auto advisory = [](const std::string& details) {
    return R"({"id": "GHSA-pad0-0000-0000", "modified": "2024-01-01T00:00:00Z", "details": ")" +
           details + R"(", "affected": [{"package": {"ecosystem": "npm", "name": "padded"},
          "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}]}]})";
  };
  const auto small = dir.write("small/GHSA-pad0-0000-0000.json", advisory("short"));
  const auto file = dir.write("GHSA-pad0-0000-0000.json", advisory(std::string(60'000'000, 'x')));
  const auto db = dir.path() / "vuln.db";
  // What any import holds is measured first; the padding's cost is the rest.
  const auto baseline = peak_kib({"db", "import", "-q", "--db", db.string(), small.string()});
  ASSERT_GE(baseline, 0) << "moat failed";
  const auto kib = peak_kib({"db", "import", "-q", "--db", db.string(), file.string()});
  ASSERT_GE(kib, 0) << "moat failed";
  // The text itself is 57 MiB; parsed whole it cost four times that.
  EXPECT_LT(kib - baseline, 90L * 1024L) << "peak " << kib << " KiB, baseline " << baseline;
  const auto r = run_moat("db stats --db " + q(db), dir.path(), {}, k_bound);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("advisories:      1"));
}

} // namespace hostile_cli_test

namespace hostile_cli_test {

// A zip member whose headers claim 100 bytes and that inflates to 200 MB
// is stopped at --max-document-size while it inflates: memory stays near
// the limit (a zip bomb once reached 1.04 GB before it was stopped).
TEST(Hostile, LyingZipMemberIsStoppedAtTheLimit) {
  TempDir dir;
  const auto made =
      run_bash("python3 - <<'PY'\n"
               "import zipfile, struct\n"
               "with zipfile.ZipFile('liar.zip', 'w', compression=zipfile.ZIP_DEFLATED) as z:\n"
               "    z.writestr('big.json', b' ' * (200 << 20))\n"
               "data = bytearray(open('liar.zip', 'rb').read())\n"
               "struct.pack_into('<I', data, 22, 100)\n"
               "struct.pack_into('<I', data, data.find(b'PK\\x01\\x02') + 24, 100)\n"
               "open('liar.zip', 'wb').write(bytes(data))\n"
               "PY",
               dir.path());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const auto zip = (dir.path() / "liar.zip").string();
  const auto db = (dir.path() / "vuln.db").string();
  const auto r = run_moat("db import --max-document-size 8MiB --db " + q(db) + " " + q(zip),
                          dir.path(), {}, k_bound);
  expect_one_line_error(r, "member expands beyond 8388608 bytes (--max-document-size raises the "
                           "limit)");
  // What any import holds (under ASan about 100 MiB) is measured first; the
  // member may add its limit and a buffer, not the 200 MB it inflates to.
  const auto small =
      dir.write("small/GHSA-0000-0000-0000.json",
                R"({"id": "GHSA-0000-0000-0000", "modified": "2024-01-01T00:00:00Z"})");
  const long baseline = peak_kib({"db", "import", "--db", db, small.string()});
  ASSERT_GE(baseline, 0);
  const long kib = peak_kib({"db", "import", "--max-document-size", "8MiB", "--db", db, zip}, 2);
  ASSERT_GE(kib, 0);
  EXPECT_LT(kib - baseline, 40L * 1024L) << "peak " << kib << " KiB, baseline " << baseline;
}

} // namespace hostile_cli_test
