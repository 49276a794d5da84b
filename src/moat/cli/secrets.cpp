// moat secrets: credentials in files and directories, found by the secret
// engine (secrets/engine.hpp) reading each file once, in blocks.
#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/cli/vuln_common.hpp>
#include <moat/secrets/engine.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>
#include <moat/util/time.hpp>
#include <moat/vuln/suppress.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

namespace moat::cli {

namespace {

namespace fs = std::filesystem;

struct SecretsOptions {
  CommonOptions common;
  std::vector<std::string> paths;
  std::string context;
  std::string dockerfile;
  unsigned threads = 0; // 0: one per core
  std::string ignore_file;
  bool no_progress = false;
};

// .moatignore: a line whose id is a finding's fingerprint ignores that
// secret wherever it is; a check id or alias with path:PREFIX ignores the
// check under that path.
struct Ignores {
  std::vector<vuln::IgnoreRule> rules;
  std::string today;

  [[nodiscard]] bool covers(const core::CheckInfo& check, std::string_view fingerprint,
                            std::string_view file) const {
    for (const auto& r : rules) {
      if (!vuln::rule_active(r, today))
        continue;
      if (r.id == fingerprint)
        return true;
      if (core::check_matches(check, r.id) && !r.path.empty() && file.starts_with(r.path))
        return true;
    }
    return false;
  }
};

struct Scanned {
  core::Findings findings;
  int suppressed = 0;
};

constexpr std::size_t k_block = std::size_t{1} << 20;

// The findings in the regular file PATH (named SHOWN in the report),
// read once in blocks of BUFFER's size.
core::Result<Scanned> scan_file(secrets::Scanner& scanner, const fs::path& path,
                                const std::string& shown, const Ignores& ignores,
                                std::string& buffer) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return core::fail(core::ErrorKind::io, shown, std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  MOAT_TRY(scanner.begin(shown));
  buffer.resize(k_block);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return core::fail(core::ErrorKind::io, shown, std::strerror(errno));
    if (n == 0)
      break;
    MOAT_TRY(scanner.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n))));
  }
  MOAT_TRY_ASSIGN(hits, scanner.finish());
  Scanned out;
  for (auto& hit : hits) {
    core::Finding f;
    f.check = &secrets::check_of(*hit.rule);
    if (ignores.covers(*f.check, hit.fingerprint, shown)) {
      ++out.suppressed;
      continue;
    }
    f.severity = f.check->severity;
    f.message =
        fmt::format("{} ({}); fingerprint {}", f.check->title, hit.redacted, hit.fingerprint);
    f.location.file = shown;
    f.location.line = static_cast<int>(hit.line);
    f.location.column = static_cast<int>(hit.column);
    auto detail = std::make_shared<core::SecretDetail>();
    detail->rule = hit.rule->id;
    detail->redacted = std::move(hit.redacted);
    detail->fingerprint = std::move(hit.fingerprint);
    f.secret = std::move(detail);
    out.findings.push_back(std::move(f));
  }
  return out;
}

