#include <moat/vuln/match.hpp>

#include <moat/util/strings.hpp>
#include <moat/util/time.hpp>
#include <moat/vuln/cvss.hpp>
#include <moat/vuln/sbom_input.hpp>
#include <moat/vuln/version.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

namespace moat::vuln {

namespace {

// The scheme a range's versions are compared under.
std::optional<Scheme> range_scheme(Range::Type type, std::string_view ecosystem) {
  auto eco = scheme_for_ecosystem(ecosystem);
  if (type == Range::Type::semver) {
    if (eco == Scheme::go || eco == Scheme::npm)
      return eco;
    return Scheme::semver;
  }
  return eco;
}

int event_rank(Event::Kind kind) {
  // At one version: introduced opens, then last_affected/fixed/limit close.
  switch (kind) {
  case Event::Kind::introduced:
    return 0;
  case Event::Kind::last_affected:
    return 1;
  case Event::Kind::fixed:
    return 2;
  case Event::Kind::limit:
    return 3;
  }
  return 0;
}

// Evaluates one range; nullopt when its versions cannot be compared.
std::optional<Verdict> evaluate_range(const Range& range, Scheme scheme, std::string_view version) {
  struct Item {
    const Event* event;
    bool zero; // introduced "0": before every version
    bool star; // limit "*": after every version
  };
  std::vector<Item> items;
  for (const auto& e : range.events) {
    const bool zero = e.kind == Event::Kind::introduced && e.version == "0";
    const bool star = e.kind == Event::Kind::limit && e.version == "*";
    if (!zero && !star && check(scheme, e.version))
      return std::nullopt;
    items.push_back(Item{&e, zero, star});
  }
  bool failed = false;
  auto cmp = [&](std::string_view a, std::string_view b) {
    auto order = compare(scheme, a, b);
    if (!order) {
      failed = true;
      return 0;
    }
    return *order;
  };
  std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    if (a.zero != b.zero)
      return a.zero;
    if (a.star != b.star)
      return b.star;
    if (!a.zero && !a.star) {
      if (const int c = cmp(a.event->version, b.event->version); c != 0)
        return c < 0;
    }
    return event_rank(a.event->kind) < event_rank(b.event->kind);
  });
  if (failed)
    return std::nullopt;
  Verdict verdict;
  bool has_limit = false;
  bool below_limit = false;
  for (const auto& item : items) {
    const auto& e = *item.event;
    if (e.kind == Event::Kind::limit) {
      has_limit = true;
      if (item.star || cmp(version, e.version) < 0)
        below_limit = true;
      continue;
    }
    const int c = item.zero ? 1 : cmp(version, e.version);
    switch (e.kind) {
    case Event::Kind::introduced:
      if (c >= 0) {
        verdict.affected = true;
        verdict.fixed_version.clear();
      }
      break;
    case Event::Kind::fixed:
      if (c >= 0)
        verdict.affected = false;
      else if (verdict.affected && verdict.fixed_version.empty())
        verdict.fixed_version = e.version;
      break;
    case Event::Kind::last_affected:
      if (c > 0)
        verdict.affected = false;
      break;
    case Event::Kind::limit:
      break;
    }
  }
  if (failed)
    return std::nullopt;
  if (has_limit && !below_limit)
    verdict.affected = false;
  if (!verdict.affected)
    verdict.fixed_version.clear();
  return verdict;
}

std::string_view severity_word(std::string_view text) {
  const auto lower = util::to_lower(util::trim(text));
  if (lower == "critical")
    return "critical";
  if (lower == "high" || lower == "important")
    return "high";
  if (lower == "medium" || lower == "moderate")
    return "medium";
  if (lower == "low")
    return "low";
  if (lower.starts_with("unimportant") || lower == "negligible")
    return "negligible";
  return {};
}

// Debian urgencies carry "*"/"**" marks for data quality; the word is what counts.
std::string_view urgency_word(std::string_view urgency) {
  while (!urgency.empty() && (urgency.back() == '*' || urgency.back() == ' '))
    urgency.remove_suffix(1);
  return severity_word(urgency);
}

