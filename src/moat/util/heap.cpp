#include <moat/util/heap.hpp>

#include <cstdint>
#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MOAT_SANITIZED_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define MOAT_SANITIZED_HEAP 1
#endif
#endif

namespace moat::util {

#if defined(__GLIBC__) && !defined(MOAT_SANITIZED_HEAP)

namespace {

constexpr std::uintptr_t k_page = 4096;
constexpr std::size_t k_step = std::size_t{16} << 20; // heap growth step
// glibc's thread arenas live in heaps of this size, aligned to it
// (HEAP_MAX_SIZE: twice the largest mmap threshold on 64-bit targets).
constexpr std::uintptr_t k_arena_heap = std::uintptr_t{64} << 20;

constexpr std::uintptr_t k_huge_page = std::uintptr_t{2} << 20;

char* brk_start = nullptr; // the main heap's end before it was grown

// The kernel backs a 2 MiB range with a huge page only when its first
// fault finds no small page there; the range holding the top of the heap
// has some already. A block reaching from the top to the next 2 MiB
// boundary, allocated and never touched or freed, makes the heap continue
// at that boundary: it costs address space, not memory.
void skip_to_huge_page_boundary() noexcept {
  void* volatile first = std::malloc(1);
  const auto top = reinterpret_cast<std::uintptr_t>(first);
  const auto boundary = (top + k_huge_page - 1) & ~(k_huge_page - 1);
  constexpr std::uintptr_t k_headers = 64; // two chunk headers and alignment
  if (boundary - top > k_headers) {
    void* volatile filler = std::malloc(boundary - top - k_headers);
    (void)filler; // kept for the life of the process
  }
  std::free(first);
}

} // namespace

void prefer_huge_page_heap() noexcept {
  // Grow the heap by 16 MiB at a time and keep that much when freeing, so
  // one madvise covers what a run uses; allocations up to 4 MiB come from
  // the heap instead of a fresh mmap each.
  mallopt(M_TOP_PAD, static_cast<int>(k_step));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * k_step));
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  void* const failed =
      reinterpret_cast<void*>(-1); // NOLINT(performance-no-int-to-ptr): sbrk's error value
  auto* before = static_cast<char*>(sbrk(0));
  // An allocation larger than what is left on top makes malloc grow the heap
  // now; freeing it keeps the growth (M_TOP_PAD).
  void* volatile probe = std::malloc(std::size_t{512} << 10); // volatile: not elided
  auto* after = static_cast<char*>(sbrk(0));
  std::free(probe);
  if (before == failed || after <= before)
    return;
  // madvise wants a page-aligned start: the first page boundary at or
  // after the old end.
  const auto misalignment = reinterpret_cast<std::uintptr_t>(before) & (k_page - 1);
  char* start = misalignment == 0 ? before : before + (k_page - misalignment);
  if (after <= start || madvise(start, static_cast<std::size_t>(after - start), MADV_HUGEPAGE) != 0)
    return;
  brk_start = before;
  skip_to_huge_page_boundary();
}

void prefer_huge_page_thread_heap() noexcept {
  char* const probe = static_cast<char*>(std::malloc(16));
  if (probe == nullptr)
    return;
  // A thread that shares the main arena has its heap covered already.
  auto* top = static_cast<char*>(sbrk(0));
  const bool main_arena = brk_start != nullptr && probe >= brk_start && probe < top;
  // Otherwise: the arena's whole reservation, including the part glibc has
  // not made writable yet (it keeps the advice when it grows into it).
  char* const reservation = probe - (reinterpret_cast<std::uintptr_t>(probe) & (k_arena_heap - 1));
  const bool advised = !main_arena && madvise(reservation, k_arena_heap, MADV_HUGEPAGE) == 0;
  std::free(probe);
  if (advised)
    skip_to_huge_page_boundary();
}

#else

void prefer_huge_page_heap() noexcept {}
void prefer_huge_page_thread_heap() noexcept {}

#endif

} // namespace moat::util
