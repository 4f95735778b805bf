// The coordinator: runs the poll loop of a crawl, hands URLs to the worker
// processes, turns their results into records, commits them to the store in
// batches, and replaces workers that die. The crawl policy it applies lives in
// crawler/frontier: Frontier (what is queued), HostSlots (when a host may be
// fetched), RobotsCache (robots.txt per origin), HostHealth (hosts that fail
// or ask to slow down, per-host budgets), RetryPolicy (what is tried again and
// when), SitemapQueue (--sitemaps), Scope and the trap filter.
//
// Data flow: seeds -> Frontier (per-origin queues) -> dispatch (RobotsCache,
// HostHealth, HostSlots, --max-pages) -> FetchTask to a worker (WorkerChooser: the one
// holding the host's idle connection, else the least busy) ->
// FetchResult -> RobotsCache / SitemapQueue for their own fetches; for pages,
// HostHealth, then RetryPolicy (requeue) / redirect hop (redirect_error) /
// record + discovered links (Scope, trap filter) -> Batch -> Store.
//
// The worker lifecycle (config, messages, deaths, stalls, recycling) is in
// coordinator_workers.cc; a shared run (every crawl on a store that has one:
// PostgreSQL, where several members may crawl one run) in coordinator_shared.cc: there the server's host leases
// replace the Frontier and the HostSlots' say over when a host may be
// fetched, and every outcome goes back with its lease (storage/shared_run.h),
// through a StoreThread (store_thread.h) so that the loop never waits for a
// transaction; everything else in coordinator.cc.
//
// The Store, WorkerPool, Clock and SignalPipe must outlive the Coordinator.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crawler/cookie_jar.h"
#include "crawler/crawl_options.h"
#include "crawler/frontier/frontier.h"
#include "crawler/frontier/host_health.h"
#include "crawler/frontier/host_slots.h"
#include "crawler/frontier/known_urls.h"
#include "crawler/frontier/retry_policy.h"
#include "crawler/frontier/robots_cache.h"
#include "crawler/frontier/scope.h"
#include "crawler/frontier/sitemap_queue.h"
#include "crawler/progress.h"
#include "crawler/store_thread.h"
#include "crawler/util/clock.h"
#include "crawler/util/signals.h"
#include "crawler/worker_chooser.h"
#include "crawler/worker_pool.h"
#include "storage/crawl_store.h"

namespace forager {

struct CrawlSummary {
  int64_t run = 0;
  bool resumed = false;
  bool shared = false;          // a member of a shared run (PostgreSQL) ...
  bool joined = false;          // ... that joined it while other members crawled it
  storage::RunState run_state = storage::RunState::kDone;  // a shared run's state when this member left
  storage::RunState state = storage::RunState::kDone;
  int stop_signal = 0;          // SIGINT/SIGTERM when stopped by one
  std::string warc_error;       // set when stopped because a WARC file could not be written
  int64_t pages = 0;            // records written by this process
  int64_t fetched = 0;          // ... of which for a response (not robots refusals, crashes, ...)
  int64_t errors = 0;
  int64_t elapsed_ms = 0;
  int64_t queued_left = 0;
  int64_t workers_replaced = 0;
  int64_t workers_recycled = 0;
};

class Coordinator {
 public:
  Coordinator(CrawlOptions options, Scope scope, storage::CrawlStore& store, WorkerPool& pool,
              SignalPipe& signals, const Clock& clock, Progress& progress);

  // Runs (or resumes) the job's run to its end: frontier empty, a budget
  // reached, or a stop signal. Throws storage::StoreError if the store fails.
  CrawlSummary run();

  // The crawl's cookie jar: set it (--cookies) before run(); after run() it
  // holds every cookie the crawl ended with (--save-cookies). Unused with
  // --no-cookies.
  void set_cookies(CookieJar jar) { cookies_ = std::move(jar); }
  const CookieJar& cookies() const { return cookies_; }

 private:
  // A task handed to a worker.
  struct Task {
    protocol::Purpose purpose = protocol::Purpose::kPage;
    size_t worker = 0;
    std::string host;        // politeness slot it holds
    PendingUrl page;         // for kPage
    std::string origin;      // for kRobots: the origin whose robots.txt this is
    std::optional<storage::PageRecord> previous;  // re-crawls: the job's last record of the URL
    std::string sitemap_url;  // for kSitemap
    int64_t lease = 0;        // a shared run: the lease it belongs to
  };
  // What a lease's outcome adds to the counters once its finish committed.
  struct Tally {
    int64_t pages = 0, errors = 0, unfetched = 0;
  };
  // A shared run: a lease this member holds, and what its fetches produced.
  struct LeaseWork {
    storage::LeaseOutcome outcome;
    std::string robots_origin;  // a robots.txt lease
    int outstanding = 0;        // its tasks in flight
    std::deque<storage::LeasedUrl> waiting;  // granted, not started yet: no worker had room
    Tally tally;
    int64_t granted = 0;        // URLs of the lease
    int64_t slots = 0;          // host slots it holds on the server: granted, less those released
  };

