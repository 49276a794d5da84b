// moat harden: generators for what moat audits. audit-rules writes the
// auditd rules for Docker's files and programs on this host.
#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/harden/audit.hpp>
#include <moat/host/bench.hpp>
#include <moat/report/writer.hpp>

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
}

} // namespace moat::cli
