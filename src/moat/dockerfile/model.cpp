#include <moat/dockerfile/model.hpp>

#include <moat/util/strings.hpp>

#include <algorithm>
#include <charconv>

namespace moat::dockerfile {

namespace {

bool looks_like_registry(std::string_view component) {
  return component.find('.') != std::string_view::npos ||
         component.find(':') != std::string_view::npos || component == "localhost";
}

// BuildKit predefines these in the global scope; their values depend on the
// build machine, so they are declared without a value.
constexpr std::string_view k_platform_args[] = {"BUILDPLATFORM", "BUILDOS",        "BUILDARCH",
                                                "BUILDVARIANT",  "TARGETPLATFORM", "TARGETOS",
                                                "TARGETARCH",    "TARGETVARIANT"};

} // namespace

bool is_platform_arg(std::string_view name) {
  return std::find(std::begin(k_platform_args), std::end(k_platform_args), name) !=
         std::end(k_platform_args);
}

namespace {

// Applies one ARG instruction to ENV. GLOBAL supplies defaults for ARGs that
// are redeclared inside a stage without a value.
void apply_arg(const Instruction& ins, Env& env, const Env* global, char escape) {
  for (const auto& word : ins.args) {
    auto eq = word.find('=');
    std::string name = word.substr(0, eq);
    if (eq == std::string::npos) {
      std::optional<std::string> value;
      if (global != nullptr) {
        if (auto it = global->find(name); it != global->end())
          value = it->second;
      }
      if (auto it = env.find(name); it != env.end() && it->second && !value)
        continue; // an ENV or earlier ARG keeps its value
      env[name] = value;
      continue;
    }
    env[name] = expand_or_keep(std::string_view(word).substr(eq + 1), env, escape);
  }
}

} // namespace

std::optional<ImageRef> parse_image_ref(std::string_view text) {
  if (text.empty() || text.find_first_of(" \t\n") != std::string_view::npos)
    return std::nullopt;
  ImageRef ref;
  if (auto at = text.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(text.substr(at + 1));
    text = text.substr(0, at);
  }
  if (auto slash = text.find('/');
      slash != std::string_view::npos && looks_like_registry(text.substr(0, slash))) {
    ref.registry = std::string(text.substr(0, slash));
    text = text.substr(slash + 1);
  }
  if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    ref.tag = std::string(text.substr(colon + 1));
    text = text.substr(0, colon);
  }
  if (text.empty())
    return std::nullopt;
  ref.repository = std::string(text);
  return ref;
}

std::string expand_or_keep(std::string_view word, const Env& env, char escape) {
  auto expanded = expand_word(word, env, escape);
  if (!expanded)
    return std::string(word);
  return std::move(expanded->value);
}

std::optional<std::string> flag_value(const Instruction& ins, std::string_view name) {
  for (const auto& flag : ins.flags) {
    std::string_view f = flag;
    if (!f.starts_with("--"))
      continue;
    f.remove_prefix(2);
    if (!f.starts_with(name))
      continue;
    f.remove_prefix(name.size());
    if (f.empty())
      return std::string();
    if (f.front() == '=')
      return std::string(f.substr(1));
  }
  return std::nullopt;
}

int Model::find_stage(std::string_view name_or_index, int before) const {
  // A file without FROM defines no stage to refer to.
  if (!stages.empty() && stages.front().implicit)
    return -1;
  const auto limit =
      std::min<std::size_t>(stages.size(), static_cast<std::size_t>(std::max(before, 0)));
  int index = -1;
  auto [ptr, ec] =
      std::from_chars(name_or_index.data(), name_or_index.data() + name_or_index.size(), index);
  if (ec == std::errc() && ptr == name_or_index.data() + name_or_index.size())
    return index >= 0 && static_cast<std::size_t>(index) < limit ? index : -1;
  const auto found = first_stage_by_name.find(util::to_lower(name_or_index));
  if (found == first_stage_by_name.end() || static_cast<std::size_t>(found->second) >= limit)
    return -1;
  return found->second;
}