// PATH and, for a directory, every regular file under it (symlinks are not
// followed; .git is skipped).
core::Result<std::vector<fs::path>> list_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return core::fail(core::ErrorKind::io, path, std::strerror(errno));
  if (S_ISREG(st.st_mode))
    return std::vector<fs::path>{fs::path(path)};
  if (!S_ISDIR(st.st_mode))
    return core::fail(core::ErrorKind::usage, path, "not a regular file or a directory");
  std::error_code ec;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec) && it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && !it->is_symlink(ec))
      files.push_back(it->path());
  }
  if (ec)
    return core::fail(core::ErrorKind::io, path, ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

// One line of a .dockerignore, as BuildKit reads it: trimmed, '!' for an
// exception, the path cleaned and made relative.
struct IgnorePattern {
  std::string pattern;
  bool exception = false;
};

std::vector<IgnorePattern> read_dockerignore(std::string_view text) {
  std::vector<IgnorePattern> out;
  for (auto line : util::split(text, '\n')) {
    auto pattern = util::trim(line);
    if (pattern.empty() || pattern.front() == '#')
      continue;
    IgnorePattern p;
    if (pattern.front() == '!') {
      p.exception = true;
      pattern = util::trim(pattern.substr(1));
    }
    std::string cleaned = fs::path(std::string(pattern)).lexically_normal().generic_string();
    while (cleaned.size() > 1 && cleaned.back() == '/')
      cleaned.pop_back();
    if (cleaned.size() > 1 && cleaned.front() == '/')
      cleaned.erase(0, 1);
    if (cleaned.empty())
      cleaned = ".";
    p.pattern = std::move(cleaned);
    out.push_back(std::move(p));
  }
  return out;
}

// Whether PATH (relative to the context) is left out of it: the last
// pattern that matches it or a directory above it decides, as BuildKit's
// pattern matcher decides.
bool left_out(const std::vector<IgnorePattern>& patterns, std::string_view path) {
  bool matched = false;
  for (const auto& p : patterns) {
    if (p.exception != matched)
      continue; // it could not change the verdict
    bool match = util::path_match(p.pattern, path);
    for (auto slash = path.find('/'); !match && slash != std::string_view::npos;
         slash = path.find('/', slash + 1))
      match = util::path_match(p.pattern, path.substr(0, slash));
    if (match)
      matched = !p.exception;
  }
  return matched;
}

// The build context DIR as `docker build` sends it: the .dockerignore
// applied (DOCKERFILE.dockerignore beside the Dockerfile first, as BuildKit
// looks for it), symlinks sent as links (not read), and the Dockerfile,
// which is sent whatever the .dockerignore says.
core::Result<std::vector<fs::path>> list_context(const std::string& dir,
                                                 const std::string& dockerfile) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return core::fail(core::ErrorKind::usage, dir, "--context: not a directory");
  const fs::path file = dockerfile.empty() ? fs::path(dir) / "Dockerfile" : fs::path(dockerfile);
  std::vector<IgnorePattern> patterns;
  for (const auto& candidate :
       {fs::path(file.string() + ".dockerignore"), fs::path(dir) / ".dockerignore"}) {
    std::error_code ec;
    if (!fs::is_regular_file(candidate, ec))
      continue;
    auto text = util::read_file(candidate, std::size_t{16} << 20);
    if (!text)
      return core::fail(core::ErrorKind::io, candidate.string(), text.error());
    patterns = read_dockerignore(*text);
    break;
  }
  const bool exceptions =
      std::any_of(patterns.begin(), patterns.end(), [](const auto& p) { return p.exception; });
  std::error_code ec;
  std::vector<fs::path> files;
  const fs::path root(dir);
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string rel = it->path().lexically_relative(root).generic_string();
    const bool symlink = it->is_symlink(ec);
    if (!symlink && it->is_directory(ec)) {
      // A directory left out is not walked, unless an exception may bring
      // something under it back.
      if (!exceptions && left_out(patterns, rel))
        it.disable_recursion_pending();
      continue;
    }
    if (!symlink && it->is_regular_file(ec) && !left_out(patterns, rel))
      files.push_back(it->path());
  }
  if (ec)
    return core::fail(core::ErrorKind::io, dir, ec.message());
  std::sort(files.begin(), files.end());
  std::error_code same_ec;
  if (fs::is_regular_file(file, same_ec) &&
      std::none_of(files.begin(), files.end(),
                   [&](const fs::path& f) { return fs::equivalent(f, file, same_ec); }))
    files.insert(files.begin(), file);
  else if (!dockerfile.empty() && !fs::is_regular_file(file, same_ec))
    return core::fail(core::ErrorKind::io, dockerfile, "-f: no such Dockerfile");
  return files;
}

