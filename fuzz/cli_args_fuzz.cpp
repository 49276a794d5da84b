// Feeds arbitrary argument vectors (NUL-separated) to moat's command-line
// parsing and its error messages. No command runs: only parsing.

#include <moat/cli/app.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start <= text.size() && args.size() < 64) {
    const auto end = text.find('\0', start);
    args.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  const auto line = moat::cli::check_arguments(args);
  // An error is one line.
  if (line.find('\n') != std::string::npos)
    __builtin_trap();
  return 0;
}
