#include <moat/secrets/engine.hpp>

#include <moat/secrets/builtin_db.hpp>
#include <moat/secrets/compile.hpp>
#include <moat/util/base64.hpp>
#include <moat/util/bytes.hpp>
#include <moat/util/sha256.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>
#include <deque>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <span>
#include <tuple>

namespace moat::secrets {

namespace {

// What a match may look back at: the longest secret a rule confirms (a
// PGP private key block) fits.
constexpr std::size_t k_window = std::size_t{16} << 10;

// How far before a token's longest a run of its characters is followed,
// to find where the token starts (Rule::starts).
constexpr std::size_t k_lead = 64;

// Texts up to this size are checked for a rule's keyword before the
// engine is started (has_keyword); a keyword search costs a pass per
// keyword, so longer ones go straight to Hyperscan.
constexpr std::size_t k_prefilter_limit = std::size_t{64} << 10;

// How far before its end a match of a user's rule is looked for.
constexpr std::uint16_t k_user_window = 1024;

using CharSet = std::bitset<256>;

// A class body ("A-Za-z0-9_+/-") as a set of bytes; a '-' first or last
// stands for itself.
CharSet char_set(std::string_view body) {
  CharSet set;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (i + 2 < body.size() && body[i + 1] == '-') {
      for (unsigned x = c; x <= static_cast<unsigned char>(body[i + 2]); ++x)
        set.set(x);
      i += 2;
    } else {
      set.set(c);
    }
  }
  return set;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool contains_caseless(std::string_view text, std::string_view word) {
  if (word.size() > text.size())
    return false;
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    std::size_t j = 0;
    while (j < word.size() && lower(text[i + j]) == word[j])
      ++j;
    if (j == word.size())
      return true;
  }
  return false;
}

std::string redact_value(std::string_view secret) {
  const std::size_t shown = secret.size() >= 16 ? 4 : secret.size() >= 8 ? 2 : 0;
  return std::string(secret.substr(0, shown)) + "****";
}

} // namespace

// A rule of the user's (.moat.yaml): the strings its Rule and CheckInfo
// view, and its regular expressions.
struct UserRule {
  std::string id, title, pattern, keywords;
  Rule rule{};
  core::CheckInfo info{};
  std::regex anchored; // the pattern, ending where the match ends
  int secret_group = 0;
  std::vector<std::regex> allow;
};

// An allow rule of the user's.
struct AllowRule {
  std::vector<std::string> paths; // globs
  std::optional<std::regex> regex;
  std::vector<std::string> rules; // ids or aliases; empty: all
  std::string text;               // as moat rules shows it
};

struct Database::Impl {
  hs_database_t* db = nullptr;
  std::vector<const Rule*> rules;
  std::vector<CharSet> chars;            // per rule
  std::vector<bool> disabled;            // per rule
  std::vector<double> min_entropy;       // per rule
  std::deque<UserRule> user;             // the rules of .moat.yaml, after the built-in ones
  std::vector<AllowRule> allow;          // of .moat.yaml
  std::vector<std::string> placeholders; // more words, lower case
  bool package_paths = true;             // allowed_path() applies
  // The database whose Hyperscan database this one shares (when the user
  // adds no rules); db is then not this one's to free.
  std::shared_ptr<const Database> shared;
  // The user's rules, compiled apart (the built-in database stays the one
  // compiled at build time) and scanned as a second stream.
  hs_database_t* user_db = nullptr;
  ~Impl() {
    if (db != nullptr && !shared)
      hs_free_database(db);
    if (user_db != nullptr)
      hs_free_database(user_db);
  }

  void add_rule(const Rule& rule) {
    rules.push_back(&rule);
    chars.push_back(char_set(rule.chars));
    disabled.push_back(false);
    min_entropy.push_back(rule.min_entropy);
  }

  [[nodiscard]] const UserRule* user_rule(std::size_t index) const {
    const std::size_t builtin = rules.size() - user.size();
    return index >= builtin ? &user[index - builtin] : nullptr;
  }
};

