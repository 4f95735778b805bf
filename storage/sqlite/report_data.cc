#include "storage/sqlite/report_data.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "storage/report_math.h"
#include "storage/sqlite/run_queries.h"
#include "storage/sqlite/sqlite_handles.h"
#include "storage/sqlite/sqlite_store.h"

namespace forager::storage {
namespace {

// A record's failure code, NULL when it did not fail (see report_data.h).
constexpr const char* kFailureCode =
    "(CASE WHEN error IS NOT NULL THEN error WHEN status >= 400 THEN CAST(status AS TEXT) END)";
constexpr const char* kFailed = "(error IS NOT NULL OR coalesce(status, 0) >= 400)";
// The authority of a normalized URL: what follows "://" up to the next "/".
constexpr const char* kHost =
    "substr(substr(url, instr(url, '://') + 3), 1, "
    "instr(substr(url, instr(url, '://') + 3) || '/', '/') - 1)";

std::string sql(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

// A read transaction: every query inside it sees one snapshot.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(sqlite3* db) : db_(db) { exec("BEGIN"); }
  ~ReadSnapshot() { sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr); }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  void exec(const char* text) {
    if (sqlite3_exec(db_, text, nullptr, nullptr, nullptr) != SQLITE_OK) throw_sqlite_error(db_, text);
  }
  sqlite3* db_;
};

int64_t single_int(sqlite3* db, const std::string& text, int64_t run) {
  Statement s(db, text);
  s.bind(1, run);
  return s.step() ? s.int64(0) : 0;
}

std::vector<CodeCount> code_counts(Statement& s) {
  std::vector<CodeCount> out;
  while (s.step()) out.push_back({s.text(0), s.int64(1)});
  return out;
}

PageBrief read_brief(const Statement& s) {
  PageBrief p;
  p.url = s.text(0);
  p.title = s.text(1);
  if (!s.is_null(2)) p.status = s.int32(2);
  p.error = s.text(3);
  p.elapsed_ms = s.int64(4);
  p.worker_pid = s.int32(5);
  p.referrer = s.text(6);
  return p;
}

constexpr const char* kBriefColumns = "SELECT url, title, status, error, elapsed_ms, worker_pid, referrer FROM pages ";

}  // namespace

ReportData ReportData::open(const std::string& path) {
  refuse_directory(path);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  ReportData data(raw, path);
  if (rc != SQLITE_OK) throw_open_error(raw, path);
  sqlite3_busy_timeout(raw, 5000);
  try {
    Statement app(raw, "PRAGMA application_id");
    if (!app.step() || app.int64(0) != kApplicationId) {
      throw StoreError(path + " is not a forager database");
    }
  } catch (const StoreError& e) {
    std::string what = e.what();
    if (what.find(path) != std::string::npos) throw;
    throw StoreError("cannot read " + path + ": " + what);
  }
  return data;
}

std::vector<RunSummary> ReportData::runs(const std::optional<std::string>& job) {
  Statement s(db_.get(), kRunSummariesSql);
  if (job)
    s.bind(1, *job);
  else
    s.bind_null(1);
  std::vector<RunSummary> out;
  while (s.step()) out.push_back(read_run_summary(s));
  return out;
}

std::vector<WorkerEvent> ReportData::worker_events(int64_t run) {
  Statement s(db_.get(), kWorkerEventsSql);
  s.bind(1, run);
  std::vector<WorkerEvent> events;
  while (s.step()) events.push_back(read_worker_event(s));
  return events;
}

RunStats ReportData::run_stats(const RunSummary& run, size_t top_hosts) {
  ReadSnapshot snapshot(db_.get());
  return stats_in_snapshot(run, top_hosts);
}

RunStats ReportData::stats_in_snapshot(const RunSummary& run, size_t top_hosts) {
  RunStats stats;
  int64_t end = run.finished_at_ms;
  if (end == 0)
    end = single_int(db_.get(), "SELECT coalesce(max(fetched_at_ms), 0) FROM pages WHERE run_id = ?1", run.id);
  if (end > run.started_at_ms) stats.duration_s = static_cast<double>(end - run.started_at_ms) / 1000.0;
  if (stats.duration_s > 0) stats.pages_per_second = static_cast<double>(run.pages) / stats.duration_s;
  Statement codes(db_.get(), sql({"SELECT code, count(*) FROM (SELECT ", kFailureCode,
                                  " AS code FROM pages WHERE run_id = ?1) WHERE code IS NOT NULL "
                                  "GROUP BY code ORDER BY 2 DESC, 1"}));
  codes.bind(1, run.id);
  stats.failures_by_code = code_counts(codes);
  stats.top_failed_hosts = failed_hosts(run.id, top_hosts);
  return stats;
}

