// The Dockerfile parser. It reproduces BuildKit's frontend/dockerfile/parser
// (Parse, the line parsers, splitCommand, the heredoc detection and the
// pieces of Go's standard library they rely on) closely enough that dump()
// matches BuildKit's Node.Dump() byte for byte, quirks included. Where a
// quirk is reproduced on purpose, a comment says so.

#include <moat/dockerfile/ast.hpp>
#include <moat/dockerfile/parser_detail.hpp>
#include <moat/util/strings.hpp>
#include <moat/util/unicode.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace moat::dockerfile {

namespace detail {

namespace {

constexpr Rune k_rune_error = 0xFFFD;
constexpr Rune k_max_rune = 0x10FFFF;

bool in_range(Rune r, Rune lo, Rune hi) {
  return r >= lo && r <= hi;
}

unsigned char byte_at(std::string_view s, std::size_t i) {
  return static_cast<unsigned char>(s[i]);
}

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

// Go's unicode.IsLetter, exact for ASCII and Latin-1; other non-ASCII code
// points count as letters unless they are spaces, punctuation-like symbols of
// the general punctuation block, or U+FFFD.
bool is_letter(Rune r) {
  if (r < 0x80)
    return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r < 0x100)
    return r == 0xAA || r == 0xB5 || r == 0xBA || (r >= 0xC0 && r != 0xD7 && r != 0xF7);
  if (is_go_space(r) || r == k_rune_error || in_range(r, 0x2000, 0x206F))
    return false;
  return true;
}

bool is_digit(Rune r) {
  return r >= '0' && r <= '9';
}

// Go's strconv.IsPrint: exact for ASCII and Latin-1, and for the control,
// format, space, surrogate, private-use and non-character ranges elsewhere.
// Unassigned code points are treated as printable.
bool is_go_print(Rune r) {
  if (r < 0x20 || r == 0x7F)
    return false;
  if (r < 0x7F)
    return true;
  if (r <= 0xA0 || r == 0xAD)
    return false;
  if (r > k_max_rune || is_go_space(r))
    return false;
  static constexpr std::array<std::pair<Rune, Rune>, 24> k_not_print = {{
      {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},
      {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x180E, 0x180E},   {0x200B, 0x200F},
      {0x202A, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},   {0xD800, 0xF8FF},
      {0xFDD0, 0xFDEF},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD},
      {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
      {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0xFFFFD}, {0x100000, 0x10FFFD},
  }};
  if ((r & 0xFFFE) == 0xFFFE)
    return false;
  for (const auto& [lo, hi] : k_not_print)
    if (in_range(r, lo, hi))
      return false;
  return true;
}

// unicode.ToLower for the scripts keywords could plausibly be written in.
Rune to_lower_rune(Rune r) {
  if (r >= 'A' && r <= 'Z')
    return r + 0x20;
  if (r < 0x80)
    return r;
  if (in_range(r, 0xC0, 0xDE) && r != 0xD7)
    return r + 0x20;
  if (r == 0x130)
    return 'i';
  if (r == 0x178)
    return 0xFF;
  if ((in_range(r, 0x100, 0x137) || in_range(r, 0x14A, 0x177)) && r % 2 == 0)
    return r + 1;
  if ((in_range(r, 0x139, 0x148) || in_range(r, 0x179, 0x17E)) && r % 2 == 1)
    return r + 1;
  if (in_range(r, 0x391, 0x3A9) && r != 0x3A2)
    return r + 0x20;
  if (in_range(r, 0x400, 0x40F))
    return r + 0x50;
  if (in_range(r, 0x410, 0x42F))
    return r + 0x20;
  if (r == 0x212A)
    return 'k';
  if (r == 0x212B)
    return 0xE5;
  return r;
}

void append_hex(std::string& out, std::string_view prefix, Rune value, int digits) {
  out += prefix;
  static constexpr std::string_view k_hex = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out += k_hex[(value >> static_cast<unsigned>(shift)) & 0xFU];
}

bool is_ascii_ws(char c) {
  return c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == ' ';
}

// Go's regexp `[\t\v\f\r ]+` Split(s, limit) (limit < 0: no limit).
std::vector<std::string_view> split_ascii_ws(std::string_view s, int limit) {
  std::vector<std::string_view> out;
  if (s.empty()) {
    out.emplace_back();
    return out;
  }
  std::size_t begin = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (limit > 0 && out.size() + 1 == static_cast<std::size_t>(limit))
      break;
    if (!is_ascii_ws(s[i])) {
      ++i;
      continue;
    }
    std::size_t run_end = i;
    while (run_end < s.size() && is_ascii_ws(s[run_end]))
      ++run_end;
    out.push_back(s.substr(begin, i - begin));
    begin = run_end;
    i = run_end;
  }
  out.push_back(s.substr(begin));
  return out;
}

// Go's unicode.IsSpace applied to one byte, as BuildKit does in its byte-wise
// loops: 0x85 and 0xA0 count as spaces even inside a UTF-8 sequence.
bool is_space_byte(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r' || b == ' ' || b == 0x85 ||
         b == 0xA0;
}

// Go's `string(rune(b))` on a byte: bytes past ASCII become the Latin-1 code point.
void append_byte_as_rune(std::string& out, char c) {
  append_rune(out, static_cast<unsigned char>(c));
}

// ---------------------------------------------------------------------------
// JSON, as encoding/json accepts it.

constexpr std::size_t k_json_max_depth = 10000;

bool is_json_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The four hex digits of a \u escape starting at I ("\uXXXX"), or nullopt.
std::optional<Rune> read_u4(std::string_view s, std::size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u')
    return std::nullopt;
  Rune value = 0;
  for (std::size_t k = i + 2; k < i + 6; ++k) {
    const int h = util::hex_digit_value(s[k]);
    if (h < 0)
      return std::nullopt;
    value = value * 16 + static_cast<Rune>(h);
  }
  return value;
}

class JsonReader {
public:
  explicit JsonReader(std::string_view s) : m_s(s) {}

  JsonArrayResult read() {
    JsonArrayResult result;
    if (!read_all(result.items))
      return {JsonArray::invalid, {}};
    // encoding/json reports a number too large for float64 as a type error,
    // which BuildKit treats like any other JSON failure: shell form.
    if (m_overflow)
      return {JsonArray::invalid, {}};
    if (m_non_string)
      return {JsonArray::not_strings, {}};
    result.kind = JsonArray::strings;
    return result;
  }

private:
  enum class Expect { value, key, after_value };

