#pragma once
// Signing keys: generated here, or read from cosign's encrypted private key
// format (scrypt and NaCl secretbox around a PKCS#8 key; libsodium does the
// cryptography) and from plain PEM (PKCS#8, SEC1, PKIX public keys). The key
// operations are OpenSSL's.

#include <moat/core/result.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY; // NOLINT(modernize-use-using): OpenSSL's own declaration

namespace moat::trust {

enum class KeyType { ecdsa_p256, ed25519 };

// "ecdsa-p256" or "ed25519"; nullopt for anything else.
[[nodiscard]] std::optional<KeyType> key_type_from_name(std::string_view name);

struct PkeyFree {
  void operator()(EVP_PKEY* key) const;
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A key that signs (a private key) or verifies (a public key, or the public
// half of a private one).
class Key {
public:
  Key() = default;
  explicit Key(Pkey key) : m_key(std::move(key)) {}
  // Copies share the one OpenSSL key (it is not changed after it is made).

  [[nodiscard]] bool empty() const { return !m_key; }
  // "ECDSA P-256", "Ed25519", "RSA 4096".
  [[nodiscard]] std::string description() const;
  // The public key as a PUBLIC KEY PEM block (PKIX), as cosign writes it.
  [[nodiscard]] std::string public_pem() const;
  [[nodiscard]] EVP_PKEY* get() const { return m_key.get(); }

private:
  std::shared_ptr<EVP_PKEY> m_key;
};

// What moat names the encrypted form it writes; the older label is read too.
inline constexpr std::string_view k_sigstore_label = "ENCRYPTED SIGSTORE PRIVATE KEY";
inline constexpr std::string_view k_cosign_label = "ENCRYPTED COSIGN PRIVATE KEY";

// scrypt's cost for keys moat writes: 32768 is the one value every cosign
// release reads (cosign before 2.2 reads nothing else).
inline constexpr unsigned k_write_scrypt_n = 32768;

[[nodiscard]] core::Result<Key> generate_key(KeyType type);

// The private key in cosign's encrypted format, a PEM block labelled
// ENCRYPTED SIGSTORE PRIVATE KEY. PASSWORD may be empty.
[[nodiscard]] core::Result<std::string> encrypt_private_key(const Key& key,
                                                            std::string_view password,
                                                            unsigned scrypt_n = k_write_scrypt_n);

// True when TEXT holds a cosign encrypted private key (either label).
[[nodiscard]] bool is_cosign_private_key(std::string_view text);
// True when TEXT is a private key that needs a password (cosign's encrypted
// form, or an ENCRYPTED PRIVATE KEY PEM block).
[[nodiscard]] bool private_key_needs_password(std::string_view text);

// Reads a private key: cosign's encrypted format (with PASSWORD), or plain
// PEM (PKCS#8, SEC1; an encrypted PKCS#8 block with PASSWORD). INPUT names
// the file in errors: a wrong password, a damaged file, a SEC1 key inside
// cosign's format (cosign refuses those too).
[[nodiscard]] core::Result<Key> read_private_key(std::string_view text, std::string_view password,
                                                 const std::string& input);

// Reads a PUBLIC KEY PEM block (PKIX), or the public half of a private key
// that needs no password.
[[nodiscard]] core::Result<Key> read_public_key(std::string_view text, const std::string& input);

// Signs PAYLOAD as cosign does: ECDSA over SHA-256 (SHA-384, SHA-512 for
// P-384, P-521) as an ASN.1 DER signature, or Ed25519 over the bytes.
[[nodiscard]] core::Result<std::string> sign(const Key& key, std::string_view payload);

// Verifies SIGNATURE over PAYLOAD: ECDSA as ASN.1 DER or raw r||s, Ed25519,
// RSA PKCS#1 v1.5 with SHA-256.
[[nodiscard]] bool verify(const Key& key, std::string_view payload, std::string_view signature);

namespace detail {
// The first PEM block of TEXT: its label and decoded body; nullopt when
// there is none or its body is not base64.
struct PemBlock {
  std::string label;
  std::string der;
};
[[nodiscard]] std::optional<PemBlock> first_pem_block(std::string_view text);
// A PEM block of DER with LABEL, 64-column lines, ending in a newline.
[[nodiscard]] std::string pem_encode(std::string_view label, std::string_view der);
} // namespace detail

} // namespace moat::trust
