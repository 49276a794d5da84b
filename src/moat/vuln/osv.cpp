// OSV advisories (https://ossf.github.io/osv-schema/) in JSON and YAML.
//
// Both formats are read into one nlohmann::json document and mapped by the
// same code, so a field means the same thing whichever syntax carried it. The
// YAML reader keeps every scalar as the text the file wrote: OSV fields are
// all strings, and YAML's implicit typing would otherwise turn the version
// 1.10 into the float 1.1 and dates into timestamps.

#include <moat/core/json_read.hpp>
#include <moat/util/strings.hpp>
#include <moat/vuln/feeds.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <optional>
#include <span>
#include <spanstream>
#include <string>
#include <utility>

namespace moat::vuln {

using core::is_json_space;
using core::json_error_detail;
using core::json_error_position;
using core::json_syntax_error;
using core::member;
using core::skip_json_space;

std::string_view to_string(FixState state) {
  switch (state) {
  case FixState::fixed:
    return "fixed";
  case FixState::affected:
    return "affected";
  case FixState::will_not_fix:
    return "will_not_fix";
  case FixState::deferred:
    return "deferred";
  case FixState::end_of_life:
    return "end_of_life";
  case FixState::not_affected:
    return "not_affected";
  }
  return "unknown"; // only for a value cast from outside the enumeration
}

namespace {

using Json = nlohmann::json;

// Where a value sits in the document ("affected[0].ranges[1].type"). Built on
// the stack as the mapper descends and rendered only when an error names it,
// so a successful parse pays nothing for it.
struct Path {
  const Path* parent = nullptr;
  std::string_view key; // member name; empty for an array index
  std::size_t index = 0;

  [[nodiscard]] Path member(std::string_view name) const { return Path{this, name, 0}; }
  [[nodiscard]] Path at(std::size_t i) const { return Path{this, {}, i}; }

  [[nodiscard]] std::string render() const {
    if (parent == nullptr)
      return {};
    std::string out = parent->render();
    if (key.empty())
      out += fmt::format("[{}]", index);
    else if (out.empty())
      out += key;
    else
      out += fmt::format(".{}", key);
    return out;
  }
};

// Maps one OSV document onto an Advisory, moving strings out of the document.
class OsvMapper {
public:
  explicit OsvMapper(std::string_view name) : m_name(name) {}

  core::Result<Advisory> map(Json& doc) {
    Path root;
    if (!doc.is_object())
      return core::fail(core::ErrorKind::parse, std::string(m_name),
                        "the advisory is not an object");
    Advisory adv;
    MOAT_TRY(take_string(doc, "id", root, adv.id));
    if (adv.id.empty())
      return bad(root.member("id"), "is missing");
    MOAT_TRY(take_strings(doc, "aliases", root, adv.aliases));
    // Distribution records (DSA, USN, UBUNTU-CVE-...) name the CVE they fix
    // in "upstream"; for matching it is one more name of the same issue.
    std::vector<std::string> upstream;
    MOAT_TRY(take_strings(doc, "upstream", root, upstream));
    for (auto& id : upstream)
      if (std::find(adv.aliases.begin(), adv.aliases.end(), id) == adv.aliases.end())
        adv.aliases.push_back(std::move(id));
    std::erase(adv.aliases, adv.id);
    MOAT_TRY(take_string(doc, "summary", root, adv.summary));
    MOAT_TRY(take_string(doc, "details", root, adv.details));
    MOAT_TRY(take_string(doc, "published", root, adv.published));
    MOAT_TRY(take_string(doc, "modified", root, adv.modified));
    MOAT_TRY(take_string(doc, "withdrawn", root, adv.withdrawn));
    MOAT_TRY(take_severity(doc, root, adv.severity));
    if (auto rating = free_form_severity(doc, "database_specific"))
      adv.severity.push_back(SeverityEntry{"rating", std::move(*rating)});
    MOAT_TRY(take_affected(doc, root, adv.affected));
    MOAT_TRY(take_references(doc, root, adv.references));
    return adv;
  }

private:
  std::string_view m_name;

  [[nodiscard]] std::unexpected<core::Error> bad(const Path& where,
                                                 std::string_view problem) const {
    return core::fail(core::ErrorKind::parse, std::string(m_name),
                      fmt::format("field {} {}", where.render(), problem));
  }

