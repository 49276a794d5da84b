// The rpm package managers in RUN. yum: no -y (DL3030), no clean (DL3032),
// unpinned packages (DL3033). zypper: no -n (DL3034), dist-upgrade (DL3035),
// no clean (DL3036), unpinned packages (DL3037). dnf, microdnf and tdnf: no
// -y (DL3038), no clean (DL3040), unpinned packages (DL3041). Also unsigned
// packages and SSH servers.

#include <moat/dockerfile/check_helpers.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace moat::dockerfile::detail {

namespace {

bool is_yum(std::string_view prog) {
  return prog == "yum";
}
bool is_dnf(std::string_view prog) {
  return is_one_of(prog, {"dnf", "dnf5", "microdnf", "tdnf"});
}

// What a yum/dnf command does: the sub-command with its aliases folded,
// "module install" for modules.
struct RpmAction {
  std::string sub;
  bool installs = false; // installs or upgrades packages (downloads into the cache)
  bool pins = false;     // names packages whose versions should be pinned
  bool module = false;
};

RpmAction action_of(const Command& c) {
  RpmAction a;
  auto pos = positionals(c, k_yum_value_opts);
  if (pos.empty())
    return a;
  a.sub = pos[0];
  if (a.sub == "module" && pos.size() > 1 && pos[1] == "install") {
    a.sub = "module install";
    a.module = true;
    a.installs = a.pins = true;
    return a;
  }
  a.pins = is_one_of(a.sub, {"install", "in", "groupinstall", "localinstall", "reinstall", "rei"});
  a.installs = a.pins || is_one_of(a.sub, {"upgrade", "up", "update", "upgrade-minimal", "up-min",
                                           "update-minimal", "distro-sync", "group"});
  return a;
}

// rpm names carry their version after a dash: httpd-2.4.24, openssl-1:1.1.1k.
bool rpm_pinned(std::string_view p, bool module) {
  if (module)
    return p.find(':') != std::string_view::npos;
  if (p.find('=') != std::string_view::npos || p.ends_with(".rpm") || p.starts_with("@") ||
      p.starts_with("/"))
    return true;
  for (std::size_t i = 0; i + 1 < p.size(); ++i)
    if (p[i] == '-' && std::isdigit(static_cast<unsigned char>(p[i + 1])) != 0)
      return true;
  return false;
}

// "yum clean all", "dnf clean all", "microdnf clean all".
bool cleans_all(const Command& c) {
  auto pos = positionals(c, k_yum_value_opts);
  return (is_yum(c.program()) || is_dnf(c.program())) && pos.size() >= 2 && pos[0] == "clean" &&
         pos[1] == "all";
}

bool removes(const Command& c, std::initializer_list<std::string_view> dirs) {
  return c.program() == "rm" && std::any_of(c.argv.begin() + 1, c.argv.end(), [&](const auto& a) {
           return std::any_of(dirs.begin(), dirs.end(), [&](std::string_view d) {
             return std::string_view(a).starts_with(d);
           });
         });
}

void check_signature_flags(Context& ctx, const Instruction& ins, const Command& c) {
  if (has_arg(c, {"--nogpgcheck", "--no-gpgchecks"}) ||
      std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
        return a == "--setopt=gpgcheck=0" || a == "--setopt=gpgcheck=false";
      }))
    ctx.report("DF068", ins,
               fmt::format("{} --nogpgcheck installs packages without verifying their signatures",
                           c.program()));
}

