#include <moat/image/checks.hpp>

#include <moat/dockerfile/lint.hpp>
#include <moat/secrets/engine.hpp>
#include <moat/secrets/rules.hpp>
#include <moat/secrets/secrets.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace moat::image {

namespace {

const core::CheckInfo& info(std::string_view id) {
  const auto table = checks();
  const auto it = std::ranges::lower_bound(table, id, {}, &core::CheckInfo::id);
  return *it; // ids are compile-time constants of this file; a test checks each exists
}

class Reporter {
public:
  Reporter(const ScannedImage& scanned, const core::Policy& policy, core::TargetReport& report)
      : m_scanned(scanned), m_policy(policy), m_report(report) {}

  void add(std::string_view id, std::string message, core::Location location = {},
           std::shared_ptr<const core::SecretDetail> secret = nullptr) {
    add(info(id), std::move(message), std::move(location), std::move(secret));
  }
  void add(const core::CheckInfo& check, std::string message, core::Location location,
           std::shared_ptr<const core::SecretDetail> secret = nullptr) {
    core::Finding f;
    f.check = &check;
    f.severity = m_policy.severity_for(check);
    f.message = std::move(message);
    f.location = std::move(location);
    f.secret = std::move(secret);
    m_report.findings.push_back(std::move(f));
  }

