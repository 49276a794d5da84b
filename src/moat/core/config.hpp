#pragma once
// The .moat.yaml configuration file.
//
//   fail-on: high              # critical|high|medium|low|info|none
//   ignore: [DL3008, DF012]     # moat ids or aliases
//   severity:                  # per-check overrides
//     DL3059: info
//   allowed-registries: [docker.io, ghcr.io]
//   secrets:                   # tuning of the secret engine (SecretsConfig)
//     disable: [SE024]
//     rules:
//       - id: acme-api-key
//         pattern: 'acme_[A-Za-z0-9]{32}'
//     allow:
//       - paths: ['fixtures/**']
//

// hadolint's keys are read too: failure-threshold, ignored, override
// ({error: [DL3008]}) and trustedRegistries, with error/warning/info/style
// taken as high/medium/low/info.

#include <moat/core/policy.hpp>
#include <moat/core/result.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::core {

// The secrets: section. Patterns are kept as text here; the secret engine
// compiles them (secrets::configure) and names this file when one fails.
struct SecretRuleConfig {
  std::string id;    // the finding's check id
  std::string title; // defaults to the id
  std::optional<Severity> severity;
  std::string pattern;               // Hyperscan and ECMAScript syntax both
  std::vector<std::string> keywords; // prefilter words; none: always scanned
  double entropy = 0;                // floor, bits per character
  bool caseless = false;
  int secret_group = 0;           // the capture group that is the secret (0: the match)
  std::vector<std::string> allow; // regexes: a secret matching one is not a finding
  int line = 0;                   // where the rule starts in the file
};

struct SecretAllowConfig {
  std::vector<std::string> paths; // globs, ** for any directories
  std::string regex;              // on the secret; empty: any
  std::vector<std::string> rules; // ids or aliases; empty: every rule
  int line = 0;
};

struct SecretsConfig {
  std::vector<std::string> disable; // built-in rules turned off (ids or aliases)
  std::vector<SecretRuleConfig> rules;
  std::vector<SecretAllowConfig> allow;
  std::vector<std::string> placeholders; // more placeholder words
  std::map<std::string, double> entropy; // a rule's floor, by id or alias
  std::optional<bool> package_paths;     // false: report in package docs and tests too
};

struct Config {
  std::optional<std::optional<Severity>> fail_on; // set when the file names it
  std::vector<std::string> ignores;
  std::map<std::string, Severity> overrides;
  std::vector<std::string> allowed_registries;
  std::vector<std::string> enables;
  std::vector<std::pair<std::string, std::string>> label_schema; // label -> type
  std::optional<bool> strict_labels;
  std::optional<bool> disable_ignore_pragma;
  std::optional<SecretsConfig> secrets;
  std::string source; // path it was read from; empty when none
};

// Parses configuration text; NAME is used in errors.
[[nodiscard]] Result<Config> parse_config(std::string_view text, const std::string& name);

// Reads a configuration file.
[[nodiscard]] Result<Config> load_config(const std::filesystem::path& path);

// Looks for .moat.yaml in START (a file's directory or a directory) and its
// parents; nullopt when there is none.
[[nodiscard]] std::optional<std::filesystem::path> find_config(const std::filesystem::path& start);

// Merges a configuration into a policy (the config is applied first, command
// line options after it, so the command line wins).
void merge_config(const Config& config, Policy& policy);

} // namespace moat::core