std::string state_phrase(const core::Vulnerability& v) {
  if (!v.fixed_version.empty())
    return fmt::format("fixed in {}", v.fixed_version);
  if (v.state == "will_not_fix")
    return "will not be fixed";
  if (v.state == "deferred")
    return "fix deferred";
  if (v.state == "end_of_life")
    return "end of life";
  return "no fix yet";
}

// The ids a vulnerability is known by (its id and aliases), upper-cased.
std::set<std::string> ids_of(const core::Vulnerability& v) {
  std::set<std::string> out{util::to_upper(v.id)};
  for (const auto& a : v.aliases)
    out.insert(util::to_upper(a));
  return out;
}

bool names_vulnerability(const std::set<std::string>& ids, std::string_view id,
                         const std::vector<std::string>& aliases) {
  if (ids.contains(util::to_upper(id)))
    return true;
  return std::any_of(aliases.begin(), aliases.end(),
                     [&](const std::string& a) { return ids.contains(util::to_upper(a)); });
}

bool is_cve_any_case(std::string_view id) {
  return id.size() > 4 && util::iequals(id.substr(0, 4), "CVE-");
}

// What makes a record the vulnerability it is: its id and the CVE ids it
// names, upper-cased (see match_packages).
std::vector<std::string> identity_of(const Advisory& a) {
  std::vector<std::string> out{util::to_upper(a.id)};
  for (const auto& alias : a.aliases)
    if (is_cve_any_case(alias))
      out.push_back(util::to_upper(alias));
  return out;
}

// Every id a record goes by, upper-cased.
std::set<std::string> names_of(const Advisory& a) {
  std::set<std::string> out{util::to_upper(a.id)};
  for (const auto& alias : a.aliases)
    out.insert(util::to_upper(alias));
  return out;
}

// Disjoint sets over record indices.
class Groups {
public:
  explicit Groups(size_t n) : m_parent(n) {
    for (size_t i = 0; i < n; ++i)
      m_parent[i] = i;
  }
  size_t find(size_t i) {
    while (m_parent[i] != i) {
      m_parent[i] = m_parent[m_parent[i]];
      i = m_parent[i];
    }
    return i;
  }
  // Joins the sets of A and B; the lower index stays the root, so a
  // group's root is its most preferred record.
  void join(size_t a, size_t b) {
    a = find(a);
    b = find(b);
    if (a != b)
      m_parent[std::max(a, b)] = std::min(a, b);
  }

private:
  std::vector<size_t> m_parent;
};

// One package's matches, most preferred first, merged into one match per
// vulnerability (the rule is in match_packages' header comment), with
// `related` naming the other matches that share any alias.
std::vector<Match> merge_records(std::vector<Match> found) {
  Groups groups(found.size());
  std::map<std::string, size_t> holder; // identity -> the first record that has it
  for (size_t i = 0; i < found.size(); ++i)
    for (auto& key : identity_of(found[i].advisory)) {
      auto [it, fresh] = holder.try_emplace(std::move(key), i);
      if (!fresh)
        groups.join(it->second, i);
    }
  std::vector<Match> kept;
  std::vector<std::set<std::string>> names; // per kept match: every id of its records
  std::map<size_t, size_t> kept_at;         // group root -> index in kept
  for (size_t i = 0; i < found.size(); ++i) {
    const size_t root = groups.find(i);
    auto record_names = names_of(found[i].advisory);
    if (root == i) {
      kept_at[i] = kept.size();
      kept.push_back(std::move(found[i]));
      names.push_back(std::move(record_names));
      continue;
    }
    // A root precedes its members, so its match is already kept.
    const size_t at = kept_at.at(root);
    kept[at].merged.push_back(std::move(found[i]));
    names[at].merge(record_names);
  }
  for (size_t a = 0; a < kept.size(); ++a)
    for (size_t b = a + 1; b < kept.size(); ++b) {
      const bool shared = std::any_of(names[a].begin(), names[a].end(),
                                      [&](const std::string& n) { return names[b].contains(n); });
      if (!shared)
        continue;
      kept[a].related.push_back(kept[b].advisory.id);
      kept[b].related.push_back(kept[a].advisory.id);
    }
  for (auto& m : kept)
    std::sort(m.related.begin(), m.related.end());
  return kept;
}

} // namespace

