#pragma once
// The Docker daemon's effective configuration: dockerd's command line and
// its daemon.json (the file --config-file names, else the default), with
// options under their daemon.json names.

#include <moat/core/result.hpp>
#include <moat/host/root.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace moat::host {

struct DaemonOption {
  std::vector<std::string> values; // a boolean is "true"/"false"; an object member "key=value"
  std::string source;              // "dockerd command line" or the daemon.json path
};

class DaemonConfig {
public:
  // Reads dockerd's command line (ARGS, without the program) and then the
  // daemon.json it names (--config-file) or DEFAULT_FILE, through ROOT. A
  // daemon.json that is not valid JSON is an error naming it; a missing
  // one is no error (config_file_found() says so).
  [[nodiscard]] static core::Result<DaemonConfig>
  load(const Root& root, const std::vector<std::string>& args, const std::string& default_file);

  // The option's values under its daemon.json name ("hosts", "icc",
  // "log-opts"); empty when it is not set. Command-line values come first.
  [[nodiscard]] std::vector<std::string> values(std::string_view key) const;
  // The last value; nullopt when not set.
  [[nodiscard]] std::optional<std::string> value(std::string_view key) const;
  [[nodiscard]] bool is_set(std::string_view key) const { return !values(key).empty(); }
  // A boolean option: nullopt when not set.
  [[nodiscard]] std::optional<bool> boolean(std::string_view key) const;
  // Where KEY was set ("dockerd command line", a path); empty when not set.
  [[nodiscard]] std::string source(std::string_view key) const;

  [[nodiscard]] const std::string& config_file() const { return m_file; }
  [[nodiscard]] bool config_file_found() const { return m_file_found; }
  [[nodiscard]] const std::vector<std::string>& args() const { return m_args; }

private:
  std::map<std::string, DaemonOption, std::less<>> m_cli;
  std::map<std::string, DaemonOption, std::less<>> m_file_options;
  std::string m_file;
  bool m_file_found = false;
  std::vector<std::string> m_args;
};

// The daemon.json dockerd reads without --config-file: /etc/docker's, or
// for a rootless daemon $XDG_CONFIG_HOME/docker/daemon.json (HOME/.config
// when XDG_CONFIG_HOME is not set).
[[nodiscard]] std::string daemon_json_path(bool rootless, const std::string& home,
                                           const std::string& xdg_config_home);

// dockerd's flag NAME ("H", "host", "insecure-registry") under its
// daemon.json name ("hosts", "insecure-registries").
[[nodiscard]] std::string daemon_json_name(std::string_view flag);

// A dockerd process found in /proc.
struct DockerdProcess {
  long pid = 0;
  uid_t uid = 0;                 // its real uid as the host sees it
  std::vector<std::string> args; // the command line without the program
  // From its environment: HOME, XDG_CONFIG_HOME, XDG_RUNTIME_DIR and
  // ROOTLESSKIT_STATE_DIR (set by rootlesskit for a rootless daemon).
  std::map<std::string, std::string, std::less<>> env;

  // Started with --rootless, or under rootlesskit.
  [[nodiscard]] bool rootless() const;
  // The addresses it listens on: its -H/--host flags, else dockerd's
  // default (unix:///var/run/docker.sock, or for a rootless daemon
  // unix://$XDG_RUNTIME_DIR/docker.sock). fd:// is systemd's socket, the
  // default path.
  [[nodiscard]] std::vector<std::string> hosts() const;
  // The daemon.json it reads without --config-file.
  [[nodiscard]] std::string default_config_file() const;
};

// Whether two daemon addresses name the same socket ("unix:///var/run/x" and
// "unix:///run/x" do; "fd://" is the default socket).
[[nodiscard]] bool same_host(std::string_view a, std::string_view b);

// The dockerd listening on HOST (a DOCKER_HOST address) in ROOT's /proc;
// without one named so, the one with the lowest pid. nullopt when no dockerd
// runs.
[[nodiscard]] std::optional<DockerdProcess> find_dockerd(const Root& root,
                                                         std::string_view host = {});

} // namespace moat::host
