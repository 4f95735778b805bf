// `forager status`: after crawls with known outcomes, every field of the
// JSON form, and the table form's failure lines.
#include <chrono>
#include <regex>

#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

class StatusTest : public CrawlFixture {};

using Json = nlohmann::ordered_json;  // key order is part of the output

std::vector<std::string> keys_of(const Json& object) {
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return keys;
}

bool is_iso8601(const Json& value) {
  static const std::regex kIso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  return value.is_string() && std::regex_match(value.get<std::string>(), kIso);
}

// Site A: home, 3 tree pages, two 404s, a 500, one page robots.txt forbids.
// Site B: one page and one 404.
TEST_F(StatusTest, JsonHasEveryFieldWithTheCrawlsOutcomes) {
  TestServer a, b;
  serve_tree_site(a.server(), 3);
  a.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        "<a href=\"/page/0\">t</a><a href=\"/missing/1\">m</a><a href=\"/missing/2\">m</a>"
        "<a href=\"/broken\">b</a><a href=\"/private/p\">p</a>",
        "text/html");
  });
  a.server().Get("/broken", [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  a.server().Get("/robots.txt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("User-agent: *\nDisallow: /private/\n", "text/plain");
  });
  b.server().Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<a href=\"/nothing\">n</a>", "text/html");
  });
  a.start();
  b.start();

  auto before = std::chrono::steady_clock::now();
  auto crawl_result = crawl({a.url("/"), b.url("/"), "--job", "known", "--workers", "2", "--retries", "0"});
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
  ASSERT_EQ(crawl_result.exit_code, 0) << crawl_result.err;

  auto result = run_forager({"status", "--db", db_, "--json"}, dir_);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  Json runs = Json::parse(result.out, nullptr, false);
  ASSERT_FALSE(runs.is_discarded()) << result.out;
  ASSERT_TRUE(runs.is_array());
  ASSERT_EQ(runs.size(), 1u);
  const Json& run = runs[0];

  EXPECT_EQ(keys_of(run),
            (std::vector<std::string>{"run", "job", "state", "started_at", "finished_at", "pages", "errors", "new",
                                      "changed", "unchanged", "gone", "frontier", "duration_s", "pages_per_second",
                                      "errors_by_code", "top_error_hosts"}));
  EXPECT_EQ(run["run"], 1);
  EXPECT_EQ(run["job"], "known");
  EXPECT_EQ(run["state"], "done");
  EXPECT_TRUE(is_iso8601(run["started_at"])) << run["started_at"];
  EXPECT_TRUE(is_iso8601(run["finished_at"])) << run["finished_at"];
  EXPECT_LE(run["started_at"].get<std::string>(), run["finished_at"].get<std::string>());
  // A: home, 3 pages, /missing/1, /missing/2, /broken, /private/p. B: home, /nothing.
  EXPECT_EQ(run["pages"], 10);
  EXPECT_EQ(run["errors"], 1);  // robots; HTTP statuses are not errors
  EXPECT_EQ(run["new"], 0);
  EXPECT_EQ(run["changed"], 0);
  EXPECT_EQ(run["unchanged"], 0);
  EXPECT_EQ(run["gone"], 0);
  EXPECT_EQ(run["frontier"], (Json{{"queued", 0}, {"leased", 0}, {"done", 9}, {"failed", 1}}));

  double duration = run["duration_s"].get<double>();
  EXPECT_GT(duration, 0);
  EXPECT_LT(duration, wall_s + 0.5);
  EXPECT_NEAR(run["pages_per_second"].get<double>(), 10 / duration, 0.01 + 10 / duration * 0.001);

  // Failures by code: most frequent first, ties by name.
  const Json& codes = run["errors_by_code"];
  EXPECT_EQ(keys_of(codes), (std::vector<std::string>{"404", "500", "robots"}));
  EXPECT_EQ(codes, (Json{{"404", 3}, {"500", 1}, {"robots", 1}}));

  // Hosts with the most failures: A (4), then B (1).
  const Json& hosts = run["top_error_hosts"];
  ASSERT_EQ(hosts.size(), 2u);
  auto authority = [](const TestServer& s) { return "127.0.0.1:" + std::to_string(s.port()); };
  EXPECT_EQ(hosts[0], (Json{{"host", authority(a)},
                            {"errors", 4},
                            {"pages", 8},
                            {"errors_by_code", {{"404", 2}, {"500", 1}, {"robots", 1}}}}));
  EXPECT_EQ(hosts[1], (Json{{"host", authority(b)}, {"errors", 1}, {"pages", 2}, {"errors_by_code", {{"404", 1}}}}));

  // The table shows the same failures.
  auto table = run_forager({"status", "--db", db_}, dir_);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("run 1 failures by code: 404 x3, 500 x1, robots x1"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(authority(a)), std::string::npos);
  EXPECT_EQ(table.out.find("members"), std::string::npos) << "a SQLite run has no members:\n" << table.out;
}

TEST_F(StatusTest, ReCrawlCountsAndJobFilter) {
  TestServer site;
  serve_tree_site(site.server(), 5);
  site.start();
  ASSERT_EQ(crawl({site.url("/page/0"), "--job", "tree"}).exit_code, 0);
  ASSERT_EQ(crawl({site.url("/page/0"), "--job", "tree"}).exit_code, 0);
  ASSERT_EQ(crawl({site.url("/page/1"), "--job", "other"}).exit_code, 0);

  Json runs = Json::parse(run_forager({"status", "--db", db_, "--json", "--job", "tree"}, dir_).out);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["run"], 2);  // newest first
  EXPECT_EQ(runs[0]["pages"], 5);
  EXPECT_EQ(runs[0]["unchanged"], 5);
  EXPECT_EQ(runs[0]["new"], 0);
  EXPECT_EQ(runs[0]["errors_by_code"], Json::object());
  EXPECT_EQ(runs[0]["top_error_hosts"], Json::array());
  EXPECT_EQ(runs[1]["run"], 1);
  EXPECT_EQ(runs[1]["unchanged"], 0);

  Json all = Json::parse(run_forager({"status", "--db", db_, "--json"}, dir_).out);
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["job"], "other");
}

TEST_F(StatusTest, MissingStoreIsUsageAndCreatesNothing) {
  auto result = run_forager({"status", "--db", dir_ + "/none.db", "--json"}, dir_);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/none.db"));
}

}  // namespace
}  // namespace forager::testing
