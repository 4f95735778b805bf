#include "crawler/shared_policy.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace forager {
namespace {

CrawlOptions base() {
  CrawlOptions o;
  o.job = "shop";
  o.seeds = {"http://a.test/"};
  o.per_host = 2;
  o.delay_ms = 200;
  return o;
}

TEST(SharedPolicyTest, SeedsAndMachineSettingsMayDiffer) {
  CrawlOptions mine = base();
  mine.seeds = {"http://b.test/"};
  mine.workers = 7;
  mine.concurrency = 3;
  mine.warc_dir = "/tmp/w";
  EXPECT_EQ(policy_difference(to_json(mine), to_json(base()).dump()), std::nullopt);
}

TEST(SharedPolicyTest, APolicyOptionThatDiffersIsNamed) {
  struct Case {
    void (*change)(CrawlOptions&);
    const char* option;
  };
  const Case cases[] = {
      {[](CrawlOptions& o) { o.per_host = 3; }, "--per-host"},
      {[](CrawlOptions& o) { o.delay_ms = 0; }, "--delay"},
      {[](CrawlOptions& o) { o.scope = ScopeMode::kAny; }, "--scope"},
      {[](CrawlOptions& o) { o.deny = {"x"}; }, "--deny"},
      {[](CrawlOptions& o) { o.max_depth = 3; }, "--max-depth"},
      {[](CrawlOptions& o) { o.max_pages = 10; }, "--max-pages"},
      {[](CrawlOptions& o) { o.max_pages_per_host = 10; }, "--max-pages-per-host"},
      {[](CrawlOptions& o) { o.user_agent = "other/1"; }, "--user-agent"},
      {[](CrawlOptions& o) { o.ignore_robots = true; }, "--ignore-robots"},
      {[](CrawlOptions& o) { o.rules_json = R"({"fields":{}})"; }, "--rules"},
  };
  for (const Case& c : cases) {
    CrawlOptions mine = base();
    c.change(mine);
    auto why = policy_difference(to_json(mine), to_json(base()).dump());
    ASSERT_TRUE(why.has_value()) << c.option;
    EXPECT_EQ(why->rfind(std::string(c.option) + " differs", 0), 0u) << *why;
  }
}

TEST(SharedPolicyTest, UnreadableRecordIsRefused) {
  EXPECT_TRUE(policy_difference(to_json(base()), "not json").has_value());
}

TEST(SharedPolicyTest, LeaseLifetimeIsTheTimeoutPlusAMargin) {
  CrawlOptions o = base();
  o.timeout_ms = 2000;
  o.max_pages = 50;
  storage::SharedPolicy p = shared_policy(o);
  EXPECT_EQ(p.lease_lifetime_ms, 2000 + kLeaseMarginMs);
  EXPECT_EQ(p.per_host, 2);
  EXPECT_EQ(p.delay_ms, 200);
  EXPECT_EQ(p.max_pages, 50);
  EXPECT_TRUE(p.host_lease);
}

}  // namespace
}  // namespace forager