  // A location naming the layer (and its history entry) and PATH.
  [[nodiscard]] core::Location at_layer(int layer, std::string_view path = {}) const {
    core::Location loc;
    if (!path.empty())
      loc.path = "/" + std::string(path);
    if (layer >= 0 && static_cast<std::size_t>(layer) < m_scanned.image.layers.size() &&
        !m_scanned.image.is_directory) {
      const auto& l = m_scanned.image.layers[static_cast<std::size_t>(layer)];
      loc.layer = layer;
      loc.layer_digest = l.digest;
      loc.history = l.history;
      if (l.history >= 0)
        loc.created_by = m_scanned.image.history[static_cast<std::size_t>(l.history)].created_by;
    }
    return loc;
  }
  [[nodiscard]] core::Location at_history(int history) const {
    core::Location loc;
    loc.history = history;
    const auto& entry = m_scanned.image.history[static_cast<std::size_t>(history)];
    loc.created_by = entry.created_by;
    for (std::size_t l = 0; l < m_scanned.image.layers.size(); ++l)
      if (m_scanned.image.layers[l].history == history) {
        loc.layer = static_cast<int>(l);
        loc.layer_digest = m_scanned.image.layers[l].digest;
      }
    return loc;
  }
  // "layer 3 (RUN apt-get ...)" for messages.
  [[nodiscard]] std::string describe_layer(int layer) const {
    if (m_scanned.image.is_directory || layer < 0)
      return "the root file system";
    const auto& l = m_scanned.image.layers[static_cast<std::size_t>(layer)];
    std::string text = fmt::format("layer {} ({})", layer + 1, short_digest(l.digest));
    if (l.history >= 0) {
      auto by = std::string(
          util::trim(m_scanned.image.history[static_cast<std::size_t>(l.history)].created_by));
      if (by.size() > 80)
        by = by.substr(0, 77) + "...";
      if (!by.empty())
        text += fmt::format(" created by: {}", by);
    }
    return text;
  }
  static std::string short_digest(std::string_view digest) {
    return std::string(digest.substr(0, std::min<std::size_t>(digest.size(), 19)));
  }

private:
  const ScannedImage& m_scanned;
  const core::Policy& m_policy;
  core::TargetReport& m_report;
};

// --------------------------------------------------------------------------
// Configuration

void check_config(const ScannedImage& scanned, Reporter& r) {
  const auto& image = scanned.image;
  if (image.is_directory)
    return;
  const auto& c = image.config;
  const auto user = c.user.substr(0, c.user.find(':'));
  if (user.empty() || user == "root" || user == "0")
    r.add("IM001", user.empty() ? "the image sets no user, so it runs as root"
                                : fmt::format("the image runs as user '{}'", c.user));
  if (!c.healthcheck || c.healthcheck->empty() ||
      (c.healthcheck->size() == 1 && c.healthcheck->front() == "NONE"))
    r.add("IM002", c.healthcheck && !c.healthcheck->empty() ? "the health check is disabled (NONE)"
                                                            : "the image has no HEALTHCHECK");
  for (const auto& pair : c.env) {
    const auto eq = pair.find('=');
    const auto name = std::string_view(pair).substr(0, eq);
    const auto value =
        eq == std::string::npos ? std::string_view() : std::string_view(pair).substr(eq + 1);
    // The secret engine reads NAME=value (its generic rule needs the name).
    if (const auto hit = secrets::first_secret(pair, "ENV")) {
      r.add("IM003", fmt::format("ENV {} holds a {}", name, secrets::describe(*hit)));
    } else if (secrets::is_secret_name(name) && !value.empty()) {
      r.add("IM004", fmt::format("ENV {} looks like a secret ({})", name, secrets::redact(value)));
    }
  }
  // Labels are published with the image too. (The build history is read
  // as a Dockerfile by the Dockerfile checks, whose DF064 reports secrets.)
  for (const auto& [key, value] : c.labels) {
    std::string pair = key;
    pair += '=';
    pair += value;
    const auto found = secrets::scan_text(pair, "LABEL");
    if (found)
      for (const auto& hit : *found)
        r.add(secrets::check_of(*hit.rule),
              fmt::format("LABEL {}: {} ({}); fingerprint {}", key,
                          secrets::check_of(*hit.rule).title, hit.redacted, hit.fingerprint),
              {});
  }
  for (const auto& volume : c.volumes) {
    std::string v = volume;
    while (v.size() > 1 && v.back() == '/')
      v.pop_back();
    if (v == "/" || v == "/sys" || v == "/dev" || v == "/proc" || v.starts_with("/sys/") ||
        v.starts_with("/dev/") || v.starts_with("/proc/"))
      r.add("IM006", fmt::format("VOLUME {}", volume));
  }
  for (const auto& port : c.exposed_ports)
    if (port == "22" || port.starts_with("22/"))
      r.add("IM009", fmt::format("the image exposes {}", port));
  for (const auto& tag : image.tags) {
    const auto slash = tag.rfind('/');
    const auto colon = tag.rfind(':');
    if (tag.find('@') == std::string::npos &&
        (colon == std::string::npos || (slash != std::string::npos && colon < slash) ||
         tag.substr(colon + 1) == "latest"))
      r.add("IM008", fmt::format("the image is tagged '{}'", tag));
  }
}

// --------------------------------------------------------------------------
// History

void check_history(const ScannedImage& scanned, const core::Policy& policy, Reporter& r) {
  const auto& history = scanned.image.history;
  if (history.empty())
    return;
  // The first layer's ADD is how base images are made ("ADD file:... in /").
  int base_history = -1;
  if (!scanned.image.layers.empty())
    base_history = scanned.image.layers.front().history;
  for (std::size_t h = 0; h < history.size(); ++h) {
    const auto ins = instruction_from_history(history[h].created_by);
    if (ins.starts_with("ADD ") && static_cast<int>(h) != base_history)
      r.add("IM005", fmt::format("history: {}", ins.size() > 100 ? ins.substr(0, 97) + "..." : ins),
            r.at_history(static_cast<int>(h)));
  }
  auto df = history_dockerfile(history);
  core::Policy lint_policy = policy;
  lint_policy.ignores.clear(); // the caller applies the policy to the whole report
  auto report = dockerfile::lint(dockerfile::LintInput{scanned.image.name, df.text, std::nullopt},
                                 lint_policy);
  // History text is not always a valid Dockerfile (old builders recorded
  // LABEL values unquoted, say): a line the parser rejects becomes a comment,
  // so line numbers still map to history entries, and the rest is linted.
  for (int retry = 0; !report && retry < 32; ++retry) {
    const int bad = report.error().line;
    if (bad < 2 || static_cast<std::size_t>(bad) > df.lines.size())
      return;
    auto lines = util::split(df.text, '\n');
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i + 1 == lines.size() && lines[i].empty())
        break;
      text += static_cast<int>(i + 1) == bad ? std::string("#") : std::string(lines[i]);
      text += '\n';
    }
    df.text = std::move(text);
    report = dockerfile::lint(dockerfile::LintInput{scanned.image.name, df.text, std::nullopt},
                              lint_policy);
  }
  if (!report)
    return;
  // Checks that concern the file as a whole, its FROM line, or style: they
  // say nothing true about a history, or the image checks say it better.
  static const std::set<std::string_view> k_skip = {
      // A history holds the base image's CMD, ENTRYPOINT and HEALTHCHECK
      // as well as the application's, so "several in a stage" is normal.
      "DF013", "DF054", "DF055", "DF003", "DF004", "DF007", "DF008", "DF020", "DF025", "DF026",
      "DF047", "DF048", "DF050", "DF060", "DF062", "DF066", "DF073", "DF074", "DF075", "DF076",
      "DF077", "DF078", "DF079", "DF081", "DF082", "DF083", "DF084", "DF089", "DF097",
      // The label schema applies to the image's labels, and the user to its config.
      "DF111", "DF120", "DF125", "DF127", "DF129"};
  for (auto& f : report->findings) {
    if (f.check == nullptr || k_skip.contains(f.check->id))
      continue;
    const int line = f.location.line;
    if (line < 2 || static_cast<std::size_t>(line) > df.lines.size())
      continue;
    const int h = df.lines[static_cast<std::size_t>(line - 1)];
    if (h < 0)
      continue;
    const auto ins = instruction_from_history(history[static_cast<std::size_t>(h)].created_by);
    // The image config is checked for ENV secrets already.
    if ((f.check->id == "DF063" || f.check->id == "DF064" || f.check->id == "DF126") &&
        ins.starts_with("ENV "))
      continue;
    r.add(*f.check, "history: " + f.message, r.at_history(h));
  }
}

