// StoreThread: a shared-run member's store traffic (storage/shared_run.h)
// off the coordinator's poll loop. Every SharedRun operation of the crawl
// (lease, finish, heartbeat / rejoin / reap / new seeds) and the commits of
// the loop's own batches (worker events) run on this one thread, on the
// store's connection, synchronously there: the store's retries, reconnects
// with backoff and the fence work as they do for a caller on one thread.
// The loop posts requests and picks the completions up when fd() is
// readable (an eventfd in its poll set), so that it keeps feeding workers
// and reading their results while a transaction runs.
//
// Contract:
// - Between construction and close(), the SharedRun and the Store belong
//   to this thread: the caller must not touch them (before and after, it
//   may: thread start and join order the accesses).
// - Requests are done one at a time in the order posted, and their
//   completions come back in that order, but for one thing: a slot release
//   posted before a lease request is done in that lease's transaction
//   (SharedRun::lease's releases_first: one round trip fewer), so its
//   completion comes just before the lease's. A lease request queued right
//   behind a finish (slot releases aside) is done in the finish's
//   transaction (SharedRun::finish_then_lease: one round trip fewer), its
//   completion right after the finish's. Nothing the loop owns is touched
//   here: a request carries its data by value, a completion gives it back.
// - A finish's completion says whether it was applied (its commit is the
//   only proof; the caller counts nothing before it), and gives the run's
//   URLs past those read before (SharedRun::urls_after, at most learn_limit):
//   the thread keeps where it is, so each URL is read once.
// - The first operation that throws (StoreError past the store's reconnect
//   window, PolicyError) ends the thread's work: take() rethrows it, and
//   later requests are dropped.
// - The queue is bounded by its caller: a member posts at most
//   kLeaseRequests lease requests, one upkeep, one finish per lease it
//   holds, a few slot releases per lease and a commit per batch at a time.
// - close() lets every posted request be done, then ends the thread (the
//   caller then calls take() for their completions). Signals are blocked in
//   the thread: SIGINT, SIGTERM and SIGCHLD reach the loop's SignalPipe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "crawler/util/unique_fd.h"
#include "storage/crawl_store.h"
#include "storage/shared_run.h"

namespace forager {

class StoreThread {
 public:
  // Lease requests a member may have posted and not yet picked up.
  static constexpr int kLeaseRequests = 2;
  // The upkeep's count of the run's queued URLs stops here (the progress
  // line shows the cap as a floor; counting a huge queue every second would
  // cost the server more than the number is worth).
  static constexpr int64_t kQueuedCountCap = 100000;

  struct LeaseWanted {
    int max_urls = 0;
    bool check_finished = false;  // none granted: ask whether the run is over
  };
  struct Finish {
    storage::LeaseOutcome outcome;
    int learn_limit = 0;            // then read the run's URLs past the last read (urls_after), at most this many
  };
  struct Upkeep {
    int64_t lease_lifetime_ms = 0;
    bool read_seeds = true;
    int64_t seeds_after = 0;
  };
  struct Commit {
    storage::Batch batch;
  };
  struct Release {                  // SharedRun::release_slots
    int64_t lease = 0;
    std::string host;
    int64_t held = 0;
    int64_t count = 0;
  };
  using Request = std::variant<LeaseWanted, Finish, Upkeep, Commit, Release>;

  struct Leased {
    int max_urls = 0;               // what was asked for
    std::optional<storage::Lease> lease;
    bool run_finished = false;
  };
  struct Finished {
    storage::LeaseOutcome outcome;  // given back: the links it sent, its records
    bool applied = false;           // false: the fence refused it
    std::vector<storage::FrontierEntry> learned;  // URLs the server holds, not read before
  };
  struct UpkeepDone {
    bool declared_dead = false;     // joined the run again as a new member ...
    bool run_over = false;          // ... or could not: the run is done
    std::vector<storage::FrontierEntry> seeds;  // seq > seeds_after
    int64_t queued = 0;             // the run's queued URLs, at most kQueuedCountCap
  };
  struct Committed {};
  struct Released {};
  using Completion = std::variant<Leased, Finished, UpkeepDone, Committed, Released>;

  StoreThread(storage::SharedRun& run, storage::CrawlStore& store, storage::SharedPolicy policy);
  ~StoreThread();  // close()
  StoreThread(const StoreThread&) = delete;
  StoreThread& operator=(const StoreThread&) = delete;

  void post(Request request);
  // Readable while completions wait.
  int fd() const { return event_.get(); }
  // The completions so far, in request order; rethrows the store's error.
  std::vector<Completion> take();
  // Requests posted whose completion take() has not given yet.
  size_t outstanding() const { return posted_ - taken_; }
  void close();

 private:
  void main();
  Completion handle(Request& request);
  // With the queue locked, after taking a Finish: the lease request queued
  // next (behind slot releases only, which go to deferred_), taken out of
  // the queue, to ride in the finish's transaction.
  std::optional<LeaseWanted> take_lease_after_finish();
  // SharedRun::finish_then_lease: the Finished, Released and Leased
  // completions, in request order.
  void finish_then_lease(Finish& finish, const LeaseWanted& wanted, std::vector<Completion>& completions);
  // A slot release kept for the next lease's transaction (deferred_).
  void defer(Release& release);
  // A finish's completion (the thread now knows the run's URLs up to the
  // last learned), and a lease request's (asking whether the run is over
  // when none was granted and the request says so).
  Finished finished(Finish& finish, bool applied, std::vector<storage::FrontierEntry> learned);
  Leased leased(const LeaseWanted& wanted, std::optional<storage::Lease> lease);

  storage::SharedRun& run_;
  storage::CrawlStore& store_;
  const storage::SharedPolicy policy_;
  UniqueFd event_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Request> requests_;
  std::vector<Completion> done_;
  std::exception_ptr error_;
  bool closing_ = false;
  size_t posted_ = 0, taken_ = 0;  // the caller's counts
  int64_t learned_seq_ = 0;        // the thread's: the run's URLs read up to this seq
  std::vector<storage::SlotRelease> deferred_;  // the thread's: releases for the next lease request
  std::thread thread_;
};

}  // namespace forager
