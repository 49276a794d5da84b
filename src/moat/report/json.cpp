// JSON output: one document with every target, its findings (aliases on each
// finding, so tools can match on ids they already know) and a summary.
//
// The document is streamed rather than built as a DOM: a scan of a whole
// repository can produce tens of thousands of findings.

#include <moat/report/writers.hpp>

#include <moat/util/bytes.hpp>
#include <moat/util/strings.hpp>
#include <moat/util/unicode.hpp>

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace moat::report {

namespace {

// Appends S as a JSON string; bytes that are not valid UTF-8 become U+FFFD.
void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    // Plain printable ASCII is copied in runs; reports are mostly that.
    if (const auto run = util::plain_json_run_end(s, i); run > i) {
      out.append(s.substr(i, run - i));
      i = run;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    if (auto n = util::decode_utf8(s.substr(i)).second; n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += util::k_replacement_character;
      ++i;
    }
  }
  out += '"';
}

// A small pretty-printing emitter: 2-space indentation, as `jq .` prints.
class Emitter {
public:
  explicit Emitter(std::string& out) : m_out(out) {}

  void open(char bracket) {
    m_out += bracket;
    ++m_depth;
    m_first = true;
  }
  void close(char bracket) {
    --m_depth;
    if (!m_first)
      newline();
    m_out += bracket;
    m_first = false;
  }
  // Keys are moat's own names, plain ASCII: they are copied, not escaped.
  void key(std::string_view k) {
    item();
    m_out += '"';
    m_out += k;
    m_out += "\": ";
  }
  // Starts an array element.
  void element() { item(); }
  void string(std::string_view v) { append_string(m_out, v); }
  void number(std::size_t v) { m_out += std::to_string(v); }
  void number(int v) { m_out += std::to_string(v); }
  void field(std::string_view k, std::string_view v) {
    key(k);
    string(v);
  }
  void field(std::string_view k, int v) {
    key(k);
    number(v);
  }
  void field(std::string_view k, std::size_t v) {
    key(k);
    number(v);
  }
  // A score with one decimal, as CVSS writes them.
  void decimal(std::string_view k, double v) {
    key(k);
    m_out += fmt::format("{:.1f}", v);
  }
  // The items of LIST separated by SEP, trimmed, empty ones left out (as
  // core::aliases_of splits them), written without building a vector:
  // every finding carries its check's aliases and references.
  void split_array(std::string_view k, std::string_view list, char sep) {
    key(k);
    bool any = false;
    util::for_each_trimmed(list, sep, [&](std::string_view item) {
      if (!any)
        open('[');
      any = true;
      element();
      string(item);
    });
    if (any) {
      close(']');
    } else {
      m_out += "[]";
      m_first = false;
    }
  }
  void string_array(std::string_view k, const std::vector<std::string_view>& items) {
    key(k);
    if (items.empty()) {
      m_out += "[]";
      m_first = false;
      return;
    }
    open('[');
    for (auto item : items) {
      element();
      string(item);
    }
    close(']');
  }

private:
  void item() {
    if (!m_first)
      m_out += ',';
    newline();
    m_first = false;
  }
  void newline() {
    m_out += '\n';
    m_out.append(static_cast<std::size_t>(m_depth) * 2, ' ');
  }

  std::string& m_out;
  int m_depth = 0;
  bool m_first = true;
};

class JsonWriter final : public Writer {
public:
  void write(std::ostream& out, const ReportInfo& info,
             std::span<const core::TargetReport> reports) const override {
    std::string text;
    Emitter e(text);
    e.open('{');
    e.field("tool", "moat");
    e.field("version", info.tool_version);
    e.field("command", info.command);
    e.key("targets");
    if (reports.empty()) {
      text += "[]";
    } else {
      e.open('[');
      for (const auto& report : reports) {
        e.element();
        e.open('{');
        e.field("target", report.target);
        e.field("kind", report.kind);
        e.key("findings");
        if (report.findings.empty()) {
          text += "[]";
        } else {
          e.open('[');
          for (const auto& finding : report.findings) {
            write_finding(e, report, finding);
            flush_if_large(out, text);
          }
          e.close(']');
        }
        if (report.lists_passed && report.passed.empty()) {
          e.key("passed");
          text += "[]";
        } else if (report.lists_passed) {
          e.key("passed");
          e.open('[');
          for (const auto& passed : report.passed) {
            e.element();
            e.open('{');
            e.field("id", passed.check->id);
            e.string_array("aliases", core::aliases_of(*passed.check));
            e.field("title", passed.check->title);
            e.field("message", passed.message);
            e.close('}');
          }
          e.close(']');
        }
        e.field("suppressed", report.suppressed);
        if (!report.suppressed_findings.empty()) {
          e.key("suppressed_findings");
          e.open('[');
          for (const auto& finding : report.suppressed_findings)
            write_finding(e, report, finding);
          e.close(']');
        }
        if (!report.os.empty())
          e.field("os", report.os);
        if (!report.notes.empty()) {
          std::vector<std::string_view> notes(report.notes.begin(), report.notes.end());
          e.string_array("notes", notes);
        }
        if (report.list_packages) {
          e.key("packages");
          e.open('[');
          for (const auto& p : report.packages)
            write_package(e, p);
          e.close(']');
        }
        e.close('}');
      }
      e.close(']');
    }
    int suppressed = 0;
    for (const auto& report : reports)
      suppressed += report.suppressed;
    auto counts = count_findings(reports);
    e.key("summary");
    e.open('{');
    e.field("total", counts.total);
    for (auto s : k_severities_descending)
      e.field(core::to_string(s), counts.of(s));
    e.field("suppressed", suppressed);
    e.close('}');
    e.close('}');
    text += '\n';
    out << text;
  }

private:
  // Streams what has been built so far, so memory stays small for big reports.
  static void flush_if_large(std::ostream& out, std::string& text) {
    if (text.size() < (std::size_t{1} << 16))
      return;
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    text.clear();
  }

  static void write_package(Emitter& e, const core::Package& p) {
    e.element();
    e.open('{');
    e.field("name", p.name);
    e.field("version", p.version);
    e.field("type", p.type);
    e.field("ecosystem", p.ecosystem);
    e.field("purl", p.purl);
    if (!p.architecture.empty())
      e.field("architecture", p.architecture);
    if (!p.source_name.empty())
      e.field("source_name", p.source_name);
    if (!p.source_version.empty())
      e.field("source_version", p.source_version);
    if (!p.license.empty())
      e.field("license", p.license);
    e.field("found_at", p.found_at);
    if (p.layer >= 0) {
      e.field("layer", p.layer);
      e.field("layer_digest", p.layer_digest);
    }
    e.close('}');
  }

  static void write_finding(Emitter& e, const core::TargetReport& report,
                            const core::Finding& finding) {
    const auto& check = check_of(finding);
    e.element();
    e.open('{');
    e.field("id", check.id);
    e.split_array("aliases", check.aliases, ',');
    if (finding.vulnerability) {
      const auto& related = finding.vulnerability->related;
      e.string_array("related", std::vector<std::string_view>(related.begin(), related.end()));
    }
    e.field("severity", core::to_string(finding.severity));
    e.field("title", check.title);
    e.field("message", message_of(finding));
    e.key("location");
    e.open('{');
    e.field("file", file_of(report, finding));
    if (finding.location.line > 0)
      e.field("line", finding.location.line);
    if (finding.location.column > 0)
      e.field("column", finding.location.column);
    if (finding.location.end_line > 0)
      e.field("end_line", finding.location.end_line);
    if (!finding.location.path.empty())
      e.field("path", finding.location.path);
    if (finding.location.history >= 0)
      e.field("history", finding.location.history);
    if (finding.location.layer >= 0) {
      e.key("layer");
      e.open('{');
      e.field("index", finding.location.layer);
      e.field("digest", finding.location.layer_digest);
      e.field("created_by", finding.location.created_by);
      e.close('}');
    }
    e.close('}');
    if (finding.vulnerability)
      write_vulnerability(e, *finding.vulnerability);
    if (const auto& s = finding.secret) {
      e.key("secret");
      e.open('{');
      e.field("rule", s->rule);
      e.field("redacted", s->redacted);
      if (!s->fingerprint.empty())
        e.field("fingerprint", s->fingerprint);
      if (s->shadowed_by >= 0) {
        e.key("shadowed_by");
        e.open('{');
        e.field("layer", s->shadowed_by);
        e.field("digest", s->shadowed_digest);
        e.field("how", s->shadowed_how);
        e.close('}');
      }
      e.close('}');
    }
    e.field("remediation", check.remediation);
    e.split_array("references", check.references, ' ');
    e.close('}');
  }

  // The vulnerability fields of a vulnerability finding, beside id and aliases.
  static void write_vulnerability(Emitter& e, const core::Vulnerability& v) {
    e.key("package");
    e.open('{');
    e.field("name", v.package_name);
    e.field("version", v.package_version);
    e.field("purl", v.package_purl);
    e.field("ecosystem", v.package_ecosystem);
    if (!v.package_path.empty())
      e.field("path", v.package_path);
    if (!v.installed_by.empty())
      e.field("installed_by", v.installed_by);
    e.close('}');
    e.field("installed_version", v.package_version);
    e.field("fixed_version", v.fixed_version);
    e.field("state", v.state);
    e.field("rating", v.severity);
    if (v.score >= 0.0)
      e.decimal("score", v.score);
    if (!v.vector.empty())
      e.field("cvss_vector", v.vector);
    if (!v.severity_source.empty())
      e.field("severity_source", v.severity_source);
    e.field("source", v.source);
    if (!v.suppressed_by.empty()) {
      e.field("suppressed_by", v.suppressed_by);
      e.field("justification", v.justification);
    }
  }
};

} // namespace

std::unique_ptr<Writer> make_json_writer() {
  return std::make_unique<JsonWriter>();
}

} // namespace moat::report
