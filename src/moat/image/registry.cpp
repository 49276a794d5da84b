#include <moat/image/registry.hpp>
#include <moat/util/sha256.hpp>

#include <moat/util/file.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <span>
#include <system_error>

namespace moat::image {

namespace {

using core::ErrorKind;
using core::fail;
using engine::HttpOptions;
using engine::HttpRequest;
using engine::percent_encode;

constexpr std::size_t k_max_config_file_bytes = std::size_t{4} * 1024 * 1024;
constexpr std::size_t k_max_tag_length = 128;

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// A repository path component: [a-z0-9]+ joined by ".", "_", "__" or "-"+.
bool is_valid_component(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back()))
    return false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_lower_alnum(s[i])) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < s.size() && !is_lower_alnum(s[i]))
      ++i;
    auto sep = s.substr(start, i - start);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes))
      return false;
  }
  return true;
}

bool is_valid_repository(std::string_view repo) {
  if (repo.empty() || repo.size() > 255)
    return false;
  for (auto part : util::split(repo, '/'))
    if (!is_valid_component(part))
      return false;
  return true;
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > k_max_tag_length)
    return false;
  if (!(is_alnum(tag[0]) || tag[0] == '_'))
    return false;
  for (char c : tag)
    if (!(is_alnum(c) || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

bool is_valid_host(std::string_view host) {
  if (host.empty())
    return false;
  std::string_view name = host;
  std::string_view port;
  if (host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos || close == 1)
      return false;
    for (char c : host.substr(1, close - 1))
      if (!(std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.'))
        return false;
    auto rest = host.substr(close + 1);
    if (rest.empty())
      return true;
    if (rest.front() != ':')
      return false;
    port = rest.substr(1);
    name = {};
  } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    if (port.empty())
      return false;
  }
  for (char c : name)
    if (!(is_alnum(c) || c == '.' || c == '-'))
      return false;
  if (!port.empty() || host.find(':') != std::string_view::npos) {
    if (port.empty() || port.size() > 5)
      return false;
    for (char c : port)
      if (c < '0' || c > '9')
        return false;
  }
  return host.front() == '[' || !name.empty();
}

// The host part of HOST[:PORT] or [V6]:PORT.
std::string_view strip_port(std::string_view host_port) {
  if (host_port.starts_with('[')) {
    auto close = host_port.find(']');
    return close == std::string_view::npos ? host_port : host_port.substr(1, close - 1);
  }
  if (std::count(host_port.begin(), host_port.end(), ':') > 1)
    return host_port; // a bare IPv6 address
  return host_port.substr(0, host_port.find(':'));
}

std::string digest_algorithm(std::string_view digest) {
  auto colon = digest.find(':');
  return colon == std::string_view::npos ? std::string("sha256")
                                         : std::string(digest.substr(0, colon));
}

constexpr std::string_view k_base64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  while (i + 2 < in.size()) {
    auto n = (static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16) |
             (static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8) |
             static_cast<unsigned>(static_cast<unsigned char>(in[i + 2]));
    out += k_base64[(n >> 18) & 63];
    out += k_base64[(n >> 12) & 63];
    out += k_base64[(n >> 6) & 63];
    out += k_base64[n & 63];
    i += 3;
  }
  if (std::size_t rest = in.size() - i; rest > 0) {
    auto n = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
    if (rest == 2)
      n |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
    out += k_base64[(n >> 18) & 63];
    out += k_base64[(n >> 12) & 63];
    out += rest == 2 ? k_base64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (char c : in) {
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0)
      return std::nullopt; // data after padding
    auto pos = k_base64.find(c);
    if (pos == std::string_view::npos)
      return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFFU);
    }
  }
  if (padding > 2)
    return std::nullopt;
  return out;
}

// The host part of a config.json "auths" key, which may be a URL.
std::string auth_key_host(std::string_view key) {
  for (std::string_view scheme : {"https://", "http://"})
    if (key.starts_with(scheme))
      key.remove_prefix(scheme.size());
  return util::to_lower(key.substr(0, key.find('/')));
}

