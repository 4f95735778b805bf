#include "crawler/frontier.h"

#include <algorithm>
#include <climits>

#include "crawler/url.h"

namespace forager {
namespace {

// FNV-1a 64: stable across runs and processes (std::hash need not be).
uint64_t url_hash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

bool Frontier::add_seen(std::string_view url) { return seen_.insert(url_hash(url)).second; }

void Frontier::push(PendingUrl p, int64_t now_ms) {
  if (p.not_before_ms > now_ms) {
    delayed_.push(std::move(p));
    return;
  }
  enqueue(std::move(p));
}

void Frontier::enqueue(PendingUrl p) {
  std::string origin = url::origin(p.target());
  if (active_set_.insert(origin).second) active_.push_back(origin);
  queues_[origin].push_back(std::move(p));
}

void Frontier::release_due(int64_t now_ms) {
  while (!delayed_.empty() && delayed_.top().not_before_ms <= now_ms) {
    // priority_queue::top is const; the copy is cheap next to a fetch.
    PendingUrl p = delayed_.top();
    delayed_.pop();
    enqueue(std::move(p));
  }
}

int64_t Frontier::next_due_ms() const { return delayed_.empty() ? INT64_MAX : delayed_.top().not_before_ms; }

void Frontier::compact() {
  auto empty = [&](const std::string& origin) {
    auto it = queues_.find(origin);
    if (it == queues_.end() || it->second.empty()) {
      if (it != queues_.end()) queues_.erase(it);
      active_set_.erase(origin);
      return true;
    }
    return false;
  };
  active_.erase(std::remove_if(active_.begin(), active_.end(), empty), active_.end());
}

size_t Frontier::size() const {
  size_t n = delayed_.size();
  for (const auto& origin : active_) {
    auto it = queues_.find(origin);
    if (it != queues_.end()) n += it->second.size();
  }
  return n;
}

}  // namespace forager