Database::Database(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Database::~Database() = default;

namespace {

std::mutex g_active_lock;
std::shared_ptr<const Database> g_active; // set by configure()

// Whether the glob PATTERN (*, ?, ** for any directories; a trailing /
// for everything under a directory) matches PATH. Both are taken without
// a leading / or ./, so "fixtures/**" matches "./fixtures/a" and
// "/fixtures/a".
bool glob_at(std::string_view pattern, std::string_view path) {
  auto strip = [](std::string_view p) {
    while (p.starts_with("./"))
      p.remove_prefix(2);
    while (p.starts_with('/'))
      p.remove_prefix(1);
    return p;
  };
  pattern = strip(pattern);
  path = strip(path);
  if (pattern.ends_with('/'))
    return path.starts_with(pattern);
  // ** matches any run of characters, slashes included; * and ? stop at /.
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star_p = std::string_view::npos;
  std::size_t star_t = 0;
  bool star_deep = false;
  while (t < path.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_deep = p + 1 < pattern.size() && pattern[p + 1] == '*';
      p += star_deep ? 2 : 1;
      if (star_deep && p < pattern.size() && pattern[p] == '/')
        ++p; // "**/" also matches no directory at all
      star_p = p;
      star_t = t;
    } else if (p < pattern.size() &&
               (pattern[p] == path[t] || (pattern[p] == '?' && path[t] != '/'))) {
      ++p;
      ++t;
    } else if (star_p != std::string_view::npos && (star_deep || path[star_t] != '/')) {
      p = star_p;
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

// A glob matches PATH, or any tail of PATH that starts after a '/': the
// paths of a scan are absolute or relative to where moat runs, the globs
// of .moat.yaml relative to the project ("fixtures/**" matches
// /src/app/fixtures/a.json).
bool path_glob(std::string_view pattern, std::string_view path) {
  if (glob_at(pattern, path))
    return true;
  for (auto slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1))
    if (glob_at(pattern, path.substr(slash + 1)))
      return true;
  return false;
}

} // namespace

core::Result<std::shared_ptr<const Database>> Database::builtin() {
  static std::mutex lock;
  static std::shared_ptr<const Database> compiled;
  std::lock_guard guard(lock);
  if (compiled)
    return compiled;
  auto impl = std::make_unique<Impl>();
  const auto rules = builtin_rules();
  for (const Rule& r : rules)
    impl->add_rule(r);
  // The database compiled at build time for the best level this CPU runs.
  hs_platform_info_t host{};
  const unsigned long long features =
      hs_populate_platform(&host) == HS_SUCCESS ? host.cpu_features : 0ULL;
  for (const auto& serialized : serialized_databases()) {
    if ((serialized.cpu_features & ~features) != 0)
      continue;
    if (hs_deserialize_database(reinterpret_cast<const char*>(serialized.bytes.data()),
                                serialized.bytes.size(), &impl->db) == HS_SUCCESS) {
      compiled = std::shared_ptr<const Database>(new Database(std::move(impl)));
      return compiled;
    }
  }
  // A library other than the one moat was built with: compile here.
  std::string error;
  impl->db = compile_rules(rules, nullptr, error);
  if (impl->db == nullptr)
    return core::fail(core::ErrorKind::internal, "secret rules",
                      fmt::format("a rule does not compile: {}", error));
  compiled = std::shared_ptr<const Database>(new Database(std::move(impl)));
  return compiled;
}

core::Result<std::shared_ptr<const Database>> Database::active() {
  {
    std::lock_guard guard(g_active_lock);
    if (g_active)
      return g_active;
  }
  return builtin();
}

core::Status configure(const core::SecretsConfig& config, const std::string& source) {
  auto impl = std::make_unique<Database::Impl>();
  for (const Rule& r : builtin_rules())
    impl->add_rule(r);
  // A built-in rule named by its id or an alias; the user's by id.
  auto find = [&](std::string_view id) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < impl->rules.size(); ++i)
      if (core::check_matches(check_of(*impl->rules[i]), id))
        return i;
    return std::nullopt;
  };
  for (const auto& r : config.rules) {
    if (find(r.id))
      return core::fail(core::ErrorKind::parse, source,
                        fmt::format("secret rule '{}' has the id of another rule", r.id), r.line);
    auto& u = impl->user.emplace_back();
    u.id = r.id;
    u.title = r.title;
    u.pattern = r.pattern;
    std::string keywords;
    for (const auto& k : r.keywords) {
      if (!keywords.empty())
        keywords += ',';
      keywords += r.caseless ? util::to_lower(k) : k;
    }
    u.keywords = std::move(keywords);
    const auto flags =
        r.caseless ? std::regex::ECMAScript | std::regex::icase : std::regex::ECMAScript;
    try {
      u.anchored = std::regex("(?:" + r.pattern + ")$", flags);
      for (const auto& a : r.allow)
        u.allow.emplace_back(a, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return core::fail(
          core::ErrorKind::parse, source,
          fmt::format("secret rule '{}': invalid regular expression: {}", r.id, e.what()), r.line);
    }
    if (static_cast<unsigned>(r.secret_group) > u.anchored.mark_count())
      return core::fail(
          core::ErrorKind::parse, source,
          fmt::format("secret rule '{}': its pattern has no group {}", r.id, r.secret_group),
          r.line);
    u.secret_group = r.secret_group;
    u.info = core::CheckInfo{u.id,
                             "",
                             r.severity.value_or(core::Severity::high),
                             u.title,
                             "A rule of this project's .moat.yaml.",
                             "Revoke the credential and pass it at run time instead.",
                             ""};
    u.rule = Rule{u.id,          "user",    u.pattern, r.caseless, Confirm::regex, "",     1,
                  k_user_window, r.entropy, false,     "",         u.keywords,     &u.info};
    impl->add_rule(u.rule);
  }
  for (const auto& id : config.disable) {
    const auto index = find(id);
    if (!index)
      return core::fail(core::ErrorKind::parse, source,
                        fmt::format("secrets: disable names an unknown rule '{}'", id));
    impl->disabled[*index] = true;
  }
  for (const auto& [id, floor] : config.entropy) {
    const auto index = find(id);
    if (!index)
      return core::fail(core::ErrorKind::parse, source,
                        fmt::format("secrets: entropy names an unknown rule '{}'", id));
    impl->min_entropy[*index] = floor;
  }
  for (const auto& a : config.allow) {
    AllowRule allow;
    allow.paths = a.paths;
    allow.rules = a.rules;
    for (const auto& id : a.rules)
      if (!find(id))
        return core::fail(core::ErrorKind::parse, source,
                          fmt::format("an allow rule names an unknown rule '{}'", id), a.line);
    if (!a.regex.empty()) {
      try {
        allow.regex.emplace(a.regex, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return core::fail(core::ErrorKind::parse, source,
                          fmt::format("allow rule: invalid regular expression: {}", e.what()),
                          a.line);
      }
    }
    allow.text = fmt::format(
        "{}{}{}", a.paths.empty() ? "" : fmt::format("paths {}", fmt::join(a.paths, ", ")),
        a.regex.empty()
            ? ""
            : fmt::format("{}secret matching /{}/", a.paths.empty() ? "" : "; ", a.regex),
        a.rules.empty() ? "" : fmt::format("; only {}", fmt::join(a.rules, ", ")));
    impl->allow.push_back(std::move(allow));
  }
  for (const auto& w : config.placeholders)
    if (!w.empty())
      impl->placeholders.push_back(util::to_lower(w));
  impl->package_paths = config.package_paths.value_or(true);

  // The built-in database serves as it is; the user's rules are compiled
  // alone, which takes milliseconds where all of them would take most of a
  // second.
  MOAT_TRY_ASSIGN(builtin_db, Database::builtin());
  impl->db = builtin_db->impl().db;
  impl->shared = std::move(builtin_db);
  if (!impl->user.empty()) {
    std::vector<Rule> user;
    for (const auto& u : impl->user)
      user.push_back(u.rule);
    std::string error;
    impl->user_db = compile_rules(user, nullptr, error,
                                  static_cast<unsigned>(impl->rules.size() - impl->user.size()));
    if (impl->user_db == nullptr)
      return core::fail(core::ErrorKind::parse, source,
                        fmt::format("a secret rule does not compile: {}", error));
  }
  std::lock_guard guard(g_active_lock);
  g_active = std::shared_ptr<const Database>(new Database(std::move(impl)));
  return {};
}

std::vector<const core::CheckInfo*> user_checks() {
  std::vector<const core::CheckInfo*> out;
  std::lock_guard guard(g_active_lock);
  if (g_active)
    for (const auto& u : g_active->impl().user)
      out.push_back(&u.info);
  return out;
}

std::optional<RuleControls> rule_controls(std::string_view id) {
  auto db = Database::active();
  if (!db)
    return std::nullopt;
  const auto& impl = (*db)->impl();
  for (std::size_t i = 0; i < impl.rules.size(); ++i)
    if (impl.rules[i]->id == id)
      return RuleControls{std::string(impl.rules[i]->keywords), impl.min_entropy[i],
                          impl.disabled[i]};
  return std::nullopt;
}

Controls controls() {
  Controls out;
  for (auto word : placeholder_words())
    out.placeholders.emplace_back(word);
  out.placeholders.emplace_back("(one character repeated)");
  auto db = Database::active();
  if (!db)
    return out;
  const auto& impl = (*db)->impl();
  for (const auto& word : impl.placeholders)
    out.placeholders.push_back(word);
  if (impl.package_paths)
    for (auto rule : package_path_rules())
      out.package_paths.emplace_back(rule);
  for (const auto& a : impl.allow)
    out.allow.push_back(a.text);
  return out;
}

struct Scanner::State {
  std::shared_ptr<const Database> db;
  hs_scratch_t* scratch = nullptr;
  hs_stream_t* stream = nullptr;
  hs_stream_t* user_stream = nullptr; // of the user's rules, when there are some
  bool ready = true;                  // no stream is open (finish() closed them)
  std::string path;
  bool path_allowed = false;
  std::vector<const AllowRule*> allow_here; // the user's allow rules that apply to the path
  std::size_t current = 0;                  // the rule being confirmed
  // The stream so far: its length, its lines, and its last k_window bytes.
  std::uint64_t length = 0;
  std::uint32_t lines_before_block = 0;
  std::int64_t last_nl_before_block = -1; // stream offset of the last newline so far
  // Where newlines have been counted to in the current block (position()).
  std::uint64_t mark = 0;
  std::uint32_t mark_lines = 0;
  std::int64_t mark_last_nl = -1;
  std::string tail;       // the bytes before the current block (at most k_window)
  std::string_view block; // the block being scanned
  std::vector<Hit> hits;
  struct Span {
    std::uint64_t begin, end;
    std::size_t hit;
  };
  std::vector<Span> spans; // of the hits, to drop a generic rule's overlaps
  std::set<std::tuple<const Rule*, std::uint64_t, std::uint64_t>> seen; // rule, begin, end
  std::string window;                                                   // scratch for confirmations
  std::vector<std::size_t> partial; // hits of a key's BEGIN line alone (confirm_pem_start)

  ~State() {
    if (stream != nullptr)
      hs_close_stream(stream, nullptr, nullptr, nullptr);
    if (user_stream != nullptr)
      hs_close_stream(user_stream, nullptr, nullptr, nullptr);
    if (scratch != nullptr)
      hs_free_scratch(scratch);
  }

  // The text from stream offset FROM (clamped to what is kept) to END, and
  // the stream offset where it starts.
  std::pair<std::string_view, std::uint64_t> text_before(std::uint64_t end, std::size_t want) {
    const std::uint64_t block_start = length;
    const std::uint64_t kept_start = block_start - tail.size();
    const std::uint64_t from =
        end > want ? std::max<std::uint64_t>(end - want, kept_start) : kept_start;
    if (from >= block_start)
      return {block.substr(static_cast<std::size_t>(from - block_start),
                           static_cast<std::size_t>(end - from)),
              from};
    window.assign(tail, static_cast<std::size_t>(from - kept_start), std::string::npos);
    window.append(block.substr(0, static_cast<std::size_t>(end - block_start)));
    return {window, from};
  }

  // The 1-based line and column of stream offset AT. Newlines are counted
  // from a mark that only moves forward within a block, so many secrets on
  // one line or in one block cost a pass over it, not one pass each. Reads
  // the kept text: call it once the secret's view is no longer needed.
  std::pair<std::uint32_t, std::uint32_t> position(std::uint64_t at) {
    if (at >= mark) { // in the current block (the mark is at or after its start)
      const auto from = static_cast<std::size_t>(mark - length);
      const std::string_view span = block.substr(from, static_cast<std::size_t>(at - mark));
      mark_lines += static_cast<std::uint32_t>(util::count_byte(span, '\n'));
      if (const auto nl = span.rfind('\n'); nl != std::string_view::npos)
        mark_last_nl = static_cast<std::int64_t>(mark + nl);
      mark = at;
      return {mark_lines + 1, column_after(at, mark_last_nl)};
    }
    // A secret that began before the mark (a key block): its first line is
    // the mark's less the newlines in between.
    auto [text, text_start] = text_before(mark, static_cast<std::size_t>(mark - at));
    const auto rel_at = static_cast<std::size_t>(at - text_start);
    const auto between = static_cast<std::uint32_t>(
        std::count(text.begin() + static_cast<std::ptrdiff_t>(rel_at), text.end(), '\n'));
    if (between == 0)
      return {mark_lines + 1, column_after(at, mark_last_nl)};
    auto [before, before_start] = text_before(at, k_window);
    const auto nl = before.rfind('\n');
    const std::int64_t last =
        nl == std::string_view::npos ? -1 : static_cast<std::int64_t>(before_start + nl);
    return {mark_lines + 1 - between, column_after(at, last)};
  }

  static std::uint32_t column_after(std::uint64_t at, std::int64_t last_newline) {
    return static_cast<std::uint32_t>(static_cast<std::int64_t>(at) - last_newline);
  }

  // Moves the mark to the start of the next block (or the stream's end).
  void mark_block_start() {
    mark = length;
    mark_lines = lines_before_block;
    mark_last_nl = last_nl_before_block;
  }

  // Whether a generic rule's value looks like a secret rather than code
  // (request.form, _messages.StringField, EncryptedSSLCredentials(path),
  // Www-Authenticate, an unquoted TEST_DATA_BASE64 or args.client_secret):
  // letters and digits both, not a call, and when it is not quoted, not a
  // dotted or snake_case name. PREV and NEXT: the bytes around it.
  static bool looks_random(std::string_view value, char prev, char next) {
    bool digit = false;
    bool letter = false;
    bool name_chars = true;
    bool joined = false;
    for (char c : value) {
      const bool is_digit = c >= '0' && c <= '9';
      const bool is_letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      digit = digit || is_digit;
      letter = letter || is_letter;
      joined = joined || c == '_' || c == '.';
      name_chars = name_chars && (is_digit || is_letter || c == '_' || c == '.');
    }
    const bool quoted = prev == '"' || prev == '\'';
    return digit && letter && next != '(' && (quoted || !(name_chars && joined));
  }

  // PREV and NEXT: the bytes around the secret (0 where there is none).
  // Returns whether the hit was kept.
  bool add(const Rule& rule, std::uint64_t begin, std::uint64_t end, std::string_view secret,
           std::string redacted, char prev = 0, char next = 0) {
    // The cheapest test first: a generic rule matches often.
    if (path_allowed || (rule.generic && !looks_random(secret, prev, next)))
      return false;
    const auto& impl = db->impl();
    const double floor = impl.min_entropy[current];
    if (is_placeholder(secret) || (floor > 0 && entropy(secret) < floor))
      return false;
    if (!allowed_here(rule, secret))
      return false;
    if (!seen.emplace(&rule, begin, end).second)
      return false; // the same secret again (a pattern with several ends)
    Hit h;
    h.rule = &rule;
    h.offset = begin;
    h.redacted = std::move(redacted);
    h.fingerprint = util::sha256_hex(fmt::format("{}\n{}", rule.id, secret)).substr(0, 16);
    std::tie(h.line, h.column) = position(begin); // SECRET may be gone after this
    spans.push_back(Span{begin, end, hits.size()});
    hits.push_back(std::move(h));
    return true;
  }

  void confirm_token(const Rule& rule, std::size_t index, std::uint64_t match_end) {
    const CharSet& set = db->impl().chars[index];
    auto [text, start] =
        text_before(match_end, static_cast<std::size_t>(rule.max_length) + k_lead + 2);
    std::size_t end = text.size();
    if (end > 0 && !set.test(static_cast<unsigned char>(text[end - 1])))
      --end; // the delimiter after the token
    std::size_t begin = end;
    if (rule.min_length == rule.max_length) {
      if (end < rule.max_length)
        return;
      begin = end - rule.max_length;
      for (std::size_t i = begin; i < end; ++i)
        if (!set.test(static_cast<unsigned char>(text[i])))
          return;
    } else {
      const std::size_t walk = std::size_t{rule.max_length} + k_lead;
      while (begin > 0 && end - begin < walk &&
             set.test(static_cast<unsigned char>(text[begin - 1])))
        --begin;
      if (!rule.starts.empty()) {
        // The token starts at the last of its prefixes that begins a word.
        std::size_t found = std::string_view::npos;
        for (auto prefix : util::split(rule.starts, ','))
          for (auto at = text.find(prefix, begin); at != std::string_view::npos && at < end;
               at = text.find(prefix, at + 1))
            if ((at == 0 || std::isalnum(static_cast<unsigned char>(text[at - 1])) == 0) &&
                (found == std::string_view::npos || at > found))
              found = at;
        if (found == std::string_view::npos)
          return;
        begin = found;
      } else if (begin > 0 && set.test(static_cast<unsigned char>(text[begin - 1]))) {
        return; // longer than the rule's longest
      }
      if (end - begin < rule.min_length || end - begin > rule.max_length)
        return;
    }
    const std::string_view secret = text.substr(begin, end - begin);
    add(rule, start + begin, start + end, secret, redact_value(secret),
        begin > 0 ? text[begin - 1] : '\0', end < text.size() ? text[end] : '\0');
  }

  // A PEM private key: the END line matched; its BEGIN line must come
  // before it, with a body of base64 between (escaped newlines in a JSON
  // string and indentation in YAML allowed).
  void confirm_pem(const Rule& rule, std::uint64_t match_end) {
    auto [text, start] = text_before(match_end, k_window);
    if (!text.ends_with("-----")) {
      confirm_pem_start(rule, text, start);
      return;
    }
    const auto end_line = text.rfind("-----END");
    if (end_line == std::string_view::npos)
      return;
    const std::string_view label = text.substr(end_line + 8, text.size() - 5 - end_line - 8);
    const auto begin_line = text.rfind(fmt::format("-----BEGIN{}-----", label), end_line);
    if (begin_line == std::string_view::npos)
      return;
    const std::size_t body_start = begin_line + 10 + label.size() + 5;
    std::string_view body = text.substr(body_start, end_line - body_start);
    std::size_t base64 = 0;
    bool header = false; // Proc-Type: and DEK-Info: of an encrypted key
    for (std::size_t i = 0; i < body.size(); ++i) {
      const char c = body[i];
      if (c == '\\' && i + 1 < body.size() && (body[i + 1] == 'n' || body[i + 1] == 'r')) {
        ++i;
        header = false;
      } else if (c == '\n' || c == '\r') {
        header = false;
      } else if (c == ':') {
        header = true;
      } else if (!header && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' ||
                             c == '/' || c == '=')) {
        ++base64;
      }
    }
    if (base64 < 32)
      return;
    std::string first;
    for (char c : body) {
      if (first.size() == 4)
        break;
      if (std::isalnum(static_cast<unsigned char>(c)) != 0 && c != 'n')
        first += c;
    }
    const std::string_view secret = text.substr(begin_line, text.size() - begin_line);
    add(rule, start + begin_line, match_end, secret,
        fmt::format("-----BEGIN{}----- {}****", label, first.substr(0, 4)));
  }

  // A BEGIN line and the first 40 characters of a body: a key, even when
  // its END line never comes (a value cut short). finish() drops it when
  // the whole block was found.
  void confirm_pem_start(const Rule& rule, std::string_view text, std::uint64_t start) {
    const auto begin_line = text.rfind("-----BEGIN");
    if (begin_line == std::string_view::npos)
      return;
    const auto label_end = text.find("-----", begin_line + 10);
    if (label_end == std::string_view::npos)
      return;
    const std::string_view label = text.substr(begin_line + 10, label_end - begin_line - 10);
    const std::string_view first = text.substr(text.size() - 40, 4);
    if (add(rule, start + begin_line, start + text.size(), text.substr(begin_line),
            fmt::format("-----BEGIN{}----- {}****", label, first)))
      partial.push_back(hits.size() - 1);
  }

  void confirm_putty(const Rule& rule, std::uint64_t match_end) {
    auto [text, start] = text_before(match_end, k_window);
    const auto header = text.rfind("PuTTY-User-Key-File-");
    if (header == std::string_view::npos)
      return;
    const auto eol = text.find('\n', header);
    const std::string_view first_line =
        text.substr(header, eol == std::string_view::npos ? std::string_view::npos : eol - header);
    add(rule, start + header, match_end, text.substr(header),
        std::string(first_line.substr(0, std::min<std::size_t>(first_line.size(), 32))) + " ****");
  }

  // scheme://user:password@host: the match ends on the host's first byte.
  void confirm_url(const Rule& rule, std::uint64_t match_end) {
    auto [text, start] = text_before(match_end, 300);
    if (text.size() < 2)
      return;
    const std::size_t at = text.size() - 2;
    if (text[at] != '@')
      return;
    const auto scheme_end = text.rfind("://", at);
    if (scheme_end == std::string_view::npos)
      return;
    const auto colon = text.find(':', scheme_end + 3);
    if (colon == std::string_view::npos || colon >= at)
      return;
    const std::string_view password = text.substr(colon + 1, at - colon - 1);
    const std::string_view user = text.substr(scheme_end + 3, colon - scheme_end - 3);
    if (password.size() < 4 || password == user ||
        std::string_view("$%{<[*").find(password.front()) != std::string_view::npos)
      return;
    // The passwords of examples and tests.
    for (std::string_view word :
         {"pass", "password", "passwd", "pwd", "secret", "foo", "bar", "baz", "test", "testing",
          "user", "username", "admin", "root", "guest", "hunter2", "letmein", "s3cret"}) {
      if (password.size() == word.size() &&
          std::equal(password.begin(), password.end(), word.begin(),
                     [](char a, char b) { return lower(a) == b; }))
        return;
    }
    add(rule, start + colon + 1, start + at, password,
        fmt::format("{}:{}@", user, redact_value(password)));
  }

  // "auth": "base64(user:password)".
  void confirm_docker_auth(const Rule& rule, std::uint64_t match_end) {
    auto [text, start] = text_before(match_end, static_cast<std::size_t>(rule.max_length) + 2);
    if (text.empty() || text.back() != '"')
      return;
    const auto open = text.rfind('"', text.size() - 2);
    if (open == std::string_view::npos)
      return;
    const std::string_view encoded = text.substr(open + 1, text.size() - open - 2);
    auto decoded = util::base64_decode(encoded);
    if (!decoded)
      return;
    const auto colon = decoded->find(':');
    if (colon == std::string::npos || colon + 1 >= decoded->size())
      return;
    const std::string_view password = std::string_view(*decoded).substr(colon + 1);
    if (is_placeholder(password))
      return;
    add(rule, start + open + 1, start + text.size() - 1, encoded,
        fmt::format("{}:{}", decoded->substr(0, colon), redact_value(password)));
  }

  // False when a placeholder word or an allow rule of the user's covers
  // SECRET, found by RULE.
  bool allowed_here(const Rule& rule, std::string_view secret) const {
    const auto& impl = db->impl();
    for (const auto& word : impl.placeholders)
      if (contains_caseless(secret, word))
        return false;
    if (const auto* user = impl.user_rule(current))
      for (const auto& re : user->allow)
        if (std::regex_search(secret.begin(), secret.end(), re))
          return false;
    for (const AllowRule* a : allow_here) {
      if (!a->rules.empty() &&
          std::none_of(a->rules.begin(), a->rules.end(), [&](const std::string& id) {
            return core::check_matches(check_of(rule), id);
          }))
        continue;
      if (!a->regex || std::regex_search(secret.begin(), secret.end(), *a->regex))
        return false;
    }
    return true;
  }

  // A rule of the user's: the leftmost match of its expression that ends
  // where Hyperscan's did, within the last k_user_window bytes; the secret
  // is the match or its secret group. Several ends of one match keep the
  // longest.
  void confirm_regex(const Rule& rule, std::uint64_t match_end) {
    const UserRule* user = db->impl().user_rule(current);
    if (user == nullptr)
      return;
    auto [text, start] = text_before(match_end, k_user_window);
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_search(text.begin(), text.end(), m, user->anchored))
      return;
    const auto& group = m[static_cast<std::size_t>(user->secret_group)];
    if (!group.matched || group.length() == 0)
      return;
    const auto begin = static_cast<std::size_t>(group.first - text.begin());
    const auto size = static_cast<std::size_t>(group.length());
    const std::string_view secret = text.substr(begin, size);
    // A longer end of the secret just found: it replaces that hit.
    if (!hits.empty() && hits.back().rule == &rule && hits.back().offset == start + begin &&
        !spans.empty() && spans.back().hit == hits.size() - 1) {
      hits.back().redacted = redact_value(secret);
      hits.back().fingerprint =
          util::sha256_hex(fmt::format("{}\n{}", rule.id, secret)).substr(0, 16);
      spans.back().end = start + begin + size;
      return;
    }
    add(rule, start + begin, start + begin + size, secret, redact_value(secret));
  }

  void on_match(unsigned id, std::uint64_t end) {
    const auto& impl = db->impl();
    if (id >= impl.rules.size() || impl.disabled[id])
      return;
    current = id;
    const Rule& rule = *impl.rules[id];
    switch (rule.confirm) {
    case Confirm::token:
      confirm_token(rule, id, end);
      break;
    case Confirm::pem:
      confirm_pem(rule, end);
      break;
    case Confirm::putty:
      confirm_putty(rule, end);
      break;
    case Confirm::url:
      confirm_url(rule, end);
      break;
    case Confirm::docker_auth:
      confirm_docker_auth(rule, end);
      break;
    case Confirm::regex:
      confirm_regex(rule, end);
      break;
    }
  }

  static int callback(unsigned id, unsigned long long /*from*/, unsigned long long to,
                      unsigned /*flags*/, void* context) {
    static_cast<State*>(context)->on_match(id, to);
    return 0;
  }

  // Scans PART into STREAM. Hyperscan 5.4 loads whole vectors near the end
  // of the buffer it is given (its noodle and AVX-512 teddy engines), so it
  // can read past the end and fault when the buffer ends at an unmapped
  // page. The last bytes are therefore scanned from a copy with room after
  // it: the stream sees the same bytes in the same order, so the matches
  // and their offsets are the same.
  bool scan_stream(hs_stream_t* into, std::string_view part) {
    constexpr std::size_t k_tail = 64;
    const std::size_t head = part.size() > k_tail ? part.size() - k_tail : 0;
    if (head > 0 && hs_scan_stream(into, part.data(), static_cast<unsigned>(head), 0, scratch,
                                   callback, this) != HS_SUCCESS)
      return false;
    std::array<char, 2 * k_tail> copy{};
    std::copy(part.begin() + static_cast<std::ptrdiff_t>(head), part.end(), copy.begin());
    return hs_scan_stream(into, copy.data(), static_cast<unsigned>(part.size() - head), 0, scratch,
                          callback, this) == HS_SUCCESS;
  }
};

