#pragma once
// A small POSIX-shell reader for RUN instructions. It does not execute
// anything: it yields the simple commands a script would run, with their
// arguments after quote removal, so checks can reason about
// `apt-get install -y foo=1.2` or `curl ... | sh` instead of grepping text.

#include <string>
#include <string_view>
#include <vector>

namespace moat::dockerfile::shell {

// One simple command: `FOO=1 apt-get install -y curl`.
struct Command {
  std::vector<std::string> assignments; // leading NAME=value words, as written after quote removal
  std::vector<std::string> argv;        // words after quote removal; $VAR kept as text
  int pipeline = 0;      // index of the pipeline this command belongs to (unique per script)
  int pipe_position = 0; // 0 for the first command of a pipeline
  int pipe_length = 1;   // number of commands in the pipeline
  int depth = 0;         // nesting: 0 top level; >0 inside ( ), { }, $( ), ` `, or sh -c "..."
  bool in_substitution = false; // inside $( ) or backticks
  int line = 0;                 // 0-based line within the script where the command starts
  // How this command is joined to the next one at the same level:
  // "&&", "||", ";", "&", "\n", or "" at the end.
  std::string next_op;
  // Names of redirection targets: "> /dev/null" gives ">" "/dev/null".
  std::vector<std::string> redirects;

  // The program name: argv[0] with any directory removed ("/usr/bin/apt-get" -> "apt-get").
  // The view is valid as long as the command is.
  [[nodiscard]] std::string_view program() const {
    if (argv.empty())
      return {};
    const std::string_view name = argv.front();
    for (std::size_t i = name.size(); i > 0; --i)
      if (name[i - 1] == '/')
        return name.substr(i);
    return name;
  }
};

struct Script {
  std::vector<Command> commands; // in source order, nested ones after their parent
  bool complete = true;          // false when the text ended inside a quote or construct
};

// Reads a shell script. Never fails: unbalanced input yields what could be read
// and complete=false. Heredoc bodies inside the script (cat <<EOF) are skipped.
// Commands run through `sh -c STRING` / `bash -c STRING` (and su -c) are read
// too, as nested commands.
[[nodiscard]] Script read(std::string_view script);

} // namespace moat::dockerfile::shell
