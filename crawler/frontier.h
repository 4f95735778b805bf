// The in-memory side of the frontier: which URLs have been seen, and the URLs
// waiting to be fetched, queued per origin (scheme://host:port, the unit that
// robots.txt governs). The store holds the durable copy; the coordinator keeps
// the two in step through its batches.
#pragma once

#include <cstdint>
#include <deque>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace forager {

// One URL on its way through the crawl.
struct PendingUrl {
  int64_t seq = 0;
  std::string url;                 // as queued: the record's url
  std::string redirect_target;     // the redirect hop to fetch next; empty: fetch url itself
  // What to fetch next. (Most entries never redirect: not storing a second
  // copy of the URL for them keeps the frontier small.)
  const std::string& target() const { return redirect_target.empty() ? url : redirect_target; }
  std::vector<std::string> chain;  // hops already fetched, for redirect-loop detection
  std::string referrer;
  int depth = 0;
  int attempts = 0;                // retryable failures so far
  int crashes = 0;                 // workers that died holding it
  int last_status = 0;             // status of the last redirect answer
  bool counted = false;            // already counted against --max-pages
  int64_t not_before_ms = 0;       // retry backoff
};

class Frontier {
 public:
  // Records `url` as seen; true when it was not seen before. Keeps a 64-bit
  // hash per URL, not the URL itself (the store's unique key is the backstop).
  bool add_seen(std::string_view url);

  // Queues `p` under the origin of p.target(); entries whose not_before_ms is
  // later than now wait in a timed heap until release_due().
  void push(PendingUrl p, int64_t now_ms);
  // Moves entries whose backoff has passed into their origin queues.
  void release_due(int64_t now_ms);
  // When the next waiting entry becomes due (INT64_MAX when none waits).
  int64_t next_due_ms() const;

  // Origins that have queued entries, in a stable round-robin order.
  const std::vector<std::string>& active_origins() const { return active_; }
  std::deque<PendingUrl>& queue(const std::string& origin) { return queues_[origin]; }
  // Drops origins whose queue became empty from active_origins().
  void compact();

  size_t size() const;  // queued plus waiting
  size_t waiting() const { return delayed_.size(); }
  size_t seen_count() const { return seen_.size(); }

 private:
  struct LaterFirst {
    bool operator()(const PendingUrl& a, const PendingUrl& b) const { return a.not_before_ms > b.not_before_ms; }
  };
  void enqueue(PendingUrl p);
  std::unordered_set<uint64_t> seen_;
  std::unordered_map<std::string, std::deque<PendingUrl>> queues_;
  std::vector<std::string> active_;
  std::unordered_set<std::string> active_set_;
  std::priority_queue<PendingUrl, std::vector<PendingUrl>, LaterFirst> delayed_;
};

}  // namespace forager
