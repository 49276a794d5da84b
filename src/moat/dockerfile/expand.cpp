#include <moat/dockerfile/expand.hpp>
#include <moat/util/unicode.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <utility>

// The behaviour follows BuildKit's shell lexer (frontend/dockerfile/shell/lex.go)
// so that moat sees the same values as `docker build`, including its quirks:
// unquoted expansion results are split into words by ProcessWords, escapes are
// kept verbatim inside ${VAR#pat}/${VAR/pat/repl}, and patterns only know
// `*`, `?` and `\`-escapes (no bracket expressions).

namespace moat::dockerfile {

namespace {

constexpr int k_end = -1; // "no stop character": read to the end of the input

// BuildKit compiles patterns to Go regular expressions; the matcher below
// costs pattern length x value length, so bound it for hostile input.
constexpr std::size_t k_max_match_cells = 50'000'000;

// ${...} inside ${...} recurses; Go's growable stacks need no bound, ours do.
constexpr int k_max_nesting = 64;

// Nested ${V//pat/repl} multiply the length of their result at every level.
constexpr std::size_t k_max_output = std::size_t{1024} * 1024;

struct Problem {
  core::ErrorKind kind = core::ErrorKind::parse;
  std::string message;
};

template <class T> using Outcome = std::expected<T, Problem>;

std::unexpected<Problem> problem(std::string message,
                                 core::ErrorKind kind = core::ErrorKind::parse) {
  return std::unexpected(Problem{kind, std::move(message)});
}

std::unexpected<Problem> too_long() {
  return problem("expansion result exceeds 1 MiB", core::ErrorKind::limit);
}

// Length of the UTF-8 sequence starting at s[i]; 1 for a stray byte so that
// invalid input still advances.
std::size_t unit_length(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t len = 1;
  if (lead >= 0xF0 && lead <= 0xF4)
    len = 4;
  else if (lead >= 0xE0)
    len = 3;
  else if (lead >= 0xC2 && lead <= 0xDF)
    len = 2;
  if (lead >= 0xF5 || i + len > s.size())
    return 1;
  for (std::size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 1;
  return len;
}

// Decodes one unit into a code point; stray bytes get values above the
// Unicode range so they only ever match themselves.
std::uint32_t decode(std::string_view unit) {
  const auto b0 = static_cast<unsigned char>(unit[0]);
  if (unit.size() == 1)
    return b0 < 0x80 ? b0 : 0x110000u + b0;
  std::uint32_t cp = 0;
  if (unit.size() == 2)
    cp = b0 & 0x1Fu;
  else if (unit.size() == 3)
    cp = b0 & 0x0Fu;
  else
    cp = b0 & 0x07u;
  for (std::size_t k = 1; k < unit.size(); ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(unit[k]) & 0x3Fu);
  return cp;
}

bool is_space_cp(std::uint32_t cp) {
  return util::is_unicode_space(static_cast<std::uint32_t>(cp));
}

bool is_ascii_digit(std::uint32_t cp) {
  return cp >= '0' && cp <= '9';
}

// Go's unicode.IsLetter/IsDigit or '_'. Non-ASCII code points other than
// spaces are taken as letters: close enough for variable names, and it keeps
// this file free of Unicode tables.
bool is_name_cp(std::uint32_t cp) {
  if (cp < 0x80)
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || is_ascii_digit(cp) || cp == '_';
  return cp < 0x110000u && !is_space_cp(cp);
}

bool is_special_param(char c) {
  switch (c) {
  case '@':
  case '*':
  case '#':
  case '?':
  case '-':
  case '$':
  case '!':
  case '0':
    return true;
  default:
    return false;
  }
}

// A string cut into code points, with the byte offset of each one.
struct CodePoints {
  std::vector<std::uint32_t> cps;
  std::vector<std::size_t> offsets; // offsets[i] = byte index of cps[i]; one extra at the end

  explicit CodePoints(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
      const auto len = unit_length(s, i);
      offsets.push_back(i);
      cps.push_back(decode(s.substr(i, len)));
      i += len;
    }
    offsets.push_back(s.size());
  }
};

// Collects ProcessWords' output: unquoted whitespace ends a word, quoted text
// and escaped characters never do.
class WordSplitter {
public:
  void add_unit(std::string_view unit) {
    const bool space = is_space_cp(decode(unit));
    if (space && m_in_word) {
      if (!m_word.empty()) {
        m_words.push_back(std::move(m_word));
        m_word.clear();
        m_in_word = false;
      }
    } else if (!space) {
      add_raw(unit);
    }
  }
  void add_raw(std::string_view text) {
    m_word += text;
    m_in_word = true;
  }
  void add_string(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
      const auto len = unit_length(text, i);
      add_unit(text.substr(i, len));
      i += len;
    }
  }
  std::vector<std::string> finish() {
    if (!m_word.empty())
      m_words.push_back(std::move(m_word));
    m_word.clear();
    m_in_word = false;
    return std::move(m_words);
  }

private:
  std::string m_word;
  std::vector<std::string> m_words;
  bool m_in_word = false;
};

// A shell pattern: literal code points, `?` (any one) and `*` (any run).
// As in Go regular expressions without the s flag, neither matches a newline.
struct PatternToken {
  enum class Kind { literal, any, star } kind = Kind::literal;
  std::uint32_t cp = 0;
};

Outcome<std::vector<PatternToken>> compile_pattern(std::string_view pattern) {
  std::vector<PatternToken> out;
  const CodePoints points(pattern);
  const auto& cps = points.cps;
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const auto cp = cps[i];
    if (cp == '*') {
      out.push_back({PatternToken::Kind::star, 0});
    } else if (cp == '?') {
      out.push_back({PatternToken::Kind::any, 0});
    } else if (cp == '\\') {
      // `\}` and `\/` only protect the ${} syntax; the escape is not part of the pattern
      if (i + 1 < cps.size() && (cps[i + 1] == '}' || cps[i + 1] == '/'))
        continue;
      if (i + 1 >= cps.size())
        return problem("invalid escape at the end of the pattern");
      const auto next = cps[++i];
      if (next != '*' && next != '?' && next != '\\') {
        const auto begin = points.offsets[i];
        return problem(fmt::format("invalid escape '\\{}'",
                                   pattern.substr(begin, points.offsets[i + 1] - begin)));
      }
      out.push_back({PatternToken::Kind::literal, next});
    } else {
      out.push_back({PatternToken::Kind::literal, cp});
    }
  }
  return out;
}

