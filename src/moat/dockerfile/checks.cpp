// The Dockerfile checks: functions that read the model and report findings
// for the ids of checks_table.cpp.

#include <moat/dockerfile/checks.hpp>
#include <moat/secrets/secrets.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <stdexcept>

namespace moat::dockerfile::detail {

using shell::Command;
using util::iequals;
using util::to_lower;

void Context::report(std::string_view id, const Instruction& ins, std::string message) {
  core::Finding f;
  auto table = check_table();
  auto it = std::lower_bound(table.begin(), table.end(), id,
                             [](const core::CheckInfo& c, std::string_view v) { return c.id < v; });
  if (it == table.end() || it->id != id)
    throw std::logic_error("unknown Dockerfile check id " + std::string(id));
  f.check = &*it;
  f.severity = it->severity;
  f.message = std::move(message);
  f.location = core::Location{file, ins.start_line, ins.column,
                              ins.end_line > ins.start_line ? ins.end_line : 0};
  findings.push_back(std::move(f));
}

bool Context::dockerignore_present() {
  if (!m_dockerignore)
    m_dockerignore = find_dockerignore();
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

// ---------------------------------------------------------------------------
// Command helpers

bool has_arg(const Command& c, std::initializer_list<std::string_view> names) {
  for (std::size_t i = 1; i < c.argv.size(); ++i) {
    std::string_view a = c.argv[i];
    for (auto n : names) {
      if (a == n)
        return true;
      if (n.starts_with("--") && a.size() > n.size() && a.starts_with(n) && a[n.size()] == '=')
        return true;
    }
  }
  return false;
}

// True when a cluster of short options (-qy) contains LETTER.
bool has_short(const Command& c, char letter) {
  for (std::size_t i = 1; i < c.argv.size(); ++i) {
    std::string_view a = c.argv[i];
    if (a.size() < 2 || a[0] != '-' || a[1] == '-')
      continue;
    if (!std::all_of(a.begin() + 1, a.end(),
                     [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) != 0; }))
      continue;
    if (a.find(letter, 1) != std::string_view::npos)
      return true;
  }
  return false;
}

// Words after the program that are not options, skipping the values of
// options listed in VALUE_OPTS.
std::vector<std::string> positionals(const Command& c,
                                     std::initializer_list<std::string_view> value_opts) {
  std::vector<std::string> out;
  bool skip_next = false;
  bool end_of_options = false;
  for (std::size_t i = 1; i < c.argv.size(); ++i) {
    const std::string& a = c.argv[i];
    if (skip_next) {
      skip_next = false;
      continue;
    }
    if (!end_of_options && a == "--") {
      end_of_options = true;
      continue;
    }
    if (!end_of_options && a.size() > 1 && a[0] == '-') {
      if (std::find(value_opts.begin(), value_opts.end(), a) != value_opts.end())
        skip_next = true;
      continue;
    }
    out.push_back(a);
  }
  return out;
}

// Drops wrappers that run another command: sudo, env, nohup, time, ...
Command unwrap(Command c) {
  Command out = std::move(c);
  for (int guard = 0; guard < 8 && !out.argv.empty(); ++guard) {
    const std::string_view prog = out.program();
    std::size_t skip = 0;
    if (prog == "sudo" || prog == "doas") {
      skip = 1;
      while (skip < out.argv.size() && out.argv[skip].starts_with("-")) {
        const auto& o = out.argv[skip];
        ++skip;
        if ((o == "-u" || o == "-g" || o == "-U" || o == "-C" || o == "-h" || o == "-p") &&
            skip < out.argv.size())
          ++skip;
      }
    } else if (prog == "env") {
      skip = 1;
      while (skip < out.argv.size() &&
             (out.argv[skip].starts_with("-") || out.argv[skip].find('=') != std::string::npos))
        ++skip;
    } else if (prog == "xargs") {
      // xargs runs the command with arguments from its input.
      skip = 1;
      while (skip < out.argv.size() && out.argv[skip].starts_with("-")) {
        const auto& o = out.argv[skip];
        ++skip;
        if ((o == "-I" || o == "-n" || o == "-P" || o == "-L" || o == "-d" || o == "-E" ||
             o == "-s" || o == "-a") &&
            skip < out.argv.size())
          ++skip;
      }
    } else if (prog == "nohup" || prog == "time" || prog == "exec" || prog == "command" ||
               prog == "nice") {
      skip = 1;
      while (skip < out.argv.size() && out.argv[skip].starts_with("-"))
        ++skip;
    } else {
      break;
    }
    if (skip == 0 || skip >= out.argv.size())
      break;
    out.argv.erase(out.argv.begin(), out.argv.begin() + static_cast<std::ptrdiff_t>(skip));
    out.raw.clear();
  }
  return out;
}

// The first positional word (a sub-command such as "install").
std::string subcommand(const Command& c, std::initializer_list<std::string_view> value_opts = {}) {
  auto p = positionals(c, value_opts);
  return p.empty() ? std::string() : p.front();
}

bool is_one_of(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

bool has_variable(std::string_view s) {
  return s.find('$') != std::string_view::npos;
}

// Unwrapped commands of a RUN.
const std::vector<Command>& commands_of(const Run& run) {
  return run.unwrapped;
}

bool run_has_cache_mount(const Run& run, std::string_view target_part) {
  for (const auto& flag : run.instruction->flags) {
    if (!flag.starts_with("--mount"))
      continue;
    if (flag.find("type=cache") != std::string::npos && flag.find(target_part) != std::string::npos)
      return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Package managers

const std::initializer_list<std::string_view> k_apt_value_opts = {
    "-o", "-c", "-t", "--option", "--config-file", "--target-release", "--default-release"};
const std::initializer_list<std::string_view> k_apk_value_opts = {
    "-t",     "--virtual", "-X",          "--repository", "-p",
    "--root", "--arch",    "--cache-dir", "--keys-dir",   "--repositories-file"};
const std::initializer_list<std::string_view> k_yum_value_opts = {
    "-c",        "--config",     "--installroot", "--releasever", "-x",
    "--exclude", "--enablerepo", "--disablerepo", "--setopt",     "-d",
    "-e",        "--repo",       "--repoid"};
const std::initializer_list<std::string_view> k_pip_value_opts = {"-r",
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
                                                                  "--report"};
const std::initializer_list<std::string_view> k_zypper_value_opts = {"-r", "--repo", "-t", "--type",
                                                                     "--from"};

bool is_apt_get(const Command& c) {
  return c.program() == "apt-get";
}
bool is_apt(const Command& c) {
  return c.program() == "apt";
}
bool is_pip(const Command& c) {
  auto p = c.program();
  if (p == "pip" || p == "pip3" || (p.starts_with("pip3.") && p.size() > 5))
    return true;
  if ((p == "python" || p == "python3" || p.starts_with("python3.")) && c.argv.size() > 2 &&
      c.argv[1] == "-m" && (c.argv[2] == "pip" || c.argv[2] == "pip3"))
    return true;
  return false;
}
// pip's command, with "python -m pip" turned into "pip".
Command pip_view(const Command& c) {
  Command v = c;
  if (v.program().starts_with("python")) {
    v.argv.erase(v.argv.begin(), v.argv.begin() + 2);
  }
  return v;
}

// Positional package names of an install command.
std::vector<std::string> packages_after(const Command& c, std::string_view sub,
                                        std::initializer_list<std::string_view> value_opts) {
  auto p = positionals(c, value_opts);
  auto it = std::find(p.begin(), p.end(), sub);
  if (it == p.end())
    return {};
  return {it + 1, p.end()};
}

// ---------------------------------------------------------------------------
// Stage helpers

const Stage& final_stage(const Context& ctx) {
  return ctx.model.stages.back();
}

// Instructions of a stage and every stage it builds on, oldest first.
std::vector<const Instruction*> chain_instructions(const Context& ctx, int stage_index) {
  std::vector<int> chain;
  for (int s = stage_index, guard = 0; s >= 0 && guard < 1000; ++guard) {
    chain.push_back(s);
    s = ctx.model.stages[static_cast<std::size_t>(s)].base_stage;
  }
  std::vector<const Instruction*> out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    for (const auto& step : ctx.model.stages[static_cast<std::size_t>(*it)].steps)
      out.push_back(step.instruction);
  return out;
}

std::string first_word(std::string_view s) {
  s = util::trim(s);
  auto end = s.find_first_of(" \t");
  return std::string(s.substr(0, end));
}

// ---------------------------------------------------------------------------
// Secrets

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

using secrets::find_secret_value;
using secrets::is_secret_name;
using secrets::redact;

// ---------------------------------------------------------------------------
// Checks on instructions

bool known_keyword(std::string_view k) {
  return is_one_of(k, {"add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from",
                       "healthcheck", "label", "maintainer", "onbuild", "run", "shell",
                       "stopsignal", "user", "volume", "workdir"});
}

bool is_windows_path(std::string_view p) {
  return (p.size() >= 2 && std::isalpha(static_cast<unsigned char>(p[0])) != 0 && p[1] == ':') ||
         p.starts_with("\\");
}

void check_instruction_order(Context& ctx) {
  for (const auto* ins : ctx.model.preamble) {
    if (ins->keyword != "arg") {
      ctx.report("DF050", *ins,
                 fmt::format("'{}' before the first FROM: a Dockerfile must begin with FROM or ARG",
                             util::to_upper(ins->keyword)));
      return;
    }
  }
  if (ctx.model.stages.empty() && !ctx.ast.instructions.empty())
    ctx.report_line("DF050", 0, "the Dockerfile has no FROM instruction");
}

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

void check_from(Context& ctx) {
  std::map<std::string, int> names;
  for (const auto& stage : ctx.model.stages) {
    const auto& ins = *stage.from;
    if (!stage.name.empty()) {
      auto [it, inserted] = names.emplace(stage.name, stage.index);
      if (!inserted)
        ctx.report(
            "DF024", ins,
            fmt::format("stage name '{}' is already used by stage {}", stage.name, it->second));
    }
    if (!stage.platform.empty() && !has_variable(stage.platform))
      ctx.report("DF029", ins,
                 fmt::format("FROM --platform={} pins the platform; leave it to the build",
                             stage.platform));
    if (!stage.image)
      continue;
    const auto& img = *stage.image;
    if (img.digest.empty()) {
      if (img.tag.empty())
        ctx.report("DF007", ins, fmt::format("image '{}' has no tag; pin a version", stage.base));
      else if (img.tag == "latest")
        ctx.report("DF008", ins,
                   fmt::format("image '{}' uses the 'latest' tag; pin a version", stage.base));
      ctx.report("DF073", ins, fmt::format("image '{}' is not pinned by digest", stage.base));
    }
    if (!ctx.policy.allowed_registries.empty()) {
      std::string registry = img.registry.empty() ? "docker.io" : img.registry;
      bool allowed = std::any_of(ctx.policy.allowed_registries.begin(),
                                 ctx.policy.allowed_registries.end(), [&](const std::string& a) {
                                   return util::glob_match(to_lower(a), to_lower(registry)) ||
                                          (registry == "docker.io" &&
                                           (a == "hub.docker.com" || a == "index.docker.io"));
                                 });
      if (!allowed)
        ctx.report("DF026", ins,
                   fmt::format("registry '{}' is not in the allowed registries", registry));
    }
  }
}

void check_user(Context& ctx) {
  if (ctx.model.stages.empty())
    return;
  const auto& fin = final_stage(ctx);
  const Instruction* last_user = nullptr;
  std::string last_user_value;
  for (const auto* ins : chain_instructions(ctx, fin.index)) {
    if (ins->keyword == "user" && !ins->args.empty()) {
      last_user = ins;
      last_user_value = ins->args[0];
    }
  }
  if (last_user != nullptr) {
    // The variables in scope at that USER.
    std::string value = last_user_value;
    for (const auto& stage : ctx.model.stages)
      for (const auto& step : stage.steps)
        if (step.instruction == last_user)
          value = expand_or_keep(last_user_value, step.env(), ctx.ast.escape);
    std::string user = value.substr(0, value.find(':'));
    if (user == "root" || user == "0")
      ctx.report("DF003", *last_user,
                 fmt::format("the final USER is '{}'; run as an unprivileged user", value));
    return;
  }
  // A scratch image or a base known to be non-root is left alone.
  const Stage* root = &fin;
  while (root->base_stage >= 0)
    root = &ctx.model.stages[static_cast<std::size_t>(root->base_stage)];
  if (root->image && (root->image->tag.find("nonroot") != std::string::npos ||
                      root->image->tag.find("rootless") != std::string::npos))
    return;
  if (!root->base_resolved)
    return;
  ctx.report("DF004", *fin.from, "the final stage sets no USER, so the container runs as root");
}

void check_stage_counts(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    const Instruction* first_cmd = nullptr;
    const Instruction* first_entry = nullptr;
    const Instruction* first_health = nullptr;
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword == "cmd") {
        if (first_cmd != nullptr)
          ctx.report(
              "DF054", ins,
              fmt::format("another CMD in the same stage (line {}); only the last one takes effect",
                          first_cmd->start_line));
        else
          first_cmd = &ins;
      } else if (ins.keyword == "entrypoint") {
        if (first_entry != nullptr)
          ctx.report(
              "DF055", ins,
              fmt::format(
                  "another ENTRYPOINT in the same stage (line {}); only the last one takes effect",
                  first_entry->start_line));
        else
          first_entry = &ins;
      } else if (ins.keyword == "healthcheck") {
        if (first_health != nullptr)
          ctx.report(
              "DF013", ins,
              fmt::format(
                  "another HEALTHCHECK in the same stage (line {}); only the last one takes effect",
                  first_health->start_line));
        else
          first_health = &ins;
      }
    }
  }
  if (ctx.model.stages.empty())
    return;
  bool health = false;
  for (const auto* ins : chain_instructions(ctx, final_stage(ctx).index))
    if (ins->keyword == "healthcheck")
      health = true;
  if (!health)
    ctx.report("DF047", *final_stage(ctx).from, "the final stage has no HEALTHCHECK");
}

void check_exec_form(Context& ctx) {
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if ((ins.keyword == "cmd" || ins.keyword == "entrypoint") && !ins.json && !ins.args.empty())
        ctx.report(
            "DF025", ins,
            fmt::format("{} in shell form: signals do not reach the process; use the JSON form",
                        util::to_upper(ins.keyword)));
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
        if (!path.starts_with("/") && !has_variable(path) && !is_windows_path(path) &&
            !path.empty())
          ctx.report("DF001", ins,
                     fmt::format("WORKDIR '{}' is relative; use an absolute path", path));
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

void check_env_label(Context& ctx) {
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword == "env") {
        std::set<std::string> defined_here;
        for (const auto& pair : ins.pairs) {
          for (const auto& name : defined_here) {
            if (pair.value.find("$" + name) == std::string::npos &&
                pair.value.find("${" + name) == std::string::npos)
              continue;
            // $NAME must not continue as a longer name ($NAMEX).
            auto pos = pair.value.find("$" + name);
            bool whole = pos == std::string::npos || pos + 1 + name.size() >= pair.value.size() ||
                         !(is_alnum(pair.value[pos + 1 + name.size()]) ||
                           pair.value[pos + 1 + name.size()] == '_');
            if (whole || pair.value.find("${" + name) != std::string::npos) {
              ctx.report(
                  "DF042", ins,
                  fmt::format(
                      "'{}' refers to '{}', which this same ENV defines; the old value is used",
                      pair.key, name));
              break;
            }
          }
          defined_here.insert(pair.key);
        }
      } else if (ins.keyword == "label") {
        for (const auto& pair : ins.pairs) {
          auto key = expand_or_keep(pair.key, step.env(), ctx.ast.escape);
          bool valid = !key.empty() && is_alnum(key.front()) && is_alnum(key.back());
          for (std::size_t i = 0; valid && i < key.size(); ++i) {
            char c = key[i];
            if (!(std::islower(static_cast<unsigned char>(c)) ||
                  std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-'))
              valid = false;
            else if ((c == '.' || c == '-') && i + 1 < key.size() &&
                     (key[i + 1] == '.' || key[i + 1] == '-'))
              valid = false;
          }
          for (std::string_view reserved : {"com.docker.", "io.docker.", "org.dockerproject."})
            if (key.starts_with(reserved))
              valid = false;
          if (!valid)
            ctx.report("DF046", ins,
                       fmt::format("label key '{}' is not a valid key (lower-case alphanumerics, "
                                   "'.' and '-', no reserved namespace)",
                                   key));
        }
      }
    }
}

// Secrets in ENV and ARG (by name and by value) and in RUN/LABEL (by value).
void check_secrets(Context& ctx) {
  auto scan_value = [&](const Instruction& ins, std::string_view where, std::string_view value) {
    if (auto hit = find_secret_value(value))
      ctx.report("DF064", ins,
                 fmt::format("{} holds a secret: {} ({})", where, hit->kind, redact(hit->value)));
  };
  auto name_check = [&](const Instruction& ins, std::string_view kind, const std::string& name,
                        const std::optional<std::string>& value) {
    if (!is_secret_name(name))
      return;
    if (kind == "ENV") {
      if (!value || value->empty())
        return;
      ctx.report(
          "DF063", ins,
          fmt::format(
              "ENV {} looks like a secret; it is stored in the image for anyone who pulls it",
              name));
    } else {
      ctx.report("DF063", ins,
                 fmt::format("ARG {} looks like a secret; build arguments are recorded in the "
                             "image history; use RUN --mount=type=secret",
                             name));
    }
  };
  for (const auto& ins : ctx.ast.instructions) {
    if (ins.keyword == "env") {
      for (const auto& pair : ins.pairs) {
        name_check(ins, "ENV", pair.key, pair.value);
        scan_value(ins, "ENV " + pair.key, pair.value);
      }
      for (const auto& pair : ins.pairs)
        if (pair.key == "NODE_TLS_REJECT_UNAUTHORIZED" && util::trim(pair.value) == "0")
          ctx.report("DF067", ins,
                     "NODE_TLS_REJECT_UNAUTHORIZED=0 disables TLS certificate checks");
        else if (pair.key == "GIT_SSL_NO_VERIFY" && !pair.value.empty() && pair.value != "0" &&
                 pair.value != "false")
          ctx.report("DF067", ins, "GIT_SSL_NO_VERIFY disables TLS certificate checks for git");
        else if (pair.key == "PIP_TRUSTED_HOST")
          ctx.report("DF067", ins, "PIP_TRUSTED_HOST disables TLS certificate checks for pip");
    } else if (ins.keyword == "arg") {
      for (const auto& word : ins.args) {
        auto eq = word.find('=');
        std::string name = word.substr(0, eq);
        std::optional<std::string> value;
        if (eq != std::string::npos)
          value = word.substr(eq + 1);
        name_check(ins, "ARG", name, value);
        if (value)
          scan_value(ins, "ARG " + name, *value);
      }
    } else if (ins.keyword == "label") {
      for (const auto& pair : ins.pairs)
        scan_value(ins, "LABEL " + pair.key, pair.value);
    } else if (ins.keyword == "run") {
      for (const auto& a : ins.args)
        scan_value(ins, "RUN", a);
      for (const auto& h : ins.heredocs)
        scan_value(ins, "RUN heredoc", h.content);
    } else if (ins.keyword == "copy" || ins.keyword == "add") {
      for (const auto& h : ins.heredocs)
        scan_value(ins, util::to_upper(ins.keyword) + " heredoc", h.content);
    }
  }
}

// Sources and destination of a COPY or ADD (heredoc markers excluded from sources).
struct CopyArgs {
  std::vector<std::string> sources;
  std::string dest;
};

CopyArgs copy_args(const Instruction& ins) {
  CopyArgs out;
  if (ins.args.empty())
    return out;
  out.dest = ins.args.back();
  for (std::size_t i = 0; i + 1 < ins.args.size(); ++i)
    out.sources.push_back(ins.args[i]);
  return out;
}

// A destination written as a directory: "/app/" or, on Windows, "C:\\app\\".
bool ends_with_separator(std::string_view dest) {
  return dest.ends_with("/") || dest.ends_with("\\");
}

bool is_url(std::string_view s) {
  return s.starts_with("http://") || s.starts_with("https://") || s.starts_with("git@") ||
         s.starts_with("git://");
}

bool is_archive(std::string_view s) {
  for (std::string_view ext :
       {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst",
        ".tzst", ".tar.lz", ".tar.lzma", ".tlz", ".gz", ".bz2", ".xz", ".zst"})
    if (s.ends_with(ext))
      return true;
  return false;
}

std::string_view base_name(std::string_view p) {
  while (p.size() > 1 && p.back() == '/')
    p.remove_suffix(1);
  auto slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

// A sensitive file name in a COPY/ADD source, or empty.
std::string sensitive_source(std::string_view src) {
  std::string_view s = src;
  while (s.starts_with("./"))
    s.remove_prefix(2);
  for (auto part : util::split(s, '/')) {
    if (part == ".git" || part == ".aws" || part == ".ssh" || part == ".gnupg" || part == ".kube")
      return std::string(part);
  }
  auto name = base_name(s);
  if (name == ".env" ||
      (name.starts_with(".env.") && !name.ends_with(".example") && !name.ends_with(".sample") &&
       !name.ends_with(".template") && !name.ends_with(".dist")))
    return std::string(name);
  for (std::string_view exact : {".npmrc", ".pypirc", ".netrc", ".git-credentials", ".htpasswd",
                                 "credentials.json", ".dockercfg", "config.json"}) {
    if (name == exact) {
      if (exact == "config.json" && s.find(".docker/") == std::string_view::npos)
        continue;
      return std::string(name);
    }
  }
  for (std::string_view prefix : {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"})
    if (name.starts_with(prefix) && !name.ends_with(".pub"))
      return std::string(name);
  for (std::string_view ext : {".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"})
    if (name.ends_with(ext) && name.size() > ext.size())
      return std::string(name);
  return {};
}

// Digits of an octal mode; -1 when MODE is not octal.
long octal_mode(std::string_view mode) {
  if (mode.empty() || mode.size() > 5)
    return -1;
  long v = 0;
  for (char c : mode) {
    if (c < '0' || c > '7')
      return -1;
    v = v * 8 + (c - '0');
  }
  return v;
}

// Classifies a chmod mode: setuid/setgid bits, world-writable.
struct ModeFacts {
  bool setid = false;
  bool world_writable = false;
};

ModeFacts mode_facts(std::string_view mode) {
  ModeFacts f;
  if (long v = octal_mode(mode); v >= 0) {
    f.setid = (v & 06000) != 0;
    f.world_writable = (v & 02) != 0 && (v & 01000) == 0;
    return f;
  }
  // Symbolic: [ugoa]*[+-=][rwxXst]* clauses separated by commas.
  for (auto clause : util::split(mode, ',')) {
    auto op = clause.find_first_of("+=");
    if (op == std::string_view::npos)
      continue;
    auto who = clause.substr(0, op);
    auto perms = clause.substr(op + 1);
    if (who.find_first_not_of("ugoa") != std::string_view::npos)
      continue;
    if (perms.find('s') != std::string_view::npos &&
        (who.empty() || who.find_first_of("uga") != std::string_view::npos))
      f.setid = true;
    if (perms.find('w') != std::string_view::npos &&
        (who.find('o') != std::string_view::npos || who.find('a') != std::string_view::npos) &&
        perms.find('t') == std::string_view::npos)
      f.world_writable = true;
  }
  return f;
}

void check_copy_add(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    // A WORKDIR in a stage this one builds on counts as set.
    bool workdir_set = false;
    if (stage.base_stage >= 0)
      for (const auto* ins : chain_instructions(ctx, stage.base_stage))
        if (ins->keyword == "workdir")
          workdir_set = true;

    for (std::size_t si = 0; si < stage.steps.size(); ++si) {
      const auto& step = stage.steps[si];
      const auto& ins = *step.instruction;
      if (ins.keyword == "workdir")
        workdir_set = true;
      if (ins.keyword != "copy" && ins.keyword != "add")
        continue;
      auto args = copy_args(ins);
      auto from = flag_value(ins, "from");
      const bool is_add = ins.keyword == "add";
      if (from && ins.keyword == "copy") {
        auto f = expand_or_keep(*from, step.env(), ctx.ast.escape);
        int idx = ctx.model.find_stage(f, static_cast<int>(ctx.model.stages.size()));
        bool own_stage =
            (!stage.name.empty() && iequals(f, stage.name)) || f == std::to_string(stage.index);
        if (own_stage)
          ctx.report("DF023", ins, fmt::format("COPY --from={} refers to the stage it is in", f));
        else if (!has_variable(f) && f.find(':') == std::string::npos &&
                 f.find('/') == std::string::npos && (idx < 0 || idx >= stage.index))
          ctx.report("DF022", ins, fmt::format("COPY --from={} does not name an earlier stage", f));
      }
      // In JSON form a variable in the destination is not expanded.
      if (args.sources.size() >= 2 && !ends_with_separator(args.dest) &&
          (ins.json || !has_variable(args.dest)))
        ctx.report("DF021", ins,
                   fmt::format("{} with several sources needs a destination ending in '/'",
                               util::to_upper(ins.keyword)));
      auto dest = expand_or_keep(args.dest, step.env(), ctx.ast.escape);
      if (!workdir_set && !dest.empty() && !dest.starts_with("/") && !has_variable(dest) &&
          !is_windows_path(dest) && !args.sources.empty())
        ctx.report("DF043", ins,
                   fmt::format("relative destination '{}' with no WORKDIR set", dest));
      bool has_heredoc_source = !ins.heredocs.empty();
      if (is_add && !has_heredoc_source) {
        bool url_or_archive =
            std::any_of(args.sources.begin(), args.sources.end(), [](const std::string& s) {
              return is_url(s) || is_archive(s) || has_variable(s);
            });
        if (!url_or_archive && !args.sources.empty())
          ctx.report(
              "DF020", ins,
              "ADD copies local files: use COPY, which does not fetch URLs or unpack archives");
        for (const auto& s : args.sources)
          if (s.starts_with("http://") || s.starts_with("https://")) {
            if (!flag_value(ins, "checksum"))
              ctx.report(
                  "DF069", ins,
                  fmt::format("ADD {} downloads without --checksum, so the content is not verified",
                              s));
          }
      }
      if (!from) {
        for (const auto& s : args.sources) {
          auto name = sensitive_source(s);
          if (!name.empty())
            ctx.report("DF065", ins,
                       fmt::format("{} copies '{}', which {}, into the image",
                                   util::to_upper(ins.keyword), s,
                                   name == ".git" ? "holds the repository's whole history"
                                                  : "holds credentials or keys"));
        }
        bool copies_context =
            std::any_of(args.sources.begin(), args.sources.end(), [](const std::string& s) {
              return s == "." || s == "./" || s == "./*" || s == "*";
            });
        if (copies_context && ctx.find_dockerignore && !ctx.dockerignore_present())
          ctx.report("DF066", ins,
                     "the whole build context is copied and there is no .dockerignore: secrets, "
                     ".git and local files end up in the image");
      }
      if (auto mode = flag_value(ins, "chmod")) {
        auto facts = mode_facts(*mode);
        if (facts.setid)
          ctx.report("DF071", ins, fmt::format("--chmod={} sets the setuid/setgid bit", *mode));
        if (facts.world_writable)
          ctx.report("DF072", ins, fmt::format("--chmod={} makes files world-writable", *mode));
      }
      // DL3010: a local archive copied and then unpacked by a later RUN.
      if (!is_add && !from) {
        for (const auto& s : args.sources) {
          if (!is_archive(s) || is_url(s))
            continue;
          auto name = std::string(base_name(s));
          for (std::size_t sj = si + 1; sj < stage.steps.size(); ++sj) {
            const auto& later = *stage.steps[sj].instruction;
            if (later.keyword != "run")
              continue;
            if (const Run* run = ctx.run_of(later)) {
              for (const auto& c : commands_of(*run)) {
                if ((c.program() == "tar" || c.program() == "gunzip" || c.program() == "unzip") &&
                    std::any_of(c.argv.begin(), c.argv.end(),
                                [&](const std::string& a) { return base_name(a) == name; }))
                  ctx.report("DF011", ins,
                             fmt::format("'{}' is copied and then unpacked by RUN at line {}; ADD "
                                         "unpacks local archives in one layer",
                                         s, later.start_line));
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Checks on RUN commands

void check_runs(Context& ctx) {
  // Per-stage facts for DL4001 (wget and curl) and DL3059 (consecutive RUN).
  std::map<int, std::pair<const Instruction*, const Instruction*>>
      tools; // stage -> (first curl, first wget)
  for (const auto& run : ctx.runs) {
    const auto& ins = *run.instruction;
    const auto& cmds = commands_of(run);
    const bool final_image = ctx.in_final_image[static_cast<std::size_t>(run.stage)];

    bool apt_update = false, apt_install = false, apt_clean = false;
    bool apk_update = false, apk_add = false;
    bool yum_install = false, yum_clean = false;
    bool dnf_install = false, dnf_clean = false;
    bool zypper_install = false, zypper_clean = false;
    bool yarn_install = false, yarn_clean = false;
    bool pipefail = false, has_pipe = false;
    std::string dnf_prog;

    if (run.uses_sudo)
      ctx.report("DF006", ins,
                 "sudo in a build step; run the step as root before USER, or use gosu");
    for (const auto& c : cmds) {
      const std::string_view prog = c.program();
      if (c.pipe_length > 1)
        has_pipe = true;
      if (prog == "set") {
        for (std::size_t i = 1; i + 1 < c.argv.size(); ++i)
          if (c.argv[i].starts_with("-") && c.argv[i].ends_with("o") && c.argv[i + 1] == "pipefail")
            pipefail = true;
      }
      // DL3001, DL3004
      if (is_one_of(prog, {"ssh", "vim", "shutdown", "service", "ps", "free", "top", "kill",
                           "mount", "ifconfig", "nano"}))
        ctx.report("DF002", ins, fmt::format("'{}' makes little sense in a container build", prog));
      if (prog == "cd" && c.depth == 0)
        ctx.report("DF005", ins, "use WORKDIR to change directory instead of 'cd'");
      if (prog == "ln" && std::any_of(c.argv.begin(), c.argv.end(),
                                      [](const std::string& a) { return a == "/bin/sh"; }))
        ctx.report("DF056", ins,
                   "replacing /bin/sh with a link; use the SHELL instruction to change the shell");
      if (prog == "curl") {
        if (!tools[run.stage].first)
          tools[run.stage].first = &ins;
        if (has_arg(c, {"-k", "--insecure"}) || has_short(c, 'k'))
          ctx.report("DF067", ins, "curl -k/--insecure disables TLS certificate checks");
      }
      if (prog == "wget") {
        if (!tools[run.stage].second)
          tools[run.stage].second = &ins;
        if (has_arg(c, {"--no-check-certificate"}))
          ctx.report("DF067", ins, "wget --no-check-certificate disables TLS certificate checks");
        if (!has_arg(c, {"--progress", "-q", "--quiet", "-nv", "--no-verbose", "-o",
                         "--output-file", "-a", "--append-output"}) &&
            !has_short(c, 'q'))
          ctx.report(
              "DF045", ins,
              "wget without --progress writes a bloated build log; use --progress=dot:giga or -q");
      }
      if (prog == "git") {
        for (std::size_t i = 1; i < c.argv.size(); ++i) {
          auto a = to_lower(c.argv[i]);
          if (a.find("http.sslverify=false") != std::string::npos ||
              a.find("http.sslverify=0") != std::string::npos ||
              (a == "http.sslverify" && i + 1 < c.argv.size() &&
               (to_lower(c.argv[i + 1]) == "false" || c.argv[i + 1] == "0")))
            ctx.report("DF067", ins,
                       "git with http.sslVerify=false disables TLS certificate checks");
        }
      }
      if (prog == "npm" || prog == "yarn" || prog == "pnpm") {
        for (std::size_t i = 1; i < c.argv.size(); ++i) {
          auto a = to_lower(c.argv[i]);
          if (a == "--strict-ssl=false" ||
              (a == "strict-ssl" && i + 1 < c.argv.size() && to_lower(c.argv[i + 1]) == "false") ||
              a == "strict-ssl=false")
            ctx.report(
                "DF067", ins,
                fmt::format("{} with strict-ssl false disables TLS certificate checks", prog));
        }
      }
      if (prog == "export") {
        for (std::size_t i = 1; i < c.argv.size(); ++i)
          if (c.argv[i] == "NODE_TLS_REJECT_UNAUTHORIZED=0" ||
              c.argv[i].starts_with("GIT_SSL_NO_VERIFY=1") ||
              c.argv[i].starts_with("GIT_SSL_NO_VERIFY=true"))
            ctx.report("DF067", ins,
                       fmt::format("'{}' disables TLS certificate checks", c.argv[i]));
      }
      for (const auto& a : c.assignments)
        if (a == "NODE_TLS_REJECT_UNAUTHORIZED=0")
          ctx.report("DF067", ins,
                     "NODE_TLS_REJECT_UNAUTHORIZED=0 disables TLS certificate checks");
      // Setuid/setgid and world-writable modes.
      if (prog == "chmod") {
        auto pos = positionals(c, {"--reference"});
        for (const auto& mode_word : pos) {
          auto facts = mode_facts(mode_word);
          if (facts.setid)
            ctx.report("DF071", ins, fmt::format("chmod {} sets the setuid/setgid bit", mode_word));
          if (facts.world_writable)
            ctx.report("DF072", ins, fmt::format("chmod {} makes files world-writable", mode_word));
          break; // only the first positional is the mode
        }
      }
      // useradd with a high UID and no -l.
      if (prog == "useradd") {
        for (std::size_t i = 1; i + 1 < c.argv.size(); ++i) {
          if (c.argv[i] != "-u" && c.argv[i] != "--uid")
            continue;
          const auto& uid = c.argv[i + 1];
          if (uid.size() > 5 &&
              std::all_of(
                  uid.begin(), uid.end(),
                  [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)) != 0; }) &&
              !has_arg(c, {"-l", "--no-log-init"}) && !has_short(c, 'l'))
            ctx.report(
                "DF044", ins,
                fmt::format("useradd -u {} without -l fills /var/log/lastlog and bloats the image",
                            uid));
        }
      }
      // Apt.
      if (is_apt(c) && !is_apt_get(c))
        ctx.report("DF027", ins,
                   "apt is meant for interactive use; use apt-get or apt-cache in scripts");
      if (is_apt_get(c) || is_apt(c)) {
        auto sub = subcommand(c, k_apt_value_opts);
        if (sub == "update")
          apt_update = true;
        if (sub == "dist-upgrade" || sub == "full-upgrade")
          ctx.report(
              "DF059", ins,
              fmt::format("{} {} upgrades the whole distribution inside the image", prog, sub));
        if (sub == "clean" || sub == "autoclean" || sub == "dist-clean" || sub == "distclean")
          apt_clean = true;
        if (has_arg(c, {"--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes",
                        "--allow-downgrades"}))
          ctx.report("DF068", ins,
                     fmt::format("{} installs packages without verifying their signatures", prog));
        for (std::size_t i = 1; i + 1 < c.argv.size(); ++i)
          if (c.argv[i] == "-o" &&
              (c.argv[i + 1].find("AllowInsecureRepositories=") != std::string::npos ||
               c.argv[i + 1].find("AllowUnauthenticated=") != std::string::npos) &&
              c.argv[i + 1].find("=false") == std::string::npos)
            ctx.report("DF068", ins,
                       fmt::format("{} -o {} disables signature checks", prog, c.argv[i + 1]));
        // A simulated install (-s) installs nothing and asks nothing.
        const bool simulate =
            has_arg(c, {"-s", "--simulate", "--just-print", "--dry-run", "--recon", "--no-act"});
        if (sub == "install" && !simulate) {
          apt_install = true;
          auto pkgs = packages_after(c, "install", k_apt_value_opts);
          if (is_apt_get(c)) {
            bool yes = has_arg(c, {"-y", "--yes", "--assume-yes", "-qq", "-q=2"}) ||
                       has_short(c, 'y') ||
                       std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
                         return a.find("APT::Get::Assume-Yes=") != std::string::npos;
                       });
            if (!yes)
              ctx.report("DF015", ins,
                         "apt-get install without -y waits for input that never comes");
            std::vector<std::string> unpinned;
            for (const auto& p : pkgs)
              if (p.find('=') == std::string::npos && !p.ends_with(".deb") && !has_variable(p) &&
                  !p.starts_with("/") && !p.starts_with("./"))
                unpinned.push_back(p);
            if (!unpinned.empty())
              ctx.report("DF009", ins,
                         fmt::format("apt-get install of unpinned packages: {}",
                                     fmt::join(unpinned, ", ")));
            bool no_rec = has_arg(c, {"--no-install-recommends"}) ||
                          std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
                            return a.find("Install-Recommends=false") != std::string::npos ||
                                   a.find("Install-Recommends=0") != std::string::npos ||
                                   a.find("Install-Recommends \"false\"") != std::string::npos;
                          });
            if (!no_rec && !pkgs.empty())
              ctx.report("DF016", ins,
                         "apt-get install without --no-install-recommends pulls in extra packages");
          }
          for (const auto& p : pkgs)
            if (p == "openssh-server" || p.starts_with("openssh-server=") || p == "dropbear" ||
                p.starts_with("dropbear="))
              ctx.report(
                  "DF061", ins,
                  fmt::format("SSH server '{}' installed: use docker exec instead of SSH", p));
        }
      }
      if (prog == "rm") {
        for (const auto& a : c.argv)
          if (a.starts_with("/var/lib/apt/lists"))
            apt_clean = true;
        for (const auto& a : c.argv) {
          if (a.starts_with("/var/cache/yum"))
            yum_clean = true;
          if (a.starts_with("/var/cache/dnf") || a.starts_with("/var/cache/yum"))
            dnf_clean = true;
          if (a.starts_with("/var/cache/zypp"))
            zypper_clean = true;
        }
      }
      // Apk.
      if (prog == "apk") {
        auto sub = subcommand(c, k_apk_value_opts);
        if (sub == "update")
          apk_update = true;
        if (sub == "add") {
          apk_add = true;
          // Local .apk files built in an earlier stage cannot carry a signature
          // the image trusts; --allow-untrusted for them is expected.
          const auto apk_args = packages_after(c, "add", k_apk_value_opts);
          const bool local_only =
              !apk_args.empty() &&
              std::all_of(apk_args.begin(), apk_args.end(), [](const std::string& p) {
                return (p.starts_with("/") || p.starts_with("./")) &&
                       p.find(".apk") != std::string::npos;
              });
          if (has_arg(c, {"--allow-untrusted"}) && !local_only)
            ctx.report(
                "DF068", ins,
                "apk add --allow-untrusted installs packages without verifying their signatures");
          if (!has_arg(c, {"--no-cache"}) && !run_has_cache_mount(run, "/var/cache/apk"))
            ctx.report("DF019", ins,
                       "apk add without --no-cache leaves the package index in the image");
          std::vector<std::string> unpinned;
          for (const auto& p : packages_after(c, "add", k_apk_value_opts)) {
            if (p.find('=') == std::string::npos && p.find('~') == std::string::npos &&
                p.find('<') == std::string::npos && p.find('>') == std::string::npos &&
                !has_variable(p) && !p.ends_with(".apk") && !p.starts_with("."))
              unpinned.push_back(p);
            if (p == "openssh" || p == "openssh-server" || p == "dropbear" ||
                p.starts_with("openssh-server=") || p.starts_with("openssh="))
              ctx.report(
                  "DF061", ins,
                  fmt::format("SSH server '{}' installed: use docker exec instead of SSH", p));
          }
          if (!unpinned.empty())
            ctx.report("DF018", ins,
                       fmt::format("apk add of unpinned packages: {}", fmt::join(unpinned, ", ")));
        }
      }
      // Yum, dnf, microdnf.
      if (prog == "yum" || prog == "dnf" || prog == "microdnf" || prog == "tdnf") {
        auto sub = subcommand(c, k_yum_value_opts);
        if (sub == "clean")
          (prog == "yum" ? yum_clean : dnf_clean) = true;
        if (has_arg(c, {"--nogpgcheck"}) ||
            std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
              return a == "--setopt=gpgcheck=0" || a == "--setopt=gpgcheck=false";
            }))
          ctx.report(
              "DF068", ins,
              fmt::format("{} --nogpgcheck installs packages without verifying their signatures",
                          prog));
        if (is_one_of(sub, {"install", "groupinstall", "localinstall", "reinstall"})) {
          const bool yes = has_arg(c, {"-y", "--assumeyes"}) || has_short(c, 'y');
          if (prog == "yum") {
            yum_install = true;
            if (!yes)
              ctx.report("DF030", ins, "yum install without -y waits for input that never comes");
          } else {
            dnf_install = true;
            dnf_prog = prog;
            if (!yes && prog != "microdnf")
              ctx.report(
                  "DF037", ins,
                  fmt::format("{} install without -y waits for input that never comes", prog));
          }
          std::vector<std::string> unpinned;
          for (const auto& p : packages_after(c, sub, k_yum_value_opts)) {
            bool pinned = p.find('=') != std::string::npos || p.ends_with(".rpm") ||
                          has_variable(p) || p.starts_with("@") || p.starts_with("/");
            for (std::size_t i = 0; !pinned && i + 1 < p.size(); ++i)
              if (p[i] == '-' && std::isdigit(static_cast<unsigned char>(p[i + 1])) != 0)
                pinned = true;
            if (!pinned)
              unpinned.push_back(p);
            if (p == "openssh-server" || p.starts_with("openssh-server-"))
              ctx.report(
                  "DF061", ins,
                  fmt::format("SSH server '{}' installed: use docker exec instead of SSH", p));
          }
          if (!unpinned.empty())
            ctx.report(prog == "yum" ? "DF032" : "DF039", ins,
                       fmt::format("{} install of unpinned packages: {}", prog,
                                   fmt::join(unpinned, ", ")));
        }
      }
      // Zypper.
      if (prog == "zypper") {
        auto sub = subcommand(c, k_zypper_value_opts);
        if (sub == "clean" || sub == "cc")
          zypper_clean = true;
        if (sub == "dist-upgrade" || sub == "dup")
          ctx.report("DF034", ins,
                     "zypper dist-upgrade upgrades the whole distribution inside the image");
        if (has_arg(c, {"--no-gpg-checks"}))
          ctx.report("DF068", ins,
                     "zypper --no-gpg-checks installs packages without verifying their signatures");
        if (is_one_of(sub, {"install", "in", "remove", "rm", "source-install", "si", "patch"})) {
          if (!has_arg(c, {"-n", "--non-interactive", "-y", "--no-confirm"}) &&
              !has_short(c, 'n') && !has_short(c, 'y'))
            ctx.report(
                "DF033", ins,
                fmt::format("zypper {} without -n/-y waits for input that never comes", sub));
          if (sub == "install" || sub == "in") {
            zypper_install = true;
            std::vector<std::string> unpinned;
            for (const auto& p : packages_after(c, sub, k_zypper_value_opts))
              if (p.find_first_of("=<>") == std::string::npos && !p.ends_with(".rpm") &&
                  !has_variable(p))
                unpinned.push_back(p);
            if (!unpinned.empty())
              ctx.report("DF036", ins,
                         fmt::format("zypper install of unpinned packages: {}",
                                     fmt::join(unpinned, ", ")));
          }
        }
      }
      // Pip.
      if (is_pip(c)) {
        auto view = pip_view(c);
        if (has_arg(view, {"--trusted-host"}))
          ctx.report("DF067", ins,
                     "pip --trusted-host disables TLS certificate checks for that host");
        if (subcommand(view) == "config" &&
            std::any_of(view.argv.begin(), view.argv.end(), [](const std::string& a) {
              return a.find("trusted-host") != std::string::npos;
            }))
          ctx.report("DF067", ins,
                     "pip config trusted-host disables TLS certificate checks for that host");
        if (subcommand(view, k_pip_value_opts) == "install") {
          auto env_it = run.step->env().find("PIP_NO_CACHE_DIR");
          bool env_no_cache = env_it != run.step->env().end() && env_it->second &&
                              !env_it->second->empty() && *env_it->second != "0" &&
                              to_lower(*env_it->second) != "false";
          if (!has_arg(view, {"--no-cache-dir"}) && !env_no_cache &&
              !run_has_cache_mount(run, "pip"))
            ctx.report("DF040", ins,
                       "pip install without --no-cache-dir keeps the download cache in the image");
          std::vector<std::string> unpinned;
          const bool upgrade = has_arg(view, {"-U", "--upgrade"});
          for (const auto& p : packages_after(view, "install", k_pip_value_opts)) {
            if (p.find_first_of("=<>~@!") != std::string::npos || p.starts_with(".") ||
                p.starts_with("/") || p.find("://") != std::string::npos || p.ends_with(".whl") ||
                p.ends_with(".tar.gz") || p.ends_with(".zip") || has_variable(p))
              continue;
            if (upgrade && (p == "pip" || p == "setuptools" || p == "wheel"))
              continue;
            unpinned.push_back(p);
          }
          if (!unpinned.empty())
            ctx.report(
                "DF014", ins,
                fmt::format("pip install of unpinned packages: {}", fmt::join(unpinned, ", ")));
        }
      }
      // Npm.
      if (prog == "npm") {
        auto sub = subcommand(c, {"--prefix", "-C", "--registry", "--cache", "-w", "--workspace"});
        if (is_one_of(sub, {"install", "i", "add"})) {
          std::vector<std::string> unpinned;
          for (const auto& p : packages_after(
                   c, sub, {"--prefix", "-C", "--registry", "--cache", "-w", "--workspace"})) {
            std::string_view name = p;
            if (name.starts_with("@"))
              name.remove_prefix(1);
            if (name.find('@') != std::string_view::npos || p.starts_with(".") ||
                p.starts_with("/") || p.find("://") != std::string::npos ||
                p.find(':') != std::string::npos || p.ends_with(".tgz") || p.ends_with(".tar.gz") ||
                has_variable(p) || p.starts_with("~"))
              continue;
            unpinned.push_back(p);
          }
          if (!unpinned.empty())
            ctx.report(
                "DF017", ins,
                fmt::format("npm install of unpinned packages: {}", fmt::join(unpinned, ", ")));
        }
      }
      // Yarn.
      if (prog == "yarn") {
        auto sub = subcommand(c, {"--cwd", "--cache-folder", "--modules-folder"});
        if (sub.empty() || sub == "install" || sub == "add")
          yarn_install = true;
        auto pos = positionals(c, {"--cwd"});
        if (pos.size() >= 2 && pos[0] == "cache" && pos[1] == "clean")
          yarn_clean = true;
      }
      // Gem.
      if (prog == "gem" && subcommand(c, {"-v", "--version", "-i", "--install-dir", "-n",
                                          "--bindir", "--source"}) == "install") {
        if (!has_arg(c, {"-v", "--version"})) {
          std::vector<std::string> unpinned;
          for (const auto& p : packages_after(c, "install",
                                              {"-i", "--install-dir", "-n", "--bindir", "--source",
                                               "-P", "--trust-policy", "--platform"}))
            if (p.find(':') == std::string::npos && !p.ends_with(".gem") && !has_variable(p))
              unpinned.push_back(p);
          if (!unpinned.empty())
            ctx.report("DF028", ins,
                       fmt::format("gem install of unpinned gems: {}", fmt::join(unpinned, ", ")));
        }
      }
      // Go.
      if (prog == "go" && subcommand(c) == "install") {
        std::vector<std::string> unpinned;
        for (const auto& p :
             packages_after(c, "install",
                            {"-o", "-ldflags", "-gcflags", "-tags", "-mod", "-modfile", "-C", "-p",
                             "-asmflags", "-buildmode", "-compiler", "-gccgoflags",
                             "-installsuffix", "-overlay", "-pgo", "-pkgdir", "-toolexec"})) {
          if (p.starts_with(".") || p.starts_with("/") || has_variable(p))
            continue;
          auto at = p.find('@');
          if (at == std::string::npos || p.substr(at + 1) == "latest")
            unpinned.push_back(p);
        }
        if (!unpinned.empty())
          ctx.report(
              "DF051", ins,
              fmt::format("go install without a pinned version: {}", fmt::join(unpinned, ", ")));
      }
      // Downloads piped into an interpreter, and sh -c "$(curl ...)".
      if (is_one_of(prog, {"sh", "bash", "zsh", "dash", "ash", "ksh", "python", "python3", "perl",
                           "ruby", "node", "php"})) {
        bool piped = false;
        if (c.pipe_position > 0) {
          for (const auto& other : cmds)
            if (other.pipeline == c.pipeline && other.pipe_position < c.pipe_position &&
                is_one_of(other.program(), {"curl", "wget", "fetch"}))
              piped = true;
        }
        bool substituted = std::any_of(c.argv.begin() + 1, c.argv.end(), [](const std::string& a) {
          return a.find("$(curl") != std::string::npos || a.find("$(wget") != std::string::npos ||
                 a.find("`curl") != std::string::npos || a.find("`wget") != std::string::npos ||
                 a.find("<(curl") != std::string::npos || a.find("<(wget") != std::string::npos;
        });
        if (piped || substituted)
          ctx.report("DF070", ins,
                     fmt::format("a download is run by '{}' without being verified", prog));
      }
      if (is_one_of(prog, {"sshd", "dropbear"}))
        ctx.report(
            "DF061", ins,
            fmt::format("'{}' started during the build: an SSH server has no place in a container",
                        prog));
    }

    if (apt_update && !apt_install)
      ctx.report(
          "DF058", ins,
          "apt-get update alone in a RUN: the cached index goes stale; combine it with install");
    if (apk_update && !apk_add)
      ctx.report("DF058", ins,
                 "apk update alone in a RUN: the cached index goes stale; combine it with add");
    if (apt_install && !apt_clean && final_image && !run_has_cache_mount(run, "/var/lib/apt"))
      ctx.report(
          "DF010", ins,
          "apt lists are left in the image: add 'rm -rf /var/lib/apt/lists/*' to the same RUN");
    if (yum_install && !yum_clean && !run_has_cache_mount(run, "/var/cache/yum"))
      ctx.report(
          "DF031", ins,
          "yum install without 'yum clean all' in the same RUN leaves the cache in the image");
    if (dnf_install && !dnf_clean && !run_has_cache_mount(run, "/var/cache/"))
      ctx.report(
          "DF038", ins,
          fmt::format(
              "{} install without '{} clean all' in the same RUN leaves the cache in the image",
              dnf_prog, dnf_prog));
    if (zypper_install && !zypper_clean && !run_has_cache_mount(run, "/var/cache/zypp"))
      ctx.report(
          "DF035", ins,
          "zypper install without 'zypper clean' in the same RUN leaves the cache in the image");
    if (yarn_install && !yarn_clean && !run_has_cache_mount(run, "yarn"))
      ctx.report(
          "DF049", ins,
          "yarn install without 'yarn cache clean' in the same RUN leaves the cache in the image");
    if (has_pipe && !pipefail && run.posix) {
      if (!run.shell_pipefail)
        ctx.report("DF057", ins,
                   "a pipe in RUN without 'set -o pipefail': a failing download is hidden by the "
                   "next command");
    }
  }
  for (const auto& [stage, pair] : tools)
    if (pair.first != nullptr && pair.second != nullptr) {
      const Instruction* later =
          pair.first->start_line > pair.second->start_line ? pair.first : pair.second;
      ctx.report("DF053", *later, "both wget and curl are used in this stage; pick one");
    }
  // DL3059: consecutive RUN instructions with the same flags.
  for (const auto& stage : ctx.model.stages) {
    for (std::size_t i = 1; i < stage.steps.size(); ++i) {
      const auto& prev = *stage.steps[i - 1].instruction;
      const auto& cur = *stage.steps[i].instruction;
      if (prev.keyword == "run" && cur.keyword == "run" && prev.flags == cur.flags &&
          prev.heredocs.empty() && cur.heredocs.empty())
        ctx.report(
            "DF048", cur,
            fmt::format("RUN right after the RUN at line {}; consider merging them into one layer",
                        prev.start_line));
    }
  }
}

// ---------------------------------------------------------------------------
// BuildKit's own build checks and instruction validity

// Proxy variables BuildKit passes to every build without an ARG.
bool is_builtin_arg(std::string_view name) {
  return is_one_of(name, {"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY",
                          "http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy"});
}

// The keyword as written in the file ("FROM", "from", "From").
std::string written_keyword(const Instruction& ins) {
  return first_word(ins.original);
}

bool all_upper(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; });
}
bool all_lower(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; });
}

