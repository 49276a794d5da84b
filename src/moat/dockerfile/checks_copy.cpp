// Checks on COPY and ADD: ADD for local files (DL3020), several sources
// (DL3021), --from (DL3022, DL3023), relative destinations (DL3045), archives
// unpacked later (DL3010), credential files, the whole context without a
// .dockerignore, --chmod modes, ADD of URLs, and files removed in a later layer.

#include <moat/dockerfile/check_helpers.hpp>

#include <moat/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace moat::dockerfile::detail {

using util::iequals;

namespace {

// The patterns of a .dockerignore; empty when it has an exclusion ('!'),
// which makes what it keeps too hard to tell without the files.
std::vector<std::string> ignore_patterns(std::string_view text) {
  std::vector<std::string> out;
  for (auto line : util::split(text, '\n')) {
    auto pattern = util::trim(line);
    if (pattern.empty() || pattern.front() == '#')
      continue;
    if (pattern.front() == '!')
      return {};
    while (pattern.starts_with("/") || pattern.starts_with("./"))
      pattern.remove_prefix(pattern.front() == '/' ? 1 : 2);
    if (!pattern.empty() && pattern != ".")
      out.emplace_back(pattern);
  }
  return out;
}

// True when PATTERNS exclude PATH or a directory above it.
bool ignored(const std::vector<std::string>& patterns, std::string_view path) {
  while (path.starts_with("./") || path.starts_with("/"))
    path.remove_prefix(path.front() == '/' ? 1 : 2);
  while (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  for (std::string_view prefix = path; !prefix.empty();) {
    for (const auto& p : patterns)
      if (util::path_match(p, prefix))
        return true;
    auto slash = prefix.rfind('/');
    prefix = slash == std::string_view::npos ? std::string_view() : prefix.substr(0, slash);
  }
  return false;
}

// The file name of a path, with '/' or '\\' as separator.
std::string_view file_name(std::string_view p) {
  while (!p.empty() && (p.back() == '/' || p.back() == '\\'))
    p.remove_suffix(1);
  const auto sep = p.find_last_of("/\\");
  return sep == std::string_view::npos ? p : p.substr(sep + 1);
}

// tar -x (also --extract, --get and the old "tar xf"), unzip, gunzip and
// the other unpackers.
bool unpacks(const Command& c) {
  const auto prog = c.program();
  if (prog != "tar")
    return is_one_of(prog, {"unzip", "gunzip", "bunzip2", "unlzma", "unxz", "uncompress", "zcat",
                            "gzcat", "unzstd", "7z"});
  auto letters = [](std::string_view w) {
    return !w.empty() && std::all_of(w.begin(), w.end(), [](char ch) {
      return std::isalpha(static_cast<unsigned char>(ch)) != 0;
    });
  };
  if (c.argv.size() > 1 && letters(c.argv[1]) && c.argv[1].find('x') != std::string::npos)
    return true;
  return std::any_of(c.argv.begin() + 1, c.argv.end(), [&](const std::string& a) {
    return a == "--extract" || a == "--get" ||
           (a.size() > 1 && a[0] == '-' && letters(std::string_view(a).substr(1)) &&
            a.find('x') != std::string::npos);
  });
}

// DL3010: an archive copied by the COPY at STEPS[SI] and unpacked by a
// later RUN of the same stage, which ADD would have done in one layer.
void check_unpacked_later(Context& ctx, const Stage& stage, std::size_t si) {
  const auto& ins = *stage.steps[si].instruction;
  const auto args = copy_args(ins);
  // The archive's name in the image: the destination's when it names a
  // file, the source's when it is copied into a directory.
  std::vector<std::string_view> names;
  if (is_archive(args.dest) && !ends_with_separator(args.dest))
    names.push_back(file_name(args.dest));
  else
    for (const auto& s : args.sources)
      if (is_archive(s) && !is_url(s))
        names.push_back(file_name(s));
  if (names.empty())
    return;
  for (std::size_t sj = si + 1; sj < stage.steps.size(); ++sj) {
    const Run* run = ctx.run_of(*stage.steps[sj].instruction);
    if (run == nullptr)
      continue;
    for (const auto& c : commands_of(*run)) {
      if (!unpacks(c))
        continue;
      for (auto name : names)
        if (std::any_of(c.argv.begin() + 1, c.argv.end(),
                        [&](const std::string& a) { return file_name(a) == name; })) {
          ctx.report("DF011", ins,
                     fmt::format("'{}' is copied and then unpacked by RUN at line {}; ADD "
                                 "unpacks local archives in one layer",
                                 name, run->instruction->start_line));
          return;
        }
    }
  }
}

} // namespace

// DL3067: COPY --from=X / / copies the other stage's whole file system.
void check_copy_whole_stage(Context& ctx) {
  for (const auto& ins : ctx.ast.instructions) {
    if (ins.keyword != "copy" || !flag_value(ins, "from") || ins.args.size() < 2)
      continue;
    auto args = copy_args(ins);
    if (args.dest == "/" && std::any_of(args.sources.begin(), args.sources.end(),
                                        [](const std::string& s) { return s == "/"; }))
      ctx.report("DF121", ins,
                 fmt::format("COPY --from={} / / copies the whole file system of that stage",
                             *flag_value(ins, "from")));
  }
}

// BuildKit's CopyIgnoredFile: a context source that .dockerignore excludes.
void check_copy_ignored(Context& ctx) {
  if (!ctx.read_dockerignore || !ctx.enabled("DF123"))
    return;
  std::vector<std::string> patterns;
  bool read = false;
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if ((ins.keyword != "copy" && ins.keyword != "add") || flag_value(ins, "from") ||
          !ins.heredocs.empty())
        continue;
      if (!read) {
        read = true;
        if (const auto& text = ctx.dockerignore())
          patterns = ignore_patterns(*text);
      }
      if (patterns.empty())
        return;
      for (const auto& source : copy_args(ins).sources) {
        if (is_url(source))
          continue;
        const auto path = expand_or_keep(source, step.env(), ctx.ast.escape);
        if (!has_variable(path) && ignored(patterns, path))
          ctx.report("DF123", ins,
                     fmt::format("{} \"{}\", which .dockerignore excludes from the context",
                                 ins.keyword == "copy" ? "COPY of" : "ADD of", path));
      }
    }
}

