// The secret engine on a labelled corpus the test writes itself: for every
// rule, secrets in realistic files and look-alikes that must not fire;
// precision and recall per family are printed.

#include <moat/secrets/engine.hpp>
#include <moat/secrets/rules.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using moat::secrets::Database;
using moat::secrets::has_keyword;
using moat::secrets::Hit;
using moat::secrets::scan_text;
using moat::secrets::Scanner;

namespace {

// Deterministic random text from CHARS: secrets that look real without
// being anyone's.
std::string token(std::string_view chars, std::size_t n, std::uint64_t seed) {
  std::string out;
  std::uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    out += chars[(x >> 33) % chars.size()];
  }
  return out;
}

constexpr std::string_view k_alnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view k_letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view k_upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view k_base64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view k_hex = "0123456789abcdef";

std::string pem_body(std::uint64_t seed, std::string_view newline = "\n") {
  std::string body;
  for (int i = 0; i < 12; ++i) {
    body += token(k_base64, 64, seed + static_cast<std::uint64_t>(i));
    body += newline;
  }
  return body;
}

struct Sample {
  std::string family;
  std::string rule; // expected rule id; empty: nothing may fire
  std::string path;
  std::string text;
};

std::vector<Sample> corpus() {
  const std::string aws_id = "AKIA" + token(k_upper, 16, 1);
  const std::string aws_secret = token(k_base64, 40, 2);
  const std::string ghp = "ghp_" + token(k_alnum, 36, 3);
  std::vector<Sample> s = {
      // AWS
      {"AWS", "SE001", "config/app.ini", "[aws]\naccess_key_id = " + aws_id + "\n"},
      {"AWS", "SE002", "home/.aws/credentials",
       "[default]\nregion = eu-west-1\naws_secret_access_key=" + aws_secret + "\n"},
      {"AWS", "", "docs/aws.md",
       "Use AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"},
      {"AWS", "", "src/ids.txt", "AKIA" + token(k_upper, 12, 4) + " is too short\n"},
      {"AWS", "", "src/hash.txt", "aws_secret = " + std::string(40, 'a') + "\n"},
      // GCP
      {"GCP", "SE003", "web/config.js", "const key = \"AIza" + token(k_alnum, 35, 5) + "\";\n"},
      {"GCP", "SE004", "sa.json",
       "{\n  \"type\": \"service_account\",\n  \"private_key_id\": \"" + token(k_hex, 40, 6) +
           "\",\n  \"client_email\": \"x@p.iam.gserviceaccount.com\"\n}\n"},
      {"GCP", "", "web/config.js", "const key = \"AIzaSy-your-key-here\";\n"},
      // Azure
      {"Azure", "SE005", "appsettings.json",
       "\"Storage\": \"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" +
           token(k_base64, 86, 7) + "==;EndpointSuffix=core.windows.net\"\n"},
      {"Azure", "SE006", "env.sh",
       "export AZURE_CLIENT_SECRET='abc8Q~" + token(k_alnum, 34, 8) + "'\n"},
      {"Azure", "", "appsettings.json", "\"AccountKey=<your-account-key>\"\n"},
      // Private keys
      {"private key", "SE007", "id_rsa",
       "-----BEGIN RSA PRIVATE KEY-----\n" + pem_body(9) + "-----END RSA PRIVATE KEY-----\n"},
      {"private key", "SE007", "key.json",
       "{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n" + pem_body(10, "\\n") +
           "-----END PRIVATE KEY-----\\n\"}\n"},
      {"private key", "SE007", "values.yaml",
       "tls:\n  key: |\n    -----BEGIN EC PRIVATE KEY-----\n    " + token(k_base64, 64, 11) +
           "\n    " + token(k_base64, 40, 12) + "\n    -----END EC PRIVATE KEY-----\n"},
      {"private key", "SE007", "enc.pem",
       "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + pem_body(13) +
           "-----END ENCRYPTED PRIVATE KEY-----\n"},
      {"private key", "SE008", "key.ppk",
       "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me\nPublic-Lines: 2\n" +
           token(k_base64, 64, 14) + "\n" + token(k_base64, 20, 15) + "\nPrivate-Lines: 1\n" +
           token(k_base64, 44, 16) + "\nPrivate-MAC: " + token(k_hex, 64, 17) + "\n"},
      {"private key", "", "README.md",
       "Keys start with -----BEGIN RSA PRIVATE KEY----- and end with -----END RSA PRIVATE "
       "KEY-----.\n"},
      {"private key", "", "cert.pem",
       "-----BEGIN CERTIFICATE-----\n" + pem_body(18) + "-----END CERTIFICATE-----\n"},
      // GitHub
      {"GitHub", "SE009", ".github/env", "GITHUB_TOKEN=" + ghp + "\n"},
      {"GitHub", "SE010", "ci.yml", "token: github_pat_" + token(k_alnum, 82, 19) + "\n"},
      {"GitHub", "SE011", "app.env", "GH_APP=ghs_" + token(k_alnum, 36, 20) + "\n"},
      {"GitHub", "", "docs.md", "Tokens look like ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.\n"},
      // GitLab
      {"GitLab", "SE012", ".gitlab-ci.yml",
       "variables:\n  TOKEN: glpat-" + token(k_alnum, 20, 21) + "\n"},
      {"GitLab", "", "notes.txt", "glpat-short\n"},
      // Slack
      {"Slack", "SE013", "bot.py",
       "SLACK = 'xoxb-" + token("0123456789", 12, 22) + "-" + token(k_alnum, 24, 23) + "'\n"},
      {"Slack", "SE014", "notify.sh",
       "curl -X POST https://hooks.slack.com/services/T" + token(k_upper, 8, 24) + "/B" +
           token(k_upper, 10, 25) + "/" + token(k_alnum, 24, 26) + " -d @msg.json\n"},
      {"Slack", "", "bot.py", "SLACK = 'xoxb-your-token'\n"},
      {"Slack", "", "Packages", "Depends: mate-applet-xapp-status-0123456789-abcdefghijklmnop\n"},
      {"Slack", "SE013", "app.json",
       "{\"token\": \"xapp-1-A0" + token(k_upper, 8, 43) + "-" + token("0123456789", 12, 44) + "-" +
           token("abcdef0123456789", 64, 45) + "\"}\n"},
      // Stripe
      {"Stripe", "SE015", "pay.rb",
       "Stripe.api_key = \"sk_live_" + token(k_alnum, 24, 27) + "\"\n"},
      {"Stripe", "", "pay.rb", "Stripe.api_key = ENV['STRIPE_KEY'] # sk_live_...\n"},
      // Twilio / SendGrid
      {"Twilio/SendGrid", "SE016", "sms.env", "TWILIO_KEY=SK" + token(k_hex, 32, 28) + "\n"},
      {"Twilio/SendGrid", "SE017", "mail.env",
       "SENDGRID=SG." + token(k_alnum, 22, 29) + "." + token(k_alnum, 43, 30) + "\n"},
      {"Twilio/SendGrid", "", "sms.env", "TWILIO_KEY=SK" + std::string(32, '0') + "\n"},
      // npm
      {"npm", "SE018", "publish.sh", "NPM_TOKEN=npm_" + token(k_alnum, 36, 31) + "\n"},
      {"npm", "SE019", ".npmrc",
       "//registry.example.org/:_authToken=" + token(k_base64, 48, 32) + "\n"},
      {"npm", "", ".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"},
      // PyPI
      {"PyPI", "SE020", ".pypirc",
       "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc" + token(k_alnum, 60, 33) +
           "\n"},
      {"PyPI", "", ".pypirc", "[pypi]\nusername = __token__\npassword = pypi-<token>\n"},
      // Docker registry
      {"Docker registry", "SE021", "root/.docker/config.json",
       "{\"auths\": {\"registry.example.org\": {\"auth\": "
       "\"ZGVwbG95OnMzY3IzdC1wYXNzd29yZC0xOQ==\"}}}\n"},
      {"Docker registry", "", "root/.docker/config.json",
       "{\"auths\": {\"registry.example.org\": {}}, \"credsStore\": \"pass\"}\n"},
      // URL credentials
      {"URL credentials", "SE022", "root/.git-credentials",
       "https://deploy:" + token(k_alnum, 20, 34) + "@git.example.org\n"},
      {"URL credentials", "SE022", "settings.py",
       "DATABASE_URL = 'postgres://app:Tr0ub4dor3x@db.internal:5432/app'\n"},
      {"URL credentials", "", "settings.py",
       "DATABASE_URL = 'postgres://app:${DB_PASSWORD}@db:5432/app'\n"},
      {"URL credentials", "", "index.html",
       "<a href=\"https://example.org/page\">x</a> mailto:me@example.org\n"},
      // JWT
      {"JWT", "SE023", "token.txt",
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ." +
           token(k_alnum, 43, 35) + "\n"},
      {"JWT", "", "uuid.txt", "id: 123e4567-e89b-12d3-a456-426614174000\n"},
      // Hugging Face
      {"Hugging Face", "SE025", "train.py",
       "login(token=\"hf_" + token(k_letters, 34, 40) + "\")\n"},
      {"Hugging Face", "", "train.py", "model = \"hf_internal_testing/tiny-random-bert\"\n"},
      // OpenAI
      {"OpenAI", "SE026", ".env",
       "OPENAI_API_KEY=sk-proj-" + token(k_alnum, 40, 41) + "T3BlbkFJ" + token(k_alnum, 40, 42) +
           "\n"},
      {"OpenAI", "", "client.py", "api_key = os.environ[\"OPENAI_API_KEY\"]  # sk-...\n"},
      // generic
      {"generic", "SE024", "app.conf", "db_password = \"Xk3" + token(k_alnum, 13, 36) + "\"\n"},
      {"generic", "SE024", "settings.yaml", "api_key: " + token(k_alnum, 32, 37) + "\n"},
      {"generic", "", "app.conf", "password = changeme\n"},
      {"generic", "", "login.py", "password = request.form\n"},
      {"generic", "", "sums.txt", "sha256: " + token(k_hex, 64, 38) + "\n"},
      {"generic", "", "client.py", "nextPageToken = _messages.StringField(5)\n"},
      {"generic", "", "test_config.py", "    \"token\": TEST_DATA_BASE64,  # ignored\n"},
      {"generic", "", "flags.py", "clientSecret=args.oauth2_client_secret,\n"},
      {"generic", "SE024", "settings.py",
       "SECRET_KEY = 'dj_4x9_k2m_" + token(k_alnum, 12, 41) + "'\n"},
      {"URL credentials", "", "README",
       "git clone https://user:password@git.example.org/repo.git\n"},
      {"URL credentials", "", "fmt.c",
       "snprintf(buf, n, \"%s://%s:%s@%s\", scheme, user, pass, host);\n"},
      {"paths", "", "/usr/lib/google-cloud-sdk/lib/third_party/x/tests/keys/k.pem",
       "-----BEGIN EC PRIVATE KEY-----\n" + pem_body(42) + "-----END EC PRIVATE KEY-----\n"},
      {"generic", "", "data.b64", token(k_base64, 76, 39) + "\n"},
      // documentation and test data of installed packages
      {"paths", "", "/usr/share/doc/awscli/examples.txt",
       "aws_secret_access_key=" + aws_secret + "\n"},
      {"paths", "", "usr/lib/python3/dist-packages/jwt/tests/keys/testkey_rsa.priv",
       "-----BEGIN RSA PRIVATE KEY-----\n" + pem_body(40) + "-----END RSA PRIVATE KEY-----\n"},
  };
  return s;
}