core::Result<Scanner> Scanner::open(std::shared_ptr<const Database> db) {
  Scanner s;
  s.m_state = std::make_unique<State>();
  s.m_state->db = std::move(db);
  const auto& impl = s.m_state->db->impl();
  // One scratch serves both databases: the second call grows it.
  if (hs_alloc_scratch(impl.db, &s.m_state->scratch) != HS_SUCCESS ||
      (impl.user_db != nullptr &&
       hs_alloc_scratch(impl.user_db, &s.m_state->scratch) != HS_SUCCESS))
    return core::fail(core::ErrorKind::internal, "secret scanner", "cannot allocate its scratch");
  return s;
}

Scanner::~Scanner() = default;
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;

core::Status Scanner::begin(std::string_view path) {
  auto& s = *m_state;
  // A stream left unfinished is closed; every file gets fresh streams.
  // (Resetting a stream and scanning it again instead crashed inside
  // Hyperscan 5.4 under the fuzzer, and saved nothing measurable.)
  if (!s.ready)
    for (auto** open : {&s.stream, &s.user_stream})
      if (*open != nullptr) {
        hs_close_stream(*open, nullptr, nullptr, nullptr);
        *open = nullptr;
      }
  if ((s.stream == nullptr && hs_open_stream(s.db->impl().db, 0, &s.stream) != HS_SUCCESS) ||
      (s.db->impl().user_db != nullptr && s.user_stream == nullptr &&
       hs_open_stream(s.db->impl().user_db, 0, &s.user_stream) != HS_SUCCESS))
    return core::fail(core::ErrorKind::internal, std::string(path), "cannot open a scan stream");
  s.ready = false;
  s.path = path;
  const auto& impl = s.db->impl();
  s.path_allowed = impl.package_paths && allowed_path(path);
  s.allow_here.clear();
  for (const auto& a : impl.allow) {
    if (!a.paths.empty() &&
        std::none_of(a.paths.begin(), a.paths.end(),
                     [&](const std::string& glob) { return path_glob(glob, path); }))
      continue;
    if (!a.regex && a.rules.empty())
      s.path_allowed = true; // the whole file
    else
      s.allow_here.push_back(&a);
  }
  s.length = 0;
  s.lines_before_block = 0;
  s.last_nl_before_block = -1;
  s.mark_block_start();
  s.tail.clear();
  s.block = {};
  s.hits.clear();
  s.spans.clear();
  s.seen.clear();
  s.partial.clear();
  return {};
}

