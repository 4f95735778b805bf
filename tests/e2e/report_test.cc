// `forager report`: the aggregates (storage/sqlite/report_data.h) on a store filled
// by hand, and the HTML page of a real crawl of a loopback site, checked for
// structure and escaping, then opened in headless Chromium when installed.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "crawler/report/report_html.h"
#include "storage/sqlite/report_data.h"
#include "storage/sqlite/sqlite_store.h"
#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kHostileTitle = "<script>alert(1)</script>";

// ---- aggregates on a hand-filled store ---------------------------------------

storage::PageRecord page(const std::string& url, int64_t at_ms, int pid, int64_t elapsed_ms, std::optional<int> status,
                         const std::string& error = "", int depth = 1) {
  storage::PageRecord p;
  p.url = p.final_url = url;
  p.fetched_at_ms = at_ms;
  p.worker_pid = pid;
  p.elapsed_ms = elapsed_ms;
  p.status = status;
  p.error = error;
  p.depth = depth;
  p.bytes = 100;
  return p;
}

class ReportDataTest : public CrawlFixture {};

TEST_F(ReportDataTest, AggregatesCountBucketAndRankWithoutLoadingRecords) {
  {
    auto store = storage::SqliteStore::open(db_);
    auto run = store->open_run("agg", "{}");
    storage::Batch batch;
    batch.run = run.id;
    auto runs = store->list_runs(std::string("agg"));
    const int64_t t0 = runs.front().started_at_ms;
    std::vector<storage::PageRecord> pages = {
        page("http://a.test/1", t0 + 100, 11, 5, 200, "", 0),
        page("http://a.test/2", t0 + 900, 11, 30, 200),
        page("http://a.test/3", t0 + 1500, 12, 120, 404),
        page("http://a.test/4", t0 + 2500, 12, 40000, std::nullopt, "timeout", 2),
        page("http://b.test:8080/x", t0 + 2600, 0, 0, std::nullopt, "robots", 55),
        page("http://b.test:8080/y", t0 + 40700, 12, 7, 500, "", 3),
    };
    int64_t seq = 0;
    for (auto& p : pages) {
      batch.discovered.push_back({++seq, p.url, p.depth, "", 0, 0, storage::UrlState::kQueued, ""});
      batch.completed.push_back({seq, p});
    }
    batch.worker_events = {{t0, 0, 11, "start"}, {t0 + 1200, 0, 11, "recycle"}, {t0 + 1200, 0, 12, "start"}};
    store->commit(batch);  // the run stays unfinished: its duration runs to its last record
  }
  auto data = storage::ReportData::open(db_);
  auto runs = data.runs(std::string("agg"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].pages, 6);
  EXPECT_EQ(runs[0].errors, 2);
  auto a = data.aggregates(runs[0]);

  // Codes: statuses ascending, then errors.
  std::vector<std::pair<std::string, int64_t>> codes;
  for (const auto& c : a.codes) codes.push_back({c.code, c.count});
  EXPECT_EQ(codes, (std::vector<std::pair<std::string, int64_t>>{
                       {"200", 2}, {"404", 1}, {"500", 1}, {"robots", 1}, {"timeout", 1}}));
  // Failures: most frequent first, ties by name.
  ASSERT_EQ(a.stats.failures_by_code.size(), 4u);
  EXPECT_EQ(a.stats.failures_by_code[0].code, "404");
  EXPECT_EQ(a.stats.failures_by_code[3].code, "timeout");

  // One-second buckets from the run's start (over 30 s: no finer ones).
  EXPECT_EQ(a.timeline.bucket_ms, 1000);
  auto in_buckets = [](std::map<size_t, int64_t> counts) {
    std::vector<int64_t> out(41, 0);
    for (auto [bucket, n] : counts) out[bucket] = n;
    return out;
  };
  EXPECT_EQ(a.timeline.pages, in_buckets({{0, 2}, {1, 1}, {2, 2}, {40, 1}}));
  EXPECT_EQ(a.timeline.failed, in_buckets({{1, 1}, {2, 2}, {40, 1}}));
  ASSERT_EQ(a.timeline.workers.size(), 2u);  // pid 0 (no fetch) has no series
  EXPECT_EQ(a.timeline.workers[0].pid, 11);
  EXPECT_EQ(a.timeline.workers[0].per_bucket, in_buckets({{0, 2}}));
  EXPECT_EQ(a.timeline.workers[1].pid, 12);
  EXPECT_EQ(a.timeline.workers[1].per_bucket, in_buckets({{1, 1}, {2, 1}, {40, 1}}));

  // Latency of the 5 fetches: 5, 7, 30, 120, 40000 ms.
  EXPECT_EQ(a.latency.fetched, 5);
  EXPECT_EQ(a.latency.buckets[0], 2);  // < 10 ms
  EXPECT_EQ(a.latency.buckets[2], 1);  // 25-50
  EXPECT_EQ(a.latency.buckets[4], 1);  // 100-250
  EXPECT_EQ(a.latency.buckets.back(), 1);
  EXPECT_EQ(a.latency.p50_ms, 30);
  EXPECT_EQ(a.latency.p99_ms, 40000);
  EXPECT_EQ(a.latency.max_ms, 40000);

  std::vector<std::string> depths;
  for (const auto& d : a.depths) depths.push_back(d.code + "=" + std::to_string(d.count));
  EXPECT_EQ(depths, (std::vector<std::string>{"0=1", "1=2", "2=1", "3=1", "40+=1"}));

  ASSERT_EQ(a.top_hosts.size(), 2u);
  EXPECT_EQ(a.top_hosts[0].host, "a.test");
  EXPECT_EQ(a.top_hosts[0].pages, 4);
  EXPECT_EQ(a.top_hosts[1].host, "b.test:8080");
  ASSERT_EQ(a.stats.top_failed_hosts.size(), 2u);
  EXPECT_EQ(a.stats.top_failed_hosts[0].failed, 2);  // a.test: 404, timeout; b.test: robots, 500
  ASSERT_EQ(a.slowest.size(), 5u);
  EXPECT_EQ(a.slowest[0].url, "http://a.test/4");
  ASSERT_EQ(a.failures.size(), 4u);
  EXPECT_EQ(a.failures[0].url, "http://a.test/3");
  EXPECT_EQ(a.bytes, 600);

  EXPECT_DOUBLE_EQ(a.stats.duration_s, 40.7);
  EXPECT_DOUBLE_EQ(a.stats.pages_per_second, 6 / 40.7);
  EXPECT_EQ(data.worker_events(runs[0].id).size(), 3u);
}

