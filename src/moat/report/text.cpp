// Text (tty) output, in the spirit of hadolint and trivy: findings grouped by
// target, one aligned line each, then a one-line summary.

#include <moat/report/writers.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace moat::report {

namespace {

constexpr std::string_view k_reset = "\x1b[0m";
constexpr std::string_view k_bold = "\x1b[1m";
constexpr std::string_view k_pass_color = "\x1b[32m";
constexpr std::size_t k_severity_width = 8; // "CRITICAL"
constexpr std::size_t k_aliases_shown = 2;

std::string_view color_of(core::Severity s) {
  switch (s) {
  case core::Severity::critical:
    return "\x1b[1;31m";
  case core::Severity::high:
    return "\x1b[31m";
  case core::Severity::medium:
    return "\x1b[33m";
  case core::Severity::low:
    return "\x1b[34m";
  case core::Severity::info:
    return "\x1b[2m";
  }
  return "\x1b[2m";
}

// Every field is escaped for the terminal: paths come from images, ids and
// aliases from advisory feeds.
// A finding in another file than its target's (a file of a directory
// that was scanned) names that file first.
std::string position_of(const core::Location& loc, const std::string& target) {
  if (!loc.path.empty())
    return util::terminal_safe(loc.path);
  if (loc.history >= 0)
    return fmt::format("history[{}]", loc.history);
  const std::string file =
      loc.file.empty() || loc.file == target ? std::string() : util::terminal_safe(loc.file) + ":";
  if (loc.line <= 0)
    return file.empty() ? "-" : file.substr(0, file.size() - 1);
  if (loc.column <= 0)
    return fmt::format("{}{}", file, loc.line);
  return fmt::format("{}{}:{}", file, loc.line, loc.column);
}

std::string label_of(const core::CheckInfo& check) {
  std::string label = util::terminal_safe(check.id);
  auto aliases = core::aliases_of(check);
  if (aliases.empty())
    return label;
  aliases.resize(std::min(aliases.size(), k_aliases_shown));
  return util::terminal_safe(fmt::format("{} ({})", label, fmt::join(aliases, ", ")));
}

// A vulnerability's aliases past those the label shows, and the findings
// related to it: a search of the report for any id it goes by finds it.
std::vector<std::string> vulnerability_lines(const core::Finding& finding) {
  std::vector<std::string> out;
  if (!finding.vulnerability)
    return out;
  const auto aliases = core::aliases_of(check_of(finding));
  if (aliases.size() > k_aliases_shown)
    out.push_back(
        fmt::format("also: {}", fmt::join(aliases.begin() + k_aliases_shown, aliases.end(), ", ")));
  if (const auto& related = finding.vulnerability->related; !related.empty())
    out.push_back(fmt::format("related: {}", fmt::join(related, ", ")));
  return out;
}

std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

class TextWriter final : public Writer {
public:
  explicit TextWriter(const TextOptions& options) : m_options(options) {}

  void write(std::ostream& out, const ReportInfo& /*info*/,
             std::span<const core::TargetReport> reports) const override {
    bool first = true;
    for (const auto& report : reports) {
      if (report.findings.empty() && report.notes.empty() && !report.list_packages &&
          report.suppressed_findings.empty() && !(report.show_passed && !report.passed.empty()))
        continue;
      if (!first)
        out << '\n';
      first = false;
      write_target(out, report);
    }
    if (m_options.quiet)
      return;
    if (!first)
      out << '\n';
    out << summary(reports) << '\n';
  }

private:
  void write_target(std::ostream& out, const core::TargetReport& report) const {
    auto name = util::terminal_safe(report.target);
    if (m_options.color)
      out << k_bold << name << k_reset << '\n';
    else
      out << name << '\n';

    std::vector<const core::Finding*> listed;
    std::vector<const core::Finding*> tabled;
    for (const auto& finding : report.findings)
      (m_options.table && finding.vulnerability ? tabled : listed).push_back(&finding);
    write_table(out, tabled);

    std::vector<std::string> positions;
    std::size_t position_width = 0;
    for (const auto* finding : listed) {
      positions.push_back(position_of(finding->location, report.target));
      position_width = std::max(position_width, positions.back().size());
    }

    for (std::size_t i = 0; i < listed.size(); ++i) {
      const auto& finding = *listed[i];
      auto severity = util::to_upper(core::to_string(finding.severity));
      auto label = label_of(check_of(finding));
      std::string padding(k_severity_width - std::min(k_severity_width, severity.size()), ' ');

      out << "  " << fmt::format("{:<{}}", positions[i], position_width) << "  ";
      if (m_options.color)
        out << color_of(finding.severity) << severity << k_reset;
      else
        out << severity;
      out << padding << "  " << label << "  ";

      // Continuation lines of a multi-line message start under its first line.
      std::size_t indent = 2 + position_width + 2 + k_severity_width + 2 + label.size() + 2;
      auto lines = util::split(util::trim_right(message_of(finding)), '\n');
      const auto more = vulnerability_lines(finding);
      for (const auto& line : more)
        lines.emplace_back(line);
      for (std::size_t l = 0; l < lines.size(); ++l) {
        if (l > 0)
          out << std::string(indent, ' ');
        auto line = lines[l];
        if (line.ends_with('\r')) // CRLF input: the CR is part of the break, not the text
          line.remove_suffix(1);
        out << util::terminal_safe(line) << '\n';
      }
    }
    if (report.show_passed)
      for (const auto& passed : report.passed) {
        out << "  " << std::string(position_width, ' ') << "  ";
        if (m_options.color)
          out << k_pass_color << "PASS" << k_reset;
        else
          out << "PASS";
        out << std::string(k_severity_width - 4, ' ') << "  " << label_of(*passed.check) << "  "
            << util::terminal_safe(passed.message) << '\n';
      }
    for (const auto& note : report.notes)
      out << "  note: " << util::terminal_safe(note) << '\n';
    for (const auto& finding : report.suppressed_findings) {
      const auto& v = *finding.vulnerability;
      out << "  suppressed: " << util::terminal_safe(v.id) << "  "
          << util::terminal_safe(message_of(finding)) << "  ("
          << util::terminal_safe(v.suppressed_by)
          << (v.justification.empty() ? std::string() : ": " + util::terminal_safe(v.justification))
          << ")\n";
    }
    if (report.list_packages) {
      out << fmt::format("  {} packages{}\n", report.packages.size(),
                         report.os.empty() ? std::string()
                                           : " on " + util::terminal_safe(report.os));
      std::size_t name_width = 0;
      std::size_t version_width = 0;
      for (const auto& p : report.packages) {
        name_width = std::max(name_width, p.name.size());
        version_width = std::max(version_width, p.version.size());
      }
      for (const auto& p : report.packages)
        out << fmt::format("    {:<{}}  {:<{}}  {:<6}  {}\n", util::terminal_safe(p.name),
                           name_width, util::terminal_safe(p.version), version_width,
                           util::terminal_safe(p.type), util::terminal_safe(p.found_at));
    }
  }

