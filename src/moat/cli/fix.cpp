// moat fix: patches for the findings that have a safe mechanical fix, in
// Dockerfiles, Compose files and Kubernetes manifests.

#include <moat/cli/common.hpp>
#include <moat/cli/compose_vars.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/dockerfile/model.hpp>
#include <moat/engine/engine.hpp>
#include <moat/fix/fix.hpp>
#include <moat/image/registry.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <map>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace moat::cli {

namespace {

constexpr std::size_t k_max_fix_input_bytes = 16U << 20;

struct FixOptions {
  std::vector<std::string> files;
  bool write = false;
  bool resolve = false;
  bool insecure = false;
  std::vector<std::string> insecure_registries;
  std::string ca_cert;
  std::string timeout = "1m";
  std::string format = "diff";
  std::vector<std::string> ignore;
  std::vector<std::string> enable;
  std::string config;
  bool quiet = false;
  bool no_color = false;
};

bool is_config_file(const std::string& path) {
  const auto lower = util::to_lower(path);
  return lower.ends_with(".yaml") || lower.ends_with(".yml");
}

// "debian", "docker.io/library/debian" and "library/debian" are one repository.
std::string normalized_repository(std::string_view name) {
  std::string n(name);
  for (std::string_view prefix : {"docker.io/", "index.docker.io/", "registry-1.docker.io/"})
    if (n.starts_with(prefix))
      n = n.substr(prefix.size());
  if (n.starts_with("library/"))
    n = n.substr(8);
  return n;
}

// The repository of an image reference, without its tag or digest.
std::string repository_of(std::string_view image) {
  auto at = image.find('@');
  auto name = image.substr(0, at);
  const auto slash = name.rfind('/');
  const auto colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash))
    name = name.substr(0, colon);
  return std::string(name);
}

// The digest the local daemon recorded when it pulled IMAGE (its
// RepoDigests); nullopt when there is no daemon or no such image.
std::optional<std::string> local_digest(const std::string& image,
                                        std::chrono::milliseconds timeout) {
  engine::EngineOptions eo;
  eo.timeout = timeout;
  eo.deadline = std::chrono::steady_clock::now() + timeout;
  auto client = engine::EngineClient::open(std::move(eo));
  if (!client)
    return std::nullopt;
  auto json = client->image_inspect(image);
  if (!json)
    return std::nullopt;
  const auto doc = nlohmann::json::parse(*json, nullptr, false);
  if (!doc.is_object() || !doc.contains("RepoDigests") || !doc["RepoDigests"].is_array())
    return std::nullopt;
  const auto want = normalized_repository(repository_of(image));
  for (const auto& entry : doc["RepoDigests"]) {
    if (!entry.is_string())
      continue;
    const auto text = entry.get<std::string>();
    const auto at = text.find('@');
    if (at != std::string::npos && normalized_repository(text.substr(0, at)) == want)
      return text.substr(at + 1);
  }
  return std::nullopt;
}

// The digest of IMAGE's manifest (an index for a multi-platform image) as
// the registry serves it now.
core::Result<std::string> registry_digest(const std::string& image, const FixOptions& opts,
                                          std::chrono::milliseconds timeout) {
  const auto ref = dockerfile::parse_image_ref(image);
  if (!ref)
    return core::fail(core::ErrorKind::usage, image, "not an image reference");
  image::RegistryRef r;
  r.host = ref->registry.empty() ? "registry-1.docker.io" : ref->registry;
  r.repository = ref->repository;
  if (ref->registry.empty() && r.repository.find('/') == std::string::npos)
    r.repository = "library/" + r.repository;
  r.tag = ref->tag.empty() ? "latest" : ref->tag;
  image::RegistryOptions ro;
  ro.insecure = opts.insecure;
  ro.insecure_registries = opts.insecure_registries;
  ro.ca_cert = opts.ca_cert;
  ro.timeout = timeout;
  ro.deadline = std::chrono::steady_clock::now() + timeout;
  MOAT_TRY_ASSIGN(client, image::RegistryClient::open(r, std::move(ro)));
  MOAT_TRY_ASSIGN(manifest, client.get_manifest(r.tag));
  return manifest.digest;
}

struct FileResult {
  std::string path;
  std::string before;
  fix::Fixed fixed;
  unsigned mode = 0644;
};

