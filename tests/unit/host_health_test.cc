#include "crawler/frontier/host_health.h"

#include <gtest/gtest.h>

#include <string>

#include "crawler/util/clock.h"
#include "crawler/wire/error_codes.h"

namespace forager {
namespace {

// RFC 9110's example date, "Sun, 06 Nov 1994 08:49:37 GMT", in Unix milliseconds.
constexpr int64_t kExampleDateMs = 784111777000;

protocol::FetchResult failed(const char* error) {
  protocol::FetchResult r;
  r.error = error;
  return r;
}

protocol::FetchResult answered(int status, std::string retry_after = "") {
  protocol::FetchResult r;
  r.status = status;
  r.retry_after = std::move(retry_after);
  return r;
}

class HostHealthTest : public ::testing::Test {
 protected:
  ManualClock clock_{kExampleDateMs - 20000};
  HostSlots slots_{2, 0};
  HostHealth health_{slots_, 0, clock_};
};

TEST_F(HostHealthTest, GivenUpAfterFiveConnectionFailuresInARow) {
  for (int i = 0; i < kHostConnectionFailures - 1; ++i) health_.note("a", failed(errors::kConnect));
  EXPECT_EQ(health_.given_up_error("a"), nullptr);
  ::testing::internal::CaptureStderr();
  health_.note("a", failed(errors::kDns));
  health_.note("a", failed(errors::kConnect));  // already given up: said once
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "\nforager crawl: giving up on a after 5 connection failures in a row (dns)\n");
  ASSERT_NE(health_.given_up_error("a"), nullptr);
  EXPECT_EQ(*health_.given_up_error("a"), errors::kConnect);  // the last failure
  EXPECT_EQ(health_.given_up_error("b"), nullptr);
}

TEST_F(HostHealthTest, TlsCountsToo) {
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < kHostConnectionFailures; ++i) health_.note("a", failed(errors::kTls));
  ::testing::internal::GetCapturedStderr();
  ASSERT_NE(health_.given_up_error("a"), nullptr);
  EXPECT_EQ(*health_.given_up_error("a"), errors::kTls);
}

TEST_F(HostHealthTest, AnAnswerResetsTheCount) {
  for (int i = 0; i < kHostConnectionFailures - 1; ++i) health_.note("a", failed(errors::kConnect));
  health_.note("a", answered(404));
  for (int i = 0; i < kHostConnectionFailures - 1; ++i) health_.note("a", failed(errors::kConnect));
  EXPECT_EQ(health_.given_up_error("a"), nullptr);
}

TEST_F(HostHealthTest, OtherErrorsNeitherCountNorReset) {
  for (int i = 0; i < kHostConnectionFailures - 1; ++i) health_.note("a", failed(errors::kConnect));
  health_.note("a", failed(errors::kTimeout));
  health_.note("a", failed(errors::kNetwork));
  EXPECT_EQ(health_.given_up_error("a"), nullptr);
  ::testing::internal::CaptureStderr();
  health_.note("a", failed(errors::kConnect));
  ::testing::internal::GetCapturedStderr();
  EXPECT_NE(health_.given_up_error("a"), nullptr);
}

TEST_F(HostHealthTest, CountsFetchesPerHost) {
  EXPECT_EQ(health_.fetches("a"), 0);
  health_.count_fetch("a");
  health_.count_fetch("a");
  health_.count_fetch("b");
  EXPECT_EQ(health_.fetches("a"), 2);
  EXPECT_EQ(health_.fetches("b"), 1);
}

TEST_F(HostHealthTest, OverloadedHostGetsADoubledDelayUpToTheCap) {
  health_.note("a", answered(429));
  EXPECT_EQ(slots_.delay("a"), 1000);  // at least one second
  health_.note("a", answered(503));
  EXPECT_EQ(slots_.delay("a"), 2000);
  for (int i = 0; i < 10; ++i) health_.note("a", answered(429));
  EXPECT_EQ(slots_.delay("a"), kMaxHostDelayMs);
  EXPECT_EQ(slots_.delay("b"), 0);
  health_.note("c", answered(500));  // only 429 and 503 mean "slow down"
  EXPECT_EQ(slots_.delay("c"), 0);
}

TEST_F(HostHealthTest, DoublesTheCrawlWideDelay) {
  HostHealth health(slots_, 3000, clock_);
  health.note("a", answered(503));
  EXPECT_EQ(slots_.delay("a"), 6000);
}

TEST_F(HostHealthTest, RetryAfterWinsWhenLonger) {
  health_.note("a", answered(429, "30"));
  EXPECT_EQ(slots_.delay("a"), 30000);
  health_.note("b", answered(503, "Sun, 06 Nov 1994 08:49:37 GMT"));  // 20 s after the manual clock
  EXPECT_EQ(slots_.delay("b"), 20000);
  health_.note("c", answered(429, "3600"));
  EXPECT_EQ(slots_.delay("c"), kMaxHostDelayMs);
  health_.note("d", answered(429, "garbage"));
  EXPECT_EQ(slots_.delay("d"), 1000);
}

TEST_F(HostHealthTest, RetryAfterDateFollowsTheClock) {
  clock_.advance(15000);  // the date is now 5 s away
  health_.note("a", answered(503, "Sun, 06 Nov 1994 08:49:37 GMT"));
  EXPECT_EQ(slots_.delay("a"), 5000);
}

}  // namespace
}  // namespace forager
