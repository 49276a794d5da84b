// Checks on how instructions are written: unknown and deprecated
// instructions (DL4000), exec form for CMD/ENTRYPOINT (DL3025), WORKDIR and
// VOLUME paths (DL3000), EXPOSE ports (DL3011), ENV self-references (DL3044),
// label keys (DL3048), casing and legacy forms, undefined variables, and the
// values of STOPSIGNAL, HEALTHCHECK and EXPOSE.

#include <moat/dockerfile/check_helpers.hpp>
#include <moat/dockerfile/pragma.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <set>

namespace moat::dockerfile::detail {

using util::iequals;

void check_unknown_and_deprecated(Context& ctx) {
  for (const auto& ins : ctx.ast.instructions) {
    if (!known_keyword(ins.keyword))
      ctx.report("DF075", ins,
                 fmt::format("unknown instruction '{}'", util::to_upper(ins.keyword)));
    if (ins.keyword == "maintainer")
      ctx.report("DF052", ins,
                 "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=...");
    if (ins.keyword == "onbuild" && ins.onbuild) {
      const auto& k = ins.onbuild->keyword;
      if (k == "onbuild" || k == "from" || k == "maintainer")
        ctx.report("DF041", ins,
                   fmt::format("{} is not allowed as an ONBUILD trigger", util::to_upper(k)));
    }
  }
  for (const auto& w : ctx.ast.warnings)
    ctx.report_line("DF074", w.line, w.message);
}

void check_exec_form(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    // A SHELL in this stage or one it builds on says which shell runs the
    // shell form, which is what BuildKit waits for.
    bool shell_set = base_chain_has(ctx, stage, "shell");
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword == "shell")
        shell_set = true;
      const bool command = ins.keyword == "cmd" || ins.keyword == "entrypoint";
      const bool health =
          ins.keyword == "healthcheck" && ins.args.size() >= 2 && iequals(ins.args[0], "cmd");
      if ((!command && !health) || ins.json || ins.args.empty())
        continue;
      const auto name = health ? std::string("HEALTHCHECK CMD") : util::to_upper(ins.keyword);
      ctx.report(
          "DF025", ins,
          fmt::format("{} in shell form: signals do not reach the process; use the JSON form",
                      name));
      if (command && !shell_set)
        ctx.report("DF127", ins,
                   fmt::format("JSON arguments recommended for {} to prevent unintended behavior "
                               "related to OS signals",
                               name));
    }
  }
}

void check_workdir_volume(Context& ctx) {
  static constexpr std::array<std::string_view, 8> sensitive = {"/proc",
                                                                "/sys",
                                                                "/dev",
                                                                "/boot",
                                                                "/initrd",
                                                                "/lost+found",
                                                                "/run/docker.sock",
                                                                "/var/run/docker.sock"};
  auto is_sensitive = [](std::string_view p) {
    while (p.size() > 1 && p.back() == '/')
      p.remove_suffix(1);
    for (auto s : sensitive)
      if (p == s || (p.starts_with(s) && p.size() > s.size() && p[s.size()] == '/'))
        return true;
    return false;
  };
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword == "workdir" && !ins.args.empty()) {
        auto path = expand_or_keep(ins.args[0], step.env(), ctx.ast.escape);
        // hadolint judges the path as written, without its quotes.
        const auto written = unquote(ins.args[0]);
        if (!written.empty() && !written.starts_with("$") && !written.starts_with("/") &&
            !is_windows_path(written))
          ctx.report("DF001", ins,
                     fmt::format("WORKDIR '{}' is relative; use an absolute path", written));
        if (is_sensitive(path))
          ctx.report("DF062", ins, fmt::format("WORKDIR '{}' is a host system directory", path));
      } else if (ins.keyword == "volume") {
        for (const auto& a : ins.args) {
          auto path = expand_or_keep(a, step.env(), ctx.ast.escape);
          if (is_sensitive(path))
            ctx.report("DF062", ins, fmt::format("VOLUME '{}' is a host system directory", path));
        }
      }
    }
}

