#include <moat/cli/run_image.hpp>
#include <moat/cli/vuln_common.hpp>

#include <moat/core/policy.hpp>
#include <moat/image/checks.hpp>
#include <moat/image/reader.hpp>
#include <moat/image/unpack.hpp>
#include <moat/trust/policy.hpp>
#include <moat/trust/trust.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace moat::cli {

namespace fs = std::filesystem;
using core::ErrorKind;
using core::fail;

fs::path moat_cache_dir() {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  if (cache != nullptr && *cache == '/')
    return fs::path(cache) / "moat";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr && *home == '/' ? home : "/tmp") / ".cache/moat";
}

namespace {

// A directory removed (with what is in it) unless kept.
struct TempTree {
  fs::path path;
  TempTree() = default;
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  ~TempTree() {
    std::error_code ec;
    if (!path.empty())
      fs::remove_all(path, ec);
  }
};

core::Status judge_by_policy(const RunImageOptions& options) {
  auto policy = trust::read_policy(options.policy);
  if (!policy)
    return std::unexpected(policy.error());
  image::RegistryOptions registry;
  registry.ca_cert = options.source.ca_cert;
  registry.insecure = options.source.insecure;
  registry.insecure_registries = options.source.insecure_registries;
  auto verdict = trust::check_policy(*policy, options.target, registry);
  if (!verdict)
    return std::unexpected(verdict.error());
  if (!verdict->accepted)
    return fail(ErrorKind::usage, options.target,
                fmt::format("refused by the trust policy {} ({}): {}", options.policy,
                            verdict->scope.empty() ? std::string("default") : verdict->scope,
                            verdict->reason));
  return {};
}

// moat image's findings, with the vulnerability database when there is one.
core::Status judge_by_findings(const RunImageOptions& options, const CataloguedImage& loaded) {
  CommonOptions common;
  common.fail_on = options.fail_on;
  common.quiet = true;
  auto policy = build_policy(common, fs::current_path());
  if (!policy)
    return std::unexpected(policy.error());
  auto report = image::check_image(loaded.scanned, *loaded.view, loaded.inventory, *policy);
  VulnOptions vuln;
  auto db = open_vuln_db(vuln, false);
  if (!db)
    return std::unexpected(db.error());
  if (*db) {
    vuln::Distro distro;
    if (loaded.inventory.os)
      distro = vuln::Distro{loaded.inventory.os->id, loaded.inventory.os->version_id};
    MOAT_TRY(add_vulnerabilities(**db, core::PackageSpan(loaded.inventory.packages), distro, vuln,
                                 report, &loaded.scanned));
  }
  core::apply_policy(*policy, report);
  std::vector<core::TargetReport> reports;
  reports.push_back(std::move(report));
  if (core::exit_code_for(*policy, reports) == 0)
    return {};
  std::vector<std::string> ids;
  std::size_t reaching = 0;
  for (const auto& f : reports.front().findings) {
    if (!policy->fail_on || f.severity < *policy->fail_on)
      continue;
    ++reaching;
    const std::string id = f.vulnerability ? f.vulnerability->id : std::string(f.check->id);
    if (ids.size() < 5 && std::ranges::find(ids, id) == ids.end())
      ids.push_back(id);
  }
  return fail(
      ErrorKind::usage, options.target,
      fmt::format("refused by --fail-on {}: {} finding{} reach{} it ({}{}); `moat image {}` "
                  "shows them",
                  options.fail_on, reaching, reaching == 1 ? "" : "s", reaching == 1 ? "es" : "",
                  fmt::join(ids, ", "), reaching > ids.size() ? ", ..." : "", options.target));
}

std::string cache_suffix(const RunImageOptions& options) {
  if (!options.owners)
    return fmt::format("u{}", ::geteuid());
  return fmt::format("{}-{}", options.owners->first.first, options.owners->second.first);
}

core::Status unpack(const image::Image& image, const fs::path& blobs, const fs::path& root_dir,
                    const RunImageOptions& options) {
  image::UnpackOptions unpack;
  if (options.owners) {
    unpack.chown = true;
    unpack.uid_first = options.owners->first.first;
    unpack.uid_count = options.owners->first.count;
    unpack.gid_first = options.owners->second.first;
    unpack.gid_count = options.owners->second.count;
  }
  const int root = ::open(root_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return fail(ErrorKind::io, root_dir.string(), std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{root};
  if (options.owners && ::fchown(root, unpack.uid_first, unpack.gid_first) != 0)
    return fail(ErrorKind::io, root_dir.string(),
                fmt::format("cannot set the owner: {}", std::strerror(errno)));
  ::fchmod(root, 0755);
  for (std::size_t i = 0; i < image.layers.size(); ++i) {
    const auto& digest = image.layers[i].digest;
    const auto file = blobs / digest.substr(7);
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return fail(ErrorKind::internal, options.target,
                  fmt::format("layer {} was not kept for unpacking", digest));
    Closer blob_closer{fd};
    struct stat st {};
    ::fstat(fd, &st);
    image::FileRangeReader reader(fd, 0, static_cast<std::uint64_t>(st.st_size),
                                  fmt::format("{}: layer {}", options.target, digest));
    auto stats = image::unpack_layer(reader, root, unpack);
    if (!stats)
      return std::unexpected(stats.error());
  }
  // Where moat run mounts proc, sysfs, /dev and the tmpfs: an image may
  // lack them (one built FROM scratch), and the cached tree is not written
  // to afterwards.
  for (const auto* dir : {"proc", "sys", "dev", "tmp", "run"})
    if (::mkdirat(root, dir, 0755) == 0 && options.owners) {
      // Best effort: a mount point owned by host root works as well.
      [[maybe_unused]] const int owned =
          ::fchownat(root, dir, unpack.uid_first, unpack.gid_first, AT_SYMLINK_NOFOLLOW);
    }
  return {};
}

} // namespace

core::Result<PreparedImage> prepare_image(const RunImageOptions& options) {
  if (!options.policy.empty())
    MOAT_TRY(judge_by_policy(options));
  CommonOptions common;
  common.quiet = options.quiet;
  const fs::path cache = moat_cache_dir() / "rootfs";
  const std::string suffix = cache_suffix(options);
  // Without --fail-on, the manifest and config are enough to find the
  // image in the cache.
  if (options.fail_on.empty()) {
    auto meta_options = options.source;
    meta_options.skip_layers = true;
    meta_options.no_progress = true;
    if (!options.target.starts_with("docker://")) {
      auto meta = load_image_with_progress(options.target, meta_options, common);
      if (!meta)
        return std::unexpected(meta.error());
      const auto& digest = meta->image.config_digest;
      std::error_code ec;
      if (image::is_sha256_digest(digest)) {
        const auto dir = cache / fmt::format("{}-{}", digest.substr(7), suffix);
        if (fs::is_directory(dir, ec))
          return PreparedImage{dir, meta->image.config, true};
      }
    }
  }
  std::error_code ec;
  fs::create_directories(cache, ec);
  if (ec)
    return fail(ErrorKind::io, cache.string(),
                fmt::format("cannot make moat's image cache: {}", ec.message()));
  // Only the user who unpacks may enter: set-user-ID files keep their bits.
  fs::permissions(cache.parent_path(), fs::perms::owner_all, ec);
  fs::permissions(cache, fs::perms::owner_all, ec);
  std::string work_name = (cache / ".unpack-XXXXXX").string();
  if (::mkdtemp(work_name.data()) == nullptr)
    return fail(ErrorKind::io, cache.string(),
                fmt::format("cannot make a directory to unpack in: {}", std::strerror(errno)));
  TempTree work;
  work.path = work_name;
  const fs::path blobs = work.path / "blobs";
  const fs::path rootfs = work.path / "rootfs";
  fs::create_directory(blobs, ec);
  fs::create_directory(rootfs, ec);
  if (ec)
    return fail(ErrorKind::io, work.path.string(), ec.message());
  auto source = options.source;
  source.keep_blobs = blobs.string();
  source.scan_secrets = !options.fail_on.empty(); // judged as moat image judges it
  image::Image image;
  if (!options.fail_on.empty()) {
    auto loaded = load_and_catalog(options.target, source, common);
    if (!loaded)
      return std::unexpected(loaded.error());
    MOAT_TRY(judge_by_findings(options, **loaded));
    image = (*loaded)->scanned.image;
  } else {
    auto loaded = load_image_with_progress(options.target, source, common);
    if (!loaded)
      return std::unexpected(loaded.error());
    image = std::move(loaded->image);
  }
  if (!image::is_sha256_digest(image.config_digest))
    return fail(ErrorKind::usage, options.target,
                "the image has no config digest to keep it by in the cache");
  MOAT_TRY(unpack(image, blobs, rootfs, options));
  const auto final_dir = cache / fmt::format("{}-{}", image.config_digest.substr(7), suffix);
  fs::rename(rootfs, final_dir, ec);
  // Another run may have unpacked the same image meanwhile: use its copy.
  if (ec && !fs::is_directory(final_dir))
    return fail(ErrorKind::io, final_dir.string(),
                fmt::format("cannot keep the unpacked image: {}", ec.message()));
  return PreparedImage{final_dir, image.config, false};
}

} // namespace moat::cli
