// moat harden: generators for what moat audits. audit-rules writes the
// auditd rules for Docker's files and programs on this host; apparmor
// writes an AppArmor profile from a traced run.
#include <moat/cli/common.hpp>
#include <moat/cli/trace_common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/harden/apparmor.hpp>
#include <moat/harden/audit.hpp>
#include <moat/host/bench.hpp>
#include <moat/report/writer.hpp>
#include <moat/util/capabilities.hpp>
#include <moat/util/file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

namespace moat::cli {

namespace {

struct AuditRulesOptions {
  std::string root = "/";
  std::string output;
  bool no_daemon = false;
};

int run_audit_rules(const AuditRulesOptions& opts) {
  std::error_code ec;
  if (!std::filesystem::is_directory(opts.root, ec))
    return report_error(
        core::Error{core::ErrorKind::usage, opts.root, "--root must name a directory", 0, 0});
  const host::Root root(opts.root);
  host::GatherOptions go;
  // The daemon only says where its data root is; do not wait long for it.
  go.timeout = std::chrono::seconds(10);
  go.deadline = std::chrono::steady_clock::now() + go.timeout;
  go.ask_daemon = !opts.no_daemon;
  auto state = host::gather(root, go);
  if (!state)
    return report_error(state.error());
  const auto targets = host::audit_targets(*state);
  const auto text = harden::audit_rules(targets);
  if (opts.output.empty() || opts.output == "-") {
    std::cout << text << std::flush;
    if (!std::cout)
      return report_error(core::Error{core::ErrorKind::io, "stdout", "write failed", 0, 0});
    return k_exit_clean;
  }
  if (auto written = report::write_output(opts.output, text, {}); !written)
    return report_error(written.error());
  return k_exit_clean;
}

struct AppArmorOptions {
  TraceTarget target;
  std::string output;
  bool output_given = false;
  std::string name;
  bool quiet = false;
};

// "moat-" and the program's or image's name, in the characters a profile
// name may hold.
std::string default_profile_name(const TraceTarget& target) {
  std::string base = trace_target_name(target);
  if (target.image.empty()) {
    if (const auto slash = base.rfind('/'); slash != std::string::npos)
      base = base.substr(slash + 1);
  } else {
    if (const auto at = base.find('@'); at != std::string::npos)
      base.resize(at);
    if (const auto slash = base.rfind('/'); slash != std::string::npos)
      base = base.substr(slash + 1);
    if (const auto colon = base.rfind(':'); colon != std::string::npos)
      base[colon] = '-';
  }
  std::string out = "moat-";
  for (char c : base)
    out +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '-';
  return out;
}

int run_apparmor(AppArmorOptions& opts) {
  if (auto ok = check_output_option(opts.output_given, opts.output); !ok)
    return report_error(ok.error());
  if (!has_trace_target(opts.target))
    return report_error(core::fail(core::ErrorKind::usage, "",
                                   "nothing to trace: give --image IMAGE [CMD...] or a command "
                                   "(moat harden apparmor -- CMD ARGS...)")
                            .error());
  if (auto ok = check_trace_target(opts.target); !ok)
    return report_error(ok.error());
  const std::string name = opts.name.empty() ? default_profile_name(opts.target) : opts.name;
  if (!harden::valid_profile_name(name))
    return report_error(core::fail(core::ErrorKind::usage, "",
                                   fmt::format("--name {}: a profile name holds letters, digits, "
                                               "'.', '_' and '-'",
                                               name))
                            .error());
  std::optional<trace::Trace> traced;
  if (const int failed = run_trace_target(opts.target, opts.output.empty(), traced); failed != 0)
    return failed;
  harden::AppArmorInput input;
  input.name = name;
  input.files = traced->files;
  input.sockets = traced->sockets;
  for (const auto& [cap, use] : traced->capabilities) {
    if (use.refused)
      continue;
    std::string c(util::capability_name(cap));
    if (c.starts_with("CAP_"))
      c = c.substr(4);
    std::transform(c.begin(), c.end(), c.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    input.capabilities.push_back(std::move(c));
  }
  const auto profile = harden::apparmor_profile(input);
  if (opts.output.empty()) {
    std::cout << profile.text << std::flush;
    if (!std::cout)
      return report_error(core::Error{core::ErrorKind::io, "stdout", "write failed", 0, 0});
  } else if (auto written = util::write_output_file(opts.output, profile.text); !written) {
    return report_error(core::fail(core::ErrorKind::io, opts.output, written.error()).error());
  }
  if (!opts.quiet)
    fmt::print(stderr,
               "moat: profile {}: {} file rules from {} files used, {} socket kinds, {} "
               "capabilities ({} processes and threads traced)\n",
               name, profile.file_rules, traced->files.size(), traced->sockets.size(),
               input.capabilities.size(), traced->tasks);
  if (!traced->stopped_by_moat && traced->exit_status != 0) {
    fmt::print(stderr,
               "moat: {} exited with status {}; the profile covers what it did until then\n",
               trace_target_name(opts.target), traced->exit_status);
    return traced->exit_status;
  }
  return k_exit_clean;
}

} // namespace

void attach_harden(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("harden", "Generate hardening for what moat audits");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<AuditRulesOptions>();
  auto* audit = cmd->add_subcommand(
      "audit-rules", "Print auditd rules for Docker's files and programs on this host");
  audit
      ->add_option("--root", opts->root,
                   "Look for the files below this directory (a host mounted elsewhere); "
                   "default /")
      ->option_text("DIR");
  audit->add_option("-o,--output", opts->output, "Write the rules to FILE instead of stdout")
      ->option_text("FILE");
  audit->add_flag("--no-daemon", opts->no_daemon,
                  "Do not ask the Docker daemon where its data root is");
  audit->footer(
      std::string("DESCRIPTION:\n"
                  "  Prints one auditd watch rule (-w PATH -p rwxa -k docker) for each\n"
                  "  file and program of Docker's that the CIS Docker Benchmark (1.1.3\n"
                  "  to 1.1.18) and the hardening guides name and that exists on this\n"
                  "  host: dockerd, containerd and its shims, runc, the docker client,\n"
                  "  the data root, /etc/docker, the daemon.json dockerd reads, the\n"
                  "  systemd units, containerd's socket and configuration. Those that\n"
                  "  are not here are listed as comments. The output is ready for\n"
                  "  /etc/audit/rules.d/; moat bench checks that the rules are loaded.\n\n"
                  "EXAMPLES:\n"
                  "  moat harden audit-rules -o /etc/audit/rules.d/docker.rules\n"
                  "  augenrules --load\n\n") +
      exit_status_help());
  audit->callback(verb_callback(exit_code, [opts] { return run_audit_rules(*opts); }));

  auto aa = std::make_shared<AppArmorOptions>();
  auto* apparmor = cmd->add_subcommand(
      "apparmor", "Trace an image's command and write the AppArmor profile it needs");
  add_trace_target_options(*apparmor, aa->target);
  apparmor->add_option("-o,--output", aa->output, "Write the profile to FILE instead of stdout")
      ->option_text("FILE")
      ->each([aa](const std::string&) { aa->output_given = true; });
  apparmor
      ->add_option("--name", aa->name,
                   "The profile's name (default: moat- and the image's or program's name)")
      ->option_text("NAME");
  apparmor->add_flag("-q,--quiet", aa->quiet, k_quiet_help);
  apparmor->footer(
      std::string("DESCRIPTION:\n"
                  "  Runs the image's command (or CMD) in moat's sandbox, as moat run sets\n"
                  "  it up, or CMD on this machine without --image, traces every process\n"
                  "  it starts (as moat seccomp generate does), and writes an AppArmor\n"
                  "  profile in the style of Docker's docker-default from what it did:\n"
                  "    - the files it read, wrote, mapped executable, executed (ix: the\n"
                  "      program stays confined), linked and locked, as it named them in its\n"
                  "      own mount namespace; a temporary directory it wrote in (/tmp,\n"
                  "      /var/tmp, /run, /dev/shm) becomes one rule for its tree, a\n"
                  "      directory it only read six files or more from becomes DIR/**, and\n"
                  "      /proc/PID/ becomes @{PROC}/@{pid}/;\n"
                  "    - the socket families and types it opened (network inet stream, ...);\n"
                  "    - the capabilities it used;\n"
                  "    - docker-default's signal and ptrace rules, and its denials of mount,\n"
                  "      of writes in /proc and /sys, and of /proc/kcore and sysrq-trigger.\n"
                  "  Unlike docker-default it grants no blanket file, network or capability\n"
                  "  access. Check it with `apparmor_parser -Q -K FILE`; load it with\n"
                  "  `apparmor_parser -r FILE` and run with --security-opt apparmor=NAME.\n"
                  "  A path the run did not take is not in the profile: trace each one.\n"
                  "  The profile goes to stdout (the command's own stdout then goes to\n"
                  "  stderr) or to --output, written whole or not at all.\n\n"
                  "  Exit status: the command's own, when it failed on its own (the profile\n"
                  "  is still written); 125 when the container cannot start, 126 or 127\n"
                  "  when the command cannot be run; 2 for an error.\n\n"
                  "EXAMPLES:\n"
                  "  moat harden apparmor --image nginx:1.27 --timeout 20s -o moat-nginx\n"
                  "  apparmor_parser -r moat-nginx\n"
                  "  docker run --security-opt apparmor=moat-nginx-1.27 nginx:1.27\n\n") +
      exit_status_help());
  apparmor->callback(verb_callback(exit_code, [aa] { return run_apparmor(*aa); }));
}

} // namespace moat::cli
