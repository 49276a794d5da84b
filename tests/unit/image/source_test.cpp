// load_image over every local form an image comes in: OCI layout (directory
// and tar), docker save (classic and Docker 25+ OCI form, tar and extracted
// directory), dir:// root file systems; image selection by ref and platform;
// and the ways those inputs are broken or hostile.

#include "image_builder.hpp"
#include "testutil.hpp"

#include <moat/image/source.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

using namespace moat::image;
using moat::core::ErrorKind;
using namespace moat::test;
namespace fs = std::filesystem;

namespace {

moat::core::Result<ScannedImage> load(const std::string& target,
                                      std::string platform = "linux/amd64") {
  SourceOptions options;
  options.platform = std::move(platform);
  options.threads = 2;
  return load_image(target, options);
}

// Two layers with a step between them; USER names the image in tests that pick one of several.
ImageBuilder sample_image(const std::string& user = "app") {
  ImageBuilder b;
  b.layer({tar_dir("etc"), tar_file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
           tar_file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n")},
          "/bin/sh -c #(nop) ADD file:0123abcd in / ", Compression::gzip);
  b.step("/bin/sh -c #(nop)  CMD [\"bash\"]");
  b.layer({tar_dir("app"), tar_file("app/run.sh", "#!/bin/sh\necho " + user + "\n", 0755)},
          "COPY run.sh /app/ # buildkit", Compression::zstd);
  b.config = {{"User", user}, {"Env", {"PATH=/usr/bin:/bin"}}, {"Cmd", {"/app/run.sh"}}};
  return b;
}

void expect_sample(const ScannedImage& s, const ImageBuilder& b) {
  ASSERT_EQ(s.image.layers.size(), 2U);
  ASSERT_EQ(s.layers.size(), 2U);
  EXPECT_EQ(s.image.config.user, b.config["User"].get<std::string>());
  EXPECT_EQ(s.image.config.cmd, (std::vector<std::string>{"/app/run.sh"}));
  ASSERT_EQ(s.image.history.size(), 3U);
  EXPECT_TRUE(s.image.history[1].empty_layer);
  EXPECT_EQ(s.image.layers[0].history, 0);
  EXPECT_EQ(s.image.layers[1].history, 2);
  EXPECT_EQ(s.image.layers[0].diff_id, b.layers[0].diff_id);
  EXPECT_EQ(s.image.layers[1].diff_id, b.layers[1].diff_id);
  EXPECT_EQ(s.image.config_digest, sha256_digest(b.config_text()));
  EXPECT_NE(entry_at(s.layers[0], "etc/passwd"), nullptr);
  EXPECT_NE(entry_at(s.layers[1], "app/run.sh"), nullptr);
  EXPECT_EQ(s.layers[0].digest, s.image.layers[0].digest);
  EXPECT_EQ(s.layers[1].digest, s.image.layers[1].digest);
  EXPECT_FALSE(s.image.is_directory);
}

std::string write_tar(const TempDir& dir, const std::string& name,
                      const std::vector<TarEntry>& entries) {
  return dir.write(name, make_tar(entries)).string();
}

// --- the forms ------------------------------------------------------------------

TEST(LoadImage, OciLayoutDirectory) {
  TempDir dir;
  const auto b = sample_image();
  OciLayout layout;
  const auto desc = layout.add_image(b);
  layout.list(desc);
  layout.write_dir(dir.path());
  auto s = load(dir.path().string());
  ASSERT_TRUE(s) << s.error().to_string();
  expect_sample(*s, b);
  EXPECT_EQ(s->image.name, dir.path().string());
  EXPECT_EQ(s->image.manifest_digest, desc["digest"].get<std::string>());
  EXPECT_EQ(s->image.layers[0].digest, b.layers[0].digest);
  EXPECT_EQ(s->image.layers[0].media_type, media::layer_gzip);
  EXPECT_EQ(s->image.layers[1].media_type, media::layer_zstd);
  EXPECT_EQ(s->image.layers[1].size, b.layers[1].blob.size());
  EXPECT_TRUE(s->image.tags.empty());
}

TEST(LoadImage, OciLayoutTar) {
  TempDir dir;
  const auto b = sample_image();
  OciLayout layout;
  layout.list(layout.add_image(b));
  const auto path = dir.write("layout.tar", layout.to_tar()).string();
  auto s = load(path);
  ASSERT_TRUE(s) << s.error().to_string();
  expect_sample(*s, b);
}

TEST(LoadImage, DockerSaveClassicTar) {
  TempDir dir;
  const auto b = sample_image();
  const auto path = write_tar(dir, "image.tar", docker_save_classic(b, {"team/app:1.0"}));
  auto s = load(path);
  ASSERT_TRUE(s) << s.error().to_string();
  expect_sample(*s, b);
  EXPECT_EQ(s->image.tags, (std::vector<std::string>{"team/app:1.0"}));
  EXPECT_TRUE(s->image.manifest_digest.empty());
  // The classic form stores uncompressed layers named by directory: the digest is the diff id.
  EXPECT_EQ(s->image.layers[0].digest, b.layers[0].diff_id);
  EXPECT_EQ(s->layers[0].digest, b.layers[0].diff_id);
}

TEST(LoadImage, DockerSaveClassicExtractedDirectory) {
  TempDir dir;
  const auto b = sample_image();
  write_entries(dir.path(), docker_save_classic(b, {"app:2"}));
  auto s = load(dir.path().string());
  ASSERT_TRUE(s) << s.error().to_string();
  expect_sample(*s, b);
  EXPECT_EQ(s->image.tags, (std::vector<std::string>{"app:2"}));
}

TEST(LoadImage, DockerSaveClassicDuplicateLayerIsALink) {
  // docker save writes a repeated layer once and links the second copy to it.
  ImageBuilder b;
  b.layer({tar_file("same", "x")}, "", Compression::none);
  b.layer({tar_file("same", "x")}, "", Compression::none);
  b.config = {{"User", "app"}};
  const auto id = hex_of(b.layers[0].diff_id);
  const std::string id2(64, 'b');
  const auto config = b.config_text();
  const nlohmann::json manifest =
      nlohmann::json::array({{{"Config", moat::util::sha256_hex(config) + ".json"},
                              {"RepoTags", nlohmann::json::array()},
                              {"Layers", {id + "/layer.tar", id2 + "/layer.tar"}}}});
  TempDir dir;
  const auto path =
      write_tar(dir, "dup.tar",
                {tar_dir(id), tar_file(id + "/layer.tar", b.layers[0].tar), tar_dir(id2),
                 tar_symlink(id2 + "/layer.tar", "../" + id + "/layer.tar"),
                 tar_file(moat::util::sha256_hex(config) + ".json", config),
                 tar_file("manifest.json", manifest.dump())});
  auto s = load(path);
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->layers.size(), 2U);
  EXPECT_NE(entry_at(s->layers[1], "same"), nullptr);
}

TEST(LoadImage, DockerSaveOciFormTar) {
  TempDir dir;
  ImageBuilder b = sample_image();
  // Docker 25+ stores layers uncompressed; the compressed ones must work the same.
  const auto path = write_tar(dir, "image.tar", docker_save_oci(b, {"app:3.1"}));
  auto s = load(path);
  ASSERT_TRUE(s) << s.error().to_string();
  expect_sample(*s, b);
  EXPECT_EQ(s->image.tags, (std::vector<std::string>{"app:3.1"}));
  EXPECT_EQ(s->image.layers[0].digest, b.layers[0].digest);
  EXPECT_EQ(s->image.layers[1].digest, b.layers[1].digest);
  // Its index.json names the image too: PATH:REF reads it as an OCI layout.
  auto by_ref = load(path + ":3.1");
  ASSERT_TRUE(by_ref) << by_ref.error().to_string();
  expect_sample(*by_ref, b);
  EXPECT_FALSE(by_ref->image.manifest_digest.empty());
}

TEST(LoadImage, OciLayoutTarWithDotSlashNames) {
  // What `tar -C layout -cf image.tar .` writes.
  TempDir dir;
  const auto b = sample_image();
  OciLayout layout;
  layout.list(layout.add_image(b));
  auto entries = layout.entries();
  for (auto& e : entries)
    e.path = "./" + e.path;
  entries.insert(entries.begin(), tar_dir("."));
  auto s = load(write_tar(dir, "image.tar", entries));
  ASSERT_TRUE(s) << s.error().to_string();
  expect_sample(*s, b);
}

TEST(LoadImage, RootDirectory) {
  TempDir root;
  root.write("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  root.write("srv/www/index.html", "hi");
  auto s = load("dir://" + root.path().string());
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_TRUE(s->image.is_directory);
  EXPECT_EQ(s->image.name, "dir://" + root.path().string());
  ASSERT_EQ(s->layers.size(), 1U);
  ASSERT_EQ(s->image.layers.size(), 1U);
  EXPECT_NE(entry_at(s->layers[0], "srv/www/index.html"), nullptr);
  EXPECT_TRUE(s->image.history.empty());

  auto missing = load("dir://" + (root.path() / "absent").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::io);
}

// --- choosing one image ------------------------------------------------------

TEST(LoadImage, PathColonRefSelectsAnImage) {
  TempDir dir;
  OciLayout layout;
  const auto one = sample_image("one");
  const auto two = sample_image("two");
  layout.list(with_ref(layout.add_image(one), "v1"));
  layout.list(with_ref(layout.add_image(two), "v2"));
  layout.write_dir(dir.path() / "layout");
  const auto base = (dir.path() / "layout").string();

  auto v1 = load(base + ":v1");
  ASSERT_TRUE(v1) << v1.error().to_string();
  expect_sample(*v1, one);
  auto v2 = load(base + ":v2");
  ASSERT_TRUE(v2) << v2.error().to_string();
  expect_sample(*v2, two);

  auto unnamed = load(base);
  ASSERT_FALSE(unnamed);
  EXPECT_EQ(unnamed.error().kind, ErrorKind::usage);
  EXPECT_NE(unnamed.error().message.find("v1, v2"), std::string::npos) << unnamed.error().message;
  EXPECT_NE(unnamed.error().message.find("PATH:REF"), std::string::npos);

  auto unknown = load(base + ":v3");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::usage);
  EXPECT_NE(unknown.error().message.find("'v3'"), std::string::npos) << unknown.error().message;

  // The same in a tar.
  const auto tar = dir.write("layout.tar", layout.to_tar()).string();
  auto in_tar = load(tar + ":v2");
  ASSERT_TRUE(in_tar) << in_tar.error().to_string();
  expect_sample(*in_tar, two);
}

// A layout whose index.json lists an amd64 and an arm64/v8 image, directly or
// through a nested index.
void write_multi_platform(const fs::path& dir, bool nested, const ImageBuilder& amd,
                          const ImageBuilder& arm) {
  OciLayout layout;
  const auto a = with_platform(layout.add_image(amd), "linux/amd64");
  const auto r = with_platform(layout.add_image(arm), "linux/arm64/v8");
  if (nested) {
    layout.list(layout.add_index({a, r}));
  } else {
    layout.list(a);
    layout.list(r);
  }
  layout.write_dir(dir);
}

TEST(LoadImage, PlatformSelection) {
  auto amd = sample_image("amd");
  auto arm = sample_image("arm");
  arm.architecture = "arm64";
  arm.variant = "v8";
  for (const bool nested : {false, true}) {
    SCOPED_TRACE(nested ? "nested index" : "flat index");
    TempDir dir;
    write_multi_platform(dir.path(), nested, amd, arm);
    const auto path = dir.path().string();
    auto a = load(path, "linux/amd64");
    ASSERT_TRUE(a) << a.error().to_string();
    EXPECT_EQ(a->image.config.user, "amd");
    auto r = load(path, "linux/arm64/v8");
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->image.config.user, "arm");
    EXPECT_EQ(r->image.config.architecture, "arm64");
    EXPECT_EQ(r->image.config.variant, "v8");
    auto any_variant = load(path, "linux/arm64");
    ASSERT_TRUE(any_variant) << any_variant.error().to_string();
    EXPECT_EQ(any_variant->image.config.user, "arm");

    auto none = load(path, "linux/s390x");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().kind, ErrorKind::usage);
    EXPECT_NE(none.error().message.find("linux/s390x"), std::string::npos);
    EXPECT_NE(none.error().message.find("linux/amd64"), std::string::npos) << none.error().message;
    EXPECT_NE(none.error().message.find("linux/arm64/v8"), std::string::npos);

