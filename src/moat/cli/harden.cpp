// moat harden: generators for what moat audits. audit-rules writes the
// auditd rules for Docker's files and programs on this host; apparmor
// writes an AppArmor profile from a traced run.
#include <moat/cli/common.hpp>
#include <moat/cli/compose_vars.hpp>
#include <moat/cli/image_common.hpp>
#include <moat/cli/trace_common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/fix/fix.hpp>
#include <moat/harden/apparmor.hpp>
#include <moat/harden/audit.hpp>
#include <moat/host/bench.hpp>
#include <moat/report/writer.hpp>
#include <moat/runconf/runconf.hpp>
#include <moat/util/capabilities.hpp>
#include <moat/util/file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <linux/capability.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

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
    std::string c(util::capability_short_name(cap));
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
  return traced_exit_code(opts.target, *traced, "the profile covers");
}

struct RunFlagsOptions {
  std::vector<std::string> words;         // IMAGE [CMD...], or a Compose file or manifest
  std::vector<std::string> image_sources; // IMAGE=TARGET
  TraceTarget target;                     // the container's setup for the trace
  bool no_trace = false;
  std::string seccomp_output;
  std::string format = "text";
  bool quiet = false;
};

// One flag of the hardened command, and why.
struct Flag {
  std::string flag;
  std::string why;
};

std::string shell_word(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./:=@%+,") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool runs_as_root(const std::string& user) {
  const auto name = user.substr(0, user.find(':'));
  return name.empty() || name == "root" || name == "0";
}

// The directories the program wrote in, to mount as tmpfs under a
// read-only root: the parent of each file written (a directory made is
// itself), nested ones folded into the outermost; the kernel's own
// (/dev, /proc, /sys) left out.
std::vector<std::string> written_dirs(const trace::Trace& traced) {
  std::set<std::string> dirs;
  for (const auto& [path, use] : traced.files) {
    if ((use & trace::k_file_write) == 0 || path.starts_with("/dev/") ||
        path.starts_with("/proc/") || path.starts_with("/sys/"))
      continue;
    std::string dir = path;
    if (dir.ends_with('/'))
      dir.pop_back();
    else
      dir = dir.substr(0, std::max<std::size_t>(dir.rfind('/'), 1));
    if (dir.size() > 1)
      dirs.insert(dir);
  }
  std::vector<std::string> out;
  for (const auto& d : dirs)
    if (std::none_of(out.begin(), out.end(),
                     [&](const std::string& o) { return d.starts_with(o + "/"); }))
      out.push_back(d);
  return out;
}

// What the hardened configuration of one image holds: its configuration,
// and what the traced run did.
struct Plan {
  std::string target; // the moat image target
  std::string user;   // the image's USER
  bool has_healthcheck = false;
  std::optional<int> port;
  std::optional<trace::Trace> traced;
  std::string seccomp_file;
  std::size_t seccomp_calls = 0;

  [[nodiscard]] bool changes_ids() const {
    return traced &&
           (traced->capabilities.contains(CAP_SETUID) || traced->capabilities.contains(CAP_SETGID));
  }
  [[nodiscard]] bool set_user() const { return runs_as_root(user) && !changes_ids(); }
  // The capabilities to add after dropping all, with why.
  [[nodiscard]] std::vector<Flag> caps() const {
    std::vector<Flag> out;
    if (traced)
      for (const auto& [cap, use] : traced->capabilities)
        // One refused was needed all the same: the program asked for it.
        out.push_back({std::string(util::capability_short_name(cap)),
                       fmt::format("{} ({})", use.reason, use.syscall)});
    return out;
  }
  [[nodiscard]] std::vector<std::string> tmpfs() const {
    return traced ? written_dirs(*traced) : std::vector<std::string>{};
  }
  [[nodiscard]] std::string health_example() const {
    if (!port || *port <= 0)
      return {};
    return fmt::format("wget -q -O /dev/null http://127.0.0.1:{}/ || exit 1", *port);
  }
};

