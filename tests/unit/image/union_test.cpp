// UnionView: what overlay file systems make of a stack of layers, and which
// layer hid each entry that is not visible any more.

#include "image_builder.hpp"

#include <moat/image/union.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <vector>

using namespace moat::image;
using namespace moat::test;

namespace {

// A layer given as "path" (file), "path/" (directory), "-path" (whiteout),
// "+path" (opaque directory marker), "@path" (symlink).
LayerScan layer(std::initializer_list<std::string_view> items) {
  LayerScan scan;
  for (auto item : items) {
    FileEntry e;
    if (item.starts_with('-')) {
      e.type = EntryType::whiteout;
      item.remove_prefix(1);
    } else if (item.starts_with('+')) {
      e.type = EntryType::opaque;
      item.remove_prefix(1);
    } else if (item.starts_with('@')) {
      e.type = EntryType::symlink;
      e.link = "target";
      item.remove_prefix(1);
    } else if (item.ends_with('/')) {
      e.type = EntryType::directory;
      item.remove_suffix(1);
    }
    e.path = std::string(item);
    scan.entries.push_back(std::move(e));
  }
  return scan;
}

std::size_t index_of(const LayerScan& scan, std::string_view path, EntryType type) {
  for (std::size_t i = 0; i < scan.entries.size(); ++i)
    if (scan.entries[i].path == path && scan.entries[i].type == type)
      return i;
  throw std::runtime_error("no entry " + std::string(path));
}

// hidden_by for the file (or TYPE) entry at PATH in layer L.
int hidden(const UnionView& view, const std::vector<LayerScan>& layers, int l,
           std::string_view path, EntryType type = EntryType::file) {
  return view.hidden_by(l, index_of(layers[static_cast<std::size_t>(l)], path, type));
}

std::set<std::string> visible_paths(const UnionView& view) {
  std::set<std::string> out;
  for (const auto ref : view.visible())
    out.insert(view.entry(ref).path);
  return out;
}

TEST(UnionView, SingleLayerIsAllVisible) {
  const std::vector<LayerScan> layers = {layer({"etc/", "etc/passwd", "@bin/sh"})};
  const UnionView view(layers);
  EXPECT_EQ(visible_paths(view), (std::set<std::string>{"etc", "etc/passwd", "bin/sh"}));
  EXPECT_EQ(hidden(view, layers, 0, "etc/passwd"), -1);
  ASSERT_NE(view.find("etc/passwd"), nullptr);
  EXPECT_EQ(view.find("etc/passwd")->type, EntryType::file);
  EXPECT_EQ(view.find("/etc/passwd"), nullptr); // paths have no leading '/'
  EXPECT_EQ(view.find("etc/nothing"), nullptr);
  auto ref = view.find_ref("bin/sh");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->layer, 0);
  EXPECT_EQ(view.entry(*ref).type, EntryType::symlink);
  EXPECT_FALSE(view.find_ref("bin"));
}

TEST(UnionView, WhiteoutDeletesAFile) {
  const std::vector<LayerScan> layers = {layer({"etc/", "etc/a", "etc/b"}), layer({"-etc/a"})};
  const UnionView view(layers);
  EXPECT_EQ(view.find("etc/a"), nullptr);
  EXPECT_NE(view.find("etc/b"), nullptr);
  EXPECT_EQ(hidden(view, layers, 0, "etc/a"), 1);
  EXPECT_EQ(hidden(view, layers, 0, "etc/b"), -1);
  EXPECT_EQ(hidden(view, layers, 1, "etc/a", EntryType::whiteout), -2);
  EXPECT_EQ(visible_paths(view), (std::set<std::string>{"etc", "etc/b"}));
}

