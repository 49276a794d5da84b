// Ruby gems and Go modules in RUN: gem install without versions (DL3028)
// and go install without a pinned version (DL3062).

#include <moat/dockerfile/check_helpers.hpp>

#include <fmt/format.h>

namespace moat::dockerfile::detail {

void check_gem(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  for (const auto& c : commands_of(run)) {
    if (c.program() != "gem" || subcommand(c, {"-v", "--version", "-i", "--install-dir", "-n",
                                               "--bindir", "--source"}) != "install")
      continue;
    if (has_arg(c, {"-v", "--version"}))
      continue;
    std::vector<std::string> unpinned;
    for (const auto& p : packages_after(c, "install",
                                        {"-i", "--install-dir", "-n", "--bindir", "--source", "-P",
                                         "--trust-policy", "--platform"}))
      if (p.find(':') == std::string::npos && !p.ends_with(".gem") && !has_variable(p))
        unpinned.push_back(p);
    if (!unpinned.empty())
      ctx.report("DF028", ins,
                 fmt::format("gem install of unpinned gems: {}", fmt::join(unpinned, ", ")));
  }
}

void check_go(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  for (const auto& c : commands_of(run)) {
    if (c.program() != "go" || subcommand(c) != "install")
      continue;
    std::vector<std::string> unpinned;
    for (const auto& p :
         packages_after(c, "install",
                        {"-o", "-ldflags", "-gcflags", "-tags", "-mod", "-modfile", "-C", "-p",
                         "-asmflags", "-buildmode", "-compiler", "-gccgoflags", "-installsuffix",
                         "-overlay", "-pgo", "-pkgdir", "-toolexec"})) {
      if (p.starts_with(".") || p.starts_with("/") || has_variable(p))
        continue;
      auto at = p.find('@');
      if (at == std::string::npos || p.substr(at + 1) == "latest")
        unpinned.push_back(p);
    }
    if (!unpinned.empty())
      ctx.report("DF051", ins,
                 fmt::format("go install without a pinned version: {}", fmt::join(unpinned, ", ")));
  }
}

} // namespace moat::dockerfile::detail