std::set<std::string> ids(const std::vector<Hit>& hits) {
  std::set<std::string> out;
  for (const auto& h : hits)
    out.emplace(h.rule->id);
  return out;
}

} // namespace

TEST(SecretEngine, EveryRuleCompiles) {
  auto db = moat::secrets::Database::builtin();
  ASSERT_TRUE(db.has_value()) << db.error().to_string();
  // The rule table and the check table agree, sorted by id.
  const auto rules = moat::secrets::builtin_rules();
  const auto checks = moat::secrets::checks();
  ASSERT_EQ(rules.size(), checks.size());
  for (std::size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(rules[i].id, checks[i].id);
    if (i > 0) {
      EXPECT_LT(rules[i - 1].id, rules[i].id);
    }
  }
}

// The keyword prefilter of scan_text must never hide what the engine
// finds: the corpus scanned as a stream (no prefilter) gives the same.
TEST(SecretEngine, TheKeywordPrefilterHidesNothing) {
  auto db = Database::builtin();
  ASSERT_TRUE(db) << db.error().to_string();
  auto scanner = Scanner::open(*db);
  ASSERT_TRUE(scanner);
  for (const auto& sample : corpus()) {
    ASSERT_TRUE(scanner->begin(sample.path));
    ASSERT_TRUE(scanner->feed(sample.text));
    auto streamed = scanner->finish();
    ASSERT_TRUE(streamed);
    auto prefiltered = scan_text(sample.text, sample.path);
    ASSERT_TRUE(prefiltered);
    EXPECT_EQ(ids(*streamed), ids(*prefiltered)) << sample.path << ":\n" << sample.text;
    if (!sample.rule.empty()) {
      EXPECT_TRUE(has_keyword(sample.text)) << sample.rule;
    }
  }
  EXPECT_FALSE(has_keyword("FROM debian:12\nENV LANG=C.UTF-8\nRUN apt-get update\n"));
}

