// Re-crawls: conditional requests, `changed` on every record, export
// --changed, status counts; and the job lock that keeps one crawl per job.
#include <atomic>
#include <fstream>
#include <mutex>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class RecrawlTest : public CrawlFixture {};

// A site whose pages can be edited and deleted between runs. Pages carry an
// ETag (the version) and answer 304 to a matching If-None-Match.
struct EditableSite {
  std::mutex mutex;
  std::map<std::string, std::string> pages;  // path -> body
  std::map<std::string, int> versions;
  std::atomic<int> conditional{0}, not_modified{0};

  void serve(httplib::Server& server) {
    server.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = pages.find(req.path);
      if (it == pages.end()) {
        res.status = 404;
        return;
      }
      std::string etag = "\"v" + std::to_string(versions[req.path]) + "\"";
      if (req.has_header("If-None-Match")) {
        ++conditional;
        if (req.get_header_value("If-None-Match") == etag) {
          ++not_modified;
          res.status = 304;
          res.set_header("ETag", etag);
          return;
        }
      }
      res.set_header("ETag", etag);
      res.set_content(it->second, "text/html");
    });
  }
  void set(const std::string& path, const std::string& body) {
    std::lock_guard<std::mutex> lock(mutex);
    pages[path] = body;
    ++versions[path];
  }
  void remove(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex);
    pages.erase(path);
  }
};

TEST_F(RecrawlTest, SecondRunSaysWhatChanged) {
  EditableSite site;
  TestServer server;
  site.serve(server.server());
  server.start();
  site.set("/", "<title>Home</title><a href=/a>a</a><a href=/b>b</a><a href=/c>c</a>");
  site.set("/a", "<title>A</title>");
  site.set("/b", "<title>B</title>");
  site.set("/c", "<title>C</title>");
  std::vector<std::string> args = {server.url("/"), "--job", "news", "--ignore-robots"};

  ASSERT_EQ(crawl(args).exit_code, 0);
  for (const auto& r : records("news")) EXPECT_TRUE(r["changed"].is_null()) << r.dump();
  EXPECT_EQ(site.conditional.load(), 0);

  site.set("/b", "<title>B, revised</title>");
  site.remove("/c");
  site.set("/", "<title>Home</title><a href=/a>a</a><a href=/b>b</a><a href=/c>c</a><a href=/d>d</a>");
  site.set("/d", "<title>D</title>");
  ASSERT_EQ(crawl(args).exit_code, 0);

  auto second = by_url(records("news"));
  ASSERT_EQ(second.size(), 5u);
  EXPECT_EQ(second.at(server.url("/"))["changed"], true);
  auto& a = second.at(server.url("/a"));
  EXPECT_EQ(a["changed"], false);
  EXPECT_EQ(a["status"], 304);
  EXPECT_EQ(a["title"], "A");  // kept from the last run
  EXPECT_EQ(second.at(server.url("/b"))["changed"], true);
  EXPECT_EQ(second.at(server.url("/b"))["title"], "B, revised");
  EXPECT_EQ(second.at(server.url("/c"))["status"], 404);
  EXPECT_EQ(second.at(server.url("/c"))["changed"], true);
  EXPECT_EQ(second.at(server.url("/d"))["changed"], true);
  EXPECT_GE(site.not_modified.load(), 1);

  auto changed = run_forager({"export", "--db", db_, "--job", "news", "--changed", "--format", "jsonl"}, dir_);
  ASSERT_EQ(changed.exit_code, 0);
  EXPECT_EQ(std::count(changed.out.begin(), changed.out.end(), '\n'), 4);  // home, b, c, d

  auto status = nlohmann::json::parse(run_forager({"status", "--db", db_, "--json", "--job", "news"}, dir_).out);
  EXPECT_EQ(status[0]["new"], 1);
  EXPECT_EQ(status[0]["changed"], 2);
  EXPECT_EQ(status[0]["unchanged"], 1);
  EXPECT_EQ(status[0]["gone"], 1);
}

// A page that was gone in the last run and still is did not change; one that
// comes back did.
TEST_F(RecrawlTest, StillGoneIsNotChangedAgain) {
  EditableSite site;
  TestServer server;
  site.serve(server.server());
  server.start();
  site.set("/", "<title>Home</title><a href=/a>a</a><a href=/c>c</a>");
  site.set("/a", "<title>A</title>");
  site.set("/c", "<title>C</title>");
  std::vector<std::string> args = {server.url("/"), "--job", "news", "--ignore-robots"};
  ASSERT_EQ(crawl(args).exit_code, 0);
  site.remove("/c");
  ASSERT_EQ(crawl(args).exit_code, 0);
  EXPECT_EQ(by_url(records("news")).at(server.url("/c"))["changed"], true);  // gone

  ASSERT_EQ(crawl(args).exit_code, 0);
  auto third = by_url(records("news"));
  EXPECT_EQ(third.at(server.url("/c"))["status"], 404);
  EXPECT_EQ(third.at(server.url("/c"))["changed"], false);
  auto changed = run_forager({"export", "--db", db_, "--job", "news", "--changed", "--format", "jsonl"}, dir_);
  ASSERT_EQ(changed.exit_code, 0);
  EXPECT_EQ(changed.out, "");  // nothing differs from the last run
  auto status = nlohmann::json::parse(run_forager({"status", "--db", db_, "--json", "--job", "news"}, dir_).out);
  EXPECT_EQ(status[0]["gone"], 0);
  EXPECT_EQ(status[0]["unchanged"], 3);

  site.set("/c", "<title>C again</title>");
  ASSERT_EQ(crawl(args).exit_code, 0);
  auto fourth = by_url(records("news"));
  EXPECT_EQ(fourth.at(server.url("/c"))["status"], 200);
  EXPECT_EQ(fourth.at(server.url("/c"))["changed"], true);
}

