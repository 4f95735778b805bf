// GumboArena (workers/parse/gumbo_arena.h): size classes and their free
// lists, medium and large requests, alignment, spare blocks, and gumbo
// parsing through it.
#include "workers/parse/gumbo_arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "workers/parse/html_document.h"

namespace forager {
namespace {

bool aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % GumboArena::kAlignment == 0; }

TEST(GumboArenaTest, FreedSmallBlockIsReusedBySameSizeClass) {
  GumboArena arena;
  void* a = arena.allocate(40);
  void* b = arena.allocate(40);
  EXPECT_NE(a, b);
  arena.release(a);
  // 33..40 bytes are one class: the freed block comes back first.
  EXPECT_EQ(arena.allocate(33), a);
  EXPECT_NE(arena.allocate(40), a);
}

TEST(GumboArenaTest, FreeListIsLastInFirstOut) {
  GumboArena arena;
  void* a = arena.allocate(128);
  void* b = arena.allocate(128);
  arena.release(a);
  arena.release(b);
  EXPECT_EQ(arena.allocate(128), b);
  EXPECT_EQ(arena.allocate(128), a);
}

TEST(GumboArenaTest, OtherSizeClassDoesNotTakeAFreedBlock) {
  GumboArena arena;
  void* a = arena.allocate(16);
  arena.release(a);
  void* bigger = arena.allocate(24);
  EXPECT_NE(bigger, a);
  EXPECT_EQ(arena.allocate(9), a);  // 9..16 bytes: a's class
}

TEST(GumboArenaTest, ReuseKeepsMemoryFlatUnderChurn) {
  GumboArena arena;
  // What gumbo does to a growing vector: allocate the double, free the old.
  for (int round = 0; round < 100000; ++round) {
    void* p = arena.allocate(8);
    for (size_t size = 16; size <= GumboArena::kMaxSmallBytes; size *= 2) {
      void* grown = arena.allocate(size);
      arena.release(p);
      p = grown;
    }
    arena.release(p);
  }
  EXPECT_EQ(arena.blocks(), 1u);
}

TEST(GumboArenaTest, BlocksAreAlignedAndDoNotOverlap) {
  GumboArena arena;
  struct Span {
    const char* begin;
    size_t size;
    bool operator<(const Span& o) const { return begin < o.begin; }
  };
  std::set<Span> spans;
  for (size_t i = 0; i < 20000; ++i) {
    const size_t size = i % 3 == 0 ? i % (GumboArena::kMaxSmallBytes + 1)
                                   : i % 7 == 0 ? 300 + i % 3000 : 1 + i % 97;
    auto* p = static_cast<char*>(arena.allocate(size));
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(aligned(p)) << size;
    std::memset(p, 0xAB, size);  // writable, and the sanitizers see it
    spans.insert({p, size});
  }
  const Span* previous = nullptr;
  for (const Span& span : spans) {
    if (previous != nullptr) {
      ASSERT_LE(previous->begin + previous->size, span.begin);
    }
    previous = &span;
  }
}

TEST(GumboArenaTest, LargeRequestGetsItsOwnBlockAndGoesBackAtRelease) {
  GumboArena arena;
  void* large = arena.allocate(GumboArena::kMaxMediumBytes + 1);
  ASSERT_TRUE(aligned(large));
  std::memset(large, 1, GumboArena::kMaxMediumBytes + 1);
  EXPECT_EQ(arena.large_blocks(), 1u);
  EXPECT_EQ(arena.blocks(), 0u);  // no chunk was needed for it
  arena.release(large);
  EXPECT_EQ(arena.large_blocks(), 0u);
  // A large block left when the arena goes is freed with it (ASan checks).
  arena.allocate(1 << 20);
  EXPECT_EQ(arena.large_blocks(), 1u);
}

TEST(GumboArenaTest, MediumRequestIsBumpedAndItsReleaseIsANoOp) {
  GumboArena arena;
  void* medium = arena.allocate(GumboArena::kMaxSmallBytes + 1);
  EXPECT_EQ(arena.large_blocks(), 0u);
  arena.release(medium);
  void* next = arena.allocate(GumboArena::kMaxSmallBytes + 1);
  EXPECT_NE(next, medium);  // not reused: medium frees are no-ops
  EXPECT_GT(static_cast<char*>(next), static_cast<char*>(medium));
}

TEST(GumboArenaTest, ZeroBytesAndNullAreHandled) {
  GumboArena arena;
  void* a = arena.allocate(0);
  void* b = arena.allocate(0);
  EXPECT_NE(a, nullptr);
  EXPECT_NE(a, b);
  arena.release(nullptr);
  arena.release(a);
  EXPECT_EQ(arena.allocate(1), a);  // 0 and 1..8 bytes share a class
}

// Takes chunks of mixed sizes until the arena holds `blocks` blocks.
void use_blocks(GumboArena& arena, size_t blocks) {
  while (arena.blocks() < blocks) arena.allocate(GumboArena::kMaxMediumBytes);
}

TEST(GumboArenaTest, BlocksGoToSparesAndAreTakenBack) {
  constexpr size_t kSpares = GumboArena::kSpareBlocks;
  { GumboArena arena; use_blocks(arena, kSpares + 2); }
  ASSERT_EQ(GumboArena::spare_blocks(), kSpares);  // the rest went back to malloc
  {
    GumboArena arena;
    use_blocks(arena, 2);
    EXPECT_EQ(GumboArena::spare_blocks(), kSpares - 2);  // taken from the spares
  }
  EXPECT_EQ(GumboArena::spare_blocks(), kSpares);
  {
    GumboArena arena;
    use_blocks(arena, kSpares + 4);
    EXPECT_EQ(GumboArena::spare_blocks(), 0u);
  }
  EXPECT_EQ(GumboArena::spare_blocks(), kSpares);
}

TEST(GumboArenaTest, EachSizeClassHasItsOwnChunk) {
  GumboArena arena;
  constexpr size_t kChunksPerBlock = GumboArena::kBlockBytes / GumboArena::kChunkBytes;
  for (size_t c = 1; c <= kChunksPerBlock; ++c) arena.allocate(c * GumboArena::kAlignment);
  EXPECT_EQ(arena.blocks(), 1u);
  arena.allocate((kChunksPerBlock + 1) * GumboArena::kAlignment);  // one class more: a chunk more
  EXPECT_EQ(arena.blocks(), 2u);
}

TEST(GumboArenaTest, ParsesThroughGumboAndTheTreeIsIntact) {
  // A page whose parse frees many blocks (growing child lists, attributes,
  // tag buffers) and reuses them; the tree must come out as gumbo builds it.
  std::string html = "<!DOCTYPE html><title>t</title><body>";
  for (int i = 0; i < 3000; ++i) {
    html += "<p class=c" + std::to_string(i) + " id=p" + std::to_string(i) + ">word " + std::to_string(i) +
            " <a href=\"/l" + std::to_string(i) + "\">link</a> <b>bold</b> tail</p>\n";
  }
  html += "<pre>" + std::string(100000, 'x') + "</pre>";
  HtmlDocument doc = HtmlDocument::parse(html);
  ASSERT_NE(doc.document(), nullptr);
  const GumboNode* root = doc.document();
  const GumboNode* html_node = static_cast<const GumboNode*>(root->v.document.children.data[0]);
  const GumboNode* body = static_cast<const GumboNode*>(html_node->v.element.children.data[1]);
  ASSERT_EQ(body->v.element.tag, GUMBO_TAG_BODY);
  ASSERT_EQ(body->v.element.children.length, 3000u * 2 + 1);
  for (unsigned i = 0; i < 3000; ++i) {
    const auto* p = static_cast<const GumboNode*>(body->v.element.children.data[2 * i]);
    ASSERT_EQ(p->v.element.tag, GUMBO_TAG_P);
    const auto* id = gumbo_get_attribute(&p->v.element.attributes, "id");
    ASSERT_NE(id, nullptr);
    ASSERT_EQ(std::string(id->value), "p" + std::to_string(i));
    const auto* text = static_cast<const GumboNode*>(p->v.element.children.data[0]);
    ASSERT_EQ(std::string(text->v.text.text), "word " + std::to_string(i) + " ");
    const auto* a = static_cast<const GumboNode*>(p->v.element.children.data[1]);
    ASSERT_EQ(std::string(gumbo_get_attribute(&a->v.element.attributes, "href")->value), "/l" + std::to_string(i));
  }
  const auto* pre = static_cast<const GumboNode*>(body->v.element.children.data[6000]);
  ASSERT_EQ(pre->v.element.tag, GUMBO_TAG_PRE);
  const auto* pre_text = static_cast<const GumboNode*>(pre->v.element.children.data[0]);
  EXPECT_EQ(std::strlen(pre_text->v.text.text), 100000u);
}

}  // namespace
}  // namespace forager
