// moat seccomp check: Docker and OCI seccomp profiles, checked against the
// format and against Docker's default profile.

#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/seccomp/seccomp.hpp>
#include <moat/util/capabilities.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace moat::cli {

namespace {

constexpr std::size_t k_max_profile_bytes = std::size_t{16} << 20;

struct CheckOptions {
  std::vector<std::string> files;
  std::vector<std::string> cap_add;
  CommonOptions common;
};

core::Result<std::string> read_profile_text(const std::string& path) {
  auto text = path == "-" ? util::read_stream(std::cin, k_max_profile_bytes)
                          : util::read_file(path, k_max_profile_bytes);
  if (!text)
    return core::fail(core::ErrorKind::io, path, text.error());
  return std::move(*text);
}

int run_check(CheckOptions& opts) {
  auto policy = build_policy(opts.common, opts.files.front() == "-"
                                              ? std::filesystem::current_path()
                                              : std::filesystem::path(opts.files.front()));
  if (!policy)
    return report_error(policy.error());
  seccomp::Conditions conditions = seccomp::host_conditions();
  conditions.caps = seccomp::docker_default_caps();
  auto added = capability_numbers("--cap-add", opts.cap_add, true);
  if (!added)
    return report_error(added.error());
  for (int cap : *added)
    conditions.caps.emplace_back(util::capability_name(cap));
  std::vector<core::TargetReport> reports;
  std::vector<std::filesystem::path> inputs;
  for (const auto& file : opts.files) {
    auto text = read_profile_text(file);
    if (!text)
      return report_error(text.error());
    auto report = seccomp::check(*text, file, conditions);
    if (!report)
      return report_error(report.error());
    core::apply_policy(*policy, *report);
    reports.push_back(std::move(*report));
    if (file != "-")
      inputs.emplace_back(file);
  }
  if (auto status =
          emit_reports(opts.common, "seccomp", seccomp::checks(), *policy, reports, inputs);
      !status)
    return report_error(status.error());
  return findings_exit_code(opts.common, *policy, reports);
}

} // namespace

void attach_seccomp(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("seccomp", "Check seccomp profiles");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<CheckOptions>();
  auto* check = cmd->add_subcommand(
      "check", "Validate a Docker or OCI seccomp profile and list what it allows beyond "
               "Docker's default");
  check
      ->add_option("FILE", opts->files,
                   "Docker seccomp profiles, OCI linux.seccomp objects or OCI config.json "
                   "files ('-' = standard input)")
      ->required();
  check
      ->add_option("--cap-add", opts->cap_add,
                   "Compare for a container that also has this capability (repeatable): "
                   "Docker's default allows more calls with some capabilities")
      ->option_text("CAP");
  add_common_options(*check, opts->common, "text, json, sarif, junit");
  check->footer(
      std::string(
          "DESCRIPTION:\n"
          "  Reads each profile as dockerd and the OCI runtimes read it (Docker's\n"
          "  format with archMap, includes and excludes; the OCI runtime spec's\n"
          "  linux.seccomp object; or a whole OCI config.json) and reports what a\n"
          "  runtime would refuse (unknown actions, architectures, flags, argument\n"
          "  operators or indexes) or silently skip (unknown system call names).\n"
          "  Then it resolves the profile and Docker's default profile for this\n"
          "  machine's architecture and kernel and a container with Docker's default\n"
          "  capabilities (plus --cap-add), and lists every system call the profile\n"
          "  allows beyond the default, with what each one opens up: mounting, new\n"
          "  namespaces, the kernel keyring, eBPF, tracing other processes, kernel\n"
          "  modules and more. A profile whose default action allows is a block list\n"
          "  and is reported as such.\n"
          "  A file that is not JSON, or not a seccomp profile, is an error (exit\n"
          "  code 2) naming the file and the place.\n\n"
          "EXAMPLES:\n"
          "  moat seccomp check profile.json\n"
          "  moat seccomp check --fail-on high --format sarif -o seccomp.sarif profile.json\n"
          "  moat seccomp check --cap-add SYS_PTRACE debug-profile.json\n"
          "  jq .linux.seccomp bundle/config.json | moat seccomp check -\n\n") +
      exit_status_help());
  check->callback(verb_callback(exit_code, [opts] { return run_check(*opts); }));
}

} // namespace moat::cli