// --------------------------------------------------------------------------
// Files

bool is_cache_path(std::string_view p) {
  return (p.starts_with("var/cache/apt/archives/") && p.ends_with(".deb")) ||
         (p.starts_with("var/cache/apk/") && p.ends_with(".tar.gz")) ||
         p.starts_with("root/.cache/pip/") || p.starts_with("root/.npm/_cacache/") ||
         (p.starts_with("var/cache/yum/") && p.ends_with(".rpm")) ||
         (p.starts_with("var/cache/dnf/") && p.ends_with(".rpm"));
}

// The top-level directory that names a cache, for one finding per cache.
std::string cache_root(std::string_view p) {
  for (std::string_view root : {"var/cache/apt/archives", "var/cache/apk", "root/.cache/pip",
                                "root/.npm/_cacache", "var/cache/yum", "var/cache/dnf"})
    if (p.starts_with(root))
      return std::string(root);
  return std::string(p);
}

// What makes a captured credential file worth reporting; empty when it holds nothing.
std::string credential_problem(std::string_view path, std::string_view content) {
  const auto slash = path.rfind('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (util::trim(content).empty())
    return {};
  if (name == ".npmrc")
    return content.find("_authToken") != std::string_view::npos ||
                   content.find("_auth") != std::string_view::npos ||
                   content.find("_password") != std::string_view::npos
               ? "an .npmrc with a registry token"
               : std::string();
  if (path.ends_with(".docker/config.json"))
    return content.find("\"auth\"") != std::string_view::npos ||
                   content.find("identitytoken") != std::string_view::npos
               ? "a Docker config.json with registry credentials"
               : std::string();
  if (name == ".git-credentials")
    return "a .git-credentials file";
  if (path.ends_with(".aws/credentials"))
    return content.find("aws_secret_access_key") != std::string_view::npos ||
                   content.find("aws_access_key_id") != std::string_view::npos
               ? "AWS credentials"
               : std::string();
  if (name.starts_with("id_"))
    return "an SSH private key";
  if (name == ".env") {
    for (auto line : util::split(content, '\n')) {
      line = util::trim(line);
      if (line.starts_with("export "))
        line.remove_prefix(7);
      const auto eq = line.find('=');
      if (eq == std::string_view::npos || line.starts_with('#'))
        continue;
      const auto value = util::trim(line.substr(eq + 1));
      if ((secrets::is_secret_name(util::trim(line.substr(0, eq))) && !value.empty() &&
           value != "\"\"" && value != "''") ||
          secrets::first_secret(line))
        return "a .env file with secrets";
    }
    return {};
  }
  if (name == ".pypirc")
    return content.find("password") != std::string_view::npos ? "a .pypirc with a password"
                                                              : std::string();
  if (name == ".netrc")
    return content.find("password") != std::string_view::npos ? "a .netrc with a password"
                                                              : std::string();
  if (name == ".pgpass")
    return "a PostgreSQL .pgpass file";
  return {};
}

// Whether RULE finds private keys (PEM blocks, PuTTY key files).
bool is_key_rule(const secrets::Rule& rule) {
  return rule.confirm == secrets::Confirm::pem || rule.confirm == secrets::Confirm::putty;
}

// The kind of key a key rule's redacted match shows: "-----BEGIN RSA
// PRIVATE KEY----- MIIE****" is an "RSA private key".
std::string key_kind(std::string_view redacted) {
  if (redacted.starts_with("PuTTY"))
    return "PuTTY private key";
  constexpr std::string_view begin = "-----BEGIN ";
  if (!redacted.starts_with(begin))
    return "private key";
  auto label = redacted.substr(begin.size());
  label = label.substr(0, label.find("-----"));
  const auto at = label.find("PRIVATE KEY");
  const auto prefix = label.substr(0, at == std::string_view::npos ? 0 : at);
  if (prefix.empty())
    return "private key";
  if (prefix == "OPENSSH ")
    return "OpenSSH private key";
  if (prefix == "ENCRYPTED ")
    return "encrypted private key";
  return fmt::format("{}private key", prefix);
}

std::string_view article(std::string_view noun) {
  return !noun.empty() && std::string_view("AEIOU").find(noun.front()) != std::string_view::npos
             ? "an"
             : "a";
}

void check_files(const ScannedImage& scanned, const UnionView& view, const Inventory& inventory,
                 Reporter& r) {
  const auto& layers = scanned.layers;
  std::map<std::string, int> caches; // cache directory -> a layer that filled it
  std::set<std::string> unneeded;
  bool apt_lists = false;
  int apt_lists_layer = -1;
  // Visible files, in a stable order for the report.
  auto visible = view.visible();
  std::ranges::sort(
      visible, [&](EntryRef a, EntryRef b) { return view.entry(a).path < view.entry(b).path; });
  for (const auto ref : visible) {
    const auto& e = view.entry(ref);
    const auto& path = e.path;
    if (e.type == EntryType::file && (e.mode & 06000U) != 0) {
      auto owner = inventory.owners.find(path);
      // Merged-/usr systems: dpkg lists /bin/su for the file at /usr/bin/su.
      if (owner == inventory.owners.end() && path.starts_with("usr/"))
        owner = inventory.owners.find(path.substr(4));
      r.add("IM010",
            fmt::format("/{} is {} (mode {:04o}, owner {}:{}{})", path,
                        (e.mode & 06000U) == 06000U ? "setuid and setgid"
                        : (e.mode & 04000U) != 0    ? "setuid"
                                                    : "setgid",
                        e.mode, e.uid, e.gid,
                        owner != inventory.owners.end() ? ", package " + owner->second
                                                        : std::string()),
            r.at_layer(ref.layer, path));
    }
    if ((e.type == EntryType::file && (e.mode & 0002U) != 0) ||
        (e.type == EntryType::directory && (e.mode & 0002U) != 0 && (e.mode & 01000U) == 0))
      r.add(
          "IM011",
          fmt::format("/{} is a world-writable {} (mode {:04o})", path,
                      e.type == EntryType::directory ? "directory without the sticky bit" : "file",
                      e.mode),
          r.at_layer(ref.layer, path));
    if (e.type == EntryType::file && path.starts_with("var/lib/apt/lists/") && e.size > 0 &&
        path.find("/partial/") == std::string::npos && !path.ends_with("/lock")) {
      apt_lists = true;
      apt_lists_layer = std::max(apt_lists_layer, ref.layer);
    }
    if (e.type == EntryType::file && is_cache_path(path))
      caches.try_emplace(cache_root(path), ref.layer);
    const auto slash = path.rfind('/');
    const auto base = slash == std::string::npos ? std::string_view(path)
                                                 : std::string_view(path).substr(slash + 1);
    if ((e.type == EntryType::directory && (base == ".git" || base == ".svn")) ||
        (e.type == EntryType::file && (base == "Dockerfile" || base == ".DS_Store")))
      if (!path.starts_with("usr/share/") && !path.starts_with("usr/lib/"))
        unneeded.insert(path);
  }
  if (apt_lists)
    r.add("IM007", "/var/lib/apt/lists holds package indexes",
          r.at_layer(apt_lists_layer, "var/lib/apt/lists"));
  for (const auto& [c, layer] : caches)
    r.add("IM017", fmt::format("/{} holds a package cache", c), r.at_layer(layer, c));
  for (const auto& u : unneeded)
    r.add("IM018", fmt::format("/{} should not be in the image", u),
          r.at_layer(view.find_ref(u)->layer, u));

  // Keys and credential files, in every layer: visible ones, and the ones a
  // later layer only hid.
  // True when layer BY put an entry at PATH itself (rather than deleting it).
  auto replaced_in = [&](int by, std::string_view path) {
    for (const auto& other : layers[static_cast<std::size_t>(by)].entries)
      if (other.path == path)
        return other.type != EntryType::whiteout;
    return false;
  };
  // The detail of a secret finding: the engine's hit (none for a
  // credential file) and the layer that hid the file (-1: none).
  auto secret_detail = [&](const SecretHit* hit, std::string_view rule, int by,
                           std::string_view path) {
    auto d = std::make_shared<core::SecretDetail>();
    d->rule = rule;
    if (hit != nullptr) {
      d->redacted = hit->redacted;
      d->fingerprint = hit->fingerprint;
    }
    if (by >= 0) {
      d->shadowed_by = by;
      d->shadowed_digest = layers[static_cast<std::size_t>(by)].digest;
      d->shadowed_how = replaced_in(by, path) ? "overwritten" : "deleted";
    }
    return d;
  };
  auto report_secret = [&](int l, std::size_t entry, const std::string& what,
                           std::string_view visible_id, const SecretHit* hit = nullptr) {
    const auto& e = layers[static_cast<std::size_t>(l)].entries[entry];
    const int by = view.hidden_by(l, entry);
    const std::string_view rule = hit != nullptr ? hit->rule->id : visible_id;
    if (by == -1) {
      r.add(visible_id, fmt::format("/{}: {}, added in {}", e.path, what, r.describe_layer(l)),
            r.at_layer(l, e.path), secret_detail(hit, rule, by, e.path));
    } else if (by >= 0) {
      r.add("IM014",
            fmt::format("/{}: {} added in {} and {} in {}; it is still in the image", e.path, what,
                        r.describe_layer(l), replaced_in(by, e.path) ? "overwritten" : "deleted",
                        r.describe_layer(by)),
            r.at_layer(l, e.path), secret_detail(hit, rule, by, e.path));
    }
  };
  for (std::size_t l = 0; l < layers.size(); ++l) {
    // Private keys (the engine's key rules) are IM012: one per file.
    std::set<std::size_t> keyed;
    for (const auto& hit : layers[l].secrets)
      if (hit.rule != nullptr && is_key_rule(*hit.rule) && keyed.insert(hit.entry).second)
        report_secret(static_cast<int>(l), hit.entry,
                      fmt::format("{} {}", article(key_kind(hit.redacted)), key_kind(hit.redacted)),
                      "IM012", &hit);
    for (const auto& c : layers[l].captured) {
      if (keyed.contains(c.entry))
        continue; // already reported as a key
      const auto& e = layers[l].entries[c.entry];
      if (capture_kind(e.path) != Capture::credential)
        continue;
      const auto problem = credential_problem(e.path, c.content);
      if (!problem.empty()) {
        keyed.insert(c.entry);
        report_secret(static_cast<int>(l), c.entry, problem, "IM013");
      }
    }
    // What the secret engine found in every file's bytes: under the rule's
    // own id (SE...) where the file is visible, IM014 where a later layer
    // deleted or overwrote it. A file already reported as a key or a
    // credential file is not reported twice.
    for (const auto& hit : layers[l].secrets) {
      if (keyed.contains(hit.entry) || hit.rule == nullptr)
        continue;
      const auto& e = layers[l].entries[hit.entry];
      const auto& check = secrets::check_of(*hit.rule);
      const int by = view.hidden_by(static_cast<int>(l), hit.entry);
      auto loc = r.at_layer(static_cast<int>(l), e.path);
      loc.line = static_cast<int>(hit.line);
      loc.column = static_cast<int>(hit.column);
      if (by == -1) {
        r.add(check,
              fmt::format("/{}:{}:{}: {} ({}), added in {}; fingerprint {}", e.path, hit.line,
                          hit.column, check.title, hit.redacted,
                          r.describe_layer(static_cast<int>(l)), hit.fingerprint),
              loc, secret_detail(&hit, hit.rule->id, by, e.path));
      } else if (by >= 0) {
        r.add("IM014",
              fmt::format("/{}:{}:{}: {} ({}, {}) added in {} and {} in {}; it is still in the "
                          "image",
                          e.path, hit.line, hit.column, check.title, check.id, hit.redacted,
                          r.describe_layer(static_cast<int>(l)),
                          replaced_in(by, e.path) ? "overwritten" : "deleted",
                          r.describe_layer(by)),
              loc, secret_detail(&hit, hit.rule->id, by, e.path));
      }
    }
  }

  // Accounts.
  auto visible_content = [&](std::string_view path) -> const std::string* {
    const auto ref = view.find_ref(path);
    if (!ref)
      return nullptr;
    for (const auto& c : layers[static_cast<std::size_t>(ref->layer)].captured)
      if (c.entry == ref->entry)
        return &c.content;
    return nullptr;
  };
  if (const auto* shadow = visible_content("etc/shadow")) {
    int line_no = 0;
    for (auto line : util::split(*shadow, '\n')) {
      ++line_no;
      const auto fields = util::split(line, ':');
      if (fields.size() >= 2 && !fields[0].empty() && fields[1].empty()) {
        auto loc = r.at_layer(view.find_ref("etc/shadow")->layer, "etc/shadow");
        loc.line = line_no;
        r.add("IM015", fmt::format("user '{}' has an empty password in /etc/shadow", fields[0]),
              loc);
      }
    }
  }
  for (const auto& [file, what] :
       {std::pair<std::string_view, std::string_view>{"etc/passwd", "UID"}, {"etc/group", "GID"}}) {
    const auto* content = visible_content(file);
    if (content == nullptr)
      continue;
    std::map<std::string, std::vector<std::string>, std::less<>> by_id;
    for (auto line : util::split(*content, '\n')) {
      const auto fields = util::split(line, ':');
      if (fields.size() >= 3 && !fields[0].empty() && !fields[0].starts_with('#') &&
          !fields[0].starts_with('+'))
        by_id[std::string(fields[2])].emplace_back(fields[0]);
    }
    for (const auto& [id, names] : by_id)
      if (names.size() > 1)
        r.add("IM016",
              fmt::format("{} {} is shared by {} in /{}", what, id, fmt::join(names, ", "), file),
              r.at_layer(view.find_ref(file)->layer, file));
  }

  // Hostile entries.
  for (std::size_t l = 0; l < layers.size(); ++l)
    for (const auto& a : layers[l].anomalies)
      r.add("IM019", fmt::format("'{}': {}", a.path, a.problem), r.at_layer(static_cast<int>(l)));
}

void check_unread(const Inventory& inventory, Reporter& r) {
  for (const auto& u : inventory.unread)
    r.add("IM020",
          fmt::format("package database too large to read: {}, {} bytes (the limit is {})", u.path,
                      u.size, u.limit),
          r.at_layer(u.layer, std::string_view(u.path).substr(1)));
}

} // namespace