    auto invalid = load(path, "amd64");
    ASSERT_FALSE(invalid);
    EXPECT_EQ(invalid.error().kind, ErrorKind::usage);
    EXPECT_NE(invalid.error().message.find("os/arch"), std::string::npos);
  }
}

TEST(SelectPlatform, ExactVariantThenFallback) {
  const std::string index = R"({"manifests": [
    {"digest": "sha256:v6", "platform": {"os": "linux", "architecture": "arm", "variant": "v6"}},
    {"digest": "sha256:v7", "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}},
    {"digest": "sha256:win", "platform": {"os": "windows", "architecture": "amd64"}},
    {"digest": "sha256:att", "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
  ]})";
  EXPECT_EQ(select_platform(index, "linux/arm/v7", "idx").value_or("error"), "sha256:v7");
  EXPECT_EQ(select_platform(index, "linux/arm", "idx").value_or("error"), "sha256:v6");
  EXPECT_EQ(select_platform(index, "linux/arm/v5", "idx").value_or("error"), "sha256:v6");
  EXPECT_EQ(select_platform(index, "windows/amd64", "idx").value_or("error"), "sha256:win");
  auto missing = select_platform(index, "linux/amd64", "idx");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().input, "idx");
  EXPECT_NE(missing.error().message.find("linux/arm/v6, linux/arm/v7, windows/amd64"),
            std::string::npos)
      << missing.error().message;
  EXPECT_FALSE(select_platform("not json", "linux/amd64", "idx"));
  EXPECT_FALSE(select_platform(R"({"manifests": 3})", "linux/amd64", "idx"));
  EXPECT_FALSE(select_platform(index, "linux/arm/v7/extra", "idx"));
  EXPECT_FALSE(select_platform(index, "/amd64", "idx"));
}