// For every start index s, the end of the match Go's leftmost-first regexp
// engine would pick when the match begins at s, or -1. Computed bottom-up:
// a greedy star prefers taking one more character, a lazy one prefers stopping.
Outcome<std::vector<long>> match_ends(const std::vector<PatternToken>& pattern,
                                      const std::vector<std::uint32_t>& text, bool greedy) {
  const std::size_t n = text.size();
  if ((pattern.size() + 1) * (n + 1) > k_max_match_cells)
    return problem("pattern too complex for the value it is matched against",
                   core::ErrorKind::limit);
  std::vector<long> next(n + 1);
  for (std::size_t si = 0; si <= n; ++si)
    next[si] = static_cast<long>(si);
  std::vector<long> row(n + 1, -1);
  for (std::size_t pi = pattern.size(); pi-- > 0;) {
    const auto& tok = pattern[pi];
    for (std::size_t si = n + 1; si-- > 0;) {
      const bool can_take = si < n && text[si] != '\n';
      long r = -1;
      switch (tok.kind) {
      case PatternToken::Kind::literal:
        r = si < n && text[si] == tok.cp ? next[si + 1] : -1;
        break;
      case PatternToken::Kind::any:
        r = can_take ? next[si + 1] : -1;
        break;
      case PatternToken::Kind::star:
        if (greedy) {
          r = can_take ? row[si + 1] : -1;
          if (r < 0)
            r = next[si];
        } else {
          r = next[si];
          if (r < 0 && can_take)
            r = row[si + 1];
        }
        break;
      }
      row[si] = r;
    }
    std::swap(row, next);
    std::fill(row.begin(), row.end(), -1);
  }
  return next;
}

// ${VAR#pat} / ${VAR##pat}: the value without its shortest/longest matching prefix.
Outcome<std::string> trim_prefix(std::string_view pattern, const std::string& value, bool greedy) {
  auto tokens = compile_pattern(pattern);
  if (!tokens)
    return problem(
        fmt::format("invalid pattern ({}) in substitution: {}", pattern, tokens.error().message));
  const CodePoints text(value);
  auto ends = match_ends(*tokens, text.cps, greedy);
  if (!ends)
    return std::unexpected(ends.error());
  if ((*ends)[0] < 0)
    return value;
  return value.substr(text.offsets[static_cast<std::size_t>((*ends)[0])]);
}

