// scan_layer and its helpers: one streamed pass over a layer blob, nothing
// extracted, hostile entries noted, limits enforced, the digest verified.

#include "image_builder.hpp"
#include "testutil.hpp"

#include <moat/image/layer.hpp>
#include <moat/secrets/engine.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace moat::image;
using moat::core::ErrorKind;
using namespace moat::test;
namespace fs = std::filesystem;

namespace {

ScanLimits default_limits() {
  return ScanLimits{};
}

moat::core::Result<LayerScan> scan(const std::string& blob, std::string_view digest = {},
                                   const ScanLimits& limits = default_limits(),
                                   std::size_t chunk = std::size_t{1} << 30U) {
  StringReader reader(blob, "layer.tar", chunk);
  std::atomic<std::uint64_t> budget{limits.max_entries};
  return scan_layer(reader, digest, limits, budget);
}

const std::string* captured_at(const LayerScan& s, std::string_view path) {
  for (const auto& c : s.captured)
    if (s.entries[c.entry].path == path)
      return &c.content;
  return nullptr;
}

std::vector<TarEntry> sample_entries() {
  return {
      tar_dir("etc"),
      tar_file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
      tar_file("usr/bin/su", std::string(100, 's'), 04755),
      tar_file("home/app/notes.txt", "hello", 0600, 1000, 1000),
      tar_symlink("usr/bin/sh", "busybox"),
      tar_hardlink("usr/bin/su2", "usr/bin/su"),
      tar_device("dev/null", EntryKind::char_device, 1, 3),
      tar_device("dev/sda", EntryKind::block_device, 8, 0),
      [] {
        TarEntry f;
        f.path = "run/fifo";
        f.kind = EntryKind::fifo;
        return f;
      }(),
      tar_whiteout("etc/old.conf"),
      tar_opaque("var/cache"),
      tar_file("var/.wh..wh.plnk", ""), // aufs bookkeeping, not a whiteout
      tar_file("./leading/dot", "x"),
  };
}

// --- same entries whatever the compression -----------------------------------

TEST(ScanLayer, SameEntriesForGzipZstdAndPlain) {
  const auto entries = sample_entries();
  std::vector<LayerScan> scans;
  for (const auto c : {Compression::none, Compression::gzip, Compression::zstd}) {
    const auto blob = make_tar(entries, c);
    auto s = scan(blob, sha256_digest(blob));
    ASSERT_TRUE(s) << s.error().to_string();
    EXPECT_EQ(s->digest, sha256_digest(blob));
    EXPECT_EQ(s->compressed_bytes, blob.size());
    EXPECT_GT(s->uncompressed_bytes, 0U);
    scans.push_back(std::move(*s));
  }
  const auto& plain = scans[0];
  for (std::size_t k = 1; k < scans.size(); ++k) {
    ASSERT_EQ(scans[k].entries.size(), plain.entries.size());
    for (std::size_t i = 0; i < plain.entries.size(); ++i) {
      const auto& a = plain.entries[i];
      const auto& b = scans[k].entries[i];
      EXPECT_EQ(a.path, b.path);
      EXPECT_EQ(a.type, b.type) << a.path;
      EXPECT_EQ(a.mode, b.mode) << a.path;
      EXPECT_EQ(a.uid, b.uid) << a.path;
      EXPECT_EQ(a.gid, b.gid) << a.path;
      EXPECT_EQ(a.size, b.size) << a.path;
      EXPECT_EQ(a.link, b.link) << a.path;
    }
    EXPECT_EQ(scans[k].uncompressed_bytes, plain.uncompressed_bytes);
  }

  // What the entries are, once.
  EXPECT_EQ(plain.entries.size(), entries.size() - 1); // the aufs entry is dropped
  ASSERT_NE(entry_at(plain, "etc"), nullptr);
  EXPECT_EQ(entry_at(plain, "etc")->type, EntryType::directory);
  ASSERT_NE(entry_at(plain, "usr/bin/su"), nullptr);
  EXPECT_EQ(entry_at(plain, "usr/bin/su")->mode, 04755U);
  EXPECT_EQ(entry_at(plain, "usr/bin/su")->size, 100U);
  ASSERT_NE(entry_at(plain, "home/app/notes.txt"), nullptr);
  EXPECT_EQ(entry_at(plain, "home/app/notes.txt")->uid, 1000U);
  EXPECT_EQ(entry_at(plain, "home/app/notes.txt")->gid, 1000U);
  EXPECT_EQ(entry_at(plain, "home/app/notes.txt")->mode, 0600U);
  ASSERT_NE(entry_at(plain, "usr/bin/sh"), nullptr);
  EXPECT_EQ(entry_at(plain, "usr/bin/sh")->type, EntryType::symlink);
  EXPECT_EQ(entry_at(plain, "usr/bin/sh")->link, "busybox");
  ASSERT_NE(entry_at(plain, "usr/bin/su2"), nullptr);
  // A hard link to a file of the same layer reads as that file.
  EXPECT_EQ(entry_at(plain, "usr/bin/su2")->type, EntryType::file);
  EXPECT_EQ(entry_at(plain, "usr/bin/su2")->mode, entry_at(plain, "usr/bin/su")->mode);
  EXPECT_EQ(entry_at(plain, "usr/bin/su2")->link, "usr/bin/su");
  EXPECT_EQ(entry_at(plain, "dev/null")->type, EntryType::char_device);
  EXPECT_EQ(entry_at(plain, "dev/sda")->type, EntryType::block_device);
  EXPECT_EQ(entry_at(plain, "run/fifo")->type, EntryType::fifo);
  ASSERT_NE(entry_at(plain, "etc/old.conf"), nullptr);
  EXPECT_EQ(entry_at(plain, "etc/old.conf")->type, EntryType::whiteout);
  ASSERT_NE(entry_at(plain, "var/cache"), nullptr);
  EXPECT_EQ(entry_at(plain, "var/cache")->type, EntryType::opaque);
  EXPECT_EQ(entry_at(plain, "var/.wh..wh.plnk"), nullptr);
  EXPECT_NE(entry_at(plain, "leading/dot"), nullptr);
  // Captured by path.
  ASSERT_NE(captured_at(plain, "etc/passwd"), nullptr);
  EXPECT_EQ(*captured_at(plain, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  EXPECT_EQ(captured_at(plain, "home/app/notes.txt"), nullptr);
}

TEST(ScanLayer, SmallReadsGiveTheSameScan) {
  const auto blob = make_tar(sample_entries(), Compression::gzip);
  auto whole = scan(blob);
  auto chunked = scan(blob, sha256_digest(blob), default_limits(), 13);
  ASSERT_TRUE(whole && chunked) << (chunked ? "" : chunked.error().to_string());
  EXPECT_EQ(whole->entries.size(), chunked->entries.size());
  EXPECT_EQ(whole->captured.size(), chunked->captured.size());
}

TEST(ScanLayer, OpaqueMarkerAtTheRoot) {
  auto s = scan(make_tar({tar_file(".wh..wh..opq", ""), tar_file("a", "x")}));
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->entries.size(), 2U);
  EXPECT_EQ(s->entries[0].type, EntryType::opaque);
  EXPECT_EQ(s->entries[0].path, "");
}

// --- digests ---------------------------------------------------------------

TEST(ScanLayer, DigestVerified) {
  const auto blob = make_tar({tar_file("a", "x")}, Compression::gzip);
  auto right = scan(blob, sha256_digest(blob));
  ASSERT_TRUE(right) << right.error().to_string();

  const auto wrong_digest = sha256_digest("something else");
  auto wrong = scan(blob, wrong_digest);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, ErrorKind::parse);
  EXPECT_EQ(wrong.error().input, "layer.tar");
  EXPECT_NE(wrong.error().message.find("digest mismatch"), std::string::npos);
  EXPECT_NE(wrong.error().message.find(wrong_digest), std::string::npos);
  EXPECT_NE(wrong.error().message.find(sha256_digest(blob)), std::string::npos);

  auto other_algorithm = scan(blob, "sha512:" + std::string(128, 'a'));
  ASSERT_FALSE(other_algorithm);
  EXPECT_NE(other_algorithm.error().message.find("unsupported digest"), std::string::npos);
}

TEST(ScanLayer, DigestCoversBytesAfterTheEndOfArchive) {
  // Real layer blobs carry padding after the end blocks; it is part of the digest.
  const auto blob = make_tar({tar_file("a", "x")}) + std::string(9216, '\0');
  auto s = scan(blob, sha256_digest(blob));
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->compressed_bytes, blob.size());
}

