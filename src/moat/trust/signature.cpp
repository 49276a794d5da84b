#include <moat/trust/signature.hpp>
#include <moat/util/base64.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace moat::trust {

namespace {

using nlohmann::json;

} // namespace

namespace detail {

// A JSON string as Go's encoding/json writes it: <, > and & as \u escapes,
// U+2028 and U+2029 escaped, control characters as \u00XX except \n \r \t.
void append_go_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
    case '"':
      out += "\\\"";
      continue;
    case '\\':
      out += "\\\\";
      continue;
    case '\n':
      out += "\\n";
      continue;
    case '\r':
      out += "\\r";
      continue;
    case '\t':
      out += "\\t";
      continue;
    case '<':
    case '>':
    case '&':
      out += fmt::format("\\u{:04x}", c);
      continue;
    default:
      break;
    }
    if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
      continue;
    }
    // U+2028 and U+2029: E2 80 A8 / E2 80 A9.
    if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xa8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
      out += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
      i += 2;
      continue;
    }
    out += static_cast<char>(c);
  }
  out += '"';
}

} // namespace detail

namespace {

using detail::append_go_string;

core::Error payload_error(const std::string& input, std::string message) {
  return core::Error{core::ErrorKind::parse, input, "malformed payload: " + std::move(message), 0,
                     0};
}

// OBJ must be an object with exactly the members KEYS.
bool exactly(const json& obj, std::initializer_list<const char*> keys) {
  if (!obj.is_object() || obj.size() != keys.size())
    return false;
  return std::all_of(keys.begin(), keys.end(), [&](const char* k) { return obj.contains(k); });
}

bool is_repository_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
         c == '/';
}

