// The Coordinator as a member of a shared run (every crawl on PostgreSQL;
// storage/shared_run.h): several members crawl one run through one store. The server decides
// which member may fetch which host when (host leases), so the in-memory
// Frontier stays empty: URLs come with a lease, and every outcome (records,
// links, retries, redirect hops, robots.txt, a raised host delay) goes back
// with it in one transaction, which the server refuses when the lease was
// taken back. RobotsCache, HostHealth, RetryPolicy, Scope and the trap filter
// work as in a crawl of one's own.
//
// The loop never waits for the server: grants, finishes and upkeep are
// requests to the StoreThread (store_thread.h), whose completions the loop
// picks up. The next lease is asked for before the workers run dry (its URLs
// wait in the member while no worker has room); a finish's records and
// links count only once it committed; KnownUrls keeps links the server holds
// from being sent again.
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "crawler/coordinator.h"
#include "crawler/frontier/sitemap_queue.h"
#include "crawler/frontier/traps.h"
#include "crawler/shared_policy.h"
#include "crawler/util/url.h"

namespace forager {
namespace {

constexpr int64_t kUpkeepEveryMs = 1000;   // heartbeat, dead members, new seeds
constexpr int64_t kLeaseRetryMs = 25;      // after no host was ready to lease
// A lease holds its host's slots until every one of its URLs is done, so a
// lease as big as this member's capacity leaves workers idle while its last
// fetches finish; a small one costs a transaction pair per few pages. A lease
// takes at most 1/kLeaseParts of the capacity (bench/scale-out.sh: on one big
// host without a delay, 2 did better than 1 and 4; bench/RESULTS.md).
constexpr int kLeaseParts = 2;
// URLs of the run read after each finish, at most (KnownUrls::learn).
constexpr int kLearnLimit = 2000;
// A lease gives back the slots of its ended fetches once 1/kReleaseParts
// of it ended while others still run (a host without a delay only), so that
// its host's capacity is leased again before its last fetch ends.
constexpr int64_t kReleaseParts = 2;

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

storage::LeasedUrl leased_of(const PendingUrl& p) {
  storage::LeasedUrl u;
  u.entry.seq = p.seq;
  u.entry.url = p.url;
  u.entry.depth = p.depth;
  u.entry.referrer = p.referrer;
  u.entry.attempts = p.attempts;
  u.entry.crashes = p.crashes;
  u.target = p.redirect_target;
  u.chain = p.chain;
  u.last_status = p.last_status;
  u.counted = true;
  return u;
}

PendingUrl pending_of(const storage::LeasedUrl& u, int64_t lease) {
  PendingUrl p;
  p.seq = u.entry.seq;
  p.url = u.entry.url;
  p.redirect_target = u.target;
  p.chain = u.chain;
  p.referrer = u.entry.referrer;
  p.depth = u.entry.depth;
  p.attempts = u.entry.attempts;
  p.crashes = u.entry.crashes;
  p.last_status = u.last_status;
  p.counted = true;
  p.lease = lease;
  return p;
}

}  // namespace

void Coordinator::join_shared() {
  const nlohmann::json mine = to_json(options_);
  run_ = shared_->join(
      options_.job, mine.dump(), policy_,
      [&](const std::string& recorded) { return policy_difference(mine, recorded); }, host_name(),
      static_cast<int>(::getpid()));
  std::vector<storage::FrontierEntry> seeds;
  for (const auto& seed : options_.seeds) {
    storage::FrontierEntry e;
    e.url = seed;
    e.origin = url::origin(seed);
    seeds.push_back(std::move(e));
  }
  // --sitemaps without robots.txt: each seed's /sitemap.xml right away (with
  // robots.txt, its Sitemap lines and /sitemap.xml come with its answer).
  if (options_.sitemaps && options_.ignore_robots) {
    for (const auto& seed : options_.seeds) {
      storage::FrontierEntry e;
      e.origin = url::origin(seed);
      e.url = e.origin + "/sitemap.xml";
      e.depth = storage::kSitemapDepth;
      if (!scope_.in_scope(e.url) || known_.known(e.url)) continue;
      known_.learn(e.url);
      ++shared_sitemaps_[e.origin];
      seeds.push_back(std::move(e));
    }
  }
  shared_->add_seeds(seeds);
  for (const auto& seed : seeds) known_.learn(seed.url);  // the server holds them now
  if (run_.other_members > 0) {
    std::fprintf(stderr, "forager crawl: joining run %lld of job '%s', crawled by %lld other member%s\n",
                 static_cast<long long>(run_.id), options_.job.c_str(), static_cast<long long>(run_.other_members),
                 run_.other_members == 1 ? "" : "s");
  } else if (run_.resumed) {
    std::fprintf(stderr, "forager crawl: resuming run %lld of job '%s' (nobody was crawling it)\n",
                 static_cast<long long>(run_.id), options_.job.c_str());
  }
  refresh_seeds();
  next_upkeep_ms_ = clock_.now_ms() + kUpkeepEveryMs;
}

// Before the store thread starts (join): the run's seeds so far.
void Coordinator::refresh_seeds() { adopt_seeds(shared_->seeds_after(seeds_seen_seq_)); }

// Every member's scope follows every seed of the run, whoever gave it.
void Coordinator::adopt_seeds(const std::vector<storage::FrontierEntry>& seeds) {
  for (const auto& seed : seeds) {
    scope_.add_seed(seed.url);
    known_.learn(seed.url);
    if (options_.sitemaps) sitemaps_.track(url::origin(seed.url));
    seeds_seen_seq_ = std::max(seeds_seen_seq_, seed.seq);
  }
}

void Coordinator::shared_upkeep(int64_t now) {
  take_store_completions(now);
  if (now >= next_upkeep_ms_ && !upkeep_pending_) {  // heartbeat, dead members, new seeds
    next_upkeep_ms_ = now + kUpkeepEveryMs;
    upkeep_pending_ = true;
    store_thread_->post(StoreThread::Upkeep{policy_.lease_lifetime_ms, !stopping_, seeds_seen_seq_});
  }
  // robots.txt leases: (re)start their fetch, or give them back when
  // stopping; so are URLs still waiting for a worker.
  std::vector<int64_t> idle;
  for (auto& [id, work] : leases_) {
    if (stopping_) {
      for (storage::LeasedUrl& leased : work.waiting) shared_requeue(pending_of(leased, id), 0);
      work.waiting.clear();
    }
    if (work.outstanding > 0) continue;
    if (stopping_ || work.outcome.robots) {
      idle.push_back(id);
    } else if (!work.robots_origin.empty()) {
      start_shared_robots_fetch(id, work, now);
    }
  }
  for (int64_t id : idle) finish_lease(id);
}

void Coordinator::take_store_completions(int64_t now) {
  if (!store_thread_) return;
  for (StoreThread::Completion& completion : store_thread_->take()) {
    if (auto* leased = std::get_if<StoreThread::Leased>(&completion)) {
      --lease_requests_;
      requested_urls_ -= leased->max_urls;
      if (store_closed_) continue;  // the loop is over: leave() gives it back
      if (!leased->lease) {
        next_lease_ms_ = now + kLeaseRetryMs;
        if (leased->run_finished) run_over_ = true;
        continue;
      }
      last_grant_ = static_cast<int64_t>(leased->lease->urls.size());
      start_lease(std::move(*leased->lease), now);
    } else if (auto* finished = std::get_if<StoreThread::Finished>(&completion)) {
      on_finished(*finished);
    } else if (auto* upkeep = std::get_if<StoreThread::UpkeepDone>(&completion)) {
      on_upkeep(*upkeep);
    }
  }
}

void Coordinator::on_finished(StoreThread::Finished& done) {
  const storage::LeaseOutcome& outcome = done.outcome;
  for (const storage::FrontierEntry& e : done.learned) known_.learn(e.url);
  Tally tally;
  if (auto it = finishing_.find(outcome.lease); it != finishing_.end()) {
    tally = it->second;
    finishing_.erase(it);
  }
  if (done.applied) {  // committed: counted, and its links are the server's
    counters_.pages += tally.pages;
    counters_.errors += tally.errors;
    unfetched_records_ += tally.unfetched;
    for (const storage::FrontierEntry& e : outcome.discovered) known_.committed(e.url);
    return;
  }
  for (const storage::FrontierEntry& e : outcome.discovered) known_.dropped(e.url);
  std::fprintf(stderr,
               "\nforager: lease %lld on %s was taken back (this member was silent too long); "
               "its %zu records were refused and will be fetched again\n",
               static_cast<long long>(outcome.lease), outcome.host.c_str(), outcome.completed.size());
}

void Coordinator::on_upkeep(StoreThread::UpkeepDone& done) {
  upkeep_pending_ = false;
  shared_queued_ = done.queued;
  if (!done.declared_dead) {
    if (!stopping_) adopt_seeds(done.seeds);
    return;
  }
  // Declared dead (stopped, or cut off, for longer than a lease lifetime):
  // its leases were taken back and their results would be refused.
  std::fprintf(stderr,
               "\nforager: this member was silent for longer than its lease lifetime (%lld ms); "
               "its %zu leases were taken back, it joins the run again\n",
               static_cast<long long>(policy_.lease_lifetime_ms), leases_.size());
  for (const auto& [id, work] : leases_)
    for (const storage::FrontierEntry& e : work.outcome.discovered) known_.dropped(e.url);
  leases_.clear();
  if (done.run_over) run_over_ = true;
}

void Coordinator::close_store_thread() {
  if (!store_thread_) return;
  store_thread_->close();
  store_closed_ = true;
  take_store_completions(clock_.now_ms());
  store_thread_.reset();
}

int Coordinator::free_transfers() {
  int free = 0;
  pick_worker("", false);  // fills loads_
  for (const auto& load : loads_)
    if (load.usable) free += std::max(0, options_.concurrency - load.in_flight);
  return free;
}

// Leases of up to a chunk (1/kLeaseParts of the capacity), asked for ahead:
// while leases are held, the next is asked for once half as many transfers
// are free (counting URLs already waiting, and those asked for) as the last
// grant had URLs (up to a chunk): one URL at a time for hosts with a delay,
// chunks for a big host without one, and not one transaction per freed slot.
// Its URLs wait in the member until workers have room.
void Coordinator::dispatch_shared(int64_t now) {
  std::vector<int64_t> done;
  int64_t waiting = 0;
  for (auto& [id, work] : leases_) {
    if (work.waiting.empty()) continue;
    if (run_waiting(id, work, now) && work.outstanding == 0) done.push_back(id);
    waiting += static_cast<int64_t>(work.waiting.size());
  }
  for (int64_t id : done) finish_lease(id);
  if (budget_reached_ || run_over_ || now < next_lease_ms_ || lease_requests_ >= StoreThread::kLeaseRequests) return;
  if (!pick_worker("", false)) return;
  const int chunk = std::max(1, static_cast<int>(pool_.workers().size()) * options_.concurrency / kLeaseParts);
  const int64_t need = leases_.empty() ? 1 : std::min<int64_t>(chunk, std::max<int64_t>(1, last_grant_));
  const int64_t room = free_transfers() + need / 2 - waiting - requested_urls_;
  if (room < need) return;
  const int max_urls = static_cast<int>(std::min<int64_t>(chunk, room));
  // With nothing held here, a refusal asks whether the run is over (the
  // finishes posted before it are done by then: one request at a time).
  const bool idle = leases_.empty() && tasks_.empty() && lease_requests_ == 0;
  store_thread_->post(StoreThread::LeaseWanted{max_urls, idle});
  ++lease_requests_;
  requested_urls_ += max_urls;
}

void Coordinator::start_lease(storage::Lease lease, int64_t now) {
  for (const storage::LeasedUrl& leased : lease.urls) known_.learn(leased.entry.url);  // the server holds them
  LeaseWork& work = leases_[lease.id];
  work.outcome.lease = lease.id;
  work.outcome.host = lease.host;
  work.granted = work.slots = static_cast<int64_t>(lease.urls.size());
  if (stopping_) {  // granted after the stop: back to the server as they were
    work.robots_origin = lease.robots_origin;
    for (storage::LeasedUrl& leased : lease.urls) shared_requeue(pending_of(leased, lease.id), 0);
    return finish_lease(lease.id);
  }
  for (const auto& answer : lease.robots)
    if (!robots_.ready(answer.origin)) robots_.adopt(answer.origin, answer.status, answer.error, answer.body);
  if (!lease.robots_origin.empty()) {
    work.robots_origin = lease.robots_origin;
    robots_.fetch_lost(work.robots_origin);  // the server holds no answer: fetch it
    start_shared_robots_fetch(lease.id, work, now);
    return;
  }
  if (!lease.given_up_error.empty()) hosts_.adopt_given_up(lease.host, lease.given_up_error);
  work.waiting.assign(std::make_move_iterator(lease.urls.begin()), std::make_move_iterator(lease.urls.end()));
  if (run_waiting(lease.id, work, now) && work.outstanding == 0) finish_lease(lease.id);
}

bool Coordinator::run_waiting(int64_t lease, LeaseWork& work, int64_t now) {
  while (!work.waiting.empty()) {
    storage::LeasedUrl& leased = work.waiting.front();
    PendingUrl page = pending_of(leased, lease);
    const std::string host = url::host(page.target());
    if (page.depth == storage::kSitemapDepth) {
      if (hosts_.given_up_error(host)) {
        shared_sitemap_done(page);
      } else if (!pick_worker(host, false)) {
        return false;  // waits for room
      } else if (start_shared_sitemap(std::move(page), now)) {
        ++work.outstanding;
      }
      work.waiting.pop_front();
      continue;
    }
    const std::string origin = url::origin(page.target());
    if (!options_.ignore_robots && robots_.ready(origin) &&
        !robots_.allowed(origin, url::path_and_query(page.target()))) {
      complete_without_fetch(page, robots_.refusal(origin));
    } else if (const std::string* error = hosts_.given_up_error(host)) {
      complete_without_fetch(page, *error);
    } else if (const bool isolated = page.crashes > 0; !pick_worker(host, isolated)) {
      if (!isolated) return false;  // waits for room
      shared_requeue(std::move(page), 0);  // wants a worker of its own: back to the server as it was
    } else {
      Task task;
      task.purpose = protocol::Purpose::kPage;
      task.lease = lease;
      if (recrawl_) task.previous = std::move(leased.previous);  // it came with the lease
      const std::string fetch_url = page.target();
      task.page = std::move(page);
      if (!send_task(host, std::move(task), fetch_url, now, isolated)) return false;
      ++work.outstanding;
    }
    work.waiting.pop_front();
  }
  return true;
}

bool Coordinator::start_shared_sitemap(PendingUrl page, int64_t now) {
  const std::string host = url::host(page.url);
  Task task;
  task.purpose = protocol::Purpose::kSitemap;
  task.origin = url::origin(page.url);
  task.sitemap_url = page.url;
  task.lease = page.lease;
  task.page = std::move(page);
  const std::string url = task.sitemap_url;
  return send_task(host, std::move(task), url, now, false);
}

void Coordinator::shared_sitemap(int64_t lease, const std::string& url) {
  auto it = leases_.find(lease);
  if (it == leases_.end() || !scope_.in_scope(url) || known_.known(url)) return;
  storage::FrontierEntry e;
  e.url = url;
  e.origin = url::origin(url);
  e.depth = storage::kSitemapDepth;
  size_t& sent = shared_sitemaps_[e.origin];
  if (sent >= kMaxSitemapsPerOrigin || !known_.claim(url)) return;  // an index of indexes cannot run on forever
  ++sent;
  it->second.outcome.discovered.push_back(std::move(e));
}

void Coordinator::shared_sitemap_done(const PendingUrl& page) {
  auto it = leases_.find(page.lease);
  if (it != leases_.end()) it->second.outcome.fetched_without_record.push_back(page.seq);
}

void Coordinator::shared_note(int64_t lease, const protocol::FetchResult& result) {
  auto it = leases_.find(lease);
  if (it == leases_.end()) return;
  storage::LeaseOutcome& outcome = it->second.outcome;
  if (HostHealth::connection_failure(result)) {
    ++outcome.connection_failures;
    outcome.failure_error = result.error;
  } else if (result.status > 0) {
    outcome.responded = true;
    outcome.connection_failures = 0;  // counted from the last response
  }
}

void Coordinator::start_shared_robots_fetch(int64_t lease, LeaseWork& work, int64_t now) {
  auto url = robots_.due_fetch(work.robots_origin, now);
  if (!url) return;
  const std::string host = url::host(*url);
  if (!slots_.can_start(host, now)) return;
  Task task;
  task.purpose = protocol::Purpose::kRobots;
  task.origin = work.robots_origin;
  task.lease = lease;
  if (!send_task(host, std::move(task), *url, now, false)) return;
  robots_.fetch_started(work.robots_origin);
  ++work.outstanding;
}

void Coordinator::shared_robots_answer(int64_t lease, const std::string& origin, const protocol::FetchResult& result) {
  auto it = leases_.find(lease);
  if (it == leases_.end()) return;
  it->second.outcome.robots = storage::RobotsAnswer{origin, result.status, result.error, result.body};
}

void Coordinator::task_over(int64_t lease) {
  auto it = leases_.find(lease);
  if (it == leases_.end()) return;  // forgotten: this member lost it
  LeaseWork& work = it->second;
  if (--work.outstanding > 0 || !work.waiting.empty()) return release_ended(lease, work);
  work.outstanding = 0;
  // A robots.txt lease waits for the answer (a retry or a redirect hop is
  // fetched under it); shared_upkeep gives it back when stopping.
  if (!work.robots_origin.empty() && !work.outcome.robots && !stopping_) return;
  finish_lease(lease);
}

void Coordinator::release_ended(int64_t lease, LeaseWork& work) {
  if (!work.robots_origin.empty() || stopping_ || store_closed_) return;
  const std::string& host = work.outcome.host;
  if (std::max(options_.delay_ms, slots_.delay(host)) > 0) return;  // one fetch at a time: finish gives it back
  const int64_t running = static_cast<int64_t>(work.waiting.size()) + work.outstanding;  // their slots stay held
  const int64_t ended = work.slots - running;
  if (running <= 0 || ended < std::max<int64_t>(1, work.granted / kReleaseParts)) return;
  store_thread_->post(StoreThread::Release{lease, host, work.slots, ended});
  work.slots = running;
  next_lease_ms_ = 0;  // the next grant may take them at once
}

// Posts the lease's outcome; what it counts waits for the commit (on_finished).
void Coordinator::finish_lease(int64_t lease) {
  auto it = leases_.find(lease);
  if (it == leases_.end() || store_closed_) return;
  storage::LeaseOutcome outcome = std::move(it->second.outcome);
  finishing_[lease] = it->second.tally;
  leases_.erase(it);
  outcome.host_delay_ms = std::max(options_.delay_ms, slots_.delay(outcome.host));
  // Then what the others sent since the last look: links this member finds
  // later are not sent again (a read on the store thread, off the loop).
  store_thread_->post(StoreThread::Finish{std::move(outcome), kLearnLimit});
  next_lease_ms_ = 0;  // it frees its host's slots: the next grant may follow it at once
}

void Coordinator::shared_complete(const PendingUrl& page, storage::PageRecord record,
                                  const std::vector<std::string>& follow) {
  auto it = leases_.find(page.lease);
  if (it == leases_.end()) return;  // its lease was lost: the fence would refuse it anyway
  shared_links(page.lease, follow, page.depth + 1, page.url);
  ++it->second.tally.pages;
  if (!record.error.empty()) ++it->second.tally.errors;
  it->second.outcome.completed.push_back({page.seq, std::move(record)});
}

void Coordinator::shared_unfetched(int64_t lease) {
  if (auto it = leases_.find(lease); it != leases_.end()) ++it->second.tally.unfetched;
}

void Coordinator::shared_links(int64_t lease, const std::vector<std::string>& links, int depth,
                               const std::string& referrer) {
  auto it = leases_.find(lease);
  if (it == leases_.end() || (options_.max_depth && depth > *options_.max_depth)) return;
  for (const std::string& link : links) {
    // KnownUrls only saves sending links the server holds (or that are on
    // their way to it); the server's unique key makes a URL queued once.
    if (known_.known(link) || !scope_.follows(link) || looks_like_trap(link, options_.max_query_params) ||
        !known_.claim(link))
      continue;
    storage::FrontierEntry e;
    e.url = link;
    e.depth = depth;
    e.referrer = referrer;
    e.origin = url::origin(link);
    it->second.outcome.discovered.push_back(std::move(e));
  }
}

void Coordinator::shared_requeue(PendingUrl page, int64_t wait_ms) {
  auto it = leases_.find(page.lease);
  if (it == leases_.end()) return;
  it->second.outcome.requeued.push_back({leased_of(page), wait_ms});
}

// Done when nothing is in flight here and every finish committed (or, when
// stopping, at the second signal or the deadline: close_store_thread still
// lets every posted finish commit).
bool Coordinator::shared_finished() const {
  const bool idle = tasks_.empty() && leases_.empty() && finishing_.empty() && lease_requests_ == 0;
  if (stopping_) return idle || abandon_ || clock_.now_ms() >= stop_deadline_ms_;
  return run_over_ && idle;
}

}  // namespace forager
