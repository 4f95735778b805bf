// The report figures that are computed from query rows rather than in SQL,
// shared by every backend's ReportQueries so that SQLite and PostgreSQL give
// the same figures for the same records.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "storage/report_queries.h"

namespace forager::storage {

// Statuses ascending, then errors (and "none") most frequent first.
void sort_codes(std::vector<CodeCount>& codes);

// "0", "1", ... and "<kDepthCap>+" for the capped depth.
std::string depth_label(int64_t depth);

// Latency from rows of (elapsed_ms, count) in ascending elapsed_ms order.
class LatencyBuilder {
 public:
  explicit LatencyBuilder(int64_t fetched);
  void add(int64_t elapsed_ms, int64_t count);
  const Latency& latency() const { return latency_; }

 private:
  Latency latency_;
  int64_t r50_, r90_, r99_, seen_ = 0;
};

// A Timeline from rows grouped by bucket ((fetched_at_ms - t0_ms) / bucket_ms).
class TimelineBuilder {
 public:
  // The span of the run's records: the earlier of its start and first record
  // is t0; the bucket width follows Timeline's rules.
  TimelineBuilder(int64_t started_at_ms, int64_t first_ms, int64_t last_ms);
  int64_t t0_ms() const { return timeline_.t0_ms; }
  int64_t bucket_ms() const { return timeline_.bucket_ms; }
  void add_bucket(int64_t bucket, int64_t pages, int64_t failed);
  // Worker pids, busiest first: the first kMaxWorkers get a series each.
  void add_worker(int pid, int64_t pages);
  void add_worker_bucket(int pid, int64_t bucket, int64_t count);
  // The timeline, workers in order of first activity, "others" last.
  Timeline finish();

 private:
  size_t bucket_of(int64_t bucket) const;
  Timeline timeline_;
  std::map<int, size_t> series_;
};

}  // namespace forager::storage
