#include <moat/inventory/gobin.hpp>

#include <gtest/gtest.h>

#include "testutil.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <regex>

using moat::core::ErrorKind;
using moat::inventory::go_packages;
using moat::inventory::go_stdlib_version;
using moat::inventory::GoBuildInfo;
using moat::inventory::GoBuildInfoScanner;
using moat::inventory::looks_like_elf;
using moat::inventory::parse_go_buildinfo;
using moat::inventory::parse_go_modinfo;

namespace {

using Bytes = std::vector<std::byte>;

const std::string k_magic = "\xff Go buildinf:";
const std::string k_sentinel_start = std::string("0w\xaf\x0c\x92t\x08\x02"
                                                 "A\xe1\xc1\x07\xe6\xd6\x18\xe6",
                                                 16);
const std::string k_sentinel_end = std::string("\xf9"
                                               "2C1\x86\x18 r\x00\x82"
                                               "B\x10"
                                               "A\x16\xd8\xf2",
                                               16);

Bytes to_bytes(std::string_view s) {
  Bytes out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

std::string uvarint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7FU) | 0x80U));
    v >>= 7U;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

// The 32-byte header of the inline (Go >= 1.18) or pointer format.
std::string header(std::uint8_t flags, std::uint8_t ptr_size = 8) {
  std::string h = k_magic;
  h.push_back(static_cast<char>(ptr_size));
  h.push_back(static_cast<char>(flags));
  h.append(16, '\0');
  return h;
}

std::string inline_blob(const std::string& version, const std::string& modinfo_text) {
  const std::string mod =
      modinfo_text.empty() ? std::string() : k_sentinel_start + modinfo_text + k_sentinel_end;
  return header(2) + uvarint(version.size()) + version + uvarint(mod.size()) + mod;
}

// A fake executable: PREFIX_LEN bytes of filler (a multiple of 16 keeps the
// blob aligned), the blob, then more filler.
Bytes fake_binary(const std::string& blob, std::size_t prefix_len = 4096) {
  std::string file = "\x7f"
                     "ELF";
  file.resize(prefix_len, 'x');
  file += blob;
  file.append(333, '\0');
  return to_bytes(file);
}

const std::string k_modinfo =
    "path\tgithub.com/example/app/cmd/app\n"
    "mod\tgithub.com/example/app\t(devel)\t\n"
    "dep\tgithub.com/sirupsen/logrus\tv1.9.0\th1:trlNQbNUG3OdDrDil03MCb1H2o9nJ1x4/5LYw7byDE0=\n"
    "dep\tgolang.org/x/sys\tv0.0.0-20220715151400-c0bba94af5f8\t\n"
    "=>\tgolang.org/x/sys\tv0.5.0\th1:MUK/U/4lj1t1oPg0HfuXDN/Z1wv31ZJ/YcPiGccS4DU=\n"
    "dep\tgithub.com/foo/bar\tv1.0.0\n"
    "=>\t../bar\t\t\n"
    "build\t-compiler=gc\n"
    "build\t-ldflags=\"-X main.version=1.2.3 -s\"\n"
    "build\t\"we ird=key\"=`raw value`\n"
    "build\tCGO_ENABLED=1\n"
    "build\tGOARCH=arm64\n";

GoBuildInfo must_parse(const Bytes& file) {
  auto r = parse_go_buildinfo(file, "bin");
  EXPECT_TRUE(r.has_value()) << r.error().to_string();
  if (!r || !r->has_value())
    return {};
  return **r;
}

moat::core::Result<std::optional<GoBuildInfo>> scan_in_chunks(const Bytes& file,
                                                              std::size_t chunk) {
  GoBuildInfoScanner scanner;
  for (std::size_t i = 0; i < file.size(); i += chunk)
    scanner.feed(std::span(file).subspan(i, std::min(chunk, file.size() - i)));
  return scanner.finish("bin");
}

std::optional<Bytes> read_binary(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path))
    return std::nullopt;
  return to_bytes(moat::test::read_text(path));
}

std::size_t count(const Bytes& haystack, std::string_view needle) {
  std::size_t n = 0;
  const auto* first = reinterpret_cast<const char*>(haystack.data());
  std::string_view all(first, haystack.size());
  for (auto pos = all.find(needle); pos != std::string_view::npos; pos = all.find(needle, pos + 1))
    ++n;
  return n;
}

