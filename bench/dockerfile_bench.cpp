// Kernels of the Dockerfile linter over the shared real-world corpus, read
// into memory once: parsing alone, and parsing plus every check.

#include <moat/dockerfile/ast.hpp>
#include <moat/dockerfile/lint.hpp>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> files = [] {
    std::vector<std::string> out;
    const auto root = std::filesystem::path(MOAT_SHARED_DIR) / "corpus" / "dockerfiles";
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().filename() == "SOURCE.md")
        continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    return out;
  }();
  return files;
}

std::size_t corpus_bytes() {
  std::size_t n = 0;
  for (const auto& f : corpus())
    n += f.size();
  return n;
}

void BM_ParseCorpus(benchmark::State& state) {
  for (auto _ : state) {
    for (const auto& text : corpus()) {
      auto r = moat::dockerfile::parse(text, "bench");
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(corpus_bytes()));
  state.counters["files"] = static_cast<double>(corpus().size());
}

void BM_LintCorpus(benchmark::State& state) {
  moat::core::Policy policy;
  for (auto _ : state) {
    for (const auto& text : corpus()) {
      moat::dockerfile::LintInput input{"bench", text, std::nullopt};
      auto r = moat::dockerfile::lint(input, policy);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(corpus_bytes()));
  state.counters["files"] = static_cast<double>(corpus().size());
}

} // namespace

BENCHMARK(BM_ParseCorpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LintCorpus)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
