// robots.txt of every origin of the crawl (RFC 9309), and what it is doing
// about each: the coordinator fetches it through its workers, this class
// decides what to fetch and keeps the answer.
//
// Contract, per origin (scheme://host[:port]):
//  - States: unknown (nothing usable yet, or to be fetched again), fetching
//    (a fetch is out), ready (rules known). An origin starts unknown.
//  - due_fetch(): the URL to fetch now when the origin is unknown and any
//    retry wait has passed: "<origin>/robots.txt", or the next redirect hop.
//    A ready origin whose rules are older than kRobotsMaxAgeMs becomes unknown
//    first (long crawls refresh it). The caller calls fetch_started() once it
//    has sent the fetch, and fetch_lost() when the fetch vanished with its
//    worker (the origin becomes unknown again, to be fetched again at once).
//  - on_result(): a 3xx with a usable Location is followed (the origin goes
//    back to unknown with that hop to fetch next), at most kMaxRobotsRedirects
//    times in a row; then
//      2xx: parsed; 3xx (without a hop to follow) and 4xx: allow all;
//      5xx or an error: retried with RetryPolicy's backoff up to `retries`
//      times in all, then disallow all.
//  - refusal(): the record error for a URL allowed() refuses: "robots", or,
//    when the origin's robots.txt could not be fetched at all (its last
//    attempt failed with a transfer error, not an HTTP status), that error
//    ("connect", "dns", "tls", "timeout", ...): a dead host is not a polite
//    refusal.
//    Returns true when the origin became ready: the rules' Crawl-delay (capped
//    at kMaxHostDelayMs) has then raised the origin's host delay in HostSlots.
//  - ready(): the origin is ready. allowed() and sitemaps() answer from the
//    last rules known (before the first: allow all, no sitemaps); the
//    coordinator asks them only of a ready origin.
// HostSlots, RetryPolicy and Clock must outlive this object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crawler/frontier/host_slots.h"
#include "crawler/frontier/retry_policy.h"
#include "crawler/frontier/robots.h"
#include "crawler/util/clock.h"
#include "crawler/wire/protocol.h"

namespace forager {

inline constexpr int kMaxRobotsRedirects = 5;
inline constexpr int64_t kRobotsMaxAgeMs = 24ll * 3600 * 1000;

class RobotsCache {
 public:
  RobotsCache(std::string user_agent, int retries, HostSlots& slots, RetryPolicy& retry, const Clock& clock)
      : user_agent_(std::move(user_agent)), retries_(retries), slots_(slots), retry_(retry), clock_(clock) {}

  std::optional<std::string> due_fetch(const std::string& origin, int64_t now_ms);
  void fetch_started(const std::string& origin) { origins_[origin].state = State::kFetching; }
  void fetch_lost(const std::string& origin) { origins_[origin].state = State::kUnknown; }
  bool on_result(const std::string& origin, const protocol::FetchResult& result);
  // A shared run: the answer another member settled on for the origin
  // (status, transfer error, body) makes it ready at once, as on_result's
  // final answer would: 2xx parsed, 3xx/4xx allow all, else disallow all.
  void adopt(const std::string& origin, int status, const std::string& error, const std::string& body);

  bool ready(const std::string& origin) const;
  // `path_and_query` as url::path_and_query() returns it.
  bool allowed(const std::string& origin, std::string_view path_and_query) const;
  const std::vector<std::string>& sitemaps(const std::string& origin) const;
  std::string refusal(const std::string& origin) const;

 private:
  enum class State { kUnknown, kFetching, kReady };
  struct Entry {
    State state = State::kUnknown;
    robots::RobotsTxt rules = robots::RobotsTxt::allow_all();
    int attempts = 0;          // failed fetches (5xx, errors)
    int64_t retry_at_ms = 0;
    std::string next_url;      // the redirect hop to fetch next, or empty for /robots.txt
    int hops = 0;
    int64_t fetched_at_ms = 0;
    std::string unreachable;   // the transfer error that made the rules disallow all
  };
  const Entry* find(const std::string& origin) const;
  bool follow_redirect(Entry& entry, const protocol::FetchResult& result);
  void become_ready(const std::string& origin, Entry& entry);

  std::string user_agent_;
  int retries_;
  HostSlots& slots_;
  RetryPolicy& retry_;
  const Clock& clock_;
  std::unordered_map<std::string, Entry> origins_;
};

}  // namespace forager