TEST(ScanLayer, CorruptedGzipBlobReportsDigestMismatch) {
  std::vector<TarEntry> entries;
  for (int i = 0; i < 20; ++i)
    entries.push_back(tar_file(fmt::format("f{}", i), fmt::format("content {}\n", i * 7919)));
  const auto good = make_tar(entries, Compression::gzip);
  auto corrupted = good;
  corrupted[corrupted.size() / 2] = static_cast<char>(corrupted[corrupted.size() / 2] ^ 0x55);
  auto s = scan(corrupted, sha256_digest(good));
  ASSERT_FALSE(s);
  if (s.error().message.find("digest mismatch") == std::string::npos)
    FAIL() << "regression: a corrupted gzip layer with a known digest is reported as '"
           << s.error().message
           << "' instead of a digest mismatch (layer.cpp scan_layer returns the "
              "decompression error before the digest is compared)";
}

// --- capture_kind and normalize_entry_path -----------------------------------

TEST(CaptureKind, Table) {
  const std::vector<std::pair<std::string, Capture>> cases = {
      {"etc/os-release", Capture::text},
      {"usr/lib/os-release", Capture::text},
      {"etc/passwd", Capture::text},
      {"etc/shadow", Capture::text},
      {"etc/group", Capture::text},
      {"etc/gshadow", Capture::text},
      {"var/lib/dpkg/status", Capture::database},
      {"var/lib/dpkg/status.d/base", Capture::database},
      {"var/lib/dpkg/status.d/base.md5sums", Capture::none},
      {"var/lib/dpkg/info/bash.list", Capture::text},
      {"var/lib/dpkg/info/bash.md5sums", Capture::none},
      {"lib/apk/db/installed", Capture::database},
      {"etc/alpine-release", Capture::text},
      {"etc/debian_version", Capture::text},
      {"var/lib/rpm/rpmdb.sqlite", Capture::database},
      {"usr/lib/sysimage/rpm/rpmdb.sqlite", Capture::database},
      {"usr/lib/python3/dist-packages/requests-2.0.dist-info/METADATA", Capture::database},
      {"usr/lib/python3/site-packages/foo.egg-info/PKG-INFO", Capture::database},
      {"usr/lib/python3/site-packages/foo.egg-info", Capture::database},
      {"app/METADATA", Capture::none},
      {"app/node_modules/left-pad/package.json", Capture::database},
      {"app/node_modules/@scope/pkg/package.json", Capture::database},
      {"node_modules/left-pad/package.json", Capture::database},
      {"app/package.json", Capture::none},
      {"app/node_modules/a/lib/package.json", Capture::none},
      {"app/xnode_modules/a/package.json", Capture::none},
      {"app/.env", Capture::credential},
      {"root/.npmrc", Capture::credential},
      {"root/.git-credentials", Capture::credential},
      {"root/.pypirc", Capture::credential},
      {"root/.netrc", Capture::credential},
      {"root/.pgpass", Capture::credential},
      {"root/.ssh/id_rsa", Capture::credential},
      {"root/.ssh/id_ed25519", Capture::credential},
      {"root/.ssh/id_rsa.pub", Capture::none},
      {"root/.docker/config.json", Capture::credential},
      {"root/.aws/credentials", Capture::credential},
      {"root/.aws/config", Capture::none},
      {"opt/app/lib/app.jar", Capture::archive},
      {"opt/app/app.war", Capture::archive},
      {"opt/app/app.ear", Capture::archive},
      {"etc/passwd-", Capture::none},
      {"usr/share/doc/os-release", Capture::none},
      {"", Capture::none},
  };
  for (const auto& [path, want] : cases)
    EXPECT_EQ(capture_kind(path), want) << path;
}

