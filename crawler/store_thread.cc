#include "crawler/store_thread.h"

#include <signal.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <stdexcept>

namespace forager {

StoreThread::StoreThread(storage::SharedRun& run, storage::CrawlStore& store, storage::SharedPolicy policy)
    : run_(run), store_(store), policy_(std::move(policy)), event_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (!event_.valid()) throw std::runtime_error("cannot create an eventfd for the store thread");
  // The thread starts with every signal blocked: they go to the loop.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  thread_ = std::thread([this] { main(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

StoreThread::~StoreThread() { close(); }

void StoreThread::post(Request request) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }
  ++posted_;
  wake_.notify_one();
}

std::vector<StoreThread::Completion> StoreThread::take() {
  uint64_t count = 0;
  while (::read(event_.get(), &count, sizeof count) > 0) {
  }
  std::vector<Completion> done;
  std::exception_ptr error;
  {
    std::lock_guard lock(mutex_);
    done.swap(done_);
    error = error_;
  }
  taken_ += done.size();
  if (error) std::rethrow_exception(error);
  return done;
}

void StoreThread::close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void StoreThread::main() {
  for (;;) {
    Request request;
    std::optional<LeaseWanted> lease_after;  // a finish's: rides with it
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return !requests_.empty() || closing_ || error_; });
      if (error_ || requests_.empty()) return;  // failed, or closing with nothing left
      request = std::move(requests_.front());
      requests_.pop_front();
      if (auto* release = std::get_if<Release>(&request)) {
        const bool lease_follows = std::any_of(requests_.begin(), requests_.end(), [](const Request& r) {
          return std::holds_alternative<LeaseWanted>(r);
        });
        if (lease_follows) {  // it rides with that lease's transaction
          defer(*release);
          continue;
        }
      }
      if (std::holds_alternative<Finish>(request)) lease_after = take_lease_after_finish();
    }
    std::vector<Completion> completions;
    std::exception_ptr error;
    try {
      if (lease_after) {
        finish_then_lease(std::get<Finish>(request), *lease_after, completions);
      } else {
        const size_t releases = std::holds_alternative<LeaseWanted>(request) ? deferred_.size() : 0;
        Completion completion = handle(request);
        completions.insert(completions.end(), releases, Released{});  // just before their lease's
        completions.push_back(std::move(completion));
      }
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      if (error) {
        error_ = error;
      } else {
        done_.insert(done_.end(), std::make_move_iterator(completions.begin()),
                     std::make_move_iterator(completions.end()));
      }
    }
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(event_.get(), &one, sizeof one);
  }
}

void StoreThread::defer(Release& release) {
  deferred_.push_back({release.lease, std::move(release.host), release.held, release.count});
}

std::optional<StoreThread::LeaseWanted> StoreThread::take_lease_after_finish() {
  auto next = requests_.begin();
  while (next != requests_.end() && std::holds_alternative<Release>(*next)) ++next;
  if (next == requests_.end() || !std::holds_alternative<LeaseWanted>(*next)) return std::nullopt;
  for (auto it = requests_.begin(); it != next; ++it) defer(std::get<Release>(*it));
  LeaseWanted wanted = std::get<LeaseWanted>(*next);
  requests_.erase(requests_.begin(), next + 1);
  return wanted;
}

void StoreThread::finish_then_lease(Finish& finish, const LeaseWanted& wanted, std::vector<Completion>& completions) {
  const size_t releases = deferred_.size();
  storage::SharedRun::FinishedThenLeased done = run_.finish_then_lease(
      finish.outcome, learned_seq_, finish.learn_limit, policy_, wanted.max_urls, deferred_);
  deferred_.clear();
  completions.push_back(finished(finish, done.applied, std::move(done.learned)));
  completions.insert(completions.end(), releases, Released{});
  completions.push_back(leased(wanted, std::move(done.lease)));
}

StoreThread::Finished StoreThread::finished(Finish& finish, bool applied, std::vector<storage::FrontierEntry> learned) {
  if (!learned.empty()) learned_seq_ = learned.back().seq;
  return Finished{std::move(finish.outcome), applied, std::move(learned)};
}

StoreThread::Leased StoreThread::leased(const LeaseWanted& wanted, std::optional<storage::Lease> lease) {
  Leased leased;
  leased.max_urls = wanted.max_urls;
  leased.lease = std::move(lease);
  if (!leased.lease && wanted.check_finished) leased.run_finished = run_.finished(policy_);
  return leased;
}

StoreThread::Completion StoreThread::handle(Request& request) {
  if (auto* wanted = std::get_if<LeaseWanted>(&request)) {
    std::optional<storage::Lease> lease = run_.lease(policy_, wanted->max_urls, deferred_);
    deferred_.clear();
    return leased(*wanted, std::move(lease));
  }
  if (auto* finish = std::get_if<Finish>(&request)) {
    std::vector<storage::FrontierEntry> learned;
    const bool applied = finish->learn_limit > 0
                             ? run_.finish_and_learn(finish->outcome, learned_seq_, finish->learn_limit, learned)
                             : run_.finish(finish->outcome);
    return finished(*finish, applied, std::move(learned));
  }
  if (auto* upkeep = std::get_if<Upkeep>(&request)) {
    UpkeepDone done;
    if (!run_.heartbeat()) {
      // Declared dead: its leases were taken back and their results would be refused.
      done.declared_dead = true;
      done.run_over = !run_.rejoin();
      return done;
    }
    run_.reap(upkeep->lease_lifetime_ms);
    if (upkeep->read_seeds) done.seeds = run_.seeds_after(upkeep->seeds_after);
    done.queued = run_.queued(kQueuedCountCap);
    return done;
  }
  if (auto* release = std::get_if<Release>(&request)) {
    run_.release_slots(release->lease, release->host, release->held, release->count);
    return Released{};
  }
  store_.commit(std::get<Commit>(request).batch);
  return Committed{};
}

}  // namespace forager
