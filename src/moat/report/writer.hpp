#pragma once
// Report writers: the same findings rendered as text, JSON, SARIF 2.1.0 or
// JUnit XML. One interface; the CLI picks a writer by --format name.

#include <moat/core/finding.hpp>
#include <moat/core/result.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace moat::report {

struct ReportInfo {
  std::string tool_version; // moat's version
  std::string command;      // "lint", "image", ...
  // Checks that were run, for SARIF rule descriptors and JUnit test cases.
  std::vector<const core::CheckInfo*> checks;
  std::optional<core::Severity> fail_on; // threshold, for the summary line and JUnit failures
};

struct TextOptions {
  bool color = false; // ANSI colours (the CLI sets it for a tty unless --no-color)
  bool quiet = false; // findings only, no summary line
  // Vulnerabilities as a table (PACKAGE, INSTALLED, FIXED, ID, SEVERITY),
  // as Trivy and Grype print them; other findings as in text.
  bool table = false;
};

class Writer {
public:
  virtual ~Writer() = default;
  // Renders every report to OUT.
  virtual void write(std::ostream& out, const ReportInfo& info,
                     std::span<const core::TargetReport> reports) const = 0;
};

// The writer for a --format name ("text", "json", "sarif", "junit"); an
// Error of kind usage for an unknown name.
[[nodiscard]] core::Result<std::unique_ptr<Writer>> make_writer(std::string_view format,
                                                                const TextOptions& text = {});

// Names accepted by make_writer, for --help.
[[nodiscard]] std::vector<std::string_view> writer_formats();

// Writes CONTENT to the output PATH (util::write_output_file): a regular or
// new file atomically with its mode kept, a device or FIFO written through,
// and never one of INPUTS. Nothing is left behind on failure.
[[nodiscard]] core::Status write_output(const std::string& path, std::string_view content,
                                        std::span<const std::filesystem::path> inputs = {});

// The same, streaming what PRODUCE writes: the report is never held whole
// in memory. An error PRODUCE returns leaves PATH as it was and is returned.
using ReportProducer = std::function<core::Status(std::ostream&)>;
[[nodiscard]] core::Status write_output(const std::string& path, const ReportProducer& produce,
                                        std::span<const std::filesystem::path> inputs = {});

} // namespace moat::report
