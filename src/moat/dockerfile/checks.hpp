#pragma once
// Internal to the dockerfile module: the context the checks run in.

#include <moat/core/finding.hpp>
#include <moat/core/policy.hpp>
#include <moat/dockerfile/ast.hpp>
#include <moat/dockerfile/model.hpp>
#include <moat/dockerfile/shell.hpp>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace moat::dockerfile::detail {

// A RUN instruction with the commands it runs.
struct Run {
  // The RUN instruction; for ONBUILD RUN, the trigger (which carries the
  // ONBUILD's position).
  const Instruction* instruction = nullptr;
  bool onbuild = false; // a RUN inside ONBUILD
  int stage = 0;
  const Step* step = nullptr;
  bool posix = true;           // run by a POSIX shell (not SHELL ["pwsh", ...], not exec form)
  bool shell_pipefail = false; // the SHELL in effect sets -o pipefail
  std::vector<shell::Command> commands;  // as read; emptied once unwrapped
  std::vector<shell::Command> unwrapped; // commands with argv, wrappers (sudo, env, ...) removed
  bool uses_sudo = false;
};

struct Context {
  Context(const ParseResult& a, const Model& m, const std::string& f, const core::Policy& p)
      : ast(a), model(m), file(f), policy(p) {}

  const ParseResult& ast;
  const Model& model;
  const std::string& file;
  const core::Policy& policy;
  // Reads the .dockerignore of the build context: nullopt when there is
  // none. Empty when the context is unknown (stdin), which turns off the
  // checks that need it.
  std::function<std::optional<std::string>()> read_dockerignore;
  std::vector<Run> runs;
  std::unordered_map<const Instruction*, std::size_t> run_index; // RUN instruction -> runs[i]
  std::vector<bool> in_final_image; // per stage: the final stage or one it builds on
  // Per stage: the final stage, or one a later stage is built FROM (a
  // stage nothing builds on is a throw-away build step).
  std::vector<bool> stage_reused;
  core::Findings findings;
  // BuildKit's check directive can turn on its experimental checks.
  std::function<bool(const core::CheckInfo&)> directive_enables;

  // The .dockerignore that applies (nullopt when none or the context is
  // unknown); read once, and only when a check needs it.
  [[nodiscard]] const std::optional<std::string>& dockerignore();
  // The RUN read from INS, or nullptr.
  [[nodiscard]] const Run* run_of(const Instruction& ins) const;
  // True when the opt-in check ID is turned on (by the policy or the check
  // directive); always true for other checks.
  [[nodiscard]] bool enabled(std::string_view id) const;
  // Records a finding of check ID at an instruction.
  void report(std::string_view id, const Instruction& ins, std::string message);
  // Records a finding of check ID at a line (0 = the whole file).
  void report_line(std::string_view id, int line, std::string message);

private:
  std::optional<std::optional<std::string>> m_dockerignore;
};

// The check table (sorted by id).
[[nodiscard]] std::span<const core::CheckInfo> check_table();

// Prepares RUN commands and stage facts, then runs every check.
void run_checks(Context& ctx);

// The families of checks, one file each. Each reports through CTX.

// checks_stages.cpp: FROM and build stages.
void check_instruction_order(Context& ctx);
void check_from(Context& ctx);
void check_source_registries(Context& ctx);
void check_user(Context& ctx);
void check_stage_counts(Context& ctx);
void check_from_buildkit(Context& ctx);
void check_numeric_user(Context& ctx);
void check_overridden(Context& ctx);

// checks_form.cpp: how instructions are written and the values they take.
void check_unknown_and_deprecated(Context& ctx);
void check_exec_form(Context& ctx);
void check_workdir_volume(Context& ctx);
void check_first_workdir(Context& ctx);
void check_expose(Context& ctx);
void check_env_self_reference(Context& ctx);
void check_casing_and_form(Context& ctx);
void check_undefined_vars(Context& ctx);
void check_instruction_values(Context& ctx);
void check_inline_pragmas(Context& ctx);
void check_descriptions(Context& ctx);

// checks_labels.cpp: label keys and the label schema.
void check_labels(Context& ctx);

// checks_secrets.cpp: secrets in ARG, ENV, LABEL, RUN and heredocs.
void check_secrets(Context& ctx);
void check_url_credentials(Context& ctx);
void check_secret_names(Context& ctx);

// checks_copy.cpp: COPY and ADD.
void check_copy_add(Context& ctx);
void check_copy_sources(Context& ctx);
void check_copy_whole_stage(Context& ctx);
void check_copy_ignored(Context& ctx);
void check_removed_later(Context& ctx);

// checks_run.cpp: what RUN does, across RUNs, RUN flags and hardening.
void check_run_commands(Context& ctx, const Run& run);
void check_run_sequences(Context& ctx);
void check_run_flags(Context& ctx);
void check_run_security(Context& ctx);

// One file per package manager: checks_apt.cpp, checks_apk.cpp,
// checks_rpm.cpp (yum, dnf, microdnf, zypper), checks_pip.cpp,
// checks_npm.cpp (npm, yarn), checks_gem_go.cpp.
void check_apt(Context& ctx, const Run& run);
void check_apk(Context& ctx, const Run& run);
void check_rpm(Context& ctx, const Run& run);
void check_pip(Context& ctx, const Run& run);
void check_npm(Context& ctx, const Run& run);
void check_gem(Context& ctx, const Run& run);
void check_go(Context& ctx, const Run& run);

} // namespace moat::dockerfile::detail
