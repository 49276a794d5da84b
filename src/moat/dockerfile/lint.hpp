#pragma once
// The Dockerfile linter: parse, build the model, run every check, apply
// inline pragmas. Policy (ignores, overrides, thresholds) is applied by the caller.

#include <moat/core/check.hpp>
#include <moat/core/finding.hpp>
#include <moat/core/policy.hpp>
#include <moat/core/result.hpp>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace moat::dockerfile {

// The sorted table of Dockerfile checks.
[[nodiscard]] std::span<const core::CheckInfo> checks();

struct LintInput {
  std::string name; // as shown in reports ("-" for stdin)
  std::string text; // the Dockerfile
  // The build context directory, to look for .dockerignore; nullopt when
  // unknown (stdin), which disables checks that need it.
  std::optional<std::filesystem::path> context_dir;
};

// Lints one Dockerfile. An Error means it could not be parsed.
[[nodiscard]] core::Result<core::TargetReport> lint(const LintInput& input,
                                                    const core::Policy& policy);

} // namespace moat::dockerfile
