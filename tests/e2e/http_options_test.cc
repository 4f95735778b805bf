// HTTP behaviour a browser user expects: cookies kept across a crawl (or
// not, with --no-cookies), and --proxy routing every request through a proxy.
#include <atomic>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class HttpOptionsTest : public CrawlFixture {};

void serve_cookie_site(TestServer& site, std::atomic<int>& with_cookie) {
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Set-Cookie", "session=abc123; Path=/");
    res.set_content("<a href=/inside>in</a>", "text/html");
  });
  site.server().Get("/inside", [&with_cookie](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Cookie").find("session=abc123") != std::string::npos) ++with_cookie;
    res.set_content("<title>inside</title>", "text/html");
  });
  site.start();
}

TEST_F(HttpOptionsTest, CookiesAreKeptAcrossTheCrawl) {
  TestServer site;
  std::atomic<int> with_cookie{0};
  serve_cookie_site(site, with_cookie);
  ASSERT_EQ(crawl({site.url("/"), "--ignore-robots", "--workers", "1", "--job", "on"}).exit_code, 0);
  EXPECT_EQ(with_cookie.load(), 1);
  ASSERT_EQ(crawl({site.url("/"), "--ignore-robots", "--workers", "1", "--no-cookies", "--job", "off"}).exit_code, 0);
  EXPECT_EQ(with_cookie.load(), 1);  // the second crawl sent none
}

TEST_F(HttpOptionsTest, ProxyCarriesEveryRequest) {
  TestServer origin;  // must never be contacted directly
  origin.server().Get(R"(/.*)", [](const httplib::Request&, httplib::Response& res) { res.set_content("x", "text/plain"); });
  origin.start();
  TestServer proxy;
  std::atomic<int> proxied{0};
  proxy.server().Get(R"(.*)", [&](const httplib::Request& req, httplib::Response& res) {
    ++proxied;
    // A proxy sees the absolute URL; answer as the origin would.
    EXPECT_NE(req.path.find("127.0.0.1:" + std::to_string(origin.port())), std::string::npos) << req.path;
    res.set_content("<title>via proxy</title>", "text/html");
  });
  proxy.start();
  auto result = crawl({origin.url("/start"), "--ignore-robots", "--proxy", proxy.url("")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto list = records();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["title"], "via proxy");
  EXPECT_EQ(proxied.load(), 1);
  EXPECT_TRUE(origin.requests().empty());
}

}  // namespace
}  // namespace forager::testing
