// SQL and row readers shared by the store (read-write) and the report's
// read-only queries, so a run summary means the same thing everywhere.
#pragma once

#include "storage/sqlite/sqlite_handles.h"
#include "storage/store.h"

namespace forager::storage {

// Runs, newest first, with their counts; ?1 = job, or NULL for every job.
extern const char* const kRunSummariesSql;
RunSummary read_run_summary(const Statement& row);

// A run's worker events in time order; ?1 = run id.
extern const char* const kWorkerEventsSql;
WorkerEvent read_worker_event(const Statement& row);

}  // namespace forager::storage
