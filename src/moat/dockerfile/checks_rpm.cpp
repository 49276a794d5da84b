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

// Cache directories removed with rm.
struct RpmCleanup {
  bool yum = false;
  bool dnf = false;
  bool zypper = false;
};

void note_rm(const Command& c, RpmCleanup& clean) {
  for (const auto& a : c.argv) {
    if (a.starts_with("/var/cache/yum"))
      clean.yum = true;
    if (a.starts_with("/var/cache/dnf") || a.starts_with("/var/cache/yum"))
      clean.dnf = true;
    if (a.starts_with("/var/cache/zypp"))
      clean.zypper = true;
  }
}

} // namespace

void check_rpm(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  RpmCleanup clean;
  bool yum_install = false;
  bool dnf_install = false;
  bool zypper_install = false;
  std::string dnf_prog;
  for (const auto& c : commands_of(run)) {
    const std::string_view prog = c.program();
    if (prog == "rm")
      note_rm(c, clean);
    if (prog == "yum" || prog == "dnf" || prog == "microdnf" || prog == "tdnf") {
      auto sub = subcommand(c, k_yum_value_opts);
      if (sub == "clean")
        (prog == "yum" ? clean.yum : clean.dnf) = true;
      if (has_arg(c, {"--nogpgcheck"}) ||
          std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
            return a == "--setopt=gpgcheck=0" || a == "--setopt=gpgcheck=false";
          }))
        ctx.report(
            "DF068", ins,
            fmt::format("{} --nogpgcheck installs packages without verifying their signatures",
                        prog));
      if (!is_one_of(sub, {"install", "groupinstall", "localinstall", "reinstall"}))
        continue;
      const bool yes = has_arg(c, {"-y", "--assumeyes"}) || has_short(c, 'y');
      if (prog == "yum") {
        yum_install = true;
        if (!yes)
          ctx.report("DF030", ins, "yum install without -y waits for input that never comes");
      } else {
        dnf_install = true;
        dnf_prog = prog;
        if (!yes && prog != "microdnf")
          ctx.report("DF037", ins,
                     fmt::format("{} install without -y waits for input that never comes", prog));
      }
      std::vector<std::string> unpinned;
      for (const auto& p : packages_after(c, sub, k_yum_value_opts)) {
        bool pinned = p.find('=') != std::string::npos || p.ends_with(".rpm") || has_variable(p) ||
                      p.starts_with("@") || p.starts_with("/");
        for (std::size_t i = 0; !pinned && i + 1 < p.size(); ++i)
          if (p[i] == '-' && std::isdigit(static_cast<unsigned char>(p[i + 1])) != 0)
            pinned = true;
        if (!pinned)
          unpinned.push_back(p);
        if (p == "openssh-server" || p.starts_with("openssh-server-"))
          ctx.report("DF061", ins,
                     fmt::format("SSH server '{}' installed: use docker exec instead of SSH", p));
      }
      if (!unpinned.empty())
        ctx.report(
            prog == "yum" ? "DF032" : "DF039", ins,
            fmt::format("{} install of unpinned packages: {}", prog, fmt::join(unpinned, ", ")));
    }
    if (prog == "zypper") {
      auto sub = subcommand(c, k_zypper_value_opts);
      if (sub == "clean" || sub == "cc")
        clean.zypper = true;
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
      if (sub == "install" || sub == "in") {
        zypper_install = true;
        std::vector<std::string> unpinned;
        for (const auto& p : packages_after(c, sub, k_zypper_value_opts))
          if (p.find_first_of("=<>") == std::string::npos && !p.ends_with(".rpm") &&
              !has_variable(p))
            unpinned.push_back(p);
        if (!unpinned.empty())
          ctx.report(
              "DF036", ins,
              fmt::format("zypper install of unpinned packages: {}", fmt::join(unpinned, ", ")));
      }
    }
  }
  if (yum_install && !clean.yum && !run_has_cache_mount(run, "/var/cache/yum"))
    ctx.report("DF031", ins,
               "yum install without 'yum clean all' in the same RUN leaves the cache in the image");
  if (dnf_install && !clean.dnf && !run_has_cache_mount(run, "/var/cache/"))
    ctx.report(
        "DF038", ins,
        fmt::format(
            "{} install without '{} clean all' in the same RUN leaves the cache in the image",
            dnf_prog, dnf_prog));
  if (zypper_install && !clean.zypper && !run_has_cache_mount(run, "/var/cache/zypp"))
    ctx.report(
        "DF035", ins,
        "zypper install without 'zypper clean' in the same RUN leaves the cache in the image");
}

} // namespace moat::dockerfile::detail
