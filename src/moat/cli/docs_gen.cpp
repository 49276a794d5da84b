// Man pages and shell completions, generated from the CLI11 definitions
// that --help prints: a command's description, its options with their
// help, and its footer (DESCRIPTION, EXAMPLES, EXIT STATUS, ...), so the
// pages never drift from the program.

#include <moat/cli/docs_gen.hpp>

#include <moat/cli/common.hpp>
#include <moat/util/file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

namespace moat::cli {

namespace {

struct Command {
  const CLI::App* app;
  std::vector<std::string> path; // {"seccomp", "generate"}
};

// Every command below ROOT, depth first, in the order --help lists them.
void collect(const CLI::App* app, const std::vector<std::string>& path, std::vector<Command>& out) {
  out.push_back({app, path});
  for (const auto* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    auto next = path;
    next.push_back(sub->get_name());
    collect(sub, next, out);
  }
}

std::string joined(const std::vector<std::string>& path, std::string_view sep) {
  std::string out;
  for (const auto& p : path)
    out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

// Text for roff: backslashes as \e, a leading dot or quote defused, and
// hyphens as minus signs where they start an option.
std::string roff(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\')
      out += "\\e";
    else if (c == '-' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '-' ||
                          text[i - 1] == '[' || text[i - 1] == '(' || text[i - 1] == ','))
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\''))
    out.insert(0, "\\&");
  return out;
}

// The option's names as --help shows them: -f, --format.
std::string option_names(const CLI::Option& opt) {
  std::string out;
  for (const auto& s : opt.get_snames())
    out += (out.empty() ? "-" : ", -") + s;
  for (const auto& l : opt.get_lnames())
    out += (out.empty() ? "--" : ", --") + l;
  return out;
}

bool listed(const CLI::Option& opt) {
  return !opt.get_group().empty();
}

// A flag (--write) takes no value; an option (--format FORMAT) does.
bool takes_value(const CLI::Option& opt) {
  return opt.get_expected_min() > 0;
}

std::string value_text(const CLI::Option& opt) {
  if (!takes_value(opt))
    return {};
  const auto& text = opt.get_option_text();
  if (!text.empty())
    return text;
  return opt.get_type_name().empty() ? std::string("VALUE") : opt.get_type_name();
}

// The footer's sections: "NAME:" lines at the margin, their text below.
std::vector<std::pair<std::string, std::string>> footer_sections(const std::string& footer) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(footer);
  for (std::string line; std::getline(in, line);) {
    const bool heading = !line.empty() && line.back() == ':' && line.front() != ' ' &&
                         std::all_of(line.begin(), line.end() - 1,
                                     [](char c) { return (c >= 'A' && c <= 'Z') || c == ' '; });
    if (heading) {
      out.emplace_back(line.substr(0, line.size() - 1), std::string());
      continue;
    }
    if (out.empty())
      out.emplace_back("DESCRIPTION", std::string());
    // The help indents its text by two columns; the page indents itself.
    out.back().second += (line.starts_with("  ") ? line.substr(2) : line) + "\n";
  }
  for (auto& [name, text] : out)
    while (text.ends_with("\n\n"))
      text.pop_back();
  return out;
}