  void skip_ws() {
    while (m_i < m_s.size() && is_json_ws(m_s[m_i]))
      ++m_i;
  }

  bool read_all(std::vector<std::string>& items) {
    Expect expect = Expect::value;
    for (;;) {
      skip_ws();
      if (expect == Expect::after_value) {
        if (m_stack.empty())
          return m_i == m_s.size();
        if (m_i >= m_s.size())
          return false;
        const char c = m_s[m_i];
        const char open = m_stack.back();
        if (c == ',') {
          ++m_i;
          expect = open == '[' ? Expect::value : Expect::key;
        } else if ((open == '[' && c == ']') || (open == '{' && c == '}')) {
          ++m_i;
          m_stack.pop_back();
        } else {
          return false;
        }
        continue;
      }
      if (expect == Expect::key) {
        if (m_i >= m_s.size() || m_s[m_i] != '"' || !read_string(nullptr))
          return false;
        skip_ws();
        if (m_i >= m_s.size() || m_s[m_i] != ':')
          return false;
        ++m_i;
        expect = Expect::value;
        continue;
      }
      if (m_i >= m_s.size())
        return false;
      const bool element = m_stack.size() == 1 && m_stack.front() == '[';
      const char c = m_s[m_i];
      if (c == '[' || c == '{') {
        if (element)
          m_non_string = true;
        m_stack.push_back(c);
        if (m_stack.size() > k_json_max_depth)
          return false;
        ++m_i;
        skip_ws();
        const char close = c == '[' ? ']' : '}';
        if (m_i < m_s.size() && m_s[m_i] == close) {
          ++m_i;
          m_stack.pop_back();
          expect = Expect::after_value;
        } else {
          expect = c == '[' ? Expect::value : Expect::key;
        }
        continue;
      }
      if (c == '"') {
        std::string text;
        if (!read_string(element ? &text : nullptr))
          return false;
        if (element)
          items.push_back(std::move(text));
      } else if (c == '-' || is_ascii_digit(c)) {
        if (!read_number())
          return false;
        if (element)
          m_non_string = true;
      } else if (!read_literal()) {
        return false;
      } else if (element) {
        m_non_string = true;
      }
      expect = Expect::after_value;
    }
  }