// yum and the dnf family: -y, pinning, and the cache left behind.
void check_yum_dnf(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  const auto& cmds = commands_of(run);
  std::size_t last_yum = cmds.size();
  std::size_t last_dnf = cmds.size();
  std::string dnf_prog;
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    const auto& c = cmds[i];
    const std::string_view prog = c.program();
    if (!is_yum(prog) && !is_dnf(prog))
      continue;
    check_signature_flags(ctx, ins, c);
    const auto action = action_of(c);
    if (!action.installs)
      continue;
    if (is_yum(prog))
      last_yum = i;
    else {
      last_dnf = i;
      dnf_prog = prog;
    }
    if (!has_arg(c, {"-y", "--assumeyes"}) && !has_short(c, 'y'))
      ctx.report(
          is_yum(prog) ? "DF030" : "DF037", ins,
          fmt::format("{} {} without -y waits for input that never comes", prog, action.sub));
    if (!action.pins)
      continue;
    std::vector<std::string> unpinned;
    for (const auto& p :
         packages_after(c, action.module ? "install" : action.sub, k_yum_value_opts)) {
      if (auto word = resolve_package(ctx, run, p); word && !rpm_pinned(*word, action.module))
        unpinned.push_back(p);
      if (p == "openssh-server" || p.starts_with("openssh-server-"))
        ctx.report("DF061", ins,
                   fmt::format("SSH server '{}' installed: use docker exec instead of SSH", p));
    }
    if (!unpinned.empty())
      ctx.report(is_yum(prog) ? "DF032" : "DF039", ins,
                 fmt::format("{} {} of unpinned packages: {}", prog, action.sub,
                             fmt::join(unpinned, ", ")));
  }
  // The cache must be cleaned after the last install, in the same RUN.
  auto cleaned_after = [&](std::size_t from, auto&& cleans) {
    return std::any_of(cmds.begin() + static_cast<std::ptrdiff_t>(from) + 1, cmds.end(), cleans);
  };
  if (last_yum < cmds.size() && !run_has_cache_mount(run, "/var/cache/yum") &&
      !cleaned_after(last_yum, [](const Command& c) {
        return (is_yum(c.program()) && cleans_all(c)) || removes(c, {"/var/cache/yum"});
      }))
    ctx.report("DF031", ins,
               "yum install without 'yum clean all' after it in the same RUN leaves the cache in "
               "the image");
  const bool dnf_mounted = run_has_cache_mount(run, "/var/cache/dnf") ||
                           run_has_cache_mount(run, "/var/cache/libdnf5") ||
                           run_has_cache_mount(run, "/var/cache/yum");
  if (last_dnf < cmds.size() && !dnf_mounted && !cleaned_after(last_dnf, [](const Command& c) {
        return cleans_all(c) ||
               removes(c, {"/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/yum"});
      }))
    ctx.report("DF038", ins,
               fmt::format("{} install without '{} clean all' after it in the same RUN leaves the "
                           "cache in the image",
                           dnf_prog, dnf_prog));
}

void check_zypper(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  const auto& cmds = commands_of(run);
  std::size_t last_install = cmds.size();
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    const auto& c = cmds[i];
    if (c.program() != "zypper")
      continue;
    auto sub = subcommand(c, k_zypper_value_opts);
    if (sub == "dist-upgrade" || sub == "dup")
      ctx.report("DF034", ins,
                 "zypper dist-upgrade upgrades the whole distribution inside the image");
    if (has_arg(c, {"--no-gpg-checks"}))
      ctx.report("DF068", ins,
                 "zypper --no-gpg-checks installs packages without verifying their signatures");
    if (!is_one_of(sub, {"install", "in", "remove", "rm", "source-install", "si", "patch"}))
      continue;
    if (!has_arg(c, {"-n", "--non-interactive", "-y", "--no-confirm"}) && !has_short(c, 'n') &&
        !has_short(c, 'y'))
      ctx.report("DF033", ins,
                 fmt::format("zypper {} without -n/-y waits for input that never comes", sub));
    if (sub != "install" && sub != "in")
      continue;
    last_install = i;
    std::vector<std::string> unpinned;
    for (const auto& p : packages_after(c, sub, k_zypper_value_opts)) {
      const auto word = resolve_package(ctx, run, p);
      if (word && word->find_first_of("=<>") == std::string::npos && !word->ends_with(".rpm"))
        unpinned.push_back(p);
    }
    if (!unpinned.empty())
      ctx.report("DF036", ins,
                 fmt::format("zypper install of unpinned packages: {}", fmt::join(unpinned, ", ")));
  }
  if (last_install == cmds.size() || run_has_cache_mount(run, "/var/cache/zypp"))
    return;
  const bool cleaned =
      std::any_of(cmds.begin() + static_cast<std::ptrdiff_t>(last_install) + 1, cmds.end(),
                  [](const Command& c) {
                    return (c.program() == "zypper" &&
                            is_one_of(subcommand(c, k_zypper_value_opts), {"clean", "cc"})) ||
                           removes(c, {"/var/cache/zypp"});
                  });
  if (!cleaned)
    ctx.report("DF035", ins,
               "zypper install without 'zypper clean' after it in the same RUN leaves the cache in "
               "the image");
}

} // namespace

void check_rpm(Context& ctx, const Run& run) {
  check_yum_dnf(ctx, run);
  check_zypper(ctx, run);
}

} // namespace moat::dockerfile::detail