core::Status Scanner::feed(std::string_view block) {
  auto& s = *m_state;
  while (!block.empty()) {
    // Hyperscan takes at most 4 GiB at a time.
    const std::string_view part = block.substr(0, std::size_t{1} << 30);
    block.remove_prefix(part.size());
    s.block = part;
    s.mark_block_start();
    if (!s.scan_stream(s.stream, part))
      return core::fail(core::ErrorKind::internal, s.path, "the secret scan failed");
    if (s.user_stream != nullptr) {
      s.mark_block_start(); // its matches start from the block's start again
      if (!s.scan_stream(s.user_stream, part))
        return core::fail(core::ErrorKind::internal, s.path, "the secret scan failed");
    }
    s.lines_before_block += static_cast<std::uint32_t>(util::count_byte(part, '\n'));
    if (const auto nl = part.rfind('\n'); nl != std::string_view::npos)
      s.last_nl_before_block = static_cast<std::int64_t>(s.length + nl);
    s.length += part.size();
    if (part.size() >= k_window) {
      s.tail.assign(part.substr(part.size() - k_window));
    } else {
      s.tail.append(part);
      if (s.tail.size() > k_window)
        s.tail.erase(0, s.tail.size() - k_window);
    }
    s.block = {};
  }
  return {};
}

