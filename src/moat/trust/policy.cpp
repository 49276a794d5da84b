#include <moat/trust/policy.hpp>
#include <moat/util/base64.hpp>
#include <moat/util/file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace moat::trust {

namespace {

using nlohmann::json;

constexpr std::size_t k_max_policy_bytes = std::size_t{4} * 1024 * 1024;
constexpr std::size_t k_max_key_bytes = std::size_t{16} * 1024 * 1024;

struct Reader {
  std::string path;
  std::filesystem::path dir;

  [[nodiscard]] core::Error error(const std::string& message) const {
    return core::Error{core::ErrorKind::parse, path, message, 0, 0};
  }

  [[nodiscard]] std::string resolve(const std::string& file) const {
    const std::filesystem::path p(file);
    return p.is_absolute() ? file : (dir / p).string();
  }

  core::Result<VerifyRequest::NamedKey> public_key_file(const std::string& file) const {
    const auto resolved = resolve(file);
    auto text = util::read_file(resolved, k_max_key_bytes);
    if (!text)
      return core::fail(core::ErrorKind::io, resolved, text.error());
    MOAT_TRY_ASSIGN(key, read_public_key(*text, resolved));
    return VerifyRequest::NamedKey{resolved, std::move(key)};
  }

  core::Result<IdentityRule> rule(const std::string& name) const {
    for (const auto& [value, known] : k_identity_rules)
      if (name == known)
        return value;
    return std::unexpected(error(fmt::format("unknown identity rule '{}'", name)));
  }
};

// Every member of OBJ must be one of ALLOWED: an unknown one rejects the
// file, as containers/image does.
core::Status only(const Reader& r, const json& obj, std::initializer_list<const char*> allowed,
                  const std::string& where) {
  for (const auto& [key, value] : obj.items())
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }))
      return std::unexpected(r.error(fmt::format("{}: unknown member '{}'", where, key)));
  return {};
}

std::vector<std::string> strings(const json& value) {
  std::vector<std::string> out;
  if (value.is_string())
    out.push_back(value.get<std::string>());
  else if (value.is_array())
    for (const auto& v : value)
      if (v.is_string())
        out.push_back(v.get<std::string>());
  return out;
}

// ---- containers-policy.json ----------------------------------------------

core::Status read_signed_identity(const Reader& r, const json& req, Requirement& out,
                                  const std::string& where) {
  out.rule = IdentityRule::match_repo_digest_or_exact; // containers/image's default
  if (!req.contains("signedIdentity"))
    return {};
  const auto& id = req["signedIdentity"];
  if (!id.is_object() || !id.contains("type") || !id["type"].is_string())
    return std::unexpected(r.error(where + ": signedIdentity needs a type"));
  MOAT_TRY(only(r, id, {"type", "dockerReference", "dockerRepository"}, where + ".signedIdentity"));
  MOAT_TRY_ASSIGN(rule, r.rule(id["type"].get<std::string>()));
  out.rule = rule;
  if (rule == IdentityRule::exact_reference || rule == IdentityRule::exact_repository) {
    const char* member =
        rule == IdentityRule::exact_reference ? "dockerReference" : "dockerRepository";
    if (!id.contains(member) || !id[member].is_string() ||
        !parse_docker_reference(id[member].get<std::string>()))
      return std::unexpected(r.error(
          fmt::format("{}: {} needs a valid {}", where, id["type"].get<std::string>(), member)));
    out.identity = id[member].get<std::string>();
  }
  return {};
}

