// Checks on what RUN does, whatever installs packages: sudo (DL3004),
// commands that make no sense in a build (DL3001), cd (DL3003), replacing
// /bin/sh (DL4005), pipes without pipefail (DL4006), wget without --progress
// (DL3047), useradd with a high UID (DL3046), both wget and curl (DL4001),
// consecutive RUNs (DL3059), TLS switched off, setuid and world-writable
// modes, downloads piped into a shell, SSH servers, RUN flags, and the
// hardening checks (plain HTTP, apt-key, trusted repositories, upgrades,
// baked-in keys and passwords, admin groups, short GPG ids, the Docker socket).

#include <moat/dockerfile/check_helpers.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace moat::dockerfile::detail {

using util::to_lower;

namespace {

// TLS certificate checks switched off on a command line.
void check_tls_flags(Context& ctx, const Instruction& ins, const Command& c) {
  const std::string_view prog = c.program();
  if (prog == "curl" && (has_arg(c, {"-k", "--insecure"}) || has_short(c, 'k')))
    ctx.report("DF067", ins, "curl -k/--insecure disables TLS certificate checks");
  if (prog == "wget" && has_arg(c, {"--no-check-certificate"}))
    ctx.report("DF067", ins, "wget --no-check-certificate disables TLS certificate checks");
  if (prog == "git") {
    for (std::size_t i = 1; i < c.argv.size(); ++i) {
      auto a = to_lower(c.argv[i]);
      if (a.find("http.sslverify=false") != std::string::npos ||
          a.find("http.sslverify=0") != std::string::npos ||
          (a == "http.sslverify" && i + 1 < c.argv.size() &&
           (to_lower(c.argv[i + 1]) == "false" || c.argv[i + 1] == "0")))
        ctx.report("DF067", ins, "git with http.sslVerify=false disables TLS certificate checks");
    }
  }
  if (prog == "npm" || prog == "yarn" || prog == "pnpm") {
    for (std::size_t i = 1; i < c.argv.size(); ++i) {
      auto a = to_lower(c.argv[i]);
      if (a == "--strict-ssl=false" ||
          (a == "strict-ssl" && i + 1 < c.argv.size() && to_lower(c.argv[i + 1]) == "false") ||
          a == "strict-ssl=false")
        ctx.report("DF067", ins,
                   fmt::format("{} with strict-ssl false disables TLS certificate checks", prog));
    }
  }
  if (prog == "export") {
    for (std::size_t i = 1; i < c.argv.size(); ++i)
      if (c.argv[i] == "NODE_TLS_REJECT_UNAUTHORIZED=0" ||
          c.argv[i].starts_with("GIT_SSL_NO_VERIFY=1") ||
          c.argv[i].starts_with("GIT_SSL_NO_VERIFY=true"))
        ctx.report("DF067", ins, fmt::format("'{}' disables TLS certificate checks", c.argv[i]));
  }
  for (const auto& a : c.assignments)
    if (a == "NODE_TLS_REJECT_UNAUTHORIZED=0")
      ctx.report("DF067", ins, "NODE_TLS_REJECT_UNAUTHORIZED=0 disables TLS certificate checks");
}

// chmod with setuid/setgid bits or world-writable modes.
void check_chmod(Context& ctx, const Instruction& ins, const Command& c) {
  auto pos = positionals(c, {"--reference"});
  if (pos.empty())
    return;
  const auto& mode_word = pos.front(); // only the first positional is the mode
  auto facts = mode_facts(mode_word);
  if (facts.setid)
    ctx.report("DF071", ins, fmt::format("chmod {} sets the setuid/setgid bit", mode_word));
  if (facts.world_writable)
    ctx.report("DF072", ins, fmt::format("chmod {} makes files world-writable", mode_word));
}

// useradd with a high UID and no -l fills /var/log/lastlog.
void check_useradd(Context& ctx, const Instruction& ins, const Command& c) {
  for (std::size_t i = 1; i + 1 < c.argv.size(); ++i) {
    if (c.argv[i] != "-u" && c.argv[i] != "--uid")
      continue;
    const auto& uid = c.argv[i + 1];
    if (uid.size() > 5 &&
        std::all_of(uid.begin(), uid.end(),
                    [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) != 0; }) &&
        !has_arg(c, {"-l", "--no-log-init"}) && !has_short(c, 'l'))
      ctx.report(
          "DF044", ins,
          fmt::format("useradd -u {} without -l fills /var/log/lastlog and bloats the image", uid));
  }
}

