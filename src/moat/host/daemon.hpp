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

// The command line of a process named dockerd, from ROOT's /proc (without
// the program); nullopt when none runs. With several, the one listening on
// HOST (a DOCKER_HOST address, "unix:///run/docker.sock") is chosen, else the
// one with the lowest pid.
[[nodiscard]] std::optional<std::vector<std::string>>
dockerd_command_line(const Root& root, std::string_view host = {});

} // namespace moat::host