// Scans the files of every report, THREADS at a time (each thread with its
// own scanner); findings keep the order of the files, and the first error
// in that order wins, so the output does not depend on timing.
// BAR: draw a progress bar on stderr (bytes of the files scanned).
core::Status scan_all(const std::shared_ptr<const secrets::Database>& db, unsigned threads,
                      const Ignores& ignores, std::vector<core::TargetReport>& reports,
                      const std::vector<std::vector<fs::path>>& files, bool bar) {
  struct Job {
    std::size_t report;
    const fs::path* file;
    std::uint64_t size = 0; // for the progress bar only
  };
  std::vector<Job> jobs;
  std::uint64_t total = 0;
  for (std::size_t r = 0; r < files.size(); ++r)
    for (const auto& f : files[r]) {
      std::uint64_t size = 0;
      if (bar) {
        std::error_code ec;
        size = fs::file_size(f, ec);
        size = ec ? 0 : size;
        total += size;
      }
      jobs.push_back(Job{r, &f, size});
    }
  std::vector<std::optional<core::Result<Scanned>>> results(jobs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<std::uint64_t> done{0};
  // The first worker draws, at most ten times a second.
  auto worker = [&](bool draws) -> core::Status {
    MOAT_TRY_ASSIGN(scanner, secrets::Scanner::open(db));
    std::string buffer;
    auto drawn = std::chrono::steady_clock::now() - std::chrono::seconds(1); // draw at once
    for (std::size_t i = next++; i < jobs.size() && !failed; i = next++) {
      results[i] = scan_file(scanner, *jobs[i].file, jobs[i].file->string(), ignores, buffer);
      if (!*results[i])
        failed = true;
      done += jobs[i].size;
      if (bar && draws &&
          std::chrono::steady_clock::now() - drawn > std::chrono::milliseconds(100)) {
        draw_progress("scanning", done, total);
        drawn = std::chrono::steady_clock::now();
      }
    }
    return {};
  };
  const std::size_t count = std::max<std::size_t>(1, std::min<std::size_t>(threads, jobs.size()));
  std::vector<core::Status> started(count);
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < count; ++t)
      pool.emplace_back([&, t] { started[t] = worker(false); });
    started[0] = worker(true);
  }
  if (bar)
    clear_progress();
  for (const auto& st : started)
    MOAT_TRY(st);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!results[i])
      continue; // not reached: an earlier file failed
    if (!*results[i])
      return std::unexpected(results[i]->error());
    auto& report = reports[jobs[i].report];
    for (auto& f : (*results[i])->findings)
      report.findings.push_back(std::move(f));
    report.suppressed += (*results[i])->suppressed;
  }
  return {};
}

int run_secrets(SecretsOptions& opts) {
  if (opts.paths.empty() && opts.context.empty())
    return report_error(core::Error{core::ErrorKind::usage, "moat secrets",
                                    "name a file or directory, or --context DIR", 0, 0});
  if (!opts.dockerfile.empty() && opts.context.empty())
    return report_error(core::Error{core::ErrorKind::usage, "moat secrets",
                                    "-f names the Dockerfile of --context DIR", 0, 0});
  if (auto st = check_output_option(opts.common.output_given, opts.common.output); !st)
    return report_error(st.error());
  auto policy =
      build_policy(opts.common, fs::path(opts.paths.empty() ? opts.context : opts.paths.front()));
  if (!policy)
    return report_error(policy.error());
  auto db = secrets::Database::active();
  if (!db)
    return report_error(db.error());
  std::vector<core::TargetReport> reports;
  std::vector<std::vector<fs::path>> files;
  std::vector<fs::path> inputs;
  if (!opts.context.empty()) {
    auto listed = list_context(opts.context, opts.dockerfile);
    if (!listed)
      return report_error(listed.error());
    core::TargetReport report;
    report.target = opts.context;
    report.kind = "build context";
    reports.push_back(std::move(report));
    files.push_back(std::move(*listed));
    inputs.emplace_back(opts.context);
  }
  for (const auto& path : opts.paths) {
    auto listed = list_path(path);
    if (!listed)
      return report_error(listed.error());
    core::TargetReport report;
    report.target = path;
    report.kind = "secrets";
    reports.push_back(std::move(report));
    files.push_back(std::move(*listed));
    inputs.emplace_back(path);
  }
  Ignores ignores;
  ignores.today = util::format_utc(std::time(nullptr), "%Y-%m-%d");
  auto ignore_file = read_ignore_file(opts.ignore_file);
  if (!ignore_file)
    return report_error(ignore_file.error());
  ignores.rules = std::move(ignore_file->rules);
  if (!ignore_file->path.empty())
    inputs.emplace_back(ignore_file->path);
  const unsigned threads =
      opts.threads > 0 ? opts.threads : std::max(1U, std::thread::hardware_concurrency());
  const bool bar = !opts.no_progress && !opts.common.quiet && util::is_tty(STDERR_FILENO);
  if (auto st = scan_all(*db, threads, ignores, reports, files, bar); !st)
    return report_error(st.error());
  for (auto& report : reports) {
    core::apply_policy(*policy, report);
    core::sort_findings(report.findings);
  }
  if (auto status =
          emit_reports(opts.common, "secrets", secrets::checks(), *policy, reports, inputs);
      !status)
    return report_error(status.error());
  return findings_exit_code(opts.common, *policy, reports);
}

} // namespace