std::string expect_error(const moat::core::Result<std::optional<GoBuildInfo>>& r, ErrorKind kind) {
  EXPECT_FALSE(r.has_value());
  if (r.has_value())
    return {};
  EXPECT_EQ(r.error().kind, kind);
  EXPECT_EQ(r.error().input, "bin");
  return r.error().message;
}

} // namespace

TEST(GoBuildInfo, ParsesSyntheticInlineBlob) {
  const auto info = must_parse(fake_binary(inline_blob("go1.21.5", k_modinfo)));
  EXPECT_EQ(info.go_version, "go1.21.5");
  EXPECT_EQ(info.path, "github.com/example/app/cmd/app");
  EXPECT_EQ(info.main.path, "github.com/example/app");
  EXPECT_EQ(info.main.version, "(devel)");
  ASSERT_EQ(info.deps.size(), 3U);
  EXPECT_EQ(info.deps[0].path, "github.com/sirupsen/logrus");
  EXPECT_EQ(info.deps[0].version, "v1.9.0");
  EXPECT_EQ(info.deps[0].sum, "h1:trlNQbNUG3OdDrDil03MCb1H2o9nJ1x4/5LYw7byDE0=");
  EXPECT_FALSE(info.deps[0].replaced_by.has_value());
  ASSERT_TRUE(info.deps[1].replaced_by.has_value());
  EXPECT_EQ(info.deps[1].replaced_by->path, "golang.org/x/sys");
  EXPECT_EQ(info.deps[1].replaced_by->version, "v0.5.0");
  EXPECT_EQ(info.deps[2].sum, "");
  ASSERT_TRUE(info.deps[2].replaced_by.has_value());
  EXPECT_EQ(info.deps[2].replaced_by->path, "../bar");
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"-compiler", "gc"},
      {"-ldflags", "-X main.version=1.2.3 -s"},
      {"we ird=key", "raw value"},
      {"CGO_ENABLED", "1"},
      {"GOARCH", "arm64"}};
  EXPECT_EQ(info.settings, settings);
}

TEST(GoBuildInfo, PackagesUseReplacementsAndOsvStdlibVersion) {
  const auto packages = go_packages(must_parse(fake_binary(inline_blob("go1.21.5", k_modinfo))),
                                    "/usr/local/bin/app");
  ASSERT_EQ(packages.size(), 5U);
  EXPECT_EQ(packages[0].name, "github.com/example/app");
  EXPECT_EQ(packages[0].version, ""); // "(devel)"
  EXPECT_EQ(packages[0].namespace_, "github.com/example");
  EXPECT_EQ(packages[0].purl, "pkg:golang/github.com/example/app");
  EXPECT_EQ(packages[1].purl, "pkg:golang/github.com/sirupsen/logrus@v1.9.0");
  EXPECT_EQ(packages[2].name, "golang.org/x/sys");
  EXPECT_EQ(packages[2].version, "v0.5.0");
  EXPECT_EQ(packages[3].name, "github.com/foo/bar"); // local replacement keeps its own path
  EXPECT_EQ(packages[3].version, "");
  EXPECT_EQ(packages[4].name, "stdlib");
  EXPECT_EQ(packages[4].version, "1.21.5");
  EXPECT_EQ(packages[4].namespace_, "");
  EXPECT_EQ(packages[4].purl, "pkg:golang/stdlib@1.21.5");
  for (const auto& p : packages) {
    EXPECT_EQ(p.type, "golang");
    EXPECT_EQ(p.ecosystem, "Go");
    EXPECT_EQ(p.found_at, "/usr/local/bin/app");
  }
}

TEST(GoBuildInfo, StdlibVersionInOsvForm) {
  EXPECT_EQ(go_stdlib_version("go1.19.8"), "1.19.8");
  EXPECT_EQ(go_stdlib_version("go1.21"), "1.21.0");
  EXPECT_EQ(go_stdlib_version("go1.21rc2"), "1.21.0-rc.2");
  EXPECT_EQ(go_stdlib_version("go1.18beta1"), "1.18.0-beta.1");
  EXPECT_EQ(go_stdlib_version("go1.22.1 X:boringcrypto"), "1.22.1");
  EXPECT_EQ(go_stdlib_version("devel go1.23-abcdef"), "");
  EXPECT_EQ(go_stdlib_version("go1.x"), "");
  EXPECT_EQ(go_stdlib_version("go"), "");
}

