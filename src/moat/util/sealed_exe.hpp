#pragma once
// CVE-2019-5736: a container that can reach the runtime's own process
// (/proc/PID/exe of a runtime process that joined it) could open the
// runtime's binary and, once it is no longer running, write to it; the
// host's next container start then runs the attacker's code as root. The
// defence is runc's: the runtime re-executes itself from a sealed
// in-memory copy (memfd_create, F_SEAL_WRITE/GROW/SHRINK/SEAL) before it
// goes near a container, so what /proc/PID/exe leads to cannot be
// written, and the binary on disk is never the one the container sees.

namespace moat::util {

// When ARGV names a command that enters containers as host root (create,
// exec), re-executes the running binary from a sealed memfd copy with the
// same arguments and environment; returns only in the copy (or where the
// kernel has no memfd, with nothing changed). Call first thing in main.
void reexec_sealed_for_runtime(int argc, char** argv) noexcept;

// True when this process runs from a sealed memfd copy.
[[nodiscard]] bool running_sealed() noexcept;

} // namespace moat::util
