#pragma once
// Run configurations: read into ContainerSpecs from their sources, and
// checked (CIS Docker Benchmark section 5 and what users expect beyond it).

#include <moat/core/check.hpp>
#include <moat/core/finding.hpp>
#include <moat/core/result.hpp>
#include <moat/runconf/spec.hpp>

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::runconf {

// `docker inspect` / `podman inspect` output: one object or an array of
// them. NAME is the input's name, used in errors and as each spec's source.
[[nodiscard]] core::Result<std::vector<ContainerSpec>> read_inspect(std::string_view text,
                                                                    const std::string& name);

// A `docker run` (or `docker container run`, `docker create`, `podman
// run`) command line, split as a POSIX shell splits it and read with
// Docker's flag rules: --flag=value, --flag value, repeated flags, bundled
// short flags (-itd), and the image as the first word that is not an
// option.
[[nodiscard]] core::Result<ContainerSpec> read_docker_run(std::string_view line);

// Values for Compose's variable interpolation.
using Variables = std::map<std::string, std::string>;

// A Compose `.env` file: NAME=VALUE lines, `#` comments, `export `, quotes.
[[nodiscard]] Variables read_dotenv(std::string_view text);

// A Compose file: one spec per service, each setting with its line and
// column. VARIABLES are the environment and the `.env` values, as Compose
// interpolates them (the environment wins).
[[nodiscard]] core::Result<std::vector<ContainerSpec>>
read_compose(std::string_view text, const std::string& name, const Variables& variables);

// The checks, sorted by id.
[[nodiscard]] std::span<const core::CheckInfo> checks();

// Checks SPEC; findings name FILE (the source) and carry SPEC's positions.
[[nodiscard]] std::vector<core::Finding> check(const ContainerSpec& spec);

} // namespace moat::runconf