TEST(SecretEngine, TheLabelledCorpusGivesEveryFamilyATrueHitAndNoFalseOne) {
  struct Score {
    int tp = 0, fp = 0, fn = 0, tn = 0;
  };
  std::map<std::string, Score> scores;
  for (const auto& sample : corpus()) {
    auto hits = scan_text(sample.text, sample.path);
    ASSERT_TRUE(hits.has_value()) << hits.error().to_string();
    const auto found = ids(*hits);
    auto& score = scores[sample.family];
    if (sample.rule.empty()) {
      EXPECT_TRUE(found.empty()) << sample.path << ": " << *found.begin() << " fired on\n"
                                 << sample.text;
      found.empty() ? ++score.tn : ++score.fp;
    } else {
      EXPECT_EQ(found, std::set<std::string>{sample.rule}) << sample.path << ":\n" << sample.text;
      found.contains(sample.rule) ? ++score.tp : ++score.fn;
      for (const auto& id : found)
        if (id != sample.rule)
          ++score.fp;
    }
    // What is reported is cut short and starred, never the whole secret.
    for (const auto& h : *hits)
      EXPECT_NE(h.redacted.find("****"), std::string::npos) << h.redacted;
  }
  for (const auto& [family, s] : scores) {
    const double precision = s.tp + s.fp == 0 ? 1.0 : static_cast<double>(s.tp) / (s.tp + s.fp);
    const double recall = s.tp + s.fn == 0 ? 1.0 : static_cast<double>(s.tp) / (s.tp + s.fn);
    std::printf("  %-16s precision %.2f  recall %.2f  (%d true, %d missed, %d false, %d clean)\n",
                family.c_str(), precision, recall, s.tp, s.fn, s.fp, s.tn);
    if (family != "paths") {
      EXPECT_GT(s.tp, 0) << family << " has no true positive";
    }
    EXPECT_GT(s.tn, 0) << family << " has no true negative";
  }
}

