// Trust policies: moat-policy.yaml and containers-policy.json read into one
// form, the most specific scope deciding as containers/image decides, and
// keys, thresholds, reject and insecureAcceptAnything judged on the shared
// cosign vectors.

#include <moat/trust/policy.hpp>
#include <moat/util/sha256.hpp>

#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trust_policy_test {
namespace {

using moat::test::TempDir;
using ::testing::HasSubstr;

std::filesystem::path vectors() {
  return moat::test::shared_dir() / "conformance/signing/cosign";
}

// A policy file in a directory that holds the vectors' public keys.
std::string write_policy(const TempDir& dir, const std::string& name, const std::string& text) {
  for (const char* key : {"cosign.pub", "cosign2.pub"})
    if (!std::filesystem::exists(dir.path() / key))
      std::filesystem::copy_file(vectors() / key, dir.path() / key);
  return dir.write(name, text).string();
}

std::vector<moat::trust::Signature> vector_signature() {
  auto s = moat::trust::parse_signature_file(
      moat::test::read_text(vectors() / "cosign-valid.signature"), "cosign-valid.signature");
  EXPECT_TRUE(s.has_value());
  return {*s};
}

std::string vector_digest() {
  return "sha256:" + moat::util::sha256_hex(moat::test::read_text(vectors() / "manifest.json"));
}

const std::string k_image = "192.168.64.2:5000/cosign-signed-single-sample:latest";

TEST(TrustPolicy, TheMostSpecificScopeDecides) {
  TempDir dir;
  auto policy = moat::trust::read_policy(write_policy(dir, "moat-policy.yaml", R"(
default: reject
scopes:
  192.168.64.2:5000: insecureAcceptAnything
  192.168.64.2:5000/cosign-signed-single-sample:
    keys: [cosign2.pub]
  "*.example.com": insecureAcceptAnything
  registry.example.com/team: reject
)"));
  ASSERT_TRUE(policy.has_value()) << policy.error().to_string();
  std::string scope;
  auto check = [&](const std::string& ref) {
    (void)policy->for_reference(moat::trust::parse_docker_reference(ref), scope);
    return scope;
  };
  EXPECT_EQ(check(k_image), "192.168.64.2:5000/cosign-signed-single-sample");
  EXPECT_EQ(check("192.168.64.2:5000/other:1"), "192.168.64.2:5000");
  EXPECT_EQ(check("registry.example.com/team/app:1"), "registry.example.com/team");
  EXPECT_EQ(check("registry.example.com/other/app:1"), "*.example.com");
  EXPECT_EQ(check("docker.io/library/busybox"), "default");
  // The repository's scope wants cosign2.pub: the vector signature is
  // cosign.pub's, so the image is not accepted; the host's scope would.
  auto v = moat::trust::evaluate(*policy, k_image, vector_digest(), vector_signature());
  EXPECT_FALSE(v.accepted);
  EXPECT_THAT(v.reason, HasSubstr("none verified"));
  v = moat::trust::evaluate(*policy, "192.168.64.2:5000/other:1", vector_digest(), {});
  EXPECT_TRUE(v.accepted) << v.reason;
  v = moat::trust::evaluate(*policy, "registry.example.com/team/app:1", vector_digest(),
                            vector_signature());
  EXPECT_FALSE(v.accepted);
  EXPECT_THAT(v.reason, HasSubstr("rejects"));
}

TEST(TrustPolicy, KeysAndThresholds) {
  TempDir dir;
  auto one = moat::trust::read_policy(write_policy(dir, "one.yaml", R"(
default:
  keys: [cosign.pub, cosign2.pub]
)"));
  ASSERT_TRUE(one.has_value()) << one.error().to_string();
  EXPECT_TRUE(moat::trust::evaluate(*one, k_image, vector_digest(), vector_signature()).accepted);
  // Another manifest: the signature signs something else.
  EXPECT_FALSE(
      moat::trust::evaluate(*one, k_image, "sha256:" + std::string(64, '1'), vector_signature())
          .accepted);
  auto two = moat::trust::read_policy(write_policy(dir, "two.yaml", R"(
default:
  keys: [cosign.pub, cosign2.pub]
  threshold: 2
)"));
  ASSERT_TRUE(two.has_value());
  const auto v = moat::trust::evaluate(*two, k_image, vector_digest(), vector_signature());
  EXPECT_FALSE(v.accepted);
  EXPECT_THAT(v.reason, HasSubstr("wants signatures by 2"));
  // The identity rule applies: matchExact fails cosign's repository-only identity.
  auto exact = moat::trust::read_policy(write_policy(dir, "exact.yaml", R"(
default:
  keys: [cosign.pub]
  identity: matchExact
)"));
  ASSERT_TRUE(exact.has_value());
  EXPECT_FALSE(
      moat::trust::evaluate(*exact, k_image, vector_digest(), vector_signature()).accepted);
}

TEST(TrustPolicy, ContainersPolicyJsonIsReadAsItIs) {
  TempDir dir;
  const auto key = (dir.path() / "cosign.pub").string();
  auto policy = moat::trust::read_policy(write_policy(dir, "policy.json", R"({
  "default": [{"type": "reject"}],
  "transports": {
    "docker": {
      "192.168.64.2:5000/cosign-signed-single-sample": [
        {"type": "sigstoreSigned", "keyPath": "cosign.pub",
         "signedIdentity": {"type": "matchRepository"}}
      ],
      "192.168.64.2:5000/strict": [
        {"type": "sigstoreSigned", "keyPath": "cosign.pub"}
      ],
      "docker.io": [{"type": "insecureAcceptAnything"}]
    },
    "atomic": {}
  }
})"));
  ASSERT_TRUE(policy.has_value()) << policy.error().to_string();
  EXPECT_TRUE(
      moat::trust::evaluate(*policy, k_image, vector_digest(), vector_signature()).accepted);
  // containers/image's default identity rule, matchRepoDigestOrExact, wants
  // a signature naming a tag or digest; cosign's names the repository only.
  EXPECT_FALSE(moat::trust::evaluate(*policy, "192.168.64.2:5000/strict:1", vector_digest(),
                                     vector_signature())
                   .accepted);
  EXPECT_TRUE(
      moat::trust::evaluate(*policy, "docker.io/library/busybox:1", vector_digest(), {}).accepted);
  EXPECT_FALSE(moat::trust::evaluate(*policy, "quay.io/a/b:1", vector_digest(), {}).accepted);
}

TEST(TrustPolicy, MalformedPoliciesNameTheFileAndTheProblem) {
  TempDir dir;
  struct Case {
    const char* text;
    const char* message;
  };
  for (
      const auto& c : {
          Case{"scopes: {}\n", "no default"},
          Case{"default: maybe\n", "not reject, insecureAcceptAnything"},
          Case{"default:\n  keys: [missing.pub]\n", "missing.pub"},
          Case{"default:\n  keys: [cosign.pub]\n  threshold: 3\n", "threshold"},
          Case{"default:\n  keys: [cosign.pub]\n  colour: red\n", "unknown member 'colour'"},
          Case{"default: [unclosed\n", "invalid YAML"},
          Case{R"({"default": [{"type": "signedBy", "keyType": "X509"}]})", "GPGKeys"},
          Case{R"({"default": [{"type": "reject", "extra": 1}]})", "unknown member"},
          Case{R"({"default": [{"type": "sigstoreSigned", "fulcio": {}}]})", "unknown member"},
          Case{R"({"default": []})", "non-empty list"},
          Case{
              R"({"default": [{"type": "reject"}], "transports": {"docker": {"a": [{"type": "magic"}]}}})",
              "unknown requirement type"},
      }) {
    SCOPED_TRACE(c.text);
    const auto path =
        write_policy(dir, std::string(c.text).starts_with("{") ? "p.json" : "p.yaml", c.text);
    auto policy = moat::trust::read_policy(path);
    ASSERT_FALSE(policy.has_value());
    EXPECT_THAT(policy.error().to_string(), HasSubstr(c.message));
  }
}

} // namespace
} // namespace trust_policy_test
