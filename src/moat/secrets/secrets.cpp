#include <moat/secrets/secrets.hpp>

#include <moat/util/strings.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace moat::secrets {

namespace {

bool is_upper_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_token_char(char c) {
  return is_alnum(c) || c == '_' || c == '-';
}

// The prefixes of AWS access key ids.
constexpr std::array<std::string_view, 9> k_aws_prefixes = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA",
                                                            "AIPA", "ANPA", "ANVA", "A3T"};

// The secret that starts at TEXT[I], if any.
std::optional<SecretHit> secret_at(std::string_view text, std::size_t i) {
  auto run_length = [&](std::size_t from, auto pred) {
    std::size_t n = 0;
    while (from + n < text.size() && pred(text[from + n]))
      ++n;
    return n;
  };
  std::string_view rest = text.substr(i);
  for (auto p : k_aws_prefixes) {
    if (rest.starts_with(p)) {
      std::size_t n = run_length(i, is_upper_alnum);
      if (n == 20)
        return SecretHit{"AWS access key id", std::string(rest.substr(0, n))};
    }
  }
  if (rest.starts_with("-----BEGIN ") && rest.find("PRIVATE KEY-----") != std::string_view::npos)
    return SecretHit{"private key",
                     std::string(rest.substr(0, std::min<std::size_t>(rest.size(), 40)))};
  if (rest.size() > 4 && rest[0] == 'g' && rest[1] == 'h' &&
      std::string_view("pousr").find(rest[2]) != std::string_view::npos && rest[3] == '_') {
    std::size_t n = run_length(i + 4, is_alnum);
    if (n >= 36)
      return SecretHit{"GitHub token", std::string(rest.substr(0, 4 + n))};
  }
  if (rest.starts_with("github_pat_")) {
    std::size_t n = run_length(i + 11, [](char c) { return is_alnum(c) || c == '_'; });
    if (n >= 60)
      return SecretHit{"GitHub token", std::string(rest.substr(0, 11 + n))};
  }
  if (rest.starts_with("glpat-")) {
    std::size_t n = run_length(i + 6, is_token_char);
    if (n >= 20)
      return SecretHit{"GitLab token", std::string(rest.substr(0, 6 + n))};
  }
  if (rest.size() > 5 && rest.starts_with("xox") &&
      std::string_view("baprs").find(rest[3]) != std::string_view::npos && rest[4] == '-') {
    std::size_t n = run_length(i + 5, is_token_char);
    if (n >= 10)
      return SecretHit{"Slack token", std::string(rest.substr(0, 5 + n))};
  }
  if (rest.starts_with("AIza")) {
    std::size_t n = run_length(i + 4, is_token_char);
    if (n == 35)
      return SecretHit{"Google API key", std::string(rest.substr(0, 39))};
  }
  if (rest.starts_with("sk_live_") || rest.starts_with("rk_live_")) {
    std::size_t n = run_length(i + 8, is_alnum);
    if (n >= 24)
      return SecretHit{"Stripe secret key", std::string(rest.substr(0, 8 + n))};
  }
  if (rest.starts_with("npm_")) {
    std::size_t n = run_length(i + 4, is_alnum);
    if (n == 36)
      return SecretHit{"npm token", std::string(rest.substr(0, 40))};
  }
  if (rest.starts_with("hf_")) {
    std::size_t n = run_length(i + 3, is_alnum);
    if (n >= 34)
      return SecretHit{"Hugging Face token", std::string(rest.substr(0, 3 + n))};
  }
  if (rest.starts_with("sk-") && rest.size() > 3) {
    std::size_t n = run_length(i + 3, is_token_char);
    if (n >= 40)
      return SecretHit{"API secret key", std::string(rest.substr(0, 3 + n))};
  }
  return std::nullopt;
}

} // namespace

std::optional<SecretHit> find_secret_value(std::string_view text) {
  // Every shape begins with one of these; searching for them is much faster
  // than trying each position.
  static constexpr std::array<std::string_view, 9> other_anchors = {
      "-----BEGIN ", "gh", "glpat-", "xox", "AIza", "_live_", "npm_", "hf_", "sk-"};
  auto search = [&](std::string_view anchor) -> std::optional<SecretHit> {
    for (auto pos = text.find(anchor); pos != std::string_view::npos;
         pos = text.find(anchor, pos + 1)) {
      // "_live_" is found inside sk_live_/rk_live_.
      std::size_t at = anchor == "_live_" ? (pos >= 2 ? pos - 2 : pos) : pos;
      if (at > 0 && is_alnum(text[at - 1]))
        continue; // tokens start at a word boundary
      if (auto hit = secret_at(text, at))
        return hit;
    }
    return std::nullopt;
  };
  for (auto anchor : k_aws_prefixes)
    if (auto hit = search(anchor))
      return hit;
  for (auto anchor : other_anchors)
    if (auto hit = search(anchor))
      return hit;
  return std::nullopt;
}

std::string redact(std::string_view value) {
  if (value.size() <= 4)
    return "****";
  return std::string(value.substr(0, 4)) + "****";
}

bool is_secret_name(std::string_view name) {
  const std::string n = util::to_upper(name);
  // Names that point at a secret rather than hold one.
  for (std::string_view suffix :
       {"_FILE",     "_PATH",     "_DIR",    "_URL", "_URI",     "_VERSION", "_HOST",   "_PORT",
        "_USER",     "_USERNAME", "_NAME",   "_ID",  "_TYPE",    "_ENABLED", "_LENGTH", "_HEADER",
        "_ENDPOINT", "_FORMAT",   "_EXPIRY", "_TTL", "_COMMAND", "_CMD",     "_METHOD", "_MODE"})
    if (n.ends_with(suffix))
      return false;
  for (std::string_view word :
       {"PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "API_KEY", "APIKEY", "ACCESS_KEY",
        "PRIVATE_KEY", "CREDENTIAL", "AUTH_KEY", "CLIENT_SECRET", "DB_PASS", "_PASS", "_PWD"})
    if (n.find(word) != std::string::npos)
      return n != "_PWD";
  return n == "PASS";
}

} // namespace moat::secrets