// Names of the variables a word refers to: $NAME and ${NAME...}.
std::vector<std::string> referenced_names(std::string_view word) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i + 1 < word.size(); ++i) {
    if (word[i] != '$')
      continue;
    std::size_t start = i + 1;
    if (word[start] == '{')
      ++start;
    std::size_t end = start;
    while (end < word.size() && (is_alnum(word[end]) || word[end] == '_'))
      ++end;
    if (end > start && !std::isdigit(static_cast<unsigned char>(word[start])))
      out.emplace_back(word.substr(start, end - start));
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0U : 1U)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
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
      for (const auto& pair : ins.pairs)
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
    if (needs_args && ins.args.empty() && ins.pairs.empty() && !ins.json && ins.heredocs.empty())
      ctx.report("DF089", ins, fmt::format("{} has no arguments", util::to_upper(ins.keyword)));
  }
}

void check_from_buildkit(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    const auto& ins = *stage.from;
    if (ins.args.size() >= 3 && iequals(ins.args[1], "as")) {
      auto from_w = written_keyword(ins);
      const auto& as_w = ins.args[1];
      if ((all_upper(from_w) && !all_upper(as_w)) || (all_lower(from_w) && !all_lower(as_w)))
        ctx.report("DF077", ins,
                   fmt::format("'{}' and '{}' are written in different cases", from_w, as_w));
      const auto& name = ins.args[2];
      if (!all_lower(name))
        ctx.report("DF082", ins, fmt::format("stage name '{}' is not lower case", name));
      if (iequals(name, "scratch") || iequals(name, "context"))
        ctx.report("DF081", ins,
                   fmt::format("'{}' is a reserved name and cannot name a stage", name));
    }
    if (stage.platform == "$TARGETPLATFORM" || stage.platform == "${TARGETPLATFORM}")
      ctx.report("DF080", ins, "--platform=$TARGETPLATFORM is the default and can be removed");
    for (const auto& name : referenced_names(stage.base_written)) {
      auto it = ctx.model.global_args.find(name);
      if (it == ctx.model.global_args.end()) {
        if (!is_builtin_arg(name))
          ctx.report("DF083", ins,
                     fmt::format("FROM uses ${} but no ARG {} is declared before the first FROM",
                                 name, name));
      } else if (!it->second && !is_platform_arg(name)) {
        // ${NAME:-default} and ${NAME-default} supply their own default.
        auto pos = stage.base_written.find("${" + name);
        bool has_default = pos != std::string::npos &&
                           pos + 2 + name.size() < stage.base_written.size() &&
                           (stage.base_written[pos + 2 + name.size()] == ':' ||
                            stage.base_written[pos + 2 + name.size()] == '-');
        if (!has_default)
          ctx.report(
              "DF078", ins,
              fmt::format("ARG {} has no default, so FROM {} is invalid unless --build-arg sets it",
                          name, stage.base_written));
      }
    }
  }
}