std::string man_page(const Command& c, const std::vector<Command>& all,
                     const std::string& version) {
  const auto name = c.path.empty() ? std::string("moat") : "moat-" + joined(c.path, "-");
  const auto invocation = c.path.empty() ? std::string("moat") : "moat " + joined(c.path, " ");
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  std::string out = fmt::format(".TH {} 1 \"\" \"moat {}\" \"moat manual\"\n", upper, version);
  // The root's description starts with "moat: " for --help; NAME has it already.
  const std::string full_description = c.app->get_description();
  std::string_view description = full_description;
  if (description.starts_with("moat: "))
    description.remove_prefix(6);
  out += fmt::format(".SH NAME\n{} \\- {}\n", roff(name), roff(description));
  out += ".SH SYNOPSIS\n";
  out += fmt::format(".B {}\n", roff(invocation));
  std::vector<const CLI::App*> subs;
  for (const auto* s : c.app->get_subcommands([](const CLI::App*) { return true; }))
    subs.push_back(s);
  if (!subs.empty())
    out += "\\fICOMMAND\\fR ";
  out += "[\\fIOPTIONS\\fR]";
  for (const auto* opt : c.app->get_options())
    if (opt->get_positional() && listed(*opt))
      out += fmt::format(" [\\fI{}\\fR{}]", roff(opt->get_name()),
                         opt->get_items_expected_max() > 1 ? "..." : "");
  out += "\n";
  if (!subs.empty()) {
    out += ".SH COMMANDS\n";
    for (const auto* s : subs)
      out += fmt::format(".TP\n.B {}\n{}\n", roff(s->get_name()), roff(s->get_description()));
  }
  std::string options;
  for (const auto* opt : c.app->get_options()) {
    if (!listed(*opt) || opt->get_positional())
      continue;
    const auto value = value_text(*opt);
    options += fmt::format(".TP\n.B {}{}\n{}\n", roff(option_names(*opt)),
                           value.empty() ? "" : " \\fI" + roff(value) + "\\fR",
                           roff(opt->get_description()));
  }
  std::string positionals;
  for (const auto* opt : c.app->get_options())
    if (opt->get_positional() && listed(*opt))
      positionals +=
          fmt::format(".TP\n.I {}\n{}\n", roff(opt->get_name()), roff(opt->get_description()));
  if (!positionals.empty())
    out += ".SH ARGUMENTS\n" + positionals;
  if (!options.empty())
    out += ".SH OPTIONS\n" + options;
  for (const auto& [section, text] : footer_sections(c.app->get_footer())) {
    out += fmt::format(".SH {}\n.nf\n", roff(section));
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      out += roff(line) + "\n";
    out += ".fi\n";
  }
  // The pages of the commands around this one.
  std::vector<std::string> see;
  for (const auto& other : all) {
    if (&other == &c)
      continue;
    const bool parent = other.path.size() + 1 == c.path.size() &&
                        std::equal(other.path.begin(), other.path.end(), c.path.begin());
    const bool child = other.path.size() == c.path.size() + 1 &&
                       std::equal(c.path.begin(), c.path.end(), other.path.begin());
    if (parent || child)
      see.push_back(other.path.empty() ? "moat" : "moat-" + joined(other.path, "-"));
  }
  if (!see.empty()) {
    out += ".SH SEE ALSO\n";
    for (std::size_t i = 0; i < see.size(); ++i)
      out += fmt::format(".BR {} (1){}\n", roff(see[i]), i + 1 < see.size() ? "," : "");
  }
  return out;
}

// The words a command completes: its subcommands and its options.
std::string words_of(const CLI::App* app) {
  std::string out;
  for (const auto* s : app->get_subcommands([](const CLI::App*) { return true; }))
    out += (out.empty() ? "" : " ") + s->get_name();
  for (const auto* opt : app->get_options())
    if (listed(*opt) && !opt->get_positional()) {
      for (const auto& l : opt->get_lnames())
        out += (out.empty() ? "--" : " --") + l;
      for (const auto& s : opt->get_snames())
        out += (out.empty() ? "-" : " -") + s;
    }
  return out;
}

