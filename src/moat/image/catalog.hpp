#pragma once
// The software inventory of a scanned image: OS from os-release and the
// packages of every cataloger, each with the layer that installed it.

#include <moat/core/package.hpp>
#include <moat/core/result.hpp>
#include <moat/image/source.hpp>
#include <moat/image/union.hpp>
#include <moat/inventory/os_release.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace moat::image {

struct Inventory {
  std::optional<inventory::OsRelease> os;
  std::vector<core::Package> packages;
  // Which OS package installed each file (dpkg, apk and rpm file lists):
  // path without the leading '/' -> package name.
  std::unordered_map<std::string, std::string> owners;
  std::vector<std::string> notes; // what was found and not read
  // Visible package databases and archives too large to read: reported as
  // findings (IM020) so that a padded file cannot hide its packages.
  struct Unread {
    std::string path; // with the leading '/'
    std::uint64_t size = 0;
    std::uint64_t limit = 0;
    int layer = -1;
  };
  std::vector<Unread> unread;
};

// Runs the catalogers over the files visible in VIEW. A malformed package
// database is an error naming the image and the file.
[[nodiscard]] core::Result<Inventory> catalog_image(const ScannedImage& scanned,
                                                    const UnionView& view);

} // namespace moat::image