// Reads TARGET's configuration and, unless --no-trace, traces its command
// (ENTRYPOINT and COMMAND in place of the image's when given) and writes
// the seccomp profile to SECCOMP_FILE. 0, or the exit code after an error
// was printed.
int make_plan(const RunFlagsOptions& opts, const std::string& target,
              const std::optional<std::vector<std::string>>& entrypoint,
              const std::vector<std::string>& command, const std::string& seccomp_file,
              Plan& plan) {
  ImageSourceOptions source;
  source.skip_layers = true;
  source.no_progress = true;
  CommonOptions common;
  common.quiet = true;
  auto loaded = load_image_with_progress(target, source, common);
  if (!loaded)
    return report_error(loaded.error());
  const auto& config = loaded->image.config;
  plan.target = target;
  plan.user = config.user;
  plan.has_healthcheck = config.healthcheck.has_value();
  if (!opts.no_trace) {
    auto t = opts.target;
    t.image = target;
    t.entrypoint = entrypoint;
    t.command = command;
    // A writable root (an overlay moat discards), so the writes the
    // program needs are seen rather than refused.
    t.read_write = ::geteuid() == 0;
    // Docker's capabilities, so the program runs as it would under docker
    // run and the ones it uses are seen at work.
    for (const auto& cap : seccomp::docker_default_caps())
      t.cap_add.push_back(cap);
    if (const int failed = run_trace_target(t, true, plan.traced); failed != 0)
      return failed;
    std::size_t unknown = 0;
    const auto generated = seccomp::generate(observations(*plan.traced, unknown));
    if (auto written = util::write_output_file(seccomp_file, generated.text); !written)
      return report_error(core::fail(core::ErrorKind::io, seccomp_file, written.error()).error());
    plan.seccomp_file = seccomp_file;
    plan.seccomp_calls = generated.observed.size();
  }
  if (plan.traced && !plan.traced->bound_ports.empty())
    plan.port = *plan.traced->bound_ports.begin();
  else if (!config.exposed_ports.empty())
    plan.port = std::atoi(config.exposed_ports.front().c_str());
  if (plan.traced && !opts.quiet && !plan.traced->stopped_by_moat && plan.traced->exit_status != 0)
    fmt::print(stderr,
               "moat: {} exited with status {} during the trace; the settings cover what it did "
               "until then\n",
               target, plan.traced->exit_status);
  return k_exit_clean;
}

// The docker run flags of PLAN, each with its reason.
std::vector<Flag> docker_flags(const Plan& plan) {
  std::vector<Flag> flags;
  if (runs_as_root(plan.user)) {
    if (plan.changes_ids())
      flags.push_back({"", "the image runs as root and the program changes its own user: keep "
                           "root, confined by the flags below"});
    else
      flags.push_back({"--user 65534:65534", plan.user.empty()
                                                 ? "the image names no user, so it runs as root"
                                                 : "the image runs as root"});
  }
  flags.push_back({"--read-only", "a root file system the program cannot change"});
  for (const auto& dir : plan.tmpfs())
    flags.push_back({"--tmpfs " + shell_word(dir), "the program wrote there"});
  flags.push_back({"--cap-drop ALL", "no capability but those the program used"});
  for (const auto& cap : plan.caps())
    flags.push_back({"--cap-add " + cap.flag, cap.why});
  flags.push_back({"--security-opt no-new-privileges", "set-user-ID programs gain nothing"});
  if (!plan.seccomp_file.empty())
    flags.push_back({"--security-opt seccomp=" + shell_word(plan.seccomp_file),
                     fmt::format("the {} system calls the program made and the runtime's floor",
                                 plan.seccomp_calls)});
  flags.push_back({"--memory 512m", "a memory limit (moat run's default; raise it to the "
                                    "program's need)"});
  flags.push_back({"--cpus 1", "a CPU limit"});
  flags.push_back({"--pids-limit 256", "a process limit: no fork bomb takes the host down"});
  if (!plan.has_healthcheck) {
    const auto example = plan.health_example();
    flags.push_back(
        {"--health-interval 30s --health-retries 3",
         "with a --health-cmd of yours: " +
             (example.empty() ? std::string("the image has no HEALTHCHECK: give one with "
                                            "--health-cmd and --health-interval")
                              : fmt::format("the image has no HEALTHCHECK: give one that asks "
                                            "the service, for example --health-cmd '{}' "
                                            "--health-interval 30s",
                                            example))});
  }
  return flags;
}