std::string instruction_from_history(std::string_view created_by) {
  auto text = util::trim(created_by);
  if (text.ends_with("# buildkit"))
    text = util::trim_right(text.substr(0, text.size() - 10));
  // Build arguments of a RUN: "|2 A=1 B=2 /bin/sh -c ...".
  auto strip_args = [](std::string_view s) {
    if (!s.starts_with('|'))
      return s;
    std::size_t i = 1;
    int count = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (count < 100000) // far more arguments than any text holds
        count = count * 10 + (s[i] - '0');
      ++i;
    }
    s.remove_prefix(i);
    for (int n = 0; n < count && !s.empty(); ++n) {
      s = util::trim_left(s);
      const auto space = s.find(' ');
      s = space == std::string_view::npos ? std::string_view() : s.substr(space);
    }
    return util::trim_left(s);
  };
  if (text.starts_with("RUN ")) {
    auto body = strip_args(util::trim_left(text.substr(4)));
    if (body.starts_with("/bin/sh -c "))
      body.remove_prefix(11);
    return "RUN " + std::string(body);
  }
  text = strip_args(text);
  if (text.starts_with("/bin/sh -c #(nop) ")) {
    auto body = util::trim(text.substr(18));
    // The classic builder prints HEALTHCHECK as a Go struct ("&{[...] 30s ...}").
    if (body.starts_with("HEALTHCHECK &{"))
      return {};
    // ... and SHELL as a Go slice: "SHELL [/bin/bash -o pipefail -c]".
    if (body.starts_with("SHELL [") && body.ends_with(']') &&
        body.find('"') == std::string_view::npos) {
      std::vector<std::string> items;
      for (auto item : util::split(body.substr(7, body.size() - 8), ' '))
        if (!item.empty())
          items.push_back(fmt::format("\"{}\"", item));
      return fmt::format("SHELL [{}]", fmt::join(items, ", "));
    }
    // "ADD file:abc in /dest" and "COPY dir:abc in /dest".
    if (body.starts_with("ADD ") || body.starts_with("COPY ")) {
      const auto in = body.find(" in ");
      if (in != std::string_view::npos)
        return fmt::format("{} {}", body.substr(0, in), util::trim(body.substr(in + 4)));
    }
    return std::string(body);
  }
  if (text.starts_with("/bin/sh -c "))
    return "RUN " + std::string(text.substr(11));
  static constexpr std::array<std::string_view, 14> k_keywords = {
      "ADD ",   "ARG ",     "CMD ",   "COPY ",       "ENTRYPOINT ", "ENV ",    "EXPOSE ",
      "LABEL ", "ONBUILD ", "SHELL ", "STOPSIGNAL ", "USER ",       "VOLUME ", "WORKDIR "};
  for (const auto k : k_keywords)
    if (text.starts_with(k)) {
      // BuildKit records EXPOSE and VOLUME as Go maps: "EXPOSE map[22/tcp:{}]".
      if ((k == "EXPOSE " || k == "VOLUME ") && text.substr(k.size()).starts_with("map[")) {
        auto inner = text.substr(k.size() + 4);
        if (inner.ends_with(']'))
          inner.remove_suffix(1);
        std::string out(k);
        for (auto item : util::split(inner, ' ')) {
          const auto colon = item.rfind(":{}");
          out += std::string(colon == std::string_view::npos ? item : item.substr(0, colon)) + " ";
        }
        return std::string(util::trim_right(out));
      }
      return std::string(text);
    }
  return {};
}

