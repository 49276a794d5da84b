#include <moat/core/finding.hpp>

#include <algorithm>
#include <tuple>

namespace moat::core {

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    // References, not copies: this runs for every comparison of the sort.
    return std::tie(a.location.file, a.location.line, a.location.column, a.check->id) <
           std::tie(b.location.file, b.location.line, b.location.column, b.check->id);
  });
}

} // namespace moat::core
