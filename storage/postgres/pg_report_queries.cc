#include "storage/postgres/pg_report_queries.h"

#include <map>

#include "storage/postgres/pg_run_queries.h"
#include "storage/postgres/pg_schema.h"
#include "storage/report_math.h"

namespace forager::storage {
namespace {

using pg::Result;

// A record's failure code, NULL when it did not fail (see report_queries.h).
constexpr const char* kFailureCode =
    "(CASE WHEN error IS NOT NULL THEN error WHEN status >= 400 THEN status::text END)";
constexpr const char* kFailed = "(CASE WHEN error IS NOT NULL OR coalesce(status, 0) >= 400 THEN 1 ELSE 0 END)";
// The authority of a normalized URL: what follows "://" up to the next "/".
constexpr const char* kHost = "split_part(substr(url, strpos(url, '://') + 3), '/', 1)";
constexpr const char* kSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

std::string sql(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

std::vector<CodeCount> code_counts(const Result& rows) {
  std::vector<CodeCount> out;
  for (int i = 0; i < rows.rows(); ++i) out.push_back({rows.text(i, 0), rows.int64(i, 1)});
  return out;
}

PageBrief read_brief(const Result& r, int row) {
  PageBrief p;
  p.url = r.text(row, 0);
  p.title = r.text(row, 1);
  if (!r.is_null(row, 2)) p.status = r.int32(row, 2);
  p.error = r.text(row, 3);
  p.elapsed_ms = r.int64(row, 4);
  p.worker_pid = r.int32(row, 5);
  p.referrer = r.text(row, 6);
  return p;
}

constexpr const char* kBriefColumns = "SELECT url, title, status, error, elapsed_ms, worker_pid, referrer FROM pages ";

}  // namespace

std::unique_ptr<PgReportQueries> PgReportQueries::open(const std::string& location) {
  pg::Connection conn = pg::Connection::open(location);
  conn.exec("SET default_transaction_read_only = on");
  pg::check_schema(conn);
  return std::unique_ptr<PgReportQueries>(new PgReportQueries(std::move(conn)));
}

int64_t PgReportQueries::single_int(const std::string& text, int64_t run) {
  return conn_.query(text, {pg::integer(run)}).int64(0, 0);
}

std::vector<RunSummary> PgReportQueries::runs(const std::optional<std::string>& job) {
  Result rows = conn_.run(pg::kRunSummaries, {job ? pg::text(*job) : pg::null()});
  std::vector<RunSummary> out;
  for (int i = 0; i < rows.rows(); ++i) out.push_back(pg::read_run_summary(rows, i));
  return out;
}

std::vector<WorkerEvent> PgReportQueries::worker_events(int64_t run) {
  Result rows = conn_.run(pg::kWorkerEvents, {pg::integer(run)});
  std::vector<WorkerEvent> events;
  for (int i = 0; i < rows.rows(); ++i) events.push_back(pg::read_worker_event(rows, i));
  return events;
}

RunStats PgReportQueries::run_stats(const RunSummary& run, size_t top_hosts) {
  pg::Transaction snapshot(conn_, kSnapshot);
  RunStats stats = stats_in_snapshot(run, top_hosts);
  snapshot.commit();
  return stats;
}

RunStats PgReportQueries::stats_in_snapshot(const RunSummary& run, size_t top_hosts) {
  RunStats stats;
  int64_t end = run.finished_at_ms;
  if (end == 0) end = single_int("SELECT coalesce(max(fetched_at_ms), 0) FROM pages WHERE run_id = $1", run.id);
  if (end > run.started_at_ms) stats.duration_s = static_cast<double>(end - run.started_at_ms) / 1000.0;
  if (stats.duration_s > 0) stats.pages_per_second = static_cast<double>(run.pages) / stats.duration_s;
  stats.failures_by_code = code_counts(conn_.query(
      sql({"SELECT code, count(*) FROM (SELECT ", kFailureCode,
           " AS code FROM pages WHERE run_id = $1) c WHERE code IS NOT NULL "
           "GROUP BY code ORDER BY 2 DESC, code COLLATE \"C\""}),
      {pg::integer(run.id)}));
  stats.top_failed_hosts = failed_hosts(run.id, top_hosts);
  return stats;
}

// The hosts with the most failures, each with its failure codes.
std::vector<HostCount> PgReportQueries::failed_hosts(int64_t run, size_t limit) {
  std::vector<HostCount> hosts;
  Result top = conn_.query(sql({"SELECT host, n, failed FROM (SELECT ", kHost, " AS host, count(*) AS n, sum(",
                                kFailed, ") AS failed FROM pages WHERE run_id = $1 GROUP BY 1) h WHERE failed > 0 "
                                         "ORDER BY failed DESC, host COLLATE \"C\" LIMIT $2"}),
                           {pg::integer(run), pg::integer(static_cast<int64_t>(limit))});
  for (int i = 0; i < top.rows(); ++i) hosts.push_back({top.text(i, 0), top.int64(i, 1), top.int64(i, 2), {}});
  if (hosts.empty()) return hosts;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < hosts.size(); ++i) index[hosts[i].host] = i;
  Result codes = conn_.query(sql({"SELECT host, code, n FROM (SELECT ", kHost, " AS host, ", kFailureCode,
                                  " AS code, count(*) AS n FROM pages WHERE run_id = $1 AND ", kFailed,
                                  " = 1 GROUP BY 1, 2) c ORDER BY n DESC, code COLLATE \"C\""}),
                             {pg::integer(run)});
  for (int i = 0; i < codes.rows(); ++i) {
    auto it = index.find(codes.text(i, 0));
    if (it != index.end()) hosts[it->second].codes.push_back({codes.text(i, 1), codes.int64(i, 2)});
  }
  return hosts;
}

Timeline PgReportQueries::timeline(const RunSummary& run) {
  Result span = conn_.query("SELECT min(fetched_at_ms), max(fetched_at_ms) FROM pages WHERE run_id = $1",
                            {pg::integer(run.id)});
  if (span.is_null(0, 0)) return Timeline{};
  TimelineBuilder t(run.started_at_ms, span.int64(0, 0), span.int64(0, 1));
  const std::vector<pg::Param> params = {pg::integer(run.id), pg::integer(t.t0_ms()), pg::integer(t.bucket_ms())};
  Result buckets = conn_.query(sql({"SELECT (fetched_at_ms - $2::bigint) / $3::bigint AS b, count(*), sum(", kFailed,
                                    ") FROM pages WHERE run_id = $1 GROUP BY 1"}),
                               params);
  for (int i = 0; i < buckets.rows(); ++i) t.add_bucket(buckets.int64(i, 0), buckets.int64(i, 1), buckets.int64(i, 2));

  Result pids = conn_.query(
      "SELECT worker_pid, count(*) FROM pages WHERE run_id = $1 AND worker_pid <> 0 GROUP BY 1 ORDER BY 2 DESC, 1",
      {pg::integer(run.id)});
  for (int i = 0; i < pids.rows(); ++i) t.add_worker(pids.int32(i, 0), pids.int64(i, 1));
  Result per_worker = conn_.query(
      "SELECT worker_pid, (fetched_at_ms - $2::bigint) / $3::bigint AS b, count(*) FROM pages "
      "WHERE run_id = $1 AND worker_pid <> 0 GROUP BY 1, 2",
      params);
  for (int i = 0; i < per_worker.rows(); ++i)
    t.add_worker_bucket(per_worker.int32(i, 0), per_worker.int64(i, 1), per_worker.int64(i, 2));
  return t.finish();
}

RunAggregates PgReportQueries::aggregates(const RunSummary& run, size_t top_n) {
  pg::Transaction snapshot(conn_, kSnapshot);
  const pg::Param id = pg::integer(run.id), n = pg::integer(static_cast<int64_t>(top_n));
  RunAggregates a;
  a.stats = stats_in_snapshot(run, top_n);
  a.timeline = timeline(run);
  a.bytes = single_int("SELECT coalesce(sum(bytes), 0)::bigint FROM pages WHERE run_id = $1", run.id);

  a.codes = code_counts(conn_.query(
      "SELECT coalesce(error, status::text, 'none') AS code, count(*) FROM pages WHERE run_id = $1 GROUP BY 1", {id}));
  sort_codes(a.codes);

  LatencyBuilder latency(single_int("SELECT count(*) FROM pages WHERE run_id = $1 AND worker_pid <> 0", run.id));
  Result rows = conn_.query(
      "SELECT elapsed_ms, count(*) FROM pages WHERE run_id = $1 AND worker_pid <> 0 GROUP BY 1 ORDER BY 1", {id});
  for (int i = 0; i < rows.rows(); ++i) latency.add(rows.int64(i, 0), rows.int64(i, 1));
  a.latency = latency.latency();

  Result depths = conn_.query(
      "SELECT least(depth, $2::integer) AS d, count(*) FROM pages WHERE run_id = $1 GROUP BY 1 ORDER BY 1",
      {id, pg::integer(RunAggregates::kDepthCap)});
  for (int i = 0; i < depths.rows(); ++i) a.depths.push_back({depth_label(depths.int64(i, 0)), depths.int64(i, 1)});

  Result hosts = conn_.query(sql({"SELECT host, n, failed FROM (SELECT ", kHost, " AS host, count(*) AS n, sum(",
                                  kFailed, ") AS failed FROM pages WHERE run_id = $1 GROUP BY 1) h "
                                           "ORDER BY n DESC, host COLLATE \"C\" LIMIT $2"}),
                             {id, n});
  for (int i = 0; i < hosts.rows(); ++i)
    a.top_hosts.push_back({hosts.text(i, 0), hosts.int64(i, 1), hosts.int64(i, 2), {}});

  Result slowest = conn_.query(
      std::string(kBriefColumns) + "WHERE run_id = $1 AND worker_pid <> 0 ORDER BY elapsed_ms DESC, seq LIMIT $2",
      {id, n});
  for (int i = 0; i < slowest.rows(); ++i) a.slowest.push_back(read_brief(slowest, i));

  Result failures =
      conn_.query(sql({kBriefColumns, "WHERE run_id = $1 AND ", kFailed, " = 1 ORDER BY seq LIMIT $2"}), {id, n});
  for (int i = 0; i < failures.rows(); ++i) a.failures.push_back(read_brief(failures, i));
  snapshot.commit();
  return a;
}

std::vector<MemberStats> PgReportQueries::members(const RunSummary& run) {
  // Times in Unix ms of the server's clock; the age of a heartbeat is server
  // time too, so a member's clock never enters it.
  Result rows = conn_.query(
      "SELECT id, host, pid, pages, (extract(epoch FROM started_at) * 1000)::bigint, "
      "(extract(epoch FROM heartbeat_at) * 1000)::bigint, "
      "greatest(0, (extract(epoch FROM now() - heartbeat_at) * 1000)::bigint), "
      "coalesce((extract(epoch FROM left_at) * 1000)::bigint, 0) "
      "FROM members WHERE run_id = $1 ORDER BY id LIMIT $2",
      {pg::integer(run.id), pg::integer(ReportQueries::kMaxMembers)});
  std::vector<MemberStats> out;
  for (int i = 0; i < rows.rows(); ++i) {
    MemberStats m;
    m.id = rows.int64(i, 0);
    m.host = rows.text(i, 1);
    m.pid = rows.int32(i, 2);
    m.pages = rows.int64(i, 3);
    m.started_at_ms = rows.int64(i, 4);
    m.heartbeat_at_ms = rows.int64(i, 5);
    m.heartbeat_age_ms = rows.int64(i, 6);
    m.left_at_ms = rows.int64(i, 7);
    const int64_t end = m.left_at_ms ? m.left_at_ms : m.heartbeat_at_ms;
    if (end > m.started_at_ms) m.pages_per_second = static_cast<double>(m.pages) * 1000.0 / (end - m.started_at_ms);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace forager::storage
