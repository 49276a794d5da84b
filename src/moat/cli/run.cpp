// moat run: a command in the hardened sandbox, with docker run's flags.

#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/sandbox/sandbox.hpp>
#include <moat/seccomp/seccomp.hpp>
#include <moat/util/capabilities.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

namespace moat::cli {

namespace {

// docker run exits 125 when the container cannot be started.
constexpr int k_exit_cannot_start = 125;

struct RunOptions {
  std::vector<std::string> words; // IMAGE CMD... (or CMD... with --rootfs)
  std::string rootfs;
  std::string user;
  std::string memory = "512m";
  std::string cpus;
  std::int64_t pids = 256;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool read_only = false;
  bool read_write = false;
  std::vector<std::string> security_opt;
  std::string network = "none";
  std::vector<std::string> env;
  std::vector<std::string> env_file;
  std::string workdir = "/";
  std::vector<std::string> volumes;
  std::vector<std::string> tmpfs;
  std::string hostname;
  bool tty = false;
  bool interactive = false;
  bool rm = false;
};

int cannot_start(const std::string& what) {
  std::fprintf(stderr, "moat: %s\n", what.c_str());
  return k_exit_cannot_start;
}

std::optional<std::uint32_t> number(std::string_view text) {
  std::uint32_t value = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || p != text.data() + text.size())
    return std::nullopt;
  return value;
}

// NAME's id in the rootfs's passwd or group file (field 3).
std::optional<std::uint32_t> lookup(const std::filesystem::path& file, std::string_view name) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const auto fields = util::split(line, ':');
    if (fields.size() >= 3 && fields[0] == name)
      return number(fields[2]);
  }
  return std::nullopt;
}

// Compiled seccomp programs are kept in $XDG_CACHE_HOME/moat/seccomp (else
// ~/.cache/moat/seccomp), named by a BLAKE2b digest of what went into them:
// moat's version, the profile's text (or Docker's default), the architecture, the kernel and
// the kept capabilities. Each file is the program followed by its own
// BLAKE2b digest, so a damaged file is compiled again, never loaded.
std::filesystem::path seccomp_cache_dir() {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  if (cache != nullptr && *cache == '/')
    return std::filesystem::path(cache) / "moat/seccomp";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr && *home == '/' ? home : "/tmp") /
         ".cache/moat/seccomp";
}

std::string blake2b_hex(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  std::string hex;
  for (unsigned char b : digest)
    hex += fmt::format("{:02x}", b);
  return hex;
}

std::optional<std::vector<std::byte>> cached_program(const std::filesystem::path& file) {
  auto text = util::read_file(file, std::size_t{1} << 20);
  if (!text || text->size() < 64 + 8 || (text->size() - 64) % 8 != 0)
    return std::nullopt;
  const std::string_view program(text->data(), text->size() - 64);
  if (blake2b_hex(program) != std::string_view(*text).substr(text->size() - 64))
    return std::nullopt;
  const auto* first = reinterpret_cast<const std::byte*>(program.data());
  return std::vector<std::byte>(first, first + program.size());
}

core::Result<std::vector<std::byte>> seccomp_program(const std::string& file,
                                                     const std::vector<int>& caps) {
  std::string profile_text;
  if (!file.empty()) {
    auto text = util::read_file(file, std::size_t{16} << 20);
    if (!text)
      return core::fail(core::ErrorKind::io, file, text.error());
    profile_text = std::move(*text);
  }
  seccomp::Conditions conditions = seccomp::host_conditions();
  for (int cap : caps)
    conditions.caps.emplace_back(util::capability_name(cap));
  std::string key = fmt::format("{}\n{}\n{}\n{}\n", MOAT_VERSION, conditions.arch,
                                conditions.kernel, fmt::join(conditions.caps, ","));
  key += file.empty() ? std::string("docker-default") : profile_text;
  const auto cached = seccomp_cache_dir() / (blake2b_hex(key) + ".bpf");
  if (auto program = cached_program(cached))
    return std::move(*program);
  seccomp::Profile profile = seccomp::docker_default();
  if (!file.empty()) {
    auto parsed = seccomp::parse_profile(profile_text, file);
    if (!parsed)
      return std::unexpected(parsed.error());
    profile = std::move(*parsed);
  }
  auto program = seccomp::compile(seccomp::resolve(profile, conditions));
  if (!program)
    return std::unexpected(program.error());
  // The cache is an optimisation: failing to write it changes nothing.
  std::error_code ec;
  std::filesystem::create_directories(cached.parent_path(), ec);
  std::string content(reinterpret_cast<const char*>(program->data()), program->size());
  content += blake2b_hex(content);
  (void)util::replace_file(cached, content, 0600);
  return program;
}

