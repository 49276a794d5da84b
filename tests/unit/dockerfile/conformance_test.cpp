// BuildKit's own parser test data: every case must dump exactly as BuildKit's
// Node.Dump() does, and every negative case must be rejected.

#include <moat/dockerfile/ast.hpp>

#include <gtest/gtest.h>
#include <testutil.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace moat::dockerfile {
namespace {

namespace fs = std::filesystem;

// The case directories under DIR, sorted; files such as SOURCE.md are skipped.
std::vector<fs::path> case_dirs(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory())
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BuildKitConformance, EveryCaseDumpsLikeBuildKit) {
  const fs::path root = test::shared_dir() / "conformance" / "buildkit-parser";
  ASSERT_TRUE(fs::is_directory(root)) << root;
  const std::vector<fs::path> cases = case_dirs(root);
  ASSERT_EQ(cases.size(), 33U) << "the shared BuildKit conformance data is incomplete";
  int passed = 0;
  for (const fs::path& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    ASSERT_TRUE(fs::exists(dir / "Dockerfile"));
    ASSERT_TRUE(fs::exists(dir / "result"));
    const std::string text = test::read_text(dir / "Dockerfile");
    const std::string expected = test::read_text(dir / "result");
    const auto parsed = parse(text, (dir / "Dockerfile").string());
    ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
    EXPECT_EQ(dump(*parsed), expected);
    if (dump(*parsed) == expected)
      ++passed;
  }
  EXPECT_EQ(passed, 33);
}

TEST(BuildKitConformance, EveryNegativeCaseIsRejected) {
  const fs::path root = test::shared_dir() / "conformance" / "buildkit-parser-negative";
  ASSERT_TRUE(fs::is_directory(root)) << root;
  const std::vector<fs::path> cases = case_dirs(root);
  ASSERT_EQ(cases.size(), 4U) << "the shared BuildKit negative cases are incomplete";
  for (const fs::path& dir : cases) {
    SCOPED_TRACE(dir.filename().string());
    ASSERT_TRUE(fs::exists(dir / "Dockerfile"));
    const auto parsed = parse(test::read_text(dir / "Dockerfile"), "Dockerfile");
    ASSERT_FALSE(parsed.has_value()) << dump(*parsed);
    EXPECT_EQ(parsed.error().kind, core::ErrorKind::parse);
    EXPECT_EQ(parsed.error().input, "Dockerfile");
    EXPECT_FALSE(parsed.error().message.empty());
  }
}

} // namespace
} // namespace moat::dockerfile
