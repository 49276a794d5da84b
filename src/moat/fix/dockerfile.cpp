// Dockerfile fixes. Each edits the text of the instruction a finding names,
// found through the parse's lines and columns, and leaves the rest of the
// file (comments, continuations, spacing, case) as it was.

#include <moat/dockerfile/ast.hpp>
#include <moat/dockerfile/lint.hpp>
#include <moat/dockerfile/model.hpp>
#include <moat/fix/fix.hpp>
#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

namespace moat::fix {

namespace {

constexpr std::array<FixInfo, 11> k_dockerfile_fixes{{
    {"add-non-root-user", "DF003,DF004",
     "create a system user (uid 10001) in the final stage and end it with USER 10001:10001; "
     "USER 65534:65534 on a base without a shell"},
    {"apk-no-cache", "DF019", "add --no-cache to apk add"},
    {"apt-clean-lists", "DF010",
     "end the RUN that installs packages with rm -rf /var/lib/apt/lists/*"},
    {"apt-get-yes", "DF015", "add -y to apt-get install"},
    {"apt-no-recommends", "DF016", "add --no-install-recommends to apt-get install"},
    {"copy-not-add", "DF020", "replace ADD of local files with COPY"},
    {"exec-form", "DF025,DF127",
     "write CMD, ENTRYPOINT or HEALTHCHECK CMD in JSON form when the command is plain words "
     "(a HEALTHCHECK that needs the shell runs it as /bin/sh -c)"},
    {"pin-digest", "DF007,DF008,DF073",
     "pin FROM to the digest of the image (a local image, or the registry with --resolve)"},
    {"pip-no-cache-dir", "DF040", "add --no-cache-dir to pip install"},
    {"pipefail-shell", "DF057",
     "add SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] (/bin/ash on Alpine) before the RUN"},
    {"use-apt-get", "DF027", "replace apt with apt-get in RUN"},
}};

// Where each line starts, and the text of a line without its end.
class Lines {
public:
  explicit Lines(std::string_view text) : m_text(text) {
    m_starts.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n')
        m_starts.push_back(i + 1);
  }
  // 1-based LINE's first byte; the text's end past the last line.
  [[nodiscard]] std::size_t start(int line) const {
    if (line < 1)
      return 0;
    const auto i = static_cast<std::size_t>(line - 1);
    return i < m_starts.size() ? m_starts[i] : m_text.size();
  }
  // Where LINE's content ends: before its newline and a carriage return.
  [[nodiscard]] std::size_t end(int line) const {
    auto e = start(line + 1);
    if (e > start(line) && e <= m_text.size() && e > 0 && m_text[e - 1] == '\n')
      --e;
    if (e > start(line) && m_text[e - 1] == '\r')
      --e;
    return e;
  }
  [[nodiscard]] std::string_view text(int line) const {
    return m_text.substr(start(line), end(line) - start(line));
  }
  [[nodiscard]] int count() const { return static_cast<int>(m_starts.size()); }

private:
  std::string_view m_text;
  std::vector<std::size_t> m_starts;
};

// One shell word of an instruction's raw text, and the same with quotes
// and escapes removed.
struct Word {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string bare;
};
using Segment = std::vector<Word>;

// When the line at I (inside an instruction, blanks first) is a comment,
// which BuildKit drops, where the next line starts; nullopt otherwise.
std::optional<std::size_t> past_comment_line(std::string_view text, std::size_t i,
                                             std::size_t end) {
  while (i < end && (text[i] == ' ' || text[i] == '\t'))
    ++i;
  if (i >= end || text[i] != '#')
    return std::nullopt;
  while (i < end && text[i] != '\n')
    ++i;
  return std::min(i + 1, end);
}

// When ESCAPE at I ends its line (a continuation, blanks allowed before
// the newline), where the next line starts; nullopt when it escapes a
// character instead.
std::optional<std::size_t> past_continuation(std::string_view text, std::size_t i, std::size_t end,
                                             char escape) {
  if (text[i] != escape)
    return std::nullopt;
  std::size_t j = i + 1;
  while (j < end && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r'))
    ++j;
  if (j < end && text[j] == '\n')
    return j + 1;
  return std::nullopt;
}

// The raw text from BEGIN to END split into simple commands at ; & | ( )
// and unescaped newlines, into words at blanks and quotes. Quotes do not
// protect operators: `sh -c "a && b"` gives the commands of the string, so
// an edit can reach inside it. Continuations join lines; a comment line
// inside the instruction is skipped, as BuildKit removes it.
std::vector<Segment> segments(std::string_view text, std::size_t begin, std::size_t end,
                              char escape) {
  std::vector<Segment> out(1);
  Word word;
  bool in_word = false;
  const auto finish = [&](std::size_t at) {
    if (in_word) {
      word.end = at;
      out.back().push_back(std::move(word));
      word = Word{};
      in_word = false;
    }
  };
  const auto split = [&] {
    if (!out.back().empty())
      out.emplace_back();
  };
  bool line_start = false;
  std::size_t i = begin;
  while (i < end) {
    const char c = text[i];
    if (line_start) {
      line_start = false;
      if (const auto next = past_comment_line(text, i, end)) {
        i = *next;
        line_start = true;
        continue;
      }
    }
    if (c == escape && i + 1 < end) {
      if (const auto next = past_continuation(text, i, end, escape)) {
        finish(i);
        i = *next;
        line_start = true;
        continue;
      }
      if (!in_word) {
        word.begin = i;
        in_word = true;
      }
      word.bare += text[i + 1];
      i += 2;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '"' || c == '\'') {
      finish(i);
      ++i;
      continue;
    }
    if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
      finish(i);
      split();
      if (c == '\n')
        line_start = true;
      ++i;
      continue;
    }
    if (!in_word) {
      word.begin = i;
      in_word = true;
    }
    word.bare += c;
    ++i;
  }
  finish(end);
  if (out.back().empty())
    out.pop_back();
  return out;
}

std::string_view base_name(std::string_view word) {
  const auto slash = word.rfind('/');
  return slash == std::string_view::npos ? word : word.substr(slash + 1);
}

// Words that may come before the program of a command: assignments,
// options, and the wrappers that run the next word.
bool may_precede(const std::string& w) {
  if (w.starts_with('-') || w.find('=') != std::string::npos)
    return true;
  const auto b = base_name(w);
  return b == "sudo" || b == "env" || b == "sh" || b == "bash" || b == "exec" || b == "{" ||
         b == "then" || b == "do" || b == "else" || b == "!" || b == "time" || b == "nice";
}

// The index of the program word of SEG when it is one of PROGRAMS.
std::optional<std::size_t> program_in(const Segment& seg,
                                      std::initializer_list<std::string_view> programs) {
  for (std::size_t i = 0; i < seg.size(); ++i) {
    const auto b = base_name(seg[i].bare);
    if (std::find(programs.begin(), programs.end(), b) != programs.end())
      return i;
    if (!may_precede(seg[i].bare))
      return std::nullopt;
  }
  return std::nullopt;
}

// The region of an instruction's text: from its keyword to the end of its
// last line (a heredoc's body included).
struct Region {
  std::size_t begin = 0; // the keyword
  std::size_t end = 0;
};

Region region_of(const Lines& lines, const dockerfile::Instruction& ins) {
  return {lines.start(ins.start_line) + static_cast<std::size_t>(std::max(ins.column - 1, 0)),
          lines.end(std::max(ins.end_line, ins.start_line))};
}

// Where the arguments of an instruction start: past the keyword (and for
// ONBUILD, the trigger's keyword) and the blanks after it.
std::size_t args_begin(std::string_view text, const dockerfile::Instruction& ins, Region r) {
  std::size_t i = r.begin;
  int keywords = ins.keyword == "onbuild" ? 2 : 1;
  while (keywords-- > 0) {
    while (i < r.end && text[i] != ' ' && text[i] != '\t')
      ++i;
    while (i < r.end && (text[i] == ' ' || text[i] == '\t'))
      ++i;
  }
  return i;
}

// The shell text of a shell-form RUN (or an ONBUILD RUN) that an edit may
// touch: none for the JSON form and heredocs.
const dockerfile::Instruction* editable_run(const dockerfile::Instruction& ins) {
  const auto* run = ins.keyword == "onbuild" && ins.onbuild ? ins.onbuild.get() : &ins;
  if (run->keyword != "run" || run->json || !run->heredocs.empty())
    return nullptr;
  return run;
}

// Upper or lower case, as the file writes its FROM.
bool lower_case_file(const dockerfile::ParseResult& ast, std::string_view text,
                     const Lines& lines) {
  for (const auto& ins : ast.instructions)
    if (ins.keyword == "from") {
      const auto at = lines.start(ins.start_line) + static_cast<std::size_t>(ins.column - 1);
      return at < text.size() && text[at] == 'f';
    }
  return false;
}

std::string keyword(std::string_view upper, bool lower) {
  return lower ? util::to_lower(upper) : std::string(upper);
}

// The first line of the comment block directly above LINE (pragmas and
// notes belong to the instruction under them), or LINE itself.
int block_start(const Lines& lines, int line) {
  int first = line;
  while (first > 1) {
    const auto above = util::trim(lines.text(first - 1));
    if (!above.starts_with('#'))
      break;
    --first;
  }
  return first;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_array(const std::vector<std::string>& words) {
  std::string out = "[";
  for (std::size_t i = 0; i < words.size(); ++i)
    out += (i == 0 ? "" : ", ") + json_string(words[i]);
  return out + "]";
}

// The words of a shell command that the shell would only split: plain
// characters, single quotes, double quotes holding no expansion. nullopt
// for anything the shell interprets (variables, globs, operators,
// redirections, assignments, escapes).
std::optional<std::vector<std::string>> plain_words(std::string_view cmd) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < cmd.size(); ++i) {
    const char c = cmd[i];
    if (c == ' ' || c == '\t') {
      if (in_word)
        words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    if (c == '\'' || c == '"') {
      const auto close = cmd.find(c, i + 1);
      if (close == std::string_view::npos)
        return std::nullopt;
      const auto inner = cmd.substr(i + 1, close - i - 1);
      if (c == '"' && inner.find_first_of("$`\\!") != std::string_view::npos)
        return std::nullopt;
      word += inner;
      in_word = true;
      i = close;
      continue;
    }
    if (std::string_view("$`\\;&|<>(){}*?[]!").find(c) != std::string_view::npos)
      return std::nullopt;
    if ((c == '#' || c == '~') && !in_word)
      return std::nullopt;
    if (c == '=' && words.empty()) // FOO=bar cmd: an assignment
      return std::nullopt;
    word += c;
    in_word = true;
  }
  if (in_word)
    words.push_back(std::move(word));
  if (words.empty())
    return std::nullopt;
  return words;
}

// The shell text of [BEGIN, END): continuations joined, comment lines dropped.
std::string joined(std::string_view text, std::size_t begin, std::size_t end, char escape) {
  std::string out;
  bool line_start = false;
  std::size_t i = begin;
  while (i < end) {
    if (line_start) {
      line_start = false;
      if (const auto next = past_comment_line(text, i, end)) {
        i = *next;
        line_start = true;
        continue;
      }
    }
    if (const auto next = past_continuation(text, i, end, escape)) {
      i = *next;
      line_start = true;
      continue;
    }
    out += text[i++];
  }
  return std::string(util::trim(out));
}

enum class Family { debian, alpine, busybox, no_shell, windows };

// What kind of system a stage is built on, judged by its first base image.
Family family_of(const dockerfile::Model& model, const dockerfile::Stage& stage) {
  const dockerfile::Stage* root = &stage;
  while (root->base_stage >= 0)
    root = &model.stages[static_cast<std::size_t>(root->base_stage)];
  if (root->is_scratch)
    return Family::no_shell;
  if (!root->image || !root->base_resolved)
    return Family::debian;
  const auto repo = util::to_lower(root->image->repository);
  const auto tag = util::to_lower(root->image->tag);
  if (repo.find("distroless") != std::string::npos || repo.starts_with("chainguard/") ||
      util::to_lower(root->image->registry) == "cgr.dev")
    return Family::no_shell;
  if (repo.find("windows") != std::string::npos || repo.find("nanoserver") != std::string::npos ||
      repo.find("servercore") != std::string::npos)
    return Family::windows;
  if (base_name(repo) == "alpine" || tag.find("alpine") != std::string::npos)
    return Family::alpine;
  if (base_name(repo) == "busybox")
    return Family::busybox;
  return Family::debian;
}

struct Context {
  const std::string& text;
  const dockerfile::ParseResult& ast;
  const dockerfile::Model& model;
  const Lines& lines;
  const DockerfileInput& input;
  bool lower = false;
  std::map<std::string, std::optional<std::string>> digests; // resolver answers, per image
};

const dockerfile::Stage* stage_of(const dockerfile::Model& model,
                                  const dockerfile::Instruction& ins) {
  for (const auto& stage : model.stages) {
    if (stage.from == &ins)
      return &stage;
    for (const auto& step : stage.steps)
      if (step.instruction == &ins)
        return &stage;
  }
  return nullptr;
}

// The stages STAGE builds on, STAGE last.
std::vector<const dockerfile::Stage*> chain_of(const dockerfile::Model& model,
                                               const dockerfile::Stage& stage) {
  std::vector<const dockerfile::Stage*> chain{&stage};
  while (chain.back()->base_stage >= 0)
    chain.push_back(&model.stages[static_cast<std::size_t>(chain.back()->base_stage)]);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

bool chain_has(const dockerfile::Model& model, const dockerfile::Stage& stage,
               std::string_view keyword) {
  for (const auto* s : chain_of(model, stage))
    for (const auto& step : s->steps)
      if (step.instruction->keyword == keyword)
        return true;
  return false;
}

// Adds FLAG after SUBCOMMAND of each of PROGRAMS' commands in a RUN that
// does not carry one of PRESENT already.
std::vector<Edit> add_flag(const Context& ctx, const dockerfile::Instruction& ins,
                           std::initializer_list<std::string_view> programs,
                           std::string_view subcommand, std::string_view flag,
                           std::initializer_list<std::string_view> present, char short_flag = 0) {
  std::vector<Edit> edits;
  const auto* run = editable_run(ins);
  if (run == nullptr)
    return edits;
  const auto r = region_of(ctx.lines, ins);
  for (const auto& seg : segments(ctx.text, args_begin(ctx.text, ins, r), r.end, ctx.ast.escape)) {
    const auto prog = program_in(seg, programs);
    if (!prog)
      continue;
    std::optional<std::size_t> sub;
    bool has = false;
    for (std::size_t i = *prog + 1; i < seg.size(); ++i) {
      const auto& w = seg[i].bare;
      if (!sub && w == subcommand)
        sub = i;
      for (auto p : present)
        if (w == p || (w.starts_with(p) && w.size() > p.size() && w[p.size()] == '='))
          has = true;
      if (short_flag != 0 && w.size() > 1 && w[0] == '-' && w[1] != '-' &&
          w.find(short_flag) != std::string::npos)
        has = true;
    }
    if (sub && !has)
      edits.push_back(Edit{seg[*sub].end, 0, fmt::format(" {}", flag)});
  }
  return edits;
}

std::vector<Edit> use_apt_get(const Context& ctx, const dockerfile::Instruction& ins) {
  std::vector<Edit> edits;
  if (editable_run(ins) == nullptr)
    return edits;
  const auto r = region_of(ctx.lines, ins);
  for (const auto& seg : segments(ctx.text, args_begin(ctx.text, ins, r), r.end, ctx.ast.escape))
    if (const auto prog = program_in(seg, {"apt"});
        prog && seg[*prog].bare == "apt" && seg[*prog].end - seg[*prog].begin == 3)
      edits.push_back(Edit{seg[*prog].begin, 3, "apt-get"});
  return edits;
}

// Appends `&& rm -rf /var/lib/apt/lists/*` to the RUN's last command.
std::vector<Edit> clean_apt_lists(const Context& ctx, const dockerfile::Instruction& ins) {
  if (editable_run(ins) == nullptr)
    return {};
  const auto r = region_of(ctx.lines, ins);
  const auto last = util::trim(ctx.lines.text(ins.end_line));
  if (last.empty() || last.starts_with('#') || last.back() == ctx.ast.escape)
    return {};
  if (last.ends_with("&&") || last.ends_with("||") || last.ends_with('|') ||
      (last.ends_with('&') && !last.ends_with("\\&")))
    return {};
  auto at = r.end;
  while (at > r.begin && (ctx.text[at - 1] == ' ' || ctx.text[at - 1] == '\t'))
    --at;
  return {Edit{at, 0,
               last.ends_with(';') ? " rm -rf /var/lib/apt/lists/*"
                                   : " && rm -rf /var/lib/apt/lists/*"}};
}

std::vector<Edit> copy_not_add(const Context& ctx, const dockerfile::Instruction& ins) {
  if (ins.keyword != "add")
    return {};
  for (const auto& f : ins.flags) {
    const auto name = std::string_view(f).substr(0, f.find('='));
    if (name != "--chown" && name != "--chmod" && name != "--link" && name != "--exclude")
      return {};
  }
  const auto r = region_of(ctx.lines, ins);
  const auto written = std::string_view(ctx.text).substr(r.begin, 3);
  if (!util::iequals(written, "add"))
    return {};
  return {Edit{r.begin, 3, written == "add" ? "copy" : (written == "ADD" ? "COPY" : "Copy")}};
}

std::vector<Edit> exec_form(const Context& ctx, const dockerfile::Instruction& ins) {
  if (ins.json || ins.args.empty() || ins.keyword == "onbuild")
    return {};
  const auto* stage = stage_of(ctx.model, ins);
  if (stage == nullptr)
    return {};
  const auto r = region_of(ctx.lines, ins);
  auto begin = args_begin(ctx.text, ins, r);
  bool health = false;
  if (ins.keyword == "healthcheck") {
    // Past the flags to the CMD word.
    for (const auto& seg : segments(ctx.text, begin, r.end, ctx.ast.escape)) {
      for (const auto& w : seg)
        if (!w.bare.starts_with("--")) {
          if (!util::iequals(w.bare, "cmd"))
            return {};
          begin = w.end;
          break;
        }
      break;
    }
    while (begin < r.end && (ctx.text[begin] == ' ' || ctx.text[begin] == '\t'))
      ++begin;
    health = true;
  } else if (ins.keyword == "cmd") {
    // An ENTRYPOINT receives CMD's words as its arguments: in shell form
    // they are /bin/sh -c and the text, so the words would change.
    if (chain_has(ctx.model, *stage, "entrypoint"))
      return {};
  } else if (ins.keyword == "entrypoint") {
    // A shell-form ENTRYPOINT ignores CMD; the JSON form would receive it.
    if (chain_has(ctx.model, *stage, "cmd"))
      return {};
  } else {
    return {};
  }
  const auto command = joined(ctx.text, begin, r.end, ctx.ast.escape);
  if (auto words = plain_words(command))
    return {Edit{begin, r.end - begin, json_array(*words)}};
  // A health check's exit status is all that counts: the shell can stay,
  // written out: the last SHELL's, or /bin/sh -c.
  if (!health)
    return {};
  std::vector<std::string> shell{"/bin/sh", "-c"};
  for (const auto* s : chain_of(ctx.model, *stage))
    for (const auto& step : s->steps)
      if (step.instruction->keyword == "shell" && step.instruction->json &&
          step.instruction->start_line < ins.start_line)
        shell = step.instruction->args;
  shell.push_back(command);
  return {Edit{begin, r.end - begin, json_array(shell)}};
}

// Text inserted as whole lines before LINE (or after the last line).
Edit insert_lines(const Context& ctx, int line, const std::string& lines_text) {
  if (line > ctx.lines.count() || ctx.lines.start(line) >= ctx.text.size()) {
    const bool newline = !ctx.text.empty() && ctx.text.back() != '\n';
    return Edit{ctx.text.size(), 0, (newline ? "\n" : "") + lines_text};
  }
  return Edit{ctx.lines.start(line), 0, lines_text};
}

std::vector<Edit> pipefail_shell(const Context& ctx, const dockerfile::Instruction& ins) {
  const auto* stage = stage_of(ctx.model, ins);
  if (stage == nullptr || ins.keyword != "run" || chain_has(ctx.model, *stage, "shell"))
    return {};
  std::string shell;
  switch (family_of(ctx.model, *stage)) {
  case Family::debian:
    shell = R"(["/bin/bash", "-o", "pipefail", "-c"])";
    break;
  case Family::alpine:
    shell = R"(["/bin/ash", "-o", "pipefail", "-c"])";
    break;
  case Family::busybox:
    shell = R"(["/bin/sh", "-o", "pipefail", "-c"])";
    break;
  case Family::no_shell:
  case Family::windows:
    return {};
  }
  const std::string indent(static_cast<std::size_t>(std::max(ins.column - 1, 0)), ' ');
  return {insert_lines(ctx, block_start(ctx.lines, ins.start_line),
                       fmt::format("{}{} {}\n", indent, keyword("SHELL", ctx.lower), shell))};
}

bool trailing_metadata(const std::string& keyword) {
  return keyword == "cmd" || keyword == "entrypoint" || keyword == "expose" ||
         keyword == "healthcheck" || keyword == "label" || keyword == "stopsignal";
}

std::vector<Edit> add_user(const Context& ctx) {
  if (ctx.model.stages.empty())
    return {};
  const auto& stage = ctx.model.stages.back();
  if (stage.from == nullptr)
    return {};
  std::string create;
  const auto family = family_of(ctx.model, stage);
  switch (family) {
  case Family::debian:
    create = "groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app "
             "--no-create-home --shell /usr/sbin/nologin app";
    break;
  case Family::alpine:
  case Family::busybox:
    create = "addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app -s /sbin/nologin app";
    break;
  case Family::no_shell:
    break;
  case Family::windows:
    return {};
  }
  // Before the metadata that ends the stage, else after its last instruction.
  std::size_t at = stage.steps.size();
  while (at > 0 && trailing_metadata(stage.steps[at - 1].instruction->keyword))
    --at;
  const dockerfile::Instruction* before = at > 0 ? stage.steps[at - 1].instruction : stage.from;
  const int line = at < stage.steps.size()
                       ? block_start(ctx.lines, stage.steps[at].instruction->start_line)
                       : std::max(before->end_line, before->start_line) + 1;
  const std::string user = family == Family::no_shell ? "65534:65534" : "10001:10001";
  std::vector<Edit> edits;
  std::string lines_text;
  if (!create.empty()) {
    // Joined to the RUN just before, as a new RUN beside it would be one more layer.
    if (before->keyword == "run" && editable_run(*before) != nullptr) {
      auto fix = clean_apt_lists(ctx, *before); // the end of its command, found the same way
      if (fix.empty())
        return {};
      edits.push_back(
          Edit{fix.front().offset, 0, fmt::format(" {}\n    && {}", ctx.ast.escape, create)});
    } else {
      lines_text += fmt::format("{} {}\n", keyword("RUN", ctx.lower), create);
    }
  }
  lines_text += fmt::format("{} {}\n", keyword("USER", ctx.lower), user);
  edits.push_back(insert_lines(ctx, line, lines_text));
  return edits;
}

std::vector<Edit> pin_digest(Context& ctx, const dockerfile::Instruction& ins) {
  if (!ctx.input.resolve || ins.keyword != "from")
    return {};
  const auto* stage = stage_of(ctx.model, ins);
  if (stage == nullptr || !stage->image || !stage->image->digest.empty() ||
      stage->base != stage->base_written || stage->base.empty())
    return {};
  auto [it, fresh] = ctx.digests.try_emplace(stage->base);
  if (fresh)
    it->second = ctx.input.resolve(stage->base);
  if (!it->second || !it->second->starts_with("sha256:"))
    return {};
  const auto r = region_of(ctx.lines, ins);
  for (const auto& seg : segments(ctx.text, args_begin(ctx.text, ins, r), r.end, ctx.ast.escape))
    for (const auto& w : seg)
      if (!w.bare.starts_with("--")) {
        if (w.bare != stage->base_written)
          return {};
        return {Edit{w.end, 0, "@" + *it->second}};
      }
  return {};
}

std::vector<Edit> propose(Context& ctx, const dockerfile::Instruction* ins, std::string_view fix) {
  if (fix == "add-non-root-user")
    return add_user(ctx);
  if (ins == nullptr)
    return {};
  if (fix == "apk-no-cache")
    return add_flag(ctx, *ins, {"apk"}, "add", "--no-cache", {"--no-cache"});
  if (fix == "apt-clean-lists")
    return clean_apt_lists(ctx, *ins);
  if (fix == "apt-get-yes")
    return add_flag(ctx, *ins, {"apt-get"}, "install", "-y",
                    {"--yes", "--assume-yes", "-qq", "-q=2"}, 'y');
  if (fix == "apt-no-recommends")
    return add_flag(ctx, *ins, {"apt-get"}, "install", "--no-install-recommends",
                    {"--no-install-recommends"});
  if (fix == "copy-not-add")
    return copy_not_add(ctx, *ins);
  if (fix == "exec-form")
    return exec_form(ctx, *ins);
  if (fix == "pin-digest")
    return pin_digest(ctx, *ins);
  if (fix == "pip-no-cache-dir")
    return add_flag(ctx, *ins, {"pip", "pip3"}, "install", "--no-cache-dir", {"--no-cache-dir"});
  if (fix == "pipefail-shell")
    return pipefail_shell(ctx, *ins);
  if (fix == "use-apt-get")
    return use_apt_get(ctx, *ins);
  return {};
}

} // namespace

std::span<const FixInfo> dockerfile_fixes() {
  return k_dockerfile_fixes;
}

core::Result<Analysis> analyze_dockerfile(const std::string& text, const DockerfileInput& input) {
  static const core::Policy k_default_policy;
  const core::Policy& policy = input.policy != nullptr ? *input.policy : k_default_policy;
  dockerfile::LintInput lint_input{input.name, text, input.context_dir};
  MOAT_TRY_ASSIGN(report, dockerfile::lint(lint_input, policy));
  core::apply_policy(policy, report);
  MOAT_TRY_ASSIGN(ast, dockerfile::parse(text, input.name));
  const auto model = dockerfile::build_model(ast);
  const Lines lines(text);
  Context ctx{text, ast, model, lines, input, false, {}};
  ctx.lower = lower_case_file(ast, text, lines);
  std::map<int, const dockerfile::Instruction*> by_line;
  for (const auto& ins : ast.instructions)
    by_line.emplace(ins.start_line, &ins);
  Analysis analysis;
  for (const auto& f : report.findings) {
    if (f.check == nullptr)
      continue;
    ++analysis.counts[std::string(f.check->id)];
    for (const auto* fix : fixes_for(f.check->id)) {
      const auto it = by_line.find(f.location.line);
      const dockerfile::Instruction* ins = it == by_line.end() ? nullptr : it->second;
      auto edits = propose(ctx, ins, fix->id);
      if (!edits.empty())
        analysis.candidates.push_back(Candidate{fix, f.location.line, std::move(edits)});
    }
  }
  return analysis;
}

} // namespace moat::fix
