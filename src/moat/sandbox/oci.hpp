#pragma once
// The OCI runtime side of moat: a bundle's config.json (runtime spec
// 1.0-1.2) read into a sandbox::Spec, the hooks, and what the config
// relaxes of moat's own defaults, each named by the CIS Docker Benchmark
// check it fails. moat obeys a config that weakens its defaults (dockerd
// asked for it) and says so.

#include <moat/core/result.hpp>
#include <moat/sandbox/sandbox.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace moat::sandbox {

struct Hooks {
  std::vector<Hook> prestart;
  std::vector<Hook> create_runtime;
  std::vector<Hook> create_container;
  std::vector<Hook> start_container;
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
};

// A default of moat's that the config relaxes.
struct Weakening {
  std::string cis; // "CIS-5.4"; empty when no CIS check covers it
  std::string what;
};

struct Bundle {
  std::string oci_version;
  std::filesystem::path dir;
  std::filesystem::path rootfs; // absolute
  Spec spec;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  std::string cgroups_path; // linux.cgroupsPath as written
  // linux.seccomp as JSON text (moat compiles it); nullopt: none.
  std::optional<std::string> seccomp_profile;
  bool terminal = false;
  std::vector<Weakening> weakenings;
  std::vector<std::string> ignored; // settings moat does not apply (apparmorProfile, ...)
};

// Reads DIR/config.json. ID names the container (the default cgroup
// path). SYSTEMD_CGROUP: cgroupsPath is "slice:prefix:name".
[[nodiscard]] core::Result<Bundle> read_bundle(const std::filesystem::path& dir,
                                               const std::string& id, bool systemd_cgroup);

// The same from TEXT (NAME for errors), for tests and fuzzing.
[[nodiscard]] core::Result<Bundle> parse_config(std::string_view text, const std::string& name,
                                                const std::filesystem::path& dir,
                                                const std::string& id, bool systemd_cgroup);

// An OCI process object (moat exec --process FILE): SPEC's args, env, cwd,
// user, capabilities, rlimits and no_new_privs; TERMINAL.
[[nodiscard]] core::Result<Bundle> parse_process(std::string_view text, const std::string& name);

// What `moat features` prints: the runtime spec's features document.
[[nodiscard]] std::string features_json(std::string_view version);

} // namespace moat::sandbox
