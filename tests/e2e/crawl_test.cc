// End-to-end crawls: the real forager binary, real forked workers, a real
// SQLite file, and cpp-httplib servers on loopback.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <set>

#include <sqlite3.h>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class CrawlTest : public CrawlFixture {};

TEST_F(CrawlTest, CrawlsWholeSiteOnceWithTitlesLinksAndRobots) {
  TestServer site;
  serve_tree_site(site.server(), 40);
  site.server().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        "<html><head><title> Home \n page </title><meta name=\"description\" content=\"The  start\"></head><body>"
        "<a href=\"/page/0\">tree</a> <a href=\"/private/secret\">hidden</a> <a href=\"/data.bin\">data</a>"
        "<a href=\"/missing\">gone</a> <a href=\"http://127.0.0.2:1/elsewhere\">other host</a>"
        "<a href=\"mailto:x@example.com\">mail</a> <a href=\"/page/0#frag\">same</a></body></html>",
        "text/html; charset=utf-8");
  });
  site.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: *\nDisallow: /private/\n", "text/plain");
  });
  site.server().Get("/data.bin", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string("\x89PNG\r\n\x1a\n<a href=\"/page/999\">", 24), "image/png");
  });
  site.start();

  auto result = crawl({site.url("/"), "--workers", "2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto records = by_url(this->records());

  // 40 tree pages, home, /private/secret (robots), /data.bin, /missing.
  EXPECT_EQ(records.size(), 44u);
  for (int i = 0; i < 40; ++i) {
    auto& r = records.at(site.url("/page/" + std::to_string(i)));
    EXPECT_EQ(r["status"], 200);
    EXPECT_EQ(r["title"], "Page " + std::to_string(i));
    EXPECT_TRUE(r["error"].is_null());
    EXPECT_EQ(r["job"], "default");
  }
  auto& home = records.at(site.url("/"));
  EXPECT_EQ(home["title"], "Home page");
  EXPECT_EQ(home["description"], "The start");
  EXPECT_EQ(home["depth"], 0);
  EXPECT_TRUE(home["referrer"].is_null());
  EXPECT_EQ(home["content_type"], "text/html; charset=utf-8");
  EXPECT_EQ(home["content_hash"].get<std::string>().size(), 64u);
  std::vector<std::string> links = home["links"];
  EXPECT_EQ(links, (std::vector<std::string>{site.url("/page/0"), site.url("/private/secret"),
                                              site.url("/data.bin"), site.url("/missing"),
                                              "http://127.0.0.2:1/elsewhere"}));

  auto& page1 = records.at(site.url("/page/1"));
  EXPECT_EQ(page1["depth"], 2);
  EXPECT_EQ(page1["referrer"], site.url("/page/0"));

  auto& secret = records.at(site.url("/private/secret"));
  EXPECT_EQ(secret["error"], "robots");
  EXPECT_TRUE(secret["status"].is_null());
  EXPECT_EQ(site.count("/private/secret"), 0u);

  auto& data = records.at(site.url("/data.bin"));
  EXPECT_EQ(data["status"], 200);
  EXPECT_EQ(data["bytes"], 24);
  EXPECT_TRUE(data["links"].empty());  // not HTML: not parsed

  EXPECT_EQ(records.at(site.url("/missing"))["status"], 404);
  EXPECT_EQ(records.count("http://127.0.0.2:1/elsewhere"), 0u);

  // Each page was requested exactly once, robots.txt once.
  EXPECT_EQ(site.count("/robots.txt"), 1u);
  EXPECT_EQ(site.count("/page/7"), 1u);
}

TEST_F(CrawlTest, RedirectsAreFollowedHopByHopAndNeverLeaveScope) {
  TestServer other;  // another host: must never be contacted
  other.server().Get(R"(/.*)", [](const httplib::Request&, httplib::Response& res) { res.set_content("x", "text/plain"); });
  TestServer site;
  int other_port = 0;
  site.server().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content("<a href=/old>old</a><a href=/away>away</a><a href=/loop1>loop</a><a href=/chain/0>chain</a>",
                    "text/html");
  });
  site.server().Get("/old", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/new", 301); });
  site.server().Get("/new", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<title>New</title>", "text/html");
  });
  site.server().Get("/away", [&](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("http://127.0.0.2:" + std::to_string(other_port) + "/landing", 302);
  });
  site.server().Get("/loop1", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/loop2", 302); });
  site.server().Get("/loop2", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/loop1", 302); });
  site.server().Get(R"(/chain/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
    res.set_redirect("/chain/" + std::to_string(std::stoi(req.matches[1]) + 1), 302);
  });
  site.start();
  other_port = other.server().bind_to_any_port("127.0.0.2");
  std::thread other_thread([&] { other.server().listen_after_bind(); });

  auto result = crawl({site.url("/"), "--workers", "2", "--retries", "0"});
  other.server().stop();
  other_thread.join();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto records = by_url(this->records());

  auto& old = records.at(site.url("/old"));
  EXPECT_EQ(old["status"], 200);
  EXPECT_EQ(old["final_url"], site.url("/new"));
  EXPECT_EQ(old["title"], "New");

  auto& away = records.at(site.url("/away"));
  EXPECT_EQ(away["error"], "out_of_scope");
  EXPECT_EQ(away["status"], 302);
  EXPECT_TRUE(other.requests().empty()) << "the out-of-scope host was contacted";

  EXPECT_EQ(records.at(site.url("/loop1"))["error"], "redirect_loop");
  auto& chain = records.at(site.url("/chain/0"));
  EXPECT_EQ(chain["error"], "too_many_redirects");
  EXPECT_EQ(site.count("/chain/10"), 1u);  // ten hops followed, the eleventh refused
  EXPECT_EQ(site.count("/chain/11"), 0u);
}

