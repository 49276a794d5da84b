#pragma once
// Go build information: the module list and build settings that the Go
// toolchain (1.18 and later) embeds in every executable it links, in the
// ".go.buildinfo" blob that starts with the 16-byte-aligned magic
// "\xff Go buildinf:".
//
// Executables are large and arrive in chunks out of compressed image layers,
// so the blob is found by a streaming scanner that keeps a few bytes across
// chunk boundaries and at most k_go_buildinfo_capture_limit bytes after the
// magic. No file I/O happens here.
//
// Binaries linked by Go before 1.18 store pointers into the data segment
// instead of inline strings; they are not resolved: finish() reports them as
// an Error of kind parse with the message
// "go build info in pre-1.18 format not read".

#include <moat/core/package.hpp>
#include <moat/core/result.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::inventory {

// Bytes kept after the magic, header included; the module list of even very
// large programs (Kubernetes) is far below this.
inline constexpr std::size_t k_go_buildinfo_capture_limit = std::size_t{1} << 20U;

// The module that replaced a dependency ("=>" line).
struct GoReplacement {
  std::string path;    // a module path, or a directory ("../fork") for a local replacement
  std::string version; // empty for a local replacement
  std::string sum;     // "h1:..." go.sum hash; may be empty

  bool operator==(const GoReplacement&) const = default;
};

// One module: the main module ("mod" line) or a dependency ("dep" line).
struct GoModule {
  std::string path;    // "github.com/sirupsen/logrus"
  std::string version; // "v1.9.0", "(devel)" for a main module built from a work tree
  std::string sum;     // "h1:..." go.sum hash; may be empty
  std::optional<GoReplacement> replaced_by;

  bool operator==(const GoModule&) const = default;
};

struct GoBuildInfo {
  std::string go_version; // the toolchain that linked it: "go1.19.8"
  std::string path;       // the main package's import path ("path" line)
  GoModule main;          // empty path when built outside module mode (GOPATH, as Debian does)
  std::vector<GoModule> deps;
  std::vector<std::pair<std::string, std::string>>
      settings; // "build" lines in order: {"GOARCH", "amd64"}

  bool operator==(const GoBuildInfo&) const = default;
};

// True when BYTES start with the ELF magic, so a caller only scans executables.
[[nodiscard]] bool looks_like_elf(std::span<const std::byte> first_bytes);

// Finds and reads Go build information in a file delivered in chunks of any
// size. The blob is the first 16-byte-aligned magic (file offsets) followed by
// a pointer size of 4 or 8 and known flags, as the Go linker aligns it.
class GoBuildInfoScanner {
public:
  // Consumes the next CHUNK of the file.
  void feed(std::span<const std::byte> chunk);

  // Ends the file: nullopt when it holds no Go build information, else the
  // parsed information, or an Error (NAME in it) when the blob is malformed,
  // truncated, larger than the capture limit or in the pre-1.18 format.
  [[nodiscard]] core::Result<std::optional<GoBuildInfo>> finish(const std::string& name);

private:
  enum class State { searching, capturing, captured };

  void capture(std::span<const std::byte> bytes);

  State m_state = State::searching;
  std::vector<std::byte> m_carry;   // bytes since the last 16-byte boundary while searching
  std::vector<std::byte> m_capture; // the blob from its magic on, up to the capture limit
  bool m_capture_truncated = false; // the blob went on past the capture limit
};

// Reads Go build information from a whole file held in memory.
[[nodiscard]] core::Result<std::optional<GoBuildInfo>>
parse_go_buildinfo(std::span<const std::byte> whole_file, const std::string& name);

// Parses the module text ("path\t...", "mod\t...", "dep\t...", "=>\t...",
// "build\tK=V" lines) into INFO; NAME is used in errors. Unknown line kinds
// are ignored so newer toolchains keep working.
[[nodiscard]] core::Status parse_go_modinfo(std::string_view text, const std::string& name,
                                            GoBuildInfo& info);

// The stdlib version in OSV's form: "go1.19.8" -> "1.19.8", "go1.21" ->
// "1.21.0", "go1.21rc2" -> "1.21.0-rc.2"; empty when not a release ("devel ...").
[[nodiscard]] std::string go_stdlib_version(std::string_view go_version);

// The packages of a Go executable found at FOUND_AT: the main module (its
// version empty when "(devel)"; the main package path when built outside
// module mode), each dependency (a replaced one under its replacement's path
// and version, a locally replaced one under its own path with no version),
// and the standard library as "stdlib".
[[nodiscard]] std::vector<core::Package> go_packages(const GoBuildInfo& info,
                                                     const std::string& found_at);

} // namespace moat::inventory
