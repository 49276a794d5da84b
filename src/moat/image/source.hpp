#pragma once
// Sources: turn a target into an Image and its scanned layers.
//
//   PATH (a file)       docker save archive (classic manifest.json or OCI form) or OCI layout tar
//   PATH (a directory)  OCI image layout
//   PATH:REF            an OCI layout's image named REF (org.opencontainers.image.ref.name)
//   dir://PATH          a root file system directory
//   docker://NAME[:TAG] the local Docker daemon (Engine API)
//   registry://HOST[:PORT]/REPO[:TAG|@DIGEST]  a registry (Distribution API)

#include <moat/core/result.hpp>
#include <moat/image/image.hpp>
#include <moat/image/layer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace moat::image {

struct SourceOptions {
  std::string platform;                         // "os/arch[/variant]"; empty: the host's
  std::string ca_cert;                          // registry TLS: an extra CA file
  bool insecure = false;                        // registry over plain HTTP (loopback only)
  std::vector<std::string> insecure_registries; // plain HTTP to these hosts too
  // Network requests end by this time (--timeout); none when unset.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds timeout{0};
  std::string docker_host; // empty: DOCKER_HOST or the default socket
  ScanLimits limits;
  unsigned threads = 0; // layers scanned in parallel; 0: the number of cores
  // When set, each layer blob is also written, as it is read, to
  // KEEP_BLOBS/HEX (HEX: the blob's sha256), for moat run to unpack after
  // the scan verified it. The directory must exist.
  std::string keep_blobs;
  // Read the manifest and config only: every LayerScan is left empty
  // (docker:// sources are still read whole).
  bool skip_layers = false;
  // Called as layers finish (done, total), for a progress bar.
  std::function<void(std::size_t, std::size_t)> progress;
  // Called about ten times a second while layers are read (blob bytes read,
  // total blob bytes; the total is 0 when the source does not say).
  std::function<void(std::uint64_t, std::uint64_t)> progress_bytes;
};

struct ScannedImage {
  Image image;
  std::vector<LayerScan> layers; // parallel to image.layers
};

// Opens TARGET, reads its manifest and config, and scans every layer.
[[nodiscard]] core::Result<ScannedImage> load_image(const std::string& target,
                                                    const SourceOptions& options);

// True for a tag cosign gives what it attaches to an image digest:
// "sha256-<64 hex>.sig" (signatures), ".att" (attestations), ".sbom".
[[nodiscard]] bool is_cosign_attachment_tag(std::string_view tag);

// The host's platform ("linux/amd64", "linux/arm64/v8").
[[nodiscard]] std::string host_platform();

// Picks the manifest for PLATFORM from an OCI index or Docker manifest list
// (JSON text); returns its digest. NAME is used in errors.
// What a file that is not a tar is, from its first bytes ("a gzip-compressed
// file", "a CycloneDX XML document", ...); empty when it may be a tar.
[[nodiscard]] std::string_view sniff_non_tar(std::string_view head);

[[nodiscard]] core::Result<std::string>
select_platform(std::string_view index_json, std::string_view platform, const std::string& name);

// Reads an image manifest (OCI or Docker v2) into IMAGE's layers; returns
// the config digest. NAME is used in errors.
[[nodiscard]] core::Result<std::string> apply_manifest(Image& image, std::string_view text,
                                                       const std::string& name);

// scan_layer, keeping a copy of the blob when OPTIONS.keep_blobs is set.
[[nodiscard]] core::Result<LayerScan>
scan_and_keep(ByteReader& blob, std::string_view expected_digest, const SourceOptions& options,
              std::atomic<std::uint64_t>& entry_budget, std::atomic<std::uint64_t>* bytes_read,
              std::atomic<std::uint64_t>* capture_budget);

// Scans BLOBS (one reader factory per layer) on up to THREADS threads.
using ReaderFactory = std::function<core::Result<std::unique_ptr<ByteReader>>()>;
[[nodiscard]] core::Result<std::vector<LayerScan>>
scan_layers(const Image& image, const std::vector<ReaderFactory>& blobs,
            const SourceOptions& options);

} // namespace moat::image
