// A crawl whose queue is far larger than the coordinator keeps in memory
// (Frontier::kWindow per origin): the rest waits in the store and is read
// back as the window drains, across a kill -9 and a resume, and every page is
// still fetched and stored exactly once.
#include <map>
#include <sqlite3.h>

#include "crawler/frontier/frontier.h"
#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

// "/" links to kWide pages /w/0 .. /w/N-1; page i links back to "/" and to i+1.
constexpr int kWide = static_cast<int>(Frontier::kWindow) + 1500;

class FrontierWindowTest : public CrawlFixture {
 protected:
  void SetUp() override {
    CrawlFixture::SetUp();
    site_.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
      std::string body = "<html><head><title>Wide</title></head><body>";
      for (int i = 0; i < kWide; ++i) body += "<a href=\"/w/" + std::to_string(i) + "\">" + std::to_string(i) + "</a>";
      res.set_content(body + "</body></html>", "text/html");
    });
    site_.server().Get(R"(/w/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      const int i = std::stoi(req.matches[1]);
      res.set_content("<title>W" + std::to_string(i) + "</title><a href=\"/\">home</a><a href=\"/w/" +
                          std::to_string(i + 1 < kWide ? i + 1 : 0) + "\">next</a>",
                      "text/html");
    });
    site_.start();
  }

  std::vector<std::string> args() {
    return {site_.url("/"), "--workers", "2", "--concurrency", "32", "--per-host", "32", "--ignore-robots"};
  }

  void expect_every_page_once() {
    auto records = by_url(this->records());
    EXPECT_EQ(records.size(), static_cast<size_t>(kWide) + 1);
    std::map<std::string, size_t> fetched;
    for (const auto& path : site_.requests()) ++fetched[path];
    for (int i = 0; i < kWide; ++i) {
      const std::string path = "/w/" + std::to_string(i);
      auto it = records.find(site_.url(path));
      ASSERT_NE(it, records.end()) << path << " was never stored";
      EXPECT_EQ(it->second["title"], "W" + std::to_string(i));
      EXPECT_EQ(it->second["status"], 200);
      // At most one more fetch than once: a kill -9 may land between a fetch and its commit.
      EXPECT_GE(fetched[path], 1u) << path;
    }
  }

  int64_t sql_int(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  TestServer site_;
};

TEST_F(FrontierWindowTest, QueueLargerThanTheWindowIsCrawledOnce) {
  auto result = crawl(args());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  expect_every_page_once();
  std::map<std::string, size_t> fetched;
  for (const auto& path : site_.requests()) ++fetched[path];
  for (const auto& [path, n] : fetched) EXPECT_EQ(n, 1u) << path << " fetched more than once";
  EXPECT_EQ(sql_int("SELECT count(*) FROM frontier WHERE origin <> '" + site_.url("") + "'"), 0)
      << "every frontier row carries its origin";
  EXPECT_EQ(sql_int("SELECT count(*) FROM frontier WHERE state <> 2"), 0);
}

TEST_F(FrontierWindowTest, KilledWhileMostOfTheQueueIsInTheStoreResumesOnRerun) {
  auto running = start_crawl(args());
  // Kill once the window has been read back at least once.
  for (int i = 0; i < 6000 && site_.requests().size() < Frontier::kWindow + 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  running.signal(SIGKILL);
  running.wait();
  auto result = crawl(args());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("resumed"), std::string::npos) << result.err;
  expect_every_page_once();
  EXPECT_EQ(records("default", "all").size(), static_cast<size_t>(kWide) + 1) << "a resumed crawl must stay one run";
  EXPECT_EQ(sql_int("SELECT count(*) FROM frontier WHERE state <> 2"), 0);
}

}  // namespace
}  // namespace forager::testing
