// cosign's simple-signing signatures: the shared vectors from
// containers/image give the verdicts their SOURCE.md lists.

#include <moat/trust/signature.hpp>
#include <moat/util/base64.hpp>
#include <moat/util/sha256.hpp>

#include "services.hpp"
#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trust_signature_test {
namespace {

using moat::trust::IdentityRule;
using moat::trust::Outcome;
using ::testing::HasSubstr;

std::filesystem::path vectors() {
  return moat::test::shared_dir() / "conformance/signing/cosign";
}

moat::trust::Signature signature(const std::string& name) {
  const auto path = vectors() / name;
  auto s = moat::trust::parse_signature_file(moat::test::read_text(path), path.string());
  EXPECT_TRUE(s.has_value()) << s.error().to_string();
  return s.value_or(moat::trust::Signature{});
}

moat::trust::VerifyRequest request(const std::string& pub, const std::string& manifest) {
  moat::trust::VerifyRequest r;
  auto key = moat::trust::read_public_key(moat::test::read_text(vectors() / pub), pub);
  EXPECT_TRUE(key.has_value()) << key.error().to_string();
  r.keys.push_back({pub, std::move(*key)});
  r.manifest_digest =
      "sha256:" + moat::util::sha256_hex(moat::test::read_text(vectors() / manifest));
  return r;
}

TEST(CosignVectors, EachSignatureGetsItsListedVerdict) {
  struct Case {
    const char* signature;
    const char* key;
    const char* manifest;
    Outcome expected;
  };
  for (const auto& c : std::vector<Case>{
           {"cosign-valid.signature", "cosign.pub", "manifest.json", Outcome::verified},
           {"cosign-valid.signature", "cosign2.pub", "manifest.json", Outcome::wrong_key},
           {"cosign-valid.signature", "cosign.pub", "modified-manifest.json",
            Outcome::digest_mismatch},
           {"skopeo-with-tag.signature", "cosign.pub", "manifest.json", Outcome::verified},
           {"skopeo-with-tag.signature", "cosign2.pub", "manifest.json", Outcome::wrong_key},
           {"skopeo-with-tag.signature", "cosign.pub", "modified-manifest.json",
            Outcome::digest_mismatch},
           {"unknown-key.signature", "cosign.pub", "manifest.json", Outcome::wrong_key},
           {"unknown-key.signature", "cosign2.pub", "manifest.json", Outcome::wrong_key},
       }) {
    SCOPED_TRACE(std::string(c.signature) + " " + c.key + " " + c.manifest);
    const auto v = moat::trust::judge(signature(c.signature), request(c.key, c.manifest));
    EXPECT_EQ(v.outcome, c.expected) << v.reason;
    EXPECT_EQ(v.reason.empty(), c.expected == Outcome::verified) << v.reason;
  }
  const auto v = moat::trust::judge(signature("cosign-valid.signature"),
                                    request("cosign.pub", "modified-manifest.json"));
  EXPECT_THAT(v.reason,
              HasSubstr("sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"));
}

TEST(CosignVectors, IdentityIsMatchedAsContainersPolicyMatchesIt) {
  auto r = request("cosign.pub", "manifest.json");
  const auto cosign = signature("cosign-valid.signature");
  r.reference = "192.168.64.2:5000/cosign-signed-single-sample";
  EXPECT_EQ(moat::trust::judge(cosign, r).outcome, Outcome::verified);
  r.reference = "192.168.64.2:5000/cosign-signed-single-sample:v1";
  EXPECT_EQ(moat::trust::judge(cosign, r).outcome, Outcome::verified) << "same repository";
  r.reference = "testing/manifest:notlatest";
  EXPECT_EQ(moat::trust::judge(cosign, r).outcome, Outcome::identity_mismatch);
  // matchExact: both sides name a tag or digest, and the same one.
  r.rule = IdentityRule::match_exact;
  r.reference = "192.168.64.2:5000/cosign-signed-single-sample:latest";
  EXPECT_EQ(moat::trust::judge(cosign, r).outcome, Outcome::identity_mismatch)
      << "cosign's identity has no tag";
  const auto skopeo = signature("skopeo-with-tag.signature");
  r.reference = "192.168.64.2:5000/skopeo-signed:tag";
  EXPECT_EQ(moat::trust::judge(skopeo, r).outcome, Outcome::verified);
  r.reference = "192.168.64.2:5000/skopeo-signed:othertag";
  EXPECT_EQ(moat::trust::judge(skopeo, r).outcome, Outcome::identity_mismatch);
}

TEST(CosignVectors, RequiredAnnotationsMustBeInThePayload) {
  auto r = request("cosign.pub", "manifest.json");
  const auto skopeo = signature("skopeo-with-tag.signature");
  r.annotations = {{"timestamp", "1657296609"}};
  EXPECT_EQ(moat::trust::judge(skopeo, r).outcome, Outcome::verified);
  r.annotations = {{"timestamp", "1"}};
  EXPECT_EQ(moat::trust::judge(skopeo, r).outcome, Outcome::missing_annotation);
  r.annotations = {{"team", "a"}};
  const auto v = moat::trust::judge(skopeo, r);
  EXPECT_EQ(v.outcome, Outcome::missing_annotation);
  EXPECT_THAT(v.reason, HasSubstr("annotation team is missing"));
}

TEST(CosignVectors, DamagedSignaturesFailWithTheirReason) {
  auto r = request("cosign.pub", "manifest.json");
  auto s = signature("cosign-valid.signature");
  auto truncated = s;
  truncated.signature_base64.resize(truncated.signature_base64.size() / 2);
  auto v = moat::trust::judge(truncated, r);
  EXPECT_NE(v.outcome, Outcome::verified);
  EXPECT_THAT(v.reason, ::testing::AnyOf(HasSubstr("base64"), HasSubstr("does not verify")));
  auto other = s;
  other.media_type = "text/plain";
  EXPECT_EQ(moat::trust::judge(other, r).outcome, Outcome::malformed);
  auto changed = s;
  changed.payload[40] = 'X';
  EXPECT_EQ(moat::trust::judge(changed, r).outcome, Outcome::wrong_key);
}

// The payload moat builds is the payload cosign built, byte for byte.
// GPG simple signing, as Debian's skopeo wrote the shared vectors; gpgv
// does the OpenPGP.
class GpgVectors : public ::testing::Test {
protected:
  void SetUp() override {
    if (auto ok = moat::test::require_programs({"gpg", "gpgv"}); !ok)
      GTEST_SKIP() << ok.error();
    auto keyring = moat::trust::GpgKeyring::open((dir() / "pubkey.asc").string());
    ASSERT_TRUE(keyring.has_value()) << keyring.error().to_string();
    request.gpg = *keyring;
    request.manifest_digest =
        "sha256:" + moat::util::sha256_hex(moat::test::read_text(dir() / "manifest.json"));
  }
  static std::filesystem::path dir() {
    return moat::test::shared_dir() / "conformance/signing/skopeo-simple-signing";
  }
  static moat::trust::Signature gpg(const std::string& name) {
    return moat::trust::Signature::gpg(moat::test::read_text(dir() / name), name);
  }
  moat::trust::VerifyRequest request;
};

TEST_F(GpgVectors, SignaturesVerifyWithTheTrustedKey) {
  for (const char* name : {"signature-1", "standalone.sig"}) {
    SCOPED_TRACE(name);
    request.reference = "docker.io/library/busybox-test:latest";
    auto v = moat::trust::judge(gpg(name), request);
    EXPECT_EQ(v.outcome, Outcome::verified) << v.reason;
    EXPECT_THAT(v.key, HasSubstr("B509D166777005618847DD985C7107AC637EB959"));
    ASSERT_TRUE(v.payload.has_value());
    EXPECT_EQ(v.payload->type, "atomic container signature");
    // A wrong docker reference must fail.
    request.reference = "docker.io/library/busybox-other:latest";
    EXPECT_EQ(moat::trust::judge(gpg(name), request).outcome, Outcome::identity_mismatch);
  }
}

TEST_F(GpgVectors, AnythingElseFails) {
  // Another manifest.
  request.manifest_digest = "sha256:" + std::string(64, '0');
  EXPECT_EQ(moat::trust::judge(gpg("signature-1"), request).outcome, Outcome::digest_mismatch);
  request.manifest_digest =
      "sha256:" + moat::util::sha256_hex(moat::test::read_text(dir() / "manifest.json"));
  // A damaged message.
  auto damaged = gpg("signature-1");
  damaged.openpgp[damaged.openpgp.size() / 2] ^= 0x20;
  EXPECT_NE(moat::trust::judge(damaged, request).outcome, Outcome::verified);
  damaged.openpgp.resize(damaged.openpgp.size() / 3);
  EXPECT_NE(moat::trust::judge(damaged, request).outcome, Outcome::verified);
  // Not GPG at all; and a cosign signature is not a GPG key's.
  EXPECT_EQ(moat::trust::judge(moat::trust::Signature::gpg("plain text", "x"), request).outcome,
            Outcome::wrong_key);
  // No keyring to check with.
  request.gpg.reset();
  const auto v = moat::trust::judge(gpg("signature-1"), request);
  EXPECT_EQ(v.outcome, Outcome::wrong_key);
  EXPECT_THAT(v.reason, HasSubstr("no --gpg-keyring"));
}

TEST(Payload, SerialisedAsCosignDoes) {
  const auto s = signature("cosign-valid.signature");
  EXPECT_EQ(moat::trust::make_payload("192.168.64.2:5000/cosign-signed-single-sample",
                                      "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8d"
                                      "dc45e5986a00",
                                      {}),
            s.payload);
  EXPECT_EQ(s.payload.size(), 261U);
  // Annotations sorted by key; Go's escaping of <, > and &.
  EXPECT_EQ(
      moat::trust::make_payload("r", "sha256:x", {{"b", "<&>"}, {"a", "1"}}),
      R"({"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"sha256:x"},"type":"cosign container image signature"},"optional":{"a":"1","b":"\u003c\u0026\u003e"}})");
}

