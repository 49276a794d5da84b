#pragma once
// Times as moat writes them: UTC, formatted with strftime directives.

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ctime>
#include <string>

namespace moat::util {

// SECONDS since the epoch, in UTC, as FORMAT says ("%Y-%m-%dT%H:%M:%SZ").
[[nodiscard]] inline std::string format_utc(std::time_t seconds, const char* format) {
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format(fmt::runtime(std::string("{:") + format + "}"), utc);
}

// The RFC 3339 form of SECONDS: "2026-11-22T19:06:01Z".
[[nodiscard]] inline std::string rfc3339_utc(std::time_t seconds) {
  return format_utc(seconds, "%Y-%m-%dT%H:%M:%SZ");
}

} // namespace moat::util
