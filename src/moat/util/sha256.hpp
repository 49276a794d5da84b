#pragma once
// SHA-256, incrementally, for blob digests (OpenSSL underneath).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace moat::util {

class Sha256 {
public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  // Adds DATA to the digest.
  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  // The digest as 64 lower-case hex digits; the object cannot be updated afterwards.
  [[nodiscard]] std::string hex();

private:
  struct State;
  std::unique_ptr<State> m_state;
};

// The SHA-1 of DATA (for RFC 4122 version-5 UUIDs, which name it).
[[nodiscard]] std::array<std::uint8_t, 20> sha1_digest(std::string_view data);

// The SHA-256 of DATA as 64 lower-case hex digits.
[[nodiscard]] std::string sha256_hex(std::string_view data);

} // namespace moat::util
