#pragma once
// What `moat image` and `moat sbom` share: the source options, loading with
// a progress bar on a terminal, and the TARGETS help text.

#include <moat/cli/common.hpp>
#include <moat/image/catalog.hpp>
#include <moat/image/source.hpp>

#include <moat/image/union.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace moat::cli {

struct ImageSourceOptions {
  std::string platform;
  std::string ca_cert;
  bool insecure = false;
  std::vector<std::string> insecure_registries;
  std::string timeout = "5m";
  std::string max_layer_size = "256GiB";
  std::uint64_t max_files = 1'000'000;
  bool no_progress = false;
  std::string keep_blobs;    // image::SourceOptions::keep_blobs (moat run)
  bool skip_layers = false;  // image::SourceOptions::skip_layers (moat run)
  bool scan_secrets = false; // image::ScanLimits::scan_secrets (moat image, moat run --fail-on)
};

// Adds --platform, --ca-cert, --insecure, --no-progress.
void add_image_source_options(CLI::App& cmd, ImageSourceOptions& options);

// Loads TARGET, drawing a progress bar on stderr when it is a terminal.
[[nodiscard]] core::Result<image::ScannedImage>
load_image_with_progress(const std::string& target, const ImageSourceOptions& options,
                         const CommonOptions& common);

// A loaded image with its union view and inventory. The view points into
// SCANNED, so the object stays where it was made.
struct CataloguedImage {
  image::ScannedImage scanned;
  std::optional<image::UnionView> view;
  image::Inventory inventory;
};

// Loads TARGET (with the progress bar) and catalogues its packages.
[[nodiscard]] core::Result<std::unique_ptr<CataloguedImage>>
load_and_catalog(const std::string& target, const ImageSourceOptions& options,
                 const CommonOptions& common);

// Where to look upward for .moat.yaml: the target's directory for files, else the current one.
[[nodiscard]] std::filesystem::path image_config_start(const std::string& target);

// "debian 12 (bookworm)"; empty when unknown.
[[nodiscard]] std::string describe_os(const image::Inventory& inventory);

// The TARGETS section of --help.
[[nodiscard]] std::string image_targets_help();

} // namespace moat::cli