TEST(GoBuildInfo, AnySplitOfTheFileGivesTheSameResult) {
  const auto file = fake_binary(inline_blob("go1.20.3", k_modinfo), 64);
  const auto whole = must_parse(file);
  ASSERT_FALSE(whole.deps.empty());
  // Every split point, including the 14 inside the magic.
  for (std::size_t split = 0; split <= file.size(); ++split) {
    GoBuildInfoScanner scanner;
    scanner.feed(std::span(file).first(split));
    scanner.feed(std::span(file).subspan(split));
    auto r = scanner.finish("bin");
    ASSERT_TRUE(r.has_value() && r->has_value()) << "split at " << split;
    EXPECT_EQ(**r, whole) << "split at " << split;
  }
  for (std::size_t chunk : {1U, 3U, 7U, 15U, 16U, 17U, 4093U}) {
    auto r = scan_in_chunks(file, chunk);
    ASSERT_TRUE(r.has_value() && r->has_value()) << "chunk " << chunk;
    EXPECT_EQ(**r, whole) << "chunk " << chunk;
  }
}

TEST(GoBuildInfo, NoBlobMeansNoInfo) {
  auto none = parse_go_buildinfo(to_bytes(std::string(5000, 'a')), "bin");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto empty = parse_go_buildinfo({}, "bin");
  ASSERT_TRUE(empty.has_value());
  EXPECT_FALSE(empty->has_value());
  // Off the 16-byte grid the magic is a string literal, not the blob.
  auto unaligned = parse_go_buildinfo(fake_binary(inline_blob("go1.20", k_modinfo), 4100), "bin");
  ASSERT_TRUE(unaligned.has_value());
  EXPECT_FALSE(unaligned->has_value());
  // An aligned literal followed by text instead of a pointer size and flags.
  auto literal = parse_go_buildinfo(fake_binary(k_magic + "not a header at all"), "bin");
  ASSERT_TRUE(literal.has_value());
  EXPECT_FALSE(literal->has_value());
}

TEST(GoBuildInfo, LiteralBeforeTheBlobDoesNotHideIt) {
  std::string file(32, 'x');
  file += k_magic + "xx"; // aligned but with an impossible pointer size
  file.append(16, 'y');
  file += inline_blob("go1.20", k_modinfo);
  auto r = parse_go_buildinfo(to_bytes(file), "bin");
  ASSERT_TRUE(r.has_value() && r->has_value());
  EXPECT_EQ((*r)->go_version, "go1.20");
}

TEST(GoBuildInfo, TruncatedAfterMagicIsAnError) {
  for (const std::string& tail : {k_magic, header(2).substr(0, 16), header(2).substr(0, 31)}) {
    auto file = fake_binary("", 48);
    file.resize(48);
    const auto t = to_bytes(tail);
    file.insert(file.end(), t.begin(), t.end());
    EXPECT_EQ(expect_error(parse_go_buildinfo(file, "bin"), ErrorKind::parse),
              "go build info truncated after its magic")
        << tail.size();
    EXPECT_FALSE(scan_in_chunks(file, 7).has_value());
  }
  // The header is whole but the version length never ends.
  auto cut = fake_binary("", 48);
  cut.resize(48);
  const auto h = to_bytes(header(2) + "\x85");
  cut.insert(cut.end(), h.begin(), h.end());
  EXPECT_EQ(expect_error(parse_go_buildinfo(cut, "bin"), ErrorKind::parse),
            "go build info version string runs past the end of the file");
}

TEST(GoBuildInfo, VarintOverflowIsAnError) {
  const auto file = fake_binary(header(2) + std::string(10, '\xff') + "\x01rest");
  EXPECT_EQ(expect_error(parse_go_buildinfo(file, "bin"), ErrorKind::parse),
            "go build info version string has an overlong length");
  const auto tenth = fake_binary(header(2) + std::string(9, '\x80') + "\x02");
  EXPECT_EQ(expect_error(parse_go_buildinfo(tenth, "bin"), ErrorKind::parse),
            "go build info version string has an overlong length");
}