const Database* Scanner::database() const {
  return m_state->db.get();
}

core::Result<std::vector<Hit>> Scanner::finish() {
  auto& s = *m_state;
  // Matches anchored at the end ($) are reported on close; the whole
  // stream is then the tail (block empty).
  if (!s.ready) {
    s.ready = true;
    for (auto** open : {&s.stream, &s.user_stream}) {
      if (*open == nullptr)
        continue;
      s.block = {};
      s.mark_block_start();
      const auto closed = hs_close_stream(*open, s.scratch, State::callback, &s);
      *open = nullptr;
      if (closed != HS_SUCCESS)
        return core::fail(core::ErrorKind::internal, s.path, "the secret scan failed");
    }
  }
  // A generic rule's hit inside another rule's is the same secret. The
  // other rules' spans sorted by start, with the furthest end so far: a
  // generic span overlaps one of them when some span starting before its
  // end reaches past its start (a sweep, not a pass per hit).
  std::vector<State::Span> specific;
  for (const auto& o : s.spans)
    if (!s.hits[o.hit].rule->generic)
      specific.push_back(o);
  std::sort(specific.begin(), specific.end(),
            [](const State::Span& a, const State::Span& b) { return a.begin < b.begin; });
  std::vector<std::uint64_t> reach(specific.size());
  for (std::size_t i = 0; i < specific.size(); ++i)
    reach[i] = std::max(specific[i].end, i > 0 ? reach[i - 1] : 0);
  std::vector<bool> drop(s.hits.size(), false);
  // A key's first line reported alone is the same key as its whole block.
  for (const std::size_t p : s.partial)
    for (auto o =
             std::partition_point(specific.begin(), specific.end(),
                                  [&](const State::Span& x) { return x.begin < s.hits[p].offset; });
         o != specific.end() && o->begin == s.hits[p].offset; ++o)
      if (o->hit != p && s.hits[o->hit].rule == s.hits[p].rule)
        drop[p] = true;
  for (const auto& g : s.spans) {
    if (!s.hits[g.hit].rule->generic)
      continue;
    const auto before = std::partition_point(specific.begin(), specific.end(),
                                             [&](const State::Span& o) { return o.begin < g.end; });
    const auto n = static_cast<std::size_t>(before - specific.begin());
    drop[g.hit] = n > 0 && reach[n - 1] > g.begin;
  }
  std::vector<Hit> out;
  for (std::size_t i = 0; i < s.hits.size(); ++i)
    if (!drop[i])
      out.push_back(std::move(s.hits[i]));
  // By offset, then rule: the order Hyperscan reports matches in depends on
  // where the blocks were split, and two rules can match at one offset.
  std::sort(out.begin(), out.end(), [](const Hit& a, const Hit& b) {
    return std::tie(a.offset, a.rule->id) < std::tie(b.offset, b.rule->id);
  });
  s.hits.clear();
  s.spans.clear();
  s.seen.clear();
  s.partial.clear();
  return out;
}