  bool read_literal() {
    for (std::string_view word :
         {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
      if (m_s.substr(m_i, word.size()) == word) {
        m_i += word.size();
        return true;
      }
    }
    return false;
  }

  bool read_digits() {
    const std::size_t start = m_i;
    while (m_i < m_s.size() && is_ascii_digit(m_s[m_i]))
      ++m_i;
    return m_i > start;
  }

  bool read_number() {
    const std::size_t start = m_i;
    if (m_s[m_i] == '-')
      ++m_i;
    if (m_i >= m_s.size())
      return false;
    if (m_s[m_i] == '0')
      ++m_i;
    else if (!read_digits())
      return false;
    if (m_i < m_s.size() && m_s[m_i] == '.') {
      ++m_i;
      if (!read_digits())
        return false;
    }
    if (m_i < m_s.size() && (m_s[m_i] == 'e' || m_s[m_i] == 'E')) {
      ++m_i;
      if (m_i < m_s.size() && (m_s[m_i] == '+' || m_s[m_i] == '-'))
        ++m_i;
      if (!read_digits())
        return false;
    }
    if (overflows_float64(m_s.substr(start, m_i - start)))
      m_overflow = true;
    return true;
  }

  // strconv.ParseFloat fails only on overflow; underflow quietly gives 0.
  static bool overflows_float64(std::string_view number) {
    std::size_t i = number.front() == '-' ? 1 : 0;
    long long magnitude = 0; // decimal exponent of the leading significant digit
    bool seen_digit = false;
    long long int_digits = 0;
    long long leading_frac_zeros = 0;
    bool in_fraction = false;
    for (; i < number.size() && number[i] != 'e' && number[i] != 'E'; ++i) {
      const char c = number[i];
      if (c == '.') {
        in_fraction = true;
        continue;
      }
      if (!seen_digit && c == '0') {
        if (in_fraction)
          ++leading_frac_zeros;
        continue;
      }
      seen_digit = true;
      if (!in_fraction && int_digits < 1'000'000)
        ++int_digits;
    }
    if (!seen_digit)
      return false;
    magnitude = int_digits > 0 ? int_digits - 1 : -(leading_frac_zeros + 1);
    long long exponent = 0;
    if (i < number.size()) {
      ++i;
      bool negative = false;
      if (number[i] == '+' || number[i] == '-') {
        negative = number[i] == '-';
        ++i;
      }
      for (; i < number.size(); ++i) {
        if (exponent < 1'000'000'000)
          exponent = exponent * 10 + (number[i] - '0');
      }
      if (negative)
        exponent = -exponent;
    }
    magnitude += exponent;
    if (magnitude > 400)
      return true;
    if (magnitude < 300)
      return false;
    double value = 0;
    const std::from_chars_result parsed =
        std::from_chars(number.data(), number.data() + number.size(), value);
    return parsed.ec == std::errc::result_out_of_range || std::isinf(value);
  }

  // Reads the string at m_i (a quote); decodes it into OUT when given.
  bool read_string(std::string* out) {
    ++m_i;
    for (;;) {
      if (m_i >= m_s.size())
        return false;
      const char c = m_s[m_i];
      const auto b = static_cast<unsigned char>(c);
      if (c == '"') {
        ++m_i;
        return true;
      }
      if (b < 0x20)
        return false;
      if (c != '\\') {
        if (out == nullptr || b < 0x80) {
          if (out != nullptr)
            *out += c;
          ++m_i;
          continue;
        }
        const DecodedRune d = decode_rune(m_s, m_i);
        if (d.rune == k_rune_error && d.width == 1)
          append_rune(*out, k_rune_error);
        else
          out->append(m_s.substr(m_i, d.width));
        m_i += d.width;
        continue;
      }
      if (m_i + 1 >= m_s.size())
        return false;
      const char e = m_s[m_i + 1];
      char simple = 0;
      switch (e) {
      case '"':
      case '\\':
      case '/':
        simple = e;
        break;
      case 'b':
        simple = '\b';
        break;
      case 'f':
        simple = '\f';
        break;
      case 'n':
        simple = '\n';
        break;
      case 'r':
        simple = '\r';
        break;
      case 't':
        simple = '\t';
        break;
      case 'u':
        break;
      default:
        return false;
      }
      if (e != 'u') {
        if (out != nullptr)
          *out += simple;
        m_i += 2;
        continue;
      }
      const std::optional<Rune> first = read_u4(m_s, m_i);
      if (!first)
        return false;
      m_i += 6;
      if (out == nullptr)
        continue;
      Rune r = *first;
      if (in_range(r, 0xD800, 0xDFFF)) {
        const std::optional<Rune> second = read_u4(m_s, m_i);
        if (in_range(r, 0xD800, 0xDBFF) && second && in_range(*second, 0xDC00, 0xDFFF)) {
          r = 0x10000 + ((r - 0xD800) << 10) + (*second - 0xDC00);
          m_i += 6;
        } else {
          r = k_rune_error;
        }
      }
      append_rune(*out, r);
    }
  }

  std::string_view m_s;
  std::size_t m_i = 0;
  std::vector<char> m_stack;
  bool m_non_string = false;
  bool m_overflow = false;
};

// ---------------------------------------------------------------------------
// shell.Lex with an empty environment and SkipUnsetEnv: variables come back
// as written, so only word splitting, quotes and escapes have an effect.

constexpr Rune k_eof = 0xFFFFFFFFU;

// Nesting of ${...} and quotes inside them; deeper input is reported as a
// lexing error instead of exhausting the stack.
constexpr int k_max_lex_depth = 256;

class ShellLexer {
public:
  ShellLexer(std::string_view src, LexOptions options)
      : m_src(src), m_raw_quotes(options.raw_quotes), m_raw_escapes(options.raw_escapes) {
    // text/scanner skips a byte order mark at the very start.
    if (m_src.substr(0, 3) == "\xEF\xBB\xBF")
      m_pos = 3;
  }

  std::expected<std::vector<std::string>, std::string> words() {
    auto result = process_stop_on(k_eof, m_raw_escapes);
    if (!result)
      return std::unexpected(
          fmt::format("failed to process {}: {}", go_quote(m_src), result.error()));
    return std::move(result->second);
  }

private:
  using Processed = std::expected<std::pair<std::string, std::vector<std::string>>, std::string>;

  // wordsStruct of lex.go.
  struct Words {
    std::string buf;
    std::vector<std::string> words;
    bool in_word = false;

    void add_char(Rune r) {
      if (is_go_space(r) && in_word) {
        if (!buf.empty()) {
          words.push_back(std::move(buf));
          buf.clear();
          in_word = false;
        }
      } else if (!is_go_space(r)) {
        add_raw_char(r);
      }
    }
    void add_raw_char(Rune r) {
      append_rune(buf, r);
      in_word = true;
    }
    void add_string(std::string_view s) {
      for (std::size_t i = 0; i < s.size();) {
        const DecodedRune d = decode_rune(s, i);
        add_char(d.rune);
        i += d.width;
      }
    }
    void add_raw_string(std::string_view s) {
      buf += s;
      in_word = true;
    }
    std::vector<std::string> take() {
      if (!buf.empty()) {
        words.push_back(std::move(buf));
        buf.clear();
        in_word = false;
      }
      return std::move(words);
    }
  };

  Rune peek() const { return m_pos < m_src.size() ? decode_rune(m_src, m_pos).rune : k_eof; }

  Rune next() {
    if (m_pos >= m_src.size())
      return k_eof;
    const DecodedRune d = decode_rune(m_src, m_pos);
    m_pos += d.width;
    return d.rune;
  }

  // Go's string(rune): EOF (-1) prints as U+FFFD.
  static std::string rune_text(Rune r) {
    std::string out;
    append_rune(out, r == k_eof ? k_rune_error : r);
    return out;
  }

  Processed process_stop_on(Rune stop, bool raw_escapes) {
    if (++m_depth > k_max_lex_depth)
      return std::unexpected(std::string("nesting too deep"));
    const bool saved = m_raw_escapes;
    m_raw_escapes = raw_escapes;
    Processed out = stop_on_body(stop);
    m_raw_escapes = saved;
    --m_depth;
    return out;
  }

  Processed stop_on_body(Rune stop) {
    std::string result;
    Words words;
    while (peek() != k_eof) {
      Rune ch = peek();
      if (stop != k_eof && ch == stop) {
        next();
        return std::pair{std::move(result), words.take()};
      }
      if (ch == '$' || ch == '<' || ch == '\'' || ch == '"') {
        std::expected<std::string, std::string> piece;
        if (ch == '$')
          piece = process_dollar();
        else if (ch == '<')
          piece = process_possible_heredoc();
        else if (ch == '\'')
          piece = process_single_quote();
        else
          piece = process_double_quote();
        if (!piece)
          return std::unexpected(std::move(piece.error()));
        result += *piece;
        if (ch == '$')
          words.add_string(*piece);
        else
          words.add_raw_string(*piece);
        continue;
      }
      ch = next();
      if (ch == '\\') {
        if (m_raw_escapes) {
          words.add_raw_char(ch);
          append_rune(result, ch);
        }
        ch = next();
        if (ch == k_eof)
          break;
        words.add_raw_char(ch);
      } else {
        words.add_char(ch);
      }
      append_rune(result, ch);
    }
    if (stop != k_eof)
      return std::unexpected("unexpected end of statement while looking for matching " +
                             rune_text(stop));
    return std::pair{std::move(result), words.take()};
  }

  std::expected<std::string, std::string> process_single_quote() {
    std::string result;
    Rune ch = next();
    if (m_raw_quotes)
      append_rune(result, ch);
    for (;;) {
      ch = next();
      if (ch == k_eof)
        return std::unexpected(
            std::string("unexpected end of statement while looking for matching single-quote"));
      if (ch == '\'') {
        if (m_raw_quotes)
          append_rune(result, ch);
        return result;
      }
      append_rune(result, ch);
    }
  }

  std::expected<std::string, std::string> process_double_quote() {
    std::string result;
    Rune ch = next();
    if (m_raw_quotes)
      append_rune(result, ch);
    for (;;) {
      const Rune p = peek();
      if (p == k_eof)
        return std::unexpected(
            std::string("unexpected end of statement while looking for matching double-quote"));
      if (p == '"') {
        ch = next();
        if (m_raw_quotes)
          append_rune(result, ch);
        return result;
      }
      if (p == '$') {
        auto value = process_dollar();
        if (!value)
          return value;
        result += *value;
        continue;
      }
      ch = next();
      if (ch == '\\') {
        // With raw escapes the escape is written here and, when it escapes
        // nothing, once more below: BuildKit's lexer does the same.
        if (m_raw_escapes)
          append_rune(result, ch);
        const Rune after = peek();
        if (after == k_eof)
          continue;
        if (after == '"' || after == '$' || after == '\\')
          ch = next();
      }
      append_rune(result, ch);
    }
  }

  std::string process_possible_heredoc() {
    next();
    if (peek() != '<')
      return "<";
    next();
    std::string result = "<<";
    while (peek() == ' ' || peek() == '\t' || peek() == '\r')
      append_rune(result, next());
    return result;
  }

  std::string process_name() {
    std::string name;
    while (peek() != k_eof) {
      const Rune ch = peek();
      if (name.empty() && is_digit(ch)) {
        while (peek() != k_eof && is_digit(peek()))
          append_rune(name, next());
        return name;
      }
      if (name.empty() && (ch == '@' || ch == '*' || ch == '#' || ch == '?' || ch == '-' ||
                           ch == '$' || ch == '!' || ch == '0')) {
        next();
        return rune_text(ch);
      }
      if (!is_letter(ch) && !is_digit(ch) && ch != '_')
        break;
      append_rune(name, next());
    }
    return name;
  }

  std::expected<std::string, std::string> process_dollar() {
    next();
    if (peek() != '{') {
      std::string name = process_name();
      if (name.empty())
        return std::string("$");
      return "$" + name;
    }
    next();
    const Rune first = peek();
    if (first == k_eof)
      return std::unexpected(std::string("syntax error: missing '}'"));
    if (first == '{' || first == '}' || first == ':')
      return std::unexpected(std::string("syntax error: bad substitution"));
    const std::string name = process_name();
    Rune ch = next();
    std::string modifier = rune_text(ch);
    bool null_is_unset = false;
    if (ch == '}')
      return "${" + name + "}";
    if (ch == '/') {
      // "${a//x/y}" comes back as "${a/x/y}": BuildKit drops the second slash.
      if (peek() == '/')
        next();
      auto pattern = process_stop_on('/', true);
      if (!pattern) {
        if (peek() == k_eof)
          return std::unexpected(std::string("syntax error: missing '/' in ${}"));
        return std::unexpected(std::move(pattern.error()));
      }
      auto replacement = process_stop_on('}', true);
      if (!replacement) {
        if (peek() == k_eof)
          return std::unexpected(std::string("syntax error: missing '}'"));
        return std::unexpected(std::move(replacement.error()));
      }
      return "${" + name + "/" + pattern->first + "/" + replacement->first + "}";
    }
    if (ch == ':') {
      null_is_unset = true;
      ch = next();
      modifier += rune_text(ch);
    } else if (ch != '+' && ch != '-' && ch != '?' && ch != '#' && ch != '%') {
      return std::unexpected("unsupported modifier (" + modifier + ") in substitution");
    }
    const bool raw = ch == '#' || ch == '%';
    if (null_is_unset && raw)
      return std::unexpected("unsupported modifier (" + modifier + ") in substitution");
    auto word = process_stop_on('}', raw);
    if (!word) {
      if (peek() == k_eof)
        return std::unexpected(std::string("syntax error: missing '}'"));
      return std::unexpected(std::move(word.error()));
    }
    return "${" + name + modifier + word->first + "}";
  }

  std::string_view m_src;
  std::size_t m_pos = 0;
  bool m_raw_quotes = false;
  bool m_raw_escapes = false;
  int m_depth = 0;
};

std::size_t count_quotes(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s)
    if (c == '\'' || c == '"')
      ++n;
  return n;
}

} // namespace

