#include "workers/parse/gumbo_arena.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace forager {
namespace {

// What gumbo allocates through the arena must do with kAlignment.
static_assert(alignof(GumboNode) <= GumboArena::kAlignment);
static_assert(alignof(GumboAttribute) <= GumboArena::kAlignment);
static_assert(alignof(GumboOutput) <= GumboArena::kAlignment);
static_assert(alignof(void*) <= GumboArena::kAlignment);
// A free block holds the free list's next pointer.
static_assert(sizeof(void*) <= GumboArena::kAlignment);
static_assert(GumboArena::kBlockBytes % GumboArena::kChunkBytes == 0);
static_assert(GumboArena::kMaxMediumBytes + GumboArena::kAlignment <= GumboArena::kChunkBytes);

// A chunk starts with its size class (0: mixed sizes, frees are no-ops).
using ChunkHeader = size_t;
constexpr size_t kHeaderBytes = (sizeof(ChunkHeader) + GumboArena::kAlignment - 1) & ~(GumboArena::kAlignment - 1);

std::vector<char*>& spares() {
  thread_local struct Spares {
    std::vector<char*> blocks;
    ~Spares() {
      for (char* block : blocks) std::free(block);
    }
  } spares;
  return spares.blocks;
}

void* gumbo_allocate(void* userdata, size_t bytes) {
  return static_cast<GumboArena*>(userdata)->allocate(bytes);
}

void gumbo_free(void* userdata, void* p) { static_cast<GumboArena*>(userdata)->release(p); }

// gumbo cannot handle a failed allocation (it would dereference null), and an
// exception cannot unwind through its C frames: end the worker with a clear
// message; the coordinator replaces it and retries or fails the URL.
[[noreturn]] void out_of_memory() {
  std::fputs("forager worker: out of memory while parsing HTML\n", stderr);
  std::abort();
}

char* chunk_of(void* p) {
  return reinterpret_cast<char*>(reinterpret_cast<uintptr_t>(p) & ~(GumboArena::kChunkBytes - 1));
}

}  // namespace

GumboArena::~GumboArena() {
  for (void* p : large_) std::free(p);
  std::vector<char*>& kept = spares();
  for (char* block : blocks_) {
    if (kept.size() < kSpareBlocks) {
      kept.push_back(block);
    } else {
      std::free(block);
    }
  }
}

size_t GumboArena::spare_blocks() { return spares().size(); }

GumboOptions GumboArena::options() {
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = gumbo_allocate;
  options.deallocator = gumbo_free;
  options.userdata = this;
  return options;
}

void* GumboArena::allocate(size_t bytes) {
  if (bytes <= kMaxSmallBytes) {
    const size_t size_class = bytes == 0 ? 1 : (bytes + kAlignment - 1) / kAlignment;
    if (void* p = free_[size_class]) {
      free_[size_class] = *static_cast<void**>(p);
      return p;
    }
    return bump(size_class, size_class * kAlignment);
  }
  if (bytes <= kMaxMediumBytes) return bump(0, (bytes + kAlignment - 1) & ~(kAlignment - 1));
  void* p = std::malloc(bytes);
  if (p == nullptr) out_of_memory();
  large_.insert(p);
  return p;
}

void* GumboArena::bump(size_t size_class, size_t bytes) {
  Bump& b = bump_[size_class];
  if (static_cast<size_t>(b.end - b.next) < bytes) {
    b.next = new_chunk(size_class) + kHeaderBytes;
    b.end = b.next - kHeaderBytes + kChunkBytes;
  }
  void* p = b.next;
  b.next += bytes;
  return p;
}

char* GumboArena::new_chunk(size_t size_class) {
  if (next_chunk_ == blocks_end_) {
    std::vector<char*>& kept = spares();
    char* block = nullptr;
    if (!kept.empty()) {
      block = kept.back();
      kept.pop_back();
    } else {
      block = static_cast<char*>(std::aligned_alloc(kChunkBytes, kBlockBytes));
      if (block == nullptr) out_of_memory();
    }
    blocks_.push_back(block);
    next_chunk_ = block;
    blocks_end_ = block + kBlockBytes;
  }
  char* chunk = next_chunk_;
  next_chunk_ += kChunkBytes;
  *reinterpret_cast<ChunkHeader*>(chunk) = size_class;
  return chunk;
}

void GumboArena::release(void* p) {
  if (p == nullptr) return;
  // A large block first: its address says nothing (malloc's, not a chunk's).
  if (!large_.empty()) {
    if (auto it = large_.find(p); it != large_.end()) {
      large_.erase(it);
      std::free(p);
      return;
    }
  }
  const size_t size_class = *reinterpret_cast<const ChunkHeader*>(chunk_of(p));
  if (size_class == 0) return;
  *static_cast<void**>(p) = free_[size_class];
  free_[size_class] = p;
}

}  // namespace forager
