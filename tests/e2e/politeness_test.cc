// Politeness and traps end to end: hosts that keep failing are given up,
// overloaded hosts get a longer gap, infinite sites end.
#include <atomic>
#include <ctime>
#include <fstream>
#include <mutex>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class PolitenessTest : public CrawlFixture {};

TEST_F(PolitenessTest, HostThatKeepsRefusingIsGivenUp) {
  TestServer closed;
  closed.start();
  int port = closed.port();
  closed.stop();
  std::string seeds = dir_ + "/seeds.txt";
  {
    std::ofstream out(seeds);
    for (int i = 0; i < 12; ++i) out << "http://127.0.0.1:" << port << "/p" << i << "\n";
  }
  auto result = crawl({seeds, "--ignore-robots", "--retries", "0", "--per-host", "1", "--workers", "1"});
  ASSERT_EQ(result.exit_code, 3) << result.err;  // not one page could be fetched
  EXPECT_NE(result.err.find("giving up on 127.0.0.1 after 5 connection failures"), std::string::npos) << result.err;
  auto list = records();
  ASSERT_EQ(list.size(), 12u);
  for (const auto& r : list) EXPECT_EQ(r["error"], "connect") << r.dump();
}

TEST_F(PolitenessTest, OverloadedHostGetsALongerGap) {
  TestServer site;
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> starts;
  std::atomic<bool> overloaded{true};
  site.server().Get(R"(/page/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      starts.push_back(std::chrono::steady_clock::now());
    }
    if (overloaded.exchange(false)) {
      res.status = 503;
      return;
    }
    int i = std::stoi(req.matches[1]);
    std::string body;
    if (i < 3) body = "<a href=/page/" + std::to_string(i + 1) + ">next</a>";
    res.set_content(body, "text/html");
  });
  site.start();
  auto result = crawl({site.url("/page/0"), "--ignore-robots", "--per-host", "4", "--retries", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(records().size(), 4u);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(starts.size(), 5u);  // 503, its retry, then pages 1-3
  for (size_t i = 2; i < starts.size(); ++i)
    EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(starts[i] - starts[i - 1]).count(), 950)
        << "request " << i << " came too soon after a 503";
}

TEST_F(PolitenessTest, InfiniteSitesEnd) {
  TestServer site;
  std::atomic<int> requests{0};
  site.server().Get(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    ++requests;
    // A relative-link loop (/a/, /a/a/, ...) and a query that grows forever.
    std::string query = req.params.empty() ? "?p0=0" : "";
    std::string next_query = "?";
    int n = static_cast<int>(req.params.size());
    for (int i = 0; i <= n; ++i) next_query += (i ? "&p" : "p") + std::to_string(i) + "=" + std::to_string(i);
    res.set_content("<a href=\"a/\">deeper</a><a href=\"" + next_query + "\">more</a>", "text/html");
  });
  site.start();
  auto result = crawl({site.url("/"), "--ignore-robots", "--max-query-params", "5"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto records = by_url(this->records());
  EXPECT_LT(records.size(), 40u);
  EXPECT_EQ(records.count(site.url("/a/a/a/")), 0u);
  EXPECT_EQ(records.count(site.url("/a/a/")), 1u);
}

TEST_F(PolitenessTest, PerHostPageBudget) {
  TestServer site;
  serve_tree_site(site.server(), 50);
  site.start();
  ASSERT_EQ(crawl({site.url("/page/0"), "--ignore-robots", "--max-pages-per-host", "9"}).exit_code, 0);
  EXPECT_EQ(records().size(), 9u);
}

TEST_F(PolitenessTest, RobotsTxtRedirectIsFollowed) {
  TestServer site;
  serve_tree_site(site.server(), 7);
  site.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("/policies/robots.txt", 301);
  });
  site.server().Get("/policies/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: forager\nDisallow: /page/2\n\nUser-agent: *\nDisallow: /\n", "text/plain");
  });
  site.start();
  ASSERT_EQ(crawl({site.url("/page/0")}).exit_code, 0);
  auto records = by_url(this->records());
  EXPECT_EQ(records.at(site.url("/page/2"))["error"], "robots");  // our group, found through the redirect
  EXPECT_EQ(records.at(site.url("/page/1"))["status"], 200);
  EXPECT_EQ(site.count("/page/2"), 0u);
  EXPECT_EQ(site.count("/policies/robots.txt"), 1u);
}

TEST_F(PolitenessTest, RetryAfterAsHttpDateIsHonoured) {
  TestServer site;
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> starts;
  site.server().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex);
    starts.push_back(std::chrono::steady_clock::now());
    if (starts.size() == 1) {
      res.status = 429;
      // Two seconds from now, as an HTTP date (RFC 9110 IMF-fixdate).
      std::time_t when = std::time(nullptr) + 3;
      char date[64];
      std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&when));
      res.set_header("Retry-After", date);
      return;
    }
    res.set_content("<title>ok</title>", "text/html");
  });
  site.start();
  ASSERT_EQ(crawl({site.url("/"), "--ignore-robots", "--retries", "1"}).exit_code, 0);
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(starts[1] - starts[0]).count(), 1900);
  EXPECT_EQ(records()[0]["title"], "ok");
}

}  // namespace
}  // namespace forager::testing
