#include "crawler/frontier/sitemap_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace forager {
namespace {

using Sent = std::vector<std::pair<std::string, std::string>>;

TEST(SitemapQueue, TracksOrigins) {
  SitemapQueue queue;
  EXPECT_FALSE(queue.tracks("http://a"));
  queue.track("http://a");
  EXPECT_TRUE(queue.tracks("http://a"));
  EXPECT_EQ(queue.outstanding(), 0u);
  EXPECT_TRUE(queue.add("http://b", "http://b/sitemap.xml"));
  EXPECT_TRUE(queue.tracks("http://b"));
}

TEST(SitemapQueue, EachUrlOncePerOrigin) {
  SitemapQueue queue;
  EXPECT_TRUE(queue.add("http://a", "http://a/s.xml"));
  EXPECT_FALSE(queue.add("http://a", "http://a/s.xml"));
  EXPECT_TRUE(queue.add("http://b", "http://a/s.xml"));  // another origin's own list
  EXPECT_EQ(queue.outstanding(), 2u);
}

TEST(SitemapQueue, BoundedPerOrigin) {
  SitemapQueue queue;
  for (size_t i = 0; i < kMaxSitemapsPerOrigin; ++i)
    ASSERT_TRUE(queue.add("http://a", "http://a/s" + std::to_string(i) + ".xml"));
  EXPECT_FALSE(queue.add("http://a", "http://a/one-more.xml"));
  EXPECT_TRUE(queue.add("http://b", "http://b/s.xml"));
  EXPECT_EQ(queue.outstanding(), kMaxSitemapsPerOrigin + 1);
}

TEST(SitemapQueue, DispatchOffersOldestFirstAndStopsAtARefusal) {
  SitemapQueue queue;
  queue.add("http://a", "http://a/1.xml");
  queue.add("http://a", "http://a/2.xml");
  queue.add("http://a", "http://a/3.xml");
  Sent sent;
  queue.dispatch([&](const std::string& origin, const std::string& url) {
    if (sent.size() == 2) return false;
    sent.emplace_back(origin, url);
    return true;
  });
  EXPECT_EQ(sent, (Sent{{"http://a", "http://a/1.xml"}, {"http://a", "http://a/2.xml"}}));
  EXPECT_EQ(queue.outstanding(), 3u);  // sent is not finished

  sent.clear();
  queue.dispatch([&](const std::string& origin, const std::string& url) {
    sent.emplace_back(origin, url);
    return true;
  });
  EXPECT_EQ(sent, (Sent{{"http://a", "http://a/3.xml"}}));  // the refused one, kept
  sent.clear();
  queue.dispatch([&](const std::string& origin, const std::string& url) {
    sent.emplace_back(origin, url);
    return true;
  });
  EXPECT_TRUE(sent.empty());
}

TEST(SitemapQueue, ARefusalEndsOnlyThatOriginsTurn) {
  SitemapQueue queue;
  queue.add("http://a", "http://a/1.xml");
  queue.add("http://b", "http://b/1.xml");
  Sent sent;
  queue.dispatch([&](const std::string& origin, const std::string& url) {
    if (origin == "http://a") return false;
    sent.emplace_back(origin, url);
    return true;
  });
  EXPECT_EQ(sent, (Sent{{"http://b", "http://b/1.xml"}}));
}

TEST(SitemapQueue, OutstandingUntilFinished) {
  SitemapQueue queue;
  queue.add("http://a", "http://a/1.xml");
  queue.add("http://a", "http://a/2.xml");
  queue.dispatch([](const std::string&, const std::string&) { return true; });
  EXPECT_EQ(queue.outstanding(), 2u);
  queue.finished();
  EXPECT_EQ(queue.outstanding(), 1u);
  queue.finished();
  EXPECT_EQ(queue.outstanding(), 0u);
}

}  // namespace
}  // namespace forager