TEST_F(RecrawlTest, FollowRulesRecrawlInFullAndKeepTheSameLinks) {
  // A 304 has no body for `follow` selectors to choose links from, so with
  // `follow` a re-crawl sends no conditional requests and follows the same links.
  EditableSite site;
  TestServer server;
  site.serve(server.server());
  server.start();
  site.set("/", "<a class=keep href=/a>a</a><a href=/skip>skip</a>");
  site.set("/a", "<title>A</title>");
  site.set("/skip", "<title>skip</title>");
  std::string rules = dir_ + "/rules.json";
  std::ofstream(rules) << R"({"rules": [], "follow": ["a.keep"]})";
  std::vector<std::string> args = {server.url("/"), "--job", "f", "--ignore-robots", "--rules", rules};
  ASSERT_EQ(crawl(args).exit_code, 0);
  ASSERT_EQ(crawl(args).exit_code, 0);
  EXPECT_EQ(site.conditional.load(), 0);
  auto second = by_url(records("f"));
  EXPECT_EQ(second.size(), 2u);  // / and /a, never /skip
  EXPECT_EQ(second.at(server.url("/a"))["changed"], false);
}

TEST_F(RecrawlTest, NewRulesGiveTheirFieldsOnEveryPageAlthoughTheServerSays304) {
  // A 304 keeps the last record's fields; with rules other than the last
  // run's, every page is fetched in full so that its fields are the new ones.
  EditableSite site;
  TestServer server;
  site.serve(server.server());
  server.start();
  site.set("/", "<h1>Home</h1><b>1</b><a href=/a>a</a><a href=/b>b</a>");
  site.set("/a", "<h1>A</h1><b>2</b>");
  site.set("/b", "<h1>B</h1><b>3</b>");
  std::string rules = dir_ + "/rules.json";
  std::ofstream(rules) << R"({"rules": [{"fields": {"heading": "h1::text"}}]})";
  std::vector<std::string> args = {server.url("/"), "--job", "r", "--ignore-robots", "--rules", rules};
  ASSERT_EQ(crawl(args).exit_code, 0);
  ASSERT_EQ(crawl(args).exit_code, 0);  // the same rules: conditional requests, 304s
  EXPECT_EQ(site.not_modified.load(), 3);

  std::ofstream(rules, std::ios::trunc) << R"({"rules": [{"fields": {"heading": "h1::text", "bold": "b::text"}}]})";
  const int conditional_before = site.conditional.load();
  ASSERT_EQ(crawl(args).exit_code, 0);
  EXPECT_EQ(site.conditional.load(), conditional_before);  // every page in full
  auto third = records("r");
  ASSERT_EQ(third.size(), 3u);
  for (const auto& r : third) {
    EXPECT_EQ(r["status"], 200) << r.dump();
    EXPECT_TRUE(r["fields"].contains("bold")) << r.dump();
    EXPECT_EQ(r["changed"], false) << r.dump();  // the page itself did not change
  }
  EXPECT_EQ(by_url(third).at(server.url("/a"))["fields"]["bold"], "2");

  ASSERT_EQ(crawl(args).exit_code, 0);  // the new rules again: 304s keep the new fields
  EXPECT_EQ(site.not_modified.load(), 6);
  for (const auto& r : records("r")) EXPECT_TRUE(r["fields"].contains("bold")) << r.dump();
}

TEST_F(RecrawlTest, AJobRunsOnceAtATime) {
  TestServer server;
  serve_tree_site(server.server(), 40, 50);
  server.start();
  std::vector<std::string> args = {server.url("/page/0"), "--job", "busy", "--ignore-robots", "--workers", "1"};
  auto first = start_crawl(args);
  for (int i = 0; i < 1000 && server.requests().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto second = crawl(args);
  EXPECT_EQ(second.exit_code, 75) << second.err;
  EXPECT_NE(second.err.find("already running"), std::string::npos) << second.err;
  // Another job is not blocked.
  EXPECT_EQ(crawl({server.url("/page/39"), "--job", "other", "--ignore-robots"}).exit_code, 0);
  first.signal(SIGKILL);
  first.wait();
  // A dead holder keeps nothing: the next crawl takes the lock and resumes.
  auto resumed = crawl(args);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(records("busy").size(), 40u);
}

}  // namespace
}  // namespace forager::testing
