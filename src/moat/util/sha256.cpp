#include <moat/util/sha256.hpp>

#include <openssl/evp.h>

#include <stdexcept>

namespace moat::util {

struct Digest::State {
  EVP_MD_CTX* ctx = nullptr;
  std::string algorithm;
  explicit State(std::string_view name)
      : ctx(EVP_MD_CTX_new()), algorithm(name == "sha512" ? "sha512" : "sha256") {
    const EVP_MD* md = algorithm == "sha512" ? EVP_sha512() : EVP_sha256();
    if (ctx == nullptr || EVP_DigestInit_ex(ctx, md, nullptr) != 1)
      throw std::runtime_error("openssl: cannot initialise " + algorithm);
  }
  ~State() { EVP_MD_CTX_free(ctx); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
};

Digest::Digest(std::string_view algorithm) : m_state(std::make_unique<State>(algorithm)) {}
Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(std::span<const std::byte> data) {
  if (!data.empty())
    EVP_DigestUpdate(m_state->ctx, data.data(), data.size());
}

void Digest::update(std::string_view data) {
  if (!data.empty())
    EVP_DigestUpdate(m_state->ctx, data.data(), data.size());
}

std::string Digest::hex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(m_state->ctx, digest.data(), &length);
  static constexpr std::string_view k_hex = "0123456789abcdef";
  std::string out;
  out.reserve(std::size_t{length} * 2U);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(k_hex[digest[i] >> 4U]);
    out.push_back(k_hex[digest[i] & 0x0FU]);
  }
  return out;
}

std::string Digest::digest() {
  const std::string algorithm = m_state->algorithm;
  return algorithm + ":" + hex();
}

std::array<std::uint8_t, 20> sha1_digest(std::string_view data) {
  std::array<std::uint8_t, 20> out{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha1(), nullptr);
  return out;
}

std::string sha256_hex(std::string_view data) {
  Digest hash;
  hash.update(data);
  return hash.hex();
}

} // namespace moat::util