TEST(SecretEngine, AHitSaysWhereTheSecretStartsAndShowsItRedacted) {
  const std::string secret = "ghp_" + token(k_alnum, 36, 50);
  const std::string text = "one\ntwo\n  GITHUB_TOKEN=" + secret + "\nfour\n";
  auto hits = scan_text(text, "env");
  ASSERT_TRUE(hits.has_value());
  ASSERT_EQ(hits->size(), 1U);
  const auto& h = hits->front();
  EXPECT_EQ(h.rule->id, "SE009");
  EXPECT_EQ(h.line, 3U);
  EXPECT_EQ(h.column, 16U);
  EXPECT_EQ(h.offset, text.find(secret));
  EXPECT_EQ(h.redacted, secret.substr(0, 4) + "****");
  EXPECT_EQ(h.redacted.find(secret.substr(4, 8)), std::string::npos);
  EXPECT_EQ(h.fingerprint.size(), 16U);
  // The same secret elsewhere has the same fingerprint; another does not.
  auto again = scan_text("x=" + secret + "\n", "other");
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->size(), 1U);
  EXPECT_EQ(again->front().fingerprint, h.fingerprint);
  auto other = scan_text("x=ghp_" + token(k_alnum, 36, 51) + "\n", "env");
  ASSERT_TRUE(other.has_value());
  ASSERT_EQ(other->size(), 1U);
  EXPECT_NE(other->front().fingerprint, h.fingerprint);
}