nlohmann::ordered_json flags_json(const std::vector<Flag>& flags) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& f : flags)
    list.push_back({{"flag", f.flag}, {"why", f.why}});
  return list;
}

// A YAML scalar as Compose reads it: plain when it is safe, else JSON-quoted.
std::string yaml_scalar(const std::string& text) {
  const bool plain = !text.empty() &&
                     text.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:") ==
                         std::string::npos &&
                     !text.ends_with(':') && !text.starts_with(':') && !text.starts_with('-') &&
                     text != "true" && text != "false" && text != "null" && text != "yes" &&
                     text != "no";
  return plain ? text : nlohmann::json(text).dump();
}

// The image target a service's or container's IMAGE is read from:
// --image-source IMAGE=TARGET, else the local daemon's copy.
std::string image_target(const RunFlagsOptions& opts, const std::string& image) {
  for (const auto& mapping : opts.image_sources) {
    const auto eq = mapping.find('=');
    if (eq != std::string::npos && mapping.substr(0, eq) == image)
      return mapping.substr(eq + 1);
  }
  return "docker://" + image;
}

// moat-NAME-seccomp.json beside FILE.
std::string profile_beside(const std::string& file, const std::string& name) {
  std::string base = "moat-";
  for (char c : name)
    base +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '-';
  return (std::filesystem::path(file).parent_path() / (base + "-seccomp.json")).string();
}

