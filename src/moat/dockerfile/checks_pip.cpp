// pip in RUN: unpinned packages (DL3013), no --no-cache-dir (DL3042), and
// TLS checks switched off with --trusted-host.

#include <moat/dockerfile/check_helpers.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace moat::dockerfile::detail {

void check_pip(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  for (const auto& c : commands_of(run)) {
    if (!is_pip(c))
      continue;
    auto view = pip_view(c);
    if (has_arg(view, {"--trusted-host"}))
      ctx.report("DF067", ins, "pip --trusted-host disables TLS certificate checks for that host");
    if (subcommand(view) == "config" &&
        std::any_of(view.argv.begin(), view.argv.end(), [](const std::string& a) {
          return a.find("trusted-host") != std::string::npos;
        }))
      ctx.report("DF067", ins,
                 "pip config trusted-host disables TLS certificate checks for that host");
    if (subcommand(view, k_pip_value_opts) != "install")
      continue;
    auto env_it = run.step->env().find("PIP_NO_CACHE_DIR");
    bool env_no_cache = env_it != run.step->env().end() && env_it->second &&
                        !env_it->second->empty() && *env_it->second != "0" &&
                        util::to_lower(*env_it->second) != "false";
    if (!has_arg(view, {"--no-cache-dir"}) && !env_no_cache && !run_has_cache_mount(run, "pip"))
      ctx.report("DF040", ins,
                 "pip install without --no-cache-dir keeps the download cache in the image");
    std::vector<std::string> unpinned;
    const bool upgrade = has_arg(view, {"-U", "--upgrade"});
    for (const auto& p : packages_after(view, "install", k_pip_value_opts)) {
      if (p.find_first_of("=<>~@!") != std::string::npos || p.starts_with(".") ||
          p.starts_with("/") || p.find("://") != std::string::npos || p.ends_with(".whl") ||
          p.ends_with(".tar.gz") || p.ends_with(".zip") || has_variable(p))
        continue;
      if (upgrade && (p == "pip" || p == "setuptools" || p == "wheel"))
        continue;
      unpinned.push_back(p);
    }
    if (!unpinned.empty())
      ctx.report("DF014", ins,
                 fmt::format("pip install of unpinned packages: {}", fmt::join(unpinned, ", ")));
  }
}

} // namespace moat::dockerfile::detail
