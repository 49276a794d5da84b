#pragma once
// Each verb attaches a subcommand to the root app; its callback stores the
// verb's exit code in EXIT_CODE.

#include <CLI/CLI.hpp>

namespace moat::cli {

void attach_bench(CLI::App& root, int& exit_code);
void attach_config(CLI::App& root, int& exit_code);
void attach_db(CLI::App& root, int& exit_code);
void attach_fix(CLI::App& root, int& exit_code);
void attach_harden(CLI::App& root, int& exit_code);
void attach_image(CLI::App& root, int& exit_code);
void attach_key(CLI::App& root, int& exit_code);
void attach_lint(CLI::App& root, int& exit_code);
void attach_rules(CLI::App& root, int& exit_code);
void attach_run(CLI::App& root, int& exit_code);
// The OCI runtime verbs (create, start, state, kill, delete, ps, features)
// and their global flags (--root, --log, --log-format, --systemd-cgroup).
void attach_runtime(CLI::App& root, int& exit_code);
void attach_sbom(CLI::App& root, int& exit_code);
void attach_secrets(CLI::App& root, int& exit_code);
void attach_seccomp(CLI::App& root, int& exit_code);
void attach_sign(CLI::App& root, int& exit_code);
void attach_verify(CLI::App& root, int& exit_code);
void attach_vuln(CLI::App& root, int& exit_code);

} // namespace moat::cli
