// moat sbom: the package inventory of an image as CycloneDX or SPDX.
#include <moat/cli/common.hpp>
#include <moat/cli/image_common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/image/catalog.hpp>
#include <moat/image/source.hpp>
#include <moat/image/union.hpp>
#include <moat/report/sbom.hpp>
#include <moat/report/writer.hpp>
#include <moat/util/strings.hpp>
#include <moat/util/time.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#ifndef MOAT_VERSION
#define MOAT_VERSION "0.0.0"
#endif

namespace moat::cli {

namespace {

struct SbomOptions {
  std::string target;
  std::string format = "cyclonedx";
  std::string output;
  bool output_given = false;
  ImageSourceOptions source;
  bool quiet = false;
};

// RFC 3339 UTC; SOURCE_DATE_EPOCH (reproducible builds) fixes it.
std::string creation_time() {
  std::time_t seconds = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != '\0') {
    char* end = nullptr;
    const long long value = std::strtoll(epoch, &end, 10);
    if (end != nullptr && *end == '\0' && value >= 0)
      seconds = static_cast<std::time_t>(value);
  }
  return util::rfc3339_utc(seconds);
}

int run_sbom(SbomOptions& opts) {
  if (auto status = check_output_option(opts.output_given, opts.output); !status)
    return report_error(status.error());
  if (opts.format != "cyclonedx" && opts.format != "spdx" && opts.format != "cyclonedx-json" &&
      opts.format != "spdx-json")
    return report_error(
        core::Error{core::ErrorKind::usage, "sbom",
                    fmt::format("unknown format '{}': use cyclonedx or spdx", opts.format), 0, 0});
  CommonOptions common;
  common.quiet = opts.quiet;
  auto loaded = load_and_catalog(opts.target, opts.source, common);
  if (!loaded)
    return report_error(loaded.error());
  const auto& scanned = (*loaded)->scanned;
  auto* inventory = &(*loaded)->inventory;
  for (const auto& note : inventory->notes) // names from the image: escaped for the terminal
    fmt::print(stderr, "moat: note: {}\n", util::terminal_safe(opts.target + ": " + note));

  report::SbomDocument doc;
  doc.name = opts.target;
  doc.target_kind = scanned.image.is_directory ? "directory" : "image";
  doc.digest = !scanned.image.manifest_digest.empty() ? scanned.image.manifest_digest
                                                      : scanned.image.config_digest;
  if (inventory->os) {
    doc.os_id = inventory->os->id;
    doc.os_version = inventory->os->version_id;
    doc.os_codename = inventory->os->version_codename;
    doc.os_name = inventory->os->pretty_name;
  }
  doc.packages = std::move(inventory->packages);
  doc.tool_version = MOAT_VERSION;
  doc.created = creation_time();

  auto produce = [&](std::ostream& out) {
    return opts.format.starts_with("spdx") ? report::write_spdx(doc, out)
                                           : report::write_cyclonedx(doc, out);
  };
  if (opts.output.empty() || opts.output == "-") {
    // Written to a buffer first: a document that fails halfway prints nothing.
    std::ostringstream out;
    if (auto status = produce(out); !status)
      return report_error(status.error());
    std::cout << std::move(out).str() << std::flush;
    if (!std::cout)
      return report_error(core::Error{core::ErrorKind::io, "stdout", "write failed", 0, 0});
    return k_exit_clean;
  }
  if (auto written = report::write_output(opts.output, produce,
                                          std::vector<std::filesystem::path>{opts.target});
      !written)
    return report_error(written.error());
  return k_exit_clean;
}

} // namespace

void attach_sbom(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<SbomOptions>();
  auto* cmd = root.add_subcommand("sbom", "Write the package inventory of an image (SBOM)");
  cmd->add_option("TARGET", opts->target, "The image (see TARGETS below)")->required();
  cmd->add_option("-f,--format", opts->format,
                  "Output format: cyclonedx (1.5 JSON) or spdx (2.3 JSON)")
      ->default_str("cyclonedx")
      ->option_text("FORMAT");
  cmd->add_option("-o,--output", opts->output,
                  "Write the SBOM to FILE instead of standard output: a regular file is "
                  "replaced atomically and keeps its mode, a device or FIFO is written to")
      ->each([opts](const std::string&) { opts->output_given = true; })
      ->option_text("FILE");
  cmd->add_flag("-q,--quiet", opts->quiet, k_quiet_help);
  add_image_source_options(*cmd, opts->source);
  cmd->footer(
      std::string("DESCRIPTION:\n"
                  "  Catalogues the packages visible in the final image: dpkg (status and\n"
                  "  distroless status.d), apk, rpm (SQLite rpmdb), Python dist-info and\n"
                  "  egg-info, npm node_modules, Go binaries (embedded build info) and Java\n"
                  "  archives. Each package carries its purl, licence where declared, the\n"
                  "  layer that installed it and, for Debian, its source package. A\n"
                  "  language package whose files an OS package's file list holds (Debian's\n"
                  "  python3-urllib3 for urllib3) names it: the CycloneDX property\n"
                  "  moat:installed-by, or a CONTAINS relationship from the OS package in\n"
                  "  SPDX. The OS comes from os-release. SOURCE_DATE_EPOCH fixes the\n"
                  "  creation time.\n\n") +
      image_targets_help() +
      "EXAMPLES:\n"
      "  moat sbom app.tar > app.cdx.json\n"
      "  moat sbom --format spdx --output app.spdx.json ./oci-layout\n"
      "  moat sbom docker://debian:12\n\n"
      "EXIT STATUS:\n"
      "  0  the SBOM was written\n"
      "  2  usage error, or the image could not be read (one line on stderr names it;\n"
      "     no partial output file is left behind)\n");
  cmd->callback(verb_callback(exit_code, [opts] { return run_sbom(*opts); }));
}

} // namespace moat::cli
