// SQL and row readers shared by PgStore and PgReportQueries, so a run
// summary means the same thing on both (and the same as on SQLite:
// storage/sqlite/run_queries.h).
#pragma once

#include "storage/postgres/pg_connection.h"
#include "storage/records.h"

namespace forager::storage::pg {

// Runs, newest first, with their counts; $1 = job, or NULL for every job.
extern const Statement kRunSummaries;
RunSummary read_run_summary(const Result& rows, int row);

// A run's worker events in time order; $1 = run id.
extern const Statement kWorkerEvents;
WorkerEvent read_worker_event(const Result& rows, int row);

}  // namespace forager::storage::pg
