// Keys: OpenSSL for the key operations, libsodium for cosign's scrypt and
// secretbox envelope.

#include <moat/trust/keys.hpp>
#include <moat/util/base64.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <array>
#include <vector>

namespace moat::trust {

void PkeyFree::operator()(EVP_PKEY* key) const {
  EVP_PKEY_free(key);
}

namespace {

using nlohmann::json;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Wipes what held a password or a private key when it goes.
struct Secret {
  std::vector<unsigned char> bytes;
  explicit Secret(std::size_t n) : bytes(n) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() {
    if (!bytes.empty())
      sodium_memzero(bytes.data(), bytes.size());
  }
};

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Bio memory_bio(std::string_view text) {
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The digest cosign signs with for an EC key of this size.
const EVP_MD* ec_digest(const EVP_PKEY* key) {
  const int bits = EVP_PKEY_get_bits(key);
  if (bits > 384)
    return EVP_sha512();
  if (bits > 256)
    return EVP_sha384();
  return EVP_sha256();
}

constexpr std::size_t k_salt_bytes = 32;

core::Error key_error(const std::string& input, std::string message) {
  return core::Error{core::ErrorKind::parse, input, std::move(message), 0, 0};
}

// scrypt(PASSWORD, SALT, N, r, p) -> 32 bytes.
bool derive(std::string_view password, std::string_view salt, std::uint64_t n, std::uint32_t r,
            std::uint32_t p, Secret& out) {
  return crypto_pwhash_scryptsalsa208sha256_ll(
             reinterpret_cast<const std::uint8_t*>(password.data()), password.size(),
             reinterpret_cast<const std::uint8_t*>(salt.data()), salt.size(), n, r, p,
             out.bytes.data(), out.bytes.size()) == 0;
}

core::Result<Key> key_from_pkcs8(std::string_view der, const std::string& input) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  if (info == nullptr)
    return std::unexpected(key_error(
        input, "the decrypted key is not PKCS#8 (cosign's format holds only PKCS#8 keys)"));
  EVP_PKEY* key = EVP_PKCS82PKEY(info);
  PKCS8_PRIV_KEY_INFO_free(info);
  if (key == nullptr)
    return std::unexpected(key_error(input, "the decrypted key is of a kind moat cannot use"));
  return Key(Pkey(key));
}

core::Result<Key> decrypt_cosign(std::string_view envelope, std::string_view password,
                                 const std::string& input) {
  const auto doc = json::parse(envelope, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::unexpected(key_error(input, "the encrypted key is not valid JSON"));
  auto text_at = [&](const json& obj, const char* key) -> std::string {
    if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string())
      return {};
    return obj[key].get<std::string>();
  };
  const json kdf = doc.value("kdf", json());
  const json cipher = doc.value("cipher", json());
  if (text_at(kdf, "name") != "scrypt")
    return std::unexpected(key_error(input, "the key's KDF is not scrypt"));
  if (text_at(cipher, "name") != "nacl/secretbox")
    return std::unexpected(key_error(input, "the key's cipher is not nacl/secretbox"));
  const json params = kdf.value("params", json());
  auto number = [&](const char* key) -> std::uint64_t {
    if (!params.is_object() || !params.contains(key) || !params[key].is_number_unsigned())
      return 0;
    return params[key].get<std::uint64_t>();
  };
  const auto n = number("N");
  const auto r = number("r");
  const auto p = number("p");
  // The parameters cosign's reader accepts, and no others: a file cannot
  // make moat spend gigabytes on scrypt.
  if ((n != 32768 && n != 65536 && n != 131072) || r != 8 || p != 1)
    return std::unexpected(
        key_error(input, fmt::format("unsupported scrypt parameters N={} r={} p={} (cosign writes "
                                     "N=32768 or 65536 with r=8, p=1)",
                                     n, r, p)));
  const auto salt = util::base64_decode(text_at(kdf, "salt"));
  const auto nonce = util::base64_decode(text_at(cipher, "nonce"));
  const auto sealed = util::base64_decode(text_at(doc, "ciphertext"));
  if (!salt || salt->empty() || !nonce || nonce->size() != crypto_secretbox_NONCEBYTES || !sealed ||
      sealed->size() < crypto_secretbox_MACBYTES)
    return std::unexpected(key_error(input, "the encrypted key's salt, nonce or ciphertext is "
                                            "missing or malformed"));
  if (!sodium_ready())
    return core::fail(core::ErrorKind::internal, input, "libsodium could not start");
  Secret box_key(crypto_secretbox_KEYBYTES);
  if (!derive(password, *salt, n, static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(p),
              box_key))
    return core::fail(core::ErrorKind::internal, input, "scrypt failed (out of memory?)");
  Secret plain(sealed->size() - crypto_secretbox_MACBYTES);
  if (crypto_secretbox_open_easy(
          plain.bytes.data(), reinterpret_cast<const unsigned char*>(sealed->data()),
          sealed->size(), reinterpret_cast<const unsigned char*>(nonce->data()),
          box_key.bytes.data()) != 0)
    return std::unexpected(
        key_error(input, "wrong password, or the key file is damaged (decryption failed)"));
  return key_from_pkcs8(
      std::string_view(reinterpret_cast<const char*>(plain.bytes.data()), plain.bytes.size()),
      input);
}

int password_callback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* password = static_cast<const std::string_view*>(user);
  if (password == nullptr || static_cast<int>(password->size()) > size)
    return -1;
  password->copy(buf, password->size());
  return static_cast<int>(password->size());
}

} // namespace

