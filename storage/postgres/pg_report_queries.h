// PgReportQueries: ReportQueries (storage/report_queries.h) on a PostgreSQL
// server, through its own read-only connection (default_transaction_read_only:
// it never writes and never creates the schema). The figures are those of
// storage/sqlite/report_data.cc for the same records: the same SQL where the
// dialects agree, byte order ("C" collation) wherever text breaks a tie.
// Each call reads one snapshot (REPEATABLE READ READ ONLY).
#pragma once

#include <memory>
#include <string>

#include "storage/postgres/pg_connection.h"
#include "storage/report_queries.h"

namespace forager::storage {

class PgReportQueries final : public ReportQueries {
 public:
  // Connects to `location`. Throws StoreError when it cannot, or the
  // database holds no forager store (or one newer than this build).
  static std::unique_ptr<PgReportQueries> open(const std::string& location);

  std::vector<RunSummary> runs(const std::optional<std::string>& job) override;
  std::vector<WorkerEvent> worker_events(int64_t run) override;
  RunStats run_stats(const RunSummary& run, size_t top_hosts = 5) override;
  RunAggregates aggregates(const RunSummary& run, size_t top_n = 15) override;
  std::vector<MemberStats> members(const RunSummary& run) override;

 private:
  explicit PgReportQueries(pg::Connection conn) : conn_(std::move(conn)) {}
  RunStats stats_in_snapshot(const RunSummary& run, size_t top_hosts);
  Timeline timeline(const RunSummary& run);
  std::vector<HostCount> failed_hosts(int64_t run, size_t limit);
  int64_t single_int(const std::string& sql, int64_t run);

  pg::Connection conn_;
};

}  // namespace forager::storage
