#pragma once
// The parse of a Dockerfile, as BuildKit's parser produces it.

#include <moat/core/result.hpp>

#include <cstddef>
#include <deque>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace moat::dockerfile {

// A heredoc attached to an instruction (RUN <<EOF ... EOF).
struct Heredoc {
  std::string name;    // delimiter word, without quotes or "-"
  std::string content; // body, with the trailing newline kept, as BuildKit keeps it
  bool expand = true;  // false when the delimiter was quoted ('EOF' or "EOF")
  bool chomp = false;  // true for <<-EOF (leading tabs removed from the body)
  int start_line = 0;  // line of the first body line
};

// How an ENV or LABEL pair was written: views of three of the
// instruction's args.
struct KeyValue {
  const std::string& key;
  const std::string& value; // verbatim: quotes and escapes are removed later, by expansion
  const std::string& sep;   // "=" for KEY=VALUE, "" for the legacy "KEY VALUE" form
};

// The pairs of an ENV or LABEL, read from its args (key, value, sep, key,
// ...) rather than held a second time: a file can hold a million of them.
class KeyValues {
public:
  class iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = KeyValue;
    using difference_type = std::ptrdiff_t;
    using reference = KeyValue;
    using pointer = void;
    iterator() = default;
    explicit iterator(const std::string* at) : m_at(at) {}
    KeyValue operator*() const { return {m_at[0], m_at[1], m_at[2]}; }
    iterator& operator++() {
      m_at += 3;
      return *this;
    }
    iterator operator++(int) {
      auto old = *this;
      m_at += 3;
      return old;
    }
    bool operator==(const iterator&) const = default;

  private:
    const std::string* m_at = nullptr;
  };

  KeyValues() = default;
  explicit KeyValues(const std::vector<std::string>& args)
      : m_begin(args.data()), m_count(args.size() / 3) {}
  [[nodiscard]] std::size_t size() const { return m_count; }
  [[nodiscard]] bool empty() const { return m_count == 0; }
  KeyValue operator[](std::size_t i) const {
    return {m_begin[3 * i], m_begin[3 * i + 1], m_begin[3 * i + 2]};
  }
  [[nodiscard]] iterator begin() const { return iterator(m_begin); }
  [[nodiscard]] iterator end() const { return iterator(m_begin + 3 * m_count); }

private:
  const std::string* m_begin = nullptr;
  std::size_t m_count = 0;
};

// One instruction.
struct Instruction {
  std::string keyword;            // lower case: "from", "run", ...; unknown keywords kept
  std::string original;           // the joined instruction text, continuations removed
  std::vector<std::string> flags; // leading --flags as written, with "--": "--from=build"
  // Arguments as BuildKit splits them (see the dump format). For ENV and LABEL
  // these are the key/value/sep triples flattened; use `pairs()` instead.
  std::vector<std::string> args;
  bool json = false; // exec (JSON array) form
  std::vector<Heredoc> heredocs;
  std::unique_ptr<Instruction> onbuild; // the trigger instruction of ONBUILD
  int start_line = 0;                   // 1-based
  int end_line = 0;                     // last line, including continuations and heredoc bodies
  int column = 1;                       // 1-based column of the keyword
  std::vector<std::string> comments;    // comment lines directly above (text after '#', trimmed)

  // ENV and LABEL only: the pairs; empty for other instructions.
  [[nodiscard]] KeyValues pairs() const {
    return keyword == "env" || keyword == "label" ? KeyValues(args) : KeyValues();
  }
};

struct Directive {
  std::string name; // lower case: "syntax", "escape", "check"
  std::string value;
  int line = 0;
};

struct Comment {
  std::string text; // after '#', leading space trimmed
  int line = 0;
};

struct ParseWarning {
  std::string message; // e.g. "empty continuation line"
  int line = 0;
};

struct ParseResult {
  // A deque: instructions never move (checks keep pointers to them), and a
  // file of a million instructions grows without copying them all.
  std::deque<Instruction> instructions;
  std::vector<Directive> directives;
  std::vector<Comment> comments; // every comment line, directives excluded
  std::vector<ParseWarning> warnings;
  char escape = '\\';
};

// Parses Dockerfile text as BuildKit's parser.Parse does. NAME is used in
// errors. Fails on what BuildKit rejects: no instructions, ENV/LABEL without
// a value, a JSON array holding a non-string, unterminated heredocs, ...
[[nodiscard]] core::Result<ParseResult> parse(std::string_view text, const std::string& name);

// The AST in BuildKit's Node.Dump() format, one line per instruction, ending
// with a newline (the `result` files of BuildKit's parser tests).
[[nodiscard]] std::string dump(const ParseResult& result);

} // namespace moat::dockerfile