TEST(HostPlatform, IsLinuxSlashSomething) {
  const auto p = host_platform();
  EXPECT_TRUE(p.starts_with("linux/")) << p;
  EXPECT_GT(p.size(), 6U);
}

// --- broken and hostile inputs -------------------------------------------------

// Flips one byte of FILE at OFFSET.
void flip_byte(const fs::path& file, std::size_t offset) {
  auto content = read_text(file);
  content.at(offset) = static_cast<char>(content.at(offset) ^ 0x01);
  write_file(file, content);
}

TEST(LoadImage, CorruptedLayerBlobIsADigestMismatch) {
  TempDir dir;
  ImageBuilder b;
  b.layer({tar_file("data.txt", std::string(4000, 'd'))}, "", Compression::none);
  OciLayout layout;
  layout.list(layout.add_image(b));
  layout.write_dir(dir.path());
  flip_byte(dir.path() / "blobs/sha256" / hex_of(b.layers[0].digest), 512 + 100); // in the data
  auto s = load(dir.path().string());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::parse);
  EXPECT_TRUE(s.error().message.starts_with("digest mismatch: expected " + b.layers[0].digest))
      << s.error().to_string();
  EXPECT_NE(s.error().input.find(hex_of(b.layers[0].digest)), std::string::npos) << s.error().input;
}

