// moat run: a command in the hardened sandbox, with docker run's flags.

#include <moat/cli/common.hpp>
#include <moat/cli/run_image.hpp>
#include <moat/cli/sandbox_common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/sandbox/sandbox.hpp>
#include <moat/seccomp/seccomp.hpp>
#include <moat/util/capabilities.hpp>
#include <moat/util/file.hpp>
#include <moat/util/in_root.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sodium.h>

#include <fcntl.h>
#include <unistd.h>

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
  std::string workdir; // default: the image's, else /
  std::string entrypoint;
  bool entrypoint_given = false;
  std::string policy;
  std::string fail_on;
  ImageSourceOptions source;
  std::vector<std::string> volumes;
  std::vector<std::string> tmpfs;
  std::string hostname;
  bool tty = false;
  bool interactive = false;
  bool rm = false;
  // moat seccomp generate --image: traced from just before the exec.
  std::function<int(pid_t)> follow;
  std::vector<std::byte> trace_filter;
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

// The rootfs's passwd or group file, read inside it: a symlink there is
// resolved as the container would resolve it, never on the host.
std::string read_in_rootfs(const std::filesystem::path& rootfs, const char* file) {
  const int root = ::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return {};
  const int fd = util::open_in_root(root, file, O_RDONLY, true);
  ::close(root);
  if (fd < 0)
    return {};
  std::string text;
  std::array<char, 8192> buffer{};
  for (ssize_t n = 0;
       (n = ::read(fd, buffer.data(), buffer.size())) > 0 && text.size() < (8U << 20U);)
    text.append(buffer.data(), static_cast<std::size_t>(n));
  ::close(fd);
  return text;
}

// The fields of NAME's line in a passwd or group TEXT.
std::vector<std::string_view> entry_of(std::string_view text, std::string_view name) {
  for (const auto line : util::split(text, '\n')) {
    auto fields = util::split(line, ':');
    if (fields.size() >= 3 && fields[0] == name)
      return fields;
  }
  return {};
}

// USER (NAME|UID[:GROUP|GID], from --user or the image's USER) as ids,
// names looked up in the rootfs.
core::Result<std::pair<std::uint32_t, std::optional<std::uint32_t>>>
resolve_user(const std::filesystem::path& rootfs, const std::string& spec, const char* what) {
  const auto colon = spec.find(':');
  const std::string user = spec.substr(0, colon);
  const std::string group = colon == std::string::npos ? "" : spec.substr(colon + 1);
  std::optional<std::uint32_t> gid;
  auto uid = number(user);
  if (!uid) {
    const auto passwd = read_in_rootfs(rootfs, "etc/passwd");
    const auto fields = entry_of(passwd, user);
    if (!fields.empty())
      uid = number(fields[2]);
    if (!uid)
      return core::fail(core::ErrorKind::usage, what,
                        fmt::format("{}: no such user in the rootfs", user));
    if (fields.size() >= 4)
      gid = number(fields[3]); // a name: its primary group
  }
  if (!group.empty()) {
    gid = number(group);
    if (!gid) {
      const auto groups = read_in_rootfs(rootfs, "etc/group");
      const auto fields = entry_of(groups, group);
      if (!fields.empty())
        gid = number(fields[2]);
      if (!gid)
        return core::fail(core::ErrorKind::usage, what,
                          fmt::format("{}: no such group in the rootfs", group));
    }
  }
  return std::pair{*uid, gid};
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
  return compiled_seccomp(profile_text, file, caps);
}

