#include <moat/image/catalog.hpp>

#include <moat/core/purl.hpp>
#include <moat/inventory/apk.hpp>
#include <moat/inventory/dpkg.hpp>
#include <moat/inventory/npm.hpp>
#include <moat/inventory/python.hpp>
#include <moat/inventory/rpm.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace moat::image {

using core::ErrorKind;
using core::fail;

namespace {

struct Captured {
  int layer;
  const FileEntry* entry;
  const std::string* content;
  bool visible;
};

// Every captured file, bottom layer first, with whether it is visible at the end.
std::vector<Captured> captured_files(const ScannedImage& scanned, const UnionView& view) {
  std::vector<Captured> out;
  for (std::size_t l = 0; l < scanned.layers.size(); ++l) {
    const auto& layer = scanned.layers[l];
    for (const auto& c : layer.captured) {
      const bool visible = view.hidden_by(static_cast<int>(l), c.entry) == -1;
      out.push_back(Captured{static_cast<int>(l), &layer.entries[c.entry], &c.content, visible});
    }
  }
  return out;
}

// Which layer installed a package: a database file (one path) is rewritten
// by every layer that changes it. The package was installed by the lowest
// layer of the unbroken run of versions of that file, ending at the visible
// one, that list it at its final version (an upgrade, a downgrade or a
// reinstall in between starts the run again).
class Attribution {
public:
  // Records that the copy of database PATH in LAYER lists KEY.
  void add(const std::string& path, int layer, const std::string& key) {
    touch(path, layer).insert(key);
  }
  // Records that LAYER has a copy of PATH (possibly listing nothing); returns its keys.
  std::set<std::string>& touch(const std::string& path, int layer) {
    auto& versions = m_files[path];
    if (versions.empty() || versions.back().first != layer)
      versions.emplace_back(layer, std::set<std::string>{});
    return versions.back().second;
  }
  [[nodiscard]] int installing_layer(const std::string& path, const std::string& key) const {
    const auto it = m_files.find(path);
    if (it == m_files.end())
      return -1;
    int layer = -1;
    for (auto v = it->second.rbegin(); v != it->second.rend() && v->second.contains(key); ++v)
      layer = v->first;
    return layer;
  }

private:
  std::map<std::string, std::vector<std::pair<int, std::set<std::string>>>, std::less<>> m_files;
};

std::string distro_qualifier(const std::optional<inventory::OsRelease>& os) {
  if (!os || os->id.empty())
    return {};
  return os->version_id.empty() ? os->id : os->id + "-" + os->version_id;
}

std::string os_ecosystem(const std::optional<inventory::OsRelease>& os, std::string_view fallback) {
  if (!os)
    return std::string(fallback);
  if (os->id == "ubuntu")
    return "Ubuntu";
  if (os->id == "debian")
    return "Debian";
  if (os->id == "alpine")
    return "Alpine";
  return std::string(fallback);
}

// The purl "upstream" qualifier of an OS package (as Syft writes it): the
// source package, with its version when that differs, so an SBOM read back
// still matches distribution advisories, which name source packages.
std::string upstream_qualifier(const core::Package& pkg) {
  const bool other_version = !pkg.source_version.empty() && pkg.source_version != pkg.version;
  const std::string& source = pkg.source_name.empty() ? pkg.name : pkg.source_name;
  if (source == pkg.name && !other_version)
    return {};
  return other_version ? source + "@" + pkg.source_version : source;
}

// The OS package that installed the file at FOUND_AT ("/usr/sbin/runc", or
// "/app/a.jar!lib/b.jar" inside an archive); empty when none did.
std::string owner_of(const std::unordered_map<std::string, std::string>& owners,
                     std::string_view found_at) {
  found_at = found_at.substr(0, found_at.find('!'));
  while (found_at.starts_with('/'))
    found_at.remove_prefix(1);
  if (auto it = owners.find(std::string(found_at)); it != owners.end())
    return it->second;
  // Merged-/usr systems: dpkg lists /bin/x for the file at /usr/bin/x.
  if (found_at.starts_with("usr/"))
    if (auto it = owners.find(std::string(found_at.substr(4))); it != owners.end())
      return it->second;
  return {};
}

} // namespace

