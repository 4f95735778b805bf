// SharedRun: one run of a job crawled by several forager processes (members)
// through one store (PostgreSQL; docs/SCALE-OUT.md). The coordinator uses it
// instead of its in-memory frontier and host slots whenever the store has one
// (every crawl on PostgreSQL); a SQLite store has none.
//
// Contract:
// - join() creates the job's run (when its newest run is done, or it has
//   none), or takes its unfinished one, and registers this process as a
//   member (host name, pid, heartbeat on the server clock). When the run has
//   live members, `refuse` sees its recorded options first, inside the same
//   transaction: a message from it aborts the join with PolicyError and
//   nothing is written. When it has none, the join is a resume: the run's
//   leases of dead members are forgotten, its URLs queued again, and its
//   recorded options become `options_json`. RunInfo says which
//   (other_members). An unfinished run an older forager crawled on its own
//   is taken over the same way; an unfinished extract is refused with
//   PolicyError.
// - lease() grants one host (the politeness key is the host name) to this
//   member, in one transaction: a host with a URL due, whose next allowed time
//   (server clock) has come and whose robots.txt nobody is fetching, with
//   nothing in flight when the host has a delay (then one URL a lease, and the
//   next allowed time moves to now + delay at the grant: the delay holds from
//   every start and every end), or fewer than per_host in flight without one
//   (up to the free slots, and up to max_urls when it is set). When the first
//   URL's origin has no robots.txt stored (or one older than 24 h) the lease
//   is for fetching it (robots_origin), with no URLs. Budgets (max_pages,
//   max_pages_per_host) are counted fleet-wide at the grant. No lease is
//   granted to a member the others declared dead. When the job has an earlier
//   run, each URL comes with its previous record (LeasedUrl::previous), read
//   with the lease, for conditional requests.
// - finish() applies a lease's outcome in one transaction that first deletes
//   the lease row: when it is gone (the member was declared dead and the lease
//   taken back), nothing is applied and finish() returns false (the fence).
//   Otherwise: links inserted (sorted, ON CONFLICT DO NOTHING, seq from the
//   server), records stored, retries and redirect hops queued again with their
//   wait on the server clock (a hop under the host of its target), robots.txt
//   stored, the member's page count raised, and last the host released
//   (in-flight down, next allowed = now + delay, the delay raised to what the
//   member learnt: Crawl-delay, 429/503) and its connection failures counted
//   (in a row, across members: a response resets them; give_up_after of them
//   give the host up for the run, and every later lease of it says so, with
//   up to kGivenUpUrls of its URLs to record unfetched). Sitemap entries
//   (depth kSitemapDepth) are marked done without a record. A finish whose
//   lease is gone because this same finish committed before its
//   acknowledgement was lost is refused the same way: it is never applied
//   twice.
// - heartbeat() refreshes this member's row; false when it was declared dead
//   (it must then forget its leases and join again). reap() declares members
//   silent for longer than lease_lifetime_ms dead and queues their leased URLs
//   again (no crash counted).
// - finished(): no lease in the run and no URL queued that a lease could
//   still take (budgets spent count as nothing queued).
// - leave() ends this membership (its leases must be finished first) and
//   returns the run's state: kDone when finished, kInterrupted when it was
//   the last live member and `interrupted`, else kRunning.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/records.h"

namespace forager::storage {

// The depth of a --sitemaps entry of the frontier: a sitemap to fetch, which
// leaves no record and counts against no budget.
inline constexpr int kSitemapDepth = -1;

// A joiner whose crawl policy differs from the run's; nothing was written.
struct PolicyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the server enforces for every member of the run.
struct SharedPolicy {
  int per_host = 2;
  int64_t delay_ms = 0;
  std::optional<int64_t> max_pages;
  std::optional<int64_t> max_pages_per_host;
  bool ignore_robots = false;
  int64_t lease_lifetime_ms = 0;
  bool host_lease = true;  // false only in tests: leases URLs without host politeness (the control run)
  int give_up_after = 5;   // connection failures in a row, fleet-wide, that give a host up
};

// robots.txt of an origin as the member that fetched it saw it (the answer
// RobotsCache settled on).
struct RobotsAnswer {
  std::string origin;
  int status = 0;
  std::string error;
  std::string body;
};

struct LeasedUrl {
  FrontierEntry entry;
  std::string target;               // redirect hop to fetch; empty: entry.url
  std::vector<std::string> chain;   // hops already fetched
  int last_status = 0;
  bool counted = false;             // already counted against --max-pages
  std::optional<PageRecord> previous;  // re-crawls: the job's last record of the URL (none for a hop)
};

struct Lease {
  int64_t id = 0;
  std::string host;
  std::string robots_origin;        // set: fetch this origin's robots.txt (no URLs)
  std::vector<LeasedUrl> urls;
  std::vector<RobotsAnswer> robots; // stored robots.txt of the URLs' origins
  std::string given_up_error;       // set: the run gave the host up (its URLs get this error, unfetched)
};

// A release_slots() to apply inside a lease's transaction (see lease()).
struct SlotRelease {
  int64_t lease = 0;
  std::string host;
  int64_t held = 0;
  int64_t count = 0;
};

struct SharedRequeue {
  LeasedUrl url;                    // its new state: attempts, crashes, target, chain
  int64_t wait_ms = 0;              // not before now + wait (server clock)
};

struct LeaseOutcome {
  int64_t lease = 0;
  std::string host;
  std::vector<FrontierEntry> discovered;        // seq ignored: the server numbers them
  std::vector<Batch::Completion> completed;
  std::vector<SharedRequeue> requeued;
  std::optional<RobotsAnswer> robots;
  int64_t host_delay_ms = 0;                    // the host's delay as the member knows it
  std::vector<int64_t> fetched_without_record;  // sitemap entries fetched (or given up): done, no record
  int connection_failures = 0;                  // the host's, in a row since its last response here
  bool responded = false;                       // some fetch of the lease got an HTTP response
  std::string failure_error;                    // the last connection failure's error code
};

class SharedRun {
 public:
  virtual ~SharedRun() = default;