int run_flags_for_config(RunFlagsOptions& opts, const std::string& file) {
  auto text = util::read_file(file, std::size_t{16} << 20);
  if (!text)
    return report_error(core::fail(core::ErrorKind::io, file, text.error()).error());
  const bool k8s = runconf::looks_like_kubernetes(*text);
  std::vector<runconf::ContainerSpec> specs;
  if (k8s) {
    auto read = runconf::read_kubernetes(*text, file);
    if (!read)
      return report_error(read.error());
    specs = std::move(*read);
  } else {
    auto vars = compose_variables(file);
    if (!vars)
      return report_error(vars.error());
    auto read = runconf::read_compose(*text, file, *vars);
    if (!read)
      return report_error(read.error());
    specs = std::move(*read);
  }
  if (specs.empty())
    return report_error(
        core::fail(core::ErrorKind::usage, file,
                   k8s ? "no containers in the manifest" : "no services in the Compose file")
            .error());
  // One plan per container, in the file's order.
  std::vector<std::pair<const runconf::ContainerSpec*, Plan>> plans;
  for (const auto& spec : specs) {
    if (spec.image.value.empty()) {
      if (!opts.quiet)
        fmt::print(stderr, "moat: {}: {} names no image (build it and name it); left as it is\n",
                   file, spec.name);
      continue;
    }
    Plan plan;
    const auto name = k8s ? spec.name : spec.name.substr(0, spec.name.find(' '));
    if (const int failed = make_plan(opts, image_target(opts, spec.image.value), spec.entrypoint,
                                     spec.command.value_or(std::vector<std::string>{}),
                                     profile_beside(file, name), plan);
        failed != 0)
      return failed;
    plans.emplace_back(&spec, std::move(plan));
  }
  if (opts.format == "json") {
    nlohmann::ordered_json doc;
    doc["file"] = file;
    auto list = nlohmann::ordered_json::array();
    for (const auto& [spec, plan] : plans)
      list.push_back({{"name", spec->name},
                      {"image", spec->image.value},
                      {"flags", flags_json(docker_flags(plan))},
                      {"seccompProfile", plan.seccomp_file}});
    doc[k8s ? "containers" : "services"] = std::move(list);
    fmt::print("{}\n", doc.dump(2));
    return k_exit_clean;
  }
  if (k8s) {
    const fix::HardeningFor harden =
        [&](std::string_view container,
            std::string_view image) -> std::optional<fix::ContainerHardening> {
      for (const auto& [spec, plan] : plans) {
        if (spec->name != container || spec->image.value != image)
          continue;
        fix::ContainerHardening h;
        if (plan.set_user())
          h.run_as_user = 65534;
        for (const auto& cap : plan.caps())
          h.cap_add.push_back(cap.flag);
        if (!plan.seccomp_file.empty())
          h.seccomp_profile = std::filesystem::path(plan.seccomp_file).filename().string();
        h.writable = plan.tmpfs();
        return h;
      }
      return std::nullopt;
    };
    auto patched = fix::harden_kubernetes(*text, file, harden);
    if (!patched)
      return report_error(patched.error());
    fmt::print("# {} hardened by moat harden run-flags{}.\n", file,
               opts.no_trace ? "" : " from traced runs");
    bool localhost = false;
    for (const auto& [spec, plan] : plans)
      localhost = localhost || !plan.seccomp_file.empty();
    if (localhost)
      fmt::print("# Copy the moat-*-seccomp.json profiles written beside it into the kubelet's "
                 "seccomp\n# directory (/var/lib/kubelet/seccomp) of every node.\n");
    fmt::print("{}", *patched);
    return k_exit_clean;
  }
  // A Compose override file: Compose merges it into the services.
  std::string out =
      fmt::format("# Hardened settings for the services of {} (moat harden run-flags{}).\n"
                  "# Use them with: docker compose -f {} -f THIS_FILE up\n"
                  "services:\n",
                  file, opts.no_trace ? "" : ", from traced runs",
                  std::filesystem::path(file).filename().string());
  for (const auto& [spec, plan] : plans) {
    const auto service = spec->name.substr(0, spec->name.find(' '));
    out += fmt::format("  {}:\n", yaml_scalar(service));
    const bool user_set = spec->user && !runs_as_root(spec->user->value);
    if (!user_set && plan.set_user())
      out += fmt::format("    user: \"65534:65534\"  # {}\n",
                         plan.user.empty() ? "the image names no user, so it runs as root"
                                           : "the image runs as root");
    else if (!user_set && runs_as_root(plan.user))
      out += "    # user: root kept: the program changes its own user\n";
    out += "    read_only: true  # a root file system the program cannot change\n";
    const auto dirs = plan.tmpfs();
    if (!dirs.empty()) {
      out += "    tmpfs:  # the program wrote there\n";
      for (const auto& d : dirs)
        out += fmt::format("      - {}\n", yaml_scalar(d));
    }
    out += "    cap_drop:\n      - ALL\n";
    const auto caps = plan.caps();
    if (!caps.empty()) {
      out += "    cap_add:\n";
      for (const auto& c : caps)
        out += fmt::format("      - {}  # {}\n", c.flag, c.why);
    }
    out += "    security_opt:\n      - no-new-privileges:true\n";
    if (!plan.seccomp_file.empty())
      out += fmt::format(
          "      - {}  # the {} system calls the program made and the runtime's floor\n",
          yaml_scalar("seccomp:" + std::filesystem::path(plan.seccomp_file).filename().string()),
          plan.seccomp_calls);
    out += "    mem_limit: 512m  # raise it to the program's need\n";
    out += "    cpus: 1\n";
    out += "    pids_limit: 256\n";
    if (!plan.has_healthcheck && spec->health.value != runconf::ContainerSpec::Health::configured) {
      const auto example = plan.health_example();
      out += "    # The image has no HEALTHCHECK: give one that asks the service";
      if (example.empty()) {
        out += ".\n";
      } else {
        out += ", for example:\n";
        out += "    # healthcheck:\n";
        out += fmt::format("    #   test: [\"CMD-SHELL\", {}]\n", nlohmann::json(example).dump());
        out += "    #   interval: 30s\n    #   retries: 3\n";
      }
    }
  }
  fmt::print("{}", out);
  return k_exit_clean;
}

