// moat vuln: known vulnerabilities of an image or an SBOM.
#include <moat/cli/common.hpp>
#include <moat/cli/image_common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/cli/vuln_common.hpp>
#include <moat/image/checks.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>
#include <moat/vuln/sbom_input.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace moat::cli {

namespace {

struct VulnCommandOptions {
  CommonOptions common;
  ImageSourceOptions source;
  VulnOptions vuln;
  std::string target;
};

constexpr std::size_t k_max_sbom = 1U << 30;

constexpr std::string_view k_vuln_formats =
    "moat vuln reads CycloneDX JSON and SPDX JSON SBOMs (a file, a pipe or '-' for standard "
    "input) and images (see moat vuln --help)";

enum class TargetKind : std::uint8_t { sbom, image };

// An SBOM is a JSON document, read from a file, a pipe or standard input;
// every image form moat reads is a tar, a directory or a scheme://
// reference. Formats moat does not read are named, not mistaken for images.
core::Result<TargetKind> kind_of(const std::string& target) {
  if (target == "-")
    return TargetKind::sbom;
  if (target.find("://") != std::string::npos)
    return TargetKind::image;
  std::error_code ec;
  const auto status = std::filesystem::status(target, ec);
  if (std::filesystem::is_fifo(status) || std::filesystem::is_character_file(status))
    return TargetKind::sbom; // `moat vuln <(syft ...)`: a stream cannot be an image archive
  if (!std::filesystem::is_regular_file(status))
    return TargetKind::image;
  std::ifstream in(target, std::ios::binary);
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  switch (vuln::sniff_document(head)) {
  case vuln::DocumentKind::empty:
    if (head.size() == 512)
      break; // 512 bytes of white space, and more: not for this guess
    return core::fail(core::ErrorKind::parse, target,
                      fmt::format("empty file; {}", k_vuln_formats));
  case vuln::DocumentKind::json:
    return TargetKind::sbom;
  case vuln::DocumentKind::xml:
    return core::fail(
        core::ErrorKind::parse, target,
        fmt::format("an XML document (CycloneDX XML is not read); {}", k_vuln_formats));
  case vuln::DocumentKind::spdx_tag_value:
    return core::fail(core::ErrorKind::parse, target,
                      fmt::format("an SPDX tag-value document (not read); {}", k_vuln_formats));
  case vuln::DocumentKind::other:
    break;
  }
  return TargetKind::image;
}

int run_vuln(VulnCommandOptions& opts) {
  auto policy = build_policy(opts.common, image_config_start(opts.target));
  if (!policy)
    return report_error(policy.error());
  auto db = open_vuln_db(opts.vuln, true);
  if (!db)
    return report_error(db.error());

  core::TargetReport report;
  report.target = opts.target;
  core::PackedPackages packages;
  vuln::Distro distro;
  std::unique_ptr<CataloguedImage> image;
  const auto kind = kind_of(opts.target);
  if (!kind)
    return report_error(kind.error());
  if (*kind == TargetKind::sbom) {
    auto input = opts.target == "-" ? std::expected<util::InputFile, std::string>(
                                          util::InputFile::standard_input(k_max_sbom))
                                    : util::InputFile::open(opts.target, k_max_sbom);
    if (!input)
      return report_error(core::Error{core::ErrorKind::io, opts.target, input.error(), 0, 0});
    const vuln::ReadChunk read = [&input](std::span<char> buffer) { return input->read(buffer); };
    auto sbom = vuln::read_sbom(read, opts.target);
    if (!sbom)
      return report_error(sbom.error());
    report.kind = "sbom";
    distro = vuln::Distro{sbom->os_id, sbom->os_version};
    if (!sbom->os_id.empty())
      report.os = sbom->os_id + (sbom->os_version.empty() ? "" : " " + sbom->os_version);
    packages = std::move(sbom->packages);
  } else {
    auto loaded = load_and_catalog(opts.target, opts.source, opts.common);
    if (!loaded)
      return report_error(loaded.error());
    report.kind = "image";
    report.os = describe_os((*loaded)->inventory);
    report.notes = (*loaded)->inventory.notes;
    image::add_unread_findings((*loaded)->scanned, (*loaded)->inventory, *policy, report);
    if (const auto& os = (*loaded)->inventory.os)
      distro = vuln::Distro{os->id, os->version_id};
    image = std::move(*loaded);
  }
  const core::PackageSpan image_packages(
      image ? std::span<const core::Package>(image->inventory.packages)
            : std::span<const core::Package>());
  const core::PackageSource& matched =
      image ? static_cast<const core::PackageSource&>(image_packages) : packages;
  if (auto status = add_vulnerabilities(**db, matched, distro, opts.vuln, report,
                                        image ? &image->scanned : nullptr);
      !status)
    return report_error(status.error());
  core::apply_policy(*policy, report);
  std::vector<core::TargetReport> reports;
  reports.push_back(std::move(report));
  if (auto status = emit_reports(opts.common, "vuln", {}, *policy, reports,
                                 vuln_inputs(opts.target, opts.vuln));
      !status)
    return report_error(status.error());
  return findings_exit_code(opts.common, *policy, reports);
}

} // namespace

