#pragma once
// The secret rules, as data: one sorted table, each rule a check (SE0xx)
// with its Hyperscan pattern and how a match is confirmed and cut out.

#include <moat/core/check.hpp>

#include <cstdint>
#include <span>
#include <string_view>

namespace moat::secrets {

// How a match is confirmed, and its secret cut out of the text, once the
// pattern has matched. Every pattern's match ends where the secret ends, or
// one delimiter after it.
enum class Confirm : std::uint8_t {
  token,       // the run of the rule's characters that ends there
  pem,         // a PEM END line: its BEGIN line and a body must come before;
               // or a BEGIN line and the start of a body, for a key cut short
  putty,       // PuTTY's Private-Lines: the key file's header must come before
  url,         // scheme://user:password@: the password
  docker_auth, // a registry's "auth": base64 of user:password
  regex,       // a rule of the user's: its regular expression, ending there
};

struct Rule {
  std::string_view id;      // the check's id, "SE001"
  std::string_view family;  // "AWS", "GitHub", ... (the corpus's families)
  std::string_view pattern; // Hyperscan expression
  bool caseless;
  Confirm confirm;
  std::string_view chars;   // the secret's characters, a class body: "A-Za-z0-9_"
  std::uint16_t min_length; // of the secret (a fixed length takes the last
  std::uint16_t max_length; // max_length characters)
  double min_entropy;       // Shannon bits per character of the secret; 0: none
  bool generic;             // a hit that overlaps another rule's is dropped
  // A token's possible first characters, comma-separated ("xox,xapp"): it
  // starts at the last of them that begins a word in the run, not where
  // the run of its characters begins (mate-xapp-status is no Slack token).
  std::string_view starts;
  // Words every match holds, comma-separated (case-insensitive for a
  // caseless rule). A short text with none of any rule's keywords is not
  // scanned at all: a lint of a Dockerfile with no secret in it never
  // loads the engine.
  std::string_view keywords;
  // The check of a rule from .moat.yaml; the built-in rules' are in checks().
  const core::CheckInfo* info = nullptr;
};

// The built-in rules, sorted by id; checks() has their CheckInfo in the
// same order.
[[nodiscard]] std::span<const Rule> builtin_rules();
[[nodiscard]] std::span<const core::CheckInfo> checks();

// The check of a rule.
[[nodiscard]] const core::CheckInfo& check_of(const Rule& rule);

} // namespace moat::secrets