void check_expose(Context& ctx) {
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword != "expose")
        continue;
      for (const auto& a : ins.args) {
        auto spec = expand_or_keep(a, step.env(), ctx.ast.escape);
        std::string_view port = spec;
        port = port.substr(0, port.find('/'));
        for (auto part : util::split(port, '-')) {
          long value = -1;
          auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
          if (ec != std::errc() || p != part.data() + part.size())
            continue;
          if (value > 65535)
            ctx.report("DF012", ins,
                       fmt::format("port {} is outside the valid range 0-65535", part));
          else if (value == 22)
            ctx.report("DF060", ins, "port 22 (SSH) is exposed");
        }
      }
    }
}

// DL3044: a value that refers to a variable the same ENV defines (before
// or after it) gets the old value, or nothing; a variable already defined
// earlier is fine to refer to.
void check_env_self_reference(Context& ctx) {
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword != "env")
        continue;
      for (std::size_t i = 0; i < ins.pairs().size(); ++i) {
        bool reported = false;
        for (const auto& name : referenced_names(ins.pairs()[i].value)) {
          const bool same_env =
              std::any_of(ins.pairs().begin(), ins.pairs().end(), [&](const auto& p) {
                return &p.key != &ins.pairs()[i].key && p.key == name;
              });
          if (!same_env || step.env().count(name) != 0)
            continue;
          ctx.report("DF042", ins,
                     fmt::format("'{}' refers to '{}', which this same ENV defines; it gets the "
                                 "value from before this ENV",
                                 ins.pairs()[i].key, name));
          reported = true;
          break;
        }
        if (reported)
          break;
      }
    }
}

void check_casing_and_form(Context& ctx) {
  int upper = 0, lower = 0;
  for (const auto& ins : ctx.ast.instructions) {
    auto w = written_keyword(ins);
    if (all_upper(w))
      ++upper;
    else if (all_lower(w))
      ++lower;
  }
  const bool majority_upper = upper >= lower;
  for (const auto& ins : ctx.ast.instructions) {
    auto w = written_keyword(ins);
    bool mixed = !all_upper(w) && !all_lower(w);
    if (mixed || (majority_upper && !all_upper(w)) ||
        (!majority_upper && !all_upper(w) && !all_lower(w)) || (!majority_upper && all_upper(w)))
      ctx.report("DF076", ins,
                 fmt::format("'{}' is not written in the same case as the other instructions", w));
    if ((ins.keyword == "env" || ins.keyword == "label"))
      for (const auto& pair : ins.pairs())
        if (pair.sep.empty()) {
          ctx.report("DF079", ins,
                     fmt::format("'{} {} ...' uses the legacy space-separated form; write {}=...",
                                 util::to_upper(ins.keyword), pair.key, pair.key));
          break;
        }
    if (ins.keyword == "shell" && !ins.json)
      ctx.report("DF090", ins, "SHELL must be written as a JSON array");
    if (ins.keyword == "onbuild")
      ctx.report("DF110", ins, "ONBUILD runs this instruction in every image built on this one");
    const bool needs_args = ins.keyword != "onbuild" && known_keyword(ins.keyword);
    if (needs_args && ins.args.empty() && ins.pairs().empty() && !ins.json && ins.heredocs.empty())
      ctx.report("DF089", ins, fmt::format("{} has no arguments", util::to_upper(ins.keyword)));
  }
}

bool env_fully_known(const Context& ctx, int stage_index) {
  for (int s = stage_index, guard = 0; s >= 0 && guard < 1000; ++guard) {
    const auto& st = ctx.model.stages[static_cast<std::size_t>(s)];
    if (st.base_stage < 0)
      return st.is_scratch;
    s = st.base_stage;
  }
  return false;
}

