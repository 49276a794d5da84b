// libcrypto (OpenSSL 3), opened on first use (lazy.hpp).

#include <moat/lazy/lazy.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdarg>
#include <cstring>

namespace {
constexpr const auto& crypto_lib = moat::lazy::k_crypto;
} // namespace

// clang-format off
MOAT_LAZY_FORWARD(crypto_lib, long, BIO_ctrl, (BIO* b, int cmd, long larg, void* parg), (b, cmd, larg, parg))
MOAT_LAZY_FORWARD(crypto_lib, int, BIO_free, (BIO* b), (b))
MOAT_LAZY_FORWARD(crypto_lib, BIO*, BIO_new, (const BIO_METHOD* type), (type))
MOAT_LAZY_FORWARD(crypto_lib, BIO*, BIO_new_mem_buf, (const void* buf, int len), (buf, len))
MOAT_LAZY_FORWARD(crypto_lib, const BIO_METHOD*, BIO_s_mem, (void), ())
MOAT_LAZY_FORWARD(crypto_lib, BIGNUM*, BN_bin2bn, (const unsigned char* s, int len, BIGNUM* ret), (s, len, ret))
MOAT_LAZY_FORWARD(crypto_lib, void, BN_free, (BIGNUM* a), (a))
MOAT_LAZY_FORWARD(crypto_lib, void, CRYPTO_clear_free, (void* p, size_t n, const char* file, int line), (p, n, file, line))
MOAT_LAZY_FORWARD(crypto_lib, void, CRYPTO_free, (void* p, const char* file, int line), (p, file, line))
MOAT_LAZY_FORWARD(crypto_lib, void, ECDSA_SIG_free, (ECDSA_SIG* sig), (sig))
MOAT_LAZY_FORWARD(crypto_lib, ECDSA_SIG*, ECDSA_SIG_new, (void), ())
MOAT_LAZY_FORWARD(crypto_lib, int, ECDSA_SIG_set0, (ECDSA_SIG* sig, BIGNUM* r, BIGNUM* s), (sig, r, s))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_Digest,
                  (const void* data, size_t count, unsigned char* md, unsigned int* size, const EVP_MD* type,
                   ENGINE* impl),
                  (data, count, md, size, type, impl))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_DigestFinal_ex, (EVP_MD_CTX* ctx, unsigned char* md, unsigned int* s), (ctx, md, s))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_DigestInit_ex, (EVP_MD_CTX* ctx, const EVP_MD* type, ENGINE* impl), (ctx, type, impl))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_DigestSign,
                  (EVP_MD_CTX* ctx, unsigned char* sig, size_t* siglen, const unsigned char* tbs, size_t tbslen),
                  (ctx, sig, siglen, tbs, tbslen))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_DigestSignInit,
                  (EVP_MD_CTX* ctx, EVP_PKEY_CTX** pctx, const EVP_MD* type, ENGINE* e, EVP_PKEY* pkey),
                  (ctx, pctx, type, e, pkey))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_DigestUpdate, (EVP_MD_CTX* ctx, const void* d, size_t cnt), (ctx, d, cnt))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_DigestVerify,
                  (EVP_MD_CTX* ctx, const unsigned char* sig, size_t siglen, const unsigned char* tbs,
                   size_t tbslen),
                  (ctx, sig, siglen, tbs, tbslen))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_DigestVerifyInit,
                  (EVP_MD_CTX* ctx, EVP_PKEY_CTX** pctx, const EVP_MD* type, ENGINE* e, EVP_PKEY* pkey),
                  (ctx, pctx, type, e, pkey))
MOAT_LAZY_FORWARD(crypto_lib, void, EVP_MD_CTX_free, (EVP_MD_CTX* ctx), (ctx))
MOAT_LAZY_FORWARD(crypto_lib, EVP_MD_CTX*, EVP_MD_CTX_new, (void), ())
MOAT_LAZY_FORWARD(crypto_lib, EVP_PKEY*, EVP_PKCS82PKEY, (const PKCS8_PRIV_KEY_INFO* p8), (p8))
MOAT_LAZY_FORWARD(crypto_lib, PKCS8_PRIV_KEY_INFO*, EVP_PKEY2PKCS8, (const EVP_PKEY* pkey), (pkey))
MOAT_LAZY_FORWARD(crypto_lib, void, EVP_PKEY_free, (EVP_PKEY* pkey), (pkey))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_PKEY_get_base_id, (const EVP_PKEY* pkey), (pkey))
MOAT_LAZY_FORWARD(crypto_lib, int, EVP_PKEY_get_bits, (const EVP_PKEY* pkey), (pkey))
MOAT_LAZY_FORWARD(crypto_lib, const EVP_MD*, EVP_sha1, (void), ())
MOAT_LAZY_FORWARD(crypto_lib, const EVP_MD*, EVP_sha256, (void), ())
MOAT_LAZY_FORWARD(crypto_lib, const EVP_MD*, EVP_sha384, (void), ())
MOAT_LAZY_FORWARD(crypto_lib, const EVP_MD*, EVP_sha512, (void), ())
MOAT_LAZY_FORWARD(crypto_lib, EVP_PKEY*, PEM_read_bio_PrivateKey, (BIO* bp, EVP_PKEY** x, pem_password_cb* cb, void* u),
                  (bp, x, cb, u))
MOAT_LAZY_FORWARD(crypto_lib, int, PEM_write_bio_PUBKEY, (BIO* bp, const EVP_PKEY* x), (bp, x))
MOAT_LAZY_FORWARD(crypto_lib, void, PKCS8_PRIV_KEY_INFO_free, (PKCS8_PRIV_KEY_INFO* a), (a))
MOAT_LAZY_FORWARD(crypto_lib, PKCS8_PRIV_KEY_INFO*, d2i_PKCS8_PRIV_KEY_INFO,
                  (PKCS8_PRIV_KEY_INFO** a, const unsigned char** in, long len), (a, in, len))
MOAT_LAZY_FORWARD(crypto_lib, EVP_PKEY*, d2i_PUBKEY, (EVP_PKEY** a, const unsigned char** pp, long length), (a, pp, length))
MOAT_LAZY_FORWARD(crypto_lib, int, i2d_ECDSA_SIG, (const ECDSA_SIG* sig, unsigned char** pp), (sig, pp))
MOAT_LAZY_FORWARD(crypto_lib, int, i2d_PKCS8_PRIV_KEY_INFO, (const PKCS8_PRIV_KEY_INFO* a, unsigned char** out), (a, out))
// clang-format on

// Variadic: the extra argument depends on the key type. moat asks for
// "ED25519" (none) and "EC" (the curve's name); "RSA" takes the size in
// bits. Other types take no extra argument.
extern "C" EVP_PKEY* EVP_PKEY_Q_keygen(OSSL_LIB_CTX* ctx, const char* propq, const char* type,
                                       ...) {
  using Real = EVP_PKEY* (*)(OSSL_LIB_CTX*, const char*, const char*, ...);
  static const auto real =
      reinterpret_cast<Real>(moat::lazy::symbol(crypto_lib, "EVP_PKEY_Q_keygen"));
  va_list args;
  va_start(args, type);
  EVP_PKEY* key = nullptr;
  if (type != nullptr && (std::strcmp(type, "EC") == 0 || std::strcmp(type, "SM2") == 0))
    key = real(ctx, propq, type, va_arg(args, const char*));
  else if (type != nullptr && std::strcmp(type, "RSA") == 0)
    key = real(ctx, propq, type, va_arg(args, size_t));
  else
    key = real(ctx, propq, type);
  va_end(args);
  return key;
}