void attach_vuln(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<VulnCommandOptions>();
  auto* cmd = root.add_subcommand(
      "vuln", "Find known vulnerabilities in an image or an SBOM (offline database)");
  cmd->add_option("TARGET", opts->target,
                  "An image (see TARGETS below) or an SBOM (CycloneDX or SPDX JSON): a file, "
                  "a pipe, or '-' for standard input")
      ->required();
  add_vuln_options(*cmd, opts->vuln, false);
  add_image_source_options(*cmd, opts->source);
  add_common_options(*cmd, opts->common,
                     "text, table (PACKAGE, INSTALLED, FIXED, ID, SEVERITY), json, sarif, junit, "
                     "github, gitlab, checkstyle, sonarqube, markdown");
  cmd->footer(
      std::string("DESCRIPTION:\n"
                  "  Catalogues the packages (as `moat sbom` does) or reads them from an SBOM\n"
                  "  written by moat, Syft or Trivy, and matches them against the local\n"
                  "  advisory database. OS packages match by source package and version in\n"
                  "  the image's release (Debian 12 = Debian:12), so fixes backported by the\n"
                  "  distribution are not reported; language packages match with OSV's range\n"
                  "  rules under their ecosystem's version scheme. Each finding names the\n"
                  "  advisory (rule id) and its aliases, the package, the installed and fixed\n"
                  "  versions, the fix state (fixed, affected, will_not_fix, deferred,\n"
                  "  end_of_life), the severity (distribution urgency, else computed from\n"
                  "  the CVSS vector, else the source's rating) and the layer.\n\n"
                  "  Records of one package are one finding when they have the same id or\n"
                  "  name a common CVE id (the Debian tracker's CVE and a DSA naming it),\n"
                  "  the distribution's record first; its aliases name every merged record,\n"
                  "  so --ignore, .moatignore and VEX match any of them. Records sharing\n"
                  "  only another alias (a GHSA id) stay separate findings that name each\n"
                  "  other as related.\n\n") +
      vuln_db_help() + image_targets_help() +
      "EXAMPLES:\n"
      "  moat db import ./osv-go ./debian-tracker.json\n"
      "  moat vuln app.tar --ignore-unfixed\n"
      "  moat vuln app.tar --include-os-owned --format json\n"
      "  moat vuln app.cdx.json --vex app.openvex.json --show-suppressed\n"
      "  moat vuln docker://python:3.12 --format sarif --output vulns.sarif\n\n" +
      exit_status_help());
  cmd->callback(verb_callback(exit_code, [opts] { return run_vuln(*opts); }));
}

} // namespace moat::cli
