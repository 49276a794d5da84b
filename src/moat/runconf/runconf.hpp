#pragma once
// Run configurations: read into ContainerSpecs from their sources, and
// checked (CIS Docker Benchmark section 5 and what users expect beyond it).

#include <moat/core/check.hpp>
#include <moat/core/finding.hpp>
#include <moat/core/result.hpp>
#include <moat/runconf/spec.hpp>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::runconf {

// `docker inspect` / `podman inspect` output: one object or an array of
// them. NAME is the input's name, used in errors and as each spec's source.
[[nodiscard]] core::Result<std::vector<ContainerSpec>> read_inspect(std::string_view text,
                                                                    const std::string& name);

// The Engine API's /containers/{id}/top answer: the command line of each
// process (the CMD or COMMAND column); nullopt when it is not that shape.
[[nodiscard]] std::optional<std::vector<std::string>> read_top(std::string_view json);

// A `docker run` (or `docker container run`, `docker create`, `podman
// run`) command line, split as a POSIX shell splits it and read with
// Docker's flag rules: --flag=value, --flag value, repeated flags, bundled
// short flags (-itd), and the image as the first word that is not an
// option.
[[nodiscard]] core::Result<ContainerSpec> read_docker_run(std::string_view line);

// Values for Compose's variable interpolation.
using Variables = std::map<std::string, std::string>;

// One NAME=VALUE line of an env file, with its 1-based line number.
struct EnvLine {
  std::string name;
  std::string value;
  int line = 0;
};

// A Compose `.env` or `env_file` file: NAME=VALUE lines, `#` comments,
// `export `, quotes; a bare NAME (taken from the environment) is skipped.
[[nodiscard]] std::vector<EnvLine> read_env_lines(std::string_view text);

// The same, as variables (a later line wins).
[[nodiscard]] Variables read_dotenv(std::string_view text);

// A file a Compose file names (an env_file): the name findings give it
// (the path resolved beside the Compose file) and its text.
struct LoadedFile {
  std::string name;
  std::string text;
};
// Reads such a file by the path as written; nullopt when it does not exist.
using FileLoader = std::function<core::Result<std::optional<LoadedFile>>(const std::string&)>;

// A Compose file: one spec per service, each setting with its line and
// column. VARIABLES are the environment and the `.env` values, as Compose
// interpolates them (the environment wins). LOAD reads env_file files;
// without it they are not read.
[[nodiscard]] core::Result<std::vector<ContainerSpec>> read_compose(std::string_view text,
                                                                    const std::string& name,
                                                                    const Variables& variables,
                                                                    const FileLoader& load = {});

// True when TEXT looks like a Kubernetes manifest (top-level apiVersion
// and kind, no Compose services) rather than a Compose file.
[[nodiscard]] bool looks_like_kubernetes(std::string_view text);

// Kubernetes manifests: one or more YAML documents, List objects followed.
// One spec per container (regular, init and ephemeral) of each Pod,
// Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet,
// Job, CronJob and PodTemplate, carrying its pod's settings; other kinds
// are skipped.
[[nodiscard]] core::Result<std::vector<ContainerSpec>> read_kubernetes(std::string_view text,
                                                                       const std::string& name);

// The checks, sorted by id.
[[nodiscard]] std::span<const core::CheckInfo> checks();

// Checks SPEC; findings name FILE (the source) and carry SPEC's positions.
[[nodiscard]] std::vector<core::Finding> check(const ContainerSpec& spec);

// Checks every spec. A finding the containers of one pod share (the same
// check at the same pod-level setting) is reported once, naming the pod.
[[nodiscard]] std::vector<core::Finding> check(const std::vector<ContainerSpec>& specs);

} // namespace moat::runconf