// Root of a stage chain: true when every variable the stage can see is known
// (a scratch base, or stages built on scratch).
bool env_fully_known(const Context& ctx, int stage_index) {
  for (int s = stage_index, guard = 0; s >= 0 && guard < 1000; ++guard) {
    const auto& st = ctx.model.stages[static_cast<std::size_t>(s)];
    if (st.base_stage < 0)
      return st.is_scratch;
    s = st.base_stage;
  }
  return false;
}

void check_undefined_vars(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    const bool known = env_fully_known(ctx, stage.index);
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (!is_one_of(ins.keyword, {"add", "copy", "env", "expose", "label", "stopsignal", "user",
                                   "volume", "workdir"}))
        continue;
      std::vector<std::string> words = ins.args;
      for (const auto& pair : ins.pairs)
        words.push_back(pair.value);
      for (const auto& f : ins.flags)
        words.push_back(f);
      std::set<std::string> reported;
      for (const auto& w : words) {
        for (const auto& name : referenced_names(w)) {
          if (step.env().count(name) || is_builtin_arg(name) || reported.count(name))
            continue;
          // A base image can define variables moat cannot see; only report
          // when the environment is fully known or the name is a likely typo.
          std::string suggestion;
          for (const auto& [defined, value] : step.env())
            if (defined.size() > 2 && edit_distance(defined, name) <= 2 &&
                iequals(defined.substr(0, 1), name.substr(0, 1)))
              suggestion = defined;
          if (!known && suggestion.empty())
            continue;
          reported.insert(name);
          ctx.report("DF084", ins,
                     suggestion.empty()
                         ? fmt::format("${} is not defined", name)
                         : fmt::format("${} is not defined (did you mean ${}?)", name, suggestion));
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
        for (const auto& pair : ins.pairs) {
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

// user:password@ in a URL, with a literal password.
bool url_has_credentials(std::string_view s) {
  auto scheme = s.find("://");
  while (scheme != std::string_view::npos) {
    auto rest = s.substr(scheme + 3);
    auto end = rest.find_first_of("/ \t\"'");
    auto authority = rest.substr(0, end);
    auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
      auto userinfo = authority.substr(0, at);
      auto colon = userinfo.find(':');
      if (colon != std::string_view::npos && colon + 1 < userinfo.size() &&
          !has_variable(userinfo.substr(colon + 1)))
        return true;
    }
    scheme = s.find("://", scheme + 3);
  }
  return false;
}

bool is_local_url(std::string_view url) {
  auto rest = url.substr(url.find("://") + 3);
  return rest.starts_with("localhost") || rest.starts_with("127.") || rest.starts_with("[::1]") ||
         rest.starts_with("0.0.0.0");
}

void check_urls_and_flags(Context& ctx) {
  for (const auto& ins : ctx.ast.instructions) {
    if (ins.keyword == "env" || ins.keyword == "arg" || ins.keyword == "label") {
      std::vector<std::string> values = ins.args;
      for (const auto& p : ins.pairs)
        values.push_back(p.value);
      for (const auto& v : values)
        if (url_has_credentials(v)) {
          ctx.report("DF107", ins, "a URL with a user name and password is stored in the image");
          break;
        }
    }
  }
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword == "run") {
        auto security = flag_value(ins, "security");
        if (security && *security == "insecure")
          ctx.report("DF091", ins, "RUN --security=insecure runs the step without the sandbox");
        auto network = flag_value(ins, "network");
        if (network && *network == "host")
          ctx.report("DF092", ins, "RUN --network=host shares the build host's network");
        for (const auto& f : ins.flags)
          if (f.starts_with("--mount") && f.find("docker.sock") != std::string::npos)
            ctx.report("DF109", ins, "the Docker socket is mounted into a build step");
      }
      if (ins.keyword == "add" || ins.keyword == "copy") {
        auto args = copy_args(ins);
        if (ins.keyword == "add") {
          for (const auto& s : args.sources) {
            if (s.starts_with("http://") && !is_local_url(s))
              ctx.report("DF093", ins, fmt::format("ADD {} downloads over plain HTTP", s));
            bool git = s.ends_with(".git") || s.find(".git#") != std::string::npos ||
                       s.starts_with("git@") || s.starts_with("git://");
            if (git) {
              auto hash = s.find('#');
              std::string ref = hash == std::string::npos ? std::string() : s.substr(hash + 1);
              ref = ref.substr(0, ref.find(':'));
              bool commit = ref.size() == 40 && std::all_of(ref.begin(), ref.end(), [](char c) {
                              return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                            });
              if (!commit && !flag_value(ins, "checksum"))
                ctx.report("DF103", ins,
                           fmt::format("ADD {} follows a branch or tag, not a commit", s));
            }
            if (url_has_credentials(s))
              ctx.report("DF107", ins, "ADD source URL holds a user name and password");
          }
          if (auto keep = flag_value(ins, "keep-git-dir");
              keep && (keep->empty() || *keep == "true"))
            ctx.report(
                "DF108", ins,
                "ADD --keep-git-dir=true copies the repository's .git directory into the image");
        }
        if (auto from = flag_value(ins, "from"); from && ins.keyword == "copy") {
          auto f = expand_or_keep(*from, step.env(), ctx.ast.escape);
          if ((f.find(':') != std::string::npos || f.find('/') != std::string::npos) &&
              !has_variable(f)) {
            if (auto ref = parse_image_ref(f);
                ref && ref->digest.empty() && (ref->tag.empty() || ref->tag == "latest"))
              ctx.report(
                  "DF104", ins,
                  fmt::format("COPY --from={} copies from an image without a pinned version", f));
          }
        }
      }
    }
}

void check_run_security(Context& ctx) {
  for (const auto& run : ctx.runs) {
    const auto& ins = *run.instruction;
    for (const auto& c : commands_of(run)) {
      const std::string_view prog = c.program();
      // Plain-HTTP downloads.
      if (prog == "curl" || prog == "wget" || prog == "git" || is_pip(c) || prog == "npm" ||
          prog == "yarn") {
        for (const auto& a : c.argv) {
          std::string_view v = a;
          if (auto eq = v.find("=http://"); eq != std::string_view::npos)
            v = v.substr(eq + 1);
          if ((v.starts_with("http://") && !is_local_url(v)) ||
              (prog == "git" && v.starts_with("git://"))) {
            ctx.report("DF093", ins,
                       fmt::format("{} fetches {} without TLS", prog, std::string(v)));
            break;
          }
        }
      }
      for (const auto& a : c.argv) {
        if (url_has_credentials(a)) {
          ctx.report("DF107", ins,
                     fmt::format("{} is given a URL with a user name and password", prog));
          break;
        }
      }
      if (prog == "curl") {
        for (std::size_t i = 1; i + 1 < c.argv.size(); ++i)
          if ((c.argv[i] == "-u" || c.argv[i] == "--user") &&
              c.argv[i + 1].find(':') != std::string::npos &&
              !has_variable(c.argv[i + 1].substr(c.argv[i + 1].find(':') + 1)) &&
              c.argv[i + 1].back() != ':')
            ctx.report("DF107", ins,
                       "curl -u user:password puts the password in the image history");
      }
      if (prog == "apt-key")
        ctx.report("DF094", ins, "apt-key trusts the key for every repository and is deprecated");
      // A local repository (file:, copy:) built during the same step is the
      // common, harmless use of trusted=yes.
      for (const auto& a : c.argv)
        if ((a.find("trusted=yes") != std::string::npos ||
             a.find("allow-insecure=yes") != std::string::npos) &&
            a.find("file:") == std::string::npos && a.find("copy:") == std::string::npos) {
          ctx.report("DF095", ins, "a package source marked trusted=yes accepts unsigned packages");
          break;
        }
      // Whole-system upgrades.
      const bool package_manager =
          is_one_of(prog, {"apt-get", "apt", "apk", "zypper", "yum", "dnf", "microdnf", "tdnf"});
      const auto sub = !package_manager
                           ? std::string()
                           : subcommand(c, prog == "apk" ? k_apk_value_opts
                                                         : (prog == "zypper" ? k_zypper_value_opts
                                                                             : k_yum_value_opts));
      if (package_manager && (((prog == "apt-get" || prog == "apt") && sub == "upgrade") ||
                              (prog == "apk" && sub == "upgrade") ||
                              (prog == "zypper" && (sub == "update" || sub == "up")) ||
                              (is_one_of(prog, {"yum", "dnf", "microdnf", "tdnf"}) &&
                               is_one_of(sub, {"update", "upgrade"}) &&
                               packages_after(c, sub, k_yum_value_opts).empty())))
        ctx.report("DF096", ins, fmt::format("{} {} upgrades every installed package", prog, sub));
      // Keys and passwords baked in.
      if ((prog == "ssh-keygen" &&
           (has_arg(c, {"-A"}) || std::any_of(c.argv.begin(), c.argv.end(),
                                              [](const std::string& a) {
                                                return a.find("/etc/ssh/ssh_host_") !=
                                                       std::string::npos;
                                              }))) ||
          (prog == "dpkg-reconfigure" &&
           std::find(c.argv.begin(), c.argv.end(), "openssh-server") != c.argv.end()))
        ctx.report(
            "DF099", ins,
            "SSH host keys generated at build time are shared by every container from the image");
      if (prog == "chpasswd" || (prog == "passwd" && has_arg(c, {"--stdin"})))
        ctx.report("DF100", ins, fmt::format("{} sets a password inside the image", prog));
      if ((prog == "useradd" || prog == "usermod")) {
        for (std::size_t i = 1; i + 1 < c.argv.size(); ++i)
          if ((c.argv[i] == "-p" || c.argv[i] == "--password") && c.argv[i + 1] != "*" &&
              c.argv[i + 1] != "!" && c.argv[i + 1] != "!!")
            ctx.report("DF100", ins, fmt::format("{} -p sets a password inside the image", prog));
      }
      // Passwordless sudo and admin groups.
      if (std::any_of(c.argv.begin(), c.argv.end(),
                      [](const std::string& a) { return a.find("NOPASSWD") != std::string::npos; }))
        ctx.report("DF101", ins,
                   "a NOPASSWD sudo rule lets the user become root without a password");
      if (prog == "usermod" || prog == "useradd" || prog == "adduser" || prog == "gpasswd" ||
          prog == "addgroup") {
        bool admin = false;
        for (std::size_t i = 1; i < c.argv.size(); ++i) {
          const auto& a = c.argv[i];
          bool group_opt = a == "-G" || a == "-aG" || a == "--groups" || a == "-g" || a == "-a" ||
                           a == "--append";
          if (group_opt && i + 1 < c.argv.size())
            for (auto g : util::split_trimmed(c.argv[i + 1], ','))
              if (is_one_of(g, {"sudo", "wheel", "admin", "root", "docker"}))
                admin = true;
        }
        auto pos = positionals(c, {"-G", "-aG", "--groups", "-g", "-u", "-s", "-d", "-c", "-a",
                                   "--home", "--shell", "--uid", "--gid", "-h"});
        if ((prog == "adduser" || prog == "gpasswd" || prog == "addgroup") && pos.size() >= 2 &&
            is_one_of(pos.back(), {"sudo", "wheel", "admin", "docker"}))
          admin = true;
        if (admin)
          ctx.report("DF101", ins, fmt::format("{} adds a user to an administrative group", prog));
      }
      // Short GPG key ids.
      if (prog == "gpg" || prog == "gpg2" || prog == "apt-key") {
        for (std::size_t i = 1; i < c.argv.size(); ++i) {
          if (c.argv[i] != "--recv-keys" && c.argv[i] != "--recv-key" &&
              c.argv[i] != "--receive-keys")
            continue;
          for (std::size_t k = i + 1; k < c.argv.size() && !c.argv[k].starts_with("-"); ++k) {
            std::string_view id = c.argv[k];
            if (id.starts_with("0x") || id.starts_with("0X"))
              id.remove_prefix(2);
            bool hex = !id.empty() && std::all_of(id.begin(), id.end(), [](char ch) {
              return std::isxdigit(static_cast<unsigned char>(ch)) != 0;
            });
            if (hex && (id.size() == 8 || id.size() == 16))
              ctx.report("DF106", ins,
                         fmt::format("key {} is named by a {}-digit id, not its fingerprint",
                                     c.argv[k], id.size()));
          }
        }
      }
      if (std::any_of(c.argv.begin(), c.argv.end(), [](const std::string& a) {
            return a.find("/var/run/docker.sock") != std::string::npos || a == "/run/docker.sock";
          }))
        ctx.report("DF109", ins, "the build step uses the Docker socket");
    }
  }
}

// Files added by COPY/ADD and removed by a later RUN in the same image.
void check_removed_later(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    if (!ctx.in_final_image[static_cast<std::size_t>(stage.index)])
      continue;
    std::string workdir = "/";
    std::map<std::string, const Instruction*> added;
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      auto resolve = [&](std::string p) {
        p = expand_or_keep(p, step.env(), ctx.ast.escape);
        if (!p.starts_with("/")) {
          std::string joined = workdir;
          if (!joined.ends_with("/"))
            joined += '/';
          joined += p;
          p = std::move(joined);
        }
        while (p.size() > 1 && p.back() == '/')
          p.pop_back();
        return p;
      };
      if (ins.keyword == "workdir" && !ins.args.empty()) {
        workdir = resolve(ins.args[0]);
      } else if ((ins.keyword == "copy" || ins.keyword == "add") && !flag_value(ins, "from") &&
                 ins.heredocs.empty()) {
        auto args = copy_args(ins);
        for (const auto& s : args.sources) {
          if (is_url(s) || s.find_first_of("*?[") != std::string::npos || s == "." || s == "./")
            continue;
          std::string dest = args.dest.ends_with("/") || args.sources.size() > 1
                                 ? resolve(args.dest) + "/" + std::string(base_name(s))
                                 : resolve(args.dest);
          added[dest] = &ins;
        }
      } else if (ins.keyword == "run") {
        if (const Run* run = ctx.run_of(ins)) {
          for (const auto& c : commands_of(*run)) {
            if (c.program() != "rm" && c.program() != "shred")
              continue;
            for (const auto& p : positionals(c, {})) {
              auto it = added.find(resolve(p));
              if (it == added.end())
                continue;
              bool sensitive = !sensitive_source(it->first).empty();
              ctx.report(
                  "DF098", ins,
                  fmt::format(
                      "'{}' was added at line {}; removing it here leaves it in that layer{}",
                      it->first, it->second->start_line,
                      sensitive ? " (it holds credentials or keys)" : ""));
            }
          }
        }
      }
    }
  }
}