  void load_or_seed();
  void discover(const std::string& url, int depth, const std::string& referrer);
  void refill_window(const std::string& origin);
  void dispatch();
  bool dispatch_origin(const std::string& origin, int64_t now);
  bool send_task(const std::string& host, Task task, const std::string& url, int64_t now,
                 bool isolated);
  void start_robots_fetch(const std::string& origin, const std::string& url, int64_t now);
  // The worker for a fetch of `host` (WorkerChooser; "" for any host), or
  // none when every worker is saturated.
  std::optional<size_t> pick_worker(const std::string& host, bool isolated);
  void settle_depth(PendingUrl& p);

  void handle_result(size_t slot, protocol::FetchResult result);
  // Takes the cookie changes a worker reported into the jar and queues them
  // for every other worker.
  void share_cookies(size_t slot, const std::vector<std::string>& lines);
  void handle_page_result(Task task, protocol::FetchResult& result);
  void handle_robots_result(Task task, const protocol::FetchResult& result);
  void handle_sitemap_result(Task task, const protocol::FetchResult& result);
  void queue_sitemap(const std::string& origin, const std::string& url);
  void dispatch_sitemaps(int64_t now);
  // Whether this run's rules differ from the previous run's (as recorded in
  // its options); false on a first run.
  bool rules_changed();
  bool maybe_retry(PendingUrl& page, const protocol::FetchResult& result);
  // A worker could not write a fetch's WARC records (error "warc"): nothing
  // of that fetch is stored, its URL is queued again, and the crawl stops
  // as on a signal (the run stays resumable).
  void stop_for_warc(Task task);
  // Queues a counted page again (a retry, or one a dead worker held), in the store too.
  void requeue(PendingUrl page);
  void follow_redirect(PendingUrl page, const protocol::FetchResult& result);
  // Stores the record and queues its links, or only `follow` when the rules'
  // follow selectors restricted which links the crawl takes.
  void complete(const PendingUrl& page, storage::PageRecord record,
                const std::vector<std::string>* follow = nullptr);
  void complete_without_fetch(const PendingUrl& page, const std::string& error);

  // Worker lifecycle (coordinator_workers.cc).
  void send_config(size_t slot);
  void handle_worker_messages(size_t slot);
  void handle_deaths();
  void kill_stalled_workers();
  void recycle_workers();
  void note_worker_event(size_t slot, const char* event);

  // Shared runs (coordinator_shared.cc).
  void join_shared();
  void refresh_seeds();
  void shared_upkeep(int64_t now);
  void dispatch_shared(int64_t now);
  int free_transfers();  // transfers the usable workers could start now
  void start_lease(storage::Lease lease, int64_t now);
  // Starts the lease's waiting URLs while the workers have room; true when
  // the lease has nothing left to start or wait for.
  bool run_waiting(int64_t lease, LeaseWork& work, int64_t now);
  // The StoreThread's completions: grants started, finishes counted, upkeep.
  void take_store_completions(int64_t now);
  void on_finished(StoreThread::Finished& done);
  void on_upkeep(StoreThread::UpkeepDone& done);
  void adopt_seeds(const std::vector<storage::FrontierEntry>& seeds);
  // The loop is over: every posted request is done, the thread ended.
  void close_store_thread();
  void shared_unfetched(int64_t lease);
  void start_shared_robots_fetch(int64_t lease, LeaseWork& work, int64_t now);
  void task_over(int64_t lease);
  // Gives the server back the slots of the lease's fetches that ended while
  // others of it still run, a part of the lease at a time.
  void release_ended(int64_t lease, LeaseWork& work);
  void finish_lease(int64_t lease);
  void shared_complete(const PendingUrl& page, storage::PageRecord record, const std::vector<std::string>& follow);
  void shared_requeue(PendingUrl page, int64_t wait_ms);
  // Links found under a lease (a page's, or a sitemap's pages) go to the
  // server with it: in scope, not traps, not sent before, within --max-depth.
  void shared_links(int64_t lease, const std::vector<std::string>& links, int depth, const std::string& referrer);
  // --sitemaps: a sitemap URL becomes an entry of the run's frontier
  // (depth kSitemapDepth), leased under its host like a page; at most
  // kMaxSitemapsPerOrigin a member, per origin.
  void shared_sitemap(int64_t lease, const std::string& url);
  bool start_shared_sitemap(PendingUrl page, int64_t now);
  void shared_sitemap_done(const PendingUrl& page);
  // A page result's connection failure (or response) for the lease's host,
  // which the server counts for the whole run (fleet-wide give-up).
  void shared_note(int64_t lease, const protocol::FetchResult& result);
  void shared_robots_answer(int64_t lease, const std::string& origin, const protocol::FetchResult& result);
  bool shared_finished() const;

