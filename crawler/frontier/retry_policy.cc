#include "crawler/frontier/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>

#include "crawler/wire/error_codes.h"

namespace forager {

bool RetryPolicy::retryable(const protocol::FetchResult& r) {
  if (r.error == errors::kTimeout || r.error == errors::kConnect || r.error == errors::kNetwork)
    return true;
  return r.status == 408 || r.status == 429 || r.status >= 500;
}

int64_t RetryPolicy::retry_after_ms(const std::string& value, int64_t wall_now_ms) {
  if (value.empty()) return 0;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return value.size() > 7 ? kMaxBackoffMs : std::stoll(value) * 1000;
  time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return 0;
  return std::max<int64_t>(0, static_cast<int64_t>(when) * 1000 - wall_now_ms);
}

int64_t RetryPolicy::backoff_ms(int attempt, int64_t server_asked_ms) {
  int64_t base = 1000ll << std::min(attempt - 1, 8);
  int64_t jitter = static_cast<int64_t>(random_() % static_cast<uint64_t>(base / 2 + 1));
  return std::min(std::max(base + jitter, server_asked_ms), kMaxBackoffMs);
}

}  // namespace forager
