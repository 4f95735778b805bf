// The allocator of one gumbo parse. gumbo-parser allocates every node,
// attribute, string and vector separately and frees them one by one in
// gumbo_destroy_output(); with malloc that is ~8 % of a parse (bench/RESULTS.md).
// Here the whole tree goes at once when the arena does, and an allocation is
// a pointer bump or a pop from a free list:
//
//   - a request of up to kMaxSmallBytes is rounded up to a multiple of
//     kAlignment and served from a chunk that holds only blocks of that
//     size (its size class). A free puts the block on its class's free list,
//     and the next request of that class takes it back. gumbo frees a great
//     many small blocks while it parses (each outgrown copy of a growing
//     vector or string, the tokenizer's per-tag buffers); without reuse they
//     were about a quarter of the arena on a big page (bench/RESULTS.md).
//   - a request of up to kMaxMediumBytes is bumped from a chunk of mixed
//     sizes; its free is a no-op (few of them: long texts and child lists).
//   - a larger request gets its own malloc block, which a free returns at
//     once: gumbo grows its buffers by doubling, and on a big page the
//     outgrown copies would otherwise stay until the end of the parse.
//
// Chunks are kChunkBytes, aligned to their size, so a block's chunk (and
// with it the block's size class) is found from its address. They are cut
// from kBlockBytes blocks; the pages of a block that no chunk touched cost
// no memory. Memory stays bounded by what gumbo holds live plus, per size
// class, the blocks it freed last (each reused before the chunk grows).
//
// kAlignment is 8, not malloc's 16: gumbo 0.10.1 allocates only strings
// and structures of pointers, size_t, ints, enums and bools (the static
// asserts in gumbo_arena.cc check the public ones), and rounding each short
// string to 16 bytes cost ~10 MB on a 4 MB page.
#pragma once

#include <gumbo.h>

#include <array>
#include <cstddef>
#include <unordered_set>
#include <vector>

namespace forager {

class GumboArena {
 public:
  static constexpr size_t kAlignment = 8;
  static constexpr size_t kMaxSmallBytes = 256;
  static constexpr size_t kChunkBytes = 16 * 1024;
  static constexpr size_t kMaxMediumBytes = 4096;
  static constexpr size_t kBlockBytes = 256 * 1024;
  // Blocks kept for the next parse on this thread, so that a worker does not
  // return its blocks to malloc and ask for them again on every page.
  static constexpr size_t kSpareBlocks = 8;

  GumboArena() = default;
  GumboArena(const GumboArena&) = delete;
  GumboArena& operator=(const GumboArena&) = delete;
  ~GumboArena();

  // gumbo's default options with this arena as allocator.
  GumboOptions options();

  // A block of at least `bytes` (aligned to kAlignment); never null (ends
  // the process when memory runs out: gumbo cannot take a null).
  void* allocate(size_t bytes);
  // Gives back a block that allocate() returned (null: nothing).
  void release(void* p);

  // Blocks of kBlockBytes this arena holds now (for tests and benchmarks).
  size_t blocks() const { return blocks_.size(); }
  // Large requests' own blocks not released yet.
  size_t large_blocks() const { return large_.size(); }
  // Spare blocks this thread holds for its next arena.
  static size_t spare_blocks();

 private:
  static constexpr size_t kClasses = kMaxSmallBytes / kAlignment + 1;  // [0]: medium

  struct Bump {
    char* next = nullptr;
    char* end = nullptr;
  };

  void* bump(size_t size_class, size_t bytes);
  char* new_chunk(size_t size_class);

  std::vector<char*> blocks_;
  char* next_chunk_ = nullptr;  // in blocks_.back()
  char* blocks_end_ = nullptr;
  std::array<Bump, kClasses> bump_{};
  std::array<void*, kClasses> free_{};  // per class, linked through the blocks
  std::unordered_set<void*> large_;
};

}  // namespace forager
