#include <moat/secrets/compile.hpp>

#include <vector>

namespace moat::secrets {

hs_database_t* compile_rules(std::span<const Rule> rules, const hs_platform_info_t* platform,
                             std::string& error, unsigned first_id) {
  std::vector<std::string> texts;
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  texts.reserve(rules.size());
  expressions.reserve(rules.size());
  flags.reserve(rules.size());
  ids.reserve(rules.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    texts.emplace_back(rules[i].pattern); // NUL-terminated copies
    flags.push_back(rules[i].caseless ? HS_FLAG_CASELESS : 0U);
    ids.push_back(first_id + static_cast<unsigned>(i));
  }
  for (const auto& t : texts)
    expressions.push_back(t.c_str());
  hs_database_t* db = nullptr;
  hs_compile_error_t* failed = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                       static_cast<unsigned>(expressions.size()), HS_MODE_STREAM, platform, &db,
                       &failed) == HS_SUCCESS)
    return db;
  error = failed != nullptr && failed->message != nullptr ? failed->message : "unknown error";
  if (failed != nullptr && failed->expression >= 0 &&
      static_cast<std::size_t>(failed->expression) < rules.size())
    error = std::string(rules[static_cast<std::size_t>(failed->expression)].id) + ": " + error;
  hs_free_compile_error(failed);
  return nullptr;
}

} // namespace moat::secrets