bool is_hex_digest(std::string_view digest) {
  if (!digest.starts_with("sha256:") || digest.size() != 7 + 64)
    return false;
  return std::all_of(digest.begin() + 7, digest.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

} // namespace

std::string make_payload(std::string_view reference, std::string_view digest,
                         const std::map<std::string, std::string>& annotations) {
  std::string out = R"({"critical":{"identity":{"docker-reference":)";
  append_go_string(out, reference);
  out += R"(},"image":{"docker-manifest-digest":)";
  append_go_string(out, digest);
  out += R"(},"type":)";
  append_go_string(out, k_cosign_type);
  out += R"(},"optional":)";
  if (annotations.empty()) {
    out += "null";
  } else {
    // std::map orders keys bytewise, as Go sorts map keys.
    out += '{';
    bool first = true;
    for (const auto& [key, value] : annotations) {
      if (!first)
        out += ',';
      first = false;
      append_go_string(out, key);
      out += ':';
      append_go_string(out, value);
    }
    out += '}';
  }
  out += '}';
  return out;
}

core::Result<Payload> parse_payload(std::string_view bytes, const std::string& input) {
  if (bytes.size() > k_max_payload_bytes)
    return core::fail(core::ErrorKind::limit, input,
                      fmt::format("payload of {} bytes is over the {} byte limit", bytes.size(),
                                  k_max_payload_bytes));
  const auto doc = json::parse(bytes, nullptr, false);
  if (doc.is_discarded())
    return std::unexpected(payload_error(input, "not valid JSON"));
  if (!exactly(doc, {"critical", "optional"}))
    return std::unexpected(payload_error(input, "expected exactly critical and optional"));
  const auto& critical = doc["critical"];
  if (!exactly(critical, {"identity", "image", "type"}))
    return std::unexpected(
        payload_error(input, "critical must have exactly identity, image and type"));
  const auto& identity = critical["identity"];
  const auto& image = critical["image"];
  if (!exactly(identity, {"docker-reference"}) || !identity["docker-reference"].is_string())
    return std::unexpected(payload_error(input, "critical.identity.docker-reference is missing"));
  if (!exactly(image, {"docker-manifest-digest"}) || !image["docker-manifest-digest"].is_string())
    return std::unexpected(
        payload_error(input, "critical.image.docker-manifest-digest is missing"));
  if (!critical["type"].is_string())
    return std::unexpected(payload_error(input, "critical.type is not a string"));
  Payload p;
  p.docker_reference = identity["docker-reference"].get<std::string>();
  p.manifest_digest = image["docker-manifest-digest"].get<std::string>();
  p.type = critical["type"].get<std::string>();
  const auto& optional = doc["optional"];
  if (optional.is_object()) {
    for (const auto& [key, value] : optional.items())
      p.optional[key] = value.is_string() ? value.get<std::string>() : value.dump();
  } else if (!optional.is_null()) {
    return std::unexpected(payload_error(input, "optional is neither an object nor null"));
  }
  return p;
}

core::Result<Signature> parse_signature_file(std::string_view bytes, const std::string& input) {
  constexpr std::string_view prefix("\0sigstore-json\n", 15);
  if (!bytes.starts_with(prefix))
    return core::fail(core::ErrorKind::parse, input,
                      "not a sigstore signature file (it does not start with \\0sigstore-json)");
  if (bytes.size() > 4 * k_max_payload_bytes)
    return core::fail(core::ErrorKind::limit, input, "signature file is too large");
  const auto doc = json::parse(bytes.substr(prefix.size()), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return core::fail(core::ErrorKind::parse, input, "the signature file's JSON is not valid");
  Signature s;
  s.source = input;
  if (doc.contains("mimeType") && doc["mimeType"].is_string())
    s.media_type = doc["mimeType"].get<std::string>();
  if (!doc.contains("payload") || !doc["payload"].is_string())
    return core::fail(core::ErrorKind::parse, input, "the signature file has no payload");
  auto payload = util::base64_decode(doc["payload"].get<std::string>());
  if (!payload)
    return core::fail(core::ErrorKind::parse, input, "the payload is not valid base64");
  s.payload = std::move(*payload);
  if (doc.contains("annotations") && doc["annotations"].is_object())
    for (const auto& [key, value] : doc["annotations"].items())
      if (value.is_string())
        s.annotations[key] = value.get<std::string>();
  if (auto it = s.annotations.find(std::string(k_signature_annotation)); it != s.annotations.end())
    s.signature_base64 = it->second;
  return s;
}

std::string DockerReference::to_string() const {
  std::string out = repository;
  if (!tag.empty())
    out += ":" + tag;
  if (!digest.empty())
    out += "@" + digest;
  return out;
}

std::optional<DockerReference> parse_docker_reference(std::string_view text) {
  if (text.empty() || text.size() > 4096)
    return std::nullopt;
  DockerReference ref;
  std::string_view name = text;
  if (const auto at = name.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(name.substr(at + 1));
    name = name.substr(0, at);
    if (!is_hex_digest(ref.digest))
      return std::nullopt;
  }
  const auto last_slash = name.rfind('/');
  if (const auto colon = name.rfind(':');
      colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(name.substr(colon + 1));
    name = name.substr(0, colon);
    if (ref.tag.empty() || ref.tag.size() > 128)
      return std::nullopt;
  }
  std::string domain;
  std::string path;
  const auto slash = name.find('/');
  const auto first = name.substr(0, slash);
  if (slash != std::string_view::npos &&
      (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
       first == "localhost")) {
    domain = std::string(first);
    path = std::string(name.substr(slash + 1));
  } else {
    domain = "docker.io";
    path = std::string(name);
  }
  if (domain == "index.docker.io")
    domain = "docker.io";
  if (domain == "docker.io" && path.find('/') == std::string::npos)
    path = "library/" + path;
  if (path.empty() || path.front() == '/' || path.back() == '/' ||
      !std::all_of(path.begin(), path.end(), is_repository_char))
    return std::nullopt;
  ref.repository = domain + "/" + path;
  return ref;
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
  case Outcome::verified:
    return "verified";
  case Outcome::malformed:
    return "malformed";
  case Outcome::wrong_key:
    return "wrong key";
  case Outcome::digest_mismatch:
    return "digest mismatch";
  case Outcome::wrong_type:
    return "wrong type";
  case Outcome::identity_mismatch:
    return "identity mismatch";
  case Outcome::missing_annotation:
    return "missing annotation";
  }
  return "malformed";
}

namespace {

std::string_view rule_name(IdentityRule rule) {
  for (const auto& [value, name] : k_identity_rules)
    if (value == rule)
      return name;
  return "matchRepository";
}

bool names_version(const DockerReference& r) {
  return !r.tag.empty() || !r.digest.empty();
}

} // namespace

bool identity_matches(IdentityRule rule, const DockerReference& image,
                      const DockerReference& signed_identity, const std::string& value) {
  switch (rule) {
  case IdentityRule::match_repository:
    return image.repository == signed_identity.repository;
  case IdentityRule::match_exact:
    return names_version(image) && names_version(signed_identity) &&
           image.to_string() == signed_identity.to_string();
  case IdentityRule::match_repo_digest_or_exact:
    // A name-only signature never matches; an image by digest needs the
    // same repository, an image by tag the same tag.
    if (!names_version(signed_identity))
      return false;
    if (!image.digest.empty())
      return image.repository == signed_identity.repository;
    return names_version(image) && image.to_string() == signed_identity.to_string();
  case IdentityRule::exact_reference: {
    const auto want = parse_docker_reference(value);
    return want && names_version(*want) && want->to_string() == signed_identity.to_string();
  }
  case IdentityRule::exact_repository: {
    const auto want = parse_docker_reference(value);
    return want && want->repository == signed_identity.repository;
  }
  }
  return false;
}

Signature Signature::gpg(std::string message, std::string source) {
  Signature s;
  s.format = Format::gpg;
  s.openpgp = std::move(message);
  s.source = std::move(source);
  return s;
}

namespace {

// The key stage of a cosign signature: which key verifies it.
bool judge_cosign_key(const Signature& signature, const VerifyRequest& request, Verdict& v) {
  if (signature.media_type != k_simple_signing_media_type) {
    v.reason = fmt::format("not a simple-signing signature (media type {})",
                           signature.media_type.empty() ? "missing" : signature.media_type);
    return false;
  }
  if (signature.signature_base64.empty()) {
    v.reason = "no signature annotation";
    return false;
  }
  const auto raw = util::base64_decode(signature.signature_base64);
  if (!raw || raw->empty()) {
    v.reason = "the signature is not valid base64 (truncated?)";
    return false;
  }
  if (request.keys.empty()) {
    v.outcome = Outcome::wrong_key;
    v.reason = "a cosign signature, and no --key to check it with";
    return false;
  }
  for (const auto& named : request.keys)
    if (verify(named.key, signature.payload, *raw)) {
      v.key = named.name;
      return true;
    }
  v.outcome = Outcome::wrong_key;
  v.reason = request.keys.size() == 1
                 ? fmt::format("the signature does not verify with {}", request.keys[0].name)
                 : "the signature verifies with none of the keys";
  return false;
}

// The key stage of a GPG signature: gpgv against the trusted keyring;
// PAYLOAD receives the signed payload.
bool judge_gpg_key(const Signature& signature, const VerifyRequest& request, Verdict& v,
                   std::string& payload) {
  if (!request.gpg) {
    v.outcome = Outcome::wrong_key;
    v.reason = "a GPG signature, and no --gpg-keyring to check it with";
    return false;
  }
  auto checked = request.gpg->check(signature.openpgp);
  if (!checked) {
    v.reason = checked.error().message;
    return false;
  }
  if (!checked->valid) {
    v.outcome = Outcome::wrong_key;
    v.reason = checked->reason;
    return false;
  }
  v.key = fmt::format("GPG key {} ({})", checked->fingerprint, request.gpg->name());
  payload = std::move(checked->payload);
  return true;
}

} // namespace

Verdict judge(const Signature& signature, const VerifyRequest& request) {
  Verdict v;
  v.source = signature.source;
  std::string gpg_payload;
  const bool is_gpg = signature.format == Signature::Format::gpg;
  if (!(is_gpg ? judge_gpg_key(signature, request, v, gpg_payload)
               : judge_cosign_key(signature, request, v)))
    return v;
  auto payload = parse_payload(is_gpg ? gpg_payload : signature.payload, signature.source);
  if (!payload) {
    v.outcome = Outcome::malformed;
    v.reason = payload.error().message;
    v.key.clear();
    return v;
  }
  v.payload = *payload;
  if (payload->manifest_digest != request.manifest_digest) {
    v.outcome = Outcome::digest_mismatch;
    v.reason =
        fmt::format("it signs {}, not {}", payload->manifest_digest, request.manifest_digest);
    return v;
  }
  const std::string_view want_type = is_gpg ? k_gpg_type : k_cosign_type;
  if (payload->type != want_type) {
    v.outcome = Outcome::wrong_type;
    v.reason = fmt::format("its type is \"{}\", not \"{}\"", payload->type, want_type);
    return v;
  }
  const bool exact_rule = request.rule == IdentityRule::exact_reference ||
                          request.rule == IdentityRule::exact_repository;
  if (request.reference || exact_rule) {
    const auto image = parse_docker_reference(request.reference.value_or(request.identity));
    const auto signed_ref = parse_docker_reference(payload->docker_reference);
    if (!image || !signed_ref ||
        !identity_matches(request.rule, *image, *signed_ref, request.identity)) {
      v.outcome = Outcome::identity_mismatch;
      v.reason = fmt::format("it names {}, which does not match {} ({})", payload->docker_reference,
                             exact_rule ? request.identity : request.reference.value_or(""),
                             rule_name(request.rule));
      return v;
    }
  }
  for (const auto& [key, value] : request.annotations) {
    const auto it = payload->optional.find(key);
    if (it == payload->optional.end() || it->second != value) {
      v.outcome = Outcome::missing_annotation;
      v.reason = it == payload->optional.end()
                     ? fmt::format("annotation {} is missing", key)
                     : fmt::format("annotation {} is \"{}\", not \"{}\"", key, it->second, value);
      return v;
    }
  }
  v.outcome = Outcome::verified;
  return v;
}

} // namespace moat::trust
