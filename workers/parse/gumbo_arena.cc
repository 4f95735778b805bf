#include "workers/parse/gumbo_arena.h"

#include <cstdio>
#include <cstdlib>

namespace forager {
namespace {

constexpr size_t kAlignment = alignof(std::max_align_t);
// Blocks kept for the next parse on this thread, so that a worker does not
// return its blocks to malloc and ask for them again on every page.
constexpr size_t kSpareBlocks = 8;

std::vector<char*>& spare_blocks() {
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

}  // namespace

GumboArena::~GumboArena() {
  for (void* p : large_) std::free(p);
  std::vector<char*>& spares = spare_blocks();
  for (char* block : blocks_) {
    if (spares.size() < kSpareBlocks) {
      spares.push_back(block);
    } else {
      std::free(block);
    }
  }
}

void GumboArena::release(void* p) {
  if (large_.empty() || p == nullptr) return;  // most parses have no large block
  if (large_.erase(p) != 0) std::free(p);
}

GumboOptions GumboArena::options() {
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = gumbo_allocate;
  options.deallocator = gumbo_free;
  options.userdata = this;
  return options;
}

void* GumboArena::allocate(size_t bytes) {
  bytes = (bytes + kAlignment - 1) & ~(kAlignment - 1);
  if (bytes > kBlockBytes / 4) {
    void* p = std::malloc(bytes);
    if (p == nullptr) out_of_memory();
    large_.insert(p);
    return p;
  }
  if (bytes > left_) {
    std::vector<char*>& spares = spare_blocks();
    char* block = nullptr;
    if (!spares.empty()) {
      block = spares.back();
      spares.pop_back();
    } else {
      block = static_cast<char*>(std::malloc(kBlockBytes));
      if (block == nullptr) out_of_memory();
    }
    blocks_.push_back(block);
    next_ = block;
    left_ = kBlockBytes;
  }
  void* p = next_;
  next_ += bytes;
  left_ -= bytes;
  return p;
}

}  // namespace forager
