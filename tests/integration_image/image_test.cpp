// moat image and moat sbom on real images: a debootstrap bookworm rootfs
// packed by umoci and skopeo (tests/images/build.sh), with planted problems.
#include "images.hpp"
#include "testutil.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

namespace moat::test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json scan_json(const std::string& target, const std::string& extra = "") {
  auto r = run_moat("image --no-progress --format json " + extra + " '" + target + "'");
  EXPECT_NE(r.exit_code, 2) << r.err;
  return json::parse(r.out);
}

std::multiset<std::string> ids_of(const json& doc) {
  std::multiset<std::string> ids;
  for (const auto& f : doc["targets"][0]["findings"])
    ids.insert(f["id"].get<std::string>());
  return ids;
}

const json* find_finding(const json& doc, const std::string& id, const std::string& path) {
  for (const auto& f : doc["targets"][0]["findings"])
    if (f["id"] == id && f["location"].value("path", "") == path)
      return &f;
  return nullptr;
}

TEST(RealImage, PlantedProblemsAreFoundInTheDockerArchive) {
  REQUIRE_IMAGES();
  const auto doc = scan_json((images_dir() / "planted.tar").string());
  const auto ids = ids_of(doc);
  for (const char* id : {"IM001", "IM002", "IM003", "IM004", "IM007", "IM009", "IM010", "IM011",
                         "IM013", "IM014", "DF058"})
    EXPECT_TRUE(ids.contains(id)) << id;
  EXPECT_FALSE(ids.contains("IM012")) << "the key is deleted, so it is only reported as shadowed";

  // The key: added in layer 2, deleted in layer 3, both named.
  const auto* key = find_finding(doc, "IM014", "/root/.ssh/id_rsa");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ((*key)["severity"], "high");
  const std::string message = (*key)["message"];
  EXPECT_NE(message.find("private key added in layer 2"), std::string::npos) << message;
  EXPECT_NE(message.find("deleted in layer 3"), std::string::npos) << message;
  EXPECT_EQ((*key)["location"]["layer"]["index"], 1);
  EXPECT_EQ((*key)["location"]["layer"]["created_by"], "RUN /bin/sh -c apt-get update # buildkit");
  EXPECT_EQ((*key)["location"]["layer"]["digest"].get<std::string>().substr(0, 7), "sha256:");
  EXPECT_EQ((*key)["secret"]["rule"], "SE007");
  EXPECT_EQ((*key)["secret"]["shadowed_by"]["layer"], 2);
  EXPECT_EQ((*key)["secret"]["shadowed_by"]["how"], "deleted");

  const auto* busybox = find_finding(doc, "IM010", "/usr/local/bin/busybox");
  ASSERT_NE(busybox, nullptr);
  EXPECT_NE((*busybox)["message"].get<std::string>().find("setuid (mode 4755"), std::string::npos);
  const auto* passwd = find_finding(doc, "IM010", "/usr/bin/passwd");
  ASSERT_NE(passwd, nullptr);
  EXPECT_NE((*passwd)["message"].get<std::string>().find("package passwd"), std::string::npos);
  EXPECT_NE(find_finding(doc, "IM011", "/srv/shared"), nullptr);
  EXPECT_NE(find_finding(doc, "IM013", "/app/.npmrc"), nullptr);
  // Secret values never appear unredacted.
  EXPECT_EQ(doc.dump().find("AKIA4HG7JQ2K9WX3M5PZ"), std::string::npos);
  EXPECT_EQ(doc.dump().find("q7Jz0Vb3Xk9L"), std::string::npos);
}

TEST(RealImage, EverySourceFormGivesTheSameFindings) {
  REQUIRE_IMAGES();
  const auto reference = ids_of(scan_json((images_dir() / "planted-oci.tar").string()));
  EXPECT_FALSE(reference.empty());
  for (const auto& target : {images_dir() / "planted.tar", images_dir() / "oci-zstd"}) {
    EXPECT_EQ(ids_of(scan_json(target.string())), reference) << target;
  }
  // An OCI layout tag that is not "latest".
  auto by_ref = ids_of(scan_json((images_dir() / "oci").string() + ":planted"));
  EXPECT_EQ(by_ref, reference);
}

