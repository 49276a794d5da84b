#include <moat/inventory/python.hpp>

#include <moat/core/purl.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

using moat::core::ErrorKind;
using moat::inventory::normalize_python_name;
using moat::inventory::parse_python_metadata;
using moat::inventory::parse_python_record;

namespace {

using Paths = std::vector<std::string>;

// Collapses every run of white space to one space, so a folded header reads
// the same however its continuation lines were indented.
std::string squeeze(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space)
      out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

} // namespace

TEST(PythonMetadata, ParsesHeadersUpToTheBody) {
  const std::string text = "Metadata-Version: 2.1\n"
                           "Name: Jinja2\n"
                           "Version: 3.1.4\n"
                           "Summary: A very fast and expressive template engine.\n"
                           "License: BSD-3-Clause\n"
                           "Classifier: License :: OSI Approved :: BSD License\n"
                           "Requires-Dist: MarkupSafe>=2.0\n"
                           "\n"
                           "Name: not-this-one\n"
                           "Version: 0\n";
  auto r =
      parse_python_metadata(text, "/usr/lib/python3/dist-packages/Jinja2-3.1.4.dist-info/METADATA");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->name, "Jinja2");
  EXPECT_EQ(r->version, "3.1.4");
  EXPECT_EQ(r->license, "BSD-3-Clause");
  EXPECT_EQ(r->type, "pypi");
  EXPECT_EQ(r->ecosystem, "PyPI");
  EXPECT_EQ(r->namespace_, "");
  EXPECT_EQ(r->purl, "pkg:pypi/jinja2@3.1.4");
  EXPECT_EQ(r->found_at, "/usr/lib/python3/dist-packages/Jinja2-3.1.4.dist-info/METADATA");
}

TEST(PythonMetadata, LicenseExpressionWinsOverLicense) {
  const std::string text = "Metadata-Version: 2.4\n"
                           "Name: attrs\n"
                           "Version: 24.2.0\n"
                           "License: MIT License text that is long\n"
                           "License-Expression: MIT\n";
  auto r = parse_python_metadata(text, "METADATA");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->license, "MIT");
}

TEST(PythonMetadata, MultiLineLicenseAndCrlf) {
  const std::string text = "Metadata-Version: 2.1\r\n"
                           "Name: typing_extensions\r\n"
                           "Version: 4.12.2\r\n"
                           "License: Copyright (c) 2001 PSF\r\n"
                           "        All rights reserved.\r\n"
                           "\t       Second line.\r\n"
                           "Summary: x\r\n"
                           "\r\n"
                           "body\r\n";
  auto r = parse_python_metadata(text, "METADATA");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->license, "Copyright (c) 2001 PSF\nAll rights reserved.\nSecond line.");
  EXPECT_EQ(r->version, "4.12.2");
  EXPECT_EQ(r->purl, "pkg:pypi/typing-extensions@4.12.2");
}

TEST(PythonMetadata, UnknownLicenseIsNoLicense) {
  auto r = parse_python_metadata("Name: old\nVersion: 1.0\nLicense: UNKNOWN\n", "PKG-INFO");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->license, "");
}

TEST(PythonMetadata, FieldNamesAreCaseInsensitiveAndFirstWins) {
  auto r = parse_python_metadata("\xEF\xBB\xBFname: A\nVERSION: 2\nName: B\n", "PKG-INFO");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->name, "A");
  EXPECT_EQ(r->version, "2");
}

TEST(PythonMetadata, ANonHeaderLineEndsTheHeaders) {
  // As in Python's email parser: the body may start without a blank line.
  auto r = parse_python_metadata("Name: a\nVersion: 1\nthis is the description\nLicense: MIT\n",
                                 "PKG-INFO");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->license, "");
}

TEST(PythonMetadata, NameAndVersionAreRequired) {
  auto r = parse_python_metadata("Version: 1\n", "METADATA");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_EQ(r.error().input, "METADATA");
  EXPECT_NE(r.error().message.find("Name"), std::string::npos);

  r = parse_python_metadata("Name: x\nVersion:   \n", "METADATA");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("Version"), std::string::npos);

  r = parse_python_metadata("", "METADATA");
  EXPECT_FALSE(r.has_value());

  // The Name in the body does not count.
  r = parse_python_metadata("Version: 1\n\nName: x\n", "METADATA");
  EXPECT_FALSE(r.has_value());
}

TEST(PythonMetadata, ContinuationBeforeAnyField) {
  auto r = parse_python_metadata("  Name: x\nVersion: 1\n", "METADATA");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 1);
}