TEST(NormalizeEntryPath, Table) {
  struct Case {
    std::string raw;
    bool ok;
    std::string out;
    bool absolute;
  };
  const std::vector<Case> cases = {
      {"a/b", true, "a/b", false},
      {"./a/b", true, "a/b", false},
      {"a//b/./c/", true, "a/b/c", false},
      {"/etc/passwd", true, "etc/passwd", true},
      {"//etc", true, "etc", true},
      {"a/../b", true, "b", false},
      {"a/b/../../c", true, "c", false},
      {"/a/..", true, "", true},
      {".", true, "", false},
      {"./", true, "", false},
      {"", true, "", false},
      {"..", false, "", false},
      {"../x", false, "", false},
      {"a/../../x", false, "", false},
      {"/../etc/passwd", false, "", true},
      {"a/./../..", false, "", false},
      {"..a/b..", true, "..a/b..", false},
  };
  for (const auto& c : cases) {
    std::string out = "junk";
    bool absolute = !c.absolute;
    std::string problem;
    const bool ok = normalize_entry_path(c.raw, out, absolute, problem);
    EXPECT_EQ(ok, c.ok) << c.raw;
    EXPECT_EQ(absolute, c.absolute) << c.raw;
    if (c.ok) {
      EXPECT_EQ(out, c.out) << c.raw;
    } else {
      EXPECT_NE(problem.find("traversal"), std::string::npos) << c.raw << ": " << problem;
    }
  }
}

// --- private keys ---------------------------------------------------------------

// PEM texts made by openssl once per run (no key material in the source tree).
struct Pems {
  std::string pkcs8;         // "PRIVATE KEY"
  std::string ec;            // "EC PRIVATE KEY"
  std::string rsa;           // "RSA PRIVATE KEY"
  std::string rsa_encrypted; // "RSA PRIVATE KEY" with Proc-Type/DEK-Info headers
  std::string encrypted;     // "ENCRYPTED PRIVATE KEY"
  std::string openssh;       // "OPENSSH PRIVATE KEY" (empty when ssh-keygen is missing)
  std::string public_key;
  std::string certificate;
  bool ok = false;
};