// The hosts with the most failures, each with its failure codes.
std::vector<HostCount> ReportData::failed_hosts(int64_t run, size_t limit) {
  std::vector<HostCount> hosts;
  Statement top(db_.get(), sql({"SELECT ", kHost, " AS host, count(*), sum(", kFailed,
                                ") AS failed FROM pages WHERE run_id = ?1 GROUP BY host HAVING failed > 0 "
                                "ORDER BY failed DESC, host LIMIT ?2"}));
  top.bind(1, run);
  top.bind(2, static_cast<int64_t>(limit));
  while (top.step()) hosts.push_back({top.text(0), top.int64(1), top.int64(2), {}});
  if (hosts.empty()) return hosts;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < hosts.size(); ++i) index[hosts[i].host] = i;
  Statement codes(db_.get(), sql({"SELECT ", kHost, " AS host, ", kFailureCode,
                                  " AS code, count(*) FROM pages WHERE run_id = ?1 AND ", kFailed,
                                  " GROUP BY host, code ORDER BY 3 DESC, 2"}));
  codes.bind(1, run);
  while (codes.step()) {
    auto it = index.find(codes.text(0));
    if (it != index.end()) hosts[it->second].codes.push_back({codes.text(1), codes.int64(2)});
  }
  return hosts;
}

Timeline ReportData::timeline(const RunSummary& run) {
  Statement span(db_.get(), "SELECT min(fetched_at_ms), max(fetched_at_ms) FROM pages WHERE run_id = ?1");
  span.bind(1, run.id);
  if (!span.step() || span.is_null(0)) return Timeline{};
  TimelineBuilder t(run.started_at_ms, span.int64(0), span.int64(1));

  Statement buckets(db_.get(), sql({"SELECT (fetched_at_ms - ?2) / ?3 AS b, count(*), sum(", kFailed,
                                    ") FROM pages WHERE run_id = ?1 GROUP BY b"}));
  buckets.bind(1, run.id);
  buckets.bind(2, t.t0_ms());
  buckets.bind(3, t.bucket_ms());
  while (buckets.step()) t.add_bucket(buckets.int64(0), buckets.int64(1), buckets.int64(2));

  Statement pids(db_.get(),
                 "SELECT worker_pid, count(*) FROM pages WHERE run_id = ?1 AND worker_pid <> 0 "
                 "GROUP BY worker_pid ORDER BY 2 DESC, 1");
  pids.bind(1, run.id);
  while (pids.step()) t.add_worker(pids.int32(0), pids.int64(1));
  Statement per_worker(db_.get(),
                       "SELECT worker_pid, (fetched_at_ms - ?2) / ?3 AS b, count(*) FROM pages "
                       "WHERE run_id = ?1 AND worker_pid <> 0 GROUP BY worker_pid, b");
  per_worker.bind(1, run.id);
  per_worker.bind(2, t.t0_ms());
  per_worker.bind(3, t.bucket_ms());
  while (per_worker.step()) t.add_worker_bucket(per_worker.int32(0), per_worker.int64(1), per_worker.int64(2));
  return t.finish();
}

RunAggregates ReportData::aggregates(const RunSummary& run, size_t top_n) {
  ReadSnapshot snapshot(db_.get());
  sqlite3* db = db_.get();
  RunAggregates a;
  a.stats = stats_in_snapshot(run, top_n);
  a.timeline = timeline(run);
  a.bytes = single_int(db, "SELECT coalesce(sum(bytes), 0) FROM pages WHERE run_id = ?1", run.id);

  Statement codes(db,
                  "SELECT coalesce(error, CAST(status AS TEXT), 'none') AS code, count(*) FROM pages "
                  "WHERE run_id = ?1 GROUP BY code");
  codes.bind(1, run.id);
  a.codes = code_counts(codes);
  sort_codes(a.codes);

  Statement latency(db,
                    "SELECT elapsed_ms, count(*) FROM pages WHERE run_id = ?1 AND worker_pid <> 0 "
                    "GROUP BY elapsed_ms ORDER BY elapsed_ms");
  latency.bind(1, run.id);
  LatencyBuilder latency_rows(
      single_int(db, "SELECT count(*) FROM pages WHERE run_id = ?1 AND worker_pid <> 0", run.id));
  while (latency.step()) latency_rows.add(latency.int64(0), latency.int64(1));
  a.latency = latency_rows.latency();

  Statement depths(db, "SELECT min(depth, ?2) AS d, count(*) FROM pages WHERE run_id = ?1 GROUP BY d ORDER BY d");
  depths.bind(1, run.id);
  depths.bind(2, int64_t{RunAggregates::kDepthCap});
  while (depths.step()) a.depths.push_back({depth_label(depths.int64(0)), depths.int64(1)});

  Statement hosts(db, sql({"SELECT ", kHost, " AS host, count(*), sum(", kFailed,
                           ") FROM pages WHERE run_id = ?1 GROUP BY host ORDER BY 2 DESC, host LIMIT ?2"}));
  hosts.bind(1, run.id);
  hosts.bind(2, static_cast<int64_t>(top_n));
  while (hosts.step()) a.top_hosts.push_back({hosts.text(0), hosts.int64(1), hosts.int64(2), {}});

  Statement slowest(
      db, std::string(kBriefColumns) + "WHERE run_id = ?1 AND worker_pid <> 0 ORDER BY elapsed_ms DESC, seq LIMIT ?2");
  slowest.bind(1, run.id);
  slowest.bind(2, static_cast<int64_t>(top_n));
  while (slowest.step()) a.slowest.push_back(read_brief(slowest));

  Statement failures(db, sql({kBriefColumns, "WHERE run_id = ?1 AND ", kFailed, " ORDER BY seq LIMIT ?2"}));
  failures.bind(1, run.id);
  failures.bind(2, static_cast<int64_t>(top_n));
  while (failures.step()) a.failures.push_back(read_brief(failures));
  return a;
}

}  // namespace forager::storage
