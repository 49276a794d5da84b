// moat run IMAGE on the real test images (debootstrap'd Debian, packed by
// umoci and skopeo): judged first (--policy, --fail-on), unpacked into the
// cache owned by the container's ids, reused, and started with the image's
// USER, WORKDIR, ENV, ENTRYPOINT and CMD. Needs root (namespaces, id maps).

#include "images.hpp"
#include "services.hpp"
#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using moat::test::images_dir;
using moat::test::run_command;
using moat::test::shell_quote;
using moat::test::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// Python's HTTP server (real Debian python3) serving one request from a
// thread of its own: what the tracing tests run in the vuln image.
constexpr const char* k_python_server =
    "import http.server, threading, urllib.request\n"
    "s = http.server.HTTPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)\n"
    "threading.Thread(target=s.serve_forever, daemon=True).start()\n"
    "print('status', urllib.request.urlopen('http://127.0.0.1:%d/' % s.server_port).status)\n"
    "s.shutdown()\n";

class RunImageTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "moat run needs root here (namespaces, id maps, cgroups)";
    REQUIRE_IMAGES();
  }

  // moat ARGS with this test's cache; stdout and stderr together.
  moat::test::CommandResult moat(const std::string& args) {
    return run_command("XDG_CACHE_HOME=" + shell_quote(cache().string()) + " timeout -k 5 300 " +
                       shell_quote(MOAT_BINARY) + " " + args);
  }
  [[nodiscard]] fs::path cache() const { return dir.path() / "cache"; }
  [[nodiscard]] fs::path rootfs_cache() const { return cache() / "moat/rootfs"; }
  [[nodiscard]] std::vector<fs::path> cached() const {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(rootfs_cache(), ec))
      out.push_back(e.path());
    return out;
  }
  static std::string image(const std::string& name) {
    return shell_quote((images_dir() / "oci").string() + ":" + name);
  }
  // moat config on TEXT, written to PATH, reports none of the check IDS.
  void expect_config_settles(const fs::path& path, const std::string& text,
                             std::initializer_list<const char*> ids) {
    moat::test::write_text(path, text);
    auto checked = moat("config --format json " + shell_quote(path.string()));
    ASSERT_NE(checked.exit_code, 2) << checked.output;
    for (const auto* id : ids)
      EXPECT_THAT(checked.output, Not(HasSubstr("\"" + std::string(id) + "\"")))
          << id << checked.output;
  }

  TempDir dir;
};

