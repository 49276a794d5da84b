// Labels: valid label keys (DL3048) and the label schema of .moat.yaml
// (label-schema, strict-labels): required labels (DL3049), labels outside
// the schema (DL3050), empty values (DL3051) and values of the wrong type:
// URL (DL3052), RFC 3339 time (DL3053), SPDX licence (DL3054), git hash
// (DL3055), semantic version (DL3056), email address (DL3058).

#include <moat/dockerfile/check_helpers.hpp>

#include <moat/util/formats.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace moat::dockerfile::detail {

namespace {

// Docker's recommendation for label keys: lower-case letters first, then
// lower-case alphanumerics, '.' and '-', no ".." or "--", ending in an
// alphanumeric, outside the namespaces Docker reserves.
bool valid_label_key(std::string_view key) {
  if (key.empty() || key.front() < 'a' || key.front() > 'z')
    return false;
  const char last = key.back();
  if (!((last >= 'a' && last <= 'z') || (last >= '0' && last <= '9')))
    return false;
  if (!std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
      }))
    return false;
  if (key.find("..") != std::string_view::npos || key.find("--") != std::string_view::npos)
    return false;
  return !key.starts_with("com.docker.") && !key.starts_with("io.docker.") &&
         !key.starts_with("org.dockerproject.");
}

// What a value of TYPE must look like; empty when it does.
std::string_view type_problem(std::string_view type, std::string_view value) {
  if (type == "url" && !util::is_absolute_uri(value))
    return "DF114";
  if (type == "rfc3339" && !util::is_rfc3339(value))
    return "DF115";
  if (type == "spdx" && !util::is_spdx_license_id(value))
    return "DF116";
  if (type == "hash" && !util::is_git_hash(value))
    return "DF117";
  if (type == "semver" && !util::is_semver(value))
    return "DF118";
  if (type == "email" && !util::is_email(value))
    return "DF119";
  return {};
}

std::string_view type_phrase(std::string_view id) {
  if (id == "DF114")
    return "an absolute URL";
  if (id == "DF115")
    return "an RFC 3339 date-time";
  if (id == "DF116")
    return "an SPDX license identifier";
  if (id == "DF117")
    return "a git commit hash (7 or 40 lower-case hex digits)";
  if (id == "DF118")
    return "a semantic version (MAJOR.MINOR.PATCH)";
  return "an email address";
}

const std::string* schema_type(const core::Policy& policy, std::string_view key) {
  for (const auto& [name, type] : policy.label_schema)
    if (name == key)
      return &type;
  return nullptr;
}

// The values a LABEL gives, per schema label.
void check_label_values(Context& ctx, const Step& step) {
  const auto& ins = *step.instruction;
  bool outside = false;
  for (const auto& pair : ins.pairs()) {
    const auto key = unquote(pair.key);
    const std::string* type = schema_type(ctx.policy, key);
    if (type == nullptr) {
      outside = true;
      continue;
    }
    const auto value = expand_or_keep(pair.value, step.env(), ctx.ast.escape);
    if (value.empty()) {
      ctx.report("DF113", ins, fmt::format("label '{}' is empty", key));
      continue;
    }
    if (has_variable(value))
      continue;
    if (auto id = type_problem(*type, value); !id.empty())
      ctx.report(id, ins, fmt::format("label '{}' is '{}', not {}", key, value, type_phrase(id)));
  }
  if (outside && ctx.policy.strict_labels)
    ctx.report("DF112", ins, "LABEL sets a label that the label schema does not name");
}

bool chain_has_label(const Context& ctx, int stage, std::string_view label) {
  const auto chain = chain_instructions(ctx, stage);
  return std::any_of(chain.begin(), chain.end(), [&](const Instruction* ins) {
    return ins->keyword == "label" &&
           std::any_of(ins->pairs().begin(), ins->pairs().end(),
                       [&](const KeyValue& p) { return unquote(p.key) == label; });
  });
}

// True when a later stage copies files from STAGE: it is a build step,
// not an image anybody runs.
bool copied_from(const Context& ctx, const Stage& stage) {
  for (const auto& other : ctx.model.stages)
    for (const auto& step : other.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword != "copy" || other.index == stage.index)
        continue;
      if (auto from = flag_value(ins, "from"))
        if (ctx.model.find_stage(expand_or_keep(*from, step.env(), ctx.ast.escape),
                                 static_cast<int>(ctx.model.stages.size())) == stage.index)
          return true;
    }
  return false;
}

// Every image the file can build must carry each schema label, set in its
// stage or a stage it builds on. A stage others copy from is a build step;
// a stage whose child sets the label is that child's base.
void check_required_labels(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    if (stage.implicit || copied_from(ctx, stage))
      continue;
    for (const auto& [label, type] : ctx.policy.label_schema) {
      if (chain_has_label(ctx, stage.index, label))
        continue;
      const bool child_has =
          std::any_of(ctx.model.stages.begin(), ctx.model.stages.end(), [&](const Stage& other) {
            return other.base_stage == stage.index && chain_has_label(ctx, other.index, label);
          });
      if (!child_has)
        ctx.report("DF111", *stage.from,
                   fmt::format("label '{}' required by the label schema is missing", label));
    }
  }
}

} // namespace

void check_labels(Context& ctx) {
  const bool schema = !ctx.policy.label_schema.empty() || ctx.policy.strict_labels;
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword != "label")
        continue;
      std::vector<std::string> invalid;
      for (const auto& pair : ins.pairs())
        if (!valid_label_key(unquote(pair.key)))
          invalid.emplace_back(unquote(pair.key));
      if (!invalid.empty())
        ctx.report("DF046", ins,
                   fmt::format("label key {} is not a valid key (lower-case letter first, then "
                               "lower-case alphanumerics, '.' and '-'; no reserved namespace)",
                               fmt::join(invalid, ", ")));
      if (schema)
        check_label_values(ctx, step);
    }
  if (!ctx.policy.label_schema.empty())
    check_required_labels(ctx);
}

} // namespace moat::dockerfile::detail
