// The OCI runtime CLI, as containerd's runc shim and dockerd call it:
//   moat [--root DIR] [--log FILE] [--log-format text|json] [--systemd-cgroup]
//        create --bundle DIR [--pid-file FILE] ID | start ID | state ID |
//        kill [--all] ID [SIGNAL] | delete [--force] ID | ps [--format json] ID |
//        features

#include <moat/cli/common.hpp>
#include <moat/cli/sandbox_common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/sandbox/container.hpp>
#include <moat/sandbox/oci.hpp>
#include <moat/util/file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>

namespace moat::cli {

namespace {

namespace fs = std::filesystem;

// Where container state is kept by default: /run/moat/oci for root, the
// user's runtime directory for an ordinary user (as rootless runc keeps
// $XDG_RUNTIME_DIR/runc).
std::string default_state_root() {
  if (::geteuid() == 0)
    return "/run/moat/oci";
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] == '/')
    return std::string(runtime) + "/moat";
  return fmt::format("/tmp/moat-{}/oci", ::geteuid());
}

struct Globals {
  std::string root = default_state_root();
  std::string log;
  std::string log_format = "text";
  bool systemd_cgroup = false;
  bool debug = false;
  std::string rootless;
};

// The time as runc and logrus write it: RFC 3339 with nanoseconds, UTC.
std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() %
      1'000'000'000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanos);
}

// The runtime's log: --log FILE in --log-format (json lines as runc
// writes them, which containerd reads the last error from), else stderr.
class Log {
public:
  explicit Log(const Globals& g) : m_globals(g) {}

  void write(std::string_view level, const std::string& message) const {
    if (m_globals.log.empty()) {
      fmt::print(stderr, "moat: {}{}\n", level == "error" ? "" : std::string(level) + ": ",
                 message);
      return;
    }
    std::ofstream out(m_globals.log, std::ios::app);
    const auto time = now_rfc3339();
    if (m_globals.log_format == "json")
      out << nlohmann::json{{"level", level}, {"msg", message}, {"time", time}}.dump() << "\n";
    else
      out << fmt::format("time=\"{}\" level={} msg=\"{}\"\n", time, level, message);
    // An error goes to stderr too: the caller shows what a failed command said.
    if (level == "error")
      fmt::print(stderr, "moat: {}\n", message);
  }

  int error(const core::Error& e) const {
    write("error", e.to_string());
    return k_exit_error;
  }

private:
  const Globals& m_globals;
};

struct CreateOptions {
  std::string id;
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
};

