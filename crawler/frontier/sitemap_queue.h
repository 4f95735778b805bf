// --sitemaps: the sitemap URLs still to fetch, per origin of a seed.
//
// Contract:
//  - track() marks an origin whose sitemaps are wanted (a seed's); add()
//    tracks its origin too; tracks() says which are.
//  - add(): queues a URL for an origin unless the origin has already been
//    given it or kMaxSitemapsPerOrigin URLs (an index of indexes cannot run
//    on forever). Returns whether it was queued.
//  - dispatch(): offers each origin's queued URLs, oldest first, to `send`;
//    a URL leaves the queue when `send` returns true, and the origin's turn
//    ends at the first false.
//  - outstanding(): URLs queued or sent whose fetch has not ended; finished()
//    is called once for every sent URL whose result came back or was lost.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace forager {

inline constexpr size_t kMaxSitemapsPerOrigin = 1000;

class SitemapQueue {
 public:
  using Send = std::function<bool(const std::string& origin, const std::string& url)>;

  void track(const std::string& origin) { origins_.try_emplace(origin); }
  bool tracks(const std::string& origin) const { return origins_.count(origin) > 0; }
  bool add(const std::string& origin, const std::string& url);
  void dispatch(const Send& send);
  void finished() { --outstanding_; }
  size_t outstanding() const { return outstanding_; }

 private:
  struct Origin {
    std::deque<std::string> pending;
    std::unordered_set<std::string> seen;
  };
  std::unordered_map<std::string, Origin> origins_;
  size_t outstanding_ = 0;  // pending plus in flight
};

}  // namespace forager
