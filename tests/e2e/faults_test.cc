// Faults: killed workers, a coordinator killed with -9, SIGINT and SIGTERM.
// After each, a rerun of the same command ends with every page stored once.
#include <atomic>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

constexpr int kPages = 150;

class FaultsTest : public CrawlFixture {
 protected:
  void SetUp() override {
    CrawlFixture::SetUp();
    serve_tree_site(site_.server(), kPages, 15);
    site_.start();
  }
  std::vector<std::string> args() {
    return {site_.url("/page/0"), "--workers", "2", "--per-host", "8", "--concurrency", "4", "--ignore-robots"};
  }
  // Every page of the site is in the latest run exactly once, fetched fine
  // (see expect_tree_site_once for the pages two worker kills may cost).
  void expect_every_page_once(int crash_victims = 0) {
    expect_tree_site_once(by_url(this->records()), site_, kPages, crash_victims);
  }
  // Waits (bounded) until the crawl has made some progress.
  void wait_for_requests(size_t n) {
    for (int i = 0; i < 2000 && site_.requests().size() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  TestServer site_;
};

TEST_F(FaultsTest, KilledWorkersAreReplacedAndTheirUrlsRetried) {
  auto running = start_crawl(args());
  int kills = 0;
  for (size_t progress : {20u, 50u, 90u}) {
    wait_for_requests(progress);
    auto workers = running.children();
    if (workers.empty()) continue;
    ::kill(workers[0], kills % 2 ? SIGSEGV : SIGKILL);
    ++kills;
  }
  auto result = running.wait();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GE(kills, 1);
  EXPECT_NE(result.err.find("starting a replacement"), std::string::npos) << result.err;
  // A URL retried after one kill may be held by the worker the next kill hits.
  expect_every_page_once(kills - 1);
}

TEST_F(FaultsTest, CoordinatorKilledWithSigkillResumesOnRerun) {
  for (size_t progress : {15u, 60u, 110u}) {
    auto running = start_crawl(args());
    size_t before = site_.requests().size();
    wait_for_requests(before + 15);
    auto workers = running.children();
    running.signal(SIGKILL);
    running.wait();
    // Workers die with the coordinator: no orphans left behind.
    for (int i = 0; i < 400; ++i) {
      bool any = false;
      for (pid_t w : workers) any = any || !process_gone(w);
      if (!any) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (pid_t w : workers) EXPECT_TRUE(process_gone(w)) << "worker " << w << " outlived the coordinator";
    (void)progress;
  }
  auto result = crawl(args());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("resumed"), std::string::npos) << result.err;
  expect_every_page_once();
  auto all = records("default", "all");
  EXPECT_EQ(all.size(), static_cast<size_t>(kPages)) << "a resumed crawl must stay one run";
}

TEST_F(FaultsTest, SigintStopsCleanlyAndRerunResumes) {
  auto running = start_crawl(args());
  wait_for_requests(30);
  running.signal(SIGINT);
  auto stopped = running.wait();
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_NE(stopped.err.find("stopped by SIGINT"), std::string::npos) << stopped.err;
  EXPECT_NE(stopped.err.find("run the same command again"), std::string::npos) << stopped.err;
  auto partial = records();
  EXPECT_LT(partial.size(), static_cast<size_t>(kPages));
  EXPECT_GT(partial.size(), 0u);

  auto status = run_forager({"status", "--db", db_, "--json"}, dir_);
  EXPECT_EQ(nlohmann::json::parse(status.out)[0]["state"], "interrupted");

  auto result = crawl(args());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  expect_every_page_once();
}

TEST_F(FaultsTest, SigtermStopsCleanly) {
  auto running = start_crawl(args());
  wait_for_requests(30);
  running.signal(SIGTERM);
  auto stopped = running.wait();
  EXPECT_EQ(stopped.exit_code, 143) << stopped.err;
  ASSERT_EQ(crawl(args()).exit_code, 0);
  expect_every_page_once();
}

TEST_F(FaultsTest, WorkersAreRecycledWithoutLosingUrls) {
  std::vector<std::string> a = args();
  a.insert(a.end(), {"--worker-max-pages", "20"});
  auto result = crawl(a);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("workers recycled"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("workers replaced"), std::string::npos) << result.err;
  expect_every_page_once();
}

TEST_F(FaultsTest, StoppedWorkerIsDetectedAndReplaced) {
  std::vector<std::string> a = args();
  a.insert(a.end(), {"--timeout", "1"});
  auto running = start_crawl(a);
  wait_for_requests(20);
  auto workers = running.children();
  ASSERT_FALSE(workers.empty());
  ::kill(workers[0], SIGSTOP);  // alive, holding URLs, silent
  auto result = running.wait();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("has not answered"), std::string::npos) << result.err;
  EXPECT_TRUE(process_gone(workers[0]));
  expect_every_page_once();
}

TEST_F(FaultsTest, PageThatTripsAGumboAssertionIsRecordedOnceWithHtmlParse) {
  // Debian's libgumbo 0.10.1 aborts on this markup (an assertion); the worker
  // survives it, so nothing is retried and no other page is lost.
  TestServer site;
  std::atomic<int> hostile_requests{0};
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    std::string body = "<a href=/hostile>h</a>";
    for (int i = 0; i < 20; ++i) body += "<a href=/fine/" + std::to_string(i) + ">f</a>";
    res.set_content(body, "text/html");
  });
  site.server().Get("/hostile", [&](const httplib::Request&, httplib::Response& res) {
    ++hostile_requests;
    res.set_content("<title>h</title><a href=/fine/99>x</a><table><svg><select><title><select><td>", "text/html");
  });
  site.server().Get(R"(/fine/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content("<title>fine " + std::string(req.matches[1]) + "</title>", "text/html");
  });
  site.start();
  auto result = crawl({site.url("/"), "--workers", "2", "--ignore-robots"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err.find("starting a replacement"), std::string::npos) << result.err;
  auto records = by_url(this->records());
  ASSERT_EQ(records.size(), 22u);
  const auto& hostile = records.at(site.url("/hostile"));
  EXPECT_EQ(hostile["error"], "html_parse") << hostile.dump();
  EXPECT_EQ(hostile["status"], 200);
  EXPECT_EQ(hostile_requests.load(), 1);
  for (int i = 0; i < 20; ++i) {
    const auto& fine = records.at(site.url("/fine/" + std::to_string(i)));
    EXPECT_EQ(fine["status"], 200);
    EXPECT_EQ(fine["title"], "fine " + std::to_string(i));
  }
}

