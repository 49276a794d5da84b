// Running a command or an image's command traced, for moat seccomp
// generate and moat harden apparmor.

#include <moat/cli/trace_common.hpp>

#include <moat/cli/common.hpp>
#include <moat/cli/run_image.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace moat::cli {

namespace {

// Exit codes for a command that cannot be run, as docker run has them.
constexpr int k_exit_not_found = 127;
constexpr int k_exit_not_executable = 126;

} // namespace

void add_trace_target_options(CLI::App& cmd, TraceTarget& target) {
  cmd.add_option("CMD", target.command, "The command to trace, and its arguments");
  cmd.add_option("--image", target.image,
                 "Trace the image's command (or CMD) in moat's sandbox, as moat run runs it")
      ->option_text("IMAGE");
  cmd.add_option("-e,--env", target.env, "With --image: set this variable (NAME=VALUE)")
      ->allow_extra_args(false)
      ->option_text("NAME=VALUE");
  cmd.add_option("-u,--user", target.user, "With --image: run as NAME|UID[:GROUP|GID]")
      ->option_text("USER");
  cmd.add_option("--network", target.network, "With --image: none (loopback only) or host")
      ->option_text("NET");
  cmd.add_option("-v,--volume", target.volumes, "With --image: bind HOST:CONTAINER[:rw]")
      ->allow_extra_args(false)
      ->option_text("VOLUME");
  cmd.add_option("--timeout", target.timeout,
                 "Stop the command after this long (90s, 5m): SIGTERM, then SIGKILL 5s later")
      ->option_text("DURATION");
  cmd.positionals_at_end(true);
}

bool has_trace_target(const TraceTarget& target) {
  return !target.command.empty() || !target.image.empty();
}

core::Status check_trace_target(const TraceTarget& target) {
  if (target.image.empty() && (!target.env.empty() || !target.user.empty() ||
                               target.network != "none" || !target.volumes.empty()))
    return core::fail(core::ErrorKind::usage, "",
                      "-e, -u, --network and -v set up the container of --image");
  if (!target.timeout.empty())
    if (auto parsed = parse_timeout_option(target.timeout); !parsed)
      return std::unexpected(parsed.error());
  return {};
}

seccomp::Observed observations(const trace::Trace& traced, std::size_t& unknown) {
  seccomp::Observed observed;
  unknown = 0;
  for (const auto& key : traced.calls) {
    auto name = trace::call_name(key);
    auto arch = trace::scmp_arch(key);
    if (name.empty() || arch.empty()) {
      ++unknown;
      continue;
    }
    observed.names.insert(name);
    observed.arches.insert(arch);
  }
  observed.socket_domains = traced.socket_domains;
  observed.personalities = traced.personalities;
  observed.clone_namespace_flags = traced.clone_namespace_flags;
  return observed;
}

int traced_exit_code(const TraceTarget& target, const trace::Trace& traced,
                     std::string_view result) {
  if (traced.stopped_by_moat || traced.exit_status == 0)
    return k_exit_clean;
  fmt::print(stderr, "moat: {} exited with status {}; {} what it did until then\n",
             trace_target_name(target), traced.exit_status, result);
  return traced.exit_status;
}

std::string trace_target_name(const TraceTarget& target) {
  return target.image.empty() ? target.command.front() : target.image;
}

int run_trace_target(const TraceTarget& target, bool stdout_to_stderr,
                     std::optional<trace::Trace>& traced) {
  std::chrono::milliseconds timeout{0};
  if (!target.timeout.empty()) {
    auto parsed = parse_timeout_option(target.timeout);
    if (!parsed)
      return report_error(parsed.error());
    timeout = *parsed;
  }
  if (target.image.empty()) {
    trace::Options topts;
    topts.argv = target.command;
    topts.timeout = timeout;
    topts.stdout_to_stderr = stdout_to_stderr;
    auto result = trace::run(topts);
    if (!result)
      return report_error(result.error());
    if (result->start_error != 0) {
      fmt::print(stderr, "moat: cannot run {}: {}\n", target.command.front(),
                 std::strerror(result->start_error));
      return result->start_error == ENOENT ? k_exit_not_found : k_exit_not_executable;
    }
    traced = std::move(*result);
    return k_exit_clean;
  }
  TracedRun run;
  run.words.push_back(target.image);
  if (target.entrypoint) {
    // docker run --entrypoint takes the program; its arguments come first.
    run.entrypoint = target.entrypoint->empty() ? std::string() : target.entrypoint->front();
    if (!target.entrypoint->empty())
      run.words.insert(run.words.end(), target.entrypoint->begin() + 1, target.entrypoint->end());
  }
  run.words.insert(run.words.end(), target.command.begin(), target.command.end());
  run.env = target.env;
  run.user = target.user;
  run.network = target.network;
  run.volumes = target.volumes;
  run.read_write = target.read_write;
  run.cap_add = target.cap_add;
  const auto filter = trace::tracing_filter();
  run.filter.assign(filter.begin(), filter.end());
  std::optional<core::Error> failure;
  run.follow = [&](pid_t pid) {
    auto result = trace::follow(pid, timeout);
    if (!result) {
      failure = result.error();
      return k_exit_error << 8;
    }
    traced = std::move(*result);
    const int status = traced->exit_status;
    return status >= 128 ? status - 128 : status << 8; // a wait status
  };
  std::fflush(stdout);
  const int saved = stdout_to_stderr ? ::dup(STDOUT_FILENO) : -1;
  if (saved >= 0)
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
  const int exit_code = run_traced(run);
  std::fflush(stdout);
  if (saved >= 0) {
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
  }
  if (failure)
    return report_error(*failure);
  if (!traced)
    return exit_code; // moat run said why the container could not start
  traced->exit_status = exit_code;
  return k_exit_clean;
}

} // namespace moat::cli
