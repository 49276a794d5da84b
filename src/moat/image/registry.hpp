#pragma once
// Reads images from a registry that speaks the OCI distribution API
// (Docker Registry HTTP API v2): manifests and blobs, verified by digest.

#include <moat/core/result.hpp>
#include <moat/engine/http.hpp>
#include <moat/image/image.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace moat::image {

using engine::ByteSink;
using engine::HttpClient;
using engine::HttpResponse;

inline constexpr std::string_view k_media_oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view k_media_oci_manifest =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view k_media_docker_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view k_media_docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";

// Upper bound for manifests, configs and token responses read into memory.
inline constexpr std::size_t k_max_manifest_bytes = std::size_t{8} * 1024 * 1024;

// Where an image lives in a registry.
struct RegistryRef {
  std::string host;       // host[:port], as written
  std::string repository; // path inside the registry, e.g. "library/alpine"
  std::string tag;        // "latest" when neither a tag nor a digest was given
  std::string digest;     // "sha256:<hex>" when pinned; wins over the tag

  // The reference to ask the registry for: the digest when pinned, else the tag.
  [[nodiscard]] std::string reference() const { return digest.empty() ? tag : digest; }
  // "registry://HOST/REPO:TAG", "registry://HOST/REPO@DIGEST" or both.
  [[nodiscard]] std::string to_string() const;
};

// Parses "HOST[:PORT]/REPO[:TAG|@DIGEST]" (the part after registry://).
[[nodiscard]] core::Result<RegistryRef> parse_registry_ref(std::string_view text);

// True for a host (with or without port) naming this machine: localhost, 127.0.0.0/8, ::1.
[[nodiscard]] bool is_loopback_host(std::string_view host_port);

struct RegistryOptions {
  std::string ca_cert;   // extra CA file for the registry's TLS certificate
  bool insecure = false; // plain http; only for a loopback registry
  std::string
      docker_config;    // config.json; default $DOCKER_CONFIG/config.json or ~/.docker/config.json
  std::string platform; // "os/arch[/variant]" picked from an index; default: this machine's
  // Hosts (HOST or HOST:PORT) reached over plain http though not on this
  // machine: Docker's --insecure-registry.
  std::vector<std::string> insecure_registries;
  // Every request ends by this time (--timeout); none when unset.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds timeout{0};
};

// A manifest as the registry sent it.
struct Manifest {
  std::string media_type;
  std::string digest; // of the body, computed here
  std::string body;

  [[nodiscard]] bool is_index() const {
    return media_type == k_media_oci_index || media_type == k_media_docker_list;
  }
};

// One challenge of a WWW-Authenticate header.
struct AuthChallenge {
  std::string scheme;                        // lower case: "basic", "bearer", ...
  std::map<std::string, std::string> params; // names in lower case, values unquoted
};

// Parses a WWW-Authenticate header value (RFC 9110 §11.6.1), which may hold several challenges.
[[nodiscard]] std::vector<AuthChallenge> parse_www_authenticate(std::string_view value);

// Credentials for one registry host found in a Docker config.json.
struct DockerCredentials {
  std::string username;
  std::string password;
  // Set when the host's credentials live in a credential helper
  // ("credsStore"/"credHelpers"), which moat does not run.
  std::string helper;
  [[nodiscard]] bool found() const { return !username.empty() || !password.empty(); }
};

// Looks up HOST in the Docker config.json at PATH; a missing file yields no credentials.
[[nodiscard]] core::Result<DockerCredentials>
read_docker_credentials(const std::filesystem::path& path, std::string_view host);

// The config.json moat reads credentials from when none is given.
[[nodiscard]] std::filesystem::path default_docker_config();

// "os/arch[/variant]" of the machine moat was built for, e.g. "linux/amd64".
[[nodiscard]] std::string default_platform();

// Reads manifests and blobs of one repository of one registry.
class RegistryClient {
public:
  // Prepares a client; no request is made yet. Fails on bad options.
  [[nodiscard]] static core::Result<RegistryClient> open(const RegistryRef& ref,
                                                         RegistryOptions options);

  // GETs the manifest for a tag or digest, accepting OCI and Docker v2
  // manifests and indexes. A digest reference is verified against the body.
  [[nodiscard]] core::Result<Manifest> get_manifest(std::string_view reference);

  // GETs the reference's manifest and, when it is an index, the manifest of
  // the chosen platform in it.
  [[nodiscard]] core::Result<Manifest> get_image_manifest();

  // Streams a blob to SINK, following redirects, and verifies its digest at
  // the end; on a mismatch (ErrorKind::parse) SINK has already seen the bad
  // bytes, so the caller must discard what it received.
  [[nodiscard]] core::Status get_blob(std::string_view digest, const ByteSink& sink);

  // Reads a small blob (a config) into memory, verified; over MAX_BYTES fails with
  // ErrorKind::limit.
  [[nodiscard]] core::Result<std::string> get_blob_text(std::string_view digest,
                                                        std::size_t max_bytes);

  // The manifest REFERENCE names, or nullopt when the registry has none
  // (404): a signature tag that does not exist yet.
  [[nodiscard]] core::Result<std::optional<Manifest>> find_manifest(std::string_view reference);

  // Uploads BYTES as the blob DIGEST unless the registry has it already
  // (HEAD; then one POST and one PUT).
  [[nodiscard]] core::Status put_blob(const std::string& digest, const std::string& bytes);

  // PUTs BODY as the manifest REFERENCE (a tag) with MEDIA_TYPE.
  [[nodiscard]] core::Status put_manifest(std::string_view reference, std::string_view media_type,
                                          const std::string& body);

  [[nodiscard]] const RegistryRef& ref() const { return m_ref; }

private:
  RegistryClient(RegistryRef ref, RegistryOptions options, HttpClient http, std::string base)
      : m_ref(std::move(ref)), m_options(std::move(options)), m_http(std::move(http)),
        m_base(std::move(base)) {}

  core::Result<HttpResponse> send(const std::string& url, const std::vector<std::string>& headers,
                                  std::size_t max_body, const ByteSink* sink,
                                  const std::string& method = "GET",
                                  const std::string* body = nullptr);
  core::Status authenticate(const HttpResponse& challenge_response);
  core::Error transport_error(core::Error error) const;
  [[nodiscard]] std::string display(std::string_view reference) const;

  RegistryRef m_ref;
  RegistryOptions m_options;
  HttpClient m_http;
  std::string m_base;          // "https://HOST/v2/REPO/"
  std::string m_authorization; // value of the Authorization header once authenticated
};

} // namespace moat::image
