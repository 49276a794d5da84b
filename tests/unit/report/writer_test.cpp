#include <moat/report/writer.hpp>

#include <testutil.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <thread>
#include <unistd.h>

using namespace moat::core;
using namespace moat::report;

TEST(MakeWriter, KnowsEveryListedFormat) {
  auto formats = writer_formats();
  EXPECT_EQ(formats,
            (std::vector<std::string_view>{"text", "table", "json", "sarif", "junit", "github",
                                           "gitlab", "checkstyle", "sonarqube", "markdown"}));
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
    EXPECT_EQ(writer.error().message, "unknown format '" + std::string(bad) +
                                          "' (expected text, table, json, sarif, junit, github, "
                                          "gitlab, checkstyle, sonarqube or markdown)");
  }
}

TEST(WriteOutput, WritesContentAndLeavesNoTemporaryFile) {
  moat::test::TempDir dir;
  auto path = (dir.path() / "report.sarif").string();
  ASSERT_TRUE(write_output(path, "first\n").has_value());
  ASSERT_TRUE(write_output(path, "second\ncontent\n").has_value());
  EXPECT_EQ(moat::test::read_text(path), "second\ncontent\n");
  std::size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename(), "report.sarif");
    ++entries;
  }
  EXPECT_EQ(entries, 1U);
}

TEST(WriteOutput, MissingDirectoryFailsCleanly) {
  moat::test::TempDir dir;
  auto path = (dir.path() / "missing" / "report.json").string();
  auto status = write_output(path, "content");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, ErrorKind::io);
  EXPECT_EQ(status.error().input, path);
  EXPECT_NE(status.error().message.find("No such file or directory"), std::string::npos)
      << status.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "missing"));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(WriteOutput, EmptyPathIsRejected) {
  auto status = write_output("", "content");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, ErrorKind::usage);
  EXPECT_EQ(status.error().input, "--output");
}

TEST(WriteOutput, KeepsTheModeOfAnExistingFile) {
  moat::test::TempDir dir;
  auto path = dir.path() / "report.json";
  moat::test::write_text(path, "old");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  ASSERT_TRUE(write_output(path.string(), "new").has_value());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600U);
  EXPECT_EQ(moat::test::read_text(path), "new");
}

TEST(WriteOutput, NewFileTakesTheUmask) {
  moat::test::TempDir dir;
  auto path = dir.path() / "report.json";
  const mode_t old = ::umask(027);
  auto status = write_output(path.string(), "new");
  ::umask(old);
  ASSERT_TRUE(status.has_value());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640U);
}

TEST(WriteOutput, FollowsASymlinkAndKeepsIt) {
  moat::test::TempDir dir;
  auto target = dir.path() / "real.json";
  auto link = dir.path() / "link.json";
  moat::test::write_text(target, "old");
  std::filesystem::create_symlink("real.json", link);
  ASSERT_TRUE(write_output(link.string(), "new").has_value());
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(moat::test::read_text(target), "new");
  // A dangling link is followed too: the file it names is created.
  auto dangling = dir.path() / "dangling.json";
  std::filesystem::create_symlink("made.json", dangling);
  ASSERT_TRUE(write_output(dangling.string(), "made").has_value());
  EXPECT_TRUE(std::filesystem::is_symlink(dangling));
  EXPECT_EQ(moat::test::read_text(dir.path() / "made.json"), "made");
}

