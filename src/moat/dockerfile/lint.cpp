#include <moat/dockerfile/lint.hpp>

#include <moat/dockerfile/checks.hpp>
#include <moat/dockerfile/model.hpp>
#include <moat/util/strings.hpp>

#include <algorithm>
#include <system_error>

namespace moat::dockerfile {

namespace {

struct Pragma {
  bool global = false;
  std::vector<std::string> ids;
};

// Reads "moat ignore=A,B", "moat global ignore=A", and the same with
// "hadolint" in place of "moat"; nullopt for any other comment.
std::optional<Pragma> read_pragma(std::string_view comment) {
  auto text = util::trim(comment);
  std::string_view rest;
  if (text.starts_with("moat "))
    rest = text.substr(5);
  else if (text.starts_with("hadolint "))
    rest = text.substr(9);
  else
    return std::nullopt;
  rest = util::trim_left(rest);
  Pragma p;
  if (rest.starts_with("global ")) {
    p.global = true;
    rest = util::trim_left(rest.substr(7));
  }
  if (!rest.starts_with("ignore="))
    return std::nullopt;
  rest = rest.substr(7);
  // The id list ends at the first space: "ignore=DL3008 reason text".
  rest = rest.substr(0, rest.find_first_of(" \t"));
  for (auto id : util::split_trimmed(rest, ','))
    p.ids.emplace_back(id);
  return p;
}

bool matches_any(const core::CheckInfo& check, const std::vector<std::string>& ids) {
  return std::any_of(ids.begin(), ids.end(),
                     [&](const std::string& id) { return core::check_matches(check, id); });
}

bool has_dockerignore(const std::filesystem::path& dir, const std::string& dockerfile_name) {
  std::error_code ec;
  if (std::filesystem::exists(dir / ".dockerignore", ec))
    return true;
  // BuildKit also reads <Dockerfile name>.dockerignore beside the Dockerfile.
  auto specific = std::filesystem::path(dockerfile_name).filename().string() + ".dockerignore";
  return std::filesystem::exists(dir / specific, ec);
}

// True when one of the check's aliases is a BuildKit build-check name
// (those are the aliases in UpperCamelCase).
bool has_buildkit_alias(const core::CheckInfo& check) {
  for (auto alias : core::aliases_of(check))
    if (!alias.empty() && alias.front() >= 'A' && alias.front() <= 'Z' &&
        alias.find_first_of("-0123456789") == std::string_view::npos)
      return true;
  return false;
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
  if (input.context_dir)
    ctx.find_dockerignore = [&input] { return has_dockerignore(*input.context_dir, input.name); };
  detail::run_checks(ctx);

  // Inline pragmas: global ones anywhere, others for the next instruction.
  std::vector<std::string> global_ids;
  for (const auto& c : ast->comments)
    if (auto p = read_pragma(c.text); p && p->global)
      global_ids.insert(global_ids.end(), p->ids.begin(), p->ids.end());
  // BuildKit's "# check=skip=Rule1,Rule2" directive skips its build checks,
  // which moat carries as aliases; "skip=all" skips every one of them.
  bool skip_buildkit_all = false;
  for (const auto& d : ast->directives) {
    if (d.name != "check")
      continue;
    for (auto part : util::split_trimmed(d.value, ';')) {
      if (!part.starts_with("skip="))
        continue;
      for (auto rule : util::split_trimmed(part.substr(5), ',')) {
        if (util::iequals(rule, "all"))
          skip_buildkit_all = true;
        else
          global_ids.emplace_back(rule);
      }
    }
  }
  struct Scoped {
    int first = 0;
    int last = 0;
    std::vector<std::string> ids;
  };
  std::vector<Scoped> scoped;
  auto collect = [&](const Instruction& ins) {
    Scoped s{ins.start_line, std::max(ins.start_line, ins.end_line), {}};
    for (const auto& c : ins.comments)
      if (auto p = read_pragma(c); p && !p->global)
        s.ids.insert(s.ids.end(), p->ids.begin(), p->ids.end());
    if (!s.ids.empty())
      scoped.push_back(std::move(s));
  };
  for (const auto& ins : ast->instructions)
    collect(ins);

  core::TargetReport report;
  report.target = input.name;
  report.kind = "dockerfile";
  for (auto& f : ctx.findings) {
    bool ignored =
        matches_any(*f.check, global_ids) || (skip_buildkit_all && has_buildkit_alias(*f.check));
    for (const auto& s : scoped)
      if (!ignored && f.location.line >= s.first && f.location.line <= s.last &&
          matches_any(*f.check, s.ids))
        ignored = true;
    if (ignored) {
      ++report.suppressed;
      continue;
    }
    report.findings.push_back(std::move(f));
  }
  core::sort_findings(report.findings);
  return report;
}

} // namespace moat::dockerfile