int run_create(const Globals& g, const CreateOptions& o) {
  const Log log(g);
  if (auto ok = sandbox::Containers::check_id(o.id); !ok)
    return log.error(ok.error());
  auto bundle = sandbox::read_bundle(o.bundle, o.id, g.systemd_cgroup);
  if (!bundle)
    return log.error(bundle.error());
  if (bundle->terminal && o.console_socket.empty())
    return log.error(
        core::Error{core::ErrorKind::usage, o.id, "process.terminal needs --console-socket", 0, 0});
  bundle->spec.console_socket = o.console_socket;
  if (o.no_pivot)
    log.write("warning", "--no-pivot is ignored: moat always uses pivot_root");
  if (o.preserve_fds < 0)
    return log.error(core::Error{core::ErrorKind::usage, o.id,
                                 "--preserve-fds takes a number of descriptors", 0, 0});
  bundle->spec.preserve_fds = o.preserve_fds;
  for (const auto& what : bundle->ignored)
    log.write("warning", fmt::format("{}: not applied: {}", o.id, what));
  for (const auto& w : bundle->weakenings)
    log.write("warning",
              fmt::format("{}: weaker than moat's default{}: {}", o.id,
                          w.cis.empty() ? std::string() : " (fails " + w.cis + ")", w.what));
  auto& spec = bundle->spec;
  if (bundle->seccomp_profile) {
    std::vector<int> caps;
    for (int cap = 0; cap < 64; ++cap)
      if ((spec.oci->caps.effective & (std::uint64_t{1} << cap)) != 0)
        caps.push_back(cap);
    auto program = compiled_seccomp(*bundle->seccomp_profile, "linux.seccomp", caps);
    if (!program)
      return log.error(program.error());
    spec.seccomp = std::move(*program);
  }
  // The FIFO is opened by the init as the container's root.
  std::uint32_t root_uid = 0;
  for (const auto& m : spec.oci->uid_mappings)
    if (m.container_id == 0)
      root_uid = m.host_id;
  const sandbox::Containers containers(g.root);
  if (auto ok = containers.prepare(o.id, root_uid); !ok)
    return log.error(ok.error());
  spec.start_fifo = containers.fifo(o.id).string();
  const auto mount_point = containers.dir(o.id) / "root";
  ::mkdir(mount_point.c_str(), 0711);
  spec.create_container_hooks = bundle->hooks.create_container;
  spec.start_container_hooks = bundle->hooks.start_container;
  // The state the init's own hooks read: as `moat state` shows it while
  // the container is being created.
  auto state_for = [&](int pid) {
    nlohmann::json j{{"ociVersion", bundle->oci_version},
                     {"id", o.id},
                     {"status", "creating"},
                     {"pid", pid},
                     {"bundle", bundle->dir.string()},
                     {"annotations", bundle->annotations}};
    return j.dump();
  };
  // prestart and createRuntime: in moat's namespaces, once the init's exist.
  auto runtime_hooks = [&](int pid) -> core::Status {
    for (const auto* hooks : {&bundle->hooks.prestart, &bundle->hooks.create_runtime})
      for (const auto& hook : *hooks)
        MOAT_TRY(sandbox::run_hook(
            hook, state_for(pid), hooks == &bundle->hooks.prestart ? "prestart" : "createRuntime"));
    return {};
  };
  auto created = sandbox::create(spec, mount_point, state_for, runtime_hooks);
  if (!created) {
    containers.remove(o.id);
    return log.error(created.error());
  }
  if (!created->no_cgroup.empty())
    log.write("warning",
              fmt::format("{}: no cgroup, so none of the config's limits apply (CIS-5.11, "
                          "CIS-5.12, CIS-5.29): {}",
                          o.id, created->no_cgroup));
  if (created->mknod_dropped)
    log.write("warning", fmt::format("{}: CAP_MKNOD withheld: no devices cgroup here to hold "
                                     "device nodes to the config's rules",
                                     o.id));
  sandbox::ContainerState state;
  state.id = o.id;
  state.pid = created->pid;
  state.start_time = sandbox::process_start_time(created->pid);
  state.bundle = bundle->dir;
  state.rootfs = bundle->rootfs;
  state.created = now_rfc3339();
  state.oci_version = bundle->oci_version;
  state.annotations = bundle->annotations;
  state.cgroup_dirs = created->cgroup_dirs;
  state.poststart = bundle->hooks.poststart;
  state.poststop = bundle->hooks.poststop;
  auto undo = [&](const core::Error& e) {
    (void)containers.destroy(state, true);
    return log.error(e);
  };
  if (auto ok = containers.save(state); !ok)
    return undo(ok.error());
  if (!o.pid_file.empty())
    if (auto written = util::replace_file(o.pid_file, std::to_string(created->pid), 0644); !written)
      return undo(core::Error{core::ErrorKind::io, o.pid_file, written.error(), 0, 0});
  return k_exit_clean;
}

struct ExecOptions {
  std::string id;
  std::vector<std::string> command;
  std::string process;
  std::string pid_file;
  std::string console_socket;
  bool detach = false;
  bool tty = false;
  std::string cwd;
  std::vector<std::string> env;
  std::string user;
  bool no_new_privs = false;
  std::vector<std::string> caps;
  int preserve_fds = 0;
};

