// SARIF 2.1.0 output, for GitHub code scanning and other SARIF consumers. The
// level and security-severity mapping follows Trivy's, so dashboards rank
// moat's results the way they rank Trivy's.

#include <moat/report/writers.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace moat::report {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view k_schema = "https://json.schemastore.org/sarif-2.1.0.json";

std::string_view level_of(core::Severity s) {
  switch (s) {
  case core::Severity::critical:
  case core::Severity::high:
    return "error";
  case core::Severity::medium:
    return "warning";
  case core::Severity::low:
  case core::Severity::info:
    return "note";
  }
  return "note";
}

// GitHub sorts alerts by this CVSS-like score (a string, as GitHub requires).
std::string_view security_severity_of(core::Severity s) {
  switch (s) {
  case core::Severity::critical:
    return "9.0";
  case core::Severity::high:
    return "7.0";
  case core::Severity::medium:
    return "5.0";
  case core::Severity::low:
    return "3.0";
  case core::Severity::info:
    return "1.0";
  }
  return "1.0";
}

// A file path as a URI reference: bytes outside RFC 3986's unreserved set are
// percent-encoded ('/' stays, as the segment separator; ':' is encoded so a
// relative path never reads as a scheme). Absolute paths become file URIs.
std::string uri_of(std::string_view path) {
  std::string out;
  if (!path.empty() && path.front() == '/')
    out = "file://";
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (keep)
      out += ch;
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

Json string_array(const std::vector<std::string_view>& items) {
  auto array = Json::array();
  for (auto item : items)
    array.push_back(std::string(item));
  return array;
}

Json rule_json(const core::CheckInfo& check) {
  Json rule = Json::object();
  rule["id"] = std::string(check.id);
  rule["name"] = std::string(check.id);
  rule["shortDescription"] = {{"text", std::string(check.title)}};
  rule["fullDescription"] = {{"text", std::string(check.rationale)}};

  auto references = core::references_of(check);
  std::string markdown =
      fmt::format("{}\n\n**Remediation:** {}", check.rationale, check.remediation);
  if (!references.empty()) {
    markdown += "\n\n**References:**\n";
    for (auto ref : references)
      markdown += fmt::format("\n- <{}>", ref);
  }
  rule["help"] = {{"text", fmt::format("{}\nRemediation: {}", check.rationale, check.remediation)},
                  {"markdown", markdown}};
  if (!references.empty())
    rule["helpUri"] = std::string(references.front());
  rule["defaultConfiguration"] = {{"level", std::string(level_of(check.severity))}};

  Json properties = Json::object();
  properties["aliases"] = string_array(core::aliases_of(check));
  properties["security-severity"] = std::string(security_severity_of(check.severity));
  properties["tags"] = Json::array({"security"});
  rule["properties"] = std::move(properties);
  return rule;
}

Json result_json(const core::TargetReport& report, const core::Finding& finding,
                 std::size_t rule_index) {
  const auto& loc = finding.location;
  Json physical = Json::object();
  physical["artifactLocation"] = {
      {"uri", loc.path.empty()
                  ? uri_of(file_of(report, finding))
                  // A path inside an image: relative, it is not on this machine.
                  : uri_of(std::string_view(loc.path).substr(loc.path.starts_with('/') ? 1 : 0))}};
  if (loc.line > 0) {
    Json region = Json::object();
    region["startLine"] = loc.line;
    if (loc.column > 0)
      region["startColumn"] = loc.column;
    if (loc.end_line >= loc.line)
      region["endLine"] = loc.end_line;
    physical["region"] = std::move(region);
  }

  Json result = Json::object();
  result["ruleId"] = std::string(check_of(finding).id);
  result["ruleIndex"] = rule_index;
  result["level"] = std::string(level_of(finding.severity));
  result["message"] = {{"text", std::string(message_of(finding))}};
  result["locations"] = Json::array({Json{{"physicalLocation", std::move(physical)}}});
  Json properties = Json::object();
  if (loc.layer >= 0) {
    Json layer = Json::object();
    layer["index"] = loc.layer;
    layer["digest"] = loc.layer_digest;
    layer["createdBy"] = loc.created_by;
    if (finding.secret && finding.secret->shadowed_by >= 0)
      layer["shadowedBy"] = {{"index", finding.secret->shadowed_by},
                             {"digest", finding.secret->shadowed_digest},
                             {"how", finding.secret->shadowed_how}};
    properties["layer"] = std::move(layer);
  }
  if (const auto& s = finding.secret) {
    properties["secret"] = {{"rule", s->rule}, {"redacted", s->redacted}};
    // Review tools follow a result across commits by its partial
    // fingerprints: the secret's, not the line it sits on.
    if (!s->fingerprint.empty()) {
      properties["secret"]["fingerprint"] = s->fingerprint;
      result["partialFingerprints"] = {{"moatSecret/v1", s->fingerprint}};
    }
  }
  if (const auto& v = finding.vulnerability) {
    // The rule is shared by every package the advisory affects; what this
    // result merged and relates to is its own.
    properties["aliases"] = v->aliases;
    properties["related"] = v->related;
    properties["package"] = {{"name", v->package_name},
                             {"version", v->package_version},
                             {"purl", v->package_purl},
                             {"ecosystem", v->package_ecosystem}};
    properties["fixedVersion"] = v->fixed_version;
    properties["state"] = v->state;
    properties["rating"] = v->severity;
    if (v->score >= 0.0)
      properties["security-severity"] = fmt::format("{:.1f}", v->score);
    if (!v->vector.empty())
      properties["cvssVector"] = v->vector;
    if (!v->suppressed_by.empty())
      result["suppressions"] = Json::array(
          {Json{{"kind", "external"},
                {"status", "accepted"},
                {"justification", fmt::format("{}: {}", v->suppressed_by, v->justification)}}});
  }
  if (!properties.empty())
    result["properties"] = std::move(properties);
  return result;
}

class SarifWriter final : public Writer {
public:
  void write(std::ostream& out, const ReportInfo& info,
             std::span<const core::TargetReport> reports) const override {
    // Rules: the checks that ran, then any other check a finding names, each
    // once by id so ruleIndex points at the right descriptor.
    std::vector<const core::CheckInfo*> rules;
    std::map<std::string, std::size_t, std::less<>> index_by_id;
    auto add_rule = [&](const core::CheckInfo& check) {
      auto [it, inserted] = index_by_id.try_emplace(std::string(check.id), rules.size());
      if (inserted)
        rules.push_back(&check);
      return it->second;
    };
    for (const auto* check : info.checks)
      if (check != nullptr)
        add_rule(*check);

    // GitHub reads a rule's security-severity; a vulnerability's is its CVSS score.
    std::map<std::string, double, std::less<>> scores;
    // An advisory's findings may have merged different records per package:
    // its rule names every alias any of them has.
    std::map<std::string, std::vector<std::string>, std::less<>> aliases;
    for (const auto& report : reports)
      for (const auto* list : {&report.findings, &report.suppressed_findings})
        for (const auto& finding : *list) {
          add_rule(check_of(finding));
          const auto& v = finding.vulnerability;
          if (!v)
            continue;
          if (v->score >= 0.0) {
            auto& score = scores[v->id];
            score = std::max(score, v->score);
          }
          auto& known = aliases[v->id];
          for (const auto& alias : v->aliases)
            if (std::find(known.begin(), known.end(), alias) == known.end())
              known.push_back(alias);
        }

    for (const auto& report : reports)
      if (report.show_passed)
        for (const auto& passed : report.passed)
          add_rule(*passed.check);

    auto rule_array = Json::array();
    for (const auto* check : rules) {
      auto rule = rule_json(*check);
      if (auto score = scores.find(check->id); score != scores.end())
        rule["properties"]["security-severity"] = fmt::format("{:.1f}", score->second);
      if (auto known = aliases.find(check->id); known != aliases.end())
        rule["properties"]["aliases"] = known->second;
      rule_array.push_back(std::move(rule));
    }

    Json driver = Json::object();
    driver["name"] = "moat";
    driver["version"] = info.tool_version;
    driver["rules"] = std::move(rule_array);

    Json run = Json::object();
    run["tool"] = {{"driver", std::move(driver)}};
    // Each target's notes (what was not read or not checked) are the
    // invocation's tool execution notifications.
    auto notifications = Json::array();
    for (const auto& report : reports)
      for (const auto& note : report.notes)
        notifications.push_back(
            Json{{"level", "warning"},
                 {"message", {{"text", fmt::format("{}: {}", report.target, note)}}}});
    run["invocations"] = Json::array({Json{
        {"executionSuccessful", true}, {"toolExecutionNotifications", std::move(notifications)}}});
    // The results are streamed one at a time into the place the document
    // keeps for them (the last member of the run): a lint can report a
    // million findings, and as one DOM they took a gigabyte.
    run["results"] = Json::array();

    Json doc = Json::object();
    doc["$schema"] = std::string(k_schema);
    doc["version"] = "2.1.0";
    doc["runs"] = Json::array({std::move(run)});
    // Messages quote the input, which need not be valid UTF-8.
    const std::string frame = doc.dump(2, ' ', false, Json::error_handler_t::replace);
    // Inside a JSON string a quote is escaped, so this text is the key.
    constexpr std::string_view k_slot = "\"results\": []";
    const std::size_t slot = frame.rfind(k_slot);
    const std::size_t open = slot + k_slot.size() - 1; // at the ']'
    out.write(frame.data(), static_cast<std::streamsize>(open));
    bool first = true;
    // One result, pretty-printed as an element of runs[0].results: eight
    // spaces in. A JSON text holds no raw newline but between its tokens.
    auto write_result = [&](const Json& result) {
      const std::string text = result.dump(2, ' ', false, Json::error_handler_t::replace);
      out << (first ? "\n        " : ",\n        ");
      first = false;
      std::size_t from = 0;
      for (std::size_t nl = text.find('\n'); nl != std::string::npos;
           from = nl + 1, nl = text.find('\n', from)) {
        out.write(text.data() + from, static_cast<std::streamsize>(nl + 1 - from));
        out << "        ";
      }
      out.write(text.data() + from, static_cast<std::streamsize>(text.size() - from));
    };
    for (const auto& report : reports)
      for (const auto* list : {&report.findings, &report.suppressed_findings})
        for (const auto& finding : *list)
          write_result(
              result_json(report, finding, index_by_id.find(check_of(finding).id)->second));
    // Checks that passed, with --show-passed: results of kind "pass".
    for (const auto& report : reports) {
      if (!report.show_passed)
        continue;
      for (const auto& passed : report.passed) {
        Json result = Json::object();
        result["ruleId"] = std::string(passed.check->id);
        result["ruleIndex"] = index_by_id.find(passed.check->id)->second;
        result["kind"] = "pass";
        result["level"] = "none";
        result["message"] = {{"text", passed.message}};
        result["locations"] = Json::array(
            {Json{{"physicalLocation", {{"artifactLocation", {{"uri", report.target}}}}}}});
        write_result(result);
      }
    }
    if (!first)
      out << "\n      ";
    out.write(frame.data() + open, static_cast<std::streamsize>(frame.size() - open));
    out << '\n';
  }
};

} // namespace

std::unique_ptr<Writer> make_sarif_writer() {
  return std::make_unique<SarifWriter>();
}

} // namespace moat::report