TEST(Payload, ReadAsStrictlyAsContainersImageReadsIt) {
  auto ok =
      moat::trust::parse_payload(moat::trust::make_payload("r", "sha256:x", {{"k", "v"}}), "p");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->docker_reference, "r");
  EXPECT_EQ(ok->optional.at("k"), "v");
  for (
      const char* bad :
      {R"({"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"},"type":"t","extra":1},"optional":null})",
       R"({"critical":{"identity":{"docker-reference":"r"},"image":{"Docker-manifest-digest":"d"},"type":"t"},"optional":null})",
       R"({"critical":{"identity":{},"image":{"docker-manifest-digest":"d"},"type":"t"},"optional":null})",
       R"({"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"},"type":"t"}})",
       R"({"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"d"},"type":"t"},"optional":3})",
       "{\"critical\":", "[]", ""}) {
    auto r = moat::trust::parse_payload(bad, "p");
    EXPECT_FALSE(r.has_value()) << bad;
    if (!r) {
      EXPECT_THAT(r.error().message, HasSubstr("malformed payload")) << bad;
    }
  }
}

TEST(SignatureFile, OnlySigstoreJsonFiles) {
  EXPECT_FALSE(moat::trust::parse_signature_file("{}", "f").has_value());
  EXPECT_FALSE(
      moat::trust::parse_signature_file(std::string("\0sigstore-json\n{", 16), "f").has_value());
  EXPECT_FALSE(moat::trust::parse_signature_file(
                   std::string("\0sigstore-json\n{\"payload\":\"%%\"}", 32), "f")
                   .has_value());
  // Trailing white space after the JSON is accepted.
  const auto text = moat::test::read_text(vectors() / "unknown-key.signature");
  EXPECT_TRUE(text.ends_with("}\n"));
  EXPECT_TRUE(moat::trust::parse_signature_file(text, "f").has_value());
}