// ---------------------------------------------------------------------------

DecodedRune decode_rune(std::string_view s, std::size_t pos) {
  const unsigned char b0 = byte_at(s, pos);
  if (b0 < 0x80)
    return {b0, 1};
  const auto cont = [&](std::size_t i, unsigned lo, unsigned hi) {
    return i < s.size() && byte_at(s, i) >= lo && byte_at(s, i) <= hi;
  };
  const auto low6 = [&](std::size_t i) { return static_cast<Rune>(byte_at(s, i) & 0x3FU); };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (cont(pos + 1, 0x80, 0xBF))
      return {(static_cast<Rune>(b0 & 0x1FU) << 6) | low6(pos + 1), 2};
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
    if (cont(pos + 1, lo, hi) && cont(pos + 2, 0x80, 0xBF))
      return {(static_cast<Rune>(b0 & 0x0FU) << 12) | (low6(pos + 1) << 6) | low6(pos + 2), 3};
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (cont(pos + 1, lo, hi) && cont(pos + 2, 0x80, 0xBF) && cont(pos + 3, 0x80, 0xBF))
      return {(static_cast<Rune>(b0 & 0x07U) << 18) | (low6(pos + 1) << 12) | (low6(pos + 2) << 6) |
                  low6(pos + 3),
              4};
  }
  return {k_rune_error, 1};
}

void append_rune(std::string& out, Rune r) {
  if (r > k_max_rune || in_range(r, 0xD800, 0xDFFF))
    r = k_rune_error;
  const auto put = [&](Rune v) { out += static_cast<char>(static_cast<unsigned char>(v)); };
  if (r < 0x80) {
    put(r);
  } else if (r < 0x800) {
    put(0xC0 | (r >> 6));
    put(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    put(0xE0 | (r >> 12));
    put(0x80 | ((r >> 6) & 0x3F));
    put(0x80 | (r & 0x3F));
  } else {
    put(0xF0 | (r >> 18));
    put(0x80 | ((r >> 12) & 0x3F));
    put(0x80 | ((r >> 6) & 0x3F));
    put(0x80 | (r & 0x3F));
  }
}

bool is_go_space(Rune r) {
  return util::is_unicode_space(static_cast<std::uint32_t>(r));
}

std::string_view trim_left_space(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // ASCII first: the only spaces below 0x80 are these six.
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c != ' ' && (c < '\t' || c > '\r'))
        break;
      ++i;
      continue;
    }
    const DecodedRune d = decode_rune(s, i);
    if (!is_go_space(d.rune))
      break;
    i += d.width;
  }
  return s.substr(i);
}

std::string_view trim_space(std::string_view s) {
  s = trim_left_space(s);
  // utf8.DecodeLastRuneInString, one rune at a time from the end.
  while (!s.empty()) {
    const std::size_t end = s.size();
    std::size_t start = end - 1;
    Rune r = byte_at(s, start);
    std::size_t width = 1;
    if (r >= 0x80) {
      const std::size_t limit = end >= 4 ? end - 4 : 0;
      while (start > limit && (byte_at(s, start) & 0xC0U) == 0x80U)
        --start;
      const DecodedRune d = decode_rune(s, start);
      if (start + d.width == end) {
        r = d.rune;
        width = d.width;
      } else {
        r = k_rune_error;
        width = 1;
      }
    }
    if (!is_go_space(r))
      break;
    s.remove_suffix(width);
  }
  return s;
}