std::string distro_ecosystem(const Distro& distro) {
  const auto id = util::to_lower(distro.id);
  if (distro.version.empty())
    return {};
  if (id == "debian") {
    const auto major = distro.version.substr(0, distro.version.find('.'));
    return "Debian:" + major;
  }
  if (id == "ubuntu")
    return "Ubuntu:" + distro.version;
  if (id == "alpine") {
    const auto parts = util::split(distro.version, '.');
    if (parts.size() < 2)
      return {};
    return fmt::format("Alpine:v{}.{}", parts[0], parts[1]);
  }
  return {};
}

Verdict evaluate(const Affected& affected, std::string_view ecosystem, std::string_view version,
                 int* skipped) {
  Verdict out;
  if (affected.state == FixState::not_affected)
    return out;
  const auto eco_scheme = scheme_for_ecosystem(ecosystem);
  for (const auto& v : affected.versions) {
    bool same = v == version;
    if (!same && eco_scheme) {
      auto order = compare(*eco_scheme, v, version);
      same = order && *order == 0;
    }
    if (same) {
      out.affected = true;
      break;
    }
  }
  // Every range that affects the version must be fixed for the version to
  // be fixed: the fix is the highest of theirs, and none if one has none.
  bool unfixed = false;
  std::optional<Scheme> fix_scheme;
  for (const auto& range : affected.ranges) {
    if (range.type == Range::Type::git)
      continue;
    const auto scheme = range_scheme(range.type, ecosystem);
    if (!scheme || check(*scheme, version)) {
      if (skipped != nullptr)
        ++*skipped;
      continue;
    }
    auto verdict = evaluate_range(range, *scheme, version);
    if (!verdict) {
      if (skipped != nullptr)
        ++*skipped;
      continue;
    }
    if (!verdict->affected)
      continue;
    out.affected = true;
    if (verdict->fixed_version.empty()) {
      unfixed = true;
      continue;
    }
    if (!fix_scheme) {
      out.fixed_version = verdict->fixed_version;
      fix_scheme = scheme;
    } else if (auto order = compare(*fix_scheme, verdict->fixed_version, out.fixed_version);
               order && *order > 0) {
      out.fixed_version = verdict->fixed_version;
    }
  }
  if (unfixed)
    out.fixed_version.clear();
  return out;
}

core::Result<MatchResult> match_packages(const Database& db,
                                         std::span<const core::Package> packages,
                                         const Distro& distro, const MatchOptions& options) {
  return match_packages(db, core::PackageSpan(packages), distro, options);
}