const Pems& pems() {
  static const Pems p = [] {
    Pems out;
    TempDir dir;
    const auto d = dir.path().string();
    auto run = [](const std::string& cmd) { return command_output(cmd + " 2>/dev/null"); };
    auto pkcs8 =
        run("openssl genpkey -algorithm ed25519 -out '" + d + "/k.pem' && cat '" + d + "/k.pem'");
    auto ec = run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | openssl ec");
    auto rsa = run("openssl genrsa -traditional 1024");
    auto rsa_enc = run("openssl genrsa -traditional -aes128 -passout pass:x 1024");
    auto enc = run("openssl genpkey -algorithm ed25519 -aes-128-cbc -pass pass:x");
    auto pub = run("openssl pkey -in '" + d + "/k.pem' -pubout");
    auto cert = run("openssl req -x509 -new -key '" + d + "/k.pem' -subj /CN=moat-test -days 1");
    auto ssh =
        run("ssh-keygen -q -t ed25519 -N '' -C test -f '" + d + "/id' && cat '" + d + "/id'");
    if (!pkcs8 || !ec || !rsa || !rsa_enc || !enc || !pub || !cert)
      return out;
    out = Pems{*pkcs8, *ec, *rsa, *rsa_enc, *enc, ssh.value_or(""), *pub, *cert, true};
    return out;
  }();
  return p;
}

// The label of the first private key the secret engine finds in TEXT
// ("RSA PRIVATE KEY"); empty when it finds none.
std::string key_label(std::string_view text) {
  auto hits = moat::secrets::scan_text(text);
  if (!hits)
    return "error: " + hits.error().to_string();
  for (const auto& h : *hits)
    if (h.rule->id == "SE007") {
      const std::string_view r = h.redacted;
      const auto open = r.find("-----BEGIN ");
      const auto close = r.find("-----", open + 11);
      if (open == 0 && close != std::string_view::npos)
        return std::string(r.substr(11, close - 11));
    }
  return {};
}

TEST(PrivateKeys, RealKeysOfEveryKind) {
  const auto& p = pems();
  if (!p.ok)
    GTEST_SKIP() << "openssl is not available to make test keys";
  EXPECT_EQ(key_label(p.pkcs8), "PRIVATE KEY");
  EXPECT_EQ(key_label(p.ec), "EC PRIVATE KEY");
  EXPECT_EQ(key_label(p.rsa), "RSA PRIVATE KEY");
  EXPECT_EQ(key_label(p.rsa_encrypted), "RSA PRIVATE KEY");
  EXPECT_EQ(key_label(p.encrypted), "ENCRYPTED PRIVATE KEY");
  if (!p.openssh.empty()) {
    EXPECT_EQ(key_label(p.openssh), "OPENSSH PRIVATE KEY");
  }
  // Inside other text, with Windows line ends, after a public key.
  EXPECT_EQ(key_label("config:\n" + p.rsa + "\nmore"), "RSA PRIVATE KEY");
  std::string crlf;
  for (const char c : p.pkcs8) {
    if (c == '\n')
      crlf += '\r';
    crlf += c;
  }
  EXPECT_EQ(key_label(crlf), "PRIVATE KEY");
  EXPECT_EQ(key_label(p.public_key + p.certificate + p.ec), "EC PRIVATE KEY");
  // Cut short after its first lines: still a key.
  EXPECT_EQ(key_label(p.rsa.substr(0, p.rsa.find('\n', p.rsa.find('\n') + 1) + 1)),
            "RSA PRIVATE KEY");
  // A whole key is reported once, not again for its first line.
  auto hits = moat::secrets::scan_text(p.rsa);
  ASSERT_TRUE(hits);
  EXPECT_EQ(hits->size(), 1U);
}

TEST(PrivateKeys, NotKeys) {
  const auto& p = pems();
  if (!p.ok)
    GTEST_SKIP() << "openssl is not available to make test keys";
  EXPECT_EQ(key_label(p.public_key), "");
  EXPECT_EQ(key_label(p.certificate), "");
  EXPECT_EQ(key_label(""), "");
  // The marker alone, the way parsers and tests mention it.
  EXPECT_EQ(key_label("if (line == \"-----BEGIN RSA PRIVATE KEY-----\") {\n  return "
                      "parse_rsa(lines);\n}\n"),
            "");
  EXPECT_EQ(key_label("PEM_HEADER = '''\n-----BEGIN PRIVATE KEY-----\n'''\n"
                      "def load(text):\n    return text\n"),
            "");
  EXPECT_EQ(key_label("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"), "");
  // A truncated body: too short to be a key.
  const auto first_line_end = p.rsa.find('\n');
  EXPECT_EQ(key_label(p.rsa.substr(0, first_line_end + 1) + "MIICXAIBAAKBgQ\n"), "");
  // Lower-case labels are not PEM private keys.
  EXPECT_EQ(key_label("-----BEGIN my private key-----\n" + std::string(64, 'A') + "\n"), "");
}

