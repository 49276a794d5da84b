#pragma once
// GPG "simple signing" signatures as skopeo, Podman and CRI-O write them:
// an OpenPGP message whose literal data is the payload (type "atomic
// container signature"). OpenPGP itself is GnuPG's: gpgv checks the
// signature against a keyring of trusted keys and hands back the payload;
// moat never parses OpenPGP packets.

#include <moat/core/result.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace moat::trust {

inline constexpr std::string_view k_gpg_type = "atomic container signature";

// A keyring of trusted public keys, made ready for gpgv in a private
// temporary directory (ASCII-armored keys are dearmored with gpg); the
// directory goes with the object.
class GpgKeyring {
public:
  // Reads the keyring file at PATH (binary or armored); errors name it.
  [[nodiscard]] static core::Result<std::shared_ptr<GpgKeyring>> open(const std::string& path);
  GpgKeyring(const GpgKeyring&) = delete;
  GpgKeyring& operator=(const GpgKeyring&) = delete;
  ~GpgKeyring();

  [[nodiscard]] const std::string& name() const { return m_name; }

  struct Checked {
    bool valid = false;
    std::string fingerprint; // of the key that made a valid signature
    std::string payload;     // the signed literal data
    std::string reason;      // why not valid ("no trusted key", "bad signature")
  };

  // Checks SIGNATURE (an OpenPGP signed message) with gpgv against this
  // keyring. An error means gpgv could not run; a bad signature is a
  // Checked with valid == false.
  [[nodiscard]] core::Result<Checked> check(std::string_view signature) const;

private:
  GpgKeyring() = default;
  std::string m_name;
  std::filesystem::path m_dir;     // private temporary directory (gpg home)
  std::filesystem::path m_keyring; // binary keyring in it
};

} // namespace moat::trust
