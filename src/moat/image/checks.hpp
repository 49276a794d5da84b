#pragma once
// Image checks: the configuration (user, health check, environment, volumes,
// ports, tag), the build history (turned back into a Dockerfile and linted),
// and the files of every layer (setuid, world-writable, keys, credentials,
// accounts, caches, hostile entries, secrets a later layer only hid).

#include <moat/core/check.hpp>
#include <moat/core/finding.hpp>
#include <moat/core/policy.hpp>
#include <moat/image/catalog.hpp>
#include <moat/image/source.hpp>
#include <moat/image/union.hpp>

#include <span>
#include <string>
#include <vector>

namespace moat::image {

// The sorted table of image checks.
[[nodiscard]] std::span<const core::CheckInfo> checks();

// Runs every image check. Policy is applied by the caller.
[[nodiscard]] core::TargetReport check_image(const ScannedImage& scanned, const UnionView& view,
                                             const Inventory& inventory,
                                             const core::Policy& policy);

// The IM020 findings alone ("package database too large to read"), for
// commands that report packages without the other image checks (moat vuln).
void add_unread_findings(const ScannedImage& scanned, const Inventory& inventory,
                         const core::Policy& policy, core::TargetReport& report);

// The build history as a Dockerfile: "FROM scratch" then one line per
// history entry that reads as an instruction. LINES[i] is the history index
// of line i+1 (-1 for the FROM line).
struct HistoryDockerfile {
  std::string text;
  std::vector<int> lines;
};
[[nodiscard]] HistoryDockerfile history_dockerfile(const std::vector<HistoryEntry>& history);

// One history created_by turned into a Dockerfile instruction; empty when it
// is not one (a comment, an unknown tool's text).
[[nodiscard]] std::string instruction_from_history(std::string_view created_by);

} // namespace moat::image
