#include <moat/secrets/engine.hpp>

#include <moat/secrets/builtin_db.hpp>
#include <moat/secrets/compile.hpp>
#include <moat/util/base64.hpp>
#include <moat/util/sha256.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>
#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>
#include <mutex>
#include <optional>
#include <set>
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

struct Database::Impl {
  hs_database_t* db = nullptr;
  std::vector<const Rule*> rules;
  std::vector<CharSet> chars; // per rule
  ~Impl() {
    if (db != nullptr)
      hs_free_database(db);
  }
};

Database::Database(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Database::~Database() = default;

core::Result<std::shared_ptr<const Database>> Database::builtin() {
  static std::mutex lock;
  static std::shared_ptr<const Database> compiled;
  std::lock_guard guard(lock);
  if (compiled)
    return compiled;
  auto impl = std::make_unique<Impl>();
  const auto rules = builtin_rules();
  for (const Rule& r : rules) {
    impl->rules.push_back(&r);
    impl->chars.push_back(char_set(r.chars));
  }
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

struct Scanner::State {
  std::shared_ptr<const Database> db;
  hs_scratch_t* scratch = nullptr;
  hs_stream_t* stream = nullptr;
  std::string path;
  bool path_allowed = false;
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
      mark_lines += static_cast<std::uint32_t>(std::count(span.begin(), span.end(), '\n'));
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
    if (is_placeholder(secret) || (rule.min_entropy > 0 && entropy(secret) < rule.min_entropy))
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

  void on_match(unsigned id, std::uint64_t end) {
    const auto& impl = db->impl();
    if (id >= impl.rules.size())
      return;
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
    }
  }

  static int callback(unsigned id, unsigned long long /*from*/, unsigned long long to,
                      unsigned /*flags*/, void* context) {
    static_cast<State*>(context)->on_match(id, to);
    return 0;
  }
};

core::Result<Scanner> Scanner::open(std::shared_ptr<const Database> db) {
  Scanner s;
  s.m_state = std::make_unique<State>();
  s.m_state->db = std::move(db);
  if (hs_alloc_scratch(s.m_state->db->impl().db, &s.m_state->scratch) != HS_SUCCESS)
    return core::fail(core::ErrorKind::internal, "secret scanner", "cannot allocate its scratch");
  return s;
}

Scanner::~Scanner() = default;
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;

core::Status Scanner::begin(std::string_view path) {
  auto& s = *m_state;
  if (s.stream != nullptr) {
    hs_close_stream(s.stream, nullptr, nullptr, nullptr);
    s.stream = nullptr;
  }
  if (hs_open_stream(s.db->impl().db, 0, &s.stream) != HS_SUCCESS)
    return core::fail(core::ErrorKind::internal, std::string(path), "cannot open a scan stream");
  s.path = path;
  s.path_allowed = allowed_path(path);
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
    if (hs_scan_stream(s.stream, part.data(), static_cast<unsigned>(part.size()), 0, s.scratch,
                       State::callback, &s) != HS_SUCCESS)
      return core::fail(core::ErrorKind::internal, s.path, "the secret scan failed");
    s.lines_before_block += static_cast<std::uint32_t>(std::count(part.begin(), part.end(), '\n'));
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

core::Result<std::vector<Hit>> Scanner::finish() {
  auto& s = *m_state;
  // Matches anchored at the end ($) are reported on close; the whole
  // stream is then the tail (block empty).
  if (s.stream != nullptr) {
    s.block = {};
    s.mark_block_start();
    const hs_error_t rc = hs_close_stream(s.stream, s.scratch, State::callback, &s);
    s.stream = nullptr;
    if (rc != HS_SUCCESS)
      return core::fail(core::ErrorKind::internal, s.path, "the secret scan failed");
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
  std::stable_sort(out.begin(), out.end(),
                   [](const Hit& a, const Hit& b) { return a.offset < b.offset; });
  s.hits.clear();
  s.spans.clear();
  s.seen.clear();
  s.partial.clear();
  return out;
}

bool has_keyword(std::string_view text) {
  for (const Rule& rule : builtin_rules())
    for (auto keyword : util::split(rule.keywords, ','))
      if (rule.caseless ? contains_caseless(text, keyword)
                        : text.find(keyword) != std::string_view::npos)
        return true;
  return false;
}

core::Result<std::vector<Hit>> scan_text(std::string_view text, std::string_view path) {
  // The keyword prefilter: what the checks scan is short, and mostly
  // holds none.
  if (text.size() <= k_prefilter_limit && !has_keyword(text))
    return std::vector<Hit>{};
  // Checks call this once per value (every ENV, every RUN): one scanner
  // per thread, with its scratch space, serves them all.
  thread_local std::optional<Scanner> scanner;
  if (!scanner) {
    MOAT_TRY_ASSIGN(db, Database::builtin());
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

bool is_placeholder(std::string_view secret) {
  if (secret.empty())
    return true;
  if (std::all_of(secret.begin(), secret.end(), [&](char c) { return c == secret.front(); }))
    return true;
  for (std::string_view word :
       {"example", "xxxx", "changeme", "change_me", "placeholder", "dummy", "redacted", "your_",
        "your-", "<", "${", "{{", "****", "1234567890", "abcdefgh", "sample"})
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
