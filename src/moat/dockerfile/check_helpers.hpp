#pragma once
// Internal to the dockerfile module: what the check files share to read
// commands, words and stages.

#include <moat/dockerfile/checks.hpp>
#include <moat/util/strings.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::dockerfile::detail {

using shell::Command;

// ---------------------------------------------------------------------------
// Words

// True when S is one of SET.
[[nodiscard]] bool is_one_of(std::string_view s, std::initializer_list<std::string_view> set);
// True when S refers to a variable ($NAME or ${NAME}).
[[nodiscard]] bool has_variable(std::string_view s);
[[nodiscard]] bool is_alnum(char c);
// The first white-space separated word of S.
[[nodiscard]] std::string first_word(std::string_view s);
// The last component of a path ("a/b/" -> "b").
[[nodiscard]] std::string_view base_name(std::string_view p);
// "C:\\x" or "\\x": a Windows path.
[[nodiscard]] bool is_windows_path(std::string_view p);
[[nodiscard]] bool all_upper(std::string_view s);
[[nodiscard]] bool all_lower(std::string_view s);
// Names of the variables a word refers to: $NAME and ${NAME...}.
[[nodiscard]] std::vector<std::string> referenced_names(std::string_view word);
using util::edit_distance;

// ---------------------------------------------------------------------------
// Commands

// True when C has one of NAMES as an argument ("--name=value" matches "--name").
[[nodiscard]] bool has_arg(const Command& c, std::initializer_list<std::string_view> names);
// True when a cluster of short options (-qy) contains LETTER.
[[nodiscard]] bool has_short(const Command& c, char letter);
// Words after the program that are not options, skipping the values of
// options listed in VALUE_OPTS. The views are into C's words.
[[nodiscard]] std::vector<std::string_view>
positionals(const Command& c, std::initializer_list<std::string_view> value_opts);
// The first positional word (a sub-command such as "install").
[[nodiscard]] std::string subcommand(const Command& c,
                                     std::initializer_list<std::string_view> value_opts = {});
// Positional words after the sub-command SUB.
[[nodiscard]] std::vector<std::string>
packages_after(const Command& c, std::string_view sub,
               std::initializer_list<std::string_view> value_opts);
// Drops wrappers that run another command: sudo, env, nohup, time, xargs, ...
[[nodiscard]] Command unwrap(Command c);
// Unwrapped commands of a RUN.
[[nodiscard]] const std::vector<Command>& commands_of(const Run& run);
// The targets of the cache and tmpfs mounts of a RUN (--mount=type=cache,target=...).
[[nodiscard]] std::vector<std::string_view> cache_mount_targets(const Instruction& ins);
// True when the RUN mounts a cache or a tmpfs at a target containing TARGET_PART.
[[nodiscard]] bool run_has_cache_mount(const Run& run, std::string_view target_part);

// A package word with the variables its RUN sees expanded. nullopt when its
// value comes from where moat cannot see it: a build argument (an ARG
// anywhere in the file), or a name the file never defines (the base
// image's ENV). A name only another stage defines expands to "", as in the build.
[[nodiscard]] std::optional<std::string> resolve_package(const Context& ctx, const Run& run,
                                                         std::string_view word);

// Options of each package manager that take a value.
extern const std::initializer_list<std::string_view> k_apt_value_opts;
extern const std::initializer_list<std::string_view> k_apk_value_opts;
extern const std::initializer_list<std::string_view> k_yum_value_opts;
extern const std::initializer_list<std::string_view> k_pip_value_opts;
extern const std::initializer_list<std::string_view> k_zypper_value_opts;

[[nodiscard]] bool is_apt_get(const Command& c);
[[nodiscard]] bool is_apt(const Command& c);
// pip, pip3, pip3.12, python -m pip.
[[nodiscard]] bool is_pip(const Command& c);
// pip's command, with "python -m pip" turned into "pip".
[[nodiscard]] Command pip_view(const Command& c);

// ---------------------------------------------------------------------------
// Stages and instructions

[[nodiscard]] const Stage& final_stage(const Context& ctx);
// Instructions of a stage and every stage it builds on, oldest first.
[[nodiscard]] std::vector<const Instruction*> chain_instructions(const Context& ctx,
                                                                 int stage_index);
// True when a stage STAGE builds on (not STAGE itself) has an instruction
// with KEYWORD ("shell", "workdir").
[[nodiscard]] bool base_chain_has(const Context& ctx, const Stage& stage, std::string_view keyword);
// True for the instruction keywords Dockerfiles know.
[[nodiscard]] bool known_keyword(std::string_view k);
// The keyword as written in the file ("FROM", "from", "From").
[[nodiscard]] std::string written_keyword(const Instruction& ins);
// Proxy variables BuildKit passes to every build without an ARG.
[[nodiscard]] bool is_builtin_arg(std::string_view name);

// ---------------------------------------------------------------------------
// COPY and ADD, files and URLs

// WORD without the quotes around it ("a b" -> a b).
[[nodiscard]] std::string unquote(std::string_view word);

// Sources and destination of a COPY or ADD, without the quotes around them.
struct CopyArgs {
  std::vector<std::string> sources;
  std::string dest;
};
[[nodiscard]] CopyArgs copy_args(const Instruction& ins);
// A destination written as a directory: "/app/" or, on Windows, "C:\\app\\".
[[nodiscard]] bool ends_with_separator(std::string_view dest);
[[nodiscard]] bool is_url(std::string_view s);
[[nodiscard]] bool is_archive(std::string_view s);
// A sensitive file name in a COPY/ADD source, or empty.
[[nodiscard]] std::string sensitive_source(std::string_view src);
// user:password@ in a URL, with a literal password.
[[nodiscard]] bool url_has_credentials(std::string_view s);
// A URL to this machine (localhost, 127.x, [::1]).
[[nodiscard]] bool is_local_url(std::string_view url);

// What a chmod mode grants: setuid/setgid bits, world-writable.
struct ModeFacts {
  bool setid = false;
  bool world_writable = false;
};
[[nodiscard]] ModeFacts mode_facts(std::string_view mode);

} // namespace moat::dockerfile::detail
