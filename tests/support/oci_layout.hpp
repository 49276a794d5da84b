#pragma once
// Minimal OCI image layouts for tests: one image of a config and no layers,
// written by hand, so its digest is known without any packing tool.

#include "testutil.hpp"

#include <moat/util/sha256.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace moat::test {

inline std::string sha256_of(const std::string& bytes) {
  return "sha256:" + moat::util::sha256_hex(bytes);
}

// Stores BYTES as a blob of the layout at LAYOUT.
inline void put_blob(const std::filesystem::path& layout, const std::string& bytes) {
  write_text(layout / "blobs/sha256" / sha256_of(bytes).substr(7), bytes);
}

// Writes a layout with one image named REF_NAME (SALT makes its digest its
// own); returns the image manifest's digest.
inline std::string make_oci_layout(const std::filesystem::path& layout, const std::string& ref_name,
                                   const std::string& salt) {
  std::filesystem::create_directories(layout / "blobs/sha256");
  write_text(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  const std::string config =
      R"({"architecture":"amd64","os":"linux","config":{"Labels":{"salt":")" + salt +
      R"("}},"rootfs":{"type":"layers","diff_ids":[]}})";
  put_blob(layout, config);
  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
      sha256_of(config) + R"(","size":)" + std::to_string(config.size()) + R"(},"layers":[]})";
  put_blob(layout, manifest);
  const nlohmann::json index = {
      {"schemaVersion", 2},
      {"manifests",
       {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
         {"digest", sha256_of(manifest)},
         {"size", manifest.size()},
         {"annotations", {{"org.opencontainers.image.ref.name", ref_name}}}}}}};
  write_text(layout / "index.json", index.dump());
  return sha256_of(manifest);
}

} // namespace moat::test