TEST(GoBuildInfo, LengthBeyondEndIsAnError) {
  auto file = fake_binary("", 48);
  file.resize(48);
  const auto blob = to_bytes(header(2) + uvarint(100) + "go1.2");
  file.insert(file.end(), blob.begin(), blob.end());
  EXPECT_EQ(expect_error(parse_go_buildinfo(file, "bin"), ErrorKind::parse),
            "go build info version string runs past the end of the file");

  auto mod = fake_binary("", 48);
  mod.resize(48);
  const auto blob2 = to_bytes(header(2) + uvarint(6) + "go1.20" + uvarint(50) + "path\tx\n");
  mod.insert(mod.end(), blob2.begin(), blob2.end());
  EXPECT_EQ(expect_error(parse_go_buildinfo(mod, "bin"), ErrorKind::parse),
            "go build info module information runs past the end of the file");
}

TEST(GoBuildInfo, BlobBeyondCaptureLimitIsALimitError) {
  const std::size_t huge = moat::inventory::k_go_buildinfo_capture_limit + 10;
  const auto file =
      fake_binary(header(2) + uvarint(6) + "go1.20" + uvarint(huge) + std::string(huge, 'm'));
  EXPECT_EQ(expect_error(parse_go_buildinfo(file, "bin"), ErrorKind::limit),
            "go build info module information is larger than 1048576 bytes");
}

TEST(GoBuildInfo, PointerFormatIsReportedNotRead) {
  for (const std::uint8_t flags : {std::uint8_t{0}, std::uint8_t{1}}) {
    std::string blob = header(flags);
    blob.replace(16, 8, std::string("\x10\x20\x30\x00\x00\x00\x00\x00", 8));
    EXPECT_EQ(expect_error(parse_go_buildinfo(fake_binary(blob), "bin"), ErrorKind::parse),
              "go build info in pre-1.18 format not read");
  }
}

TEST(GoBuildInfo, EmptyVersionAndMissingSentinels) {
  EXPECT_EQ(expect_error(parse_go_buildinfo(fake_binary(inline_blob("", k_modinfo)), "bin"),
                         ErrorKind::parse),
            "go build info without a go version");
  // Module text without its sentinels is not module text (as Go reads it).
  const auto bare =
      fake_binary(header(2) + uvarint(6) + "go1.20" + uvarint(k_modinfo.size()) + k_modinfo);
  const auto info = must_parse(bare);
  EXPECT_EQ(info.go_version, "go1.20");
  EXPECT_TRUE(info.deps.empty());
  EXPECT_TRUE(info.path.empty());
  ASSERT_EQ(go_packages(info, "bin").size(), 1U); // stdlib only
}

TEST(GoBuildInfo, MalformedModuleLinesAreErrorsWithLines) {
  GoBuildInfo info;
  auto orphan = parse_go_modinfo("path\tx\n=>\ty\tv1.0.0\t\n", "bin", info);
  ASSERT_FALSE(orphan.has_value());
  EXPECT_EQ(orphan.error().line, 2);
  EXPECT_EQ(orphan.error().message, "go build info: replacement without a module before it");
  EXPECT_FALSE(parse_go_modinfo("dep\t\tv1\n", "bin", info).has_value());
  EXPECT_FALSE(parse_go_modinfo("dep\ta\tv1\th1:x\textra\n", "bin", info).has_value());
  EXPECT_FALSE(parse_go_modinfo("build\tnoequals\n", "bin", info).has_value());
  EXPECT_FALSE(parse_go_modinfo("build\t=value\n", "bin", info).has_value());
  EXPECT_FALSE(parse_go_modinfo("build\t\"unterminated=x\n", "bin", info).has_value());
  EXPECT_FALSE(parse_go_modinfo("build\tk=\"bad\\q\"\n", "bin", info).has_value());
  GoBuildInfo fine;
  ASSERT_TRUE(
      parse_go_modinfo("future\tline kind\nbuild\tk=\"\\u00e9\\x41\\101\\t\"\n", "bin", fine)
          .has_value());
  ASSERT_EQ(fine.settings.size(), 1U);
  EXPECT_EQ(fine.settings[0].second, "\xc3\xa9"
                                     "AA\t");
}