bool is_docker_hub(std::string_view host) {
  return host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io";
}

bool same_registry(std::string_view a, std::string_view b) {
  return util::iequals(a, b) || (is_docker_hub(a) && is_docker_hub(b));
}

// "manifest unknown" from {"errors":[{"message":...}]}, else a word for the status.
std::string registry_message(const HttpResponse& response) {
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    auto errors = doc.find("errors");
    if (errors != doc.end() && errors->is_array() && !errors->empty() &&
        errors->front().is_object()) {
      const auto& first = errors->front();
      auto message = first.find("message");
      if (message != first.end() && message->is_string() && !message->get<std::string>().empty())
        return util::to_lower(message->get<std::string>());
      auto code = first.find("code");
      if (code != first.end() && code->is_string())
        return util::to_lower(code->get<std::string>());
    }
  }
  switch (response.status) {
  case 401:
    return "authentication required";
  case 403:
    return "access denied";
  case 404:
    return "not found";
  case 429:
    return "too many requests";
  default:
    return "unexpected response";
  }
}

std::string http_failure(const HttpResponse& response) {
  return fmt::format("{} (HTTP {})", registry_message(response), response.status);
}

bool is_safe_header_value(std::string_view value) {
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      return false;
  return true;
}

struct Platform {
  std::string os, architecture, variant;
};

Platform parse_platform(std::string_view text) {
  auto parts = util::split(text, '/');
  Platform p;
  if (!parts.empty())
    p.os = parts[0];
  if (parts.size() > 1)
    p.architecture = parts[1];
  if (parts.size() > 2)
    p.variant = parts[2];
  return p;
}

bool platform_matches(const Platform& want, const Platform& have) {
  if (want.os != have.os || want.architecture != have.architecture)
    return false;
  if (want.variant.empty() || want.variant == have.variant)
    return true;
  // arm64 images usually leave out the only variant there is.
  return want.architecture == "arm64" && want.variant == "v8" && have.variant.empty();
}

std::string string_field(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The media type of a manifest whose Content-Type says nothing useful.
std::string sniff_media_type(std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return {};
  if (auto declared = string_field(doc, "mediaType"); !declared.empty())
    return declared;
  if (doc.contains("manifests"))
    return std::string(k_media_oci_index);
  if (doc.contains("config") && doc.contains("layers"))
    return std::string(k_media_oci_manifest);
  return {};
}

bool is_supported_manifest_type(std::string_view type) {
  return type == k_media_oci_index || type == k_media_oci_manifest || type == k_media_docker_list ||
         type == k_media_docker_manifest;
}

// The scheme://host part of an absolute URL, lower-cased host without port; empty if none.
std::string url_host(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos)
    return {};
  auto rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos)
    rest = rest.substr(at + 1);
  return util::to_lower(rest);
}

} // namespace

std::string RegistryRef::to_string() const {
  std::string out = "registry://" + host + "/" + repository;
  if (!tag.empty())
    out += ":" + tag;
  if (!digest.empty())
    out += "@" + digest;
  return out;
}

bool is_loopback_host(std::string_view host_port) {
  auto host = util::to_lower(strip_port(host_port));
  if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1")
    return true;
  auto parts = util::split(host, '.');
  if (parts.size() != 4 || parts[0] != "127")
    return false;
  for (auto part : parts) {
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      return false;
    if (std::stoi(std::string(part)) > 255)
      return false;
  }
  return true;
}