  // Moves the string member KEY of OBJ into OUT; absent leaves OUT alone.
  core::Status take_string(Json& obj, std::string_view key, const Path& where, std::string& out) {
    Json* value = member(obj, key);
    if (value == nullptr)
      return {};
    if (!value->is_string())
      return bad(where.member(key), "is not a string");
    out = std::move(value->get_ref<std::string&>());
    return {};
  }

  // Like take_string, but the member must be there.
  core::Status need_string(Json& obj, std::string_view key, const Path& where, std::string& out) {
    if (member(obj, key) == nullptr)
      return bad(where.member(key), "is missing");
    return take_string(obj, key, where, out);
  }

  // Appends the string array member KEY of OBJ to OUT.
  core::Status take_strings(Json& obj, std::string_view key, const Path& where,
                            std::vector<std::string>& out) {
    Json* list = member(obj, key);
    if (list == nullptr)
      return {};
    Path here = where.member(key);
    if (!list->is_array())
      return bad(here, "is not an array");
    out.reserve(out.size() + list->size());
    std::size_t i = 0;
    for (Json& item : *list) {
      if (!item.is_string())
        return bad(here.at(i), "is not a string");
      out.push_back(std::move(item.get_ref<std::string&>()));
      ++i;
    }
    return {};
  }

  // OBJ's member KEY as an array (nullptr when absent), or an error.
  core::Result<Json*> array_member(Json& obj, std::string_view key, const Path& where) {
    Json* list = member(obj, key);
    if (list != nullptr && !list->is_array())
      return bad(where.member(key), "is not an array");
    return list;
  }

  core::Status take_severity(Json& doc, const Path& root, std::vector<SeverityEntry>& out) {
    auto list = array_member(doc, "severity", root);
    if (!list)
      return std::unexpected(std::move(list).error());
    if (*list == nullptr)
      return {};
    Path here = root.member("severity");
    std::size_t i = 0;
    for (Json& item : **list) {
      Path at = here.at(i++);
      if (!item.is_object())
        return bad(at, "is not an object");
      SeverityEntry entry;
      MOAT_TRY(need_string(item, "type", at, entry.type));
      MOAT_TRY(need_string(item, "score", at, entry.value));
      out.push_back(std::move(entry));
    }
    return {};
  }

  // OBJ's KEY.severity when that is a string. database_specific and
  // ecosystem_specific are free-form by the schema, so a severity of another
  // shape is some database's own idea and is skipped rather than rejected.
  static std::optional<std::string> free_form_severity(Json& obj, std::string_view key) {
    Json* specific = member(obj, key);
    if (specific == nullptr || !specific->is_object())
      return std::nullopt;
    Json* severity = member(*specific, "severity");
    if (severity == nullptr || !severity->is_string())
      return std::nullopt;
    return std::move(severity->get_ref<std::string&>());
  }

  core::Status take_affected(Json& doc, const Path& root, std::vector<Affected>& out) {
    auto list = array_member(doc, "affected", root);
    if (!list)
      return std::unexpected(std::move(list).error());
    if (*list == nullptr)
      return {};
    Path here = root.member("affected");
    out.reserve((*list)->size());
    std::size_t i = 0;
    for (Json& item : **list) {
      Path at = here.at(i++);
      if (!item.is_object())
        return bad(at, "is not an object");
      Affected affected;
      if (Json* package = member(item, "package")) {
        Path package_path = at.member("package");
        if (!package->is_object())
          return bad(package_path, "is not an object");
        MOAT_TRY(take_string(*package, "ecosystem", package_path, affected.ecosystem));
        MOAT_TRY(take_string(*package, "name", package_path, affected.name));
        MOAT_TRY(take_string(*package, "purl", package_path, affected.purl));
      }
      MOAT_TRY(take_ranges(item, at, affected.ranges));
      MOAT_TRY(take_strings(item, "versions", at, affected.versions));
      auto rating = free_form_severity(item, "ecosystem_specific");
      if (!rating)
        rating = free_form_severity(item, "database_specific");
      if (rating)
        affected.severity = util::to_lower(*rating);
      out.push_back(std::move(affected));
    }
    return {};
  }

