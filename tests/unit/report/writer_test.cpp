#include <moat/report/writer.hpp>

#include <testutil.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>

using namespace moat::core;
using namespace moat::report;

TEST(MakeWriter, KnowsEveryListedFormat) {
  auto formats = writer_formats();
  EXPECT_EQ(formats, (std::vector<std::string_view>{"text", "json", "sarif", "junit"}));
  for (auto format : formats) {
    auto writer = make_writer(format);
    ASSERT_TRUE(writer.has_value()) << format;
    EXPECT_NE(writer->get(), nullptr);
  }
}

TEST(MakeWriter, PicksTheWriterByName) {
  constexpr CheckInfo check{"DF001", "", Severity::high, "T", "R", "F", ""};
  std::vector<TargetReport> reports(1);
  reports[0].target = "Dockerfile";
  reports[0].findings = {Finding{&check, Severity::high, "m", Location{"Dockerfile", 1, 0, 0}}};
  ReportInfo info{"1.0", "lint", {&check}, Severity::high};

  auto render = [&](std::string_view format) {
    std::ostringstream out;
    (*make_writer(format))->write(out, info, reports);
    return out.str();
  };
  EXPECT_EQ(nlohmann::json::parse(render("json"))["tool"], "moat");
  EXPECT_EQ(nlohmann::json::parse(render("sarif"))["version"], "2.1.0");
  EXPECT_EQ(render("junit").rfind("<?xml", 0), 0U);
  EXPECT_EQ(render("text").rfind("Dockerfile\n  1  HIGH", 0), 0U);
}

TEST(MakeWriter, UnknownFormatIsAUsageError) {
  for (std::string_view bad : {"xml", "JSON", "", "text "}) {
    auto writer = make_writer(bad);
    ASSERT_FALSE(writer.has_value()) << bad;
    EXPECT_EQ(writer.error().kind, ErrorKind::usage);
    EXPECT_EQ(writer.error().input, "--format");
    EXPECT_EQ(writer.error().message,
              "unknown format '" + std::string(bad) + "' (expected text, json, sarif or junit)");
  }
}

TEST(WriteFileAtomic, WritesContentAndLeavesNoTemporaryFile) {
  moat::test::TempDir dir;
  auto path = (dir.path() / "report.sarif").string();
  ASSERT_TRUE(write_file_atomic(path, "first\n").has_value());
  ASSERT_TRUE(write_file_atomic(path, "second\ncontent\n").has_value());
  EXPECT_EQ(moat::test::read_text(path), "second\ncontent\n");
  std::size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename(), "report.sarif");
    ++entries;
  }
  EXPECT_EQ(entries, 1U);
}

TEST(WriteFileAtomic, MissingDirectoryFailsCleanly) {
  moat::test::TempDir dir;
  auto path = (dir.path() / "missing" / "report.json").string();
  auto status = write_file_atomic(path, "content");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, ErrorKind::io);
  EXPECT_EQ(status.error().input, path);
  EXPECT_NE(status.error().message.find("No such file or directory"), std::string::npos)
      << status.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "missing"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(WriteFileAtomic, EmptyPathIsRejected) {
  auto status = write_file_atomic("", "content");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, ErrorKind::usage);
}
