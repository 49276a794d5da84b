#include <moat/dockerfile/shell.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <utility>

// A recursive-descent reader for the POSIX shell grammar (plus the bash bits
// that show up in Dockerfiles: [[ ]], (( )), $'...', <( ), |&, &>, function).
// The lexer and the parser share one cursor: when a word contains $( ... ),
// the lexer calls back into the parser, which reads the inner list up to the
// closing parenthesis. Every loop either consumes input or stops, and every
// recursion passes a nesting guard, so hostile input can neither hang the
// reader nor exhaust the stack.
//
// The linter reads every RUN instruction through here, so the lexer avoids
// per-character string building and per-token allocation: operators and
// reserved words are classified once into enums, words and operators point
// into the source, and the per-command scratch lists are stacks shared by
// the recursion instead of fresh vectors.

namespace moat::dockerfile::shell {

namespace {

constexpr int k_max_nesting = 32;

// Text re-read as a script of its own (sh -c strings, backticks) is charged
// against a budget: `sh -c "$(sh -c "$(...)")"` re-reads every inner level
// once per outer level, which is exponential in the nesting.
constexpr std::size_t k_reread_factor = 8;
constexpr std::size_t k_reread_allowance = std::size_t{64} * 1024;

// Room made at once for the words of the commands being read, and for the
// commands of a script: most RUN scripts fit, which saves the growth steps.
constexpr std::size_t k_args_reserve = 16;
constexpr std::size_t k_commands_reserve = 8;

constexpr std::array<std::string_view, 8> k_shells = {"sh",  "bash", "dash", "ash",
                                                      "zsh", "ksh",  "mksh", "yash"};

struct Shared {
  int pipelines = 0;
  int nesting = 0;
  bool stopped = false;   // the nesting limit was hit: unwind and report incomplete
  bool truncated = false; // some nested text was left unread for lack of budget
  std::size_t budget = 0; // bytes that may still be re-read

  // Takes SIZE bytes from the budget; false (and truncated) when they are not there.
  bool charge(std::size_t size) {
    if (size > budget) {
      truncated = true;
      return false;
    }
    budget -= size;
    return true;
  }
};

// A byte range [first, second) of a text.
using Range = std::pair<std::size_t, std::size_t>;

struct Word {
  std::string_view raw; // as written: a view of the reader's source
  std::string text;     // after quote removal
  std::size_t begin = 0;
  bool quoted = false;         // some part was quoted or escaped: never a reserved word
  std::vector<Command> nested; // commands of $( ), ` ` and <( ) inside the word
  // Where TEXT holds expansions this shell performs ($( ), ${ }, ` `, <( )): when
  // TEXT is handed to `sh -c`, the inner shell only sees their results.
  std::vector<Range> expanded;
};

enum class TokenKind : std::uint8_t { word, op, newline, end };

enum class Op : std::uint8_t {
  none,
  semi,          // ;
  dsemi,         // ;;
  dsemi_amp,     // ;;&
  semi_amp,      // ;&
  amp,           // &
  and_if,        // &&
  amp_great,     // &>
  amp_dgreat,    // &>>
  pipe,          // |
  or_if,         // ||
  pipe_amp,      // |&
  lparen,        // (
  dlparen,       // ((
  rparen,        // )
  less,          // <
  dless,         // <<
  dless_dash,    // <<-
  tless,         // <<<
  less_amp,      // <&
  less_great,    // <>
  great,         // >
  dgreat,        // >>
  great_amp,     // >&
  great_clobber, // >|
};

// The words the grammar gives a meaning when they are unquoted.
enum class Keyword : std::uint8_t {
  none,
  bang,
  lbrace,
  rbrace,
  test_open,  // [[
  test_close, // ]]
  if_,
  then_,
  elif_,
  else_,
  fi_,
  for_,
  select_,
  in_,
  do_,
  done_,
  while_,
  until_,
  case_,
  esac_,
  function_,
};

struct Token {
  TokenKind kind = TokenKind::end;
  Op op = Op::none;
  // The operator as written, IO number included ("2>"): a view of the reader's source.
  std::string_view op_text;
  Keyword keyword = Keyword::none; // for an unquoted word
  Word word;
  std::size_t begin = 0;
};

// A word of the simple command being read, kept until the command is complete.
struct Arg {
  std::string text;
  std::size_t begin = 0;       // where the word starts in the source
  std::vector<Range> expanded; // see Word::expanded
};

struct Parsed {
  bool consumed = false;
  std::optional<std::size_t> last; // index in the output of the last simple command, if any
};

struct Heredoc {
  std::string delimiter;
  bool strip_tabs = false;
};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}
// How an unquoted character takes part in a word: a plain character is copied,
// a break ends the word, anything else needs a look of its own.
enum class WordChar : std::uint8_t { plain, brk, special };

constexpr auto k_word_chars = [] {
  std::array<WordChar, 256> table{};
  for (const char c : std::string_view(" \t\r\n;&|()<>"))
    table[static_cast<unsigned char>(c)] = WordChar::brk;
  for (const char c : std::string_view("\\'\"$`"))
    table[static_cast<unsigned char>(c)] = WordChar::special;
  return table;
}();

WordChar word_char(char c) {
  return k_word_chars[static_cast<unsigned char>(c)];
}

// Inside double quotes only these need a look of their own.
bool is_double_quote_special(char c) {
  return c == '"' || c == '\\' || c == '$' || c == '`';
}

bool is_redirect(Op op) {
  switch (op) {
  case Op::less:
  case Op::great:
  case Op::dgreat:
  case Op::dless:
  case Op::dless_dash:
  case Op::tless:
  case Op::less_amp:
  case Op::great_amp:
  case Op::less_great:
  case Op::great_clobber:
  case Op::amp_great:
  case Op::amp_dgreat:
    return true;
  default:
    return false;
  }
}

Keyword classify(std::string_view w) {
  switch (w.size()) {
  case 1:
    return w[0] == '!'   ? Keyword::bang
           : w[0] == '{' ? Keyword::lbrace
           : w[0] == '}' ? Keyword::rbrace
                         : Keyword::none;
  case 2:
    return w == "if"   ? Keyword::if_
           : w == "fi" ? Keyword::fi_
           : w == "do" ? Keyword::do_
           : w == "in" ? Keyword::in_
           : w == "[[" ? Keyword::test_open
           : w == "]]" ? Keyword::test_close
                       : Keyword::none;
  case 3:
    return w == "for" ? Keyword::for_ : Keyword::none;
  case 4:
    return w == "then"   ? Keyword::then_
           : w == "elif" ? Keyword::elif_
           : w == "else" ? Keyword::else_
           : w == "done" ? Keyword::done_
           : w == "case" ? Keyword::case_
           : w == "esac" ? Keyword::esac_
                         : Keyword::none;
  case 5:
    return w == "while" ? Keyword::while_ : w == "until" ? Keyword::until_ : Keyword::none;
  case 6:
    return w == "select" ? Keyword::select_ : Keyword::none;
  case 8:
    return w == "function" ? Keyword::function_ : Keyword::none;
  default:
    return Keyword::none;
  }
}

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// NAME=value or NAME+=value, with NAME unquoted.
bool is_assignment(const Word& w) {
  const auto& raw = w.raw;
  if (raw.empty() || !is_name_start(raw[0]))
    return false;
  std::size_t i = 1;
  while (i < raw.size() && is_name_char(raw[i]))
    ++i;
  if (i < raw.size() && raw[i] == '=')
    return true;
  return i + 1 < raw.size() && raw[i] == '+' && raw[i + 1] == '=';
}

void append(std::vector<Command>& out, std::vector<Command>&& more) {
  if (more.empty())
    return;
  if (out.empty()) {
    out.swap(more);
  } else {
    out.insert(out.end(), std::make_move_iterator(more.begin()),
               std::make_move_iterator(more.end()));
  }
  more.clear();
}

class Reader {
public:
  // OPAQUE: sorted ranges of SRC that an outer shell has already expanded.
  Reader(std::string_view src, int base_line, int depth, bool in_substitution, Shared& shared,
         std::vector<Range> opaque = {})
      : m_src(src), m_base_line(base_line), m_depth(depth), m_in_substitution(in_substitution),
        m_shared(shared), m_opaque(std::move(opaque)) {}