core::Result<RegistryRef> parse_registry_ref(std::string_view text) {
  const std::string input = "registry://" + std::string(text);
  const auto bad = [&](std::string message) {
    return fail(ErrorKind::usage, input, std::move(message));
  };
  auto slash = text.find('/');
  if (text.empty() || slash == std::string_view::npos || slash == 0)
    return bad("missing registry host (expected HOST[:PORT]/REPOSITORY[:TAG|@DIGEST])");
  RegistryRef ref;
  ref.host = std::string(text.substr(0, slash));
  if (!is_valid_host(ref.host))
    return bad(fmt::format("invalid registry host '{}'", ref.host));
  std::string_view rest = text.substr(slash + 1);
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!is_valid_digest(ref.digest))
      return bad(fmt::format("invalid digest '{}' (expected sha256:<64 hex digits>)", ref.digest));
  }
  auto last_slash = rest.rfind('/');
  auto colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash);
  if (colon != std::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!is_valid_tag(ref.tag))
      return bad(fmt::format("invalid tag '{}'", ref.tag));
  }
  if (!is_valid_repository(rest))
    return bad(fmt::format("invalid repository name '{}' (lower-case letters, digits and "
                           "separators only)",
                           rest));
  ref.repository = std::string(rest);
  if (ref.tag.empty() && ref.digest.empty())
    ref.tag = "latest";
  return ref;
}

std::vector<AuthChallenge> parse_www_authenticate(std::string_view value) {
  std::vector<AuthChallenge> out;
  std::size_t pos = 0;
  const auto is_token_char = [](char c) {
    return is_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  };
  const auto skip_space = [&] {
    while (pos < value.size() && (value[pos] == ' ' || value[pos] == '\t'))
      ++pos;
  };
  const auto read_token = [&] {
    std::size_t start = pos;
    while (pos < value.size() && is_token_char(value[pos]))
      ++pos;
    return value.substr(start, pos - start);
  };
  // An auth-param starts with "token =" where the '=' is not the padding of a token68.
  const auto at_param = [&] {
    std::size_t saved = pos;
    auto name = read_token();
    skip_space();
    bool param = !name.empty() && pos < value.size() && value[pos] == '=' &&
                 !(pos + 1 < value.size() && value[pos + 1] == '=');
    pos = saved;
    return param;
  };
  while (pos < value.size()) {
    while (pos < value.size() && (value[pos] == ',' || value[pos] == ' ' || value[pos] == '\t'))
      ++pos;
    auto scheme = read_token();
    if (scheme.empty()) {
      if (pos < value.size())
        ++pos; // skip a stray character rather than loop on it
      continue;
    }
    AuthChallenge challenge;
    challenge.scheme = util::to_lower(scheme);
    skip_space();
    if (pos < value.size() && !at_param() && value[pos] != ',') {
      // token68 (e.g. "Negotiate abc=="): kept under an empty name.
      std::size_t start = pos;
      while (pos < value.size() && value[pos] != ',' && value[pos] != ' ')
        ++pos;
      challenge.params[""] = std::string(value.substr(start, pos - start));
    }
    while (true) {
      skip_space();
      std::size_t before_comma = pos;
      if (pos < value.size() && value[pos] == ',') {
        ++pos;
        while (pos < value.size() && (value[pos] == ',' || value[pos] == ' ' || value[pos] == '\t'))
          ++pos;
      }
      if (!at_param()) {
        pos = std::max(pos, before_comma);
        break;
      }
      auto name = util::to_lower(read_token());
      skip_space();
      ++pos; // '='
      skip_space();
      std::string param_value;
      if (pos < value.size() && value[pos] == '"') {
        ++pos;
        while (pos < value.size() && value[pos] != '"') {
          if (value[pos] == '\\' && pos + 1 < value.size())
            ++pos;
          param_value += value[pos++];
        }
        if (pos < value.size())
          ++pos; // closing quote
      } else {
        // Lenient: servers do send unquoted URLs, which are not tokens.
        std::size_t start = pos;
        while (pos < value.size() && value[pos] != ',' && value[pos] != ' ' && value[pos] != '\t')
          ++pos;
        param_value = std::string(value.substr(start, pos - start));
      }
      challenge.params[name] = std::move(param_value);
    }
    out.push_back(std::move(challenge));
  }
  return out;
}

