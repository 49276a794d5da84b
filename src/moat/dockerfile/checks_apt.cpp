// apt, apt-get and aptitude in RUN: dist-upgrade (DL3005), unpinned
// packages (DL3008), lists left in the image (DL3009), no -y (DL3014), no
// --no-install-recommends (DL3015), apt instead of apt-get (DL3027), an
// update alone, unsigned packages and SSH servers.

#include <moat/dockerfile/check_helpers.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace moat::dockerfile::detail {

namespace {

bool is_apt_family(const Command& c) {
  return is_one_of(c.program(), {"apt-get", "apt", "aptitude"});
}

// apt-get's quiet level: each -q counts one (-qq two), -q=N and --quiet=N
// set it.
int quiet_level(const Command& c) {
  int level = 0;
  for (std::size_t i = 1; i < c.argv.size(); ++i) {
    std::string_view a = c.argv[i];
    if (a == "--quiet") {
      ++level;
    } else if (a.starts_with("--quiet=") || a.starts_with("-q=")) {
      const auto value = a.substr(a.find('=') + 1);
      if (value.size() == 1 && value[0] >= '0' && value[0] <= '9')
        level += value[0] - '0';
    } else if (a.size() > 1 && a[0] == '-' && a[1] != '-' &&
               std::all_of(a.begin() + 1, a.end(), [](char ch) {
                 return std::isalpha(static_cast<unsigned char>(ch)) != 0;
               })) {
      level += static_cast<int>(std::count(a.begin() + 1, a.end(), 'q'));
    }
  }
  return level;
}

// -y in any spelling; quiet level 2 implies it, as apt-get documents.
bool assumes_yes(const Command& c) {
  return has_arg(c, {"-y", "--yes", "--assume-yes"}) || has_short(c, 'y') || quiet_level(c) >= 2 ||
         std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
           return a.find("APT::Get::Assume-Yes=") != std::string::npos &&
                  a.find("=false") == std::string::npos && a.find("=0") == std::string::npos;
         });
}

bool no_recommends(const Command& c) {
  return has_arg(c, {"--no-install-recommends"}) ||
         std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
           return a.find("Install-Recommends=false") != std::string::npos ||
                  a.find("Install-Recommends=0") != std::string::npos ||
                  a.find("Install-Recommends \"false\"") != std::string::npos;
         });
}

// A package word names one version: pkg=1.2, pkg/bookworm-backports (a
// release), a local .deb or path, or a variable moat cannot see.
bool apt_pinned(std::string_view p) {
  return p.find('=') != std::string_view::npos || p.find('/') != std::string_view::npos ||
         p.ends_with(".deb") || has_variable(p);
}

// The package lists survive the RUN unless a cache or tmpfs mount holds
// them: over /var/lib/apt/lists, or over both /var/lib/apt and /var/cache/apt.
bool lists_mounted(const Run& run) {
  const auto targets = cache_mount_targets(*run.instruction);
  auto under = [&](std::string_view dir) {
    return std::any_of(targets.begin(), targets.end(), [&](std::string_view t) {
      return t == dir || (t.starts_with(dir) && t[dir.size()] == '/');
    });
  };
  return under("/var/lib/apt/lists") || (under("/var/lib/apt") && under("/var/cache/apt"));
}

// Removing the lists, or apt-get dist-clean (apt 2.7+).
bool cleans_lists(const Command& c) {
  if (c.program() == "rm")
    return std::any_of(c.argv.begin() + 1, c.argv.end(),
                       [](const std::string& a) { return a.starts_with("/var/lib/apt/lists"); });
  return is_apt_family(c) &&
         is_one_of(subcommand(c, k_apt_value_opts), {"dist-clean", "distclean"});
}

void check_install(Context& ctx, const Instruction& ins, const Command& c) {
  auto pkgs = packages_after(c, "install", k_apt_value_opts);
  if (c.program() == "apt-get") {
    if (!assumes_yes(c))
      ctx.report("DF015", ins, "apt-get install without -y waits for input that never comes");
    std::vector<std::string> unpinned;
    for (const auto& p : pkgs)
      if (!apt_pinned(p))
        unpinned.push_back(p);
    if (!unpinned.empty())
      ctx.report(
          "DF009", ins,
          fmt::format("apt-get install of unpinned packages: {}", fmt::join(unpinned, ", ")));
    if (!no_recommends(c) && !pkgs.empty())
      ctx.report("DF016", ins,
                 "apt-get install without --no-install-recommends pulls in extra packages");
  }
  for (const auto& p : pkgs)
    if (p == "openssh-server" || p.starts_with("openssh-server=") || p == "dropbear" ||
        p.starts_with("dropbear="))
      ctx.report("DF061", ins,
                 fmt::format("SSH server '{}' installed: use docker exec instead of SSH", p));
}

void check_signatures(Context& ctx, const Instruction& ins, const Command& c) {
  const std::string_view prog = c.program();
  if (has_arg(c, {"--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes",
                  "--allow-downgrades"}))
    ctx.report("DF068", ins,
               fmt::format("{} installs packages without verifying their signatures", prog));
  for (std::size_t i = 1; i + 1 < c.argv.size(); ++i)
    if (c.argv[i] == "-o" &&
        (c.argv[i + 1].find("AllowInsecureRepositories=") != std::string::npos ||
         c.argv[i + 1].find("AllowUnauthenticated=") != std::string::npos) &&
        c.argv[i + 1].find("=false") == std::string::npos)
      ctx.report("DF068", ins,
                 fmt::format("{} -o {} disables signature checks", prog, c.argv[i + 1]));
}

} // namespace

void check_apt(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  const auto& cmds = commands_of(run);
  std::size_t last_update = cmds.size();
  bool install = false;
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    const auto& c = cmds[i];
    if (!is_apt_family(c))
      continue;
    const std::string_view prog = c.program();
    if (prog == "apt")
      ctx.report("DF027", ins,
                 "apt is meant for interactive use; use apt-get or apt-cache in scripts");
    const auto sub = subcommand(c, k_apt_value_opts);
    if (sub == "update")
      last_update = i;
    if (sub == "dist-upgrade" || sub == "full-upgrade")
      ctx.report("DF059", ins,
                 fmt::format("{} {} upgrades the whole distribution inside the image", prog, sub));
    check_signatures(ctx, ins, c);
    // A simulated install (-s) installs nothing and asks nothing.
    if (sub == "install" &&
        !has_arg(c, {"-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act"})) {
      install = true;
      check_install(ctx, ins, c);
    }
  }
  if (last_update == cmds.size())
    return;
  if (!install)
    ctx.report(
        "DF058", ins,
        "apt-get update alone in a RUN: the cached index goes stale; combine it with install");
  // The lists an update fetched must be removed after it, in the same RUN.
  const bool cleaned = std::any_of(cmds.begin() + static_cast<std::ptrdiff_t>(last_update) + 1,
                                   cmds.end(), cleans_lists);
  if (!cleaned && !lists_mounted(run) &&
      (run.onbuild || ctx.stage_reused[static_cast<std::size_t>(run.stage)]))
    ctx.report(
        "DF010", ins,
        "apt lists are left in the image: add 'rm -rf /var/lib/apt/lists/*' to the same RUN");
}

} // namespace moat::dockerfile::detail