void check_copy_add(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    // A WORKDIR in a stage this one builds on counts as set.
    bool workdir_set = base_chain_has(ctx, stage, "workdir");

    for (std::size_t si = 0; si < stage.steps.size(); ++si) {
      const auto& step = stage.steps[si];
      const auto& ins = *step.instruction;
      if (ins.keyword == "workdir")
        workdir_set = true;
      if (ins.keyword != "copy" && ins.keyword != "add")
        continue;
      auto args = copy_args(ins);
      auto from = flag_value(ins, "from");
      const bool is_add = ins.keyword == "add";
      if (from && ins.keyword == "copy") {
        auto f = expand_or_keep(*from, step.env(), ctx.ast.escape);
        int idx = ctx.model.find_stage(f, static_cast<int>(ctx.model.stages.size()));
        bool own_stage = !stage.implicit && ((!stage.name.empty() && iequals(f, stage.name)) ||
                                             f == std::to_string(stage.index));
        if (own_stage)
          ctx.report("DF023", ins, fmt::format("COPY --from={} refers to the stage it is in", f));
        else if (!has_variable(f) && f.find(':') == std::string::npos &&
                 f.find('/') == std::string::npos && (idx < 0 || idx >= stage.index))
          ctx.report("DF022", ins, fmt::format("COPY --from={} does not name an earlier stage", f));
      }
      // In JSON form a variable in the destination is not expanded.
      if (args.sources.size() >= 2 && !ends_with_separator(args.dest) &&
          (ins.json || !has_variable(args.dest)))
        ctx.report("DF021", ins,
                   fmt::format("{} with several sources needs a destination ending in '/'",
                               util::to_upper(ins.keyword)));
      auto dest = expand_or_keep(args.dest, step.env(), ctx.ast.escape);
      if (!workdir_set && !dest.empty() && !dest.starts_with("/") && !has_variable(dest) &&
          !is_windows_path(dest) && !args.sources.empty())
        ctx.report("DF043", ins,
                   fmt::format("relative destination '{}' with no WORKDIR set", dest));
      bool has_heredoc_source = !ins.heredocs.empty();
      if (is_add && !has_heredoc_source) {
        bool url_or_archive =
            std::any_of(args.sources.begin(), args.sources.end(), [](const std::string& s) {
              return is_url(s) || is_archive(s) || has_variable(s);
            });
        if (!url_or_archive && !args.sources.empty())
          ctx.report(
              "DF020", ins,
              "ADD copies local files: use COPY, which does not fetch URLs or unpack archives");
        for (const auto& s : args.sources)
          if (s.starts_with("http://") || s.starts_with("https://")) {
            if (!flag_value(ins, "checksum"))
              ctx.report(
                  "DF069", ins,
                  fmt::format("ADD {} downloads without --checksum, so the content is not verified",
                              s));
          }
      }
      if (!from) {
        for (const auto& s : args.sources) {
          auto name = sensitive_source(s);
          if (!name.empty())
            ctx.report("DF065", ins,
                       fmt::format("{} copies '{}', which {}, into the image",
                                   util::to_upper(ins.keyword), s,
                                   name == ".git" ? "holds the repository's whole history"
                                                  : "holds credentials or keys"));
        }
        bool copies_context =
            std::any_of(args.sources.begin(), args.sources.end(), [](const std::string& s) {
              return s == "." || s == "./" || s == "./*" || s == "*";
            });
        if (copies_context && ctx.read_dockerignore && !ctx.dockerignore())
          ctx.report("DF066", ins,
                     "the whole build context is copied and there is no .dockerignore: secrets, "
                     ".git and local files end up in the image");
      }
      if (auto mode = flag_value(ins, "chmod")) {
        auto facts = mode_facts(*mode);
        if (facts.setid)
          ctx.report("DF071", ins, fmt::format("--chmod={} sets the setuid/setgid bit", *mode));
        if (facts.world_writable)
          ctx.report("DF072", ins, fmt::format("--chmod={} makes files world-writable", *mode));
      }
      if (!is_add && !from)
        check_unpacked_later(ctx, stage, si);
    }
  }
}