namespace {

bool has_keyword(const Database::Impl& impl, std::string_view text) {
  for (std::size_t i = 0; i < impl.rules.size(); ++i) {
    const Rule& rule = *impl.rules[i];
    if (impl.disabled[i])
      continue;
    if (rule.keywords.empty())
      return true; // a rule of the user's without keywords: always scanned
    for (auto keyword : util::split(rule.keywords, ','))
      if (rule.caseless ? contains_caseless(text, keyword)
                        : text.find(keyword) != std::string_view::npos)
        return true;
  }
  return false;
}

} // namespace

bool has_keyword(std::string_view text) {
  auto db = Database::active();
  return !db || has_keyword((*db)->impl(), text);
}

core::Result<std::vector<Hit>> scan_text(std::string_view text, std::string_view path) {
  // The keyword prefilter: what the checks scan is short, and mostly
  // holds none.
  MOAT_TRY_ASSIGN(db, Database::active());
  if (text.size() <= k_prefilter_limit && !has_keyword(db->impl(), text))
    return std::vector<Hit>{};
  // Checks call this once per value (every ENV, every RUN): one scanner
  // per thread, with its scratch space, serves them all.
  thread_local std::optional<Scanner> scanner;
  if (!scanner || scanner->database() != db.get()) {
    MOAT_TRY_ASSIGN(opened, Scanner::open(db));
    scanner.emplace(std::move(opened));
  }
  MOAT_TRY(scanner->begin(path));
  MOAT_TRY(scanner->feed(text));
  return scanner->finish();
}