core::Result<FileResult> fix_file(const std::string& path, const FixOptions& opts,
                                  const core::Policy& policy, std::chrono::milliseconds timeout,
                                  std::vector<std::string>& warnings) {
  auto text = util::read_file(path, k_max_fix_input_bytes);
  if (!text)
    return core::fail(core::ErrorKind::io, path, text.error());
  if (text->find('\0') != std::string::npos)
    return core::fail(core::ErrorKind::parse, path, "not a text file (it holds NUL bytes)");
  FileResult result{path, *text, {}, 0644};
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0)
    result.mode = st.st_mode & 07777U;
  if (is_config_file(path)) {
    MOAT_TRY_ASSIGN(vars, compose_variables(path));
    auto analyze = [&](const std::string& t) { return fix::analyze_config(t, path, policy, vars); };
    MOAT_TRY_ASSIGN(fixed, fix::fix_text(*text, analyze));
    result.fixed = std::move(fixed);
    return result;
  }
  fix::DockerfileInput input;
  input.name = path;
  const auto dir = std::filesystem::path(path).parent_path();
  input.context_dir = dir.empty() ? std::filesystem::path(".") : dir;
  input.policy = &policy;
  // Asked once per image: the file is linted again after every fix.
  auto known = std::make_shared<std::map<std::string, std::optional<std::string>>>();
  input.resolve = [&, known](const std::string& image) -> std::optional<std::string> {
    auto [it, fresh] = known->try_emplace(image);
    if (!fresh)
      return it->second;
    if (auto local = local_digest(image, timeout)) {
      it->second = local;
    } else if (opts.resolve) {
      auto remote = registry_digest(image, opts, timeout);
      if (remote)
        it->second = *remote;
      else
        warnings.push_back(
            fmt::format("{}: {} not pinned: {}", path, image, remote.error().message));
    }
    return it->second;
  };
  MOAT_TRY_ASSIGN(fixed, fix::fix_text(*text, [&](const std::string& t) {
                    return fix::analyze_dockerfile(t, input);
                  }));
  result.fixed = std::move(fixed);
  return result;
}

std::string summary(const FileResult& r) {
  std::vector<std::string> parts;
  parts.reserve(r.fixed.applied.size());
  for (const auto& a : r.fixed.applied)
    parts.push_back(fmt::format("{} ({})", a.fix->id, fmt::join(a.resolved, ", ")));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string colored_diff(const std::string& diff) {
  std::string out;
  std::size_t start = 0;
  while (start < diff.size()) {
    auto nl = diff.find('\n', start);
    if (nl == std::string::npos)
      nl = diff.size() - 1;
    const auto line = std::string_view(diff).substr(start, nl - start);
    const char* color = "";
    if (line.starts_with("+++") || line.starts_with("---"))
      color = "\x1b[1m";
    else if (line.starts_with('+'))
      color = "\x1b[32m";
    else if (line.starts_with('-'))
      color = "\x1b[31m";
    else if (line.starts_with("@@"))
      color = "\x1b[36m";
    if (*color != '\0')
      out += fmt::format("{}{}\x1b[0m\n", color, line);
    else
      out += fmt::format("{}\n", line);
    start = nl + 1;
  }
  return out;
}

int run_fix(FixOptions& opts) {
  if (opts.format != "diff" && opts.format != "json")
    return report_error(core::Error{core::ErrorKind::usage, "--format",
                                    "unknown format '" + opts.format + "' (expected diff or json)",
                                    0, 0});
  for (const auto& f : opts.files)
    if (f == "-")
      return report_error(core::Error{core::ErrorKind::usage, "fix",
                                      "moat fix edits files: name them (standard input has no "
                                      "file to patch)",
                                      0, 0});
  auto timeout = parse_timeout_option(opts.timeout);
  if (!timeout)
    return report_error(timeout.error());
  CommonOptions common;
  common.ignore = opts.ignore;
  common.enable = opts.enable;
  common.config = opts.config;
  auto policy = build_policy(common, std::filesystem::path(opts.files.front()).parent_path());
  if (!policy)
    return report_error(policy.error());
  // Every file is fixed before anything is written or printed: an error in
  // one leaves all of them as they were.
  std::vector<FileResult> results;
  std::vector<std::string> warnings;
  for (const auto& path : opts.files) {
    auto r = fix_file(path, opts, *policy, *timeout, warnings);
    if (!r)
      return report_error(r.error());
    results.push_back(std::move(*r));
  }
  if (!opts.quiet)
    for (const auto& w : warnings)
      fmt::print(stderr, "moat: warning: {}\n", util::terminal_safe(w));
  if (opts.write)
    for (const auto& r : results) {
      if (r.fixed.applied.empty())
        continue;
      if (auto ok = util::replace_file(r.path, r.fixed.text, r.mode); !ok)
        return report_error(core::Error{core::ErrorKind::io, r.path, ok.error(), 0, 0});
    }
  if (opts.format == "json") {
    auto files = nlohmann::json::array();
    for (const auto& r : results) {
      auto fixes = nlohmann::json::array();
      for (const auto& a : r.fixed.applied)
        fixes.push_back({{"fix", a.fix->id}, {"line", a.line}, {"resolves", a.resolved}});
      files.push_back(
          {{"file", r.path},
           {"fixes", fixes},
           {"written", opts.write && !r.fixed.applied.empty()},
           {"diff", fix::unified_diff(r.before, r.fixed.text, "a/" + r.path, "b/" + r.path)}});
    }
    std::cout << nlohmann::json{{"files", files}}.dump(2) << "\n";
  } else if (!opts.write) {
    const bool color = !opts.no_color && util::is_tty(STDOUT_FILENO);
    for (const auto& r : results) {
      const auto diff = fix::unified_diff(r.before, r.fixed.text, "a/" + r.path, "b/" + r.path);
      std::cout << (color ? colored_diff(diff) : diff);
    }
  }
  if (!opts.quiet)
    for (const auto& r : results) {
      if (r.fixed.applied.empty())
        fmt::print(stderr, "moat: {}: nothing to fix\n", util::terminal_safe(r.path));
      else
        fmt::print(stderr, "moat: {}: {} {} {}\n", util::terminal_safe(r.path),
                   opts.write ? "fixed" : "can fix",
                   r.fixed.applied.size() == 1 ? "finding:" : "findings:", summary(r));
    }
  std::cout.flush();
  return k_exit_clean;
}

} // namespace