// ${VAR%pat} / ${VAR%%pat}: BuildKit reverses pattern and value to turn the
// rightmost search into a leftmost one; so do we, on code points.
Outcome<std::string> trim_suffix(std::string_view pattern, const std::string& value, bool greedy) {
  auto tokens = compile_pattern(pattern);
  if (!tokens)
    return problem(
        fmt::format("invalid pattern ({}) in substitution: {}", pattern, tokens.error().message));
  std::reverse(tokens->begin(), tokens->end());
  const CodePoints text(value);
  std::vector<std::uint32_t> reversed(text.cps.rbegin(), text.cps.rend());
  auto ends = match_ends(*tokens, reversed, greedy);
  if (!ends)
    return std::unexpected(ends.error());
  if ((*ends)[0] < 0)
    return value;
  const auto keep = text.cps.size() - static_cast<std::size_t>((*ends)[0]);
  return value.substr(0, text.offsets[keep]);
}

// Go's Regexp.Expand for a pattern without groups: `$$` is a dollar, `$0` and
// `${0}` the whole match, any other valid reference nothing, and a malformed
// one a literal dollar.
void expand_template(std::string& out, std::string_view templ, std::string_view match) {
  std::size_t i = 0;
  while (i < templ.size()) {
    const auto dollar = templ.find('$', i);
    if (dollar == std::string_view::npos)
      break;
    out += templ.substr(i, dollar - i);
    std::size_t p = dollar + 1;
    if (p < templ.size() && templ[p] == '$') {
      out += '$';
      i = p + 1;
      continue;
    }
    const bool brace = p < templ.size() && templ[p] == '{';
    if (brace)
      ++p;
    const auto name_begin = p;
    while (p < templ.size()) {
      const auto len = unit_length(templ, p);
      if (!is_name_cp(decode(templ.substr(p, len))))
        break;
      p += len;
    }
    const auto name = templ.substr(name_begin, p - name_begin);
    bool ok = !name.empty();
    if (ok && brace) {
      if (p < templ.size() && templ[p] == '}')
        ++p;
      else
        ok = false;
    }
    if (!ok) {
      out += '$';
      i = dollar + 1;
      continue;
    }
    if (name == "0")
      out += match;
    i = p;
  }
  if (i < templ.size())
    out += templ.substr(i);
}

// ${VAR/pat/repl} and ${VAR//pat/repl}, with Go's rules for empty matches.
Outcome<std::string> replace(std::string_view pattern, std::string_view replacement,
                             const std::string& value, bool all) {
  auto tokens = compile_pattern(pattern);
  if (!tokens)
    return problem(
        fmt::format("invalid pattern ({}) in substitution: {}", pattern, tokens.error().message));
  const CodePoints text(value);
  auto ends = match_ends(*tokens, text.cps, true);
  if (!ends)
    return std::unexpected(ends.error());
  const auto n = text.cps.size();
  auto find_from = [&](std::size_t from) -> std::optional<std::pair<std::size_t, std::size_t>> {
    for (std::size_t s = from; s <= n; ++s)
      if ((*ends)[s] >= 0)
        return std::pair{s, static_cast<std::size_t>((*ends)[s])};
    return std::nullopt;
  };
  auto bytes = [&](std::size_t cp_index) { return text.offsets[cp_index]; };

  if (!all) {
    const auto m = find_from(0);
    if (!m)
      return value;
    return value.substr(0, bytes(m->first)) + std::string(replacement) +
           value.substr(bytes(m->second));
  }

  std::string out;
  std::size_t last_end = 0;
  std::size_t search = 0;
  while (search <= n) {
    const auto m = find_from(search);
    if (!m)
      break;
    out += value.substr(bytes(last_end), bytes(m->first) - bytes(last_end));
    // an empty match right after a previous match is not replaced again
    if (m->second > last_end || m->first == 0)
      expand_template(
          out, replacement,
          std::string_view(value).substr(bytes(m->first), bytes(m->second) - bytes(m->first)));
    if (out.size() > k_max_output)
      return too_long();
    last_end = m->second;
    search = m->second > search ? m->second : search + 1;
  }
  out += value.substr(bytes(std::min(last_end, n)));
  return out;
}

struct Piece {
  std::string text;
  std::vector<std::string> words;
};

class Lexer {
public:
  Lexer(std::string_view src, const Env& env, char escape)
      : m_src(src), m_env(env), m_escape(escape) {}

  Outcome<Piece> run() { return process_until(k_end, false); }
  std::vector<std::string> take_unresolved() { return std::move(m_unresolved); }

private:
  bool at_end() const { return m_pos >= m_src.size(); }
  char peek() const { return m_src[m_pos]; }