  virtual RunInfo join(const std::string& job, const std::string& options_json, const SharedPolicy& policy,
                       const std::function<std::optional<std::string>(const std::string&)>& refuse,
                       const std::string& host_name, int pid) = 0;
  // Queues seeds (depth 0) unless the run has them; the server numbers them.
  virtual void add_seeds(const std::vector<FrontierEntry>& seeds) = 0;
  // The run's seeds (any member's) with seq > after_seq, in seq order: every
  // member's scope follows every seed.
  virtual std::vector<FrontierEntry> seeds_after(int64_t after_seq) = 0;
  // The run's URLs (any member's) with seq > after_seq, in seq order, at
  // most `limit`: what a member learns the server holds. A URL whose insert
  // commits after a higher seq was read is not seen (a seq is taken at the
  // insert, before its commit).
  virtual std::vector<FrontierEntry> urls_after(int64_t after_seq, int limit) = 0;
  // max_urls > 0: at most that many URLs (what the member has room for).
  // releases_first: release_slots() calls applied first in the lease's
  // transaction (no round trip of their own), whether or not it grants one.
  virtual std::optional<Lease> lease(const SharedPolicy& policy, int max_urls = 0,
                                     const std::vector<SlotRelease>& releases_first = {}) = 0;
  virtual bool finish(const LeaseOutcome& outcome) = 0;
  // Gives back `count` of the host slots a lease holds, for fetches of it
  // that ended (their outcomes still go with finish()), so that the host's
  // capacity can be leased again before the lease's last fetch ends. `held`:
  // the slots the lease holds before this release, as the member counts
  // them (its URLs at the grant, less its releases); the lease keeps at
  // least one. Changes nothing when the lease does not hold `held` slots
  // (taken back, or this very release was applied and its answer lost),
  // when it is a robots.txt lease, or when its host has a delay (one fetch
  // at a time there: its slot is given back by finish(), with the delay).
  virtual void release_slots(int64_t lease, const std::string& host, int64_t held, int64_t count) = 0;
  // finish(), then urls_after(after_seq, limit) into `learned` (also when
  // the finish was refused): in fewer round trips where the store can.
  virtual bool finish_and_learn(const LeaseOutcome& outcome, int64_t after_seq, int limit,
                                std::vector<FrontierEntry>& learned) {
    const bool applied = finish(outcome);
    learned = urls_after(after_seq, limit);
    return applied;
  }
  // finish_and_learn() (finish() when learn_limit is 0), then lease(): in
  // one transaction where the store can, so that a member whose lease ended
  // asks for the next in the same round trip. The lease is asked for whether
  // or not the finish was applied.
  struct FinishedThenLeased {
    bool applied = false;
    std::vector<FrontierEntry> learned;
    std::optional<Lease> lease;
  };
  virtual FinishedThenLeased finish_then_lease(const LeaseOutcome& outcome, int64_t after_seq, int learn_limit,
                                               const SharedPolicy& policy, int max_urls,
                                               const std::vector<SlotRelease>& releases_first) {
    FinishedThenLeased done;
    done.applied = learn_limit > 0 ? finish_and_learn(outcome, after_seq, learn_limit, done.learned) : finish(outcome);
    done.lease = lease(policy, max_urls, releases_first);
    return done;
  }
  virtual bool heartbeat() = 0;
  // After heartbeat() said this member was declared dead: registers it again
  // as a new member of the same run; false when the run is done.
  virtual bool rejoin() = 0;
  virtual int reap(int64_t lease_lifetime_ms) = 0;
  // The run's queued URLs (pages; sitemaps not counted), counting stops at
  // `cap` so that a large run's count stays cheap: for the progress line.
  virtual int64_t queued(int64_t cap) = 0;
  virtual bool finished(const SharedPolicy& policy) = 0;
  virtual RunState leave(bool interrupted) = 0;
  // This member's id on the server (0 before join).
  virtual int64_t member() const = 0;
};

}  // namespace forager::storage