int run_run(RunOptions& opts) {
  sandbox::Spec spec;
  if (opts.rootfs.empty())
    return cannot_start("running an image is not supported yet; give a root file system with "
                        "--rootfs DIR");
  std::error_code ec;
  if (!std::filesystem::is_directory(opts.rootfs, ec))
    return cannot_start(fmt::format("--rootfs {}: not a directory", opts.rootfs));
  spec.rootfs = std::filesystem::canonical(opts.rootfs, ec);
  spec.args = opts.words;
  if (spec.args.empty())
    return cannot_start("no command given (moat run --rootfs DIR [--] CMD [ARG...])");
  if (opts.read_only && opts.read_write)
    return cannot_start("--read-only and --read-write contradict each other");
  spec.read_only_root = !opts.read_write;
  if (opts.network == "host")
    spec.host_network = true;
  else if (opts.network != "none")
    return cannot_start(
        fmt::format("--network {}: moat runs with none (loopback only) or host", opts.network));
  spec.hostname = opts.hostname.empty() ? "moat" : opts.hostname;
  spec.cwd = opts.workdir;
  if (!spec.cwd.starts_with('/'))
    return cannot_start(fmt::format("-w {}: the working directory must be absolute", spec.cwd));
  // Environment: Docker's PATH and HOSTNAME, then --env-file, then -e.
  spec.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
              "HOSTNAME=" + spec.hostname};
  auto set_env = [&](std::string entry) {
    if (entry.find('=') == std::string::npos) {
      const char* value = std::getenv(entry.c_str());
      if (value == nullptr)
        return;
      entry += std::string("=") + value;
    }
    const auto name = entry.substr(0, entry.find('='));
    std::erase_if(spec.env, [&](const std::string& e) { return e.starts_with(name + "="); });
    spec.env.push_back(std::move(entry));
  };
  for (const auto& file : opts.env_file) {
    auto text = util::read_file(file, std::size_t{1} << 20);
    if (!text)
      return cannot_start(fmt::format("--env-file {}: {}", file, text.error()));
    for (auto line : util::split(*text, '\n')) {
      line = util::trim(line);
      if (!line.empty() && !line.starts_with('#'))
        set_env(std::string(line));
    }
  }
  for (const auto& e : opts.env)
    set_env(e);
  // --user NAME|UID[:GROUP|GID], names from the rootfs.
  if (!opts.user.empty()) {
    const auto colon = opts.user.find(':');
    const std::string user = opts.user.substr(0, colon);
    const std::string group = colon == std::string::npos ? "" : opts.user.substr(colon + 1);
    auto uid = number(user);
    if (!uid)
      uid = lookup(spec.rootfs / "etc/passwd", user);
    if (!uid)
      return cannot_start(fmt::format("--user {}: no such user in the rootfs", user));
    spec.uid = uid;
    if (!group.empty()) {
      auto gid = number(group);
      if (!gid)
        gid = lookup(spec.rootfs / "etc/group", group);
      if (!gid)
        return cannot_start(fmt::format("--user {}: no such group in the rootfs", group));
      spec.gid = gid;
    } else if (!number(user)) {
      // A name: its primary group from passwd (field 4).
      std::ifstream in(spec.rootfs / "etc/passwd");
      std::string line;
      while (std::getline(in, line)) {
        const auto fields = util::split(line, ':');
        if (fields.size() >= 4 && fields[0] == user)
          spec.gid = number(fields[3]);
      }
    }
  }
  // Capabilities: none, plus --cap-add; unknown names are refused.
  auto added = capability_numbers("--cap-add", opts.cap_add, true);
  if (!added)
    return cannot_start(added.error().to_string());
  auto dropped = capability_numbers("--cap-drop", opts.cap_drop, false);
  if (!dropped)
    return cannot_start(dropped.error().to_string());
  std::vector<int> caps = std::move(*added);
  for (int cap : *dropped)
    std::erase(caps, cap);
  std::ranges::sort(caps);
  caps.erase(std::unique(caps.begin(), caps.end()), caps.end());
  spec.capabilities = caps;
  // Limits.
  if (opts.memory == "0" || opts.memory == "-1") {
    spec.memory_bytes = 0;
  } else {
    const auto bytes = util::parse_byte_size(opts.memory);
    if (!bytes || *bytes < (std::uint64_t{6} << 20))
      return cannot_start(
          fmt::format("--memory {}: give a size of at least 6m (512m, 1g)", opts.memory));
    spec.memory_bytes = *bytes;
  }
  spec.pids = opts.pids <= 0 ? 0U : static_cast<std::uint32_t>(opts.pids);
  if (!opts.cpus.empty()) {
    try {
      spec.cpus = std::stod(opts.cpus);
    } catch (const std::exception&) {
      spec.cpus = -1;
    }
    if (spec.cpus <= 0)
      return cannot_start(fmt::format("--cpus {}: give a positive number (0.5, 2)", opts.cpus));
  }
  // Mounts.
  for (const auto& v : opts.volumes) {
    const auto parts = util::split(v, ':');
    if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || !parts[1].starts_with('/'))
      return cannot_start(fmt::format("-v {}: expected HOST:CONTAINER[:ro|rw]", v));
    sandbox::Mount m;
    m.source = std::string(parts[0]);
    m.target = std::string(parts[1]);
    m.read_only = parts.size() < 3 || parts[2] != "rw";
    if (parts.size() == 3 && parts[2] != "rw" && parts[2] != "ro")
      return cannot_start(fmt::format("-v {}: the mode is ro or rw", v));
    spec.mounts.push_back(std::move(m));
  }
  for (const auto& t : opts.tmpfs) {
    sandbox::Mount m;
    m.tmpfs = true;
    const auto colon = t.find(':');
    m.target = t.substr(0, colon);
    if (colon != std::string::npos)
      m.options = t.substr(colon + 1);
    if (!m.target.starts_with('/'))
      return cannot_start(fmt::format("--tmpfs {}: the path must be absolute", t));
    spec.mounts.push_back(std::move(m));
  }
  // Security options.
  std::string seccomp_file;
  bool unconfined = false;
  for (const auto& opt : opts.security_opt) {
    if (opt.starts_with("seccomp=") || opt.starts_with("seccomp:")) {
      const auto value = opt.substr(8);
      if (value == "unconfined")
        unconfined = true;
      else
        seccomp_file = value;
    } else if (opt == "no-new-privileges" || opt == "no-new-privileges=true" ||
               opt == "no-new-privileges:true") {
      spec.no_new_privileges = true;
    } else if (opt == "no-new-privileges=false" || opt == "no-new-privileges:false") {
      spec.no_new_privileges = false;
    } else {
      return cannot_start(fmt::format("--security-opt {}: moat knows seccomp=FILE|unconfined and "
                                      "no-new-privileges[=true|false]",
                                      opt));
    }
  }
  if (!unconfined) {
    auto program = seccomp_program(seccomp_file, spec.capabilities);
    if (!program)
      return cannot_start(fmt::format("seccomp profile {}: {}",
                                      seccomp_file.empty() ? "(default)" : seccomp_file,
                                      program.error().to_string()));
    spec.seccomp = std::move(*program);
  }
  if (::geteuid() == 0) {
    spec.uids = sandbox::subordinate_range("/etc/subuid");
    spec.gids = sandbox::subordinate_range("/etc/subgid");
  } else {
    std::fprintf(stderr, "moat: warning: running as an ordinary user: the container's root is "
                         "this user, and no cgroup limits are set\n");
  }
  std::cout.flush();
  auto outcome = sandbox::run(spec);
  if (!outcome)
    return cannot_start(outcome.error().to_string());
  if (outcome->oom_killed)
    std::fprintf(stderr, "moat: the container ran out of memory (limit %s) and was killed\n",
                 opts.memory.c_str());
  return outcome->exit_code;
}

} // namespace

