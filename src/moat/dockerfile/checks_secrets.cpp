// Secrets in a Dockerfile: secret-looking ARG/ENV names and secret values
// in ARG, ENV, LABEL, RUN and heredocs, TLS switched off through ENV, and
// credentials in URLs.

#include <moat/dockerfile/check_helpers.hpp>
#include <moat/secrets/engine.hpp>
#include <moat/secrets/secrets.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <span>

namespace moat::dockerfile::detail {

using util::iequals;

// Secrets in ENV and ARG (by name and by value) and in RUN/LABEL (by value).
namespace {

// BuildKit's SecretsUsedInArgOrEnv: a part of the name between underscores
// (or the whole name) is one of these words, case-insensitively ...
constexpr std::array<std::string_view, 10> k_buildkit_secret_words = {
    "apikey",   "auth",  "credential", "credentials", "key",
    "password", "pword", "passwd",     "secret",      "token"};
// ... and no part is one of these.
constexpr std::array<std::string_view, 3> k_buildkit_allowed_words = {"public", "file", "version"};

bool has_part(std::string_view name, std::span<const std::string_view> words) {
  for (auto part : util::split(name, '_'))
    for (auto word : words)
      if (iequals(part, word))
        return true;
  return false;
}

bool buildkit_secret_name(std::string_view name) {
  return has_part(name, k_buildkit_secret_words) && !has_part(name, k_buildkit_allowed_words);
}

// hadolint's DL3064: well-known secret variables, or names holding one of
// a few telling words anywhere.
constexpr std::array<std::string_view, 48> k_known_secret_names = {"ACCESS_TOKEN",
                                                                   "APPLICATION_KEY",
                                                                   "APP_SECRET",
                                                                   "AUTH_TOKEN",
                                                                   "AWS_ACCESS_KEY_ID",
                                                                   "AWS_SECRET_ACCESS_KEY",
                                                                   "BITTREX_API_KEY",
                                                                   "BITTREX_API_SECRET",
                                                                   "CF_PASSWORD",
                                                                   "CF_USERNAME",
                                                                   "CIRCLE_TOKEN",
                                                                   "CI_DEPLOY_PASSWORD",
                                                                   "CI_DEPLOY_USER",
                                                                   "DOCKERHUB_PASSWORD",
                                                                   "DOCKER_EMAIL",
                                                                   "DOCKER_PASSWORD",
                                                                   "DOCKER_USERNAME",
                                                                   "FACEBOOK_ACCESS_TOKEN",
                                                                   "FACEBOOK_APP_ID",
                                                                   "FACEBOOK_APP_SECRET",
                                                                   "FIREBASE_API_TOKEN",
                                                                   "FIREBASE_TOKEN",
                                                                   "FOSSA_API_KEY",
                                                                   "GH_ENTERPRISE_TOKEN",
                                                                   "GH_TOKEN",
                                                                   "GITHUB_ENTERPRISE_TOKEN",
                                                                   "GITHUB_TOKEN",
                                                                   "HEROKU_API_KEY",
                                                                   "HEROKU_API_USER",
                                                                   "NPM_AUTH_TOKEN",
                                                                   "NPM_TOKEN",
                                                                   "OKTA_AUTHN_GROUPID",
                                                                   "OKTA_CLIENT_ORGURL",
                                                                   "OKTA_CLIENT_TOKEN",
                                                                   "OKTA_OAUTH2_CLIENTID",
                                                                   "OKTA_OAUTH2_CLIENTSECRET",
                                                                   "OPENAI_API_KEY",
                                                                   "OS_PASSWORD",
                                                                   "OS_USERNAME",
                                                                   "POSTGRES_PASSWORD",
                                                                   "SLACK_TOKEN",
                                                                   "STRIPE_API_KEY",
                                                                   "STRIPE_DEVICE_NAME",
                                                                   "TRAVIS_OS_NAME",
                                                                   "TRAVIS_SECURE_ENV_VARS",
                                                                   "TRAVIS_SUDO",
                                                                   "VAULT_CLIENT_KEY",
                                                                   "VAULT_TOKEN"};
constexpr std::array<std::string_view, 7> k_secret_fragments = {
    "api_key", "client_key", "password", "private", "secret", "token", "username"};

bool hadolint_secret_name(std::string_view name) {
  const auto upper = util::to_upper(name);
  if (std::find(k_known_secret_names.begin(), k_known_secret_names.end(), upper) !=
      k_known_secret_names.end())
    return true;
  const auto lower = util::to_lower(name);
  return std::any_of(k_secret_fragments.begin(), k_secret_fragments.end(),
                     [&](std::string_view f) { return lower.find(f) != std::string::npos; });
}

// The names an ARG or ENV defines.
std::vector<std::string> defined_names(const Instruction& ins) {
  std::vector<std::string> out;
  if (ins.keyword == "env")
    for (const auto& pair : ins.pairs())
      out.push_back(pair.key);
  else if (ins.keyword == "arg")
    for (const auto& word : ins.args)
      out.push_back(word.substr(0, word.find('=')));
  return out;
}

} // namespace

// Secret-looking names in ARG and ENV, as BuildKit (DF063) and hadolint
// (DF126) judge them.
void check_secret_names(Context& ctx) {
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      // BuildKit leaves the global ARGs alone; a file without FROM has only those.
      if (stage.implicit && ins.keyword == "arg")
        continue;
      for (const auto& name : defined_names(ins))
        if (buildkit_secret_name(name))
          ctx.report("DF063", ins,
                     fmt::format("{} {} looks like a secret; {} values stay in the image for "
                                 "anyone who pulls it",
                                 util::to_upper(ins.keyword), name,
                                 ins.keyword == "env" ? "ENV" : "build argument"));
    }
  for (const auto& top : ctx.ast.instructions) {
    const Instruction& ins = top.keyword == "onbuild" && top.onbuild ? *top.onbuild : top;
    const auto names = defined_names(ins);
    auto hit = std::find_if(names.begin(), names.end(),
                            [](const std::string& n) { return hadolint_secret_name(n); });
    if (hit != names.end())
      ctx.report("DF126", top,
                 fmt::format("{} {} may hold sensitive data", util::to_upper(ins.keyword), *hit));
  }
}

