#include <moat/secrets/secrets.hpp>

#include <moat/util/strings.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

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
  // Every shape begins with one of these anchors. One pass over the text
  // tries the anchors that start with the byte at hand; the hit of the
  // earliest anchor in this list wins (AWS keys first), and the first
  // position among its hits.
  static constexpr std::array<std::string_view, 9> others = {
      "-----BEGIN ", "gh", "glpat-", "xox", "AIza", "_live_", "npm_", "hf_", "sk-"};
  static constexpr auto anchors = [] {
    std::array<std::string_view, k_aws_prefixes.size() + others.size()> all{};
    std::copy(k_aws_prefixes.begin(), k_aws_prefixes.end(), all.begin());
    std::copy(others.begin(), others.end(), all.begin() + k_aws_prefixes.size());
    return all;
  }();
  // For each byte, the anchors that start with it (as indexes into anchors).
  struct ByFirst {
    std::array<std::uint8_t, anchors.size()> index{};
    std::uint8_t count = 0;
  };
  static constexpr auto by_first = [] {
    std::array<ByFirst, 256> table{};
    for (std::size_t a = 0; a < anchors.size(); ++a) {
      auto& entry = table[static_cast<unsigned char>(anchors[a].front())];
      entry.index[entry.count++] = static_cast<std::uint8_t>(a);
    }
    return table;
  }();
  std::optional<SecretHit> best;
  std::size_t best_anchor = anchors.size();
  // The first two bytes of every anchor, as a bitmap: most positions are
  // rejected by one lookup.
  static constexpr auto pairs = [] {
    std::array<std::uint64_t, 65536 / 64> bits{};
    for (auto a : anchors) {
      const auto key = static_cast<std::size_t>(static_cast<unsigned char>(a[0])) << 8 |
                       static_cast<unsigned char>(a[1]);
      bits[key / 64] |= std::uint64_t{1} << (key % 64);
    }
    return bits;
  }();
  for (std::size_t pos = 0; pos + 1 < text.size(); ++pos) {
    const auto key = static_cast<std::size_t>(static_cast<unsigned char>(text[pos])) << 8 |
                     static_cast<unsigned char>(text[pos + 1]);
    if ((pairs[key / 64] >> (key % 64) & 1U) == 0)
      continue;
    const auto& candidates = by_first[static_cast<unsigned char>(text[pos])];
    for (std::uint8_t k = 0; k < candidates.count; ++k) {
      const std::size_t a = candidates.index[k];
      if (a >= best_anchor)
        break;
      const auto anchor = anchors[a];
      if (text.compare(pos, anchor.size(), anchor) != 0)
        continue;
      // "_live_" is found inside sk_live_/rk_live_.
      const std::size_t at = anchor == "_live_" ? (pos >= 2 ? pos - 2 : pos) : pos;
      if (at > 0 && is_alnum(text[at - 1]))
        continue; // tokens start at a word boundary
      if (auto hit = secret_at(text, at)) {
        best = std::move(hit);
        best_anchor = a;
        break;
      }
    }
    if (best_anchor == 0)
      break;
  }
  return best;
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
