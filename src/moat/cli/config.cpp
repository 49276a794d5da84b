// moat config: how containers are run, read from docker inspect JSON, live
// containers, Compose files and docker run command lines.
#include <moat/cli/common.hpp>
#include <moat/cli/compose_vars.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/engine/engine.hpp>
#include <moat/runconf/runconf.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <unistd.h>

namespace moat::cli {

namespace {

constexpr std::size_t k_max_config_bytes = std::size_t{64} * 1024 * 1024;
constexpr std::string_view k_container_scheme = "container://";

struct ConfigOptions {
  CommonOptions common;
  std::vector<std::string> targets;
  std::vector<std::string> docker_run;
  std::string timeout = "5m";
};

core::Result<std::string> read_target(const std::string& path) {
  auto text = path == "-" ? util::read_stream(std::cin, k_max_config_bytes)
                          : util::read_file(path, k_max_config_bytes);
  if (!text)
    return core::fail(core::ErrorKind::io, path, text.error());
  return std::move(*text);
}

// The report of TARGET, and one more per other file a finding is in (a
// Compose service's env_file).
std::vector<core::TargetReport> reports_for(const std::string& target, const std::string& kind,
                                            const std::vector<runconf::ContainerSpec>& specs) {
  std::vector<core::TargetReport> reports(1);
  reports[0].target = target;
  reports[0].kind = kind;
  for (auto& finding : runconf::check(specs)) {
    const auto& file = finding.location.file;
    auto it = std::find_if(reports.begin(), reports.end(),
                           [&](const core::TargetReport& r) { return r.target == file; });
    if (it == reports.end() && !file.empty() && file != target) {
      core::TargetReport extra;
      extra.target = file;
      extra.kind = kind;
      reports.push_back(std::move(extra));
      it = std::prev(reports.end());
    } else if (it == reports.end()) {
      it = reports.begin();
    }
    it->findings.push_back(std::move(finding));
  }
  return reports;
}

// A file: docker or podman inspect JSON, or a Compose file.
core::Result<std::vector<core::TargetReport>> read_file_target(const std::string& path) {
  MOAT_TRY_ASSIGN(text, read_target(path));
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos)
    return core::fail(core::ErrorKind::parse, path,
                      "empty file; moat config reads docker inspect JSON, Compose files and "
                      "Kubernetes manifests");
  if (text[start] == '{' || text[start] == '[') {
    MOAT_TRY_ASSIGN(specs, runconf::read_inspect(text, path));
    return reports_for(path, "inspect", specs);
  }
  if (runconf::looks_like_kubernetes(text)) {
    MOAT_TRY_ASSIGN(specs, runconf::read_kubernetes(text, path));
    return reports_for(path, "kubernetes", specs);
  }
  MOAT_TRY_ASSIGN(vars, compose_variables(path));
  // env_file paths are relative to the Compose file's directory.
  const auto base =
      path == "-" ? std::filesystem::path() : std::filesystem::path(path).parent_path();
  const runconf::FileLoader load =
      [&](const std::string& name) -> core::Result<std::optional<runconf::LoadedFile>> {
    const auto file =
        std::filesystem::path(name).is_absolute() ? std::filesystem::path(name) : base / name;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
      return std::nullopt;
    auto content = util::read_file(file, k_max_config_bytes);
    if (!content)
      return core::fail(core::ErrorKind::io, file.string(), content.error());
    return runconf::LoadedFile{file.lexically_normal().string(), std::move(*content)};
  };
  MOAT_TRY_ASSIGN(specs, runconf::read_compose(text, path, vars, load));
  return reports_for(path, "compose", specs);
}

// container://NAME, or container:// for every running container.
core::Result<std::vector<core::TargetReport>> read_containers(const std::string& target,
                                                              const ConfigOptions& opts) {
  engine::EngineOptions eo;
  MOAT_TRY_ASSIGN(timeout, parse_timeout_option(opts.timeout));
  eo.timeout = timeout;
  eo.deadline = std::chrono::steady_clock::now() + timeout;
  MOAT_TRY_ASSIGN(client, engine::EngineClient::open(std::move(eo)));
  std::vector<std::string> names;
  const auto name = target.substr(k_container_scheme.size());
  if (name.empty()) {
    MOAT_TRY_ASSIGN(ids, client.running_containers());
    names = std::move(ids);
  } else {
    names.push_back(name);
  }
  std::vector<core::TargetReport> reports;
  for (const auto& n : names) {
    MOAT_TRY_ASSIGN(json, client.container_inspect(n));
    const auto input = fmt::format("container://{}", n);
    MOAT_TRY_ASSIGN(specs, runconf::read_inspect(json, input));
    // The container's own processes, for an SSH server (CIS 5.7); a
    // container that is not running has none to show.
    std::optional<std::vector<std::string>> processes;
    if (auto top = client.container_top(n))
      processes = runconf::read_top(*top);
    for (auto& spec : specs) {
      spec.kind = "container";
      spec.source = fmt::format("container://{}", spec.name);
      spec.processes = processes;
    }
    for (auto& r : reports_for(specs.empty() ? input : specs.front().source, "container", specs))
      reports.push_back(std::move(r));
  }
  return reports;
}

int run_config(ConfigOptions& opts) {
  if (opts.targets.empty() && opts.docker_run.empty())
    return report_error(core::Error{core::ErrorKind::usage, "moat config",
                                    "name a TARGET (inspect JSON, container://NAME) or give "
                                    "--docker-run 'docker run ...'",
                                    0, 0});
  auto policy = build_policy(opts.common, opts.targets.empty() || opts.targets.front() == "-"
                                              ? std::filesystem::current_path()
                                              : std::filesystem::path(opts.targets.front()));
  if (!policy)
    return report_error(policy.error());
  std::vector<core::TargetReport> reports;
  std::vector<std::filesystem::path> inputs;
  for (const auto& target : opts.targets) {
    if (target.starts_with(k_container_scheme)) {
      auto found = read_containers(target, opts);
      if (!found)
        return report_error(found.error());
      for (auto& r : *found)
        reports.push_back(std::move(r));
      continue;
    }
    auto found = read_file_target(target);
    if (!found)
      return report_error(found.error());
    for (auto& r : *found)
      reports.push_back(std::move(r));
    inputs.emplace_back(target);
  }
  for (const auto& line : opts.docker_run) {
    auto spec = runconf::read_docker_run(line);
    if (!spec)
      return report_error(spec.error());
    reports.push_back(std::move(reports_for("--docker-run", "docker run", {*spec}).front()));
  }
  for (auto& report : reports) {
    core::apply_policy(*policy, report);
    core::sort_findings(report.findings);
  }
  if (auto status =
          emit_reports(opts.common, "config", runconf::checks(), *policy, reports, inputs);
      !status)
    return report_error(status.error());
  return findings_exit_code(opts.common, *policy, reports);
}

} // namespace