core::Result<MatchResult> match_packages(const Database& db, const core::PackageSource& packages,
                                         const Distro& distro, const MatchOptions& options) {
  MatchResult result;
  const auto os_ecosystem = ecosystem_key(distro_ecosystem(distro));
  int no_version = 0;
  int invalid = 0;
  int skipped_ranges = 0;
  int os_owned = 0; // language packages left to the OS package that installed them
  bool os_unmatched = false;
  std::set<std::string> unknown_schemes;
  std::map<std::string, bool> covered; // ecosystem -> the database has advisories for it
  core::Package scratch;
  for (size_t index = 0; index < packages.size(); ++index) {
    const auto& pkg = packages.get(index, scratch);
    std::string ecosystem;
    std::string name;
    std::string version;
    if (core::is_os_package_type(pkg.type)) {
      if (os_ecosystem.empty()) {
        os_unmatched = true;
        continue;
      }
      ecosystem = os_ecosystem;
      // Distribution advisories name source packages and their versions.
      name = pkg.source_name.empty() ? pkg.name : pkg.source_name;
      version = pkg.source_version.empty() ? pkg.version : pkg.source_version;
    } else {
      if (!pkg.installed_by.empty() && !options.include_os_owned) {
        ++os_owned;
        continue;
      }
      ecosystem = pkg.ecosystem;
      name = pkg.type == "maven" && !pkg.namespace_.empty() ? pkg.namespace_ + ":" + pkg.name
                                                            : pkg.name;
      version = pkg.version;
    }
    if (ecosystem.empty())
      continue;
    if (version.empty()) {
      ++no_version;
      continue;
    }
    const auto scheme = scheme_for_ecosystem(ecosystem);
    if (!scheme) {
      unknown_schemes.insert(ecosystem);
      continue;
    }
    if (auto reason = check(*scheme, version)) {
      ++invalid;
      result.notes.push_back(fmt::format("{} {}: not matched: {}", pkg.name, version, *reason));
      continue;
    }
    if (auto [it, fresh] = covered.try_emplace(ecosystem, false); fresh) {
      auto has = db.has_ecosystem(ecosystem);
      if (!has)
        return std::unexpected(has.error());
      it->second = *has;
    }
    if (!covered[ecosystem])
      continue;
    auto candidates = db.lookup(ecosystem, name_key(ecosystem, name));
    if (!candidates)
      return std::unexpected(candidates.error());
    std::vector<Match> found;
    for (auto& c : *candidates) {
      const auto& affected = c.advisory.affected.front();
      auto verdict = evaluate(affected, ecosystem, version, &skipped_ranges);
      if (!verdict.affected)
        continue;
      Match m;
      m.package = index;
      m.feed = c.feed;
      m.ecosystem = ecosystem;
      m.fixed_version = verdict.fixed_version;
      m.state = !verdict.fixed_version.empty()      ? FixState::fixed
                : affected.state == FixState::fixed ? FixState::affected
                                                    : affected.state;
      m.advisory = std::move(c.advisory);
      found.push_back(std::move(m));
    }
    // The distribution's own feed first, then OSV, each in the database's order.
    std::stable_sort(found.begin(), found.end(), [](const Match& a, const Match& b) {
      return (a.feed == "osv") < (b.feed == "osv");
    });
    auto kept = merge_records(std::move(found));
    std::sort(kept.begin(), kept.end(),
              [](const Match& a, const Match& b) { return a.advisory.id < b.advisory.id; });
    for (auto& m : kept)
      result.matches.push_back(std::move(m));
  }
  if (os_unmatched)
    result.notes.push_back(
        distro.id.empty() ? "OS packages were not matched: the operating system is unknown"
                          : fmt::format("OS packages were not matched: no advisory feed for {} {}",
                                        distro.id, distro.version));
  if (os_owned > 0) {
    // Whether the OS packages were checked at all decides what the note can claim.
    bool os_checked = false;
    if (!os_ecosystem.empty()) {
      if (auto it = covered.find(os_ecosystem); it != covered.end()) {
        os_checked = it->second;
      } else {
        auto has = db.has_ecosystem(os_ecosystem);
        if (!has)
          return std::unexpected(has.error());
        os_checked = *has;
      }
    }
    result.notes.push_back(
        os_checked
            ? fmt::format("{} language package(s) installed by OS packages were matched through "
                          "their OS package (--include-os-owned matches them against their "
                          "language advisories too)",
                          os_owned)
            : fmt::format("{} language package(s) installed by OS packages were left to their OS "
                          "package, which was not checked (--include-os-owned matches them "
                          "against their language advisories)",
                          os_owned));
  }
  // A database without the feed gives no findings; that must not read as clean.
  for (const auto& [ecosystem, has] : covered)
    if (!has)
      result.notes.push_back(fmt::format(
          "the database has no advisories for {}: its packages were not checked", ecosystem));
  if (no_version > 0)
    result.notes.push_back(
        fmt::format("{} package(s) without a version were not matched", no_version));
  for (const auto& eco : unknown_schemes)
    result.notes.push_back(fmt::format(
        "{} packages were not matched: moat does not know how {} orders versions", eco, eco));
  if (skipped_ranges > 0)
    result.notes.push_back(
        fmt::format("{} advisory range(s) with versions invalid under their scheme were skipped",
                    skipped_ranges));
  (void)invalid;
  return result;
}