std::string go_to_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const DecodedRune d = decode_rune(s, i);
    append_rune(out, to_lower_rune(d.rune));
    i += d.width;
  }
  return out;
}

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const DecodedRune d = decode_rune(s, i);
    const Rune r = d.rune;
    if (d.width == 1 && r == k_rune_error) {
      append_hex(out, "\\x", byte_at(s, i), 2);
      i += 1;
      continue;
    }
    i += d.width;
    if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (is_go_print(r)) {
      append_rune(out, r);
    } else {
      switch (r) {
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (r < ' ' || r == 0x7F)
          append_hex(out, "\\x", r, 2);
        else if (r < 0x10000)
          append_hex(out, "\\u", r, 4);
        else
          append_hex(out, "\\U", r, 8);
      }
    }
  }
  out += '"';
  return out;
}

JsonArrayResult parse_json_array(std::string_view text) {
  text = trim_left_space(text);
  if (text.empty() || text.front() != '[')
    return {};
  return JsonReader(text).read();
}

std::vector<std::string> parse_words(std::string_view rest, char escape) {
  enum class Phase { spaces, word, quote };
  std::vector<std::string> words;
  Phase phase = Phase::spaces;
  Rune quote = 0;
  bool blank_ok = false;
  std::string word;
  Rune ch = 0;
  std::size_t width = 0;
  const auto esc = static_cast<Rune>(static_cast<unsigned char>(escape));
  for (std::size_t pos = 0; pos <= rest.size(); pos += width) {
    if (pos != rest.size()) {
      const DecodedRune d = decode_rune(rest, pos);
      ch = d.rune;
      width = d.width;
    }
    if (phase == Phase::spaces) {
      if (pos == rest.size())
        break;
      if (is_go_space(ch))
        continue;
      phase = Phase::word;
    }
    if (pos == rest.size()) {
      if (blank_ok || !word.empty())
        words.push_back(word);
      break;
    }
    if (phase == Phase::word) {
      if (is_go_space(ch)) {
        phase = Phase::spaces;
        if (blank_ok || !word.empty())
          words.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = Phase::quote;
      }
      if (ch == esc) {
        if (pos + width == rest.size())
          continue;
        append_rune(word, ch);
        pos += width;
        const DecodedRune d = decode_rune(rest, pos);
        ch = d.rune;
        width = d.width;
      }
      append_rune(word, ch);
      continue;
    }
    if (ch == quote)
      phase = Phase::word;
    if (ch == esc && quote != '\'') {
      if (pos + width == rest.size()) {
        phase = Phase::word;
        continue;
      }
      pos += width;
      append_rune(word, ch);
      const DecodedRune d = decode_rune(rest, pos);
      ch = d.rune;
      width = d.width;
    }
    append_rune(word, ch);
  }
  return words;
}

FlagSplit extract_flags(std::string_view line) {
  enum class Phase { spaces, word, quote };
  FlagSplit out;
  Phase phase = Phase::spaces;
  std::string word;
  char quote = 0;
  bool blank_ok = false;
  char ch = 0;
  for (std::size_t pos = 0; pos <= line.size(); ++pos) {
    if (pos != line.size())
      ch = line[pos];
    if (phase == Phase::spaces) {
      if (pos == line.size())
        break;
      if (is_space_byte(ch))
        continue;
      if (ch != '-' || pos + 1 == line.size() || line[pos + 1] != '-') {
        out.rest = line.substr(pos);
        return out;
      }
      phase = Phase::word;
    }
    if (pos == line.size()) {
      if (word != "--" && (blank_ok || !word.empty()))
        out.flags.push_back(word);
      break;
    }
    if (phase == Phase::word) {
      if (is_space_byte(ch)) {
        phase = Phase::spaces;
        if (word == "--") {
          out.rest = line.substr(pos);
          return out;
        }
        if (blank_ok || !word.empty())
          out.flags.push_back(word);
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = Phase::quote;
        continue;
      }
      if (ch == '\\') {
        if (pos + 1 == line.size())
          continue;
        ++pos;
        ch = line[pos];
      }
      append_byte_as_rune(word, ch);
      continue;
    }
    if (ch == quote) {
      phase = Phase::word;
      continue;
    }
    if (ch == '\\') {
      if (pos + 1 == line.size()) {
        phase = Phase::word;
        continue;
      }
      ++pos;
      ch = line[pos];
    }
    append_byte_as_rune(word, ch);
  }
  out.rest = line.substr(line.size());
  return out;
}

std::expected<std::vector<std::string>, std::string> shell_words(std::string_view text,
                                                                 LexOptions options) {
  return ShellLexer(text, options).words();
}

std::expected<std::optional<HeredocWord>, std::string> parse_heredoc_word(std::string_view word) {
  // ^(\d*)<<(-?)\s*([^<]*)$
  std::size_t i = 0;
  while (i < word.size() && is_ascii_digit(word[i]))
    ++i;
  if (word.substr(i, 2) != "<<")
    return std::nullopt;
  i += 2;
  HeredocWord heredoc;
  if (i < word.size() && word[i] == '-') {
    heredoc.chomp = true;
    ++i;
  }
  while (i < word.size() && (word[i] == ' ' || word[i] == '\t' || word[i] == '\n' ||
                             word[i] == '\f' || word[i] == '\r'))
    ++i;
  const std::string_view rest = word.substr(i);
  if (rest.find('<') != std::string_view::npos || rest.empty())
    return std::nullopt;

  // Lexing the delimiter with and without quotes kept tells whether any part
  // of it was quoted: quoted delimiters turn expansion off.
  auto words = shell_words(rest, {.raw_quotes = false, .raw_escapes = false});
  if (!words)
    return std::unexpected(std::move(words.error()));
  if (words->size() != 1)
    return std::nullopt;
  auto raw = shell_words(rest, {.raw_quotes = true, .raw_escapes = false});
  if (!raw)
    return std::unexpected(std::move(raw.error()));
  if (raw->size() != words->size())
    return std::unexpected(
        fmt::format("internal lexing of heredoc produced inconsistent results: {}", rest));
  heredoc.name = words->front();
  heredoc.expand = count_quotes(words->front()) == count_quotes(raw->front());
  return heredoc;
}

