#include "crawler/frontier/sitemap_queue.h"

namespace forager {

bool SitemapQueue::add(const std::string& origin, const std::string& url) {
  Origin& queue = origins_[origin];
  if (queue.seen.size() >= kMaxSitemapsPerOrigin || !queue.seen.insert(url).second) return false;
  queue.pending.push_back(url);
  ++outstanding_;
  return true;
}

void SitemapQueue::dispatch(const Send& send) {
  for (auto& [origin, queue] : origins_) {
    while (!queue.pending.empty() && send(origin, queue.pending.front())) queue.pending.pop_front();
  }
}

}  // namespace forager
