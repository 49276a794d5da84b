#include <moat/report/writer.hpp>

#include <moat/report/writers.hpp>
#include <moat/util/file.hpp>

#include <fmt/format.h>

namespace moat::report {

namespace {
constexpr core::CheckInfo k_unknown_check{"unknown",
                                          "",
                                          core::Severity::info,
                                          "Unknown check",
                                          "The finding did not name the check that produced it.",
                                          "Report this as a bug in moat.",
                                          ""};
} // namespace

core::Result<std::unique_ptr<Writer>> make_writer(std::string_view format,
                                                  const TextOptions& text) {
  if (format == "text")
    return make_text_writer(text);
  if (format == "table") {
    auto options = text;
    options.table = true;
    return make_text_writer(options);
  }
  if (format == "json")
    return make_json_writer();
  if (format == "sarif")
    return make_sarif_writer();
  if (format == "junit")
    return make_junit_writer();
  if (format == "github")
    return make_github_writer();
  if (format == "gitlab")
    return make_gitlab_writer();
  if (format == "checkstyle")
    return make_checkstyle_writer();
  if (format == "sonarqube")
    return make_sonarqube_writer();
  if (format == "markdown")
    return make_markdown_writer();
  return core::fail(core::ErrorKind::usage, "--format",
                    fmt::format("unknown format '{}' (expected text, table, json, sarif, junit, "
                                "github, gitlab, checkstyle, sonarqube or markdown)",
                                format));
}

std::vector<std::string_view> writer_formats() {
  return {"text",   "table",  "json",       "sarif",     "junit",
          "github", "gitlab", "checkstyle", "sonarqube", "markdown"};
}

core::Status write_output(const std::string& path, std::string_view content,
                          std::span<const std::filesystem::path> inputs) {
  if (path.empty())
    return core::fail(core::ErrorKind::usage, "--output", "empty output path");
  if (auto written = util::write_output_file(path, content, inputs); !written)
    return core::fail(core::ErrorKind::io, path, fmt::format("cannot write: {}", written.error()));
  return {};
}

core::Status write_output(const std::string& path, const ReportProducer& produce,
                          std::span<const std::filesystem::path> inputs) {
  if (path.empty())
    return core::fail(core::ErrorKind::usage, "--output", "empty output path");
  core::Status produced;
  auto written = util::write_output_file(
      path,
      [&](std::ostream& out) {
        produced = produce(out);
        return produced.has_value();
      },
      inputs);
  if (!produced)
    return produced;
  if (!written)
    return core::fail(core::ErrorKind::io, path, fmt::format("cannot write: {}", written.error()));
  return {};
}

SeverityCounts count_findings(std::span<const core::TargetReport> reports) {
  SeverityCounts counts;
  for (const auto& report : reports)
    for (const auto& finding : report.findings) {
      ++counts.by_severity[SeverityCounts::index_of(finding.severity)];
      ++counts.total;
    }
  return counts;
}

const core::CheckInfo& check_of(const core::Finding& finding) {
  return finding.check != nullptr ? *finding.check : k_unknown_check;
}

std::string_view file_of(const core::TargetReport& report, const core::Finding& finding) {
  return finding.location.file.empty() ? std::string_view(report.target)
                                       : std::string_view(finding.location.file);
}

std::string_view message_of(const core::Finding& finding) {
  return finding.message.empty() ? check_of(finding).title : std::string_view(finding.message);
}

} // namespace moat::report
