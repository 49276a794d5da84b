#pragma once
// The semantic model of a Dockerfile on top of its parse: build stages, what
// each FROM refers to, and the variables in scope at every instruction, with
// ARG and ENV scoping as BuildKit applies them.

#include <moat/dockerfile/ast.hpp>
#include <moat/dockerfile/expand.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace moat::dockerfile {

// An image reference split into its parts: [REGISTRY/]REPOSITORY[:TAG][@DIGEST].
struct ImageRef {
  std::string registry;   // empty for Docker Hub
  std::string repository; // "library/ubuntu" is kept as written: "ubuntu"
  std::string tag;        // empty when none
  std::string digest;     // "sha256:..." or empty
};

// Splits an image reference; nullopt when it is not one (empty, spaces, ...).
[[nodiscard]] std::optional<ImageRef> parse_image_ref(std::string_view text);

// The variables of one stage as its ARG and ENV instructions change them:
// the values at the stage's start and each instruction's changes, so the
// model costs memory in proportion to the file, not to the number of
// variables times the number of instructions. The variables at a version
// are rebuilt on demand, forwards from the last version asked for (checks
// walk the steps in order), or from the start when they go back.
class EnvHistory {
public:
  using Changes = std::vector<std::pair<std::string, std::optional<std::string>>>;

  explicit EnvHistory(Env start) : m_start(std::move(start)) {}

  // Records CHANGES as the next version; returns its number.
  std::size_t record(Changes changes);
  [[nodiscard]] std::size_t latest() const { return m_changes.size(); }
  // The changes that made VERSION (1 to latest()).
  [[nodiscard]] const Changes& changes(std::size_t version) const { return m_changes[version - 1]; }

  // The variables at VERSION (0: the stage's start). The reference stays
  // valid until the next call with another version.
  [[nodiscard]] const Env& at(std::size_t version) const;

private:
  Env m_start;
  std::vector<Changes> m_changes; // m_changes[i] makes version i + 1
  mutable Env m_current;
  mutable std::size_t m_version = 0;
  mutable bool m_ready = false;
};

// One instruction with the variables in scope when it runs.
struct Step {
  const Instruction* instruction = nullptr;
  // ARG and ENV values visible to this instruction: a version of its
  // stage's history.
  std::shared_ptr<const EnvHistory> history;
  std::size_t version = 0;

  [[nodiscard]] const Env& env() const { return history->at(version); }
};

struct Stage {
  int index = 0;
  std::string name;          // the AS name, lower case; empty when unnamed
  std::string base_written;  // the FROM image as written
  std::string base;          // after expansion with the global ARGs
  bool base_resolved = true; // false when a variable in FROM had no value
  int base_stage = -1;       // index of the earlier stage it builds on, or -1
  bool is_scratch = false;
  // The instructions of a file without FROM, read as one stage on an
  // unknown base; from is then nullptr.
  bool implicit = false;
  std::optional<ImageRef> image;     // the base image when it is neither a stage nor scratch
  std::string platform;              // --platform as written, empty when not given
  const Instruction* from = nullptr; // nullptr for an implicit stage
  std::vector<Step> steps;           // instructions after FROM, in order
};

struct Model {
  const ParseResult* ast = nullptr;
  Env global_args;                          // ARGs declared before the first FROM
  std::vector<const Instruction*> preamble; // instructions before the first FROM
  std::vector<Stage> stages;
  // The first stage of each (lower-case) name, so a FROM or COPY --from
  // resolves in constant time: 100,000 stages must not cost 10^10 steps.
  std::unordered_map<std::string, int> first_stage_by_name;

  // The stage a name refers to (case-insensitive), or an index as a number; -1 when none.
  [[nodiscard]] int find_stage(std::string_view name_or_index, int before) const;
};

// Builds the model. Never fails: what cannot be resolved is marked so.
[[nodiscard]] Model build_model(const ParseResult& ast);

// True for the platform ARGs BuildKit predefines (BUILDPLATFORM, TARGETARCH, ...).
[[nodiscard]] bool is_platform_arg(std::string_view name);

// Expands WORD in ENV with the escape character of the Dockerfile; on a
// malformed word returns the word unchanged.
[[nodiscard]] std::string expand_or_keep(std::string_view word, const Env& env, char escape);

// The value of a --NAME=VALUE flag of an instruction, or nullopt.
[[nodiscard]] std::optional<std::string> flag_value(const Instruction& ins, std::string_view name);

} // namespace moat::dockerfile
