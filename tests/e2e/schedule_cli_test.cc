// `forager schedule ...` end to end: the real binary, a real SQLite file and a
// loopback site.
#include <signal.h>
#include <sys/stat.h>

#include <thread>

#include "storage/sqlite/schedule_store.h"
#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class ScheduleCliTest : public CrawlFixture {
 protected:
  ProcessResult schedule(std::vector<std::string> args) {
    args.insert(args.begin(), "schedule");
    args.insert(args.begin() + 2, {"--db", db_});
    return run_forager(args, dir_);
  }
  bool db_exists() const {
    struct stat st;
    return ::stat(db_.c_str(), &st) == 0;
  }
  std::optional<storage::Schedule> stored(const std::string& name) {
    return storage::SqliteScheduleStore::open(db_)->get(name);
  }
};

TEST_F(ScheduleCliTest, AddListRemove) {
  auto added = schedule({"add", "news", "--every", "1h", "--max-pages", "3", "--allow", "/a/",
                         "--allow", "/b/", "http://127.0.0.1:1/start"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_NE(added.out.find("next run: now"), std::string::npos) << added.out;
  ASSERT_EQ(schedule({"add", "daily", "--cron", "30 6 * * mon-fri", "--utc", "http://127.0.0.1:1/"}).exit_code, 0);

  auto news = stored("news");
  ASSERT_TRUE(news);
  EXPECT_EQ(news->every_ms, 3600000);
  EXPECT_EQ(news->args, (std::vector<std::string>{"--max-pages", "3", "--allow", "/a/", "--allow", "/b/",
                                                  "http://127.0.0.1:1/start"}));

  auto list = schedule({"list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("NEXT RUN"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("news"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("--every 1h"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("--cron '30 6 * * mon-fri' --utc"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("now"), std::string::npos) << list.out;

  auto again = schedule({"add", "news", "--every", "2h", "http://127.0.0.1:1/"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(stored("news")->every_ms, 3600000);

  ASSERT_EQ(schedule({"remove", "news"}).exit_code, 0);
  EXPECT_FALSE(stored("news"));
  EXPECT_EQ(schedule({"remove", "news"}).exit_code, 2);
  list = schedule({"list"});
  EXPECT_EQ(list.out.find("news"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("daily"), std::string::npos) << list.out;
}

TEST_F(ScheduleCliTest, WrongUsageExitsTwoAndWritesNothing) {
  struct Bad {
    std::vector<std::string> args;
    const char* message;
  };
  const std::string url = "http://127.0.0.1:1/";
  const Bad cases[] = {
      {{"add", "x", "--cron", "61 * * * *", url}, "minute field: '61'"},
      {{"add", "x", "--cron", "0 0 30 2 *", url}, "never"},
      {{"add", "x", "--cron", "0 0 * * *", "--every", "1h", url}, "excludes"},
      {{"add", "x", url}, "--cron"},
      {{"add", "x", "--every", "soon", url}, "--every: 'soon'"},
      {{"add", "x", "--every", "1h", "--utc", url}, "--utc"},
      {{"add", "x", "--every", "1h"}, "no seed URLs"},
      {{"add", "x", "--every", "1h", dir_ + "/missing.txt"}, "missing.txt"},
      {{"add", "x", "--every", "1h", "--job", "y", url}, "--job"},
      {{"add", "x", "--every", "1h", "--scope", "planet", url}, "--scope"},
      {{"add", "x", "--every", "1h", "--allow", "(unclosed", url}, "(unclosed"},
      {{"add", "x", "--every", "1h", "--max-time", "forever", url}, "--max-time"},
      {{"add", "x", "--every", "1h", "--rules", dir_ + "/no-rules.json", url}, "no-rules.json"},
      {{"add", "x", "--every", "1h", "--workers", "0", url}, "--workers"},
      {{"add", "x", "--every", "1h", "--rules", dir_ + "/bad-rules.json", url}, "bad-rules.json"},
      {{"add", "bad name", "--every", "1h", url}, "NAME"},
      {{"add"}, "name"},
      {{"remove", "nothing"}, "no schedule named 'nothing'"},
      {{"frobnicate"}, ""},
  };
  { std::ofstream(dir_ + "/bad-rules.json") << "{\"rules\": [{\"fields\": {\"name\": \"h1:::text\"}}]}"; }
  for (const auto& c : cases) {
    auto result = schedule(c.args);
    EXPECT_EQ(result.exit_code, 2) << c.args[0] << " " << (c.args.size() > 1 ? c.args[1] : "") << ": " << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
    EXPECT_FALSE(db_exists()) << "wrote " << db_ << " for " << result.err;
  }
  // With a store in place, a refused schedule leaves it as it was.
  ASSERT_EQ(schedule({"add", "ok", "--every", "1h", url}).exit_code, 0);
  EXPECT_EQ(schedule({"add", "x", "--cron", "* * * * * *", url}).exit_code, 2);
  EXPECT_EQ(storage::SqliteScheduleStore::open(db_)->list().size(), 1u);
}

TEST_F(ScheduleCliTest, SeedFilesAreStoredWithAbsolutePaths) {
  const std::string seeds = dir_ + "/sub/../seeds.txt";
  { std::ofstream(dir_ + "/seeds.txt") << "# seeds\nhttp://127.0.0.1:1/\n"; }
  ASSERT_EQ(schedule({"add", "files", "--every", "1d", seeds}).exit_code, 2);  // sub/ does not exist
  ASSERT_EQ(schedule({"add", "files", "--every", "1d", dir_ + "/./seeds.txt"}).exit_code, 0);
  EXPECT_EQ(stored("files")->args, (std::vector<std::string>{dir_ + "/seeds.txt"}));
}

TEST_F(ScheduleCliTest, RunOnceCrawlsWhatIsDueThenNothingUntilItIsDueAgain) {
  TestServer site;
  serve_tree_site(site.server(), 10);
  site.start();
  ASSERT_EQ(schedule({"add", "site", "--every", "1h", "--workers", "1", site.url("/page/0")}).exit_code, 0);

  auto first = schedule({"run", "--once"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("started 'site'"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("'site' ok (exit 0"), std::string::npos) << first.err;
  auto records = by_url(this->records("site"));
  EXPECT_EQ(records.size(), 10u);
  for (const auto& [url, record] : records) EXPECT_EQ(record["job"], "site");
  EXPECT_EQ(site.count("/page/0"), 1u);

  auto s = stored("site");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->last_outcome, "ok");
  EXPECT_EQ(s->last_exit, 0);
  ASSERT_TRUE(s->last_started_at_ms && s->last_finished_at_ms);
  EXPECT_LE(*s->last_started_at_ms, *s->last_finished_at_ms);

  auto second = schedule({"run", "--once"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("nothing is due"), std::string::npos) << second.err;
  EXPECT_EQ(site.count("/page/0"), 1u);
  EXPECT_EQ(stored("site")->last_started_at_ms, s->last_started_at_ms);

  auto list = schedule({"list"});
  EXPECT_NE(list.out.find(" ok"), std::string::npos) << list.out;
}

TEST_F(ScheduleCliTest, ARunOfAJobAlreadyCrawlingIsSkipped) {
  TestServer site;
  serve_tree_site(site.server(), 100, /*delay_ms=*/100);
  site.start();
  ForagerProcess by_hand = start_crawl({site.url("/page/0"), "--job", "site", "--workers", "1", "--per-host", "1"});
  for (int i = 0; i < 1000 && site.count("/page/1") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GT(site.count("/page/1"), 0u);

  ASSERT_EQ(schedule({"add", "site", "--every", "1h", site.url("/page/0")}).exit_code, 0);
  auto once = schedule({"run", "--once"});
  EXPECT_EQ(once.exit_code, 0) << once.err;
  EXPECT_NE(once.err.find("already running"), std::string::npos) << once.err;
  EXPECT_EQ(stored("site")->last_outcome, "skipped");
  EXPECT_EQ(stored("site")->last_exit, 75);

  by_hand.signal(SIGINT);
  EXPECT_EQ(by_hand.wait(std::chrono::seconds(60)).exit_code, 130);
}

TEST_F(ScheduleCliTest, RunStopsCleanlyOnSigterm) {
  TestServer site;
  serve_tree_site(site.server(), 200, /*delay_ms=*/100);
  site.start();
  ASSERT_EQ(schedule({"add", "slow", "--every", "1h", "--workers", "1", "--per-host", "1", site.url("/page/0")})
                .exit_code, 0);

  ForagerProcess scheduler({"schedule", "run", "--db", db_}, dir_);
  // Wait (bounded) until the crawl is fetching.
  pid_t crawl = 0;
  for (int i = 0; i < 1000 && (crawl == 0 || site.count("/page/2") == 0); ++i) {
    auto children = scheduler.children();
    if (!children.empty()) crawl = children.front();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_NE(crawl, 0);
  ASSERT_GT(site.count("/page/2"), 0u);

  scheduler.signal(SIGTERM);
  auto result = scheduler.wait(std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("stopping on SIGTERM"), std::string::npos) << result.err;
  EXPECT_TRUE(process_gone(crawl));
  auto s = stored("slow");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->last_outcome, "interrupted") << result.err;
  EXPECT_EQ(s->last_exit, 143);
  EXPECT_LT(site.count("/page/199"), 1u);  // it did stop early
}

}  // namespace
}  // namespace forager::testing
