#include <moat/cli/image_common.hpp>
#include <moat/engine/engine.hpp>

#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <unistd.h>

namespace moat::cli {

void add_image_source_options(CLI::App& cmd, ImageSourceOptions& options) {
  cmd.add_option("--platform", options.platform,
                 "Image of a multi-platform index to read (default: the host's)")
      ->option_text("OS/ARCH[/VARIANT]");
  cmd.add_option("--ca-cert", options.ca_cert, "Registry TLS: trust this CA certificate (PEM)")
      ->option_text("FILE");
  cmd.add_flag("--insecure", options.insecure,
               "Registry over plain HTTP; allowed for loopback addresses only");
  cmd.add_option("--insecure-registry", options.insecure_registries,
                 "Registry over plain HTTP at this HOST[:PORT], on any network (Docker's "
                 "daemon option of the same name); repeatable")
      ->allow_extra_args(false)
      ->option_text("HOST");
  cmd.add_option("--max-layer-size", options.max_layer_size,
                 "Refuse a layer that expands beyond this size (default 256GiB; K, M, G, T "
                 "suffixes, binary)")
      ->option_text("SIZE");
  cmd.add_option("--max-files", options.max_files,
                 "Refuse an image with more files than this across its layers (default 1000000)")
      ->option_text("N");
  cmd.add_option("--timeout", options.timeout,
                 "Give up on the daemon or registry after this long in all: 90s, 5m, 1h "
                 "(default 5m); a transfer under 512 bytes/s for 30 s fails sooner")
      ->option_text("DURATION");
  cmd.add_flag("--no-progress", options.no_progress, "Never draw the progress bar");
}

core::Result<image::ScannedImage> load_image_with_progress(const std::string& target,
                                                           const ImageSourceOptions& options,
                                                           const CommonOptions& common) {
  image::SourceOptions source;
  source.platform = options.platform;
  source.ca_cert = options.ca_cert;
  source.insecure = options.insecure;
  source.insecure_registries = options.insecure_registries;
  source.keep_blobs = options.keep_blobs;
  source.skip_layers = options.skip_layers;
  const auto layer_size =
      parse_size_option("--max-layer-size", options.max_layer_size, "64GiB, 512M, 1T");
  if (!layer_size)
    return std::unexpected(layer_size.error());
  source.limits.max_uncompressed = *layer_size;
  source.limits.max_entries = options.max_files;
  source.limits.scan_secrets = options.scan_secrets;
  const auto timeout = parse_timeout_option(options.timeout);
  if (!timeout)
    return std::unexpected(timeout.error());
  source.timeout = *timeout;
  source.deadline = std::chrono::steady_clock::now() + *timeout;
  const bool remote = target.starts_with("registry://") || target.starts_with("docker://");
  for (const auto& host : options.insecure_registries)
    if (remote)
      fmt::print(stderr,
                 "moat: warning: plain http to registry {} (--insecure-registry): what it sends "
                 "can be read and changed on the way\n",
                 util::terminal_safe(host));
  const bool bar = !options.no_progress && !common.quiet && util::is_tty(STDERR_FILENO);
  if (bar) {
    auto layers = std::make_shared<std::pair<std::size_t, std::size_t>>(0, 0);
    source.progress = [layers](std::size_t done, std::size_t total) { *layers = {done, total}; };
    source.progress_bytes = [layers](std::uint64_t done, std::uint64_t total) {
      draw_progress("scanning", done, total,
                    layers->second == 0
                        ? std::string()
                        : fmt::format(", {}/{} layers", layers->first, layers->second));
    };
  }
  auto scanned = image::load_image(target, source);
  if (bar)
    clear_progress();
  return scanned;
}

namespace {

// True when PATH is a mount point of moat's mount namespace: a file bind
// mount (docker run -v SOCKET:SOCKET) is a mount point of its own.
bool is_mount_point(const std::filesystem::path& path) {
  auto text = util::read_file("/proc/self/mountinfo", std::size_t{16} * 1024 * 1024);
  if (!text)
    return false;
  std::error_code ec;
  const auto target = std::filesystem::weakly_canonical(path, ec).string();
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    // ID PARENT MAJOR:MINOR ROOT MOUNT-POINT ...; a space in a path is \040,
    // which a socket's path does not hold.
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point;
    if (fields >> id >> parent >> device >> root >> mount_point && mount_point == target)
      return true;
  }
  return false;
}

// For docker:// read through an engine socket that was bind-mounted into
// moat's container (docker run -v /var/run/docker.sock:...): the one mount
// moat's image documents as the exception it needs, and the report says it
// was made. The socket is the one the engine client connects to.
std::string socket_mount_note(const std::string& target) {
  if (!target.starts_with("docker://"))
    return {};
  const std::string host = engine::docker_host_in_effect();
  if (!host.starts_with("unix://") || !is_mount_point(host.substr(7)))
    return {};
  return fmt::format("moat ran with the container engine's socket ({}) mounted into its "
                     "container: whoever holds that socket is root on the host. It is the one "
                     "mount moat's image needs, for docker:// targets only; never give it to "
                     "other containers",
                     host.substr(7));
}

} // namespace

