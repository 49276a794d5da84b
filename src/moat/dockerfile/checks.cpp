// The driver of the Dockerfile checks: reports findings, reads every RUN
// once, and calls each family of checks (checks_*.cpp) in turn.

#include <moat/dockerfile/check_helpers.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace moat::dockerfile::detail {

using util::to_lower;

namespace {

// Every check asks for its entry on every instruction it looks at: a hash
// lookup, built once, instead of a binary search of string compares.
const core::CheckInfo& check_info(std::string_view id) {
  static const auto index = [] {
    std::unordered_map<std::string_view, const core::CheckInfo*> out;
    for (const auto& check : check_table())
      out.emplace(check.id, &check);
    return out;
  }();
  const auto it = index.find(id);
  if (it == index.end())
    throw std::logic_error("unknown Dockerfile check id " + std::string(id));
  return *it->second;
}

} // namespace

bool Context::enabled(std::string_view id) const {
  const auto& check = check_info(id);
  return policy.is_enabled(check) || (directive_enables && directive_enables(check));
}

void Context::report(std::string_view id, const Instruction& ins, std::string message) {
  core::Finding f;
  const core::CheckInfo* it = &check_info(id);
  f.check = &*it;
  f.severity = it->severity;
  f.message = std::move(message);
  f.location = core::Location{file, ins.start_line, ins.column,
                              ins.end_line > ins.start_line ? ins.end_line : 0};
  findings.push_back(std::move(f));
}

const std::optional<std::string>& Context::dockerignore() {
  if (!m_dockerignore)
    m_dockerignore = read_dockerignore ? read_dockerignore() : std::nullopt;
  return *m_dockerignore;
}

const Run* Context::run_of(const Instruction& ins) const {
  auto it = run_index.find(&ins);
  return it == run_index.end() ? nullptr : &runs[it->second];
}

void Context::report_line(std::string_view id, int line, std::string message) {
  Instruction pseudo;
  pseudo.start_line = line;
  pseudo.end_line = line;
  pseudo.column = line > 0 ? 1 : 0;
  report(id, pseudo, std::move(message));
}

namespace {

std::vector<std::string> run_scripts(const Instruction& ins) {
  std::vector<std::string> out;
  if (ins.json)
    return out;
  std::string text = ins.args.empty() ? std::string() : ins.args.front();
  if (!ins.heredocs.empty()) {
    // "RUN <<EOF" or "RUN bash <<EOF": the body is the script. Otherwise the
    // body is data for another program.
    std::string head = text;
    if (auto pos = head.find("<<"); pos != std::string::npos)
      head.erase(pos);
    auto cmd = first_word(head);
    bool body_is_script =
        cmd.empty() || is_one_of(base_name(cmd), {"sh", "bash", "ash", "dash", "zsh"});
    if (body_is_script)
      for (const auto& h : ins.heredocs)
        out.push_back(h.content);
  }
  out.push_back(text);
  return out;
}

// Appends a script's commands, renumbering its pipelines so that pipeline
// ids stay unique across the scripts of one RUN.
void append_script(Run& run, shell::Script script) {
  int base = 0;
  for (const auto& c : run.commands)
    base = std::max(base, c.pipeline + 1);
  for (auto& cmd : script.commands) {
    cmd.pipeline += base;
    run.commands.push_back(std::move(cmd));
  }
}

// Reads the commands RUN runs, and keeps them with their wrappers removed.
void read_commands(Run& run, bool posix) {
  const Instruction& ins = *run.instruction;
  if (ins.json) {
    shell::Command c;
    c.argv = ins.args;
    run.commands.push_back(std::move(c));
    // ["sh", "-c", "script"] runs a script.
    if (ins.args.size() >= 3 && is_one_of(base_name(ins.args[0]), {"sh", "bash"}) &&
        ins.args[1] == "-c") {
      append_script(run, shell::read(ins.args[2]));
    }
  } else if (posix) {
    for (const auto& text : run_scripts(ins))
      append_script(run, shell::read(text));
  }
  // Only the unwrapped commands are kept: a hostile file can hold a
  // million commands. sudo is noted before unwrapping drops it.
  run.unwrapped.reserve(run.commands.size());
  for (auto& c : run.commands) {
    if (c.argv.empty())
      continue;
    if (c.program() == "sudo")
      run.uses_sudo = true;
    run.unwrapped.push_back(unwrap(std::move(c)));
  }
  // Not `= {}`: that assigns an empty list and keeps the buffer.
  std::vector<shell::Command>().swap(run.commands);
}

} // namespace

