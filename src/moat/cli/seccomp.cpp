// moat seccomp check: Docker and OCI seccomp profiles, checked against the
// format and against Docker's default profile. moat seccomp generate: a
// least-privilege profile from a traced run.

#include <moat/cli/common.hpp>
#include <moat/cli/trace_common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/seccomp/seccomp.hpp>
#include <moat/trace/trace.hpp>
#include <moat/util/capabilities.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

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

struct GenerateOptions {
  TraceTarget target;
  std::string output;
  bool output_given = false;
  std::vector<std::string> merge;
  bool diff_default = false;
  std::string format = "text";
  bool quiet = false;
};

// "--cap-drop ALL --cap-add ..." for the capabilities TRACED used or was refused.
std::string cap_flags(const trace::Trace& traced) {
  std::string flags = "--cap-drop ALL";
  for (const auto& [cap, use] : traced.capabilities)
    flags += fmt::format(" --cap-add {}", util::capability_short_name(cap));
  return flags;
}

void print_diff_text(const seccomp::DefaultDiff& diff, const seccomp::Generated& generated,
                     const trace::Trace* traced) {
  fmt::print("Profile: {} system calls observed, {} added as the runtime's floor.\n",
             generated.observed.size(), generated.floor.size());
  if (traced != nullptr) {
    fmt::print("Capabilities: {}\n", cap_flags(*traced));
    for (const auto& [cap, use] : traced->capabilities)
      fmt::print("  {:<18} {} ({})\n", util::capability_short_name(cap), use.reason, use.syscall);
  }
  fmt::print("Docker's default allows {} system calls on this machine; this profile allows {}.\n",
             diff.default_allowed, diff.profile_allowed);
  auto list = [](std::string_view title, const std::vector<std::string>& names) {
    fmt::print("{} ({}):\n", title, names.size());
    std::string line = " ";
    for (const auto& name : names) {
      if (line.size() + name.size() + 1 > 78) {
        fmt::print("{}\n", line);
        line = " ";
      }
      line += " " + name;
    }
    if (line.size() > 1)
      fmt::print("{}\n", line);
  };
  list("Removed from Docker's default", diff.removed);
  list("Allowed only under conditions where Docker's default allows them always", diff.narrowed);
  std::vector<std::string> added;
  added.reserve(diff.added.size());
  for (const auto& w : diff.added)
    added.push_back(w.syscall);
  list("Allowed beyond Docker's default", added);
}

std::string diff_json(const seccomp::DefaultDiff& diff, const seccomp::Generated& generated,
                      const trace::Trace* traced) {
  nlohmann::ordered_json doc;
  doc["observed"] = generated.observed;
  doc["floor"] = generated.floor;
  if (traced != nullptr) {
    auto caps = nlohmann::ordered_json::array();
    for (const auto& [cap, use] : traced->capabilities)
      caps.push_back({{"capability", util::capability_short_name(cap)},
                      {"syscall", use.syscall},
                      {"reason", use.reason},
                      {"refused", use.refused}});
    doc["capabilities"] = std::move(caps);
    doc["exitCode"] = traced->exit_status;
  }
  doc["dockerDefaultAllows"] = diff.default_allowed;
  doc["profileAllows"] = diff.profile_allowed;
  doc["removed"] = diff.removed;
  doc["narrowed"] = diff.narrowed;
  auto added = nlohmann::ordered_json::array();
  for (const auto& w : diff.added)
    added.push_back(w.syscall);
  doc["added"] = std::move(added);
  return doc.dump(2) + "\n";
}

int run_generate(GenerateOptions& opts) {
  if (auto ok = check_output_option(opts.output_given, opts.output); !ok)
    return report_error(ok.error());
  if (opts.format != "text" && opts.format != "json")
    return report_error(core::fail(core::ErrorKind::usage, "",
                                   fmt::format("--format {}: moat seccomp generate writes its "
                                               "report as text or json",
                                               opts.format))
                            .error());
  if (!has_trace_target(opts.target) && opts.merge.empty())
    return report_error(core::fail(core::ErrorKind::usage, "",
                                   "nothing to trace: give a command (moat seccomp generate -- "
                                   "CMD ARGS...), --image IMAGE, or profiles to --merge")
                            .error());
  if (auto ok = check_trace_target(opts.target); !ok)
    return report_error(ok.error());
  seccomp::Observed observed;
  std::vector<std::filesystem::path> inputs;
  for (const auto& file : opts.merge) {
    auto text = read_profile_text(file);
    if (!text)
      return report_error(text.error());
    auto profile = seccomp::parse_profile(*text, file);
    if (!profile)
      return report_error(profile.error());
    seccomp::merge(observed, seccomp::observed_in(*profile));
    if (file != "-")
      inputs.emplace_back(file);
  }
  std::optional<trace::Trace> traced;
  // The profile goes to stdout: the command's own output must not.
  const bool profile_to_stdout = opts.output.empty() && !opts.diff_default;
  if (has_trace_target(opts.target))
    if (const int failed = run_trace_target(opts.target, profile_to_stdout, traced); failed != 0)
      return failed;
  if (traced) {
    std::size_t unknown = 0;
    seccomp::merge(observed, observations(*traced, unknown));
    if (unknown > 0)
      fmt::print(stderr, "moat: {} system calls had numbers moat cannot name; they are left out\n",
                 unknown);
  }
  const auto generated = seccomp::generate(observed);
  if (!opts.output.empty()) {
    if (auto written = util::write_output_file(opts.output, generated.text, inputs); !written)
      return report_error(core::fail(core::ErrorKind::io, opts.output, written.error()).error());
  } else if (!opts.diff_default) {
    fmt::print("{}", generated.text);
    std::fflush(stdout);
  }
  const trace::Trace* t = traced ? &*traced : nullptr;
  if (opts.diff_default) {
    auto profile = seccomp::parse_profile(generated.text, "generated profile");
    if (!profile)
      return report_error(profile.error());
    seccomp::Conditions conditions = seccomp::host_conditions();
    conditions.caps = seccomp::docker_default_caps();
    const auto diff = seccomp::diff_default(seccomp::resolve(*profile, conditions), conditions);
    if (opts.format == "json")
      fmt::print("{}", diff_json(diff, generated, t));
    else
      print_diff_text(diff, generated, t);
  }
  if (!opts.quiet) {
    std::string summary = fmt::format("moat: {} system calls observed, {} from the runtime's floor",
                                      generated.observed.size(), generated.floor.size());
    if (t != nullptr) {
      summary += fmt::format(" ({} processes and threads traced); capabilities: {}", t->tasks,
                             cap_flags(*t));
    }
    fmt::print(stderr, "{}\n", summary);
  }
  return t != nullptr ? traced_exit_code(opts.target, *t, "the profile covers") : k_exit_clean;
}

} // namespace