TEST_F(CrawlTest, TimeoutsHttpErrorsRetriesAndGzip) {
  TestServer site;
  std::atomic<int> flaky_calls{0}, slow_calls{0};
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<a href=/slow>s</a><a href=/broken>b</a><a href=/flaky>f</a><a href=/gz>g</a><a href=/teapot>t</a>",
                    "text/html");
  });
  site.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    ++slow_calls;  // counted on arrival: the logger only sees finished requests
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    res.set_content("late", "text/plain");
  });
  site.server().Get("/broken", [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  site.server().Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
    if (flaky_calls++ == 0) {
      res.status = 503;
      res.set_header("Retry-After", "1");
      return;
    }
    res.set_content("<title>Recovered</title>", "text/html");
  });
  site.server().Get("/teapot", [](const httplib::Request&, httplib::Response& res) { res.status = 418; });
  site.server().Get("/gz", [](const httplib::Request& req, httplib::Response& res) {
    // cpp-httplib compresses when the client accepts gzip.
    EXPECT_NE(req.get_header_value("Accept-Encoding").find("gzip"), std::string::npos);
    res.set_content("<html><title>Zipped " + std::string(5000, ' ') + "page</title></html>", "text/html");
  });
  site.start();

  auto result = crawl({site.url("/"), "--workers", "2", "--timeout", "0.4", "--retries", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto records = by_url(this->records());

  EXPECT_EQ(records.at(site.url("/slow"))["error"], "timeout");
  EXPECT_TRUE(records.at(site.url("/slow"))["status"].is_null());
  EXPECT_EQ(slow_calls.load(), 2);  // one retry
  EXPECT_EQ(records.at(site.url("/broken"))["status"], 500);
  EXPECT_EQ(site.count("/broken"), 2u);
  EXPECT_EQ(records.at(site.url("/flaky"))["title"], "Recovered");
  EXPECT_EQ(records.at(site.url("/teapot"))["status"], 418);
  EXPECT_EQ(site.count("/teapot"), 1u);  // a 4xx is never retried
  auto& gz = records.at(site.url("/gz"));
  EXPECT_EQ(gz["title"], "Zipped page");
  EXPECT_GT(gz["bytes"].get<int>(), 5000);  // decompressed size
}

TEST_F(CrawlTest, ConnectionRefusedIsRecorded) {
  TestServer site;
  site.start();
  int port = site.port();
  site.stop();  // nothing listens there any more
  auto result = crawl({"http://127.0.0.1:" + std::to_string(port) + "/", "--retries", "0", "--workers", "1"});
  ASSERT_EQ(result.exit_code, 3) << result.err;  // not one page could be fetched
  auto list = records();
  ASSERT_EQ(list.size(), 1u);
  // robots.txt unreachable: disallow all (RFC 9309); the record says why.
  EXPECT_EQ(list[0]["error"], "connect");
  EXPECT_TRUE(list[0]["status"].is_null());
}

TEST_F(CrawlTest, ConnectionRefusedWithoutRobots) {
  TestServer site;
  site.start();
  int port = site.port();
  site.stop();
  auto result = crawl({"http://127.0.0.1:" + std::to_string(port) + "/", "--retries", "0", "--ignore-robots"});
  ASSERT_EQ(result.exit_code, 3) << result.err;  // not one page could be fetched
  auto list = records();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["error"], "connect");
  EXPECT_TRUE(list[0]["status"].is_null());
}

