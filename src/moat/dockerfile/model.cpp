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
// Variables that refer to each other can grow a value with every
// instruction (ENV A=$A$A): the text expansion adds to a file is bounded,
// and past the bound values are kept as written.
constexpr std::size_t k_max_expansion_growth = std::size_t{16} << 20U;

std::string expand_bounded(std::string_view word, const Env& env, char escape,
                           std::size_t* growth) {
  auto value = expand_or_keep(word, env, escape);
  if (growth == nullptr || value.size() <= word.size())
    return value;
  *growth += value.size() - word.size();
  return *growth > k_max_expansion_growth ? std::string(word) : value;
}

void apply_arg(const Instruction& ins, Env& env, const Env* global, char escape,
               std::size_t* growth = nullptr) {
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
    env[name] = expand_bounded(std::string_view(word).substr(eq + 1), env, escape, growth);
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

std::size_t EnvHistory::record(Changes changes) {
  m_changes.push_back(std::move(changes));
  return m_changes.size();
}

const Env& EnvHistory::at(std::size_t version) const {
  version = std::min(version, m_changes.size());
  if (!m_ready || version < m_version) {
    m_current = m_start;
    m_version = 0;
    m_ready = true;
  }
  for (; m_version < version; ++m_version)
    for (const auto& [name, value] : m_changes[m_version])
      m_current.insert_or_assign(name, value);
  return m_current;
}

Model build_model(const ParseResult& ast) {
  Model model;
  model.ast = &ast;
  for (auto name : k_platform_args)
    model.global_args.emplace(std::string(name), std::nullopt);

  // ENV values each stage ends with, for stages built on it.
  std::vector<Env> stage_env_only;
  Env env;                               // everything in scope in the current stage
  Env start_env_only;                    // the ENV values the current stage inherited
  std::vector<std::size_t> env_versions; // the history versions its ENV instructions made
  std::shared_ptr<EnvHistory> history;   // the current stage's variables, version by version
  std::size_t growth = 0;                // bytes expansion has added to values so far

  // The ENV values the current stage ends with (inherited by stages built
  // on it), replayed from its history when the stage ends rather than kept
  // beside ENV all along: with a million variables that map is 100 MiB.
  auto ending_env_only = [&]() {
    Env out = std::move(start_env_only);
    for (const auto version : env_versions)
      for (const auto& [name, value] : history->changes(version))
        out.insert_or_assign(name, value);
    return out;
  };

  // Adds INS to the current stage, with the variables in scope.
  auto add_step = [&](const Instruction& ins) {
    auto& stage = model.stages.back();
    if (!history)
      history = std::make_shared<EnvHistory>(env);
    stage.steps.push_back(Step{&ins, history, history->latest()});
    EnvHistory::Changes changes;
    if (ins.keyword == "arg") {
      apply_arg(ins, env, &model.global_args, ast.escape, &growth);
      for (const auto& word : ins.args) {
        const auto name = std::string_view(word).substr(0, word.find('='));
        if (const auto it = env.find(name); it != env.end())
          changes.emplace_back(it->first, it->second);
      }
    } else if (ins.keyword == "env") {
      // Every pair of one ENV sees the variables as they were before the
      // instruction: all values are expanded before any is set.
      std::vector<std::string> values;
      values.reserve(ins.pairs().size());
      for (const auto& pair : ins.pairs())
        values.push_back(expand_bounded(pair.value, env, ast.escape, &growth));
      for (std::size_t i = 0; i < ins.pairs().size(); ++i) {
        const auto& key = ins.pairs()[i].key;
        env[key] = values[i];
        changes.emplace_back(key, std::move(values[i]));
      }
    }
    if (changes.empty())
      return;
    const auto version = history->record(std::move(changes));
    if (ins.keyword == "env")
      env_versions.push_back(version);
  };

  // How many steps each stage has, so that a stage of a million steps is
  // allocated once rather than doubled into place.
  std::vector<std::size_t> step_counts;
  for (const auto& ins : ast.instructions) {
    if (ins.keyword == "from")
      step_counts.push_back(0);
    else if (!step_counts.empty())
      ++step_counts.back();
  }

  for (const auto& ins : ast.instructions) {
    if (ins.keyword == "from") {
      if (!stage_env_only.empty()) {
        env = {}; // first, so that the two maps are never held at once
        stage_env_only.back() = ending_env_only(); // the stage that just ended
      }
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
      start_env_only = stage.base_stage >= 0
                           ? stage_env_only[static_cast<std::size_t>(stage.base_stage)]
                           : Env{};
      env = start_env_only;
      env_versions.clear();
      history.reset();
      if (!stage.name.empty())
        model.first_stage_by_name.try_emplace(stage.name, stage.index);
      stage.steps.reserve(step_counts[static_cast<std::size_t>(stage.index)]);
      model.stages.push_back(std::move(stage));
      stage_env_only.emplace_back(); // set when the stage ends
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
    history.reset();
    for (const auto* ins : model.preamble)
      add_step(*ins);
  }
  return model;
}

} // namespace moat::dockerfile
