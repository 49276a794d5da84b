#pragma once
// The moat command line: one table of verbs, one file per verb.

namespace moat::cli {

// Runs moat with the process arguments; returns the exit code.
[[nodiscard]] int run(int argc, char** argv);

} // namespace moat::cli
