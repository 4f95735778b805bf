#include "crawler/frontier/host_health.h"

#include <algorithm>
#include <cstdio>

#include "crawler/frontier/retry_policy.h"
#include "crawler/wire/error_codes.h"

namespace forager {

bool HostHealth::connection_failure(const protocol::FetchResult& result) {
  return result.error == errors::kConnect || result.error == errors::kDns || result.error == errors::kTls;
}

void HostHealth::note(const std::string& host, const protocol::FetchResult& result) {
  Host& h = hosts_[host];
  if (connection_failure(result)) {
    h.last_error = result.error;
    if (++h.connection_failures >= kHostConnectionFailures && !h.given_up) {
      h.given_up = true;
      std::fprintf(stderr, "\nforager crawl: giving up on %s after %d connection failures in a row (%s)\n", host.c_str(),
                   h.connection_failures, result.error.c_str());
    }
  } else if (result.status > 0) {
    h.connection_failures = 0;
  }
  if (result.status == 429 || result.status == 503) slow_down(host, result);
}

void HostHealth::adopt_given_up(const std::string& host, const std::string& error) {
  Host& h = hosts_[host];
  if (h.given_up) return;
  h.given_up = true;
  h.last_error = error;
  std::fprintf(stderr, "\nforager crawl: giving up on %s: the run's members had %d connection failures in a row (%s)\n",
               host.c_str(), kHostConnectionFailures, error.c_str());
}

// The server says it is overloaded: the gap to it doubles, or grows to what
// Retry-After asks.
void HostHealth::slow_down(const std::string& host, const protocol::FetchResult& result) {
  int64_t asked = RetryPolicy::retry_after_ms(result.retry_after, clock_.wall_ms());
  int64_t doubled = std::max<int64_t>(1000, 2 * std::max<int64_t>(crawl_delay_ms_, slots_.delay(host)));
  slots_.raise_delay(host, std::min(std::max(asked, doubled), kMaxHostDelayMs));
}

const std::string* HostHealth::given_up_error(const std::string& host) const {
  auto it = hosts_.find(host);
  return it != hosts_.end() && it->second.given_up ? &it->second.last_error : nullptr;
}

int64_t HostHealth::fetches(const std::string& host) const {
  auto it = hosts_.find(host);
  return it == hosts_.end() ? 0 : it->second.fetches;
}

}  // namespace forager