void attach_run(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<RunOptions>();
  auto* cmd = root.add_subcommand("run", "Run a command in the hardened sandbox");
  cmd->add_option("CMD", opts->words, "The command and its arguments");
  cmd->add_option("--rootfs", opts->rootfs, "The container's root file system (used as it is)")
      ->option_text("DIR");
  cmd->add_option("-u,--user", opts->user, "Run as this user: NAME|UID[:GROUP|GID]")
      ->option_text("USER");
  cmd->add_option("-m,--memory", opts->memory, "Memory limit (default 512m; 0: none)")
      ->option_text("BYTES");
  cmd->add_option("--cpus", opts->cpus, "CPU limit, in CPUs (0.5, 2)")->option_text("N");
  cmd->add_option("--pids-limit", opts->pids, "Process limit (default 256; 0 or -1: none)")
      ->option_text("N");
  cmd->add_option("--cap-add", opts->cap_add, "Keep this capability (all are dropped)")
      ->option_text("CAP");
  cmd->add_option("--cap-drop", opts->cap_drop, "Drop this capability (ALL is the default)")
      ->option_text("CAP");
  cmd->add_flag("--read-only", opts->read_only, "A read-only root file system (the default)");
  cmd->add_flag("--read-write", opts->read_write, "A writable root file system");
  cmd->add_option("--security-opt", opts->security_opt,
                  "seccomp=FILE|unconfined, no-new-privileges[=false]")
      ->option_text("OPT");
  cmd->add_option("--network", opts->network, "none (the default: loopback only) or host")
      ->option_text("MODE");
  cmd->add_option("-e,--env", opts->env, "Set an environment variable (NAME=VALUE or NAME)")
      ->option_text("VAR");
  cmd->add_option("--env-file", opts->env_file, "Read environment variables from a file")
      ->option_text("FILE");
  cmd->add_option("-w,--workdir", opts->workdir, "Working directory inside the container")
      ->option_text("DIR");
  cmd->add_option("-v,--volume", opts->volumes, "Bind mount HOST:CONTAINER[:ro|rw] (ro default)")
      ->option_text("VOL");
  cmd->add_option("--tmpfs", opts->tmpfs, "Mount a tmpfs: PATH[:OPTIONS]")->option_text("PATH");
  cmd->add_option("--hostname", opts->hostname, "Container host name (default moat)")
      ->option_text("NAME");
  cmd->add_flag("-t,--tty", opts->tty, "Accepted for docker run compatibility");
  cmd->add_flag("-i,--interactive", opts->interactive, "Keep standard input open (it always is)");
  cmd->add_flag("--rm", opts->rm, "Accepted for docker run compatibility (nothing is kept)");
  cmd->positionals_at_end(true);
  cmd->footer(
      std::string("DESCRIPTION:\n"
                  "  Runs CMD with every defence on: new user (rootless), PID, mount, UTS, IPC,\n"
                  "  network (loopback only) and cgroup namespaces; pivot_root into the root\n"
                  "  file system, read-only, with tmpfs at /tmp and /run, a minimal /dev and\n"
                  "  Docker's masked and read-only paths; no capabilities at all; no_new_privs;\n"
                  "  Docker's default seccomp profile compiled with libseccomp; memory 512m,\n"
                  "  256 processes, nofile 1024 and no core dumps. Each default is relaxed\n"
                  "  only by its flag. As root the container's ids are root's subordinate\n"
                  "  range in /etc/subuid and /etc/subgid, or 1000000000-1000065535.\n"
                  "  The compiled seccomp filter is kept in $XDG_CACHE_HOME/moat/seccomp\n"
                  "  (else ~/.cache/moat/seccomp), so a second start does not compile it.\n\n"
                  "EXIT STATUS:\n"
                  "  The command's exit status; 128+N when signal N ended it (137 when the\n"
                  "  memory limit killed it, which is reported). 125 when the container could\n"
                  "  not start (one line names the reason), 126 when the command cannot be\n"
                  "  run, 127 when it is not found.\n\n"
                  "EXAMPLES:\n"
                  "  moat run --rootfs ./rootfs -- /bin/sh -c 'id; cat /proc/self/status'\n"
                  "  moat run --rootfs ./rootfs --user 1000 --memory 256m --pids-limit 64 app\n"
                  "  moat run --rootfs ./rootfs --security-opt seccomp=profile.json -- prog\n"));
  cmd->callback(verb_callback(exit_code, [opts] { return run_run(*opts); }));
}

} // namespace moat::cli
