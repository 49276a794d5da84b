#pragma once
// Value forms docker run and Compose share.

#include <moat/core/result.hpp>
#include <moat/runconf/spec.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace moat::runconf::detail {

// docker's RAMInBytes: a number with an optional binary unit (b, k, m, g,
// t, p), with or without a trailing "b" ("64m", "1gb", "512").
[[nodiscard]] std::optional<std::int64_t> bytes_of(std::string_view text);

// A whole number, and nothing else.
[[nodiscard]] std::optional<std::int64_t> integer_of(std::string_view text);

// A number of CPUs ("0.5") in units of 1e-9 CPU.
[[nodiscard]] std::optional<std::int64_t> nano_cpus_of(std::string_view text);

// A Kubernetes resource quantity ("128Mi", "1G", "500m", "0.5", "1e3"):
// its value in base units (bytes, cores); nullopt when it is not one or is
// negative or beyond 2^62.
[[nodiscard]] std::optional<double> quantity_of(std::string_view text);

// A host port: a number 0-65535 (a range "8000-8010" is judged by its
// first port); -1 when it is not one.
[[nodiscard]] int port_of(std::string_view text);

// "CAP_SYS_ADMIN" and "sys_admin" both name SYS_ADMIN.
[[nodiscard]] std::string capability_name(std::string_view text);

// -v and Compose's short volume syntax: SRC:DST[:OPTIONS] or DST.
[[nodiscard]] Mount volume_of(std::string_view value, Origin origin);

// The words of a command line as a POSIX shell splits them (Compose's
// string form of command and entrypoint); INPUT names it in errors.
[[nodiscard]] core::Result<std::vector<std::string>> shell_words(std::string_view line,
                                                                 const std::string& input);

} // namespace moat::runconf::detail
