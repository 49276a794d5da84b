// moat sign and moat verify against a real registry on 127.0.0.1: images
// pushed with skopeo, signed and verified by moat, and each way a signature
// can fail (a changed image, a re-tagged repository, a swapped signature,
// the wrong key, a truncated signature, a changed payload) failing with its
// own reason. Skopeo's own sigstore verification is tried where Debian's
// skopeo has it.

#include "oci_layout.hpp"
#include "services.hpp"
#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

namespace moat::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

class TrustRegistry : public ::testing::Test {
protected:
  void SetUp() override {
    if (auto ok = require_programs({"skopeo", "python3"}); !ok)
      GTEST_SKIP() << ok.error();
    if (auto ok = registry.start(dir.path() / "registry"); !ok)
      GTEST_SKIP() << ok.error();
    ::setenv("MOAT_PASSWORD", "pw", 1);
    ::unsetenv("COSIGN_REPOSITORY");
    for (const char* name : {"release", "other"})
      ASSERT_EQ(
          run_moat(std::string("key generate --output-key-prefix ") + (dir.path() / name).string())
              .exit_code,
          0);
  }
  void TearDown() override {
    ::unsetenv("MOAT_PASSWORD");
    ::unsetenv("COSIGN_REPOSITORY");
  }

  // Pushes an image (distinct by SALT) to REPO:TAG; returns its digest.
  std::string push(const std::string& salt, const std::string& repo_tag) {
    const auto layout = dir.path() / ("layout-" + salt);
    if (!fs::exists(layout))
      make_oci_layout(layout, "v1", salt);
    auto ok = registry.push("oci:" + layout.string() + ":v1", repo_tag);
    EXPECT_TRUE(ok.has_value()) << (ok ? "" : ok.error());
    return sha256_of(
        read_text(layout / "blobs/sha256" /
                  json::parse(read_text(layout / "index.json"))["manifests"][0]["digest"]
                      .get<std::string>()
                      .substr(7)));
  }

  std::string target(const std::string& repo_tag) const {
    return "registry://" + registry.host() + "/" + repo_tag;
  }

  RunResult moat(const std::string& args) const {
    return run_moat(args + " --insecure", {}, {}, 120);
  }

  std::string key(const char* name, const char* ext) const {
    return (dir.path() / (std::string(name) + ext)).string();
  }

  // The Distribution API, spoken by python3: GET or PUT a manifest, upload
  // a blob.
  std::string api(const std::string& action, const std::string& repo, const std::string& what,
                  const std::string& body = {}) const {
    const auto file = dir.write("api-body", body);
    const std::string script = R"(
import sys, urllib.request, hashlib
action, base, repo, what, path = sys.argv[1:6]
data = open(path, 'rb').read()
url = 'http://%s/v2/%s/' % (base, repo)
if action == 'get':
    req = urllib.request.Request(url + 'manifests/' + what, headers={'Accept': 'application/vnd.oci.image.manifest.v1+json'})
    sys.stdout.write(urllib.request.urlopen(req).read().decode())
elif action == 'put':
    req = urllib.request.Request(url + 'manifests/' + what, data=data, method='PUT', headers={'Content-Type': 'application/vnd.oci.image.manifest.v1+json'})
    urllib.request.urlopen(req)
elif action == 'blob':
    loc = urllib.request.urlopen(urllib.request.Request(url + 'blobs/uploads/', data=b'', method='POST')).headers['Location']
    if loc.startswith('/'):
        loc = 'http://' + base + loc
    digest = 'sha256:' + hashlib.sha256(data).hexdigest()
    sep = '&' if '?' in loc else '?'
    urllib.request.urlopen(urllib.request.Request(loc + sep + 'digest=' + digest, data=data, method='PUT', headers={'Content-Type': 'application/octet-stream'}))
    sys.stdout.write(digest)
elif action == 'getblob':
    sys.stdout.write(urllib.request.urlopen(url + 'blobs/' + what).read().decode())
)";
    const auto script_file = dir.write("api.py", script);
    auto r = run_command("python3 " + shell_quote(script_file.string()) + " " + action + " " +
                         registry.host() + " " + repo + " " + shell_quote(what) + " " +
                         shell_quote(file.string()));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  static std::string sig_tag(const std::string& digest) {
    return "sha256-" + digest.substr(7) + ".sig";
  }