  void commit_if_due(bool force);
  void handle_signals();
  bool finished() const;
  int poll_timeout_ms() const;
  void poll_once();
  CrawlCounters counters() const;

  CrawlOptions options_;
  Scope scope_;
  storage::CrawlStore& store_;
  WorkerPool& pool_;
  SignalPipe& signals_;
  const Clock& clock_;
  Progress& progress_;

  storage::RunInfo run_;
  bool recrawl_ = false;           // the job has an earlier run to compare with
  bool conditional_requests_ = true;  // send If-None-Match / If-Modified-Since on re-crawls
  Frontier frontier_;
  HostSlots slots_;
  RetryPolicy retry_;
  HostHealth hosts_;
  RobotsCache robots_;
  SitemapQueue sitemaps_;
  std::unordered_map<uint64_t, Task> tasks_;
  uint64_t next_task_id_ = 1;
  WorkerChooser chooser_;          // host affinity of fetches to workers
  std::vector<WorkerChooser::Load> loads_;  // pick_worker's scratch
  int64_t next_seq_ = 0;
  int64_t pages_counted_ = 0;      // fetches counted against --max-pages
  size_t counted_waiting_ = 0;     // counted pages queued again (retries, hops)
  storage::Batch batch_;
  size_t batch_ops_ = 0;
  int64_t batch_started_ms_ = 0;

  int64_t started_ms_ = 0;
  // The earliest moment a host that the last dispatch() left waiting on its
  // politeness delay may start (INT64_MAX: none): the loop wakes then.
  int64_t next_ready_ms_ = INT64_MAX;
  // Origins whose next URL waits on its host's politeness delay, and until
  // when: dispatch() passes them over until then instead of looking at each
  // one on every turn of the loop (a broad crawl has hundreds waiting).
  std::unordered_map<std::string, int64_t> origin_ready_ms_;
  int64_t memory_checked_ms_ = 0;
  bool stopping_ = false;          // no new dispatches
  bool abandon_ = false;           // second signal: do not wait for in-flight
  int stop_signal_ = 0;
  std::string warc_error_;         // why the crawl stopped on a WARC write failure
  int64_t stop_deadline_ms_ = 0;
  bool budget_reached_ = false;
  bool all_workers_started_ = false;  // every first worker said Ready (or the wait ran out)
  CrawlCounters counters_;
  CookieJar cookies_;
  // Per worker slot: the jar changes it has not been sent yet, by cookie key
  // (its whole jar after a (re)start); they go with its next FetchBatch.
  std::vector<std::map<std::string, std::string>> cookie_outbox_;
  int64_t unfetched_records_ = 0;  // records completed without a response
  storage::SharedRun* shared_ = nullptr;  // set for a shared run
  storage::SharedPolicy policy_;
  std::unordered_map<int64_t, LeaseWork> leases_;
  std::unique_ptr<StoreThread> store_thread_;  // a shared run's store traffic, off the loop
  bool store_closed_ = false;
  std::unordered_map<int64_t, Tally> finishing_;  // finishes posted, not committed yet
  int lease_requests_ = 0;         // posted, not granted (or refused) yet
  int64_t requested_urls_ = 0;     // ... for at most that many URLs
  bool upkeep_pending_ = false;
  int64_t shared_queued_ = 0;  // the run's queued URLs at the last upkeep (the server's count)
  KnownUrls known_;                // URLs the server holds: links not sent again
  int64_t next_lease_ms_ = 0;
  int64_t last_grant_ = 0;         // URLs of the last lease granted (dispatch_shared)
  int64_t next_upkeep_ms_ = 0;
  int64_t seeds_seen_seq_ = 0;     // the run's seeds read so far
  std::unordered_map<std::string, size_t> shared_sitemaps_;  // sitemap entries this member sent, per origin
  bool run_over_ = false;          // the shared run has nothing left for anyone
  // Referrers of the shorter paths found to URLs still waiting (Frontier::lower_depth).
  std::unordered_map<std::string, std::string> shorter_referrers_;
};

}  // namespace forager