// bash: the command path is the words that name commands; the words to
// offer are that command's; after --ignore or --enable, and as the
// argument of `moat rules`, the check ids.
std::string bash_completion(const std::vector<Command>& all, const std::string& ids) {
  std::string out = "# bash completion for moat (generated from its command-line definitions)\n"
                    "_moat() {\n"
                    "  local cur prev path word i\n"
                    "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
                    "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
                    "  path=\"\"\n"
                    "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
                    "    word=\"${COMP_WORDS[i]}\"\n"
                    "    case \"${path:+$path }$word\" in\n";
  for (const auto& c : all)
    if (!c.path.empty())
      out +=
          fmt::format("      \"{}\") path=\"{}\" ;;\n", joined(c.path, " "), joined(c.path, " "));
  out += "    esac\n"
         "  done\n"
         "  local ids=\"" +
         ids +
         "\"\n"
         "  case \"$prev\" in\n"
         "    --ignore|--enable) COMPREPLY=($(compgen -W \"$ids\" -- \"$cur\")); return ;;\n"
         "  esac\n"
         "  local words\n"
         "  case \"$path\" in\n";
  for (const auto& c : all) {
    auto w = words_of(c.app);
    if (c.path == std::vector<std::string>{"rules"})
      w += " $ids";
    out += fmt::format("    \"{}\") words=\"{}\" ;;\n", joined(c.path, " "), w);
  }
  out += "  esac\n"
         "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "  if [[ ${#COMPREPLY[@]} -eq 0 && \"$cur\" != -* ]]; then\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -o filenames -F _moat moat\n";
  return out;
}

// zsh: bash's completion through zsh's bashcompinit.
std::string zsh_completion(const std::string& bash) {
  return "#compdef moat\n"
         "# zsh completion for moat, through bashcompinit\n"
         "autoload -U +X bashcompinit && bashcompinit\n" +
         bash;
}

std::string fish_quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "'";
}

// fish: one line per subcommand and per option, conditioned on the
// command path typed so far.
std::string fish_completion(const std::vector<Command>& all, const std::string& ids) {
  std::string out = "# fish completion for moat (generated from its command-line definitions)\n"
                    "complete -c moat -f\n";
  for (const auto& c : all) {
    std::string cond;
    if (c.path.empty()) {
      cond = "__fish_use_subcommand";
    } else {
      cond = "__fish_seen_subcommand_from " + c.path.back();
      for (const auto* s : c.app->get_subcommands([](const CLI::App*) { return true; }))
        cond += "; and not __fish_seen_subcommand_from " + s->get_name();
    }
    for (const auto* s : c.app->get_subcommands([](const CLI::App*) { return true; }))
      out += fmt::format("complete -c moat -n {} -a {} -d {}\n", fish_quote(cond),
                         fish_quote(s->get_name()), fish_quote(s->get_description()));
    for (const auto* opt : c.app->get_options()) {
      if (!listed(*opt) || opt->get_positional())
        continue;
      std::string names;
      for (const auto& l : opt->get_lnames())
        names += " -l " + l;
      for (const auto& s : opt->get_snames())
        names += " -s " + s;
      const bool ids_follow = opt->check_lname("ignore") || opt->check_lname("enable");
      out += fmt::format("complete -c moat -n {}{}{} -d {}\n", fish_quote(cond), names,
                         !takes_value(*opt)
                             ? std::string()
                             : (ids_follow ? " -x -a " + fish_quote(ids) : std::string(" -r -F")),
                         fish_quote(opt->get_description().substr(0, 80)));
    }
  }
  out += fmt::format("complete -c moat -n {} -a {}\n",
                     fish_quote("__fish_seen_subcommand_from rules"), fish_quote(ids));
  return out;
}

} // namespace

std::vector<std::string> write_docs(const CLI::App& root, const std::string& dir,
                                    const std::string& version, const std::string& check_ids,
                                    std::string& error) {
  std::vector<Command> all;
  collect(&root, {}, all);
  std::vector<std::pair<std::string, std::string>> files;
  files.reserve(all.size() + 3);
  for (const auto& c : all)
    files.emplace_back(
        "man1/" + (c.path.empty() ? std::string("moat") : "moat-" + joined(c.path, "-")) + ".1",
        man_page(c, all, version));
  const auto bash = bash_completion(all, check_ids);
  files.emplace_back("completions/moat.bash", bash);
  files.emplace_back("completions/_moat", zsh_completion(bash));
  files.emplace_back("completions/moat.fish", fish_completion(all, check_ids));
  std::vector<std::string> written;
  for (const auto& [name, text] : files) {
    const auto path = std::filesystem::path(dir) / name;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (auto ok = util::replace_file(path, text, 0644); !ok) {
      error = fmt::format("{}: {}", path.string(), ok.error());
      return {};
    }
    written.push_back(path.string());
  }
  return written;
}

} // namespace moat::cli