std::optional<Hit> first_secret(std::string_view text, std::string_view path) {
  auto hits = scan_text(text, path);
  if (!hits || hits->empty())
    return std::nullopt;
  return std::move(hits->front());
}

std::string describe(const Hit& hit) {
  return fmt::format("{} ({}, {})", check_of(*hit.rule).title, hit.rule->id, hit.redacted);
}

bool allowed_path(std::string_view path) {
  for (std::string_view dir :
       {std::string_view("usr/share/doc/"), std::string_view("usr/share/man/")}) {
    const auto at = path.find(dir);
    if (at == 0 || (at != std::string_view::npos && path[at - 1] == '/'))
      return true;
  }
  // A package's own tests: site-packages/NAME/tests/, dist-packages/...,
  // node_modules/NAME/test/, Go's testdata/.
  for (auto root : {std::string_view("site-packages/"), std::string_view("dist-packages/"),
                    std::string_view("node_modules/")}) {
    const auto at = path.find(root);
    if (at == std::string_view::npos)
      continue;
    const std::string_view rest = path.substr(at + root.size());
    for (auto dir :
         {std::string_view("/tests/"), std::string_view("/test/"), std::string_view("/testing/")})
      if (rest.find(dir) != std::string_view::npos)
        return true;
  }
  if (path.find("/testdata/") != std::string_view::npos)
    return true;
  // The shared libraries of the system's library directories: they carry
  // self-test vectors (GnuTLS's FIPS keys), not anyone's secrets.
  {
    std::string_view p = path;
    if (p.starts_with('/'))
      p.remove_prefix(1);
    const auto slash = p.rfind('/');
    const std::string_view dir =
        slash == std::string_view::npos ? std::string_view() : p.substr(0, slash);
    const std::string_view name = slash == std::string_view::npos ? p : p.substr(slash + 1);
    auto triplet_dir = [&](std::string_view root) { // usr/lib/x86_64-linux-gnu
      if (!dir.starts_with(root))
        return false;
      const auto rest = dir.substr(root.size());
      return rest.find('/') == std::string_view::npos &&
             (rest.ends_with("-linux-gnu") || rest.ends_with("-linux-musl") ||
              rest.ends_with("-linux-gnueabihf"));
    };
    const bool library_dir = dir == "lib" || dir == "lib64" || dir == "usr/lib" ||
                             dir == "usr/lib64" || triplet_dir("lib/") || triplet_dir("usr/lib/");
    if (library_dir && name.starts_with("lib") &&
        (name.find(".so") != std::string_view::npos || name.ends_with(".a")))
      return true;
  }
  // Anything an installed package keeps under a test directory in /usr.
  if (path.starts_with("/usr/") || path.starts_with("usr/")) {
    for (auto dir : {std::string_view("/tests/"), std::string_view("/test/")})
      if (path.find(dir) != std::string_view::npos)
        return true;
  }
  return false;
}

