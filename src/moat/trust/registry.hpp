#pragma once
// cosign signatures in a registry: the signature image under the tag
// sha256-<hex>.sig in the image's repository (or $COSIGN_REPOSITORY), read
// and written through the Distribution API.

#include <moat/core/result.hpp>
#include <moat/image/registry.hpp>
#include <moat/trust/layout.hpp>

#include <map>
#include <string>

namespace moat::trust {

// Where the signatures of REF live: its own repository, or the one
// $COSIGN_REPOSITORY names ("HOST/REPO").
[[nodiscard]] core::Result<image::RegistryRef> signature_repository(const image::RegistryRef& ref);

// The image TARGET ("registry://HOST/REPO[:TAG|@DIGEST]") names: its
// manifest (or index) digest, its reference, and every signature of it.
[[nodiscard]] core::Result<FoundSignatures>
registry_signatures(const std::string& target, const image::RegistryOptions& options);

// Signs the image TARGET names with KEY for IDENTITY (empty: HOST/REPO, as
// cosign names it) and pushes the signature image, keeping the signatures
// there and skipping the same payload already signed by KEY.
[[nodiscard]] core::Result<SignResult>
sign_registry(const std::string& target, const Key& key, const std::string& identity,
              const std::map<std::string, std::string>& annotations,
              const image::RegistryOptions& options);

} // namespace moat::trust
