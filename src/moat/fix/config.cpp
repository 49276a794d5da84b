// Compose and Kubernetes fixes: settings added to, changed in or removed
// from a service's or a container's block mapping, by editing lines of
// text at the indentation the file already uses. Flow-style mappings and
// values on lines of their own are left alone: no edit is proposed.

#include <moat/fix/fix.hpp>
#include <moat/runconf/runconf.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

namespace moat::fix {

namespace {

constexpr std::array<FixInfo, 5> k_config_fixes{{
    {"cap-drop-all", "RC004,RC047",
     "drop every capability: cap_drop: [ALL] (Compose), securityContext.capabilities.drop: [ALL] "
     "(Kubernetes)"},
    {"drop-privileged", "RC001",
     "remove privileged: true (Compose) or set privileged: false (Kubernetes), adding the "
     "no-new-privileges and cap-drop-all settings it hid"},
    {"no-new-privileges", "RC009",
     "security_opt: [no-new-privileges:true] (Compose), allowPrivilegeEscalation: false "
     "(Kubernetes)"},
    {"read-only-rootfs", "RC023",
     "read_only: true (Compose), readOnlyRootFilesystem: true (Kubernetes)"},
    {"run-as-non-root", "RC044", "runAsNonRoot: true in the container's securityContext"},
}};

const FixInfo* fix_named(std::string_view id) {
  for (const auto& f : k_config_fixes)
    if (f.id == id)
      return &f;
  return nullptr;
}

// The lines of a YAML text, 1-based.
class YamlText {
public:
  explicit YamlText(std::string_view text) : m_text(text) {
    m_starts.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n')
        m_starts.push_back(i + 1);
    if (!text.empty() && text.back() == '\n')
      m_starts.pop_back();
  }
  [[nodiscard]] int count() const { return static_cast<int>(m_starts.size()); }
  [[nodiscard]] std::size_t start(int line) const {
    return line >= 1 && line <= count() ? m_starts[static_cast<std::size_t>(line - 1)]
                                        : m_text.size();
  }
  [[nodiscard]] std::string_view line(int n) const {
    if (n < 1 || n > count())
      return {};
    auto s = start(n);
    auto e = m_text.find('\n', s);
    if (e == std::string_view::npos)
      e = m_text.size();
    if (e > s && m_text[e - 1] == '\r')
      --e;
    return m_text.substr(s, e - s);
  }
  // Leading spaces of a line with content; -1 for a blank or comment line.
  [[nodiscard]] int indent(int n) const {
    const auto l = line(n);
    const auto first = l.find_first_not_of(' ');
    if (first == std::string_view::npos || l[first] == '#')
      return -1;
    return static_cast<int>(first);
  }
  [[nodiscard]] bool ends_with_newline() const { return !m_text.empty() && m_text.back() == '\n'; }
  [[nodiscard]] std::string_view text() const { return m_text; }

private:
  std::string_view m_text;
  std::vector<std::size_t> m_starts;
};

// A block mapping or sequence: its entries start at COLUMN (0-based), on
// lines FIRST to LAST (the last line with content that belongs to it).
struct Block {
  int first = 0;
  int last = 0;
  int column = 0;
};

// The block whose first entry is at (LINE, COLUMN): it runs while lines
// are indented deeper than COLUMN, or at COLUMN itself; a sequence's
// items may sit at the column of the key that holds them.
Block block_at(const YamlText& t, int line, int column, bool sequence = false) {
  Block b{line, line, column};
  for (int n = line + 1; n <= t.count(); ++n) {
    const int ind = t.indent(n);
    if (ind < 0)
      continue;
    const auto l = t.line(n);
    if (l.substr(static_cast<std::size_t>(ind)).starts_with("---") ||
        l.substr(static_cast<std::size_t>(ind)).starts_with("..."))
      break;
    if (ind < column)
      break;
    if (ind == column && sequence && !l.substr(static_cast<std::size_t>(ind)).starts_with("- ") &&
        l.substr(static_cast<std::size_t>(ind)) != "-")
      break;
    b.last = n;
  }
  return b;
}

struct Key {
  int line = 0;
  int column = 0;
  std::size_t value_begin = 0; // offsets in the text
  std::size_t value_end = 0;   // the scalar on the key's line, before a comment
};

// The KEY of the block mapping B, on a line of its own (or the block's
// first line, where it may follow "- ").
std::optional<Key> find_key(const YamlText& t, const Block& b, std::string_view key) {
  for (int n = b.first; n <= b.last; ++n) {
    const auto l = t.line(n);
    const auto col = static_cast<std::size_t>(b.column);
    if (col >= l.size())
      continue;
    if (n != b.first && t.indent(n) != b.column)
      continue;
    const auto rest = l.substr(col);
    if (!rest.starts_with(key) || rest.size() == key.size() || rest[key.size()] != ':')
      continue;
    if (rest.size() > key.size() + 1 && rest[key.size() + 1] != ' ')
      continue;
    Key k{n, b.column, 0, 0};
    std::size_t v = col + key.size() + 1;
    while (v < l.size() && l[v] == ' ')
      ++v;
    std::size_t e = v;
    // A plain or quoted scalar ends at a comment.
    if (v < l.size() && (l[v] == '"' || l[v] == '\'')) {
      const auto close = l.find(l[v], v + 1);
      e = close == std::string_view::npos ? l.size() : close + 1;
    } else {
      const auto hash = l.find(" #", v);
      e = hash == std::string_view::npos ? l.size() : hash;
      while (e > v && l[e - 1] == ' ')
        --e;
    }
    k.value_begin = t.start(n) + v;
    k.value_end = t.start(n) + e;
    return k;
  }
  return std::nullopt;
}

// The block a key with no value on its line holds: the next line with
// content, when it is deeper (or a sequence item at the key's column).
std::optional<Block> child_block(const YamlText& t, const Key& k) {
  if (k.value_end != k.value_begin)
    return std::nullopt;
  for (int n = k.line + 1; n <= t.count(); ++n) {
    const int ind = t.indent(n);
    if (ind < 0)
      continue;
    const auto rest = t.line(n).substr(static_cast<std::size_t>(ind));
    const bool item = rest.starts_with("- ") || rest == "-";
    if (ind > k.column || (ind == k.column && item))
      return block_at(t, n, ind, item);
    return std::nullopt;
  }
  return std::nullopt;
}

std::string spaces(int n) {
  return std::string(static_cast<std::size_t>(std::max(n, 0)), ' ');
}

// Where text inserted after block B's last line goes.
std::size_t after_block(const YamlText& t, const Block& b) {
  return t.start(b.last + 1);
}

// A line of text to insert at OFFSET: preceded by a newline when the
// file's last line has none.
Edit insert_line(const YamlText& t, std::size_t offset, const std::string& text) {
  if (offset >= t.text().size() && !t.ends_with_newline() && !t.text().empty())
    return Edit{offset, 0, "\n" + text};
  return Edit{offset, 0, text};
}

// The settings a fix writes.
enum class Setting { no_privileged, no_new_privileges, cap_drop_all, read_only, run_as_non_root };

struct YamlTarget {
  bool k8s = false;
  Block block; // the service's or the container's mapping
  int step = 2;
};

// A sequence under KEY of mapping B gets ITEM: appended to a block
// sequence, into a flow one, or the key added with the item. Lines to add
// at the end of B go to ADDED.
bool add_item(const YamlText& t, const Block& b, std::string_view key, std::string_view item,
              int step, std::vector<Edit>& edits, std::string& added) {
  const auto k = find_key(t, b, key);
  if (!k) {
    added += fmt::format("{}{}:\n{}- {}\n", spaces(b.column), key, spaces(b.column + step), item);
    return true;
  }
  const auto value = t.text().substr(k->value_begin, k->value_end - k->value_begin);
  if (value.starts_with('[') && value.ends_with(']')) {
    const auto inner = util::trim(value.substr(1, value.size() - 2));
    edits.push_back(
        Edit{k->value_end - 1, 0, inner.empty() ? std::string(item) : fmt::format(", {}", item)});
    return true;
  }
  if (!value.empty())
    return false;
  const auto seq = child_block(t, *k);
  if (!seq || !t.line(seq->first).substr(static_cast<std::size_t>(seq->column)).starts_with("-"))
    return false;
  edits.push_back(
      insert_line(t, after_block(t, *seq), fmt::format("{}- {}\n", spaces(seq->column), item)));
  return true;
}

// KEY of mapping B set to VALUE: the scalar replaced, or the key added.
bool set_scalar(const YamlText& t, const Block& b, std::string_view key, std::string_view value,
                std::vector<Edit>& edits, std::string& added) {
  const auto k = find_key(t, b, key);
  if (!k) {
    added += fmt::format("{}{}: {}\n", spaces(b.column), key, value);
    return true;
  }
  if (k->value_begin == k->value_end)
    return false;
  const auto current = t.text().substr(k->value_begin, k->value_end - k->value_begin);
  if (current == value)
    return true;
  edits.push_back(Edit{k->value_begin, k->value_end - k->value_begin, std::string(value)});
  return true;
}

bool compose_edits(const YamlText& t, const YamlTarget& target, const std::set<Setting>& settings,
                   std::vector<Edit>& edits) {
  const auto& b = target.block;
  std::string added;
  for (const auto s : settings) {
    bool ok = true;
    switch (s) {
    case Setting::no_privileged: {
      const auto k = find_key(t, b, "privileged");
      if (!k || k->value_begin == k->value_end)
        return false;
      edits.push_back(Edit{t.start(k->line), t.start(k->line + 1) - t.start(k->line), ""});
      break;
    }
    case Setting::no_new_privileges:
      ok = add_item(t, b, "security_opt", "no-new-privileges:true", target.step, edits, added);
      break;
    case Setting::cap_drop_all:
      ok = add_item(t, b, "cap_drop", "ALL", target.step, edits, added);
      break;
    case Setting::read_only:
      ok = set_scalar(t, b, "read_only", "true", edits, added);
      break;
    case Setting::run_as_non_root:
      return false;
    }
    if (!ok)
      return false;
  }
  if (!added.empty())
    edits.push_back(insert_line(t, after_block(t, b), added));
  return true;
}

bool kubernetes_edits(const YamlText& t, const YamlTarget& target,
                      const std::set<Setting>& settings, std::vector<Edit>& edits) {
  const auto& b = target.block;
  const int step = target.step;
  const auto sc_key = find_key(t, b, "securityContext");
  if (!sc_key) {
    // A new securityContext with every setting.
    const int c = b.column + step;
    std::string text = fmt::format("{}securityContext:\n", spaces(b.column));
    for (const auto s : settings)
      switch (s) {
      case Setting::no_privileged:
        break; // not privileged when it says nothing
      case Setting::no_new_privileges:
        text += fmt::format("{}allowPrivilegeEscalation: false\n", spaces(c));
        break;
      case Setting::cap_drop_all:
        text += fmt::format("{}capabilities:\n{}drop:\n{}- ALL\n", spaces(c), spaces(c + step),
                            spaces(c + 2 * step));
        break;
      case Setting::read_only:
        text += fmt::format("{}readOnlyRootFilesystem: true\n", spaces(c));
        break;
      case Setting::run_as_non_root:
        text += fmt::format("{}runAsNonRoot: true\n", spaces(c));
        break;
      }
    edits.push_back(insert_line(t, after_block(t, b), text));
    return true;
  }
  const auto sc = child_block(t, *sc_key);
  if (!sc)
    return false;
  std::string added;
  for (const auto s : settings) {
    bool ok = true;
    switch (s) {
    case Setting::no_privileged:
      ok = set_scalar(t, *sc, "privileged", "false", edits, added);
      break;
    case Setting::no_new_privileges:
      ok = set_scalar(t, *sc, "allowPrivilegeEscalation", "false", edits, added);
      break;
    case Setting::read_only:
      ok = set_scalar(t, *sc, "readOnlyRootFilesystem", "true", edits, added);
      break;
    case Setting::run_as_non_root:
      ok = set_scalar(t, *sc, "runAsNonRoot", "true", edits, added);
      break;
    case Setting::cap_drop_all: {
      const auto caps_key = find_key(t, *sc, "capabilities");
      if (!caps_key) {
        added += fmt::format("{}capabilities:\n{}drop:\n{}- ALL\n", spaces(sc->column),
                             spaces(sc->column + step), spaces(sc->column + 2 * step));
        break;
      }
      const auto caps = child_block(t, *caps_key);
      if (!caps)
        return false;
      std::string caps_added;
      ok = add_item(t, *caps, "drop", "ALL", step, edits, caps_added);
      if (ok && !caps_added.empty())
        edits.push_back(insert_line(t, after_block(t, *caps), caps_added));
      break;
    }
    }
    if (!ok)
      return false;
  }
  if (!added.empty())
    edits.push_back(insert_line(t, after_block(t, *sc), added));
  return true;
}

// The settings the fix FIX writes for a finding of CHECK.
std::set<Setting> settings_for(std::string_view fix, const runconf::ContainerSpec& spec) {
  if (fix == "cap-drop-all")
    return {Setting::cap_drop_all};
  if (fix == "no-new-privileges")
    return {Setting::no_new_privileges};
  if (fix == "read-only-rootfs")
    return {Setting::read_only};
  if (fix == "run-as-non-root")
    return {Setting::run_as_non_root};
  if (fix == "drop-privileged") {
    // What privileged hid from the checks comes with it.
    std::set<Setting> s{Setting::no_privileged};
    const bool drops_all = std::any_of(spec.cap_drop.begin(), spec.cap_drop.end(),
                                       [](const auto& c) { return c.value == "ALL"; });
    if (!drops_all)
      s.insert(Setting::cap_drop_all);
    bool nnp = false;
    for (const auto& opt : runconf::security_opts(spec))
      nnp = nnp || (opt.name == "no-new-privileges" && util::to_lower(opt.value) != "false");
    if (spec.k8s && spec.k8s->allow_privilege_escalation &&
        !spec.k8s->allow_privilege_escalation->value)
      nnp = true;
    if (!nnp)
      s.insert(Setting::no_new_privileges);
    return s;
  }
  return {};
}

// The mapping of a spec: a Compose service's (under its key), a
// Kubernetes container's (where it starts).
std::optional<YamlTarget> target_of(const YamlText& t, const runconf::ContainerSpec& spec) {
  if (spec.origin.line <= 0 || !spec.origin.file.empty())
    return std::nullopt;
  if (spec.k8s) {
    const int col = spec.origin.column - 1;
    const auto l = t.line(spec.origin.line);
    if (col < 0 || static_cast<std::size_t>(col) >= l.size() ||
        l[static_cast<std::size_t>(col)] == '{')
      return std::nullopt;
    YamlTarget target{true, block_at(t, spec.origin.line, col), 2};
    // The file's own step: a container list item's "- " sits two columns left.
    return target;
  }
  const int key_col = spec.origin.column - 1;
  Key key{spec.origin.line, key_col, 0, 0};
  // The service key's value must be a block mapping on the lines below.
  const auto l = t.line(spec.origin.line);
  const auto colon = l.find(':', static_cast<std::size_t>(std::max(key_col, 0)));
  if (colon == std::string_view::npos)
    return std::nullopt;
  const auto after = util::trim(l.substr(colon + 1));
  if (!after.empty() && !after.starts_with('#'))
    return std::nullopt;
  key.value_begin = key.value_end = t.start(spec.origin.line) + colon + 1;
  const auto block = child_block(t, key);
  if (!block ||
      t.line(block->first).substr(static_cast<std::size_t>(block->column)).starts_with("-"))
    return std::nullopt;
  return YamlTarget{false, *block, std::max(block->column - key_col, 1)};
}

// A setting wanted in a block mapping: a scalar, sequence items (each
// item's lines; a one-line item is a scalar), or a mapping of its own.
struct Want {
  std::string key;
  std::string scalar;
  std::vector<std::vector<std::string>> items;
  std::vector<Want> children;
  bool only_if_present = false; // change it where set, never add it
  bool keep = false;            // add it where missing, never change it
  std::string replace_if;       // where set, change only this value
};

void render(const Want& w, int column, int step, std::string& out) {
  if (w.only_if_present)
    return;
  if (!w.scalar.empty()) {
    out += fmt::format("{}{}: {}\n", spaces(column), w.key, w.scalar);
    return;
  }
  out += fmt::format("{}{}:\n", spaces(column), w.key);
  for (const auto& item : w.items)
    for (std::size_t i = 0; i < item.size(); ++i)
      out += fmt::format("{}{}{}\n", spaces(column + step), i == 0 ? "- " : "  ", item[i]);
  for (const auto& c : w.children)
    render(c, column + step, step, out);
}

// Whether the block sequence SEQ (or the flow sequence VALUE) holds ITEM,
// known by its first line.
bool has_item(const YamlText& t, const std::optional<Block>& seq, std::string_view value,
              const std::vector<std::string>& item) {
  const auto first = util::trim(item.front());
  if (!value.empty()) {
    std::string_view rest = value.substr(1, value.size() - 2);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      if (util::trim(rest.substr(0, comma)) == first)
        return true;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return false;
  }
  for (int n = seq->first; n <= seq->last; ++n) {
    auto l = util::trim(t.line(n));
    if (l.starts_with("- "))
      l = util::trim(l.substr(2));
    if (l == first)
      return true;
  }
  return false;
}

// Makes block mapping B hold WANTS: scalars replaced, missing items
// appended, missing keys added after its last line. False when a value
// to change is written in a form these edits do not handle.
bool ensure(const YamlText& t, const Block& b, const std::vector<Want>& wants, int step,
            std::vector<Edit>& edits) {
  std::string added;
  for (const auto& w : wants) {
    const auto k = find_key(t, b, w.key);
    if (!k) {
      if (!w.only_if_present)
        render(w, b.column, step, added);
      continue;
    }
    if (w.keep)
      continue;
    const auto value = t.text().substr(k->value_begin, k->value_end - k->value_begin);
    if (!w.scalar.empty()) {
      if (value.empty())
        return false;
      if (value != w.scalar && (w.replace_if.empty() || value == w.replace_if))
        edits.push_back(Edit{k->value_begin, value.size(), w.scalar});
      continue;
    }
    if (!w.items.empty()) {
      if (value.starts_with('[') && value.ends_with(']')) {
        std::string more;
        const bool empty = util::trim(value.substr(1, value.size() - 2)).empty();
        for (const auto& item : w.items) {
          if (item.size() != 1)
            return false;
          if (!has_item(t, std::nullopt, value, item)) {
            more += (empty && more.empty() ? "" : ", ") + item.front();
          }
        }
        if (!more.empty())
          edits.push_back(Edit{k->value_end - 1, 0, more});
        continue;
      }
      if (!value.empty())
        return false;
      const auto seq = child_block(t, *k);
      if (!seq ||
          !t.line(seq->first).substr(static_cast<std::size_t>(seq->column)).starts_with("-"))
        return false;
      std::string more;
      for (const auto& item : w.items)
        if (!has_item(t, seq, {}, item))
          for (std::size_t i = 0; i < item.size(); ++i)
            more += fmt::format("{}{}{}\n", spaces(seq->column), i == 0 ? "- " : "  ", item[i]);
      if (!more.empty())
        edits.push_back(insert_line(t, after_block(t, *seq), more));
      continue;
    }
    if (!value.empty())
      return false;
    const auto child = child_block(t, *k);
    if (!child ||
        t.line(child->first).substr(static_cast<std::size_t>(child->column)).starts_with("-"))
      return false;
    if (!ensure(t, *child, w.children, step, edits))
      return false;
  }
  if (!added.empty())
    edits.push_back(insert_line(t, after_block(t, b), added));
  return true;
}

Want scalar(std::string key, std::string value) {
  Want w;
  w.key = std::move(key);
  w.scalar = std::move(value);
  return w;
}

Want mapping(std::string key, std::vector<Want> children) {
  Want w;
  w.key = std::move(key);
  w.children = std::move(children);
  return w;
}

Want sequence(std::string key, std::vector<std::vector<std::string>> items) {
  Want w;
  w.key = std::move(key);
  w.items = std::move(items);
  return w;
}

// Characters a volume name may hold (a DNS label).
std::string volume_name(std::string_view container, std::size_t index) {
  std::string name = "moat-";
  for (const char c : container)
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '-';
  name = name.substr(0, 50);
  return fmt::format("{}-tmp-{}", name, index);
}

} // namespace

std::span<const FixInfo> config_fixes() {
  return k_config_fixes;
}

core::Result<Analysis> analyze_config(const std::string& text, const std::string& name,
                                      const core::Policy& policy,
                                      const std::map<std::string, std::string>& variables) {
  std::vector<runconf::ContainerSpec> specs;
  if (runconf::looks_like_kubernetes(text)) {
    MOAT_TRY_ASSIGN(read, runconf::read_kubernetes(text, name));
    specs = std::move(read);
  } else {
    MOAT_TRY_ASSIGN(read, runconf::read_compose(text, name, variables));
    specs = std::move(read);
  }
  Analysis analysis;
  for (const auto& f : runconf::check(specs))
    if (f.check != nullptr && !policy.is_ignored(*f.check))
      ++analysis.counts[std::string(f.check->id)];
  const YamlText t(text);
  for (const auto& spec : specs) {
    const auto target = target_of(t, spec);
    if (!target)
      continue;
    std::set<std::string_view> proposed;
    for (const auto& f : runconf::check(spec)) {
      if (f.check == nullptr || policy.is_ignored(*f.check))
        continue;
      for (const auto* fix : fixes_for(f.check->id)) {
        if (fix_named(fix->id) == nullptr || !proposed.insert(fix->id).second)
          continue;
        const auto settings = settings_for(fix->id, spec);
        std::vector<Edit> edits;
        const bool ok = target->k8s ? kubernetes_edits(t, *target, settings, edits)
                                    : compose_edits(t, *target, settings, edits);
        if (ok && !edits.empty())
          analysis.candidates.push_back(Candidate{fix, f.location.line, std::move(edits)});
      }
    }
  }
  return analysis;
}

} // namespace moat::fix

