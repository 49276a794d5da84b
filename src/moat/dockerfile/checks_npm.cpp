// npm and yarn in RUN: unpinned npm packages (DL3016) and the yarn cache
// left in the image (DL3060).

#include <moat/dockerfile/check_helpers.hpp>

#include <fmt/format.h>

namespace moat::dockerfile::detail {

void check_npm(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  bool yarn_install = false;
  bool yarn_clean = false;
  for (const auto& c : commands_of(run)) {
    const std::string_view prog = c.program();
    if (prog == "npm") {
      auto sub = subcommand(c, {"--prefix", "-C", "--registry", "--cache", "-w", "--workspace"});
      if (!is_one_of(sub, {"install", "i", "add"}))
        continue;
      std::vector<std::string> unpinned;
      for (const auto& p : packages_after(
               c, sub, {"--prefix", "-C", "--registry", "--cache", "-w", "--workspace"})) {
        std::string_view name = p;
        if (name.starts_with("@"))
          name.remove_prefix(1);
        if (name.find('@') != std::string_view::npos || p.starts_with(".") || p.starts_with("/") ||
            p.find("://") != std::string::npos || p.find(':') != std::string::npos ||
            p.ends_with(".tgz") || p.ends_with(".tar.gz") || has_variable(p) || p.starts_with("~"))
          continue;
        unpinned.push_back(p);
      }
      if (!unpinned.empty())
        ctx.report("DF017", ins,
                   fmt::format("npm install of unpinned packages: {}", fmt::join(unpinned, ", ")));
    }
    if (prog == "yarn") {
      auto sub = subcommand(c, {"--cwd", "--cache-folder", "--modules-folder"});
      if (sub.empty() || sub == "install" || sub == "add")
        yarn_install = true;
      auto pos = positionals(c, {"--cwd"});
      if (pos.size() >= 2 && pos[0] == "cache" && pos[1] == "clean")
        yarn_clean = true;
    }
  }
  if (yarn_install && !yarn_clean && !run_has_cache_mount(run, "yarn"))
    ctx.report(
        "DF049", ins,
        "yarn install without 'yarn cache clean' in the same RUN leaves the cache in the image");
}

} // namespace moat::dockerfile::detail