int run_exec(const Globals& g, const ExecOptions& o) {
  const Log log(g);
  const sandbox::Containers containers(g.root);
  auto state = containers.load(o.id);
  if (!state)
    return log.error(state.error());
  if (containers.status(*state) == sandbox::Status::stopped)
    return log.error(
        core::Error{core::ErrorKind::usage, o.id, "cannot exec in a stopped container", 0, 0});
  // The container's own config: its seccomp profile and, without
  // --process, the defaults of the process.
  auto bundle = sandbox::read_bundle(state->bundle, o.id, g.systemd_cgroup);
  if (!bundle)
    return log.error(bundle.error());
  sandbox::Spec spec;
  if (!o.process.empty()) {
    auto text = util::read_file(o.process, std::size_t{4} << 20);
    if (!text)
      return log.error(core::Error{core::ErrorKind::io, o.process, text.error(), 0, 0});
    auto process = sandbox::parse_process(*text, o.process);
    if (!process)
      return log.error(process.error());
    spec = std::move(process->spec);
  } else {
    if (o.command.empty())
      return log.error(core::Error{core::ErrorKind::usage, o.id,
                                   "no command (give --process FILE or the command)", 0, 0});
    spec = bundle->spec;
    spec.terminal = o.tty;
    spec.args = o.command;
    if (!o.cwd.empty())
      spec.cwd = o.cwd;
    for (const auto& e : o.env)
      spec.env.push_back(e);
    if (!o.user.empty()) {
      const auto colon = o.user.find(':');
      try {
        spec.uid = static_cast<std::uint32_t>(std::stoul(o.user.substr(0, colon)));
        spec.gid = colon == std::string::npos
                       ? 0U
                       : static_cast<std::uint32_t>(std::stoul(o.user.substr(colon + 1)));
      } catch (const std::exception&) {
        return log.error(
            core::Error{core::ErrorKind::usage, o.user, "--user takes UID[:GID]", 0, 0});
      }
    }
    if (o.no_new_privs)
      spec.no_new_privileges = true;
  }
  if (o.preserve_fds < 0)
    return log.error(core::Error{core::ErrorKind::usage, o.id,
                                 "--preserve-fds takes a number of descriptors", 0, 0});
  spec.preserve_fds = o.preserve_fds;
  if (spec.terminal && o.console_socket.empty())
    return log.error(core::Error{core::ErrorKind::usage, o.id,
                                 "a terminal (process.terminal, -t) needs --console-socket", 0, 0});
  spec.console_socket = o.console_socket;
  if (bundle->seccomp_profile) {
    std::vector<int> caps;
    for (int cap = 0; cap < 64; ++cap)
      if ((spec.oci->caps.effective & (std::uint64_t{1} << cap)) != 0)
        caps.push_back(cap);
    auto program = compiled_seccomp(*bundle->seccomp_profile, "linux.seccomp", caps);
    if (!program)
      return log.error(program.error());
    spec.seccomp = std::move(*program);
  }
  int failure = 0;
  auto pid = sandbox::exec_in(spec, state->pid, state->cgroup_dirs, &failure);
  if (!pid) {
    log.error(pid.error());
    // As docker exec: 126 cannot run, 127 not found.
    return failure == 126 || failure == 127 ? failure : k_exit_error;
  }
  if (!o.pid_file.empty())
    if (auto written = util::replace_file(o.pid_file, std::to_string(*pid), 0644); !written)
      return log.error(core::Error{core::ErrorKind::io, o.pid_file, written.error(), 0, 0});
  if (o.detach)
    return k_exit_clean;
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

} // namespace

