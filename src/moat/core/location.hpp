#pragma once
// Where a finding is, as precisely as the input allows.

#include <string>

namespace moat::core {

struct Location {
  std::string file; // as given by the user ("-" for stdin)
  int line = 0;     // 1-based; 0 when the finding concerns the whole file
  int column = 0;   // 1-based; 0 when unknown
  int end_line = 0; // last line of a multi-line instruction; 0 when same as line
  // Image targets: the file inside the image and the layer it concerns.
  std::string path{};         // "/etc/shadow"; empty when the finding is not about a file
  int layer = -1;             // 0-based layer index; -1 when none
  std::string layer_digest{}; // "sha256:..."
  std::string created_by{};   // the history entry that made the layer
  int history = -1;           // 0-based history entry; -1 when none
};

} // namespace moat::core
