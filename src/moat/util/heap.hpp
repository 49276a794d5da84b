#pragma once
// Heap tuning for short runs. A process like `moat lint` touches a few MiB
// of fresh heap, and each 4 KiB page of it costs a page fault; on virtual
// machines a fault costs 10-15 us, so faults can take a third of a lint of
// a few hundred files. Backing the heap with transparent huge pages turns
// 512 faults into one.

namespace moat::util {

// Grows the main heap in 16 MiB steps and asks the kernel for transparent
// huge pages on it (madvise; a no-op where THP is off). Call once, before
// threads start and before anything long-lived is allocated; only where the
// run will touch megabytes (cli/app.cpp decides per verb). Does nothing under sanitizers, which
// bring their own allocator.
void prefer_huge_page_heap() noexcept;

// The same for the calling thread's malloc arena: call at the start of a
// worker thread that allocates much.
void prefer_huge_page_thread_heap() noexcept;

} // namespace moat::util
