#pragma once
// cosign signatures in an OCI image layout: the signature image (one
// simple-signing layer per signature, the signature in a layer annotation)
// tagged sha256-<hex>.sig in the layout's index.json, as cosign stores it in
// a registry; `cosign save` layouts (descriptors marked by a "kind"
// annotation) are read too.

#include <moat/core/result.hpp>
#include <moat/trust/keys.hpp>
#include <moat/trust/signature.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace moat::trust {

inline constexpr std::string_view k_ref_name_annotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view k_oci_manifest_media_type =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view k_oci_config_media_type =
    "application/vnd.oci.image.config.v1+json";

// "sha256-<hex>.sig" for DIGEST "sha256:<hex>".
[[nodiscard]] std::string signature_tag(std::string_view digest);

// A signature image: its manifest and config as bytes, built as cosign
// builds them, and the layer blobs they name.
struct SignatureImage {
  std::string manifest;
  std::string config;
  std::vector<std::string> payloads; // the layers, in order
};

// The signature image with SIGNATURES' layers (payload, base64 signature,
// annotations): manifest and config bytes as cosign writes them.
[[nodiscard]] SignatureImage build_signature_image(const std::vector<Signature>& signatures);

// The signatures of a signature image's manifest; BLOB reads a layer by
// digest. SOURCE names where the image is ("layout sha256-<hex>.sig").
struct BlobReader {
  virtual ~BlobReader() = default;
  [[nodiscard]] virtual core::Result<std::string> read_blob(const std::string& digest,
                                                            std::size_t max_bytes) = 0;
};
[[nodiscard]] core::Result<std::vector<Signature>>
signatures_of_manifest(std::string_view manifest, BlobReader& blobs, const std::string& source);

// What verify needs from a layout: the image's digest, the reference it is
// known by (its ref name when that is a full reference), its signatures.
struct FoundSignatures {
  std::string manifest_digest;
  std::optional<std::string> reference;
  std::vector<Signature> signatures;
};

// The image in the OCI layout at PATH ("DIR", or "DIR:REF" for the image
// named REF) and its signatures.
[[nodiscard]] core::Result<FoundSignatures> layout_signatures(const std::string& path);

struct SignResult {
  std::string manifest_digest; // what was signed
  std::string identity;
  bool already_signed = false; // an equal signature by this key was there
};

// Signs the image in the layout at PATH with KEY for IDENTITY (empty: the
// image's ref name when it is a full reference) and stores the signature
// in the layout. Existing signatures are kept.
[[nodiscard]] core::Result<SignResult>
sign_layout(const std::string& path, const Key& key, const std::string& identity,
            const std::map<std::string, std::string>& annotations);

} // namespace moat::trust