TEST(GoBuildInfo, LooksLikeElf) {
  EXPECT_TRUE(looks_like_elf(to_bytes("\x7f"
                                      "ELF\x02\x01")));
  EXPECT_FALSE(looks_like_elf(to_bytes("\x7f"
                                       "EL")));
  EXPECT_FALSE(looks_like_elf(to_bytes("MZ\x90\x00")));
  EXPECT_FALSE(looks_like_elf({}));
}

// Real Go binaries built by Debian 12 (runc, docker-registry). Debian links
// them from a GOPATH tree, so the blob holds "path" and "build" lines but no
// "mod"/"dep" lines; the expectations are checked against the raw bytes.
class RealGoBinary : public ::testing::TestWithParam<std::string> {};

TEST_P(RealGoBinary, MatchesTheRawBytesAndAnyChunking) {
  const std::filesystem::path path = GetParam();
  const auto file = read_binary(path);
  if (!file)
    GTEST_SKIP() << path << " is not installed (Debian package runc / docker-registry)";
  ASSERT_TRUE(looks_like_elf(*file));
  const auto info = must_parse(*file);

  // The version string sits right after the header as a length-prefixed "go1.N.M".
  EXPECT_TRUE(std::regex_match(info.go_version, std::regex(R"(go1\.\d+(\.\d+)?)")))
      << info.go_version;
  EXPECT_GE(
      count(*file, std::string(1, static_cast<char>(info.go_version.size())) + info.go_version), 1U)
      << "the length-prefixed version string";
  ASSERT_FALSE(info.path.empty());
  EXPECT_GE(count(*file, "path\t" + info.path + "\n"), 1U);
  EXPECT_EQ(info.deps.size(), count(*file, "\ndep\t"));
  EXPECT_EQ(info.main.path.empty(), count(*file, "\nmod\t") == 0);
  EXPECT_FALSE(info.settings.empty());
  EXPECT_TRUE(std::ranges::any_of(
      info.settings, [](const auto& kv) { return kv.first == "-compiler" && kv.second == "gc"; }));
  for (const auto& [key, value] : info.settings)
    EXPECT_GE(count(*file, "build\t" + key + "=" + value + "\n"), 1U) << key;

  const auto packages = go_packages(info, path.string());
  ASSERT_FALSE(packages.empty());
  EXPECT_EQ(packages.front().name, info.main.path.empty() ? info.path : info.main.path);
  EXPECT_EQ(packages.back().name, "stdlib");
  EXPECT_EQ(packages.back().version, info.go_version.substr(2));

  for (std::size_t chunk : {1U, 7U, 4093U}) {
    if (chunk == 1 && file->size() > (std::size_t{16} << 20U))
      continue; // one-byte feeding of a 20 MB file is slow under the sanitizers
    auto r = scan_in_chunks(*file, chunk);
    ASSERT_TRUE(r.has_value() && r->has_value()) << "chunk " << chunk;
    EXPECT_EQ(**r, info) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Debian, RealGoBinary,
                         ::testing::Values("/usr/sbin/runc", "/usr/bin/docker-registry"));

TEST(RealGoBinaryValues, DebianRuncIsTheRuncProgram) {
  const auto file = read_binary("/usr/sbin/runc");
  if (!file)
    GTEST_SKIP() << "/usr/sbin/runc is not installed (Debian package runc)";
  const auto info = must_parse(*file);
  EXPECT_EQ(info.path, "github.com/opencontainers/runc");
  EXPECT_TRUE(std::ranges::any_of(info.settings, [](const auto& kv) {
    return kv.first == "-tags" && kv.second.find("seccomp") != std::string::npos;
  }));
  const auto packages = go_packages(info, "/usr/sbin/runc");
  ASSERT_EQ(packages.size(), 2U + info.deps.size());
  EXPECT_EQ(packages[0].namespace_, "github.com/opencontainers");
  EXPECT_EQ(packages[0].purl, "pkg:golang/github.com/opencontainers/runc");
  EXPECT_EQ(packages[0].found_at, "/usr/sbin/runc");
}