TEST(LoadImage, CorruptedCompressedLayerBlobIsADigestMismatch) {
  TempDir dir;
  ImageBuilder b;
  std::vector<TarEntry> files;
  for (int i = 0; i < 30; ++i)
    files.push_back(tar_file(fmt::format("f{}", i), fmt::format("line {}\n", i * 104729)));
  b.layer(files, "", Compression::gzip);
  OciLayout layout;
  layout.list(layout.add_image(b));
  layout.write_dir(dir.path());
  flip_byte(dir.path() / "blobs/sha256" / hex_of(b.layers[0].digest), b.layers[0].blob.size() / 2);
  auto s = load(dir.path().string());
  ASSERT_FALSE(s);
  if (s.error().message.find("digest mismatch") == std::string::npos)
    FAIL() << "regression: a corrupted gzip layer blob is reported as '" << s.error().message
           << "', not as a digest mismatch (layer.cpp:390/455 return the decompression "
              "error before the blob's digest is compared at layer.cpp:476)";
}

TEST(LoadImage, CorruptedConfigAndManifestAreDigestMismatches) {
  const auto b = sample_image();
  for (const bool config : {true, false}) {
    SCOPED_TRACE(config ? "config" : "manifest");
    TempDir dir;
    OciLayout layout;
    const auto desc = layout.add_image(b);
    layout.list(desc);
    layout.write_dir(dir.path());
    const auto digest = config ? sha256_digest(b.config_text()) : desc["digest"].get<std::string>();
    // A space inside the JSON keeps it valid JSON: only the digest can tell.
    auto file = dir.path() / "blobs/sha256" / hex_of(digest);
    auto text = read_text(file);
    text.insert(1, " ");
    write_file(file, text);
    auto s = load(dir.path().string());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::parse);
    EXPECT_NE(s.error().message.find("digest mismatch"), std::string::npos)
        << s.error().to_string();
    EXPECT_NE(s.error().message.find(digest), std::string::npos);
  }
}

