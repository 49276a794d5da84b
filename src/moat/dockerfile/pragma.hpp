#pragma once
// Internal to the dockerfile module: what a Dockerfile's own comments say
// about its findings. Ignore pragmas (moat's and hadolint's, inline, stage
// and global) and BuildKit's check directive, at the top of the file or in
// the comments directly above one instruction.

#include <moat/core/check.hpp>
#include <moat/core/finding.hpp>
#include <moat/dockerfile/ast.hpp>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::dockerfile::detail {

enum class PragmaScope { inline_, stage, global };

struct Pragma {
  PragmaScope scope = PragmaScope::inline_;
  std::vector<std::string> ids;
};

// Reads one comment's text (after '#') as an ignore pragma:
//   [moat|hadolint] [global|stage] ignore = ID [, ID]... [# reason]
// with white space allowed around '=' and ','. A list naming something
// that is neither an id of TABLE nor shaped like hadolint's ids
// ([DLSC0-9]+) makes the whole pragma void, as hadolint does; nullopt then
// and for any other comment.
[[nodiscard]] std::optional<Pragma> read_pragma(std::string_view comment,
                                                std::span<const core::CheckInfo> table);

// BuildKit's check options: "skip=all|A,B;experimental=all|A,B;error=BOOL".
struct CheckOptions {
  bool skip_all = false;
  std::vector<std::string> skip;
  bool experimental_all = false;
  std::vector<std::string> experimental;
};

// Reads a check directive's value; nullopt when it is not one.
[[nodiscard]] std::optional<CheckOptions> read_check_options(std::string_view value);

// The comment lines directly above INS (no blank line, no empty '#' line
// between), nearest last.
[[nodiscard]] std::vector<const Comment*> comments_above(const ParseResult& ast,
                                                         const Instruction& ins);

// Everything a file's comments silence.
class Suppressions {
public:
  // PRAGMAS false reads ignore pragmas as plain comments (BuildKit's check
  // directive still applies).
  Suppressions(const ParseResult& ast, std::span<const core::CheckInfo> table, bool pragmas = true);

  // True when F is silenced by a pragma or a check directive.
  [[nodiscard]] bool silences(const core::Finding& f) const;
  // True when the check directive turns on the BuildKit experimental CHECK.
  [[nodiscard]] bool experimental_enabled(const core::CheckInfo& check) const;

private:
  struct Scoped {
    int first = 0;
    int last = 0;
    std::vector<std::string> ids;
    bool buildkit_all = false; // "# check=skip=all" above the instruction
  };
  std::vector<std::string> m_global;
  bool m_buildkit_all = false;
  CheckOptions m_directive;
  std::vector<Scoped> m_scoped;
  std::map<int, std::vector<std::string>> m_stage; // first line a stage pragma covers -> ids
};

// True when one of the check's aliases is a BuildKit build-check name
// (those are the aliases in UpperCamelCase).
[[nodiscard]] bool has_buildkit_alias(const core::CheckInfo& check);

} // namespace moat::dockerfile::detail
