// The fix loop, edits and unified diffs.

#include <moat/fix/fix.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <set>

namespace moat::fix {

namespace {

// A candidate stands for its edits: the same edits proposed again after
// they were set aside are not tried twice.
std::string candidate_key(const Candidate& c) {
  std::string key(c.fix->id);
  for (const auto& e : c.edits)
    key += fmt::format("|{}:{}:{}", e.offset, e.length, e.text);
  return key;
}

int count_of(const Analysis& a, std::string_view id) {
  const auto it = a.counts.find(id);
  return it == a.counts.end() ? 0 : it->second;
}

// Lines of TEXT, each with its newline (the last may have none).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos)
      nl = text.size() - 1;
    lines.push_back(text.substr(start, nl - start + 1));
    start = nl + 1;
  }
  return lines;
}

enum class Op : unsigned char { keep, remove, add };

// The edit script turning A into B: common ends trimmed, then a longest
// common subsequence of the middle; a middle too large for that is one
// removal followed by one addition.
std::vector<Op> edit_script(const std::vector<std::string_view>& a,
                            const std::vector<std::string_view>& b) {
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head])
    ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
    ++tail;
  const std::size_t n = a.size() - head - tail;
  const std::size_t m = b.size() - head - tail;
  std::vector<Op> ops(head, Op::keep);
  constexpr std::size_t k_max_cells = std::size_t{16} << 20;
  if (n == 0 || m == 0 || (n + 1) * (m + 1) > k_max_cells) {
    ops.insert(ops.end(), n, Op::remove);
    ops.insert(ops.end(), m, Op::add);
  } else {
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
    const auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& {
      return lcs[i * (m + 1) + j];
    };
    for (std::size_t i = n; i-- > 0;)
      for (std::size_t j = m; j-- > 0;)
        at(i, j) = a[head + i] == b[head + j] ? at(i + 1, j + 1) + 1
                                              : std::max(at(i + 1, j), at(i, j + 1));
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] == b[head + j]) {
        ops.push_back(Op::keep);
        ++i;
        ++j;
      } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
        // Removals before additions within a change, as diff prints them.
        ops.push_back(Op::remove);
        ++i;
      } else {
        ops.push_back(Op::add);
        ++j;
      }
    }
  }
  ops.insert(ops.end(), tail, Op::keep);
  return ops;
}

void add_line(std::string& out, char mark, std::string_view line) {
  out += mark;
  out += line;
  if (!line.ends_with('\n'))
    out += "\n\\ No newline at end of file\n";
}

std::string range(std::size_t start, std::size_t count) {
  // A hunk that adds to an empty range names the line before it.
  if (count == 0)
    return fmt::format("{},0", start);
  if (count == 1)
    return fmt::format("{}", start + 1);
  return fmt::format("{},{}", start + 1, count);
}

} // namespace

std::vector<std::string_view> resolved_checks(const FixInfo& fix) {
  std::vector<std::string_view> ids;
  std::string_view rest = fix.resolves;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    ids.push_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return ids;
}

std::span<const FixTable> fix_tables() {
  static const std::array<FixTable, 2> tables{{
      {"dockerfile", dockerfile_fixes()},
      {"config", config_fixes()},
  }};
  return tables;
}

std::vector<const FixInfo*> fixes_for(std::string_view check_id) {
  std::vector<const FixInfo*> found;
  for (const auto& table : fix_tables())
    for (const auto& f : table.fixes)
      for (auto id : resolved_checks(f))
        if (id == check_id)
          found.push_back(&f);
  return found;
}

std::string apply_edits(std::string_view text, std::vector<Edit> edits) {
  // Stable: insertions at one offset go in the order they were made.
  std::stable_sort(edits.begin(), edits.end(),
                   [](const Edit& a, const Edit& b) { return a.offset < b.offset; });
  std::string out;
  out.reserve(text.size() + 256);
  std::size_t at = 0;
  for (const auto& e : edits) {
    const auto offset = std::clamp(e.offset, at, text.size());
    out.append(text.substr(at, offset - at));
    out += e.text;
    at = std::min(text.size(), offset + e.length);
  }
  out.append(text.substr(at));
  return out;
}

