// Ruby gems and Go modules in RUN: gem install without versions (DL3028)
// and go install, go get or go run without a pinned version (DL3062).

#include <moat/dockerfile/check_helpers.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace moat::dockerfile::detail {

namespace {

// gem install's options that take no value; any other option takes one.
const std::initializer_list<std::string_view> k_gem_flags = {"-N",
                                                             "--no-document",
                                                             "--document",
                                                             "-f",
                                                             "--force",
                                                             "--no-force",
                                                             "-l",
                                                             "--local",
                                                             "-r",
                                                             "--remote",
                                                             "-b",
                                                             "--both",
                                                             "--user-install",
                                                             "--no-user-install",
                                                             "--ignore-dependencies",
                                                             "--development",
                                                             "--development-all",
                                                             "--conservative",
                                                             "--minimal-deps",
                                                             "--prerelease",
                                                             "--pre",
                                                             "--no-prerelease",
                                                             "-V",
                                                             "--verbose",
                                                             "--no-verbose",
                                                             "-q",
                                                             "--quiet",
                                                             "--silent",
                                                             "-E",
                                                             "--env-shebang",
                                                             "--no-env-shebang",
                                                             "-w",
                                                             "--wrappers",
                                                             "--no-wrappers",
                                                             "--lock",
                                                             "--no-lock",
                                                             "--suggestions",
                                                             "--no-suggestions",
                                                             "--default",
                                                             "--explain",
                                                             "--post-install-message",
                                                             "--no-post-install-message",
                                                             "--format-executable",
                                                             "--no-format-executable",
                                                             "--backtrace",
                                                             "--debug",
                                                             "--clear-sources",
                                                             "--vendor",
                                                             "--build-root",
                                                             "--norc",
                                                             "--update-sources"};

// The gems a gem install names; nothing after "--" (build options).
std::vector<std::string> gem_names(const Command& c) {
  std::vector<std::string> out;
  bool sub_seen = false;
  for (std::size_t i = 1; i < c.argv.size(); ++i) {
    const auto& a = c.argv[i];
    if (a == "--")
      break;
    if (a.starts_with("-")) {
      if (a.find('=') == std::string::npos && !is_one_of(a, k_gem_flags))
        ++i;
      continue;
    }
    if (!sub_seen) {
      sub_seen = a == "install" || a == "i";
      continue;
    }
    out.push_back(a);
  }
  return out;
}

// A Go package argument names a version (pkg@v1.2.3, not @latest or
// @none), or is local: a path, or a .go file.
bool go_pinned(std::string_view p) {
  if (p == "." || p.starts_with("/") || p.starts_with(".") || p.ends_with(".go"))
    return true;
  const auto at = p.rfind('@');
  return at != std::string_view::npos && p.substr(at) != "@latest" && p.substr(at) != "@none";
}

// The package words of go install/get (all of them, "tool" aside) and go
// run (the one it runs; what follows are its arguments).
std::vector<std::string> go_packages(const Command& c) {
  std::vector<std::string> out;
  auto pos =
      positionals(c, {"-o", "-ldflags", "-gcflags", "-tags", "-mod", "-modfile", "-C", "-p",
                      "-asmflags", "-buildmode", "-compiler", "-gccgoflags", "-installsuffix",
                      "-overlay", "-pgo", "-pkgdir", "-toolexec", "-exec"});
  if (pos.empty())
    return out;
  if (pos[0] == "run") {
    // Flags of go run come before the package; the words after it are the program's.
    for (std::size_t i = 1; i < c.argv.size(); ++i) {
      if (c.argv[i] == "run" || c.argv[i].starts_with("-"))
        continue;
      out.push_back(c.argv[i]);
      break;
    }
    return out;
  }
  if (pos[0] != "install" && pos[0] != "get")
    return out;
  for (std::size_t i = 1; i < pos.size(); ++i)
    if (pos[i] != "tool")
      out.emplace_back(pos[i]);
  return out;
}

} // namespace

void check_gem(Context& ctx, const Run& run) {
  for (const auto& c : commands_of(run)) {
    if (c.program() != "gem")
      continue;
    const auto sub = subcommand(c, {"-v", "--version", "-i", "--install-dir", "-n", "--bindir",
                                    "--source", "-s", "-P", "--trust-policy", "--platform"});
    if (sub != "install" && sub != "i")
      continue;
    if (has_arg(c, {"-v", "--version"}))
      continue;
    std::vector<std::string> unpinned;
    for (const auto& g : gem_names(c))
      if (auto word = resolve_package(ctx, run, g);
          word && word->find(':') == std::string::npos && !word->ends_with(".gem"))
        unpinned.push_back(g);
    if (!unpinned.empty())
      ctx.report("DF028", *run.instruction,
                 fmt::format("gem install of unpinned gems: {}", fmt::join(unpinned, ", ")));
  }
}

void check_go(Context& ctx, const Run& run) {
  std::vector<std::string> unpinned;
  for (const auto& c : commands_of(run)) {
    if (c.program() != "go")
      continue;
    for (const auto& p : go_packages(c))
      if (auto word = resolve_package(ctx, run, p); word && !go_pinned(*word))
        unpinned.push_back(p);
  }
  if (!unpinned.empty())
    ctx.report("DF051", *run.instruction,
               fmt::format("go install, get or run without a pinned version: {}",
                           fmt::join(unpinned, ", ")));
}

} // namespace moat::dockerfile::detail
