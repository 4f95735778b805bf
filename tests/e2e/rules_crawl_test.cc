// End-to-end extraction rules: the real forager binary crawls a loopback
// shop with --rules; fields land in the records, `follow` limits the crawl,
// and a bad rules file stops everything before a request or a store file.
#include <filesystem>
#include <fstream>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class RulesCrawlTest : public CrawlFixture {
 protected:
  std::string write_rules(const std::string& text) {
    const std::string path = dir_ + "/rules.json";
    std::ofstream(path) << text;
    return path;
  }
};

// A little shop: the home page has a nav, a product list, a pager and links
// that `follow` leaves out.
void serve_shop(httplib::Server& server) {
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"(<html><head><title>Shop</title></head><body>
      <ul class="nav"><li><a href="/list/2">More</a></li></ul>
      <article><h3><a href="/product/1">One</a></h3></article>
      <article><h3><a href="/product/2">Two</a></h3></article>
      <a href="/other/x">not followed</a>
      </body></html>)",
                    "text/html; charset=utf-8");
  });
  server.Get("/list/2", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"(<html><body><article><h3><a href="/product/3">Three</a></h3></article>
      <p><a href="/other/y">also not followed</a></p></body></html>)",
                    "text/html");
  });
  server.Get(R"(/product/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    const std::string n = req.matches[1];
    res.set_content("<html><body><div class=product_main><h1>  Book\n " + n +
                        " </h1><p class=price_color>£1" + n +
                        ".50</p><p class=\"star-rating Four\"></p></div><img id=cover src=\"../media/" + n +
                        ".jpg\"><ul><li class=tag>a, \"quoted\"</li><li class=tag>Misérables</li></ul>"
                        "<a href=\"/other/z\">x</a></body></html>",
                    "text/html; charset=utf-8");
  });
  server.Get(R"(/other/.*)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html><body>other</body></html>", "text/html");
  });
}

const char kRules[] = R"j({
  "rules": [{"match": "/product/\\d+$",
             "fields": {"name": "h1::text",
                        "price": ".product_main .price_color::text",
                        "rating": ".star-rating::attr(class)",
                        "image": {"css": "img#cover::attr(src)", "url": true},
                        "tags": {"css": "li.tag::text", "all": true},
                        "missing": ".nope::text"}}],
  "follow": ["ul.nav", "h3"]
})j";

TEST_F(RulesCrawlTest, FieldsAreExtractedAndFollowLimitsTheCrawl) {
  TestServer site;
  serve_shop(site.server());
  site.start();
  auto result = crawl({site.url("/"), "--rules", write_rules(kRules), "--workers", "2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto records = by_url(this->records());

  EXPECT_EQ(records.size(), 5u);  // /, /list/2, /product/1..3
  for (int n = 1; n <= 3; ++n) {
    const std::string url = site.url("/product/" + std::to_string(n));
    ASSERT_EQ(records.count(url), 1u) << url;
    const nlohmann::json& fields = records[url]["fields"];
    EXPECT_EQ(fields["name"], "Book " + std::to_string(n));
    EXPECT_EQ(fields["price"], "£1" + std::to_string(n) + ".50");
    EXPECT_EQ(fields["rating"], "star-rating Four");
    EXPECT_EQ(fields["image"], site.url("/media/" + std::to_string(n) + ".jpg"));
    EXPECT_EQ(fields["tags"], nlohmann::json::array({"a, \"quoted\"", "Misérables"}));
    EXPECT_TRUE(fields["missing"].is_null());
  }
  // Pages no rule set matches have no fields; links still list every outlink.
  EXPECT_EQ(records[site.url("/")]["fields"], nlohmann::json::object());
  const std::vector<std::string> home_links = records[site.url("/")]["links"];
  EXPECT_NE(std::find(home_links.begin(), home_links.end(), site.url("/other/x")), home_links.end());
  // `follow` kept the crawl off the other links.
  EXPECT_EQ(site.count("/other/x"), 0u);
  EXPECT_EQ(site.count("/other/y"), 0u);
  EXPECT_EQ(site.count("/other/z"), 0u);

  // The CSV export has a column per rule field.
  auto csv = run_forager({"export", "--db", db_, "--format", "csv"}, dir_);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const std::string header = csv.out.substr(0, csv.out.find("\r\n"));
  EXPECT_EQ(header,
            "url,final_url,status,error,depth,referrer,fetched_at,content_type,bytes,content_hash,title,"
            "description,noindex,links,run,job,changed,name,price,rating,image,tags,missing");
  EXPECT_NE(csv.out.find("\"[\"\"a, \\\"\"quoted\\\"\"\"\",\"\"Misérables\"\"]\""), std::string::npos) << csv.out;
}

TEST_F(RulesCrawlTest, WithoutFollowEveryLinkIsFollowed) {
  TestServer site;
  serve_shop(site.server());
  site.start();
  auto result = crawl({site.url("/"), "--rules",
                       write_rules(R"({"rules": [{"fields": {"title": "title::text"}}]})"), "--workers", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto records = by_url(this->records());
  EXPECT_EQ(records.size(), 8u);  // + /other/x, /other/y, /other/z
  EXPECT_EQ(records[site.url("/")]["fields"]["title"], "Shop");
  EXPECT_TRUE(records[site.url("/product/1")]["fields"]["title"].is_null());
}

TEST_F(RulesCrawlTest, BadRulesFileIsWrongUsageBeforeAnything) {
  TestServer site;
  serve_shop(site.server());
  site.start();
  const std::string bad = write_rules(R"({"rules": [{"fields": {"price": ".price_color::txt"}}]})");
  auto result = crawl({site.url("/"), "--rules", bad});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(bad + ": rules[0].fields.price: selector \".price_color::txt\" column 13: "
                                  "unknown pseudo-element '::txt'"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(db_));
  EXPECT_TRUE(site.requests().empty());

  for (const char* text : {"{not json", R"({"rules": [], "extra": 1})", R"({"rules": [{"match": "(", "fields": {}}]})"}) {
    auto again = crawl({site.url("/"), "--rules", write_rules(text)});
    EXPECT_EQ(again.exit_code, 2) << text;
    EXPECT_FALSE(std::filesystem::exists(db_)) << text;
  }
  auto missing = crawl({site.url("/"), "--rules", dir_ + "/no-such-file.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(db_));
  EXPECT_TRUE(site.requests().empty());
}

}  // namespace
}  // namespace forager::testing
