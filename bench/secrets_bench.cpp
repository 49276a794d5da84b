// The secret engine's kernel: Scanner::feed over mixed text and binary
// data in 1 MiB blocks, all built-in rules, one thread. Reports bytes per
// second; the goal is at least 1.5 GB/s per core.

#include <moat/secrets/engine.hpp>
#include <moat/util/bytes.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace {

// 64 MiB of what a layer holds: source-like text, configuration lines with
// names that prefilters key on (password, token, key), base64, and binary
// (machine code-like bytes), with a planted secret every 4 MiB.
const std::string& corpus() {
  static const std::string data = [] {
    std::string out;
    out.reserve(std::size_t{64} << 20);
    std::uint64_t x = 88172645463325252ULL;
    auto next = [&] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    const std::string text =
        "static int parse_header(const char *buf, size_t len) {\n"
        "    if (len < sizeof(struct header)) return -EINVAL; /* too short */\n"
        "    token_count = read_u32(buf + 4); // the number of tokens\n"
        "}\n"
        "password_file = /etc/app/password\napi_key_path: /run/secrets/key\n"
        "# The secret is read at run time from the environment.\n"
        "Description: library for parsing and emitting YAML documents\n";
    const std::string b64 = "TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuIFRoZSBxdWljayBicm93biBmb3gg\n";
    while (out.size() < (std::size_t{64} << 20)) {
      switch (next() % 4) {
      case 0:
      case 1:
        out += text;
        break;
      case 2:
        out += b64;
        break;
      default:
        for (int i = 0; i < 256; ++i)
          out += static_cast<char>(next() & 0xff);
      }
      if (out.size() % (std::size_t{4} << 20) < 512)
        out += "\nGITHUB_TOKEN=ghp_Zq7xW2kLp9RtY4vBn8MhJ3cF6dGs5aE1Zq7x\n";
    }
    return out;
  }();
  return data;
}

void BM_SecretsScan(benchmark::State& state) {
  auto db = moat::secrets::Database::builtin();
  if (!db) {
    state.SkipWithError(db.error().to_string().c_str());
    return;
  }
  auto scanner = moat::secrets::Scanner::open(*db);
  const std::string& data = corpus();
  const std::size_t block = std::size_t{1} << 20;
  std::size_t hits = 0;
  for (auto _ : state) {
    (void)scanner->begin("corpus");
    for (std::size_t at = 0; at < data.size(); at += block)
      (void)scanner->feed(std::string_view(data).substr(at, block));
    auto found = scanner->finish();
    hits = found ? found->size() : 0;
    benchmark::DoNotOptimize(hits);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
  state.counters["hits"] = static_cast<double>(hits);
}
BENCHMARK(BM_SecretsScan)->Unit(benchmark::kMillisecond)->UseRealTime();

// The line count the engine makes of every block it scans, against the
// std::count it replaced: it must cost a small fraction of the scan.
void BM_CountNewlines(benchmark::State& state) {
  const std::string& data = corpus();
  for (auto _ : state)
    benchmark::DoNotOptimize(moat::util::count_byte(data, '\n'));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_CountNewlines)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_StdCountNewlines(benchmark::State& state) {
  const std::string& data = corpus();
  for (auto _ : state)
    benchmark::DoNotOptimize(std::count(data.begin(), data.end(), '\n'));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(BM_StdCountNewlines)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