core::Severity core_severity(std::string_view severity) {
  if (severity == "critical")
    return core::Severity::critical;
  if (severity == "high")
    return core::Severity::high;
  if (severity == "low")
    return core::Severity::low;
  if (severity == "negligible")
    return core::Severity::info;
  return core::Severity::medium;
}

void rate(const Match& match, bool os_package, core::Vulnerability& v) {
  const auto& adv = match.advisory;
  const auto& affected = adv.affected.front();
  if (os_package && !affected.severity.empty()) {
    if (auto word = urgency_word(affected.severity); !word.empty()) {
      v.severity = word;
      v.severity_source = match.feed;
    }
  }
  // The most recent CVSS version the advisory gives.
  std::optional<cvss::Score> best;
  std::string best_vector;
  for (std::string_view type : {"CVSS_V4", "CVSS_V3", "CVSS_V2"}) {
    for (const auto& s : adv.severity) {
      if (s.type != type)
        continue;
      if (auto score = cvss::score(s.value)) {
        best = *score;
        best_vector = s.value;
        break;
      }
    }
    if (best)
      break;
  }
  if (best) {
    v.score = best->base;
    v.vector = best_vector;
    if (v.severity.empty()) {
      v.severity = best->rating == "none" ? "negligible" : best->rating;
      v.severity_source = "cvss:" + best->version;
    }
  }
  if (v.severity.empty()) {
    for (const auto& s : adv.severity) {
      if (s.type != "rating")
        continue;
      if (auto word = severity_word(s.value); !word.empty()) {
        v.severity = word;
        v.severity_source = match.feed;
        break;
      }
    }
  }
  if (v.severity.empty() && !affected.severity.empty()) {
    if (auto word = urgency_word(affected.severity); !word.empty()) {
      v.severity = word;
      v.severity_source = match.feed;
    }
  }
  if (v.severity.empty())
    v.severity = "unknown";
}

void add_findings(const MatchResult& result, std::span<const core::Package> packages,
                  const FindingOptions& options, core::TargetReport& report) {
  add_findings(result, core::PackageSpan(packages), options, report);
}

