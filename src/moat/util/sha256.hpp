#pragma once
// SHA-256 and SHA-512, incrementally, for blob digests (OpenSSL underneath).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace moat::util {

// An incremental SHA-256 (default) or SHA-512, the algorithms OCI digests use.
class Digest {
public:
  // ALGORITHM is "sha256" or "sha512"; anything else is taken as sha256.
  explicit Digest(std::string_view algorithm = "sha256");
  ~Digest();
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  // Adds DATA to the digest.
  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  // The digest as lower-case hex digits; the object cannot be updated afterwards.
  [[nodiscard]] std::string hex();
  // "ALGORITHM:HEX", as OCI writes digests.
  [[nodiscard]] std::string digest();

private:
  struct State;
  std::unique_ptr<State> m_state;
};

// The SHA-1 of DATA (for RFC 4122 version-5 UUIDs, which name it).
[[nodiscard]] std::array<std::uint8_t, 20> sha1_digest(std::string_view data);

// The SHA-256 of DATA as 64 lower-case hex digits.
[[nodiscard]] std::string sha256_hex(std::string_view data);

} // namespace moat::util
