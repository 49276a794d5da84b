#include <moat/trust/gpg.hpp>
#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace moat::trust {

namespace {

constexpr std::size_t k_max_keyring_bytes = std::size_t{16} * 1024 * 1024;
constexpr std::size_t k_max_output_bytes = std::size_t{1} * 1024 * 1024;

struct Ran {
  int status = -1;
  std::string out;
};

// Runs ARGV (no shell) with stdin from STDIN_PATH (or /dev/null), stdout
// captured, stderr to STDERR_PATH; a program that cannot start is an error.
core::Result<Ran> run(const std::vector<std::string>& argv, const std::string& stdin_path,
                      const std::string& stderr_path) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return core::fail(core::ErrorKind::internal, argv[0], std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(
      &actions, 0, stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // GnuPG in the C locale (its status lines are fixed anyway), nothing else
  // of the caller's environment but PATH.
  std::string path = "PATH=/usr/local/bin:/usr/bin:/bin";
  if (const char* p = std::getenv("PATH"); p != nullptr)
    path = std::string("PATH=") + p;
  std::string lang = "LC_ALL=C";
  std::vector<char*> env = {path.data(), lang.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return core::fail(
        core::ErrorKind::usage, argv[0],
        fmt::format("cannot run it ({}); install GnuPG (gpg, gpgv)", std::strerror(rc)));
  }
  Ran ran;
  char buffer[4096];
  for (;;) {
    const auto n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (ran.out.size() < k_max_output_bytes)
      ran.out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return ran;
}

core::Status write_file(const std::filesystem::path& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return core::fail(core::ErrorKind::io, path.string(), std::strerror(errno));
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    ok = n > 0;
    if (ok)
      done += static_cast<std::size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok)
    return core::fail(core::ErrorKind::io, path.string(), "write failed");
  return {};
}

} // namespace

core::Result<std::shared_ptr<GpgKeyring>> GpgKeyring::open(const std::string& path) {
  auto bytes = util::read_file(path, k_max_keyring_bytes);
  if (!bytes)
    return core::fail(core::ErrorKind::io, path, bytes.error());
  std::string tmpl = (std::filesystem::temp_directory_path() / "moat-gpg-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return core::fail(core::ErrorKind::io, tmpl, std::strerror(errno));
  std::shared_ptr<GpgKeyring> keyring(new GpgKeyring());
  keyring->m_name = path;
  keyring->m_dir = tmpl;
  keyring->m_keyring = keyring->m_dir / "trusted.gpg";
  if (util::trim_left(*bytes).starts_with("-----BEGIN PGP")) {
    const auto armored = keyring->m_dir / "trusted.asc";
    MOAT_TRY(write_file(armored, *bytes));
    MOAT_TRY_ASSIGN(ran,
                    run({"gpg", "--batch", "--no-options", "--homedir", keyring->m_dir.string(),
                         "--dearmor", "--output", keyring->m_keyring.string(), armored.string()},
                        "", (keyring->m_dir / "gpg.err").string()));
    if (ran.status != 0 || !std::filesystem::exists(keyring->m_keyring))
      return core::fail(core::ErrorKind::parse, path,
                        "not an OpenPGP keyring (gpg could not read "
                        "its armor)");
  } else {
    MOAT_TRY(write_file(keyring->m_keyring, *bytes));
  }
  return keyring;
}

GpgKeyring::~GpgKeyring() {
  std::error_code ec;
  if (!m_dir.empty())
    std::filesystem::remove_all(m_dir, ec);
}

core::Result<GpgKeyring::Checked> GpgKeyring::check(std::string_view signature) const {
  // Each check in a directory of its own below the keyring's.
  std::string tmpl = (m_dir / "check-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return core::fail(core::ErrorKind::io, tmpl, std::strerror(errno));
  const std::filesystem::path dir = tmpl;
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  const auto sig = dir / "signature";
  const auto out = dir / "payload";
  MOAT_TRY(write_file(sig, signature));
  MOAT_TRY_ASSIGN(ran, run({"gpgv", "--homedir", m_dir.string(), "--status-fd", "1", "--keyring",
                            m_keyring.string(), "--output", out.string(), sig.string()},
                           "", (dir / "gpgv.err").string()));
  Checked checked;
  bool good = false;
  bool bad = false;
  bool no_key = false;
  for (auto line : util::split(ran.out, '\n')) {
    if (!line.starts_with("[GNUPG:] "))
      continue;
    line.remove_prefix(9);
    const auto word = line.substr(0, line.find(' '));
    const auto rest = line.size() > word.size() ? line.substr(word.size() + 1) : std::string_view();
    if (word == "VALIDSIG") {
      good = true;
      checked.fingerprint = std::string(rest.substr(0, rest.find(' ')));
    } else if (word == "BADSIG") {
      bad = true;
    } else if (word == "ERRSIG" || word == "NO_PUBKEY") {
      no_key = true;
    }
  }
  if (good && !bad && ran.status == 0) {
    auto payload = util::read_file(out, k_max_output_bytes);
    if (!payload)
      return core::fail(core::ErrorKind::io, out.string(), payload.error());
    checked.valid = true;
    checked.payload = std::move(*payload);
    return checked;
  }
  checked.reason = bad      ? "the signature does not verify (bad signature)"
                   : no_key ? fmt::format("no key in {} made it", m_name)
                            : "not an OpenPGP signature gpgv can read";
  return checked;
}

} // namespace moat::trust