TEST_F(RunImageTest, AnImageRunsReadOnlyFromACacheOwnedByTheContainersIds) {
  auto r = moat("run " + image("base") +
                " -- /bin/sh -c 'id -u; head -1 /etc/os-release; touch /x 2>&1; "
                "ls -ln /etc/shadow /usr/bin/passwd'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("0\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\""));
  EXPECT_THAT(r.output, HasSubstr("Read-only file system"));
  // Inside, the files belong to the container's root and shadow group,
  // and the set-user-ID bit is there (no_new_privs makes it inert).
  EXPECT_THAT(r.output, ::testing::ContainsRegex("-rw-r----- +1 0 +42 .*/etc/shadow"));
  EXPECT_THAT(r.output, ::testing::ContainsRegex("-rwsr-xr-x +1 0 +0 .*/usr/bin/passwd"));
  // On the host: one directory per image and id range, owned by the
  // range's first id, in a cache only root may enter.
  const auto entries = cached();
  ASSERT_EQ(entries.size(), 1U);
  struct stat st {};
  ASSERT_EQ(::stat(entries.front().c_str(), &st), 0);
  EXPECT_NE(st.st_uid, 0U);
  ASSERT_EQ(::stat(rootfs_cache().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  // The second run starts from the cache: the same directory, not unpacked again.
  struct stat before {};
  ::stat(entries.front().c_str(), &before);
  auto again = moat("run " + image("base") + " -- true");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  struct stat after {};
  ASSERT_EQ(::stat(entries.front().c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);
  EXPECT_EQ(cached().size(), 1U);
}

TEST_F(RunImageTest, ReadWriteWritesToAnOverlayAndLeavesTheCacheAsItWas) {
  auto r = moat("run --read-write " + image("base") +
                " -- /bin/sh -c 'echo changed > /etc/motd && rm /etc/hostname && cat /etc/motd'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("changed"));
  const auto entries = cached();
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_THAT(moat::test::read_text(entries.front() / "etc/motd"), Not(HasSubstr("changed")));
  EXPECT_TRUE(fs::exists(entries.front() / "etc/hostname"));
  // The next container sees the image, not the last one's writes.
  auto next = moat("run " + image("base") + " -- cat /etc/hostname");
  EXPECT_EQ(next.exit_code, 0) << next.output;
}

TEST_F(RunImageTest, FailOnRefusesBeforeAnythingIsUnpacked) {
  auto r = moat("run --fail-on high " + image("planted") + " -- true");
  EXPECT_EQ(r.exit_code, 125) << r.output;
  EXPECT_THAT(r.output, HasSubstr("refused by --fail-on high"));
  EXPECT_THAT(r.output, HasSubstr("IM001")); // the planted root user
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_TRUE(cached().empty()) << "nothing is unpacked for a refused image";
  // The same image under a threshold it does not reach runs.
  auto base = moat("run --fail-on critical " + image("base") + " -- true");
  EXPECT_EQ(base.exit_code, 0) << base.output;
}

TEST_F(RunImageTest, TheTrustPolicyDecidesBeforeAnythingIsUnpacked) {
  dir.write("reject.yaml", "default: reject\n");
  dir.write("accept.yaml", "default: insecureAcceptAnything\n");
  auto r = moat("run --policy " + shell_quote((dir.path() / "reject.yaml").string()) + " " +
                image("base") + " -- true");
  EXPECT_EQ(r.exit_code, 125) << r.output;
  EXPECT_THAT(r.output, HasSubstr("refused by the trust policy"));
  EXPECT_TRUE(cached().empty());
  auto ok = moat("run --policy " + shell_quote((dir.path() / "accept.yaml").string()) + " " +
                 image("base") + " -- true");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

TEST_F(RunImageTest, TheImagesUserWorkdirEnvEntrypointAndCmdApply) {
  // A copy of the layout (blobs hard-linked) with an image "app" whose
  // config umoci set.
  const auto layout = dir.path() / "layout";
  auto made = run_command(
      "mkdir -p " + shell_quote(layout.string()) + " && cp -al " +
      shell_quote((images_dir() / "oci/blobs").string()) + " " + shell_quote(layout.string()) +
      " && cp " + shell_quote((images_dir() / "oci/index.json").string()) + " " +
      shell_quote((images_dir() / "oci/oci-layout").string()) + " " + shell_quote(layout.string()) +
      " && umoci config --image " + shell_quote(layout.string() + ":base") +
      " --tag app --config.user nobody --config.workingdir /tmp --config.env GREETING=hello "
      "--config.entrypoint /bin/sh --config.entrypoint -c "
      "--config.cmd 'echo $(id -u):$(id -g) $(pwd) $GREETING'");
  if (made.exit_code != 0)
    GTEST_SKIP() << "umoci could not make the test image: " << made.output;
  const auto app = shell_quote(layout.string() + ":app");
  auto r = moat("run " + app);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("65534:65534 /tmp hello"));
  // CMD given on the command line replaces the image's; -u, -w and -e
  // take precedence; --entrypoint drops the image's CMD.
  auto over =
      moat("run -u 0:0 -w / -e GREETING=bye " + app + " 'echo $(id -u):$(id -g) $(pwd) $GREETING'");
  ASSERT_EQ(over.exit_code, 0) << over.output;
  EXPECT_THAT(over.output, HasSubstr("0:0 / bye"));
  auto entry = moat("run --entrypoint /bin/true " + app);
  EXPECT_EQ(entry.exit_code, 0) << entry.output;
  auto missing = moat("run --entrypoint '' " + app);
  EXPECT_EQ(missing.exit_code, 125) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("no command given"));
}

TEST_F(RunImageTest, AHostileLayerIsRefusedAndNothingIsKept) {
  // A docker save archive whose layer climbs out with "../".
  const auto work = dir.path() / "hostile";
  auto made = run_command(
      "set -e; mkdir -p " + shell_quote(work.string()) + "/img; cd " + shell_quote(work.string()) +
      "; mkdir -p a/b; echo pwned > a/pwned; cd a/b; " +
      "tar -P --numeric-owner -cf ../../layer.tar ../pwned; cd ../..; "
      "diff=$(sha256sum layer.tar | cut -d' ' -f1); mkdir -p img/$diff; mv layer.tar img/$diff/; "
      "printf '{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/pwned\"]},"
      "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\"]}}' $diff > config.json; "
      "cfg=$(sha256sum config.json | cut -d' ' -f1); mv config.json img/$cfg.json; "
      "printf "
      "'[{\"Config\":\"%s.json\",\"RepoTags\":[\"hostile:1\"],\"Layers\":[\"%s/layer.tar\"]}]' "
      "$cfg $diff > img/manifest.json; tar -C img -cf hostile.tar .");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto r = moat("run " + shell_quote((work / "hostile.tar").string()));
  EXPECT_EQ(r.exit_code, 125) << r.output;
  EXPECT_THAT(r.output, HasSubstr("'../pwned'"));
  EXPECT_THAT(r.output, HasSubstr("path traversal"));
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_TRUE(cached().empty());
  // Nothing unpacked is left behind, not even the work directory.
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(rootfs_cache(), ec)) << "left in the cache";
}

// moat seccomp generate --image: Python's HTTP server (real Debian
// python3), serving a request from a thread of its own, traced in moat's
// sandbox; the profile runs the same script under moat run and refuses a
// call the script never made, which Docker's default allows.
TEST_F(RunImageTest, SeccompGenerateTracesAnImagesPythonServerAndItsProfileRunsIt) {
  const std::string script = k_python_server;
  const auto profile = dir.path() / "python.json";
  auto traced = moat("seccomp generate -o " + shell_quote(profile.string()) + " --image " +
                     image("vuln") + " -- python3 -c " + shell_quote(script));
  ASSERT_EQ(traced.exit_code, 0) << traced.output;
  EXPECT_THAT(traced.output, HasSubstr("status 200"));
  const auto text = moat::test::read_text(profile);
  for (const auto* call : {"\"bind\"", "\"listen\"", "\"accept4\"", "\"socket\"", "\"clone3\""})
    EXPECT_THAT(text, HasSubstr(call)) << call;
  EXPECT_THAT(text, Not(HasSubstr("\"chmod\"")));
  const std::string opt = "--security-opt seccomp=" + shell_quote(profile.string()) + " ";
  auto runs = moat("run " + opt + image("vuln") + " python3 -c " + shell_quote(script));
  EXPECT_EQ(runs.exit_code, 0) << runs.output;
  EXPECT_THAT(runs.output, HasSubstr("status 200"));
  const std::string chmod =
      " python3 -c " + shell_quote("import os; os.chmod('/tmp', 0o1777); print('chmod ok')");
  auto refused = moat("run " + opt + image("vuln") + chmod);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("Operation not permitted"));
  auto by_default = moat("run " + image("vuln") + chmod);
  EXPECT_THAT(by_default.output, HasSubstr("chmod ok"));
}