  // Reads the whole input, appending commands to OUT.
  void read_all(std::vector<Command>& out) {
    for (;;) {
      parse_list(out);
      if (m_shared.stopped)
        break;
      if (peek().kind == TokenKind::end)
        break;
      // a token no construct can take (a stray `)` or `fi`): note it and go on
      m_complete = false;
      skip();
    }
    m_has_look = false;
  }

  [[nodiscard]] bool complete() const {
    return m_complete && !m_shared.stopped && !m_shared.truncated;
  }

private:
  // Nesting guard: bounds the recursion and sets the depth of what is read inside.
  class Scope {
  public:
    Scope(Reader& r, bool deeper, bool substitution)
        : m_r(r), m_depth(r.m_depth), m_substitution(r.m_in_substitution) {
      m_ok = ++r.m_shared.nesting <= k_max_nesting;
      if (!m_ok)
        r.m_shared.stopped = true;
      if (deeper)
        ++r.m_depth;
      if (substitution)
        r.m_in_substitution = true;
    }
    ~Scope() {
      --m_r.m_shared.nesting;
      m_r.m_depth = m_depth;
      m_r.m_in_substitution = m_substitution;
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    [[nodiscard]] bool ok() const { return m_ok; }

  private:
    Reader& m_r;
    int m_depth;
    bool m_substitution;
    bool m_ok = true;
  };

  // ---- positions -------------------------------------------------------

  // Lines are counted from the last offset asked about: the offsets asked for
  // mostly grow, so the source is scanned about once in all.
  int line_of(std::size_t offset) {
    offset = std::min(offset, m_src.size());
    const char* const data = m_src.data();
    if (offset >= m_line_offset) {
      m_line_count +=
          static_cast<std::size_t>(std::count(data + m_line_offset, data + offset, '\n'));
    } else {
      m_line_count -=
          static_cast<std::size_t>(std::count(data + offset, data + m_line_offset, '\n'));
    }
    m_line_offset = offset;
    return m_base_line + static_cast<int>(m_line_count);
  }

  char at(std::size_t i) const { return i < m_src.size() ? m_src[i] : '\0'; }

  // ---- lexer -----------------------------------------------------------

  const Token& peek() {
    if (!m_has_look) {
      lex();
      m_has_look = true;
    }
    return m_look;
  }

  // Consumes the next token.
  void skip() {
    peek();
    m_has_look = false;
  }

  // Consumes the next token and hands it over: it stays valid (and its parts
  // may be moved out) until the next peek.
  Token& take() {
    peek();
    m_has_look = false;
    return m_look;
  }

  void skip_blanks() {
    while (m_pos < m_src.size()) {
      const char c = m_src[m_pos];
      if (is_blank(c)) {
        ++m_pos;
      } else if (c == '\\' && at(m_pos + 1) == '\n') {
        m_pos += 2;
      } else if (c == '\\' && at(m_pos + 1) == '\r' && at(m_pos + 2) == '\n') {
        m_pos += 3;
      } else {
        break;
      }
    }
  }

