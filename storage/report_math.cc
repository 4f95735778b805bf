#include "storage/report_math.h"

#include <algorithm>
#include <cmath>

namespace forager::storage {
namespace {

bool is_number(const std::string& code) {
  return !code.empty() && std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The smallest round width giving at most kMaxBuckets buckets; below 1 s
// only for short runs, where it still gives at most kMaxFineBuckets.
int64_t bucket_width_ms(int64_t span_ms) {
  static constexpr int64_t kWidthsMs[] = {100,     200,     500,     1000,     2000,     5000,    10000,
                                          15000,   30000,   60000,   120000,   300000,   600000,  900000,
                                          1800000, 3600000, 7200000, 21600000, 43200000, 86400000};
  for (int64_t w : kWidthsMs) {
    const int64_t buckets = span_ms / w + 1;
    if (buckets <= (w < 1000 ? Timeline::kMaxFineBuckets : Timeline::kMaxBuckets)) return w;
  }
  return (span_ms / (86400000LL * Timeline::kMaxBuckets) + 1) * 86400000LL;
}

int64_t percentile_rank(int64_t total, double p) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(p * static_cast<double>(total))));
}

}  // namespace

void sort_codes(std::vector<CodeCount>& codes) {
  std::stable_sort(codes.begin(), codes.end(), [](const CodeCount& a, const CodeCount& b) {
    bool na = is_number(a.code), nb = is_number(b.code);
    if (na != nb) return na;
    if (na) return std::stoi(a.code) < std::stoi(b.code);
    return a.count != b.count ? a.count > b.count : a.code < b.code;
  });
}

std::string depth_label(int64_t depth) {
  std::string label = std::to_string(depth);
  if (depth == RunAggregates::kDepthCap) label += "+";
  return label;
}

LatencyBuilder::LatencyBuilder(int64_t fetched)
    : r50_(percentile_rank(fetched, 0.5)), r90_(percentile_rank(fetched, 0.9)), r99_(percentile_rank(fetched, 0.99)) {
  latency_.fetched = fetched;
}

void LatencyBuilder::add(int64_t ms, int64_t count) {
  Latency& l = latency_;
  const auto* bound = std::upper_bound(std::begin(Latency::kBounds), std::end(Latency::kBounds), ms);
  l.buckets[static_cast<size_t>(bound - std::begin(Latency::kBounds))] += count;
  if (seen_ < r50_ && seen_ + count >= r50_) l.p50_ms = ms;
  if (seen_ < r90_ && seen_ + count >= r90_) l.p90_ms = ms;
  if (seen_ < r99_ && seen_ + count >= r99_) l.p99_ms = ms;
  seen_ += count;
  l.max_ms = ms;
}

TimelineBuilder::TimelineBuilder(int64_t started_at_ms, int64_t first_ms, int64_t last_ms) {
  Timeline& t = timeline_;
  t.t0_ms = std::min(started_at_ms, first_ms);
  t.bucket_ms = bucket_width_ms(last_ms - t.t0_ms);
  const size_t n = static_cast<size_t>((last_ms - t.t0_ms) / t.bucket_ms + 1);
  t.pages.assign(n, 0);
  t.failed.assign(n, 0);
}

size_t TimelineBuilder::bucket_of(int64_t b) const {
  return std::min(static_cast<size_t>(std::max<int64_t>(b, 0)), timeline_.pages.size() - 1);
}

void TimelineBuilder::add_bucket(int64_t bucket, int64_t pages, int64_t failed) {
  const size_t b = bucket_of(bucket);
  timeline_.pages[b] += pages;
  timeline_.failed[b] += failed;
}

void TimelineBuilder::add_worker(int pid, int64_t pages) {
  auto& workers = timeline_.workers;
  const size_t n = timeline_.pages.size();
  if (workers.size() == Timeline::kMaxWorkers) {
    if (workers.back().pid != 0) workers.push_back({0, 0, std::vector<int64_t>(n, 0)});
    workers.back().pages += pages;
    return;
  }
  series_[pid] = workers.size();
  workers.push_back({pid, pages, std::vector<int64_t>(n, 0)});
}

void TimelineBuilder::add_worker_bucket(int pid, int64_t bucket, int64_t count) {
  auto& workers = timeline_.workers;
  if (workers.empty()) return;
  auto it = series_.find(pid);
  const size_t s = it != series_.end() ? it->second : workers.size() - 1;  // the "others" series
  workers[s].per_bucket[bucket_of(bucket)] += count;
}

Timeline TimelineBuilder::finish() {
  auto first = [](const Timeline::Worker& w) {
    if (w.pid == 0) return SIZE_MAX;
    auto it = std::find_if(w.per_bucket.begin(), w.per_bucket.end(), [](int64_t c) { return c > 0; });
    return static_cast<size_t>(it - w.per_bucket.begin());
  };
  std::stable_sort(timeline_.workers.begin(), timeline_.workers.end(), [&](const auto& a, const auto& b) {
    return first(a) != first(b) ? first(a) < first(b) : a.pid < b.pid;
  });
  return std::move(timeline_);
}

}  // namespace forager::storage
