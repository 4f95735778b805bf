#include "storage/postgres/pg_run_queries.h"

namespace forager::storage::pg {
namespace {

const char* run_state_name(int64_t state) {
  switch (static_cast<RunState>(state)) {
    case RunState::kRunning: return "running";
    case RunState::kInterrupted: return "interrupted";
    case RunState::kDone: return "done";
  }
  return "unknown";
}

}  // namespace

// Frontier counts leave out sitemaps (depth -1: on a shared run they are
// frontier entries, leased like pages), so that status counts what it counts
// on SQLite, where sitemaps are not frontier entries.
const Statement kRunSummaries = {
    "run_summaries",
    "SELECT r.id, r.job, r.state, r.started_at_ms, r.finished_at_ms, "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.error IS NOT NULL), "
    "(SELECT count(*) FROM frontier f WHERE f.run_id = r.id AND f.state = 0 AND f.lease_id IS NULL AND f.depth >= 0), "
    "(SELECT count(*) FROM frontier f WHERE f.run_id = r.id AND f.state = 1 AND f.depth >= 0), "
    "(SELECT count(*) FROM frontier f WHERE f.run_id = r.id AND f.state = 2 AND f.depth >= 0), "
    "(SELECT count(*) FROM frontier f WHERE f.run_id = r.id AND f.state = 3 AND f.depth >= 0), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.change = 'new'), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.change = 'changed'), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.change = 'unchanged'), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.change = 'gone') "
    "FROM runs r WHERE ($1::text IS NULL OR r.job = $1::text) ORDER BY r.id DESC"};

RunSummary read_run_summary(const Result& rows, int row) {
  RunSummary r;
  r.id = rows.int64(row, 0);
  r.job = rows.text(row, 1);
  r.state = run_state_name(rows.int64(row, 2));
  r.started_at_ms = rows.int64(row, 3);
  r.finished_at_ms = rows.int64(row, 4);
  int64_t* counts[] = {&r.pages,  &r.errors,    &r.queued,  &r.leased,    &r.done,
                       &r.failed, &r.new_pages, &r.changed, &r.unchanged, &r.gone};
  for (int i = 0; i < 10; ++i) *counts[i] = rows.int64(row, 5 + i);
  return r;
}

const Statement kWorkerEvents = {
    "worker_events", "SELECT at_ms, slot, pid, event FROM worker_events WHERE run_id = $1 ORDER BY at_ms, id"};

WorkerEvent read_worker_event(const Result& rows, int row) {
  return {rows.int64(row, 0), rows.int32(row, 1), rows.int32(row, 2), rows.text(row, 3)};
}

}  // namespace forager::storage::pg
