#pragma once
// Private to the report module: the concrete writers behind make_writer and
// the small helpers they share.

#include <moat/report/writer.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace moat::report {

// The text (tty) writer: findings grouped by target, then a summary line.
[[nodiscard]] std::unique_ptr<Writer> make_text_writer(const TextOptions& options);

// The JSON writer: one pretty-printed document.
[[nodiscard]] std::unique_ptr<Writer> make_json_writer();

// The SARIF 2.1.0 writer: one run, one rule per check.
[[nodiscard]] std::unique_ptr<Writer> make_sarif_writer();

// The JUnit XML writer: one test suite per target, one test case per finding.
[[nodiscard]] std::unique_ptr<Writer> make_junit_writer();

// The GitHub Actions workflow commands, the GitLab Code Quality report,
// Checkstyle XML, SonarQube's generic issue import and a Markdown table
// (ci_formats.cpp).
[[nodiscard]] std::unique_ptr<Writer> make_github_writer();
[[nodiscard]] std::unique_ptr<Writer> make_gitlab_writer();
[[nodiscard]] std::unique_ptr<Writer> make_checkstyle_writer();
[[nodiscard]] std::unique_ptr<Writer> make_sonarqube_writer();
[[nodiscard]] std::unique_ptr<Writer> make_markdown_writer();

enum class XmlContext { text, attribute };

// TEXT escaped for XML 1.0: markup characters as entities, characters XML
// cannot carry (most control characters, malformed UTF-8) as U+FFFD, and in
// attributes tab and line breaks as references (junit.cpp).
[[nodiscard]] std::string xml_escape(std::string_view text, XmlContext context);

// Severities from most to least severe, the order summaries list them in.
inline constexpr std::array<core::Severity, 5> k_severities_descending{
    core::Severity::critical, core::Severity::high, core::Severity::medium, core::Severity::low,
    core::Severity::info};

// Number of findings per severity, indexed by the severity's value.
struct SeverityCounts {
  std::array<std::size_t, 5> by_severity{};
  std::size_t total = 0;

  [[nodiscard]] std::size_t of(core::Severity s) const { return by_severity[index_of(s)]; }

  // The array slot of S; values outside the enum count as info.
  [[nodiscard]] static std::size_t index_of(core::Severity s) {
    auto i = static_cast<std::size_t>(s);
    return i < 5 ? i : 0;
  }
};

// Counts the findings of every report by effective severity.
[[nodiscard]] SeverityCounts count_findings(std::span<const core::TargetReport> reports);

// The finding's check; a stand-in "unknown" check when the pointer is null, so
// a broken producer yields an odd report rather than a crash.
[[nodiscard]] const core::CheckInfo& check_of(const core::Finding& finding);

// The file a finding is in: its location's file, else the report's target.
[[nodiscard]] std::string_view file_of(const core::TargetReport& report,
                                       const core::Finding& finding);

// The finding's message, or its check's title when the message is empty.
[[nodiscard]] std::string_view message_of(const core::Finding& finding);

} // namespace moat::report
