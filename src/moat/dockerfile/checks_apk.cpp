// apk in RUN: unpinned packages (DL3018), no --no-cache (DL3019), an update
// alone, unsigned packages and SSH servers.

#include <moat/dockerfile/check_helpers.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace moat::dockerfile::detail {

void check_apk(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  bool update = false;
  bool add = false;
  for (const auto& c : commands_of(run)) {
    if (c.program() != "apk")
      continue;
    auto sub = subcommand(c, k_apk_value_opts);
    if (sub == "update")
      update = true;
    if (sub != "add")
      continue;
    add = true;
    // Local .apk files built in an earlier stage cannot carry a signature
    // the image trusts; --allow-untrusted for them is expected.
    const auto apk_args = packages_after(c, "add", k_apk_value_opts);
    const bool local_only =
        !apk_args.empty() &&
        std::all_of(apk_args.begin(), apk_args.end(), [](const std::string& p) {
          return (p.starts_with("/") || p.starts_with("./")) && p.find(".apk") != std::string::npos;
        });
    if (has_arg(c, {"--allow-untrusted"}) && !local_only)
      ctx.report("DF068", ins,
                 "apk add --allow-untrusted installs packages without verifying their signatures");
    if (!has_arg(c, {"--no-cache"}) && !run_has_cache_mount(run, "/var/cache/apk"))
      ctx.report("DF019", ins, "apk add without --no-cache leaves the package index in the image");
    std::vector<std::string> unpinned;
    for (const auto& p : apk_args) {
      if (p.find('=') == std::string::npos && p.find('~') == std::string::npos &&
          p.find('<') == std::string::npos && p.find('>') == std::string::npos &&
          !has_variable(p) && !p.ends_with(".apk") && !p.starts_with("."))
        unpinned.push_back(p);
      if (p == "openssh" || p == "openssh-server" || p == "dropbear" ||
          p.starts_with("openssh-server=") || p.starts_with("openssh="))
        ctx.report("DF061", ins,
                   fmt::format("SSH server '{}' installed: use docker exec instead of SSH", p));
    }
    if (!unpinned.empty())
      ctx.report("DF018", ins,
                 fmt::format("apk add of unpinned packages: {}", fmt::join(unpinned, ", ")));
  }
  if (update && !add)
    ctx.report("DF058", ins,
               "apk update alone in a RUN: the cached index goes stale; combine it with add");
}

} // namespace moat::dockerfile::detail
