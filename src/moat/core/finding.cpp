#include <moat/core/finding.hpp>

#include <algorithm>
#include <numeric>
#include <tuple>

namespace moat::core {

void sort_findings(Findings& findings) {
  // The order is found on indexes and then applied in place: a stable sort
  // of the findings themselves would take a buffer of half of them, which
  // for a million findings is more than the rest of a lint holds.
  std::vector<std::size_t> order(findings.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&findings](std::size_t i, std::size_t j) {
    // References, not copies: this runs for every comparison of the sort.
    const Finding& a = findings[i];
    const Finding& b = findings[j];
    return std::tie(a.location.file, a.location.line, a.location.column, a.check->id) <
           std::tie(b.location.file, b.location.line, b.location.column, b.check->id);
  });
  // Position i takes the finding at order[i]: follow each cycle once.
  for (std::size_t start = 0; start < order.size(); ++start) {
    if (order[start] == start)
      continue;
    Finding held = std::move(findings[start]);
    std::size_t at = start;
    while (order[at] != start) {
      const std::size_t from = order[at];
      findings[at] = std::move(findings[from]);
      order[at] = at;
      at = from;
    }
    findings[at] = std::move(held);
    order[at] = at;
  }
}

} // namespace moat::core