TEST(LoadImage, MissingOrUnknownInput) {
  TempDir dir;
  auto absent = load((dir.path() / "absent.tar").string());
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().kind, ErrorKind::io);
  EXPECT_NE(absent.error().message.find("no such file"), std::string::npos);

  // A tar without manifest.json or index.json.
  const auto other = write_tar(
      dir, "other.tar", {tar_file("repositories", "{}"), tar_file("abc/layer.tar", make_tar({}))});
  auto s = load(other);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::parse);
  EXPECT_NE(s.error().message.find("manifest.json"), std::string::npos) << s.error().message;

  // A directory that is neither an OCI layout nor an extracted docker save.
  fs::create_directories(dir.path() / "plain");
  auto plain = load((dir.path() / "plain").string());
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().kind, ErrorKind::usage);
  EXPECT_NE(plain.error().message.find("dir://"), std::string::npos);

  // Not a tar at all.
  const auto junk = dir.write("junk.tar", std::string(3000, 'j')).string();
  auto j = load(junk);
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().kind, ErrorKind::parse);
}

TEST(LoadImage, BrokenManifestJson) {
  const auto b = sample_image();
  for (const std::string& text : {std::string("{not json"), std::string("{}"), std::string("[]"),
                                  std::string("[{\"Layers\": []}]"), std::string("[1]")}) {
    SCOPED_TRACE(text);
    TempDir dir;
    auto entries = docker_save_classic(b, {});
    std::ranges::find(entries, "manifest.json", &TarEntry::path)->content = text;
    auto s = load(write_tar(dir, "image.tar", entries));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::parse);
    EXPECT_NE(s.error().message.find("manifest.json"), std::string::npos) << s.error().message;
  }
}

TEST(LoadImage, BrokenIndexAndManifestJson) {
  const auto b = sample_image();
  struct Case {
    std::string what;
    std::string index;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"index not json", "{", "index.json is not valid JSON"},
      {"no manifests", R"({"schemaVersion":2,"manifests":[]})", "no manifests"},
      {"traversal digest",
       R"({"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../x"}]})",
       "invalid blob digest 'sha256:../../x'"},
      {"short digest", R"({"manifests":[{"digest":"sha256:abc"}]})", "invalid blob digest"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    TempDir dir;
    OciLayout layout;
    layout.add_image(b);
    auto entries = layout.entries();
    std::ranges::find(entries, "index.json", &TarEntry::path)->content = c.index;
    write_entries(dir.path(), entries);
    auto s = load(dir.path().string());
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().kind, ErrorKind::internal);
    EXPECT_NE(s.error().message.find(c.expected), std::string::npos) << s.error().to_string();
  }
}