// Compose's variables: the `.env` file beside the Compose file, then the
// environment, which wins.
core::Result<runconf::Variables> compose_variables(const std::string& path) {
  runconf::Variables vars;
  if (path != "-") {
    const auto dotenv = std::filesystem::path(path).parent_path() / ".env";
    std::error_code ec;
    if (std::filesystem::is_regular_file(dotenv, ec)) {
      auto text = util::read_file(dotenv, k_max_config_bytes);
      if (!text)
        return core::fail(core::ErrorKind::io, dotenv.string(), text.error());
      vars = runconf::read_dotenv(*text);
    }
  }
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string_view::npos)
      vars.insert_or_assign(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return vars;
}

void attach_config(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<ConfigOptions>();
  auto* cmd = root.add_subcommand("config", "Check how containers are run: inspect JSON, live "
                                            "containers, Compose files, Kubernetes manifests, "
                                            "docker run lines");
  cmd->add_option("TARGET", opts->targets,
                  "docker/podman inspect JSON, a Compose file or a Kubernetes manifest (a file, "
                  "or '-' for standard input), container://NAME for a live container, "
                  "container:// for every running one");
  cmd->add_option("--docker-run", opts->docker_run,
                  "A docker run command line to check, quoted as one argument (repeatable)")
      ->option_text("LINE");
  cmd->add_option("--timeout", opts->timeout,
                  "Give up on the daemon after this long in all: 90s, 5m (default 5m)")
      ->option_text("DURATION");
  add_common_options(*cmd, opts->common,
                     "text, json, sarif, junit, github, gitlab, checkstyle, sonarqube, markdown");
  cmd->footer(
      std::string("DESCRIPTION:\n"
                  "  Reads each container's run configuration (privileges, capabilities,\n"
                  "  security options, namespaces, mounts, devices, ports, limits, user,\n"
                  "  health check, restart policy, environment) and checks it against the\n"
                  "  CIS Docker Benchmark 1.6 section 5 (ids CIS-5.x as aliases) and what\n"
                  "  the hardening guides add: dangerous capabilities one by one, runtime\n"
                  "  sockets and sensitive host directories mounted, secrets in the\n"
                  "  environment, sysctls that reach the host. Kubernetes workloads (Pod,\n"
                  "  Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet,\n"
                  "  Job, CronJob; several documents and List objects) are also checked\n"
                  "  against every control of the Pod Security Standards' baseline and\n"
                  "  restricted profiles (the control names and Trivy's KSV ids as\n"
                  "  aliases), for regular, init and ephemeral containers, with the pod's\n"
                  "  securityContext merged as the kubelet merges it.\n"
                  "  Each finding names the container, service or workload, with the line\n"
                  "  and column of the setting in a Compose file, a manifest or a docker\n"
                  "  run line; a setting that is missing points at the container. Compose\n"
                  "  variables are interpolated as Compose does it, from the environment\n"
                  "  and the .env file beside the Compose file.\n"
                  "  A live container is read from the Docker Engine API at DOCKER_HOST\n"
                  "  (default unix:///var/run/docker.sock).\n\n"
                  "EXAMPLES:\n"
                  "  docker inspect web | moat config -\n"
                  "  moat config compose.yaml --fail-on high\n"
                  "  moat config deploy/*.yaml --ignore RC048,KSV011\n"
                  "  moat config container://web --format sarif -o web.sarif\n"
                  "  moat config container:// --fail-on high\n"
                  "  moat config --docker-run 'docker run -d --privileged -v /:/host nginx'\n\n") +
      exit_status_help());
  cmd->callback(verb_callback(exit_code, [opts] { return run_config(*opts); }));
}

} // namespace moat::cli