  core::Status take_ranges(Json& affected, const Path& where, std::vector<Range>& out) {
    auto list = array_member(affected, "ranges", where);
    if (!list)
      return std::unexpected(std::move(list).error());
    if (*list == nullptr)
      return {};
    Path here = where.member("ranges");
    out.reserve((*list)->size());
    std::size_t i = 0;
    for (Json& item : **list) {
      Path at = here.at(i++);
      if (!item.is_object())
        return bad(at, "is not an object");
      Range range;
      std::string type;
      MOAT_TRY(need_string(item, "type", at, type));
      if (type == "ECOSYSTEM")
        range.type = Range::Type::ecosystem;
      else if (type == "SEMVER")
        range.type = Range::Type::semver;
      else if (type == "GIT")
        range.type = Range::Type::git;
      else
        return bad(at.member("type"), fmt::format("has unknown range type \"{}\"", type));
      if (member(item, "events") == nullptr)
        return bad(at.member("events"), "is missing");
      MOAT_TRY(take_events(item, at, range.events));
      out.push_back(std::move(range));
    }
    return {};
  }

  core::Status take_events(Json& range, const Path& where, std::vector<Event>& out) {
    auto list = array_member(range, "events", where);
    if (!list)
      return std::unexpected(std::move(list).error());
    Path here = where.member("events");
    out.reserve((**list).size());
    std::size_t i = 0;
    for (Json& item : **list) {
      Path at = here.at(i++);
      if (!item.is_object())
        return bad(at, "is not an object");
      // The schema gives each event exactly one of the four keys; anything
      // else would make the range ambiguous.
      if (item.size() != 1)
        return bad(at, "must have exactly one of introduced, fixed, last_affected, limit");
      auto& [key, value] = *item.get_ref<Json::object_t&>().begin();
      Event event;
      if (key == "introduced")
        event.kind = Event::Kind::introduced;
      else if (key == "fixed")
        event.kind = Event::Kind::fixed;
      else if (key == "last_affected")
        event.kind = Event::Kind::last_affected;
      else if (key == "limit")
        event.kind = Event::Kind::limit;
      else
        return bad(at, fmt::format("has unknown event \"{}\"", key));
      if (!value.is_string())
        return bad(at.member(key), "is not a string");
      event.version = std::move(value.get_ref<std::string&>());
      out.push_back(std::move(event));
    }
    return {};
  }

  core::Status take_references(Json& doc, const Path& root, std::vector<std::string>& out) {
    auto list = array_member(doc, "references", root);
    if (!list)
      return std::unexpected(std::move(list).error());
    if (*list == nullptr)
      return {};
    Path here = root.member("references");
    out.reserve((*list)->size());
    std::size_t i = 0;
    for (Json& item : **list) {
      Path at = here.at(i++);
      if (!item.is_object())
        return bad(at, "is not an object");
      std::string url;
      MOAT_TRY(need_string(item, "url", at, url));
      out.push_back(std::move(url));
    }
    return {};
  }
};

// Builds a Json document from yaml-cpp's parse events. Events are void, so
// the first problem is recorded and everything after it ignored.
class YamlToJson final : public YAML::EventHandler {
public:
  [[nodiscard]] Json& root() { return m_root; }
  [[nodiscard]] const std::optional<std::pair<std::string, YAML::Mark>>& problem() const {
    return m_problem;
  }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++m_documents > 1)
      set_problem(mark, "more than one yaml document");
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {
    if (m_problem)
      return;
    if (in_key_position()) {
      m_stack.back().key.clear();
      m_stack.back().want_key = false;
      return;
    }
    place(Json());
  }

  // Anchors and aliases are never needed by OSV, and expanding aliases is
  // the classic way to make a small YAML file explode in memory.
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t /*anchor*/) override {
    set_problem(mark, "yaml aliases are not supported");
  }

