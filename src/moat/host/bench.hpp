#pragma once
// moat bench: the CIS Docker Benchmark 1.6 over a host and its daemon.

#include <moat/core/check.hpp>
#include <moat/core/finding.hpp>
#include <moat/core/result.hpp>
#include <moat/host/state.hpp>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace moat::host {

// The host checks (HB), sorted by id.
[[nodiscard]] std::span<const core::CheckInfo> checks();

// Every verdict over STATE, as one report for TARGET: a finding per
// problem (at the check's severity), an info finding where there is nothing
// to measure or only a person can judge, and a pass for every other check.
// Section 5 (and 4.1) are the run-configuration checks on each running
// container.
[[nodiscard]] core::TargetReport bench(const HostState& state, const std::string& target);

// A file or program of Docker's that audit rules should watch (CIS 1.1.3
// to 1.1.18, and the client and older binaries the hardening guides name).
struct AuditTarget {
  std::string check; // the HB check that wants it; empty for the extra ones
  std::string path;  // where it is on this host; empty when it is not there
  std::string what;  // "the Docker daemon"
};
[[nodiscard]] std::vector<AuditTarget> audit_targets(const HostState& state);

// The audit rules in TEXT (`auditctl -l` output or rules files), one rule
// per line, comments and blank lines dropped.
[[nodiscard]] std::vector<std::string> audit_rule_lines(std::string_view text);

// True when one of RULES watches PATH (-w PATH, or -F path=PATH / dir=PATH).
[[nodiscard]] bool audited(const std::vector<std::string>& rules, std::string_view path);

// True when MOUNTINFO shows PATH as a mount point of a file system other
// than the one its parent directory is on (a bind mount of the same device
// onto itself is not a partition).
[[nodiscard]] bool separate_partition(std::string_view mountinfo, std::string_view path);

struct GatherOptions {
  std::string docker_host; // empty: DOCKER_HOST, else the first socket that exists
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds timeout{0};
  bool ask_daemon = true;
};

// Reads the host through ROOT and the daemon through the Engine API. An
// unreachable daemon is not an error: the state says why, and the checks
// that need it say so. A daemon.json that is not JSON is an error.
[[nodiscard]] core::Result<HostState> gather(const Root& root, const GatherOptions& options);

} // namespace moat::host
