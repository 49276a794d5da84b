#pragma once
// Helpers shared by moat's tests: a private scratch directory per test, file
// reading, and running the moat executable.

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace moat::test {

// A temporary directory removed with everything in it when the object dies.
class TempDir {
public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "moat-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

  // Writes a file under the directory (creating parents); returns its path.
  std::filesystem::path write(const std::string& relative, const std::string& content) const {
    auto p = m_path / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p;
  }

private:
  std::filesystem::path m_path;
};

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

inline std::filesystem::path shared_dir() {
  return MOAT_SHARED_DIR;
}
inline std::filesystem::path source_dir() {
  return MOAT_SOURCE_DIR;
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the moat executable with ARGS (a shell-quoted string), optionally in DIR
// and with STDIN_TEXT on standard input. With TIMEOUT_SECONDS, moat is
// killed after that long and the exit code is 124 (a hang fails, not waits).
inline RunResult run_moat(const std::string& args, const std::filesystem::path& dir = {},
                          const std::string& stdin_text = {}, int timeout_seconds = 0) {
  TempDir scratch;
  auto in = scratch.write("stdin", stdin_text);
  auto out = scratch.path() / "stdout";
  auto err = scratch.path() / "stderr";
  std::string cmd;
  if (!dir.empty())
    cmd = "cd '" + dir.string() + "' && ";
  // A default vulnerability database of the machine's user must not change
  // what a test sees: the cache directory is the scratch one.
  cmd += "XDG_CACHE_HOME='" + (scratch.path() / "cache").string() + "' ";
  if (timeout_seconds > 0)
    cmd += "timeout -k 5 " + std::to_string(timeout_seconds) + " ";
  cmd += std::string("'") + MOAT_BINARY + "' " + args + " <'" + in.string() + "' >'" +
         out.string() + "' 2>'" + err.string() + "'";
  int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

// The real Go and PyPI advisories of ../shared/vulndata imported with
// `moat db import --no-progress` into one database that every test process
// of this build shares: ctest runs each test in a process of its own and the
// import takes seconds. The first process imports under a lock, the others
// wait and reuse the result. The database's directory is named after the moat
// binary's size and time, so a rebuilt moat imports again. Tests only read it.
struct SharedImport {
  std::filesystem::path db;
  RunResult run;
};

inline const SharedImport& shared_vuln_import() {
  static const SharedImport shared = [] {
    namespace fs = std::filesystem;
    struct stat st {};
    if (::stat(MOAT_BINARY, &st) != 0)
      throw std::runtime_error("cannot stat the moat binary");
    const fs::path root = fs::path(MOAT_BINARY).parent_path().parent_path() / "test-cache";
    fs::create_directories(root);
    const std::string key = "vulndb-" + std::to_string(st.st_size) + "-" +
                            std::to_string(st.st_mtim.tv_sec) + "." +
                            std::to_string(st.st_mtim.tv_nsec);
    const fs::path dir = root / key;
    const int lock = ::open((root / "lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0)
      throw std::runtime_error("cannot lock the shared test cache");
    SharedImport out;
    out.db = dir / "vuln.db";
    if (!fs::exists(dir / "exit_code")) {
      fs::remove_all(dir);
      fs::create_directories(dir);
      out.run = run_moat("db import --no-progress --db '" + out.db.string() + "' '" +
                         (shared_dir() / "vulndata/go").string() + "' '" +
                         (shared_dir() / "vulndata/pypi").string() + "'");
      std::ofstream(dir / "stdout", std::ios::binary) << out.run.out;
      std::ofstream(dir / "stderr", std::ios::binary) << out.run.err;
      std::ofstream(dir / "exit_code")
          << out.run.exit_code; // written last: the mark of a whole run
    } else {
      out.run.out = read_text(dir / "stdout");
      out.run.err = read_text(dir / "stderr");
      out.run.exit_code = std::stoi(read_text(dir / "exit_code"));
    }
    ::close(lock);
    return out;
  }();
  return shared;
}

} // namespace moat::test
