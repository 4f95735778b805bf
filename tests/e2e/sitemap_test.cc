// Sitemaps: parsing (urlset, sitemapindex, gzip, hostile input) and a crawl
// seeded from robots.txt's Sitemap lines and /sitemap.xml.
#include "workers/parse/sitemap.h"

#include <zlib.h>

#include "tests/support/crawl_fixture.h"
#include "tests/support/gzip.h"

namespace forager {
namespace {

using testing::gzip;

const char* kUrlset =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
    "<url><loc>http://127.0.0.1/a</loc><lastmod>2026-01-01</lastmod></url>"
    "<url><loc> /b?x=1&amp;y=2 </loc></url>"
    "<url><loc>mailto:x@example.com</loc></url></urlset>";

TEST(Sitemap, UrlsetAndIndex) {
  auto set = parse_sitemap(kUrlset, "http://127.0.0.1/sitemap.xml", 1 << 20);
  EXPECT_FALSE(set.malformed);
  EXPECT_EQ(set.pages, (std::vector<std::string>{"http://127.0.0.1/a", "http://127.0.0.1/b?x=1&y=2"}));
  auto index = parse_sitemap(
      "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>http://127.0.0.1/s1.xml.gz"
      "</loc></sitemap></sitemapindex>",
      "http://127.0.0.1/", 1 << 20);
  EXPECT_EQ(index.sitemaps, (std::vector<std::string>{"http://127.0.0.1/s1.xml.gz"}));
  EXPECT_TRUE(index.pages.empty());
}

TEST(Sitemap, GzipAndBombs) {
  auto set = parse_sitemap(gzip(kUrlset), "http://127.0.0.1/", 1 << 20);
  EXPECT_EQ(set.pages.size(), 2u);
  // 100 MB of zeros inflate no further than the limit.
  std::string out;
  EXPECT_TRUE(gunzip(gzip(std::string(100u << 20, '\0')), 1 << 20, out));
  EXPECT_EQ(out.size(), 1u << 20);
}

TEST(Sitemap, HostileInput) {
  EXPECT_TRUE(parse_sitemap("<urlset><url><loc>http://h/x", "http://h/", 1 << 20).pages.empty());
  EXPECT_TRUE(parse_sitemap("\x1f\x8bgarbage", "http://h/", 1 << 20).malformed);
  // Entity expansion ("billion laughs") is refused by expat, not expanded.
  std::string laughs = "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">";
  for (char c = 'b'; c <= 'j'; ++c)
    laughs += std::string("<!ENTITY ") + c + " \"" + std::string(10, '&') + "\">";
  laughs += "]><urlset><url><loc>&j;</loc></url></urlset>";
  auto bomb = parse_sitemap(laughs, "http://h/", 1 << 20);
  EXPECT_TRUE(bomb.pages.size() <= 1);
  // At most kMaxSitemapUrls URLs are kept.
  std::string many = "<urlset>";
  for (size_t i = 0; i < kMaxSitemapUrls + 10; ++i) many += "<url><loc>http://h/" + std::to_string(i) + "</loc></url>";
  many += "</urlset>";
  EXPECT_EQ(parse_sitemap(many, "http://h/", 64 << 20).pages.size(), kMaxSitemapUrls);
}

class SitemapCrawlTest : public testing::CrawlFixture {};

TEST_F(SitemapCrawlTest, SeedsFromRobotsSitemapsAndSitemapXml) {
  testing::TestServer site;
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<title>home, no links</title>", "text/html");
  });
  site.server().Get("/robots.txt", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: *\nDisallow: /secret\nSitemap: " + site.url("/index.xml") + "\n", "text/plain");
  });
  site.server().Get("/index.xml", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("<sitemapindex><sitemap><loc>" + site.url("/pages.xml.gz") + "</loc></sitemap></sitemapindex>",
                    "application/xml");
  });
  site.server().Get("/pages.xml.gz", [&](const httplib::Request&, httplib::Response& res) {
    std::string xml = "<urlset><url><loc>" + site.url("/from-index") + "</loc></url><url><loc>" + site.url("/secret") +
                      "</loc></url><url><loc>http://127.0.0.2:1/elsewhere</loc></url></urlset>";
    res.set_content(gzip(xml), "application/octet-stream");
  });
  site.server().Get("/sitemap.xml", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("<urlset><url><loc>" + site.url("/from-default") + "</loc></url></urlset>", "application/xml");
  });
  for (const char* path : {"/from-index", "/from-default"})
    site.server().Get(path, [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("<title>" + req.path + "</title>", "text/html");
    });
  site.start();

  auto result = crawl({site.url("/"), "--sitemaps"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto records = by_url(this->records());
  EXPECT_EQ(records.size(), 4u);
  EXPECT_EQ(records.at(site.url("/from-index"))["title"], "/from-index");
  EXPECT_EQ(records.at(site.url("/from-index"))["referrer"], site.url("/pages.xml.gz"));
  EXPECT_EQ(records.at(site.url("/from-default"))["status"], 200);
  EXPECT_EQ(records.at(site.url("/secret"))["error"], "robots");
  EXPECT_EQ(records.count("http://127.0.0.2:1/elsewhere"), 0u);

  // Without --sitemaps only the seed is crawled.
  ASSERT_EQ(crawl({site.url("/"), "--job", "plain"}).exit_code, 0);
  EXPECT_EQ(this->records("plain").size(), 1u);
}

}  // namespace
}  // namespace forager
