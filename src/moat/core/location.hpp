#pragma once
// Where a finding is, as precisely as the input allows.

#include <string>

namespace moat::core {

struct Location {
  std::string file; // as given by the user ("-" for stdin)
  int line = 0;     // 1-based; 0 when the finding concerns the whole file
  int column = 0;   // 1-based; 0 when unknown
  int end_line = 0; // last line of a multi-line instruction; 0 when same as line
};

} // namespace moat::core