core::Result<std::unique_ptr<CataloguedImage>> load_and_catalog(const std::string& target,
                                                                const ImageSourceOptions& options,
                                                                const CommonOptions& common) {
  auto scanned = load_image_with_progress(target, options, common);
  if (!scanned)
    return std::unexpected(scanned.error());
  auto out = std::make_unique<CataloguedImage>();
  out->scanned = std::move(*scanned);
  out->view.emplace(out->scanned.layers);
  auto inventory = image::catalog_image(out->scanned, *out->view);
  if (!inventory)
    return std::unexpected(inventory.error());
  out->inventory = std::move(*inventory);
  if (auto note = socket_mount_note(target); !note.empty())
    out->inventory.notes.insert(out->inventory.notes.begin(), std::move(note));
  return out;
}

std::filesystem::path image_config_start(const std::string& target) {
  // Never from inside the scanned content: a .moat.yaml shipped in a root
  // file system or an image layout must not silence its own findings.
  if (target.find("://") != std::string::npos)
    return std::filesystem::current_path();
  auto path = std::filesystem::path(target);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) // PATH:REF
    path = std::filesystem::path(target.substr(0, target.rfind(':')));
  auto parent = std::filesystem::absolute(path, ec).lexically_normal().parent_path();
  return parent.empty() ? std::filesystem::current_path() : parent;
}

std::string describe_os(const image::Inventory& inventory) {
  if (!inventory.os)
    return {};
  const auto& os = *inventory.os;
  std::string out = os.id;
  if (!os.version_id.empty())
    out += " " + os.version_id;
  if (!os.version_codename.empty())
    out += " (" + os.version_codename + ")";
  return out;
}

std::string image_targets_help() {
  return "TARGETS:\n"
         "  FILE                    a docker save archive (classic or OCI form) or an OCI\n"
         "                          layout in a tar\n"
         "  DIR                     an OCI image layout (oci-layout, index.json, blobs/)\n"
         "  PATH:REF                the image named REF in an OCI layout\n"
         "  dir://PATH              a root file system directory\n"
         "  docker://NAME[:TAG]     an image of the local Docker daemon (DOCKER_HOST or\n"
         "                          /var/run/docker.sock), streamed, never saved to disk;\n"
         "                          from moat's own image: docker run -v\n"
         "                          /var/run/docker.sock:/var/run/docker.sock --group-add\n"
         "                          GID (the socket's group), and the report notes the mount\n"
         "  registry://HOST[:PORT]/REPO[:TAG|@DIGEST]\n"
         "                          a registry (Distribution API; credentials from\n"
         "                          ~/.docker/config.json; --ca-cert, --insecure)\n\n";
}

} // namespace moat::cli
