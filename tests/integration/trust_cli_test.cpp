// moat key, moat sign and moat verify as a user runs them: keys on disk,
// OCI layouts signed and verified, the shared cosign vectors, an
// independent check with the openssl command line, and each way a
// signature can fail giving its own reason.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "json_reports.hpp"
#include "oci_layout.hpp"
#include "services.hpp"
#include "testutil.hpp"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

namespace trust_cli_test {

namespace {

using moat::test::TempDir;
using nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

using moat::test::problem_ids;
using moat::test::put_blob;
using moat::test::sha256_of;

std::string make_layout(const fs::path& layout, const std::string& ref_name,
                        const std::string& salt) {
  return moat::test::make_oci_layout(layout, ref_name, salt);
}

json read_json(const fs::path& path) {
  return json::parse(moat::test::read_text(path));
}

// Gives the layout's image (its first manifest) the reference NAME, as
// re-tagging it would.
void retag(const fs::path& layout, const std::string& name) {
  auto index = read_json(layout / "index.json");
  index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] = name;
  moat::test::write_text(layout / "index.json", index.dump());
}

std::string blob(const fs::path& layout, const std::string& digest) {
  return moat::test::read_text(layout / "blobs/sha256" / digest.substr(7));
}

// The signature image's manifest of LAYOUT (tagged sha256-<hex>.sig).
json signature_manifest(const fs::path& layout) {
  const auto index = read_json(layout / "index.json");
  for (const auto& d : index["manifests"]) {
    const auto name = d["annotations"].value("org.opencontainers.image.ref.name", "");
    if (name.ends_with(".sig"))
      return json::parse(blob(layout, d["digest"].get<std::string>()));
  }
  return nullptr;
}

class TrustCli : public ::testing::Test {
protected:
  void SetUp() override {
    ::setenv("MOAT_PASSWORD", "correct horse", 1);
    ::unsetenv("COSIGN_PASSWORD");
    key = dir.path() / "release";
    other = dir.path() / "other";
    ASSERT_EQ(run("key generate --output-key-prefix " + key.string()).exit_code, 0);
    ASSERT_EQ(run("key generate --type ed25519 --output-key-prefix " + other.string()).exit_code,
              0);
  }
  void TearDown() override { ::unsetenv("MOAT_PASSWORD"); }

  static moat::test::RunResult run(const std::string& args) {
    return moat::test::run_moat(args, {}, {}, 120);
  }