  void OnScalar(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& value) override {
    if (m_problem)
      return;
    if (in_key_position()) {
      m_stack.back().key = value;
      m_stack.back().want_key = false;
      return;
    }
    place(Json(value));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                       YAML::anchor_t /*anchor*/, YAML::EmitterStyle::value /*style*/) override {
    open(mark, Json::array());
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {
    open(mark, Json::object());
  }
  void OnMapEnd() override { close(); }

private:
  struct Frame {
    Json* node = nullptr; // an array or object owned by m_root
    bool want_key = true; // objects only: the next scalar is a key
    std::string key;
  };

  Json m_root;
  // Pointers stay valid: a container is only appended to while it is the top
  // of the stack, after every child pointer above it has been popped.
  std::vector<Frame> m_stack;
  int m_documents = 0;
  std::optional<std::pair<std::string, YAML::Mark>> m_problem;

  void set_problem(const YAML::Mark& mark, std::string message) {
    if (!m_problem)
      m_problem.emplace(std::move(message), mark);
  }

  [[nodiscard]] bool in_key_position() const {
    return !m_stack.empty() && m_stack.back().node->is_object() && m_stack.back().want_key;
  }

  // Stores VALUE where the document expects the next one; returns it in place.
  Json* place(Json&& value) {
    if (m_stack.empty()) {
      m_root = std::move(value);
      return &m_root;
    }
    Frame& top = m_stack.back();
    if (top.node->is_array()) {
      top.node->push_back(std::move(value));
      return &top.node->back();
    }
    top.want_key = true;
    auto& object = top.node->get_ref<Json::object_t&>();
    return &object.insert_or_assign(std::move(top.key), std::move(value)).first->second;
  }

  void open(const YAML::Mark& mark, Json&& container) {
    if (m_problem)
      return;
    if (in_key_position()) {
      set_problem(mark, "mapping keys must be scalars");
      return;
    }
    m_stack.push_back(Frame{place(std::move(container)), true, {}});
  }

  void close() {
    if (!m_problem && !m_stack.empty())
      m_stack.pop_back();
  }
};

} // namespace

namespace {

// The end of the JSON value that starts at TEXT[POS] (one past its last
// byte), or npos when it is cut short. Only the structure is followed:
// strings with their escapes, and brackets.
std::size_t value_end(std::string_view text, std::size_t pos) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = pos; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"') {
        in_string = false;
        if (depth == 0)
          return i + 1;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0)
        return i; // the end of a scalar, at its container's close
      if (--depth == 0)
        return i + 1;
    } else if (depth == 0 && (c == ',' || is_json_space(c))) {
      return i;
    }
  }
  return depth == 0 && !in_string ? text.size() : std::string_view::npos;
}

// The document parsed whole.
core::Result<Advisory> parse_osv_whole(std::string_view text, std::string_view name) {
  try {
    Json doc = Json::parse(text.begin(), text.end());
    return OsvMapper(name).map(doc);
  } catch (const Json::parse_error& e) {
    return std::unexpected(json_syntax_error(e, text, name));
  } catch (const Json::exception& e) {
    return core::fail(core::ErrorKind::parse, std::string(name),
                      fmt::format("invalid JSON: {}", json_error_detail(e)));
  }
}

// A value of the text that the parser is shown as REPLACEMENT instead.
struct Replacement {
  std::size_t start = 0, end = 0;
  std::string_view replacement;
};

// The top-level members moat never reads that are AT_LEAST bytes long:
// unknown ones become null, a string `details` (not stored) "". Found
// while the top level is plain (no escaped keys); anything else is left to
// the parser to judge.
std::vector<Replacement> unread_members(std::string_view text, std::size_t at_least) {
  static constexpr std::string_view k_read[] = {
      "id",        "aliases",  "upstream",          "summary",  "published", "modified",
      "withdrawn", "severity", "database_specific", "affected", "references"};
  std::vector<Replacement> out;
  std::size_t pos = text.starts_with("\xef\xbb\xbf") ? 3 : 0;
  skip_json_space(text, pos);
  if (pos >= text.size() || text[pos] != '{')
    return out;
  ++pos;
  for (;;) {
    skip_json_space(text, pos);
    if (pos >= text.size() || text[pos] != '"')
      return out; // '}' or not JSON
    const std::size_t key_start = pos + 1;
    const std::size_t key_end = text.find('"', key_start);
    if (key_end == std::string_view::npos)
      return out;
    const std::string_view key = text.substr(key_start, key_end - key_start);
    if (key.find('\\') != std::string_view::npos)
      return out;
    pos = key_end + 1;
    skip_json_space(text, pos);
    if (pos >= text.size() || text[pos] != ':')
      return out;
    ++pos;
    skip_json_space(text, pos);
    const std::size_t start = pos;
    const std::size_t end = value_end(text, start);
    if (end == std::string_view::npos || end == start)
      return out;
    // A details that is not a string stays, for the parser to refuse.
    const bool details = key == "details";
    const bool drop =
        details ? text[start] == '"' : std::ranges::find(k_read, key) == std::end(k_read);
    if (drop && end - start >= std::max<std::size_t>(at_least, 5))
      out.push_back({start, end, details ? "\"\"" : "null"});
    pos = end;
    skip_json_space(text, pos);
    if (pos >= text.size() || text[pos] != ',')
      return out;
    ++pos;
  }
}