std::filesystem::path default_docker_config() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir != nullptr && *dir != '\0')
    return std::filesystem::path(dir) / "config.json";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::filesystem::path(home) / ".docker" / "config.json";
  return {};
}

core::Result<DockerCredentials> read_docker_credentials(const std::filesystem::path& path,
                                                        std::string_view host) {
  DockerCredentials creds;
  std::error_code ec;
  if (path.empty() || !std::filesystem::exists(path, ec))
    return creds;
  const std::string input = path.string();
  auto text = util::read_file(path, k_max_config_file_bytes);
  if (!text)
    return fail(ErrorKind::io, input, text.error());
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return fail(ErrorKind::parse, input, "not a valid JSON object");

  if (auto auths = doc.find("auths"); auths != doc.end() && auths->is_object()) {
    for (const auto& [key, entry] : auths->items()) {
      if (!entry.is_object() || !same_registry(auth_key_host(key), host))
        continue;
      if (auto encoded = string_field(entry, "auth"); !encoded.empty()) {
        auto decoded = base64_decode(encoded);
        auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (!decoded || colon == std::string::npos)
          return fail(ErrorKind::parse, input,
                      fmt::format("auths[\"{}\"].auth is not base64 of user:password", key));
        creds.username = decoded->substr(0, colon);
        creds.password = decoded->substr(colon + 1);
        return creds;
      }
      creds.username = string_field(entry, "username");
      creds.password = string_field(entry, "password");
      if (creds.found())
        return creds;
    }
  }
  if (auto helpers = doc.find("credHelpers"); helpers != doc.end() && helpers->is_object()) {
    for (const auto& [key, helper] : helpers->items())
      if (same_registry(auth_key_host(key), host) && helper.is_string())
        creds.helper = helper.get<std::string>();
  }
  if (creds.helper.empty())
    creds.helper = string_field(doc, "credsStore");
  return creds;
}

std::string default_platform() {
#if defined(__x86_64__)
  return "linux/amd64";
#elif defined(__aarch64__)
  return "linux/arm64";
#elif defined(__arm__)
  return "linux/arm/v7";
#elif defined(__i386__)
  return "linux/386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "linux/ppc64le";
#elif defined(__s390x__)
  return "linux/s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "linux/riscv64";
#else
  return "linux/amd64";
#endif
}

core::Result<RegistryClient> RegistryClient::open(const RegistryRef& ref, RegistryOptions options) {
  const std::string input = ref.to_string();
  const bool listed =
      std::ranges::find(options.insecure_registries, ref.host) != options.insecure_registries.end();
  if (listed)
    options.insecure = true;
  if (options.insecure && !listed && !is_loopback_host(ref.host))
    return fail(ErrorKind::usage, input,
                fmt::format("--insecure allows plain http only for a registry on this machine "
                            "(127.0.0.1, ::1, localhost); name this one with "
                            "--insecure-registry {}",
                            ref.host));
  std::error_code ec;
  if (!options.ca_cert.empty() && !std::filesystem::is_regular_file(options.ca_cert, ec))
    return fail(ErrorKind::usage, input,
                fmt::format("CA certificate file '{}' does not exist", options.ca_cert));
  if (options.platform.empty())
    options.platform = default_platform();
  // docker.io is a name, not an endpoint: its API answers at registry-1.docker.io.
  std::string endpoint = is_docker_hub(ref.host) ? std::string("registry-1.docker.io") : ref.host;
  std::string base =
      fmt::format("{}://{}/v2/{}/", options.insecure ? "http" : "https", endpoint, ref.repository);
  HttpOptions http_options;
  http_options.ca_file = options.ca_cert;
  http_options.deadline = options.deadline;
  http_options.timeout = options.timeout;
  auto http = HttpClient::create(std::move(http_options));
  if (!http)
    return fail(http.error().kind, input, http.error().message);
  return RegistryClient(ref, std::move(options), std::move(*http), std::move(base));
}

