// Per-host politeness for the whole crawl: how many transfers are in flight to
// a host and when the next request to it may start. Decided here, in the
// coordinator, and not in libcurl, so the limit holds across every worker and
// no transfer waits inside curl against its own timeout.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace forager {

// The longest gap a server can make us keep (Crawl-delay, Retry-After on 429/503).
inline constexpr int64_t kMaxHostDelayMs = 60000;

class HostSlots {
 public:
  HostSlots(int per_host, int64_t delay_ms) : per_host_(per_host), default_delay_ms_(delay_ms) {}

  // When a request to `host` may start: now if allowed, else a later time
  // (INT64_MAX while the host is at its in-flight limit).
  int64_t ready_at(const std::string& host, int64_t now_ms) const;
  bool can_start(const std::string& host, int64_t now_ms) const { return ready_at(host, now_ms) <= now_ms; }
  void start(const std::string& host, int64_t now_ms);
  // With a delay, the next request waits for it after this one's end too
  // (as wget's --wait does): the gap then holds at the server, whatever the
  // time a worker took to start the transfer.
  void finish(const std::string& host, int64_t now_ms);
  // A larger gap for one host (robots.txt Crawl-delay, Retry-After).
  void raise_delay(const std::string& host, int64_t delay_ms);
  int in_flight(const std::string& host) const;
  // The host's own delay (raised by raise_delay), without the crawl-wide one.
  int64_t delay(const std::string& host) const;

 private:
  struct Slot {
    int in_flight = 0;
    int64_t delay_ms = 0;
    int64_t last_start_ms = INT64_MIN / 2;
    int64_t last_end_ms = INT64_MIN / 2;
  };
  int per_host_;
  int64_t default_delay_ms_;
  std::unordered_map<std::string, Slot> slots_;
};

}  // namespace forager
