#pragma once
// Audit rules for Docker's files and programs, ready for
// /etc/audit/rules.d/.

#include <moat/host/bench.hpp>

#include <span>
#include <string>

namespace moat::harden {

// One watch rule (-w PATH -p rwxa -k docker) per target that exists, each
// under a comment naming it and its CIS number; missing ones are listed at
// the end as comments.
[[nodiscard]] std::string audit_rules(std::span<const host::AuditTarget> targets);

} // namespace moat::harden
