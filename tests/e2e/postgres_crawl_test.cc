// Every command with --db postgresql://... end to end: the real binary, a
// real PostgreSQL server (one per ctest run, a database per test) and a
// loopback site; the same crawl on SQLite for comparison.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <mutex>
#include <regex>
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
  // One slow member of job `job`: one worker, one fetch at a time, `delay`
  // between them, so that a test can act while it crawls.
  std::vector<std::string> paced_member(const std::string& job, const std::string& delay) {
    return {site_.url("/page/0"), "--job", job, "--workers", "1", "--per-host", "1",
            "--delay", delay, "--timeout", "2s", "--ignore-robots"};
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

// On PostgreSQL every crawl of a job is a member of its one run: a second
// crawl joins the first (no exit 75); a crawl killed with SIGKILL leaves its
// leases to the next one, which resumes and finishes the run.
TEST_F(PostgresCrawlTest, ASecondCrawlJoinsTheRunAndAKilledOnesWorkIsTakenBack) {
  const std::vector<std::string> a = paced_member("busy", "20ms");
  auto first = start_crawl(a);
  wait_for_requests(3);
  auto second = crawl(a);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("joining run 1 of job 'busy'"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("(joined)"), std::string::npos) << second.err;
  auto first_done = first.wait();
  ASSERT_EQ(first_done.exit_code, 0) << first_done.err;
  expect_tree_site_once(by_url(records("busy")), site_, kPages, 0);
  EXPECT_EQ(records("busy", "all").size(), static_cast<size_t>(kPages)) << "both crawls worked on one run";

  auto killed = start_crawl(paced_member("killed", "20ms"));
  const size_t before = site_.requests().size();
  wait_for_requests(before + 5);
  killed.signal(SIGKILL);
  killed.wait();
  auto finished = crawl(paced_member("killed", "20ms"));
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  // The killed member ran on this machine: its pid is gone and its liveness
  // lock free, so it is known dead at once and the rerun resumes the run
  // rather than joining a member that looks alive for a lease lifetime.
  EXPECT_NE(finished.err.find("resuming run"), std::string::npos) << finished.err;
  expect_tree_site_once(by_url(records("killed")), site_, kPages, 0);
  EXPECT_EQ(records("killed", "all").size(), static_cast<size_t>(kPages));
}

// A member killed on this machine and found dead by a crawl that joins the
// run (another member is live) gives its leases back then: the run ends, and
// no lease of the dead member is left behind for ever.
TEST_F(PostgresCrawlTest, AJoinerThatFindsAKilledMemberGivesItsLeasesBack) {
  const std::vector<std::string> a = paced_member("j", "100ms");
  auto live = start_crawl(a);
  wait_for_requests(2);
  auto victim = start_crawl(a);
  auto conn = pg_->connect();
  const std::string held = "SELECT count(*) FROM forager.leases l JOIN forager.members m ON m.id = l.member_id "
                           "WHERE m.pid = " + std::to_string(victim.pid());
  bool holds = false;
  for (int i = 0; i < 4000 && !(holds = conn.query(held).int64(0, 0) > 0); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(holds) << "the victim never held a lease";
  victim.signal(SIGKILL);
  victim.wait();
  auto joiner = crawl(a);
  ASSERT_EQ(joiner.exit_code, 0) << joiner.err;
  auto first = live.wait();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  expect_tree_site_once(by_url(records("j")), site_, kPages, 0);
  EXPECT_EQ(conn.query("SELECT count(*) FROM forager.leases").int64(0, 0), 0);
  EXPECT_EQ(conn.query("SELECT count(*) FROM forager.frontier WHERE state IN (0, 1)").int64(0, 0), 0);
}

// The progress line's "queued" is the run's, counted on the server at each
// upkeep (there is no local frontier on PostgreSQL). Paced at 150 ms a page,
// the 60-page binary tree takes about 9 s: the line printed after 5 s comes
// while half the tree is known and not yet fetched.
TEST_F(PostgresCrawlTest, ProgressShowsTheRunsQueuedUrls) {
  auto result = forager({"crawl", site_.url("/page/0"), "--db", db_, "--workers", "1", "--per-host", "1", "--delay",
                          "150ms", "--ignore-robots"});  // not crawl(): that one adds --quiet
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::regex progress(R"(pages (\d+) .* queued (\d+) )");
  int lines = 0, most_queued = 0;
  for (auto it = std::sregex_iterator(result.err.begin(), result.err.end(), progress); it != std::sregex_iterator();
       ++it) {
    ++lines;
    most_queued = std::max(most_queued, std::stoi((*it)[2]));
  }
  ASSERT_GT(lines, 0) << result.err;
  EXPECT_GT(most_queued, 0) << result.err;
  EXPECT_LE(most_queued, kPages) << result.err;
}

// A re-crawl on PostgreSQL: the next run compares every record with the
// previous run's, and the validators (ETag) that came with each lease go out
// as If-None-Match, so unchanged pages answer 304 and keep their fields.
TEST_F(PostgresCrawlTest, ARecrawlSendsValidatorsAndSaysWhatChanged) {
  std::mutex mutex;
  std::map<std::string, int> versions = {{"/", 1}, {"/a", 1}, {"/b", 1}};
  std::atomic<int> not_modified{0};
  TestServer edited;
  edited.server().Get(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = versions.find(req.path);
    if (it == versions.end()) {
      res.status = 404;
      return;
    }
    const std::string etag = "\"v" + std::to_string(it->second) + "\"";
    res.set_header("ETag", etag);
    if (req.get_header_value("If-None-Match") == etag) {
      ++not_modified;
      res.status = 304;
      return;
    }
    res.set_content("<title>" + req.path + " v" + std::to_string(it->second) + "</title><a href=/a>a</a><a href=/b>b</a>",
                    "text/html");
  });
  edited.start();
  const std::vector<std::string> a = {edited.url("/"), "--job", "news", "--ignore-robots", "--workers", "1"};
  ASSERT_EQ(crawl(a).exit_code, 0);
  for (const auto& r : records("news")) EXPECT_TRUE(r["changed"].is_null()) << r.dump();
  EXPECT_EQ(not_modified.load(), 0);
  {
    std::lock_guard<std::mutex> lock(mutex);
    versions["/b"] = 2;
  }
  auto second = crawl(a);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto run2 = by_url(records("news"));
  ASSERT_EQ(run2.size(), 3u);
  EXPECT_EQ(run2.at(edited.url("/a"))["status"], 304);
  EXPECT_EQ(run2.at(edited.url("/a"))["changed"], false);
  EXPECT_EQ(run2.at(edited.url("/a"))["title"], "/a v1");  // kept from the last run
  EXPECT_EQ(run2.at(edited.url("/b"))["changed"], true);
  EXPECT_EQ(run2.at(edited.url("/b"))["title"], "/b v2");
  EXPECT_EQ(not_modified.load(), 2);  // "/" and "/a"
  auto status = nlohmann::json::parse(forager({"status", "--db", db_, "--json", "--job", "news"}).out);
  EXPECT_EQ(status[0]["changed"], 1);
  EXPECT_EQ(status[0]["unchanged"], 2);
}

// --max-pages holds for the run; --continue goes on with it and counts the
// whole run, as on SQLite.
TEST_F(PostgresCrawlTest, MaxPagesEndsTheRunAndContinueGoesOnWithIt) {
  auto limited = args();
  limited.insert(limited.end(), {"--max-pages", "10"});
  auto first = crawl(limited);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(records().size(), 10u);
  auto status = nlohmann::json::parse(forager({"status", "--db", db_, "--json"}).out);
  EXPECT_EQ(status[0]["state"], "done");

  auto more = args();
  more.insert(more.end(), {"--max-pages", "25", "--continue"});
  auto continued = crawl(more);
  ASSERT_EQ(continued.exit_code, 0) << continued.err;
  EXPECT_NE(continued.err.find("continuing run 1"), std::string::npos) << continued.err;
  EXPECT_EQ(records().size(), 25u);
  EXPECT_EQ(records("default", "all").size(), 25u) << "--continue stays in the run";
}

// Exit status 3 when not one request of the run got a response.
TEST_F(PostgresCrawlTest, NothingFetchedIsExitThree) {
  auto result = crawl({"http://127.0.0.1:1/", "--ignore-robots", "--retries", "0"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("not one page could be fetched"), std::string::npos) << result.err;
}

// --sitemaps on PostgreSQL: the member that fetches an origin's robots.txt
// sends its sitemaps to the server as entries of the run, leased like pages
// under their host; the pages a sitemap lists go through the server like
// links. Two members, every sitemap fetched once.
TEST_F(PostgresCrawlTest, SitemapsGoThroughTheServerLikeLinks) {
  TestServer mapped;
  std::mutex mutex;
  std::map<std::string, int> hits;
  auto serve = [&](const std::string& path, std::function<std::string()> body, const char* type) {
    mapped.server().Get(path, [&, path, body, type](const httplib::Request&, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        ++hits[path];
      }
      res.set_content(body(), type);
    });
  };
  serve("/", [] { return std::string("<title>home, no links</title>"); }, "text/html");
  serve("/robots.txt", [&] { return "User-agent: *\nDisallow: /secret\nSitemap: " + mapped.url("/index.xml") + "\n"; },
        "text/plain");
  serve("/index.xml", [&] { return "<sitemapindex><sitemap><loc>" + mapped.url("/pages.xml") +
                                   "</loc></sitemap></sitemapindex>"; }, "application/xml");
  serve("/pages.xml", [&] { return "<urlset><url><loc>" + mapped.url("/from-index") + "</loc></url><url><loc>" +
                                   mapped.url("/secret") + "</loc></url><url><loc>http://127.0.0.2:1/elsewhere</loc>"
                                   "</url></urlset>"; }, "application/xml");
  serve("/sitemap.xml", [&] { return "<urlset><url><loc>" + mapped.url("/from-default") + "</loc></url></urlset>"; },
        "application/xml");
  for (const char* path : {"/from-index", "/from-default"})
    serve(path, [path] { return "<title>" + std::string(path) + "</title>"; }, "text/html");
  mapped.start();

  const std::vector<std::string> a = {mapped.url("/"), "--job", "mapped", "--sitemaps", "--workers", "1"};
  auto first = start_crawl(a);
  auto second = crawl(a);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  ASSERT_EQ(first.wait().exit_code, 0);
  auto list = by_url(records("mapped"));
  EXPECT_EQ(list.size(), 4u);
  EXPECT_EQ(list.at(mapped.url("/from-index"))["title"], "/from-index");
  EXPECT_EQ(list.at(mapped.url("/from-index"))["referrer"], mapped.url("/pages.xml"));
  EXPECT_EQ(list.at(mapped.url("/from-index"))["depth"], 1);
  EXPECT_EQ(list.at(mapped.url("/from-default"))["status"], 200);
  EXPECT_EQ(list.at(mapped.url("/secret"))["error"], "robots");
  EXPECT_EQ(list.count("http://127.0.0.2:1/elsewhere"), 0u);
  // status counts pages, as on SQLite: the three sitemaps are not in it.
  auto status = forager({"status", "--db", db_, "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const auto frontier = nlohmann::json::parse(status.out).at(0).at("frontier");
  EXPECT_EQ(frontier["done"].get<int>() + frontier["failed"].get<int>(), 4) << frontier;
  EXPECT_EQ(frontier["queued"], 0);
  std::lock_guard<std::mutex> lock(mutex);
  for (const char* path : {"/robots.txt", "/index.xml", "/pages.xml", "/sitemap.xml", "/from-index"})
    EXPECT_EQ(hits[path], 1) << path;
}

// A host that refuses connections is given up for the whole run: the failures
// in a row are counted on the server's host row, whichever member saw them,
// so across two members only kHostConnectionFailures (5) requests go out and
// every other URL of the host is recorded with the error, unfetched.
TEST_F(PostgresCrawlTest, AHostGivenUpIsGivenUpByEveryMember) {
  const std::string seeds = dir_ + "/dead.txt";
  {
    std::ofstream out(seeds);
    for (int i = 0; i < 30; ++i) out << "http://127.0.0.2:1/p" << i << "\n";
  }
  const std::vector<std::string> a = {seeds, "--job", "dead", "--ignore-robots", "--retries", "0", "--delay", "100ms",
                                     "--workers", "1", "--timeout", "2s"};
  auto first = start_crawl(a);
  auto second = start_crawl(a);
  auto one = first.wait(), two = second.wait();
  EXPECT_EQ(one.exit_code, 3) << one.err;
  EXPECT_EQ(two.exit_code, 3) << two.err;
  auto list = records("dead");
  EXPECT_EQ(list.size(), 30u);
  for (const auto& r : list) EXPECT_EQ(r["error"], "connect") << r.dump();
  auto conn = pg_->connect();
  EXPECT_EQ(conn.query("SELECT count(*) FROM forager.pages WHERE worker_pid <> 0").int64(0, 0), 5)
      << "requests that went out";
  EXPECT_EQ(conn.query("SELECT given_up FROM forager.hosts WHERE host = '127.0.0.2'").text(0, 0), "connect");
  EXPECT_NE((one.err + two.err).find("giving up on 127.0.0.2"), std::string::npos) << one.err << two.err;
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
