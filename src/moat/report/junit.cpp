// JUnit XML output, for CI systems that show test results: one test suite per
// target, one test case per finding; findings at or above the --fail-on
// threshold are failures, the others pass and carry their text as output.

#include <moat/report/writers.hpp>
#include <moat/util/unicode.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>
#include <string>

namespace moat::report {

namespace {

// Decodes one UTF-8 sequence at TEXT[I]; returns its code point and length,
// or length 0 when the bytes are not well-formed UTF-8.
std::pair<std::uint32_t, std::size_t> decode_utf8(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if (lead < 0x80)
    return {lead, 1};
  if (lead >= 0xc2 && lead <= 0xdf) {
    len = 2;
    cp = lead & 0x1fU;
    min = 0x80;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    len = 3;
    cp = lead & 0x0fU;
    min = 0x800;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    len = 4;
    cp = lead & 0x07U;
    min = 0x10000;
  } else {
    return {0, 0};
  }
  if (i + len > text.size())
    return {0, 0};
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0U) != 0x80)
      return {0, 0};
    cp = (cp << 6) | (byte(i + k) & 0x3fU);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return {0, 0};
  return {cp, len};
}

// True for the characters XML 1.0 allows in a document.
bool xml_char(std::uint32_t cp) {
  return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
         (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

} // namespace

// Escapes TEXT for XML. Characters XML 1.0 cannot carry at all (most control
// characters, malformed UTF-8) become U+FFFD. In attributes, tab and line
// breaks are written as references, because parsers turn literal ones into
// spaces.
std::string xml_escape(std::string_view text, XmlContext context) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto [cp, len] = decode_utf8(text, i);
    if (len == 0 || !xml_char(cp)) {
      out += util::k_replacement_character;
      i += len == 0 ? 1 : len;
      continue;
    }
    switch (cp) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    case '\r':
      out += "&#13;";
      break;
    case '\n':
    case '\t':
      if (context == XmlContext::attribute)
        out += fmt::format("&#{};", cp);
      else
        out += static_cast<char>(cp);
      break;
    default:
      out += text.substr(i, len);
      break;
    }
    i += len;
  }
  return out;
}

namespace {

std::string attr(std::string_view text) {
  return xml_escape(text, XmlContext::attribute);
}

bool fails(const ReportInfo& info, const core::Finding& finding) {
  return info.fail_on.has_value() && finding.severity >= *info.fail_on;
}

// The body of a test case: where, what, why and how to fix it.
std::string detail_of(const core::TargetReport& report, const core::Finding& finding) {
  const auto& check = check_of(finding);
  const auto& loc = finding.location;
  std::string where(file_of(report, finding));
  if (loc.line > 0) {
    where += fmt::format(":{}", loc.line);
    if (loc.column > 0)
      where += fmt::format(":{}", loc.column);
  }
  std::string id(check.id);
  if (auto aliases = core::aliases_of(check); !aliases.empty())
    id += fmt::format(" ({})", fmt::join(aliases, ", "));
  std::string detail =
      fmt::format("{} {} at {}\n{}\n\n{}\nRemediation: {}", core::to_string(finding.severity), id,
                  where, message_of(finding), check.rationale, check.remediation);
  if (auto references = core::references_of(check); !references.empty())
    detail += fmt::format("\nReferences: {}", fmt::join(references, " "));
  if (finding.vulnerability && !finding.vulnerability->related.empty())
    detail += fmt::format("\nRelated: {}", fmt::join(finding.vulnerability->related, ", "));
  return detail;
}

void write_finding(std::ostream& out, const ReportInfo& info, const core::TargetReport& report,
                   const core::Finding& finding) {
  const auto& check = check_of(finding);
  out << "    <testcase classname=\"" << attr(report.target) << "\" name=\""
      << attr(fmt::format("{}: {}", check.id, check.title)) << "\" file=\""
      << attr(file_of(report, finding)) << '"';
  if (finding.location.line > 0)
    out << " line=\"" << finding.location.line << '"';
  out << ">\n";
  auto detail = xml_escape(detail_of(report, finding), XmlContext::text);
  if (fails(info, finding))
    out << "      <failure message=\"" << attr(message_of(finding)) << "\" type=\""
        << core::to_string(finding.severity) << "\">" << detail << "</failure>\n";
  else
    out << "      <system-out>" << detail << "</system-out>\n";
  out << "    </testcase>\n";
}

// Test cases in a suite: one per finding and, with --show-passed, per check
// that passed; a "no findings" case when there is nothing else.
std::size_t tests_in(const core::TargetReport& report) {
  const auto cases = report.findings.size() + (report.show_passed ? report.passed.size() : 0);
  return cases == 0 ? 1 : cases;
}

class JunitWriter final : public Writer {
public:
  void write(std::ostream& out, const ReportInfo& info,
             std::span<const core::TargetReport> reports) const override {
    std::size_t total_tests = 0;
    std::size_t total_failures = 0;
    for (const auto& report : reports) {
      total_tests += tests_in(report);
      total_failures += failures_in(info, report);
    }

    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out << "<testsuites name=\"moat\" tests=\"" << total_tests << "\" failures=\"" << total_failures
        << "\">\n";
    for (const auto& report : reports) {
      auto tests = tests_in(report);
      out << "  <testsuite name=\"" << attr(report.target) << "\" tests=\"" << tests
          << "\" failures=\"" << failures_in(info, report) << "\" errors=\"0\" skipped=\"0\">\n";
      if (report.findings.empty() && !(report.show_passed && !report.passed.empty()))
        out << "    <testcase classname=\"" << attr(report.target) << "\" name=\"no findings\"/>\n";
      for (const auto& finding : report.findings)
        write_finding(out, info, report, finding);
      if (report.show_passed)
        for (const auto& passed : report.passed)
          out << "    <testcase classname=\"" << attr(report.target) << "\" name=\""
              << attr(fmt::format("{}: {}", passed.check->id, passed.check->title)) << "\"/>\n";
      if (!report.notes.empty()) {
        std::string notes;
        for (const auto& note : report.notes)
          notes += "note: " + note + "\n";
        out << "    <system-err>" << xml_escape(notes, XmlContext::text) << "</system-err>\n";
      }
      out << "  </testsuite>\n";
    }
    out << "</testsuites>\n";
  }

private:
  static std::size_t failures_in(const ReportInfo& info, const core::TargetReport& report) {
    std::size_t n = 0;
    for (const auto& finding : report.findings)
      if (fails(info, finding))
        ++n;
    return n;
  }
};

} // namespace

std::unique_ptr<Writer> make_junit_writer() {
  return std::make_unique<JunitWriter>();
}

} // namespace moat::report
