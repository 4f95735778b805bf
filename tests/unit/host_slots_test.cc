#include "crawler/frontier/host_slots.h"

#include <gtest/gtest.h>

#include <climits>

#include "crawler/util/clock.h"

namespace forager {
namespace {

TEST(HostSlots, PerHostConcurrency) {
  ManualClock clock(5000);
  HostSlots slots(2, 0);
  EXPECT_TRUE(slots.can_start("a", clock.now_ms()));
  slots.start("a", clock.now_ms());
  EXPECT_TRUE(slots.can_start("a", clock.now_ms()));
  slots.start("a", clock.now_ms());
  EXPECT_EQ(slots.in_flight("a"), 2);
  EXPECT_FALSE(slots.can_start("a", clock.now_ms()));
  EXPECT_EQ(slots.ready_at("a", clock.now_ms()), INT64_MAX);
  EXPECT_TRUE(slots.can_start("b", clock.now_ms()));  // hosts are independent
  clock.advance(300);
  slots.finish("a", clock.now_ms());
  EXPECT_EQ(slots.in_flight("a"), 1);
  EXPECT_TRUE(slots.can_start("a", clock.now_ms()));
}

TEST(HostSlots, DelayCountsFromTheLastStart) {
  ManualClock clock(10000);
  HostSlots slots(4, 1000);
  slots.start("a", clock.now_ms());
  EXPECT_EQ(slots.ready_at("a", clock.now_ms()), 11000);
  clock.advance(999);
  EXPECT_FALSE(slots.can_start("a", clock.now_ms()));
  clock.advance(1);
  EXPECT_TRUE(slots.can_start("a", clock.now_ms()));
}

TEST(HostSlots, DelayCountsFromTheLastEndToo) {
  ManualClock clock(10000);
  HostSlots slots(4, 1000);
  slots.start("a", clock.now_ms());
  clock.advance(700);
  slots.finish("a", clock.now_ms());  // a slow response: the gap holds after it
  EXPECT_EQ(slots.ready_at("a", clock.now_ms()), 11700);
  clock.advance(999);
  EXPECT_FALSE(slots.can_start("a", clock.now_ms()));
  clock.advance(1);
  EXPECT_TRUE(slots.can_start("a", clock.now_ms()));
}

TEST(HostSlots, NoDelayMeansNoWait) {
  ManualClock clock(10000);
  HostSlots slots(4, 0);
  slots.start("a", clock.now_ms());
  slots.finish("a", clock.now_ms());
  EXPECT_EQ(slots.ready_at("a", clock.now_ms()), clock.now_ms());
}

TEST(HostSlots, RaiseDelayOnlyGrowsOneHost) {
  ManualClock clock(10000);
  HostSlots slots(4, 500);
  EXPECT_EQ(slots.delay("a"), 0);  // the host's own delay, not the crawl-wide one
  slots.raise_delay("a", 3000);
  slots.raise_delay("a", 2000);  // smaller: ignored
  EXPECT_EQ(slots.delay("a"), 3000);
  slots.start("a", clock.now_ms());
  slots.start("b", clock.now_ms());
  EXPECT_EQ(slots.ready_at("a", clock.now_ms()), 13000);
  EXPECT_EQ(slots.ready_at("b", clock.now_ms()), 10500);
}

TEST(HostSlots, CrawlWideDelayWinsWhenLarger) {
  ManualClock clock(10000);
  HostSlots slots(4, 2000);
  slots.raise_delay("a", 1000);
  slots.start("a", clock.now_ms());
  EXPECT_EQ(slots.ready_at("a", clock.now_ms()), 12000);
}

TEST(HostSlots, FinishOfAnUnknownHostIsHarmless) {
  HostSlots slots(1, 0);
  slots.finish("never-started", 0);
  EXPECT_EQ(slots.in_flight("never-started"), 0);
  EXPECT_TRUE(slots.can_start("never-started", 0));
}

}  // namespace
}  // namespace forager
