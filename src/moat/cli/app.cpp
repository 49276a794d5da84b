#include <moat/cli/app.hpp>

#include <moat/cli/common.hpp>
#include <moat/cli/docs_gen.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/lazy/lazy.hpp>

#include <moat/util/heap.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#ifndef MOAT_VERSION
#define MOAT_VERSION "0.0.0"
#endif

namespace moat::cli {

namespace {

struct Verb {
  const char* name;
  void (*attach)(CLI::App& root, int& exit_code);
  // Reads many files or much data: worth a huge-page heap (util/heap.hpp).
  // The others are over in a few milliseconds, where zeroing a 2 MiB page
  // costs more than the faults it saves.
  bool big_heap;
};

// Every verb, in the order --help lists them.
constexpr std::array<Verb, 16> k_verbs{{
    {"bench", attach_bench, false},
    {"config", attach_config, false},
    {"db", attach_db, true},
    {"fix", attach_fix, false},
    {"harden", attach_harden, false},
    {"image", attach_image, true},
    {"key", attach_key, false},
    {"lint", attach_lint, true},
    {"rules", attach_rules, false},
    {"run", attach_run, false},
    {"sbom", attach_sbom, true},
    {"seccomp", attach_seccomp, false},
    {"secrets", attach_secrets, true},
    {"sign", attach_sign, true},
    {"verify", attach_verify, true},
    {"vuln", attach_vuln, true},
}};

// The OCI runtime's verbs, all attached by attach_runtime.
constexpr std::array<std::string_view, 8> k_runtime_verbs{"create", "delete", "exec",  "features",
                                                          "kill",   "ps",     "start", "state"};

// The root's options that take a value (attach_runtime's globals).
constexpr std::array<std::string_view, 4> k_root_options_with_value{"--root", "--log",
                                                                    "--log-format", "--rootless"};

// The verb ARGV names, found as the parser will find it: the first word
// that is neither a root option nor its value. Empty when there is none
// (the root's --help or --version, no command at all).
std::string_view named_verb(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--")
      return {};
    if (!arg.starts_with('-'))
      return arg;
    if (std::ranges::find(k_root_options_with_value, arg) != k_root_options_with_value.end())
      ++i; // its value follows
  }
  return {};
}

// "moat", "moat db", "moat db import".
std::string command_path(const CLI::App* app) {
  std::string path = app->get_name();
  for (const auto* parent = app->get_parent(); parent != nullptr; parent = parent->get_parent()) {
    path.insert(0, " ");
    path.insert(0, parent->get_name());
  }
  return path;
}

// The deepest subcommand the parser entered.
CLI::App* deepest(CLI::App* app) {
  for (;;) {
    const auto parsed = app->get_subcommands();
    if (parsed.empty())
      return app;
    app = parsed.front();
  }
}

std::vector<std::string> subcommand_names(CLI::App* app) {
  const auto subs = app->get_subcommands([](CLI::App*) { return true; });
  std::vector<std::string> names;
  names.reserve(subs.size());
  for (const auto* sub : subs)
    names.push_back(sub->get_name());
  return names;
}

std::vector<std::string> flag_names(CLI::App* app) {
  std::vector<std::string> names;
  for (const auto* opt : app->get_options()) {
    for (const auto& n : opt->get_lnames())
      names.push_back("--" + n);
    for (const auto& n : opt->get_snames())
      names.push_back("-" + n);
  }
  return names;
}

std::string did_you_mean(const std::string& suggestion) {
  return suggestion.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", suggestion);
}

// A parse error in moat's own words, on one line: which command, what was
// wrong, the closest flag or command, and where the help is.
std::string parse_error_text(CLI::App& root, const CLI::ParseError& e) {
  CLI::App* at = deepest(&root);
  const auto full = command_path(at);
  const auto help = fmt::format("; run '{} --help'", full);
  // "moat: lint: ..." as every moat error names its input; the root's own
  // errors need no name ("moat: unknown command ...").
  const auto prefix = at->get_parent() == nullptr ? std::string() : full.substr(5) + ": ";
  const auto commands = subcommand_names(at);
  std::vector<std::string> extras = root.remaining(true);
  if (!extras.empty() && !commands.empty() && !extras.front().starts_with('-'))
    return fmt::format("{}unknown command '{}'{}{}", prefix, extras.front(),
                       did_you_mean(util::closest_match(extras.front(), commands)), help);
  if (!extras.empty() && extras.front().starts_with('-') && extras.front() != "-") {
    auto flag = extras.front();
    flag = flag.substr(0, flag.find('='));
    return fmt::format("{}unknown flag '{}'{}{}", prefix, flag,
                       did_you_mean(util::closest_match(flag, flag_names(at))), help);
  }
  if (!extras.empty())
    return fmt::format("{}unexpected argument '{}'{}", prefix, extras.front(), help);
  if (!commands.empty() && at->get_require_subcommand_min() > 0)
    return fmt::format("{}a command is needed: {}{}", prefix, fmt::join(commands, ", "), help);
  std::string what = e.what();
  std::ranges::replace(what, '\n', ' '); // one line, whatever the library wrote
  // "Could not convert" reads as "could not convert"; "TARGET is required" stays.
  if (what.size() > 1 && std::islower(static_cast<unsigned char>(what[1])) != 0)
    what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  return fmt::format("{}{}{}", prefix, what, help);
}

// The line, with the control characters the arguments may hold (a newline,
// an escape sequence) escaped: one line, whoever prints it.
std::string parse_error_line(CLI::App& root, const CLI::ParseError& e) {
  return util::terminal_safe(parse_error_text(root, e));
}

// moat --version: the version, the commit, and the libraries behind the
// optional features with whether this system has them (they are opened on
// first use, so a missing one only fails the commands that need it).
std::string version_text() {
  struct Feature {
    const char* name;
    const lazy::Library* lib;
  };
  static constexpr std::array k_features{
#ifdef MOAT_HAVE_ISAL
      Feature{"ISA-L", &lazy::k_isal},
#endif
      Feature{"Hyperscan", &lazy::k_hyperscan}, Feature{"libseccomp", &lazy::k_seccomp},
      Feature{"libarchive", &lazy::k_archive},  Feature{"SQLite", &lazy::k_sqlite},
      Feature{"OpenSSL", &lazy::k_crypto},
  };
  std::string out = "moat " MOAT_VERSION "\ncommit: " MOAT_GIT_COMMIT "\nfeatures:\n";
  for (const auto& f : k_features)
    out += fmt::format("  {:<11} {} ({}: {})\n", f.name, f.lib->purpose, f.lib->soname,
                       lazy::available(*f.lib) ? "found" : "not found");
  out.pop_back();
  return out;
}

// The root and, when ONLY names a verb, that verb alone: building every
// verb's options is most of a short command's run time (`moat run`, the
// OCI runtime's verbs). Anything else (no verb, a misspelt one, the root's
// help) gets them all, for the listing and the suggestions.
void build_app(CLI::App& app, int& exit_code, std::string_view only = {}) {
  // A function: the libraries are only looked for when --version is given.
  app.set_version_flag("-V,--version", std::function<std::string()>(version_text),
                       "Print the version, the commit and the optional features, and exit");
  app.require_subcommand(1);
  app.footer(std::string("Run 'moat COMMAND --help' for a command's options.\n\n") +
             exit_status_help());
  const auto named = std::ranges::find(k_verbs, only, &Verb::name);
  if (named != k_verbs.end()) {
    named->attach(app, exit_code);
    return;
  }
  const bool runtime_verb = std::ranges::find(k_runtime_verbs, only) != k_runtime_verbs.end();
  if (!runtime_verb)
    for (const auto& verb : k_verbs)
      verb.attach(app, exit_code);
  attach_runtime(app, exit_code);
}

} // namespace