  TempDir dir;
  fs::path key;
  fs::path other;
};

TEST_F(TrustCli, KeyGenerateWritesAnEncryptedKeyAndAPublicKey) {
  struct stat st {};
  ASSERT_EQ(::stat((key.string() + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  ASSERT_EQ(::stat((key.string() + ".pub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644U);
  const auto priv = moat::test::read_text(key.string() + ".key");
  EXPECT_TRUE(priv.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
  const auto pub = moat::test::read_text(key.string() + ".pub");
  EXPECT_TRUE(pub.starts_with("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"));
  // openssl reads the public key as a P-256 key.
  auto r =
      moat::test::run_command("openssl pkey -pubin -in " +
                              moat::test::shell_quote(key.string() + ".pub") + " -noout -text");
  EXPECT_THAT(r.output, HasSubstr("prime256v1"));

  // An existing key is never replaced without --force.
  auto again = run("key generate --output-key-prefix " + key.string());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, HasSubstr("already exists"));
  EXPECT_EQ(moat::test::read_text(key.string() + ".key"), priv);
  EXPECT_EQ(run("key generate --force --output-key-prefix " + key.string()).exit_code, 0);
  EXPECT_NE(moat::test::read_text(key.string() + ".key"), priv);
}

TEST_F(TrustCli, APassphraseIsNeededUnlessRefusedOutright) {
  ::unsetenv("MOAT_PASSWORD");
  // No terminal to ask on (setsid: no controlling terminal).
  auto r =
      moat::test::run_command("cd " + moat::test::shell_quote(dir.path().string()) + " && setsid " +
                              MOAT_BINARY + " key generate --output-key-prefix nopass </dev/null");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("MOAT_PASSWORD"));
  EXPECT_FALSE(fs::exists(dir.path() / "nopass.key"));
  ::setenv("MOAT_PASSWORD", "", 1);
  auto empty = run("key generate --output-key-prefix " + (dir.path() / "empty").string());
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, HasSubstr("--no-passphrase"));
  EXPECT_EQ(
      run("key generate --no-passphrase --output-key-prefix " + (dir.path() / "empty").string())
          .exit_code,
      0);
  // A key without passphrase signs without one.
  make_layout(dir.path() / "img", "registry.example/team/app:1", "a");
  ::unsetenv("MOAT_PASSWORD");
  auto signed_ = run("sign --key " + (dir.path() / "empty.key").string() + " " +
                     (dir.path() / "img").string());
  EXPECT_EQ(signed_.exit_code, 0) << signed_.err;
}

TEST_F(TrustCli, SignAndVerifyAnOciLayout) {
  const auto layout = dir.path() / "img";
  const auto digest = make_layout(layout, "registry.example/team/app:1", "a");
  auto r = run("verify --key " + key.string() + ".pub " + layout.string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr(digest + " has no signatures"));

  r = run("sign --key " + key.string() + ".key -a build=42 " + layout.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Signed " + digest));
  r = run("verify --key " + key.string() + ".pub -a build=42 " + layout.string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASS"));
  EXPECT_THAT(r.out, HasSubstr("identity registry.example/team/app"));
  EXPECT_THAT(r.out, HasSubstr("annotations: build=42"));

  // JSON says the same.
  r = run("verify --format json --key " + key.string() + ".pub " + layout.string());
  EXPECT_EQ(r.exit_code, 0);
  const auto doc = json::parse(r.out);
  EXPECT_EQ(doc["targets"][0]["passed"][0]["id"], "TR001");

  // The stored form is cosign's: one simple-signing layer, the signature
  // in its annotation, the payload cosign would have written.
  const auto manifest = signature_manifest(layout);
  ASSERT_TRUE(manifest.is_object());
  ASSERT_EQ(manifest["layers"].size(), 1U);
  const auto& layer = manifest["layers"][0];
  EXPECT_EQ(layer["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json");
  const auto payload = blob(layout, layer["digest"].get<std::string>());
  EXPECT_EQ(
      payload,
      R"({"critical":{"identity":{"docker-reference":"registry.example/team/app"},"image":{"docker-manifest-digest":")" +
          digest + R"("},"type":"cosign container image signature"},"optional":{"build":"42"}})");

  // An independent check: the openssl command line verifies the signature
  // over the payload with the public key.
  const auto payload_file = dir.write("payload", payload);
  const auto sig_b64 = dir.write(
      "sig.b64", layer["annotations"]["dev.cosignproject.cosign/signature"].get<std::string>());
  auto ossl = moat::test::run_command(
      "base64 -d " + moat::test::shell_quote(sig_b64.string()) + " > " +
      moat::test::shell_quote((dir.path() / "sig.der").string()) +
      " && openssl dgst -sha256 -verify " + moat::test::shell_quote(key.string() + ".pub") +
      " -signature " + moat::test::shell_quote((dir.path() / "sig.der").string()) + " " +
      moat::test::shell_quote(payload_file.string()));
  EXPECT_THAT(ossl.output, HasSubstr("Verified OK"));

  // A second key adds a layer; signing twice with one key does not.
  r = run("sign --key " + other.string() + ".key " + layout.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run("sign --key " + other.string() + ".key " + layout.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Already signed"));
  EXPECT_EQ(signature_manifest(layout)["layers"].size(), 2U);
  r = run("verify --key " + other.string() + ".pub " + layout.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;

  // The image itself still scans: the signature image is not taken for it.
  r = run("image --skip-vulns --format json " + layout.string());
  EXPECT_NE(r.exit_code, 2) << r.err;
}

// A multi-platform image is signed as its index, by the index's digest.
TEST_F(TrustCli, AnIndexIsSignedAsTheIndex) {
  const auto layout = dir.path() / "multi";
  const auto manifest_digest = make_layout(layout, "x", "m");
  const auto manifest = blob(layout, manifest_digest);
  const json index_doc = {{"schemaVersion", 2},
                          {"mediaType", "application/vnd.oci.image.index.v1+json"},
                          {"manifests",
                           {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                             {"digest", manifest_digest},
                             {"size", manifest.size()},
                             {"platform", {{"os", "linux"}, {"architecture", "amd64"}}}}}}};
  const auto index_blob = index_doc.dump();
  put_blob(layout, index_blob);
  const json top = {
      {"schemaVersion", 2},
      {"manifests",
       {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
         {"digest", sha256_of(index_blob)},
         {"size", index_blob.size()},
         {"annotations",
          {{"org.opencontainers.image.ref.name", "registry.example/team/multi:1"}}}}}}};
  moat::test::write_text(layout / "index.json", top.dump());
  auto r = run("sign --key " + key.string() + ".key " + layout.string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("Signed " + sha256_of(index_blob)));
  const auto sig = signature_manifest(layout);
  ASSERT_TRUE(sig.is_object());
  const auto payload = blob(layout, sig["layers"][0]["digest"].get<std::string>());
  EXPECT_THAT(payload, HasSubstr(sha256_of(index_blob)));
  EXPECT_EQ(run("verify --key " + key.string() + ".pub " + layout.string()).exit_code, 0);
}

TEST_F(TrustCli, APolicyDecidesPerScope) {
  const auto layout = dir.path() / "img";
  make_layout(layout, "registry.example/team/app:1", "p");
  ASSERT_EQ(run("sign --key " + key.string() + ".key " + layout.string()).exit_code, 0);
  const auto policy =
      dir.write("moat-policy.yaml", "default: reject\n"
                                    "scopes:\n"
                                    "  registry.example/team:\n"
                                    "    keys: [release.pub]\n"
                                    "  registry.example/other: insecureAcceptAnything\n");
  auto r = run("verify --policy " + policy.string() + " " + layout.string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("scope registry.example/team"));
  // Signed by a key the policy does not name.
  dir.write("moat-policy.yaml", "default: reject\nscopes:\n  registry.example/team:\n"
                                "    keys: [other.pub]\n");
  r = run("verify --policy " + policy.string() + " " + layout.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("TR003"));
  // Another repository falls to the default, which rejects.
  retag(layout, "registry.example/else/app:1");
  r = run("verify --policy " + policy.string() + " --format json " + layout.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("rejects images in scope default"));
  // moat image --policy adds the verdict to the image report.
  r = run("image --skip-vulns --format json --policy " + policy.string() + " " + layout.string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(problem_ids(json::parse(r.out)["targets"][0]["findings"]),
              ::testing::Contains("TR003"))
      << r.out;
  // A malformed policy is one line, exit 2.
  dir.write("moat-policy.yaml", "default: perhaps\n");
  r = run("verify --policy " + policy.string() + " " + layout.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(TrustCli, EachFailureHasItsOwnReason) {
  const auto a = dir.path() / "a";
  const auto b = dir.path() / "b";
  make_layout(a, "registry.example/team/app:1", "a");
  const auto b_digest = make_layout(b, "registry.example/team/app:2", "b");
  ASSERT_EQ(run("sign --key " + key.string() + ".key " + a.string()).exit_code, 0);
  const auto pub = key.string() + ".pub";

  // The wrong key.
  auto r = run("verify --key " + other.string() + ".pub " + a.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("wrong key"));

  // A signature swapped in from another image: A's signature image tagged
  // for B's digest.
  auto index_b = read_json(b / "index.json");
  const auto index_a_signed = read_json(a / "index.json");
  for (const auto& d : index_a_signed["manifests"]) {
    const auto name = d["annotations"].value("org.opencontainers.image.ref.name", "");
    if (!name.ends_with(".sig"))
      continue;
    auto swapped = d;
    swapped["annotations"]["org.opencontainers.image.ref.name"] =
        "sha256-" + b_digest.substr(7) + ".sig";
    index_b["manifests"].push_back(swapped);
  }
  moat::test::write_text(b / "index.json", index_b.dump());
  for (const auto& entry : fs::directory_iterator(a / "blobs/sha256"))
    fs::copy_file(entry.path(), b / "blobs/sha256" / entry.path().filename(),
                  fs::copy_options::skip_existing);
  r = run("verify --key " + pub + " " + b.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("digest mismatch"));

  // Re-tagged to another repository: the identity no longer matches.
  retag(a, "registry.example/other/app:1");
  r = run("verify --key " + pub + " " + a.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("identity mismatch"));
  retag(a, "registry.example/team/app:1");
  ASSERT_EQ(run("verify --key " + pub + " " + a.string()).exit_code, 0);

  // A truncated signature, and a payload whose digest was changed: the
  // signature image rewritten with each.
  auto rewrite = [&](const std::function<void(json & manifest)>& change) {
    auto index = read_json(a / "index.json");
    for (auto& d : index["manifests"]) {
      if (!d["annotations"].value("org.opencontainers.image.ref.name", "").ends_with(".sig"))
        continue;
      auto manifest = json::parse(blob(a, d["digest"].get<std::string>()));
      change(manifest);
      const auto text = manifest.dump();
      put_blob(a, text);
      d["digest"] = sha256_of(text);
      d["size"] = text.size();
    }
    moat::test::write_text(a / "index.json", index.dump());
  };
  const auto original_index = moat::test::read_text(a / "index.json");
  rewrite([](json& m) {
    auto& sig = m["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"];
    sig = sig.get<std::string>().substr(0, 20);
  });
  r = run("verify --key " + pub + " " + a.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, ::testing::AnyOf(HasSubstr("truncated"), HasSubstr("does not verify")));
  moat::test::write_text(a / "index.json", original_index);
  rewrite([&](json& m) {
    auto payload = blob(a, m["layers"][0]["digest"].get<std::string>());
    const auto at = payload.find("sha256:");
    payload[at + 7] = payload[at + 7] == '0' ? '1' : '0';
    put_blob(a, payload);
    m["layers"][0]["digest"] = sha256_of(payload);
  });
  r = run("verify --key " + pub + " " + a.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("does not verify"));

  // A changed image: its manifest is another, and nothing signed it.
  moat::test::write_text(a / "index.json", original_index);
  auto index = read_json(a / "index.json");
  auto manifest = json::parse(blob(a, index["manifests"][0]["digest"].get<std::string>()));
  manifest["annotations"] = {{"changed", "yes"}};
  put_blob(a, manifest.dump());
  index["manifests"][0]["digest"] = sha256_of(manifest.dump());
  index["manifests"][0]["size"] = manifest.dump().size();
  moat::test::write_text(a / "index.json", index.dump());
  r = run("verify --key " + pub + " " + a.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("has no signatures"));

  // SARIF: the unverified image is an error-level result.
  r = run("verify --format sarif --key " + pub + " " + a.string());
  EXPECT_EQ(r.exit_code, 1);
  const auto sarif = json::parse(r.out);
  EXPECT_EQ(sarif["runs"][0]["results"][0]["ruleId"], "TR001");
  EXPECT_EQ(sarif["runs"][0]["results"][0]["level"], "error");
}

TEST(TrustVectors, TheSharedCosignVectorsGiveTheirListedResults) {
  const auto v = moat::test::shared_dir() / "conformance/signing/cosign";
  auto verify = [&](const std::string& key, const std::string& signature,
                    const std::string& manifest, const std::string& extra = {}) {
    return moat::test::run_moat("verify --key " + (v / key).string() + " --signature " +
                                (v / signature).string() + " --manifest " +
                                (v / manifest).string() + " " + extra);
  };
  EXPECT_EQ(verify("cosign.pub", "cosign-valid.signature", "manifest.json").exit_code, 0);
  EXPECT_EQ(verify("cosign.pub", "skopeo-with-tag.signature", "manifest.json").exit_code, 0);
  EXPECT_EQ(verify("cosign2.pub", "cosign-valid.signature", "manifest.json").exit_code, 1);
  EXPECT_EQ(verify("cosign.pub", "unknown-key.signature", "manifest.json").exit_code, 1);
  EXPECT_EQ(verify("cosign.pub", "cosign-valid.signature", "modified-manifest.json").exit_code, 1);
  EXPECT_EQ(verify("cosign.pub", "cosign-valid.signature", "manifest.json",
                   "192.168.64.2:5000/cosign-signed-single-sample")
                .exit_code,
            0);
  auto wrong =
      verify("cosign.pub", "cosign-valid.signature", "manifest.json", "testing/manifest:notlatest");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.out, HasSubstr("identity mismatch"));
  EXPECT_EQ(verify("cosign.pub", "skopeo-with-tag.signature", "manifest.json",
                   "--match exact 192.168.64.2:5000/skopeo-signed:tag")
                .exit_code,
            0);
  EXPECT_EQ(verify("cosign.pub", "skopeo-with-tag.signature", "manifest.json",
                   "--match exact 192.168.64.2:5000/skopeo-signed:othertag")
                .exit_code,
            1);
  // The cosign keys sign with the password the vectors name.
  TempDir dir;
  make_layout(dir.path() / "img", "registry.example/team/app:1", "v");
  ::setenv("MOAT_PASSWORD", "hello", 1);
  auto r = moat::test::run_moat("sign --key " + (v / "sigstore-label-pkcs8.key").string() + " " +
                                (dir.path() / "img").string());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = moat::test::run_moat("sign --key " + (v / "cosign-label-sec1.key").string() + " " +
                           (dir.path() / "img").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("not PKCS#8"));
  ::setenv("MOAT_PASSWORD", "wrong", 1);
  r = moat::test::run_moat("sign --key " + (v / "cosign-label-pkcs8.key").string() + " " +
                           (dir.path() / "img").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("wrong password"));
  ::unsetenv("MOAT_PASSWORD");
}

// GPG simple signing as Debian's skopeo wrote the shared vectors: a dir:
// copy and a standalone file verify with the key they list; another key,
// another manifest or another reference fails.
TEST(TrustGpg, SkopeoSignaturesVerifyWithTheirKeyOnly) {
  const auto v = moat::test::shared_dir() / "conformance/signing/skopeo-simple-signing";
  TempDir dir;
  moat::test::GpgTestKey other;
  if (auto ok = other.create(dir.path()); !ok)
    GTEST_SKIP() << ok.error();
  const auto keyring = (v / "pubkey.asc").string();
  const std::string ref = "docker.io/library/busybox-test:latest";
  auto r = moat::test::run_moat("verify --gpg-keyring " + keyring + " --reference " + ref +
                                " dir:" + v.string());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("GPG key B509D166777005618847DD985C7107AC637EB959"));
  r = moat::test::run_moat("verify --gpg-keyring " + keyring + " --signature " +
                           (v / "standalone.sig").string() + " --manifest " +
                           (v / "manifest.json").string() + " " + ref);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // A wrong docker reference.
  r = moat::test::run_moat("verify --gpg-keyring " + keyring +
                           " --reference docker.io/library/other:latest dir:" + v.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("identity mismatch"));
  // Another keyring.
  r = moat::test::run_moat("verify --gpg-keyring " + other.keyring().string() +
                           " dir:" + v.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("wrong key"));
  // Another manifest.
  const auto copy = dir.path() / "copy";
  fs::create_directories(copy);
  fs::copy_file(v / "signature-1", copy / "signature-1");
  moat::test::write_text(copy / "manifest.json", moat::test::read_text(v / "manifest.json") + "\n");
  r = moat::test::run_moat("verify --gpg-keyring " + keyring + " dir:" + copy.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("digest mismatch"));
  // A signature moat's own key made verifies with that key and no other.
  const auto payload = dir.write(
      "payload",
      R"({"critical":{"identity":{"docker-reference":"docker.io/library/busybox-test:latest"},"image":{"docker-manifest-digest":")" +
          std::string("sha256:") +
          moat::test::run_command("sha256sum " +
                                  moat::test::shell_quote((copy / "manifest.json").string()))
              .output.substr(0, 64) +
          R"("},"type":"atomic container signature"},"optional":null})");
  ASSERT_TRUE(other.sign(payload, copy / "signature-2"));
  r = moat::test::run_moat("verify --gpg-keyring " + other.keyring().string() +
                           " dir:" + copy.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // moat's temporary keyring directory is gone when it ends; the vector's
  // key did not make signature-2, and signature-1 no longer signs this
  // manifest.
  const auto tmp = dir.path() / "tmp";
  fs::create_directories(tmp);
  auto cleaned = moat::test::run_command("TMPDIR=" + moat::test::shell_quote(tmp.string()) + " " +
                                         MOAT_BINARY + " verify --gpg-keyring " + keyring +
                                         " dir:" + copy.string());
  EXPECT_EQ(cleaned.exit_code, 1) << cleaned.output;
  EXPECT_TRUE(fs::is_empty(tmp));
}

TEST(TrustHostile, DamagedLayoutsAndFilesAreOneLineErrors) {
  TempDir dir;
  const auto layout = dir.path() / "img";
  make_layout(layout, "registry.example/team/app:1", "h");
  ::setenv("MOAT_PASSWORD", "pw", 1);
  ASSERT_EQ(moat::test::run_moat("key generate --output-key-prefix " + (dir.path() / "k").string())
                .exit_code,
            0);
  const auto key = (dir.path() / "k.key").string();
  // blobs/sha256 leading out of the layout: nothing is written there.
  const auto outside = dir.path() / "outside";
  fs::create_directories(outside);
  fs::rename(layout / "blobs/sha256", outside / "sha256");
  fs::create_directory_symlink(outside / "sha256", layout / "blobs/sha256");
  auto r = moat::test::run_moat("sign --key " + key + " " + layout.string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("leads out of the layout"));
  EXPECT_EQ(std::distance(fs::directory_iterator(outside / "sha256"), fs::directory_iterator{}), 2);
  // Not JSON, no layout, a damaged key, a truncated signature file.
  moat::test::write_text(dir.path() / "bad/index.json", "{\"manifests\": [");
  moat::test::write_text(dir.path() / "bad/oci-layout", "{}");
  for (const auto& args :
       {"verify --key " + (dir.path() / "k.pub").string() + " " + (dir.path() / "bad").string(),
        "verify --key " + (dir.path() / "k.pub").string() + " " + dir.path().string(),
        "verify --key " + key.substr(0, key.size() - 3) + "pubx " + layout.string(),
        "verify --key " + (dir.path() / "k.pub").string() + " --signature " +
            dir.write("trunc.sig", std::string("\0sigstore-json\n{\"payl", 21)).string() +
            " --manifest " + (dir.path() / "k.pub").string()}) {
    r = moat::test::run_moat(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  ::unsetenv("MOAT_PASSWORD");
}

} // namespace

} // namespace trust_cli_test
