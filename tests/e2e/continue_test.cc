// `forager crawl --continue`: a run that a budget ended goes on with its
// frontier instead of a new run starting over; --max-pages counts the run.
#include "tests/support/crawl_fixture.h"

namespace forager::testing {
namespace {

constexpr int kPages = 60;

class ContinueTest : public CrawlFixture {
 protected:
  nlohmann::json runs() {
    auto status = run_forager({"status", "--db", db_, "--json"}, dir_);
    EXPECT_EQ(status.exit_code, 0) << status.err;
    return nlohmann::json::parse(status.out);
  }
};

TEST_F(ContinueTest, ABudgetLimitedRunGoesOnWhereItStopped) {
  TestServer site;
  serve_tree_site(site.server(), kPages);
  site.start();
  auto first = crawl({site.url("/page/0"), "--workers", "2", "--ignore-robots", "--max-pages", "10"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(records().size(), 10u);
  const size_t requests_after_first = site.requests().size();

  // No seeds needed: the run's frontier holds what is left. --max-pages is
  // the run's total, so 20 more are fetched.
  auto second = crawl({"--continue", "--max-pages", "30", "--workers", "2", "--ignore-robots"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("forager crawl: continuing run 1 of job 'default' (--continue: a budget had ended it): "
                            "10 pages already stored"),
            std::string::npos)
      << second.err;
  EXPECT_EQ(records().size(), 30u);
  EXPECT_EQ(site.requests().size(), requests_after_first + 20);  // nothing fetched twice

  // The seed given again changes nothing; without a budget the run ends with
  // the whole site, each page once, in one run.
  auto third = crawl({site.url("/page/0"), "--continue", "--workers", "2", "--ignore-robots"});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  expect_tree_site_once(by_url(records()), site, kPages, 0);
  EXPECT_EQ(site.requests().size(), static_cast<size_t>(kPages));
  auto list = runs();
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["state"], "done");
  EXPECT_EQ(list[0]["pages"], kPages);

  // Nothing is left to continue: wrong usage, nothing written.
  auto fourth = crawl({"--continue", "--ignore-robots"});
  EXPECT_EQ(fourth.exit_code, 2);
  EXPECT_NE(fourth.err.find("forager crawl: --continue: run 1 of job 'default' finished with no URL left queued"),
            std::string::npos)
      << fourth.err;
  EXPECT_EQ(runs().size(), 1u);
}

TEST_F(ContinueTest, WithoutContinueABudgetLimitedJobStartsANewRun) {
  TestServer site;
  serve_tree_site(site.server(), kPages);
  site.start();
  ASSERT_EQ(crawl({site.url("/page/0"), "--ignore-robots", "--max-pages", "5"}).exit_code, 0);
  ASSERT_EQ(crawl({site.url("/page/0"), "--ignore-robots", "--max-pages", "5"}).exit_code, 0);
  EXPECT_EQ(runs().size(), 2u);
}

TEST_F(ContinueTest, AnUnknownJobIsWrongUsage) {
  TestServer site;
  serve_tree_site(site.server(), 3);
  site.start();
  ASSERT_EQ(crawl({site.url("/page/0"), "--ignore-robots", "--job", "books"}).exit_code, 0);
  auto result = crawl({"--continue", "--job", "boks"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--continue: no job 'boks'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("books"), std::string::npos) << result.err;
  std::filesystem::remove(db_);
  EXPECT_EQ(crawl({"--continue"}).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(db_));
}

}  // namespace
}  // namespace forager::testing
