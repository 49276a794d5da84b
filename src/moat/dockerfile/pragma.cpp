#include <moat/dockerfile/pragma.hpp>

#include <moat/util/strings.hpp>

#include <algorithm>
#include <cctype>

namespace moat::dockerfile::detail {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// A small reader over one comment.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;

  void skip_blanks() {
    while (pos < text.size() && is_blank(text[pos]))
      ++pos;
  }
  // Consumes WORD when it is next and is followed by a blank, '=' or the end.
  bool word(std::string_view w) {
    if (text.substr(pos, w.size()) != w)
      return false;
    const std::size_t end = pos + w.size();
    if (end < text.size() && !is_blank(text[end]) && text[end] != '=')
      return false;
    pos = end;
    return true;
  }
  bool at_end() const { return pos >= text.size(); }
  char peek() const { return text[pos]; }
};

bool id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
}

// hadolint's rule names: any run of D, L, S, C and digits.
bool hadolint_shaped(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return c == 'D' || c == 'L' || c == 'S' || c == 'C' || (c >= '0' && c <= '9');
  });
}

bool known_id(std::string_view id, std::span<const core::CheckInfo> table) {
  return std::any_of(table.begin(), table.end(),
                     [&](const core::CheckInfo& c) { return core::check_matches(c, id); });
}

bool matches_any(const core::CheckInfo& check, const std::vector<std::string>& ids) {
  return std::any_of(ids.begin(), ids.end(),
                     [&](const std::string& id) { return core::check_matches(check, id); });
}

// The options of a "check=..." comment, or nullopt.
std::optional<CheckOptions> read_check_comment(std::string_view text) {
  Cursor cur{util::trim(text)};
  if (!cur.word("check"))
    return std::nullopt;
  cur.skip_blanks();
  if (cur.at_end() || cur.peek() != '=')
    return std::nullopt;
  ++cur.pos;
  return read_check_options(cur.text.substr(cur.pos));
}

} // namespace

std::optional<Pragma> read_pragma(std::string_view comment,
                                  std::span<const core::CheckInfo> table) {
  Cursor cur{comment};
  cur.skip_blanks();
  if (!cur.word("moat") && !cur.word("hadolint"))
    return std::nullopt;
  const std::size_t after_name = cur.pos;
  cur.skip_blanks();
  if (cur.pos == after_name)
    return std::nullopt;
  Pragma pragma;
  if (cur.word("global"))
    pragma.scope = PragmaScope::global;
  else if (cur.word("stage"))
    pragma.scope = PragmaScope::stage;
  if (pragma.scope != PragmaScope::inline_) {
    const std::size_t after_scope = cur.pos;
    cur.skip_blanks();
    if (cur.pos == after_scope)
      return std::nullopt;
  }
  if (!cur.word("ignore"))
    return std::nullopt;
  cur.skip_blanks();
  if (cur.at_end() || cur.peek() != '=')
    return std::nullopt;
  ++cur.pos;
  for (;;) {
    cur.skip_blanks();
    const std::size_t start = cur.pos;
    while (!cur.at_end() && id_char(cur.peek()))
      ++cur.pos;
    if (cur.pos == start)
      return std::nullopt;
    std::string_view id = cur.text.substr(start, cur.pos - start);
    if (!hadolint_shaped(id) && !known_id(id, table))
      return std::nullopt;
    pragma.ids.emplace_back(id);
    cur.skip_blanks();
    if (cur.at_end() || cur.peek() == '#')
      break;
    if (cur.peek() != ',')
      return std::nullopt;
    ++cur.pos;
  }
  return pragma;
}

std::optional<CheckOptions> read_check_options(std::string_view value) {
  CheckOptions out;
  bool any = false;
  for (auto part : util::split_trimmed(value, ';')) {
    if (part.empty())
      continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      return std::nullopt;
    auto key = util::trim(part.substr(0, eq));
    auto val = util::trim(part.substr(eq + 1));
    if (key == "skip" || key == "experimental") {
      const bool skip = key == "skip";
      for (auto rule : util::split_trimmed(val, ',')) {
        if (rule.empty())
          continue;
        if (rule == "all")
          (skip ? out.skip_all : out.experimental_all) = true;
        else
          (skip ? out.skip : out.experimental).emplace_back(rule);
      }
    } else if (key != "error") {
      return std::nullopt;
    }
    any = true;
  }
  if (!any)
    return std::nullopt;
  return out;
}