// The script text a RUN runs through /bin/sh, or nullopt for exec form.
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
        shell_state.pipefail = false;
        for (std::size_t k = 0; k + 1 < ins.args.size(); ++k)
          if (ins.args[k].starts_with("-") && ins.args[k].ends_with("o") &&
              ins.args[k + 1] == "pipefail")
            shell_state.pipefail = true;
      }
      if (ins.keyword != "run")
        continue;
      Run run;
      run.instruction = &ins;
      run.stage = stage.index;
      run.step = &step;
      run.posix = posix && !ins.json;
      run.shell_pipefail = shell_state.pipefail;
      if (ins.json) {
        shell::Command c;
        c.argv = ins.args;
        c.raw = ins.args;
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
      run.commands = {};
      ctx.run_index.emplace(&ins, ctx.runs.size());
      ctx.runs.push_back(std::move(run));
    }
    final_shell.push_back(shell_state);
  }
  check_instruction_order(ctx);
  check_unknown_and_deprecated(ctx);
  if (ctx.model.stages.empty())
    return;
  check_from(ctx);
  check_user(ctx);
  check_stage_counts(ctx);
  check_exec_form(ctx);
  check_workdir_volume(ctx);
  check_expose(ctx);
  check_env_label(ctx);
  check_secrets(ctx);
  check_copy_add(ctx);
  check_runs(ctx);
  check_casing_and_form(ctx);
  check_from_buildkit(ctx);
  check_undefined_vars(ctx);
  check_instruction_values(ctx);
  check_urls_and_flags(ctx);
  check_run_security(ctx);
  check_removed_later(ctx);
}

} // namespace moat::dockerfile::detail
