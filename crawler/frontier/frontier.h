// The in-memory side of the frontier: which URLs have been seen, and the URLs
// waiting to be fetched, queued per origin (scheme://host:port, the unit that
// robots.txt governs). The store holds the durable copy; the coordinator keeps
// the two in step through its batches.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
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
  int64_t lease = 0;               // a shared run: the lease it came with
};

// A flat open-addressing set of 64-bit URL hashes, each with a one-byte mark:
// 9 bytes a slot, at most 70 % full, so 13-26 bytes per URL (a node-based
// std::unordered_set costs about 40). 0 marks a free slot; the hash 0 is
// stored as 1. The mark is 0..255, 0 for a hash inserted without one.
class HashSet {
 public:
  bool insert(uint64_t hash, uint8_t mark = 0);  // true when it was not there
  bool contains(uint64_t hash) const;
  // The mark of `hash`, or nullopt when it is not there.
  std::optional<uint8_t> mark(uint64_t hash) const;
  void set_mark(uint64_t hash, uint8_t mark);  // no-op when it is not there
  size_t size() const { return size_; }

 private:
  size_t find(uint64_t hash) const;  // its slot, or npos
  void grow();
  std::vector<uint64_t> slots_;
  std::vector<uint8_t> marks_;
  size_t size_ = 0;
};

// FNV-1a 64 of a URL: stable across runs and processes (std::hash need not be).
uint64_t url_hash(std::string_view url);

class Frontier {
 public:
  // At most this many entries of one origin's queue are held in memory; the
  // rest of the queue is only in the store, and is read back (`refill`) in
  // seq order as the window drains below kRefillBelow.
  static constexpr size_t kWindow = 4096;
  static constexpr size_t kRefillBelow = kWindow / 4;
  // And at most this many in all, however many origins the crawl meets.
  static constexpr size_t kMaxInMemory = 100'000;

  // Records `url` as seen; true when it was not seen before. Keeps a 64-bit
  // hash per URL, not the URL itself (the store's unique key is the backstop).
  // `depth`: the link distance it was found at, while it waits to be fetched.
  bool add_seen(std::string_view url, int depth = 0) { return seen_.insert(url_hash(url), depth_mark(depth)); }
  bool seen(std::string_view url) const { return seen_.contains(url_hash(url)); }
  // A shorter path to a seen URL that has not been dispatched yet: true when
  // `depth` is lower than the depth known for it (which it then becomes).
  bool lower_depth(std::string_view url, int depth);
  // The lowest depth known for a seen URL not dispatched yet, or nullopt.
  std::optional<int> pending_depth(std::string_view url) const;
  // The URL has gone out: its depth is settled, lower_depth() ignores it.
  void mark_dispatched(std::string_view url) { seen_.set_mark(url_hash(url), kDispatched); }

  // Queues a URL the store already holds (or will, with the current batch) as
  // kQueued, in seq order of its origin. Returns false when the origin's window
  // is full: the entry is then left to the store and counted in size().
  bool push_new(PendingUrl p, const std::string& origin);
  // Queues `p` (a retry or a redirect hop, already in the window once) under the
  // origin of p.target(); entries whose not_before_ms is later than now wait in
  // a timed heap until release_due().
  void push(PendingUrl p, int64_t now_ms);
  // Moves entries whose backoff has passed into their origin queues.
  void release_due(int64_t now_ms);
  // When the next waiting entry becomes due (INT64_MAX when none waits).
  int64_t next_due_ms() const;

  // Whether the origin's window is low while the store holds more of its queue,
  // and from which seq on to read it.
  bool wants_refill(const std::string& origin) const;
  int64_t refill_after(const std::string& origin) const;
  // How many entries a refill of the origin may read now (0: none, the
  // crawl-wide bound is reached and the origin still has work in memory).
  size_t refill_room(const std::string& origin) const;
  // Appends entries read from the store (seq order, all after refill_after());
  // `exhausted`: the store had no more than these.
  void refill(const std::string& origin, std::vector<PendingUrl> entries, bool exhausted);
  // Forgets the origin's entries that are only in the store (a budget is spent:
  // they stay queued there for a later run).
  void drop_stored(const std::string& origin);

  // Origins that have queued entries, in a stable round-robin order.
  const std::vector<std::string>& active_origins() const { return active_; }
  std::deque<PendingUrl>& queue(const std::string& origin) { return origins_[origin].window; }
  // Drops origins with nothing queued from active_origins().
  void compact();

  size_t size() const;  // queued (in memory or only in the store) plus waiting
  size_t waiting() const { return delayed_.size(); }
  size_t seen_count() const { return seen_.size(); }
  // Entries in the windows, as of the last compact() plus what came since.
  size_t in_memory() const { return in_memory_; }

 private:
  struct Origin {
    std::deque<PendingUrl> window;
    int64_t stored = 0;          // queued entries only in the store (an estimate once read back)
    int64_t last_seq_loaded = 0; // entries up to this seq have been in memory
  };
  struct LaterFirst {
    bool operator()(const PendingUrl& a, const PendingUrl& b) const { return a.not_before_ms > b.not_before_ms; }
  };
  // Marks: 0 dispatched (or a depth that is no longer tracked), else depth + 1
  // (depths of 254 and more are all 254).
  static constexpr uint8_t kDispatched = 0;
  static uint8_t depth_mark(int depth) { return static_cast<uint8_t>(std::clamp(depth, 0, 254) + 1); }
  void activate(const std::string& origin);
  void enqueue(PendingUrl p);
  HashSet seen_;
  std::unordered_map<std::string, Origin> origins_;
  std::vector<std::string> active_;
  std::unordered_set<std::string> active_set_;
  std::priority_queue<PendingUrl, std::vector<PendingUrl>, LaterFirst> delayed_;
  size_t in_memory_ = 0;  // recounted by compact(); the coordinator pops windows directly
};

}  // namespace forager