void attach_runtime(CLI::App& root, int& exit_code) {
  auto g = std::make_shared<Globals>();
  const char* group = "OCI runtime (runc's command line, for dockerd, containerd and Podman)";
  root.add_option("--root", g->root,
                  "OCI runtime: where container state is kept (default /run/moat/oci; for "
                  "an ordinary user $XDG_RUNTIME_DIR/moat)")
      ->option_text("DIR")
      ->group(group);
  root.add_option("--log", g->log, "OCI runtime: write the runtime's log to FILE")
      ->option_text("FILE")
      ->group(group);
  root.add_option("--log-format", g->log_format, "OCI runtime: log format, text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->option_text("FORMAT")
      ->group(group);
  root.add_flag("--systemd-cgroup", g->systemd_cgroup,
                "OCI runtime: linux.cgroupsPath is slice:prefix:name")
      ->group(group);
  root.add_flag("--debug", g->debug, "OCI runtime: accepted for runc compatibility")->group(group);
  root.add_option("--rootless", g->rootless, "OCI runtime: accepted for runc compatibility")
      ->option_text("true|false|auto")
      ->group(group);

  auto create = std::make_shared<CreateOptions>();
  auto* c = root.add_subcommand("create", "OCI runtime: create a container from a bundle");
  c->group(group);
  c->add_option("ID", create->id, "The container's id")->required();
  c->add_option("-b,--bundle", create->bundle, "The bundle: config.json and the root (default .)")
      ->option_text("DIR");
  c->add_option("--pid-file", create->pid_file, "Write the init's pid here")->option_text("FILE");
  c->add_option("--console-socket", create->console_socket,
                "Send the terminal's master end to this unix socket (process.terminal)")
      ->option_text("PATH");
  c->add_flag("--no-pivot", create->no_pivot, "Accepted for runc compatibility");
  c->add_flag("--no-new-keyring", create->no_new_keyring, "Accepted for runc compatibility");
  c->add_option("--preserve-fds", create->preserve_fds,
                "Pass descriptors 3 to 3+N-1 on to the process")
      ->option_text("N");
  c->footer("DESCRIPTION:\n"
            "  Reads BUNDLE/config.json (OCI runtime spec 1.0-1.2) and starts the\n"
            "  container's init up to the point where it waits for `moat start`: the\n"
            "  pid file exists when create returns. Namespaces, id maps, mounts,\n"
            "  devices, masked and read-only paths, capabilities, rlimits, sysctls,\n"
            "  cgroup limits (linux.cgroupsPath) and the seccomp profile are the\n"
            "  config's. Each setting weaker than moat run's defaults is obeyed and\n"
            "  logged as a warning naming the CIS Docker Benchmark check it fails.\n"
            "  prestart and createRuntime hooks run before create returns (in moat's\n"
            "  namespaces), createContainer in the container's before pivot_root,\n"
            "  startContainer in the container after start, poststart after start,\n"
            "  poststop at delete.\n\n"
            "EXAMPLES:\n"
            "  moat --root /run/moat/oci create --bundle ./bundle --pid-file init.pid web\n"
            "  dockerd --add-runtime moat=/usr/local/bin/moat  # then docker run --runtime moat\n");
  c->callback(verb_callback(exit_code, [g, create] { return run_create(*g, *create); }));

  auto start_id = std::make_shared<std::string>();
  auto* s = root.add_subcommand("start", "OCI runtime: run a created container's process");
  s->group(group);
  s->add_option("ID", *start_id, "The container's id")->required();
  s->callback(verb_callback(exit_code, [g, start_id] {
    const Log log(*g);
    const sandbox::Containers containers(g->root);
    auto state = containers.load(*start_id);
    if (!state)
      return log.error(state.error());
    if (auto ok = containers.start(*state); !ok)
      return log.error(ok.error());
    return k_exit_clean;
  }));

  auto state_id = std::make_shared<std::string>();
  auto* st = root.add_subcommand("state", "OCI runtime: print a container's state as JSON");
  st->group(group);
  st->add_option("ID", *state_id, "The container's id")->required();
  st->callback(verb_callback(exit_code, [g, state_id] {
    const Log log(*g);
    const sandbox::Containers containers(g->root);
    auto state = containers.load(*state_id);
    if (!state)
      return log.error(state.error());
    std::cout << containers.state_json(*state) << "\n";
    return k_exit_clean;
  }));

  struct KillOptions {
    std::string id;
    std::string signal = "SIGTERM";
    bool all = false;
  };
  auto kill = std::make_shared<KillOptions>();
  auto* k = root.add_subcommand("kill", "OCI runtime: send a signal to a container");
  k->group(group);
  k->add_option("ID", kill->id, "The container's id")->required();
  k->add_option("SIGNAL", kill->signal, "A name or number (default SIGTERM)");
  k->add_flag("-a,--all", kill->all, "Signal every process of the container");
  k->callback(verb_callback(exit_code, [g, kill] {
    const Log log(*g);
    const auto signal = sandbox::parse_signal(kill->signal);
    if (!signal)
      return log.error(core::Error{core::ErrorKind::usage, kill->signal, "not a signal", 0, 0});
    const sandbox::Containers containers(g->root);
    auto state = containers.load(kill->id);
    if (!state)
      return log.error(state.error());
    if (auto ok = containers.kill(*state, *signal, kill->all); !ok)
      return log.error(ok.error());
    return k_exit_clean;
  }));

  struct DeleteOptions {
    std::string id;
    bool force = false;
  };
  auto del = std::make_shared<DeleteOptions>();
  auto* d = root.add_subcommand("delete", "OCI runtime: remove a container and its resources");
  d->group(group);
  d->add_option("ID", del->id, "The container's id")->required();
  d->add_flag("-f,--force", del->force, "Kill the container first when it is running");
  d->callback(verb_callback(exit_code, [g, del] {
    const Log log(*g);
    const sandbox::Containers containers(g->root);
    auto state = containers.load(del->id);
    if (!state) {
      if (del->force && !fs::exists(containers.dir(del->id)))
        return k_exit_clean;
      if (del->force) { // a damaged state: what is there goes
        containers.remove(del->id);
        return k_exit_clean;
      }
      return log.error(state.error());
    }
    if (auto ok = containers.destroy(*state, del->force); !ok)
      return log.error(ok.error());
    return k_exit_clean;
  }));

  struct PsOptions {
    std::string id;
    std::string format = "table";
    std::vector<std::string> ps_args;
  };
  auto ps = std::make_shared<PsOptions>();
  auto* p = root.add_subcommand("ps", "OCI runtime: list a container's processes");
  p->group(group);
  p->add_option("ID", ps->id, "The container's id")->required();
  p->add_option("ARGS", ps->ps_args, "Accepted for runc compatibility");
  p->add_option("-f,--format", ps->format, "table or json (host pids)")
      ->check(CLI::IsMember({"table", "json"}));
  p->callback(verb_callback(exit_code, [g, ps] {
    const Log log(*g);
    const sandbox::Containers containers(g->root);
    auto state = containers.load(ps->id);
    if (!state)
      return log.error(state.error());
    const auto pids = containers.processes(*state);
    if (ps->format == "json") {
      std::cout << nlohmann::json(pids).dump() << "\n";
    } else {
      std::cout << "PID\n";
      for (int pid : pids)
        std::cout << pid << "\n";
    }
    return k_exit_clean;
  }));

  auto exec = std::make_shared<ExecOptions>();
  auto* x = root.add_subcommand("exec", "OCI runtime: run another process in a container");
  x->group(group);
  x->add_option("ID", exec->id, "The container's id")->required();
  x->add_option("COMMAND", exec->command, "The command, without --process");
  x->add_option("-p,--process", exec->process, "The process to run (an OCI process object)")
      ->option_text("FILE");
  x->add_option("--pid-file", exec->pid_file, "Write the process's pid here")->option_text("FILE");
  x->add_option("--console-socket", exec->console_socket,
                "Send the terminal's other end to this unix socket (process.terminal, -t)")
      ->option_text("PATH");
  x->add_flag("-d,--detach", exec->detach, "Return once the process runs");
  x->add_flag("-t,--tty", exec->tty, "Give the process a terminal (with --console-socket)");
  x->add_option("--cwd", exec->cwd, "Working directory, without --process")->option_text("DIR");
  x->add_option("-e,--env", exec->env, "NAME=VALUE, without --process")
      ->allow_extra_args(false)
      ->option_text("VAR");
  x->add_option("-u,--user", exec->user, "UID[:GID], without --process")->option_text("USER");
  x->add_flag("--no-new-privs", exec->no_new_privs, "Set no_new_privs, without --process");
  x->add_option("--preserve-fds", exec->preserve_fds,
                "Pass descriptors 3 to 3+N-1 on to the process")
      ->option_text("N");
  x->positionals_at_end(true);
  x->footer("DESCRIPTION:\n"
            "  Starts a process in a running container's namespaces and cgroup, with\n"
            "  the container's seccomp profile. Without --detach, waits for it and\n"
            "  exits with its status (128+N for signal N).\n");
  x->callback(verb_callback(exit_code, [g, exec] { return run_exec(*g, *exec); }));

  auto* f = root.add_subcommand("features", "OCI runtime: print what this runtime supports");
  f->group(group);
  f->callback(verb_callback(exit_code, [] {
    std::cout << sandbox::features_json(MOAT_VERSION);
    return k_exit_clean;
  }));
}

} // namespace moat::cli
