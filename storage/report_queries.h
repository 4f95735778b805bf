// ReportQueries: read-only aggregate queries over a forager store, for
// `forager report` and `forager status`. storage::open_reports (open.h)
// returns one for a location.
//
// Contract:
// - It never writes, never creates the store or its schema, and can be used
//   while a crawl writes the store. Each call reads one consistent snapshot.
// - Memory does not grow with the number of records: every query is a
//   GROUP BY whose groups are bounded (codes, depths, time buckets, hosts
//   kept to a top N) or a top-N ordered query. A million records cost time,
//   not memory.
// - Use one from one thread. Errors throw StoreError naming the store.
//
// "Failed" below means a record with an error (robots, timeout, ...) or an
// HTTP status of 400 or more; its code is the error name, else the status
// ("404"). A record's host is the authority of its URL ("example.com",
// "127.0.0.1:8080").
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.h"

namespace forager::storage {

struct CodeCount {
  std::string code;  // "200", "404", "robots", ... ("none": no status and no error)
  int64_t count = 0;
};

struct HostCount {
  std::string host;
  int64_t pages = 0;             // records of the host
  int64_t failed = 0;            // of which failed
  std::vector<CodeCount> codes;  // failure codes, most frequent first (top hosts by failures only)
};

// Per-run figures `status` prints beside the RunSummary.
struct RunStats {
  double duration_s = 0;                    // start to finish, or to the last record while unfinished
  double pages_per_second = 0;              // records / duration_s (0 when the duration is 0)
  std::vector<CodeCount> failures_by_code;  // most frequent first
  std::vector<HostCount> top_failed_hosts;  // most failures first, hosts without failures left out
};

// Records per time bucket, from t0_ms (the run's start) in buckets of
// bucket_ms: 1 s while the run spans at most kMaxBuckets seconds, wider (a
// round number of seconds) beyond, so there are at most kMaxBuckets; runs
// shorter than kMaxFineBuckets seconds get finer buckets (0.1, 0.2 or 0.5 s)
// as long as there are at most kMaxFineBuckets of them.
struct Timeline {
  static constexpr int kMaxBuckets = 600;
  static constexpr int kMaxFineBuckets = 30;
  int64_t t0_ms = 0;
  int64_t bucket_ms = 1000;
  std::vector<int64_t> pages;   // all records
  std::vector<int64_t> failed;  // failed records
  struct Worker {
    int pid = 0;
    int64_t pages = 0;
    std::vector<int64_t> per_bucket;  // same length as `pages`
  };
  // Worker processes that fetched something, by pid; at most kMaxWorkers
  // (the busiest), the rest summed into a Worker with pid 0.
  static constexpr size_t kMaxWorkers = 24;
  std::vector<Worker> workers;
};

// Response times of the records that came from a fetch (worker_pid != 0).
struct Latency {
  // Bucket i holds elapsed_ms in [kBounds[i-1], kBounds[i]); the last bucket
  // everything from kBounds.back() up.
  static constexpr int64_t kBounds[] = {10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000};
  std::vector<int64_t> buckets = std::vector<int64_t>(std::size(kBounds) + 1, 0);
  int64_t fetched = 0;
  int64_t p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
};

struct PageBrief {
  std::string url;
  std::string title;
  std::optional<int> status;
  std::string error;
  int64_t elapsed_ms = 0;
  int worker_pid = 0;
  std::string referrer;
};

// Everything `report` draws about one run.
struct RunAggregates {
  RunStats stats;
  Timeline timeline;
  std::vector<CodeCount> codes;  // every record by code: statuses ascending, then errors
  Latency latency;
  // Records by depth, ascending: "0", "1", ...; depths from kDepthCap on
  // are summed under "<kDepthCap>+".
  static constexpr int kDepthCap = 40;
  std::vector<CodeCount> depths;
  std::vector<HostCount> top_hosts;  // most records first (failures: stats.top_failed_hosts)
  std::vector<PageBrief> slowest;    // slowest fetches, slowest first
  std::vector<PageBrief> failures;   // the first failed records, in crawl order
  int64_t bytes = 0;                 // body bytes of all records
};

// One process that worked on a shared run (several forager processes on one
// run through PostgreSQL: docs/SCALE-OUT.md). Times are the server's clock.
struct MemberStats {
  int64_t id = 0;
  std::string host;                 // the machine's host name
  int pid = 0;
  int64_t pages = 0;                // records it committed
  int64_t started_at_ms = 0;        // when it joined
  int64_t heartbeat_at_ms = 0;      // its last heartbeat
  int64_t heartbeat_age_ms = 0;     // server time since that heartbeat, when read
  int64_t left_at_ms = 0;           // when it left or was declared dead; 0: still a member
  double pages_per_second = 0;      // pages / (joined to left, or to its last heartbeat)
  bool live() const { return left_at_ms == 0; }
};

class ReportQueries {
 public:
  virtual ~ReportQueries() = default;

  // Runs, newest first (all jobs when job is unset), as RecordReader::list_runs.
  virtual std::vector<RunSummary> runs(const std::optional<std::string>& job) = 0;
  // Worker events of the run, in time order.
  virtual std::vector<WorkerEvent> worker_events(int64_t run) = 0;

  virtual RunStats run_stats(const RunSummary& run, size_t top_hosts = 5) = 0;
  virtual RunAggregates aggregates(const RunSummary& run, size_t top_n = 15) = 0;
  // The members of a shared run, in the order they joined (at most
  // kMaxMembers, the first ones); empty for a run crawled by one process, and
  // always on SQLite.
  static constexpr int kMaxMembers = 1000;
  virtual std::vector<MemberStats> members(const RunSummary& run) = 0;
};

}  // namespace forager::storage