// An OCI layout whose manifest is TEXT.
moat::core::Result<ScannedImage> load_with_manifest(const TempDir& dir, const ImageBuilder& b,
                                                    const std::string& text) {
  OciLayout layout;
  layout.add_image(b);
  layout.add_blob(text);
  layout.list(descriptor(media::oci_manifest, text));
  layout.write_dir(dir.path());
  return load(dir.path().string());
}

TEST(LoadImage, HostileOrInvalidManifestDigests) {
  const auto b = sample_image();
  auto manifest = nlohmann::json::parse(OciLayout::manifest_text(b));
  struct Case {
    std::string what;
    std::function<void(nlohmann::json&)> edit;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"layer traversal", [](auto& m) { m["layers"][0]["digest"] = "sha256:../../../etc/passwd"; },
       "invalid layer digest 'sha256:../../../etc/passwd'"},
      {"config traversal", [](auto& m) { m["config"]["digest"] = "sha256:../../x"; },
       "invalid config digest 'sha256:../../x'"},
      {"upper-case hex",
       [](auto& m) { m["layers"][0]["digest"] = "sha256:" + std::string(64, 'A'); },
       "invalid layer digest"},
      {"sha512", [](auto& m) { m["layers"][0]["digest"] = "sha512:" + std::string(128, 'a'); },
       "invalid layer digest"},
      {"no layers", [](auto& m) { m.erase("layers"); }, "no config or layers"},
      {"layer not an object", [](auto& m) { m["layers"][0] = "x"; }, "not an object"},
      {"non-distributable and missing",
       [](auto& m) {
         m["layers"][0]["mediaType"] =
             "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
         m["layers"][0]["digest"] = "sha256:" + std::string(64, 'f');
       },
       "non-distributable (foreign) and its blob is not in the image"},
      {"negative size", [](auto& m) { m["layers"][0]["size"] = -5; },
       "size -5 is not a byte count"},
      {"config size a string", [](auto& m) { m["config"]["size"] = "12"; },
       "config: size \"12\" is not a byte count"},
      {"missing blob", [](auto& m) { m["layers"][0]["digest"] = "sha256:" + std::string(64, 'e'); },
       "blobs/sha256/" + std::string(64, 'e')},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    TempDir dir;
    auto m = manifest;
    c.edit(m);
    auto s = load_with_manifest(dir, b, m.dump());
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find(c.expected), std::string::npos) << s.error().to_string();
  }
  // A foreign layer whose blob is in the layout is read like any other.
  TempDir dir;
  auto m = manifest;
  m["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
  auto s = load_with_manifest(dir, b, m.dump());
  EXPECT_TRUE(s) << s.error().to_string();
}

TEST(LoadImage, LayerCountMismatch) {
  auto b = sample_image();
  b.extra["rootfs"] = {{"type", "layers"}, {"diff_ids", {b.layers[0].diff_id}}};
  {
    TempDir dir;
    OciLayout layout;
    layout.list(layout.add_image(b));
    layout.write_dir(dir.path());
    auto s = load(dir.path().string());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::parse);
    EXPECT_NE(s.error().message.find("the manifest lists 2 layers but the config 1"),
              std::string::npos)
        << s.error().message;
  }
  {
    TempDir dir;
    auto s = load(write_tar(dir, "image.tar", docker_save_classic(b, {})));
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("2 layers but the config 1"), std::string::npos)
        << s.error().message;
  }
}