  // PACKAGE  INSTALLED  FIXED  ID  SEVERITY, one row per vulnerability,
  // columns as wide as their widest cell; every cell escaped.
  void write_table(std::ostream& out, const std::vector<const core::Finding*>& rows) const {
    if (rows.empty())
      return;
    static constexpr std::array<std::string_view, 5> k_heads = {"PACKAGE", "INSTALLED", "FIXED",
                                                                "ID", "SEVERITY"};
    std::vector<std::array<std::string, 5>> cells;
    for (const auto* f : rows) {
      const auto& v = *f->vulnerability;
      cells.push_back(
          {util::terminal_safe(v.package_name), util::terminal_safe(v.package_version),
           v.fixed_version.empty() ? std::string("-") : util::terminal_safe(v.fixed_version),
           util::terminal_safe(v.id), util::to_upper(core::to_string(f->severity))});
    }
    std::array<std::size_t, 5> width{};
    for (std::size_t c = 0; c < 5; ++c) {
      width[c] = k_heads[c].size();
      for (const auto& row : cells)
        width[c] = std::max(width[c], row[c].size());
    }
    auto line = [&](const auto& row, const core::Finding* f) {
      out << ' ';
      for (std::size_t c = 0; c < 5; ++c) {
        const std::string_view cell = row[c];
        out << ' ';
        if (c == 4 && f != nullptr && m_options.color)
          out << color_of(f->severity) << cell << k_reset;
        else
          out << cell;
        if (c < 4)
          out << std::string(width[c] - cell.size() + 1, ' ');
      }
      out << '\n';
    };
    line(k_heads, nullptr);
    for (std::size_t i = 0; i < cells.size(); ++i)
      line(cells[i], rows[i]);
  }

  static std::string summary(std::span<const core::TargetReport> reports) {
    auto counts = count_findings(reports);
    // What was scanned, by its own name: files for lint, images, SBOMs.
    std::string_view noun = reports.empty() ? "file" : "target";
    if (!reports.empty() &&
        std::ranges::all_of(reports, [&](const auto& r) { return r.kind == reports[0].kind; })) {
      if (reports.front().kind == "dockerfile" || reports.front().kind.empty())
        noun = "file";
      else if (reports.front().kind == "image")
        noun = "image";
      else if (reports.front().kind == "sbom")
        noun = "SBOM";
      else if (reports.front().kind == "host")
        noun = "host";
    }
    auto files = plural(reports.size(), noun);
    // moat bench: how many checks passed, so a run reads as a score.
    std::size_t passed = 0;
    bool lists_passed = false;
    for (const auto& r : reports) {
      passed += r.passed.size();
      lists_passed = lists_passed || r.lists_passed;
    }
    const auto passes =
        lists_passed ? fmt::format("; {} passed", plural(passed, "check")) : std::string();
    if (counts.total == 0)
      return fmt::format("no findings in {}{}", files, passes);
    std::vector<std::string> parts;
    for (auto s : k_severities_descending)
      if (counts.of(s) > 0)
        parts.push_back(fmt::format("{} {}", counts.of(s), core::to_string(s)));
    return fmt::format("{} in {}: {}{}", plural(counts.total, "finding"), files,
                       fmt::join(parts, ", "), passes);
  }

  TextOptions m_options;
};

} // namespace

std::unique_ptr<Writer> make_text_writer(const TextOptions& options) {
  return std::make_unique<TextWriter>(options);
}

} // namespace moat::report
