#pragma once
// Seccomp profiles in Docker's format (and the OCI runtime spec's
// linux.seccomp object): reading them, resolving Docker's conditions
// (capabilities, architecture, kernel version) into a plain profile, moat's
// own table of Docker's default profile, and the checks of `moat seccomp
// check`.

#include <moat/core/finding.hpp>
#include <moat/core/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::seccomp {

// One argument condition: arg INDEX compared with VALUE (and VALUE_TWO for
// SCMP_CMP_MASKED_EQ: (arg & VALUE) == VALUE_TWO).
struct ArgCondition {
  std::uint32_t index = 0;
  std::uint64_t value = 0;
  std::uint64_t value_two = 0;
  std::string op; // "SCMP_CMP_EQ", ...
  friend bool operator==(const ArgCondition&, const ArgCondition&) = default;
  friend auto operator<=>(const ArgCondition&, const ArgCondition&) = default;
};

// Docker's includes/excludes: a rule applies only when the container has
// every capability in INCLUDES.caps, none in EXCLUDES.caps, runs on an
// architecture in INCLUDES.arches (Go names: amd64, arm64, ...) and none in
// EXCLUDES.arches, on a kernel at least INCLUDES.min_kernel and below
// EXCLUDES.min_kernel.
struct Filter {
  std::vector<std::string> caps;
  std::vector<std::string> arches;
  std::string min_kernel; // "4.8"; empty when none
  [[nodiscard]] bool empty() const { return caps.empty() && arches.empty() && min_kernel.empty(); }
};

struct Rule {
  std::vector<std::string> names;
  std::string action; // "SCMP_ACT_ALLOW", ...
  std::optional<std::int64_t> errno_ret;
  std::vector<ArgCondition> args; // all must hold
  Filter includes;
  Filter excludes;
  std::string pointer; // JSON pointer of the rule ("/syscalls/3"); empty when built
  std::string comment; // Docker's "comment"
};

struct ArchMapEntry {
  std::string architecture;                   // "SCMP_ARCH_X86_64"
  std::vector<std::string> sub_architectures; // "SCMP_ARCH_X86", "SCMP_ARCH_X32"
};

struct Profile {
  std::string default_action;
  std::optional<std::int64_t> default_errno;
  std::vector<std::string> architectures;
  std::vector<ArchMapEntry> arch_map;
  std::vector<std::string> flags;
  std::vector<Rule> rules;
  std::string pointer; // where the profile is in its file: "" or "/linux/seccomp"
};

// Reads a Docker seccomp profile, an OCI linux.seccomp object, or an OCI
// config.json (its linux.seccomp). Errors name NAME: invalid JSON, a field
// of the wrong type. Unknown names are not errors here: check() reports
// them.
[[nodiscard]] core::Result<Profile> parse_profile(std::string_view text, std::string_view name);

// What a profile is resolved for.
struct Conditions {
  std::string arch = "amd64";    // Go's name, as Docker's includes use it
  std::vector<std::string> caps; // the container's capabilities ("CAP_CHOWN", ...)
  std::string kernel = "6.1";    // "major.minor"
};

// This machine's architecture (Go's name) and running kernel, with no
// capabilities: what `moat seccomp check` and `moat run` resolve for.
[[nodiscard]] Conditions host_conditions();

// Docker's default capability set.
[[nodiscard]] std::vector<std::string> docker_default_caps();

// The plain profile Docker hands to the runtime: includes and excludes
// applied and dropped, archMap turned into the architecture list, "name"
// folded into "names".
[[nodiscard]] Profile resolve(const Profile& profile, const Conditions& conditions);

// moat's table of Docker's default profile (moby's profiles/seccomp
// default.json), unresolved.
[[nodiscard]] const Profile& docker_default();

// How a resolved profile treats a system call.
enum class Allowance : std::uint8_t {
  denied,      // the default or a rule refuses it
  conditional, // allowed only when argument conditions hold
  always,      // allowed whatever its arguments
};
struct Treatment {
  Allowance allowance = Allowance::denied;
  // The condition sets under which it is allowed (conditional only).
  std::vector<std::vector<ArgCondition>> when;
};
[[nodiscard]] Treatment treatment(const Profile& resolved, std::string_view syscall);

