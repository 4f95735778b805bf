#include "crawler/frontier/robots_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "crawler/util/clock.h"
#include "crawler/wire/error_codes.h"

namespace forager {
namespace {

constexpr const char* kOrigin = "http://a.test";
constexpr const char* kRobotsUrl = "http://a.test/robots.txt";

protocol::FetchResult answer(int status, std::string body = "") {
  protocol::FetchResult r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

protocol::FetchResult redirect(std::string to) {
  protocol::FetchResult r = answer(301);
  r.redirect_to = std::move(to);
  return r;
}

protocol::FetchResult unreachable() {
  protocol::FetchResult r;
  r.error = errors::kConnect;
  return r;
}

class RobotsCacheTest : public ::testing::Test {
 protected:
  // Fetches, then reports `result`; returns what on_result said.
  bool fetch(const protocol::FetchResult& result) {
    EXPECT_TRUE(robots_.due_fetch(kOrigin, clock_.now_ms()).has_value());
    robots_.fetch_started(kOrigin);
    return robots_.on_result(kOrigin, result);
  }

  ManualClock clock_{1000000};
  HostSlots slots_{2, 0};
  RetryPolicy retry_{99};
  RobotsCache robots_{"forager/0.1.0", 2, slots_, retry_, clock_};
};

TEST_F(RobotsCacheTest, UnknownThenFetchingThenReady) {
  EXPECT_FALSE(robots_.ready(kOrigin));
  EXPECT_EQ(robots_.due_fetch(kOrigin, clock_.now_ms()), kRobotsUrl);
  robots_.fetch_started(kOrigin);
  EXPECT_FALSE(robots_.due_fetch(kOrigin, clock_.now_ms()).has_value());  // one fetch at a time
  EXPECT_FALSE(robots_.ready(kOrigin));
  EXPECT_TRUE(robots_.on_result(kOrigin, answer(200, "User-agent: *\nDisallow: /private\n")));
  EXPECT_TRUE(robots_.ready(kOrigin));
  EXPECT_FALSE(robots_.due_fetch(kOrigin, clock_.now_ms()).has_value());
  EXPECT_FALSE(robots_.allowed(kOrigin, "/private/x"));
  EXPECT_TRUE(robots_.allowed(kOrigin, "/public"));
  EXPECT_FALSE(robots_.ready("http://b.test"));  // origins are independent
}

TEST_F(RobotsCacheTest, LostFetchIsDueAgain) {
  robots_.due_fetch(kOrigin, clock_.now_ms());
  robots_.fetch_started(kOrigin);
  robots_.fetch_lost(kOrigin);
  EXPECT_EQ(robots_.due_fetch(kOrigin, clock_.now_ms()), kRobotsUrl);
}

TEST_F(RobotsCacheTest, ClientErrorsAndRedirectsWithoutTargetAllowAll) {
  for (int status : {404, 403, 410, 304}) {
    RobotsCache robots("forager/0.1.0", 2, slots_, retry_, clock_);
    robots.due_fetch(kOrigin, clock_.now_ms());
    robots.fetch_started(kOrigin);
    EXPECT_TRUE(robots.on_result(kOrigin, answer(status, "User-agent: *\nDisallow: /\n"))) << status;
    EXPECT_TRUE(robots.allowed(kOrigin, "/anything")) << status;
  }
}

TEST_F(RobotsCacheTest, RedirectsAreFollowed) {
  EXPECT_FALSE(fetch(redirect("http://b.test/robots.txt")));
  EXPECT_FALSE(robots_.ready(kOrigin));
  EXPECT_EQ(robots_.due_fetch(kOrigin, clock_.now_ms()), "http://b.test/robots.txt");
  robots_.fetch_started(kOrigin);
  EXPECT_TRUE(robots_.on_result(kOrigin, answer(200, "User-agent: *\nDisallow: /b\n")));
  EXPECT_FALSE(robots_.allowed(kOrigin, "/b"));
  // The rules are the origin's; the next refresh starts from /robots.txt again.
  clock_.advance(kRobotsMaxAgeMs + 1);
  EXPECT_EQ(robots_.due_fetch(kOrigin, clock_.now_ms()), kRobotsUrl);
}

TEST_F(RobotsCacheTest, RedirectChainIsLimited) {
  for (int hop = 1; hop <= kMaxRobotsRedirects; ++hop)
    EXPECT_FALSE(fetch(redirect("http://b.test/r" + std::to_string(hop)))) << hop;
  EXPECT_EQ(robots_.due_fetch(kOrigin, clock_.now_ms()), "http://b.test/r5");
  robots_.fetch_started(kOrigin);
  EXPECT_TRUE(robots_.on_result(kOrigin, redirect("http://b.test/r6")));  // one too many: unavailable
  EXPECT_TRUE(robots_.ready(kOrigin));
  EXPECT_TRUE(robots_.allowed(kOrigin, "/anything"));
}

TEST_F(RobotsCacheTest, UnusableRedirectMeansUnavailable) {
  EXPECT_TRUE(fetch(redirect("not a url")));
  EXPECT_TRUE(robots_.allowed(kOrigin, "/anything"));
}

TEST_F(RobotsCacheTest, UnreachableIsRetriedWithBackoffThenDisallowsAll) {
  EXPECT_FALSE(fetch(unreachable()));
  EXPECT_FALSE(robots_.ready(kOrigin));
  clock_.advance(999);  // the first backoff is 1 to 1.5 s
  EXPECT_FALSE(robots_.due_fetch(kOrigin, clock_.now_ms()).has_value());
  clock_.advance(501);
  EXPECT_FALSE(fetch(answer(503)));  // a server error counts as unreachable too
  clock_.advance(1999);  // the second is 2 to 3 s
  EXPECT_FALSE(robots_.due_fetch(kOrigin, clock_.now_ms()).has_value());
  clock_.advance(1001);
  EXPECT_TRUE(fetch(unreachable()));  // --retries 2 spent
  EXPECT_TRUE(robots_.ready(kOrigin));
  EXPECT_FALSE(robots_.allowed(kOrigin, "/"));
  EXPECT_FALSE(robots_.allowed(kOrigin, "/page"));
  EXPECT_TRUE(robots_.allowed(kOrigin, "/robots.txt"));
  EXPECT_EQ(robots_.refusal(kOrigin), errors::kConnect);  // why: the host cannot be reached
}

TEST_F(RobotsCacheTest, RefusalNamesTheLastFailure) {
  EXPECT_EQ(robots_.refusal(kOrigin), errors::kRobots);
  protocol::FetchResult dns;
  dns.error = errors::kDns;
  EXPECT_FALSE(fetch(unreachable()));
  clock_.advance(1500);
  EXPECT_FALSE(fetch(unreachable()));
  clock_.advance(3000);
  EXPECT_TRUE(fetch(dns));
  EXPECT_EQ(robots_.refusal(kOrigin), errors::kDns);
  // A robots.txt the server answers with 5xx disallows all as a refusal of the site's.
  clock_.advance(kRobotsMaxAgeMs + 1);
  EXPECT_FALSE(fetch(unreachable()));
  clock_.advance(1500);
  EXPECT_FALSE(fetch(unreachable()));
  clock_.advance(3000);
  EXPECT_TRUE(fetch(answer(500)));
  EXPECT_FALSE(robots_.allowed(kOrigin, "/page"));
  EXPECT_EQ(robots_.refusal(kOrigin), errors::kRobots);
  // Rules that were fetched: "robots".
  clock_.advance(kRobotsMaxAgeMs + 1);
  EXPECT_TRUE(fetch(answer(200, "User-agent: *\nDisallow: /x\n")));
  EXPECT_EQ(robots_.refusal(kOrigin), errors::kRobots);
}

TEST_F(RobotsCacheTest, RefreshedAfterADay) {
  EXPECT_TRUE(fetch(answer(200, "User-agent: *\nDisallow: /old\n")));
  clock_.advance(kRobotsMaxAgeMs);
  EXPECT_FALSE(robots_.due_fetch(kOrigin, clock_.now_ms()).has_value());
  EXPECT_TRUE(robots_.ready(kOrigin));
  clock_.advance(1);
  EXPECT_EQ(robots_.due_fetch(kOrigin, clock_.now_ms()), kRobotsUrl);
  EXPECT_FALSE(robots_.ready(kOrigin));  // nothing is fetched until it is back
  robots_.fetch_started(kOrigin);
  EXPECT_TRUE(robots_.on_result(kOrigin, answer(200, "User-agent: *\nDisallow: /new\n")));
  EXPECT_TRUE(robots_.allowed(kOrigin, "/old"));
  EXPECT_FALSE(robots_.allowed(kOrigin, "/new"));
}

TEST_F(RobotsCacheTest, CrawlDelayRaisesTheHostDelay) {
  EXPECT_TRUE(fetch(answer(200, "User-agent: *\nCrawl-delay: 2.5\n")));
  EXPECT_EQ(slots_.delay("a.test"), 2500);
}

TEST_F(RobotsCacheTest, CrawlDelayIsCapped) {
  EXPECT_TRUE(fetch(answer(200, "User-agent: *\nCrawl-delay: 86400\n")));
  EXPECT_EQ(slots_.delay("a.test"), kMaxHostDelayMs);
}

TEST_F(RobotsCacheTest, CrawlDelayOfAnOriginWithAPort) {
  RobotsCache robots("forager/0.1.0", 2, slots_, retry_, clock_);
  robots.due_fetch("http://c.test:8080", clock_.now_ms());
  robots.fetch_started("http://c.test:8080");
  EXPECT_TRUE(robots.on_result("http://c.test:8080", answer(200, "User-agent: *\nCrawl-delay: 3\n")));
  EXPECT_EQ(slots_.delay("c.test"), 3000);
}

TEST_F(RobotsCacheTest, AnnouncedSitemaps) {
  EXPECT_TRUE(robots_.sitemaps(kOrigin).empty());
  EXPECT_TRUE(fetch(answer(200, "Sitemap: http://a.test/s1.xml\nUser-agent: *\nSitemap: http://a.test/s2.xml\n")));
  EXPECT_EQ(robots_.sitemaps(kOrigin), (std::vector<std::string>{"http://a.test/s1.xml", "http://a.test/s2.xml"}));
  EXPECT_TRUE(robots_.sitemaps("http://b.test").empty());
}

// A shared run: another member's answer makes the origin ready at once,
// with no fetch and no retries, as that answer would have.
TEST_F(RobotsCacheTest, AdoptedAnswersAreFinal) {
  robots_.adopt(kOrigin, 200, "", "User-agent: *\nDisallow: /private\nCrawl-delay: 2\n");
  EXPECT_TRUE(robots_.ready(kOrigin));
  EXPECT_FALSE(robots_.due_fetch(kOrigin, clock_.now_ms()).has_value());
  EXPECT_FALSE(robots_.allowed(kOrigin, "/private/x"));
  EXPECT_EQ(slots_.delay("a.test"), 2000);  // Crawl-delay raises the host's delay as a fetch would

  robots_.adopt("http://b.test", 404, "", "");
  EXPECT_TRUE(robots_.allowed("http://b.test", "/anything"));

  robots_.adopt("http://c.test", 503, "", "");  // retries ran out where it was fetched
  EXPECT_TRUE(robots_.ready("http://c.test"));
  EXPECT_FALSE(robots_.allowed("http://c.test", "/"));
  EXPECT_EQ(robots_.refusal("http://c.test"), errors::kRobots);

  robots_.adopt("http://d.test", 0, errors::kConnect, "");
  EXPECT_FALSE(robots_.allowed("http://d.test", "/"));
  EXPECT_EQ(robots_.refusal("http://d.test"), errors::kConnect);
}

}  // namespace
}  // namespace forager
