#include <moat/sandbox/cgroup.hpp>
#include <moat/sandbox/container.hpp>
#include <moat/util/file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace moat::sandbox {

namespace {

namespace fs = std::filesystem;
using core::ErrorKind;
using core::fail;
using nlohmann::json;

json hooks_to_json(const std::vector<Hook>& hooks) {
  json out = json::array();
  for (const auto& h : hooks)
    out.push_back({{"path", h.path}, {"args", h.args}, {"env", h.env}, {"timeout", h.timeout}});
  return out;
}

std::vector<Hook> hooks_from_json(const json& list) {
  std::vector<Hook> out;
  if (!list.is_array())
    return out;
  for (const auto& h : list) {
    Hook hook;
    hook.path = h.value("path", "");
    hook.args = h.value("args", std::vector<std::string>{});
    hook.env = h.value("env", std::vector<std::string>{});
    hook.timeout = h.value("timeout", 0);
    out.push_back(std::move(hook));
  }
  return out;
}

bool alive(int pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

} // namespace

std::string_view to_string(Status status) {
  switch (status) {
  case Status::creating:
    return "creating";
  case Status::created:
    return "created";
  case Status::running:
    return "running";
  case Status::stopped:
    return "stopped";
  }
  return "stopped";
}

std::uint64_t process_start_time(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string text;
  std::getline(in, text);
  // The command name (field 2) may hold spaces and parentheses: fields
  // are counted after its closing parenthesis.
  const auto close = text.rfind(')');
  if (close == std::string::npos)
    return 0;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  char state = 0;
  rest >> state;
  if (state == 'Z' || state == 'X')
    return 0;
  for (int i = 4; i <= 22 && rest >> field; ++i)
    if (i == 22)
      return std::strtoull(field.c_str(), nullptr, 10);
  return 0;
}

std::optional<int> parse_signal(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, int>, 31> k_signals{{
      {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
      {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
      {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
      {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
      {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
      {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
      {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
      {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"SYS", SIGSYS},
  }};
  if (text.empty())
    return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    const int n = std::atoi(std::string(text).c_str());
    if (n > 0 && n <= SIGRTMAX)
      return n;
    return std::nullopt;
  }
  std::string upper;
  for (char c : text)
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.starts_with("SIG"))
    upper = upper.substr(3);
  for (const auto& [name, number] : k_signals)
    if (name == upper)
      return number;
  return std::nullopt;
}

core::Status Containers::check_id(const std::string& id) {
  if (id.empty() || id.size() > 1024 || id == "." || id == ".." ||
      id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.") !=
          std::string::npos)
    return fail(ErrorKind::usage, id.empty() ? std::string("ID") : id,
                "invalid container id (letters, digits, '_', '+', '-' and '.')");
  return {};
}

core::Status Containers::prepare(const std::string& id, std::uint32_t fifo_owner) const {
  MOAT_TRY(check_id(id));
  std::error_code ec;
  fs::create_directories(m_root, ec);
  ::chmod(m_root.c_str(), 0711);
  const auto d = dir(id);
  if (::mkdir(d.c_str(), 0711) != 0)
    return fail(ErrorKind::usage, id,
                errno == EEXIST
                    ? std::string("a container with this id exists already")
                    : fmt::format("cannot make {}: {}", d.string(), std::strerror(errno)));
  ::chmod(d.c_str(), 0711); // the umask must not take the search bit
  const auto f = fifo(id);
  if (::mkfifo(f.c_str(), 0622) != 0 || ::chmod(f.c_str(), 0622) != 0 ||
      ::chown(f.c_str(), fifo_owner, static_cast<gid_t>(-1)) != 0) {
    const int e = errno;
    remove(id);
    return fail(ErrorKind::io, f.string(), std::strerror(e));
  }
  return {};
}

void Containers::remove(const std::string& id) const {
  std::error_code ec;
  fs::remove_all(dir(id), ec);
}

core::Status Containers::save(const ContainerState& state) const {
  json j;
  j["id"] = state.id;
  j["pid"] = state.pid;
  j["start_time"] = state.start_time;
  j["bundle"] = state.bundle.string();
  j["rootfs"] = state.rootfs.string();
  j["created"] = state.created;
  j["ociVersion"] = state.oci_version;
  j["annotations"] = state.annotations;
  json dirs = json::array();
  for (const auto& d : state.cgroup_dirs)
    dirs.push_back(d.string());
  j["cgroup"] = dirs;
  j["poststart"] = hooks_to_json(state.poststart);
  j["poststop"] = hooks_to_json(state.poststop);
  const auto file = dir(state.id) / "state.json";
  if (auto written = util::replace_file(file, j.dump() + "\n", 0600); !written)
    return fail(ErrorKind::io, file.string(), written.error());
  return {};
}

core::Result<ContainerState> Containers::load(const std::string& id) const {
  MOAT_TRY(check_id(id));
  const auto file = dir(id) / "state.json";
  auto text = util::read_file(file, std::size_t{4} << 20);
  if (!text) {
    if (!fs::exists(dir(id)))
      return fail(ErrorKind::usage, id, "container does not exist");
    return fail(ErrorKind::io, file.string(), text.error());
  }
  ContainerState s;
  try {
    const auto j = json::parse(*text);
    s.id = j.at("id").get<std::string>();
    s.pid = j.at("pid").get<int>();
    s.start_time = j.at("start_time").get<std::uint64_t>();
    s.bundle = j.at("bundle").get<std::string>();
    s.rootfs = j.value("rootfs", "");
    s.created = j.value("created", "");
    s.oci_version = j.value("ociVersion", "1.2.0");
    s.annotations = j.value("annotations", std::map<std::string, std::string>{});
    for (const auto& d : j.value("cgroup", std::vector<std::string>{}))
      s.cgroup_dirs.emplace_back(d);
    s.poststart = hooks_from_json(j.value("poststart", json::array()));
    s.poststop = hooks_from_json(j.value("poststop", json::array()));
  } catch (const json::exception& e) {
    return fail(ErrorKind::parse, file.string(), fmt::format("damaged state: {}", e.what()));
  }
  return s;
}

Status Containers::status(const ContainerState& state) const {
  if (state.pid <= 0)
    return Status::creating;
  if (process_start_time(state.pid) != state.start_time)
    return Status::stopped;
  std::error_code ec;
  if (fs::exists(fifo(state.id), ec))
    return Status::created;
  return Status::running;
}

std::string Containers::state_json(const ContainerState& state) const {
  const auto st = status(state);
  json j;
  j["ociVersion"] = state.oci_version;
  j["id"] = state.id;
  j["status"] = to_string(st);
  j["pid"] = st == Status::stopped ? 0 : state.pid;
  j["bundle"] = state.bundle.string();
  j["rootfs"] = state.rootfs.string();
  j["created"] = state.created;
  j["owner"] = "";
  j["annotations"] = state.annotations;
  return j.dump(2);
}

core::Status Containers::start(const ContainerState& state) const {
  const auto st = status(state);
  if (st == Status::stopped)
    return fail(ErrorKind::usage, state.id, "cannot start a container that has stopped");
  if (st == Status::running)
    return fail(ErrorKind::usage, state.id, "cannot start an already running container");
  const auto f = fifo(state.id);
  const int fd = ::open(f.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return fail(ErrorKind::io, f.string(), std::strerror(errno));
  // The init writes one byte once it has the FIFO open; wait for it while
  // the init is alive.
  bool started = false;
  while (!started) {
    pollfd p{fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, 100);
    if (rc < 0 && errno != EINTR)
      break;
    if (rc > 0 && (p.revents & POLLIN) != 0) {
      char byte = 0;
      started = ::read(fd, &byte, 1) == 1;
      if (!started)
        break;
    } else if (rc > 0 && (p.revents & POLLHUP) != 0) {
      break;
    }
    if (!started && process_start_time(state.pid) != state.start_time)
      break;
  }
  ::close(fd);
  ::unlink(f.c_str());
  if (!started)
    return fail(ErrorKind::io, state.id, "the container's init ended before it was started");
  for (const auto& hook : state.poststart)
    if (auto st2 = run_hook(hook, state_json(state), "poststart"); !st2)
      std::fprintf(stderr, "moat: warning: %s\n", st2.error().to_string().c_str());
  return {};
}

core::Status Containers::kill(const ContainerState& state, int signal, bool all) const {
  if (status(state) == Status::stopped && !all)
    return fail(ErrorKind::usage, state.id, "container not running");
  if (all) {
    for (int pid : processes(state))
      ::kill(pid, signal);
    return {};
  }
  if (::kill(state.pid, signal) != 0)
    return fail(ErrorKind::io, state.id,
                fmt::format("cannot signal pid {}: {}", state.pid, std::strerror(errno)));
  return {};
}

std::vector<int> Containers::processes(const ContainerState& state) const {
  // Without a cgroup (rootless), the init is what is known of it.
  if (state.cgroup_dirs.empty())
    return status(state) == Status::stopped ? std::vector<int>{} : std::vector<int>{state.pid};
  return Cgroup::open(state.cgroup_dirs).processes();
}

core::Status Containers::destroy(const ContainerState& state, bool force) const {
  const auto st = status(state);
  if (st == Status::running && !force)
    return fail(ErrorKind::usage, state.id,
                "cannot delete a container that is not stopped: running (--force kills it)");
  if (st != Status::stopped) {
    if (alive(state.pid) && process_start_time(state.pid) == state.start_time)
      ::kill(state.pid, SIGKILL);
  }
  // What is left in its cgroup goes too (processes of a shared PID
  // namespace, or a detached exec).
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    const auto pids = processes(state);
    if (pids.empty() || std::chrono::steady_clock::now() > deadline)
      break;
    for (int pid : pids)
      ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(10ms);
  }
  for (const auto& hook : state.poststop)
    if (auto st2 = run_hook(hook, state_json(state), "poststop"); !st2)
      std::fprintf(stderr, "moat: warning: %s\n", st2.error().to_string().c_str());
  Cgroup::open(state.cgroup_dirs).remove();
  remove(state.id);
  return {};
}

core::Status run_hook(const Hook& hook, const std::string& state_json, std::string_view what) {
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    return fail(ErrorKind::io, hook.path, std::strerror(errno));
  std::vector<std::string> args =
      hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = hook.env;
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(in[0]);
    ::close(in[1]);
    return fail(ErrorKind::io, hook.path, std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::execve(hook.path.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  // The state is small: it fits in the pipe, and a hook that does not read
  // it must not end moat (nor, in a container's init, leave SIGPIPE
  // ignored for the command it runs next).
  const auto previous = ::signal(SIGPIPE, SIG_IGN);
  [[maybe_unused]] auto n = ::write(in[1], state_json.data(), state_json.size());
  ::close(in[1]);
  ::signal(SIGPIPE, previous);
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(hook.timeout);
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid)
      break;
    if (done < 0 && errno != EINTR)
      return fail(ErrorKind::io, hook.path, std::strerror(errno));
    if (hook.timeout > 0 && std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return fail(ErrorKind::io, hook.path,
                  fmt::format("{} hook timed out after {} s", what, hook.timeout));
    }
    std::this_thread::sleep_for(5ms);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail(ErrorKind::io, hook.path,
                fmt::format("{} hook failed ({})", what,
                            WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                              : fmt::format("signal {}", WTERMSIG(status))));
  return {};
}

} // namespace moat::sandbox