namespace {

// The words BuildKit expands while it builds a stage, per instruction:
// ENV and LABEL keys and values, COPY/ADD sources, destination and flags,
// WORKDIR, USER, VOLUME, STOPSIGNAL, RUN's mount options, a stage ARG's
// default and the body of a COPY/ADD heredoc whose delimiter is unquoted.
std::vector<std::string> expanded_words(const Instruction& ins) {
  std::vector<std::string> words;
  const auto& k = ins.keyword;
  if (k == "env" || k == "label") {
    for (const auto& pair : ins.pairs()) {
      words.push_back(pair.key);
      words.push_back(pair.value);
    }
  } else if (k == "copy" || k == "add") {
    words = ins.args;
    for (const auto& f : ins.flags)
      if (f.starts_with("--chown") || f.starts_with("--checksum") || f.starts_with("--chmod"))
        words.push_back(f);
    for (const auto& h : ins.heredocs)
      if (h.expand)
        words.push_back(h.content);
  } else if (k == "workdir" || k == "user" || k == "volume" || k == "stopsignal") {
    words = ins.args;
  } else if (k == "run") {
    for (const auto& f : ins.flags)
      if (f.starts_with("--mount"))
        words.push_back(f);
  } else if (k == "arg") {
    for (const auto& a : ins.args)
      if (auto eq = a.find('='); eq != std::string::npos)
        words.push_back(a.substr(eq + 1));
  }
  return words;
}

// True when an ARG or ENV anywhere in the file defines NAME.
bool defined_in_file(const Context& ctx, std::string_view name) {
  return std::any_of(ctx.ast.instructions.begin(), ctx.ast.instructions.end(),
                     [&](const Instruction& ins) {
                       if (ins.keyword == "env")
                         return std::any_of(ins.pairs().begin(), ins.pairs().end(),
                                            [&](const KeyValue& p) { return p.key == name; });
                       return ins.keyword == "arg" &&
                              std::any_of(ins.args.begin(), ins.args.end(), [&](const auto& a) {
                                return std::string_view(a).substr(0, a.find('=')) == name;
                              });
                     });
}

} // namespace

// BuildKit's UndefinedVar: a variable a build expands that nothing defines.
// PATH always is. The base image's ENV is out of sight, so a name is only
// reported when the stage's variables are all known (a scratch base), when
// it looks like a typo of a defined one, or when the file defines it only
// later or elsewhere.
void check_undefined_vars(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    const bool known = env_fully_known(ctx, stage.index);
    // An ARG of a stage this one builds on declares the name, value or not.
    std::set<std::string, std::less<>> parent_args;
    if (stage.base_stage >= 0)
      for (const auto* ins : chain_instructions(ctx, stage.base_stage))
        if (ins->keyword == "arg")
          for (const auto& a : ins->args)
            parent_args.insert(a.substr(0, a.find('=')));
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      std::set<std::string> reported;
      for (const auto& w : expanded_words(ins)) {
        auto expansion = expand_word(w, step.env(), ctx.ast.escape);
        if (!expansion)
          continue;
        for (const auto& name : expansion->unresolved) {
          if (step.env().contains(name) || parent_args.contains(name) || name == "PATH" ||
              is_builtin_arg(name) || name.starts_with("BUILDKIT_SBOM_SCAN_") ||
              reported.contains(name))
            continue;
          std::vector<std::string> candidates{"PATH"};
          for (const auto& [defined, value] : step.env())
            candidates.push_back(defined);
          std::string suggestion;
          std::size_t best = 3;
          for (const auto& c : candidates)
            if (c.size() > 2 && edit_distance(c, name) < best && c != name) {
              best = edit_distance(c, name);
              suggestion = c;
            }
          if (!known && suggestion.empty() && !defined_in_file(ctx, name))
            continue;
          reported.insert(name);
          ctx.report("DF084", ins,
                     suggestion.empty()
                         ? fmt::format("Usage of undefined variable '${}'", name)
                         : fmt::format("Usage of undefined variable '${}' (did you mean ${}?)",
                                       name, suggestion));
        }
      }
    }
  }
}