std::expected<std::vector<HeredocWord>, std::string> heredocs_from_line(std::string_view line) {
  std::vector<HeredocWord> found;
  // A line the lexer cannot split has no heredocs: BuildKit ignores the error.
  auto words = shell_words(line, {.raw_quotes = true, .raw_escapes = true});
  if (!words)
    return found;
  for (const std::string& word : *words) {
    auto heredoc = parse_heredoc_word(word);
    if (!heredoc)
      return std::unexpected(std::move(heredoc.error()));
    if (*heredoc)
      found.push_back(std::move(**heredoc));
  }
  return found;
}

Continuation trim_continuation(std::string_view line, char escape) {
  // ([^E])E[ \t]*$|^E[ \t]*$ with E the escape character: an escape that is
  // itself escaped does not continue the line.
  std::size_t end = line.size();
  while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
    --end;
  if (end == 0 || line[end - 1] != escape)
    return {line, false};
  const std::size_t at = end - 1;
  if (at > 0 && line[at - 1] == escape)
    return {line, false};
  return {line.substr(0, at), true};
}

} // namespace detail

namespace {

using detail::trim_left_space;
using detail::trim_space;

constexpr std::size_t k_max_line_bytes = 65535; // bufio.MaxScanTokenSize - 1
constexpr std::string_view k_bom = "\xEF\xBB\xBF";

std::string_view trim_newline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool is_comment(std::string_view line) {
  line = trim_left_space(line);
  return !line.empty() && line.front() == '#';
}

// The text of a comment line: what follows '#', trimmed.
std::string comment_text(std::string_view raw) {
  std::string_view s = trim_left_space(trim_newline(raw));
  s.remove_prefix(1);
  return std::string(trim_space(s));
}

bool is_directive_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

struct DirectiveMatch {
  std::string name; // lower case
  std::string value;
};

// ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$ as BuildKit's DirectiveParser applies it.
std::optional<DirectiveMatch> match_directive(std::string_view line) {
  if (line.empty() || line.front() != '#')
    return std::nullopt;
  std::string_view s = trim_left_space(line.substr(1));
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (s.empty() || !is_alpha(s.front()))
    return std::nullopt;
  std::size_t i = 1;
  while (i < s.size() && (is_alpha(s[i]) || detail::is_ascii_digit(s[i])))
    ++i;
  const std::string_view key = s.substr(0, i);
  while (i < s.size() && is_directive_space(s[i]))
    ++i;
  if (i >= s.size() || s[i] != '=')
    return std::nullopt;
  const std::string_view after = s.substr(i + 1);
  std::size_t lead = 0;
  while (lead < after.size() && is_directive_space(after[lead]))
    ++lead;
  std::string_view value;
  if (lead < after.size()) {
    value = after.substr(lead);
    while (!value.empty() && is_directive_space(value.back()))
      value.remove_suffix(1);
  } else if (!after.empty()) {
    // Only blanks after '=': the lazy group still has to take one of them.
    value = after.substr(after.size() - 1);
  } else {
    return std::nullopt;
  }
  DirectiveMatch match{std::string(key), std::string(value)};
  for (char& c : match.name)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return match;
}

struct SplitCommand {
  std::string_view cmd;
  std::vector<std::string> flags;
  std::string_view args; // views into the line
};

// BuildKit's splitCommand.
SplitCommand split_command(std::string_view line) {
  SplitCommand out;
  const std::string_view trimmed = trim_space(line);
  std::size_t i = 0;
  while (i < trimmed.size() && !detail::is_ascii_ws(trimmed[i]))
    ++i;
  out.cmd = trimmed.substr(0, i);
  if (i == trimmed.size())
    return out;
  while (i < trimmed.size() && detail::is_ascii_ws(trimmed[i]))
    ++i;
  detail::FlagSplit split = detail::extract_flags(trimmed.substr(i));
  out.flags = std::move(split.flags);
  out.args = trim_space(split.rest);
  return out;
}

using ArgError = std::expected<void, std::string>;

// parseStringsWhitespaceDelimited.
void parse_whitespace_list(std::string_view rest, Instruction& ins) {
  if (rest.empty())
    return;
  for (const std::string_view piece : detail::split_ascii_ws(rest, -1))
    ins.args.emplace_back(piece);
}

// parseMaybeJSON (to_list false) and parseMaybeJSONToList (to_list true).
ArgError parse_maybe_json(std::string_view rest, Instruction& ins, bool to_list) {
  if (rest.empty())
    return {};
  detail::JsonArrayResult json = detail::parse_json_array(rest);
  switch (json.kind) {
  case detail::JsonArray::strings:
    ins.args = std::move(json.items);
    ins.json = true;
    return {};
  case detail::JsonArray::not_strings:
    return std::unexpected(
        std::string("when using JSON array syntax, arrays must be comprised of strings only"));
  case detail::JsonArray::invalid:
    break;
  }
  if (to_list)
    parse_whitespace_list(rest, ins);
  else
    ins.args.emplace_back(rest);
  return {};
}

// parseNameVal, for ENV and LABEL.
ArgError parse_name_val(std::string_view rest, std::string_view key, char escape,
                        Instruction& ins) {
  const std::vector<std::string> words = detail::parse_words(rest, escape);
  if (words.empty())
    return {};
  if (words.front().find('=') == std::string::npos) {
    const std::vector<std::string_view> parts = detail::split_ascii_ws(rest, 2);
    if (parts.size() < 2)
      return std::unexpected(fmt::format("{} must have two arguments", key));
    ins.args = {std::string(parts[0]), std::string(parts[1]), std::string()};
    return {};
  }
  ins.args.reserve(3 * words.size());
  for (const std::string& word : words) {
    const std::size_t eq = word.find('=');
    if (eq == std::string::npos)
      return std::unexpected(
          fmt::format("syntax error - can't find = in {}. Must be of the form: name=value",
                      detail::go_quote(word)));
    ins.args.push_back(word.substr(0, eq));
    ins.args.push_back(word.substr(eq + 1));
    ins.args.emplace_back("=");
  }
  return {};
}

// parseHealthConfig: the type word, then the command as for CMD. The loops
// test single bytes, as BuildKit's do.
ArgError parse_health_config(std::string_view rest, Instruction& ins) {
  std::size_t sep = 0;
  while (sep < rest.size() && !detail::is_space_byte(rest[sep]))
    ++sep;
  std::size_t next = sep;
  while (next < rest.size() && detail::is_space_byte(rest[next]))
    ++next;
  if (sep == 0)
    return {};
  Instruction command;
  if (auto st = parse_maybe_json(rest.substr(next), command, false); !st)
    return st;
  ins.args.emplace_back(rest.substr(0, sep));
  for (std::string& arg : command.args)
    ins.args.push_back(std::move(arg));
  ins.json = command.json;
  return {};
}

// Fills the arguments of INS from REST according to its keyword.
ArgError dispatch(std::string_view rest, char escape, Instruction& ins) {
  const std::string& k = ins.keyword;
  if (k == "add" || k == "copy" || k == "volume")
    return parse_maybe_json(rest, ins, true);
  if (k == "cmd" || k == "entrypoint" || k == "run" || k == "shell")
    return parse_maybe_json(rest, ins, false);
  if (k == "env")
    return parse_name_val(rest, "ENV", escape, ins);
  if (k == "label")
    return parse_name_val(rest, "LABEL", escape, ins);
  if (k == "arg") {
    ins.args = detail::parse_words(rest, escape);
    return {};
  }
  if (k == "expose" || k == "from") {
    parse_whitespace_list(rest, ins);
    return {};
  }
  if (k == "healthcheck")
    return parse_health_config(rest, ins);
  if (k == "onbuild")
    return {}; // a bare ONBUILD: its trigger, when present, is parsed by the caller
  if (k == "maintainer" || k == "stopsignal" || k == "user" || k == "workdir") {
    if (!rest.empty())
      ins.args.emplace_back(rest);
    return {};
  }
  // Unknown instructions keep no arguments; BuildKit's node has one empty
  // value, which is what its dump prints.
  ins.args.emplace_back();
  return {};
}

struct Built {
  Instruction instruction;
  std::size_t trigger_offset = 0; // offset in the line of the ONBUILD trigger, when there is one
};

// Each nested trigger keeps a copy of the rest of the line, so an unbounded
// ONBUILD ONBUILD ... chain would cost quadratic memory. BuildKit's
// instructions layer rejects any chain anyway.
constexpr std::size_t k_max_onbuild_depth = 16;

// newNodeFromLine. ONBUILD nests through a loop rather than recursion so
// that a long chain of ONBUILD words cannot exhaust the stack.
std::expected<Built, std::string> node_from_line(std::string_view line, char escape) {
  std::vector<Instruction> chain;
  std::vector<std::size_t> offsets;
  std::string_view current = line;
  for (;;) {
    if (chain.size() > k_max_onbuild_depth)
      return std::unexpected(
          fmt::format("onbuild triggers nested more than {} deep", k_max_onbuild_depth));
    SplitCommand split = split_command(current);
    Instruction ins;
    ins.keyword = detail::go_to_lower(split.cmd);
    ins.original = std::string(current);
    ins.flags = std::move(split.flags);
    offsets.push_back(static_cast<std::size_t>(current.data() - line.data()));
    if (ins.keyword == "onbuild" && !split.args.empty()) {
      chain.push_back(std::move(ins));
      current = split.args;
      continue;
    }
    if (auto st = dispatch(split.args, escape, ins); !st)
      return std::unexpected(std::move(st.error()));
    chain.push_back(std::move(ins));
    break;
  }
  Built built;
  built.trigger_offset = offsets.size() > 1 ? offsets[1] : 0;
  while (chain.size() > 1) {
    auto child = std::make_unique<Instruction>(std::move(chain.back()));
    chain.pop_back();
    chain.back().onbuild = std::move(child);
  }
  built.instruction = std::move(chain.front());
  return built;
}

bool can_contain_heredoc(const Instruction& ins) {
  const Instruction* target = &ins;
  if (ins.keyword == "onbuild" && ins.onbuild)
    target = ins.onbuild.get();
  const std::string& k = target->keyword;
  return (k == "run" || k == "copy" || k == "add") && !target->json;
}

std::string chomp_tabs(std::string_view content) {
  std::string out;
  out.reserve(content.size());
  bool line_start = true;
  for (const char c : content) {
    if (line_start && c == '\t')
      continue;
    line_start = c == '\n';
    out += c;
  }
  return out;
}

class Parser {
public:
  Parser(std::string_view text, const std::string& name) : m_name(name) { split_lines(text); }

