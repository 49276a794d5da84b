// npm and yarn in RUN: unpinned npm packages (DL3016) and the yarn cache
// left in the image (DL3060).

#include <moat/dockerfile/check_helpers.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace moat::dockerfile::detail {

namespace {

const std::initializer_list<std::string_view> k_npm_value_opts = {"--prefix",
                                                                  "-C",
                                                                  "--registry",
                                                                  "--cache",
                                                                  "-w",
                                                                  "--workspace",
                                                                  "--loglevel",
                                                                  "--userconfig",
                                                                  "--tag",
                                                                  "--omit",
                                                                  "--include",
                                                                  "--install-strategy",
                                                                  "--otp",
                                                                  "--scope",
                                                                  "--before",
                                                                  "--location",
                                                                  "--globalconfig"};

// A package spec names one version: name@version, a tarball, a folder, or
// a git dependency with a #ref. A git URL or a hosted shorthand
// (github:user/repo, user/repo) without #ref follows a branch.
bool npm_pinned(std::string_view p) {
  if (p.starts_with("git://") || p.starts_with("git+ssh://") || p.starts_with("git+http://") ||
      p.starts_with("git+https://") || p.starts_with("github:") || p.starts_with("gitlab:") ||
      p.starts_with("bitbucket:") || p.starts_with("gist:"))
    return p.find('#') != std::string_view::npos;
  if (p.ends_with(".tgz") || p.ends_with(".tar.gz") || p.ends_with(".tar"))
    return true;
  if (p.starts_with("/") || p.starts_with("./") || p.starts_with("../") || p.starts_with("~/") ||
      p == "." || p.starts_with("file:"))
    return true;
  if (p.starts_with("http://") || p.starts_with("https://"))
    return false;
  std::string_view name = p;
  if (name.starts_with("@")) {
    // @scope/name@version: the version follows the scope's slash.
    const auto slash = name.find('/');
    if (slash == std::string_view::npos)
      return false;
    name = name.substr(slash + 1);
  } else if (name.find('/') != std::string_view::npos) {
    return name.find('#') != std::string_view::npos; // user/repo on GitHub
  }
  return name.find('@') != std::string_view::npos;
}

void check_npm_install(Context& ctx, const Run& run, const Command& c) {
  auto sub = subcommand(c, k_npm_value_opts);
  if (!is_one_of(sub, {"install", "i", "add"}))
    return;
  std::vector<std::string> unpinned;
  for (const auto& p : packages_after(c, sub, k_npm_value_opts))
    if (auto word = resolve_package(ctx, run, p); word && !npm_pinned(*word))
      unpinned.push_back(p);
  if (!unpinned.empty())
    ctx.report("DF017", *run.instruction,
               fmt::format("npm install of unpinned packages: {}", fmt::join(unpinned, ", ")));
}

} // namespace

void check_npm(Context& ctx, const Run& run) {
  const auto& cmds = commands_of(run);
  std::size_t last_yarn_install = cmds.size();
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    const auto& c = cmds[i];
    if (c.program() == "npm")
      check_npm_install(ctx, run, c);
    if (c.program() == "yarn") {
      auto sub = subcommand(c, {"--cwd", "--cache-folder", "--modules-folder"});
      if (sub.empty() || sub == "install" || sub == "add")
        last_yarn_install = i;
    }
  }
  if (last_yarn_install == cmds.size() || run_has_cache_mount(run, "yarn"))
    return;
  // The cache must be cleaned after the install, in the same RUN.
  const bool cleaned = std::any_of(
      cmds.begin() + static_cast<std::ptrdiff_t>(last_yarn_install) + 1, cmds.end(),
      [](const Command& c) {
        auto pos = positionals(c, {"--cwd"});
        return c.program() == "yarn" && pos.size() >= 2 && pos[0] == "cache" && pos[1] == "clean";
      });
  if (!cleaned && (run.onbuild || ctx.stage_reused[static_cast<std::size_t>(run.stage)]))
    ctx.report("DF049", *run.instruction,
               "yarn install without 'yarn cache clean' after it in the same RUN leaves the cache "
               "in the image");
}

} // namespace moat::dockerfile::detail
