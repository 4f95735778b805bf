#include "crawler/extract_run.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>

#include "crawler/util/url.h"
#include "crawler/wire/error_codes.h"

namespace forager {
namespace {

constexpr size_t kCommitRecords = 2000;
constexpr int64_t kCommitEveryMs = 200;
constexpr int kCrashesBeforeGivingUp = 2;
constexpr int kPollMs = 250;

// The record of the new run before extraction: the source's, without the
// re-crawl comparison (it compares runs of fetches, not extractions).
storage::PageRecord copy_of(const storage::PageRecord& source) {
  storage::PageRecord record = source;
  record.changed.reset();
  record.change.clear();
  return record;
}

}  // namespace

ExtractRun::ExtractRun(CrawlOptions options, int64_t source_run, storage::Store& store, WorkerPool& pool,
                       SignalPipe& signals, const Clock& clock, size_t page_records)
    : options_(std::move(options)),
      source_run_(source_run),
      store_(store),
      pool_(pool),
      signals_(signals),
      clock_(clock),
      page_records_(std::max<size_t>(page_records, 1)) {
  options_.warc_dir.clear();  // an extract fetches nothing, so archives nothing
}

ExtractSummary ExtractRun::run() {
  const int64_t started = clock_.now_ms();
  start_run();
  for (size_t slot = 0; slot < pool_.size(); ++slot) send_config(slot);
  for (;;) {
    if (!stopping_) refill();
    const bool work_left = !pending_.empty() || !source_exhausted_;
    if (tasks_.empty() && (stopping_ || !work_left)) break;
    dispatch();
    summary_.peak_held =
        std::max(summary_.peak_held, static_cast<int64_t>(pending_.size() + tasks_.size()));
    commit_if_due(false);
    kill_stalled_workers();
    poll_once();
  }
  commit_if_due(true);
  store_.finish_run(run_.id, summary_.stop_signal ? storage::RunState::kInterrupted : storage::RunState::kDone);
  summary_.elapsed_ms = clock_.now_ms() - started;
  return summary_;
}

void ExtractRun::start_run() {
  nlohmann::json json = to_json(options_);
  json.erase("seeds");
  json["extract_of"] = source_run_;
  run_ = store_.open_run(options_.job, json.dump());
  batch_.run = run_.id;
  summary_.run = run_.id;
  summary_.source_run = source_run_;
  summary_.resumed = run_.resumed;
}

void ExtractRun::refill() {
  // Pages with nothing to extract (records done before a resume, records
  // without a body) are passed over here rather than one per poll.
  while (!source_exhausted_ && pending_.size() < page_records_) {
    read_page();
    commit_if_due(false);
  }
}

void ExtractRun::read_page() {
  storage::ExportQuery query;
  query.job = options_.job;
  query.runs = storage::ExportQuery::Runs::kOne;
  query.run_id = source_run_;
  query.after_seq = source_after_seq_;
  query.limit = static_cast<int64_t>(page_records_);
  std::vector<storage::ExportRecord> page;
  page.reserve(page_records_);
  store_.for_each_record(query, [&](const storage::ExportRecord& record) { page.push_back(record); });
  if (page.size() < page_records_) source_exhausted_ = true;
  if (page.empty()) return;
  source_after_seq_ = page.back().seq;
  const int64_t first = sources_read_ + 1;
  sources_read_ += static_cast<int64_t>(page.size());
  const std::vector<bool> done = already_done(first, page.size());
  for (size_t i = 0; i < page.size(); ++i) {
    if (done[i]) continue;
    Source source{first + static_cast<int64_t>(i), std::move(page[i].page), 0};
    if (source.page.warc.body_file.empty()) {
      complete(source, copy_of(source.page));
    } else {
      pending_.push_back(std::move(source));
    }
  }
}

std::vector<bool> ExtractRun::already_done(int64_t first, size_t count) {
  std::vector<bool> done(count, false);
  if (!run_.resumed) return done;
  storage::ExportQuery query;
  query.job = options_.job;
  query.runs = storage::ExportQuery::Runs::kOne;
  query.run_id = run_.id;
  query.after_seq = first - 1;
  query.limit = static_cast<int64_t>(count);
  store_.for_each_record(query, [&](const storage::ExportRecord& record) {
    const int64_t i = record.seq - first;
    if (i >= 0 && i < static_cast<int64_t>(count)) done[static_cast<size_t>(i)] = true;
  });
  return done;
}

void ExtractRun::send_config(size_t slot) {
  auto& w = pool_.workers()[slot];
  if (!w.channel) return;
  w.channel->send(worker_config(options_));
  w.channel->flush();
  w.last_progress_ms = clock_.now_ms();  // it must answer (Ready) in time too
}

void ExtractRun::dispatch() {
  if (stopping_) return;
  const int per_worker = std::max(options_.concurrency, 1);
  auto& workers = pool_.workers();
  for (size_t slot = 0; slot < workers.size() && !pending_.empty(); ++slot) {
    auto& w = workers[slot];
    if (!w.alive() || !w.channel || !w.ready) continue;
    protocol::FetchBatch batch;
    const bool was_idle = w.in_flight == 0;
    while (w.in_flight < per_worker && !pending_.empty()) {
      Source source = std::move(pending_.front());
      pending_.pop_front();
      protocol::FetchTask task;
      task.task_id = next_task_id_++;
      task.url = source.page.final_url.empty() ? source.page.url : source.page.final_url;
      task.purpose = protocol::Purpose::kExtract;
      task.warc_file = source.page.warc.body_file;
      task.warc_offset = static_cast<uint64_t>(source.page.warc.body_offset);
      batch.tasks.push_back(std::move(task));
      tasks_.emplace(batch.tasks.back().task_id, Task{std::move(source), slot});
      ++w.in_flight;
    }
    if (!batch.tasks.empty()) {
      if (was_idle) w.last_progress_ms = clock_.now_ms();
      w.channel->send(batch);
      w.channel->flush();
    }
  }
}

void ExtractRun::poll_once() {
  std::vector<pollfd> fds;
  std::vector<size_t> slots;
  fds.push_back({signals_.fd(), POLLIN, 0});
  auto& workers = pool_.workers();
  for (size_t i = 0; i < workers.size(); ++i) {
    if (!workers[i].channel) continue;
    short events = POLLIN;
    if (workers[i].channel->wants_write()) events |= POLLOUT;
    fds.push_back({workers[i].channel->fd(), events, 0});
    slots.push_back(i);
  }
  const int timeout = batch_.empty() ? kPollMs : static_cast<int>(kCommitEveryMs);
  if (::poll(fds.data(), fds.size(), timeout) <= 0) return;
  for (size_t i = 1; i < fds.size(); ++i) {
    const size_t slot = slots[i - 1];
    if (fds[i].revents == 0 || !workers[slot].channel) continue;
    if (fds[i].revents & POLLOUT) workers[slot].channel->flush();
    if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) handle_messages(slot);
  }
  if (fds[0].revents & POLLIN) handle_signals();
}