  TempDir dir;
  RegistryService registry;
};

TEST_F(TrustRegistry, SignAndVerifyRoundTrip) {
  const auto digest = push("a", "team/app:1");
  auto r = moat("verify --key " + key("release", ".pub") + " " + target("team/app:1"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("has no signatures"));

  r = moat("sign --key " + key("release", ".key") + " -a build=7 " + target("team/app:1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = moat("verify --key " + key("release", ".pub") + " -a build=7 " + target("team/app:1"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("identity " + registry.host() + "/team/app"));
  // By digest too.
  r = moat("verify --key " + key("release", ".pub") + " " + target("team/app@" + digest));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // Stored as cosign stores it: the .sig tag, one simple-signing layer.
  const auto manifest = json::parse(api("get", "team/app", sig_tag(digest)));
  ASSERT_EQ(manifest["layers"].size(), 1U);
  EXPECT_EQ(manifest["layers"][0]["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json");

  // The openssl command line verifies the signature over the payload.
  const auto payload = api("getblob", "team/app", manifest["layers"][0]["digest"]);
  const auto payload_file = dir.write("payload", payload);
  const auto sig = dir.write(
      "sig.b64", manifest["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"]
                     .get<std::string>());
  auto ossl = run_command(
      "base64 -d " + shell_quote(sig.string()) + " > " +
      shell_quote((dir.path() / "sig.der").string()) + " && openssl dgst -sha256 -verify " +
      shell_quote(key("release", ".pub")) + " -signature " +
      shell_quote((dir.path() / "sig.der").string()) + " " + shell_quote(payload_file.string()));
  EXPECT_THAT(ossl.output, HasSubstr("Verified OK"));

  // A second key adds a signature; the same one again does not.
  ASSERT_EQ(moat("sign --key " + key("other", ".key") + " " + target("team/app:1")).exit_code, 0);
  r = moat("sign --key " + key("other", ".key") + " " + target("team/app:1"));
  EXPECT_THAT(r.err, HasSubstr("Already signed"));
  EXPECT_EQ(json::parse(api("get", "team/app", sig_tag(digest)))["layers"].size(), 2U);
  EXPECT_EQ(moat("verify --key " + key("other", ".pub") + " " + target("team/app:1")).exit_code, 0);

  // The wrong key.
  r = moat("verify --key " + key("other", ".pub") + " " + target("team/app:1"));
  ASSERT_EQ(r.exit_code, 0);
  TempDir stranger;
  ASSERT_EQ(
      run_moat("key generate --output-key-prefix " + (stranger.path() / "s").string()).exit_code,
      0);
  r = moat("verify --key " + (stranger.path() / "s.pub").string() + " " + target("team/app:1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("wrong key"));
}

TEST_F(TrustRegistry, EachFailureHasItsOwnReason) {
  const auto a = push("a", "team/app:1");
  ASSERT_EQ(moat("sign --key " + key("release", ".key") + " " + target("team/app:1")).exit_code, 0);
  const auto pub = key("release", ".pub");

  // A changed image under the same tag: nothing signed its digest.
  push("changed", "team/app:1");
  auto r = moat("verify --key " + pub + " " + target("team/app:1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("has no signatures"));
  push("a", "team/app:1");
  ASSERT_EQ(moat("verify --key " + pub + " " + target("team/app:1")).exit_code, 0);

  // Re-tagged to another repository, signatures kept in one place
  // (COSIGN_REPOSITORY): the signed identity names the first repository.
  ::setenv("COSIGN_REPOSITORY", (registry.host() + "/sigs").c_str(), 1);
  ASSERT_EQ(moat("sign --key " + key("release", ".key") + " " + target("team/app:1")).exit_code, 0);
  push("a", "other/app:1");
  r = moat("verify --key " + pub + " " + target("other/app:1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("identity mismatch"));
  EXPECT_EQ(moat("verify --key " + pub + " " + target("team/app:1")).exit_code, 0);
  ::unsetenv("COSIGN_REPOSITORY");

  // A signature swapped in from another image: A's signature image stored
  // under B's signature tag.
  const auto b = push("b", "team/app:2");
  const auto a_sig = api("get", "team/app", sig_tag(a));
  api("put", "team/app", sig_tag(b), a_sig);
  r = moat("verify --key " + pub + " " + target("team/app:2"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("digest mismatch"));

  // A truncated signature.
  auto truncated = json::parse(a_sig);
  auto& annotation = truncated["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"];
  annotation = annotation.get<std::string>().substr(0, 30);
  api("put", "team/app", sig_tag(a), truncated.dump());
  r = moat("verify --key " + pub + " " + target("team/app:1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, ::testing::AnyOf(HasSubstr("truncated"), HasSubstr("does not verify")));

  // A payload whose digest was changed (the signature left as it was).
  auto changed = json::parse(a_sig);
  auto payload = api("getblob", "team/app", changed["layers"][0]["digest"]);
  const auto at = payload.find("sha256:");
  payload[at + 7] = payload[at + 7] == '0' ? '1' : '0';
  changed["layers"][0]["digest"] = api("blob", "team/app", "-", payload);
  changed["layers"][0]["size"] = payload.size();
  api("put", "team/app", sig_tag(a), changed.dump());
  r = moat("verify --key " + pub + " " + target("team/app:1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("does not verify"));

  // An image that does not exist is moat not being able to check: 2.
  r = moat("verify --key " + pub + " " + target("team/missing:1"));
  EXPECT_EQ(r.exit_code, 2);
}

// GPG simple signing signatures of a registry image, kept in a lookaside
// store as containers/image lays it out (REPO@sha256=HEX/signature-N).
TEST_F(TrustRegistry, GpgSignaturesFromALookasideStore) {
  GpgTestKey gpg;
  if (auto ok = gpg.create(dir.path() / "gpg"); !ok)
    GTEST_SKIP() << ok.error();
  const auto digest = push("a", "team/app:1");
  const auto payload = dir.write(
      "gpg-payload", R"({"critical":{"identity":{"docker-reference":")" + registry.host() +
                         R"(/team/app:1"},"image":{"docker-manifest-digest":")" + digest +
                         R"("},"type":"atomic container signature"},"optional":null})");
  const auto store = dir.path() / "lookaside";
  const auto place = store / ("team/app@sha256=" + digest.substr(7));
  fs::create_directories(place);
  ASSERT_TRUE(gpg.sign(payload, place / "signature-1"));
  auto r = moat("verify --gpg-keyring " + gpg.keyring().string() + " --lookaside " +
                store.string() + " " + target("team/app:1"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("GPG key"));
  // The shared vectors' key did not make it.
  r = moat("verify --gpg-keyring " +
           (shared_dir() / "conformance/signing/skopeo-simple-signing/pubkey.asc").string() +
           " --lookaside " + store.string() + " " + target("team/app:1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("wrong key"));
}

// Debian's skopeo can verify cosign signatures through a policy.json
// sigstoreSigned requirement only where its build has sigstore.
TEST_F(TrustRegistry, SkopeoAcceptsMoatSignatures) {
  push("a", "team/app:1");
  ASSERT_EQ(moat("sign --key " + key("release", ".key") + " " + target("team/app:1")).exit_code, 0);
  const auto policy =
      dir.write("policy.json",
                R"({"default":[{"type":"reject"}],"transports":{"docker":{")" + registry.host() +
                    R"(/team/app":[{"type":"sigstoreSigned","keyPath":")" + key("release", ".pub") +
                    R"(","signedIdentity":{"type":"matchRepository"}}]}}})");
  dir.write("registries.d/moat.yaml",
            "docker:\n  " + registry.host() + ":\n    use-sigstore-attachments: true\n");
  auto r = run_command("skopeo --policy " + shell_quote(policy.string()) + " --registries.d " +
                       shell_quote((dir.path() / "registries.d").string()) +
                       " copy --src-tls-verify=false docker://" + registry.host() +
                       "/team/app:1 oci:" + shell_quote((dir.path() / "out").string()) + ":x");
  if (r.output.find("sigstore disabled") != std::string::npos)
    GTEST_SKIP() << "this skopeo cannot verify cosign signatures: " << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

} // namespace
} // namespace moat::test
