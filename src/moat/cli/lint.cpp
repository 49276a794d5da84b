// moat lint: Dockerfiles.

#include <moat/cli/common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/dockerfile/ast.hpp>
#include <moat/dockerfile/lint.hpp>
#include <moat/util/bytes.hpp>
#include <moat/util/file.hpp>
#include <moat/util/heap.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

namespace moat::cli {

namespace {

constexpr std::size_t k_max_dockerfile_bytes = 16U << 20;
// Directories are searched this deep; each open level holds a directory
// stream, so a hostile tree nested thousands deep would cost hundreds of MB.
constexpr int k_max_search_depth = 128;

struct LintOptions {
  CommonOptions common;
  std::vector<std::string> paths;
  bool ast = false;
};

// True for Dockerfile, Containerfile, *.Dockerfile, Dockerfile.* (any case).
bool is_dockerfile_name(std::string_view name) {
  auto lower = util::to_lower(name);
  if (lower == "dockerfile" || lower == "containerfile")
    return true;
  if (lower.ends_with(".dockerignore"))
    return false;
  return lower.ends_with(".dockerfile") || lower.starts_with("dockerfile.") ||
         lower.starts_with("containerfile.");
}

// Expands directories into the Dockerfiles below them, sorted.
core::Result<std::vector<std::string>> collect_files(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    if (p == "-") {
      files.push_back(p);
      continue;
    }
    std::error_code ec;
    auto status = std::filesystem::status(p, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
      return core::fail(core::ErrorKind::io, p, ec.message()); // a symlink loop, EACCES...
    if (!std::filesystem::exists(status))
      return core::fail(core::ErrorKind::io, p, "no such file or directory");
    if (!std::filesystem::is_directory(status)) {
      files.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    auto options = std::filesystem::directory_options::skip_permission_denied;
    for (auto it = std::filesystem::recursive_directory_iterator(p, options, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (it->is_directory(ec) && (name == ".git" || name == "node_modules")) {
        it.disable_recursion_pending();
        continue;
      }
      if (it.depth() >= k_max_search_depth && it->is_directory(ec))
        return core::fail(core::ErrorKind::limit, p,
                          fmt::format("directories nested more than {} deep below it; name the "
                                      "Dockerfiles or a deeper directory instead",
                                      k_max_search_depth));
      if (it->is_regular_file(ec) && is_dockerfile_name(name))
        found.push_back(it->path().string());
    }
    if (ec)
      return core::fail(core::ErrorKind::io, p, ec.message());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// Where a file stops looking like text: a NUL byte, or control characters
// no text file holds (beyond the odd form feed or escape) in more than 1%
// of it. Linting a binary by mistake must not produce findings.
std::optional<std::size_t> binary_at(std::string_view text) {
  std::size_t controls = 0;
  // Only control bytes matter, and text has few: skip to each one.
  for (std::size_t i = util::next_control_byte(text, 0); i < text.size();
       i = util::next_control_byte(text, i + 1)) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0)
      return i;
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b &&
        ++controls > 8 && controls * 100 > text.size())
      return i;
  }
  return std::nullopt;
}

core::Result<std::string> read_text_input(const std::string& path);

core::Result<std::string> read_input(const std::string& path) {
  auto text = read_text_input(path);
  if (!text)
    return text;
  if (const auto at = binary_at(*text))
    return core::fail(core::ErrorKind::parse, path,
                      fmt::format("not a text file (binary content at byte {}); a Dockerfile is "
                                  "text",
                                  *at));
  return text;
}

core::Result<std::string> read_text_input(const std::string& path) {
  if (path == "-") {
    auto text = util::read_stream(std::cin, k_max_dockerfile_bytes);
    if (!text)
      return core::fail(core::ErrorKind::io, "-", text.error());
    return std::move(*text);
  }
  auto text = util::read_file(path, k_max_dockerfile_bytes);
  if (!text)
    return core::fail(core::ErrorKind::io, path, text.error());
  return std::move(*text);
}

// Reads and lints one file, with the policy applied.
core::Result<core::TargetReport> lint_one(const std::string& file, const core::Policy& policy) {
  auto text = read_input(file);
  if (!text)
    return std::unexpected(text.error());
  dockerfile::LintInput input;
  input.name = file;
  input.text = std::move(*text);
  if (file != "-") {
    auto dir = std::filesystem::path(file).parent_path();
    input.context_dir = dir.empty() ? std::filesystem::path(".") : dir;
  }
  auto report = dockerfile::lint(input, policy);
  if (report)
    core::apply_policy(policy, *report);
  return report;
}

int run_lint(LintOptions& opts) {
  if (opts.paths.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists("Dockerfile", ec))
      return report_error(core::Error{core::ErrorKind::usage, "lint",
                                      "no Dockerfile given and none in the current directory", 0,
                                      0});
    opts.paths.emplace_back("Dockerfile");
  }
  auto files = collect_files(opts.paths);
  if (!files)
    return report_error(files.error());
  if (files->empty())
    return report_error(
        core::Error{core::ErrorKind::usage, opts.paths.front(), "no Dockerfiles found", 0, 0});

  if (opts.ast) {
    std::string out;
    for (const auto& file : *files) {
      auto text = read_input(file);
      if (!text)
        return report_error(text.error());
      auto parsed = dockerfile::parse(*text, file);
      if (!parsed)
        return report_error(parsed.error());
      out += dockerfile::dump(*parsed);
    }
    std::cout << out << std::flush;
    return k_exit_clean;
  }

  const std::filesystem::path start = files->front() == "-" ? std::filesystem::current_path()
                                                            : std::filesystem::path(files->front());
  auto policy = build_policy(opts.common, start);
  if (!policy)
    return report_error(policy.error());

  // Files are linted in parallel; reports keep the order of the files and the
  // first error in that order wins, so the output does not depend on timing.
  const auto& paths = *files;
  std::vector<std::optional<core::Result<core::TargetReport>>> results(paths.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < paths.size(); i = next++)
      results[i] = lint_one(paths[i], *policy);
  };
  const std::size_t threads =
      std::min<std::size_t>(paths.size(), std::max(1U, std::thread::hardware_concurrency()));
  std::vector<std::jthread> pool;
  for (std::size_t t = 1; t < threads; ++t)
    pool.emplace_back([&] {
      util::prefer_huge_page_thread_heap();
      worker();
    });
  worker();
  pool.clear();