TEST(ReportHtml, EscapesMarkupAndRepairsUtf8) {
  EXPECT_EQ(report::html_escape(R"(<a href="x">'&'</a>)"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(report::html_escape("caf\xC3\xA9 \xFF"), "caf\xC3\xA9 \xEF\xBF\xBD");
}

// ---- a real crawl, its report, and Chromium ----------------------------------

// The text of <svg id="ID" ...> ... </svg>, or "" when absent.
std::string svg_of(const std::string& html, const std::string& id) {
  size_t start = html.find("<svg id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  size_t end = html.find("</svg>", start);
  return end == std::string::npos ? "" : html.substr(start, end - start);
}

bool has_marks(const std::string& svg) {
  return svg.find("<rect") != std::string::npos || svg.find("<path") != std::string::npos ||
         svg.find("<circle") != std::string::npos;
}

class ReportTest : public CrawlFixture {
 protected:
  // A small site: home, a tree of pages, a slow page with a hostile title,
  // a 404, a page robots.txt forbids.
  void serve(TestServer& site) {
    serve_tree_site(site.server(), 12);
    site.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          "<html><head><title>Home</title></head><body><a href=\"/page/0\">tree</a>"
          "<a href=\"/evil\">evil</a><a href=\"/missing\">gone</a><a href=\"/private/x\">hidden</a>"
          "<a href=\"/q?a=&quot;&gt;&lt;img src=x onerror=alert(2)&gt;\">odd</a></body></html>",
          "text/html");
    });
    site.server().Get("/evil", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the slowest page: listed in the report
      res.set_content(std::string("<html><head><title>") + "&lt;script&gt;alert(1)&lt;/script&gt;" +
                          "</title></head><body>hi</body></html>",
                      "text/html");
    });
    site.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("User-agent: *\nDisallow: /private/\n", "text/plain");
    });
    site.start();
  }

  std::string report_path() const { return dir_ + "/report.html"; }
};

TEST_F(ReportTest, ReportOfACrawlHasEveryChartAndEscapesWhatPagesSay) {
  TestServer site;
  serve(site);
  ASSERT_EQ(crawl({site.url("/"), "--job", "site", "--workers", "2"}).exit_code, 0);
  ASSERT_EQ(crawl({site.url("/"), "--job", "site", "--workers", "2"}).exit_code, 0);  // a re-crawl

  auto result = run_forager({"report", "--db", db_, "--job", "site", "-o", report_path()}, dir_);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(std::filesystem::exists(report_path() + ".tmp"));
  const std::string html = read_file(report_path());
  ASSERT_FALSE(html.empty());

  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const char* id : report::kChartIds) {
    std::string svg = svg_of(html, id);
    EXPECT_FALSE(svg.empty()) << "no <svg id=\"" << id << "\">";
    EXPECT_TRUE(has_marks(svg)) << id << " draws nothing";
  }
  EXPECT_NE(svg_of(html, "chart-pages").find("class=\"line\""), std::string::npos);
  EXPECT_NE(svg_of(html, "chart-workers").find("class=\"line\""), std::string::npos);
  EXPECT_EQ(html.find("<h2>Members</h2>"), std::string::npos);  // one process: no members
  // Both runs of the job are in the re-crawl chart.
  EXPECT_NE(svg_of(html, "chart-recrawl").find("#1"), std::string::npos);
  EXPECT_NE(svg_of(html, "chart-recrawl").find("#2"), std::string::npos);
  EXPECT_NE(svg_of(html, "chart-codes").find(">404<"), std::string::npos);
  EXPECT_NE(svg_of(html, "chart-codes").find(">robots<"), std::string::npos);

  // The hostile title is shown, escaped; nothing anywhere can run or load.
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find(site.url("/evil")), std::string::npos);

  // The first run can be chosen by ID.
  result = run_forager({"report", "--db", db_, "--run", "1", "-o", dir_ + "/first.html"}, dir_);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::string first = read_file(dir_ + "/first.html");
  EXPECT_NE(first.find("run 1"), std::string::npos);
  EXPECT_EQ(svg_of(first, "chart-recrawl").find("#2"), std::string::npos);
}