// A download run by an interpreter without being verified.
void check_piped_download(Context& ctx, const Run& run, const Command& c) {
  const std::string_view prog = c.program();
  if (!is_one_of(prog, {"sh", "bash", "zsh", "dash", "ash", "ksh", "python", "python3", "perl",
                        "ruby", "node", "php"}))
    return;
  bool piped = false;
  if (c.pipe_position > 0) {
    for (const auto& other : commands_of(run))
      if (other.pipeline == c.pipeline && other.pipe_position < c.pipe_position &&
          is_one_of(other.program(), {"curl", "wget", "fetch"}))
        piped = true;
  }
  bool substituted = std::any_of(c.argv.begin() + 1, c.argv.end(), [](const std::string& a) {
    return a.find("$(curl") != std::string::npos || a.find("$(wget") != std::string::npos ||
           a.find("`curl") != std::string::npos || a.find("`wget") != std::string::npos ||
           a.find("<(curl") != std::string::npos || a.find("<(wget") != std::string::npos;
  });
  if (piped || substituted)
    ctx.report("DF070", *run.instruction,
               fmt::format("a download is run by '{}' without being verified", prog));
}

} // namespace

void check_run_commands(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  bool pipefail = false;
  bool has_pipe = false;
  if (run.uses_sudo)
    ctx.report("DF006", ins, "sudo in a build step; run the step as root before USER, or use gosu");
  for (const auto& c : commands_of(run)) {
    const std::string_view prog = c.program();
    if (c.pipe_length > 1)
      has_pipe = true;
    if (prog == "set") {
      for (std::size_t i = 1; i + 1 < c.argv.size(); ++i)
        if (c.argv[i].starts_with("-") && c.argv[i].ends_with("o") && c.argv[i + 1] == "pipefail")
          pipefail = true;
    }
    if (is_one_of(prog, {"ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill", "mount",
                         "ifconfig", "nano"}))
      ctx.report("DF002", ins, fmt::format("'{}' makes little sense in a container build", prog));
    if (prog == "cd" && c.depth == 0)
      ctx.report("DF005", ins, "use WORKDIR to change directory instead of 'cd'");
    if (prog == "ln" && std::any_of(c.argv.begin(), c.argv.end(),
                                    [](const std::string& a) { return a == "/bin/sh"; }))
      ctx.report("DF056", ins,
                 "replacing /bin/sh with a link; use the SHELL instruction to change the shell");
    if (prog == "wget" &&
        !has_arg(c, {"--progress", "-q", "--quiet", "-nv", "--no-verbose", "-o", "--output-file",
                     "-a", "--append-output"}) &&
        !has_short(c, 'q'))
      ctx.report(
          "DF045", ins,
          "wget without --progress writes a bloated build log; use --progress=dot:giga or -q");
    check_tls_flags(ctx, ins, c);
    if (prog == "chmod")
      check_chmod(ctx, ins, c);
    if (prog == "useradd")
      check_useradd(ctx, ins, c);
    check_piped_download(ctx, run, c);
    if (is_one_of(prog, {"sshd", "dropbear"}))
      ctx.report(
          "DF061", ins,
          fmt::format("'{}' started during the build: an SSH server has no place in a container",
                      prog));
  }
  if (has_pipe && !pipefail && run.posix && !run.shell_pipefail)
    ctx.report("DF057", ins,
               "a pipe in RUN without 'set -o pipefail': a failing download is hidden by the "
               "next command");
}