std::vector<const Comment*> comments_above(const ParseResult& ast, const Instruction& ins) {
  std::vector<const Comment*> out;
  const auto& comments = ast.comments;
  auto it = std::lower_bound(comments.begin(), comments.end(), ins.start_line,
                             [](const Comment& c, int line) { return c.line < line; });
  int want = ins.start_line - 1;
  while (it != comments.begin()) {
    --it;
    if (it->line != want || it->text.empty())
      break;
    out.push_back(&*it);
    --want;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

bool has_buildkit_alias(const core::CheckInfo& check) {
  for (auto alias : core::aliases_of(check))
    if (!alias.empty() && alias.front() >= 'A' && alias.front() <= 'Z' &&
        alias.find_first_of("-0123456789") == std::string_view::npos)
      return true;
  return false;
}

Suppressions::Suppressions(const ParseResult& ast, std::span<const core::CheckInfo> table,
                           bool pragmas) {
  for (const auto& c : ast.comments) {
    auto p = pragmas ? read_pragma(c.text, table) : std::nullopt;
    if (!p)
      continue;
    if (p->scope == PragmaScope::global) {
      m_global.insert(m_global.end(), p->ids.begin(), p->ids.end());
    } else if (p->scope == PragmaScope::stage) {
      auto& ids = m_stage[c.line + 1];
      ids.insert(ids.end(), p->ids.begin(), p->ids.end());
    }
  }
  for (const auto& d : ast.directives)
    if (d.name == "check")
      if (auto options = read_check_options(d.value)) {
        m_directive = std::move(*options);
        m_global.insert(m_global.end(), m_directive.skip.begin(), m_directive.skip.end());
        m_buildkit_all = m_directive.skip_all;
      }
  for (const auto& ins : ast.instructions) {
    // A stage pragma lasts until the next FROM.
    if (ins.keyword == "from")
      m_stage.try_emplace(ins.start_line);
    Scoped scoped{ins.start_line, std::max(ins.start_line, ins.end_line), {}, false};
    for (const Comment* c : comments_above(ast, ins)) {
      if (auto p = pragmas ? read_pragma(c->text, table) : std::nullopt;
          p && p->scope == PragmaScope::inline_)
        scoped.ids.insert(scoped.ids.end(), p->ids.begin(), p->ids.end());
      if (auto options = read_check_comment(c->text)) {
        scoped.ids.insert(scoped.ids.end(), options->skip.begin(), options->skip.end());
        scoped.buildkit_all = scoped.buildkit_all || options->skip_all;
      }
    }
    if (!scoped.ids.empty() || scoped.buildkit_all)
      m_scoped.push_back(std::move(scoped));
  }
}

bool Suppressions::silences(const core::Finding& f) const {
  const auto& check = *f.check;
  const int line = f.location.line;
  // BuildKit's skip=all leaves its experimental (opt-in) checks alone.
  const bool buildkit = !check.opt_in && has_buildkit_alias(check);
  if (matches_any(check, m_global) || (m_buildkit_all && buildkit))
    return true;
  for (const auto& s : m_scoped)
    if (line >= s.first && line <= s.last &&
        ((s.buildkit_all && buildkit) || matches_any(check, s.ids)))
      return true;
  if (auto it = m_stage.lower_bound(line); it != m_stage.begin() && line > 0) {
    --it;
    if (matches_any(check, it->second))
      return true;
  }
  return false;
}

bool Suppressions::experimental_enabled(const core::CheckInfo& check) const {
  if (!has_buildkit_alias(check))
    return false;
  return m_directive.experimental_all || matches_any(check, m_directive.experimental);
}

} // namespace moat::dockerfile::detail
