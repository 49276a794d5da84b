// Reports in the formats CI systems and review tools read natively:
//   github     GitHub Actions workflow commands (::error file=...,line=...::msg),
//              shown as annotations on the pull request;
//   gitlab     GitLab's Code Quality report (Code Climate issues with
//              fingerprints that stay the same from run to run);
//   checkstyle Checkstyle XML (<checkstyle><file><error .../>);
//   sonarqube  SonarQube's generic issue import (10.3 and later: rules and
//              issues);
//   markdown   a table for a pull-request comment.

#include <moat/report/writers.hpp>
#include <moat/util/sha256.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace moat::report {

namespace {

// --- GitHub --------------------------------------------------------------

// A workflow command's message: %, CR and LF escaped.
std::string github_data(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out;
}

// A workflow command's property value: the message's escapes, and : and ,
// which separate properties.
std::string github_property(std::string_view text) {
  std::string out;
  for (const char c : github_data(text)) {
    if (c == ':')
      out += "%3A";
    else if (c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

// Three levels, as GitHub's annotations and Checkstyle have them: critical
// and high are errors, medium and low warnings, info LOWEST ("notice" for
// GitHub, "info" for Checkstyle).
const char* three_levels(core::Severity s, const char* lowest) {
  switch (s) {
  case core::Severity::critical:
  case core::Severity::high:
    return "error";
  case core::Severity::medium:
  case core::Severity::low:
    return "warning";
  case core::Severity::info:
    break;
  }
  return lowest;
}

class GithubWriter final : public Writer {
public:
  void write(std::ostream& out, const ReportInfo& /*info*/,
             std::span<const core::TargetReport> reports) const override {
    for (const auto& report : reports)
      for (const auto& f : report.findings) {
        const auto& check = check_of(f);
        std::string props = "file=" + github_property(file_of(report, f));
        if (f.location.line > 0) {
          props += fmt::format(",line={}", f.location.line);
          if (f.location.end_line > f.location.line)
            props += fmt::format(",endLine={}", f.location.end_line);
          if (f.location.column > 0)
            props += fmt::format(",col={}", f.location.column);
        }
        props += ",title=" + github_property(fmt::format("{} {} ({})", check.id, check.title,
                                                         core::to_string(f.severity)));
        out << "::" << three_levels(f.severity, "notice") << ' ' << props
            << "::" << github_data(message_of(f)) << '\n';
      }
  }
};

// --- GitLab Code Quality -------------------------------------------------

const char* gitlab_severity(core::Severity s) {
  switch (s) {
  case core::Severity::critical:
    return "blocker";
  case core::Severity::high:
    return "critical";
  case core::Severity::medium:
    return "major";
  case core::Severity::low:
    return "minor";
  case core::Severity::info:
    break;
  }
  return "info";
}

// What identifies a finding across runs without its line, which moves as
// the file is edited: the check, the file, the message, and which of the
// findings with those three it is.
std::string fingerprint(std::string_view check, std::string_view file, std::string_view message,
                        int occurrence) {
  return util::sha256_hex(fmt::format("{}\n{}\n{}\n{}", check, file, message, occurrence))
      .substr(0, 32);
}

class GitlabWriter final : public Writer {
public:
  void write(std::ostream& out, const ReportInfo& /*info*/,
             std::span<const core::TargetReport> reports) const override {
    auto issues = nlohmann::ordered_json::array();
    std::map<std::string, int> seen;
    for (const auto& report : reports)
      for (const auto& f : report.findings) {
        const auto& check = check_of(f);
        const std::string file(file_of(report, f));
        const std::string message(message_of(f));
        const int occurrence = seen[fmt::format("{}\n{}\n{}", check.id, file, message)]++;
        nlohmann::ordered_json issue;
        issue["type"] = "issue";
        issue["check_name"] = std::string(check.id);
        issue["description"] = fmt::format("{}: {}", check.id, message);
        issue["content"] = {{"body", fmt::format("{}\n\n{}\n\nFix: {}", check.title,
                                                 check.rationale, check.remediation)}};
        issue["categories"] = {"Security"};
        issue["severity"] = gitlab_severity(f.severity);
        issue["fingerprint"] = fingerprint(check.id, file, message, occurrence);
        const int begin = f.location.line > 0 ? f.location.line : 1;
        issue["location"] = {
            {"path", file},
            {"lines", {{"begin", begin}, {"end", std::max(begin, f.location.end_line)}}}};
        issues.push_back(std::move(issue));
      }
    out << issues.dump(2) << '\n';
  }
};

// --- Checkstyle ------------------------------------------------------------

class CheckstyleWriter final : public Writer {
public:
  void write(std::ostream& out, const ReportInfo& /*info*/,
             std::span<const core::TargetReport> reports) const override {
    // Findings grouped by file, files in the order they first appear.
    std::vector<std::string> order;
    std::map<std::string, std::vector<std::pair<const core::TargetReport*, const core::Finding*>>>
        by_file;
    for (const auto& report : reports)
      for (const auto& f : report.findings) {
        const std::string file(file_of(report, f));
        auto& list = by_file[file];
        if (list.empty())
          order.push_back(file);
        list.emplace_back(&report, &f);
      }
    // A target with no finding is a file with no error.
    for (const auto& report : reports)
      if (report.findings.empty() && !by_file.contains(report.target)) {
        by_file[report.target];
        order.push_back(report.target);
      }
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n";
    for (const auto& file : order) {
      out << "  <file name=\"" << xml_escape(file, XmlContext::attribute) << "\">\n";
      for (const auto& [report, f] : by_file[file]) {
        const auto& check = check_of(*f);
        out << "    <error";
        if (f->location.line > 0)
          out << " line=\"" << f->location.line << '"';
        if (f->location.column > 0)
          out << " column=\"" << f->location.column << '"';
        out << " severity=\"" << three_levels(f->severity, "info") << "\" message=\""
            << xml_escape(message_of(*f), XmlContext::attribute) << "\" source=\"moat."
            << xml_escape(check.id, XmlContext::attribute) << "\"/>\n";
      }
      out << "  </file>\n";
    }
    out << "</checkstyle>\n";
  }
};

// --- SonarQube -------------------------------------------------------------

const char* sonar_impact(core::Severity s) {
  switch (s) {
  case core::Severity::critical:
  case core::Severity::high:
    return "HIGH";
  case core::Severity::medium:
    return "MEDIUM";
  case core::Severity::low:
  case core::Severity::info:
    break;
  }
  return "LOW";
}

const char* sonar_severity(core::Severity s) {
  switch (s) {
  case core::Severity::critical:
    return "BLOCKER";
  case core::Severity::high:
    return "CRITICAL";
  case core::Severity::medium:
    return "MAJOR";
  case core::Severity::low:
    return "MINOR";
  case core::Severity::info:
    break;
  }
  return "INFO";
}

class SonarqubeWriter final : public Writer {
public:
  void write(std::ostream& out, const ReportInfo& /*info*/,
             std::span<const core::TargetReport> reports) const override {
    auto rules = nlohmann::ordered_json::array();
    auto issues = nlohmann::ordered_json::array();
    std::set<std::string> described;
    for (const auto& report : reports)
      for (const auto& f : report.findings) {
        const auto& check = check_of(f);
        // One rule per check, with the severity of its first finding (a
        // rule's impact is the rule's, not each issue's).
        if (described.insert(std::string(check.id)).second)
          rules.push_back(
              {{"id", std::string(check.id)},
               {"name", std::string(check.title)},
               {"description", fmt::format("{}\n\nFix: {}", check.rationale, check.remediation)},
               {"engineId", "moat"},
               {"cleanCodeAttribute", "TRUSTWORTHY"},
               {"type", "VULNERABILITY"},
               {"severity", sonar_severity(f.severity)},
               {"impacts",
                {{{"softwareQuality", "SECURITY"}, {"severity", sonar_impact(f.severity)}}}}});
        nlohmann::ordered_json location;
        location["message"] = std::string(message_of(f));
        location["filePath"] = std::string(file_of(report, f));
        // The primary location needs a line; a finding about the whole
        // file is put on its first.
        nlohmann::ordered_json range;
        range["startLine"] = f.location.line > 0 ? f.location.line : 1;
        if (f.location.end_line > f.location.line)
          range["endLine"] = f.location.end_line;
        location["textRange"] = std::move(range);
        issues.push_back({{"ruleId", std::string(check.id)},
                          {"effortMinutes", 5},
                          {"primaryLocation", std::move(location)}});
      }
    nlohmann::ordered_json doc;
    doc["rules"] = std::move(rules);
    doc["issues"] = std::move(issues);
    out << doc.dump(2) << '\n';
  }
};

// --- Markdown --------------------------------------------------------------

// A table cell: pipes escaped, line breaks as <br>, HTML's brackets and
// Markdown's emphasis and code markers defused.
std::string cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
    case '|':
      out += "\\|";
      break;
    case '\n':
      out += "<br>";
      break;
    case '\r':
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
      out += '\\';
      out += c;
      break;
    default:
      out += c;
    }
  }
  return out;
}

class MarkdownWriter final : public Writer {
public:
  void write(std::ostream& out, const ReportInfo& info,
             std::span<const core::TargetReport> reports) const override {
    const auto counts = count_findings(reports);
    out << "### moat " << cell(info.command) << '\n' << '\n';
    if (counts.total == 0) {
      out << "No findings in " << reports.size() << (reports.size() == 1 ? " target" : " targets")
          << ".\n";
      return;
    }
    std::vector<std::string> parts;
    for (const auto s : k_severities_descending)
      if (counts.of(s) > 0)
        parts.push_back(fmt::format("{} {}", counts.of(s), core::to_string(s)));
    out << counts.total << (counts.total == 1 ? " finding" : " findings") << ": "
        << fmt::format("{}", fmt::join(parts, ", ")) << ".\n\n";
    out << "| severity | id | file | line | message |\n|---|---|---|---:|---|\n";
    for (const auto& report : reports)
      for (const auto& f : report.findings) {
        const auto& check = check_of(f);
        out << "| " << core::to_string(f.severity) << " | " << cell(check.id) << " | "
            << cell(file_of(report, f)) << " | "
            << (f.location.line > 0 ? std::to_string(f.location.line) : std::string()) << " | "
            << cell(message_of(f)) << " |\n";
      }
  }
};

} // namespace

std::unique_ptr<Writer> make_github_writer() {
  return std::make_unique<GithubWriter>();
}
std::unique_ptr<Writer> make_gitlab_writer() {
  return std::make_unique<GitlabWriter>();
}
std::unique_ptr<Writer> make_checkstyle_writer() {
  return std::make_unique<CheckstyleWriter>();
}
std::unique_ptr<Writer> make_sonarqube_writer() {
  return std::make_unique<SonarqubeWriter>();
}
std::unique_ptr<Writer> make_markdown_writer() {
  return std::make_unique<MarkdownWriter>();
}

} // namespace moat::report
