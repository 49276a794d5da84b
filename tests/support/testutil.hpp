#pragma once
// Helpers shared by moat's tests: a private scratch directory per test, file
// reading, and running the moat executable.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
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
// and with STDIN_TEXT on standard input.
inline RunResult run_moat(const std::string& args, const std::filesystem::path& dir = {},
                          const std::string& stdin_text = {}) {
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
  cmd += std::string("'") + MOAT_BINARY + "' " + args + " <'" + in.string() + "' >'" +
         out.string() + "' 2>'" + err.string() + "'";
  int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

} // namespace moat::test
