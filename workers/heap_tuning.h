// How a worker process's heap gives memory back to the kernel.
//
// glibc's malloc shrinks the heap (brk) whenever more than 128 KiB at its top
// is free, and grows it again (brk, then a page fault per page touched) on the
// next allocations. OpenSSL 3 allocates and frees a great deal per TLS
// handshake, so over HTTPS a worker's heap went up and down hundreds of times
// a second: 704 brk calls for 2,200 pages against 61 over plain HTTP, and
// brk, page faults and malloc's own work were about a third of what HTTPS
// cost the workers on top of HTTP (bench/RESULTS.md, issue 18). A worker
// therefore keeps up to kKeptHeapTopBytes of free heap at the top, and grows
// the heap kHeapTopPadBytes more than asked at a time.
//
// Memory stays bounded: what is kept is at most kKeptHeapTopBytes per worker,
// and after a big page the worker still hands everything free back
// (malloc_trim in transfer.cc, which this does not change). Allocations of
// 128 KiB and more keep coming from mmap and going back at free (setting the
// trim threshold turns off glibc's growing of that limit).
#pragma once

#include <cstddef>

namespace forager {

inline constexpr size_t kKeptHeapTopBytes = size_t{8} << 20;
inline constexpr size_t kHeapTopPadBytes = size_t{1} << 20;

// Applies the settings above to this process (glibc's mallopt; elsewhere a
// no-op). Returns false when malloc refused one of them.
bool keep_heap_top();

}  // namespace forager
