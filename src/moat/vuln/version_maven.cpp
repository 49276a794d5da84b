// Maven versions ordered as ComparableVersion in maven-artifact 3.8.7 to
// 3.9.x does (after MNG-6964 and MNG-7644; before Maven 4's combination items).
//
// ComparableVersion turns a version into nested lists: '.' separates items,
// '-' and every letter/digit transition open a sub-list, and each new
// sub-list becomes the last item of the current one. Nothing is ever added
// to a list after its sub-list, so the nesting is a chain: this file stores
// one vector of plain items per depth, and the sub-list of depth D is depth
// D+1. That keeps every walk iterative, however many hyphens a version has.
//
// Only ASCII letters are case-folded and only ASCII digits are numbers; Java
// also folds and counts non-ASCII ones, which real Maven versions do not use.

#include <moat/util/strings.hpp>
#include <moat/vuln/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace moat::vuln::maven {
namespace {

struct Item {
  bool number = false;
  // Java keeps a number in an int (up to 9 digits), a long (up to 18) or a
  // BigInteger, chosen by its length without leading zeros, and orders
  // numbers of different widths by width alone. An all-zero run keeps its
  // full length, so "0000000000" is a long and sorts above the int 5.
  int width = 0;
  std::string text; // digits without leading zeros, or a qualifier after aliasing
};

using Level = std::vector<Item>;
using Chain = std::vector<Level>;

// Known qualifiers in their order; "" is the release itself. Unknown ones
// come after all of these, ordered among themselves as plain strings.
constexpr std::array<std::string_view, 7> k_qualifiers = {"alpha",    "beta", "milestone", "rc",
                                                          "snapshot", "",     "sp"};
constexpr int k_release_rank = 5;
constexpr int k_unknown_rank = 7;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string invalid(std::string_view v, std::string_view reason) {
  return fmt::format("invalid Maven version \"{}\": {}", util::terminal_safe(v), reason);
}

int rank(const std::string& qualifier) {
  for (std::size_t i = 0; i < k_qualifiers.size(); ++i)
    if (qualifier == k_qualifiers[i])
      return static_cast<int>(i);
  return k_unknown_rank;
}

Item number_item(std::string_view digits) {
  std::size_t first = digits.find_first_not_of('0');
  const std::size_t length =
      first == std::string_view::npos ? digits.size() : digits.size() - first;
  const int width = length <= 9 ? 0 : (length <= 18 ? 1 : 2);
  return {true, width, std::string(first == std::string_view::npos ? "0" : digits.substr(first))};
}

// FOLLOWED_BY_DIGIT: "a1", "b1", "m1" spell alpha, beta and milestone.
Item string_item(std::string_view text, bool followed_by_digit) {
  std::string value(text);
  if (followed_by_digit && value.size() == 1) {
    if (value == "a")
      value = "alpha";
    else if (value == "b")
      value = "beta";
    else if (value == "m")
      value = "milestone";
  }
  if (value == "ga" || value == "final" || value == "release")
    value.clear();
  else if (value == "cr")
    value = "rc";
  return {false, 0, std::move(value)};
}

Item make_item(bool digits, std::string_view text) {
  return digits ? number_item(text) : string_item(text, false);
}

bool is_null(const Item& item) {
  return item.number ? item.text == "0" : item.text.empty();
}

Chain parse(std::string_view version) {
  std::string v;
  v.reserve(version.size());
  for (char c : version)
    v += lower(c);
  Chain chain(1);
  bool digits = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '.' || c == '-') {
      if (i == start)
        chain.back().push_back(number_item("0"));
      else
        chain.back().push_back(make_item(digits, std::string_view(v).substr(start, i - start)));
      start = i + 1;
      if (c == '-')
        chain.emplace_back();
    } else if (is_digit(c)) {
      if (!digits && i > start) {
        // "1.0.0.X1" is read as "1.0.0-X1": a qualifier glued to a number
        // gets a sub-list of its own, and so does the number after it.
        if (!chain.back().empty())
          chain.emplace_back();
        chain.back().push_back(string_item(std::string_view(v).substr(start, i - start), true));
        start = i;
        chain.emplace_back();
      }
      digits = true;
    } else {
      if (digits && i > start) {
        chain.back().push_back(number_item(std::string_view(v).substr(start, i - start)));
        start = i;
        chain.emplace_back();
      }
      digits = false;
    }
  }
  if (v.size() > start) {
    if (!digits && !chain.back().empty())
      chain.emplace_back();
    chain.back().push_back(make_item(digits, std::string_view(v).substr(start)));
  }
  // Deepest list first: an empty sub-list is dropped from its parent, then
  // the parent's trailing zeros and release qualifiers.
  for (std::size_t d = chain.size(); d-- > 0;) {
    if (chain.size() == d + 2 && chain.back().empty())
      chain.pop_back();
    Level& level = chain[d];
    while (!level.empty() && is_null(level.back()))
      level.pop_back();
  }
  return chain;
}