std::string RegistryClient::display(std::string_view reference) const {
  return fmt::format("registry://{}/{}{}{}", m_ref.host, m_ref.repository,
                     is_valid_digest(reference) ? "@" : ":", reference);
}

core::Error RegistryClient::transport_error(core::Error error) const {
  if (error.input.empty() && error.kind == ErrorKind::io) {
    error.message = fmt::format("cannot reach the registry at {}://{}: {}",
                                m_options.insecure ? "http" : "https", m_ref.host, error.message);
  }
  if (error.input.empty())
    error.input = m_ref.to_string();
  return error;
}

core::Result<HttpResponse> RegistryClient::send(const std::string& url,
                                                const std::vector<std::string>& headers,
                                                std::size_t max_body, const ByteSink* sink,
                                                const std::string& method,
                                                const std::string* body) {
  for (int attempt = 0;; ++attempt) {
    HttpRequest request{url, headers, sink != nullptr, m_options.insecure, method, body};
    if (!m_authorization.empty())
      request.headers.push_back("Authorization: " + m_authorization);
    auto response =
        sink != nullptr ? m_http.get_streaming(request, *sink) : m_http.get(request, max_body);
    if (!response)
      return std::unexpected(transport_error(std::move(response).error()));
    // One authentication round per request: a token can expire or lack the
    // scope of this request, but a second 401 means the credentials are wrong.
    if (response->status != 401 || attempt > 0)
      return response;
    MOAT_TRY(authenticate(*response));
  }
}

core::Status RegistryClient::authenticate(const HttpResponse& challenge_response) {
  const std::string input = m_ref.to_string();
  std::vector<AuthChallenge> challenges;
  for (auto header : challenge_response.header_values("www-authenticate"))
    for (auto& challenge : parse_www_authenticate(header))
      challenges.push_back(std::move(challenge));
  const AuthChallenge* bearer = nullptr;
  const AuthChallenge* basic = nullptr;
  for (const auto& challenge : challenges) {
    if (challenge.scheme == "bearer" && bearer == nullptr)
      bearer = &challenge;
    else if (challenge.scheme == "basic" && basic == nullptr)
      basic = &challenge;
  }
  if (bearer == nullptr && basic == nullptr)
    return fail(ErrorKind::io, input,
                fmt::format("{}; the registry offers no Basic or Bearer authentication",
                            http_failure(challenge_response)));

  std::filesystem::path config = m_options.docker_config.empty()
                                     ? default_docker_config()
                                     : std::filesystem::path(m_options.docker_config);
  auto creds = read_docker_credentials(config, m_ref.host);
  if (!creds)
    return std::unexpected(std::move(creds).error());
  const auto missing_credentials = [&]() -> std::string {
    if (!creds->helper.empty())
      return fmt::format("authentication required (HTTP 401); the credentials for {} are kept by "
                         "the credential helper docker-credential-{}, which moat does not run: "
                         "put them in auths[\"{}\"] of a config.json given to moat",
                         m_ref.host, creds->helper, m_ref.host);
    return fmt::format("authentication required (HTTP 401) and no credentials for {} in {}",
                       m_ref.host,
                       config.empty() ? std::string("any config.json") : config.string());
  };
  const std::string basic_value =
      creds->found() ? "Basic " + base64_encode(creds->username + ":" + creds->password) : "";

  if (bearer == nullptr) {
    if (!creds->found())
      return fail(ErrorKind::io, input, missing_credentials());
    m_authorization = basic_value;
    return {};
  }

  auto realm_it = bearer->params.find("realm");
  std::string realm = realm_it == bearer->params.end() ? std::string() : realm_it->second;
  const bool realm_https = realm.starts_with("https://");
  if (!realm_https && !realm.starts_with("http://"))
    return fail(ErrorKind::io, input,
                fmt::format("the registry's token realm '{}' is not an http(s) URL", realm));
  std::string url = realm + (realm.find('?') == std::string::npos ? "?" : "&");
  bool first = true;
  const auto add_param = [&](std::string_view name, std::string_view value) {
    url += fmt::format("{}{}={}", first ? "" : "&", name, percent_encode(value));
    first = false;
  };
  if (auto service = bearer->params.find("service"); service != bearer->params.end())
    add_param("service", service->second);
  auto scope = bearer->params.find("scope");
  if (scope != bearer->params.end() && !scope->second.empty()) {
    for (auto one : util::split_trimmed(scope->second, ' '))
      add_param("scope", one);
  } else {
    add_param("scope", fmt::format("repository:{}:pull", m_ref.repository));
  }

  HttpRequest request{url, {}, false, false, "GET", nullptr};
  if (creds->found()) {
    // Basic credentials go in clear text over http; allow that only on this machine.
    if (!realm_https && !is_loopback_host(url_host(realm)))
      return fail(ErrorKind::io, input,
                  fmt::format("refusing to send credentials over plain http to {}", realm));
    request.headers.push_back("Authorization: " + basic_value);
  }
  auto response = m_http.get(request, k_max_manifest_bytes);
  if (!response) {
    auto error = std::move(response).error();
    if (error.input.empty())
      error.message = fmt::format("cannot get a token from {}: {}", realm, error.message);
    error.input = input;
    return std::unexpected(std::move(error));
  }
  if (!response->ok()) {
    if ((response->status == 401 || response->status == 403) && !creds->found())
      return fail(ErrorKind::io, input, missing_credentials());
    return fail(ErrorKind::io, input,
                fmt::format("token request to {} failed: {}", realm, http_failure(*response)));
  }
  auto doc = nlohmann::json::parse(response->body, nullptr, false);
  std::string token;
  if (!doc.is_discarded() && doc.is_object()) {
    token = string_field(doc, "token");
    if (token.empty())
      token = string_field(doc, "access_token");
  }
  if (token.empty() || !is_safe_header_value(token))
    return fail(ErrorKind::parse, input,
                fmt::format("the token endpoint {} sent no usable token", realm));
  m_authorization = "Bearer " + token;
  return {};
}