TEST(UnionView, WhiteoutOfADirectoryDeletesEverythingUnderIt) {
  const std::vector<LayerScan> layers = {layer({"d/", "d/x", "d/sub/", "d/sub/y", "dx/file"}),
                                         layer({"-d"})};
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "d", EntryType::directory), 1);
  EXPECT_EQ(hidden(view, layers, 0, "d/x"), 1);
  EXPECT_EQ(hidden(view, layers, 0, "d/sub/y"), 1);
  // A sibling that shares the name's prefix is not under it.
  EXPECT_EQ(hidden(view, layers, 0, "dx/file"), -1);
  EXPECT_EQ(visible_paths(view), (std::set<std::string>{"dx/file"}));
}

TEST(UnionView, OpaqueDirectoryHidesOnlyLowerContents) {
  const std::vector<LayerScan> layers = {layer({"d/", "d/x", "d/sub/deep", "other"}),
                                         layer({"d/", "+d", "d/new"})};
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "d/x"), 1);
  EXPECT_EQ(hidden(view, layers, 0, "d/sub/deep"), 1);
  EXPECT_EQ(hidden(view, layers, 0, "other"), -1);
  EXPECT_EQ(hidden(view, layers, 1, "d/new"), -1);
  EXPECT_EQ(hidden(view, layers, 1, "d", EntryType::opaque), -2);
  EXPECT_EQ(view.find("d/x"), nullptr);
  ASSERT_NE(view.find("d"), nullptr);
  EXPECT_EQ(view.find("d")->type, EntryType::directory);
  EXPECT_EQ(view.find_ref("d")->layer, 1);
  EXPECT_EQ(visible_paths(view), (std::set<std::string>{"d", "d/new", "other"}));
}

TEST(UnionView, OpaqueRootHidesEveryLowerEntry) {
  const std::vector<LayerScan> layers = {layer({"a", "b/", "b/c"}), layer({"+", "new"})};
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "a"), 1);
  EXPECT_EQ(hidden(view, layers, 0, "b/c"), 1);
  EXPECT_EQ(visible_paths(view), (std::set<std::string>{"new"}));
}

TEST(UnionView, FileReplacedByDirectory) {
  const std::vector<LayerScan> layers = {layer({"x"}), layer({"x/", "x/y"})};
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "x"), 1);
  ASSERT_NE(view.find("x"), nullptr);
  EXPECT_EQ(view.find("x")->type, EntryType::directory);
  EXPECT_NE(view.find("x/y"), nullptr);
}

TEST(UnionView, DirectoryReplacedByFile) {
  const std::vector<LayerScan> layers = {layer({"x/", "x/y", "x/z/"}), layer({"x"})};
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "x", EntryType::directory), 1);
  EXPECT_EQ(hidden(view, layers, 0, "x/y"), 1);
  EXPECT_EQ(hidden(view, layers, 0, "x/z", EntryType::directory), 1);
  ASSERT_NE(view.find("x"), nullptr);
  EXPECT_EQ(view.find("x")->type, EntryType::file);
  EXPECT_EQ(view.find("x/y"), nullptr);
}

TEST(UnionView, DirectoryReplacedBySymlinkHidesItsContents) {
  const std::vector<LayerScan> layers = {layer({"lib/", "lib/libc.so"}), layer({"@lib"})};
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "lib/libc.so"), 1);
  EXPECT_EQ(view.find("lib")->type, EntryType::symlink);
}

TEST(UnionView, DirectoryOverDirectoryMerges) {
  const std::vector<LayerScan> layers = {layer({"etc/", "etc/a"}), layer({"etc/", "etc/b"})};
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "etc/a"), -1);
  EXPECT_EQ(hidden(view, layers, 0, "etc", EntryType::directory), -1);
  EXPECT_EQ(view.find_ref("etc")->layer, 1); // the upper directory's metadata wins
  EXPECT_EQ(visible_paths(view), (std::set<std::string>{"etc", "etc/a", "etc/b"}));
}

