#include "workers/heap_tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace forager {

bool keep_heap_top() {
#if defined(__GLIBC__)
  const bool trim = mallopt(M_TRIM_THRESHOLD, static_cast<int>(kKeptHeapTopBytes)) == 1;
  const bool pad = mallopt(M_TOP_PAD, static_cast<int>(kHeapTopPadBytes)) == 1;
  return trim && pad;
#else
  return true;
#endif
}

}  // namespace forager
