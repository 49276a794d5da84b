#pragma once
// Man pages and shell completions from the command-line definitions.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace moat::cli {

// Writes DIR/man1/moat.1 and one page per command, and
// DIR/completions/{moat.bash,_moat,moat.fish}, from ROOT's commands,
// options and footers. CHECK_IDS (space-separated) complete after --ignore
// and --enable and for `moat rules`. Returns the files written; on failure
// none, with ERROR set.
[[nodiscard]] std::vector<std::string> write_docs(const CLI::App& root, const std::string& dir,
                                                  const std::string& version,
                                                  const std::string& check_ids, std::string& error);

} // namespace moat::cli
