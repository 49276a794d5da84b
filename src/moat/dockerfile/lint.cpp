#include <moat/dockerfile/lint.hpp>

#include <moat/dockerfile/checks.hpp>
#include <moat/dockerfile/model.hpp>
#include <moat/dockerfile/pragma.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <algorithm>
#include <system_error>

namespace moat::dockerfile {

namespace {

// A .dockerignore larger than this is read as if absent: it is not a
// list of patterns anybody wrote.
constexpr std::size_t k_max_dockerignore_bytes = 1 << 20;

// The .dockerignore BuildKit would use: <Dockerfile name>.dockerignore
// beside the Dockerfile wins over .dockerignore in the context.
std::optional<std::string> read_dockerignore(const std::filesystem::path& dir,
                                             const std::string& dockerfile_name) {
  std::error_code ec;
  const auto specific =
      dir / (std::filesystem::path(dockerfile_name).filename().string() + ".dockerignore");
  for (const auto& path : {specific, dir / ".dockerignore"}) {
    if (!std::filesystem::exists(path, ec))
      continue;
    auto text = util::read_file(path, k_max_dockerignore_bytes);
    return text ? std::move(*text) : std::string();
  }
  return std::nullopt;
}

} // namespace

std::span<const core::CheckInfo> checks() {
  return detail::check_table();
}

core::Result<core::TargetReport> lint(const LintInput& input, const core::Policy& policy) {
  auto ast = parse(input.text, input.name);
  if (!ast)
    return std::unexpected(ast.error());
  const Model model = build_model(*ast);
  detail::Context ctx(*ast, model, input.name, policy);
  const detail::Suppressions suppressions(*ast, detail::check_table(),
                                          !policy.disable_ignore_pragma);
  ctx.directive_enables = [&suppressions](const core::CheckInfo& check) {
    return suppressions.experimental_enabled(check);
  };
  if (input.context_dir)
    ctx.read_dockerignore = [&input] { return read_dockerignore(*input.context_dir, input.name); };
  detail::run_checks(ctx);

  // The commands of every RUN are no longer needed: with a large file they
  // are a third of what is held, so they go before the report is built.
  ctx.runs = {};
  ctx.run_index = {};
  core::TargetReport report;
  report.target = input.name;
  report.kind = "dockerfile";
  // Opt-in checks the user did not turn on are dropped; what the file's
  // own comments silence counts as suppressed. Filtered in place and
  // moved: one list of findings, never two.
  std::erase_if(ctx.findings, [&](const core::Finding& f) {
    if (!ctx.enabled(f.check->id))
      return true;
    if (suppressions.silences(f)) {
      ++report.suppressed;
      return true;
    }
    return false;
  });
  report.findings = std::move(ctx.findings);
  core::sort_findings(report.findings);
  return report;
}

} // namespace moat::dockerfile
