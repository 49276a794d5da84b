// Unpacking layers for moat run: overlay semantics (whiteouts, opaque
// directories, later entries win) and the protections against hostile
// layers (names climbing out, symlinks and hard links leading out,
// devices, truncated archives).

#include "image_builder.hpp"
#include "testutil.hpp"

#include <moat/image/unpack.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace moat::image;
using moat::core::ErrorKind;
using namespace moat::test;
namespace fs = std::filesystem;

namespace {

class UnpackTest : public ::testing::Test {
protected:
  void SetUp() override {
    root = dir.path() / "root";
    outside = dir.path() / "outside";
    fs::create_directories(root);
    fs::create_directories(outside);
    fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
  }
  void TearDown() override {
    if (fd >= 0)
      ::close(fd);
    // Nothing ever lands beside the root.
    EXPECT_TRUE(fs::is_empty(outside)) << "a layer wrote outside the root";
  }

  moat::core::Result<UnpackStats> apply(const std::vector<TarEntry>& entries,
                                        Compression c = Compression::none,
                                        const UnpackOptions& options = {}) {
    blob = make_tar(entries, c);
    MemoryReader reader(std::as_bytes(std::span(blob)), "layer.tar");
    return unpack_layer(reader, fd, options);
  }

  TempDir dir;
  fs::path root;
  fs::path outside;
  std::string blob;
  int fd = -1;
};

TEST_F(UnpackTest, FilesDirectoriesAndLinksLandWithTheirModes) {
  auto r = apply({tar_dir("etc", 0755), tar_file("etc/hostname", "box\n", 0640),
                  tar_file("usr/bin/tool", "#!/bin/sh\n", 04755), tar_symlink("bin", "usr/bin"),
                  tar_hardlink("etc/hostname.bak", "etc/hostname"), tar_dir("tmp", 01777)},
                 Compression::gzip);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->entries, 6U);
  EXPECT_EQ(read_text(root / "etc/hostname"), "box\n");
  EXPECT_EQ(fs::status(root / "etc/hostname").permissions(), static_cast<fs::perms>(0640));
  // The parent usr/bin was not listed: it was made.
  EXPECT_EQ(fs::status(root / "usr/bin/tool").permissions(), static_cast<fs::perms>(04755));
  EXPECT_EQ(fs::read_symlink(root / "bin"), "usr/bin");
  EXPECT_TRUE(fs::equivalent(root / "etc/hostname", root / "etc/hostname.bak"));
  EXPECT_EQ(fs::status(root / "tmp").permissions(), static_cast<fs::perms>(01777));
}

TEST_F(UnpackTest, LaterLayersReplaceAndWhiteoutsDelete) {
  ASSERT_TRUE(apply({tar_file("a/keep", "1"), tar_file("a/gone", "2"), tar_file("b/old", "3"),
                     tar_file("c", "file"), tar_file("d/x", "4")}));
  // Layer 2: a whiteout, an opaque directory (marker first, then this
  // layer's own file), a file replaced by a directory and back.
  auto r = apply({tar_whiteout("a/gone"), tar_opaque("b"), tar_file("b/new", "5"), tar_dir("c"),
                  tar_file("c/inside", "6"), tar_file("d", "now a file")});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_TRUE(fs::exists(root / "a/keep"));
  EXPECT_FALSE(fs::exists(root / "a/gone"));
  EXPECT_FALSE(fs::exists(root / "a/.wh.gone"));
  EXPECT_FALSE(fs::exists(root / "b/old"));
  EXPECT_EQ(read_text(root / "b/new"), "5");
  EXPECT_FALSE(fs::exists(root / "b/.wh..wh..opq"));
  EXPECT_EQ(read_text(root / "c/inside"), "6");
  EXPECT_EQ(read_text(root / "d"), "now a file");
}

TEST_F(UnpackTest, AnOpaqueMarkerAfterTheLayersOwnEntriesKeepsThem) {
  ASSERT_TRUE(apply({tar_file("b/old", "3")}));
  ASSERT_TRUE(apply({tar_file("b/new", "5"), tar_opaque("b")}));
  EXPECT_FALSE(fs::exists(root / "b/old"));
  EXPECT_EQ(read_text(root / "b/new"), "5");
}

