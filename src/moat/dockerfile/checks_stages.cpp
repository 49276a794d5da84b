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

namespace moat::dockerfile::detail {

using util::iequals;
using util::to_lower;

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
    if (!stage.platform.empty() && !has_variable(stage.platform))
      ctx.report("DF029", ins,
                 fmt::format("FROM --platform={} pins the platform; leave it to the build",
                             stage.platform));
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
    if (!ctx.policy.allowed_registries.empty()) {
      std::string registry = img.registry.empty() ? "docker.io" : img.registry;
      bool allowed = std::any_of(ctx.policy.allowed_registries.begin(),
                                 ctx.policy.allowed_registries.end(), [&](const std::string& a) {
                                   return util::glob_match(to_lower(a), to_lower(registry)) ||
                                          (registry == "docker.io" &&
                                           (a == "hub.docker.com" || a == "index.docker.io"));
                                 });
      if (!allowed)
        ctx.report("DF026", ins,
                   fmt::format("registry '{}' is not in the allowed registries", registry));
    }
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
    for (const auto& name : referenced_names(stage.base_written)) {
      auto it = ctx.model.global_args.find(name);
      if (it == ctx.model.global_args.end()) {
        if (!is_builtin_arg(name))
          ctx.report("DF083", ins,
                     fmt::format("FROM uses ${} but no ARG {} is declared before the first FROM",
                                 name, name));
      } else if (!it->second && !is_platform_arg(name)) {
        // ${NAME:-default} and ${NAME-default} supply their own default.
        auto pos = stage.base_written.find("${" + name);
        bool has_default = pos != std::string::npos &&
                           pos + 2 + name.size() < stage.base_written.size() &&
                           (stage.base_written[pos + 2 + name.size()] == ':' ||
                            stage.base_written[pos + 2 + name.size()] == '-');
        if (!has_default)
          ctx.report(
              "DF078", ins,
              fmt::format("ARG {} has no default, so FROM {} is invalid unless --build-arg sets it",
                          name, stage.base_written));
      }
    }
  }
}

// Root of a stage chain: true when every variable the stage can see is known

// DL3066: the user the final image runs as should be a number, which the
// host and admission policies can judge. A variable set by an ARG is left
// to whoever builds the image.
void check_numeric_user(Context& ctx) {
  if (final_stage(ctx).implicit)
    return;
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
