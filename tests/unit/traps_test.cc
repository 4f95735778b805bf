#include "crawler/frontier/traps.h"

#include <gtest/gtest.h>

namespace forager {
namespace {

TEST(Traps, RepeatedPathRunsAreTraps) {
  EXPECT_TRUE(looks_like_trap("http://h/a/a/a/", 0));
  EXPECT_TRUE(looks_like_trap("http://h/x/a/b/a/b/a/b/page", 0));
  EXPECT_TRUE(looks_like_trap("http://h/1/2/3/1/2/3/1/2/3", 0));
  EXPECT_FALSE(looks_like_trap("http://h/a/a/", 0));
  EXPECT_FALSE(looks_like_trap("http://h/a/b/a/b/", 0));
  EXPECT_FALSE(looks_like_trap("http://h/2026/11/22/news", 0));
  EXPECT_FALSE(looks_like_trap("http://h/", 0));
  // The query is not part of the path.
  EXPECT_FALSE(looks_like_trap("http://h/p?q=/a/a/a/a", 0));
}

TEST(Traps, QueryParameterCap) {
  EXPECT_FALSE(looks_like_trap("http://h/p?a=1&b=2&c=3", 3));
  EXPECT_TRUE(looks_like_trap("http://h/p?a=1&b=2&c=3&d=4", 3));
  EXPECT_FALSE(looks_like_trap("http://h/p?a=1&b=2&c=3&d=4", 0));  // no limit
  EXPECT_FALSE(looks_like_trap("http://h/p?", 1));
}

TEST(Traps, LongPathsStayCheap) {
  std::string url = "http://h";
  for (int i = 0; i < 4000; ++i) url += "/s" + std::to_string(i % 997);
  EXPECT_FALSE(looks_like_trap(url, 0));
  std::string loop = "http://h";
  for (int i = 0; i < 4000; ++i) loop += "/x";
  EXPECT_TRUE(looks_like_trap(loop, 0));
}

}  // namespace
}  // namespace forager
