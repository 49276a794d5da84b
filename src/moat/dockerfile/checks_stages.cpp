// Checks on FROM and build stages: instruction order (DL3061), base image
// tags and registries (DL3006, DL3007, DL3026, DL3029), duplicate stage names
// (DL3024), the final USER (DL3002), one CMD/ENTRYPOINT/HEALTHCHECK per stage
// (DL4003, DL4004, DL3012), a HEALTHCHECK in the final image (DL3057), and
// BuildKit's FROM checks (FromAsCasing, StageNameCasing, ReservedStageName,
// RedundantTargetPlatform, UndefinedArgInFrom, InvalidDefaultArgInFrom).

#include <moat/dockerfile/check_helpers.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

namespace moat::dockerfile::detail {

using util::iequals;
using util::to_lower;

namespace {

// The registry of IMG when the policy names allowed registries and it is
// not one of them.
std::optional<std::string> disallowed_registry(const Context& ctx, const ImageRef& img) {
  if (ctx.policy.allowed_registries.empty())
    return std::nullopt;
  std::string registry = img.registry.empty() ? "docker.io" : img.registry;
  bool allowed = std::any_of(ctx.policy.allowed_registries.begin(),
                             ctx.policy.allowed_registries.end(), [&](const std::string& a) {
                               return util::glob_match(to_lower(a), to_lower(registry)) ||
                                      (registry == "docker.io" &&
                                       (a == "hub.docker.com" || a == "index.docker.io"));
                             });
  if (allowed)
    return std::nullopt;
  return registry;
}

// The image a COPY --from or a RUN --mount from= names, when it is an
// image and not a stage.
std::optional<ImageRef> image_source(const Context& ctx, const std::string& from, int stage) {
  if (from.empty() || has_variable(from) ||
      std::all_of(from.begin(), from.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      ctx.model.find_stage(from, stage + 1) >= 0)
    return std::nullopt;
  return parse_image_ref(from);
}

// True when a stage NAME contains the OS or the architecture of PLATFORM
// (os/arch[/variant], architectures named as OCI does: x86_64 is amd64).
bool names_platform(std::string_view name, std::string_view platform) {
  const std::string lowered = to_lower(platform); // split returns views into it
  const auto parts = util::split(lowered, '/');
  if (name.empty() || parts.empty())
    return false;
  std::string os(parts[0]);
  std::string arch = parts.size() > 1 ? std::string(parts[1]) : std::string();
  if (arch == "x86_64" || arch == "x86-64")
    arch = "amd64";
  else if (arch == "aarch64")
    arch = "arm64";
  else if (arch == "i386" || arch == "i686")
    arch = "386";
  return (!os.empty() && name.find(os) != std::string_view::npos) ||
         (!arch.empty() && name.find(arch) != std::string_view::npos);
}

// The closest name to NAME among CANDIDATES (an edit distance of at most
// two, not counting case), or empty.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& c : candidates) {
    const auto d = edit_distance(to_lower(c), to_lower(name));
    if (d < best_distance && c != name) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

// What BuildKit resolves platform ARGs to when nothing sets them.
std::string platform_default(std::string_view name) {
  if (name.ends_with("PLATFORM"))
    return "linux/amd64";
  if (name.ends_with("OS"))
    return "linux";
  if (name.ends_with("ARCH"))
    return "amd64";
  return {};
}

// A reference docker pull accepts: [host[:port]/]path[:tag][@algo:hex],
// path components lower-case alphanumerics joined by '.', '_', "__" or dashes.
bool valid_reference(std::string_view ref) {
  if (auto at = ref.find('@'); at != std::string_view::npos) {
    const auto digest = ref.substr(at + 1);
    const auto colon = digest.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == digest.size())
      return false;
    ref = ref.substr(0, at);
  }
  const auto last_slash = ref.rfind('/');
  if (auto colon = ref.rfind(':'); colon != std::string_view::npos &&
                                   (last_slash == std::string_view::npos || colon > last_slash)) {
    const auto tag = ref.substr(colon + 1);
    if (tag.empty() || tag.size() > 128 ||
        !std::all_of(tag.begin(), tag.end(),
                     [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
                              c == '.' || c == '-';
                     }) ||
        tag.front() == '.' || tag.front() == '-')
      return false;
    ref = ref.substr(0, colon);
  }
  auto parts = util::split(ref, '/');
  if (parts.empty() || ref.empty())
    return false;
  std::size_t first = 0;
  if (parts.size() > 1 &&
      (parts[0].find_first_of(".:") != std::string_view::npos || parts[0] == "localhost")) {
    const auto host = parts[0];
    if (!std::all_of(host.begin(), host.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                 c == ':';
        }))
      return false;
    first = 1;
  }
  for (std::size_t i = first; i < parts.size(); ++i) {
    const auto p = parts[i];
    if (p.empty() || !std::isalnum(static_cast<unsigned char>(p.front())) ||
        !std::isalnum(static_cast<unsigned char>(p.back())))
      return false;
    for (char c : p)
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
        return false;
  }
  return true;
}

// UndefinedArgInFrom and InvalidDefaultArgInFrom: the names FROM refers to
// (in the image and in --platform) must be global ARGs, and the image the
// ARG defaults give must be a valid reference.
void check_from_args(Context& ctx, const Stage& stage) {
  const auto& ins = *stage.from;
  std::vector<std::string> declared;
  for (const auto& [name, value] : ctx.model.global_args)
    declared.push_back(name);
  for (const std::string* word : {&stage.base_written, &stage.platform}) {
    std::set<std::string> reported;
    for (const auto& name : referenced_names(*word)) {
      if (ctx.model.global_args.contains(name) || is_builtin_arg(name) ||
          !reported.insert(name).second)
        continue;
      const auto suggestion = closest_name(name, declared);
      ctx.report("DF083", ins,
                 suggestion.empty()
                     ? fmt::format("FROM argument '{}' is not declared", name)
                     : fmt::format("FROM argument '{}' is not declared (did you mean {}?)", name,
                                   suggestion));
    }
  }
  if (!has_variable(stage.base_written))
    return;
  Env defaults;
  for (const auto& [name, value] : ctx.model.global_args)
    defaults[name] = value ? *value : is_platform_arg(name) ? platform_default(name) : "";
  auto expanded = expand_word(stage.base_written, defaults, ctx.ast.escape);
  if (expanded && !valid_reference(expanded->value))
    ctx.report("DF078", ins,
               fmt::format("the ARG defaults make FROM {} the image '{}', which is empty or "
                           "invalid",
                           stage.base_written, expanded->value));
}

} // namespace

