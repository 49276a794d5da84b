// Reading Docker and OCI seccomp profiles, and resolving Docker's
// conditions the way dockerd does before it hands a profile to the runtime.

#include <moat/seccomp/seccomp.hpp>

#include <moat/core/json_read.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/utsname.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>

namespace moat::seccomp {

namespace {

constexpr auto k_actions = std::to_array<std::string_view>(
    {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
     "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"});

constexpr auto k_arches = std::to_array<std::string_view>(
    {"SCMP_ARCH_AARCH64",     "SCMP_ARCH_ARM",       "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_MIPS",
     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",      "SCMP_ARCH_MIPSEL64",
     "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",    "SCMP_ARCH_PPC",
     "SCMP_ARCH_PPC64",       "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_RISCV64",     "SCMP_ARCH_S390",
     "SCMP_ARCH_S390X",       "SCMP_ARCH_X32",       "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64"});

constexpr auto k_operators =
    std::to_array<std::string_view>({"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                                     "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"});

// Go's architecture names (as in includes.arches) and the native
// SCMP_ARCH_ name dockerd maps each to.
constexpr auto k_go_arches = std::to_array<std::pair<std::string_view, std::string_view>>({
    {"386", "SCMP_ARCH_X86"},
    {"amd64", "SCMP_ARCH_X86_64"},
    {"arm", "SCMP_ARCH_ARM"},
    {"arm64", "SCMP_ARCH_AARCH64"},
    {"loong64", "SCMP_ARCH_LOONGARCH64"},
    {"mips", "SCMP_ARCH_MIPS"},
    {"mips64", "SCMP_ARCH_MIPS64"},
    {"mips64le", "SCMP_ARCH_MIPSEL64"},
    {"mipsle", "SCMP_ARCH_MIPSEL"},
    {"ppc", "SCMP_ARCH_PPC"},
    {"ppc64", "SCMP_ARCH_PPC64"},
    {"ppc64le", "SCMP_ARCH_PPC64LE"},
    {"riscv64", "SCMP_ARCH_RISCV64"},
    {"s390", "SCMP_ARCH_S390"},
    {"s390x", "SCMP_ARCH_S390X"},
});

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::ranges::find(list, value) != list.end();
}

// "major.minor[.patch...]" as a comparable pair; {0,0} when unreadable.
std::pair<int, int> kernel_version(std::string_view text) {
  int major = 0;
  int minor = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), major);
  if (ec == std::errc{} && p < text.data() + text.size() && *p == '.')
    std::from_chars(p + 1, text.data() + text.size(), minor);
  return {major, minor};
}

// Reads one argument condition at WHERE.
core::Result<ArgCondition> read_condition(const core::JsonReader& in, const nlohmann::json& arg,
                                          const std::string& where) {
  if (!arg.is_object())
    return in.error(where, "an argument condition must be an object");
  ArgCondition c;
  auto number = [&](const char* key, std::uint64_t& out) -> core::Status {
    auto it = arg.find(key);
    if (it == arg.end() || it->is_null())
      return {};
    if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<std::int64_t>() >= 0))
      return in.error(where, fmt::format("{} must be a whole number from 0 to 2^64-1", key));
    out = it->get<std::uint64_t>();
    return {};
  };
  std::uint64_t index = 0;
  if (auto st = number("index", index); !st)
    return std::unexpected(st.error());
  if (index > 0xffffffffU)
    return in.error(where, "index is out of range");
  c.index = static_cast<std::uint32_t>(index);
  if (auto st = number("value", c.value); !st)
    return std::unexpected(st.error());
  if (auto st = number("valueTwo", c.value_two); !st)
    return std::unexpected(st.error());
  auto op = in.string(arg, "op", where);
  if (!op)
    return std::unexpected(op.error());
  c.op = std::move(*op);
  return c;
}

core::Result<Filter> read_filter(const core::JsonReader& in, const nlohmann::json& rule,
                                 const char* key, const std::string& where) {
  auto object = in.object(rule, key, where);
  if (!object)
    return std::unexpected(object.error());
  Filter f;
  if (*object == nullptr)
    return f;
  const std::string inner = where + "/" + key;
  auto caps = in.strings(**object, "caps", inner);
  if (!caps)
    return std::unexpected(caps.error());
  auto arches = in.strings(**object, "arches", inner);
  if (!arches)
    return std::unexpected(arches.error());
  auto kernel = in.string(**object, "minKernel", inner);
  if (!kernel)
    return std::unexpected(kernel.error());
  f.caps = std::move(*caps);
  f.arches = std::move(*arches);
  f.min_kernel = std::move(*kernel);
  return f;
}

