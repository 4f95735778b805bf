#include "crawler/coordinator.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <climits>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "crawler/frontier/redirects.h"
#include "crawler/frontier/traps.h"
#include "crawler/recrawl.h"
#include "crawler/shared_policy.h"
#include "crawler/util/url.h"
#include "crawler/wire/error_codes.h"

namespace forager {
namespace {

constexpr size_t kCommitOps = 2000;
constexpr int64_t kCommitEveryMs = 200;
constexpr int64_t kWorkerStartWaitMs = 3000;  // at most, for every worker to say Ready

storage::FrontierEntry entry_of(const PendingUrl& p) {
  storage::FrontierEntry e;
  e.seq = p.seq;
  e.url = p.url;
  e.depth = p.depth;
  e.referrer = p.referrer;
  e.attempts = p.attempts;
  e.crashes = p.crashes;
  e.origin = url::origin(p.url);
  return e;
}

// Where a fetch's result says it was archived, as the store keeps it: its
// own response record, or for a revisit (or a 304) the payload of the
// previous capture it refers to.
storage::WarcCapture capture_of(const protocol::FetchResult& result, const std::string& target,
                                const std::optional<storage::PageRecord>& previous) {
  storage::WarcCapture capture;
  if (result.warc_file.empty()) return capture;
  capture.file = result.warc_file;
  capture.offset = static_cast<int64_t>(result.warc_offset);
  capture.digest = result.payload_digest;
  if (result.revisit || result.status == 304) {
    if (!previous || previous->warc.body_file.empty()) return capture;
    const storage::WarcCapture& before = previous->warc;
    capture.digest = before.digest;
    capture.body_file = before.body_file;
    capture.body_offset = before.body_offset;
    capture.body_record_id = before.body_record_id;
    capture.body_date_ms = before.body_date_ms;
    capture.body_uri = before.body_uri;
    return capture;
  }
  capture.body_file = result.warc_file;
  capture.body_offset = static_cast<int64_t>(result.warc_offset);
  capture.body_record_id = result.warc_record_id;
  capture.body_date_ms = result.fetched_at_ms;
  capture.body_uri = target;
  return capture;
}

PendingUrl pending_of(const storage::FrontierEntry& e) {
  PendingUrl p;
  p.seq = e.seq;
  p.url = e.url;
  p.referrer = e.referrer;
  p.depth = e.depth;
  p.attempts = e.attempts;
  p.crashes = e.crashes;
  return p;
}

}  // namespace

Coordinator::Coordinator(CrawlOptions options, Scope scope, storage::CrawlStore& store, WorkerPool& pool,
                         SignalPipe& signals, const Clock& clock, Progress& progress)
    : options_(std::move(options)),
      scope_(std::move(scope)),
      store_(store),
      pool_(pool),
      signals_(signals),
      clock_(clock),
      progress_(progress),
      slots_(options_.per_host, options_.delay_ms),
      hosts_(slots_, options_.delay_ms, clock_),
      robots_(robots_agent(options_), options_.retries, slots_, retry_, clock_),
      chooser_(options_.concurrency),
      shared_(store.shared_run()),
      policy_(shared_policy(options_)) {}

CrawlSummary Coordinator::run() {
  started_ms_ = clock_.now_ms();
  if (shared_) {
    join_shared();
  } else {
    run_ = store_.open_run(options_.job, to_json(options_).dump());
  }
  batch_.run = run_.id;
  recrawl_ = store_.previous_run(options_.job, run_.id) > 0;
  // A 304 carries no body, so the rules' `follow` selectors could not choose
  // its links, and it keeps the last record's fields: with `follow`, or with
  // rules other than the previous run's, re-crawls fetch pages in full.
  auto rules = nlohmann::json::parse(options_.rules_json, nullptr, false);
  conditional_requests_ = !(rules.is_object() && rules.contains("follow")) && !rules_changed();
  if (!shared_) load_or_seed();
  for (size_t slot = 0; slot < pool_.size(); ++slot) {
    send_config(slot);
    note_worker_event(slot, "start");
  }
  // From here to close_store_thread, the store belongs to the store thread.
  if (shared_) store_thread_ = std::make_unique<StoreThread>(*shared_, store_, policy_);

  for (;;) {
    int64_t now = clock_.now_ms();
    if (!stopping_ && options_.max_time_ms && now - started_ms_ >= *options_.max_time_ms) {
      stopping_ = budget_reached_ = true;
      stop_deadline_ms_ = INT64_MAX;  // wait for what is in flight: it is bounded by --timeout
    }
    kill_stalled_workers();
    recycle_workers();
    if (shared_) shared_upkeep(now);
    dispatch();
    for (auto& w : pool_.workers())
      if (w.channel) w.channel->flush();
    commit_if_due(false);
    progress_.update([this] { return counters(); }, clock_.now_ms());
    if (finished()) break;
    poll_once();
  }
  close_store_thread();  // every request posted is done: the store is the loop's again
  commit_if_due(true);

  CrawlSummary summary;
  summary.run = run_.id;
  summary.resumed = run_.resumed;
  summary.state = stop_signal_ || !warc_error_.empty() ? storage::RunState::kInterrupted : storage::RunState::kDone;
  summary.stop_signal = stop_signal_;
  summary.warc_error = warc_error_;
  summary.shared = shared_ != nullptr;
  summary.joined = run_.other_members > 0;
  if (shared_) {
    summary.run_state = shared_->leave(summary.state == storage::RunState::kInterrupted);  // it ends with its last member
  } else {
    store_.finish_run(run_.id, summary.state);
  }
  summary.pages = counters_.pages;
  summary.fetched = counters_.pages - unfetched_records_;
  summary.errors = counters_.errors;
  summary.elapsed_ms = clock_.now_ms() - started_ms_;
  summary.queued_left = static_cast<int64_t>(frontier_.size());
  summary.workers_replaced = counters_.workers_replaced;
  summary.workers_recycled = counters_.workers_recycled;
  return summary;
}

void Coordinator::load_or_seed() {
  next_seq_ = store_.max_seq(run_.id);
  if (run_.resumed) {
    pages_counted_ = store_.fetched_count(run_.id);
    store_.for_each_frontier_entry(run_.id, [&](const storage::FrontierEntry& e) {
      const bool waiting = e.state == storage::UrlState::kQueued || e.state == storage::UrlState::kLeased;
      if (waiting) {
        frontier_.add_seen(e.url, e.depth);
      } else {
        frontier_.add_seen(e.url);
      }
      if (e.depth == 0) scope_.add_seed(e.url);
      if (!waiting) return;
      frontier_.push_new(pending_of(e), e.origin);  // past each origin's window: left to the store
    });
  }
  for (const auto& seed : options_.seeds) {
    // Sitemaps of a seed's origin are queued once its robots.txt is known.
    if (options_.sitemaps) sitemaps_.track(url::origin(seed));
    if (options_.sitemaps && options_.ignore_robots) queue_sitemap(url::origin(seed), url::origin(seed) + "/sitemap.xml");
    scope_.add_seed(seed);
    if (!frontier_.add_seen(seed)) continue;
    PendingUrl p;
    p.seq = ++next_seq_;
    p.url = seed;
    batch_.discovered.push_back(entry_of(p));
    frontier_.push_new(std::move(p), batch_.discovered.back().origin);
  }
  commit_if_due(true);
}

void Coordinator::discover(const std::string& url, int depth, const std::string& referrer) {
  if (options_.max_depth && depth > *options_.max_depth) return;
  if (frontier_.seen(url)) {  // most links: one hash lookup
    // A shorter path to a page still waiting: it is fetched at that depth.
    if (frontier_.lower_depth(url, depth)) shorter_referrers_[url] = referrer;
    return;
  }
  if (!scope_.follows(url) || looks_like_trap(url, options_.max_query_params)) return;
  frontier_.add_seen(url, depth);
  PendingUrl p;
  p.seq = ++next_seq_;
  p.url = url;
  p.referrer = referrer;
  p.depth = depth;
  batch_.discovered.push_back(entry_of(p));
  ++batch_ops_;
  frontier_.push_new(std::move(p), batch_.discovered.back().origin);
}

// Reads the next part of an origin's queue from the store into its window.
void Coordinator::refill_window(const std::string& origin) {
  const size_t want = frontier_.refill_room(origin);
  if (want == 0) return;  // the crawl-wide bound: other origins hold enough work
  commit_if_due(true);  // the store must hold every entry that was left to it
  std::vector<storage::FrontierEntry> entries =
      store_.queued_entries(run_.id, origin, frontier_.refill_after(origin), want);
  const bool exhausted = entries.size() < want;
  std::vector<PendingUrl> loaded;
  loaded.reserve(entries.size());
  for (const storage::FrontierEntry& e : entries) loaded.push_back(pending_of(e));
  frontier_.refill(origin, std::move(loaded), exhausted);
}

// ---- dispatch -------------------------------------------------------------

void Coordinator::dispatch() {
  if (stopping_) return;
  int64_t now = clock_.now_ms();
  if (!all_workers_started_) {
    // The first dispatch waits (a little) for every worker to be up, so that
    // the work is spread over all of them from the start.
    bool all_ready = true;
    for (const auto& w : pool_.workers()) all_ready = all_ready && w.ready;
    if (!all_ready && now - started_ms_ < kWorkerStartWaitMs) return;
    all_workers_started_ = true;
  }
  if (shared_) return dispatch_shared(now);
  next_ready_ms_ = INT64_MAX;
  frontier_.release_due(now);
  if (sitemaps_.outstanding() > 0) dispatch_sitemaps(now);
  const auto& origins = frontier_.active_origins();
  for (size_t i = 0; i < origins.size(); ++i) {
    if (!pick_worker("", false)) break;
    if (auto it = origin_ready_ms_.find(origins[i]); it != origin_ready_ms_.end()) {
      if (it->second > now && !budget_reached_) {
        next_ready_ms_ = std::min(next_ready_ms_, it->second);
        continue;
      }
      origin_ready_ms_.erase(it);
    }
    dispatch_origin(origins[i], now);
  }
  frontier_.compact();
}

bool Coordinator::dispatch_origin(const std::string& origin, int64_t now) {
  if (budget_reached_) {
    frontier_.drop_stored(origin);  // they stay queued in the store; this run fetches no more
  } else if (frontier_.wants_refill(origin)) {
    refill_window(origin);
  }
  auto& queue = frontier_.queue(origin);
  if (!options_.ignore_robots) {
    if (auto url = robots_.due_fetch(origin, now)) start_robots_fetch(origin, *url, now);
    if (!robots_.ready(origin)) return false;
  }
  bool sent = false;
  while (!queue.empty()) {
    PendingUrl& p = queue.front();
    settle_depth(p);
    if (!options_.ignore_robots && !robots_.allowed(origin, url::path_and_query(p.target()))) {
      PendingUrl denied = std::move(p);
      queue.pop_front();
      frontier_.mark_dispatched(denied.url);
      if (denied.counted) --counted_waiting_;
      complete_without_fetch(denied, robots_.refusal(origin));
      continue;
    }
    if (!p.counted && options_.max_pages && pages_counted_ >= *options_.max_pages) {
      budget_reached_ = true;
      queue.pop_front();  // stays queued in the store; this run fetches no more
      continue;
    }
    std::string host = url::host(p.target());
    if (const std::string* error = hosts_.given_up_error(host)) {
      PendingUrl skipped = std::move(p);
      queue.pop_front();
      frontier_.mark_dispatched(skipped.url);
      if (skipped.counted) --counted_waiting_;
      complete_without_fetch(skipped, *error);
      continue;
    }
    if (!p.counted && options_.max_pages_per_host && hosts_.fetches(host) >= *options_.max_pages_per_host) {
      frontier_.drop_stored(origin);
      queue.pop_front();  // this host's budget is spent; the URL stays queued in the store
      continue;
    }
    if (!slots_.can_start(host, now)) {
      const int64_t ready = slots_.ready_at(host, now);
      next_ready_ms_ = std::min(next_ready_ms_, ready);
      if (ready != INT64_MAX) origin_ready_ms_[origin] = ready;  // a delay: nothing sooner changes it
      break;
    }
    bool isolated = p.crashes > 0;
    if (!pick_worker(host, isolated)) break;
    PendingUrl page = std::move(p);
    queue.pop_front();
    frontier_.mark_dispatched(page.url);
    if (page.counted) {
      --counted_waiting_;
    } else {
      page.counted = true;
      ++pages_counted_;
      hosts_.count_fetch(host);
    }
    batch_.leased.push_back(page.seq);
    ++batch_ops_;
    Task task;
    task.purpose = protocol::Purpose::kPage;
    if (recrawl_ && page.chain.empty()) task.previous = store_.previous_record(options_.job, run_.id, page.url);
    std::string fetch_url = page.target();
    task.page = std::move(page);
    send_task(host, std::move(task), fetch_url, now, isolated);
    sent = true;
  }
  return sent;
}

// The depth and referrer of the shortest path found to a URL while it waited.
void Coordinator::settle_depth(PendingUrl& p) {
  if (!p.chain.empty()) return;  // a redirect hop: settled when its URL went out
  const std::optional<int> best = frontier_.pending_depth(p.url);
  if (!best || *best >= p.depth) return;
  p.depth = *best;
  if (auto it = shorter_referrers_.find(p.url); it != shorter_referrers_.end()) {
    p.referrer = std::move(it->second);
    shorter_referrers_.erase(it);
  }
}

void Coordinator::start_robots_fetch(const std::string& origin, const std::string& url, int64_t now) {
  std::string host = url::host(url);
  if (!slots_.can_start(host, now)) {
    next_ready_ms_ = std::min(next_ready_ms_, slots_.ready_at(host, now));
    return;
  }
  Task task;
  task.purpose = protocol::Purpose::kRobots;
  task.origin = origin;
  if (send_task(host, std::move(task), url, now, false)) robots_.fetch_started(origin);
}

std::optional<size_t> Coordinator::pick_worker(const std::string& host, bool isolated) {
  const auto& workers = pool_.workers();
  loads_.resize(workers.size());
  for (size_t i = 0; i < workers.size(); ++i) {
    const auto& w = workers[i];
    loads_[i].usable = w.alive() && w.channel && w.ready && !w.isolated && !w.draining;
    loads_[i].in_flight = w.in_flight;
  }
  return chooser_.choose(loads_, host, isolated);
}

bool Coordinator::send_task(const std::string& host, Task task, const std::string& url, int64_t now,
                            bool isolated) {
  auto slot = pick_worker(host, isolated);
  if (!slot) return false;
  auto& w = pool_.workers()[*slot];
  uint64_t id = next_task_id_++;
  protocol::FetchTask fetch;
  fetch.task_id = id;
  fetch.url = url;
  fetch.purpose = task.purpose;
  if (task.previous && conditional_requests_) {  // the server may answer 304
    fetch.if_none_match = task.previous->etag;
    fetch.if_modified_since = task.previous->last_modified;
  }
  if (task.previous && !options_.warc_dir.empty() && !task.previous->warc.body_file.empty()) {
    const storage::WarcCapture& before = task.previous->warc;  // a revisit refers to it
    fetch.previous_digest = before.digest;
    fetch.previous_uri = before.body_uri;
    fetch.previous_date_ms = before.body_date_ms;
    fetch.previous_record_id = before.body_record_id;
  }
  protocol::FetchBatch batch;
  batch.tasks.push_back(std::move(fetch));
  if (*slot < cookie_outbox_.size() && !cookie_outbox_[*slot].empty()) {
    for (auto& [key, line] : cookie_outbox_[*slot]) batch.cookies.push_back(std::move(line));
    cookie_outbox_[*slot].clear();
  }
  w.channel->send(batch);
  if (w.in_flight == 0) w.last_progress_ms = now;
  ++w.in_flight;
  if (isolated) w.isolated = true;
  slots_.start(host, now);
  task.worker = *slot;
  chooser_.started(host, *slot);
  task.host = host;
  tasks_.emplace(id, std::move(task));
  return true;
}

// ---- results --------------------------------------------------------------

void Coordinator::handle_result(size_t slot, protocol::FetchResult result) {
  auto it = tasks_.find(result.task_id);
  if (it == tasks_.end() || it->second.worker != slot) return;
  Task task = std::move(it->second);
  tasks_.erase(it);
  const int64_t lease = task.lease;
  slots_.finish(task.host, clock_.now_ms());
  chooser_.finished(task.host, slot);
  if (options_.cookies && !result.cookies.empty()) share_cookies(slot, result.cookies);
  auto& w = pool_.workers()[slot];
  ++w.results;
  if (--w.in_flight <= 0) {
    w.in_flight = 0;
    w.isolated = false;
  }
  if (result.error == errors::kWarc) {
    stop_for_warc(std::move(task));
    return;
  }
  if (task.purpose == protocol::Purpose::kRobots) {
    handle_robots_result(std::move(task), result);
  } else if (task.purpose == protocol::Purpose::kSitemap) {
    handle_sitemap_result(std::move(task), result);
  } else {
    handle_page_result(std::move(task), result);
  }
  if (shared_) task_over(lease);
}

void Coordinator::share_cookies(size_t slot, const std::vector<std::string>& lines) {
  cookie_outbox_.resize(pool_.size());
  for (const CookieLine& cookie : cookies_.apply(lines, clock_.wall_ms() / 1000)) {
    for (size_t other = 0; other < cookie_outbox_.size(); ++other) {
      if (other == slot) {
        cookie_outbox_[other].erase(cookie.key);  // it has this one; an older line must not overwrite it
      } else {
        cookie_outbox_[other][cookie.key] = cookie.line;
      }
    }
  }
}

void Coordinator::stop_for_warc(Task task) {
  if (task.purpose == protocol::Purpose::kRobots) {
    robots_.fetch_lost(task.origin);
  } else if (task.purpose == protocol::Purpose::kSitemap) {
    if (shared_) {
      shared_requeue(std::move(task.page), 0);  // its entry waits on the server
    } else {
      sitemaps_.finished();
    }
  } else {
    requeue(std::move(task.page));  // fetched again when the run is resumed
  }
  if (!warc_error_.empty()) return;
  warc_error_ = "a worker could not write its WARC file (disk full, or the folder " + options_.warc_dir +
                " is gone or read-only)";
  std::fprintf(stderr, "\nforager crawl: %s; stopping the crawl, waiting for %zu transfers in flight\n",
               warc_error_.c_str(), tasks_.size());
  if (!stopping_ || budget_reached_) {
    stopping_ = true;
    budget_reached_ = false;
    stop_deadline_ms_ = clock_.now_ms() + options_.timeout_ms + 2000;
  }
}

bool Coordinator::rules_changed() {
  const int64_t previous = store_.previous_run(options_.job, run_.id);
  if (previous == 0) return false;
  auto before = nlohmann::json::parse(store_.run_options(previous), nullptr, false);
  const nlohmann::json none;
  const nlohmann::json& old_rules = before.is_object() && before.contains("rules") ? before["rules"] : none;
  return old_rules != to_json(options_)["rules"];
}

void Coordinator::handle_page_result(Task task, protocol::FetchResult& result) {
  PendingUrl& page = task.page;
  hosts_.note(task.host, result);
  if (shared_) shared_note(task.lease, result);
  if (maybe_retry(page, result)) return;
  if (result.status >= 300 && result.status < 400 && !result.redirect_to.empty()) {
    follow_redirect(std::move(page), result);
    return;
  }
  storage::PageRecord record;
  record.final_url = page.target();
  if (result.status > 0) record.status = result.status;
  record.error = result.error;
  record.fetched_at_ms = result.fetched_at_ms ? result.fetched_at_ms : clock_.wall_ms();
  record.content_type = result.content_type;
  record.bytes = static_cast<int64_t>(result.bytes);
  record.content_hash = result.content_hash;
  record.title = std::move(result.title);
  record.description = std::move(result.description);
  record.noindex = result.noindex;
  record.links = std::move(result.links);
  record.fields_json = std::move(result.fields_json);
  record.etag = result.etag;
  record.last_modified = result.last_modified;
  record.worker_pid = pool_.workers()[task.worker].pid;
  record.elapsed_ms = result.elapsed_ms;
  record.warc = capture_of(result, page.target(), task.previous);
  if (recrawl_) mark_change(record, task.previous);
  // nofollow: the record keeps the page's links, the crawl takes none of them.
  static const std::vector<std::string> kNone;
  const std::vector<std::string>* follow = result.follow_restricted ? &result.follow_links : nullptr;
  if (result.nofollow) follow = &kNone;
  complete(page, std::move(record), follow);
}

bool Coordinator::maybe_retry(PendingUrl& page, const protocol::FetchResult& result) {
  if (!RetryPolicy::retryable(result) || page.attempts >= options_.retries) return false;
  ++page.attempts;
  int64_t wait = retry_.backoff_ms(page.attempts, RetryPolicy::retry_after_ms(result.retry_after, clock_.wall_ms()));
  page.not_before_ms = clock_.now_ms() + wait;
  requeue(std::move(page));
  return true;
}

void Coordinator::requeue(PendingUrl page) {
  if (shared_) {
    const int64_t wait = page.not_before_ms ? page.not_before_ms - clock_.now_ms() : 0;
    return shared_requeue(std::move(page), wait);
  }
  batch_.requeued.push_back(entry_of(page));
  ++batch_ops_;
  ++counted_waiting_;
  frontier_.push(std::move(page), clock_.now_ms());
}

void Coordinator::follow_redirect(PendingUrl page, const protocol::FetchResult& result) {
  auto target = url::normalize(result.redirect_to);
  if (const char* error = redirect_error(page, target, scope_)) {
    storage::PageRecord record;
    record.final_url = page.target();
    record.status = result.status;
    record.error = error;
    record.fetched_at_ms = result.fetched_at_ms ? result.fetched_at_ms : clock_.wall_ms();
    record.content_type = result.content_type;
    record.warc = capture_of(result, page.target(), std::nullopt);
    complete(page, std::move(record));
    return;
  }
  page.chain.push_back(page.target());
  page.redirect_target = *target;
  page.last_status = result.status;
  page.attempts = 0;
  if (shared_) return shared_requeue(std::move(page), 0);  // the hop's host is leased on its own
  ++counted_waiting_;
  frontier_.push(std::move(page), clock_.now_ms());
}

void Coordinator::complete(const PendingUrl& page, storage::PageRecord record,
                           const std::vector<std::string>* follow) {
  record.url = page.url;
  record.depth = page.depth;
  record.referrer = page.referrer;
  if (shared_) {  // counted once its lease's finish committed
    const std::vector<std::string> links = follow ? *follow : record.links;
    return shared_complete(page, std::move(record), links);
  }
  for (const auto& link : follow ? *follow : record.links) discover(link, page.depth + 1, page.url);
  ++counters_.pages;
  if (!record.error.empty()) ++counters_.errors;
  batch_.completed.push_back({page.seq, std::move(record)});
  ++batch_ops_;
}

void Coordinator::complete_without_fetch(const PendingUrl& page, const std::string& error) {
  storage::PageRecord record;
  if (!page.chain.empty()) {  // a redirect hop that may not be followed
    record.final_url = page.chain.back();
    record.status = page.last_status;
  }
  record.error = error;
  record.fetched_at_ms = clock_.wall_ms();
  if (shared_) {
    shared_unfetched(page.lease);
  } else {
    ++unfetched_records_;
  }
  complete(page, std::move(record));
}

void Coordinator::handle_robots_result(Task task, const protocol::FetchResult& result) {
  if (!robots_.on_result(task.origin, result)) return;
  if (shared_) {
    if (options_.sitemaps && sitemaps_.tracks(task.origin)) {
      for (const auto& sitemap : robots_.sitemaps(task.origin))
        if (auto normalized = url::normalize(sitemap)) shared_sitemap(task.lease, *normalized);
      shared_sitemap(task.lease, task.origin + "/sitemap.xml");
    }
    return shared_robots_answer(task.lease, task.origin, result);
  }
  if (!sitemaps_.tracks(task.origin)) return;
  for (const auto& sitemap : robots_.sitemaps(task.origin))
    if (auto normalized = url::normalize(sitemap)) queue_sitemap(task.origin, *normalized);
  queue_sitemap(task.origin, task.origin + "/sitemap.xml");
}

// ---- sitemaps ----------------------------------------------------------------

void Coordinator::queue_sitemap(const std::string& origin, const std::string& url) {
  if (scope_.in_scope(url)) sitemaps_.add(origin, url);
}

void Coordinator::dispatch_sitemaps(int64_t now) {
  sitemaps_.dispatch([&](const std::string& origin, const std::string& url) {
    std::string host = url::host(url);
    if (!slots_.can_start(host, now) || !pick_worker(host, false)) return false;
    Task task;
    task.purpose = protocol::Purpose::kSitemap;
    task.origin = origin;
    task.sitemap_url = url;
    return send_task(host, std::move(task), url, now, false);
  });
}

void Coordinator::handle_sitemap_result(Task task, const protocol::FetchResult& result) {
  if (shared_) {
    shared_sitemap_done(task.page);
  } else {
    sitemaps_.finished();
  }
  if (!result.error.empty() || result.status < 200 || result.status >= 300) {
    if (result.status != 404)
      std::fprintf(stderr, "\nforager crawl: sitemap %s: %s\n", task.sitemap_url.c_str(),
                   result.error.empty() ? ("HTTP " + std::to_string(result.status)).c_str() : result.error.c_str());
    return;
  }
  if (shared_) {  // its pages and child sitemaps go to the server with the lease
    shared_links(task.page.lease, result.links, 1, task.sitemap_url);
    for (const auto& child : result.follow_links) shared_sitemap(task.page.lease, child);
    return;
  }
  for (const auto& page : result.links) discover(page, 1, task.sitemap_url);
  for (const auto& child : result.follow_links) queue_sitemap(task.origin, child);
}

// ---- signals, the loop -----------------------------------------------------

void Coordinator::handle_signals() {
  for (int signo : signals_.drain()) {
    if (signo == SIGCHLD) {
      handle_deaths();
      continue;
    }
    if (!stopping_ || budget_reached_) {
      stopping_ = true;
      budget_reached_ = false;
      stop_signal_ = signo;
      stop_deadline_ms_ = clock_.now_ms() + options_.timeout_ms + 2000;
      std::fprintf(stderr, "\nforager crawl: stopping; waiting for %zu transfers in flight (signal again to stop now)\n",
                   tasks_.size());
    } else {
      abandon_ = true;
    }
  }
}

bool Coordinator::finished() const {
  if (shared_) return shared_finished();
  if (stopping_) return tasks_.empty() || abandon_ || clock_.now_ms() >= stop_deadline_ms_;
  if (!tasks_.empty()) return false;
  if (budget_reached_) return counted_waiting_ == 0;
  return frontier_.size() == 0 && sitemaps_.outstanding() == 0;
}

int Coordinator::poll_timeout_ms() const {
  int64_t now = clock_.now_ms();
  int64_t timeout = 250;
  // Waiting on politeness or a free worker: a host's delay ends at a known
  // moment (a result frees a worker and wakes the poll itself); the 10 ms
  // bound covers what else holds an origin back.
  if (!frontier_.active_origins().empty()) timeout = std::clamp<int64_t>(next_ready_ms_ - now, 0, 10);
  if (frontier_.waiting() > 0) timeout = std::min(timeout, std::max<int64_t>(0, frontier_.next_due_ms() - now));
  if (!batch_.empty()) timeout = std::min(timeout, kCommitEveryMs);
  if (shared_ && !stopping_) timeout = std::min(timeout, std::max<int64_t>(10, next_lease_ms_ - now));
  return static_cast<int>(timeout);
}

void Coordinator::poll_once() {
  std::vector<pollfd> fds;
  std::vector<size_t> slots;
  fds.push_back({signals_.fd(), POLLIN, 0});
  // The store thread's completions wake the loop (shared_upkeep takes them).
  if (store_thread_) fds.push_back({store_thread_->fd(), POLLIN, 0});
  const size_t first_worker = fds.size();
  auto& workers = pool_.workers();
  for (size_t i = 0; i < workers.size(); ++i) {
    if (!workers[i].channel) continue;
    short events = POLLIN;
    if (workers[i].channel->wants_write()) events |= POLLOUT;
    fds.push_back({workers[i].channel->fd(), events, 0});
    slots.push_back(i);
  }
  int n = ::poll(fds.data(), fds.size(), poll_timeout_ms());
  if (n <= 0) return;
  for (size_t i = first_worker; i < fds.size(); ++i) {
    if (fds[i].revents == 0) continue;
    size_t slot = slots[i - first_worker];
    if (!workers[slot].channel) continue;
    if (fds[i].revents & POLLOUT) workers[slot].channel->flush();
    if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) handle_worker_messages(slot);
  }
  if (fds[0].revents & POLLIN) handle_signals();
}

void Coordinator::commit_if_due(bool force) {
  if (batch_.empty()) {
    batch_started_ms_ = clock_.now_ms();
    return;
  }
  int64_t now = clock_.now_ms();
  if (!force && batch_ops_ < kCommitOps && now - batch_started_ms_ < kCommitEveryMs) return;
  if (store_thread_) {
    store_thread_->post(StoreThread::Commit{std::move(batch_)});
  } else {
    store_.commit(batch_);
  }
  batch_ = storage::Batch{};
  batch_.run = run_.id;
  batch_ops_ = 0;
  batch_started_ms_ = now;
}

CrawlCounters Coordinator::counters() const {
  CrawlCounters c = counters_;
  c.queued = shared_ ? shared_queued_ : static_cast<int64_t>(frontier_.size());
  c.in_flight = static_cast<int64_t>(tasks_.size());
  return c;
}

}  // namespace forager