core::Result<Manifest> RegistryClient::get_manifest(std::string_view reference) {
  const std::string input = display(reference);
  const bool by_digest = is_valid_digest(reference);
  if (!by_digest && !is_valid_tag(reference))
    return fail(ErrorKind::usage, input,
                fmt::format("'{}' is neither a tag nor a sha256/sha512 digest", reference));
  std::string accept =
      fmt::format("Accept: {}, {}, {}, {}", k_media_oci_index, k_media_oci_manifest,
                  k_media_docker_list, k_media_docker_manifest);
  auto response =
      send(m_base + "manifests/" + std::string(reference), {accept}, k_max_manifest_bytes, nullptr);
  if (!response) {
    auto error = std::move(response).error();
    if (error.kind == ErrorKind::limit)
      error.message = fmt::format("manifest is larger than {} bytes", k_max_manifest_bytes);
    error.input = input;
    return std::unexpected(std::move(error));
  }
  if (!response->ok())
    return fail(ErrorKind::io, input, http_failure(*response));

  Manifest manifest;
  manifest.body = std::move(response->body);
  std::string content_type = util::to_lower(util::trim(
      response->header("content-type").substr(0, response->header("content-type").find(';'))));
  manifest.media_type =
      is_supported_manifest_type(content_type) ? content_type : sniff_media_type(manifest.body);
  if (!is_supported_manifest_type(manifest.media_type))
    return fail(ErrorKind::parse, input,
                fmt::format("unsupported manifest media type '{}' (Docker schema 1 and other "
                            "formats are not read)",
                            manifest.media_type.empty() ? content_type : manifest.media_type));

  util::Digest hasher(by_digest ? digest_algorithm(reference) : std::string("sha256"));
  hasher.update(manifest.body);
  manifest.digest = hasher.digest();
  if (manifest.digest.empty())
    return fail(ErrorKind::internal, input, "cannot compute a digest");
  if (by_digest && manifest.digest != reference)
    return fail(ErrorKind::parse, input,
                fmt::format("manifest digest mismatch: expected {}, the registry sent {}",
                            reference, manifest.digest));
  // The registry vouches for a tag with this header; a body that does not
  // match it was changed on the way.
  auto claimed = std::string(response->header("docker-content-digest"));
  if (!by_digest && is_valid_digest(claimed) && digest_algorithm(claimed) == "sha256" &&
      claimed != manifest.digest)
    return fail(ErrorKind::parse, input,
                fmt::format("manifest digest mismatch: the registry claims {}, the body is {}",
                            claimed, manifest.digest));
  return manifest;
}