std::optional<KeyType> key_type_from_name(std::string_view name) {
  if (name == "ecdsa-p256")
    return KeyType::ecdsa_p256;
  if (name == "ed25519")
    return KeyType::ed25519;
  return std::nullopt;
}

std::string Key::description() const {
  if (!m_key)
    return "no key";
  switch (EVP_PKEY_get_base_id(m_key.get())) {
  case EVP_PKEY_ED25519:
    return "Ed25519";
  case EVP_PKEY_RSA:
    return fmt::format("RSA {}", EVP_PKEY_get_bits(m_key.get()));
  case EVP_PKEY_EC: {
    const int bits = EVP_PKEY_get_bits(m_key.get());
    return bits > 384 ? "ECDSA P-521" : bits > 256 ? "ECDSA P-384" : "ECDSA P-256";
  }
  default:
    return "unsupported key";
  }
}

std::string Key::public_pem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!m_key || !bio || PEM_write_bio_PUBKEY(bio.get(), m_key.get()) != 1)
    return {};
  return bio_text(bio.get());
}

core::Result<Key> generate_key(KeyType type) {
  EVP_PKEY* key = type == KeyType::ed25519 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                                           : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr)
    return core::fail(core::ErrorKind::internal, "", "key generation failed");
  return Key(Pkey(key));
}

core::Result<std::string> encrypt_private_key(const Key& key, std::string_view password,
                                              unsigned scrypt_n) {
  if (key.empty())
    return core::fail(core::ErrorKind::internal, "", "no key to encrypt");
  if (!sodium_ready())
    return core::fail(core::ErrorKind::internal, "", "libsodium could not start");
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key.get());
  if (info == nullptr)
    return core::fail(core::ErrorKind::internal, "", "the key cannot be written as PKCS#8");
  unsigned char* der = nullptr;
  const int der_size = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
  PKCS8_PRIV_KEY_INFO_free(info);
  if (der_size <= 0)
    return core::fail(core::ErrorKind::internal, "", "the key cannot be written as PKCS#8");
  Secret plain(static_cast<std::size_t>(der_size));
  std::copy(der, der + der_size, plain.bytes.begin());
  OPENSSL_clear_free(der, static_cast<std::size_t>(der_size));

  std::array<unsigned char, k_salt_bytes> salt{};
  std::array<unsigned char, crypto_secretbox_NONCEBYTES> nonce{};
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());
  Secret box_key(crypto_secretbox_KEYBYTES);
  if (!derive(password, std::string_view(reinterpret_cast<const char*>(salt.data()), salt.size()),
              scrypt_n, 8, 1, box_key))
    return core::fail(core::ErrorKind::internal, "", "scrypt failed (out of memory?)");
  std::string sealed(plain.bytes.size() + crypto_secretbox_MACBYTES, '\0');
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(sealed.data()), plain.bytes.data(),
                        plain.bytes.size(), nonce.data(), box_key.bytes.data());
  // Compact JSON with the members in the order cosign writes them.
  const std::string envelope =
      fmt::format(R"({{"kdf":{{"name":"scrypt","params":{{"N":{},"r":8,"p":1}},"salt":"{}"}},)"
                  R"("cipher":{{"name":"nacl/secretbox","nonce":"{}"}},"ciphertext":"{}"}})",
                  scrypt_n,
                  util::base64_encode(
                      std::string_view(reinterpret_cast<const char*>(salt.data()), salt.size())),
                  util::base64_encode(
                      std::string_view(reinterpret_cast<const char*>(nonce.data()), nonce.size())),
                  util::base64_encode(sealed));
  return detail::pem_encode(k_sigstore_label, envelope);
}

bool is_cosign_private_key(std::string_view text) {
  const auto block = detail::first_pem_block(text);
  return block && (block->label == k_sigstore_label || block->label == k_cosign_label);
}

bool private_key_needs_password(std::string_view text) {
  const auto block = detail::first_pem_block(text);
  return block && (block->label == k_sigstore_label || block->label == k_cosign_label ||
                   block->label == "ENCRYPTED PRIVATE KEY");
}

