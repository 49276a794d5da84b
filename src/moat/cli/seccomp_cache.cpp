// The seccomp programs moat run and moat create load, compiled once.

#include <moat/cli/run_image.hpp>
#include <moat/cli/sandbox_common.hpp>
#include <moat/seccomp/seccomp.hpp>
#include <moat/util/capabilities.hpp>
#include <moat/util/file.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sodium.h>

#include <array>
#include <filesystem>

namespace moat::cli {

namespace {

// Compiled seccomp programs are kept in $XDG_CACHE_HOME/moat/seccomp (else
// ~/.cache/moat/seccomp), named by a BLAKE2b digest of what went into them:
// moat's version, the profile's text (or Docker's default), the architecture, the kernel and
// the kept capabilities. Each file is the program followed by its own
// BLAKE2b digest, so a damaged file is compiled again, never loaded.
std::filesystem::path seccomp_cache_dir() {
  return moat_cache_dir() / "seccomp";
}

std::string blake2b_hex(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(), nullptr, 0);
  std::string hex;
  for (unsigned char b : digest)
    hex += fmt::format("{:02x}", b);
  return hex;
}

std::optional<std::vector<std::byte>> cached_program(const std::filesystem::path& file) {
  auto text = util::read_file(file, std::size_t{1} << 20);
  if (!text || text->size() < 64 + 8 || (text->size() - 64) % 8 != 0)
    return std::nullopt;
  const std::string_view program(text->data(), text->size() - 64);
  if (blake2b_hex(program) != std::string_view(*text).substr(text->size() - 64))
    return std::nullopt;
  const auto* first = reinterpret_cast<const std::byte*>(program.data());
  return std::vector<std::byte>(first, first + program.size());
}

} // namespace

core::Result<std::vector<std::byte>> compiled_seccomp(std::string_view profile_text,
                                                      std::string_view name,
                                                      const std::vector<int>& caps) {
  const bool docker_default = profile_text.empty();
  seccomp::Conditions conditions = seccomp::host_conditions();
  for (int cap : caps)
    conditions.caps.emplace_back(util::capability_name(cap));
  // "ranges": the program's layout (seccomp::Layout), so a program cached
  // by a moat that laid it out otherwise is not reused.
  std::string key = fmt::format("{}\nranges\n{}\n{}\n{}\n", MOAT_VERSION, conditions.arch,
                                conditions.kernel, fmt::join(conditions.caps, ","));
  key += docker_default ? std::string_view("docker-default") : profile_text;
  const auto cached = seccomp_cache_dir() / (blake2b_hex(key) + ".bpf");
  if (auto program = cached_program(cached))
    return std::move(*program);
  seccomp::Profile profile = seccomp::docker_default();
  if (!docker_default) {
    auto parsed = seccomp::parse_profile(profile_text, name);
    if (!parsed)
      return std::unexpected(parsed.error());
    profile = std::move(*parsed);
  }
  auto program = seccomp::compile(seccomp::resolve(profile, conditions));
  if (!program)
    return std::unexpected(program.error());
  // The cache is an optimisation: failing to write it changes nothing.
  std::error_code ec;
  std::filesystem::create_directories(cached.parent_path(), ec);
  std::string content(reinterpret_cast<const char*>(program->data()), program->size());
  content += blake2b_hex(content);
  (void)util::replace_file(cached, content, 0600);
  return program;
}

} // namespace moat::cli