// The text as nlohmann's parser reads it, with each replaced value shown
// as its replacement: the skipped bytes are never copied, not even into
// the lexer's record of the token it is reading.
class SkippingIterator {
public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = char;

  SkippingIterator() = default;
  SkippingIterator(std::string_view text, const std::vector<Replacement>* replacements,
                   std::size_t logical)
      : m_text(text), m_replacements(replacements), m_logical(logical) {
    settle();
  }
  char operator*() const {
    return m_in_replacement ? (*m_replacements)[m_next].replacement[m_offset] : m_text[m_pos];
  }
  SkippingIterator& operator++() {
    ++m_logical;
    if (m_in_replacement) {
      if (++m_offset == (*m_replacements)[m_next].replacement.size()) {
        m_pos = (*m_replacements)[m_next].end;
        m_in_replacement = false;
        ++m_next;
      }
    } else {
      ++m_pos;
    }
    settle();
    return *this;
  }
  SkippingIterator operator++(int) {
    auto old = *this;
    ++*this;
    return old;
  }
  bool operator==(const SkippingIterator& other) const { return m_logical == other.m_logical; }

private:
  void settle() {
    if (!m_in_replacement && m_replacements != nullptr && m_next < m_replacements->size() &&
        m_pos == (*m_replacements)[m_next].start) {
      m_in_replacement = true;
      m_offset = 0;
    }
  }
  std::string_view m_text;
  const std::vector<Replacement>* m_replacements = nullptr;
  std::size_t m_logical = 0; // characters shown so far
  std::size_t m_pos = 0;     // in the text
  std::size_t m_next = 0;    // the next (or current) replacement
  bool m_in_replacement = false;
  std::size_t m_offset = 0;
};

// The byte of the text that the parser's BYTE (1-based, counted in what
// it was shown) stands for, 1-based.
std::size_t original_byte(std::size_t byte, const std::vector<Replacement>& replacements) {
  if (byte == 0)
    return 0;
  std::size_t logical = byte - 1;
  std::size_t shift = 0; // original minus logical, so far
  for (const auto& r : replacements) {
    const std::size_t logical_start = r.start - shift;
    if (logical < logical_start)
      break;
    if (logical < logical_start + r.replacement.size())
      return r.start + (logical - logical_start) + 1;
    shift += (r.end - r.start) - r.replacement.size();
  }
  return logical + shift + 1;
}

} // namespace

core::Result<Advisory> parse_osv_json(std::string_view text, std::string_view name,
                                      std::size_t drop_at_least) {
  const auto replacements = unread_members(text, drop_at_least);
  if (replacements.empty())
    return parse_osv_whole(text, name);
  std::size_t shown = text.size();
  for (const auto& r : replacements)
    shown = shown - (r.end - r.start) + r.replacement.size();
  try {
    Json doc = Json::parse(SkippingIterator(text, &replacements, 0),
                           SkippingIterator(text, &replacements, shown));
    return OsvMapper(name).map(doc);
  } catch (const Json::parse_error& e) {
    const auto [line, column] = json_error_position(text, original_byte(e.byte, replacements));
    return core::fail(core::ErrorKind::parse, std::string(name),
                      fmt::format("invalid JSON: {}", json_error_detail(e)), line, column);
  } catch (const Json::exception& e) {
    return core::fail(core::ErrorKind::parse, std::string(name),
                      fmt::format("invalid JSON: {}", json_error_detail(e)));
  }
}

core::Result<Advisory> parse_osv_yaml(std::string_view text, std::string_view name) {
  YamlToJson builder;
  try {
    std::ispanstream in(std::span<const char>(text.data(), text.size()));
    YAML::Parser parser(in);
    // The second call only looks for a further document, which is refused.
    if (parser.HandleNextDocument(builder))
      (void)parser.HandleNextDocument(builder);
  } catch (const YAML::Exception& e) {
    return core::fail(core::ErrorKind::parse, std::string(name),
                      fmt::format("invalid YAML: {}", e.msg), e.mark.line + 1, e.mark.column + 1);
  }
  if (const auto& problem = builder.problem())
    return core::fail(core::ErrorKind::parse, std::string(name), problem->first,
                      problem->second.line + 1, problem->second.column + 1);
  return OsvMapper(name).map(builder.root());
}

} // namespace moat::vuln