// moat seccomp generate --image on Debian's nginx: a master and two
// worker processes (forks), epoll, a request served; the profile runs
// nginx again under moat run and refuses a call it never made.
TEST_F(RunImageTest, SeccompGenerateTracesNginxWorkersAndItsProfileRunsThem) {
  const std::string script =
      "import os, subprocess, time, urllib.request\n"
      "os.makedirs('/tmp/www', exist_ok=True)\n"
      "open('/tmp/www/index.html', 'w').write('hello')\n"
      "open('/tmp/nginx.conf', 'w').write('worker_processes 2; pid /tmp/nginx.pid; "
      "error_log stderr; events {} http { access_log off; client_body_temp_path /tmp/b; "
      "proxy_temp_path /tmp/p; fastcgi_temp_path /tmp/f; uwsgi_temp_path /tmp/u; "
      "scgi_temp_path /tmp/s; server { listen 127.0.0.1:8080; root /tmp/www; } }')\n"
      "p = subprocess.Popen(['nginx', '-c', '/tmp/nginx.conf', '-e', 'stderr', '-g', "
      "'daemon off;'])\n"
      "for i in range(100):\n"
      "    try:\n"
      "        r = urllib.request.urlopen('http://127.0.0.1:8080/')\n"
      "        print('status', r.status, r.read().decode())\n"
      "        break\n"
      "    except OSError:\n"
      "        time.sleep(0.1)\n"
      "p.terminate()\n"
      "p.wait()\n";
  const auto profile = dir.path() / "nginx.json";
  auto traced = moat("seccomp generate -o " + shell_quote(profile.string()) + " -u 65534 --image " +
                     image("web") + " -- python3 -c " + shell_quote(script));
  ASSERT_EQ(traced.exit_code, 0) << traced.output;
  EXPECT_THAT(traced.output, HasSubstr("status 200 hello"));
  const auto text = moat::test::read_text(profile);
  for (const auto* call :
       {"\"epoll_ctl\"", "\"accept4\"", "\"bind\"", "\"listen\"", "\"socketpair\"", "\"wait4\""})
    EXPECT_THAT(text, HasSubstr(call)) << call;
  const std::string opt = "-u 65534 --security-opt seccomp=" + shell_quote(profile.string()) + " ";
  auto runs = moat("run " + opt + image("web") + " python3 -c " + shell_quote(script));
  EXPECT_EQ(runs.exit_code, 0) << runs.output;
  EXPECT_THAT(runs.output, HasSubstr("status 200 hello"));
  // chmod, which Docker's default allows and nginx never made.
  const std::string chmod = " python3 -c " + shell_quote("import os\n"
                                                         "open('/tmp/x', 'w').close()\n"
                                                         "os.chmod('/tmp/x', 0o600)\n"
                                                         "print('chmod ok')\n");
  auto refused = moat("run " + opt + image("web") + chmod);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("Operation not permitted")) << refused.output;
  auto by_default = moat("run -u 65534 " + image("web") + chmod);
  EXPECT_THAT(by_default.output, HasSubstr("chmod ok")) << by_default.output;
}