core::Result<std::optional<std::int64_t>> read_errno(const core::JsonReader& in,
                                                     const nlohmann::json& object, const char* key,
                                                     const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return std::optional<std::int64_t>{};
  if (!it->is_number_integer())
    return in.error(where, fmt::format("{} must be a whole number", key));
  return std::optional<std::int64_t>{it->get<std::int64_t>()};
}

core::Result<Rule> read_rule(const core::JsonReader& in, const nlohmann::json& object,
                             const std::string& where) {
  if (!object.is_object())
    return in.error(where, "a syscalls entry must be an object");
  Rule r;
  r.pointer = where;
  auto names = in.strings(object, "names", where);
  if (!names)
    return std::unexpected(names.error());
  auto name = in.string(object, "name", where);
  if (!name)
    return std::unexpected(name.error());
  if (!name->empty() && !names->empty())
    return in.error(where, "both name and names are given; dockerd refuses that");
  r.names = name->empty() ? std::move(*names) : std::vector<std::string>{std::move(*name)};
  auto comment = in.string(object, "comment", where);
  if (!comment)
    return std::unexpected(comment.error());
  r.comment = std::move(*comment);
  auto action = in.string(object, "action", where);
  if (!action)
    return std::unexpected(action.error());
  if (action->empty())
    return in.error(where, "action is missing");
  r.action = std::move(*action);
  auto err = read_errno(in, object, "errnoRet", where);
  if (!err)
    return std::unexpected(err.error());
  r.errno_ret = *err;
  auto args = in.array(object, "args", where);
  if (!args)
    return std::unexpected(args.error());
  if (*args != nullptr) {
    for (std::size_t i = 0; i < (*args)->size(); ++i) {
      auto c = read_condition(in, (**args)[i], fmt::format("{}/args/{}", where, i));
      if (!c)
        return std::unexpected(c.error());
      r.args.push_back(std::move(*c));
    }
  }
  auto includes = read_filter(in, object, "includes", where);
  if (!includes)
    return std::unexpected(includes.error());
  auto excludes = read_filter(in, object, "excludes", where);
  if (!excludes)
    return std::unexpected(excludes.error());
  r.includes = std::move(*includes);
  r.excludes = std::move(*excludes);
  return r;
}

core::Result<Profile> read_profile(const core::JsonReader& in, const nlohmann::json& object,
                                   const std::string& base) {
  Profile p;
  p.pointer = base;
  const std::string where = base.empty() ? "/" : base;
  auto action = in.string(object, "defaultAction", where);
  if (!action)
    return std::unexpected(action.error());
  if (action->empty())
    return in.error(where, "defaultAction is missing; this is not a seccomp profile");
  p.default_action = std::move(*action);
  auto err = read_errno(in, object, "defaultErrnoRet", where);
  if (!err)
    return std::unexpected(err.error());
  p.default_errno = *err;
  auto arches = in.strings(object, "architectures", where);
  if (!arches)
    return std::unexpected(arches.error());
  p.architectures = std::move(*arches);
  auto flags = in.strings(object, "flags", where);
  if (!flags)
    return std::unexpected(flags.error());
  p.flags = std::move(*flags);
  auto map = in.array(object, "archMap", where);
  if (!map)
    return std::unexpected(map.error());
  if (*map != nullptr) {
    if (!p.architectures.empty())
      return in.error(where, "both architectures and archMap are given; dockerd refuses that");
    for (std::size_t i = 0; i < (*map)->size(); ++i) {
      const auto& entry = (**map)[i];
      const std::string at = fmt::format("{}/archMap/{}", base, i);
      if (!entry.is_object())
        return in.error(at, "an archMap entry must be an object");
      auto arch = in.string(entry, "architecture", at);
      if (!arch)
        return std::unexpected(arch.error());
      auto subs = in.strings(entry, "subArchitectures", at);
      if (!subs)
        return std::unexpected(subs.error());
      p.arch_map.push_back({std::move(*arch), std::move(*subs)});
    }
  }
  auto rules = in.array(object, "syscalls", where);
  if (!rules)
    return std::unexpected(rules.error());
  if (*rules != nullptr) {
    for (std::size_t i = 0; i < (*rules)->size(); ++i) {
      auto rule = read_rule(in, (**rules)[i], fmt::format("{}/syscalls/{}", base, i));
      if (!rule)
        return std::unexpected(rule.error());
      p.rules.push_back(std::move(*rule));
    }
  }
  return p;
}

} // namespace

