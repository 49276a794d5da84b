// moat bench: the CIS Docker Benchmark over this host and its daemon.
#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/host/bench.hpp>
#include <moat/runconf/runconf.hpp>

#include <fmt/format.h>

#include <memory>

namespace moat::cli {

namespace {

struct BenchOptions {
  CommonOptions common;
  std::string root = "/";
  std::string timeout = "2m";
  bool show_passed = false;
  bool no_daemon = false;
};

int run_bench(BenchOptions& opts) {
  std::error_code ec;
  if (!std::filesystem::is_directory(opts.root, ec))
    return report_error(
        core::Error{core::ErrorKind::usage, opts.root, "--root must name a directory", 0, 0});
  auto policy = build_policy(opts.common, std::filesystem::current_path());
  if (!policy)
    return report_error(policy.error());
  const auto timeout = parse_timeout_option(opts.timeout);
  if (!timeout)
    return report_error(timeout.error());
  host::GatherOptions go;
  go.timeout = *timeout;
  go.deadline = std::chrono::steady_clock::now() + *timeout;
  go.ask_daemon = !opts.no_daemon;
  const host::Root root(opts.root);
  auto state = host::gather(root, go);
  if (!state)
    return report_error(state.error());
  std::vector<core::TargetReport> reports;
  reports.push_back(host::bench(*state, opts.root == "/" ? std::string("host") : opts.root));
  if (!state->engine.reachable())
    reports.front().notes.push_back(
        fmt::format("the daemon was not asked: {}", state->engine.error));
  for (auto& report : reports) {
    report.show_passed = opts.show_passed;
    core::apply_policy(*policy, report);
    core::sort_findings(report.findings);
  }
  std::vector<core::CheckInfo> all(host::checks().begin(), host::checks().end());
  all.insert(all.end(), runconf::checks().begin(), runconf::checks().end());
  if (auto status = emit_reports(opts.common, "bench", all, *policy, reports, {}); !status)
    return report_error(status.error());
  return findings_exit_code(opts.common, *policy, reports);
}

} // namespace

void attach_bench(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<BenchOptions>();
  auto* cmd = root.add_subcommand(
      "bench", "Check this host and its Docker daemon against the CIS Docker Benchmark");
  cmd->add_flag("--show-passed", opts->show_passed,
                "List the checks that passed too (JSON always lists them)");
  cmd->add_option("--root", opts->root,
                  "Read the host's files below this directory (a host mounted elsewhere); "
                  "default /")
      ->option_text("DIR");
  cmd->add_flag("--no-daemon", opts->no_daemon,
                "Do not ask the Docker daemon: judge files and configuration only");
  cmd->add_option("--timeout", opts->timeout,
                  "Give up on the daemon after this long in all: 90s, 5m (default 2m)")
      ->option_text("DURATION");
  add_common_options(*cmd, opts->common,
                     "text, json, sarif, junit, github, gitlab, checkstyle, sonarqube, markdown");
  cmd->footer(
      std::string(
          "DESCRIPTION:\n"
          "  Checks the host and its Docker daemon against the CIS Docker Benchmark\n"
          "  1.6, sections 1 to 7 (ids CIS-x.y as aliases): audit rules for Docker's\n"
          "  files and programs, the separate partition for the data root, the\n"
          "  daemon's effective configuration (dockerd's command line from /proc and\n"
          "  the daemon.json it reads, --config-file included), the ownership and\n"
          "  modes of its files and sockets (compared as permission bits), the\n"
          "  images, every running container's run configuration (the moat config\n"
          "  checks, with each container's own processes for CIS 5.7), and swarm.\n"
          "  A check with nothing to measure (no swarm, no containers, a file that\n"
          "  is not there) says so as an info finding, never as a pass; checks only\n"
          "  a person can judge are info findings too. Passed checks are listed\n"
          "  with --show-passed and always in JSON, so runs can be compared.\n"
          "  Host files are read below --root; the daemon at DOCKER_HOST, else the\n"
          "  first of /var/run/docker.sock, $XDG_RUNTIME_DIR/docker.sock (rootless)\n"
          "  and Podman's sockets. A daemon that cannot be reached is a note, and the\n"
          "  checks that need it say so.\n\n"
          "EXAMPLES:\n"
          "  moat bench\n"
          "  moat bench --fail-on high --format sarif -o bench.sarif\n"
          "  moat bench --show-passed --ignore CIS-2.13,CIS-4.5\n"
          "  moat bench --root /host --no-daemon     (a host's file system mounted at /host)\n\n") +
      exit_status_help());
  cmd->callback(verb_callback(exit_code, [opts] { return run_bench(*opts); }));
}

} // namespace moat::cli
