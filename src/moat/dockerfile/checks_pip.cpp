// pip in RUN: unpinned packages (DL3013), no --no-cache-dir (DL3042), and
// TLS checks switched off with --trusted-host.

#include <moat/dockerfile/check_helpers.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace moat::dockerfile::detail {

namespace {

// Options of pip install that take a value as the next word.
constexpr std::string_view k_pip_install_value_opts[] = {"-r",
                                                         "--requirement",
                                                         "-c",
                                                         "--constraint",
                                                         "-i",
                                                         "--index-url",
                                                         "--extra-index-url",
                                                         "-t",
                                                         "--target",
                                                         "-e",
                                                         "--editable",
                                                         "--trusted-host",
                                                         "--cache-dir",
                                                         "-f",
                                                         "--find-links",
                                                         "--prefix",
                                                         "--root",
                                                         "--src",
                                                         "--platform",
                                                         "--python-version",
                                                         "--implementation",
                                                         "--abi",
                                                         "--progress-bar",
                                                         "--log",
                                                         "--proxy",
                                                         "--retries",
                                                         "--timeout",
                                                         "--exists-action",
                                                         "--cert",
                                                         "--client-cert",
                                                         "--upgrade-strategy",
                                                         "--no-binary",
                                                         "--only-binary",
                                                         "--config-settings",
                                                         "-C",
                                                         "--global-option",
                                                         "--build-option",
                                                         "--report",
                                                         "-b",
                                                         "--build",
                                                         "--root-user-action",
                                                         "--python",
                                                         "--keyring-provider",
                                                         "--use-feature",
                                                         "--use-deprecated",
                                                         "--log-file",
                                                         "--local-log"};

// Version control schemes pip installs from (VCS_SCHEME+URL).
constexpr std::string_view k_vcs_prefixes[] = {
    "git+file:", "git+https:", "git+ssh:",   "git+http:", "git+git:",        "git:",
    "hg+file:",  "hg+http:",   "hg+https:",  "hg+ssh:",   "hg+static-http:", "svn:",
    "svn+svn:",  "svn+http:",  "svn+https:", "svn+ssh:",  "bzr+http:",       "bzr+https:",
    "bzr+ssh:",  "bzr+sftp:",  "bzr+ftp:"};

enum class Pip { none, pip, pipx };

// Which pip a command runs: pip, pip2, pip3, pip3.12, python -m pip; pipx.
Pip pip_kind(const Command& c) {
  const auto p = c.program();
  if (p == "pipx")
    return Pip::pipx;
  if (p == "pip" ||
      (p.starts_with("pip") && p.size() > 3 && std::all_of(p.begin() + 3, p.end(), [](char ch) {
         return (ch >= '0' && ch <= '9') || ch == '.';
       })))
    return Pip::pip;
  if (p.starts_with("python") && c.argv.size() > 2 && c.argv[1] == "-m")
    return c.argv[2] == "pip" || c.argv[2] == "pip3" ? Pip::pip
           : c.argv[2] == "pipx"                     ? Pip::pipx
                                                     : Pip::none;
  return Pip::none;
}

bool is_vcs(std::string_view p) {
  return std::any_of(std::begin(k_vcs_prefixes), std::end(k_vcs_prefixes),
                     [&](std::string_view v) { return p.starts_with(v); });
}

// A VCS requirement names a revision with '@' in its path:
// git+https://host/repo.git@v1.2#egg=name.
bool vcs_pinned(std::string_view p) {
  auto scheme = p.find("://");
  const auto path_start = scheme == std::string_view::npos ? p.find(':') : p.find('/', scheme + 3);
  if (path_start == std::string_view::npos)
    return false;
  const auto path =
      p.substr(path_start, p.find('#') == std::string_view::npos ? std::string_view::npos
                                                                 : p.find('#') - path_start);
  return path.find('@') != std::string_view::npos;
}

bool requirement_pinned(std::string_view p) {
  for (std::string_view op : {"==", ">=", "<=", "!=", "~=", ">", "<", "@"})
    if (!is_vcs(p) && p.find(op) != std::string_view::npos)
      return true;
  if (is_vcs(p))
    return vcs_pinned(p);
  // Local archives, directories and URLs name one build.
  return p.starts_with(".") || p.find('/') != std::string_view::npos || p.ends_with(".whl") ||
         p.ends_with(".tar.gz") || p.ends_with(".zip") || has_variable(p);
}

// pip's strtobool: the values pip accepts for a boolean option.
bool pip_boolean(std::string_view value) {
  const auto v = util::to_lower(value);
  return is_one_of(v, {"y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"});
}

// The value PIP_NO_CACHE_DIR has in NAME=VALUE words, if they set it.
std::optional<std::string_view> no_cache_value(const std::vector<std::string>& words) {
  std::optional<std::string_view> out;
  for (const auto& w : words)
    if (std::string_view(w).starts_with("PIP_NO_CACHE_DIR="))
      out = std::string_view(w).substr(17);
  return out;
}

// True when pip runs with its cache off: --no-cache-dir, PIP_NO_CACHE_DIR
// from ENV or ARG, set on the command or exported earlier in the RUN, or
// a cache or tmpfs mount over pip's cache directory.
bool cache_off(const Run& run, const Command& c, const std::optional<std::string_view>& exported) {
  if (has_arg(c, {"--no-cache-dir"}) || run_has_cache_mount(run, ".cache/pip"))
    return true;
  if (auto v = no_cache_value(c.assignments))
    return pip_boolean(*v);
  if (exported)
    return pip_boolean(*exported);
  auto it = run.step->env().find("PIP_NO_CACHE_DIR");
  return it != run.step->env().end() && it->second && pip_boolean(*it->second);
}

// DL3013: the packages of a pip install that name no version.
std::vector<std::string> unpinned_requirements(const Command& view) {
  // A requirements or constraints file, or the project in ".", pins what is installed.
  if (has_arg(view, {"-r", "--requirement", "-c", "--constraint", "."}))
    return {};
  // Upgrading the installer itself is not what a build pins.
  const bool upgrade = has_arg(view, {"-U", "--upgrade"});
  std::vector<std::string> unpinned;
  bool install_seen = false;
  for (std::size_t i = 1; i < view.argv.size(); ++i) {
    const std::string& a = view.argv[i];
    if (a == "--")
      continue;
    if (a.starts_with("-")) {
      if (std::find(std::begin(k_pip_install_value_opts), std::end(k_pip_install_value_opts), a) !=
          std::end(k_pip_install_value_opts))
        ++i;
      continue;
    }
    if (!install_seen) {
      install_seen = a == "install";
      continue;
    }
    if (upgrade && is_one_of(a, {"pip", "setuptools", "wheel"}))
      continue;
    if (!requirement_pinned(a))
      unpinned.push_back(a);
  }
  return unpinned;
}

} // namespace

void check_pip(Context& ctx, const Run& run) {
  const auto& ins = *run.instruction;
  bool unpinned_reported = false;
  bool cache_reported = false;
  std::optional<std::string_view> exported;
  for (const auto& c : commands_of(run)) {
    if (c.program() == "export")
      if (auto v = no_cache_value(c.argv))
        exported = v;
    const Pip kind = pip_kind(c);
    if (kind == Pip::none)
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
    // pipx keeps every tool in its own environment and has no download cache to clean.
    if (kind == Pip::pip && !cache_reported && !cache_off(run, c, exported)) {
      ctx.report("DF040", ins,
                 "pip install without --no-cache-dir keeps the download cache in the image");
      cache_reported = true;
    }
    auto unpinned = unpinned_requirements(view);
    if (!unpinned.empty() && !unpinned_reported) {
      ctx.report("DF014", ins,
                 fmt::format("{} install of unpinned packages: {}",
                             kind == Pip::pipx ? "pipx" : "pip", fmt::join(unpinned, ", ")));
      unpinned_reported = true;
    }
  }
}

} // namespace moat::dockerfile::detail