void check_removed_later(Context& ctx) {
  for (const auto& stage : ctx.model.stages) {
    if (!ctx.in_final_image[static_cast<std::size_t>(stage.index)])
      continue;
    std::string workdir = "/";
    std::map<std::string, const Instruction*> added;
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      auto resolve = [&](std::string p) {
        p = expand_or_keep(p, step.env(), ctx.ast.escape);
        if (!p.starts_with("/")) {
          std::string joined = workdir;
          if (!joined.ends_with("/"))
            joined += '/';
          joined += p;
          p = std::move(joined);
        }
        while (p.size() > 1 && p.back() == '/')
          p.pop_back();
        return p;
      };
      if (ins.keyword == "workdir" && !ins.args.empty()) {
        workdir = resolve(ins.args[0]);
      } else if ((ins.keyword == "copy" || ins.keyword == "add") && !flag_value(ins, "from") &&
                 ins.heredocs.empty()) {
        auto args = copy_args(ins);
        for (const auto& s : args.sources) {
          if (is_url(s) || s.find_first_of("*?[") != std::string::npos || s == "." || s == "./")
            continue;
          std::string dest = args.dest.ends_with("/") || args.sources.size() > 1
                                 ? resolve(args.dest) + "/" + std::string(base_name(s))
                                 : resolve(args.dest);
          added[dest] = &ins;
        }
      } else if (ins.keyword == "run") {
        if (const Run* run = ctx.run_of(ins)) {
          for (const auto& c : commands_of(*run)) {
            if (c.program() != "rm" && c.program() != "shred")
              continue;
            for (const auto& p : positionals(c, {})) {
              auto it = added.find(resolve(std::string(p)));
              if (it == added.end())
                continue;
              bool sensitive = !sensitive_source(it->first).empty();
              ctx.report(
                  "DF098", ins,
                  fmt::format(
                      "'{}' was added at line {}; removing it here leaves it in that layer{}",
                      it->first, it->second->start_line,
                      sensitive ? " (it holds credentials or keys)" : ""));
            }
          }
        }
      }
    }
  }
}

// ADD sources over plain HTTP, git sources not pinned to a commit, URL
// credentials, --keep-git-dir, and COPY --from an unpinned image.
void check_copy_sources(Context& ctx) {
  for (const auto& stage : ctx.model.stages)
    for (const auto& step : stage.steps) {
      const auto& ins = *step.instruction;
      if (ins.keyword == "add" || ins.keyword == "copy") {
        auto args = copy_args(ins);
        if (ins.keyword == "add") {
          for (const auto& s : args.sources) {
            if (s.starts_with("http://") && !is_local_url(s))
              ctx.report("DF093", ins, fmt::format("ADD {} downloads over plain HTTP", s));
            bool git = s.ends_with(".git") || s.find(".git#") != std::string::npos ||
                       s.starts_with("git@") || s.starts_with("git://");
            if (git) {
              auto hash = s.find('#');
              std::string ref = hash == std::string::npos ? std::string() : s.substr(hash + 1);
              ref = ref.substr(0, ref.find(':'));
              bool commit = ref.size() == 40 && std::all_of(ref.begin(), ref.end(), [](char c) {
                              return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                            });
              if (!commit && !flag_value(ins, "checksum"))
                ctx.report("DF103", ins,
                           fmt::format("ADD {} follows a branch or tag, not a commit", s));
            }
            if (url_has_credentials(s))
              ctx.report("DF107", ins, "ADD source URL holds a user name and password");
          }
          if (auto keep = flag_value(ins, "keep-git-dir");
              keep && (keep->empty() || *keep == "true"))
            ctx.report(
                "DF108", ins,
                "ADD --keep-git-dir=true copies the repository's .git directory into the image");
        }
        if (auto from = flag_value(ins, "from"); from && ins.keyword == "copy") {
          auto f = expand_or_keep(*from, step.env(), ctx.ast.escape);
          if ((f.find(':') != std::string::npos || f.find('/') != std::string::npos) &&
              !has_variable(f)) {
            if (auto ref = parse_image_ref(f);
                ref && ref->digest.empty() && (ref->tag.empty() || ref->tag == "latest"))
              ctx.report(
                  "DF104", ins,
                  fmt::format("COPY --from={} copies from an image without a pinned version", f));
          }
        }
      }
    }
}

} // namespace moat::dockerfile::detail