void add_findings(const MatchResult& result, const core::PackageSource& packages,
                  const FindingOptions& options, core::TargetReport& report) {
  const auto today =
      options.today.empty() ? util::format_utc(std::time(nullptr), "%Y-%m-%d") : options.today;
  for (const auto& m : result.matches) {
    if (options.ignore_unfixed && m.fixed_version.empty())
      continue;
    core::Package scratch;
    const auto& pkg = packages.get(m.package, scratch);
    const bool os_package = core::is_os_package_type(pkg.type);
    core::Vulnerability v;
    v.id = m.advisory.id;
    // The record's aliases, then each merged record's id and aliases: a
    // user searching the report for any of them finds this finding. Some
    // advisories list an alias twice, or themselves.
    auto add_alias = [&v](const std::string& alias) {
      const auto same = [&](const std::string& known) { return util::iequals(known, alias); };
      if (!same(v.id) && std::none_of(v.aliases.begin(), v.aliases.end(), same))
        v.aliases.push_back(alias);
    };
    for (const auto& alias : m.advisory.aliases)
      add_alias(alias);
    for (const auto& other : m.merged) {
      add_alias(other.advisory.id);
      for (const auto& alias : other.advisory.aliases)
        add_alias(alias);
    }
    v.related = m.related;
    v.title = m.advisory.summary;
    v.package_name = pkg.name;
    v.package_version = pkg.version;
    v.package_purl = pkg.purl;
    v.package_ecosystem = m.ecosystem;
    v.package_path = pkg.found_at;
    if (!os_package)
      v.installed_by = pkg.installed_by;
    v.fixed_version = m.fixed_version;
    v.state = std::string(to_string(m.state));
    v.source = m.feed;
    auto add_link = [&v](const std::string& link) { // advisories repeat links too
      if (std::find(v.links.begin(), v.links.end(), link) == v.links.end())
        v.links.push_back(link);
    };
    if (m.feed == "osv")
      add_link("https://osv.dev/vulnerability/" + m.advisory.id);
    for (const auto& link : m.advisory.references)
      add_link(link);
    for (const auto& other : m.merged) {
      if (other.feed == "osv")
        add_link("https://osv.dev/vulnerability/" + other.advisory.id);
      for (const auto& link : other.advisory.references)
        add_link(link);
    }
    rate(m, os_package, v);
    // A merged record may carry the rating the primary one lacks.
    for (const auto& other : m.merged) {
      if (v.severity != "unknown")
        break;
      core::Vulnerability rated;
      rate(other, os_package, rated);
      if (rated.severity == "unknown")
        continue;
      v.severity = rated.severity;
      v.severity_source = rated.severity_source;
      v.score = rated.score;
      v.vector = rated.vector;
    }

    // Suppression: the ignore file first, then VEX.
    const auto ids = ids_of(v);
    for (const auto& rule : options.ignores) {
      if (!rule_active(rule, today) || !ids.contains(util::to_upper(rule.id)))
        continue;
      if (!rule.purl.empty() && !purl_covers(rule.purl, pkg.purl))
        continue;
      if (!rule.package.empty() && rule.package != pkg.name && rule.package != pkg.source_name)
        continue;
      if (!rule.path.empty() && !pkg.found_at.starts_with(rule.path))
        continue;
      v.suppressed_by = fmt::format("{}:{}", options.ignore_file, rule.line);
      v.justification = rule.comment;
      break;
    }
    for (const auto& [file, statements] : options.vex) {
      if (!v.suppressed_by.empty())
        break;
      for (const auto& s : statements) {
        if (s.status != "not_affected" || !names_vulnerability(ids, s.vulnerability, s.aliases))
          continue;
        const bool covers =
            std::any_of(s.products.begin(), s.products.end(), [&](const std::string& p) {
              return !pkg.purl.empty() && purl_covers(p, pkg.purl);
            });
        if (!covers)
          continue;
        v.suppressed_by = fmt::format("VEX {}", file);
        v.justification = s.justification;
        if (!s.detail.empty())
          v.justification += v.justification.empty() ? s.detail : ": " + s.detail;
        break;
      }
    }

    const auto severity = core_severity(v.severity);
    core::Finding f;
    f.severity = severity;
    if (pkg.layer >= 0 && static_cast<size_t>(pkg.layer) < options.layers.size())
      f.location = options.layers[static_cast<size_t>(pkg.layer)];
    else {
      f.location.layer = pkg.layer;
      f.location.layer_digest = pkg.layer_digest;
    }
    f.location.file = options.file;
    f.location.path = pkg.found_at;
    f.message = fmt::format("{} {} is affected by {}{}; {}", pkg.name, pkg.version, v.id,
                            v.title.empty() ? "" : " (" + v.title + ")", state_phrase(v));
    if (!v.installed_by.empty())
      f.message += fmt::format(" (installed by the OS package {}, whose distribution may have "
                               "backported the fix)",
                               v.installed_by);
    const bool suppressed = !v.suppressed_by.empty();
    f.vulnerability = core::make_vulnerability(std::move(v), severity);
    f.check = &f.vulnerability->info;
    if (suppressed) {
      ++report.suppressed;
      if (options.show_suppressed)
        report.suppressed_findings.push_back(std::move(f));
      continue;
    }
    report.findings.push_back(std::move(f));
  }
  for (const auto& note : result.notes)
    report.notes.push_back(note);
}

} // namespace moat::vuln
