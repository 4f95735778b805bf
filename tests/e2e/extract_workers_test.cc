// `forager extract` over a run of many records (crawler/extract_run.h): the
// source run is read page by page with a bounded number of records held,
// a resumed extract takes up only what is missing, and workers that die or
// stop answering are replaced with their records extracted by the others.
// Real forked workers throughout (the forager binary's own worker mode).
#include <signal.h>
#include <sqlite3.h>

#include <fstream>
#include <set>
#include <thread>

#include "crawler/extract_run.h"
#include "crawler/util/clock.h"
#include "crawler/util/signals.h"
#include "crawler/worker_pool.h"
#include "storage/open.h"
#include "tests/support/crawl_fixture.h"
#include "workers/worker_main.h"

namespace forager {
namespace {

using namespace std::chrono_literals;
using testing::CrawlFixture;
using testing::ForagerProcess;
using testing::TestServer;

constexpr const char* kRules = R"J({"rules": [{"match": "/page/", "fields": {"first_link": "a::attr(href)"}}]})J";

class ExtractWorkersTest : public CrawlFixture {
 protected:
  // Crawls serve_tree_site(pages) once with --keep-bodies (run 1).
  void crawl_site(int pages) {
    TestServer server;
    testing::serve_tree_site(server.server(), pages);
    server.start();
    auto crawled = crawl({server.url("/page/0"), "--keep-bodies", "--ignore-robots", "--delay", "0",
                          "--workers", "2", "--per-host", "8"});
    ASSERT_EQ(crawled.exit_code, 0) << crawled.err;
    site_ = server.url("");
  }
  std::string rules_file() {
    const std::string path = dir_ + "/rules.json";
    std::ofstream(path) << kRules;
    return path;
  }
  // Runs an ExtractRun of run 1 in this process, with two real workers.
  ExtractSummary extract_in_process(size_t page_records) {
    SignalPipe signals;
    WorkerPool pool(2, [](UniqueFd fd) { return run_worker(std::move(fd)); },
                    {FORAGER_BINARY, "forager", kWorkerArgument});
    pool.start();
    auto store = storage::open(db_);
    CrawlOptions options;
    options.db_path = db_;
    options.job = "default";
    options.rules_json = kRules;
    options.workers = 2;
    options.concurrency = 4;
    SystemClock clock;
    ExtractRun extract(options, 1, *store, pool, signals, clock, page_records);
    ExtractSummary summary = extract.run();
    pool.shutdown(2000);
    return summary;
  }
  // A run's records by URL; each URL once, each extracted with the rules.
  void expect_every_page_extracted_once(int pages, const std::string& run = "2") {
    auto records = by_url(this->records("default", run));
    EXPECT_EQ(records.size(), static_cast<size_t>(pages));
    for (int i = 0; i < pages; ++i) {
      auto it = records.find(site_ + "/page/" + std::to_string(i));
      ASSERT_NE(it, records.end()) << i;
      const auto& r = it->second;
      EXPECT_TRUE(r["error"].is_null()) << r.dump();
      if (2 * i + 1 < pages) {
        EXPECT_EQ(r["fields"]["first_link"], "/page/" + std::to_string(2 * i + 1)) << r.dump();
      }
    }
  }
  std::string site_;
};

TEST_F(ExtractWorkersTest, ARunIsReadPageByPageWithBoundedRecordsHeld) {
  constexpr int kPages = 150;
  crawl_site(kPages);
  const ExtractSummary s = extract_in_process(20);
  EXPECT_EQ(s.records, kPages);
  EXPECT_EQ(s.extracted, kPages);
  EXPECT_EQ(s.errors, 0);
  EXPECT_GT(s.peak_held, 0);
  EXPECT_LE(s.peak_held, 2 * 20 + 2 * 4) << "more source records held than two pages and the workers' tasks";
  expect_every_page_extracted_once(kPages);
}

TEST_F(ExtractWorkersTest, AResumedExtractTakesUpOnlyTheMissingRecords) {
  constexpr int kPages = 90;
  crawl_site(kPages);
  ASSERT_EQ(extract_in_process(500).records, kPages);
  // Run 2 as a kill would leave it: unfinished, a third of its records missing.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DELETE FROM pages WHERE run_id = 2 AND seq % 3 = 0", nullptr, nullptr, nullptr),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_changes(db), kPages / 3);
    sqlite3_close(db);
    storage::open(db_)->finish_run(2, storage::RunState::kInterrupted);
  }
  const ExtractSummary s = extract_in_process(7);  // pages that do not line up with the missing seqs
  EXPECT_TRUE(s.resumed);
  EXPECT_EQ(s.run, 2);
  EXPECT_EQ(s.records, kPages / 3);
  expect_every_page_extracted_once(kPages);
}

// Starts `forager extract` of run 1 with two workers and --timeout 3s, and
// sends `signo` to both workers as soon as they exist. Until then the test
// holds the store's write lock: extract forks its workers before it opens the
// store, and then waits (busy timeout 5 s) instead of extracting every record
// before the test, slowed by a busy machine, has seen both workers.
testing::ProcessResult extract_hitting_workers(const std::string& db, const std::string& rules,
                                               const std::string& dir, int signo) {
  sqlite3* lock = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &lock), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  ForagerProcess extract(
      {"extract", "--db", db, "--rules", rules, "--run", "1", "--workers", "2", "--timeout", "3s"}, dir);
  std::vector<pid_t> workers;
  for (int i = 0; i < 2000 && workers.size() < 2; ++i) {
    workers = extract.children();
    if (workers.size() < 2) std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(workers.size(), 2u);
  for (pid_t pid : workers) ::kill(pid, signo);
  sqlite3_exec(lock, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(lock);
  auto result = extract.wait(120s);
  for (pid_t pid : workers) ::kill(pid, SIGKILL);  // a stopped one, in case the extract left it
  return result;
}

// Both workers killed, then (another extract) both stopped with SIGSTOP as
// soon as they exist: the dead are reaped, the stopped found silent after
// --timeout; all are replaced and every record is extracted, none given up.
TEST_F(ExtractWorkersTest, DeadAndStoppedWorkersAreReplacedAndTheirRecordsExtracted) {
  constexpr int kPages = 300;
  crawl_site(kPages);
  const std::string done =
      std::to_string(kPages) + " records, " + std::to_string(kPages) + " extracted from the archive, 0 with errors";

  auto killed = extract_hitting_workers(db_, rules_file(), dir_, SIGKILL);
  ASSERT_EQ(killed.exit_code, 0) << killed.err;
  EXPECT_NE(killed.err.find("a worker died"), std::string::npos) << killed.err;
  EXPECT_NE(killed.err.find(done), std::string::npos) << killed.err;
  EXPECT_NE(killed.err.find("; 2 workers replaced"), std::string::npos) << killed.err;
  expect_every_page_extracted_once(kPages, "2");

  auto stopped = extract_hitting_workers(db_, rules_file(), dir_, SIGSTOP);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.err.find("has not answered for"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find(done), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("; 2 workers replaced"), std::string::npos) << stopped.err;
  expect_every_page_extracted_once(kPages, "3");
}

}  // namespace
}  // namespace forager
