// The Coordinator's worker lifecycle: configuring workers, reading their
// messages, replacing the ones that die or stall, and recycling worn ones.
#include "crawler/coordinator.h"

#include <sys/wait.h>

#include <cstdio>

#include "crawler/wire/error_codes.h"

namespace forager {
namespace {

constexpr int kCrashesBeforeGivingUp = 2;
// A worker with work in flight answers at least once per --timeout (curl
// enforces it per transfer); one silent for longer than that plus this grace
// is stopped or stuck, and is replaced.
constexpr int64_t kStallGraceMs = 10000;

std::string describe_death(int wait_status) {
  if (WIFSIGNALED(wait_status)) return std::string("killed by signal ") + std::to_string(WTERMSIG(wait_status));
  if (WIFEXITED(wait_status)) return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  return "ended";
}

}  // namespace

void Coordinator::send_config(size_t slot) {
  auto& w = pool_.workers()[slot];
  if (!w.channel) return;
  if (options_.cookies) {  // a new worker process: its jar is empty
    cookie_outbox_.resize(pool_.size());
    cookie_outbox_[slot].clear();
    for (const auto& line : cookies_.lines())
      if (auto cookie = parse_cookie_line(line)) cookie_outbox_[slot][cookie->key] = line;
  }
  w.channel->send(worker_config(options_));
  w.channel->flush();
}

void Coordinator::handle_worker_messages(size_t slot) {
  auto& w = pool_.workers()[slot];
  if (!w.channel) return;
  std::vector<protocol::Message> messages;
  auto status = w.channel->read_available(messages);
  if (!messages.empty()) w.last_progress_ms = clock_.now_ms();
  for (auto& message : messages) {
    if (std::holds_alternative<protocol::Ready>(message)) {
      w.ready = true;
    } else if (auto* result = std::get_if<protocol::FetchResult>(&message)) {
      handle_result(slot, std::move(*result));
    }
  }
  if (status != Channel::ReadStatus::kOk) {
    // The worker is gone or talking nonsense: make sure it is dead; the
    // reaper requeues what it held.
    if (status == Channel::ReadStatus::kProtocolError)
      std::fprintf(stderr, "forager crawl: worker %d sent a malformed message; replacing it\n", w.pid);
    // A recycled worker closes its end on the way out: let it exit by itself.
    if (!(w.draining && status == Channel::ReadStatus::kClosed)) pool_.kill(slot);
    w.channel.reset();
    w.ready = false;
  }
}

void Coordinator::handle_deaths() {
  for (const auto& death : pool_.reap()) {
    int requeued = 0, given_up = 0;
    std::vector<int64_t> leases;  // a shared run: each is finished once its last task is over
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      if (it->second.worker != death.slot) {
        ++it;
        continue;
      }
      Task task = std::move(it->second);
      it = tasks_.erase(it);
      slots_.finish(task.host, clock_.now_ms());
      leases.push_back(task.lease);
      if (task.purpose == protocol::Purpose::kRobots) {
        robots_.fetch_lost(task.origin);
        continue;
      }
      if (task.purpose == protocol::Purpose::kSitemap) {  // a sitemap that kills a worker is not tried again
        if (shared_) {
          shared_sitemap_done(task.page);
        } else {
          sitemaps_.finished();
        }
        continue;
      }
      PendingUrl& page = task.page;
      if (++page.crashes >= kCrashesBeforeGivingUp) {
        complete_without_fetch(page, errors::kWorkerCrash);
        ++given_up;
        continue;
      }
      requeue(std::move(page));
      ++requeued;
    }
    if (shared_)
      for (int64_t lease : leases) task_over(lease);
    chooser_.forget_worker(death.slot);
    bool recycled = WIFEXITED(death.wait_status) && WEXITSTATUS(death.wait_status) == 0 && requeued == 0 &&
                    given_up == 0;
    batch_.worker_events.push_back({clock_.wall_ms(), static_cast<int>(death.slot), death.pid,
                                    recycled ? "recycle" : "crash"});
    if (recycled) {
      ++counters_.workers_recycled;
    } else {
      ++counters_.workers_replaced;
      std::fprintf(stderr, "\nforager crawl: worker in slot %zu %s; %d URLs requeued, %d given up%s\n", death.slot,
                   describe_death(death.wait_status).c_str(), requeued, given_up,
                   stopping_ ? "" : "; starting a replacement");
    }
    if (!stopping_) {
      pool_.respawn(death.slot);
      send_config(death.slot);
      note_worker_event(death.slot, "start");
    }
  }
}

// Long crawls keep workers fresh: one that answered --worker-max-pages tasks,
// or grew above --worker-max-memory, gets no new work, is told to shut down
// once idle, and is forked again. Nothing it held is lost: it finishes first.
void Coordinator::recycle_workers() {
  if (stopping_) return;
  int64_t now = clock_.now_ms();
  bool check_memory = options_.worker_max_memory_mb > 0 && now - memory_checked_ms_ >= 1000;
  if (check_memory) memory_checked_ms_ = now;
  auto& workers = pool_.workers();
  for (size_t slot = 0; slot < workers.size(); ++slot) {
    auto& w = workers[slot];
    if (!w.alive() || !w.channel || !w.ready) continue;
    if (!w.draining) {
      bool too_old = options_.worker_max_pages > 0 && w.results >= options_.worker_max_pages;
      bool too_big = check_memory && pool_.private_bytes(slot) > options_.worker_max_memory_mb * (1ll << 20);
      w.draining = too_old || too_big;
    }
    if (w.draining && w.in_flight == 0) {
      w.channel->send(protocol::Shutdown{});
      w.channel->flush();
      w.ready = false;  // exits with status 0; the reaper forks its successor
    }
  }
}

void Coordinator::note_worker_event(size_t slot, const char* event) {
  batch_.worker_events.push_back({clock_.wall_ms(), static_cast<int>(slot), pool_.workers()[slot].pid, event});
}

void Coordinator::kill_stalled_workers() {
  int64_t now = clock_.now_ms();
  auto& workers = pool_.workers();
  for (size_t slot = 0; slot < workers.size(); ++slot) {
    auto& w = workers[slot];
    if (!w.alive() || !w.channel || w.in_flight == 0) continue;
    if (now - w.last_progress_ms <= options_.timeout_ms + kStallGraceMs) continue;
    std::fprintf(stderr, "\nforager crawl: worker in slot %zu (pid %d) has not answered for %lld s; replacing it\n", slot,
                 w.pid, static_cast<long long>((now - w.last_progress_ms) / 1000));
    note_worker_event(slot, "stall");
    pool_.kill(slot);  // SIGKILL ends a stopped process too; the reaper requeues its URLs
    w.channel.reset();
    w.ready = false;
  }
}

}  // namespace forager