HistoryDockerfile history_dockerfile(const std::vector<HistoryEntry>& history) {
  HistoryDockerfile out;
  out.text = "FROM scratch\n";
  out.lines.push_back(-1);
  for (std::size_t h = 0; h < history.size(); ++h) {
    auto ins = instruction_from_history(history[h].created_by);
    if (ins.empty() || ins.starts_with("FROM ") || ins.starts_with("ONBUILD "))
      continue;
    // One physical line per entry so line numbers map back to the history.
    std::string line;
    for (const char c : ins)
      line += (c == '\n' || c == '\r') ? ' ' : c;
    // A trailing backslash would continue onto the next entry.
    while (!line.empty() && line.back() == '\\')
      line.pop_back();
    out.text += line + "\n";
    out.lines.push_back(static_cast<int>(h));
  }
  return out;
}

core::TargetReport check_image(const ScannedImage& scanned, const UnionView& view,
                               const Inventory& inventory, const core::Policy& policy) {
  core::TargetReport report;
  report.target = scanned.image.name;
  report.kind = "image";
  Reporter r(scanned, policy, report);
  check_config(scanned, r);
  check_history(scanned, policy, r);
  check_files(scanned, view, inventory, r);
  check_unread(inventory, r);
  return report;
}

void add_unread_findings(const ScannedImage& scanned, const Inventory& inventory,
                         const core::Policy& policy, core::TargetReport& report) {
  Reporter r(scanned, policy, report);
  check_unread(inventory, r);
}

} // namespace moat::image