TEST(ScanLayer, FindsKeysByContentWhateverTheirSize) {
  const auto& p = pems();
  if (!p.ok)
    GTEST_SKIP() << "openssl is not available to make test keys";
  ScanLimits limits;
  limits.scan_secrets = true;
  const std::string padded = std::string(5U << 20U, '#') + "\n" + p.rsa;
  auto s =
      scan(make_tar({tar_file("srv/tls/server.pem", p.rsa), tar_file("srv/pub.pem", p.public_key),
                     tar_file("srv/big.pem", padded), tar_file("root/.ssh/id_ecdsa", p.ec)},
                    Compression::gzip),
           {}, limits);
  ASSERT_TRUE(s) << s.error().to_string();
  std::map<std::string, std::string> found;
  for (const auto& k : s->secrets)
    found[s->entries[k.entry].path] =
        std::string(k.rule->id) + " " + k.redacted.substr(0, k.redacted.find("----- ") + 5);
  EXPECT_EQ(found.size(), 3U);
  EXPECT_EQ(found["srv/tls/server.pem"], "SE007 -----BEGIN RSA PRIVATE KEY-----");
  EXPECT_EQ(found["root/.ssh/id_ecdsa"], "SE007 -----BEGIN EC PRIVATE KEY-----");
  EXPECT_EQ(found["srv/big.pem"], "SE007 -----BEGIN RSA PRIVATE KEY-----"); // no size cap
  EXPECT_FALSE(found.contains("srv/pub.pem"));
}

// --- captures and limits on them -------------------------------------------------

TEST(ScanLayer, CapturesOnlyWhatFitsItsLimit) {
  ScanLimits limits;
  limits.max_capture = 64;
  auto s = scan(
      make_tar({tar_file("etc/passwd", std::string(100, 'p')), tar_file("etc/group", "root:x:0:\n"),
                tar_file("root/.npmrc", "//registry.npmjs.org/:_authToken=abc\n")}),
      {}, limits);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(captured_at(*s, "etc/passwd"), nullptr);
  ASSERT_NE(captured_at(*s, "etc/group"), nullptr);
  ASSERT_NE(captured_at(*s, "root/.npmrc"), nullptr);
  ASSERT_EQ(s->notes.size(), 1U);
  EXPECT_NE(s->notes[0].find("/etc/passwd"), std::string::npos) << s->notes[0];
}

TEST(ScanLayer, NotesRpmDatabasesItCannotRead) {
  auto s = scan(make_tar({tar_file("var/lib/rpm/Packages", "bdb"),
                          tar_file("usr/lib/sysimage/rpm/Packages.db", "ndb")}));
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->notes.size(), 2U);
  EXPECT_NE(s->notes[0].find("BerkeleyDB"), std::string::npos);
  EXPECT_NE(s->notes[1].find("NDB"), std::string::npos);
}

// --- hostile archives ---------------------------------------------------------

TEST(ScanLayer, HostileEntriesAreAnomaliesAndTheScanContinues) {
  const std::vector<TarEntry> entries = {
      tar_file("../evil", "x"),
      tar_file("a/../../evil2", "x"),
      tar_file("/abs/file", "x"),
      tar_dir("a"),
      tar_symlink("a/b", "../../../etc"),
      tar_symlink("a/ok", "../etc/passwd"), // stays inside
      tar_symlink("a/abs", "/etc/passwd"),  // absolute targets resolve in the root
      tar_hardlink("h", "../x"),
      tar_hardlink("h2", "a/../a/ok"), // inside
      tar_device("dev/kmem", EntryKind::char_device, 1, 2),
      tar_device("dev/sda", EntryKind::block_device, 8, 0),
      tar_file("after/ok.txt", "still scanned"),
  };
  for (const auto c : {Compression::none, Compression::gzip}) {
    auto s = scan(make_tar(entries, c));
    ASSERT_TRUE(s) << s.error().to_string();
    std::map<std::string, std::string> problems;
    for (const auto& a : s->anomalies)
      problems[a.path] += a.problem + ";";
    EXPECT_EQ(problems.size(), 7U);
    EXPECT_NE(problems["../evil"].find("traversal"), std::string::npos);
    EXPECT_NE(problems["a/../../evil2"].find("traversal"), std::string::npos);
    EXPECT_NE(problems["/abs/file"].find("absolute"), std::string::npos);
    EXPECT_NE(problems["a/b"].find("above the root"), std::string::npos);
    EXPECT_NE(problems["h"].find("hard link"), std::string::npos);
    EXPECT_NE(problems["dev/kmem"].find("device"), std::string::npos);
    EXPECT_NE(problems["dev/sda"].find("device"), std::string::npos);
    // Traversal entries are not entries of the image; the others are, normalised.
    EXPECT_EQ(entry_at(*s, "evil"), nullptr);
    EXPECT_EQ(entry_at(*s, "../evil"), nullptr);
    EXPECT_NE(entry_at(*s, "abs/file"), nullptr);
    ASSERT_NE(entry_at(*s, "a/b"), nullptr);
    EXPECT_EQ(entry_at(*s, "a/b")->link, "../../../etc");
    EXPECT_NE(entry_at(*s, "dev/kmem"), nullptr);
    EXPECT_NE(entry_at(*s, "after/ok.txt"), nullptr);
  }
}