core::Result<Key> read_private_key(std::string_view text, std::string_view password,
                                   const std::string& input) {
  const auto block = detail::first_pem_block(text);
  if (!block)
    return std::unexpected(key_error(input, "no PEM key block found"));
  if (block->label == k_sigstore_label || block->label == k_cosign_label)
    return decrypt_cosign(block->der, password, input);
  if (block->label.find("PRIVATE KEY") == std::string::npos)
    return std::unexpected(
        key_error(input, fmt::format("a {} block is not a private key", block->label)));
  auto bio = memory_bio(text);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, password_callback,
                                          const_cast<std::string_view*>(&password));
  if (key == nullptr)
    return std::unexpected(
        key_error(input, block->label == "ENCRYPTED PRIVATE KEY"
                             ? "wrong password, or the key file is damaged (decryption failed)"
                             : fmt::format("the {} block cannot be read", block->label)));
  return Key(Pkey(key));
}

core::Result<Key> read_public_key(std::string_view text, const std::string& input) {
  const auto block = detail::first_pem_block(text);
  if (!block)
    return std::unexpected(key_error(input, "no PEM key block found"));
  if (block->label == "PUBLIC KEY") {
    const auto* p = reinterpret_cast<const unsigned char*>(block->der.data());
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(block->der.size()));
    if (key == nullptr)
      return std::unexpected(key_error(input, "the PUBLIC KEY block cannot be read"));
    return Key(Pkey(key));
  }
  if (block->label == "PRIVATE KEY" || block->label == "EC PRIVATE KEY")
    return read_private_key(text, "", input);
  return std::unexpected(key_error(
      input, fmt::format("a {} block is not a public key (expected PUBLIC KEY)", block->label)));
}

core::Result<std::string> sign(const Key& key, std::string_view payload) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || key.empty())
    return core::fail(core::ErrorKind::internal, "", "cannot sign");
  const int id = EVP_PKEY_get_base_id(key.get());
  const EVP_MD* md = id == EVP_PKEY_ED25519 ? nullptr
                     : id == EVP_PKEY_EC    ? ec_digest(key.get())
                                            : EVP_sha256();
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1)
    return core::fail(core::ErrorKind::usage, "", "this key cannot sign: " + key.description());
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(payload.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &size, data, payload.size()) != 1)
    return core::fail(core::ErrorKind::internal, "", "signing failed");
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, data,
                     payload.size()) != 1)
    return core::fail(core::ErrorKind::internal, "", "signing failed");
  signature.resize(size);
  return signature;
}

namespace {

bool verify_once(const Key& key, std::string_view payload, std::string_view signature) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx)
    return false;
  const int id = EVP_PKEY_get_base_id(key.get());
  const EVP_MD* md = id == EVP_PKEY_ED25519 ? nullptr
                     : id == EVP_PKEY_EC    ? ec_digest(key.get())
                                            : EVP_sha256();
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(payload.data()),
                          payload.size()) == 1;
}

// Raw r||s (IEEE P1363) as ASN.1 DER; empty when it is not that.
std::string p1363_to_der(const Key& key, std::string_view raw) {
  const auto half = static_cast<std::size_t>((EVP_PKEY_get_bits(key.get()) + 7) / 8);
  if (raw.size() != 2 * half)
    return {};
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half),
                        nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + half,
                        static_cast<int>(half), nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return {};
  }
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  std::string out = n > 0 ? std::string(reinterpret_cast<char*>(der), static_cast<std::size_t>(n))
                          : std::string();
  OPENSSL_free(der);
  return out;
}

} // namespace

bool verify(const Key& key, std::string_view payload, std::string_view signature) {
  if (key.empty() || signature.empty())
    return false;
  if (verify_once(key, payload, signature))
    return true;
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC)
    return false;
  const auto der = p1363_to_der(key, signature);
  return !der.empty() && verify_once(key, payload, der);
}

namespace detail {

std::optional<PemBlock> first_pem_block(std::string_view text) {
  constexpr std::string_view begin = "-----BEGIN ";
  const auto start = text.find(begin);
  if (start == std::string_view::npos)
    return std::nullopt;
  const auto label_start = start + begin.size();
  const auto label_end = text.find("-----", label_start);
  if (label_end == std::string_view::npos)
    return std::nullopt;
  PemBlock block;
  block.label = std::string(text.substr(label_start, label_end - label_start));
  const auto body_start = label_end + 5;
  const auto end_marker = fmt::format("-----END {}-----", block.label);
  const auto body_end = text.find(end_marker, body_start);
  if (body_end == std::string_view::npos)
    return std::nullopt;
  auto body = text.substr(body_start, body_end - body_start);
  // Headers (Proc-Type, DEK-Info) of old-style encrypted PEM: not base64.
  if (body.find(':') != std::string_view::npos)
    return std::nullopt;
  auto der = util::base64_decode(body, true);
  if (!der)
    return std::nullopt;
  block.der = std::move(*der);
  return block;
}

std::string pem_encode(std::string_view label, std::string_view der) {
  const auto body = util::base64_encode(der);
  std::string out = fmt::format("-----BEGIN {}-----\n", label);
  for (std::size_t i = 0; i < body.size(); i += 64) {
    out.append(body.substr(i, 64));
    out += '\n';
  }
  out += fmt::format("-----END {}-----\n", label);
  return out;
}

} // namespace detail

} // namespace moat::trust
