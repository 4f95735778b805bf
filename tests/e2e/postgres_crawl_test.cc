// Every command with --db postgresql://... end to end: the real binary, a
// real PostgreSQL server (one per ctest run, a database per test) and a
// loopback site; the same crawl on SQLite for comparison.
#include <signal.h>

#include <algorithm>

#include <thread>

#include "storage/open.h"
#include "tests/support/crawl_fixture.h"
#include "tests/support/postgres_server.h"

namespace forager::testing {
namespace {

constexpr int kPages = 60;

class PostgresCrawlTest : public CrawlFixture {
 protected:
  void SetUp() override {
    CrawlFixture::SetUp();
    FORAGER_USE_TEST_DATABASE(pg_);
    sqlite_ = db_;
    db_ = pg_->uri();  // crawl(), records() ... use PostgreSQL
    serve_tree_site(site_.server(), kPages, 10);
    site_.start();
  }
  std::vector<std::string> args() {
    return {site_.url("/page/0"), "--workers", "2", "--per-host", "4", "--ignore-robots"};
  }
  ProcessResult forager(std::vector<std::string> args) { return run_forager(args, dir_); }
  void wait_for_requests(size_t n) {
    for (int i = 0; i < 2000 && site_.requests().size() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  std::unique_ptr<TestDatabase> pg_;
  std::string sqlite_;
  TestServer site_;
};

// Records keyed by URL without what differs between two crawls of one site
// (when each page was fetched).
std::map<std::string, nlohmann::json> comparable(std::map<std::string, nlohmann::json> records) {
  for (auto& [url, record] : records) record.erase("fetched_at");
  return records;
}

TEST_F(PostgresCrawlTest, CrawlAndExportGiveTheRecordsSqliteGives) {
  auto result = crawl(args());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("store " + db_), std::string::npos) << result.err;
  auto on_postgres = by_url(records());
  expect_tree_site_once(on_postgres, site_, kPages, 0);

  auto lite = run_forager({"crawl", site_.url("/page/0"), "--workers", "2", "--per-host", "4", "--ignore-robots",
                           "--db", sqlite_, "--quiet"},
                          dir_);
  ASSERT_EQ(lite.exit_code, 0) << lite.err;
  auto exported = forager({"export", "--db", sqlite_, "--format", "jsonl"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::vector<nlohmann::json> lines;
  std::istringstream in(exported.out);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  EXPECT_EQ(comparable(on_postgres), comparable(by_url(lines)));

  // --fields and --no-links give the same bytes from both stores (rows sorted:
  // the two crawls fetched in another order).
  for (const std::vector<std::string>& shape :
       {std::vector<std::string>{"--format", "csv", "--fields", "url,status,title,fields,depth"},
        {"--format", "jsonl", "--no-links"}}) {
    std::vector<std::string> rows[2];
    for (int i = 0; i < 2; ++i) {
      std::vector<std::string> args{"export", "--db", i == 0 ? db_ : sqlite_};
      args.insert(args.end(), shape.begin(), shape.end());
      auto out = forager(args);
      ASSERT_EQ(out.exit_code, 0) << out.err;
      std::istringstream text(out.out);
      for (std::string line; std::getline(text, line);) {
        if (shape[1] == "jsonl") {  // fetched_at differs between the two crawls
          auto record = nlohmann::ordered_json::parse(line);
          record.erase("fetched_at");
          line = record.dump();
        }
        rows[i].push_back(line);
      }
      std::sort(rows[i].begin(), rows[i].end());
    }
    EXPECT_EQ(rows[0], rows[1]) << shape[1];
    EXPECT_EQ(rows[0].size(), static_cast<size_t>(kPages) + (shape[1] == "csv" ? 1 : 0));
  }

  // Every format, to a file, as on SQLite.
  for (const std::string format : {"json", "csv"}) {
    const std::string out = dir_ + "/out." + format;
    auto written = forager({"export", "--db", db_, "--format", format, "-o", out});
    ASSERT_EQ(written.exit_code, 0) << written.err;
    EXPECT_NE(written.err.find(std::to_string(kPages) + " records written"), std::string::npos) << written.err;
  }
}

TEST_F(PostgresCrawlTest, SigtermStopsAndTheSameCommandResumes) {
  auto running = start_crawl(args());
  wait_for_requests(15);
  running.signal(SIGTERM);
  auto stopped = running.wait();
  ASSERT_EQ(stopped.exit_code, 143) << stopped.err;
  EXPECT_NE(stopped.err.find("run the same command again"), std::string::npos) << stopped.err;
  auto status = forager({"status", "--db", db_, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto runs = nlohmann::json::parse(status.out);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["state"], "interrupted");
  EXPECT_GT(runs[0]["pages"].get<int>(), 0);
  EXPECT_LT(runs[0]["pages"].get<int>(), kPages);

  auto resumed = crawl(args());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resumed"), std::string::npos) << resumed.err;
  expect_tree_site_once(by_url(records()), site_, kPages, 0);
  EXPECT_EQ(records("default", "all").size(), static_cast<size_t>(kPages)) << "a resumed crawl stays one run";
}

TEST_F(PostgresCrawlTest, AJobRunsOnceAtATimeAndAKilledHolderIsTakenOver) {
  const std::vector<std::string> a = {site_.url("/page/0"), "--job", "busy", "--workers", "1", "--per-host", "1",
                                     "--ignore-robots"};
  auto first = start_crawl(a);
  wait_for_requests(3);
  auto second = crawl(a);
  EXPECT_EQ(second.exit_code, 75) << second.err;
  EXPECT_NE(second.err.find("already running (pid " + std::to_string(first.pid()) + ")"), std::string::npos)
      << second.err;
  first.signal(SIGKILL);
  first.wait();
  auto resumed = crawl(a);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resumed"), std::string::npos) << resumed.err;
  expect_tree_site_once(by_url(records("busy")), site_, kPages, 0);
}

TEST_F(PostgresCrawlTest, StatusAndReport) {
  auto missing = forager({"status", "--db", db_});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("no such store"), std::string::npos) << missing.err;
  EXPECT_EQ(forager({"report", "--db", db_, "-o", dir_ + "/none.html"}).exit_code, 2);
  EXPECT_EQ(forager({"export", "--db", db_}).exit_code, 2);
  EXPECT_FALSE(storage::exists(db_)) << "a read-only command created the store";

  ASSERT_EQ(crawl(args()).exit_code, 0);
  auto status = forager({"status", "--db", db_, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto runs = nlohmann::json::parse(status.out);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["state"], "done");
  EXPECT_EQ(runs[0]["pages"], kPages);
  EXPECT_EQ(runs[0]["frontier"]["done"], kPages);
  EXPECT_EQ(runs[0]["frontier"]["queued"], 0);
  auto table = forager({"status", "--db", db_});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("default"), std::string::npos) << table.out;

  const std::string html = dir_ + "/report.html";
  auto report = forager({"report", "--db", db_, "-o", html});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string page = read_file(html);
  EXPECT_NE(page.find("<html"), std::string::npos);
  EXPECT_NE(page.find(std::to_string(kPages)), std::string::npos);
}

TEST_F(PostgresCrawlTest, ScheduleAddListRunRemove) {
  auto schedule = [&](std::vector<std::string> a) {
    a.insert(a.begin(), "schedule");
    a.insert(a.begin() + 2, {"--db", db_});
    return forager(a);
  };
  auto added = schedule({"add", "site", "--every", "1h", "--workers", "1", "--ignore-robots", site_.url("/page/0")});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(schedule({"add", "site", "--every", "2h", site_.url("/")}).exit_code, 2);
  auto list = schedule({"list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("--every 1h"), std::string::npos) << list.out;

  auto once = schedule({"run", "--once"});
  ASSERT_EQ(once.exit_code, 0) << once.err;
  EXPECT_NE(once.err.find("'site' ok (exit 0"), std::string::npos) << once.err;
  expect_tree_site_once(by_url(records("site")), site_, kPages, 0);
  EXPECT_NE(schedule({"run", "--once"}).err.find("nothing is due"), std::string::npos);

  ASSERT_EQ(schedule({"remove", "site"}).exit_code, 0);
  EXPECT_EQ(schedule({"remove", "site"}).exit_code, 2);
  EXPECT_EQ(schedule({"list"}).out.find("site"), std::string::npos);
}

TEST_F(PostgresCrawlTest, APasswordInTheUriIsRefusedEverywhere) {
  const std::string secret = "hunter2";
  std::string uri = db_;
  uri.replace(uri.find("postgres@"), 9, "postgres:" + secret + "@");
  const std::vector<std::vector<std::string>> commands = {
      {"crawl", site_.url("/page/0"), "--db", uri},
      {"export", "--db", uri},
      {"status", "--db", uri},
      {"report", "--db", uri},
      {"schedule", "add", "x", "--every", "1h", "--db", uri, site_.url("/")},
      {"schedule", "list", "--db", uri},
      {"schedule", "remove", "x", "--db", uri},
      {"schedule", "run", "--once", "--db", uri},
  };
  for (const auto& command : commands) {
    auto result = forager(command);
    EXPECT_EQ(result.exit_code, 2) << command[0] << ": " << result.err;
    EXPECT_NE(result.err.find("PGPASSWORD"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find(secret), std::string::npos) << result.err;
    EXPECT_EQ(result.out.find(secret), std::string::npos) << result.out;
  }
  EXPECT_FALSE(storage::exists(db_));
  EXPECT_TRUE(site_.requests().empty());
}

TEST_F(PostgresCrawlTest, AnUnreachableServerIsARuntimeError) {
  auto result = forager({"crawl", site_.url("/page/0"), "--db", "postgresql://postgres@/none?host=" + dir_});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("cannot connect to postgresql://postgres@/none"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace forager::testing