core::Result<Requirement> containers_requirement(const Reader& r, const json& req,
                                                 const std::string& where) {
  if (!req.is_object() || !req.contains("type") || !req["type"].is_string())
    return std::unexpected(r.error(where + ": a requirement needs a type"));
  const auto type = req["type"].get<std::string>();
  Requirement out;
  if (type == "insecureAcceptAnything" || type == "reject") {
    MOAT_TRY(only(r, req, {"type"}, where));
    out.type = type == "reject" ? Requirement::Type::reject : Requirement::Type::accept_anything;
    return out;
  }
  if (type == "sigstoreSigned") {
    MOAT_TRY(only(r, req, {"type", "keyPath", "keyPaths", "keyData", "keyDatas", "signedIdentity"},
                  where));
    out.type = Requirement::Type::cosign_keys;
    for (const char* member : {"keyPath", "keyPaths"})
      if (req.contains(member))
        for (const auto& file : strings(req[member])) {
          MOAT_TRY_ASSIGN(key, r.public_key_file(file));
          out.keys.push_back(std::move(key));
        }
    for (const char* member : {"keyData", "keyDatas"})
      if (req.contains(member))
        for (const auto& data : strings(req[member])) {
          const auto pem = util::base64_decode(data);
          if (!pem)
            return std::unexpected(r.error(where + ": " + member + " is not base64"));
          MOAT_TRY_ASSIGN(key, read_public_key(*pem, r.path));
          out.keys.push_back({r.path + " (keyData)", std::move(key)});
        }
    if (out.keys.empty())
      return std::unexpected(r.error(where + ": sigstoreSigned needs keyPath, keyPaths, keyData "
                                             "or keyDatas (fulcio and pki are not supported)"));
    MOAT_TRY(read_signed_identity(r, req, out, where));
    return out;
  }
  if (type == "signedBy") {
    MOAT_TRY(only(r, req, {"type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity"},
                  where));
    if (req.value("keyType", "") != "GPGKeys")
      return std::unexpected(r.error(where + ": signedBy supports keyType GPGKeys only"));
    std::vector<std::string> files;
    for (const char* member : {"keyPath", "keyPaths"})
      if (req.contains(member))
        for (const auto& file : strings(req[member]))
          files.push_back(r.resolve(file));
    if (files.size() != 1)
      return std::unexpected(
          r.error(where + ": signedBy needs exactly one keyring file (keyPath)"));
    out.type = Requirement::Type::gpg_keys;
    MOAT_TRY_ASSIGN(keyring, GpgKeyring::open(files.front()));
    out.gpg = std::move(keyring);
    MOAT_TRY(read_signed_identity(r, req, out, where));
    return out;
  }
  return std::unexpected(r.error(fmt::format("{}: unknown requirement type '{}'", where, type)));
}

core::Result<std::vector<Requirement>> containers_requirements(const Reader& r, const json& list,
                                                               const std::string& where) {
  if (!list.is_array() || list.empty())
    return std::unexpected(r.error(where + ": expected a non-empty list of requirements"));
  std::vector<Requirement> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    MOAT_TRY_ASSIGN(req, containers_requirement(r, list[i], fmt::format("{}[{}]", where, i)));
    out.push_back(std::move(req));
  }
  return out;
}

core::Result<TrustPolicy> read_containers_policy(const Reader& r, const json& doc) {
  MOAT_TRY(only(r, doc, {"default", "transports"}, "the policy"));
  if (!doc.contains("default"))
    return std::unexpected(r.error("the policy has no default"));
  TrustPolicy policy;
  policy.source = r.path;
  MOAT_TRY_ASSIGN(fallback, containers_requirements(r, doc["default"], "default"));
  policy.fallback = std::move(fallback);
  if (doc.contains("transports")) {
    const auto& transports = doc["transports"];
    if (!transports.is_object())
      return std::unexpected(r.error("transports is not an object"));
    if (transports.contains("docker")) {
      const auto& docker = transports["docker"];
      if (!docker.is_object())
        return std::unexpected(r.error("transports.docker is not an object"));
      for (const auto& [scope, list] : docker.items()) {
        MOAT_TRY_ASSIGN(reqs, containers_requirements(r, list, "docker \"" + scope + "\""));
        policy.scopes.emplace_back(scope, std::move(reqs));
      }
    }
  }
  return policy;
}

// ---- moat-policy.yaml -----------------------------------------------------

json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map: {
    json obj = json::object();
    for (const auto& item : node)
      obj[item.first.as<std::string>()] = yaml_to_json(item.second);
    return obj;
  }
  case YAML::NodeType::Sequence: {
    json arr = json::array();
    for (const auto& item : node)
      arr.push_back(yaml_to_json(item));
    return arr;
  }
  case YAML::NodeType::Scalar:
    return node.Scalar();
  default:
    return nullptr;
  }
}