TEST(LoadImage, BrokenConfig) {
  struct Case {
    std::string what;
    nlohmann::json extra;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"no rootfs", {{"rootfs", nullptr}}, "no rootfs"},
      {"no diff ids", {{"rootfs", {{"type", "layers"}}}}, "no rootfs.diff_ids"},
      {"diff id not a string", {{"rootfs", {{"diff_ids", {1, 2}}}}}, "diff_id is not a string"},
      {"history entry not an object",
       {{"history", nlohmann::json::array({1})}},
       "history entry is not an object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto b = sample_image();
    b.extra = c.extra;
    TempDir dir;
    OciLayout layout;
    layout.list(layout.add_image(b));
    layout.write_dir(dir.path());
    auto s = load(dir.path().string());
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().kind, ErrorKind::parse);
    EXPECT_NE(s.error().message.find(c.expected), std::string::npos) << s.error().message;
  }
}

TEST(LoadImage, DockerSaveClassicWithBadConfig) {
  const auto b = sample_image();
  {
    // The config's name is its digest; a changed config no longer matches it.
    TempDir dir;
    auto entries = docker_save_classic(b, {});
    auto config = std::ranges::find_if(entries, [](const TarEntry& e) {
      return e.path.ends_with(".json") && e.path != "manifest.json";
    });
    config->content.insert(1, " ");
    auto s = load(write_tar(dir, "image.tar", entries));
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("digest mismatch"), std::string::npos) << s.error().message;
  }
  {
    TempDir dir;
    auto entries = docker_save_classic(b, {});
    nlohmann::json m = nlohmann::json::parse(
        std::ranges::find(entries, "manifest.json", &TarEntry::path)->content);
    m[0]["Config"] = "";
    std::ranges::find(entries, "manifest.json", &TarEntry::path)->content = m.dump();
    auto s = load(write_tar(dir, "image.tar", entries));
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("no Config"), std::string::npos) << s.error().message;
  }
}

TEST(LoadImage, DockerSaveTarPathsCannotLeaveTheArchive) {
  const auto b = sample_image();
  TempDir dir;
  auto entries = docker_save_classic(b, {});
  auto& manifest = std::ranges::find(entries, "manifest.json", &TarEntry::path)->content;
  auto m = nlohmann::json::parse(manifest);
  m[0]["Layers"][0] = "../../../../etc/passwd";
  manifest = m.dump();
  auto s = load(write_tar(dir, "image.tar", entries));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::parse);
  EXPECT_NE(s.error().message.find("missing from the archive"), std::string::npos)
      << s.error().message;

  // An archive entry that climbs out is refused outright.
  entries = docker_save_classic(b, {});
  entries.push_back(tar_file("../escape", "x"));
  auto climbing = load(write_tar(dir, "climb.tar", entries));
  ASSERT_FALSE(climbing);
  EXPECT_NE(climbing.error().message.find("traversal"), std::string::npos)
      << climbing.error().message;
}

TEST(LoadImage, ExtractedDockerSavePathsCannotLeaveTheDirectory) {
  // The config is placed next to the image directory, and manifest.json names it through "..".
  const auto b = sample_image();
  TempDir dir;
  auto entries = docker_save_classic(b, {});
  auto& manifest = std::ranges::find(entries, "manifest.json", &TarEntry::path)->content;
  auto m = nlohmann::json::parse(manifest);
  const std::string config_name = m[0]["Config"];
  m[0]["Config"] = "../" + config_name;
  manifest = m.dump();
  std::erase_if(entries, [&](const TarEntry& e) { return e.path == config_name; });
  write_entries(dir.path() / "image", entries);
  write_file(dir.path() / config_name, b.config_text());
  auto s = load((dir.path() / "image").string());
  if (s)
    FAIL() << "regression: an extracted docker save directory reads files outside itself: "
              "manifest.json's Config '../"
           << config_name
           << "' was loaded (source.cpp:115 DirStore::open_path joins manifest.json paths "
              "to the root without rejecting '..'; only blob digests are validated)";
  EXPECT_EQ(s.error().kind, ErrorKind::parse);
}

