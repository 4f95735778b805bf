// The in-memory frontier: the flat seen set and each origin's bounded window.
#include "crawler/frontier/frontier.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_set>
#include <vector>

namespace forager {
namespace {

TEST(HashSetTest, InsertsAndFindsAcrossGrowth) {
  HashSet set;
  std::mt19937_64 rng(7);
  std::vector<uint64_t> values;
  for (int i = 0; i < 100000; ++i) values.push_back(rng());
  values.push_back(0);  // stored as 1: still a member
  for (uint64_t v : values) EXPECT_TRUE(set.insert(v));
  EXPECT_EQ(set.size(), values.size());
  for (uint64_t v : values) {
    EXPECT_TRUE(set.contains(v));
    EXPECT_FALSE(set.insert(v));
  }
  EXPECT_EQ(set.size(), values.size());
  EXPECT_FALSE(set.contains(12345));
}

TEST(HashSetTest, EmptySetHoldsNothing) {
  HashSet set;
  EXPECT_FALSE(set.contains(0));
  EXPECT_FALSE(set.contains(42));
  EXPECT_EQ(set.size(), 0u);
}

TEST(FrontierTest, SeenUrlsAreRecognised) {
  Frontier frontier;
  EXPECT_FALSE(frontier.seen("http://a.test/"));
  EXPECT_TRUE(frontier.add_seen("http://a.test/"));
  EXPECT_TRUE(frontier.seen("http://a.test/"));
  EXPECT_FALSE(frontier.add_seen("http://a.test/"));
  EXPECT_EQ(frontier.seen_count(), 1u);
}

TEST(HashSetTest, MarksSurviveGrowth) {
  HashSet set;
  for (uint64_t h = 2; h < 5000; ++h) set.insert(h, static_cast<uint8_t>(h % 200));  // (0 and 1 are one hash)
  for (uint64_t h = 2; h < 5000; ++h) ASSERT_EQ(set.mark(h), static_cast<uint8_t>(h % 200)) << h;
  EXPECT_FALSE(set.mark(99999).has_value());
  set.set_mark(7, 3);
  EXPECT_EQ(set.mark(7), 3);
  set.set_mark(99999, 3);  // not there: nothing happens
  EXPECT_FALSE(set.contains(99999));
}

TEST(FrontierTest, ShorterDepthWinsUntilDispatched) {
  Frontier frontier;
  EXPECT_FALSE(frontier.lower_depth("http://a.test/x", 1));  // never seen
  frontier.add_seen("http://a.test/x", 5);
  EXPECT_EQ(frontier.pending_depth("http://a.test/x"), 5);
  EXPECT_FALSE(frontier.lower_depth("http://a.test/x", 5));
  EXPECT_FALSE(frontier.lower_depth("http://a.test/x", 7));
  EXPECT_TRUE(frontier.lower_depth("http://a.test/x", 3));
  EXPECT_EQ(frontier.pending_depth("http://a.test/x"), 3);
  frontier.mark_dispatched("http://a.test/x");
  EXPECT_FALSE(frontier.pending_depth("http://a.test/x").has_value());
  EXPECT_FALSE(frontier.lower_depth("http://a.test/x", 1));  // fetched already: its depth stands
  frontier.add_seen("http://a.test/deep", 100000);  // depths saturate, still lowered from below
  EXPECT_EQ(frontier.pending_depth("http://a.test/deep"), 254);
  EXPECT_TRUE(frontier.lower_depth("http://a.test/deep", 9));
  EXPECT_EQ(frontier.pending_depth("http://a.test/deep"), 9);
}

PendingUrl pending(int64_t seq, const std::string& url) {
  PendingUrl p;
  p.seq = seq;
  p.url = url;
  return p;
}

TEST(FrontierTest, WindowLeavesTheRestToTheStoreInSeqOrder) {
  const std::string origin = "http://a.test";
  Frontier frontier;
  const int64_t total = static_cast<int64_t>(Frontier::kWindow) + 1000;
  for (int64_t seq = 1; seq <= total; ++seq) {
    const bool kept = frontier.push_new(pending(seq, origin + "/" + std::to_string(seq)), origin);
    EXPECT_EQ(kept, seq <= static_cast<int64_t>(Frontier::kWindow)) << seq;
  }
  EXPECT_EQ(frontier.size(), static_cast<size_t>(total));
  EXPECT_EQ(frontier.queue(origin).size(), Frontier::kWindow);
  EXPECT_FALSE(frontier.wants_refill(origin));  // the window is full

  // Another origin is not held back by the first one's full window.
  EXPECT_TRUE(frontier.push_new(pending(total + 1, "http://b.test/x"), "http://b.test"));

  // Drain below the refill mark: the store is asked for what follows seq kWindow.
  auto& window = frontier.queue(origin);
  while (window.size() >= Frontier::kRefillBelow) window.pop_front();
  EXPECT_TRUE(frontier.wants_refill(origin));
  EXPECT_EQ(frontier.refill_after(origin), static_cast<int64_t>(Frontier::kWindow));

  // Once something is left to the store, later entries are too (seq order).
  const size_t in_window = window.size();
  EXPECT_FALSE(frontier.push_new(pending(total + 2, origin + "/late"), origin));
  EXPECT_EQ(window.size(), in_window);

  std::vector<PendingUrl> read_back;
  for (int64_t seq = Frontier::kWindow + 1; seq <= total; ++seq) read_back.push_back(pending(seq, "u"));
  read_back.push_back(pending(total + 2, origin + "/late"));
  frontier.refill(origin, std::move(read_back), /*exhausted=*/true);
  EXPECT_FALSE(frontier.wants_refill(origin));
  EXPECT_EQ(frontier.refill_after(origin), total + 2);
  EXPECT_EQ(frontier.queue(origin).back().url, origin + "/late");
  EXPECT_EQ(frontier.size(), frontier.queue(origin).size() + 1);  // + the one of b.test
}

TEST(FrontierTest, AnOriginWithOnlyStoredEntriesStaysActive) {
  const std::string origin = "http://a.test";
  Frontier frontier;
  for (int64_t seq = 1; seq <= static_cast<int64_t>(Frontier::kWindow) + 1; ++seq) {
    frontier.push_new(pending(seq, origin + "/" + std::to_string(seq)), origin);
  }
  frontier.queue(origin).clear();
  frontier.compact();
  ASSERT_EQ(frontier.active_origins().size(), 1u);
  EXPECT_TRUE(frontier.wants_refill(origin));
  EXPECT_EQ(frontier.size(), 1u);
  // A refill that finds less than it asked for settles the count.
  frontier.refill(origin, {}, /*exhausted=*/true);
  EXPECT_EQ(frontier.size(), 0u);
  frontier.compact();
  EXPECT_TRUE(frontier.active_origins().empty());
}

TEST(FrontierTest, DroppedStoredEntriesNoLongerCount) {
  const std::string origin = "http://a.test";
  Frontier frontier;
  for (int64_t seq = 1; seq <= static_cast<int64_t>(Frontier::kWindow) + 10; ++seq) {
    frontier.push_new(pending(seq, origin + "/" + std::to_string(seq)), origin);
  }
  EXPECT_EQ(frontier.size(), Frontier::kWindow + 10);
  frontier.drop_stored(origin);
  EXPECT_EQ(frontier.size(), Frontier::kWindow);
  EXPECT_FALSE(frontier.wants_refill(origin));
}

// However many origins there are, at most kMaxInMemory entries are held; an
// origin whose entries were all left to the store still gets some back.
TEST(FrontierTest, CrawlWideBoundAcrossManyOrigins) {
  Frontier frontier;
  const size_t per_origin = 10;
  const size_t origins = Frontier::kMaxInMemory / per_origin + 100;
  int64_t seq = 0;
  size_t kept = 0;
  for (size_t o = 0; o < origins; ++o) {
    const std::string origin = "http://h" + std::to_string(o) + ".test";
    for (size_t i = 0; i < per_origin; ++i) {
      if (frontier.push_new(pending(++seq, origin + "/" + std::to_string(i)), origin)) ++kept;
    }
  }
  EXPECT_EQ(kept, Frontier::kMaxInMemory);
  EXPECT_EQ(frontier.size(), origins * per_origin);
  frontier.compact();
  EXPECT_EQ(frontier.in_memory(), Frontier::kMaxInMemory);
  const std::string last = "http://h" + std::to_string(origins - 1) + ".test";
  EXPECT_TRUE(frontier.queue(last).empty());
  EXPECT_TRUE(frontier.wants_refill(last));
  EXPECT_GT(frontier.refill_room(last), 0u);  // never starved
  const std::string first = "http://h0.test";
  EXPECT_EQ(frontier.refill_room(first), 0u);  // has work in memory, and the bound is reached
}

TEST(FrontierTest, RetriesWaitForTheirTime) {
  Frontier frontier;
  PendingUrl p = pending(1, "http://a.test/r");
  p.not_before_ms = 500;
  frontier.push(std::move(p), 100);
  EXPECT_EQ(frontier.waiting(), 1u);
  EXPECT_EQ(frontier.next_due_ms(), 500);
  frontier.release_due(499);
  EXPECT_TRUE(frontier.active_origins().empty());
  frontier.release_due(500);
  ASSERT_EQ(frontier.active_origins().size(), 1u);
  EXPECT_EQ(frontier.queue("http://a.test").front().url, "http://a.test/r");
}

}  // namespace
}  // namespace forager