Model build_model(const ParseResult& ast) {
  Model model;
  model.ast = &ast;
  for (auto name : k_platform_args)
    model.global_args.emplace(std::string(name), std::nullopt);

  // ENV values each stage ends with, for stages built on it.
  std::vector<Env> stage_env_only;
  Env env;                             // everything in scope in the current stage
  Env env_only;                        // ENV values only (inherited by dependent stages)
  std::shared_ptr<const Env> snapshot; // ENV as the current steps see it

  // Adds INS to the current stage, with the variables in scope.
  auto add_step = [&](const Instruction& ins) {
    auto& stage = model.stages.back();
    if (!snapshot)
      snapshot = std::make_shared<const Env>(env);
    stage.steps.push_back(Step{&ins, snapshot});
    if (ins.keyword == "arg") {
      snapshot.reset();
      apply_arg(ins, env, &model.global_args, ast.escape);
    } else if (ins.keyword == "env") {
      snapshot.reset();
      // Every pair of one ENV sees the variables as they were before the instruction.
      const Env before = env;
      for (const auto& pair : ins.pairs) {
        auto value = expand_or_keep(pair.value, before, ast.escape);
        env[pair.key] = value;
        env_only[pair.key] = std::move(value);
      }
      stage_env_only.back() = env_only;
    }
  };

  for (const auto& ins : ast.instructions) {
    if (ins.keyword == "from") {
      Stage stage;
      stage.index = static_cast<int>(model.stages.size());
      stage.from = &ins;
      if (!ins.args.empty())
        stage.base_written = ins.args[0];
      if (ins.args.size() >= 3 && util::iequals(ins.args[1], "as"))
        stage.name = util::to_lower(ins.args[2]);
      if (auto p = flag_value(ins, "platform"))
        stage.platform = *p;
      auto expanded = expand_word(stage.base_written, model.global_args, ast.escape);
      if (expanded) {
        stage.base = expanded->value;
        stage.base_resolved = expanded->unresolved.empty();
      } else {
        stage.base = stage.base_written;
        stage.base_resolved = false;
      }
      stage.base_stage = model.find_stage(stage.base, stage.index);
      if (stage.base_stage < 0 && util::iequals(stage.base, "scratch"))
        stage.is_scratch = true;
      if (stage.base_stage < 0 && !stage.is_scratch && stage.base_resolved)
        stage.image = parse_image_ref(stage.base);
      env_only = stage.base_stage >= 0 ? stage_env_only[static_cast<std::size_t>(stage.base_stage)]
                                       : Env{};
      env = env_only;
      snapshot.reset();
      if (!stage.name.empty())
        model.first_stage_by_name.try_emplace(stage.name, stage.index);
      model.stages.push_back(std::move(stage));
      stage_env_only.push_back(env_only);
      continue;
    }
    if (model.stages.empty()) {
      if (ins.keyword == "arg")
        apply_arg(ins, model.global_args, nullptr, ast.escape);
      model.preamble.push_back(&ins);
      continue;
    }
    add_step(ins);
  }

  // A file without FROM (a fragment, or a mistake reported as one) is read
  // as one stage on an unknown base, so that what its instructions do is
  // still checked.
  const bool only_args = std::all_of(model.preamble.begin(), model.preamble.end(),
                                     [](const Instruction* ins) { return ins->keyword == "arg"; });
  if (model.stages.empty() && !only_args) {
    Stage stage;
    stage.implicit = true;
    stage.base_resolved = false;
    model.stages.push_back(std::move(stage));
    stage_env_only.emplace_back();
    env = model.global_args;
    snapshot.reset();
    for (const auto* ins : model.preamble)
      add_step(*ins);
  }
  return model;
}

} // namespace moat::dockerfile
