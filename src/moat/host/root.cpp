// Host files below a root directory, links followed inside it.

#include <moat/host/root.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <system_error>

namespace moat::host {

namespace {

constexpr int k_max_links = 40;

std::deque<std::string> components(std::string_view path) {
  std::deque<std::string> out;
  for (auto part : util::split(path, '/'))
    if (!part.empty() && part != ".")
      out.emplace_back(part);
  return out;
}

FileInfo::Type type_of(mode_t mode) {
  if (S_ISREG(mode))
    return FileInfo::Type::regular;
  if (S_ISDIR(mode))
    return FileInfo::Type::directory;
  if (S_ISLNK(mode))
    return FileInfo::Type::symlink;
  if (S_ISSOCK(mode))
    return FileInfo::Type::socket;
  return FileInfo::Type::other;
}

template <typename Id> std::optional<Id> number_of(std::string_view text) {
  Id value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    return std::nullopt;
  return value;
}

} // namespace

Root::Root(std::filesystem::path dir) : m_dir(std::move(dir)) {
  m_host = m_dir.empty() || m_dir == "/";
  if (m_dir.empty())
    m_dir = "/";
}

std::filesystem::path Root::real(std::string_view path, bool follow) const {
  if (m_host)
    return std::filesystem::path(path);
  auto todo = components(path);
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    auto part = std::move(todo.front());
    todo.pop_front();
    if (part == "..") {
      if (!done.empty())
        done.pop_back();
      continue;
    }
    done.push_back(part);
    if (todo.empty() && !follow)
      break;
    std::filesystem::path candidate = m_dir;
    for (const auto& d : done)
      candidate /= d;
    struct stat st {};
    if (::lstat(candidate.c_str(), &st) != 0 || !S_ISLNK(st.st_mode))
      continue;
    if (++links > k_max_links)
      return {};
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(candidate, ec).string();
    if (ec)
      return {};
    done.pop_back();
    if (target.starts_with('/'))
      done.clear();
    auto more = components(target);
    todo.insert(todo.begin(), more.begin(), more.end());
  }
  std::filesystem::path out = m_dir;
  for (const auto& d : done)
    out /= d;
  return out;
}

std::optional<std::string> Root::read(std::string_view path, std::size_t max_bytes) const {
  const auto file = real(path);
  if (file.empty())
    return std::nullopt;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    // /proc files are not regular in size but read as text.
    if (!path.starts_with("/proc/") || !std::filesystem::exists(file, ec))
      return std::nullopt;
  }
  auto text = util::read_file(file, max_bytes);
  if (!text)
    return std::nullopt;
  return std::move(*text);
}

FileInfo Root::stat(std::string_view path, bool follow) const {
  FileInfo info;
  const auto file = real(path, follow);
  if (file.empty())
    return info;
  struct stat st {};
  const int rc = follow ? ::stat(file.c_str(), &st) : ::lstat(file.c_str(), &st);
  if (rc != 0)
    return info;
  info.type = type_of(st.st_mode);
  info.mode = static_cast<unsigned>(st.st_mode) & 07777U;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  load_names();
  auto user = m_users.find(st.st_uid);
  info.owner = user != m_users.end() ? user->second : std::to_string(st.st_uid);
  auto group = m_groups.find(st.st_gid);
  info.group = group != m_groups.end() ? group->second : std::to_string(st.st_gid);
  return info;
}

std::vector<std::string> Root::list(std::string_view path) const {
  std::vector<std::string> out;
  const auto dir = real(path);
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec))
    return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    out.push_back(entry.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

void Root::load_names() const {
  if (m_names_loaded)
    return;
  m_names_loaded = true;
  // name:password:id:...
  auto load = [&](std::string_view file, auto& into) {
    const auto text = read(file);
    if (!text)
      return;
    for (auto line : util::split(*text, '\n')) {
      const auto fields = util::split(line, ':');
      if (fields.size() < 3)
        continue;
      using Id = typename std::remove_reference_t<decltype(into)>::key_type;
      if (auto id = number_of<Id>(fields[2]))
        into.emplace(*id, std::string(fields[0]));
    }
  };
  load("/etc/passwd", m_users);
  load("/etc/group", m_groups);
}

std::vector<std::string> Root::group_members(std::string_view group) const {
  std::vector<std::string> out;
  std::optional<std::string> gid;
  if (const auto text = read("/etc/group"))
    for (auto line : util::split(*text, '\n')) {
      const auto fields = util::split(line, ':');
      if (fields.size() < 4 || fields[0] != group)
        continue;
      gid = std::string(fields[2]);
      for (auto member : util::split(fields[3], ','))
        if (!util::trim(member).empty())
          out.emplace_back(util::trim(member));
    }
  if (gid)
    if (const auto text = read("/etc/passwd"))
      for (auto line : util::split(*text, '\n')) {
        const auto fields = util::split(line, ':');
        if (fields.size() >= 4 && fields[3] == *gid &&
            std::find(out.begin(), out.end(), fields[0]) == out.end())
          out.emplace_back(fields[0]);
      }
  return out;
}

} // namespace moat::host