// DL3026 beyond FROM: images that COPY --from and RUN --mount from= pull.
void check_source_registries(Context& ctx) {
  if (ctx.policy.allowed_registries.empty())
    return;
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      std::vector<std::string> sources;
      if (ins.keyword == "copy")
        if (auto from = flag_value(ins, "from"))
          sources.push_back(expand_or_keep(*from, step.env(), ctx.ast.escape));
      if (ins.keyword == "run")
        for (const auto& flag : ins.flags) {
          if (!flag.starts_with("--mount="))
            continue;
          for (auto option : util::split(std::string_view(flag).substr(8), ','))
            if (option.starts_with("from="))
              sources.emplace_back(option.substr(5));
        }
      for (const auto& from : sources)
        if (auto img = image_source(ctx, from, stage.index))
          if (auto registry = disallowed_registry(ctx, *img))
            ctx.report("DF026", ins,
                       fmt::format("{} uses {} from registry '{}', which is not in the allowed "
                                   "registries",
                                   util::to_upper(ins.keyword), from, *registry));
    }
}

void check_instruction_order(Context& ctx) {
  for (const auto* ins : ctx.model.preamble) {
    if (ins->keyword != "arg") {
      ctx.report("DF050", *ins,
                 fmt::format("'{}' before the first FROM: a Dockerfile must begin with FROM or ARG",
                             util::to_upper(ins->keyword)));
      return;
    }
  }
  if (ctx.model.stages.empty() && !ctx.ast.instructions.empty())
    ctx.report_line("DF050", 0, "the Dockerfile has no FROM instruction");
}