  // One character (a whole UTF-8 sequence) from the input.
  std::string_view take_unit() {
    const auto len = unit_length(m_src, m_pos);
    const auto unit = m_src.substr(m_pos, len);
    m_pos += len;
    return unit;
  }

  // The value of NAME and whether it is set; unset names are remembered.
  std::pair<std::string, bool> lookup(const std::string& name) {
    const auto it = m_env.find(name);
    if (it != m_env.end() && it->second)
      return {*it->second, true};
    if (!name.empty() &&
        std::find(m_unresolved.begin(), m_unresolved.end(), name) == m_unresolved.end())
      m_unresolved.push_back(name);
    return {std::string(), false};
  }

  // Reads text until STOP (consumed) or the end of input.
  Outcome<Piece> process_until(int stop, bool raw_escapes) {
    const bool saved = m_raw_escapes;
    m_raw_escapes = raw_escapes;
    auto out = process_until_inner(stop);
    m_raw_escapes = saved;
    return out;
  }

  Outcome<Piece> process_until_inner(int stop) {
    std::string result;
    WordSplitter words;
    while (!at_end()) {
      const char c = peek();
      if (stop != k_end && c == static_cast<char>(stop)) {
        ++m_pos;
        return Piece{std::move(result), words.finish()};
      }
      if (c == '$' || c == '\'' || c == '"') {
        auto part = c == '$' ? process_dollar() : c == '\'' ? single_quote() : double_quote();
        if (!part)
          return std::unexpected(part.error());
        result += *part;
        if (result.size() > k_max_output)
          return too_long();
        // expansion results are split again, quoted text is not
        if (c == '$')
          words.add_string(*part);
        else
          words.add_raw(*part);
        continue;
      }
      auto unit = take_unit();
      if (unit.size() == 1 && unit[0] == m_escape) {
        if (m_raw_escapes) {
          words.add_raw(unit);
          result += unit;
        }
        // a trailing escape character is dropped
        if (at_end())
          break;
        unit = take_unit();
        words.add_raw(unit);
      } else {
        words.add_unit(unit);
      }
      result += unit;
    }
    if (stop != k_end)
      return problem(fmt::format("unexpected end of statement while looking for matching {}",
                                 static_cast<char>(stop)));
    return Piece{std::move(result), words.finish()};
  }

  Outcome<std::string> single_quote() {
    ++m_pos;
    const auto close = m_src.find('\'', m_pos);
    if (close == std::string_view::npos) {
      m_pos = m_src.size();
      return problem("unexpected end of statement while looking for matching single-quote");
    }
    std::string out(m_src.substr(m_pos, close - m_pos));
    m_pos = close + 1;
    return out;
  }

  Outcome<std::string> double_quote() {
    ++m_pos;
    std::string out;
    for (;;) {
      if (at_end())
        return problem("unexpected end of statement while looking for matching double-quote");
      const char c = peek();
      if (c == '"') {
        ++m_pos;
        return out;
      }
      if (c == '$') {
        auto value = process_dollar();
        if (!value)
          return value;
        out += *value;
        if (out.size() > k_max_output)
          return too_long();
        continue;
      }
      char ch = m_src[m_pos++];
      if (ch == m_escape) {
        if (m_raw_escapes)
          out += ch;
        if (at_end())
          continue;
        // only these can be escaped inside double quotes; otherwise the
        // escape character stays (and BuildKit writes it once more in raw mode)
        const char next = peek();
        if (next == '"' || next == '$' || next == m_escape)
          ch = m_src[m_pos++];
      }
      out += ch;
    }
  }

  std::string process_name() {
    std::string name;
    while (!at_end()) {
      const char c = peek();
      if (name.empty() && c >= '0' && c <= '9') {
        while (!at_end() && peek() >= '0' && peek() <= '9')
          name += m_src[m_pos++];
        return name;
      }
      if (name.empty() && is_special_param(c)) {
        ++m_pos;
        return std::string(1, c);
      }
      const auto len = unit_length(m_src, m_pos);
      if (!is_name_cp(decode(m_src.substr(m_pos, len))))
        break;
      name += take_unit();
    }
    return name;
  }

  Outcome<std::string> process_dollar() {
    ++m_pos; // '$'
    if (at_end() || peek() != '{') {
      const auto name = process_name();
      if (name.empty())
        return std::string("$");
      return lookup(name).first;
    }
    ++m_pos; // '{'
    if (m_nesting >= k_max_nesting)
      return problem("substitutions nested too deeply", core::ErrorKind::limit);
    ++m_nesting;
    auto value = process_braces();
    --m_nesting;
    return value;
  }