TEST(SecretEngine, ASecretSplitAcrossBlocksIsFoundWhereverTheSplitFalls) {
  const std::string key = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + pem_body(60) +
                          "-----END OPENSSH PRIVATE KEY-----\n";
  const std::string token_text = "AKIA" + token(k_upper, 16, 61);
  const std::string text = std::string(5000, 'x') + "\nkey:\n" + key + "id " + token_text + "\n";
  auto db = moat::secrets::Database::builtin();
  ASSERT_TRUE(db.has_value());
  auto scanner = moat::secrets::Scanner::open(*db);
  ASSERT_TRUE(scanner.has_value());
  const std::size_t key_at = text.find(key);
  const std::size_t token_at = text.find(token_text);
  // Two splits (three blocks) at every offset inside the key and the token.
  for (std::size_t split = key_at; split < text.size(); split += 7) {
    ASSERT_TRUE(scanner->begin("split").has_value());
    const std::size_t second = std::min(text.size(), split + 333);
    ASSERT_TRUE(scanner->feed(std::string_view(text).substr(0, split)).has_value());
    ASSERT_TRUE(scanner->feed(std::string_view(text).substr(split, second - split)).has_value());
    ASSERT_TRUE(scanner->feed(std::string_view(text).substr(second)).has_value());
    auto hits = scanner->finish();
    ASSERT_TRUE(hits.has_value());
    ASSERT_EQ(hits->size(), 2U) << "split at " << split;
    EXPECT_EQ((*hits)[0].rule->id, "SE007");
    EXPECT_EQ((*hits)[0].offset, key_at);
    EXPECT_EQ((*hits)[0].line, 3U);
    EXPECT_EQ((*hits)[1].rule->id, "SE001");
    EXPECT_EQ((*hits)[1].offset, token_at);
    EXPECT_EQ((*hits)[1].column, 4U);
  }
}

TEST(SecretEngine, ASecretAtTheVeryEndOfAStreamIsFound) {
  const std::string secret = "npm_" + token(k_alnum, 36, 70);
  auto hits = scan_text("NPM_TOKEN=" + secret, "env");
  ASSERT_TRUE(hits.has_value());
  ASSERT_EQ(hits->size(), 1U);
  EXPECT_EQ(hits->front().rule->id, "SE018");
}

// A block that ends where the mapped memory ends: Hyperscan loads whole
// vectors near the end of what it scans, which would fault here (the
// fuzzer found it with an input the size of the block). Every block size,
// every end: no fault, and the secret is still found.
TEST(SecretEngine, ABlockEndingAtAnUnmappedPageIsScannedSafely) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  void* map = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  ASSERT_EQ(::mprotect(static_cast<char*>(map) + page, page, PROT_NONE), 0);
  const std::string secret = "npm_" + token(k_alnum, 36, 90);
  const std::string text = "\x03-token =1 ET KEY\xb5---_efgh----\nNPM_TOKEN=" + secret;
  char* at = static_cast<char*>(map) + page - text.size();
  std::copy(text.begin(), text.end(), at);
  const std::string_view mapped(at, text.size());
  auto db = moat::secrets::Database::builtin();
  ASSERT_TRUE(db.has_value());
  auto scanner = moat::secrets::Scanner::open(*db);
  ASSERT_TRUE(scanner.has_value());
  for (std::size_t step = 1; step <= 70; ++step) {
    ASSERT_TRUE(scanner->begin("end-of-page").has_value());
    for (std::size_t from = 0; from < mapped.size(); from += step)
      ASSERT_TRUE(scanner->feed(mapped.substr(from, step)).has_value());
    auto hits = scanner->finish();
    ASSERT_TRUE(hits.has_value());
    ASSERT_EQ(hits->size(), 1U) << "blocks of " << step;
    EXPECT_EQ(hits->front().rule->id, "SE018");
  }
  ::munmap(map, 2 * page);
}

