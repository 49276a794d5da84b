// Kernels of vulnerability matching. bench/vuln.sh builds the database (the
// real OSV data plus 300,000 synthetic Debian advisories) and a 1,000-package
// SBOM, and passes them in MOAT_BENCH_DB and MOAT_BENCH_SBOM.

#include <moat/util/file.hpp>
#include <moat/vuln/db.hpp>
#include <moat/vuln/match.hpp>
#include <moat/vuln/sbom_input.hpp>
#include <moat/vuln/version.hpp>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0')
    throw std::runtime_error(std::string(name) + " is not set (run bench/vuln.sh)");
  return value;
}

// Matching a whole SBOM: the database lookups, range evaluation and findings.
void BM_MatchSbom(benchmark::State& state) {
  auto text = moat::util::read_file(env("MOAT_BENCH_SBOM"), 1U << 30);
  auto sbom = moat::vuln::read_sbom(text.value(), "sbom");
  auto db = moat::vuln::Database::open(env("MOAT_BENCH_DB"), false);
  if (!sbom || !db) {
    state.SkipWithError("cannot open the SBOM or the database");
    return;
  }
  const moat::vuln::Distro distro{sbom->os_id, sbom->os_version};
  size_t findings = 0;
  for (auto _ : state) {
    auto matched = moat::vuln::match_packages(*db, sbom->packages, distro);
    moat::core::TargetReport report;
    moat::vuln::add_findings(*matched, sbom->packages, {}, report);
    findings = report.findings.size();
    benchmark::DoNotOptimize(report);
  }
  state.counters["packages"] = static_cast<double>(sbom->packages.size());
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_MatchSbom)->Unit(benchmark::kMillisecond);

// Version comparison alone, over the shared conformance pairs of a scheme.
void compare_pairs(benchmark::State& state, moat::vuln::Scheme scheme, const char* file) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::ifstream in(std::string(MOAT_SHARED_DIR) + "/conformance/versions/" + file);
  std::string line;
  std::getline(in, line); // header
  while (std::getline(in, line)) {
    const auto a = line.find('\t');
    const auto b = line.find('\t', a + 1);
    if (a != std::string::npos && b != std::string::npos)
      pairs.emplace_back(line.substr(0, a), line.substr(a + 1, b - a - 1));
  }
  for (auto _ : state)
    for (const auto& [a, b] : pairs)
      benchmark::DoNotOptimize(moat::vuln::compare(scheme, a, b));
  state.SetItemsProcessed(state.iterations() *
                          static_cast<benchmark::IterationCount>(pairs.size()));
}
void BM_CompareDpkg(benchmark::State& s) {
  compare_pairs(s, moat::vuln::Scheme::dpkg, "dpkg.tsv");
}
void BM_ComparePep440(benchmark::State& s) {
  compare_pairs(s, moat::vuln::Scheme::pep440, "pep440.tsv");
}
BENCHMARK(BM_CompareDpkg);
BENCHMARK(BM_ComparePep440);

} // namespace

BENCHMARK_MAIN();
