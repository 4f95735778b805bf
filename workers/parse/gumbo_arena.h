// A bump allocator for one gumbo parse. gumbo-parser allocates every node,
// attribute, string and vector separately and frees them one by one in
// gumbo_destroy_output(); with malloc that is ~8 % of a parse (bench/RESULTS.md).
// Here allocation is a pointer bump, frees of small objects are no-ops, and the
// whole tree goes at once when the arena does. A request larger than a quarter
// block gets its own malloc block, which a free returns at once: gumbo grows
// its buffers (a long text, a node's child list) by doubling, and on a big page
// the outgrown copies would otherwise stay until the end of the parse. Memory
// stays bounded by what gumbo asks for: the small outgrown copies add at most
// as much again.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <unordered_set>
#include <vector>

namespace forager {

class GumboArena {
 public:
  // Requests up to a quarter block share a block; larger ones get their own.
  static constexpr size_t kBlockBytes = 256 * 1024;

  GumboArena() = default;
  GumboArena(const GumboArena&) = delete;
  GumboArena& operator=(const GumboArena&) = delete;
  ~GumboArena();

  // gumbo's default options with this arena as allocator.
  GumboOptions options();

  void* allocate(size_t bytes);
  // Frees `p` when it is a large request's own block; else nothing.
  void release(void* p);

 private:
  std::vector<char*> blocks_;
  std::unordered_set<void*> large_;
  char* next_ = nullptr;
  size_t left_ = 0;
};

}  // namespace forager
