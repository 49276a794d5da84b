#include <moat/util/sha256.hpp>

#include <openssl/evp.h>

#include <stdexcept>

namespace moat::util {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  State() : ctx(EVP_MD_CTX_new()) {
    if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("openssl: cannot initialise sha256");
  }
  ~State() { EVP_MD_CTX_free(ctx); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
};

Sha256::Sha256() : m_state(std::make_unique<State>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::span<const std::byte> data) {
  if (!data.empty())
    EVP_DigestUpdate(m_state->ctx, data.data(), data.size());
}

void Sha256::update(std::string_view data) {
  if (!data.empty())
    EVP_DigestUpdate(m_state->ctx, data.data(), data.size());
}

std::string Sha256::hex() {
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

std::array<std::uint8_t, 20> sha1_digest(std::string_view data) {
  std::array<std::uint8_t, 20> out{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha1(), nullptr);
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.hex();
}

} // namespace moat::util