  std::vector<core::TargetReport> reports;
  reports.reserve(paths.size());
  for (auto& result : results) {
    if (!*result)
      return report_error(result->error());
    reports.push_back(std::move(**result));
  }
  if (auto status = emit_reports(opts.common, "lint", dockerfile::checks(), *policy, reports,
                                 {paths.begin(), paths.end()});
      !status)
    return report_error(status.error());
  return findings_exit_code(opts.common, *policy, reports);
}

} // namespace

void attach_lint(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<LintOptions>();
  auto* cmd =
      root.add_subcommand("lint", "Check Dockerfiles for security and correctness problems");

  cmd->add_option("PATH", opts->paths, "Dockerfiles or directories ('-' = stdin)");
  cmd->add_flag("--ast", opts->ast,
                "Print the parse in BuildKit's AST dump format instead of linting");
  add_common_options(
      *cmd, opts->common,
      "text, table, json, sarif, junit, github, gitlab, checkstyle, sonarqube, markdown");
  cmd->footer(
      std::string(
          "DESCRIPTION:\n"
          "  Each PATH is a Dockerfile, a directory (searched recursively for Dockerfile,\n"
          "  Containerfile, *.Dockerfile and Dockerfile.*) or '-' for standard input. With\n"
          "  no PATH, ./Dockerfile is linted. The parser follows BuildKit exactly: heredocs,\n"
          "  parser directives, --mount and other flags, and ARG/ENV expansion in FROM.\n"
          "  A .dockerignore beside the Dockerfile is taken as its build context's.\n\n"
          "  Inline pragmas: '# moat ignore=ID[,ID]' above an instruction skips it for\n"
          "  those checks, '# moat global ignore=ID[,ID]' anywhere skips them for the file.\n"
          "  The '# hadolint ignore=' forms and BuildKit's '# check=skip=' directive are\n"
          "  honoured too. Ids may be moat ids or aliases: hadolint DL, Trivy DS, dockle\n"
          "  CIS-DI/DKL-DI, or BuildKit check names. 'moat rules ID' explains a check.\n\n"
          "EXAMPLES:\n"
          "  moat lint Dockerfile\n"
          "  moat lint --format sarif --output moat.sarif .\n"
          "  moat lint --fail-on high --ignore DL3008,DF048 services/\n"
          "  cat Dockerfile | moat lint -\n\n") +
      exit_status_help());
  cmd->callback(verb_callback(exit_code, [opts] { return run_lint(*opts); }));
}

} // namespace moat::cli
