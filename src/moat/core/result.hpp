#pragma once
// Error and Result: the one error convention of moat.
//
// Functions that can fail for reasons outside moat's control (bad input, I/O)
// return Result<T>. Exceptions are reserved for broken invariants and are
// caught once, in main. MOAT_TRY passes an error up to the caller.

#include <expected>
#include <string>
#include <utility>

namespace moat::core {

enum class ErrorKind {
  usage,   // the command line or configuration is wrong
  io,      // a file could not be read or written
  parse,   // the input is malformed
  limit,   // the input exceeds a safety limit
  internal // moat itself failed
};

// What moat could not do, with the input it was working on.
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string input;   // file name, reference or "-" for stdin; may be empty
  std::string message; // what went wrong, lower case, no trailing period
  int line = 0;        // 1-based position in the input when known
  int column = 0;

  // One line for stderr: "INPUT:LINE:COL: MESSAGE".
  [[nodiscard]] std::string to_string() const;
};

template <class T> using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

// Builds an unexpected Error for a return statement.
[[nodiscard]] inline std::unexpected<Error>
fail(ErrorKind kind, std::string input, std::string message, int line = 0, int column = 0) {
  return std::unexpected(Error{kind, std::move(input), std::move(message), line, column});
}

} // namespace moat::core

// Evaluates EXPR (a Result); returns its error from the enclosing function.
#define MOAT_TRY(expr)                                                                             \
  do {                                                                                             \
    if (auto moat_try_result_ = (expr); !moat_try_result_)                                         \
      return std::unexpected(std::move(moat_try_result_).error());                                 \
  } while (false)

// Declares VAR as the value of EXPR (a Result), or returns its error from
// the enclosing function. VAR is a name being declared, so it cannot be
// parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define MOAT_TRY_ASSIGN(var, expr)                                                                 \
  auto var##_result_ = (expr);                                                                     \
  if (!var##_result_)                                                                              \
    return std::unexpected(std::move(var##_result_).error());                                      \
  auto var = std::move(var##_result_).value()
// NOLINTEND(bugprone-macro-parentheses)