// Two rules on one secret (an .npmrc _authToken that is a GitHub token):
// the hits come in the same order however the blocks were split.
TEST(SecretEngine, HitsAtOneOffsetComeInRuleOrderWhateverTheSplit) {
  const std::string text =
      std::string(80, 'O') + "5n _authToken= \"ghp_" + token(k_alnum, 36, 91) + "\"\n";
  auto whole = scan_text(text, "npmrc");
  ASSERT_TRUE(whole.has_value());
  ASSERT_EQ(whole->size(), 2U);
  EXPECT_EQ((*whole)[0].rule->id, "SE009");
  EXPECT_EQ((*whole)[1].rule->id, "SE019");
  auto db = moat::secrets::Database::builtin();
  ASSERT_TRUE(db.has_value());
  auto scanner = moat::secrets::Scanner::open(*db);
  ASSERT_TRUE(scanner.has_value());
  for (std::size_t step = 1; step <= 40; ++step) {
    ASSERT_TRUE(scanner->begin("npmrc").has_value());
    for (std::size_t from = 0; from < text.size(); from += step)
      ASSERT_TRUE(scanner->feed(std::string_view(text).substr(from, step)).has_value());
    auto split = scanner->finish();
    ASSERT_TRUE(split.has_value());
    ASSERT_EQ(split->size(), 2U) << "blocks of " << step;
    EXPECT_EQ((*split)[0].rule->id, "SE009") << "blocks of " << step;
    EXPECT_EQ((*split)[1].rule->id, "SE019") << "blocks of " << step;
  }
}

TEST(SecretEngine, AGenericMatchOnASecretAnotherRuleNamesIsDropped) {
  auto hits = scan_text("token = \"ghp_" + token(k_alnum, 36, 80) + "\"\n", "app.conf");
  ASSERT_TRUE(hits.has_value());
  EXPECT_EQ(ids(*hits), std::set<std::string>{"SE009"});
}