bool valid_duration(std::string_view d) {
  // Go durations: one or more <number><unit>, unit in ns us µs ms s m h.
  if (d.empty())
    return false;
  if (d == "0")
    return true;
  std::size_t i = 0;
  while (i < d.size()) {
    std::size_t start = i;
    while (i < d.size() && (std::isdigit(static_cast<unsigned char>(d[i])) || d[i] == '.'))
      ++i;
    if (i == start)
      return false;
    std::size_t ustart = i;
    while (i < d.size() && !std::isdigit(static_cast<unsigned char>(d[i])) && d[i] != '.')
      ++i;
    auto unit = d.substr(ustart, i - ustart);
    if (!is_one_of(unit, {"ns", "us", "\xC2\xB5s", "ms", "s", "m", "h"}))
      return false;
  }
  return true;
}

bool valid_signal(std::string_view s) {
  int n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec == std::errc() && p == s.data() + s.size())
    return n >= 1 && n <= 64;
  std::string u = util::to_upper(s);
  std::string_view v = u;
  if (v.starts_with("SIG"))
    v.remove_prefix(3);
  if (v.starts_with("RTMIN") || v.starts_with("RTMAX"))
    return true;
  return is_one_of(v,
                   {"ABRT",   "ALRM",   "BUS",  "CHLD", "CLD",    "CONT",  "FPE",  "HUP",  "ILL",
                    "INT",    "IO",     "IOT",  "KILL", "PIPE",   "POLL",  "PROF", "PWR",  "QUIT",
                    "SEGV",   "STKFLT", "STOP", "SYS",  "TERM",   "TRAP",  "TSTP", "TTIN", "TTOU",
                    "UNUSED", "URG",    "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ"});
}

void check_instruction_values(Context& ctx) {
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword == "stopsignal" && !ins.args.empty()) {
        auto sig = expand_or_keep(ins.args[0], step.env(), ctx.ast.escape);
        if (!has_variable(sig) && !valid_signal(sig))
          ctx.report("DF087", ins, fmt::format("'{}' is not a signal", sig));
      } else if (ins.keyword == "healthcheck" && !ins.args.empty()) {
        const auto type = util::to_upper(ins.args[0]);
        if (type == "NONE") {
          if (!ins.flags.empty() || ins.args.size() > 1)
            ctx.report("DF088", ins, "HEALTHCHECK NONE takes no options or command");
        } else if (type != "CMD") {
          ctx.report("DF088", ins,
                     fmt::format("HEALTHCHECK type '{}' is neither CMD nor NONE", ins.args[0]));
        } else if (ins.args.size() < 2 ||
                   (ins.args.size() == 2 && util::trim(ins.args[1]).empty())) {
          ctx.report("DF088", ins, "HEALTHCHECK CMD has no command");
        }
        for (const auto& flag : ins.flags) {
          std::string_view f = flag;
          auto eq = f.find('=');
          auto name = f.substr(0, eq);
          auto value = eq == std::string_view::npos ? std::string_view() : f.substr(eq + 1);
          if (is_one_of(name, {"--interval", "--timeout", "--start-period", "--start-interval"})) {
            if (!has_variable(value) && !valid_duration(value))
              ctx.report("DF088", ins, fmt::format("{} is not a duration (e.g. 30s, 1m30s)", flag));
          } else if (name == "--retries") {
            int n = 0;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (!has_variable(value) &&
                (ec != std::errc() || p != value.data() + value.size() || n < 0))
              ctx.report("DF088", ins, fmt::format("{} is not a number of retries", flag));
          } else {
            ctx.report("DF088", ins, fmt::format("unknown HEALTHCHECK option '{}'", flag));
          }
        }
      } else if (ins.keyword == "expose") {
        for (const auto& a : ins.args) {
          auto spec = expand_or_keep(a, step.env(), ctx.ast.escape);
          if (spec.find(':') != std::string::npos)
            ctx.report(
                "DF086", ins,
                fmt::format(
                    "EXPOSE {} maps a host address or port; EXPOSE takes container ports only",
                    spec));
          if (auto slash = spec.find('/');
              slash != std::string::npos && !all_lower(spec.substr(slash + 1)))
            ctx.report("DF085", ins,
                       fmt::format("protocol in EXPOSE {} should be lower case", spec));
          std::string_view port = spec;
          port = port.substr(0, port.find('/'));
          int n = 0;
          auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
          if (ec == std::errc() && p == port.data() + port.size() &&
              is_one_of(std::to_string(n), {"23", "2375", "2376", "4243", "5900"}))
            ctx.report("DF102", ins,
                       fmt::format("port {} exposes a remote-control service ({})", n,
                                   n == 23     ? "telnet"
                                   : n == 5900 ? "VNC"
                                               : "the Docker API"));
        }
      } else if (ins.keyword == "env") {
        for (const auto& pair : ins.pairs()) {
          if (pair.key == "DEBIAN_FRONTEND")
            ctx.report("DF097", ins,
                       "ENV DEBIAN_FRONTEND persists into the running container; use ARG or set it "
                       "on the RUN line");
          if (pair.key == "PATH" && pair.value.find("$PATH") == std::string::npos &&
              pair.value.find("${PATH") == std::string::npos)
            ctx.report(
                "DF105", ins,
                fmt::format("ENV PATH={} drops the directories PATH had before", pair.value));
        }
      } else if (ins.keyword == "cmd" || ins.keyword == "entrypoint") {
        for (const auto& a : ins.args)
          for (auto w : util::split_trimmed(a, ' '))
            if (base_name(w) == "sshd" || base_name(w) == "dropbear")
              ctx.report("DF061", ins,
                         fmt::format("{} starts an SSH server", util::to_upper(ins.keyword)));
      }
    }
}