// moat harden apparmor --image: the same Python server's profile names the
// interpreter, its modules as one tree, the socket families it used, and
// apparmor_parser accepts it (loading it needs a kernel with AppArmor,
// which this machine does not have).
TEST_F(RunImageTest, HardenApparmorProfilesAnImagesPythonServer) {
  const std::string script = k_python_server;
  const auto profile = dir.path() / "moat-python";
  auto traced = moat("harden apparmor -o " + shell_quote(profile.string()) + " --image " +
                     image("vuln") + " -- python3 -c " + shell_quote(script));
  ASSERT_EQ(traced.exit_code, 0) << traced.output;
  EXPECT_THAT(traced.output, HasSubstr("status 200"));
  const auto text = moat::test::read_text(profile);
  EXPECT_THAT(text, HasSubstr("profile moat-"));
  EXPECT_THAT(text, HasSubstr("network inet stream,"));
  EXPECT_THAT(text, ::testing::ContainsRegex("/usr/bin/python3[.0-9]* r?m?ix,"));
  EXPECT_THAT(text, ::testing::ContainsRegex("/usr/lib/python3[.0-9]*/\\*\\* r"));
  if (!fs::exists("/usr/sbin/apparmor_parser") ||
      !fs::exists("/usr/share/apparmor-features/features"))
    GTEST_SKIP() << "Debian's apparmor package (apparmor_parser) is not installed";
  auto parsed = run_command("apparmor_parser -Q -K -M /usr/share/apparmor-features/features "
                            "--warn=all " +
                            shell_quote(profile.string()) + " 2>&1");
  EXPECT_EQ(parsed.exit_code, 0) << parsed.output << text;
}

