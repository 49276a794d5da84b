// JSON output: one document with every target, its findings (aliases on each
// finding, so tools can match on ids they already know) and a summary.

#include <moat/report/writers.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace moat::report {

namespace {

using Json = nlohmann::ordered_json;

Json string_array(const std::vector<std::string_view>& items) {
  auto array = Json::array();
  for (auto item : items)
    array.push_back(std::string(item));
  return array;
}

Json location_json(const core::TargetReport& report, const core::Finding& finding) {
  Json loc = Json::object();
  loc["file"] = std::string(file_of(report, finding));
  if (finding.location.line > 0)
    loc["line"] = finding.location.line;
  if (finding.location.column > 0)
    loc["column"] = finding.location.column;
  if (finding.location.end_line > 0)
    loc["end_line"] = finding.location.end_line;
  return loc;
}

Json finding_json(const core::TargetReport& report, const core::Finding& finding) {
  const auto& check = check_of(finding);
  Json f = Json::object();
  f["id"] = std::string(check.id);
  f["aliases"] = string_array(core::aliases_of(check));
  f["severity"] = std::string(core::to_string(finding.severity));
  f["title"] = std::string(check.title);
  f["message"] = std::string(message_of(finding));
  f["location"] = location_json(report, finding);
  f["remediation"] = std::string(check.remediation);
  f["references"] = string_array(core::references_of(check));
  return f;
}

class JsonWriter final : public Writer {
public:
  void write(std::ostream& out, const ReportInfo& info,
             std::span<const core::TargetReport> reports) const override {
    Json doc = Json::object();
    doc["tool"] = "moat";
    doc["version"] = info.tool_version;
    doc["command"] = info.command;

    auto targets = Json::array();
    int suppressed = 0;
    for (const auto& report : reports) {
      Json target = Json::object();
      target["target"] = report.target;
      target["kind"] = report.kind;
      auto findings = Json::array();
      for (const auto& finding : report.findings)
        findings.push_back(finding_json(report, finding));
      target["findings"] = std::move(findings);
      target["suppressed"] = report.suppressed;
      suppressed += report.suppressed;
      targets.push_back(std::move(target));
    }
    doc["targets"] = std::move(targets);

    auto counts = count_findings(reports);
    Json summary = Json::object();
    summary["total"] = counts.total;
    for (auto s : k_severities_descending)
      summary[std::string(core::to_string(s))] = counts.of(s);
    summary["suppressed"] = suppressed;
    doc["summary"] = std::move(summary);

    // Findings quote the input, which need not be valid UTF-8; replacing bad
    // bytes keeps the document valid instead of throwing.
    out << doc.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
  }
};

} // namespace

std::unique_ptr<Writer> make_json_writer() {
  return std::make_unique<JsonWriter>();
}

} // namespace moat::report