core::Result<Inventory> catalog_image(const ScannedImage& scanned, const UnionView& view) {
  Inventory inv;
  const auto files = captured_files(scanned, view);
  const std::string& name = scanned.image.name;
  auto layer_digest = [&](int layer) -> std::string {
    return layer >= 0 && static_cast<std::size_t>(layer) < scanned.image.layers.size()
               ? scanned.image.layers[static_cast<std::size_t>(layer)].digest
               : std::string();
  };

  // os-release: /etc/os-release wins over /usr/lib/os-release (it is usually a link to it).
  for (const std::string_view path : {"etc/os-release", "usr/lib/os-release"}) {
    if (inv.os)
      break;
    for (const auto& f : files)
      if (f.visible && f.entry->path == path) {
        auto os = inventory::parse_os_release(*f.content, fmt::format("{}: /{}", name, path));
        if (!os)
          return std::unexpected(os.error());
        inv.os = std::move(*os);
      }
  }

  // dpkg: the database is rewritten by every layer that installs packages;
  // a package was installed by the lowest layer whose database lists it
  // with the final version.
  Attribution dpkg_layers;
  std::vector<std::pair<inventory::DpkgPackage, std::string>> final_packages; // with found_at
  for (const auto& f : files) {
    const auto& path = f.entry->path;
    const bool status = path == "var/lib/dpkg/status";
    const bool status_d = path.starts_with("var/lib/dpkg/status.d/");
    if (!status && !status_d)
      continue;
    auto parsed = inventory::parse_dpkg_status(*f.content, fmt::format("{}: /{}", name, path));
    if (!parsed)
      return std::unexpected(parsed.error());
    dpkg_layers.touch(path, f.layer);
    for (auto& p : *parsed) {
      if (p.state != "installed" && p.state != "half-configured" && p.state != "unpacked")
        continue;
      dpkg_layers.add(path, f.layer, fmt::format("{}:{}={}", p.name, p.architecture, p.version));
      if (f.visible)
        final_packages.emplace_back(std::move(p), "/" + path);
    }
  }
  // File lists: /var/lib/dpkg/info/NAME.list or NAME:ARCH.list.
  std::map<std::string, const std::string*, std::less<>> lists;
  for (const auto& f : files)
    if (f.visible && f.entry->path.starts_with("var/lib/dpkg/info/") &&
        f.entry->path.ends_with(".list")) {
      auto base = std::string_view(f.entry->path).substr(18);
      base.remove_suffix(5);
      lists[std::string(base)] = f.content;
    }
  const auto distro = distro_qualifier(inv.os);
  for (auto& [p, found_at] : final_packages) {
    core::Package pkg;
    pkg.name = p.name;
    pkg.version = p.version;
    pkg.type = "deb";
    pkg.ecosystem = os_ecosystem(inv.os, "Debian");
    pkg.namespace_ = inv.os && !inv.os->id.empty() ? inv.os->id : "debian";
    pkg.architecture = p.architecture;
    pkg.source_name = p.source_name;
    pkg.source_version = p.source_version;
    pkg.found_at = found_at;
    pkg.purl = core::make_purl(
        "deb", pkg.namespace_, pkg.name, pkg.version,
        {{"arch", pkg.architecture}, {"distro", distro}, {"upstream", upstream_qualifier(pkg)}});
    pkg.layer = dpkg_layers.installing_layer(
        found_at.substr(1), fmt::format("{}:{}={}", p.name, p.architecture, p.version));
    pkg.layer_digest = layer_digest(pkg.layer);
    const std::string* list = nullptr;
    if (auto l = lists.find(p.name + ":" + p.architecture); l != lists.end())
      list = l->second;
    else if (auto l2 = lists.find(p.name); l2 != lists.end())
      list = l2->second;
    if (list != nullptr) {
      for (auto line : util::split(*list, '\n')) {
        line = util::trim(line);
        if (line.empty() || line == "/.")
          continue;
        pkg.files.emplace_back(line);
        inv.owners.try_emplace(std::string(line.substr(1)), pkg.name);
      }
    }
    inv.packages.push_back(std::move(pkg));
  }

  // apk and rpm: one database file each. PARSE reads a copy of it, COMPLETE
  // finishes a package of the visible copy (purl, ecosystem).
  auto catalog_database = [&](auto is_database, auto parse, auto complete) -> core::Status {
    Attribution layers_of;
    std::vector<core::Package> final_list;
    for (const auto& f : files) {
      if (!is_database(f.entry->path))
        continue;
      core::Result<std::vector<core::Package>> parsed = parse(f);
      if (!parsed)
        return fail(ErrorKind::parse, name, parsed.error().to_string());
      layers_of.touch(f.entry->path, f.layer);
      for (auto& p : *parsed) {
        layers_of.add(f.entry->path, f.layer, p.name + "=" + p.version);
        if (f.visible) {
          complete(p);
          final_list.push_back(std::move(p));
        }
      }
    }
    for (auto& pkg : final_list) {
      pkg.layer = layers_of.installing_layer(pkg.found_at.substr(1), pkg.name + "=" + pkg.version);
      pkg.layer_digest = layer_digest(pkg.layer);
      inv.packages.push_back(std::move(pkg));
    }
    return {};
  };
  MOAT_TRY(catalog_database(
      [](std::string_view path) { return path == "lib/apk/db/installed"; },
      [](const Captured& f) {
        return inventory::parse_apk_installed(*f.content, "/" + f.entry->path);
      },
      [&](core::Package& p) {
        p.ecosystem = os_ecosystem(inv.os, "Alpine");
        p.purl = core::make_purl(
            "apk", "alpine", p.name, p.version,
            {{"arch", p.architecture}, {"distro", distro}, {"upstream", upstream_qualifier(p)}});
      }));
  MOAT_TRY(catalog_database(
      [](std::string_view path) { return path.ends_with("rpm/rpmdb.sqlite"); },
      [](const Captured& f) {
        return inventory::parse_rpmdb_sqlite(std::as_bytes(std::span(*f.content)),
                                             "/" + f.entry->path);
      },
      [&](core::Package& p) {
        if (!inv.os || inv.os->id.empty())
          return;
        p.namespace_ = inv.os->id;
        // purl: version-release, with epoch and arch as qualifiers.
        const auto colon = p.version.find(':');
        const auto epoch = colon == std::string::npos ? std::string() : p.version.substr(0, colon);
        const auto version = colon == std::string::npos ? p.version : p.version.substr(colon + 1);
        p.purl = core::make_purl("rpm", p.namespace_, p.name, version,
                                 {{"arch", p.architecture}, {"epoch", epoch}, {"distro", distro}});
      }));
  // Language packages: one metadata file each, visible in the final image.
  for (const auto& f : files) {
    if (!f.visible)
      continue;
    const auto& path = f.entry->path;
    std::optional<core::Package> pkg;
    if (path.ends_with("/METADATA") || path.ends_with("/PKG-INFO") || path.ends_with(".egg-info")) {
      auto parsed = inventory::parse_python_metadata(*f.content, "/" + path);
      if (!parsed) {
        inv.notes.push_back(parsed.error().to_string());
        continue;
      }
      pkg = std::move(*parsed);
    } else if (path.ends_with("/package.json")) {
      auto parsed = inventory::parse_npm_package_json(*f.content, "/" + path);
      if (!parsed) {
        inv.notes.push_back(parsed.error().to_string());
        continue;
      }
      pkg = std::move(*parsed);
    }
    if (!pkg)
      continue;
    pkg->layer = f.layer;
    pkg->layer_digest = layer_digest(f.layer);
    inv.packages.push_back(std::move(*pkg));
  }
  // Packages found in binaries and archives, where the file is still visible.
  for (std::size_t l = 0; l < scanned.layers.size(); ++l) {
    for (const auto& p : scanned.layers[l].packages) {
      std::string_view file = p.found_at;
      file = file.substr(0, file.find('!'));
      if (file.starts_with('/'))
        file.remove_prefix(1);
      const auto ref = view.find_ref(file);
      if (!ref || ref->layer != static_cast<int>(l))
        continue;
      core::Package pkg = p;
      pkg.layer = static_cast<int>(l);
      pkg.layer_digest = layer_digest(pkg.layer);
      inv.packages.push_back(std::move(pkg));
    }
  }
  for (const auto& layer : scanned.layers)
    for (const auto& note : layer.notes)
      inv.notes.push_back(note);
  for (std::size_t l = 0; l < scanned.layers.size(); ++l)
    for (const auto& u : scanned.layers[l].unread) {
      const auto& path = scanned.layers[l].entries[u.entry].path;
      const auto ref = view.find_ref(path);
      if (ref && ref->layer == static_cast<int>(l))
        inv.unread.push_back(Inventory::Unread{"/" + path, u.size, u.limit, static_cast<int>(l)});
    }
  // A language package an OS package installed is the one whose file list
  // holds the file it was found in (dpkg's lists were read above).
  for (const auto& pkg : inv.packages)
    if (pkg.type == "apk" || pkg.type == "rpm")
      for (const auto& file : pkg.files)
        inv.owners.try_emplace(file.starts_with('/') ? file.substr(1) : file, pkg.name);
  for (auto& pkg : inv.packages)
    if (pkg.type != "deb" && pkg.type != "apk" && pkg.type != "rpm")
      pkg.installed_by = owner_of(inv.owners, pkg.found_at);
  std::ranges::stable_sort(inv.packages, [](const core::Package& a, const core::Package& b) {
    return std::tie(a.type, a.name, a.version) < std::tie(b.type, b.name, b.version);
  });
  return inv;
}

} // namespace moat::image