TEST(WriteOutput, WritesThroughACharacterDevice) {
  // `-o /dev/null` must leave a device: replacing it would break the machine.
  // The test uses a private node of the same device, so a regression cannot.
  if (::geteuid() != 0)
    GTEST_SKIP() << "creating a device node needs root";
  moat::test::TempDir dir;
  auto node = dir.path() / "null";
  ASSERT_EQ(::mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_TRUE(write_output(node.string(), "discarded").has_value());
  struct stat st {};
  ASSERT_EQ(::lstat(node.c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
}

// A producer writes the report straight into the temporary file, in pieces
// of every size, and the file holds exactly what it wrote.
TEST(WriteOutput, StreamsWhatTheProducerWrites) {
  moat::test::TempDir dir;
  auto path = (dir.path() / "report.json").string();
  std::string expected;
  auto status = write_output(path, [&](std::ostream& out) -> Status {
    for (int i = 0; i < 20'000; ++i) {
      std::string piece(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26));
      out << piece << '\n';
      expected += piece + '\n';
    }
    const std::string block(200'000, 'z'); // larger than the stream's buffer
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
    expected += block;
    return {};
  });
  ASSERT_TRUE(status.has_value()) << status.error().message;
  EXPECT_EQ(moat::test::read_text(path), expected);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

// A producer that fails leaves the old file and no temporary, and its own
// error is the one returned.
TEST(WriteOutput, AFailingProducerLeavesTheOldFile) {
  moat::test::TempDir dir;
  auto path = dir.path() / "report.json";
  moat::test::write_text(path, "old");
  auto status = write_output(path.string(), [](std::ostream& out) -> Status {
    out << std::string(300'000, 'x');
    return fail(ErrorKind::internal, "sbom", "cannot be written");
  });
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().input, "sbom");
  EXPECT_EQ(status.error().message, "cannot be written");
  EXPECT_EQ(moat::test::read_text(path), "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

// A device that refuses the bytes (ENOSPC from /dev/full) is an I/O error
// naming the output, also when the refusal comes halfway through a stream.
TEST(WriteOutput, AWriteErrorWhileStreamingIsReported) {
  if (::access("/dev/full", W_OK) != 0)
    GTEST_SKIP() << "/dev/full is not writable here";
  auto status = write_output("/dev/full", [](std::ostream& out) -> Status {
    for (int i = 0; i < 1000; ++i)
      out << std::string(1000, 'x');
    return {};
  });
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().kind, ErrorKind::io);
  EXPECT_EQ(status.error().input, "/dev/full");
  EXPECT_NE(status.error().message.find("No space left on device"), std::string::npos)
      << status.error().message;
}

TEST(WriteOutput, WritesThroughAFifo) {
  moat::test::TempDir dir;
  auto fifo = dir.path() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = moat::test::read_text(fifo); });
  auto status = write_output(fifo.string(), "through the pipe");
  reader.join();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(got, "through the pipe");
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST(WriteOutput, RefusesAnInputFile) {
  moat::test::TempDir dir;
  auto input = dir.path() / "Dockerfile";
  moat::test::write_text(input, "FROM scratch\n");
  auto link = dir.path() / "alias";
  std::filesystem::create_symlink(input, link);
  for (const auto& out : {input, link}) {
    std::vector<std::filesystem::path> inputs{input};
    auto status = write_output(out.string(), "report", inputs);
    ASSERT_FALSE(status.has_value()) << out;
    EXPECT_NE(status.error().message.find("refusing to overwrite the input"), std::string::npos)
        << status.error().message;
  }
  EXPECT_EQ(moat::test::read_text(input), "FROM scratch\n");
}

TEST(WriteOutput, RefusesADirectoryAndASocketSafely) {
  moat::test::TempDir dir;
  auto status = write_output(dir.path().string(), "report");
  ASSERT_FALSE(status.has_value());
  EXPECT_NE(status.error().message.find("is a directory"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_directory(dir.path()));
}

// A hostile file name from an image keeps every structured format valid:
// JSON and SARIF parse and hold it exactly, JUnit XML carries no control
// character XML 1.0 forbids.
TEST(MakeWriter, HostileNamesKeepEveryFormatValid) {
  constexpr CheckInfo check{"IM010", "", Severity::low, "T", "R", "F", ""};
  const std::string hostile = "/app/\x1b]0;owned\x07\nforged\x01\x7f\xff";
  std::vector<TargetReport> reports(1);
  reports[0].target = "image\x1b[2J";
  reports[0].kind = "image";
  Finding f{&check, Severity::low, "m\x1b[2J", Location{}};
  f.location.path = hostile;
  reports[0].findings = {f};
  ReportInfo info{"1.0", "image", {&check}, Severity::high};
  auto render = [&](std::string_view format) {
    std::ostringstream out;
    (*make_writer(format))->write(out, info, reports);
    return out.str();
  };
  const auto json_doc = nlohmann::json::parse(render("json"), nullptr, false);
  ASSERT_FALSE(json_doc.is_discarded());
  const auto sarif = nlohmann::json::parse(render("sarif"), nullptr, false);
  ASSERT_FALSE(sarif.is_discarded());
  const auto junit = render("junit");
  for (const char c : junit) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_TRUE(b >= 0x20 || b == '\t' || b == '\n' || b == '\r') << int(b);
  }
  EXPECT_EQ(junit.find('\x7f'), std::string::npos);
  const auto text = render("text");
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
}