int run_run_flags(RunFlagsOptions& opts) {
  if (opts.format != "text" && opts.format != "json")
    return report_error(core::fail(core::ErrorKind::usage, "",
                                   fmt::format("--format {}: moat harden run-flags writes text "
                                               "(a docker run command, a Compose override or a "
                                               "manifest) or json",
                                               opts.format))
                            .error());
  if (opts.words.empty())
    return report_error(
        core::fail(core::ErrorKind::usage, "", "no image given (moat harden run-flags IMAGE)")
            .error());
  if (auto ok = check_trace_target(opts.target); !ok)
    return report_error(ok.error());
  const std::string target = opts.words.front();
  std::vector<std::string> command(opts.words.begin() + 1, opts.words.end());
  if (!command.empty() && command.front() == "--") // IMAGE -- CMD
    command.erase(command.begin());
  if (target.ends_with(".yaml") || target.ends_with(".yml")) {
    if (!command.empty())
      return report_error(core::fail(core::ErrorKind::usage, target,
                                     "a Compose file or manifest names each container's "
                                     "command itself; give no CMD")
                              .error());
    if (!opts.seccomp_output.empty())
      return report_error(core::fail(core::ErrorKind::usage, target,
                                     "--seccomp-output is for one image: the profiles of a "
                                     "Compose file or manifest are written beside it")
                              .error());
    return run_flags_for_config(opts, target);
  }
  TraceTarget named;
  named.image = target;
  Plan plan;
  const auto seccomp_file = opts.seccomp_output.empty()
                                ? default_profile_name(named) + "-seccomp.json"
                                : opts.seccomp_output;
  if (const int failed = make_plan(opts, target, std::nullopt, command, seccomp_file, plan);
      failed != 0)
    return failed;
  const auto flags = docker_flags(plan);
  if (opts.format == "json") {
    nlohmann::ordered_json doc;
    doc["image"] = target;
    doc["flags"] = flags_json(flags);
    if (!plan.seccomp_file.empty())
      doc["seccompProfile"] = plan.seccomp_file;
    fmt::print("{}\n", doc.dump(2));
    return k_exit_clean;
  }
  fmt::print("# The hardened docker run for {} (moat harden run-flags{}):\n", target,
             plan.traced ? ", from its configuration and a traced run"
                         : ", from its configuration");
  for (const auto& f : flags)
    fmt::print("#   {:<34} {}\n", f.flag.empty() ? "(root)" : f.flag, f.why);
  fmt::print("docker run \\\n");
  for (const auto& f : flags)
    if (!f.flag.empty())
      fmt::print("  {} \\\n", f.flag);
  std::string tail = shell_word(target);
  for (const auto& word : command)
    tail += " " + shell_word(word);
  fmt::print("  {}\n", tail);
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

  auto rf = std::make_shared<RunFlagsOptions>();
  auto* run_flags = cmd->add_subcommand(
      "run-flags", "Print the hardened configuration of an image, a Compose file or a Kubernetes "
                   "manifest, from traced runs");
  run_flags->add_option("IMAGE CMD", rf->words,
                        "The image (any target moat image reads), then the command to trace; or "
                        "a Compose file or Kubernetes manifest (*.yaml, *.yml)");
  run_flags
      ->add_option("--image-source", rf->image_sources,
                   "Read the image a service or container names from TARGET (an archive, an OCI "
                   "layout, registry://...) instead of the local daemon (docker://IMAGE); "
                   "repeatable")
      ->allow_extra_args(false)
      ->option_text("IMAGE=TARGET");
  run_flags->add_flag("--no-trace", rf->no_trace,
                      "Judge the image's configuration only: no tmpfs, capabilities or seccomp "
                      "profile from a run");
  run_flags
      ->add_option("--seccomp-output", rf->seccomp_output,
                   "Write the generated seccomp profile to FILE (default: moat-NAME-seccomp.json)")
      ->option_text("FILE");
  run_flags->add_option("-e,--env", rf->target.env, "For the trace: set this variable")
      ->allow_extra_args(false)
      ->option_text("NAME=VALUE");
  run_flags->add_option("--network", rf->target.network, "For the trace: none or host")
      ->option_text("NET");
  run_flags
      ->add_option("-v,--volume", rf->target.volumes, "For the trace: bind HOST:CONTAINER[:rw]")
      ->allow_extra_args(false)
      ->option_text("VOLUME");
  run_flags
      ->add_option("--timeout", rf->target.timeout,
                   "Stop the traced command after this long (90s, 5m)")
      ->option_text("DURATION");
  run_flags->add_option("-f,--format", rf->format, "text (a docker run command) or json")
      ->option_text("FORMAT");
  run_flags->add_flag("-q,--quiet", rf->quiet, k_quiet_help);
  run_flags->positionals_at_end(true);
  run_flags->footer(
      std::string(
          "DESCRIPTION:\n"
          "  Runs the image's command (or CMD) in moat's sandbox on a writable\n"
          "  overlay that is thrown away, traces it as moat seccomp generate does,\n"
          "  and prints the configuration that gives the program what it needed\n"
          "  and nothing more, each setting with its reason:\n"
          "    - a non-root user (65534:65534) when the image runs as root, unless\n"
          "      the program changes its own ids;\n"
          "    - a read-only root, with a tmpfs on each directory the program wrote in;\n"
          "    - every capability dropped, and those it used added back;\n"
          "    - no-new-privileges;\n"
          "    - the generated seccomp profile, written to --seccomp-output;\n"
          "    - memory, CPU and process limits;\n"
          "    - a health check's interval when the image has no HEALTHCHECK, with\n"
          "      an example command for the port the program listened on.\n"
          "  For an image the result is a docker run command. For a Compose file\n"
          "  it is an override file with these settings for every service (use\n"
          "  it with docker compose -f compose.yaml -f OVERRIDE up). For a\n"
          "  Kubernetes manifest it is the manifest itself with each container's\n"
          "  securityContext patched (allowPrivilegeEscalation, readOnlyRootFilesystem,\n"
          "  runAsNonRoot and runAsUser, capabilities, a Localhost seccompProfile),\n"
          "  an emptyDir on each directory written and resource limits where there\n"
          "  are none; the text is edited, so comments and order stay. Each service\n"
          "  or container runs its own entrypoint and command as the file sets them;\n"
          "  its image is read from the local daemon unless --image-source names\n"
          "  it, and its seccomp profile is written beside the file as\n"
          "  moat-NAME-seccomp.json. With --no-trace only the images'\n"
          "  configurations are read.\n\n"
          "EXAMPLES:\n"
          "  moat harden run-flags --timeout 20s nginx:1.27\n"
          "  moat harden run-flags --format json ./app.tar -- /app/server --selftest\n"
          "  moat harden run-flags --timeout 20s compose.yaml > compose.hardened.yaml\n"
          "  moat harden run-flags --timeout 20s --image-source web:1=./web.tar pod.yaml\n\n") +
      exit_status_help());
  run_flags->callback(verb_callback(exit_code, [rf] { return run_run_flags(*rf); }));
}

} // namespace moat::cli
