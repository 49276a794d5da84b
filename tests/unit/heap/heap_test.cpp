#include <moat/util/heap.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

// Built without the sanitizers (tests/CMakeLists.txt), so this holds in CI
// too; it guards builds that add them by other means.
bool sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

std::string thp_mode() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(in, line);
  return line;
}

// Sum of the AnonHugePages of every mapping in /proc/self/smaps, in KiB.
long anon_huge_kib() {
  std::ifstream in("/proc/self/smaps");
  std::string line;
  long total = 0;
  while (std::getline(in, line)) {
    if (line.starts_with("AnonHugePages:")) {
      std::istringstream fields(line.substr(14));
      long kib = 0;
      fields >> kib;
      total += kib;
    }
  }
  return total;
}

// Allocates about 12 MiB in small blocks and touches every byte.
std::vector<std::unique_ptr<char[]>> fill_heap() {
  std::vector<std::unique_ptr<char[]>> blocks;
  blocks.reserve(12 * 1024);
  for (int i = 0; i < 12 * 1024; ++i) {
    blocks.emplace_back(new char[1000]);
    for (std::size_t j = 0; j < 1000; ++j)
      blocks.back()[j] = static_cast<char>(j);
  }
  return blocks;
}

TEST(Heap, WithoutTuningNoHugePagesAppear) {
  // The case the tuning exists for: a thread arena left alone stays on
  // small pages when the kernel's THP mode is "madvise". Runs first: later
  // threads may reuse an arena the next test tunes.
  const auto mode = thp_mode();
  if (sanitized() || mode.find("[madvise]") == std::string::npos)
    GTEST_SKIP() << "needs the THP mode 'madvise' and the system allocator (mode: " << mode << ")";
  long grown = -1;
  std::thread worker([&] {
    const long before = anon_huge_kib();
    auto blocks = fill_heap();
    grown = anon_huge_kib() - before;
  });
  worker.join();
  EXPECT_EQ(grown, 0);
}

TEST(Heap, SmallAllocationsLandOnHugePages) {
  if (sanitized())
    GTEST_SKIP() << "the sanitizers' allocator replaces malloc; heap tuning is off";
  const auto mode = thp_mode();
  if (mode.empty() || mode.find("[never]") != std::string::npos)
    GTEST_SKIP() << "transparent huge pages are off on this kernel (" << mode << ")";
  const long before = anon_huge_kib();
  moat::util::prefer_huge_page_heap();
  auto main_blocks = fill_heap();
  const long after_main = anon_huge_kib();
  EXPECT_GE(after_main - before, 2048) << "no huge page backs the main heap";

  // A worker thread's arena, tuned from inside the thread.
  long after_thread = 0;
  std::thread worker([&] {
    moat::util::prefer_huge_page_thread_heap();
    auto blocks = fill_heap();
    after_thread = anon_huge_kib();
  });
  worker.join();
  EXPECT_GE(after_thread - after_main, 2048) << "no huge page backs the thread's arena";
  // The blocks are real memory and still hold what was written.
  EXPECT_EQ(main_blocks[5000][999], static_cast<char>(999 % 256));
}

} // namespace
