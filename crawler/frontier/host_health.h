// How each host has been answering, for the whole crawl.
//
// Contract:
//  - note(): a connection-level failure (error connect, dns or tls) counts
//    one more failure in a row for the host; any result with an HTTP status
//    resets the count. The kHostConnectionFailures-th failure in a row gives
//    the host up for the rest of the run, and says so once on stderr:
//    "forager crawl: giving up on <host> after <n> connection failures in a row
//    (<error>)". Other errors (timeout, network, ...) neither count nor reset.
//  - A 429 or 503 slows the host down in the HostSlots given at construction:
//    its delay becomes the larger of twice its current delay (its own or the
//    crawl-wide one, at least 1 s) and what Retry-After asks, capped at
//    kMaxHostDelayMs. Delays only ever grow.
//  - given_up_error(): for a given-up host, the error its remaining URLs are
//    recorded with (the last connection failure); null otherwise.
//  - connection_failure(): whether a result is such a failure (connect, dns, tls).
//  - adopt_given_up(): a host given up elsewhere (by the shared run's other
//    members, counted on the server) is given up here too, with that error;
//    says so once on stderr.
//  - count_fetch() / fetches(): fetches started to the host, for
//    --max-pages-per-host.
// The HostSlots and Clock must outlive this object.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "crawler/frontier/host_slots.h"
#include "crawler/util/clock.h"
#include "crawler/wire/protocol.h"

namespace forager {

inline constexpr int kHostConnectionFailures = 5;

class HostHealth {
 public:
  HostHealth(HostSlots& slots, int64_t crawl_delay_ms, const Clock& clock)
      : slots_(slots), crawl_delay_ms_(crawl_delay_ms), clock_(clock) {}

  static bool connection_failure(const protocol::FetchResult& result);
  void note(const std::string& host, const protocol::FetchResult& result);
  void adopt_given_up(const std::string& host, const std::string& error);
  const std::string* given_up_error(const std::string& host) const;
  void count_fetch(const std::string& host) { ++hosts_[host].fetches; }
  int64_t fetches(const std::string& host) const;

 private:
  struct Host {
    int connection_failures = 0;  // in a row
    std::string last_error;
    bool given_up = false;
    int64_t fetches = 0;
  };
  void slow_down(const std::string& host, const protocol::FetchResult& result);

  HostSlots& slots_;
  int64_t crawl_delay_ms_;
  const Clock& clock_;
  std::unordered_map<std::string, Host> hosts_;
};

}  // namespace forager
