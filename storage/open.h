// storage::open: the one way every command reaches a store. A location is a
// path to a SQLite file (the embedded default, `forager.db`); the backend is
// chosen here, so that commands never name one.
//
// Each function throws StoreError naming the location when it cannot be
// opened, is not a forager store, or has a schema this build does not know.
#pragma once

#include <memory>
#include <string>

#include "storage/report_queries.h"
#include "storage/schedule_store.h"
#include "storage/store.h"

namespace forager::storage {

// Read-write: crawl and export. Creates the store and its schema if missing.
std::unique_ptr<Store> open(const std::string& location);
// Read-only: status and report. Never creates anything.
std::unique_ptr<ReportQueries> open_reports(const std::string& location);
// The schedules (creating the store if missing).
std::unique_ptr<ScheduleStore> open_schedules(const std::string& location);

}  // namespace forager::storage