// Values through the secret engine: a variable as NAME=value, so its
// generic rule sees the name.
void check_secrets(Context& ctx) {
  auto scan_value = [&](const Instruction& ins, std::string_view where, std::string_view text) {
    if (auto hit = secrets::first_secret(text))
      ctx.report("DF064", ins,
                 fmt::format("{} holds a secret: {}", where, secrets::describe(*hit)));
  };
  auto scan_pair = [&](const Instruction& ins, std::string_view keyword, std::string_view name,
                       std::string_view value) {
    scan_value(ins, fmt::format("{} {}", keyword, name), fmt::format("{}={}", name, value));
  };
  for (const auto& ins : ctx.ast.instructions) {
    if (ins.keyword == "env") {
      for (const auto& pair : ins.pairs())
        scan_pair(ins, "ENV", pair.key, pair.value);
      for (const auto& pair : ins.pairs())
        if (pair.key == "NODE_TLS_REJECT_UNAUTHORIZED" && util::trim(pair.value) == "0")
          ctx.report("DF067", ins,
                     "NODE_TLS_REJECT_UNAUTHORIZED=0 disables TLS certificate checks");
        else if (pair.key == "GIT_SSL_NO_VERIFY" && !pair.value.empty() && pair.value != "0" &&
                 pair.value != "false")
          ctx.report("DF067", ins, "GIT_SSL_NO_VERIFY disables TLS certificate checks for git");
        else if (pair.key == "PIP_TRUSTED_HOST")
          ctx.report("DF067", ins, "PIP_TRUSTED_HOST disables TLS certificate checks for pip");
    } else if (ins.keyword == "arg") {
      for (const auto& word : ins.args) {
        auto eq = word.find('=');
        if (eq != std::string::npos)
          scan_pair(ins, "ARG", std::string_view(word).substr(0, eq),
                    std::string_view(word).substr(eq + 1));
      }
    } else if (ins.keyword == "label") {
      for (const auto& pair : ins.pairs())
        scan_pair(ins, "LABEL", pair.key, pair.value);
    } else if (ins.keyword == "run") {
      for (const auto& a : ins.args)
        scan_value(ins, "RUN", a);
      for (const auto& h : ins.heredocs)
        scan_value(ins, "RUN heredoc", h.content);
    } else if (ins.keyword == "copy" || ins.keyword == "add") {
      for (const auto& h : ins.heredocs)
        scan_value(ins, util::to_upper(ins.keyword) + " heredoc", h.content);
    }
  }
}

// URLs with a user name and password in ENV, ARG and LABEL values.
void check_url_credentials(Context& ctx) {
  for (const auto& ins : ctx.ast.instructions) {
    if (ins.keyword == "env" || ins.keyword == "arg" || ins.keyword == "label") {
      std::vector<std::string> values = ins.args;
      for (const auto& p : ins.pairs())
        values.push_back(p.value);
      for (const auto& v : values)
        if (url_has_credentials(v)) {
          ctx.report("DF107", ins, "a URL with a user name and password is stored in the image");
          break;
        }
    }
  }
}

} // namespace moat::dockerfile::detail