TEST(ScanLayer, WritesNothingToDisk) {
  TempDir work;
  const auto cwd = fs::current_path();
  const auto escaped = work.path().filename().string() + "-escaped";
  const auto absolute = work.path() / "sub" / "abs-written";
  const auto blob =
      make_tar({tar_file("plain.txt", "x"), tar_dir("d"), tar_file("../" + escaped, "x"),
                tar_file(absolute.string(), "x"), tar_symlink("link", "../../../../tmp"),
                tar_file("link/through-link", "x"), tar_hardlink("hl", "../../etc/passwd"),
                tar_device("dev/null", EntryKind::char_device, 1, 3)},
               Compression::gzip);
  fs::create_directories(work.path() / "cwd");
  fs::current_path(work.path() / "cwd");
  auto s = scan(blob);
  fs::current_path(cwd);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_TRUE(fs::is_empty(work.path() / "cwd"));
  EXPECT_FALSE(fs::exists(work.path() / escaped));
  EXPECT_FALSE(fs::exists(work.path().parent_path() / escaped));
  EXPECT_FALSE(fs::exists(absolute));
  EXPECT_FALSE(fs::exists(work.path() / "sub"));
}

// --- limits -------------------------------------------------------------------

// A layer of zeros (a preallocated file, a disk image) compresses a
// thousandfold; it is streamed, not extracted, so it is read, not refused.
TEST(ScanLayer, HighlyCompressibleLayerIsRead) {
  for (const auto c : {Compression::gzip, Compression::zstd}) {
    const auto zeros = make_tar({tar_zeros("disk.img", std::uint64_t{64} << 20U)}, c);
    ASSERT_LT(zeros.size(), std::size_t{1} << 20U); // over 64:1
    auto s = scan(zeros, sha256_digest(zeros));
    ASSERT_TRUE(s) << s.error().to_string();
    EXPECT_EQ(s->uncompressed_bytes / (std::uint64_t{1} << 20U), 64U);
  }
}

TEST(ScanLayer, MaxUncompressedIsALimitError) {
  ScanLimits limits;
  limits.max_uncompressed = std::uint64_t{1} << 20U;
  auto s = scan(make_tar({tar_zeros("zeros", std::uint64_t{4} << 20U)}), {}, limits);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::limit);
  EXPECT_NE(s.error().message.find("expands beyond 1048576 bytes (--max-layer-size raises the "
                                   "limit)"),
            std::string::npos)
      << s.error().message;
}

TEST(ScanLayer, EntryCountLimit) {
  ScanLimits limits;
  limits.max_entries = 3;
  std::vector<TarEntry> five;
  for (int i = 0; i < 5; ++i)
    five.push_back(tar_file(fmt::format("f{}", i), "x"));
  auto s = scan(make_tar(five), {}, limits);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::limit);
  EXPECT_NE(s.error().message.find("more than 3 files in the image (--max-files raises the limit)"),
            std::string::npos)
      << s.error().message;

  // Exactly the limit is fine.
  five.resize(3);
  EXPECT_TRUE(scan(make_tar(five), {}, limits));

  // The budget is shared by the layers of an image.
  std::atomic<std::uint64_t> budget{limits.max_entries};
  const auto two = make_tar({tar_file("a", "x"), tar_file("b", "y")});
  StringReader first(two);
  StringReader second(two);
  EXPECT_TRUE(scan_layer(first, {}, limits, budget));
  auto over = scan_layer(second, {}, limits, budget);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, ErrorKind::limit);
}

// --- malformed and empty input ------------------------------------------------

TEST(ScanLayer, TruncatedGzipIsAParseError) {
  std::vector<TarEntry> entries;
  for (int i = 0; i < 50; ++i)
    entries.push_back(
        tar_file(fmt::format("dir/file{}", i), std::string(2000, static_cast<char>('a' + i % 26))));
  const auto blob = make_tar(entries, Compression::gzip);
  auto s = scan(blob.substr(0, blob.size() / 2));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::parse);
  EXPECT_EQ(s.error().input, "layer.tar");
}

TEST(ScanLayer, TruncatedPlainTarIsAParseError) {
  const auto blob = make_tar({tar_file("big", std::string(10000, 'b'))});
  auto s = scan(blob.substr(0, 4000));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::parse);
}

