#include <moat/image/layer.hpp>
#include <moat/image/unpack.hpp>
#include <moat/util/in_root.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_set>
#include <vector>

namespace moat::image {

// Named, not anonymous: unity builds put this file beside layer.cpp.
namespace unpacking {

using core::ErrorKind;
using core::fail;

class Fd {
public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(m_fd, other.m_fd);
    return *this;
  }
  ~Fd() {
    if (m_fd >= 0)
      ::close(m_fd);
  }
  [[nodiscard]] int get() const { return m_fd; }
  [[nodiscard]] bool ok() const { return m_fd >= 0; }

private:
  int m_fd;
};

struct Feed {
  ByteReader& blob;
  std::vector<std::byte> buffer;
  std::optional<core::Error> error;
};

la_ssize_t feed_read(archive* a, void* data, const void** out) {
  auto& feed = *static_cast<Feed*>(data);
  auto got = feed.blob.read(feed.buffer);
  if (!got) {
    feed.error = got.error();
    archive_set_error(a, EIO, "%s", got.error().message.c_str());
    return -1;
  }
  *out = feed.buffer.data();
  return static_cast<la_ssize_t>(*got);
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

// Removes NAME in DIR and, for a directory, everything under it, never
// following a symlink. A missing NAME is not an error.
bool remove_at(int dir, const char* name) {
  struct stat st {};
  if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT;
  if (!S_ISDIR(st.st_mode))
    return ::unlinkat(dir, name, 0) == 0 || errno == ENOENT;
  const int fd = ::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return false;
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return false;
  }
  bool ok = true;
  while (const dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0)
      continue;
    ok = remove_at(fd, e->d_name) && ok;
  }
  ::closedir(d);
  return ok && ::unlinkat(dir, name, AT_REMOVEDIR) == 0;
}

class Unpacker {
public:
  Unpacker(int root, const UnpackOptions& options, std::string input)
      : m_root(root), m_options(options), m_input(std::move(input)) {}

  core::Status entry(archive* a, archive_entry* entry) {
    const char* raw_name = archive_entry_pathname(entry);
    const std::string raw = raw_name != nullptr ? raw_name : "";
    std::string path;
    bool absolute = false;
    std::string problem;
    if (!normalize_entry_path(raw, path, absolute, problem))
      return refuse(raw, problem);
    ++m_stats.entries;
    const auto slash = path.rfind('/');
    const std::string parent = slash == std::string::npos ? std::string() : path.substr(0, slash);
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (path.empty()) { // "./": the root itself
      if (archive_entry_filetype(entry) == AE_IFDIR)
        return attributes(m_root, nullptr, entry, raw);
      return refuse(raw, "the root of the layer is not a directory");
    }
    if (name.starts_with(".wh."))
      return whiteout(parent, name, raw);
    m_created.insert(path);
    auto dir = open_parent(parent, raw);
    if (!dir)
      return std::unexpected(dir.error());
    const int pd = dir->get();
    if (const char* hl = archive_entry_hardlink(entry); hl != nullptr)
      return hardlink(pd, path, name, hl, raw);
    switch (archive_entry_filetype(entry)) {
    case AE_IFDIR:
      return directory(pd, name, entry, raw);
    case AE_IFLNK: {
      const char* target = archive_entry_symlink(entry);
      if (!replace(pd, name, raw))
        return io_error(raw, "cannot replace what is there");
      // The target is stored as it is: it is resolved inside the container.
      if (::symlinkat(target != nullptr ? target : "", pd, name.c_str()) != 0)
        return io_error(raw, "cannot create the symlink");
      return attributes(pd, name.c_str(), entry, raw);
    }
    case AE_IFCHR:
    case AE_IFBLK:
      ++m_stats.devices_skipped;
      return {};
    case AE_IFIFO:
      if (!replace(pd, name, raw) || ::mkfifoat(pd, name.c_str(), 0600) != 0)
        return io_error(raw, "cannot create the FIFO");
      return attributes(pd, name.c_str(), entry, raw);
    case AE_IFREG:
      return file(a, pd, name, entry, raw);
    default:
      return refuse(raw, "an entry of a type a layer cannot hold (a socket?)");
    }
  }

  [[nodiscard]] const UnpackStats& stats() const { return m_stats; }

private:
  core::Status refuse(const std::string& raw, std::string_view problem) const {
    return fail(ErrorKind::parse, m_input, fmt::format("entry '{}': {}", raw, problem));
  }
  core::Status io_error(const std::string& raw, std::string_view what, int err = errno) const {
    return fail(ErrorKind::io, m_input,
                fmt::format("entry '{}': {}: {}", raw, what, std::strerror(err)));
  }