// DL1001 (opt-in): inline ignore pragmas, for teams that keep every
// exception in the configuration file.
void check_inline_pragmas(Context& ctx) {
  if (!ctx.enabled("DF122"))
    return;
  for (const auto& c : ctx.ast.comments)
    if (auto p = read_pragma(c.text, check_table()); p && p->scope == PragmaScope::inline_)
      ctx.report_line(
          "DF122", c.line,
          fmt::format("inline ignore pragma '# {}'; keep exceptions in .moat.yaml", c.text));
}

// BuildKit's InvalidDefinitionDescription (opt-in): the comment directly
// above a named FROM or an ARG is its description, and should start with
// the stage or argument name.
void check_descriptions(Context& ctx) {
  if (!ctx.enabled("DF124"))
    return;
  for (const auto& ins : ctx.ast.instructions) {
    std::vector<std::string> names;
    if (ins.keyword == "from" && ins.args.size() >= 3 && iequals(ins.args[1], "as"))
      names.push_back(util::to_lower(ins.args[2]));
    else if (ins.keyword == "arg")
      for (const auto& word : ins.args)
        names.push_back(word.substr(0, word.find('=')));
    if (names.empty())
      continue;
    const auto comments = comments_above(ctx.ast, ins);
    if (comments.empty())
      continue;
    const std::string_view text = comments.back()->text;
    const auto first = text.substr(0, text.find(' '));
    if (std::find(names.begin(), names.end(), first) != names.end())
      continue;
    ctx.report("DF124", ins,
               fmt::format("the comment above {} should read '# {} <description>'",
                           util::to_upper(ins.keyword),
                           names.size() == 1 ? names[0] : "<arg_key>"));
  }
}

// BuildKit's WorkdirRelativePath: the first WORKDIR of a stage chain,
// expanded, is relative.
void check_first_workdir(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    bool workdir_set = base_chain_has(ctx, stage, "workdir");
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword != "workdir" || ins.args.empty())
        continue;
      if (!workdir_set) {
        const auto path = expand_or_keep(ins.args[0], step.env(), ctx.ast.escape);
        if (!path.empty() && !path.starts_with("/") && !is_windows_path(path))
          ctx.report("DF128", ins,
                     fmt::format("Relative workdir \"{}\" can have unexpected results if the base "
                                 "image changes",
                                 path));
      }
      workdir_set = true;
    }
  }
}

} // namespace moat::dockerfile::detail
