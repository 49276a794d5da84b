// The built-in secret rules. Aliases are gitleaks' rule ids where gitleaks
// has a rule with the same meaning.

#include <moat/secrets/rules.hpp>

#include <array>
#include <stdexcept>

namespace moat::secrets {

namespace {

using core::CheckInfo;
using core::Severity;

constexpr std::string_view k_rotate =
    "Revoke the credential at its issuer and issue a new one; remove it from the file, the "
    "image and the history, and pass it at run time (a secret mount, the environment of the "
    "running container, a secrets manager) instead.";

// clang-format off
constexpr std::array k_checks = {
    CheckInfo{"SE001", "aws-access-token", Severity::critical, "AWS access key id",
              "An access key id identifies an AWS credential; the secret key is rarely far from it.",
              k_rotate, "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"},
    CheckInfo{"SE002", "", Severity::critical, "AWS secret access key",
              "With the secret access key, anyone can sign AWS API calls as its user.",
              k_rotate, "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"},
    CheckInfo{"SE003", "gcp-api-key", Severity::high, "Google API key",
              "A Google API key bills and authorises requests to the APIs it is enabled for.",
              k_rotate, "https://cloud.google.com/docs/authentication/api-keys"},
    CheckInfo{"SE004", "", Severity::critical, "Google Cloud service account key",
              "A service account key file lets anyone act as the service account.",
              k_rotate, "https://cloud.google.com/iam/docs/keys-create-delete"},
    CheckInfo{"SE005", "", Severity::critical, "Azure storage account key",
              "An account key gives full access to every container, queue and table of the account.",
              k_rotate, "https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage"},
    CheckInfo{"SE006", "azure-ad-client-secret", Severity::critical, "Azure AD client secret",
              "A client secret signs in as the application registration it belongs to.",
              k_rotate, "https://learn.microsoft.com/entra/identity-platform/howto-create-service-principal-portal"},
    CheckInfo{"SE007", "private-key", Severity::critical, "Private key",
              "A private key (RSA, EC, DSA, OpenSSH, PGP or PKCS#8, encrypted or not) is an identity: "
              "whoever reads it can sign, decrypt or log in as its owner.",
              "Remove the key; keep keys out of images and build contexts and mount them at run time. "
              "Replace a key that was published.",
              "https://docs.docker.com/build/building/secrets/"},
    CheckInfo{"SE008", "", Severity::critical, "PuTTY private key",
              "A PuTTY key file holds an SSH private key.",
              "Remove the key file and replace the key.", "https://the.earth.li/~sgtatham/putty/0.78/htmldoc/AppendixC.html"},
    CheckInfo{"SE009", "github-pat", Severity::critical, "GitHub personal access token (classic)",
              "A personal access token acts as its user on GitHub, with the scopes it was given.",
              k_rotate, "https://docs.github.com/authentication/keeping-your-account-and-data-secure/about-authentication-to-github"},
    CheckInfo{"SE010", "github-fine-grained-pat", Severity::critical, "GitHub fine-grained personal access token",
              "A fine-grained token acts as its user on the repositories it was given.",
              k_rotate, "https://docs.github.com/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens"},
    CheckInfo{"SE011", "github-oauth,github-app-token,github-refresh-token", Severity::critical,
              "GitHub OAuth, app or refresh token",
              "GitHub's OAuth, user-to-server, server-to-server and refresh tokens act as a user or an app.",
              k_rotate, "https://docs.github.com/authentication/keeping-your-account-and-data-secure/about-authentication-to-github"},
    CheckInfo{"SE012", "gitlab-pat", Severity::critical, "GitLab personal access token",
              "A personal access token acts as its user on GitLab.",
              k_rotate, "https://docs.gitlab.com/ee/user/profile/personal_access_tokens.html"},
    CheckInfo{"SE013", "slack-bot-token,slack-user-token,slack-app-token,slack-legacy-token", Severity::high,
              "Slack token", "A Slack token reads and posts as its bot, user or app.",
              k_rotate, "https://api.slack.com/authentication/token-types"},
    CheckInfo{"SE014", "slack-webhook-url", Severity::medium, "Slack webhook URL",
              "Anyone with an incoming webhook's URL can post to its channel.",
              k_rotate, "https://api.slack.com/messaging/webhooks"},
    CheckInfo{"SE015", "stripe-access-token", Severity::critical, "Stripe secret or restricted key",
              "A Stripe secret key moves money and reads customers' data.",
              k_rotate, "https://stripe.com/docs/keys"},
    CheckInfo{"SE016", "twilio-api-key", Severity::high, "Twilio API key",
              "A Twilio API key sends messages and calls on the account's bill.",
              k_rotate, "https://www.twilio.com/docs/iam/api-keys"},
    CheckInfo{"SE017", "sendgrid-api-token", Severity::high, "SendGrid API key",
              "A SendGrid key sends mail as the account.",
              k_rotate, "https://docs.sendgrid.com/ui/account-and-settings/api-keys"},
    CheckInfo{"SE018", "npm-access-token", Severity::critical, "npm access token",
              "An npm token publishes packages as its user: a supply-chain risk.",
              k_rotate, "https://docs.npmjs.com/about-access-tokens"},
    CheckInfo{"SE019", "", Severity::critical, "Registry token in .npmrc (_authToken)",
              "An .npmrc _authToken authenticates to a package registry, often with publish rights.",
              "Use a build secret (RUN --mount=type=secret) for .npmrc and keep it out of the image.",
              "https://docs.npmjs.com/cli/configuring-npm/npmrc"},
    CheckInfo{"SE020", "pypi-upload-token", Severity::critical, "PyPI upload token",
              "A PyPI token uploads releases of its projects: a supply-chain risk.",
              k_rotate, "https://pypi.org/help/#apitoken"},
    CheckInfo{"SE021", "", Severity::critical, "Container registry credentials (auth in a Docker config)",
              "The auth field of a Docker config.json or .dockerconfigjson is the registry's user name "
              "and password, only base64-encoded.",
              "Remove the file; use a credential helper or a build secret for registry logins.",
              "https://docs.docker.com/reference/cli/docker/login/"},
    CheckInfo{"SE022", "", Severity::high, "Credentials in a URL",
              "A URL with user:password@ (a database connection string, a Git remote, "
              ".git-credentials) carries the password in clear.",
              "Take the password out of the URL and pass it at run time.",
              "https://git-scm.com/docs/git-credential-store"},
    CheckInfo{"SE023", "jwt", Severity::medium, "JSON Web Token",
              "A JWT is a bearer credential until it expires; one stored in a file rarely has.",
              k_rotate, "https://www.rfc-editor.org/rfc/rfc7519"},
    CheckInfo{"SE024", "generic-api-key", Severity::medium, "Password, secret or token assigned a value",
              "A value assigned to a name like password, secret, token or api_key, with the entropy "
              "of a real secret, is usually one.",
              "Pass the value at run time (the environment of the running container, a secret mount) "
              "instead of writing it down.",
              "https://docs.docker.com/build/building/secrets/"},
    CheckInfo{"SE025", "huggingface-access-token", Severity::high, "Hugging Face access token",
              "A Hugging Face token reads, and with write scope publishes, the models and datasets of its user.",
              k_rotate, "https://huggingface.co/docs/hub/security-tokens"},
    CheckInfo{"SE026", "openai-api-key", Severity::high, "OpenAI API key",
              "An OpenAI key runs requests on the organisation's bill and reads its files and fine-tunes.",
              k_rotate, "https://platform.openai.com/docs/api-reference/authentication"},
};

// Patterns are Hyperscan's dialect. A trailing class or $ ends a token
// where the next character could not continue it. Unbounded runs cost
// Hyperscan less than long bounded ones: the generic rule matches a value
// of any length, and the confirmation refuses one longer than max_length.
constexpr std::array k_rules = {
    Rule{"SE001", "AWS", R"(\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}(?:[^A-Z0-9]|$))",
         false, Confirm::token, "A-Z0-9", 20, 20, 3.0, false, "", "AKIA,ASIA,ABIA,ACCA,AGPA,AIDA,AROA,AIPA,ANPA,ANVA,A3T"},
    Rule{"SE002", "AWS", R"(aws.{0,25}(?:secret|private|sk).{0,25}[=:]\s{0,5}["']?[A-Za-z0-9/+]{40}(?:[^A-Za-z0-9/+]|$))",
         true, Confirm::token, "A-Za-z0-9/+", 40, 40, 4.0, false, "", "aws"},
    Rule{"SE003", "GCP", R"(\bAIza[A-Za-z0-9_\-]{35}(?:[^A-Za-z0-9_\-]|$))",
         false, Confirm::token, "A-Za-z0-9_-", 39, 39, 3.0, false, "", "AIza"},
    Rule{"SE004", "GCP", R"("private_key_id"\s{0,5}:\s{0,5}"[0-9a-f]{40}")",
         false, Confirm::token, "0-9a-f", 40, 40, 3.0, false, "", "\"private_key_id\""},
    Rule{"SE005", "Azure", R"(AccountKey\s{0,3}=\s{0,3}[A-Za-z0-9+/]{86}==)",
         false, Confirm::token, "A-Za-z0-9+/=", 88, 88, 4.0, false, "", "AccountKey"},
    Rule{"SE006", "Azure", R"((?:^|[\\'"`\s>=:(,])[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}(?:[^A-Za-z0-9_~.\-]|$))",
         false, Confirm::token, "A-Za-z0-9_~.-", 37, 40, 3.0, false, "", "Q~"},
    Rule{"SE007", "private key", R"(-----END[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----|-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[rn]){1,16}[A-Za-z0-9+/]{40})",
         false, Confirm::pem, "", 0, 0, 0.0, false, "", "PRIVATE KEY"},
    Rule{"SE008", "private key", R"(Private-Lines:\s{0,3}[0-9]{1,4}\r?\n)",
         false, Confirm::putty, "", 0, 0, 0.0, false, "", "Private-Lines"},
    Rule{"SE009", "GitHub", R"(\bghp_[A-Za-z0-9]{36}(?:[^A-Za-z0-9_]|$))",
         false, Confirm::token, "A-Za-z0-9_", 40, 40, 3.0, false, "", "ghp_"},
    Rule{"SE010", "GitHub", R"(\bgithub_pat_[A-Za-z0-9_]{82}(?:[^A-Za-z0-9_]|$))",
         false, Confirm::token, "A-Za-z0-9_", 93, 93, 3.0, false, "", "github_pat_"},
    Rule{"SE011", "GitHub", R"(\bgh[ousr]_[A-Za-z0-9]{36,76}(?:[^A-Za-z0-9_]|$))",
         false, Confirm::token, "A-Za-z0-9_", 40, 80, 3.0, false, "gho_,ghu_,ghs_,ghr_", "gho_,ghu_,ghs_,ghr_"},
    Rule{"SE012", "GitLab", R"(\bglpat-[A-Za-z0-9_\-]{20}(?:[^A-Za-z0-9_\-]|$))",
         false, Confirm::token, "A-Za-z0-9_-", 26, 26, 3.0, false, "", "glpat-"},
    Rule{"SE013", "Slack", R"(\b(?:xox[bpaeors]-[0-9]{6,}-[A-Za-z0-9\-]{8,240}|xapp-[0-9]-[A-Z0-9]{6,}-[0-9]{6,}-[a-z0-9]{16,128})(?:[^A-Za-z0-9\-]|$))",
         false, Confirm::token, "A-Za-z0-9-", 15, 255, 3.0, false, "xox,xapp", "xox,xapp-"},
    Rule{"SE014", "Slack", R"(https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,150}(?:[^A-Za-z0-9+/_\-]|$))",
         false, Confirm::token, "A-Za-z0-9+/_:.-", 43, 200, 3.0, false, "https://hooks.slack.com/", "hooks.slack.com/"},
    Rule{"SE015", "Stripe", R"(\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}(?:[^A-Za-z0-9_]|$))",
         false, Confirm::token, "A-Za-z0-9_", 18, 107, 3.0, false, "sk_,rk_", "sk_,rk_"},
    Rule{"SE016", "Twilio/SendGrid", R"(\bSK[0-9a-fA-F]{32}(?:[^0-9a-zA-Z_]|$))",
         false, Confirm::token, "0-9a-zA-Z", 34, 34, 3.0, false, "", "SK"},
    Rule{"SE017", "Twilio/SendGrid", R"(\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}(?:[^A-Za-z0-9_\-]|$))",
         false, Confirm::token, "A-Za-z0-9_.-", 69, 69, 3.0, false, "", "SG."},
    Rule{"SE018", "npm", R"(\bnpm_[A-Za-z0-9]{36}(?:[^A-Za-z0-9_]|$))",
         false, Confirm::token, "A-Za-z0-9_", 40, 40, 3.0, false, "", "npm_"},
    Rule{"SE019", "npm", R"(_authToken\s{0,5}=\s{0,5}["']?[A-Za-z0-9_+/.:\-]{20,500}(?:[^A-Za-z0-9_+/.:\-]|$))",
         false, Confirm::token, "A-Za-z0-9_+/.:-", 20, 500, 3.0, false, "", "_authToken"},
    Rule{"SE020", "PyPI", R"(\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,1000}(?:[^A-Za-z0-9_\-]|$))",
         false, Confirm::token, "A-Za-z0-9_-", 70, 1021, 3.0, false, "pypi-", "pypi-AgEIcHlwaS5vcmc"},
    Rule{"SE021", "Docker registry", R"("auth"\s{0,5}:\s{0,5}"[A-Za-z0-9+/]{4,2000}={0,2}")",
         false, Confirm::docker_auth, "A-Za-z0-9+/=", 4, 2002, 0.0, false, "", "\"auth\""},
    Rule{"SE022", "URL credentials", R"(\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s:/?#@'"<>]{1,128}:[^\s/?#@'"<>]{1,128}@[A-Za-z0-9\[])",
         false, Confirm::url, "", 0, 0, 0.0, false, "", "@"},
    Rule{"SE023", "JWT", R"(\beyJ[A-Za-z0-9_\-]{8,4096}\.eyJ[A-Za-z0-9_\-]{8,8192}\.[A-Za-z0-9_\-]{8,1024}(?:[^A-Za-z0-9_.\-]|$))",
         false, Confirm::token, "A-Za-z0-9_.-", 30, 13400, 3.0, false, "eyJ", "eyJ"},
    Rule{"SE024", "generic", R"((?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|secret[_\-]?key|auth[_\-]?token|access[_\-]?token|api[_\-]?token|client[_\-]?secret)["']?[ \t]*(?::=|=>|[:=])[ \t]*["']?[A-Za-z0-9_\-+/.!@#%^&*~]{8}[A-Za-z0-9_\-+/.!@#%^&*~]*(?:[^A-Za-z0-9_\-+/.!@#%^&*~]|$))",
         true, Confirm::token, "A-Za-z0-9_+/.!@#%^&*~-", 8, 200, 3.0, true, "", "pass,pwd,secret,token,api,access"},
    Rule{"SE025", "Hugging Face", R"(\bhf_[A-Za-z]{34}(?:[^A-Za-z0-9_]|$))",
         false, Confirm::token, "A-Za-z_", 37, 37, 3.0, false, "", "hf_"},
    Rule{"SE026", "OpenAI", R"(\bsk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\-]{20,200}T3BlbkFJ[A-Za-z0-9_\-]{20,200}(?:[^A-Za-z0-9_\-]|$))",
         false, Confirm::token, "A-Za-z0-9_-", 39, 420, 3.0, false, "sk-", "T3BlbkFJ"},
};
// clang-format on

static_assert(k_checks.size() == k_rules.size());

} // namespace

std::span<const Rule> builtin_rules() {
  return k_rules;
}

std::span<const core::CheckInfo> checks() {
  return k_checks;
}

const core::CheckInfo& check_of(const Rule& rule) {
  if (rule.info != nullptr)
    return *rule.info;
  for (std::size_t i = 0; i < k_rules.size(); ++i)
    if (k_rules[i].id == rule.id)
      return k_checks[i];
  throw std::logic_error("unknown secret rule " + std::string(rule.id));
}

} // namespace moat::secrets