  core::Result<ParseResult> run();

private:
  void split_lines(std::string_view text) {
    m_lines.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t nl = text.find('\n', pos);
      const std::size_t content_end = nl == std::string_view::npos ? text.size() : nl;
      // bufio.Scanner gives up on a line that does not fit its 64 KiB buffer.
      if (content_end - pos > k_max_line_bytes) {
        m_too_long = true;
        return;
      }
      const std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
      m_lines.push_back(text.substr(pos, end - pos));
      pos = end;
    }
  }

  std::optional<std::string_view> next_line() {
    if (m_next >= m_lines.size())
      return std::nullopt;
    std::string_view line = m_lines[m_next++];
    if (m_next == 1 && line.substr(0, k_bom.size()) == k_bom)
      line.remove_prefix(k_bom.size());
    return line;
  }

  core::Result<ParseResult> error(std::string message, int line,
                                  core::ErrorKind kind = core::ErrorKind::parse) {
    return core::fail(kind, m_name, std::move(message), line);
  }

  // possibleParserDirective: true when LINE is a directive. Directives are
  // only looked for until the first line that is not one.
  std::expected<bool, std::string> directive(std::string_view line, int line_number) {
    if (m_directives_done)
      return false;
    std::optional<DirectiveMatch> match = match_directive(line);
    if (!match || (match->name != "syntax" && match->name != "escape" && match->name != "check")) {
      m_directives_done = true;
      return false;
    }
    for (const Directive& seen : m_result.directives)
      if (seen.name == match->name)
        return std::unexpected(
            fmt::format("only one {} parser directive can be used", match->name));
    if (match->name == "escape") {
      if (match->value != "`" && match->value != "\\")
        return std::unexpected(
            fmt::format("invalid escape token '{}' does not match ` or \\", match->value));
      m_result.escape = match->value.front();
    }
    m_result.directives.push_back({match->name, match->value, line_number});
    return true;
  }

  struct Processed {
    std::string_view text;
    bool directive = false;
  };

  // processLine: the line without its newline (and leading blanks when
  // STRIP_LEFT), empty for a comment.
  std::expected<Processed, std::string> process_line(std::string_view raw, bool strip_left,
                                                     int line_number) {
    std::string_view token = trim_newline(raw);
    if (strip_left)
      token = trim_left_space(token);
    auto found = directive(token, line_number);
    if (!found)
      return std::unexpected(std::move(found.error()));
    return Processed{is_comment(token) ? std::string_view() : token, *found};
  }

