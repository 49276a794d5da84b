#include <moat/secrets/secrets.hpp>

#include <moat/util/strings.hpp>

namespace moat::secrets {

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