// A system call a resolved profile allows beyond another.
struct Widening {
  std::string syscall;
  Allowance profile = Allowance::always;
  Allowance baseline = Allowance::denied;
};
// The system calls RESOLVED allows that BASELINE does not, or allows under
// fewer conditions; x86-64 names, sorted.
[[nodiscard]] std::vector<Widening> widenings(const Profile& resolved, const Profile& baseline);

// What allowing a system call opens up, for the ones Docker's default
// keeps from containers for a reason; empty for the others. DANGEROUS is set
// for the calls known to have led out of containers or into the kernel.
struct Risk {
  std::string_view what;
  bool dangerous = false;
};
[[nodiscard]] Risk risk_of(std::string_view syscall);
[[nodiscard]] bool risk_table_sorted();

// System call names.
[[nodiscard]] bool known_syscall(std::string_view name); // on any architecture
[[nodiscard]] std::optional<int> x86_64_number(std::string_view name);
[[nodiscard]] std::string_view x86_64_name(int number);
[[nodiscard]] std::vector<std::string_view> x86_64_syscalls();
[[nodiscard]] bool syscall_tables_sorted();

// Vocabulary of the format.
[[nodiscard]] bool known_action(std::string_view action);
[[nodiscard]] bool known_arch(std::string_view arch);        // SCMP_ARCH_*
[[nodiscard]] bool known_operator(std::string_view op);      // SCMP_CMP_*
[[nodiscard]] bool allowing_action(std::string_view action); // ALLOW, LOG

// How compile() lays the program out.
enum class Layout : std::uint8_t {
  // The system calls allowed whatever their arguments are checked first,
  // as ranges of numbers per architecture; libseccomp's program follows
  // for the rest. The same decisions in a third of the instructions, so
  // the kernel loads it in a third of the time and a call is decided in a
  // dozen instructions instead of a walk through the list.
  ranges_first,
  // libseccomp's program alone, as runc and crun load it.
  libseccomp,
};

// RESOLVED compiled to a BPF program (struct sock_filter records, for
// prctl(PR_SET_SECCOMP) or seccomp(2)), for this machine's architecture and
// the profile's other architectures.
[[nodiscard]] core::Result<std::vector<std::byte>> compile(const Profile& resolved,
                                                           Layout layout = Layout::ranges_first);

// What a trace saw, in a profile's terms (moat seccomp generate).
struct Observed {
  std::set<std::string> arches; // SCMP_ARCH_*
  std::set<std::string> names;  // system calls made
  std::set<std::uint64_t> socket_domains;
  std::set<std::uint64_t> personalities;
  std::uint64_t clone_namespace_flags = 0; // CLONE_NEW* asked for
};

struct Generated {
  std::string text;                  // the profile, Docker's JSON format
  std::vector<std::string> observed; // the calls allowed because they were seen
  std::vector<std::string> floor;    // the calls allowed for the runtime (not seen)
};

// The least-privilege profile for OBSERVED: default action errno 1, the
// observed calls allowed (socket and personality only for the values seen;
// clone under Docker's flag condition; clone3 answering ENOSYS), the
// runtime's floor, and newer calls not seen answering ENOSYS. Each rule's
// comment says whether it was observed or is the floor.
[[nodiscard]] Generated generate(const Observed& observed);

// What a profile allows, read back as observations (--merge): the floor's
// rules are left out, so a merged profile adds them once.
[[nodiscard]] Observed observed_in(const Profile& profile);
void merge(Observed& into, const Observed& other);

// What a resolved profile removes from Docker's default resolved under the
// same CONDITIONS: calls the default allows that it refuses, calls the
// default allows whatever their arguments that it allows only under
// conditions, and what it allows beyond the default.
struct DefaultDiff {
  std::size_t default_allowed = 0; // x86-64 calls Docker's default allows in any way
  std::size_t profile_allowed = 0;
  std::vector<std::string> removed;
  std::vector<std::string> narrowed;
  std::vector<Widening> added;
};
[[nodiscard]] DefaultDiff diff_default(const Profile& resolved, const Conditions& conditions);

// The checks of `moat seccomp check`.
[[nodiscard]] std::span<const core::CheckInfo> checks();

// Checks the profile in TEXT (read from NAME) against the format and
// against Docker's default resolved under CONDITIONS.
[[nodiscard]] core::Result<core::TargetReport> check(std::string_view text, std::string_view name,
                                                     const Conditions& conditions);

} // namespace moat::seccomp