// moat harden run-flags: the flags it prints for a program that writes
// under /srv and binds port 80, and the same program run by moat run
// with those flags (moat run takes docker run's) still works.
TEST_F(RunImageTest, HardenRunFlagsPrintsACommandTheProgramStillRunsUnder) {
  const std::string script = "import os, socket\n"
                             "os.makedirs('/srv/state', exist_ok=True)\n"
                             "open('/srv/state/out.txt', 'w').write('x')\n"
                             "s = socket.socket()\n"
                             "s.bind(('127.0.0.1', 80))\n"
                             "print('worked as', os.getuid())\n";
  const auto profile = dir.path() / "python-seccomp.json";
  auto text = moat("harden run-flags --seccomp-output " + shell_quote(profile.string()) + " " +
                   image("vuln") + " -- python3 -c " + shell_quote(script));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  for (const auto* flag : {"  --user 65534:65534 \\\n", "  --read-only \\\n", "  --tmpfs /srv \\\n",
                           "  --cap-drop ALL \\\n", "  --security-opt no-new-privileges \\\n",
                           "  --memory 512m \\\n", "  --pids-limit 256 \\\n"})
    EXPECT_THAT(text.output, HasSubstr(flag)) << flag;
  EXPECT_THAT(text.output, HasSubstr("--security-opt seccomp=" + profile.string()));
  EXPECT_THAT(text.output, HasSubstr("http://127.0.0.1:80/")) << "the health check's example";
  // Port 80 needs NET_BIND_SERVICE, and nothing else was used.
  EXPECT_THAT(text.output, HasSubstr("  --cap-add NET_BIND_SERVICE \\\n"));
  std::size_t cap_adds = 0;
  for (auto at = text.output.find("--cap-add "); at != std::string::npos;
       at = text.output.find("--cap-add ", at + 1))
    ++cap_adds;
  EXPECT_EQ(cap_adds, 2U) << "once with its reason, once in the command: " << text.output;
  ASSERT_TRUE(fs::exists(profile));
  // The flags as JSON, given to moat run (all but the health check's, which
  // moat run does not take).
  auto json =
      moat("harden run-flags -q --format json --seccomp-output " + shell_quote(profile.string()) +
           " " + image("vuln") + " -- python3 -c " + shell_quote(script));
  ASSERT_EQ(json.exit_code, 0) << json.output;
  const auto start = json.output.find("{\n");
  ASSERT_NE(start, std::string::npos) << json.output;
  const auto doc =
      nlohmann::json::parse(json.output.substr(start, json.output.rfind('}') - start + 1));
  std::string flags;
  for (const auto& f : doc["flags"]) {
    const auto flag = f["flag"].get<std::string>();
    if (!flag.empty() && !flag.starts_with("--health"))
      flags += flag + " ";
  }
  auto hardened = moat("run " + flags + image("vuln") + " python3 -c " + shell_quote(script));
  EXPECT_EQ(hardened.exit_code, 0) << flags << "\n" << hardened.output;
  EXPECT_THAT(hardened.output, HasSubstr("worked as 65534"));
  // Without the tmpfs the read-only root refuses the write: the flag is needed.
  const auto without =
      flags.substr(0, flags.find("--tmpfs /srv")) + flags.substr(flags.find("--tmpfs /srv") + 13);
  auto refused = moat("run " + without + image("vuln") + " python3 -c " + shell_quote(script));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("Read-only file system"));
}

// A program that writes under /srv and binds port 80, as a service of a
// Compose file and a container of a Kubernetes manifest.
constexpr const char* k_writer_binder = "import os, socket\n"
                                        "os.makedirs('/srv/state', exist_ok=True)\n"
                                        "open('/srv/state/out.txt', 'w').write('x')\n"
                                        "s = socket.socket()\n"
                                        "s.bind(('127.0.0.1', 80))\n"
                                        "print('worked as', os.getuid())\n";

