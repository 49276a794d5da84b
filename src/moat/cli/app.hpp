#pragma once
// The moat command line: one table of verbs, one file per verb.

#include <string>
#include <vector>

namespace moat::cli {

// Runs moat with the process arguments; returns the exit code.
[[nodiscard]] int run(int argc, char** argv);

// Parses ARGS (without the program name) as run() would, without running
// any command: empty when they parse (or ask for help or the version),
// else the one-line error run() would print. For the argument fuzzer.
[[nodiscard]] std::string check_arguments(const std::vector<std::string>& args);

// Writes moat(1) and one page per command (moat-lint.1, moat-seccomp-generate.1,
// ...) and the bash, zsh and fish completions into DIR, from the same
// definitions as --help (the build runs it through moat_docs). Returns the
// files written, or an error message.
[[nodiscard]] std::vector<std::string> generate_docs(const std::string& dir, std::string& error);

} // namespace moat::cli