TEST_F(CrawlTest, RobotsNotFoundAllowsAllAndServerErrorDisallowsAll) {
  TestServer open_site;
  serve_tree_site(open_site.server(), 5);
  open_site.start();  // /robots.txt is a 404
  ASSERT_EQ(crawl({open_site.url("/page/0"), "--job", "open"}).exit_code, 0);
  for (const auto& r : records("open")) EXPECT_EQ(r["status"], 200) << r.dump();
  EXPECT_EQ(records("open").size(), 5u);

  TestServer closed_site;
  serve_tree_site(closed_site.server(), 5);
  closed_site.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  closed_site.start();
  ASSERT_EQ(crawl({closed_site.url("/page/0"), "--job", "closed", "--retries", "0"}).exit_code, 3);  // nothing fetched
  auto closed = records("closed");
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0]["error"], "robots");
  EXPECT_EQ(closed_site.count("/page/0"), 0u);
}

TEST_F(CrawlTest, CrawlDelayAndPerHostLimitHoldAcrossWorkers) {
  TestServer site;
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> starts;
  std::atomic<int> in_flight{0}, most{0};
  site.server().Get(R"(/page/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    int now = ++in_flight;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {}
    {
      std::lock_guard<std::mutex> lock(mutex);
      starts.push_back(std::chrono::steady_clock::now());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    int i = std::stoi(req.matches[1]);
    std::string body;
    for (int child : {2 * i + 1, 2 * i + 2})
      if (child < 12) body += "<a href=\"/page/" + std::to_string(child) + "\">c</a>";
    res.set_content(body, "text/html");
    --in_flight;
  });
  site.start();

  // Concurrency: 3 workers, but never more than 2 transfers to the host.
  ASSERT_EQ(crawl({site.url("/page/0"), "--workers", "3", "--per-host", "2", "--ignore-robots", "--job", "a"}).exit_code, 0);
  EXPECT_EQ(records("a").size(), 12u);
  EXPECT_LE(most.load(), 2);
  EXPECT_GE(most.load(), 1);

  // Delay: at least 150 ms between two request starts to the host.
  starts.clear();
  ASSERT_EQ(crawl({site.url("/page/0"), "--workers", "2", "--per-host", "4", "--delay", "150", "--ignore-robots",
                   "--job", "b", "--max-pages", "5"})
                .exit_code,
            0);
  ASSERT_EQ(starts.size(), 5u);
  for (size_t i = 1; i < starts.size(); ++i)
    EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(starts[i] - starts[i - 1]).count(), 140);
}

TEST_F(CrawlTest, BudgetsLimitPagesAndDepth) {
  TestServer site;
  serve_tree_site(site.server(), 100);
  site.start();
  ASSERT_EQ(crawl({site.url("/page/0"), "--max-pages", "7", "--job", "pages"}).exit_code, 0);
  EXPECT_EQ(records("pages").size(), 7u);

  ASSERT_EQ(crawl({site.url("/page/0"), "--max-depth", "2", "--job", "depth"}).exit_code, 0);
  auto list = records("depth");
  EXPECT_EQ(list.size(), 7u);  // 1 + 2 + 4
  for (const auto& r : list) EXPECT_LE(r["depth"].get<int>(), 2);
}

TEST_F(CrawlTest, AllowAndDenyFilterLinks) {
  TestServer site;
  serve_tree_site(site.server(), 30);
  site.start();
  ASSERT_EQ(crawl({site.url("/page/0"), "--deny", "/page/[12]$", "--job", "deny"}).exit_code, 0);
  EXPECT_EQ(records("deny").size(), 1u);  // both children of page 0 are denied
  ASSERT_EQ(crawl({site.url("/page/0"), "--allow", "/page/[0-6]$", "--job", "allow"}).exit_code, 0);
  EXPECT_EQ(records("allow").size(), 7u);
}