int run_run(RunOptions& opts) {
  sandbox::Spec spec;
  const bool root = ::geteuid() == 0;
  if (root) {
    spec.uids = sandbox::subordinate_range("/etc/subuid");
    spec.gids = sandbox::subordinate_range("/etc/subgid");
  }
  if (opts.read_only && opts.read_write)
    return cannot_start("--read-only and --read-write contradict each other");
  spec.read_only_root = !opts.read_write;
  spec.terminal = opts.tty;
  std::vector<std::string> command = opts.words;
  image::ImageConfig config;
  std::error_code ec;
  if (opts.rootfs.empty()) {
    if (command.empty())
      return cannot_start("no image given (moat run [OPTIONS] IMAGE [CMD...] or --rootfs DIR)");
    const std::string target = command.front();
    command.erase(command.begin());
    if (!command.empty() && command.front() == "--") // IMAGE -- CMD
      command.erase(command.begin());
    if (target.starts_with("dir://")) {
      opts.rootfs = target.substr(6);
    } else {
      if (!root && opts.read_write)
        return cannot_start("--read-write with an image needs root (the container writes to an "
                            "overlay over the cached image); use --tmpfs for writable paths");
      RunImageOptions image_options;
      image_options.target = target;
      image_options.source = opts.source;
      image_options.policy = opts.policy;
      image_options.fail_on = opts.fail_on;
      if (root)
        image_options.owners = std::pair{spec.uids, spec.gids};
      auto prepared = prepare_image(image_options);
      if (!prepared)
        return cannot_start(prepared.error().to_string());
      spec.rootfs = prepared->rootfs;
      spec.shared_rootfs = true;
      config = std::move(prepared->config);
    }
  } else if (!opts.policy.empty() || !opts.fail_on.empty()) {
    return cannot_start(fmt::format("{} judges an image, and --rootfs names a directory",
                                    opts.policy.empty() ? "--fail-on" : "--policy"));
  }
  if (spec.rootfs.empty()) {
    if (!std::filesystem::is_directory(opts.rootfs, ec))
      return cannot_start(fmt::format("--rootfs {}: not a directory", opts.rootfs));
    spec.rootfs = std::filesystem::canonical(opts.rootfs, ec);
  }
  // The command: the entrypoint (--entrypoint replaces the image's, and
  // drops its CMD), then CMD from the command line, else the image's.
  if (opts.entrypoint_given) {
    spec.args.clear();
    if (!opts.entrypoint.empty())
      spec.args.push_back(opts.entrypoint);
  } else {
    spec.args = config.entrypoint;
  }
  if (!command.empty())
    spec.args.insert(spec.args.end(), command.begin(), command.end());
  else if (!opts.entrypoint_given)
    spec.args.insert(spec.args.end(), config.cmd.begin(), config.cmd.end());
  if (spec.args.empty())
    return cannot_start(opts.words.empty() || !opts.rootfs.empty()
                            ? "no command given (moat run --rootfs DIR [--] CMD [ARG...])"
                            : "no command given, and the image has no ENTRYPOINT or CMD");
  if (opts.network == "host")
    spec.host_network = true;
  else if (opts.network != "none")
    return cannot_start(
        fmt::format("--network {}: moat runs with none (loopback only) or host", opts.network));
  spec.hostname = opts.hostname.empty() ? "moat" : opts.hostname;
  spec.cwd = !opts.workdir.empty()         ? opts.workdir
             : !config.working_dir.empty() ? config.working_dir
                                           : "/";
  if (!spec.cwd.starts_with('/'))
    return cannot_start(fmt::format("-w {}: the working directory must be absolute", spec.cwd));
  // Environment: the image's (Docker's PATH when it sets none), HOSTNAME,
  // then --env-file, then -e.
  spec.env = config.env;
  if (std::ranges::none_of(spec.env, [](const std::string& e) { return e.starts_with("PATH="); }))
    spec.env.insert(spec.env.begin(),
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
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
  set_env("HOSTNAME=" + spec.hostname);
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
  // --user, else the image's USER; names are looked up in the rootfs.
  const std::string user = !opts.user.empty() ? opts.user : config.user;
  if (!user.empty()) {
    auto ids = resolve_user(spec.rootfs, user, opts.user.empty() ? "the image's USER" : "--user");
    if (!ids)
      return cannot_start(ids.error().to_string());
    spec.uid = ids->first;
    spec.gid = ids->second;
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
  if (opts.follow) {
    spec.seccomp = opts.trace_filter;
    spec.follow = opts.follow;
  }
  if (!root) {
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

int run_traced(const TracedRun& traced) {
  RunOptions opts;
  opts.words = traced.words;
  opts.env = traced.env;
  opts.user = traced.user;
  opts.network = traced.network;
  opts.volumes = traced.volumes;
  opts.read_write = traced.read_write;
  opts.cap_add = traced.cap_add;
  if (traced.entrypoint) {
    opts.entrypoint = *traced.entrypoint;
    opts.entrypoint_given = true;
  }
  opts.follow = traced.follow;
  opts.trace_filter = traced.filter;
  return run_run(opts);
}

void attach_run(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<RunOptions>();
  auto* cmd =
      root.add_subcommand("run", "Run an image or a root file system in the hardened sandbox");
  cmd->add_option("IMAGE CMD", opts->words,
                  "The image (any target moat image reads), then the command and its arguments; "
                  "with --rootfs, only the command");
  cmd->add_option("--rootfs", opts->rootfs, "The container's root file system (used as it is)")
      ->option_text("DIR");
  cmd->add_option("--entrypoint", opts->entrypoint,
                  "Run this instead of the image's ENTRYPOINT (its CMD is dropped too)")
      ->option_text("CMD")
      ->each([opts](const std::string&) { opts->entrypoint_given = true; });
  cmd->add_option("--policy", opts->policy,
                  "Run IMAGE only if this trust policy accepts it (moat-policy.yaml or "
                  "containers-policy.json), before anything is unpacked")
      ->option_text("FILE");
  cmd->add_option("--fail-on", opts->fail_on,
                  "Refuse to run IMAGE when moat image finds something of this severity or "
                  "higher: info, low, medium, high, critical")
      ->option_text("SEV");
  add_image_source_options(*cmd, opts->source);
  cmd->add_option("-u,--user", opts->user, "Run as this user: NAME|UID[:GROUP|GID]")
      ->option_text("USER");
  cmd->add_option("-m,--memory", opts->memory, "Memory limit (default 512m; 0: none)")
      ->option_text("BYTES");
  cmd->add_option("--cpus", opts->cpus, "CPU limit, in CPUs (0.5, 2)")->option_text("N");
  cmd->add_option("--pids-limit", opts->pids, "Process limit (default 256; 0 or -1: none)")
      ->option_text("N");
  cmd->add_option("--cap-add", opts->cap_add, "Keep this capability (all are dropped)")
      ->allow_extra_args(false)
      ->option_text("CAP");
  cmd->add_option("--cap-drop", opts->cap_drop, "Drop this capability (ALL is the default)")
      ->allow_extra_args(false)
      ->option_text("CAP");
  cmd->add_flag("--read-only", opts->read_only, "A read-only root file system (the default)");
  cmd->add_flag("--read-write", opts->read_write, "A writable root file system");
  cmd->add_option("--security-opt", opts->security_opt,
                  "seccomp=FILE|unconfined, no-new-privileges[=false]")
      ->allow_extra_args(false)
      ->option_text("OPT");
  cmd->add_option("--network", opts->network, "none (the default: loopback only) or host")
      ->option_text("MODE");
  cmd->add_option("-e,--env", opts->env, "Set an environment variable (NAME=VALUE or NAME)")
      ->allow_extra_args(false)
      ->option_text("VAR");
  cmd->add_option("--env-file", opts->env_file, "Read environment variables from a file")
      ->allow_extra_args(false)
      ->option_text("FILE");
  cmd->add_option("-w,--workdir", opts->workdir, "Working directory inside the container")
      ->option_text("DIR");
  cmd->add_option("-v,--volume", opts->volumes, "Bind mount HOST:CONTAINER[:ro|rw] (ro default)")
      ->allow_extra_args(false)
      ->option_text("VOL");
  cmd->add_option("--tmpfs", opts->tmpfs, "Mount a tmpfs: PATH[:OPTIONS]")
      ->allow_extra_args(false)
      ->option_text("PATH");
  cmd->add_option("--hostname", opts->hostname, "Container host name (default moat)")
      ->option_text("NAME");
  cmd->add_flag("-t,--tty", opts->tty,
                "Give the command a terminal; moat's own input and output are relayed to it");
  cmd->add_flag("-i,--interactive", opts->interactive, "Keep standard input open (it always is)");
  cmd->add_flag("--rm", opts->rm, "Accepted for docker run compatibility (nothing is kept)");
  cmd->positionals_at_end(true);
  cmd->footer(
      std::string("DESCRIPTION:\n"
                  "  Runs IMAGE's ENTRYPOINT and CMD (or CMD given after it), or CMD in the\n"
                  "  root file system DIR, with every defence on: new user (rootless), PID,\n"
                  "  mount, UTS, IPC, network (loopback only) and cgroup namespaces;\n"
                  "  pivot_root into the root file system, read-only, with tmpfs at /tmp and\n"
                  "  /run, a minimal /dev and Docker's masked and read-only paths; no\n"
                  "  capabilities at all; no_new_privs; Docker's default seccomp profile\n"
                  "  compiled with libseccomp; memory 512m, 256 processes, nofile 1024 and no\n"
                  "  core dumps. Each default is relaxed only by its flag. As root the\n"
                  "  container's ids are root's subordinate range in /etc/subuid and\n"
                  "  /etc/subgid, or 1000000000-1000065535.\n\n"
                  "IMAGES:\n"
                  "  IMAGE is any target moat image reads (docker save archive, OCI layout,\n"
                  "  docker://NAME, registry://HOST/REPO:TAG, dir://ROOTFS). --policy and\n"
                  "  --fail-on judge it before anything is unpacked. Its layers are then\n"
                  "  unpacked into $XDG_CACHE_HOME/moat/rootfs (else ~/.cache/moat/rootfs,\n"
                  "  only its owner may enter), owned by the container's ids, one directory\n"
                  "  per config digest, with the scanner's protections: names that climb out\n"
                  "  with '..', hard links out of the root, and symlinks followed out of it\n"
                  "  are refused; device nodes are skipped. A second run starts from the\n"
                  "  cache. The image's USER, WORKDIR and ENV apply unless --user, -w and\n"
                  "  -e say otherwise. With --read-write the container writes to an overlay\n"
                  "  over the cached image, gone when it ends (root only).\n\n"
                  "  The compiled seccomp filter is kept in $XDG_CACHE_HOME/moat/seccomp\n"
                  "  (else ~/.cache/moat/seccomp), so a second start does not compile it.\n\n"
                  "EXIT STATUS:\n"
                  "  The command's exit status; 128+N when signal N ended it (137 when the\n"
                  "  memory limit killed it, which is reported). 125 when the container could\n"
                  "  not start, the image could not be read or unpacked, or --policy or\n"
                  "  --fail-on refused it (one line names the reason), 126 when the command\n"
                  "  cannot be run, 127 when it is not found.\n\n"
                  "EXAMPLES:\n"
                  "  moat run app.tar\n"
                  "  moat run --fail-on high --policy moat-policy.yaml registry://r.example/app:1\n"
                  "  moat run --user 1000 --memory 256m --pids-limit 64 ./oci-layout:app -- app\n"
                  "  moat run --rootfs ./rootfs -- /bin/sh -c 'id; cat /proc/self/status'\n"
                  "  moat run --rootfs ./rootfs --security-opt seccomp=profile.json -- prog\n"));
  cmd->callback(verb_callback(exit_code, [opts] { return run_run(*opts); }));
}

} // namespace moat::cli