  // The directory PARENT inside the root, made (mode 0755, owned by the
  // container's root) when the layer did not list it.
  core::Result<Fd> open_parent(const std::string& parent, const std::string& raw) {
    Fd fd(util::open_in_root(m_root, parent, O_RDONLY | O_DIRECTORY, true));
    if (fd.ok())
      return fd;
    if (errno != ENOENT)
      return fail(ErrorKind::io, m_input,
                  fmt::format("entry '{}': cannot open its directory '{}' in the root: {}", raw,
                              parent, std::strerror(errno)));
    const auto slash = parent.rfind('/');
    const std::string up = slash == std::string::npos ? std::string() : parent.substr(0, slash);
    const std::string name = slash == std::string::npos ? parent : parent.substr(slash + 1);
    auto above = open_parent(up, raw);
    if (!above)
      return std::unexpected(above.error());
    if (::mkdirat(above->get(), name.c_str(), 0755) != 0 && errno != EEXIST)
      return std::unexpected(io_error(raw, "cannot make its directory").error());
    if (m_options.chown) {
      // Best effort: the directory's own entry, if the layer has one, sets it.
      [[maybe_unused]] const int owned = ::fchownat(above->get(), name.c_str(), m_options.uid_first,
                                                    m_options.gid_first, AT_SYMLINK_NOFOLLOW);
    }
    Fd made(util::open_in_root(m_root, parent, O_RDONLY | O_DIRECTORY, true));
    if (!made.ok())
      return fail(ErrorKind::io, m_input,
                  fmt::format("entry '{}': cannot open its directory '{}' in the root: {}", raw,
                              parent, std::strerror(errno)));
    return made;
  }

  // Clears NAME in DIR for a new entry (tar semantics: the later one wins).
  static bool replace(int dir, const std::string& name, const std::string& /*raw*/) {
    return remove_at(dir, name.c_str());
  }

  core::Status whiteout(const std::string& parent, const std::string& name,
                        const std::string& raw) {
    const std::string victim = name.substr(4);
    if (name != ".wh..wh..opq" &&
        (victim.empty() || victim == "." || victim == ".." || victim.starts_with(".wh.")))
      return refuse(raw, "a whiteout that names nothing");
    auto dir = util::open_in_root(m_root, parent, O_RDONLY | O_DIRECTORY, true);
    if (dir < 0)
      return errno == ENOENT ? core::Status{} : io_error(raw, "cannot open its directory");
    Fd owned(dir);
    if (name == ".wh..wh..opq") {
      // Everything lower layers put here goes; this layer's entries stay.
      DIR* d = ::fdopendir(::fcntl(dir, F_DUPFD_CLOEXEC, 0));
      if (d == nullptr)
        return io_error(raw, "cannot read its directory");
      std::vector<std::string> lower;
      while (const dirent* e = ::readdir(d)) {
        const std::string child = e->d_name;
        if (child == "." || child == "..")
          continue;
        std::string full = parent;
        if (!full.empty())
          full += '/';
        full += child;
        if (!m_created.contains(full))
          lower.push_back(child);
      }
      ::closedir(d);
      for (const auto& child : lower)
        if (!remove_at(dir, child.c_str()))
          return io_error(raw, "cannot remove what the opaque directory hides");
      return {};
    }
    if (!remove_at(dir, victim.c_str()))
      return io_error(raw, "cannot remove what the whiteout deletes");
    return {};
  }

