// A bump allocator for one gumbo parse. gumbo-parser allocates every node,
// attribute, string and vector separately and frees them one by one in
// gumbo_destroy_output(); with malloc that is ~8 % of a parse (bench/RESULTS.md).
// Here allocation is a pointer bump, frees are no-ops, and the whole tree goes
// at once when the arena does. Memory stays bounded by what gumbo asks for:
// gumbo grows its buffers by doubling, so the never-freed old copies add at most
// as much again.
#pragma once

#include <gumbo.h>

#include <cstddef>
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

 private:
  std::vector<char*> blocks_;
  std::vector<void*> large_;
  char* next_ = nullptr;
  size_t left_ = 0;
};

}  // namespace forager