TEST(RealImage, LayoutWithSeveralImagesAsksForAName) {
  REQUIRE_IMAGES();
  auto r = run_moat("image --no-progress '" + (images_dir() / "oci").string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("name one as PATH:REF"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

// The dpkg inventory equals dpkg-query's view of the same database.
TEST(RealImage, DpkgInventoryMatchesDpkgQuery) {
  REQUIRE_IMAGES();
  const auto admindir = images_dir() / "rootfs/var/lib/dpkg";
  TempDir tmp;
  const auto out = tmp.path() / "query";
  const std::string cmd =
      "dpkg-query -W --admindir='" + admindir.string() +
      "' -f '${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\n' "
      ">'" +
      out.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::set<std::string> expected;
  for (const auto& line : [&] {
         std::vector<std::string> lines;
         std::istringstream in(read_text(out));
         for (std::string l; std::getline(in, l);)
           if (!l.empty())
             lines.push_back(l);
         return lines;
       }())
    expected.insert(line);
  ASSERT_GT(expected.size(), 50U);

  for (const auto& target :
       {(images_dir() / "planted.tar").string(), "dir://" + (images_dir() / "rootfs").string()}) {
    const auto doc = scan_json(target, "--list-packages");
    std::set<std::string> actual;
    for (const auto& p : doc["targets"][0]["packages"]) {
      if (p["type"] != "deb")
        continue;
      actual.insert(p["name"].get<std::string>() + "\t" + p["version"].get<std::string>() + "\t" +
                    p["architecture"].get<std::string>() + "\t" +
                    p["source_name"].get<std::string>() + "\t" +
                    p["source_version"].get<std::string>());
    }
    EXPECT_EQ(actual, expected) << target;
    EXPECT_EQ(doc["targets"][0]["os"], "debian 12 (bookworm)");
  }
}

TEST(RealImage, PackagesNameTheLayerThatInstalledThem) {
  REQUIRE_IMAGES();
  const auto doc = scan_json((images_dir() / "planted.tar").string(), "--list-packages");
  int checked = 0;
  for (const auto& p : doc["targets"][0]["packages"]) {
    EXPECT_EQ(p["layer"], 0) << p.dump();
    EXPECT_EQ(p["purl"].get<std::string>().rfind("pkg:deb/debian/", 0), 0U);
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST(RealImage, SbomInBothFormats) {
  REQUIRE_IMAGES();
  TempDir tmp;
  const auto cdx = tmp.path() / "bom.cdx.json";
  auto r = run_moat("sbom --no-progress --output '" + cdx.string() + "' '" +
                    (images_dir() / "planted.tar").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto bom = json::parse(read_text(cdx));
  EXPECT_EQ(bom["bomFormat"], "CycloneDX");
  EXPECT_EQ(bom["specVersion"], "1.5");
  std::set<std::string> names;
  for (const auto& c : bom["components"])
    names.insert(c["name"].get<std::string>());
  for (const char* name : {"debian", "libc6", "dpkg", "bash", "coreutils"})
    EXPECT_TRUE(names.contains(name)) << name;

  r = run_moat("sbom --no-progress --format spdx '" + (images_dir() / "planted.tar").string() +
               "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto spdx = json::parse(r.out);
  EXPECT_EQ(spdx["spdxVersion"], "SPDX-2.3");
  bool libc = false;
  for (const auto& p : spdx["packages"])
    if (p["name"] == "libc6") {
      libc = true;
      EXPECT_EQ(p["externalRefs"][0]["referenceLocator"].get<std::string>().rfind(
                    "pkg:deb/debian/libc6@", 0),
                0U);
    }
  EXPECT_TRUE(libc);
}

// A corrupted layer blob is an error, and --output leaves no file behind.
TEST(RealImage, CorruptedBlobIsAnErrorAndNothingIsWritten) {
  REQUIRE_IMAGES();
  TempDir tmp;
  const auto layout = tmp.path() / "oci";
  fs::copy(images_dir() / "oci-zstd", layout, fs::copy_options::recursive);
  // The largest blob is the rootfs layer.
  fs::path largest;
  std::uintmax_t size = 0;
  for (const auto& e : fs::directory_iterator(layout / "blobs/sha256"))
    if (e.file_size() > size) {
      size = e.file_size();
      largest = e.path();
    }
  {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 100));
    f.put('\x42');
  }
  const auto out = tmp.path() / "report.json";
  auto r = run_moat("image --no-progress --format json --output '" + out.string() + "' '" +
                    layout.string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.err.find("digest mismatch") != std::string::npos ||
              r.err.find("decompression failed") != std::string::npos)
      << r.err;
}

TEST(RealImage, SarifNamesThePathAndLayer) {
  REQUIRE_IMAGES();
  auto r = run_moat("image --no-progress --format sarif '" +
                    (images_dir() / "planted.tar").string() + "'");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto sarif = json::parse(r.out);
  bool seen = false;
  for (const auto& result : sarif["runs"][0]["results"])
    if (result["ruleId"] == "IM014") {
      seen = true;
      EXPECT_EQ(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                "root/.ssh/id_rsa");
      EXPECT_EQ(result["properties"]["layer"]["index"], 1);
    }
  EXPECT_TRUE(seen);
}

} // namespace
} // namespace moat::test