void attach_secrets(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<SecretsOptions>();
  auto* cmd = root.add_subcommand("secrets", "Find credentials in files and directories");
  cmd->add_option("PATH", opts->paths, "Files and directories to scan (directories recursively)");
  cmd->add_option("--context", opts->context,
                  "A build context: scan exactly what docker build sends (.dockerignore applied)")
      ->option_text("DIR");
  cmd->add_option("-f,--file", opts->dockerfile,
                  "The Dockerfile of --context (default DIR/Dockerfile); its NAME.dockerignore "
                  "wins over the context's")
      ->option_text("DOCKERFILE");
  cmd->add_option("--ignore-file", opts->ignore_file,
                  "Suppressions: fingerprints, or check ids with path:PREFIX (default: "
                  ".moatignore in the working directory)")
      ->option_text("FILE");
  cmd->add_flag("--no-progress", opts->no_progress, "Never draw the progress bar");
  cmd->add_option("--threads", opts->threads,
                  "Files scanned at once, each on a thread of its own (default: one per core)")
      ->option_text("N");
  // -f is the Dockerfile here, as for docker build: --format has no short form.
  add_common_options(*cmd, opts->common,
                     "text, json, sarif, junit, github, gitlab, checkstyle, sonarqube, markdown",
                     false);
  cmd->footer(
      std::string(
          "DESCRIPTION:\n"
          "  Reads every byte of each file once, in blocks, against all secret rules\n"
          "  at once (one Hyperscan database): cloud keys (AWS, Google Cloud,\n"
          "  Azure), private keys (PEM blocks with a body, PuTTY), GitHub, GitLab,\n"
          "  Slack, Stripe, Twilio, SendGrid, npm, PyPI, Hugging Face and OpenAI\n"
          "  tokens, registry credentials in Docker configs, passwords in URLs, JSON\n"
          "  Web Tokens, and values assigned to names like password or api_key. A\n"
          "  match is confirmed on the text before it: the secret is cut out, its\n"
          "  entropy must reach the rule's floor, and placeholders (${VAR}, <token>,\n"
          "  xxxx, EXAMPLE, changeme) and the documentation and test data of\n"
          "  installed packages are left alone. Findings show the secret redacted,\n"
          "  never whole, and a fingerprint of the rule and the secret. Directories\n"
          "  are walked without following symlinks; .git is skipped. `moat rules`\n"
          "  lists the rules (SE ids, with gitleaks' rule ids as aliases).\n"
          "  --context DIR scans the build context as `docker build` sends it, which\n"
          "  is what can end up in an image: the .dockerignore applied as BuildKit\n"
          "  applies it (exceptions with '!', '**', the last matching pattern\n"
          "  deciding, Dockerfile.dockerignore beside the Dockerfile first), symlinks\n"
          "  not followed, and the Dockerfile itself. On a terminal a progress bar\n"
          "  shows the bytes scanned (--no-progress turns it off).\n\n"
          "CONFIGURATION:\n"
          "  The secrets: section of .moat.yaml adds rules of your own (id, pattern,\n"
          "  keywords, entropy, secret-group), allow rules (path globs, a regex on the\n"
          "  secret), placeholder words and entropy floors, and disables built-in\n"
          "  rules; `moat rules` shows every control in force.\n\n"
          "SUPPRESSION:\n"
          "  .moatignore (or --ignore-file), one rule a line:\n"
          "    FINGERPRINT [exp:YYYY-MM-DD] [# why]   that secret, wherever it is\n"
          "    ID path:PREFIX [exp:YYYY-MM-DD]        a check (SE id or alias) under PREFIX\n"
          "  --ignore ID turns a check off everywhere; suppressed findings never\n"
          "  fail the run.\n\n"
          "EXAMPLES:\n"
          "  moat secrets .\n"
          "  moat secrets config/ deploy/.env --fail-on high\n"
          "  moat secrets . --format sarif -o secrets.sarif\n"
          "  moat secrets . --ignore SE024,jwt\n"
          "  moat secrets --context . -f build/Dockerfile --fail-on high\n\n") +
      exit_status_help());
  cmd->callback(verb_callback(exit_code, [opts] { return run_secrets(*opts); }));
}

} // namespace moat::cli
