// Keys: cosign's encrypted private keys from the shared vectors load, keys
// moat writes decrypt with an implementation written here (OpenSSL's scrypt,
// XSalsa20 and Poly1305 from their specifications), and signatures made by
// one key verify with its public half only.

#include <moat/trust/keys.hpp>
#include <moat/util/base64.hpp>

#include "testutil.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <sstream>

namespace trust_keys_test {
namespace {

using ::testing::HasSubstr;

std::filesystem::path vectors() {
  return moat::test::shared_dir() / "conformance/signing/cosign";
}

// ---- An independent NaCl secretbox opener -------------------------------

std::uint32_t rotl(std::uint32_t v, int n) {
  return (v << n) | (v >> (32 - n));
}

std::uint32_t le32(const unsigned char* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

std::uint64_t le64(const unsigned char* p) {
  return std::uint64_t{le32(p)} | (std::uint64_t{le32(p + 4)} << 32);
}

void salsa_rounds(std::array<std::uint32_t, 16>& x) {
  auto qr = [&](std::size_t a, std::size_t b, std::size_t c, std::size_t d) {
    x[b] ^= rotl(x[a] + x[d], 7);
    x[c] ^= rotl(x[b] + x[a], 9);
    x[d] ^= rotl(x[c] + x[b], 13);
    x[a] ^= rotl(x[d] + x[c], 18);
  };
  for (int i = 0; i < 10; ++i) {
    qr(0, 4, 8, 12);
    qr(5, 9, 13, 1);
    qr(10, 14, 2, 6);
    qr(15, 3, 7, 11);
    qr(0, 1, 2, 3);
    qr(5, 6, 7, 4);
    qr(10, 11, 8, 9);
    qr(15, 12, 13, 14);
  }
}

std::array<std::uint32_t, 16> salsa_state(const unsigned char* key, const unsigned char* in16) {
  std::array<std::uint32_t, 16> s{};
  s[0] = 0x61707865;
  s[5] = 0x3320646e;
  s[10] = 0x79622d32;
  s[15] = 0x6b206574;
  for (std::size_t i = 0; i < 4; ++i) {
    s[1 + i] = le32(key + 4 * i);
    s[11 + i] = le32(key + 16 + 4 * i);
    s[6 + i] = le32(in16 + 4 * i);
  }
  return s;
}

// XSalsa20 keystream of LENGTH bytes for KEY (32) and NONCE (24).
std::string xsalsa20(const unsigned char* key, const unsigned char* nonce, std::size_t length) {
  auto h = salsa_state(key, nonce);
  salsa_rounds(h);
  std::array<unsigned char, 32> subkey{};
  const std::array<std::size_t, 8> picks = {0, 5, 10, 15, 6, 7, 8, 9};
  for (std::size_t i = 0; i < 8; ++i)
    for (std::size_t b = 0; b < 4; ++b)
      subkey[4 * i + b] = static_cast<unsigned char>(h[picks[i]] >> (8 * b));
  std::string out;
  for (std::uint64_t counter = 0; out.size() < length; ++counter) {
    std::array<unsigned char, 16> in{};
    std::copy(nonce + 16, nonce + 24, in.begin());
    for (std::size_t b = 0; b < 8; ++b)
      in[8 + b] = static_cast<unsigned char>(counter >> (8 * b));
    const auto start = salsa_state(subkey.data(), in.data());
    auto x = start;
    salsa_rounds(x);
    for (std::size_t i = 0; i < 16; ++i)
      for (std::size_t b = 0; b < 4; ++b)
        out += static_cast<char>((x[i] + start[i]) >> (8 * b));
  }
  out.resize(length);
  return out;
}

// Poly1305 (RFC 8439 section 2.5) with 44/44/42-bit limbs.
std::string poly1305(const unsigned char* key, std::string_view message) {
  __extension__ using u128 = unsigned __int128;
  constexpr std::uint64_t m44 = 0xfffffffffff;
  constexpr std::uint64_t m42 = 0x3ffffffffff;
  const std::uint64_t t0 = le64(key);
  const std::uint64_t t1 = le64(key + 8);
  const std::uint64_t r0 = t0 & 0xffc0fffffff;
  const std::uint64_t r1 = ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffff;
  const std::uint64_t r2 = (t1 >> 24) & 0x00ffffffc0f;
  const std::uint64_t s1 = r1 * 20;
  const std::uint64_t s2 = r2 * 20;
  std::uint64_t h0 = 0;
  std::uint64_t h1 = 0;
  std::uint64_t h2 = 0;
  for (std::size_t at = 0; at < message.size(); at += 16) {
    std::array<unsigned char, 16> block{};
    const auto n = std::min<std::size_t>(16, message.size() - at);
    std::copy_n(reinterpret_cast<const unsigned char*>(message.data()) + at, n, block.begin());
    std::uint64_t hibit = std::uint64_t{1} << 40;
    if (n < 16) {
      block[n] = 1;
      hibit = 0;
    }
    const std::uint64_t m0 = le64(block.data());
    const std::uint64_t m1 = le64(block.data() + 8);
    h0 += m0 & m44;
    h1 += ((m0 >> 44) | (m1 << 20)) & m44;
    h2 += ((m1 >> 24) & m42) | hibit;
    u128 d0 = u128{h0} * r0 + u128{h1} * s2 + u128{h2} * s1;
    u128 d1 = u128{h0} * r1 + u128{h1} * r0 + u128{h2} * s2;
    u128 d2 = u128{h0} * r2 + u128{h1} * r1 + u128{h2} * r0;
    std::uint64_t c = static_cast<std::uint64_t>(d0 >> 44);
    h0 = static_cast<std::uint64_t>(d0) & m44;
    d1 += c;
    c = static_cast<std::uint64_t>(d1 >> 44);
    h1 = static_cast<std::uint64_t>(d1) & m44;
    d2 += c;
    c = static_cast<std::uint64_t>(d2 >> 42);
    h2 = static_cast<std::uint64_t>(d2) & m42;
    h0 += c * 5;
    c = h0 >> 44;
    h0 &= m44;
    h1 += c;
  }
  std::uint64_t c = h1 >> 44;
  h1 &= m44;
  h2 += c;
  c = h2 >> 42;
  h2 &= m42;
  h0 += c * 5;
  c = h0 >> 44;
  h0 &= m44;
  h1 += c;
  c = h1 >> 44;
  h1 &= m44;
  h2 += c;
  c = h2 >> 42;
  h2 &= m42;
  h0 += c * 5;
  c = h0 >> 44;
  h0 &= m44;
  h1 += c;
  // h - p, kept when it does not borrow.
  std::uint64_t g0 = h0 + 5;
  c = g0 >> 44;
  g0 &= m44;
  std::uint64_t g1 = h1 + c;
  c = g1 >> 44;
  g1 &= m44;
  std::uint64_t g2 = h2 + c - (std::uint64_t{1} << 42);
  const std::uint64_t keep_g = (g2 >> 63) - 1;
  h0 = (h0 & ~keep_g) | (g0 & keep_g);
  h1 = (h1 & ~keep_g) | (g1 & keep_g);
  h2 = (h2 & ~keep_g) | (g2 & keep_g);
  const std::uint64_t k0 = le64(key + 16);
  const std::uint64_t k1 = le64(key + 24);
  h0 += k0 & m44;
  c = h0 >> 44;
  h0 &= m44;
  h1 += (((k0 >> 44) | (k1 << 20)) & m44) + c;
  c = h1 >> 44;
  h1 &= m44;
  h2 += ((k1 >> 24) & m42) + c;
  h2 &= m42;
  const std::uint64_t lo = h0 | (h1 << 44);
  const std::uint64_t hi = (h1 >> 20) | (h2 << 24);
  std::string tag;
  for (unsigned b = 0; b < 8; ++b)
    tag += static_cast<char>(lo >> (8 * b));
  for (unsigned b = 0; b < 8; ++b)
    tag += static_cast<char>(hi >> (8 * b));
  return tag;
}

// secretbox_open: tag (16 bytes) then ciphertext; nullopt when the tag is wrong.
std::optional<std::string> secretbox_open(std::string_view box, const unsigned char* key,
                                          const unsigned char* nonce) {
  if (box.size() < 16)
    return std::nullopt;
  const auto stream = xsalsa20(key, nonce, 32 + box.size() - 16);
  const auto cipher = box.substr(16);
  if (poly1305(reinterpret_cast<const unsigned char*>(stream.data()), cipher) != box.substr(0, 16))
    return std::nullopt;
  std::string plain(cipher);
  for (std::size_t i = 0; i < plain.size(); ++i)
    plain[i] = static_cast<char>(plain[i] ^ stream[32 + i]);
  return plain;
}

// Decrypts a cosign key file with OpenSSL's scrypt and the code above;
// returns the PKCS#8 DER, nullopt for a wrong password.
std::optional<std::string> independent_decrypt(const std::string& pem,
                                               const std::string& password) {
  std::string body;
  std::istringstream lines(pem);
  for (std::string line; std::getline(lines, line);)
    if (!line.starts_with("-----"))
      body += line;
  std::string json_text(body.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(json_text.data()),
                                reinterpret_cast<const unsigned char*>(body.data()),
                                static_cast<int>(body.size()));
  EXPECT_GT(n, 0);
  json_text.resize(static_cast<std::size_t>(n));
  while (!json_text.empty() && json_text.back() == '\0')
    json_text.pop_back();
  const auto doc = nlohmann::json::parse(json_text);
  auto b64 = [](const std::string& s) { return *moat::util::base64_decode(s); };
  const auto salt = b64(doc["kdf"]["salt"].get<std::string>());
  const auto nonce = b64(doc["cipher"]["nonce"].get<std::string>());
  const auto box = b64(doc["ciphertext"].get<std::string>());
  std::array<unsigned char, 32> key{};
  EXPECT_EQ(EVP_PBE_scrypt(password.data(), password.size(),
                           reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                           doc["kdf"]["params"]["N"].get<std::uint64_t>(),
                           doc["kdf"]["params"]["r"].get<std::uint64_t>(),
                           doc["kdf"]["params"]["p"].get<std::uint64_t>(), 512U << 20, key.data(),
                           key.size()),
            1);
  return secretbox_open(box, key.data(), reinterpret_cast<const unsigned char*>(nonce.data()));
}

std::string public_pem_of_pkcs8(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  if (info == nullptr)
    return {};
  EVP_PKEY* key = EVP_PKCS82PKEY(info);
  PKCS8_PRIV_KEY_INFO_free(info);
  moat::trust::Key wrapped{moat::trust::Pkey(key)};
  return wrapped.public_pem();
}

// ---- Tests ----------------------------------------------------------------

TEST(CosignKeys, TheSharedVectorsLoadWithTheirPassword) {
  struct Case {
    const char* file;
    const char* public_key; // the base64 body of its public key
  };
  for (const auto& c :
       {Case{"sigstore-label-pkcs8.key",
             "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7z9gA/tqa9iHt/"
             "f9F3ulyVi4lwqULfHWfhG2mK4eyJ8LDcLstb+VVhxj3pkMjc3fNo+sSfiIY2NLR7c+DG1V4w=="},
        Case{"cosign-label-pkcs8.key",
             "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAECYtspttZZ7e9PMd8wyU2CWDlpEXNbqTve0ZBuOXu9xTjtm7Z1"
             "07cVLCCk96Ma4D0tesnKeCPwrcspLz7GNZJSw=="}}) {
    SCOPED_TRACE(c.file);
    const auto text = moat::test::read_text(vectors() / c.file);
    EXPECT_TRUE(moat::trust::is_cosign_private_key(text));
    EXPECT_TRUE(moat::trust::private_key_needs_password(text));
    auto key = moat::trust::read_private_key(text, "hello", c.file);
    ASSERT_TRUE(key.has_value()) << key.error().to_string();
    EXPECT_EQ(key->description(), "ECDSA P-256");
    auto pem = key->public_pem();
    std::string body;
    std::istringstream lines(pem);
    for (std::string line; std::getline(lines, line);)
      if (!line.starts_with("-----"))
        body += line;
    EXPECT_EQ(body, c.public_key);
    auto wrong = moat::trust::read_private_key(text, "hellO", c.file);
    ASSERT_FALSE(wrong.has_value());
    EXPECT_THAT(wrong.error().message, HasSubstr("wrong password"));
    EXPECT_EQ(wrong.error().input, c.file);
    // The test's own decryption agrees with the Go implementation that made it.
    const auto der = independent_decrypt(text, "hello");
    ASSERT_TRUE(der.has_value());
    EXPECT_EQ(der->size(), 138U);
    EXPECT_EQ(public_pem_of_pkcs8(*der), pem);
    EXPECT_FALSE(independent_decrypt(text, "hellO").has_value());
  }
}

TEST(CosignKeys, ASec1KeyInsideCosignsFormatIsRefused) {
  const auto text = moat::test::read_text(vectors() / "cosign-label-sec1.key");
  auto key = moat::trust::read_private_key(text, "hello", "sec1.key");
  ASSERT_FALSE(key.has_value());
  EXPECT_THAT(key.error().message, HasSubstr("not PKCS#8"));
}

TEST(CosignKeys, KeysMoatWritesAreCosignKeysAnyReaderOpens) {
  for (auto type : {moat::trust::KeyType::ecdsa_p256, moat::trust::KeyType::ed25519}) {
    auto key = moat::trust::generate_key(type);
    ASSERT_TRUE(key.has_value());
    auto pem = moat::trust::encrypt_private_key(*key, "s3cret pass");
    ASSERT_TRUE(pem.has_value());
    EXPECT_TRUE(pem->starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    EXPECT_TRUE(pem->ends_with("-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    // The N every cosign release reads.
    const auto block = moat::trust::detail::first_pem_block(*pem);
    ASSERT_TRUE(block.has_value());
    EXPECT_THAT(block->der, HasSubstr(R"("params":{"N":32768,"r":8,"p":1})"));
    const auto der = independent_decrypt(*pem, "s3cret pass");
    ASSERT_TRUE(der.has_value()) << "the test's own secretbox could not open it";
    EXPECT_EQ(public_pem_of_pkcs8(*der), key->public_pem());
    EXPECT_FALSE(independent_decrypt(*pem, "s3cret pas").has_value());
    auto back = moat::trust::read_private_key(*pem, "s3cret pass", "k");
    ASSERT_TRUE(back.has_value()) << back.error().to_string();
    EXPECT_EQ(back->public_pem(), key->public_pem());
  }
  // An empty password is allowed, as in cosign.
  auto key = moat::trust::generate_key(moat::trust::KeyType::ecdsa_p256);
  auto pem = moat::trust::encrypt_private_key(*key, "");
  ASSERT_TRUE(pem.has_value());
  EXPECT_TRUE(moat::trust::read_private_key(*pem, "", "k").has_value());
}

TEST(CosignKeys, HostileEnvelopesAreRefused) {
  auto make = [](const std::string& json) {
    return moat::trust::detail::pem_encode("ENCRYPTED SIGSTORE PRIVATE KEY", json);
  };
  for (
      const std::string& bad :
      {std::string("not json"),
       std::string(R"({"kdf":{"name":"argon2"},"cipher":{"name":"nacl/secretbox"}})"),
       std::string(
           R"({"kdf":{"name":"scrypt","params":{"N":1073741824,"r":8,"p":1},"salt":"AAAA"},"cipher":{"name":"nacl/secretbox","nonce":"AAAA"},"ciphertext":"AAAA"})"),
       std::string(
           R"({"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"AAAA"},"cipher":{"name":"nacl/secretbox","nonce":"AAAA"},"ciphertext":"AAAA"})")}) {
    auto key = moat::trust::read_private_key(make(bad), "x", "bad.key");
    ASSERT_FALSE(key.has_value()) << bad;
    EXPECT_EQ(key.error().input, "bad.key");
  }
  EXPECT_FALSE(moat::trust::read_private_key("nothing here", "", "k").has_value());
  EXPECT_FALSE(moat::trust::read_public_key(
                   "-----BEGIN PUBLIC KEY-----\n%%%%\n-----END PUBLIC KEY-----\n", "k")
                   .has_value());
}

// Plain PEM keys as openssl writes them: PKCS#8 and SEC1 private keys, PKIX
// public keys; an encrypted PKCS#8 block with its password.
TEST(PlainPem, PrivateAndPublicKeysAsOpenSslWritesThem) {
  auto key = moat::trust::generate_key(moat::trust::KeyType::ecdsa_p256);
  ASSERT_TRUE(key.has_value());
  auto pem_of = [&](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
  };
  const auto pkcs8 = pem_of([&](BIO* b) {
    PEM_write_bio_PrivateKey(b, key->get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  const auto sec1 = pem_of([&](BIO* b) {
    PEM_write_bio_PrivateKey_traditional(b, key->get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  const auto encrypted = pem_of([&](BIO* b) {
    PEM_write_bio_PKCS8PrivateKey(b, key->get(), EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                  const_cast<char*>("pw"));
  });
  EXPECT_THAT(pkcs8, HasSubstr("BEGIN PRIVATE KEY"));
  EXPECT_THAT(sec1, HasSubstr("BEGIN EC PRIVATE KEY"));
  EXPECT_THAT(encrypted, HasSubstr("BEGIN ENCRYPTED PRIVATE KEY"));
  EXPECT_FALSE(moat::trust::private_key_needs_password(pkcs8));
  EXPECT_TRUE(moat::trust::private_key_needs_password(encrypted));
  for (const auto& [text, password] : std::vector<std::pair<std::string, std::string>>{
           {pkcs8, ""}, {sec1, ""}, {encrypted, "pw"}}) {
    auto read = moat::trust::read_private_key(text, password, "k.pem");
    ASSERT_TRUE(read.has_value()) << read.error().to_string();
    EXPECT_EQ(read->public_pem(), key->public_pem());
  }
  auto wrong = moat::trust::read_private_key(encrypted, "nope", "k.pem");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_THAT(wrong.error().message, HasSubstr("wrong password"));
  // A public key file, and the public half of a plain private key.
  EXPECT_TRUE(moat::trust::read_public_key(key->public_pem(), "k.pub").has_value());
  EXPECT_TRUE(moat::trust::read_public_key(pkcs8, "k.pem").has_value());
  auto not_key = moat::trust::read_public_key(
      "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", "c.pem");
  ASSERT_FALSE(not_key.has_value());
  EXPECT_THAT(not_key.error().message, HasSubstr("not a public key"));
}

TEST(Signing, SignaturesVerifyWithTheirKeyOnly) {
  auto a = moat::trust::generate_key(moat::trust::KeyType::ecdsa_p256);
  auto b = moat::trust::generate_key(moat::trust::KeyType::ecdsa_p256);
  auto e = moat::trust::generate_key(moat::trust::KeyType::ed25519);
  ASSERT_TRUE(a && b && e);
  const std::string payload = "payload bytes";
  for (auto* key : {&*a, &*e}) {
    auto sig = moat::trust::sign(*key, payload);
    ASSERT_TRUE(sig.has_value());
    auto pub = moat::trust::read_public_key(key->public_pem(), "pub");
    ASSERT_TRUE(pub.has_value());
    EXPECT_TRUE(moat::trust::verify(*pub, payload, *sig));
    EXPECT_FALSE(moat::trust::verify(*pub, payload + "x", *sig));
    EXPECT_FALSE(moat::trust::verify(*b, payload, *sig));
  }
  EXPECT_EQ(e->description(), "Ed25519");
  // A raw r||s ECDSA signature verifies too (sigstore's verifiers accept it).
  auto der = moat::trust::sign(*a, payload);
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der->size()));
  ASSERT_NE(sig, nullptr);
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  EXPECT_TRUE(moat::trust::verify(*a, payload, raw));
  raw[5] ^= 1;
  EXPECT_FALSE(moat::trust::verify(*a, payload, raw));
}

} // namespace
} // namespace trust_keys_test