TEST_F(CrawlTest, WrongUsageExitsTwoAndWritesNothing) {
  std::string seeds = dir_ + "/seeds.txt";
  std::ofstream(seeds) << "# demo\nhttp://127.0.0.1:1/\n\nnot a url\n";
  auto bad_seed = crawl({seeds});
  EXPECT_EQ(bad_seed.exit_code, 2);
  EXPECT_NE(bad_seed.err.find(seeds + ":4"), std::string::npos) << bad_seed.err;
  EXPECT_FALSE(std::filesystem::exists(db_));

  auto unknown = crawl({"http://127.0.0.1:1/", "--frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("frobnicate"), std::string::npos) << unknown.err;
  EXPECT_FALSE(std::filesystem::exists(db_));

  EXPECT_EQ(crawl({"ftp://127.0.0.1/"}).exit_code, 2);
  EXPECT_EQ(crawl({"http://127.0.0.1:1/", "--deny", "("}).exit_code, 2);
  EXPECT_EQ(crawl({"http://127.0.0.1:1/", "--max-time", "soon"}).exit_code, 2);
  EXPECT_EQ(crawl({}).exit_code, 2);  // nothing to crawl, nothing to resume
  EXPECT_FALSE(std::filesystem::exists(db_));
  EXPECT_EQ(run_forager({"export", "--db", db_, "--run", "yesterday"}, dir_).exit_code, 2);
  EXPECT_EQ(run_forager({}, dir_).exit_code, 2);
}

TEST_F(CrawlTest, ExportFormatsAndStatus) {
  TestServer site;
  serve_tree_site(site.server(), 3);
  site.start();
  ASSERT_EQ(crawl({site.url("/page/0"), "--job", "shop"}).exit_code, 0);
  ASSERT_EQ(crawl({site.url("/page/0"), "--job", "shop"}).exit_code, 0);  // a second run

  std::string file = dir_ + "/out.json";
  auto exported = run_forager({"export", "--db", db_, "--job", "shop", "-o", file}, dir_);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  auto array = nlohmann::json::parse(read_file(file));
  ASSERT_TRUE(array.is_array());
  EXPECT_EQ(array.size(), 3u);
  EXPECT_EQ(array[0]["run"], 2);
  EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));

  EXPECT_EQ(records("shop", "all").size(), 6u);
  EXPECT_EQ(records("shop", "1").size(), 3u);

  auto status = run_forager({"status", "--db", db_, "--json"}, dir_);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto runs = nlohmann::json::parse(status.out);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["state"], "done");
  EXPECT_EQ(runs[0]["pages"], 3);
}

