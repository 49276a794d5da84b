#include <moat/core/result.hpp>

#include <fmt/format.h>

namespace moat::core {

std::string Error::to_string() const {
  std::string out;
  if (!input.empty()) {
    out = input;
    if (line > 0) {
      out += fmt::format(":{}", line);
      if (column > 0)
        out += fmt::format(":{}", column);
    }
    out += ": ";
  }
  out += message;
  return out;
}

} // namespace moat::core