TEST(DockerReference, NormalisedAsContainersImageDoesIt) {
  auto r = moat::trust::parse_docker_reference("busybox");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->repository, "docker.io/library/busybox");
  EXPECT_TRUE(r->tag.empty());
  r = moat::trust::parse_docker_reference("index.docker.io/team/app:1.2");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->repository, "docker.io/team/app");
  EXPECT_EQ(r->tag, "1.2");
  r = moat::trust::parse_docker_reference("localhost:5000/a/b@sha256:" + std::string(64, 'a'));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->repository, "localhost:5000/a/b");
  EXPECT_EQ(r->digest, "sha256:" + std::string(64, 'a'));
  r = moat::trust::parse_docker_reference("localhost/app:v1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->repository, "localhost/app");
  for (const char* bad : {"", "UPPER/case", "a@sha256:12", "a:", "/a", "a//"})
    EXPECT_FALSE(moat::trust::parse_docker_reference(bad).has_value()) << bad;
}

TEST(Base64, RoundTripsAndRefusesWhatIsNotBase64) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\0\xff\x10", 3)})
    EXPECT_EQ(moat::util::base64_decode(moat::util::base64_encode(s)), s);
  EXPECT_EQ(moat::util::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(moat::util::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(moat::util::base64_decode("Zm9v\nYmFy", true), "foobar");
  for (const char* bad : {"Zm9", "Zm9v\nYmFy", "Z=9v", "Zm=v", "Zm9v!A==", "===="})
    EXPECT_FALSE(moat::util::base64_decode(bad).has_value()) << bad;
}

} // namespace
} // namespace trust_signature_test
