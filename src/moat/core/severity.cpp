#include <moat/core/severity.hpp>

#include <moat/util/strings.hpp>

namespace moat::core {

std::string_view to_string(Severity s) {
  switch (s) {
  case Severity::info:
    return "info";
  case Severity::low:
    return "low";
  case Severity::medium:
    return "medium";
  case Severity::high:
    return "high";
  case Severity::critical:
    return "critical";
  }
  return "info";
}

std::optional<Severity> parse_severity(std::string_view text) {
  for (auto s :
       {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical})
    if (util::iequals(text, to_string(s)))
      return s;
  return std::nullopt;
}

} // namespace moat::core
