#include "storage/open.h"

#include "storage/sqlite/report_data.h"
#include "storage/sqlite/schedule_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace forager::storage {

std::unique_ptr<Store> open(const std::string& location) { return SqliteStore::open(location); }

std::unique_ptr<ReportQueries> open_reports(const std::string& location) {
  return std::make_unique<ReportData>(ReportData::open(location));
}

std::unique_ptr<ScheduleStore> open_schedules(const std::string& location) {
  return SqliteScheduleStore::open(location);
}

}  // namespace forager::storage
