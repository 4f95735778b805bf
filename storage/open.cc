#include "storage/open.h"

#include <sys/stat.h>

#include "storage/postgres/pg_connection.h"
#include "storage/postgres/pg_report_queries.h"
#include "storage/postgres/pg_schedule_store.h"
#include "storage/postgres/pg_schema.h"
#include "storage/postgres/pg_store.h"
#include "storage/sqlite/report_data.h"
#include "storage/sqlite/schedule_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace forager::storage {

std::optional<std::string> location_problem(const std::string& location) {
  if (!pg::is_uri(location)) return std::nullopt;
  return pg::uri_problem(location);
}

bool is_postgres(const std::string& location) { return pg::is_uri(location); }

bool exists(const std::string& location) {
  if (!pg::is_uri(location)) {
    struct stat st;
    return ::stat(location.c_str(), &st) == 0;
  }
  try {
    pg::Connection conn = pg::Connection::open(location);
    return pg::has_schema(conn);
  } catch (const StoreError&) {
    return true;  // opening it reports why it cannot be reached
  }
}

std::unique_ptr<Store> open(const std::string& location) {
  if (pg::is_uri(location)) return PgStore::open(location);
  return SqliteStore::open(location);
}

std::unique_ptr<ReportQueries> open_reports(const std::string& location) {
  if (pg::is_uri(location)) return PgReportQueries::open(location);
  return std::make_unique<ReportData>(ReportData::open(location));
}

std::unique_ptr<ScheduleStore> open_schedules(const std::string& location) {
  if (pg::is_uri(location)) return PgScheduleStore::open(location);
  return SqliteScheduleStore::open(location);
}

}  // namespace forager::storage