void check_run_sequences(Context& ctx) {
  // DL4001: once a stage has used both curl and wget, every RUN that uses
  // either is reported. ONBUILD RUNs run in other builds: they count together.
  std::map<int, std::pair<bool, bool>> seen; // stage (-1: ONBUILD) -> (curl, wget)
  for (const auto& run : ctx.runs) {
    bool curl = false;
    bool wget = false;
    for (const auto& c : commands_of(run)) {
      curl = curl || c.program() == "curl";
      wget = wget || c.program() == "wget";
    }
    auto& [any_curl, any_wget] = seen[run.onbuild ? -1 : run.stage];
    any_curl = any_curl || curl;
    any_wget = any_wget || wget;
    if ((curl || wget) && any_curl && any_wget)
      ctx.report("DF053", *run.instruction, "both wget and curl are used in this stage; pick one");
  }
  // DL3059: consecutive RUN instructions of one command each, with the same
  // flags; a RUN that already chains commands is left alone.
  for (const auto& stage : ctx.model.stages) {
    for (std::size_t i = 1; i < stage.steps.size(); ++i) {
      const auto& prev = *stage.steps[i - 1].instruction;
      const auto& cur = *stage.steps[i].instruction;
      if (prev.keyword != "run" || cur.keyword != "run" || prev.flags != cur.flags ||
          !prev.heredocs.empty() || !cur.heredocs.empty())
        continue;
      const Run* a = ctx.run_of(prev);
      const Run* b = ctx.run_of(cur);
      if (a == nullptr || b == nullptr || commands_of(*a).size() > 1 || commands_of(*b).size() > 1)
        continue;
      ctx.report(
          "DF048", cur,
          fmt::format("RUN right after the RUN at line {}; consider merging them into one layer",
                      prev.start_line));
    }
  }
}

void check_run_flags(Context& ctx) {
  for (const auto& run : ctx.runs) {
    const auto& ins = *run.instruction;
    auto security = flag_value(ins, "security");
    if (security && *security == "insecure")
      ctx.report("DF091", ins, "RUN --security=insecure runs the step without the sandbox");
    auto network = flag_value(ins, "network");
    if (network && *network == "host")
      ctx.report("DF092", ins, "RUN --network=host shares the build host's network");
    for (const auto& f : ins.flags)
      if (f.starts_with("--mount") && f.find("docker.sock") != std::string::npos)
        ctx.report("DF109", ins, "the Docker socket is mounted into a build step");
  }
}

