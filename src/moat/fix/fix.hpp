#pragma once
// Mechanical fixes for findings: text edits computed from a file's parse,
// applied one at a time, each kept only when re-linting the result shows
// fewer findings of the checks it resolves and no more of any check.

#include <moat/core/check.hpp>
#include <moat/core/policy.hpp>
#include <moat/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::fix {

// The data half of a fix: what it does and which checks it resolves.
struct FixInfo {
  std::string_view id;       // "apt-no-recommends"
  std::string_view resolves; // comma-separated moat check ids: "DF016"
  std::string_view title;    // one line: what the edit does
};

// A module's fixes, sorted by id.
struct FixTable {
  std::string_view module; // "dockerfile", "config"
  std::span<const FixInfo> fixes;
};

// The checks FIX resolves, split.
[[nodiscard]] std::vector<std::string_view> resolved_checks(const FixInfo& fix);

// Every fix table: the Dockerfile's, then Compose's and Kubernetes'.
[[nodiscard]] std::span<const FixTable> fix_tables();

// The fixes that resolve the check with moat id CHECK_ID.
[[nodiscard]] std::vector<const FixInfo*> fixes_for(std::string_view check_id);

// Replace LENGTH bytes at OFFSET with TEXT.
struct Edit {
  std::size_t offset = 0;
  std::size_t length = 0;
  std::string text;
};

// TEXT with EDITS applied; the edits must not overlap.
[[nodiscard]] std::string apply_edits(std::string_view text, std::vector<Edit> edits);

// One way to resolve one finding.
struct Candidate {
  const FixInfo* fix = nullptr;
  int line = 0; // the finding's line
  std::vector<Edit> edits;
};

// A file as the linter sees it: how many findings of each check (by moat
// id), and the fixes proposed for them.
struct Analysis {
  std::map<std::string, int, std::less<>> counts;
  std::vector<Candidate> candidates;
};

// Lints TEXT and proposes fixes; an error when TEXT does not parse.
using Analyze = std::function<core::Result<Analysis>(const std::string& text)>;

struct Applied {
  const FixInfo* fix = nullptr;
  int line = 0;                      // where the finding was, in the text the fix was applied to
  std::vector<std::string> resolved; // the check ids it resolved, one per finding
};

struct Fixed {
  std::string text;
  std::vector<Applied> applied;
};

// Applies the candidates of ANALYZE one at a time until none is left that
// helps. A candidate is kept when the text it makes still parses, has
// fewer findings of a check the fix resolves, and no more findings of any
// check; otherwise it is set aside and never proposed again. Fails only
// when TEXT itself does not parse.
[[nodiscard]] core::Result<Fixed> fix_text(const std::string& text, const Analyze& analyze);

// A unified diff of BEFORE and AFTER with three lines of context, headed
// `--- FROM` and `+++ TO`; empty when they are equal.
[[nodiscard]] std::string unified_diff(std::string_view before, std::string_view after,
                                       std::string_view from, std::string_view to);

// --- Dockerfiles --------------------------------------------------------

// The digest ("sha256:...") an image reference (as written in FROM, with
// the variables expanded) points at, when known; nullopt leaves it unpinned.
using DigestResolver = std::function<std::optional<std::string>(const std::string& image)>;

struct DockerfileInput {
  std::string name;
  std::optional<std::filesystem::path> context_dir;
  const core::Policy* policy = nullptr;
  DigestResolver resolve; // may be empty
};

// The Dockerfile fixes, sorted by id.
[[nodiscard]] std::span<const FixInfo> dockerfile_fixes();

// Lints a Dockerfile and proposes its fixes.
[[nodiscard]] core::Result<Analysis> analyze_dockerfile(const std::string& text,
                                                        const DockerfileInput& input);

// --- Compose files and Kubernetes manifests ------------------------------

// The fixes of run configurations, sorted by id.
[[nodiscard]] std::span<const FixInfo> config_fixes();

// Checks a Compose file or Kubernetes manifest (told apart as moat config
// tells them) and proposes its fixes. VARIABLES are Compose's.
[[nodiscard]] core::Result<Analysis>
analyze_config(const std::string& text, const std::string& name, const core::Policy& policy,
               const std::map<std::string, std::string>& variables);

// --- Hardened Kubernetes containers (moat harden run-flags) -------------

// What one container gets: its securityContext (allowPrivilegeEscalation
// false, privileged false where set, readOnlyRootFilesystem, runAsNonRoot,
// capabilities dropped and those added, the seccomp profile), an emptyDir
// on each directory it writes, and resource limits where it has none.
struct ContainerHardening {
  std::optional<std::int64_t> run_as_user; // set when the image runs as root
  std::vector<std::string> cap_add;        // short names: NET_BIND_SERVICE
  std::string seccomp_profile;             // Localhost profile; empty: RuntimeDefault
  std::vector<std::string> writable;       // directories that get an emptyDir
  std::string memory = "512Mi";
  std::string cpu = "1";
};

// The hardening of the container CONTAINER running IMAGE; nullopt leaves
// it as it is.
using HardeningFor = std::function<std::optional<ContainerHardening>(std::string_view container,
                                                                     std::string_view image)>;

// The manifest TEXT (NAME in errors) with each container's hardening
// written in: settings replaced or added at the file's own indentation,
// comments and the rest left as they were. An error when TEXT is not a
// manifest, or a container's block cannot be edited (flow style).
[[nodiscard]] core::Result<std::string>
harden_kubernetes(const std::string& text, const std::string& name, const HardeningFor& plan);

} // namespace moat::fix
