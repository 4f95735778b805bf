// Fault injection against the real binary, at crawl sizes where faults land
// at many different moments: workers killed at random about every second, the
// coordinator killed with SIGKILL at ten points of one crawl, the site going
// away and coming back on the same port, and the store's disk filling up.
// After each, every page the site holds is in the store exactly once and
// SQLite's `PRAGMA integrity_check` (straight on the file) is ok.
// (faults_test.cc covers the same faults once each, on a small site.)
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Every row of `PRAGMA integrity_check` on `db`, opened as the next crawl
// opens it (read-write, so that SQLite first recovers a WAL the kill left
// behind; a read-only handle cannot); "ok" for a sound file.
std::string integrity_check(const std::string& db) {
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string message = handle ? sqlite3_errmsg(handle) : "out of memory";
    sqlite3_close(handle);
    return "cannot open: " + message;
  }
  std::string rows;
  char* error = nullptr;
  auto append = [](void* out, int, char** values, char**) {
    auto& text = *static_cast<std::string*>(out);
    if (!text.empty()) text += "\n";
    text += values[0] ? values[0] : "NULL";
    return 0;
  };
  if (sqlite3_exec(handle, "PRAGMA integrity_check", append, &rows, &error) != SQLITE_OK) {
    rows = std::string("integrity_check failed: ") + (error ? error : "?");
    sqlite3_free(error);
  }
  sqlite3_close(handle);
  return rows;
}

// One integer from a query on `db`, opened read-only (-1 on any error).
int64_t query_int(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  int64_t value = -1;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW)
      value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
  }
  sqlite3_close(handle);
  return value;
}

// True once `pid` (a child of this process) has exited; does not reap it, so
// ForagerProcess::wait() still gets its status.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

class FaultInjectionTest : public CrawlFixture {
 protected:
  // Serves the tree site of `pages` pages; its requests are counted.
  void serve(int pages, int delay_ms) {
    pages_ = pages;
    serve_tree_site(site_.server(), pages, delay_ms);
    site_.start();
    ASSERT_GT(site_.port(), 0);
  }
  // `forager crawl` of the site into `db`.
  std::vector<std::string> crawl_args(const std::string& db) const {
    return {"crawl", site_.url("/page/0"), "--workers", "3", "--per-host", "8", "--concurrency", "4",
            "--ignore-robots", "--db", db, "--quiet"};
  }
  // The records of the latest run in `db`, by URL (each URL at most once).
  std::map<std::string, nlohmann::json> latest_records(const std::string& db) {
    auto result = run_forager({"export", "--db", db, "--format", "jsonl"}, dir_);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::vector<nlohmann::json> list;
    std::istringstream lines(result.out);
    std::string line;
    while (std::getline(lines, line)) list.push_back(nlohmann::json::parse(line));
    return by_url(list);
  }
  // Waits (at most `limit`) until the site has seen `n` requests in all.
  void wait_for_requests(size_t n, milliseconds limit = std::chrono::seconds(30)) {
    auto deadline = Clock::now() + limit;
    while (site_.requests().size() < n && Clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(2));
  }
  // Every page of the site in the latest run of `db` exactly once, fetched
  // fine (see expect_tree_site_once for what two worker kills may cost).
  // Also checks the table itself.
  void expect_every_page_once(const std::string& db, size_t allowed_crashes = 0) {
    auto records = latest_records(db);
    expect_tree_site_once(records, site_, pages_, static_cast<int>(allowed_crashes));
    const int64_t stored = static_cast<int64_t>(records.size());
    const std::string latest = "(SELECT max(id) FROM runs)";
    EXPECT_EQ(query_int(db, "SELECT count(*) FROM pages WHERE run_id = " + latest), stored);
    EXPECT_EQ(query_int(db, "SELECT count(DISTINCT url) FROM pages WHERE run_id = " + latest), stored);
    EXPECT_EQ(query_int(db, "SELECT count(*) FROM frontier WHERE run_id = " + latest + " AND state IN (0, 1)"), 0)
        << "URLs still queued or leased after the run finished";
    EXPECT_EQ(integrity_check(db), "ok");
  }

  TestServer site_;
  int pages_ = 0;
};