// How many elements the list at DEPTH has: its items and its sub-list.
std::size_t width(const Chain& chain, std::size_t depth) {
  return chain[depth].size() + (depth + 1 < chain.size() ? 1 : 0);
}

// What a list element is: one of the depth's items, its sub-list, or nothing.
enum class Kind { none, number, string, list };

struct Element {
  Kind kind = Kind::none;
  const Item* item = nullptr;
};

Element element_at(const Chain& chain, std::size_t depth, std::size_t index) {
  const Level& level = chain[depth];
  if (index < level.size())
    return {level[index].number ? Kind::number : Kind::string, &level[index]};
  if (index == level.size() && depth + 1 < chain.size())
    return {Kind::list, nullptr};
  return {};
}

int compare_numbers(const Item& x, const Item& y) {
  if (x.width != y.width)
    return x.width < y.width ? -1 : 1;
  const std::string& a = x.text;
  const std::string& b = y.text;
  if (a.size() != b.size())
    return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_strings(const std::string& a, const std::string& b) {
  const int ra = rank(a);
  const int rb = rank(b);
  if (ra != rb)
    return ra < rb ? -1 : 1;
  if (ra != k_unknown_rank)
    return 0;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// An item against a missing one: how "1.1" compares with "1", "1-rc" with "1".
int compare_item_to_none(const Item& item) {
  if (item.number)
    return item.text == "0" ? 0 : 1;
  const int r = rank(item.text);
  return r == k_release_rank ? 0 : (r < k_release_rank ? -1 : 1);
}

// The list at DEPTH (with all its sub-lists) against a missing item: the
// first item that differs from nothing decides.
int compare_list_to_none(const Chain& chain, std::size_t depth) {
  for (std::size_t d = depth; d < chain.size(); ++d)
    for (const Item& item : chain[d])
      if (int c = compare_item_to_none(item); c != 0)
        return c;
  return 0;
}

// Type order between different kinds: a number beats a list, a list beats a
// string (1.1 > 1-1 > 1-sp).
int kind_weight(Kind k) {
  switch (k) {
  case Kind::string:
    return 0;
  case Kind::list:
    return 1;
  case Kind::number:
    return 2;
  case Kind::none:
    break;
  }
  return -1;
}

int compare_chains(const Chain& a, const Chain& b) {
  std::size_t da = 0;
  std::size_t db = 0;
  while (true) {
    const std::size_t n = std::max(width(a, da), width(b, db));
    bool descend = false;
    for (std::size_t i = 0; i < n && !descend; ++i) {
      const Element x = element_at(a, da, i);
      const Element y = element_at(b, db, i);
      int c = 0;
      if (x.kind == Kind::list && y.kind == Kind::list) {
        descend = true;
        continue;
      }
      if (x.kind == Kind::none)
        c = y.kind == Kind::list ? -compare_list_to_none(b, db + 1)
                                 : -compare_item_to_none(*y.item);
      else if (y.kind == Kind::none)
        c = x.kind == Kind::list ? compare_list_to_none(a, da + 1) : compare_item_to_none(*x.item);
      else if (x.kind != y.kind)
        c = kind_weight(x.kind) < kind_weight(y.kind) ? -1 : 1;
      else if (x.kind == Kind::number)
        c = compare_numbers(*x.item, *y.item);
      else
        c = compare_strings(x.item->text, y.item->text);
      if (c != 0)
        return c;
    }
    if (!descend)
      return 0;
    ++da;
    ++db;
  }
}

} // namespace

Validity check(std::string_view v) {
  if (v.empty())
    return invalid(v, "empty version");
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto byte = static_cast<unsigned char>(v[i]);
    if (byte <= 0x20 || byte == 0x7f)
      return invalid(
          v, fmt::format("whitespace or control character (byte 0x{:02x}) at offset {}", byte, i));
    // U+0080..U+009F (C1 controls, NEL) and U+00A0 (no-break space).
    if (byte == 0xc2 && i + 1 < v.size()) {
      const auto next = static_cast<unsigned char>(v[i + 1]);
      if (next >= 0x80 && next <= 0xa0)
        return invalid(
            v, fmt::format("whitespace or control character U+{:04X} at offset {}", next, i));
    }
  }
  return std::nullopt;
}

Order compare(std::string_view a, std::string_view b) {
  if (auto bad = check(a))
    return std::unexpected(*bad);
  if (auto bad = check(b))
    return std::unexpected(*bad);
  return compare_chains(parse(a), parse(b));
}

} // namespace moat::vuln::maven