namespace {

constexpr std::array<std::string_view, 16> k_placeholder_words = {
    "example", "xxxx", "changeme", "change_me", "placeholder", "dummy",      "redacted", "your_",
    "your-",   "<",    "${",       "{{",        "****",        "1234567890", "abcdefgh", "sample"};

// What allowed_path() leaves alone, in words.
constexpr std::array<std::string_view, 5> k_package_path_rules = {
    "usr/share/doc/ and usr/share/man/ anywhere in the path",
    "tests/, test/ and testing/ under site-packages/, dist-packages/ and node_modules/",
    "testdata/ anywhere in the path",
    "lib*.so* and lib*.a in lib, lib64, usr/lib, usr/lib64 and their <arch>-linux-gnu "
    "directories (self-test vectors)",
    "tests/ and test/ anywhere under /usr"};

} // namespace

std::span<const std::string_view> placeholder_words() {
  return k_placeholder_words;
}

std::span<const std::string_view> package_path_rules() {
  return k_package_path_rules;
}

bool is_placeholder(std::string_view secret) {
  if (secret.empty())
    return true;
  if (std::all_of(secret.begin(), secret.end(), [&](char c) { return c == secret.front(); }))
    return true;
  for (std::string_view word : k_placeholder_words)
    if (contains_caseless(secret, word))
      return true;
  return false;
}

double entropy(std::string_view text) {
  if (text.empty())
    return 0;
  std::array<std::size_t, 256> counts{};
  for (char c : text)
    ++counts[static_cast<unsigned char>(c)];
  double bits = 0;
  const auto n = static_cast<double>(text.size());
  for (std::size_t c : counts) {
    if (c == 0)
      continue;
    const double p = static_cast<double>(c) / n;
    bits -= p * std::log2(p);
  }
  return bits;
}

} // namespace moat::secrets