core::Result<Manifest> RegistryClient::get_image_manifest() {
  auto top = get_manifest(m_ref.reference());
  if (!top || !top->is_index())
    return top;
  const std::string input = display(m_ref.reference());
  auto doc = nlohmann::json::parse(top->body, nullptr, false);
  auto manifests = doc.is_discarded() || !doc.is_object() ? doc.end() : doc.find("manifests");
  if (doc.is_discarded() || !doc.is_object() || manifests == doc.end() || !manifests->is_array())
    return fail(ErrorKind::parse, input, "the image index has no manifests list");
  const Platform want = parse_platform(m_options.platform);
  std::vector<std::string> available;
  for (const auto& entry : *manifests) {
    if (!entry.is_object())
      continue;
    auto platform = entry.find("platform");
    if (platform == entry.end() || !platform->is_object())
      continue;
    Platform have{string_field(*platform, "os"), string_field(*platform, "architecture"),
                  string_field(*platform, "variant")};
    if (platform_matches(want, have)) {
      auto digest = string_field(entry, "digest");
      if (!is_valid_digest(digest))
        return fail(ErrorKind::parse, input,
                    fmt::format("the index entry for {} has an invalid digest '{}'",
                                m_options.platform, digest));
      auto chosen = get_manifest(digest);
      if (chosen && chosen->is_index())
        return fail(ErrorKind::parse, display(digest), "an index inside an index is not supported");
      return chosen;
    }
    available.push_back(have.os + "/" + have.architecture +
                        (have.variant.empty() ? "" : "/" + have.variant));
  }
  return fail(ErrorKind::usage, input,
              fmt::format("no image for platform {} in the index (it has: {})", m_options.platform,
                          available.empty() ? std::string("none")
                                            : fmt::format("{}", fmt::join(available, ", "))));
}

core::Status RegistryClient::get_blob(std::string_view digest, const ByteSink& sink) {
  const std::string input = m_ref.to_string();
  if (!is_valid_digest(digest))
    return fail(ErrorKind::usage, input,
                fmt::format("invalid blob digest '{}' (expected sha256:<64 hex digits>)", digest));
  util::Digest hasher(digest_algorithm(digest));
  // The sink's own error goes back as it is, not dressed as a transport failure.
  std::optional<core::Error> sink_error;
  ByteSink hashing = [&](std::span<const std::byte> bytes) -> core::Status {
    hasher.update(bytes);
    auto status = sink(bytes);
    if (!status)
      sink_error = status.error();
    return status;
  };
  auto response = send(m_base + "blobs/" + std::string(digest), {}, 0, &hashing);
  if (sink_error)
    return std::unexpected(std::move(*sink_error));
  if (!response)
    return std::unexpected(std::move(response).error());
  if (!response->ok())
    return fail(ErrorKind::io, input, fmt::format("blob {}: {}", digest, http_failure(*response)));
  auto got = hasher.digest();
  if (got != digest)
    return fail(ErrorKind::parse, input,
                fmt::format("blob {}: digest mismatch, the registry sent content with digest {}",
                            digest, got.empty() ? std::string("(none)") : got));
  return {};
}