void check_from(Context& ctx) {
  std::map<std::string, int> names;
  for (const auto& stage : ctx.model.stages) {
    if (stage.implicit)
      continue;
    const auto& ins = *stage.from;
    if (!stage.name.empty()) {
      auto [it, inserted] = names.emplace(stage.name, stage.index);
      if (!inserted)
        ctx.report(
            "DF024", ins,
            fmt::format("stage name '{}' is already used by stage {}", stage.name, it->second));
    }
    if (!stage.platform.empty() && stage.platform.find("BUILDPLATFORM") == std::string::npos &&
        stage.platform.find("TARGETPLATFORM") == std::string::npos)
      ctx.report("DF029", ins,
                 fmt::format("FROM --platform={} pins the platform; leave it to the build",
                             stage.platform));
    if (!stage.platform.empty() && !has_variable(stage.platform) &&
        !names_platform(stage.name, stage.platform))
      ctx.report(
          "DF129", ins,
          fmt::format("FROM --platform flag should not use constant value \"{}\"", stage.platform));
    if (!stage.image)
      continue;
    const auto& img = *stage.image;
    if (img.digest.empty()) {
      if (img.tag.empty())
        ctx.report("DF007", ins, fmt::format("image '{}' has no tag; pin a version", stage.base));
      else if (img.tag == "latest")
        ctx.report("DF008", ins,
                   fmt::format("image '{}' uses the 'latest' tag; pin a version", stage.base));
      ctx.report("DF073", ins, fmt::format("image '{}' is not pinned by digest", stage.base));
    }
    if (auto registry = disallowed_registry(ctx, img))
      ctx.report("DF026", ins,
                 fmt::format("registry '{}' is not in the allowed registries", *registry));
  }
}

void check_user(Context& ctx) {
  if (ctx.model.stages.empty())
    return;
  const auto& fin = final_stage(ctx);
  const Instruction* last_user = nullptr;
  std::string last_user_value;
  for (const auto* ins : chain_instructions(ctx, fin.index)) {
    if (ins->keyword == "user" && !ins->args.empty()) {
      last_user = ins;
      last_user_value = ins->args[0];
    }
  }
  if (last_user != nullptr) {
    // The variables in scope at that USER.
    std::string value = last_user_value;
    for (const auto& stage : ctx.model.stages)
      for (const auto& step : stage.steps)
        if (step.instruction == last_user)
          value = expand_or_keep(last_user_value, step.env(), ctx.ast.escape);
    std::string user = value.substr(0, value.find(':'));
    if (user == "root" || user == "0")
      ctx.report("DF003", *last_user,
                 fmt::format("the final USER is '{}'; run as an unprivileged user", value));
    return;
  }
  // A scratch image or a base known to be non-root is left alone.
  const Stage* root = &fin;
  while (root->base_stage >= 0)
    root = &ctx.model.stages[static_cast<std::size_t>(root->base_stage)];
  if (root->image && (root->image->tag.find("nonroot") != std::string::npos ||
                      root->image->tag.find("rootless") != std::string::npos))
    return;
  if (!root->base_resolved)
    return;
  ctx.report("DF004", *fin.from, "the final stage sets no USER, so the container runs as root");
}

