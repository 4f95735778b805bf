// ReportData: ReportQueries (storage/report_queries.h) on a SQLite file,
// through its own read-only connection (it never writes, never creates the
// file or the schema). One ReportData is one connection.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "storage/report_queries.h"

namespace forager::storage {

class ReportData final : public ReportQueries {
 public:
  // Opens `path` read-only. Throws StoreError when it is missing or not a
  // forager database.
  static ReportData open(const std::string& path);

  std::vector<RunSummary> runs(const std::optional<std::string>& job) override;
  std::vector<WorkerEvent> worker_events(int64_t run) override;
  RunStats run_stats(const RunSummary& run, size_t top_hosts = 5) override;
  RunAggregates aggregates(const RunSummary& run, size_t top_n = 15) override;
  // A SQLite run has one process: no members.
  std::vector<MemberStats> members(const RunSummary&) override { return {}; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  explicit ReportData(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  RunStats stats_in_snapshot(const RunSummary& run, size_t top_hosts);
  Timeline timeline(const RunSummary& run);
  std::vector<HostCount> failed_hosts(int64_t run, size_t limit);

  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
};

}  // namespace forager::storage
