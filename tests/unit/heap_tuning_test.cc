// keep_heap_top(): memory freed at the top of the heap stays with the process
// instead of going back to the kernel and being asked for again. ctest runs
// each test in its own process, so malloc starts from glibc's defaults here.
#include "workers/heap_tuning.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define FORAGER_OWN_MALLOC 1  // ASan's allocator: no brk heap to watch
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
#define FORAGER_OWN_MALLOC 1
#endif
#endif

namespace forager {
namespace {

struct HeapSwing {
  char* grown_to = nullptr;  // the heap's end with the blocks allocated
  char* after_free = nullptr;
};

// Allocates 2 MiB in 8 KiB blocks (each below malloc's mmap threshold, so
// they come from the heap's top), frees them, and reports the heap's end.
HeapSwing allocate_and_free_top() {
  std::vector<void*> blocks;
  for (int i = 0; i < 256; ++i) blocks.push_back(std::malloc(8192));
  HeapSwing swing;
  swing.grown_to = static_cast<char*>(::sbrk(0));
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) std::free(*it);
  swing.after_free = static_cast<char*>(::sbrk(0));
  return swing;
}

TEST(HeapTuning, FreedHeapTopIsKeptOnlyAfterKeepHeapTop) {
#if !defined(__GLIBC__) || defined(FORAGER_OWN_MALLOC)
  GTEST_SKIP() << "needs glibc's malloc";
#else
  // glibc's defaults: the freed top goes back to the kernel at once.
  const HeapSwing before = allocate_and_free_top();
  EXPECT_LT(before.after_free, before.grown_to);

  ASSERT_TRUE(keep_heap_top());
  const HeapSwing after = allocate_and_free_top();
  EXPECT_EQ(after.after_free, after.grown_to);
  // Still bounded: what stays is below the kept maximum plus the padding.
  EXPECT_LE(static_cast<size_t>(after.grown_to - before.after_free), kKeptHeapTopBytes + 2 * kHeapTopPadBytes);
#endif
}

}  // namespace
}  // namespace forager
