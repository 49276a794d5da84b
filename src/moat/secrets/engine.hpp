#pragma once
// The secret scanner: every rule in one Hyperscan database, scanned in
// streaming mode, so a file or a layer is read once, in blocks of any
// size, and a secret split across two blocks is still found. Each match is
// confirmed on a bounded window of the text before it (the last 16 KiB are
// kept across blocks): the secret is cut out, its entropy measured and the
// placeholder and path allow rules applied.

#include <moat/core/config.hpp>
#include <moat/core/result.hpp>
#include <moat/secrets/rules.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::secrets {

// A confirmed secret.
struct Hit {
  const Rule* rule = nullptr;
  std::uint64_t offset = 0; // of the secret's first byte in the stream
  std::uint32_t line = 1;   // 1-based, of its first byte
  std::uint32_t column = 1; // 1-based, in bytes
  std::string redacted;     // never the whole secret
  std::string fingerprint;  // stable for the rule and the secret: for ignores
};

core::Status configure(const core::SecretsConfig& config, const std::string& source);

// The compiled rules, shared by every scanner (and thread).
class Database {
public:
  // The built-in rules, compiled on first use.
  [[nodiscard]] static core::Result<std::shared_ptr<const Database>> builtin();
  // What the process scans with: the database configure() made, or the
  // built-in one.
  [[nodiscard]] static core::Result<std::shared_ptr<const Database>> active();
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  struct Impl;
  [[nodiscard]] const Impl& impl() const { return *m_impl; }

private:
  friend core::Status configure(const core::SecretsConfig& config, const std::string& source);
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// Tunes the engine for the rest of the process from the secrets: section
// of .moat.yaml (SOURCE names the file in errors): rules of the user's
// (compiled with the built-in ones, so only when there are some), built-in
// rules disabled, entropy floors, allow rules, placeholder words, and
// whether package documentation and test data are left alone. Every
// command calls it once, before it scans.
[[nodiscard]] core::Status configure(const core::SecretsConfig& config, const std::string& source);

// The checks of the user's rules (configure()), for ids on the command
// line and in the configuration.
[[nodiscard]] std::vector<const core::CheckInfo*> user_checks();

// The noise controls in force (the built-in ones and configure()'s), for
// `moat rules`.
struct RuleControls {
  std::string keywords; // comma-separated; empty: every text is scanned
  double min_entropy = 0;
  bool disabled = false;
};
struct Controls {
  std::vector<std::string> placeholders;  // words; a secret holding one is not reported
  std::vector<std::string> package_paths; // what allowed_path() leaves alone, in words
  std::vector<std::string> allow;         // the user's allow rules, in words
};
[[nodiscard]] std::optional<RuleControls> rule_controls(std::string_view id);
[[nodiscard]] Controls controls();

// Scans one stream (a file) at a time; reusable for the next. Not
// thread-safe: one per thread.
class Scanner {
public:
  static core::Result<Scanner> open(std::shared_ptr<const Database> db);
  ~Scanner();
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;

  // Starts a stream; PATH decides the path allow rules (package
  // documentation and test data).
  core::Status begin(std::string_view path);
  // The next block of the stream.
  core::Status feed(std::string_view block);
  // Ends the stream: its hits, in the order of their offsets.
  core::Result<std::vector<Hit>> finish();
  // The database it scans with.
  [[nodiscard]] const Database* database() const;

private:
  Scanner() = default;
  struct State;
  std::unique_ptr<State> m_state;
};

// Whether TEXT holds a keyword of some rule (Rule::keywords).
[[nodiscard]] bool has_keyword(std::string_view text);

// Scans TEXT as one whole stream.
[[nodiscard]] core::Result<std::vector<Hit>> scan_text(std::string_view text,
                                                       std::string_view path = {});

// The first secret in TEXT, for the checks that judge one value at a time
// (an ENV, a RUN line, a label). Give a variable as NAME=value: the
// generic rule needs the name. Nothing when there is none, or when the
// engine cannot run.
[[nodiscard]] std::optional<Hit> first_secret(std::string_view text, std::string_view path = {});

// How a check names a hit in its message: "GitHub personal access token
// (classic) (SE009, ghp_****)". Never the whole secret.
[[nodiscard]] std::string describe(const Hit& hit);

// Whether PATH is documentation or test data of an installed package,
// where examples of secrets are expected: /usr/share/doc,
// site-packages/*/tests, ...
[[nodiscard]] bool allowed_path(std::string_view path);

// Whether SECRET is a placeholder or an example: ${VAR}, <token>, xxxx,
// EXAMPLE, changeme, one character repeated, ...
[[nodiscard]] bool is_placeholder(std::string_view secret);

// The words is_placeholder() looks for, and what allowed_path() allows,
// in words, for `moat rules`.
[[nodiscard]] std::span<const std::string_view> placeholder_words();
[[nodiscard]] std::span<const std::string_view> package_path_rules();

// Shannon entropy of TEXT, in bits per byte.
[[nodiscard]] double entropy(std::string_view text);

} // namespace moat::secrets