void attach_seccomp(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("seccomp", "Check seccomp profiles, and write them from a trace");
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
  add_common_options(*check, opts->common,
                     "text, json, sarif, junit, github, gitlab, checkstyle, sonarqube, markdown");
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

  auto gen = std::make_shared<GenerateOptions>();
  auto* generate = cmd->add_subcommand(
      "generate", "Trace a command and write the least-privilege seccomp profile it needs");
  add_trace_target_options(*generate, gen->target);
  generate->add_option("-o,--output", gen->output, "Write the profile to FILE instead of stdout")
      ->option_text("FILE")
      ->each([gen](const std::string&) { gen->output_given = true; });
  generate
      ->add_option("--merge", gen->merge,
                   "Fold this profile (an earlier run's) into the result (repeatable; with no "
                   "command, only merge)")
      ->allow_extra_args(false)
      ->option_text("FILE");
  generate->add_flag("--diff-default", gen->diff_default,
                     "Report what the profile removes from Docker's default (and what it adds) "
                     "on stdout, instead of the profile");
  generate->add_option("-f,--format", gen->format, "The report's format: text or json")
      ->option_text("FORMAT");
  generate->add_flag("-q,--quiet", gen->quiet, k_quiet_help);
  generate->footer(
      std::string("DESCRIPTION:\n"
                  "  Runs CMD (or, with --image, the image's command or CMD in moat's\n"
                  "  sandbox, set up as moat run sets it up, from just before its exec)\n"
                  "  and traces every system call of its whole process tree\n"
                  "  (threads, forks, vforks, clone3 and execs) with ptrace, at one stop\n"
                  "  per call that a seccomp filter asks for; then writes a Docker-format\n"
                  "  profile that allows what it saw and refuses the rest with EPERM, as\n"
                  "  Docker's default does:\n"
                  "    - socket only for the address families seen, personality only for\n"
                  "      the values seen, clone only without new namespaces (Docker's\n"
                  "      condition); clone3 answers ENOSYS so libc falls back to clone;\n"
                  "    - the runtime's floor: what runc, crun and moat call after they load\n"
                  "      the filter, and calls a trace cannot see (the vDSO's clocks);\n"
                  "    - newer calls not seen (statx, openat2, rseq, io_uring_setup) answer\n"
                  "      ENOSYS, so libraries fall back to older ones.\n"
                  "  Each rule's comment says whether it was observed or is the floor.\n"
                  "  The trace also notes the capabilities the command used or was refused:\n"
                  "  a port below 1024 bound, files given away, ids changed, a file its mode\n"
                  "  does not let it open, device nodes, raw sockets, mounts. The summary\n"
                  "  on stderr gives them as --cap-drop ALL and the --cap-add list.\n"
                  "  The profile goes to stdout (the command's own stdout then goes to\n"
                  "  stderr) or to --output, written whole or not at all. A server runs\n"
                  "  until it exits, --timeout, or Ctrl-C: the command gets SIGTERM and the\n"
                  "  profile covers what it did. Trace each path of a program (start-up,\n"
                  "  requests, shutdown, its tests) and fold the runs with --merge.\n"
                  "  What a trace cannot see: a process it did not start, and code paths the\n"
                  "  run did not take.\n\n"
                  "  Exit status: the command's own, when it failed on its own (the profile\n"
                  "  is still written); 126 or 127 when it cannot be run; 2 for an error.\n\n"
                  "EXAMPLES:\n"
                  "  moat seccomp generate -o web.json -- python3 -m http.server 8080\n"
                  "  moat seccomp generate --image nginx:1.27 --timeout 20s -o nginx.json\n"
                  "  moat seccomp generate --timeout 30s -o web.json -- nginx -g 'daemon off;'\n"
                  "  moat seccomp generate --merge start.json --merge tests.json -o all.json\n"
                  "  moat seccomp generate --diff-default --merge all.json\n"
                  "  docker run --security-opt seccomp=web.json IMAGE\n\n") +
      exit_status_help());
  generate->callback(verb_callback(exit_code, [gen] { return run_generate(*gen); }));
}

} // namespace moat::cli