// (a) A crawl of 2000 pages during which a random worker is killed with
// SIGKILL about every second (at most 12 times).
TEST_F(FaultInjectionTest, RandomWorkersKilledEverySecond) {
  serve(2000, 20);
  const unsigned seed = static_cast<unsigned>(std::random_device{}());
  SCOPED_TRACE("kill schedule seed " + std::to_string(seed));
  std::mt19937 random(seed);
  ForagerProcess running(crawl_args(db_), dir_);
  int kills = 0;
  auto deadline = Clock::now() + std::chrono::seconds(90);
  while (!has_exited(running.pid()) && kills < 12 && Clock::now() < deadline) {
    auto next = Clock::now() + milliseconds(std::uniform_int_distribution<int>(700, 1300)(random));
    while (Clock::now() < next && !has_exited(running.pid())) std::this_thread::sleep_for(milliseconds(5));
    auto workers = running.children();
    if (workers.empty() || has_exited(running.pid())) continue;
    ::kill(workers[std::uniform_int_distribution<size_t>(0, workers.size() - 1)(random)], SIGKILL);
    ++kills;
  }
  auto result = running.wait(std::chrono::seconds(120));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GE(kills, 2) << "the crawl ended before the kills began; make the site slower";
  expect_every_page_once(db_, static_cast<size_t>(kills));
}

// (b) One crawl, its coordinator killed with SIGKILL at ten moments (right at
// start-up, then after every 90 requests the site saw), each followed by a
// rerun of the same command; the last rerun goes to the end.
TEST_F(FaultInjectionTest, CoordinatorKilledAtTenMoments) {
  serve(1200, 5);
  for (int k = 0; k < 10; ++k) {
    SCOPED_TRACE("kill " + std::to_string(k));
    ForagerProcess running(crawl_args(db_), dir_);
    if (k == 0)
      std::this_thread::sleep_for(milliseconds(30));  // opening the store, creating the schema
    else
      wait_for_requests(static_cast<size_t>(k) * 90);
    running.signal(SIGKILL);
    auto killed = running.wait(std::chrono::seconds(30));
    ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << "the crawl ended before its kill: " << killed.err;
    if (std::filesystem::exists(db_)) {  // not yet when killed right at start-up
      EXPECT_EQ(integrity_check(db_), "ok") << "right after kill " << k;
    }
  }
  auto result = run_forager(crawl_args(db_), dir_, std::chrono::seconds(120));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("resumed"), std::string::npos) << result.err;
  expect_every_page_once(db_);
  EXPECT_EQ(query_int(db_, "SELECT count(*) FROM runs"), 1) << "a resumed crawl must stay one run";
}

// A loopback site that can go away and come back on the same port.
class RestartableSite {
 public:
  explicit RestartableSite(int pages) : pages_(pages) {}
  ~RestartableSite() { stop(); }

  // Starts on an ephemeral port the first time, on the same port after.
  bool start() {
    server_ = std::make_unique<httplib::Server>();
    server_->set_tcp_nodelay(true);
    server_->set_logger([this](const httplib::Request&, const httplib::Response&) { ++requests_; });
    serve_tree_site(*server_, pages_, 10);
    if (port_ == 0) {
      port_ = server_->bind_to_any_port("127.0.0.1");
    } else {
      bool bound = false;
      for (int i = 0; i < 200 && !bound; ++i) {  // the old socket may linger a moment
        bound = server_->bind_to_port("127.0.0.1", port_);
        if (!bound) std::this_thread::sleep_for(milliseconds(10));
      }
      if (!bound) return false;
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 500 && !server_->is_running(); ++i) std::this_thread::sleep_for(milliseconds(2));
    return port_ > 0;
  }
  void stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  size_t requests() const { return requests_; }