// moat harden run-flags on a Compose file: an override with the service's
// hardened settings, which moat config finds nothing to say about, and
// whose flags moat run runs the service's own command under.
TEST_F(RunImageTest, HardenRunFlagsWritesAComposeOverride) {
  const auto compose = dir.path() / "app" / "compose.yaml";
  fs::create_directories(compose.parent_path());
  moat::test::write_text(compose, "# the app\nservices:\n  web:\n    image: moat/vuln:1\n"
                                  "    command: [\"python3\", \"-c\", " +
                                      nlohmann::json(k_writer_binder).dump() + "]\n");
  const std::string source = "--image-source moat/vuln:1=" + image("vuln") + " ";
  // Standard output alone: the traced program's own output goes to stderr.
  auto run = moat::test::run_moat("harden run-flags -q " + source + shell_quote(compose.string()),
                                  {}, {}, 300);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const auto* line :
       {"services:\n  web:\n", "    user: \"65534:65534\"", "    read_only: true", "      - /srv\n",
        "    cap_drop:\n      - ALL\n", "    cap_add:\n      - NET_BIND_SERVICE  #",
        "      - no-new-privileges:true\n", "      - seccomp:moat-web-seccomp.json  #",
        "    pids_limit: 256\n",
        "#   test: [\"CMD-SHELL\", \"wget -q -O /dev/null "
        "http://127.0.0.1:80/ || exit 1\"]"})
    EXPECT_THAT(run.out, HasSubstr(line)) << line;
  EXPECT_TRUE(fs::exists(compose.parent_path() / "moat-web-seccomp.json"));
  // The override as a Compose file of its own: none of the findings it is
  // there to settle.
  expect_config_settles(dir.path() / "app" / "hardened.yaml", run.out,
                        {"RC001", "RC004", "RC009", "RC020", "RC021", "RC022", "RC023", "RC024"});
  // The same settings as flags, under moat run: the service still works.
  auto json = moat::test::run_moat(
      "harden run-flags -q --format json " + source + shell_quote(compose.string()), {}, {}, 300);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["services"].size(), 1U);
  std::string flags;
  for (const auto& f : doc["services"][0]["flags"]) {
    const auto flag = f["flag"].get<std::string>();
    if (!flag.empty() && !flag.starts_with("--health"))
      flags += flag + " ";
  }
  auto hardened =
      moat("run " + flags + image("vuln") + " python3 -c " + shell_quote(k_writer_binder));
  EXPECT_EQ(hardened.exit_code, 0) << flags << "\n" << hardened.output;
  EXPECT_THAT(hardened.output, HasSubstr("worked as 65534"));
}

// moat harden run-flags on a Kubernetes manifest: the manifest with the
// container's securityContext patched, its comment kept, and moat config
// satisfied on the restricted profile's controls.
TEST_F(RunImageTest, HardenRunFlagsPatchesAKubernetesManifest) {
  const auto manifest = dir.path() / "k8s" / "pod.yaml";
  fs::create_directories(manifest.parent_path());
  moat::test::write_text(manifest, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n"
                                   "  containers:\n  - name: web  # the server\n"
                                   "    image: moat/vuln:1\n"
                                   "    command: [\"python3\", \"-c\", " +
                                       nlohmann::json(k_writer_binder).dump() + "]\n");
  auto run =
      moat::test::run_moat("harden run-flags -q --image-source moat/vuln:1=" + image("vuln") + " " +
                               shell_quote(manifest.string()),
                           {}, {}, 300);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const auto* line :
       {"  - name: web  # the server\n", "    securityContext:\n",
        "      allowPrivilegeEscalation: false\n", "      readOnlyRootFilesystem: true\n",
        "      runAsNonRoot: true\n", "      runAsUser: 65534\n",
        "      capabilities:\n        drop:\n          - ALL\n        add:\n"
        "          - NET_BIND_SERVICE\n",
        "      seccompProfile:\n        type: Localhost\n"
        "        localhostProfile: moat-web-seccomp.json\n",
        "    volumeMounts:\n      - name: moat-web-tmp-0\n        mountPath: /srv\n",
        "  volumes:\n    - name: moat-web-tmp-0\n      emptyDir: {}\n"})
    EXPECT_THAT(run.out, HasSubstr(line)) << line;
  EXPECT_TRUE(fs::exists(manifest.parent_path() / "moat-web-seccomp.json"));
  expect_config_settles(dir.path() / "k8s" / "patched.yaml", run.out,
                        {"RC009", "RC020", "RC021", "RC023", "RC044", "RC045", "RC046", "RC047"});
}

} // namespace