TEST_F(FaultsTest, UrlThatKeepsCrashingWorkersIsGivenUp) {
  // Every time a worker asks for /poison, the test kills that worker, as a
  // page that crashes its parser would.
  TestServer site;
  std::atomic<int> poison_requests{0};
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<a href=/poison>p</a><a href=/fine>f</a>", "text/html");
  });
  site.server().Get("/fine", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<title>fine</title>", "text/html");
  });
  std::atomic<ForagerProcess*> process{nullptr};
  site.server().Get("/poison", [&](const httplib::Request& req, httplib::Response& res) {
    ++poison_requests;
    if (ForagerProcess* p = process.load()) {
      pid_t worker = -1;
      for (int attempt = 0; attempt < 50 && worker <= 0; ++attempt) {  // /proc can lag a moment
        worker = owner_of_client_port(req.remote_port, p->children());
        if (worker <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      EXPECT_GT(worker, 0) << "no worker owns port " << req.remote_port;
      if (worker > 0) ::kill(worker, SIGKILL);
    }
    res.set_content("never seen", "text/html");
  });
  site.start();
  auto running = start_crawl({site.url("/"), "--workers", "2", "--ignore-robots"});
  process = &running;  // the handler only runs once the crawl has started
  auto result = running.wait();
  process = nullptr;
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto records = by_url(this->records());
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records.at(site.url("/poison"))["error"], "worker_crash");
  EXPECT_EQ(records.at(site.url("/fine"))["title"], "fine");
  EXPECT_EQ(poison_requests.load(), 2) << result.err;
  EXPECT_EQ(records.at(site.url("/fine"))["status"], 200) << records.at(site.url("/fine")).dump();
}

}  // namespace
}  // namespace forager::testing
