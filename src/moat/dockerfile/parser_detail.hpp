#pragma once
// Building blocks of the Dockerfile parser, each reproducing one piece of
// BuildKit's frontend/dockerfile/parser (and the bits of Go's standard library
// it leans on). Private to the dockerfile module; exposed for unit tests.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::dockerfile::detail {

using Rune = std::uint32_t;

// A decoded code point and the bytes it took; invalid UTF-8 gives U+FFFD and 1,
// as Go's utf8.DecodeRuneInString.
struct DecodedRune {
  Rune rune = 0;
  std::size_t width = 0;
};

// Decodes the rune starting at POS (POS < S.size()).
[[nodiscard]] DecodedRune decode_rune(std::string_view s, std::size_t pos);

// Appends R as UTF-8 (U+FFFD for surrogates and values past U+10FFFF).
void append_rune(std::string& out, Rune r);

// Go's unicode.IsSpace.
[[nodiscard]] bool is_go_space(Rune r);

// Go's strings.TrimLeftFunc(s, unicode.IsSpace).
[[nodiscard]] std::string_view trim_left_space(std::string_view s);

// Go's strings.TrimSpace.
[[nodiscard]] std::string_view trim_space(std::string_view s);

// Go's strings.ToLower (invalid UTF-8 becomes U+FFFD; the case mapping covers
// ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic).
[[nodiscard]] std::string go_to_lower(std::string_view s);

// Go's strconv.Quote, the form BuildKit's dump prints arguments in.
[[nodiscard]] std::string go_quote(std::string_view s);

// How an attempt to read an argument as a JSON array of strings ended.
enum class JsonArray {
  strings,     // a valid JSON array whose elements are all strings
  not_strings, // a valid JSON array holding something else: BuildKit rejects it
  invalid      // not (decodable) JSON: BuildKit falls back to the shell form
};

struct JsonArrayResult {
  JsonArray kind = JsonArray::invalid;
  std::vector<std::string> items;
};

// Reads TEXT as BuildKit's parseJSON does with encoding/json into []any.
[[nodiscard]] JsonArrayResult parse_json_array(std::string_view text);

// BuildKit's parseWords: words split on white space, quotes kept, ESCAPE
// keeping the next character in the word.
[[nodiscard]] std::vector<std::string> parse_words(std::string_view rest, char escape);

// The leading --flags of an instruction and the text after them.
struct FlagSplit {
  std::string_view rest; // a view into the input
  std::vector<std::string> flags;
};

// BuildKit's extractBuilderFlags.
[[nodiscard]] FlagSplit extract_flags(std::string_view line);

// Options of BuildKit's shell.Lex as the heredoc detection uses it (the
// escape is always a backslash, unset variables are kept as written).
struct LexOptions {
  bool raw_quotes = false;
  bool raw_escapes = false;
};

// Splits TEXT into words as BuildKit's shell.Lex.ProcessWords does with an
// empty environment; the error is the lexer's message.
[[nodiscard]] std::expected<std::vector<std::string>, std::string>
shell_words(std::string_view text, LexOptions options);

// One heredoc operator found in a word.
struct HeredocWord {
  std::string name;
  bool expand = true;
  bool chomp = false;
};

// BuildKit's ParseHeredoc on one word: the heredoc, nullopt when the word is
// not one, or an error message when the delimiter cannot be lexed.
[[nodiscard]] std::expected<std::optional<HeredocWord>, std::string>
parse_heredoc_word(std::string_view word);

// BuildKit's heredocsFromLine: every heredoc operator of an instruction line.
[[nodiscard]] std::expected<std::vector<HeredocWord>, std::string>
heredocs_from_line(std::string_view line);

// The line without a trailing escape character (and blanks after it); false
// when the line does not continue.
struct Continuation {
  std::string_view text;
  bool continues = false;
};

[[nodiscard]] Continuation trim_continuation(std::string_view line, char escape);

} // namespace moat::dockerfile::detail
