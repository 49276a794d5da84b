#pragma once
// The Image model: what every source (docker save archive, OCI layout,
// daemon, registry, root directory) is turned into before the checks run.

#include <moat/core/result.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::image {

struct HistoryEntry {
  std::string created;
  std::string created_by; // the build step ("/bin/sh -c #(nop) ...", "RUN ... # buildkit")
  std::string comment;
  bool empty_layer = false;
};

struct LayerInfo {
  std::string digest;     // blob digest ("sha256:..."); the diff id when the blob is uncompressed
  std::string diff_id;    // digest of the uncompressed tar, from the config; may be empty
  std::string media_type; // may be empty (docker save classic form)
  std::uint64_t size = 0; // blob size when the manifest gives it
  int history = -1;       // index of the history entry that created it; -1 when unknown
};

struct ImageConfig {
  std::string user;
  std::vector<std::string> env; // "NAME=value"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::vector<std::string> exposed_ports; // "22/tcp"
  std::vector<std::string> volumes;
  std::map<std::string, std::string> labels;
  std::optional<std::vector<std::string>> healthcheck; // the Test array; nullopt when absent
  std::string stop_signal;
  std::string os;
  std::string architecture;
  std::string variant;
  std::string created;
};

struct Image {
  std::string name;              // the target as the user gave it
  std::vector<std::string> tags; // references the source names ("debian:12"); may be empty
  std::string manifest_digest;   // may be empty (docker save classic, directories)
  std::string config_digest;     // "sha256:..."; empty for directories
  ImageConfig config;
  std::vector<HistoryEntry> history;
  std::vector<LayerInfo> layers; // bottom first
  bool is_directory = false;     // dir:// targets have no config or history
};

struct ParsedConfig {
  ImageConfig config;
  std::vector<HistoryEntry> history;
  std::vector<std::string> diff_ids;
};

// True for "sha256:<64 hex>" and "sha512:<128 hex>" (lower-case hex).
[[nodiscard]] bool is_valid_digest(std::string_view digest);

// True for a valid sha256 digest, the only kind moat reads blobs by.
[[nodiscard]] bool is_sha256_digest(std::string_view digest);

// The digest a docker save archive names a file by: ".../HEX" (the OCI form's
// blobs/sha256/HEX) or ".../HEX.json" (a classic config); empty when the
// name is not a sha256 digest.
[[nodiscard]] std::string digest_from_name(std::string_view path);

// The first image of a docker save manifest.json.
struct DockerManifest {
  std::string config;              // path of the config in the archive
  std::vector<std::string> tags;   // RepoTags
  std::vector<std::string> layers; // paths of the layer tars, bottom first
};

// Parses manifest.json of a docker save archive. NAME is used in errors.
[[nodiscard]] core::Result<DockerManifest> parse_docker_manifest(std::string_view text,
                                                                 const std::string& name);

// Parses an image configuration (OCI image config / Docker image JSON). NAME is used in errors.
[[nodiscard]] core::Result<ParsedConfig> parse_image_config(std::string_view text,
                                                            const std::string& name);

// Fills LayerInfo::diff_id and LayerInfo::history from the config; an error
// when the manifest and the config disagree on the number of layers.
[[nodiscard]] core::Status attach_config(Image& image, ParsedConfig parsed);

} // namespace moat::image