  // Lexes the next token into m_look. A word is built apart and moved in at the
  // end, because the substitutions inside it lex (and so overwrite m_look) too.
  void lex() {
    std::size_t begin = 0;
    for (;;) {
      skip_blanks();
      begin = m_pos;
      if (m_shared.stopped || m_pos >= m_src.size()) {
        set_look(TokenKind::end, begin);
        m_expect_delimiter = false;
        return;
      }
      if (m_src[m_pos] != '#')
        break;
      const auto eol = m_src.find('\n', m_pos);
      m_pos = eol == std::string_view::npos ? m_src.size() : eol;
    }
    const char c = m_src[m_pos];
    if (c == '\n') {
      ++m_pos;
      set_look(TokenKind::newline, begin);
      m_expect_delimiter = false;
      read_heredoc_bodies();
      return;
    }
    const bool process_substitution = (c == '<' || c == '>') && at(m_pos + 1) == '(';
    if (!process_substitution &&
        (c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>')) {
      set_look(TokenKind::op, begin);
      m_look.op = lex_operator();
      m_look.op_text = m_src.substr(begin, m_pos - begin);
      return;
    }
    if (is_digit(c)) {
      std::size_t j = m_pos;
      while (j < m_src.size() && is_digit(m_src[j]))
        ++j;
      if ((at(j) == '<' || at(j) == '>') && at(j + 1) != '(') {
        m_pos = j;
        set_look(TokenKind::op, begin);
        m_look.op = lex_operator();
        m_look.op_text = m_src.substr(begin, m_pos - begin);
        return;
      }
    }
    Word w;
    lex_word(w);
    if (m_expect_delimiter) {
      m_heredocs.push_back({w.text, m_strip_tabs});
      m_expect_delimiter = false;
    }
    set_look(TokenKind::word, begin);
    if (!w.quoted)
      m_look.keyword = classify(w.text);
    m_look.word = std::move(w);
  }

  // Resets m_look to a token of KIND with no operator, keyword or word.
  void set_look(TokenKind kind, std::size_t begin) {
    m_look.kind = kind;
    m_look.op = Op::none;
    m_look.op_text = {};
    m_look.keyword = Keyword::none;
    m_look.begin = begin;
    if (kind != TokenKind::word) {
      m_look.word.raw = {};
      m_look.word.text.clear();
      m_look.word.begin = 0;
      m_look.word.quoted = false;
      m_look.word.nested.clear();
      m_look.word.expanded.clear();
    }
  }

  // At an operator character: reads the operator and returns its kind.
  Op lex_operator() {
    const char c = m_src[m_pos];
    const char n1 = at(m_pos + 1);
    const char n2 = at(m_pos + 2);
    Op op = Op::none;
    std::size_t size = 1;
    switch (c) {
    case ';':
      if (n1 == ';') {
        op = n2 == '&' ? Op::dsemi_amp : Op::dsemi;
        size = n2 == '&' ? 3 : 2;
      } else {
        op = n1 == '&' ? Op::semi_amp : Op::semi;
        size = n1 == '&' ? 2 : 1;
      }
      break;
    case '&':
      if (n1 == '&') {
        op = Op::and_if;
        size = 2;
      } else if (n1 == '>') {
        op = n2 == '>' ? Op::amp_dgreat : Op::amp_great;
        size = n2 == '>' ? 3 : 2;
      } else {
        op = Op::amp;
      }
      break;
    case '|':
      op = n1 == '|' ? Op::or_if : n1 == '&' ? Op::pipe_amp : Op::pipe;
      size = op == Op::pipe ? 1 : 2;
      break;
    case '(':
      op = n1 == '(' ? Op::dlparen : Op::lparen;
      size = op == Op::lparen ? 1 : 2;
      break;
    case ')':
      op = Op::rparen;
      break;
    case '<':
      if (n1 == '<') {
        op = n2 == '<' ? Op::tless : n2 == '-' ? Op::dless_dash : Op::dless;
        size = op == Op::dless ? 2 : 3;
      } else {
        op = n1 == '&' ? Op::less_amp : n1 == '>' ? Op::less_great : Op::less;
        size = op == Op::less ? 1 : 2;
      }
      break;
    default: // '>'
      op = n1 == '>'   ? Op::dgreat
           : n1 == '&' ? Op::great_amp
           : n1 == '|' ? Op::great_clobber
                       : Op::great;
      size = op == Op::great ? 1 : 2;
      break;
    }
    m_pos += size;
    if (op == Op::dless || op == Op::dless_dash) {
      m_expect_delimiter = true;
      m_strip_tabs = op == Op::dless_dash;
    } else {
      m_expect_delimiter = false;
    }
    return op;
  }

  // Skips the bodies of the here-documents opened on the line just ended.
  // A here-document whose body never started (the script ends on its line)
  // is not an error: Dockerfile heredocs keep their body outside the script.
  void read_heredoc_bodies() {
    for (const auto& doc : m_heredocs) {
      bool found = false;
      while (m_pos < m_src.size()) {
        const auto eol = m_src.find('\n', m_pos);
        auto line = m_src.substr(m_pos, eol == std::string_view::npos ? std::string_view::npos
                                                                      : eol - m_pos);
        m_pos = eol == std::string_view::npos ? m_src.size() : eol + 1;
        if (doc.strip_tabs)
          while (!line.empty() && line.front() == '\t')
            line.remove_prefix(1);
        if (!line.empty() && line.back() == '\r')
          line.remove_suffix(1);
        if (line == doc.delimiter) {
          found = true;
          break;
        }
      }
      if (!found)
        m_complete = false;
    }
    m_heredocs.clear();
  }

  void lex_word(Word& w) {
    w.begin = m_pos;
    std::string& text = w.text;
    std::string* const outer_text = m_word_text;
    m_word_text = &text;
    while (m_pos < m_src.size() && !m_shared.stopped) {
      const char c = m_src[m_pos];
      if ((c == '<' || c == '>') && m_pos == w.begin && at(m_pos + 1) == '(') {
        if (!skip_opaque(text)) {
          m_pos += 2;
          command_substitution(w);
          text += m_src.substr(w.begin, m_pos - w.begin);
        }
        w.expanded.emplace_back(0, text.size());
        continue;
      }
      const WordChar kind = word_char(c);
      if (kind == WordChar::brk)
        break;
      if (kind == WordChar::plain) {
        // a run of plain characters is copied at once
        std::size_t end = m_pos + 1;
        while (end < m_src.size() && word_char(m_src[end]) == WordChar::plain)
          ++end;
        text.append(m_src.data() + m_pos, end - m_pos);
        m_pos = end;
        continue;
      }
      switch (c) {
      case '\\':
        if (at(m_pos + 1) == '\n') {
          m_pos += 2;
        } else if (m_pos + 1 >= m_src.size()) {
          text += c;
          ++m_pos;
        } else {
          w.quoted = true;
          text += m_src[m_pos + 1];
          m_pos += 2;
        }
        break;
      case '\'':
        w.quoted = true;
        single_quote(text);
        break;
      case '"':
        w.quoted = true;
        double_quote(w, text);
        break;
      case '$':
        dollar(w, text, false);
        break;
      default: // '`'
        backtick(w, text, false);
        break;
      }
    }
    m_word_text = outer_text;
    w.raw = m_src.substr(w.begin, m_pos - w.begin);
  }

  // At the start of a range an outer shell already expanded: copies it as text.
  bool skip_opaque(std::string& text) {
    const auto it = std::lower_bound(m_opaque.begin(), m_opaque.end(), Range{m_pos, 0});
    if (it == m_opaque.end() || it->first != m_pos || it->second <= m_pos)
      return false;
    const auto end = std::min(it->second, m_src.size());
    text += m_src.substr(m_pos, end - m_pos);
    m_pos = end;
    return true;
  }

  // Notes that TEXT[from, end) holds an expansion, when TEXT is the word's own text.
  void note_expansion(Word& w, const std::string& text, std::size_t from) {
    if (&text == m_word_text && text.size() > from)
      w.expanded.emplace_back(from, text.size());
  }

  void single_quote(std::string& text) {
    ++m_pos;
    const auto close = m_src.find('\'', m_pos);
    if (close == std::string_view::npos) {
      text += m_src.substr(m_pos);
      m_pos = m_src.size();
      m_complete = false;
      return;
    }
    text += m_src.substr(m_pos, close - m_pos);
    m_pos = close + 1;
  }

  void double_quote(Word& w, std::string& text) {
    ++m_pos;
    while (!m_shared.stopped) {
      if (m_pos >= m_src.size()) {
        m_complete = false;
        return;
      }
      const char c = m_src[m_pos];
      if (c == '"') {
        ++m_pos;
        return;
      }
      if (c == '\\') {
        const char n = at(m_pos + 1);
        if (n == '\n') {
          m_pos += 2;
        } else if (m_pos + 1 < m_src.size() && (n == '$' || n == '`' || n == '"' || n == '\\')) {
          text += n;
          m_pos += 2;
        } else {
          text += c;
          ++m_pos;
        }
      } else if (c == '$') {
        dollar(w, text, true);
      } else if (c == '`') {
        backtick(w, text, true);
      } else {
        std::size_t end = m_pos + 1;
        while (end < m_src.size() && !is_double_quote_special(m_src[end]))
          ++end;
        text.append(m_src.data() + m_pos, end - m_pos);
        m_pos = end;
      }
    }
  }

  // $'...': bash's C-style escapes.
  void ansi_c_quote(std::string& text) {
    while (m_pos < m_src.size()) {
      const char c = m_src[m_pos];
      if (c == '\'') {
        ++m_pos;
        return;
      }
      if (c == '\\' && m_pos + 1 < m_src.size()) {
        const char n = m_src[m_pos + 1];
        m_pos += 2;
        switch (n) {
        case 'n':
          text += '\n';
          break;
        case 't':
          text += '\t';
          break;
        case 'r':
          text += '\r';
          break;
        case 'a':
          text += '\a';
          break;
        case 'b':
          text += '\b';
          break;
        case 'f':
          text += '\f';
          break;
        case 'v':
          text += '\v';
          break;
        case 'e':
        case 'E':
          text += '\x1b';
          break;
        case '\\':
        case '\'':
        case '"':
        case '?':
          text += n;
          break;
        default:
          text += '\\';
          text += n;
          break;
        }
        continue;
      }
      std::size_t end = m_pos + 1;
      while (end < m_src.size() && m_src[end] != '\'' && m_src[end] != '\\')
        ++end;
      text.append(m_src.data() + m_pos, end - m_pos);
      m_pos = end;
    }
    m_complete = false;
  }

  // At `$`: expansions stay in the word as written; substitutions are read for commands.
  void dollar(Word& w, std::string& text, bool in_double_quotes) {
    const auto start = m_pos;
    const auto from = text.size();
    if (skip_opaque(text)) {
      note_expansion(w, text, from);
      return;
    }
    const char n1 = at(m_pos + 1);
    if (n1 == '(' && at(m_pos + 2) == '(') {
      m_pos += 3;
      skip_arithmetic();
    } else if (n1 == '(' || n1 == '{') {
      m_pos += 2;
      if (n1 == '(')
        command_substitution(w);
      else
        parameter_expansion(w, in_double_quotes);
      text += m_src.substr(start, m_pos - start);
      note_expansion(w, text, from);
      return;
    } else if (n1 == '\'' && !in_double_quotes) {
      m_pos += 2;
      w.quoted = true;
      ansi_c_quote(text);
      return;
    } else if (n1 == '"' && !in_double_quotes) {
      ++m_pos;
      w.quoted = true;
      double_quote(w, text);
      return;
    } else if (is_name_start(n1)) {
      ++m_pos;
      while (m_pos < m_src.size() && is_name_char(m_src[m_pos]))
        ++m_pos;
    } else if (m_pos + 1 < m_src.size() &&
               (is_digit(n1) || std::string_view("@*#?-$!").find(n1) != std::string_view::npos)) {
      m_pos += 2;
    } else {
      ++m_pos; // a lone `$` is literal
    }
    text += m_src.substr(start, m_pos - start);
  }

  // After `((` or `$((`: up to the matching `))`. Arithmetic runs no commands.
  void skip_arithmetic() {
    int open = 2;
    while (m_pos < m_src.size()) {
      const char c = m_src[m_pos++];
      if (c == '(') {
        ++open;
      } else if (c == ')') {
        if (--open == 0)
          return;
      } else if (c == '\'' || c == '"') {
        const auto close = m_src.find(c, m_pos);
        m_pos = close == std::string_view::npos ? m_src.size() : close + 1;
      }
    }
    m_complete = false;
  }

  // After `${`: up to the matching `}`, reading any substitution inside.
  void parameter_expansion(Word& w, bool in_double_quotes) {
    const Scope scope(*this, false, false);
    if (!scope.ok())
      return;
    std::string scratch;
    while (m_pos < m_src.size() && !m_shared.stopped) {
      const char c = m_src[m_pos];
      if (c == '}') {
        ++m_pos;
        return;
      }
      if (c == '\\') {
        m_pos += m_pos + 1 < m_src.size() ? 2u : 1u;
      } else if (c == '\'' && !in_double_quotes) {
        single_quote(scratch);
      } else if (c == '"') {
        double_quote(w, scratch);
      } else if (c == '$') {
        dollar(w, scratch, in_double_quotes);
      } else if (c == '`') {
        backtick(w, scratch, in_double_quotes);
      } else {
        ++m_pos;
      }
    }
    m_complete = false;
  }

  // After `$(` or `<(`: the commands up to the matching `)`.
  void command_substitution(Word& w) {
    const Scope scope(*this, true, true);
    if (!scope.ok())
      return;
    for (;;) {
      parse_list(w.nested);
      const Token& t = peek();
      if (t.kind == TokenKind::op && t.op == Op::rparen) {
        skip();
        return;
      }
      if (t.kind == TokenKind::end) {
        if (!m_shared.stopped)
          m_complete = false;
        m_has_look = false;
        return;
      }
      m_complete = false;
      skip();
    }
  }

  // `...`: the text up to the closing backtick, unescaped, is a script of its own.
  void backtick(Word& w, std::string& text, bool in_double_quotes) {
    const auto from = text.size();
    if (skip_opaque(text)) {
      note_expansion(w, text, from);
      return;
    }
    const auto start = m_pos++;
    std::string inner;
    bool closed = false;
    while (m_pos < m_src.size()) {
      const char c = m_src[m_pos];
      if (c == '\\' && m_pos + 1 < m_src.size()) {
        const char n = m_src[m_pos + 1];
        if (n != '`' && n != '\\' && n != '$' && !(in_double_quotes && n == '"'))
          inner += c;
        inner += n;
        m_pos += 2;
        continue;
      }
      ++m_pos;
      if (c == '`') {
        closed = true;
        break;
      }
      inner += c;
    }
    if (!closed)
      m_complete = false;
    text += m_src.substr(start, m_pos - start);
    note_expansion(w, text, from);

    const Scope scope(*this, true, true);
    if (!scope.ok() || !m_shared.charge(inner.size()))
      return;
    Reader sub(inner, line_of(start), m_depth, true, m_shared);
    sub.read_all(w.nested);
    if (!sub.complete())
      m_complete = false;
  }

  // ---- parser ----------------------------------------------------------

  static bool is_op(const Token& t, Op op) { return t.kind == TokenKind::op && t.op == op; }

  // Only unquoted words have a keyword.
  static bool is_reserved(const Token& t, Keyword word) {
    return t.kind == TokenKind::word && t.keyword == word;
  }

  // Tokens that end a list: closers of the enclosing construct.
  static bool ends_list(const Token& t) {
    switch (t.kind) {
    case TokenKind::end:
      return true;
    case TokenKind::op:
      return t.op == Op::rparen || t.op == Op::dsemi || t.op == Op::semi_amp ||
             t.op == Op::dsemi_amp;
    case TokenKind::word:
      switch (t.keyword) {
      case Keyword::then_:
      case Keyword::elif_:
      case Keyword::else_:
      case Keyword::fi_:
      case Keyword::do_:
      case Keyword::done_:
      case Keyword::esac_:
      case Keyword::rbrace:
        return true;
      default:
        return false;
      }
    default:
      return false;
    }
  }

  void skip_newlines() {
    while (peek().kind == TokenKind::newline)
      skip();
  }

  bool expect_op(Op op) {
    if (is_op(peek(), op)) {
      skip();
      return true;
    }
    m_complete = false;
    return false;
  }

  bool expect_word(Keyword word) {
    if (is_reserved(peek(), word)) {
      skip();
      return true;
    }
    m_complete = false;
    return false;
  }

  // Returns the last simple command of the list when no separator follows it.
  std::optional<std::size_t> parse_list(std::vector<Command>& out) {
    std::optional<std::size_t> dangling;
    for (;;) {
      skip_newlines();
      if (m_shared.stopped || ends_list(peek()))
        break;
      const auto r = parse_and_or(out);
      if (!r.consumed)
        break;
      dangling = r.last;
      const Token& sep = peek();
      if (sep.kind == TokenKind::newline || is_op(sep, Op::semi) || is_op(sep, Op::amp)) {
        if (r.last)
          out[*r.last].next_op =
              sep.kind == TokenKind::newline ? std::string_view("\n") : sep.op_text;
        dangling.reset();
        skip();
        continue;
      }
      break;
    }
    return dangling;
  }

  Parsed parse_and_or(std::vector<Command>& out) {
    auto p = parse_pipeline(out);
    if (!p.consumed)
      return p;
    for (;;) {
      const Token& t = peek();
      if (!is_op(t, Op::and_if) && !is_op(t, Op::or_if))
        break;
      if (p.last)
        out[*p.last].next_op = t.op_text;
      skip();
      skip_newlines();
      const auto q = parse_pipeline(out);
      if (!q.consumed) {
        m_complete = false;
        p.last.reset();
        break;
      }
      p = q;
    }
    return p;
  }

  Parsed parse_pipeline(std::vector<Command>& out) {
    const int index = m_shared.pipelines++;
    bool negated = false;
    if (is_reserved(peek(), Keyword::bang)) {
      skip();
      negated = true;
    }
    // this pipeline's members sit on top of m_members; inner pipelines pop theirs
    const std::size_t base = m_members.size();
    for (;;) {
      const auto c = parse_command(out);
      if (!c.consumed) {
        if (m_members.size() > base || negated)
          m_complete = false;
        break;
      }
      m_members.push_back(c.last);
      const Token& t = peek();
      if (is_op(t, Op::pipe) || is_op(t, Op::pipe_amp)) {
        if (c.last)
          out[*c.last].next_op = t.op_text;
        skip();
        skip_newlines();
        continue;
      }
      break;
    }
    const auto count = m_members.size() - base;
    const auto length = static_cast<int>(count);
    for (std::size_t k = 0; k < count; ++k) {
      if (const auto idx = m_members[base + k]) {
        out[*idx].pipeline = index;
        out[*idx].pipe_position = static_cast<int>(k);
        out[*idx].pipe_length = length;
      }
    }
    Parsed r;
    r.consumed = count > 0 || negated;
    if (count > 0)
      r.last = m_members.back();
    m_members.resize(base);
    return r;
  }

  Parsed parse_command(std::vector<Command>& out) {
    const Token& t = peek();
    if (t.kind == TokenKind::op) {
      if (t.op == Op::lparen)
        return parse_subshell(out);
      if (t.op == Op::dlparen) {
        skip();
        skip_arithmetic();
        parse_trailing_redirects(out);
        return {true, std::nullopt};
      }
      if (is_redirect(t.op))
        return parse_simple(out);
      return {};
    }
    if (t.kind != TokenKind::word)
      return {};
    switch (t.keyword) {
    case Keyword::lbrace:
      return parse_group(out);
    case Keyword::if_:
      return parse_if(out);
    case Keyword::for_:
    case Keyword::select_:
      return parse_for(out);
    case Keyword::while_:
    case Keyword::until_:
      return parse_while(out);
    case Keyword::case_:
      return parse_case(out);
    case Keyword::function_:
      return parse_function(out);
    default:
      if (ends_list(t))
        return {};
      return parse_simple(out);
    }
  }

  // Redirections after a compound command (`done < file`, `} > log`): they
  // belong to no simple command, but their targets may hold substitutions.
  void parse_trailing_redirects(std::vector<Command>& out) {
    while (peek().kind == TokenKind::op && is_redirect(peek().op)) {
      skip();
      if (peek().kind == TokenKind::word)
        append(out, std::move(take().word.nested));
      else
        m_complete = false;
    }
  }

  Parsed parse_subshell(std::vector<Command>& out) {
    skip();
    {
      const Scope scope(*this, true, false);
      if (!scope.ok())
        return {true, std::nullopt};
      parse_list(out);
      expect_op(Op::rparen);
    }
    parse_trailing_redirects(out);
    return {true, std::nullopt};
  }

  Parsed parse_group(std::vector<Command>& out) {
    skip();
    {
      const Scope scope(*this, true, false);
      if (!scope.ok())
        return {true, std::nullopt};
      parse_list(out);
      expect_word(Keyword::rbrace);
    }
    parse_trailing_redirects(out);
    return {true, std::nullopt};
  }

  Parsed parse_if(std::vector<Command>& out) {
    skip();
    const Scope scope(*this, false, false);
    if (!scope.ok())
      return {true, std::nullopt};
    for (;;) {
      parse_list(out);
      if (!expect_word(Keyword::then_))
        return {true, std::nullopt};
      parse_list(out);
      if (is_reserved(peek(), Keyword::elif_)) {
        skip();
        continue;
      }
      if (is_reserved(peek(), Keyword::else_)) {
        skip();
        parse_list(out);
      }
      if (!expect_word(Keyword::fi_))
        return {true, std::nullopt};
      break;
    }
    parse_trailing_redirects(out);
    return {true, std::nullopt};
  }

  // `do LIST done`, or bash's `{ LIST; }` body.
  void parse_loop_body(std::vector<Command>& out) {
    if (is_reserved(peek(), Keyword::lbrace)) {
      parse_group(out);
      return;
    }
    if (!expect_word(Keyword::do_))
      return;
    parse_list(out);
    if (expect_word(Keyword::done_))
      parse_trailing_redirects(out);
  }

  Parsed parse_for(std::vector<Command>& out) {
    skip();
    const Scope scope(*this, false, false);
    if (!scope.ok())
      return {true, std::nullopt};
    if (is_op(peek(), Op::dlparen)) {
      skip();
      skip_arithmetic();
    } else if (peek().kind == TokenKind::word) {
      skip();
    } else {
      m_complete = false;
      return {true, std::nullopt};
    }
    skip_newlines();
    if (is_reserved(peek(), Keyword::in_)) {
      skip();
      while (peek().kind == TokenKind::word)
        append(out, std::move(take().word.nested));
    }
    if (is_op(peek(), Op::semi))
      skip();
    skip_newlines();
    parse_loop_body(out);
    return {true, std::nullopt};
  }

  Parsed parse_while(std::vector<Command>& out) {
    skip();
    const Scope scope(*this, false, false);
    if (!scope.ok())
      return {true, std::nullopt};
    parse_list(out);
    parse_loop_body(out);
    return {true, std::nullopt};
  }

  Parsed parse_case(std::vector<Command>& out) {
    skip();
    const Scope scope(*this, false, false);
    if (!scope.ok())
      return {true, std::nullopt};
    if (peek().kind == TokenKind::word)
      append(out, std::move(take().word.nested));
    else
      m_complete = false;
    skip_newlines();
    if (!expect_word(Keyword::in_))
      return {true, std::nullopt};
    for (;;) {
      skip_newlines();
      if (m_shared.stopped)
        break;
      if (is_reserved(peek(), Keyword::esac_)) {
        skip();
        parse_trailing_redirects(out);
        break;
      }
      if (is_op(peek(), Op::lparen))
        skip();
      bool any_pattern = false;
      while (peek().kind == TokenKind::word) {
        append(out, std::move(take().word.nested));
        any_pattern = true;
        if (!is_op(peek(), Op::pipe))
          break;
        skip();
      }
      if (!any_pattern || !expect_op(Op::rparen)) {
        m_complete = false;
        break;
      }
      const auto dangling = parse_list(out);
      const Token& end = peek();
      if (is_op(end, Op::dsemi) || is_op(end, Op::semi_amp) || is_op(end, Op::dsemi_amp)) {
        if (dangling)
          out[*dangling].next_op = end.op_text;
        skip();
        continue;
      }
      if (is_reserved(end, Keyword::esac_))
        continue;
      m_complete = false;
      break;
    }
    return {true, std::nullopt};
  }

  // `function NAME [()] BODY`
  Parsed parse_function(std::vector<Command>& out) {
    skip();
    if (peek().kind == TokenKind::word)
      skip();
    else
      m_complete = false;
    if (is_op(peek(), Op::lparen)) {
      skip();
      expect_op(Op::rparen);
    }
    return parse_function_body(out);
  }

  Parsed parse_function_body(std::vector<Command>& out) {
    skip_newlines();
    const Scope scope(*this, false, false);
    if (!scope.ok())
      return {true, std::nullopt};
    if (!parse_command(out).consumed)
      m_complete = false;
    return {true, std::nullopt};
  }

  Parsed parse_simple(std::vector<Command>& out) {
    Command cmd;
    cmd.line = line_of(peek().begin);
    cmd.depth = m_depth;
    cmd.in_substitution = m_in_substitution;
    std::vector<Command> nested;
    // the argv words sit on top of m_args (they are kept for sh -c); the
    // simple commands read inside them push and pop theirs above
    if (m_args.capacity() == 0)
      m_args.reserve(k_args_reserve);
    const std::size_t base = m_args.size();
    bool in_test = false; // inside [[ ... ]], where && < > are operands
    for (;;) {
      const Token& t = peek();
      if (t.kind == TokenKind::word) {
        Token& tok = take();
        Word& w = tok.word;
        const bool no_argv = m_args.size() == base;
        if (no_argv && is_assignment(w)) {
          cmd.assignments.push_back(std::move(w.text));
        } else {
          if (tok.keyword == Keyword::test_open && no_argv)
            in_test = true;
          else if (tok.keyword == Keyword::test_close)
            in_test = false;
          m_args.push_back({std::move(w.text), w.begin, std::move(w.expanded)});
        }
        append(nested, std::move(w.nested));
        if (m_args.size() == base + 1 && cmd.assignments.empty() && cmd.redirects.empty() &&
            !in_test && is_op(peek(), Op::lparen)) {
          // NAME() BODY defines a function; NAME is not run
          m_args.resize(base);
          skip();
          expect_op(Op::rparen);
          append(out, std::move(nested));
          return parse_function_body(out);
        }
        continue;
      }
      if (in_test && t.kind == TokenKind::op) {
        const Token& tok = take();
        m_args.push_back({std::string(tok.op_text), tok.begin, {}});
        continue;
      }
      if (in_test && t.kind == TokenKind::newline) {
        skip();
        continue;
      }
      if (t.kind == TokenKind::op && is_redirect(t.op)) {
        cmd.redirects.emplace_back(take().op_text);
        if (peek().kind == TokenKind::word) {
          Token& target = take();
          cmd.redirects.push_back(std::move(target.word.text));
          append(nested, std::move(target.word.nested));
        } else {
          m_complete = false;
        }
        continue;
      }
      break;
    }
    if (in_test)
      m_complete = false;
    const std::size_t count = m_args.size() - base;
    if (count == 0 && cmd.assignments.empty() && cmd.redirects.empty())
      return {};
    cmd.argv.reserve(count);
    for (std::size_t k = base; k < m_args.size(); ++k) {
      cmd.argv.push_back(std::move(m_args[k].text));
    }
    const auto index = out.size();
    out.push_back(std::move(cmd));
    append(out, std::move(nested));
    read_command_string(out, index, base);
    m_args.resize(base);
    return {true, index};
  }

  // ---- sh -c STRING ------------------------------------------------------

  // Index of the first argv word after wrappers such as sudo, env or gosu.
  static std::size_t skip_wrappers(const std::vector<std::string>& argv) {
    std::size_t i = 0;
    const auto n = argv.size();
    auto skip_options = [&](std::initializer_list<std::string_view> with_argument) {
      while (i < n && argv[i].size() > 1 && argv[i][0] == '-') {
        if (argv[i] == "--") {
          ++i;
          return;
        }
        const bool takes = std::find(with_argument.begin(), with_argument.end(),
                                     std::string_view(argv[i])) != with_argument.end();
        i += takes ? 2 : 1;
      }
    };
    for (int guard = 0; i < n && guard < 16; ++guard) {
      const auto prog = basename(argv[i]);
      if (prog == "sudo") {
        ++i;
        skip_options({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"});
      } else if (prog == "doas") {
        ++i;
        skip_options({"-u", "-C"});
      } else if (prog == "env") {
        ++i;
        for (;;) {
          skip_options({"-u", "-C", "-S", "--unset", "--chdir", "--split-string"});
          if (i < n && argv[i].find('=') != std::string::npos && is_name_start(argv[i][0]))
            ++i;
          else
            break;
        }
      } else if (prog == "exec") {
        ++i;
        skip_options({"-a"});
      } else if (prog == "nice") {
        ++i;
        skip_options({"-n", "--adjustment"});
      } else if (prog == "nohup" || prog == "time" || prog == "command" || prog == "busybox") {
        ++i;
        skip_options({});
      } else if (prog == "gosu" || prog == "su-exec") {
        i += 2; // USER COMMAND...
      } else {
        break;
      }
    }
    return i;
  }

  // The command string of `sh -c STRING` / `su -c STRING`, as an argv index.
  // FIRST is skip_wrappers(argv), below argv.size().
  static std::optional<std::size_t> command_string(const std::vector<std::string>& argv,
                                                   std::size_t first) {
    const auto n = argv.size();
    const auto prog = basename(argv[first]);
    if (prog == "su") {
      for (std::size_t j = first + 1; j < n; ++j) {
        const std::string_view a = argv[j];
        if (a == "-c" || a == "--command")
          return j + 1 < n ? std::optional(j + 1) : std::nullopt;
        if (a == "-s" || a == "-g" || a == "-G" || a == "-w" || a == "--shell")
          ++j;
      }
      return std::nullopt;
    }
    if (std::find(k_shells.begin(), k_shells.end(), prog) == k_shells.end())
      return std::nullopt;
    bool dash_c = false;
    for (std::size_t j = first + 1; j < n; ++j) {
      const std::string_view a = argv[j];
      if (a == "--" || a == "-")
        return dash_c && j + 1 < n ? std::optional(j + 1) : std::nullopt;
      if (a.size() > 1 && (a[0] == '-' || a[0] == '+')) {
        if (starts_with(a, "--")) {
          if (a == "--rcfile" || a == "--init-file")
            ++j;
          continue;
        }
        bool takes_argument = false;
        for (const char ch : a.substr(1)) {
          if (ch == 'c' && a[0] == '-')
            dash_c = true;
          if (ch == 'o' || ch == 'O')
            takes_argument = true;
        }
        if (takes_argument)
          ++j;
        continue;
      }
      return dash_c ? std::optional(j) : std::nullopt;
    }
    return std::nullopt;
  }

  // ARGS_BASE: where the command's words start in m_args.
  void read_command_string(std::vector<Command>& out, std::size_t index, std::size_t args_base) {
    std::string script;
    std::size_t begin = 0;
    std::vector<Range> opaque;
    {
      const auto& argv = out[index].argv;
      const auto first = skip_wrappers(argv);
      if (first >= argv.size())
        return;
      std::optional<std::size_t> which = command_string(argv, first);
      if (!which) {
        // su --command=STRING
        if (basename(argv[first]) == "su") {
          for (std::size_t j = 0; j < argv.size(); ++j)
            if (starts_with(argv[j], "--command=")) {
              constexpr std::size_t k_prefix = 10;
              script = argv[j].substr(k_prefix);
              const Arg& arg = m_args[args_base + j];
              begin = arg.begin;
              for (const auto& [from, to] : arg.expanded)
                if (from >= k_prefix)
                  opaque.emplace_back(from - k_prefix, to - k_prefix);
              which = j;
              break;
            }
        }
        if (!which)
          return;
      } else {
        const Arg& arg = m_args[args_base + *which];
        script = argv[*which];
        begin = arg.begin;
        opaque = arg.expanded;
      }
    }
    const Scope scope(*this, true, false);
    if (!scope.ok() || !m_shared.charge(script.size()))
      return;
    // the string is data to this script: its own imbalance does not make this one incomplete
    std::sort(opaque.begin(), opaque.end());
    Reader sub(script, line_of(begin), m_depth, m_in_substitution, m_shared, std::move(opaque));
    // the inner reader appends after everything read so far, as a copy would
    sub.read_all(out);
  }

  std::string_view m_src;
  std::size_t m_pos = 0;
  int m_base_line = 0;
  int m_depth = 0;
  bool m_in_substitution = false;
  Shared& m_shared;
  std::vector<Range> m_opaque;
  std::string* m_word_text = nullptr; // the text of the word being lexed
  std::size_t m_line_offset = 0;      // line_of: the offset last asked about
  std::size_t m_line_count = 0;       // and the newlines before it
  bool m_complete = true;

  Token m_look;
  bool m_has_look = false;

  std::vector<Heredoc> m_heredocs;
  bool m_expect_delimiter = false;
  bool m_strip_tabs = false;

  // Stacks of scratch space (see parse_simple and parse_pipeline).
  std::vector<Arg> m_args;
  std::vector<std::optional<std::size_t>> m_members;
};

} // namespace

Script read(std::string_view script) {
  Shared shared;
  shared.budget = k_reread_factor * script.size() + k_reread_allowance;
  Reader reader(script, 0, 0, false, shared);
  Script out;
  out.commands.reserve(k_commands_reserve);
  reader.read_all(out.commands);
  out.complete = reader.complete();
  return out;
}

} // namespace moat::dockerfile::shell