core::Result<std::string> RegistryClient::get_blob_text(std::string_view digest,
                                                        std::size_t max_bytes) {
  std::string text;
  auto status = get_blob(digest, [&](std::span<const std::byte> bytes) -> core::Status {
    if (text.size() + bytes.size() > max_bytes)
      return fail(ErrorKind::limit, m_ref.to_string(),
                  fmt::format("blob {} is larger than {} bytes", digest, max_bytes));
    text.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return {};
  });
  if (!status)
    return std::unexpected(std::move(status).error());
  return text;
}

core::Result<std::optional<Manifest>> RegistryClient::find_manifest(std::string_view reference) {
  const std::string accept =
      fmt::format("Accept: {}, {}, {}, {}", k_media_oci_index, k_media_oci_manifest,
                  k_media_docker_list, k_media_docker_manifest);
  auto response =
      send(m_base + "manifests/" + std::string(reference), {accept}, 0, nullptr, "HEAD");
  if (!response) {
    auto error = std::move(response).error();
    error.input = display(reference);
    return std::unexpected(std::move(error));
  }
  if (response->status == 404)
    return std::optional<Manifest>();
  MOAT_TRY_ASSIGN(manifest, get_manifest(reference));
  return std::optional<Manifest>(std::move(manifest));
}

namespace {

// "https://host:port" of a base URL "https://host:port/v2/repo/".
std::string origin_of(const std::string& base) {
  const auto scheme_end = base.find("://");
  const auto path = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  return path == std::string::npos ? base : base.substr(0, path);
}

} // namespace

core::Status RegistryClient::put_blob(const std::string& digest, const std::string& bytes) {
  const std::string input = display(digest);
  auto head = send(m_base + "blobs/" + digest, {}, 0, nullptr, "HEAD");
  if (!head)
    return std::unexpected(std::move(head).error());
  if (head->ok())
    return {};
  auto start = send(m_base + "blobs/uploads/", {}, k_max_manifest_bytes, nullptr, "POST");
  if (!start)
    return std::unexpected(std::move(start).error());
  if (start->status != 202)
    return fail(ErrorKind::io, input,
                fmt::format("starting the upload failed: {}", http_failure(*start)));
  std::string location(start->header("location"));
  if (location.empty() || !is_safe_header_value(location))
    return fail(ErrorKind::io, input, "the registry gave no upload location");
  if (location.starts_with('/'))
    location = origin_of(m_base) + location;
  else if (!location.starts_with(origin_of(m_base) + "/"))
    return fail(ErrorKind::io, input,
                fmt::format("the registry's upload location {} is on another host", location));
  location += location.find('?') == std::string::npos ? '?' : '&';
  location += "digest=" + percent_encode(digest);
  auto put = send(location, {"Content-Type: application/octet-stream"}, k_max_manifest_bytes,
                  nullptr, "PUT", &bytes);
  if (!put)
    return std::unexpected(std::move(put).error());
  if (put->status != 201 && put->status != 204)
    return fail(ErrorKind::io, input, fmt::format("the upload failed: {}", http_failure(*put)));
  return {};
}

core::Status RegistryClient::put_manifest(std::string_view reference, std::string_view media_type,
                                          const std::string& body) {
  const std::string input = display(reference);
  if (!is_valid_tag(reference) && !is_valid_digest(reference))
    return fail(ErrorKind::usage, input, "not a tag or digest to push to");
  auto put = send(m_base + "manifests/" + std::string(reference),
                  {fmt::format("Content-Type: {}", media_type)}, k_max_manifest_bytes, nullptr,
                  "PUT", &body);
  if (!put)
    return std::unexpected(std::move(put).error());
  if (put->status != 201 && put->status != 200 && put->status != 204)
    return fail(ErrorKind::io, input,
                fmt::format("pushing the manifest failed: {}", http_failure(*put)));
  return {};
}

} // namespace moat::image