TEST(ScanLayer, GarbageIsAnError) {
  for (const std::string& junk :
       {std::string(4096, 'A'), std::string("\x1f\x8b garbage that claims to be gzip"),
        std::string("{\"schemaVersion\": 2}")}) {
    auto s = scan(junk);
    ASSERT_FALSE(s) << junk.substr(0, 10);
    EXPECT_EQ(s.error().kind, ErrorKind::parse);
  }
}

TEST(ScanLayer, EmptyLayersHaveNoEntries) {
  auto empty = scan("", sha256_digest(""));
  ASSERT_TRUE(empty) << empty.error().to_string();
  EXPECT_TRUE(empty->entries.empty());
  EXPECT_EQ(empty->digest,
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  const std::string zeros(1024, '\0');
  auto end_only = scan(zeros, sha256_digest(zeros));
  ASSERT_TRUE(end_only) << end_only.error().to_string();
  EXPECT_TRUE(end_only->entries.empty());
  EXPECT_EQ(end_only->compressed_bytes, 1024U);

  const auto gz = make_tar({}, Compression::gzip);
  auto empty_gzip = scan(gz, sha256_digest(gz));
  ASSERT_TRUE(empty_gzip) << empty_gzip.error().to_string();
  EXPECT_TRUE(empty_gzip->entries.empty());
}

// --- directories (dir:// targets) ----------------------------------------------

TEST(ScanDirectory, ReadsARootFileSystem) {
  TempDir root;
  root.write("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  root.write("usr/bin/tool", "#!/bin/sh\n");
  fs::permissions(root.path() / "usr/bin/tool", fs::perms(04755), fs::perm_options::replace);
  auto s = scan_directory(root.path().string(), "dir://root", ScanLimits{});
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->entries.size(), 5U); // etc, etc/passwd, usr, usr/bin, usr/bin/tool
  ASSERT_NE(entry_at(*s, "etc/passwd"), nullptr);
  ASSERT_NE(entry_at(*s, "etc"), nullptr);
  EXPECT_EQ(entry_at(*s, "etc")->type, EntryType::directory);
  ASSERT_NE(entry_at(*s, "usr/bin/tool"), nullptr);
  EXPECT_EQ(entry_at(*s, "usr/bin/tool")->mode, 04755U);
  EXPECT_EQ(entry_at(*s, "usr/bin/tool")->type, EntryType::file);
  ASSERT_NE(captured_at(*s, "etc/passwd"), nullptr);
  EXPECT_EQ(*captured_at(*s, "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");

  auto missing = scan_directory((root.path() / "nope").string(), "dir://nope", ScanLimits{});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().input, "dir://nope");

  ScanLimits tiny;
  tiny.max_entries = 2;
  auto over = scan_directory(root.path().string(), "dir://root", tiny);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().kind, ErrorKind::limit);
}

TEST(ScanDirectory, SymlinksKeepTheirOwnPath) {
  TempDir root;
  root.write("usr/bin/tool", "#!/bin/sh\n");
  fs::create_symlink("tool", root.path() / "usr/bin/alias"); // relative, inside
  fs::create_symlink("/etc/hostname",
                     root.path() / "usr/bin/host"); // absolute: the image's, not the host's
  auto s = scan_directory(root.path().string(), "dir://root", ScanLimits{});
  ASSERT_TRUE(s) << s.error().to_string();
  std::vector<std::string> paths;
  for (const auto& e : s->entries)
    paths.push_back(e.path);
  const auto* alias = entry_at(*s, "usr/bin/alias");
  const auto* host = entry_at(*s, "usr/bin/host");
  if (alias == nullptr || host == nullptr)
    FAIL() << "regression: scan_directory names a symlink by its resolved target (layer.cpp:505 "
              "uses fs::relative, which follows symlinks, even into the host's own file "
              "system for absolute targets); entries: "
           << fmt::format("{}", fmt::join(paths, ", "));
  EXPECT_EQ(alias->type, EntryType::symlink);
  EXPECT_EQ(alias->link, "tool");
  EXPECT_EQ(host->type, EntryType::symlink);
  EXPECT_EQ(host->link, "/etc/hostname");
  for (const auto& p : paths)
    EXPECT_FALSE(p.starts_with("..")) << p;
}

} // namespace

