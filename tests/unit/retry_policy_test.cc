#include "crawler/frontier/retry_policy.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crawler/wire/error_codes.h"

namespace forager {
namespace {

// RFC 9110's example date, "Sun, 06 Nov 1994 08:49:37 GMT", in Unix milliseconds.
constexpr int64_t kExampleDateMs = 784111777000;

protocol::FetchResult with_error(const char* error) {
  protocol::FetchResult r;
  r.error = error;
  return r;
}

protocol::FetchResult with_status(int status) {
  protocol::FetchResult r;
  r.status = status;
  return r;
}

TEST(RetryPolicy, RetryableErrors) {
  EXPECT_TRUE(RetryPolicy::retryable(with_error(errors::kTimeout)));
  EXPECT_TRUE(RetryPolicy::retryable(with_error(errors::kConnect)));
  EXPECT_TRUE(RetryPolicy::retryable(with_error(errors::kNetwork)));
  EXPECT_FALSE(RetryPolicy::retryable(with_error(errors::kDns)));
  EXPECT_FALSE(RetryPolicy::retryable(with_error(errors::kTls)));
  EXPECT_FALSE(RetryPolicy::retryable(with_error(errors::kTooLarge)));
  EXPECT_FALSE(RetryPolicy::retryable(with_error(errors::kBadUrl)));
  EXPECT_FALSE(RetryPolicy::retryable(with_error(errors::kInternal)));
}

TEST(RetryPolicy, RetryableStatuses) {
  for (int status : {408, 429, 500, 502, 503, 504, 599})
    EXPECT_TRUE(RetryPolicy::retryable(with_status(status))) << status;
  for (int status : {200, 204, 301, 304, 400, 403, 404, 410, 499})
    EXPECT_FALSE(RetryPolicy::retryable(with_status(status))) << status;
}

TEST(RetryPolicy, RetryAfterSeconds) {
  EXPECT_EQ(RetryPolicy::retry_after_ms("120", 0), 120000);
  EXPECT_EQ(RetryPolicy::retry_after_ms("0", 0), 0);
  EXPECT_EQ(RetryPolicy::retry_after_ms("1234567", 0), 1234567000);
}

TEST(RetryPolicy, RetryAfterHugeNumberIsTheCap) {
  EXPECT_EQ(RetryPolicy::retry_after_ms("12345678", 0), kMaxBackoffMs);
  EXPECT_EQ(RetryPolicy::retry_after_ms(std::string(400, '9'), 0), kMaxBackoffMs);
}

TEST(RetryPolicy, RetryAfterDateIsCountedFromTheWallClock) {
  const std::string date = "Sun, 06 Nov 1994 08:49:37 GMT";
  EXPECT_EQ(RetryPolicy::retry_after_ms(date, kExampleDateMs - 30000), 30000);
  EXPECT_EQ(RetryPolicy::retry_after_ms(date, kExampleDateMs), 0);
  EXPECT_EQ(RetryPolicy::retry_after_ms(date, kExampleDateMs + 5000), 0);  // in the past
}

TEST(RetryPolicy, RetryAfterGarbageIsIgnored) {
  for (const char* value : {"", "soon", "-5", "1.5", " 30", "Sun, 99 Foo 1994", "\x01\xff"})
    EXPECT_EQ(RetryPolicy::retry_after_ms(value, kExampleDateMs), 0) << value;
}

TEST(RetryPolicy, BackoffDoublesWithUpToHalfJitter) {
  RetryPolicy policy(42);
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const int64_t base = 1000ll << (attempt - 1);
    for (int i = 0; i < 20; ++i) {
      const int64_t wait = policy.backoff_ms(attempt, 0);
      EXPECT_GE(wait, base) << attempt;
      EXPECT_LE(wait, base + base / 2) << attempt;
    }
  }
}

TEST(RetryPolicy, BackoffIsCapped) {
  RetryPolicy policy(7);
  for (int attempt : {9, 10, 30, 1000}) {
    const int64_t wait = policy.backoff_ms(attempt, 0);
    EXPECT_GE(wait, 256000) << attempt;  // the doubling stops at attempt 9
    EXPECT_LE(wait, kMaxBackoffMs) << attempt;
  }
}

TEST(RetryPolicy, JitterVariesAndFollowsTheSeed) {
  RetryPolicy a(1234), b(1234);
  std::set<int64_t> seen;
  for (int i = 0; i < 50; ++i) {
    const int64_t wait = a.backoff_ms(3, 0);
    EXPECT_EQ(wait, b.backoff_ms(3, 0));
    seen.insert(wait);
  }
  EXPECT_GT(seen.size(), 10u);
}

TEST(RetryPolicy, ServerAskedWinsWhenLonger) {
  RetryPolicy policy(3);
  EXPECT_EQ(policy.backoff_ms(1, 10000), 10000);
  const int64_t shorter = policy.backoff_ms(1, 500);  // our own backoff is longer
  EXPECT_GE(shorter, 1000);
  EXPECT_LE(shorter, 1500);
  EXPECT_EQ(policy.backoff_ms(1, 24ll * 3600 * 1000), kMaxBackoffMs);
  EXPECT_EQ(policy.backoff_ms(1, RetryPolicy::retry_after_ms("99999999", 0)), kMaxBackoffMs);
}

}  // namespace
}  // namespace forager
