#include "storage/sqlite/run_queries.h"

namespace forager::storage {
namespace {

// "running", "interrupted", "done" for a RunState value.
const char* run_state_name(int state) {
  switch (static_cast<RunState>(state)) {
    case RunState::kRunning: return "running";
    case RunState::kInterrupted: return "interrupted";
    case RunState::kDone: return "done";
  }
  return "unknown";
}

}  // namespace

const char* const kRunSummariesSql =
    "SELECT r.id, r.job, r.state, r.started_at_ms, r.finished_at_ms, "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.error IS NOT NULL), "
    "(SELECT count(*) FROM frontier f WHERE f.run_id = r.id AND f.state = 0), "
    "(SELECT count(*) FROM frontier f WHERE f.run_id = r.id AND f.state = 1), "
    "(SELECT count(*) FROM frontier f WHERE f.run_id = r.id AND f.state = 2), "
    "(SELECT count(*) FROM frontier f WHERE f.run_id = r.id AND f.state = 3), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.change = 'new'), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.change = 'changed'), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.change = 'unchanged'), "
    "(SELECT count(*) FROM pages p WHERE p.run_id = r.id AND p.change = 'gone') "
    "FROM runs r WHERE (?1 IS NULL OR r.job = ?1) ORDER BY r.id DESC";

RunSummary read_run_summary(const Statement& s) {
  RunSummary r;
  r.id = s.int64(0);
  r.job = s.text(1);
  r.state = run_state_name(s.int32(2));
  r.started_at_ms = s.int64(3);
  r.finished_at_ms = s.int64(4);
  int64_t* counts[] = {&r.pages,  &r.errors,    &r.queued,  &r.leased,    &r.done,
                       &r.failed, &r.new_pages, &r.changed, &r.unchanged, &r.gone};
  for (int i = 0; i < 10; ++i) *counts[i] = s.int64(5 + i);
  return r;
}

const char* const kWorkerEventsSql =
    "SELECT at_ms, slot, pid, event FROM worker_events WHERE run_id = ?1 ORDER BY at_ms, rowid";

WorkerEvent read_worker_event(const Statement& s) { return {s.int64(0), s.int32(1), s.int32(2), s.text(3)}; }

}  // namespace forager::storage
