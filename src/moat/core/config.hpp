#pragma once
// The .moat.yaml configuration file.
//
//   fail-on: high              # critical|high|medium|low|info|none
//   ignore: [DL3008, DF012]     # moat ids or aliases
//   severity:                  # per-check overrides
//     DL3059: info
//   allowed-registries: [docker.io, ghcr.io]
//
// hadolint's keys are read too: failure-threshold, ignored, override
// ({error: [DL3008]}) and trustedRegistries, with error/warning/info/style
// taken as high/medium/low/info.

#include <moat/core/policy.hpp>
#include <moat/core/result.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace moat::core {

struct Config {
  std::optional<std::optional<Severity>> fail_on; // set when the file names it
  std::vector<std::string> ignores;
  std::map<std::string, Severity> overrides;
  std::vector<std::string> allowed_registries;
  std::vector<std::string> enables;
  std::vector<std::pair<std::string, std::string>> label_schema; // label -> type
  std::optional<bool> strict_labels;
  std::optional<bool> disable_ignore_pragma;
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