void check_stage_counts(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    const Instruction* first_cmd = nullptr;
    const Instruction* first_entry = nullptr;
    const Instruction* first_health = nullptr;
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword == "cmd") {
        if (first_cmd != nullptr)
          ctx.report(
              "DF054", ins,
              fmt::format("another CMD in the same stage (line {}); only the last one takes effect",
                          first_cmd->start_line));
        else
          first_cmd = &ins;
      } else if (ins.keyword == "entrypoint") {
        if (first_entry != nullptr)
          ctx.report(
              "DF055", ins,
              fmt::format(
                  "another ENTRYPOINT in the same stage (line {}); only the last one takes effect",
                  first_entry->start_line));
        else
          first_entry = &ins;
      } else if (ins.keyword == "healthcheck") {
        if (first_health != nullptr)
          ctx.report(
              "DF013", ins,
              fmt::format(
                  "another HEALTHCHECK in the same stage (line {}); only the last one takes effect",
                  first_health->start_line));
        else
          first_health = &ins;
      }
    }
  }
  if (final_stage(ctx).implicit)
    return;
  bool health = false;
  for (const auto* ins : chain_instructions(ctx, final_stage(ctx).index))
    if (ins->keyword == "healthcheck")
      health = true;
  if (!health)
    ctx.report("DF047", *final_stage(ctx).from, "the final stage has no HEALTHCHECK");
}

void check_from_buildkit(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    if (stage.implicit)
      continue;
    const auto& ins = *stage.from;
    if (ins.args.size() >= 3 && iequals(ins.args[1], "as")) {
      auto from_w = written_keyword(ins);
      const auto& as_w = ins.args[1];
      if ((all_upper(from_w) && !all_upper(as_w)) || (all_lower(from_w) && !all_lower(as_w)))
        ctx.report("DF077", ins,
                   fmt::format("'{}' and '{}' are written in different cases", from_w, as_w));
      const auto& name = ins.args[2];
      if (!all_lower(name))
        ctx.report("DF082", ins, fmt::format("stage name '{}' is not lower case", name));
      if (iequals(name, "scratch") || iequals(name, "context"))
        ctx.report("DF081", ins,
                   fmt::format("'{}' is a reserved name and cannot name a stage", name));
    }
    if (stage.platform == "$TARGETPLATFORM" || stage.platform == "${TARGETPLATFORM}")
      ctx.report("DF080", ins, "--platform=$TARGETPLATFORM is the default and can be removed");
    check_from_args(ctx, stage);
  }
}

// Root of a stage chain: true when every variable the stage can see is known

// DL3066: the user the final image runs as should be a number, which the
// host and admission policies can judge. A variable set by an ARG is left
// to whoever builds the image.
void check_numeric_user(Context& ctx) {
  const Instruction* last = nullptr;
  for (const auto* ins : chain_instructions(ctx, final_stage(ctx).index))
    if (ins->keyword == "user" && !ins->args.empty())
      last = ins;
  if (last == nullptr)
    return;
  const std::string& value = last->args[0];
  for (const auto& name : referenced_names(value)) {
    const bool declared = std::any_of(
        ctx.ast.instructions.begin(), ctx.ast.instructions.end(), [&](const Instruction& ins) {
          return ins.keyword == "arg" &&
                 std::any_of(ins.args.begin(), ins.args.end(), [&](const std::string& word) {
                   return std::string_view(word).substr(0, word.find('=')) == name;
                 });
        });
    if (declared)
      return;
  }
  const std::string_view uid = std::string_view(value).substr(0, value.find(':'));
  if (!std::all_of(uid.begin(), uid.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
    ctx.report("DF120", *last,
               fmt::format("USER {} names a user; use a numeric id the host can check", value));
}

// BuildKit's MultipleInstructionsDisallowed: every CMD, ENTRYPOINT and
// HEALTHCHECK of a stage but the last is overridden; reported where the
// dead one is.
void check_overridden(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    for (std::string_view keyword : {"cmd", "entrypoint", "healthcheck"}) {
      const Instruction* previous = nullptr;
      for (const auto& step : stage.steps) {
        const auto& ins = *step.instruction;
        if (ins.keyword != keyword)
          continue;
        if (previous != nullptr)
          ctx.report("DF125", *previous,
                     fmt::format("{} is overridden by the {} at line {}; only the last one of a "
                                 "stage takes effect",
                                 written_keyword(*previous), written_keyword(ins), ins.start_line));
        previous = &ins;
      }
    }
  }
}

} // namespace moat::dockerfile::detail
