// `forager fetch`: one page printed as the record a crawl would store (or its
// decoded HTML), from a loopback server or a local file, robots.txt obeyed.
#include <fstream>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class FetchTest : public CrawlFixture {
 protected:
  ProcessResult fetch(std::vector<std::string> args) {
    args.insert(args.begin(), "fetch");
    return run_forager(args, dir_);
  }
  std::string write_file(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
};

// A page in windows-1252 (é is 0xE9), with links, served after a redirect.
void serve_shop(TestServer& site) {
  site.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: *\nDisallow: /private\n", "text/plain");
  });
  site.server().Get("/old", [](const httplib::Request&, httplib::Response& res) {
    res.status = 301;
    res.set_header("Location", "/item");
  });
  site.server().Get("/item", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        "<html><head><title>Caf\xE9</title><meta name=description content='A shop'></head><body>"
        "<h1 class=name>Coffee</h1><span class=price>4.50</span><a href=/next>next</a></body></html>",
        "text/html; charset=windows-1252");
  });
  site.server().Get("/private", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<title>secret</title>", "text/html");
  });
  site.start();
}

constexpr char kRules[] = R"({"rules": [{"fields": {"name": "h1.name::text", "price": "span.price::text"}}]})";

TEST_F(FetchTest, PrintsTheRecordACrawlWouldStore) {
  TestServer site;
  serve_shop(site);
  auto result = fetch({site.url("/old")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto record = nlohmann::json::parse(result.out);
  EXPECT_EQ(record["url"], site.url("/old"));
  EXPECT_EQ(record["final_url"], site.url("/item"));
  EXPECT_EQ(record["status"], 200);
  EXPECT_TRUE(record["error"].is_null());
  EXPECT_EQ(record["content_type"], "text/html; charset=windows-1252");
  EXPECT_GT(record["bytes"].get<int>(), 100);
  EXPECT_EQ(record["content_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(record["title"], "Caf\xC3\xA9");  // converted to UTF-8
  EXPECT_EQ(record["description"], "A shop");
  EXPECT_EQ(record["links"], nlohmann::json::array({site.url("/next")}));
  EXPECT_EQ(record["fields"], nlohmann::json::object());
  EXPECT_FALSE(record.contains("run"));
  EXPECT_EQ(site.count("/robots.txt"), 1u);
  EXPECT_EQ(site.count("/next"), 0u);  // one page, no crawl
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/forager.db"));  // no store
}

TEST_F(FetchTest, FieldsAreTheSameAsACrawlExports) {
  TestServer site;
  serve_shop(site);
  const std::string rules = write_file("rules.json", kRules);
  auto result = fetch({site.url("/item"), "--rules", rules});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto fetched = nlohmann::json::parse(result.out);
  EXPECT_EQ(fetched["fields"], nlohmann::json({{"name", "Coffee"}, {"price", "4.50"}}));
  ASSERT_EQ(crawl({site.url("/item"), "--rules", rules, "--max-depth", "0"}).exit_code, 0);
  auto crawled = records();
  ASSERT_EQ(crawled.size(), 1u);
  for (const char* key : {"url", "final_url", "status", "error", "content_type", "bytes", "content_hash", "title",
                          "description", "links", "fields"})
    EXPECT_EQ(fetched[key], crawled[0][key]) << key;
}

TEST_F(FetchTest, HtmlPrintsThePageDecodedToUtf8) {
  TestServer site;
  serve_shop(site);
  auto result = fetch({site.url("/item"), "--html"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("<title>Caf\xC3\xA9</title>"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find('\xE9'), std::string::npos);
}

TEST_F(FetchTest, LocalFileResolvesLinksOnlyAgainstBase) {
  const std::string page = write_file(
      "page.html", "<title>Local</title><h1 class=name>Tea</h1><a href=/a>a</a><a href='http://example.com/b'>b</a>");
  const std::string rules = write_file("rules.json", kRules);
  auto with_base = fetch({"--rules", rules, page, "--base", "https://shop.example/dir/"});
  ASSERT_EQ(with_base.exit_code, 0) << with_base.err;
  auto record = nlohmann::json::parse(with_base.out);
  EXPECT_EQ(record["url"], "https://shop.example/dir/");
  EXPECT_EQ(record["title"], "Local");
  EXPECT_EQ(record["fields"]["name"], "Tea");
  EXPECT_EQ(record["links"], nlohmann::json::array({"https://shop.example/a", "http://example.com/b"}));

  auto without = fetch({page});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  record = nlohmann::json::parse(without.out);
  EXPECT_EQ(record["url"], "file://" + page);
  EXPECT_EQ(record["links"], nlohmann::json::array({"http://example.com/b"}));  // only absolute links
}

TEST_F(FetchTest, RobotsRefusalExitsThreeWithoutRequestingThePage) {
  TestServer site;
  serve_shop(site);
  auto result = fetch({site.url("/private")});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_NE(result.err.find("robots"), std::string::npos) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["error"], "robots");
  EXPECT_EQ(site.count("/private"), 0u);
  auto ignoring = fetch({site.url("/private"), "--ignore-robots"});
  ASSERT_EQ(ignoring.exit_code, 0) << ignoring.err;
  EXPECT_EQ(nlohmann::json::parse(ignoring.out)["title"], "secret");
}

TEST_F(FetchTest, DeadPortExitsThree) {
  int port;
  {
    TestServer gone;
    gone.start();
    port = gone.port();
  }  // stopped: nothing listens there now
  auto result = fetch({"http://127.0.0.1:" + std::to_string(port) + "/", "--ignore-robots", "--timeout", "5"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(nlohmann::json::parse(result.out)["error"], "connect");
  // Obeying robots.txt, its fetch is what fails: the same error, not "robots".
  auto polite = fetch({"http://127.0.0.1:" + std::to_string(port) + "/", "--timeout", "5"});
  EXPECT_EQ(polite.exit_code, 3);
  EXPECT_EQ(nlohmann::json::parse(polite.out)["error"], "connect");
}

TEST_F(FetchTest, WrongUsageExitsTwo) {
  const std::string bad = write_file("bad.json", R"({"rules": [{"fields": {"price": "span[[["}}]})");
  auto result = fetch({"http://127.0.0.1:1/", "--rules", bad});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("price"), std::string::npos) << result.err;
  EXPECT_EQ(fetch({dir_ + "/missing.html"}).exit_code, 2);
}

}  // namespace
}  // namespace forager::testing