  core::Status read_heredocs(Instruction& ins, const std::string& line, int start_line);

  std::string m_name;
  std::vector<std::string_view> m_lines;
  std::size_t m_next = 0;
  bool m_too_long = false;
  int m_current_line = 0;
  bool m_directives_done = false;
  ParseResult m_result;
};

core::Status Parser::read_heredocs(Instruction& ins, const std::string& line, int start_line) {
  auto words = detail::heredocs_from_line(line);
  if (!words)
    return core::fail(core::ErrorKind::parse, m_name, std::move(words.error()), start_line);
  for (detail::HeredocWord& word : *words) {
    Heredoc heredoc;
    heredoc.name = std::move(word.name);
    heredoc.expand = word.expand;
    heredoc.chomp = word.chomp;
    heredoc.start_line = m_current_line + 1;
    bool terminated = false;
    while (std::optional<std::string_view> raw = next_line()) {
      ++m_current_line;
      std::string_view candidate = trim_newline(*raw);
      if (heredoc.chomp)
        while (!candidate.empty() && candidate.front() == '\t')
          candidate.remove_prefix(1);
      if (candidate == heredoc.name) {
        terminated = true;
        break;
      }
      heredoc.content += *raw;
    }
    if (!terminated)
      return core::fail(core::ErrorKind::parse, m_name, "unterminated heredoc", start_line);
    if (heredoc.chomp)
      heredoc.content = chomp_tabs(heredoc.content);
    ins.heredocs.push_back(std::move(heredoc));
  }
  return {};
}

core::Result<ParseResult> Parser::run() {
  std::vector<std::string> pending_comments;
  while (std::optional<std::string_view> raw = next_line()) {
    const int line_number = m_current_line + 1;
    const bool comment = is_comment(*raw);
    const std::string text = comment ? comment_text(*raw) : std::string();
    if (comment) {
      // An empty comment line separates comment blocks, as in BuildKit.
      if (text.empty())
        pending_comments.clear();
      else
        pending_comments.push_back(text);
    }
    auto processed = process_line(*raw, true, line_number);
    if (!processed)
      return error(std::move(processed.error()), line_number);
    if (processed->directive && !pending_comments.empty())
      pending_comments.pop_back();
    else if (comment)
      m_result.comments.push_back({text, line_number});
    ++m_current_line;

    const int start_line = m_current_line;
    const int column =
        static_cast<int>(trim_newline(*raw).size() - trim_left_space(trim_newline(*raw)).size()) +
        1;
    detail::Continuation first = detail::trim_continuation(processed->text, m_result.escape);
    if (!first.continues && first.text.empty())
      continue;
    std::string line(first.text);
    const std::size_t first_segment = line.size();

    bool empty_continuation = false;
    bool continues = first.continues;
    while (continues) {
      std::optional<std::string_view> next = next_line();
      if (!next)
        break;
      auto part = process_line(*next, false, m_current_line + 1);
      if (!part)
        return error(std::move(part.error()), m_current_line + 1);
      ++m_current_line;
      if (is_comment(*next)) {
        m_result.comments.push_back({comment_text(*next), m_current_line});
        continue;
      }
      if (trim_left_space(trim_newline(part->text)).empty()) {
        empty_continuation = true;
        continue;
      }
      detail::Continuation piece = detail::trim_continuation(part->text, m_result.escape);
      continues = piece.continues;
      line += piece.text;
    }
    if (empty_continuation)
      m_result.warnings.push_back({"empty continuation line", m_current_line});

    auto built = node_from_line(line, m_result.escape);
    if (!built)
      return error(std::move(built.error()), start_line);
    Instruction& ins = built->instruction;
    if (can_contain_heredoc(ins) && line.find("<<") != std::string::npos) {
      if (auto st = read_heredocs(ins, line, start_line); !st)
        return std::unexpected(std::move(st.error()));
    }
    ins.start_line = start_line;
    ins.end_line = m_current_line;
    ins.column = column;
    ins.comments = std::move(pending_comments);
    pending_comments.clear();
    // Trigger instructions share the lines of their ONBUILD; their column is
    // known when the trigger starts on the first line.
    int trigger_column = column;
    if (built->trigger_offset < first_segment)
      trigger_column = column + static_cast<int>(built->trigger_offset);
    for (Instruction* child = ins.onbuild.get(); child != nullptr; child = child->onbuild.get()) {
      child->start_line = start_line;
      child->end_line = m_current_line;
      child->column = trigger_column;
      if (child == ins.onbuild.get())
        child->heredocs = ins.heredocs;
    }
    m_result.instructions.push_back(std::move(ins));
  }

  // An over-long line is the reason, even when it left no instruction.
  if (m_too_long)
    return error(
        fmt::format("dockerfile line greater than max allowed size of {}", k_max_line_bytes),
        m_current_line + 1, core::ErrorKind::limit);
  if (m_result.instructions.empty())
    return error("file with no instructions", 0);
  return std::move(m_result);
}

// The prefix of one instruction's dump: keyword, flags and arguments.
void dump_prefix(const Instruction& ins, std::string& out) {
  out += ins.keyword;
  if (!ins.flags.empty()) {
    out += " [";
    for (std::size_t i = 0; i < ins.flags.size(); ++i) {
      if (i > 0)
        out += ' ';
      out += detail::go_quote(ins.flags[i]);
    }
    out += ']';
  }
  for (const std::string& arg : ins.args) {
    out += ' ';
    out += detail::go_quote(arg);
  }
}

} // namespace

core::Result<ParseResult> parse(std::string_view text, const std::string& name) {
  return Parser(text, name).run();
}

std::string dump(const ParseResult& result) {
  std::string out;
  for (const Instruction& top : result.instructions) {
    std::string body;
    std::size_t depth = 0;
    for (const Instruction* ins = &top; ins != nullptr; ins = ins->onbuild.get()) {
      if (ins != &top)
        body += " (";
      dump_prefix(*ins, body);
      if (ins != &top)
        ++depth;
    }
    body.append(depth, ')');
    out += '(';
    out += detail::trim_space(body);
    out += ")\n";
  }
  // BuildKit's test appends "\n" to Dump(), which is empty without children.
  if (out.empty())
    out = "\n";
  return out;
}

} // namespace moat::dockerfile
