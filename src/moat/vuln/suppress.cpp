// Suppressions: .moatignore files and VEX documents (OpenVEX v0.0.x and
// v0.2.x, CycloneDX VEX), and the purl matching both rely on.
//
// A .moatignore line is whitespace-separated tokens. Scope tokens are
// "key:value" with a lower-case key; every other token is the advisory id.
// Ids may hold a ':' themselves (Red Hat's "RHSA-2023:1234"), which is why
// only lower-case keys count as scope keys. A line holding just an id,
// optionally with "exp:DATE", is also a valid .trivyignore line, so Trivy
// ignore files read unchanged.

#include <moat/vuln/suppress.hpp>

#include <moat/core/json_read.hpp>
#include <moat/inventory/python.hpp>
#include <moat/util/strings.hpp>
#include <moat/vuln/sbom_input.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>

namespace moat::vuln {

using core::json_error_detail;
using core::json_syntax_error;
using core::JsonReader;

namespace {

using Json = nlohmann::json;
using core::ErrorKind;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// True for a real calendar date written YYYY-MM-DD.
bool valid_date(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-')
    return false;
  for (std::size_t i : {0U, 1U, 2U, 3U, 5U, 6U, 8U, 9U})
    if (!is_digit(date[i]))
      return false;
  auto number = [&](std::size_t at, std::size_t length) {
    int value = 0;
    for (std::size_t i = at; i < at + length; ++i)
      value = value * 10 + (date[i] - '0');
    return value;
  };
  const int year = number(0, 4);
  const int month = number(5, 2);
  const int day = number(8, 2);
  if (month < 1 || month > 12 || day < 1)
    return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int days = month == 2 && leap ? 29 : k_days[month - 1];
  return day <= days;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// A scope key: a lower-case word ("pkg", "path", "exp", or one moat does
// not know yet).
bool is_scope_key(std::string_view key) {
  if (key.empty() || key.front() < 'a' || key.front() > 'z')
    return false;
  return std::ranges::all_of(
      key, [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_'; });
}

struct Token {
  std::string_view text;
  int column = 0; // 1-based
};

// One line's tokens up to a comment, and the comment. A '#' starts a
// comment only at the start of a token: inside a purl it is the subpath.
std::vector<Token> tokenize(std::string_view line, std::string& comment) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    if (is_space(line[i])) {
      ++i;
      continue;
    }
    if (line[i] == '#') {
      comment = std::string(util::trim(line.substr(i + 1)));
      break;
    }
    const std::size_t start = i;
    while (i < line.size() && !is_space(line[i]))
      ++i;
    tokens.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return tokens;
}

// ---------------------------------------------------------------------------
// purl comparison

// The purl spec declares these types' names case-insensitive (lower case
// is canonical); everywhere else case is significant.
bool name_ignores_case(std::string_view type) {
  return type == "deb" || type == "apk" || type == "npm" || type == "github" ||
         type == "bitbucket" || type == "composer";
}
bool namespace_ignores_case(std::string_view type) {
  return name_ignores_case(type) || type == "rpm";
}

std::string canonical_name(const Purl& purl) {
  if (purl.type == "pypi")
    return inventory::normalize_python_name(purl.name);
  return name_ignores_case(purl.type) ? util::to_lower(purl.name) : purl.name;
}

std::string canonical_namespace(const Purl& purl) {
  return namespace_ignores_case(purl.type) ? util::to_lower(purl.namespace_) : purl.namespace_;
}

// deb and rpm versions carry an epoch, which writers put either in the
// version ("1:4.13-1", moat and Syft) or in an epoch qualifier (Trivy).
bool has_epoch(std::string_view type) {
  return type == "deb" || type == "rpm";
}

// The epoch PURL states, in either place; "" for none (epoch 0 is none).
std::string epoch_of(const Purl& purl) {
  std::string epoch;
  if (const auto colon = purl.version.find(':'); colon != std::string::npos)
    epoch = purl.version.substr(0, colon);
  else
    epoch = qualifier(purl, "epoch");
  const auto first = epoch.find_first_not_of('0');
  return first == std::string::npos ? std::string() : epoch.substr(first);
}

// PURL's version without its epoch.
std::string_view bare_version(const Purl& purl) {
  std::string_view version = purl.version;
  if (const auto colon = version.find(':'); colon != std::string_view::npos)
    version.remove_prefix(colon + 1);
  return version;
}

// ---------------------------------------------------------------------------
// OpenVEX

constexpr std::string_view k_openvex_statuses[] = {"not_affected", "affected", "fixed",
                                                   "under_investigation"};
constexpr std::string_view k_openvex_justifications[] = {
    "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist"};

template <std::size_t N> bool listed(const std::string_view (&table)[N], std::string_view word) {
  return std::ranges::find(table, word) != std::end(table);
}

// A product or subcomponent: a string (v0.0.x) or an object whose
// identifiers.purl, else @id, names it (v0.2.x).
core::Result<std::string> product_id(const Json& product, const JsonReader& reader,
                                     std::string_view where) {
  if (product.is_string()) {
    if (product.get_ref<const std::string&>().empty())
      return reader.error(where, "a product must not be empty");
    return product.get<std::string>();
  }
  if (!product.is_object())
    return reader.error(where, "a product must be a string or an object");
  std::string id;
  if (const auto identifiers = product.find("identifiers"); identifiers != product.end()) {
    if (!identifiers->is_object())
      return reader.error(where, "identifiers must be an object");
    auto purl = reader.string(*identifiers, "purl", where);
    if (!purl)
      return std::unexpected(purl.error());
    id = std::move(*purl);
  }
  if (id.empty()) {
    auto at_id = reader.string(product, "@id", where);
    if (!at_id)
      return std::unexpected(at_id.error());
    id = std::move(*at_id);
  }
  if (id.empty())
    return reader.error(where, "a product needs an @id or identifiers.purl");
  return id;
}

// The ids of PRODUCTS (a JSON array), each replaced by its subcomponents
// when it lists any: moat matches packages, and a statement about
// subcomponents is about those packages.
core::Status add_products(const Json& products, const JsonReader& reader, const std::string& where,
                          std::vector<std::string>& out) {
  for (std::size_t i = 0; i < products.size(); ++i) {
    const std::string product_where = fmt::format("{}.products[{}]", where, i);
    const Json& product = products[i];
    auto id = product_id(product, reader, product_where);
    if (!id)
      return std::unexpected(id.error());
    std::vector<std::string> subcomponents;
    if (product.is_object()) {
      auto list = reader.array(product, "subcomponents", product_where);
      if (!list)
        return std::unexpected(list.error());
      if (*list != nullptr)
        for (std::size_t j = 0; j < (*list)->size(); ++j) {
          auto sub = product_id((**list)[j], reader,
                                fmt::format("{}.subcomponents[{}]", product_where, j));
          if (!sub)
            return std::unexpected(sub.error());
          subcomponents.push_back(std::move(*sub));
        }
    }
    if (subcomponents.empty())
      out.push_back(std::move(*id));
    else
      std::ranges::move(subcomponents, std::back_inserter(out));
  }
  return {};
}

core::Result<std::vector<VexStatement>> parse_openvex(const Json& doc, const JsonReader& reader) {
  auto statements = reader.array(doc, "statements", "document");
  if (!statements)
    return std::unexpected(statements.error());
  if (*statements == nullptr)
    return reader.error("document", "an OpenVEX document needs statements");
  std::vector<VexStatement> out;
  for (std::size_t i = 0; i < (*statements)->size(); ++i) {
    const std::string where = fmt::format("statements[{}]", i);
    const Json& s = (**statements)[i];
    if (!s.is_object())
      return reader.error(where, "a statement must be an object");
    VexStatement statement;

    const auto vulnerability = s.find("vulnerability");
    if (vulnerability == s.end())
      return reader.error(where, "vulnerability is missing");
    if (vulnerability->is_string()) {
      statement.vulnerability = vulnerability->get<std::string>();
    } else if (vulnerability->is_object()) {
      auto vuln_name = reader.string(*vulnerability, "name", where + ".vulnerability");
      auto aliases = reader.strings(*vulnerability, "aliases", where + ".vulnerability");
      if (!vuln_name)
        return std::unexpected(vuln_name.error());
      if (!aliases)
        return std::unexpected(aliases.error());
      statement.vulnerability = std::move(*vuln_name);
      statement.aliases = std::move(*aliases);
    } else {
      return reader.error(where, "vulnerability must be a string or an object");
    }
    if (statement.vulnerability.empty())
      return reader.error(where, "the vulnerability has no name");

    auto products = reader.array(s, "products", where);
    if (!products)
      return std::unexpected(products.error());
    if (*products == nullptr || (*products)->empty())
      return reader.error(where, "a statement must name at least one product");
    MOAT_TRY(add_products(**products, reader, where, statement.products));
    // v0.0.x lists subcomponents on the statement, as strings.
    auto subcomponents = reader.array(s, "subcomponents", where);
    if (!subcomponents)
      return std::unexpected(subcomponents.error());
    if (*subcomponents != nullptr && !(*subcomponents)->empty()) {
      std::vector<std::string> ids;
      for (std::size_t j = 0; j < (*subcomponents)->size(); ++j) {
        auto sub =
            product_id((**subcomponents)[j], reader, fmt::format("{}.subcomponents[{}]", where, j));
        if (!sub)
          return std::unexpected(sub.error());
        ids.push_back(std::move(*sub));
      }
      statement.products = std::move(ids);
    }

    auto status = reader.string(s, "status", where);
    auto justification = reader.string(s, "justification", where);
    auto impact = reader.string(s, "impact_statement", where);
    auto action = reader.string(s, "action_statement", where);
    for (const auto* field : {&status, &justification, &impact, &action})
      if (!*field)
        return std::unexpected(field->error());
    if (status->empty())
      return reader.error(where, "status is missing");
    if (!listed(k_openvex_statuses, *status))
      return reader.error(where, fmt::format("unknown status '{}'", util::terminal_safe(*status)));
    if (!justification->empty() && !listed(k_openvex_justifications, *justification))
      return reader.error(
          where, fmt::format("unknown justification '{}'", util::terminal_safe(*justification)));
    statement.status = std::move(*status);
    statement.justification = std::move(*justification);
    statement.detail = !impact->empty() ? std::move(*impact) : std::move(*action);
    out.push_back(std::move(statement));
  }
  return out;
}

// ---------------------------------------------------------------------------
// CycloneDX VEX

// CycloneDX analysis states in OpenVEX words.
std::optional<std::string_view> openvex_status(std::string_view state) {
  static constexpr std::pair<std::string_view, std::string_view> k_states[] = {
      {"exploitable", "affected"},
      {"false_positive", "not_affected"},
      {"in_triage", "under_investigation"},
      {"not_affected", "not_affected"},
      {"resolved", "fixed"},
      {"resolved_with_pedigree", "fixed"},
  };
  for (const auto& [cdx, openvex] : k_states)
    if (cdx == state)
      return openvex;
  return std::nullopt;
}

constexpr std::string_view k_cdx_justifications[] = {
    "code_not_present",     "code_not_reachable",     "requires_configuration",
    "requires_dependency",  "requires_environment",   "protected_by_compiler",
    "protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control"};

// bom-ref -> purl of every component, nested ones included.
core::Status collect_refs(const Json& components, const JsonReader& reader, const std::string& path,
                          int depth, std::map<std::string, std::string, std::less<>>& refs) {
  if (depth > k_max_component_depth)
    return reader.error(path, "components are nested too deeply", ErrorKind::limit);
  for (std::size_t i = 0; i < components.size(); ++i) {
    const std::string where = fmt::format("{}[{}]", path, i);
    const Json& c = components[i];
    if (!c.is_object())
      return reader.error(where, "a component must be an object");
    auto ref = reader.string(c, "bom-ref", where);
    auto purl = reader.string(c, "purl", where);
    if (!ref)
      return std::unexpected(ref.error());
    if (!purl)
      return std::unexpected(purl.error());
    if (!ref->empty())
      refs.try_emplace(std::move(*ref), std::move(*purl));
    auto nested = reader.array(c, "components", where);
    if (!nested)
      return std::unexpected(nested.error());
    if (*nested != nullptr)
      MOAT_TRY(collect_refs(**nested, reader, where + ".components", depth + 1, refs));
  }
  return {};
}

// TEXT with its %XX escapes decoded; a '%' that starts no escape stays.
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && util::hex_digit_value(text[i + 1]) >= 0 &&
        util::hex_digit_value(text[i + 2]) >= 0) {
      out += static_cast<char>(util::hex_digit_value(text[i + 1]) * 16 +
                               util::hex_digit_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// An affects[].ref as a purl: a component's bom-ref, a BOM-Link
// ("urn:cdx:SERIAL/VERSION#BOM-REF") or a purl.
core::Result<std::string> resolve_ref(std::string_view ref, const JsonReader& reader,
                                      std::string_view where,
                                      const std::map<std::string, std::string, std::less<>>& refs) {
  std::vector<std::string> candidates{std::string(ref)};
  if (ref.starts_with("urn:cdx:")) {
    const auto hash = ref.find('#');
    if (hash == std::string_view::npos || hash + 1 == ref.size())
      return reader.error(
          where, fmt::format("BOM-Link '{}' names no component", util::terminal_safe(ref)));
    // The fragment should be percent-encoded, but writers (Trivy among
    // them) put purl bom-refs in as they are: try it both ways.
    const std::string_view fragment = ref.substr(hash + 1);
    candidates = {std::string(fragment), percent_decoded(fragment)};
  }
  for (const auto& candidate : candidates) {
    const auto it = refs.find(candidate);
    if (it == refs.end())
      continue;
    if (it->second.empty())
      return reader.error(
          where, fmt::format("component '{}' has no purl", util::terminal_safe(candidate)));
    return it->second;
  }
  for (const auto& candidate : candidates)
    if (parse_purl(candidate))
      return candidate;
  return reader.error(where,
                      fmt::format("ref '{}' is neither a purl nor a component of this document",
                                  util::terminal_safe(ref)));
}

core::Result<std::vector<VexStatement>> parse_cyclonedx_vex(const Json& doc,
                                                            const JsonReader& reader) {
  auto vulnerabilities = reader.array(doc, "vulnerabilities", "document");
  if (!vulnerabilities)
    return std::unexpected(vulnerabilities.error());
  if (*vulnerabilities == nullptr)
    return reader.error("document", "a CycloneDX document without vulnerabilities is not VEX");
  std::map<std::string, std::string, std::less<>> refs;
  auto components = reader.array(doc, "components", "document");
  if (!components)
    return std::unexpected(components.error());
  if (*components != nullptr)
    MOAT_TRY(collect_refs(**components, reader, "components", 0, refs));
  if (const auto metadata = doc.find("metadata"); metadata != doc.end() && metadata->is_object())
    if (const auto root = metadata->find("component"); root != metadata->end() && root->is_object())
      MOAT_TRY(collect_refs(Json::array({*root}), reader, "metadata.component", 0, refs));

  std::vector<VexStatement> out;
  for (std::size_t i = 0; i < (*vulnerabilities)->size(); ++i) {
    const std::string where = fmt::format("vulnerabilities[{}]", i);
    const Json& v = (**vulnerabilities)[i];
    if (!v.is_object())
      return reader.error(where, "a vulnerability must be an object");
    auto id = reader.string(v, "id", where);
    if (!id)
      return std::unexpected(id.error());
    if (id->empty())
      return reader.error(where, "id is missing");
    const auto analysis = v.find("analysis");
    if (analysis == v.end() || analysis->is_null())
      continue; // a finding without an analysis states nothing about it
    if (!analysis->is_object())
      return reader.error(where, "analysis must be an object");
    auto state = reader.string(*analysis, "state", where + ".analysis");
    auto justification = reader.string(*analysis, "justification", where + ".analysis");
    auto detail = reader.string(*analysis, "detail", where + ".analysis");
    for (const auto* field : {&state, &justification, &detail})
      if (!*field)
        return std::unexpected(field->error());
    if (state->empty())
      continue;
    const auto status = openvex_status(*state);
    if (!status)
      return reader.error(where,
                          fmt::format("unknown analysis state '{}'", util::terminal_safe(*state)));
    if (!justification->empty() && !listed(k_cdx_justifications, *justification))
      return reader.error(
          where, fmt::format("unknown justification '{}'", util::terminal_safe(*justification)));
    VexStatement statement;
    statement.vulnerability = std::move(*id);
    statement.status = std::string(*status);
    statement.justification = std::move(*justification);
    statement.detail = std::move(*detail);

    // references[].id are the other ids the document knows it by.
    auto references = reader.array(v, "references", where);
    if (!references)
      return std::unexpected(references.error());
    if (*references != nullptr)
      for (const auto& reference : **references) {
        if (!reference.is_object())
          return reader.error(where, "a reference must be an object");
        auto alias = reader.string(reference, "id", where + ".references");
        if (!alias)
          return std::unexpected(alias.error());
        if (!alias->empty())
          statement.aliases.push_back(std::move(*alias));
      }

    auto affects = reader.array(v, "affects", where);
    if (!affects)
      return std::unexpected(affects.error());
    if (*affects == nullptr || (*affects)->empty())
      return reader.error(where, "affects names no component");
    for (std::size_t j = 0; j < (*affects)->size(); ++j) {
      const std::string affect_where = fmt::format("{}.affects[{}]", where, j);
      const Json& affect = (**affects)[j];
      if (!affect.is_object())
        return reader.error(affect_where, "an affects entry must be an object");
      auto ref = reader.string(affect, "ref", affect_where);
      if (!ref)
        return std::unexpected(ref.error());
      if (ref->empty())
        return reader.error(affect_where, "ref is missing");
      auto purl = resolve_ref(*ref, reader, affect_where, refs);
      if (!purl)
        return std::unexpected(purl.error());
      statement.products.push_back(std::move(*purl));
    }
    out.push_back(std::move(statement));
  }
  return out;
}

} // namespace

core::Result<std::vector<IgnoreRule>> parse_ignore_file(std::string_view text,
                                                        std::string_view name) {
  std::vector<IgnoreRule> rules;
  int line_no = 0;
  auto fail_at = [&](std::string message, int column) {
    return core::fail(ErrorKind::parse, std::string(name), std::move(message), line_no, column);
  };
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    ++line_no;

    IgnoreRule rule;
    rule.line = line_no;
    const auto tokens = tokenize(line, rule.comment);
    if (tokens.empty())
      continue;
    for (const auto& token : tokens) {
      const auto colon = token.text.find(':');
      const std::string_view key =
          colon == std::string_view::npos ? std::string_view() : token.text.substr(0, colon);
      if (!is_scope_key(key)) {
        if (!rule.id.empty())
          return fail_at(fmt::format("a second id '{}' on one line (the first is '{}')",
                                     util::terminal_safe(token.text), util::terminal_safe(rule.id)),
                         token.column);
        rule.id = std::string(token.text);
        continue;
      }
      const std::string_view value = token.text.substr(colon + 1);
      std::string* field = nullptr;
      if (key == "pkg") {
        if (!parse_purl(token.text))
          return fail_at(fmt::format("invalid purl '{}'", util::terminal_safe(token.text)),
                         token.column);
        field = &rule.purl;
      } else if (key == "package") {
        field = &rule.package;
      } else if (key == "path") {
        field = &rule.path;
      } else if (key == "exp") {
        if (!valid_date(value))
          return fail_at(
              fmt::format("exp: wants a date as YYYY-MM-DD, not '{}'", util::terminal_safe(value)),
              token.column);
        field = &rule.expires;
      } else {
        return fail_at(fmt::format("unknown scope '{}:' (known: pkg:, package:, path:, exp:)",
                                   util::terminal_safe(key)),
                       token.column);
      }
      if (value.empty())
        return fail_at(fmt::format("{}: needs a value", key), token.column);
      if (!field->empty())
        return fail_at(fmt::format("{}: given twice", key), token.column);
      // A purl token is itself "pkg:...": it is kept whole.
      *field = std::string(key == "pkg" ? token.text : value);
    }
    if (rule.id.empty())
      return fail_at("the line names no advisory id", tokens.front().column);
    if (!rule.purl.empty() && !rule.package.empty())
      return fail_at("pkg: and package: cannot both scope one line", tokens.front().column);
    rules.push_back(std::move(rule));
  }
  return rules;
}

bool rule_active(const IgnoreRule& rule, std::string_view today) {
  // Both are YYYY-MM-DD, so text order is date order.
  return rule.expires.empty() || today <= std::string_view(rule.expires);
}

core::Result<std::vector<VexStatement>> parse_vex(std::string_view text, std::string_view name) {
  Json doc;
  try {
    doc = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return std::unexpected(json_syntax_error(e, text, name));
  } catch (const Json::exception& e) {
    return core::fail(ErrorKind::parse, std::string(name),
                      fmt::format("invalid JSON: {}", json_error_detail(e)));
  }
  const JsonReader reader(name);
  if (doc.is_object()) {
    const auto context = doc.find("@context");
    if (context != doc.end() && context->is_string() &&
        context->get_ref<const std::string&>().starts_with("https://openvex.dev/ns"))
      return parse_openvex(doc, reader);
    const auto format = doc.find("bomFormat");
    if (format != doc.end() && format->is_string() && *format == "CycloneDX")
      return parse_cyclonedx_vex(doc, reader);
  }
  return core::fail(ErrorKind::parse, std::string(name),
                    "not an OpenVEX or CycloneDX VEX document");
}

bool purl_covers(std::string_view pattern, std::string_view purl) {
  const auto p = parse_purl(pattern);
  const auto q = parse_purl(purl);
  if (!p || !q)
    return false;
  if (p->type != q->type || canonical_namespace(*p) != canonical_namespace(*q) ||
      canonical_name(*p) != canonical_name(*q))
    return false;
  const bool epochs = has_epoch(p->type);
  if (!p->version.empty()) {
    const bool same = epochs ? bare_version(*p) == bare_version(*q) && epoch_of(*p) == epoch_of(*q)
                             : p->version == q->version;
    if (!same)
      return false;
  }
  if (!p->subpath.empty() && p->subpath != q->subpath)
    return false;
  return std::ranges::all_of(p->qualifiers, [&](const auto& kv) {
    if (epochs && kv.first == "epoch")
      return epoch_of(*p) == epoch_of(*q);
    const auto it = std::ranges::find_if(
        q->qualifiers, [&](const auto& other) { return other.first == kv.first; });
    return it != q->qualifiers.end() && it->second == kv.second;
  });
}

} // namespace moat::vuln
