// moat image: container images.
#include <moat/cli/common.hpp>
#include <moat/cli/image_common.hpp>
#include <moat/cli/verbs.hpp>
#include <moat/cli/vuln_common.hpp>
#include <moat/dockerfile/lint.hpp>
#include <moat/image/catalog.hpp>
#include <moat/image/checks.hpp>
#include <moat/image/source.hpp>
#include <moat/image/union.hpp>
#include <moat/secrets/rules.hpp>
#include <moat/trust/trust.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <memory>
#include <unistd.h>

namespace moat::cli {

namespace {

struct ImageOptions {
  CommonOptions common;
  ImageSourceOptions source;
  VulnOptions vuln;
  std::string target;
  bool list_packages = false;
  std::string trust_policy;
  bool skip_secrets = false;
};

int run_image(ImageOptions& opts) {
  auto policy = build_policy(opts.common, image_config_start(opts.target));
  if (!policy)
    return report_error(policy.error());
  // Vulnerabilities are part of the image report whenever a database is
  // there (--db names one that must exist).
  std::optional<vuln::Database> db;
  if (!opts.vuln.skip) {
    auto opened = open_vuln_db(opts.vuln, !opts.vuln.db.empty() || opts.vuln.require_db);
    if (!opened)
      return report_error(opened.error());
    db = std::move(*opened);
  }
  // Without a database the report must not read as "no vulnerabilities".
  std::string unchecked;
  if (!db && !opts.vuln.skip) {
    unchecked = fmt::format(
        "vulnerabilities not checked: no vulnerability database at {}; create one with `moat db "
        "update` (online) or `moat db import` (offline), or pass --skip-vulns",
        vuln::default_db_path().string());
  }
  opts.source.scan_secrets = !opts.skip_secrets;
  auto loaded = load_and_catalog(opts.target, opts.source, opts.common);
  if (!loaded)
    return report_error(loaded.error());
  if (!unchecked.empty()) // after the image loaded: an error stays one line
    fmt::print(stderr, "moat: warning: {}\n", util::terminal_safe(unchecked));
  const auto& scanned = (*loaded)->scanned;
  const auto& inventory = (*loaded)->inventory;
  auto report = image::check_image(scanned, *(*loaded)->view, inventory, *policy);
  if (db) {
    vuln::Distro distro;
    if (inventory.os)
      distro = vuln::Distro{inventory.os->id, inventory.os->version_id};
    if (auto status = add_vulnerabilities(*db, core::PackageSpan(inventory.packages), distro,
                                          opts.vuln, report, &scanned);
        !status)
      return report_error(status.error());
  }
  if (!opts.trust_policy.empty()) {
    auto trust_policy = trust::read_policy(opts.trust_policy);
    if (!trust_policy)
      return report_error(trust_policy.error());
    image::RegistryOptions options;
    options.ca_cert = opts.source.ca_cert;
    options.insecure = opts.source.insecure;
    options.insecure_registries = opts.source.insecure_registries;
    auto verdict = trust::check_policy(*trust_policy, opts.target, options);
    if (!verdict)
      return report_error(verdict.error());
    trust::add_policy_verdict(report, *verdict);
  }
  core::apply_policy(*policy, report);
  // The inventory's notes come first; matching may have added its own.
  report.notes.insert(report.notes.begin(), inventory.notes.begin(), inventory.notes.end());
  if (!unchecked.empty())
    report.notes.insert(report.notes.begin(), unchecked);
  report.os = describe_os(inventory);
  if (opts.list_packages) {
    report.list_packages = true;
    report.packages = inventory.packages;
  }
  std::vector<core::TargetReport> reports;
  reports.push_back(std::move(report));
  // Findings come from the image table and, for the history, the Dockerfile table.
  std::vector<core::CheckInfo> all(image::checks().begin(), image::checks().end());
  all.insert(all.end(), dockerfile::checks().begin(), dockerfile::checks().end());
  all.insert(all.end(), secrets::checks().begin(), secrets::checks().end());
  if (!opts.trust_policy.empty())
    all.insert(all.end(), trust::checks().begin(), trust::checks().end());
  if (auto status = emit_reports(opts.common, "image", all, *policy, reports,
                                 vuln_inputs(opts.target, opts.vuln));
      !status)
    return report_error(status.error());
  return findings_exit_code(opts.common, *policy, reports);
}

} // namespace

void attach_image(CLI::App& root, int& exit_code) {
  auto opts = std::make_shared<ImageOptions>();
  auto* cmd = root.add_subcommand(
      "image", "Check a container image: configuration, history, files and packages");
  cmd->add_option("TARGET", opts->target, "The image (see TARGETS below)")->required();
  add_image_source_options(*cmd, opts->source);
  cmd->add_flag("--list-packages", opts->list_packages,
                "Include the package inventory (SBOM) in the report");
  cmd->add_flag("--skip-secrets", opts->skip_secrets,
                "Do not run every file's bytes through the secret rules (SE ids)");
  cmd->add_option("--policy", opts->trust_policy,
                  "Also judge the image's signatures by this trust policy (TR003)")
      ->option_text("FILE");
  add_vuln_options(*cmd, opts->vuln, true);
  add_common_options(
      *cmd, opts->common,
      "text, table, json, sarif, junit, github, gitlab, checkstyle, sonarqube, markdown");
  cmd->footer(
      std::string("DESCRIPTION:\n"
                  "  Reads the image in one streamed pass, layers in parallel, nothing\n"
                  "  extracted to disk, every blob's digest verified. Checks the config\n"
                  "  (user, HEALTHCHECK, secrets in ENV, volumes, port 22, latest tag),\n"
                  "  the build history (rebuilt as a Dockerfile and run through the\n"
                  "  Dockerfile checks), and the files of every layer: setuid/setgid,\n"
                  "  world-writable, private keys found by content, credential files,\n"
                  "  empty passwords, duplicate UIDs/GIDs, package caches, unneeded files,\n"
                  "  hostile archive entries, and secrets that a later layer deleted or\n"
                  "  overwrote (still in the image for anyone who pulls it). Each finding\n"
                  "  names the layer (digest and history created_by) and the path.\n"
                  "  When a vulnerability database is there, the packages are matched\n"
                  "  against it too, as `moat vuln` does.\n\n") +
      image_targets_help() + vuln_db_help() +
      "EXAMPLES:\n"
      "  moat image app.tar\n"
      "  moat image --platform linux/arm64 ./oci-layout\n"
      "  moat image docker://nginx:1.27 --format sarif --output image.sarif\n"
      "  moat image registry://127.0.0.1:5000/team/app:1.4 --insecure\n"
      "  moat image dir:///srv/rootfs --list-packages\n\n" +
      exit_status_help());
  cmd->callback(verb_callback(exit_code, [opts] { return run_image(*opts); }));
}

} // namespace moat::cli