TEST_F(ReportTest, WrongRunJobOrStoreIsUsageAndWritesNothing) {
  auto missing = run_forager({"report", "--db", dir_ + "/none.db", "-o", report_path()}, dir_);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no such store"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/none.db"));

  TestServer site;
  serve_tree_site(site.server(), 3);
  site.start();
  ASSERT_EQ(crawl({site.url("/page/0")}).exit_code, 0);
  for (auto args : std::vector<std::vector<std::string>>{{"--run", "abc"}, {"--run", "99"}, {"--job", "nosuch"}}) {
    args.insert(args.begin(), {"report", "--db", db_, "-o", report_path()});
    auto result = run_forager(args, dir_);
    EXPECT_EQ(result.exit_code, 2) << args[5];
    EXPECT_FALSE(result.err.empty());
    EXPECT_FALSE(std::filesystem::exists(report_path()));
  }
}

// ---- Chromium ----------------------------------------------------------------

struct Browser {
  int exit_code = -1;
  std::string dom, log;
};

// Opens `file` in headless Chromium and returns the DOM after load and its log.
Browser open_in_chromium(const std::string& file, const std::string& dir) {
  const std::string profile = dir + "/chromium-profile", out = dir + "/dom.html", err = dir + "/chromium.log";
  std::string command = std::string("timeout 120 ") + kChromium +
                        " --headless --no-sandbox --disable-gpu --disable-background-networking"
                        " --disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                        profile + " --enable-logging=stderr --v=0 --dump-dom 'file://" + file + "' >" + out + " 2>" +
                        err;
  Browser b;
  int status = std::system(command.c_str());
  b.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  b.dom = read_file(out);
  b.log = read_file(err);
  return b;
}

// Console messages (and CSP reports, which Chromium logs as console errors).
std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  std::string line;
  static const std::regex kConsole(R"(CONSOLE|Content Security Policy|Uncaught)");
  while (std::getline(in, line))
    if (std::regex_search(line, kConsole)) lines.push_back(line);
  return lines;
}

TEST_F(ReportTest, OpensInHeadlessChromiumWithoutConsoleErrors) {
  if (::access(kChromium, X_OK) != 0) {
    // CI installs Chromium and sets this: there a missing browser fails the test.
    const char* required = std::getenv("FORAGER_REQUIRE_CHROMIUM");
    if (required != nullptr && std::string(required) == "1") FAIL() << kChromium << " is not installed";
    GTEST_SKIP() << kChromium << " is not installed, so the report is not opened in a browser "
                 << "(install it with: apt-get install -y chromium)";
  }
  // First make sure a console error would be seen at all.
  const std::string probe = dir_ + "/probe.html";
  std::ofstream(probe) << "<!DOCTYPE html><html><body><script>console.error('probe-error')</script></body></html>";
  auto seen = open_in_chromium(probe, dir_);
  ASSERT_FALSE(console_lines(seen.log).empty()) << "this Chromium does not log console errors:\n" << seen.log;

  TestServer site;
  serve(site);
  ASSERT_EQ(crawl({site.url("/"), "--job", "site", "--workers", "2"}).exit_code, 0);
  auto result = run_forager({"report", "--db", db_, "-o", report_path()}, dir_);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  site.stop();  // the page must need nothing from the network

  auto browser = open_in_chromium(report_path(), dir_);
  EXPECT_EQ(browser.exit_code, 0) << browser.log;
  EXPECT_TRUE(console_lines(browser.log).empty())
      << "console: " << ::testing::PrintToString(console_lines(browser.log));
  for (const char* id : report::kChartIds) {
    std::string svg = svg_of(browser.dom, id);
    EXPECT_FALSE(svg.empty()) << "the DOM has no chart " << id;
    EXPECT_TRUE(has_marks(svg)) << id << " is empty in the DOM";
  }
  // The browser parsed the hostile title as text, not as an element.
  EXPECT_NE(browser.dom.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(browser.dom.find(kHostileTitle), std::string::npos);
}

}  // namespace
}  // namespace forager::testing