  core::Status directory(int pd, const std::string& name, archive_entry* entry,
                         const std::string& raw) {
    struct stat st {};
    if (::fstatat(pd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
        !replace(pd, name, raw))
      return io_error(raw, "cannot replace what is there");
    if (::mkdirat(pd, name.c_str(), 0700) != 0 && errno != EEXIST)
      return io_error(raw, "cannot make the directory");
    return attributes(pd, name.c_str(), entry, raw);
  }

  core::Status hardlink(int pd, const std::string& path, const std::string& name, const char* link,
                        const std::string& raw) {
    std::string target;
    bool absolute = false;
    std::string problem;
    if (!normalize_entry_path(link, target, absolute, problem) || target.empty())
      return refuse(raw, fmt::format("hard link to '{}' leaves the root", link));
    const auto slash = target.rfind('/');
    const std::string tparent =
        slash == std::string::npos ? std::string() : target.substr(0, slash);
    const std::string tname = slash == std::string::npos ? target : target.substr(slash + 1);
    Fd tdir(util::open_in_root(m_root, tparent, O_RDONLY | O_DIRECTORY, true));
    if (!tdir.ok())
      return io_error(raw, fmt::format("hard link target '{}' is not in the layers", link));
    struct stat st {};
    if (::fstatat(tdir.get(), tname.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return io_error(raw, fmt::format("hard link target '{}' is not in the layers", link));
    if (S_ISDIR(st.st_mode))
      return refuse(raw, fmt::format("hard link to the directory '{}'", link));
    if (target == path)
      return {}; // a link to itself: nothing to do
    if (!replace(pd, name, raw))
      return io_error(raw, "cannot replace what is there");
    if (::linkat(tdir.get(), tname.c_str(), pd, name.c_str(), 0) != 0)
      return io_error(raw, "cannot make the hard link");
    return {};
  }

  core::Status file(archive* a, int pd, const std::string& name, archive_entry* entry,
                    const std::string& raw) {
    if (!replace(pd, name, raw))
      return io_error(raw, "cannot replace what is there");
    Fd fd(::openat(pd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.ok())
      return io_error(raw, "cannot create the file");
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      const int rc = archive_read_data_block(a, &block, &size, &offset);
      if (rc == ARCHIVE_EOF)
        break;
      if (rc < ARCHIVE_WARN) {
        const char* text = archive_error_string(a);
        return fail(ErrorKind::parse, m_input,
                    fmt::format("entry '{}': {}", raw, text != nullptr ? text : "unreadable data"));
      }
      m_stats.bytes += size;
      if (m_stats.bytes > m_options.max_bytes)
        return fail(ErrorKind::limit, m_input,
                    fmt::format("the layer writes more than {} bytes", m_options.max_bytes));
      const auto* p = static_cast<const char*>(block);
      while (size > 0) {
        const auto n = ::pwrite(fd.get(), p, size, offset);
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          return io_error(raw, "cannot write the file");
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
      }
    }
    if (archive_entry_size_is_set(entry) != 0 &&
        ::ftruncate(fd.get(), static_cast<off_t>(archive_entry_size(entry))) != 0)
      return io_error(raw, "cannot size the file");
    return attributes(pd, name.c_str(), entry, raw);
  }

  std::uint32_t shifted(std::uint32_t id, std::uint32_t first, std::uint32_t count) const {
    (void)m_options;
    if (id >= count)
      id = std::min<std::uint32_t>(65534, count - 1);
    return first + id;
  }

  // Owner, mode and modification time of NAME in DIR (NAME null: DIR).
  core::Status attributes(int dir, const char* name, archive_entry* entry, const std::string& raw) {
    const bool self = name == nullptr;
    const char* at = self ? "" : name;
    const int flags = AT_SYMLINK_NOFOLLOW | (self ? AT_EMPTY_PATH : 0);
    const bool link = archive_entry_filetype(entry) == AE_IFLNK;
    if (m_options.chown) {
      const auto uid = shifted(static_cast<std::uint32_t>(archive_entry_uid(entry)),
                               m_options.uid_first, m_options.uid_count);
      const auto gid = shifted(static_cast<std::uint32_t>(archive_entry_gid(entry)),
                               m_options.gid_first, m_options.gid_count);
      if (::fchownat(dir, at, uid, gid, flags) != 0)
        return io_error(raw, "cannot set the owner");
    }
    if (!link) {
      // After chown, which clears set-user-ID bits.
      auto mode = static_cast<mode_t>(archive_entry_perm(entry) & 07777);
      if (!m_options.chown && archive_entry_filetype(entry) == AE_IFDIR)
        mode |= 0700; // whoever unpacks must be able to go on writing into it
      const int rc = self ? ::fchmod(dir, mode) : ::fchmodat(dir, at, mode, 0);
      if (rc != 0)
        return io_error(raw, "cannot set the mode");
    }
    if (archive_entry_filetype(entry) != AE_IFDIR && archive_entry_mtime_is_set(entry) != 0) {
      std::array<timespec, 2> times{};
      times[0].tv_nsec = UTIME_OMIT;
      times[1].tv_sec = archive_entry_mtime(entry);
      times[1].tv_nsec = archive_entry_mtime_nsec(entry);
      (void)::utimensat(dir, at, times.data(), flags);
    }
    return {};
  }

  int m_root;
  const UnpackOptions& m_options;
  std::string m_input;
  UnpackStats m_stats;
  std::unordered_set<std::string> m_created; // paths this layer wrote
};

} // namespace unpacking

core::Result<UnpackStats> unpack_layer(ByteReader& blob, int root, const UnpackOptions& options) {
  const std::string& input = blob.name();
  unpacking::Feed feed{blob, std::vector<std::byte>(std::size_t{1} << 20U), std::nullopt};
  std::unique_ptr<archive, unpacking::ArchiveDeleter> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_format_empty(a.get());
  auto archive_error = [&](std::string_view what) {
    if (feed.error)
      return std::unexpected(*feed.error);
    const char* text = archive_error_string(a.get());
    return core::fail(core::ErrorKind::parse, input,
                      fmt::format("{}: {}", what, text != nullptr ? text : "unreadable archive"));
  };
  if (archive_read_open(a.get(), &feed, nullptr, unpacking::feed_read, nullptr) != ARCHIVE_OK)
    return archive_error("not a layer tar");
  unpacking::Unpacker unpacker(root, options, input);
  for (;;) {
    archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF)
      break;
    if (rc < ARCHIVE_WARN)
      return archive_error("truncated or damaged layer");
    MOAT_TRY(unpacker.entry(a.get(), entry));
  }
  return unpacker.stats();
}

} // namespace moat::image