core::Result<Requirement> moat_requirement(const Reader& r, const json& value,
                                           const std::string& where) {
  Requirement out;
  if (value.is_string()) {
    const auto word = value.get<std::string>();
    if (word == "reject" || word == "insecureAcceptAnything") {
      out.type = word == "reject" ? Requirement::Type::reject : Requirement::Type::accept_anything;
      return out;
    }
    return std::unexpected(r.error(fmt::format(
        "{}: '{}' is not reject, insecureAcceptAnything or a list of keys", where, word)));
  }
  if (!value.is_object())
    return std::unexpected(r.error(where + ": expected reject, insecureAcceptAnything or keys"));
  MOAT_TRY(only(r, value, {"keys", "gpgKeys", "threshold", "identity", "reference"}, where));
  const bool has_keys = value.contains("keys");
  const bool has_gpg = value.contains("gpgKeys");
  if (has_keys == has_gpg)
    return std::unexpected(r.error(where + ": give either keys or gpgKeys"));
  if (has_keys) {
    out.type = Requirement::Type::cosign_keys;
    for (const auto& file : strings(value["keys"])) {
      MOAT_TRY_ASSIGN(key, r.public_key_file(file));
      out.keys.push_back(std::move(key));
    }
    if (out.keys.empty())
      return std::unexpected(r.error(where + ": keys lists no key file"));
  } else {
    out.type = Requirement::Type::gpg_keys;
    const auto files = strings(value["gpgKeys"]);
    if (files.size() != 1)
      return std::unexpected(r.error(where + ": gpgKeys names one keyring file"));
    MOAT_TRY_ASSIGN(keyring, GpgKeyring::open(r.resolve(files.front())));
    out.gpg = std::move(keyring);
  }
  if (value.contains("threshold")) {
    const auto text = value["threshold"].is_string() ? value["threshold"].get<std::string>() : "";
    int n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    const auto available = has_keys ? static_cast<int>(out.keys.size()) : 1;
    if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > available)
      return std::unexpected(
          r.error(fmt::format("{}: threshold must be a whole number from 1 to {} (the keys listed)",
                              where, available)));
    out.threshold = n;
  }
  if (value.contains("identity")) {
    MOAT_TRY_ASSIGN(rule,
                    r.rule(value["identity"].is_string() ? value["identity"].get<std::string>()
                                                         : std::string()));
    out.rule = rule;
    if (rule == IdentityRule::exact_reference || rule == IdentityRule::exact_repository) {
      if (!value.contains("reference") || !value["reference"].is_string() ||
          !parse_docker_reference(value["reference"].get<std::string>()))
        return std::unexpected(r.error(where + ": this identity rule needs a valid reference"));
      out.identity = value["reference"].get<std::string>();
    }
  }
  return out;
}

core::Result<TrustPolicy> read_moat_policy(const Reader& r, const json& doc) {
  if (!doc.is_object())
    return std::unexpected(r.error("expected a mapping with default and scopes"));
  MOAT_TRY(only(r, doc, {"default", "scopes"}, "the policy"));
  TrustPolicy policy;
  policy.source = r.path;
  if (!doc.contains("default"))
    return std::unexpected(r.error("the policy has no default (reject, insecureAcceptAnything "
                                   "or keys)"));
  MOAT_TRY_ASSIGN(fallback, moat_requirement(r, doc["default"], "default"));
  policy.fallback.push_back(std::move(fallback));
  if (doc.contains("scopes")) {
    if (!doc["scopes"].is_object())
      return std::unexpected(r.error("scopes is not a mapping"));
    for (const auto& [scope, value] : doc["scopes"].items()) {
      MOAT_TRY_ASSIGN(req, moat_requirement(r, value, "scope \"" + scope + "\""));
      std::vector<Requirement> reqs;
      reqs.push_back(std::move(req));
      policy.scopes.emplace_back(scope, std::move(reqs));
    }
  }
  return policy;
}

// The scopes containers/image tries for REF, most specific first.
std::vector<std::string> candidate_scopes(const DockerReference& ref) {
  std::vector<std::string> out;
  if (!ref.tag.empty() || !ref.digest.empty())
    out.push_back(ref.to_string());
  std::string name = ref.repository;
  for (;;) {
    out.push_back(name);
    const auto slash = name.rfind('/');
    if (slash == std::string::npos)
      break;
    name.resize(slash);
  }
  // Wildcard domains: a.b.example.com -> *.b.example.com, *.example.com, *.com.
  std::string host = name;
  if (const auto colon = host.find(':'); colon != std::string::npos)
    host.resize(colon);
  for (auto dot = host.find('.'); dot != std::string::npos; dot = host.find('.', dot + 1)) {
    std::string wildcard("*"); // not "*" + substr: g++ 12 -O3 warns wrongly about that
    wildcard.append(host, dot);
    out.push_back(std::move(wildcard));
  }
  return out;
}

} // namespace