core::Result<Profile> parse_profile(std::string_view text, std::string_view name) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return std::unexpected(core::json_syntax_error(e, text, name));
  } catch (const nlohmann::json::exception& e) {
    // A number too large for any type ("2e400"), and what else the
    // library refuses after the syntax.
    return core::fail(core::ErrorKind::parse, std::string(name),
                      fmt::format("invalid JSON: {}", core::json_error_detail(e)));
  }
  const core::JsonReader in(name);
  if (!doc.is_object())
    return in.error("/", "a seccomp profile is a JSON object");
  // An OCI config.json: its linux.seccomp.
  if (!doc.contains("defaultAction") && doc.contains("ociVersion")) {
    const auto linux = doc.find("linux");
    if (linux == doc.end() || !linux->is_object() || !linux->contains("seccomp") ||
        !(*linux)["seccomp"].is_object())
      return in.error("/linux/seccomp", "this OCI config.json has no seccomp profile");
    return read_profile(in, (*linux)["seccomp"], "/linux/seccomp");
  }
  return read_profile(in, doc, "");
}

bool known_action(std::string_view action) {
  return std::ranges::find(k_actions, action) != k_actions.end();
}
bool known_arch(std::string_view arch) {
  return std::ranges::find(k_arches, arch) != k_arches.end();
}
bool known_operator(std::string_view op) {
  return std::ranges::find(k_operators, op) != k_operators.end();
}
bool allowing_action(std::string_view action) {
  return action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_LOG";
}

Conditions host_conditions() {
  Conditions c;
#if defined(__x86_64__)
  c.arch = "amd64";
#elif defined(__aarch64__)
  c.arch = "arm64";
#elif defined(__riscv) && __riscv_xlen == 64
  c.arch = "riscv64";
#elif defined(__s390x__)
  c.arch = "s390x";
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
  c.arch = "ppc64le";
#else
  c.arch = "";
#endif
  struct utsname u {};
  c.kernel = ::uname(&u) == 0 ? std::string(u.release) : std::string("0.0");
  return c;
}

Profile resolve(const Profile& profile, const Conditions& conditions) {
  Profile out;
  out.default_action = profile.default_action;
  out.default_errno = profile.default_errno;
  out.flags = profile.flags;
  out.pointer = profile.pointer;
  out.architectures = profile.architectures;
  std::string_view native;
  for (const auto& [go, scmp] : k_go_arches)
    if (go == conditions.arch)
      native = scmp;
  for (const auto& entry : profile.arch_map) {
    if (entry.architecture != native)
      continue;
    out.architectures.push_back(entry.architecture);
    for (const auto& sub : entry.sub_architectures)
      out.architectures.push_back(sub);
  }
  const auto kernel = kernel_version(conditions.kernel);
  for (const auto& rule : profile.rules) {
    const auto& ex = rule.excludes;
    if (contains(ex.arches, conditions.arch))
      continue;
    if (std::ranges::any_of(ex.caps, [&](const auto& c) { return contains(conditions.caps, c); }))
      continue;
    if (!ex.min_kernel.empty() && kernel >= kernel_version(ex.min_kernel))
      continue;
    const auto& in = rule.includes;
    if (!in.arches.empty() && !contains(in.arches, conditions.arch))
      continue;
    if (!std::ranges::all_of(in.caps, [&](const auto& c) { return contains(conditions.caps, c); }))
      continue;
    if (!in.min_kernel.empty() && kernel < kernel_version(in.min_kernel))
      continue;
    Rule plain = rule;
    plain.includes = {};
    plain.excludes = {};
    out.rules.push_back(std::move(plain));
  }
  return out;
}

Treatment treatment(const Profile& resolved, std::string_view syscall) {
  // The kernel takes the most restrictive action among the filters'
  // matching rules, and libseccomp makes one filter of a profile: a rule
  // with conditions only decides for the calls whose arguments match it.
  // moat's reading: an unconditional rule decides outright (a refusing one
  // wins over allowing ones); without one, the conditional allowing rules
  // give the conditions; otherwise the default action decides.
  bool unconditional_allow = false;
  bool unconditional_deny = false;
  Treatment t;
  bool listed = false;
  for (const auto& rule : resolved.rules) {
    if (std::ranges::find(rule.names, syscall) == rule.names.end())
      continue;
    listed = true;
    const bool allows = allowing_action(rule.action);
    if (rule.args.empty()) {
      (allows ? unconditional_allow : unconditional_deny) = true;
    } else if (allows) {
      auto when = rule.args;
      std::ranges::sort(when);
      t.when.push_back(std::move(when));
    }
  }
  if (unconditional_deny) {
    t = {};
    return t;
  }
  if (unconditional_allow || (!listed && allowing_action(resolved.default_action))) {
    t = {};
    t.allowance = Allowance::always;
    return t;
  }
  if (!t.when.empty()) {
    std::ranges::sort(t.when);
    t.allowance = Allowance::conditional;
    return t;
  }
  if (listed && allowing_action(resolved.default_action)) {
    // Only conditional refusals: allowed whenever they do not match.
    t.allowance = Allowance::conditional;
    return t;
  }
  return t;
}