core::Result<Fixed> fix_text(const std::string& text, const Analyze& analyze) {
  MOAT_TRY_ASSIGN(current, analyze(text));
  Fixed fixed{text, {}};
  std::set<std::string> set_aside;
  // Each kept fix removes a finding, so the loop ends; the bound guards
  // against a fix that keeps proposing something new.
  constexpr int k_max_steps = 2000;
  for (int step = 0; step < k_max_steps; ++step) {
    const Candidate* next = nullptr;
    for (const auto& c : current.candidates)
      if (!c.edits.empty() && !set_aside.contains(candidate_key(c))) {
        next = &c;
        break;
      }
    if (next == nullptr)
      break;
    auto key = candidate_key(*next);
    auto text_after = apply_edits(fixed.text, next->edits);
    auto after = analyze(text_after);
    bool keep = after.has_value();
    if (keep)
      for (const auto& [id, n] : after->counts)
        if (n > count_of(current, id))
          keep = false;
    std::vector<std::string> resolved;
    if (keep) {
      for (auto id : resolved_checks(*next->fix))
        for (int n = count_of(*after, id); n < count_of(current, id); ++n)
          resolved.emplace_back(id);
      keep = !resolved.empty();
    }
    if (!keep) {
      set_aside.insert(std::move(key));
      continue;
    }
    fixed.applied.push_back(Applied{next->fix, next->line, std::move(resolved)});
    fixed.text = std::move(text_after);
    current = std::move(*after);
  }
  return fixed;
}

std::string unified_diff(std::string_view before, std::string_view after, std::string_view from,
                         std::string_view to) {
  if (before == after)
    return {};
  const auto a = split_lines(before);
  const auto b = split_lines(after);
  const auto ops = edit_script(a, b);
  std::string out = fmt::format("--- {}\n+++ {}\n", from, to);
  constexpr std::size_t k_context = 3;
  // Positions in A and B at each op.
  std::vector<std::size_t> pos_a(ops.size() + 1);
  std::vector<std::size_t> pos_b(ops.size() + 1);
  for (std::size_t k = 0; k < ops.size(); ++k) {
    pos_a[k + 1] = pos_a[k] + (ops[k] != Op::add ? 1 : 0);
    pos_b[k + 1] = pos_b[k] + (ops[k] != Op::remove ? 1 : 0);
  }
  std::size_t k = 0;
  while (k < ops.size()) {
    if (ops[k] == Op::keep) {
      ++k;
      continue;
    }
    // A hunk: from k back by the context, forward until a run of more
    // than twice the context of kept lines.
    const std::size_t start = k >= k_context ? k - k_context : 0;
    std::size_t end = k;
    while (end < ops.size()) {
      if (ops[end] != Op::keep) {
        ++end;
        continue;
      }
      std::size_t run = end;
      while (run < ops.size() && ops[run] == Op::keep)
        ++run;
      if (run == ops.size() || run - end > 2 * k_context) {
        end = std::min(run, end + k_context);
        break;
      }
      end = run;
    }
    out += fmt::format("@@ -{} +{} @@\n", range(pos_a[start], pos_a[end] - pos_a[start]),
                       range(pos_b[start], pos_b[end] - pos_b[start]));
    for (std::size_t i = start; i < end; ++i) {
      switch (ops[i]) {
      case Op::keep:
        add_line(out, ' ', a[pos_a[i]]);
        break;
      case Op::remove:
        add_line(out, '-', a[pos_a[i]]);
        break;
      case Op::add:
        add_line(out, '+', b[pos_b[i]]);
        break;
      }
    }
    k = end;
  }
  return out;
}

} // namespace moat::fix