void check_run_security(Context& ctx) {
  for (const auto& run : ctx.runs) {
    const auto& ins = *run.instruction;
    for (const auto& c : commands_of(run)) {
      const std::string_view prog = c.program();
      // Plain-HTTP downloads.
      if (prog == "curl" || prog == "wget" || prog == "git" || is_pip(c) || prog == "npm" ||
          prog == "yarn") {
        for (const auto& a : c.argv) {
          std::string_view v = a;
          if (auto eq = v.find("=http://"); eq != std::string_view::npos)
            v = v.substr(eq + 1);
          if ((v.starts_with("http://") && !is_local_url(v)) ||
              (prog == "git" && v.starts_with("git://"))) {
            ctx.report("DF093", ins,
                       fmt::format("{} fetches {} without TLS", prog, std::string(v)));
            break;
          }
        }
      }
      for (const auto& a : c.argv) {
        if (url_has_credentials(a)) {
          ctx.report("DF107", ins,
                     fmt::format("{} is given a URL with a user name and password", prog));
          break;
        }
      }
      if (prog == "curl") {
        for (std::size_t i = 1; i + 1 < c.argv.size(); ++i)
          if ((c.argv[i] == "-u" || c.argv[i] == "--user") &&
              c.argv[i + 1].find(':') != std::string::npos &&
              !has_variable(c.argv[i + 1].substr(c.argv[i + 1].find(':') + 1)) &&
              c.argv[i + 1].back() != ':')
            ctx.report("DF107", ins,
                       "curl -u user:password puts the password in the image history");
      }
      if (prog == "apt-key")
        ctx.report("DF094", ins, "apt-key trusts the key for every repository and is deprecated");
      // A local repository (file:, copy:) built during the same step is the
      // common, harmless use of trusted=yes.
      for (const auto& a : c.argv)
        if ((a.find("trusted=yes") != std::string::npos ||
             a.find("allow-insecure=yes") != std::string::npos) &&
            a.find("file:") == std::string::npos && a.find("copy:") == std::string::npos) {
          ctx.report("DF095", ins, "a package source marked trusted=yes accepts unsigned packages");
          break;
        }
      // Whole-system upgrades.
      const bool package_manager =
          is_one_of(prog, {"apt-get", "apt", "apk", "zypper", "yum", "dnf", "microdnf", "tdnf"});
      const auto sub = !package_manager
                           ? std::string()
                           : subcommand(c, prog == "apk" ? k_apk_value_opts
                                                         : (prog == "zypper" ? k_zypper_value_opts
                                                                             : k_yum_value_opts));
      if (package_manager && (((prog == "apt-get" || prog == "apt") && sub == "upgrade") ||
                              (prog == "apk" && sub == "upgrade") ||
                              (prog == "zypper" && (sub == "update" || sub == "up")) ||
                              (is_one_of(prog, {"yum", "dnf", "microdnf", "tdnf"}) &&
                               is_one_of(sub, {"update", "upgrade"}) &&
                               packages_after(c, sub, k_yum_value_opts).empty())))
        ctx.report("DF096", ins, fmt::format("{} {} upgrades every installed package", prog, sub));
      // Keys and passwords baked in.
      if ((prog == "ssh-keygen" &&
           (has_arg(c, {"-A"}) || std::any_of(c.argv.begin(), c.argv.end(),
                                              [](const std::string& a) {
                                                return a.find("/etc/ssh/ssh_host_") !=
                                                       std::string::npos;
                                              }))) ||
          (prog == "dpkg-reconfigure" &&
           std::find(c.argv.begin(), c.argv.end(), "openssh-server") != c.argv.end()))
        ctx.report(
            "DF099", ins,
            "SSH host keys generated at build time are shared by every container from the image");
      if (prog == "chpasswd" || (prog == "passwd" && has_arg(c, {"--stdin"})))
        ctx.report("DF100", ins, fmt::format("{} sets a password inside the image", prog));
      if ((prog == "useradd" || prog == "usermod")) {
        for (std::size_t i = 1; i + 1 < c.argv.size(); ++i)
          if ((c.argv[i] == "-p" || c.argv[i] == "--password") && c.argv[i + 1] != "*" &&
              c.argv[i + 1] != "!" && c.argv[i + 1] != "!!")
            ctx.report("DF100", ins, fmt::format("{} -p sets a password inside the image", prog));
      }
      // Passwordless sudo and admin groups.
      if (std::any_of(c.argv.begin(), c.argv.end(),
                      [](const std::string& a) { return a.find("NOPASSWD") != std::string::npos; }))
        ctx.report("DF101", ins,
                   "a NOPASSWD sudo rule lets the user become root without a password");
      if (prog == "usermod" || prog == "useradd" || prog == "adduser" || prog == "gpasswd" ||
          prog == "addgroup") {
        bool admin = false;
        for (std::size_t i = 1; i < c.argv.size(); ++i) {
          const auto& a = c.argv[i];
          bool group_opt = a == "-G" || a == "-aG" || a == "--groups" || a == "-g" || a == "-a" ||
                           a == "--append";
          if (group_opt && i + 1 < c.argv.size())
            for (auto g : util::split_trimmed(c.argv[i + 1], ','))
              if (is_one_of(g, {"sudo", "wheel", "admin", "root", "docker"}))
                admin = true;
        }
        auto pos = positionals(c, {"-G", "-aG", "--groups", "-g", "-u", "-s", "-d", "-c", "-a",
                                   "--home", "--shell", "--uid", "--gid", "-h"});
        if ((prog == "adduser" || prog == "gpasswd" || prog == "addgroup") && pos.size() >= 2 &&
            is_one_of(pos.back(), {"sudo", "wheel", "admin", "docker"}))
          admin = true;
        if (admin)
          ctx.report("DF101", ins, fmt::format("{} adds a user to an administrative group", prog));
      }
      // Short GPG key ids.
      if (prog == "gpg" || prog == "gpg2" || prog == "apt-key") {
        for (std::size_t i = 1; i < c.argv.size(); ++i) {
          if (c.argv[i] != "--recv-keys" && c.argv[i] != "--recv-key" &&
              c.argv[i] != "--receive-keys")
            continue;
          for (std::size_t k = i + 1; k < c.argv.size() && !c.argv[k].starts_with("-"); ++k) {
            std::string_view id = c.argv[k];
            if (id.starts_with("0x") || id.starts_with("0X"))
              id.remove_prefix(2);
            bool hex = !id.empty() && std::all_of(id.begin(), id.end(), [](char ch) {
              return std::isxdigit(static_cast<unsigned char>(ch)) != 0;
            });
            if (hex && (id.size() == 8 || id.size() == 16))
              ctx.report("DF106", ins,
                         fmt::format("key {} is named by a {}-digit id, not its fingerprint",
                                     c.argv[k], id.size()));
          }
        }
      }
      if (std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
            return a.find("/var/run/docker.sock") != std::string::npos || a == "/run/docker.sock";
          }))
        ctx.report("DF109", ins, "the build step uses the Docker socket");
    }
  }
}

} // namespace moat::dockerfile::detail