namespace {

bool holds(const ArgCondition& c, std::uint64_t x) {
  if (c.op == "SCMP_CMP_EQ")
    return x == c.value;
  if (c.op == "SCMP_CMP_NE")
    return x != c.value;
  if (c.op == "SCMP_CMP_LT")
    return x < c.value;
  if (c.op == "SCMP_CMP_LE")
    return x <= c.value;
  if (c.op == "SCMP_CMP_GT")
    return x > c.value;
  if (c.op == "SCMP_CMP_GE")
    return x >= c.value;
  if (c.op == "SCMP_CMP_MASKED_EQ")
    return (x & c.value) == c.value_two;
  return false;
}

// The values an ordering condition admits, as [first, last]; nullopt for
// other operators, {1, 0} when it admits none.
std::optional<std::pair<std::uint64_t, std::uint64_t>> interval(const ArgCondition& c) {
  constexpr auto k_max = ~std::uint64_t{0};
  if (c.op == "SCMP_CMP_LT")
    return c.value == 0 ? std::pair<std::uint64_t, std::uint64_t>{1, 0}
                        : std::pair<std::uint64_t, std::uint64_t>{0, c.value - 1};
  if (c.op == "SCMP_CMP_LE")
    return std::pair<std::uint64_t, std::uint64_t>{0, c.value};
  if (c.op == "SCMP_CMP_GT")
    return c.value == k_max ? std::pair<std::uint64_t, std::uint64_t>{1, 0}
                            : std::pair<std::uint64_t, std::uint64_t>{c.value + 1, k_max};
  if (c.op == "SCMP_CMP_GE")
    return std::pair<std::uint64_t, std::uint64_t>{c.value, k_max};
  return std::nullopt;
}

// Whether every argument value M admits is admitted by B too (on the same
// argument). When moat cannot tell, it answers no.
bool implies(const ArgCondition& m, const ArgCondition& b) {
  if (m.index != b.index)
    return false;
  if (m.op == "SCMP_CMP_EQ")
    return holds(b, m.value);
  if (m.op == "SCMP_CMP_NE")
    return b.op == "SCMP_CMP_NE" && b.value == m.value;
  if (m.op == "SCMP_CMP_MASKED_EQ")
    return b.op == "SCMP_CMP_MASKED_EQ" && (b.value & ~m.value) == 0 &&
           (m.value_two & b.value) == b.value_two;
  const auto range = interval(m);
  if (!range)
    return false;
  const auto [first, last] = *range;
  if (first > last)
    return true; // admits nothing
  if (const auto other = interval(b))
    return other->first <= first && last <= other->second;
  if (b.op == "SCMP_CMP_NE")
    return b.value < first || b.value > last;
  return first == last && holds(b, first);
}

// Whether the conjunction MINE admits only calls one of BASE's
// conjunctions admits.
bool covered(const std::vector<ArgCondition>& mine,
             const std::vector<std::vector<ArgCondition>>& base) {
  return std::ranges::any_of(base, [&](const std::vector<ArgCondition>& conjunction) {
    return std::ranges::all_of(conjunction, [&](const ArgCondition& b) {
      return std::ranges::any_of(mine, [&](const ArgCondition& m) { return implies(m, b); });
    });
  });
}

} // namespace

std::vector<Widening> widenings(const Profile& resolved, const Profile& baseline) {
  std::vector<Widening> out;
  for (auto name : x86_64_syscalls()) {
    const auto mine = treatment(resolved, name);
    if (mine.allowance == Allowance::denied)
      continue;
    const auto base = treatment(baseline, name);
    bool wider = false;
    if (base.allowance == Allowance::always)
      wider = false;
    else if (mine.allowance == Allowance::always || base.allowance == Allowance::denied)
      wider = true;
    else if (mine.when.empty()) // allowed except under some arguments
      wider = true;
    else
      wider = !std::ranges::all_of(mine.when, [&](const std::vector<ArgCondition>& conjunction) {
        return covered(conjunction, base.when);
      });
    if (wider)
      out.push_back({std::string(name), mine.allowance, base.allowance});
  }
  return out;
}

} // namespace moat::seccomp
