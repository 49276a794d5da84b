// Helpers the Dockerfile check files share: reading commands, words,
// stages, COPY/ADD arguments and URLs.

#include <moat/dockerfile/check_helpers.hpp>

#include <moat/util/strings.hpp>

#include <algorithm>
#include <cctype>

namespace moat::dockerfile::detail {

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
std::vector<std::string_view> positionals(const Command& c,
                                          std::initializer_list<std::string_view> value_opts) {
  std::vector<std::string_view> out;
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
      // env NAME=VALUE cmd sets NAME for cmd, like an assignment before it.
      skip = 1;
      while (skip < out.argv.size() &&
             (out.argv[skip].starts_with("-") || out.argv[skip].find('=') != std::string::npos)) {
        if (!out.argv[skip].starts_with("-"))
          out.assignments.push_back(out.argv[skip]);
        ++skip;
      }
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
  }
  return out;
}

// The first positional word (a sub-command such as "install").
std::string subcommand(const Command& c, std::initializer_list<std::string_view> value_opts) {
  auto p = positionals(c, value_opts);
  return p.empty() ? std::string() : std::string(p.front());
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

std::optional<std::string> resolve_package(const Context& ctx, const Run& run,
                                           std::string_view word) {
  if (!has_variable(word))
    return std::string(word);
  auto expanded = expand_word(word, run.step->env(), ctx.ast.escape);
  if (!expanded)
    return std::nullopt;
  for (const auto& name : expanded->unresolved) {
    bool env_elsewhere = false;
    for (const auto& ins : ctx.ast.instructions) {
      if (ins.keyword == "arg" &&
          std::any_of(ins.args.begin(), ins.args.end(), [&](const std::string& a) {
            return std::string_view(a).substr(0, a.find('=')) == name;
          }))
        return std::nullopt;
      if (ins.keyword == "env" && std::any_of(ins.pairs().begin(), ins.pairs().end(),
                                              [&](const KeyValue& p) { return p.key == name; }))
        env_elsewhere = true;
    }
    if (!env_elsewhere)
      return std::nullopt;
  }
  return std::move(expanded->value);
}

std::vector<std::string_view> cache_mount_targets(const Instruction& ins) {
  std::vector<std::string_view> out;
  for (const auto& flag : ins.flags) {
    std::string_view f = flag;
    if (!f.starts_with("--mount="))
      continue;
    std::string_view type = "bind";
    std::string_view target;
    for (auto option : util::split(f.substr(8), ',')) {
      const auto eq = option.find('=');
      const auto key = option.substr(0, eq);
      const auto value = eq == std::string_view::npos ? std::string_view() : option.substr(eq + 1);
      if (key == "type")
        type = value;
      else if (key == "target" || key == "dst" || key == "destination")
        target = value;
    }
    if ((type == "cache" || type == "tmpfs") && !target.empty())
      out.push_back(target);
  }
  return out;
}

bool run_has_cache_mount(const Run& run, std::string_view target_part) {
  const auto targets = cache_mount_targets(*run.instruction);
  return std::any_of(targets.begin(), targets.end(), [&](std::string_view t) {
    return t.find(target_part) != std::string_view::npos;
  });
}

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

bool base_chain_has(const Context& ctx, const Stage& stage, std::string_view keyword) {
  if (stage.base_stage < 0)
    return false;
  const auto chain = chain_instructions(ctx, stage.base_stage);
  return std::any_of(chain.begin(), chain.end(),
                     [&](const Instruction* ins) { return ins->keyword == keyword; });
}

std::string first_word(std::string_view s) {
  s = util::trim(s);
  auto end = s.find_first_of(" \t");
  return std::string(s.substr(0, end));
}

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool known_keyword(std::string_view k) {
  return is_one_of(k, {"add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from",
                       "healthcheck", "label", "maintainer", "onbuild", "run", "shell",
                       "stopsignal", "user", "volume", "workdir"});
}

bool is_windows_path(std::string_view p) {
  return (p.size() >= 2 && std::isalpha(static_cast<unsigned char>(p[0])) != 0 && p[1] == ':') ||
         p.starts_with("\\");
}

std::string unquote(std::string_view word) {
  if (word.size() >= 2 && (word.front() == '"' || word.front() == '\'') &&
      word.back() == word.front())
    word = word.substr(1, word.size() - 2);
  return std::string(word);
}

CopyArgs copy_args(const Instruction& ins) {
  CopyArgs out;
  if (ins.args.empty())
    return out;
  // In shell form the build removes the quotes around each word.
  auto word = [&](const std::string& a) { return ins.json ? a : unquote(a); };
  out.dest = word(ins.args.back());
  for (std::size_t i = 0; i + 1 < ins.args.size(); ++i)
    out.sources.push_back(word(ins.args[i]));
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

namespace {

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

} // namespace

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

} // namespace moat::dockerfile::detail