const std::vector<Requirement>&
TrustPolicy::for_reference(const std::optional<DockerReference>& reference,
                           std::string& scope) const {
  if (reference)
    for (const auto& candidate : candidate_scopes(*reference))
      for (const auto& [name, reqs] : scopes)
        if (name == candidate) {
          scope = name;
          return reqs;
        }
  for (const auto& [name, reqs] : scopes)
    if (name.empty()) {
      scope = "\"\" (the docker transport's default)";
      return reqs;
    }
  scope = "default";
  return fallback;
}

core::Result<TrustPolicy> read_policy(const std::string& path) {
  auto text = util::read_file(path, k_max_policy_bytes);
  if (!text)
    return core::fail(core::ErrorKind::io, path, text.error());
  return read_policy_text(*text, path);
}

core::Result<TrustPolicy> read_policy_text(std::string_view text, const std::string& path) {
  Reader r{path, std::filesystem::path(path).parent_path()};
  const auto first = text.find_first_not_of(" \t\r\n");
  if (path.ends_with(".json") || (first != std::string::npos && text[first] == '{')) {
    const auto doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return std::unexpected(r.error("not valid JSON"));
    // A moat policy written as JSON has "scopes"; containers/image's has
    // "transports" or only "default" as a list.
    if (doc.contains("scopes") || (doc.contains("default") && !doc["default"].is_array()))
      return read_moat_policy(r, doc);
    return read_containers_policy(r, doc);
  }
  json doc;
  try {
    doc = yaml_to_json(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return std::unexpected(core::Error{core::ErrorKind::parse, path, "invalid YAML: " + e.msg,
                                       e.mark.line >= 0 ? e.mark.line + 1 : 0,
                                       e.mark.column >= 0 ? e.mark.column + 1 : 0});
  }
  return read_moat_policy(r, doc);
}

PolicyVerdict evaluate(const TrustPolicy& policy, const std::optional<std::string>& reference,
                       const std::string& digest, const std::vector<Signature>& signatures) {
  PolicyVerdict out;
  std::optional<DockerReference> ref;
  if (reference)
    ref = parse_docker_reference(*reference);
  const auto& reqs = policy.for_reference(ref, out.scope);
  std::vector<std::string> accepted_by;
  for (const auto& req : reqs) {
    switch (req.type) {
    case Requirement::Type::reject:
      out.reason = fmt::format("{} rejects images in scope {}", policy.source, out.scope);
      return out;
    case Requirement::Type::accept_anything:
      accepted_by.emplace_back("accepted without signatures (insecureAcceptAnything)");
      continue;
    case Requirement::Type::cosign_keys:
    case Requirement::Type::gpg_keys:
      break;
    }
    VerifyRequest request;
    request.keys = req.keys;
    request.gpg = req.gpg;
    request.manifest_digest = digest;
    request.reference = reference;
    request.rule = req.rule;
    request.identity = req.identity;
    std::set<std::string> signers;
    for (const auto& s : signatures) {
      auto v = judge(s, request);
      if (v.outcome == Outcome::verified)
        signers.insert(v.key);
      out.signatures.push_back(std::move(v));
    }
    if (static_cast<int>(signers.size()) < req.threshold) {
      out.reason = fmt::format("{} (scope {}) wants signatures by {} of its keys; {} verified",
                               policy.source, out.scope, req.threshold,
                               signers.empty() ? std::string("none")
                                               : fmt::format("{}", fmt::join(signers, ", ")));
      return out;
    }
    accepted_by.push_back(fmt::format("signed by {}", fmt::join(signers, ", ")));
  }
  out.accepted = true;
  out.reason =
      fmt::format("{} (scope {}): {}", policy.source, out.scope, fmt::join(accepted_by, "; "));
  return out;
}

} // namespace moat::trust
