// apt and apt-get in RUN: dist-upgrade (DL3005), unpinned packages
// (DL3008), lists left in the image (DL3009), no -y (DL3014), no
// --no-install-recommends (DL3015), apt instead of apt-get (DL3027), an
// update alone, unsigned packages and SSH servers.

#include <moat/dockerfile/check_helpers.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace moat::dockerfile::detail {

void check_apt(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  bool update = false;
  bool install = false;
  bool clean = false;
  for (const auto& c : commands_of(run)) {
    const std::string_view prog = c.program();
    if (prog == "rm")
      for (const auto& a : c.argv)
        if (a.starts_with("/var/lib/apt/lists"))
          clean = true;
    if (!is_apt_get(c) && !is_apt(c))
      continue;
    if (is_apt(c))
      ctx.report("DF027", ins,
                 "apt is meant for interactive use; use apt-get or apt-cache in scripts");
    auto sub = subcommand(c, k_apt_value_opts);
    if (sub == "update")
      update = true;
    if (sub == "dist-upgrade" || sub == "full-upgrade")
      ctx.report("DF059", ins,
                 fmt::format("{} {} upgrades the whole distribution inside the image", prog, sub));
    if (sub == "clean" || sub == "autoclean" || sub == "dist-clean" || sub == "distclean")
      clean = true;
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
    // A simulated install (-s) installs nothing and asks nothing.
    const bool simulate =
        has_arg(c, {"-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act"});
    if (sub != "install" || simulate)
      continue;
    install = true;
    auto pkgs = packages_after(c, "install", k_apt_value_opts);
    if (is_apt_get(c)) {
      bool yes = has_arg(c, {"-y", "--yes", "--assume-yes", "-qq", "-q=2"}) || has_short(c, 'y') ||
                 std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
                   return a.find("APT::Get::Assume-Yes=") != std::string::npos;
                 });
      if (!yes)
        ctx.report("DF015", ins, "apt-get install without -y waits for input that never comes");
      std::vector<std::string> unpinned;
      for (const auto& p : pkgs)
        if (p.find('=') == std::string::npos && !p.ends_with(".deb") && !has_variable(p) &&
            !p.starts_with("/") && !p.starts_with("./"))
          unpinned.push_back(p);
      if (!unpinned.empty())
        ctx.report(
            "DF009", ins,
            fmt::format("apt-get install of unpinned packages: {}", fmt::join(unpinned, ", ")));
      bool no_rec = has_arg(c, {"--no-install-recommends"}) ||
                    std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
                      return a.find("Install-Recommends=false") != std::string::npos ||
                             a.find("Install-Recommends=0") != std::string::npos ||
                             a.find("Install-Recommends \"false\"") != std::string::npos;
                    });
      if (!no_rec && !pkgs.empty())
        ctx.report("DF016", ins,
                   "apt-get install without --no-install-recommends pulls in extra packages");
    }
    for (const auto& p : pkgs)
      if (p == "openssh-server" || p.starts_with("openssh-server=") || p == "dropbear" ||
          p.starts_with("dropbear="))
        ctx.report("DF061", ins,
                   fmt::format("SSH server '{}' installed: use docker exec instead of SSH", p));
  }
  if (update && !install)
    ctx.report(
        "DF058", ins,
        "apt-get update alone in a RUN: the cached index goes stale; combine it with install");
  if (install && !clean && ctx.in_final_image[static_cast<std::size_t>(run.stage)] &&
      !run_has_cache_mount(run, "/var/lib/apt"))
    ctx.report(
        "DF010", ins,
        "apt lists are left in the image: add 'rm -rf /var/lib/apt/lists/*' to the same RUN");
}

} // namespace moat::dockerfile::detail