TEST(PythonMetadata, Pep503Normalisation) {
  EXPECT_EQ(normalize_python_name("Foo.Bar__baz"), "foo-bar-baz");
  EXPECT_EQ(normalize_python_name("zope.interface"), "zope-interface");
  EXPECT_EQ(normalize_python_name("A-_.-B"), "a-b");
  EXPECT_EQ(normalize_python_name("requests"), "requests");
  auto r = parse_python_metadata("Name: Zope.Interface\nVersion: 6.0\n", "METADATA");
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->name, "Zope.Interface");
  EXPECT_EQ(r->purl, "pkg:pypi/zope-interface@6.0");
}

TEST(PythonRecord, FirstColumnOfEveryRow) {
  const std::string text = "requests/__init__.py,sha256=abc,4924\n"
                           "requests-2.31.0.dist-info/RECORD,,\n"
                           "\"odd,name.py\",sha256=x,1\n"
                           "\"with \"\"quote\"\".py\",,\n"
                           "\r\n"
                           "../../../bin/normalizer,sha256=y,5\r\n"
                           "multi.py,\"hash,with\nnewline\",3\n"
                           "last.py";
  EXPECT_EQ(parse_python_record(text),
            (Paths{"requests/__init__.py", "requests-2.31.0.dist-info/RECORD", "odd,name.py",
                   "with \"quote\".py", "../../../bin/normalizer", "multi.py", "last.py"}));
}

TEST(PythonRecord, EmptyAndDegenerateInput) {
  EXPECT_TRUE(parse_python_record("").empty());
  EXPECT_TRUE(parse_python_record("\n\n,\n").empty());
  EXPECT_EQ(parse_python_record("\"unterminated"), Paths{"unterminated"});
  EXPECT_EQ(parse_python_record("a\rb\r"), (Paths{"a", "b"}));
}

// Real metadata from Debian's python3 packages, with Python's own
// importlib.metadata and csv module as the oracle.
TEST(PythonMetadata, MatchesImportlibOnInstalledDistributions) {
  const std::filesystem::path site = "/usr/lib/python3/dist-packages";
  if (!std::filesystem::is_directory(site))
    GTEST_SKIP() << site << " does not exist (no Debian python3 packages installed)";
  if (std::system("command -v python3 >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "python3 not installed";
  moat::test::TempDir dir;
  const auto script = dir.write("oracle.py", R"(import csv, json, pathlib, sys
from importlib import metadata
out = []
for d in metadata.distributions(path=[sys.argv[1]]):
    p = pathlib.Path(d._path)
    if p.is_dir():
        f = p / ("METADATA" if p.name.endswith(".dist-info") else "PKG-INFO")
    else:
        f = p
    record = []
    if (p / "RECORD").is_file():
        with open(p / "RECORD", newline="", encoding="utf-8") as r:
            record = [row[0] for row in csv.reader(r) if row and row[0]]
    m = d.metadata
    out.append({"file": str(f), "dir": str(p), "name": m["Name"], "version": m["Version"],
                "license": m.get("License-Expression") or m.get("License") or "",
                "record": record})
json.dump(out, sys.stdout)
)");
  const auto out = dir.path() / "oracle.json";
  const std::string command =
      "python3 '" + script.string() + "' '" + site.string() + "' >'" + out.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const auto oracle = nlohmann::json::parse(moat::test::read_text(out));
  ASSERT_TRUE(oracle.is_array());
  if (oracle.empty())
    GTEST_SKIP() << "no distributions in " << site;
  int records = 0;
  for (const auto& d : oracle) {
    const std::string file = d["file"];
    SCOPED_TRACE(file);
    const auto text = moat::test::read_text(file);
    auto r = parse_python_metadata(text, file);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->name, d["name"].get<std::string>());
    EXPECT_EQ(r->version, d["version"].get<std::string>());
    std::string license = d["license"];
    if (license == "UNKNOWN")
      license.clear();
    EXPECT_EQ(squeeze(r->license), squeeze(license));
    EXPECT_EQ(r->purl, "pkg:pypi/" + normalize_python_name(r->name) + "@" +
                           moat::core::purl_encode(r->version));
    const std::filesystem::path record =
        std::filesystem::path(d["dir"].get<std::string>()) / "RECORD";
    if (std::filesystem::is_regular_file(record)) {
      ++records;
      EXPECT_EQ(parse_python_record(moat::test::read_text(record)),
                d["record"].get<std::vector<std::string>>());
    }
  }
  std::cout << "[          ] compared " << oracle.size() << " distributions and " << records
            << " RECORD files\n";
}