void run_checks(Context& ctx) {
  // Which stages end up in the final image.
  ctx.in_final_image.assign(ctx.model.stages.size(), false);
  if (!ctx.model.stages.empty()) {
    for (int s = static_cast<int>(ctx.model.stages.size()) - 1, guard = 0; s >= 0 && guard < 1000;
         ++guard) {
      ctx.in_final_image[static_cast<std::size_t>(s)] = true;
      s = ctx.model.stages[static_cast<std::size_t>(s)].base_stage;
    }
  }
  ctx.stage_reused.assign(ctx.model.stages.size(), false);
  if (!ctx.model.stages.empty())
    ctx.stage_reused.back() = true;
  for (const auto& stage : ctx.model.stages)
    if (stage.base_stage >= 0)
      ctx.stage_reused[static_cast<std::size_t>(stage.base_stage)] = true;
  // Read every RUN once. The SHELL in effect (POSIX or not, with pipefail
  // or not) carries over to stages built on a stage.
  struct ShellState {
    bool posix = true;
    bool pipefail = false;
  };
  std::vector<ShellState> final_shell;
  for (const auto& stage : ctx.model.stages) {
    ShellState shell_state{ctx.ast.escape != '`', false};
    if (stage.base_stage >= 0 && static_cast<std::size_t>(stage.base_stage) < final_shell.size())
      shell_state = final_shell[static_cast<std::size_t>(stage.base_stage)];
    bool& posix = shell_state.posix;
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword == "shell" && !ins.args.empty()) {
        auto sh = to_lower(std::string(base_name(ins.args[0])));
        posix = is_one_of(sh, {"sh", "bash", "ash", "dash", "zsh", "ksh"});
        // Of the POSIX shells a SHELL names, bash, zsh and ash take -o pipefail
        // (dash in older releases rejects it).
        shell_state.pipefail = false;
        for (std::size_t k = 0; k + 1 < ins.args.size(); ++k)
          if (ins.args[k].starts_with("-") && ins.args[k].ends_with("o") &&
              ins.args[k + 1] == "pipefail" && is_one_of(sh, {"bash", "zsh", "ash"}))
            shell_state.pipefail = true;
      }
      // A RUN inside ONBUILD runs in every image built on this one; it is
      // checked like any RUN and reported at the ONBUILD.
      const bool onbuild_run =
          ins.keyword == "onbuild" && ins.onbuild && ins.onbuild->keyword == "run";
      if (ins.keyword != "run" && !onbuild_run)
        continue;
      const Instruction& run_ins = onbuild_run ? *ins.onbuild : ins;
      Run run;
      run.instruction = &run_ins;
      run.onbuild = onbuild_run;
      run.stage = stage.index;
      run.step = &step;
      run.posix = posix && !run_ins.json;
      run.shell_pipefail = shell_state.pipefail;
      read_commands(run, posix);
      ctx.run_index.emplace(&run_ins, ctx.runs.size());
      ctx.runs.push_back(std::move(run));
    }
    final_shell.push_back(shell_state);
  }
  check_instruction_order(ctx);
  check_unknown_and_deprecated(ctx);
  check_inline_pragmas(ctx);
  check_descriptions(ctx);
  check_secret_names(ctx);
  if (ctx.model.stages.empty())
    return;
  check_from(ctx);
  check_source_registries(ctx);
  check_user(ctx);
  check_stage_counts(ctx);
  check_numeric_user(ctx);
  check_overridden(ctx);
  check_exec_form(ctx);
  check_workdir_volume(ctx);
  check_first_workdir(ctx);
  check_expose(ctx);
  check_env_self_reference(ctx);
  check_labels(ctx);
  check_secrets(ctx);
  check_url_credentials(ctx);
  check_copy_add(ctx);
  check_copy_sources(ctx);
  check_copy_whole_stage(ctx);
  check_copy_ignored(ctx);
  for (const auto& run : ctx.runs) {
    check_run_commands(ctx, run);
    check_apt(ctx, run);
    check_apk(ctx, run);
    check_rpm(ctx, run);
    check_pip(ctx, run);
    check_npm(ctx, run);
    check_gem(ctx, run);
    check_go(ctx, run);
  }
  check_run_sequences(ctx);
  check_run_flags(ctx);
  check_casing_and_form(ctx);
  check_from_buildkit(ctx);
  check_undefined_vars(ctx);
  check_instruction_values(ctx);
  check_run_security(ctx);
  check_removed_later(ctx);
}

} // namespace moat::dockerfile::detail
