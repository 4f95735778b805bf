// robots.txt end to end: the path that is checked is the path that is sent.
#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class RobotsCrawlTest : public CrawlFixture {};

// A page whose links reach the disallowed /private and //secret through every
// rewrite a URL library could apply between the check and the request: empty
// segments, dot segments, encoded dots, encoded letters.
TEST_F(RobotsCrawlTest, NoDisallowedPathIsEverRequested) {
  TestServer site;
  site.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: *\nDisallow: /private\nDisallow: //secret\n", "text/plain");
  });
  site.server().Get("/", [&site](const httplib::Request&, httplib::Response& res) {
    std::string body = "<html><body>";
    for (const std::string& href :
         {site.url("//private/x"), site.url("//secret/z"), std::string(".//secret/y"), std::string("/./private/a"),
          std::string("/a/../private/b"), std::string("/%2e/private/c"), std::string("/a/%2E%2E/private/d"),
          std::string("/%70rivate/e"), std::string("/priv%61te/f"), std::string("/.//private/g"),
          std::string("/pub//../private/h"), std::string("/private/i"), std::string("/a/./b/../../private/j"),
          std::string("/open/k")})
      body += "<a href=\"" + href + "\">x</a>";
    res.set_content(body + "</body></html>", "text/html");
  });
  site.server().Get(R"(/.*)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<html><title>leaf</title></html>", "text/html");
  });
  site.start();
  ASSERT_EQ(crawl({site.url("/"), "--max-depth", "1"}).exit_code, 0);

  const auto targets = site.targets();
  for (const std::string& target : targets) {
    EXPECT_FALSE(target.starts_with("/private")) << target;
    EXPECT_FALSE(target.starts_with("//secret")) << target;
    EXPECT_EQ(target.find("%2"), std::string::npos) << target;  // encoded dots never reach the server
  }
  auto has = [&](const std::string& t) { return std::find(targets.begin(), targets.end(), t) != targets.end(); };
  // "//private/x" is not under /private: allowed, and sent exactly as checked.
  EXPECT_TRUE(has("//private/x"));
  EXPECT_TRUE(has("/open/k"));
  EXPECT_TRUE(has("/pub/private/h"));  // "/pub//../private/h": the empty segment is what ".." removes
  auto records = by_url(this->records());
  for (const char* path : {"//secret/z", "/private/a", "/private/b", "/private/i", "/private/j"}) {
    ASSERT_TRUE(records.count(site.url(path))) << path;
    EXPECT_EQ(records[site.url(path)]["error"], "robots") << path;
  }
}