void ExtractRun::handle_messages(size_t slot) {
  auto& w = pool_.workers()[slot];
  std::vector<protocol::Message> messages;
  const Channel::ReadStatus status = w.channel->read_available(messages);
  if (!messages.empty()) w.last_progress_ms = clock_.now_ms();
  for (auto& message : messages) {
    if (std::holds_alternative<protocol::Ready>(message)) {
      w.ready = true;
    } else if (auto* result = std::get_if<protocol::FetchResult>(&message)) {
      handle_result(slot, std::move(*result));
    }
  }
  if (status != Channel::ReadStatus::kOk) {  // gone or talking nonsense: the reaper hands its tasks on
    pool_.kill(slot);
    w.channel.reset();
    w.ready = false;
  }
}

void ExtractRun::handle_result(size_t slot, protocol::FetchResult result) {
  auto it = tasks_.find(result.task_id);
  if (it == tasks_.end() || it->second.worker != slot) return;
  const Source source = std::move(it->second.source);
  tasks_.erase(it);
  auto& w = pool_.workers()[slot];
  if (w.in_flight > 0) --w.in_flight;
  storage::PageRecord record = copy_of(source.page);
  record.content_type = result.content_type;
  record.bytes = static_cast<int64_t>(result.bytes);
  record.content_hash = result.content_hash;
  record.title = std::move(result.title);
  record.description = std::move(result.description);
  record.links = std::move(result.links);
  record.fields_json = std::move(result.fields_json);
  record.noindex = result.noindex;
  record.worker_pid = w.pid;
  if (!result.error.empty()) {
    record.error = result.error;
    ++summary_.errors;
  }
  ++summary_.extracted;
  complete(source, std::move(record));
}