void attach_fix(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<FixOptions>();
  auto* cmd = root.add_subcommand("fix", "Write the fixes for findings that have a safe "
                                         "mechanical fix: Dockerfiles, Compose files, Kubernetes "
                                         "manifests");
  cmd->add_option("FILE", opts->files,
                  "Dockerfiles, and Compose files or Kubernetes manifests (*.yaml, *.yml)")
      ->required();
  cmd->add_flag("-w,--write", opts->write,
                "Apply the fixes to the files instead of printing a diff");
  cmd->add_flag("--resolve", opts->resolve,
                "Ask the registry for the digest of a base image the local daemon does not have");
  cmd->add_option("-f,--format", opts->format, "Output: diff (a unified diff, default) or json")
      ->option_text("FORMAT");
  cmd->add_option("--ignore", opts->ignore, "Leave findings of these ids alone (comma-separated)")
      ->delimiter(',')
      ->option_text("ID[,ID...]");
  cmd->add_option("--enable", opts->enable, "Turn on opt-in checks (comma-separated)")
      ->delimiter(',')
      ->option_text("ID[,ID...]");
  cmd->add_option("--config", opts->config,
                  "Configuration file (default: .moat.yaml found upward from the first file)")
      ->option_text("FILE");
  cmd->add_option("--ca-cert", opts->ca_cert, "Registry TLS: trust this CA certificate (PEM)")
      ->option_text("FILE");
  cmd->add_flag("--insecure", opts->insecure,
                "Registry over plain HTTP; allowed for loopback addresses only");
  cmd->add_option("--insecure-registry", opts->insecure_registries,
                  "Registry over plain HTTP at this HOST[:PORT] (repeatable)")
      ->allow_extra_args(false)
      ->option_text("HOST");
  cmd->add_option("--timeout", opts->timeout,
                  "Give up on the daemon or a registry after this long for each image (default 1m)")
      ->option_text("DURATION");
  cmd->add_flag("-q,--quiet", opts->quiet, "Print only the diff: no summary on stderr");
  cmd->add_flag("--no-color", opts->no_color, "Never colour the diff");
  cmd->footer(std::string(
      "DESCRIPTION:\n"
      "  Lints each file, and for every finding with a fix edits the text: only the\n"
      "  lines concerned change; comments, continuations, key order and spacing stay\n"
      "  as they were. Each fix is applied alone and kept only when linting the result\n"
      "  shows fewer findings of the checks it resolves and no more of any check; a\n"
      "  fix that would not is left out. `moat rules ID` says whether a check has a fix.\n"
      "  Without --write the fixes are printed as a unified diff (apply it with\n"
      "  `patch -p1` or `git apply`) and no file changes. Files are told apart by name:\n"
      "  *.yaml and *.yml are Compose files or Kubernetes manifests, anything else a\n"
      "  Dockerfile. Findings ignored in .moat.yaml, with --ignore or by inline pragmas\n"
      "  are not fixed.\n\n"
      "FIXES:\n"
      "  Dockerfiles: a non-root USER with a created user, --no-install-recommends, -y,\n"
      "  apt lists removed in the same RUN, apt-get for apt, apk add --no-cache, pip\n"
      "  --no-cache-dir, COPY for ADD of local files, the JSON form of CMD, ENTRYPOINT\n"
      "  and HEALTHCHECK, a SHELL with pipefail, and FROM pinned to a digest (known from\n"
      "  the local Docker daemon's copy of the image, or from the registry with\n"
      "  --resolve).\n"
      "  Compose: privileged removed, no-new-privileges, cap_drop: [ALL], read_only.\n"
      "  Kubernetes: privileged: false, allowPrivilegeEscalation: false, capabilities\n"
      "  dropped, readOnlyRootFilesystem and runAsNonRoot.\n"
      "  `moat rules --format json` lists every check; `moat rules DF016` names its fix.\n\n"
      "EXAMPLES:\n"
      "  moat fix Dockerfile                 print the diff\n"
      "  moat fix Dockerfile | patch -p1     apply it\n"
      "  moat fix --write Dockerfile compose.yaml deploy/web.yaml\n"
      "  moat fix --resolve --write Dockerfile   also pin FROM to registry digests\n"
      "  moat fix --ignore DF004 -f json Dockerfile\n\n"
      "EXIT STATUS:\n"
      "  0  the diff was printed or the files written (also when nothing needed a fix)\n"
      "  2  a file could not be read or parsed, or a bad option; no file was changed\n"));
  cmd->callback(verb_callback(exit_code, [opts] { return run_fix(*opts); }));
}

} // namespace moat::cli