 private:
  int pages_;
  int port_ = 0;
  std::atomic<size_t> requests_{0};
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

// (c) The site stops answering mid-crawl (connections refused) and comes back
// on the same port a moment later.
TEST_F(FaultInjectionTest, SiteGoesAwayAndComesBack) {
  constexpr int kPages = 800;
  RestartableSite site(kPages);
  ASSERT_TRUE(site.start());
  const std::vector<std::string> command = {site.url("/page/0"), "--workers", "2", "--per-host", "8",
                                            "--concurrency", "4", "--ignore-robots", "--retries", "1"};
  auto running = start_crawl(command);
  for (int i = 0; i < 6000 && site.requests() < 200; ++i) std::this_thread::sleep_for(milliseconds(5));
  site.stop();
  const size_t seen_before_outage = site.requests();
  std::this_thread::sleep_for(milliseconds(1500));
  ASSERT_TRUE(site.start()) << "could not listen on the same port again";

  auto first = running.wait(std::chrono::seconds(120));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_GE(seen_before_outage, 200u);
  // Nothing lost or duplicated in the run the outage hit: every URL it found
  // has one record, fetched or failed, and the children of every fetched page
  // were found.
  auto records = by_url(this->records());
  ASSERT_FALSE(records.empty());
  size_t failed = 0;
  for (const auto& [url, record] : records) {
    if (record["status"] == 200) {
      int i = std::stoi(url.substr(url.rfind('/') + 1));
      for (int child : {2 * i + 1, 2 * i + 2}) {
        if (child >= kPages) continue;
        EXPECT_EQ(records.count(site.url("/page/" + std::to_string(child))), 1u) << "child of " << url << " lost";
      }
    } else {
      ++failed;
      EXPECT_FALSE(record["error"].is_null()) << record.dump();
    }
  }
  EXPECT_GT(failed, 0u) << "the outage went unnoticed: " << first.err;
  EXPECT_EQ(query_int(db_, "SELECT count(*) FROM frontier WHERE state IN (0, 1)"), 0);
  EXPECT_EQ(integrity_check(db_), "ok");

  // The site is back: the next run (a new one: the first one finished) gets
  // every page.
  auto second = crawl(command);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto again = by_url(this->records());
  EXPECT_EQ(again.size(), static_cast<size_t>(kPages));
  for (int i = 0; i < kPages; ++i) {
    auto it = again.find(site.url("/page/" + std::to_string(i)));
    ASSERT_NE(it, again.end()) << "page " << i << " missing";
    EXPECT_EQ(it->second["status"], 200) << it->second.dump();
  }
  EXPECT_EQ(query_int(db_, "SELECT count(*) FROM runs"), 2);
  EXPECT_EQ(integrity_check(db_), "ok");
}

// (d) The store's filesystem fills up mid-crawl: a tiny tmpfs (needs root
// and mount permission, else the test is skipped) mostly taken by a ballast
// file. The crawl stops with a clear error and a sound file; once the
// ballast is deleted, the same command resumes and completes.
class DiskFullTest : public FaultInjectionTest {
 protected:
  void SetUp() override {
    FaultInjectionTest::SetUp();
    mount_ = dir_ + "/small";
    std::filesystem::create_directory(mount_);
    if (::geteuid() != 0) GTEST_SKIP() << "disk-full test needs root to mount a small tmpfs";
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0700") != 0)
      GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(errno)
                   << "): the disk-full test needs mount permission";
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) ::umount2(mount_.c_str(), MNT_DETACH);
    FaultInjectionTest::TearDown();
  }
  // Fills the filesystem up to `free_bytes` left (whole 64 KiB blocks).
  void fill_leaving(size_t free_bytes) {
    std::ofstream ballast(mount_ + "/ballast", std::ios::binary);
    std::string block(64 << 10, 'x');
    auto space = std::filesystem::space(mount_);
    for (size_t left = space.available; left > free_bytes + block.size(); left -= block.size())
      ballast.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  std::string mount_;
  bool mounted_ = false;
};

TEST_F(DiskFullTest, FullDiskStopsCleanlyAndCrawlResumesWithRoom) {
  // Pages with a 4 KiB description: the 600 of them need some 6 MiB of store
  // and WAL, 1.5 MiB are left.
  constexpr int kPages = 600;
  pages_ = kPages;
  const std::string description(4096, 'd');
  site_.server().Get(R"(/page/(\d+))", [description](const httplib::Request& request, httplib::Response& response) {
    int i = std::stoi(request.matches[1]);
    if (i >= kPages) {
      response.status = 404;
      return;
    }
    std::this_thread::sleep_for(milliseconds(15));  // spread the pages over several commits
    std::string body = "<html><head><title>Page " + std::to_string(i) + "</title><meta name=description content=\"" +
                       description + std::to_string(i) + "\"></head><body>";
    for (int child : {2 * i + 1, 2 * i + 2})
      if (child < kPages) body += "<a href=\"/page/" + std::to_string(child) + "\">child</a>";
    response.set_content(body + "</body></html>", "text/html");
  });
  site_.start();
  const std::string db = mount_ + "/crawl.db";
  fill_leaving(1536 << 10);

  auto full = run_forager(crawl_args(db), dir_, std::chrono::seconds(60));
  EXPECT_NE(full.exit_code, 0) << "the crawl did not notice the full disk: " << full.err;
  EXPECT_NE(full.exit_code, 128 + SIGBUS) << full.err;
  EXPECT_NE(full.exit_code, 128 + SIGSEGV) << full.err;
  EXPECT_NE(full.err.find("full"), std::string::npos) << "no clear message: " << full.err;
  EXPECT_EQ(integrity_check(db), "ok") << "after the disk filled up";
  int64_t stored = query_int(db, "SELECT count(*) FROM pages");
  EXPECT_GT(stored, 0) << "the disk filled up before any page (make the ballast smaller)";
  EXPECT_LT(stored, kPages) << "the disk never filled up (make the ballast larger)";

  std::filesystem::remove(mount_ + "/ballast");
  auto resumed = run_forager(crawl_args(db), dir_, std::chrono::seconds(60));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resumed"), std::string::npos) << resumed.err;
  expect_every_page_once(db);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM runs"), 1) << "a resumed crawl must stay one run";
}

}  // namespace
}  // namespace forager::testing
