// What a shared-run member sends the server: each link once (KnownUrls),
// counted on the server by a trigger that sees every row a member proposes
// to forager.frontier, conflicting ones included (BEFORE INSERT triggers
// fire before ON CONFLICT DO NOTHING decides).
#include <chrono>
#include <string>
#include <thread>

#include "storage/open.h"
#include "tests/support/crawl_fixture.h"
#include "tests/support/postgres_server.h"

namespace forager::testing {
namespace {

constexpr int kMesh = 40;

class PostgresLinksTest : public CrawlFixture {
 protected:
  void SetUp() override {
    CrawlFixture::SetUp();
    FORAGER_USE_TEST_DATABASE(pg_);
    db_ = pg_->uri();
    // Every page links to every page (itself too): each member finds each
    // URL again and again.
    site_.server().Get(R"(/mesh/(\d+))", [](const httplib::Request& request, httplib::Response& response) {
      const int i = std::stoi(request.matches[1]);
      if (i >= kMesh) {
        response.status = 404;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::string body = "<html><head><title>Mesh " + std::to_string(i) + "</title></head><body>";
      for (int j = 0; j < kMesh; ++j) body += "<a href=\"/mesh/" + std::to_string(j) + "\">" + std::to_string(j) + "</a>";
      response.set_content(body + "</body></html>", "text/html");
    });
    site_.start();
    storage::open(db_);  // the schema, for the trigger
    pg_->connect().exec(
        "CREATE TABLE forager.link_attempts(backend integer, run_id bigint, url text);"
        "CREATE FUNCTION forager.note_attempt() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO forager.link_attempts VALUES (pg_backend_pid(), NEW.run_id, NEW.url); RETURN NEW; END $$;"
        "CREATE TRIGGER note_attempt BEFORE INSERT ON forager.frontier FOR EACH ROW "
        "EXECUTE FUNCTION forager.note_attempt()");
  }
  std::vector<std::string> args(const std::string& job) {
    return {site_.url("/mesh/0"), site_.url("/mesh/1"), "--job", job, "--workers", "1", "--per-host", "2",
            "--ignore-robots"};
  }
  int64_t count(const std::string& sql) { return pg_->connect().query(sql).int64(0, 0); }
  void expect_every_page_once(const std::string& job) {
    auto records = by_url(this->records(job));
    EXPECT_EQ(records.size(), static_cast<size_t>(kMesh));
    for (int i = 0; i < kMesh; ++i) {
      auto it = records.find(site_.url("/mesh/" + std::to_string(i)));
      ASSERT_NE(it, records.end()) << i;
      EXPECT_EQ(it->second["status"], 200);
    }
  }

  std::unique_ptr<TestDatabase> pg_;
  TestServer site_;
};

TEST_F(PostgresLinksTest, OneMemberSendsEachUrlOnceSeedsIncluded) {
  auto result = crawl(args("one"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  expect_every_page_once("one");
  // 2 seeds at the join, then each other page once: the seeds and the URLs
  // that came with leases are known, and every page links to all 40.
  EXPECT_EQ(count("SELECT count(*) FROM forager.link_attempts"), kMesh)
      << pg_->connect().query("SELECT string_agg(url, chr(10) ORDER BY url) FROM forager.link_attempts").text(0, 0);
  EXPECT_EQ(count("SELECT count(DISTINCT url) FROM forager.link_attempts"), kMesh);

  // The count sees rows the server already had (ON CONFLICT DO NOTHING).
  pg_->connect().exec(
      "INSERT INTO forager.frontier(run_id, seq, url, depth, state, origin, host) "
      "SELECT run_id, nextval('forager.frontier_seq'), url, 1, 0, origin, host FROM forager.frontier LIMIT 1 "
      "ON CONFLICT DO NOTHING");
  EXPECT_EQ(count("SELECT count(*) FROM forager.link_attempts"), kMesh + 1);
}

TEST_F(PostgresLinksTest, TwoMembersEachSendEachUrlAtMostOnceAndFetchEveryPageOnce) {
  auto first = start_crawl(args("two"));
  for (int i = 0; i < 2000 && site_.requests().size() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto second = crawl(args("two"));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto first_done = first.wait();
  ASSERT_EQ(first_done.exit_code, 0) << first_done.err;
  expect_every_page_once("two");
  EXPECT_EQ(records("two", "all").size(), static_cast<size_t>(kMesh));
  // Per member (its server session): no URL twice.
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT backend, url FROM forager.link_attempts "
                  "GROUP BY backend, url HAVING count(*) > 1) AS twice"),
            0);
  EXPECT_LE(count("SELECT count(*) FROM forager.link_attempts"), 2 * kMesh);
}

}  // namespace
}  // namespace forager::testing