TEST(UnionView, ReAddedAfterWhiteout) {
  const std::vector<LayerScan> layers = {layer({"a", "d/", "d/old"}), layer({"-a", "-d"}),
                                         layer({"a", "d/", "d/new"})};
  const UnionView view(layers);
  ASSERT_TRUE(view.find_ref("a"));
  EXPECT_EQ(view.find_ref("a")->layer, 2);
  EXPECT_EQ(hidden(view, layers, 0, "a"), 1); // the whiteout, not the re-add
  EXPECT_EQ(hidden(view, layers, 0, "d/old"), 1);
  EXPECT_EQ(view.find("d/old"), nullptr);
  EXPECT_NE(view.find("d/new"), nullptr);
  EXPECT_EQ(hidden(view, layers, 2, "a"), -1);
}

TEST(UnionView, HiddenByIsTheClosestLayerAbove) {
  const std::vector<LayerScan> layers = {layer({"a", "d/x"}), layer({"a", "d/x"}), layer({"q"}),
                                         layer({"a", "-d"})};
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "a"), 1);
  EXPECT_EQ(hidden(view, layers, 1, "a"), 3);
  EXPECT_EQ(hidden(view, layers, 3, "a"), -1);
  EXPECT_EQ(hidden(view, layers, 0, "d/x"), 1);
  EXPECT_EQ(hidden(view, layers, 1, "d/x"), 3);
  EXPECT_EQ(view.find_ref("a")->layer, 3);
}

TEST(UnionView, WhiteoutAppliesOnlyToLowerLayers) {
  // The OCI layer spec: a whiteout hides lower entries, never its own layer's.
  const std::vector<LayerScan> layers = {layer({"a"}), layer({"-a", "a"})};
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "a"), 1);
  ASSERT_TRUE(view.find_ref("a"));
  EXPECT_EQ(view.find_ref("a")->layer, 1);
}

TEST(UnionView, LaterEntryOfTheSameLayerWins) {
  LayerScan l = layer({"a", "a"});
  l.entries[1].size = 42;
  const std::vector<LayerScan> layers = {std::move(l)};
  const UnionView view(layers);
  ASSERT_NE(view.find("a"), nullptr);
  EXPECT_EQ(view.find("a")->size, 42U);
  EXPECT_EQ(view.visible().size(), 1U);
}

TEST(UnionView, WhiteoutOfSomethingAbsentIsHarmless) {
  const std::vector<LayerScan> layers = {layer({"a"}), layer({"-nothing", "-a/b"})};
  const UnionView view(layers);
  EXPECT_EQ(visible_paths(view), (std::set<std::string>{"a"}));
}

TEST(UnionView, EmptyImage) {
  const std::vector<LayerScan> layers;
  const UnionView view(layers);
  EXPECT_TRUE(view.visible().empty());
  EXPECT_EQ(view.find("a"), nullptr);
}

TEST(UnionView, FromRealLayerTars) {
  // The same rules, with the whiteout names as a real layer spells them.
  const std::vector<std::vector<TarEntry>> tars = {
      {tar_dir("etc"), tar_file("etc/secret", "s"), tar_dir("var/cache"),
       tar_file("var/cache/old", "o"), tar_file("keep", "k")},
      {tar_whiteout("etc/secret"), tar_opaque("var/cache"), tar_file("var/cache/new", "n")},
  };
  std::vector<LayerScan> layers;
  std::atomic<std::uint64_t> budget{1000};
  for (const auto& t : tars) {
    StringReader reader(make_tar(t, Compression::gzip));
    auto s = scan_layer(reader, {}, ScanLimits{}, budget);
    ASSERT_TRUE(s) << s.error().to_string();
    layers.push_back(std::move(*s));
  }
  const UnionView view(layers);
  EXPECT_EQ(hidden(view, layers, 0, "etc/secret"), 1);
  EXPECT_EQ(hidden(view, layers, 0, "var/cache/old"), 1);
  EXPECT_EQ(hidden(view, layers, 0, "keep"), -1);
  EXPECT_EQ(visible_paths(view),
            (std::set<std::string>{"etc", "var/cache", "var/cache/new", "keep"}));
}

} // namespace