TEST_F(CrawlTest, OneHostCrawledInParallelSpreadsOverEveryWorker) {
  TestServer site;
  serve_tree_site(site.server(), 60);
  site.start();
  // --per-host 3: each of the three transfers in flight needs a connection of
  // its own, so each goes to another worker, and all three parse. (At
  // --per-host 1 the host stays on one worker and one connection:
  // connections_test.)
  ASSERT_EQ(crawl({site.url("/page/0"), "--workers", "3", "--per-host", "3", "--ignore-robots"}).exit_code, 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT worker_pid, count(*) FROM pages GROUP BY worker_pid", -1, &stmt, nullptr);
  std::vector<int> per_worker;
  while (sqlite3_step(stmt) == SQLITE_ROW) per_worker.push_back(sqlite3_column_int(stmt, 1));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  ASSERT_EQ(per_worker.size(), 3u);
  // Each worker parses a real share; how even it is depends on which transfer
  // ends first, so the bound is a quarter of an even split, not the split.
  for (int n : per_worker) EXPECT_GE(n, 5) << "a worker got too small a share";
}

// Workers run in a fresh image of the binary ("forager __worker FD"), not in a
// fork of the coordinator whose heap they would keep mapped.
TEST_F(CrawlTest, WorkersRunInAFreshImage) {
  TestServer site;
  serve_tree_site(site.server(), 30, /*delay_ms=*/100);
  site.start();
  auto running = start_crawl({site.url("/page/0"), "--workers", "2", "--ignore-robots"});
  std::vector<pid_t> workers;
  for (int i = 0; i < 400 && workers.size() < 2; ++i) {
    workers = running.children();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(workers.size(), 2u);
  for (pid_t worker : workers) {
    std::string cmdline, status;
    for (int i = 0; i < 200; ++i) {  // until the exec has happened and the worker named itself
      cmdline = read_file("/proc/" + std::to_string(worker) + "/cmdline");
      status = read_file("/proc/" + std::to_string(worker) + "/status");
      if (cmdline.find("__worker") != std::string::npos && status.rfind("Name:\tforager\n", 0) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(cmdline.substr(0, cmdline.find('\0', cmdline.find("__worker"))), std::string("forager\0__worker", 16));
    EXPECT_EQ(status.rfind("Name:\tforager\n", 0), 0u) << status.substr(0, 40);
  }
  EXPECT_EQ(running.wait().exit_code, 0);
}

TEST_F(CrawlTest, WorkerModeRefusesABadChannel) {
  auto result = run_forager({"__worker", "not-a-fd"}, dir_);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("expects the fd of a coordinator channel"), std::string::npos) << result.err;
}

// A site built to race depths: "/target" is found first at depth 3
// (/ -> /long1 -> /long2 -> /target) while /mid (depth 1, linking /target at
// depth 2) is in flight; /target cannot be fetched before /mid's answer is
// in, because /mid answers only once /blocker is asked for, and /blocker
// (holding the other of --per-host 2) only once /target is. The shorter depth
// wins, with its referrer; with --max-depth 2 the page is crawled as well.
TEST_F(CrawlTest, ShorterPathFoundBeforeTheFetchWins) {
  TestServer site;
  std::mutex mutex;
  std::condition_variable changed;
  std::set<std::string> asked;
  std::atomic<bool> racing{true};
  auto note = [&](const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex);
    asked.insert(path);
    changed.notify_all();
  };
  auto wait_for = [&](const std::string& path) {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait_for(lock, std::chrono::seconds(10), [&] { return asked.count(path) > 0; });
  };
  auto html = [](httplib::Response& res, const std::string& links) {
    res.set_content("<html><title>t</title><body>" + links + "</body></html>", "text/html");
  };
  site.server().Get("/", [&](const httplib::Request&, httplib::Response& res) {
    html(res, "<a href=/long1>1</a><a href=/mid>m</a>");
  });
  site.server().Get("/long1", [&](const httplib::Request&, httplib::Response& res) { html(res, "<a href=/long2>2</a>"); });
  site.server().Get("/long2", [&](const httplib::Request&, httplib::Response& res) {
    html(res, "<a href=/blocker>b</a><a href=/target>t</a>");
  });
  site.server().Get("/mid", [&](const httplib::Request&, httplib::Response& res) {
    note("/mid");
    if (racing) wait_for("/blocker");
    html(res, "<a href=/target>t</a>");
  });
  site.server().Get("/blocker", [&](const httplib::Request&, httplib::Response& res) {
    note("/blocker");
    wait_for("/target");
    html(res, "");
  });
  site.server().Get("/target", [&](const httplib::Request&, httplib::Response& res) {
    note("/target");
    html(res, "<a href=/below>x</a>");
  });
  site.server().Get("/below", [&](const httplib::Request&, httplib::Response& res) { html(res, ""); });
  site.start();
  const std::vector<std::string> base = {site.url("/"), "--ignore-robots", "--per-host", "2", "--workers", "1"};

  auto args = base;
  args.insert(args.end(), {"--job", "race"});
  ASSERT_EQ(crawl(args).exit_code, 0);
  auto race = by_url(records("race"));
  ASSERT_EQ(race.count(site.url("/target")), 1u);
  EXPECT_EQ(race[site.url("/target")]["depth"], 2);
  EXPECT_EQ(race[site.url("/target")]["referrer"], site.url("/mid"));
  EXPECT_EQ(race[site.url("/below")]["depth"], 3);
  EXPECT_EQ(race[site.url("/blocker")]["depth"], 3);

  racing = false;  // /blocker is beyond --max-depth 2: /mid need not wait for it
  args = base;
  args.insert(args.end(), {"--job", "limited", "--max-depth", "2"});
  ASSERT_EQ(crawl(args).exit_code, 0);
  auto limited = by_url(records("limited"));
  ASSERT_EQ(limited.count(site.url("/target")), 1u);  // within the limit by the shorter path
  EXPECT_EQ(limited[site.url("/target")]["depth"], 2);
  EXPECT_EQ(limited.count(site.url("/below")), 0u);
  EXPECT_EQ(limited.count(site.url("/blocker")), 0u);
}

// title and description are null for a body that is not HTML.
TEST_F(CrawlTest, NonHtmlBodiesHaveNullTitleAndDescription) {
  TestServer site;
  site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<title>Home</title><a href=/doc.pdf>d</a><a href=/notes.txt>n</a>", "text/html");
  });
  site.server().Get("/doc.pdf", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("%PDF-1.4 <title>not html</title>", "application/pdf");
  });
  site.server().Get("/notes.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("plain", "text/plain");
  });
  site.start();
  ASSERT_EQ(crawl({site.url("/"), "--ignore-robots"}).exit_code, 0);
  auto records = by_url(this->records());
  EXPECT_EQ(records[site.url("/")]["title"], "Home");
  EXPECT_EQ(records[site.url("/")]["description"], "");
  for (const char* path : {"/doc.pdf", "/notes.txt"}) {
    EXPECT_TRUE(records[site.url(path)]["title"].is_null()) << path;
    EXPECT_TRUE(records[site.url(path)]["description"].is_null()) << path;
  }
}

}  // namespace
}  // namespace forager::testing
