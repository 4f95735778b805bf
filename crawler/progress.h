// What a running crawl tells the person watching: a live line on a terminal,
// plain periodic lines when stderr is a file or pipe, and a summary at the end.
// A line: "job demo  0:12  pages 340  28.3/s  queued 120  in flight 8  errors 0".
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace forager {

struct CrawlCounters {
  int64_t pages = 0;       // records written by this process
  int64_t errors = 0;      // of which carry an error code
  int64_t queued = 0;
  int64_t in_flight = 0;
  int64_t workers_replaced = 0;  // after a crash or a stall
  int64_t workers_recycled = 0;  // after --worker-max-pages / --worker-max-memory
};

class Progress {
 public:
  // enabled=false prints nothing but the summary. Each line starts with the
  // job's name (when given) and the time since the first update().
  Progress(std::FILE* out, bool enabled, std::string job = "");
  // Called often; prints at most every 250 ms (terminal) or 5 s (otherwise).
  // `counters` is only called when a line is due: counting the queue walks
  // every origin, which the crawl's hot loop should not pay for each turn.
  void update(const std::function<CrawlCounters()>& counters, int64_t now_ms);
  void summary(const std::string& text);

 private:
  std::string line(const CrawlCounters& counters, int64_t now_ms) const;
  std::FILE* out_;
  bool enabled_;
  std::string job_;
  bool terminal_;
  int64_t started_ms_ = -1;
  int64_t last_print_ms_ = 0;
  size_t last_width_ = 0;
};

}  // namespace forager