TEST(SecretEngine, PlaceholdersEntropyAndPathsAreJudgedAsDocumented) {
  using moat::secrets::allowed_path;
  using moat::secrets::entropy;
  using moat::secrets::is_placeholder;
  EXPECT_TRUE(is_placeholder("${TOKEN}"));
  EXPECT_TRUE(is_placeholder("<token>"));
  EXPECT_TRUE(is_placeholder("xxxxxxxxxxxx"));
  EXPECT_TRUE(is_placeholder("AKIAIOSFODNN7EXAMPLE"));
  EXPECT_TRUE(is_placeholder("changeme"));
  EXPECT_FALSE(is_placeholder(token(k_alnum, 20, 90)));
  EXPECT_DOUBLE_EQ(entropy("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(entropy("abab"), 1.0);
  EXPECT_GT(entropy(token(k_base64, 40, 91)), 4.5);
  EXPECT_TRUE(allowed_path("/usr/share/doc/git/README"));
  EXPECT_TRUE(allowed_path("usr/lib/python3/dist-packages/requests/tests/test_x.py"));
  EXPECT_TRUE(allowed_path("src/pkg/testdata/key.pem"));
  EXPECT_TRUE(allowed_path("/usr/lib/x86_64-linux-gnu/libgnutls.so.30.34.3"));
  EXPECT_TRUE(allowed_path("lib/libcrypto.so.3"));
  EXPECT_FALSE(allowed_path("/usr/lib/x86_64-linux-gnu/app/libsecret.so"));
  EXPECT_FALSE(allowed_path("/opt/app/lib/libapp.so"));
  EXPECT_FALSE(allowed_path("/etc/app/config.yaml"));
  EXPECT_FALSE(allowed_path("/root/usr/share/documents/x"));
}

TEST(SecretEngine, ManySecretsOnALineEachGetTheirOwnLineAndColumn) {
  std::vector<std::string> tokens;
  for (std::uint64_t i = 0; i < 5; ++i)
    tokens.push_back("ghp_" + token(k_alnum, 36, 100 + i));
  const std::string text = "first line\n" + tokens[0] + " " + tokens[1] + " " + tokens[2] +
                           "\n\n  x=" + tokens[3] + ";" + tokens[4] + "\n";
  auto db = moat::secrets::Database::builtin();
  ASSERT_TRUE(db.has_value());
  auto scanner = moat::secrets::Scanner::open(*db);
  ASSERT_TRUE(scanner.has_value());
  for (std::size_t step : {std::size_t{5}, std::size_t{64}, text.size()}) {
    ASSERT_TRUE(scanner->begin("f").has_value());
    for (std::size_t at = 0; at < text.size(); at += step)
      ASSERT_TRUE(scanner->feed(std::string_view(text).substr(at, step)).has_value());
    auto hits = scanner->finish();
    ASSERT_TRUE(hits.has_value());
    ASSERT_EQ(hits->size(), 5U) << "blocks of " << step;
    const std::vector<std::pair<std::uint32_t, std::uint32_t>> want = {
        {2, 1}, {2, 42}, {2, 83}, {4, 5}, {4, 46}};
    for (std::size_t i = 0; i < 5; ++i) {
      EXPECT_EQ((*hits)[i].line, want[i].first) << i << " in blocks of " << step;
      EXPECT_EQ((*hits)[i].column, want[i].second) << i << " in blocks of " << step;
    }
  }
}

// --- tuning from .moat.yaml (configure) --------------------------------------

// Tunes the engine for one test and puts the built-in rules back after it.
class Tuned : public ::testing::Test {
protected:
  void TearDown() override { ASSERT_TRUE(moat::secrets::configure({}, "reset")); }

  static void tune(const std::string& yaml) {
    auto config = moat::core::parse_config(yaml, ".moat.yaml");
    ASSERT_TRUE(config.has_value()) << config.error().to_string();
    ASSERT_TRUE(config->secrets.has_value());
    auto status = moat::secrets::configure(*config->secrets, ".moat.yaml");
    ASSERT_TRUE(status.has_value()) << status.error().to_string();
  }

  static std::set<std::string> found(std::string_view text, std::string_view path = "app.conf") {
    auto hits = scan_text(text, path);
    EXPECT_TRUE(hits.has_value());
    return hits ? ids(*hits) : std::set<std::string>{};
  }
};

TEST_F(Tuned, AUserRuleFindsItsSecretWithItsIdAndGroup) {
  tune("secrets:\n  rules:\n    - id: acme-api-key\n      title: ACME API key\n"
       "      severity: critical\n      pattern: 'acme_key=\"(acme_[A-Za-z0-9]{32})\"'\n"
       "      secret-group: 1\n      keywords: [acme_]\n      allow: ['^acme_test']\n");
  const std::string key = "acme_" + token(k_alnum, 32, 50);
  auto hits = scan_text("x = 1\nacme_key=\"" + key + "\"\n", "app.conf");
  ASSERT_TRUE(hits.has_value());
  ASSERT_EQ(hits->size(), 1U);
  const auto& hit = (*hits)[0];
  EXPECT_EQ(hit.rule->id, "acme-api-key");
  EXPECT_EQ(moat::secrets::check_of(*hit.rule).severity, moat::core::Severity::critical);
  EXPECT_EQ(moat::secrets::check_of(*hit.rule).title, "ACME API key");
  EXPECT_EQ(hit.line, 2U);
  EXPECT_EQ(hit.column, 11U) << "the group, not the whole match";
  EXPECT_EQ(hit.redacted, "acme****");
  EXPECT_EQ(hit.redacted.find(key.substr(5, 8)), std::string::npos);
  // Its allow pattern, and a text without its keyword.
  EXPECT_TRUE(found("acme_key=\"acme_test" + token(k_alnum, 27, 51) + "\"\n").empty());
  EXPECT_TRUE(found("nothing to see\n").empty());
  // The built-in rules still run beside it.
  EXPECT_EQ(found("ghp_" + token(k_alnum, 36, 52) + "\n"), std::set<std::string>{"SE009"});
  ASSERT_EQ(moat::secrets::user_checks().size(), 1U);
  EXPECT_EQ(moat::secrets::user_checks()[0]->id, "acme-api-key");
  // Streamed in small blocks, beside a built-in rule's secret: both found,
  // each at its own line and column.
  auto db = Database::active();
  ASSERT_TRUE(db);
  auto scanner = Scanner::open(*db);
  ASSERT_TRUE(scanner);
  const std::string text =
      "a\nacme_key=\"" + key + "\"\ntoken ghp_" + token(k_alnum, 36, 55) + "\n";
  ASSERT_TRUE(scanner->begin("f"));
  for (std::size_t at = 0; at < text.size(); at += 7)
    ASSERT_TRUE(scanner->feed(std::string_view(text).substr(at, 7)));
  auto streamed = scanner->finish();
  ASSERT_TRUE(streamed);
  ASSERT_EQ(streamed->size(), 2U);
  EXPECT_EQ((*streamed)[0].rule->id, "acme-api-key");
  EXPECT_EQ((*streamed)[0].line, 2U);
  EXPECT_EQ((*streamed)[0].column, 11U);
  EXPECT_EQ((*streamed)[1].rule->id, "SE009");
  EXPECT_EQ((*streamed)[1].line, 3U);
  EXPECT_EQ((*streamed)[1].column, 7U);
}

TEST_F(Tuned, DisabledRulesEntropyAllowRulesPlaceholdersAndPackagePaths) {
  const std::string generic = "db_password = \"Xk3" + token(k_alnum, 13, 53) + "\"\n";
  const std::string aws = "id = AKIA" + token(k_upper, 16, 54) + "\n";
  ASSERT_EQ(found(generic), std::set<std::string>{"SE024"});
  ASSERT_EQ(found(aws), std::set<std::string>{"SE001"});
  ASSERT_TRUE(found(aws, "usr/share/doc/x/README").empty());

  tune("secrets:\n  disable: [generic-api-key]\n");
  EXPECT_TRUE(found(generic).empty()) << "disabled by its gitleaks alias";
  EXPECT_EQ(found(aws), std::set<std::string>{"SE001"});

  tune("secrets:\n  entropy:\n    SE001: 4.5\n");
  EXPECT_TRUE(found(aws).empty()) << "20 characters cannot reach 4.5 bits";

  tune("secrets:\n  allow:\n    - paths: ['fixtures/**']\n");
  EXPECT_TRUE(found(aws, "fixtures/a/b.conf").empty());
  EXPECT_TRUE(found(aws, "./fixtures/b.conf").empty());
  EXPECT_EQ(found(aws, "src/fixtures.conf"), std::set<std::string>{"SE001"});

  tune("secrets:\n  allow:\n    - regex: '^AKIA'\n      rules: [SE001]\n");
  EXPECT_TRUE(found(aws).empty());
  EXPECT_EQ(found(generic), std::set<std::string>{"SE024"}) << "the allow rule names SE001 only";

  tune("secrets:\n  placeholders: [Xk3]\n");
  EXPECT_TRUE(found(generic).empty());

  tune("secrets:\n  package-paths: false\n");
  EXPECT_EQ(found(aws, "usr/share/doc/x/README"), std::set<std::string>{"SE001"});
}

TEST_F(Tuned, BadTuningIsRefusedWithTheFileNamed) {
  for (const char* yaml : {
           "secrets:\n  disable: [SE999]\n",
           "secrets:\n  rules:\n    - id: SE001\n      pattern: x\n",
           "secrets:\n  rules:\n    - id: x\n      pattern: '(a)\\1'\n", // no backreferences in
                                                                         // Hyperscan
           "secrets:\n  rules:\n    - id: x\n      pattern: 'ab'\n      secret-group: 2\n",
           "secrets:\n  allow:\n    - regex: x\n      rules: [nope]\n",
       }) {
    auto config = moat::core::parse_config(yaml, ".moat.yaml");
    if (!config)
      continue; // refused while reading: also fine
    ASSERT_TRUE(config->secrets.has_value());
    auto status = moat::secrets::configure(*config->secrets, ".moat.yaml");
    ASSERT_FALSE(status.has_value()) << yaml;
    EXPECT_EQ(status.error().input, ".moat.yaml") << yaml;
  }
}