TEST_F(UnpackTest, ANameClimbingOutIsRefused) {
  auto r = apply({tar_file("ok", "1"), tar_file("../outside/pwned", "x")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::parse);
  EXPECT_NE(r.error().message.find("'../outside/pwned'"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("path traversal"), std::string::npos);
}

TEST_F(UnpackTest, AnAbsoluteNameStaysInsideTheRoot) {
  auto r = apply({tar_file("/etc/motd", "hi")});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(read_text(root / "etc/motd"), "hi");
}

TEST_F(UnpackTest, ASymlinkPlacedByOneLayerCannotLeadTheNextOut) {
  // Absolute and relative links at the outside directory, then files
  // written through them: they resolve inside the root, as in the container.
  ASSERT_TRUE(apply({tar_dir(outside.relative_path().string()), tar_dir("outside"),
                     tar_symlink("abs", outside.string()), tar_symlink("rel", "../../outside"),
                     tar_symlink("up", "..")}));
  auto r =
      apply({tar_file("abs/pwned", "x"), tar_file("rel/pwned", "y"), tar_file("up/pwned", "z")});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(read_text(root / outside.relative_path() / "pwned"), "x");
  EXPECT_EQ(read_text(root / "outside/pwned"), "y");
  EXPECT_EQ(read_text(root / "pwned"), "z");
  // The links themselves are kept as the image has them.
  EXPECT_EQ(fs::read_symlink(root / "abs"), outside);
  // A link to where nothing is inside the root: an error, not a write
  // outside (where the target does exist).
  fs::create_directory(dir.path() / "host-only");
  ASSERT_TRUE(apply({tar_symlink("dangling", (dir.path() / "host-only").string())}));
  auto dangling = apply({tar_file("dangling/pwned", "w")});
  ASSERT_FALSE(dangling);
  EXPECT_NE(dangling.error().message.find("'dangling/pwned'"), std::string::npos)
      << dangling.error().message;
  EXPECT_TRUE(fs::is_empty(dir.path() / "host-only"));
}

TEST_F(UnpackTest, AFileNamedLikeASymlinkReplacesTheLinkNotItsTarget) {
  dir.write("outside-file", "host data");
  ASSERT_TRUE(apply({tar_symlink("link", (dir.path() / "outside-file").string())}));
  ASSERT_TRUE(apply({tar_file("link", "image data")}));
  EXPECT_EQ(read_text(dir.path() / "outside-file"), "host data");
  EXPECT_EQ(read_text(root / "link"), "image data");
  fs::remove(dir.path() / "outside-file");
}

TEST_F(UnpackTest, HardLinksOutOfTheRootAreRefused) {
  dir.write("outside/secret", "host secret");
  auto climbing = apply({tar_hardlink("steal", "../outside/secret")});
  ASSERT_FALSE(climbing);
  EXPECT_NE(climbing.error().message.find("leaves the root"), std::string::npos)
      << climbing.error().message;
  // Through a symlink: the target is looked up inside the root, where it is not.
  ASSERT_TRUE(apply({tar_symlink("host", dir.path().string())}));
  auto through = apply({tar_hardlink("steal2", "host/outside/secret")});
  ASSERT_FALSE(through);
  EXPECT_NE(through.error().message.find("is not in the layers"), std::string::npos)
      << through.error().message;
  EXPECT_FALSE(fs::exists(root / "steal2"));
  fs::remove(dir.path() / "outside/secret");
}

TEST_F(UnpackTest, DevicesAreSkippedAndFifosMade) {
  auto r = apply({tar_device("dev/sda", EntryKind::block_device, 8, 0),
                  tar_device("dev/mem", EntryKind::char_device, 1, 1),
                  tar_device("run/pipe", EntryKind::fifo, 0, 0)});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->devices_skipped, 2U);
  EXPECT_FALSE(fs::exists(root / "dev/sda"));
  EXPECT_FALSE(fs::exists(root / "dev/mem"));
  EXPECT_TRUE(fs::is_fifo(root / "run/pipe"));
}

TEST_F(UnpackTest, AWhiteoutNamingNothingIsRefused) {
  auto r = apply({tar_file("a/.wh.", "")});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("names nothing"), std::string::npos);
}

TEST_F(UnpackTest, ATruncatedLayerIsAnErrorNamingIt) {
  blob = make_tar({tar_file("big", std::string(100000, 'x'))}, Compression::gzip);
  blob.resize(blob.size() / 2);
  MemoryReader reader(std::as_bytes(std::span(blob)), "layer.tar");
  auto r = unpack_layer(reader, fd, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().input, "layer.tar");
}

TEST_F(UnpackTest, TheDataLimitStopsABomb) {
  UnpackOptions options;
  options.max_bytes = 1 << 20;
  auto r = apply({tar_zeros("zeros", std::uint64_t{8} << 20)}, Compression::gzip, options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::limit);
}

TEST_F(UnpackTest, OwnersAreShiftedIntoTheContainersRange) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "changing owners needs root";
  UnpackOptions options;
  options.chown = true;
  options.uid_first = 100000;
  options.gid_first = 200000;
  auto r =
      apply({tar_file("root-file", "r", 04755, 0, 0), tar_file("app-file", "a", 0600, 1000, 42),
             tar_file("huge-id", "h", 0644, 70000, 70000), tar_symlink("link", "root-file")},
            Compression::none, options);
  ASSERT_TRUE(r) << r.error().to_string();
  struct stat st {};
  ASSERT_EQ(::stat((root / "root-file").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 100000U);
  EXPECT_EQ(st.st_gid, 200000U);
  EXPECT_EQ(st.st_mode & 07777, 04755U) << "the set-user-ID bit survives the chown";
  ASSERT_EQ(::stat((root / "app-file").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 101000U);
  EXPECT_EQ(st.st_gid, 200042U);
  ASSERT_EQ(::stat((root / "huge-id").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 100000U + 65534U) << "ids beyond the range become its nobody";
  ASSERT_EQ(::lstat((root / "link").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 100000U);
}

} // namespace