void ExtractRun::handle_deaths() {
  for (const auto& death : pool_.reap()) {
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      if (it->second.worker != death.slot) {
        ++it;
        continue;
      }
      Source source = std::move(it->second.source);
      it = tasks_.erase(it);
      if (++source.crashes >= kCrashesBeforeGivingUp) {
        storage::PageRecord record = copy_of(source.page);
        record.error = errors::kWorkerCrash;
        ++summary_.errors;
        complete(source, std::move(record));
      } else {
        pending_.push_front(std::move(source));
      }
    }
    batch_.worker_events.push_back({clock_.wall_ms(), static_cast<int>(death.slot), death.pid, "crash"});
    ++summary_.workers_replaced;
    std::fprintf(stderr, "forager extract: a worker died (slot %zu)%s\n", death.slot,
                 stopping_ ? "" : "; starting a replacement");
    if (!stopping_) {
      pool_.respawn(death.slot);
      send_config(death.slot);
    }
  }
}

// A worker answers each extraction without network waits; one silent for
// --timeout while it holds tasks, or before its Ready, is stuck or stopped.
void ExtractRun::kill_stalled_workers() {
  const int64_t now = clock_.now_ms();
  auto& workers = pool_.workers();
  for (size_t slot = 0; slot < workers.size(); ++slot) {
    auto& w = workers[slot];
    if (!w.alive() || !w.channel || (w.ready && w.in_flight == 0)) continue;
    if (now - w.last_progress_ms <= options_.timeout_ms) continue;
    std::fprintf(stderr, "forager extract: worker in slot %zu (pid %d) has not answered for %lld s; replacing it\n",
                 slot, w.pid, static_cast<long long>((now - w.last_progress_ms) / 1000));
    batch_.worker_events.push_back({clock_.wall_ms(), static_cast<int>(slot), w.pid, "stall"});
    pool_.kill(slot);  // SIGKILL ends a stopped process too; the reaper hands its tasks on
    w.channel.reset();
    w.ready = false;
  }
}

void ExtractRun::handle_signals() {
  for (int signo : signals_.drain()) {
    if (signo == SIGCHLD) {
      handle_deaths();
      continue;
    }
    if (stopping_) {  // a second signal: stop now, the unfinished tasks stay missing
      tasks_.clear();
      continue;
    }
    stopping_ = true;
    summary_.stop_signal = signo;
    std::fprintf(stderr, "\nforager extract: stopping; waiting for %zu extractions in flight\n", tasks_.size());
  }
}

void ExtractRun::complete(const Source& source, storage::PageRecord record) {
  storage::FrontierEntry entry;
  entry.seq = source.seq;
  entry.url = source.page.url;
  entry.depth = source.page.depth;
  entry.referrer = source.page.referrer;
  entry.origin = url::origin(source.page.url);
  batch_.discovered.push_back(std::move(entry));
  batch_.completed.push_back({source.seq, std::move(record)});
  ++summary_.records;
}

void ExtractRun::commit_if_due(bool force) {
  const int64_t now = clock_.now_ms();
  if (batch_.empty()) {
    batch_started_ms_ = now;
    return;
  }
  if (!force && batch_.completed.size() < kCommitRecords && now - batch_started_ms_ < kCommitEveryMs) return;
  store_.commit(batch_);
  batch_ = storage::Batch{};
  batch_.run = run_.id;
  batch_started_ms_ = now;
}

}  // namespace forager
