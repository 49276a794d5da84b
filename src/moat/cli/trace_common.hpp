#pragma once
// What moat seccomp generate and moat harden apparmor trace: a command on
// this machine (CMD...), or an image's command in moat's sandbox (--image
// IMAGE [CMD...], set up as moat run sets it up), until it ends, --timeout
// or Ctrl-C.

#include <moat/seccomp/seccomp.hpp>
#include <moat/trace/trace.hpp>

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace moat::cli {

struct TraceTarget {
  std::vector<std::string> command;
  std::string image;
  std::vector<std::string> env;
  std::string user;
  std::string network = "none";
  std::vector<std::string> volumes;
  std::string timeout;
  bool read_write = false; // --image: a writable root (an overlay, discarded), so writes are seen
  std::vector<std::string> cap_add; // --image: capabilities the container keeps
  // --image: the ENTRYPOINT in place of the image's (the image's CMD is
  // dropped with it, as docker run --entrypoint drops it); COMMAND follows.
  std::optional<std::vector<std::string>> entrypoint;
};

// CMD, --image, -e, -u, --network, -v and --timeout.
void add_trace_target_options(CLI::App& cmd, TraceTarget& target);

// Whether the options name something to trace; a usage error for the
// container's options without --image.
[[nodiscard]] bool has_trace_target(const TraceTarget& target);
[[nodiscard]] core::Status check_trace_target(const TraceTarget& target);

// Runs TARGET traced. With STDOUT_TO_STDERR the command's standard output
// goes to moat's stderr (moat's own stdout carries the result). On success
// TRACE holds what it did (its exit_status the command's own) and the
// result is 0; otherwise the exit code after the error was printed: 2 for
// an error, 125 when the container could not start, 126 or 127 when the
// command could not be run.
[[nodiscard]] int run_trace_target(const TraceTarget& target, bool stdout_to_stderr,
                                   std::optional<trace::Trace>& trace);

// What TRACE saw, in a seccomp profile's terms; UNKNOWN counts the calls
// whose numbers moat cannot name (left out).
[[nodiscard]] seccomp::Observed observations(const trace::Trace& trace, std::size_t& unknown);

// The exit code of a command that ran traced: 0 when it succeeded or moat
// stopped it; its own status when it failed on its own, said on stderr
// ("... exited with status N; RESULT what it did until then").
[[nodiscard]] int traced_exit_code(const TraceTarget& target, const trace::Trace& trace,
                                   std::string_view result);

// "python3" or the image: what the messages call the traced program.
[[nodiscard]] std::string trace_target_name(const TraceTarget& target);

} // namespace moat::cli
