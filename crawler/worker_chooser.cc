#include "crawler/worker_chooser.h"

#include <algorithm>

namespace forager {

std::optional<size_t> WorkerChooser::choose(const std::vector<Load>& workers, const std::string& host,
                                            bool isolated) const {
  if (isolated || host.empty()) return least_busy(workers, isolated);
  auto it = hosts_.find(host);
  if (it != hosts_.end()) {
    std::optional<size_t> best;
    bool saturated_holder = false;  // an idle connection waits in a full worker
    for (const Holder& holder : it->second) {
      if (holder.in_flight > 0 || holder.worker >= workers.size()) continue;
      const Load& w = workers[holder.worker];
      if (!w.usable) continue;
      if (w.in_flight >= concurrency_) {
        saturated_holder = true;
        continue;
      }
      if (!best || w.in_flight < workers[*best].in_flight) best = holder.worker;
    }
    if (best) return best;
    if (saturated_holder) {
      // Wait for the holder to free a slot unless another worker is idle.
      auto other = least_busy(workers, false);
      if (!other || workers[*other].in_flight > 0) return std::nullopt;
      return other;
    }
  }
  return least_busy(workers, false);
}

std::optional<size_t> WorkerChooser::least_busy(const std::vector<Load>& workers, bool isolated) const {
  std::optional<size_t> best;
  for (size_t k = 1; k <= workers.size(); ++k) {
    const size_t i = (last_worker_ + k) % workers.size();
    const Load& w = workers[i];
    if (!w.usable) continue;
    if (isolated ? w.in_flight > 0 : w.in_flight >= concurrency_) continue;
    if (!best || w.in_flight < workers[*best].in_flight) best = i;
  }
  return best;
}

void WorkerChooser::started(const std::string& host, size_t worker) {
  last_worker_ = worker;
  if (host.empty()) return;
  if (hosts_.size() >= kMaxRememberedHosts && hosts_.find(host) == hosts_.end()) forget_idle_hosts();
  std::vector<Holder>& holders = hosts_[host];
  for (Holder& holder : holders) {
    if (holder.worker == worker) {
      ++holder.in_flight;
      return;
    }
  }
  holders.push_back({worker, 1});
}

void WorkerChooser::finished(const std::string& host, size_t worker) {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return;
  for (Holder& holder : it->second) {
    if (holder.worker == worker && holder.in_flight > 0) --holder.in_flight;
  }
}

void WorkerChooser::forget_worker(size_t worker) {
  for (auto it = hosts_.begin(); it != hosts_.end();) {
    auto& holders = it->second;
    holders.erase(std::remove_if(holders.begin(), holders.end(),
                                 [worker](const Holder& h) { return h.worker == worker; }),
                  holders.end());
    it = holders.empty() ? hosts_.erase(it) : std::next(it);
  }
}

void WorkerChooser::forget_idle_hosts() {
  for (auto it = hosts_.begin(); it != hosts_.end();) {
    const bool busy = std::any_of(it->second.begin(), it->second.end(),
                                  [](const Holder& h) { return h.in_flight > 0; });
    it = busy ? std::next(it) : hosts_.erase(it);
  }
}

}  // namespace forager
