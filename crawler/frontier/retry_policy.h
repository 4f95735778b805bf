// When a failed fetch is tried again, and after how long.
//
// Contract:
//  - retryable(): timeouts, failed connections and other network errors, and
//    the statuses 408, 429 and 5xx. Nothing else (dns, tls, too_large, 4xx,
//    ...) would answer differently a second time.
//  - retry_after_ms(): a Retry-After value as delay-seconds or an HTTP-date,
//    in milliseconds from `wall_now_ms`; 0 when absent, unparsable or in the
//    past; kMaxBackoffMs for a number of more than 7 digits (it cannot
//    overflow).
//  - backoff_ms(): exponential from one second (attempt 1: 1 s, 2: 2 s, ...,
//    doubling up to attempt 9) plus up to 50 % jitter, or `server_asked_ms`
//    when that is longer; never more than kMaxBackoffMs, so a hostile
//    Retry-After cannot stall the crawl. The jitter comes from a generator
//    seeded at construction: the same seed gives the same waits.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "crawler/wire/protocol.h"

namespace forager {

inline constexpr int64_t kMaxBackoffMs = 300000;

class RetryPolicy {
 public:
  explicit RetryPolicy(uint32_t seed = std::random_device{}()) : random_(seed) {}

  static bool retryable(const protocol::FetchResult& result);
  static int64_t retry_after_ms(const std::string& value, int64_t wall_now_ms);
  // `attempt` counts from 1.
  int64_t backoff_ms(int attempt, int64_t server_asked_ms);

 private:
  std::minstd_rand random_;
};

}  // namespace forager