std::string check_arguments(const std::vector<std::string>& args) {
  CLI::App app{"moat", "moat"};
  int exit_code = k_exit_clean;
  build_app(app, exit_code);
  std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11 reads them backwards
  struct ParseOnly {
    ParseOnly() { parse_only() = true; }
    ~ParseOnly() { parse_only() = false; }
    ParseOnly(const ParseOnly&) = delete;
    ParseOnly& operator=(const ParseOnly&) = delete;
  } guard;
  try {
    app.parse(reversed);
  } catch (const CLI::Success&) {
    return {};
  } catch (const CLI::ParseError& e) {
    return parse_error_line(app, e);
  }
  return {};
}

std::vector<std::string> generate_docs(const std::string& dir, std::string& error) {
  CLI::App app{"moat: audit and harden Docker/OCI containers, from Dockerfile to runtime", "moat"};
  int exit_code = k_exit_clean;
  build_app(app, exit_code);
  std::string ids;
  for (const auto& table : all_check_tables())
    for (const auto& c : table.checks) {
      if (!ids.empty())
        ids += ' ';
      ids += c.id;
    }
  return write_docs(app, dir, MOAT_VERSION, ids, error);
}

int run(int argc, char** argv) {
  // The build writes the man pages and completions through this hidden
  // entry (src/CMakeLists.txt), so they come from these very definitions.
  if (argc == 3 && std::string_view(argv[1]) == "__generate-docs") {
    std::string error;
    const auto files = generate_docs(argv[2], error);
    if (files.empty()) {
      fmt::print(stderr, "moat: {}\n", error);
      return k_exit_error;
    }
    return k_exit_clean;
  }
  if (argc == 2 &&
      (std::string_view(argv[1]) == "--version" || std::string_view(argv[1]) == "-V")) {
    fmt::print("{}\n", version_text()); // what the root's version flag prints
    return k_exit_clean;
  }
  const std::string_view verb = named_verb(argc, argv);
  const auto named = std::ranges::find(k_verbs, verb, &Verb::name);
  if (named != k_verbs.end() && named->big_heap)
    util::prefer_huge_page_heap(); // before the first allocation that stays
  CLI::App app{"moat: audit and harden Docker/OCI containers, from Dockerfile to runtime", "moat"};
  int exit_code = k_exit_clean;
  build_app(app, exit_code, verb);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "moat: {}\n", parse_error_line(app, e));
    return k_exit_error;
  }
  return exit_code;
}

} // namespace moat::cli