// A browser-style User-Agent is matched as its "compatible; NAME/" part, and
// --robots-agent names the token outright; the summary says which.
TEST_F(RobotsCrawlTest, BrowserStyleAgentAndRobotsAgent) {
  TestServer site;
  site.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        "User-agent: Mozilla\nDisallow: /\n\n"
        "User-agent: ExampleBot\nDisallow: /e\n\n"
        "User-agent: OtherBot\nDisallow: /o\n",
        "text/plain");
  });
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<a href=/e>e</a><a href=/o>o</a>", "text/html");
  });
  site.server().Get(R"(/(e|o))", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<title>leaf</title>", "text/html");
  });
  site.start();
  const std::string agent = "Mozilla/5.0 (compatible; ExampleBot/0.1; +https://example.org/bot)";
  auto result = crawl({site.url("/"), "--user-agent", agent, "--job", "derived"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("robots.txt matched as 'ExampleBot'"), std::string::npos) << result.err;
  auto derived = by_url(records("derived"));
  EXPECT_EQ(derived[site.url("/")]["status"], 200);
  EXPECT_EQ(derived[site.url("/e")]["error"], "robots");
  EXPECT_EQ(derived[site.url("/o")]["status"], 200);

  result = crawl({site.url("/"), "--user-agent", agent, "--robots-agent", "OtherBot", "--job", "named"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("robots.txt matched as 'OtherBot'"), std::string::npos) << result.err;
  auto named = by_url(records("named"));
  EXPECT_EQ(named[site.url("/e")]["status"], 200);
  EXPECT_EQ(named[site.url("/o")]["error"], "robots");

  EXPECT_NE(crawl({site.url("/"), "--robots-agent", "Bad/1"}).exit_code, 0);
  auto help = run_forager({"crawl", "--help"}, dir_);
  EXPECT_NE(help.out.find("--robots-agent"), std::string::npos);
  EXPECT_NE(help.out.find("compatible; NAME/"), std::string::npos);
}

// A host that cannot be reached: robots.txt cannot be fetched, nothing is
// fetched, and every record says why (connect), not "robots".
TEST_F(RobotsCrawlTest, UnreachableHostIsNotReportedAsARefusal) {
  TestServer closed;
  closed.start();
  const std::string base = "http://127.0.0.1:" + std::to_string(closed.port());
  closed.stop();  // nothing listens there any more
  std::string seeds = dir_ + "/seeds.txt";
  {
    std::ofstream out(seeds);
    for (int i = 0; i < 3; ++i) out << base << "/p" << i << "\n";
  }
  auto result = crawl({seeds, "--retries", "1", "--workers", "1"});
  ASSERT_EQ(result.exit_code, 3) << result.err;  // not one page could be fetched
  EXPECT_NE(result.err.find("connect x3"), std::string::npos) << result.err;
  auto list = records();
  ASSERT_EQ(list.size(), 3u);
  for (const auto& r : list) {
    EXPECT_EQ(r["error"], "connect") << r.dump();
    EXPECT_TRUE(r["status"].is_null()) << r.dump();
  }
}

// Page-level directives: nofollow (meta robots, meta with our token, the
// X-Robots-Tag header, prefixed or not) stops the page's links from being
// followed but keeps them in `links`; noindex/none shows on the record.
TEST_F(RobotsCrawlTest, MetaRobotsAndXRobotsTag) {
  TestServer site;
  auto page = [&site](const std::string& path, const std::string& head, const std::string& child,
                      const std::string& header = "") {
    site.server().Get(path, [head, child, header](const httplib::Request&, httplib::Response& res) {
      if (!header.empty()) res.set_header("X-Robots-Tag", header);
      res.set_content("<html><head>" + head + "<title>t</title></head><body><a href=\"" + child + "\">c</a></body></html>",
                      "text/html");
    });
  };
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    std::string body;
    for (const char* path : {"/meta-nofollow", "/meta-noindex", "/own-none", "/header-nofollow", "/header-other",
                             "/header-plain"})
      body += std::string("<a href=\"") + path + "\">x</a>";
    res.set_content(body, "text/html");
  });
  page("/meta-nofollow", "<meta name=\"robots\" content=\"nofollow\">", "/child/1");
  page("/meta-noindex", "<meta name=\"robots\" content=\"noindex\">", "/child/2");
  page("/own-none", "<meta name=\"forager\" content=\"none\">", "/child/3");
  page("/header-nofollow", "", "/child/4", "forager: nofollow");
  page("/header-other", "", "/child/5", "googlebot: none");
  page("/header-plain", "", "/child/6", "noindex, nofollow");
  site.server().Get(R"(/child/\d)", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<title>child</title>", "text/html");
  });
  site.start();
  ASSERT_EQ(crawl({site.url("/"), "--ignore-robots"}).exit_code, 0);
  auto records = by_url(this->records());
  for (const char* child : {"/child/1", "/child/3", "/child/4", "/child/6"}) {
    EXPECT_EQ(site.count(child), 0u) << child;
    EXPECT_EQ(records.count(site.url(child)), 0u) << child;
  }
  EXPECT_EQ(site.count("/child/2"), 1u);
  EXPECT_EQ(site.count("/child/5"), 1u);
  auto noindex = [&](const char* path) { return records.at(site.url(path))["noindex"]; };
  EXPECT_EQ(noindex("/"), false);
  EXPECT_EQ(noindex("/meta-nofollow"), false);
  EXPECT_EQ(noindex("/meta-noindex"), true);
  EXPECT_EQ(noindex("/own-none"), true);
  EXPECT_EQ(noindex("/header-nofollow"), false);
  EXPECT_EQ(noindex("/header-other"), false);
  EXPECT_EQ(noindex("/header-plain"), true);
  // The links of a nofollow page are still its outlinks on the record.
  EXPECT_EQ(records.at(site.url("/meta-nofollow"))["links"], nlohmann::json::array({site.url("/child/1")}));

  auto csv = run_forager({"export", "--db", db_, "--format", "csv"}, dir_);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find(",description,noindex,links,"), std::string::npos) << csv.out.substr(0, 300);
}

// --max-pages counts fetches; the summary tells fetched pages from records
// (robots refusals are records that were never fetched).
TEST_F(RobotsCrawlTest, SummaryCountsFetchedPagesApartFromRecords) {
  TestServer site;
  serve_tree_site(site.server(), 40);
  site.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: *\nDisallow: /page/3\n", "text/plain");
  });
  site.start();
  auto result = crawl({site.url("/page/0"), "--max-pages", "6", "--workers", "1", "--per-host", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto list = records();
  size_t refused = 0;
  for (const auto& r : list) refused += r["error"] == "robots" ? 1 : 0;
  ASSERT_GT(refused, 0u);
  EXPECT_EQ(list.size() - refused, 6u);
  const std::string expected = "6 pages fetched, " + std::to_string(list.size()) + " records, " +
                               std::to_string(refused) + " with errors";
  EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
}

}  // namespace
}  // namespace forager::testing