namespace moat::test {
namespace {

// gzip of DATA by the gzip program (a second, independent compressor).
std::optional<std::string> gzip_of(const std::string& data) {
  TempDir dir;
  write_file(dir.path() / "in", data);
  return command_output("gzip -c -n '" + (dir.path() / "in").string() + "'");
}

std::vector<std::string> paths_of(const LayerScan& s) {
  std::vector<std::string> out;
  for (const auto& e : s.entries)
    out.push_back(e.path);
  return out;
}

const std::vector<TarEntry>& two_files() {
  static const std::vector<TarEntry> entries = {tar_file("etc/a", std::string(70000, 'a')),
                                                tar_file("etc/b", "bee\n")};
  return entries;
}

// Concatenated gzip members are one stream (gzip -dc reads them so).
TEST(ScanLayerGzip, ConcatenatedMembersAreOneStream) {
  const auto tar = make_tar(two_files(), Compression::none);
  const auto first = gzip_of(tar.substr(0, 1000));
  const auto second = gzip_of(tar.substr(1000));
  if (!first || !second)
    GTEST_SKIP() << "gzip is not installed";
  const auto blob = *first + *second;
  for (const std::size_t chunk : {std::size_t{1} << 30U, std::size_t{7}, std::size_t{4096}}) {
    auto s = scan(blob, sha256_digest(blob), default_limits(), chunk);
    ASSERT_TRUE(s) << s.error().to_string();
    EXPECT_EQ(paths_of(*s), (std::vector<std::string>{"etc/a", "etc/b"})) << chunk;
    EXPECT_EQ(s->compressed_bytes, blob.size());
  }
}

// Zero padding after the gzip stream is ignored, as gzip -d does, and still
// counts in the blob's digest.
TEST(ScanLayerGzip, TrailingZerosAreIgnoredButDigested) {
  const auto gz = gzip_of(make_tar(two_files(), Compression::none));
  if (!gz)
    GTEST_SKIP() << "gzip is not installed";
  const auto blob = *gz + std::string(512, '\0');
  auto s = scan(blob, sha256_digest(blob));
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(paths_of(*s), (std::vector<std::string>{"etc/a", "etc/b"}));
  EXPECT_FALSE(scan(blob, sha256_digest(*gz)));
}

// A wrong CRC in the gzip trailer is an error, not a silent continue.
TEST(ScanLayerGzip, BadChecksumIsAnError) {
  const auto gz = gzip_of(make_tar(two_files(), Compression::none));
  if (!gz)
    GTEST_SKIP() << "gzip is not installed";
  auto blob = *gz;
  blob[blob.size() - 8] = static_cast<char>(blob[blob.size() - 8] ^ 0x01); // CRC32 byte
  auto s = scan(blob);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, moat::core::ErrorKind::parse);
  // With the digest the manifest gave, the damage is named for what it is.
  auto named = scan(blob, sha256_digest(*gz));
  ASSERT_FALSE(named);
  EXPECT_NE(named.error().message.find("digest mismatch"), std::string::npos)
      << named.error().message;
}

// Truncated gzip data is an error.
TEST(ScanLayerGzip, TruncatedStreamIsAnError) {
  const auto gz = gzip_of(make_tar(two_files(), Compression::none));
  if (!gz)
    GTEST_SKIP() << "gzip is not installed";
  auto s = scan(gz->substr(0, gz->size() / 2));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, moat::core::ErrorKind::parse);
}

} // namespace
} // namespace moat::test

namespace moat::test {
namespace {

// rpm databases moat cannot read are named in a note, never silently skipped.
TEST(ScanLayerNotes, UnreadRpmDatabasesAreNamed) {
  auto s = scan(make_tar({tar_file("var/lib/rpm/Packages", "bdb"),
                          tar_file("usr/lib/sysimage/rpm/Packages.db", "ndb"),
                          tar_file("var/lib/rpm/rpmdb.sqlite", "sqlite")},
                         Compression::none));
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->notes.size(), 2U);
  EXPECT_EQ(s->notes[0],
            "/var/lib/rpm/Packages: a BerkeleyDB rpm database; moat reads only the SQLite rpmdb");
  EXPECT_EQ(s->notes[1], "/usr/lib/sysimage/rpm/Packages.db: an NDB rpm database; moat reads only "
                         "the SQLite rpmdb");
}

} // namespace
} // namespace moat::test

// A package database over its limit is not only a note: it is listed as
// unread so that the image checks report it (IM020).
TEST(ScanLayer, OversizedPackageDatabaseIsListedUnread) {
  ScanLimits limits;
  limits.max_database = 64;
  const std::string small = "Package: a\nVersion: 1\n\n";
  auto s = scan(make_tar({tar_file("var/lib/dpkg/status", std::string(100, 'p')),
                          tar_file("lib/apk/db/installed", small),
                          tar_file("etc/passwd", std::string(100, 'p'))}),
                {}, limits);
  ASSERT_TRUE(s) << s.error().to_string();
  ASSERT_EQ(s->unread.size(), 1U);
  EXPECT_EQ(s->entries[s->unread[0].entry].path, "var/lib/dpkg/status");
  EXPECT_EQ(s->unread[0].size, 100U);
  EXPECT_EQ(s->unread[0].limit, 64U);
  EXPECT_EQ(captured_at(*s, "var/lib/dpkg/status"), nullptr);
  ASSERT_NE(captured_at(*s, "lib/apk/db/installed"), nullptr);
  ASSERT_NE(captured_at(*s, "etc/passwd"), nullptr); // text files keep their own limit
}