TEST(LoadImage, ScanLayersReportsProgressAndFailsOnAnyLayer) {
  TempDir dir;
  const auto b = sample_image();
  OciLayout layout;
  layout.list(layout.add_image(b));
  layout.write_dir(dir.path());
  SourceOptions options;
  options.platform = "linux/amd64";
  options.threads = 3;
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  options.progress = [&](std::size_t done, std::size_t total) { calls.emplace_back(done, total); };
  auto s = load_image(dir.path().string(), options);
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(calls.size(), 2U);
  EXPECT_EQ(calls.back(), (std::pair<std::size_t, std::size_t>{2, 2}));

  // Bytes: the last report covers every blob byte, out of the manifest's total.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> bytes;
  options.progress_bytes = [&](std::uint64_t done, std::uint64_t total) {
    bytes.emplace_back(done, total);
  };
  auto again = load_image(dir.path().string(), options);
  ASSERT_TRUE(again) << again.error().to_string();
  ASSERT_FALSE(bytes.empty());
  const std::uint64_t total = b.layers[0].blob.size() + b.layers[1].blob.size();
  EXPECT_EQ(bytes.back(), (std::pair<std::uint64_t, std::uint64_t>{total, total}));
  for (const auto& [done, all] : bytes)
    EXPECT_LE(done, all);
  options.progress_bytes = nullptr;

  // The entry budget covers the whole image, not one layer.
  options.progress = nullptr;
  options.limits.max_entries = 4; // layer 1 has 3 entries, layer 2 has 2
  auto over = load_image(dir.path().string(), options);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, ErrorKind::limit);
}

} // namespace

namespace {

// The files moat keeps have one budget for the whole image.
TEST(LoadImageReview, CapturedFilesHaveAnImageWideBudget) {
  TempDir dir;
  OciLayout layout;
  layout.list(layout.add_image(sample_image()));
  layout.write_dir(dir.path());
  SourceOptions options;
  options.platform = "linux/amd64";
  options.limits.max_captured = 10; // less than /etc/passwd alone
  auto s = load_image(dir.path().string(), options);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::limit);
  EXPECT_NE(s.error().message.find("exceed 10 bytes"), std::string::npos) << s.error().message;
}

// A classic docker save whose config gives no diff_id leaves its layer
// nothing to be verified against: an error, not an unverified scan.
TEST(LoadImageReview, ClassicLayerWithoutADigestIsAnError) {
  TempDir dir;
  auto b = sample_image();
  auto entries = docker_save_classic(b, {"x:1"});
  // Rewrite the config with empty diff_ids, under its new digest.
  auto config = nlohmann::json::parse(b.config_text());
  config["rootfs"]["diff_ids"] = {"", ""};
  const auto text = config.dump();
  const auto config_name = hex_of(sha256_digest(text)) + ".json";
  std::string old_config;
  for (auto& e : entries) {
    if (e.path.ends_with(".json") && e.path != "manifest.json" &&
        e.path.find('/') == std::string::npos) {
      old_config = e.path;
      e.path = config_name;
      e.content = text;
    }
  }
  for (auto& e : entries)
    if (e.path == "manifest.json") {
      auto m = nlohmann::json::parse(e.content);
      m[0]["Config"] = config_name;
      e.content = m.dump();
    }
  ASSERT_FALSE(old_config.empty());
  const auto path = dir.write("image.tar", make_tar(entries));
  auto s = load(path.string());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("no valid digest"), std::string::npos) << s.error().message;
}

// A config that is not named by its digest cannot be verified: an error.
TEST(LoadImageReview, ClassicConfigNotNamedByItsDigestIsAnError) {
  TempDir dir;
  auto entries = docker_save_classic(sample_image(), {"x:1"});
  std::string old_name;
  for (auto& e : entries)
    if (e.path.ends_with(".json") && e.path != "manifest.json" &&
        e.path.find('/') == std::string::npos) {
      old_name = e.path;
      e.path = "config.json";
    }
  ASSERT_FALSE(old_name.empty());
  for (auto& e : entries)
    if (e.path == "manifest.json") {
      auto m = nlohmann::json::parse(e.content);
      m[0]["Config"] = "config.json";
      e.content = m.dump();
    }
  auto s = load(dir.write("image.tar", make_tar(entries)).string());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::parse);
  EXPECT_NE(s.error().message.find("not named by its digest"), std::string::npos)
      << s.error().message;
}

} // namespace