namespace moat::fix {

core::Result<std::string> harden_kubernetes(const std::string& text, const std::string& name,
                                            const HardeningFor& plan) {
  if (!runconf::looks_like_kubernetes(text))
    return core::fail(core::ErrorKind::parse, name,
                      "not a Kubernetes manifest (no apiVersion and kind)");
  MOAT_TRY_ASSIGN(specs, runconf::read_kubernetes(text, name));
  const YamlText t(text);
  std::vector<Edit> edits;
  // Pod-level volumes, per pod spec line, added after every container's edits.
  std::map<int, std::pair<runconf::Origin, std::vector<std::vector<std::string>>>> pod_volumes;
  for (const auto& spec : specs) {
    if (!spec.k8s)
      continue;
    const auto h = plan(spec.name, spec.image.value);
    if (!h)
      continue;
    const auto target = target_of(t, spec);
    if (!target)
      return core::fail(
          core::ErrorKind::parse, name,
          fmt::format("container '{}' is not a block mapping moat can edit", spec.name),
          spec.origin.line, spec.origin.column);
    std::vector<Want> security{scalar("allowPrivilegeEscalation", "false")};
    {
      auto privileged = scalar("privileged", "false");
      privileged.only_if_present = true;
      security.push_back(std::move(privileged));
    }
    security.push_back(scalar("readOnlyRootFilesystem", "true"));
    security.push_back(scalar("runAsNonRoot", "true"));
    if (h->run_as_user) {
      auto user = scalar("runAsUser", std::to_string(*h->run_as_user));
      user.replace_if = "0";
      security.push_back(std::move(user));
    }
    std::vector<Want> caps{sequence("drop", {{"ALL"}})};
    if (!h->cap_add.empty()) {
      std::vector<std::vector<std::string>> add;
      for (const auto& c : h->cap_add)
        add.push_back({c});
      caps.push_back(sequence("add", std::move(add)));
    }
    security.push_back(mapping("capabilities", std::move(caps)));
    if (h->seccomp_profile.empty())
      security.push_back(mapping("seccompProfile", {scalar("type", "RuntimeDefault")}));
    else
      security.push_back(
          mapping("seccompProfile",
                  {scalar("type", "Localhost"), scalar("localhostProfile", h->seccomp_profile)}));
    std::vector<Want> wants{mapping("securityContext", std::move(security))};
    auto memory = scalar("memory", h->memory);
    memory.keep = true;
    auto cpu = scalar("cpu", h->cpu);
    cpu.keep = true;
    auto limits = mapping("limits", {memory, cpu});
    wants.push_back(mapping("resources", {limits}));
    if (!h->writable.empty()) {
      std::vector<std::vector<std::string>> mounts;
      auto& volumes = pod_volumes[spec.k8s->pod_origin.line];
      volumes.first = spec.k8s->pod_origin;
      for (std::size_t i = 0; i < h->writable.size(); ++i) {
        const auto volume = volume_name(spec.name, i);
        mounts.push_back({"name: " + volume, "mountPath: " + h->writable[i]});
        volumes.second.push_back({"name: " + volume, "emptyDir: {}"});
      }
      wants.push_back(sequence("volumeMounts", std::move(mounts)));
    }
    if (!ensure(t, target->block, wants, target->step, edits))
      return core::fail(core::ErrorKind::parse, name,
                        fmt::format("container '{}' writes a setting in a form moat cannot edit "
                                    "(flow style); write it in block style",
                                    spec.name),
                        spec.origin.line, spec.origin.column);
  }
  for (const auto& [line, pod] : pod_volumes) {
    const auto& [origin, volumes] = pod;
    const int col = origin.column - 1;
    const auto l = t.line(origin.line);
    const auto colon = l.find(':', static_cast<std::size_t>(std::max(col, 0)));
    if (colon == std::string_view::npos)
      continue;
    Key key{origin.line, col, t.start(origin.line) + colon + 1, t.start(origin.line) + colon + 1};
    const auto block = child_block(t, key);
    if (!block || !ensure(t, *block, {sequence("volumes", volumes)}, 2, edits))
      return core::fail(core::ErrorKind::parse, name,
                        "the pod spec is not a block mapping moat can edit", origin.line,
                        origin.column);
  }
  return apply_edits(text, std::move(edits));
}

} // namespace moat::fix