  // After `${`.
  Outcome<std::string> process_braces() {
    if (at_end())
      return problem("syntax error: missing '}'");
    if (peek() == '{' || peek() == '}' || peek() == ':')
      return problem("syntax error: bad substitution");
    const auto name = process_name();
    if (at_end())
      return problem("syntax error: missing '}'");
    char op = m_src[m_pos++];
    std::string modifier(1, op);
    switch (op) {
    case '}':
      return lookup(name).first;
    case ':':
    case '+':
    case '-':
    case '?':
    case '#':
    case '%':
      return modified(name, op, modifier);
    case '/':
      return substitute(name);
    default:
      return problem(fmt::format("unsupported modifier ({}) in substitution", modifier));
    }
  }

  // ${NAME:-w} ${NAME-w} ${NAME:+w} ${NAME+w} ${NAME:?w} ${NAME?w} ${NAME#p} ${NAME%p} ...
  Outcome<std::string> modified(const std::string& name, char op, std::string modifier) {
    bool null_is_unset = false;
    if (op == ':') {
      null_is_unset = true;
      if (at_end())
        return problem("syntax error: missing '}'");
      op = m_src[m_pos++];
      modifier += op;
    }
    auto word = process_until('}', op == '#' || op == '%');
    if (!word) {
      if (at_end())
        return problem("syntax error: missing '}'");
      return std::unexpected(word.error());
    }
    auto [value, set] = lookup(name);
    const bool empty_or_unset = !set || (null_is_unset && value.empty());
    auto& text = word->text;
    switch (op) {
    case '-':
      return empty_or_unset ? text : value;
    case '+':
      return empty_or_unset ? std::string() : text;
    case '?':
      if (!set)
        return problem(
            fmt::format("{}: {}", name, text.empty() ? "is not allowed to be unset" : text));
      if (null_is_unset && value.empty())
        return problem(
            fmt::format("{}: {}", name, text.empty() ? "is not allowed to be empty" : text));
      return value;
    case '#':
    case '%': {
      // a doubled operator asks for the longest match
      const bool greedy = !text.empty() && text.front() == op;
      std::string_view pattern = text;
      if (greedy)
        pattern.remove_prefix(1);
      return op == '%' ? trim_suffix(pattern, value, greedy) : trim_prefix(pattern, value, greedy);
    }
    default:
      return problem(fmt::format("unsupported modifier ({}) in substitution", modifier));
    }
  }

  // ${NAME/pattern/replacement} and ${NAME//pattern/replacement}
  Outcome<std::string> substitute(const std::string& name) {
    const bool all = !at_end() && peek() == '/';
    if (all)
      ++m_pos;
    auto pattern = process_until('/', true);
    if (!pattern) {
      if (at_end())
        return problem("syntax error: missing '/' in ${}");
      return std::unexpected(pattern.error());
    }
    auto replacement = process_until('}', true);
    if (!replacement) {
      if (at_end())
        return problem("syntax error: missing '}'");
      return std::unexpected(replacement.error());
    }
    auto value = lookup(name).first;
    return replace(pattern->text, replacement->text, value, all);
  }

  std::string_view m_src;
  std::size_t m_pos = 0;
  const Env& m_env;
  char m_escape;
  bool m_raw_escapes = false;
  int m_nesting = 0;
  std::vector<std::string> m_unresolved;
};

core::Error to_error(std::string_view source, const Problem& p) {
  // the word goes into a one-line message: keep it short, cut on a character boundary
  constexpr std::size_t k_shown = 120;
  std::string shown(source);
  if (shown.size() > k_shown) {
    std::size_t cut = k_shown;
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80)
      --cut;
    shown.resize(cut);
    shown += "...";
  }
  return core::Error{p.kind, std::string(),
                     fmt::format("failed to process \"{}\": {}", shown, p.message), 0, 0};
}

} // namespace

core::Result<Expansion> expand_word(std::string_view word, const Env& env, char escape) {
  Lexer lexer(word, env, escape);
  auto piece = lexer.run();
  if (!piece)
    return std::unexpected(to_error(word, piece.error()));
  return Expansion{std::move(piece->text), lexer.take_unresolved()};
}

core::Result<std::vector<std::string>> expand_words(std::string_view text, const Env& env,
                                                    char escape) {
  Lexer lexer(text, env, escape);
  auto piece = lexer.run();
  if (!piece)
    return std::unexpected(to_error(text, piece.error()));
  return std::move(piece->words);
}

} // namespace moat::dockerfile
