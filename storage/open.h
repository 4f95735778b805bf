// storage::open: the one way every command reaches a store. A location is
// either a PostgreSQL connection URI (postgresql://USER@HOST/DB or
// postgres://..., any libpq URI; the password comes from PGPASSWORD or
// ~/.pgpass, never from the URI) or else a path to a SQLite file (the
// embedded default, `forager.db`). The backend is chosen here, so that
// commands never name one.
//
// Each open function throws StoreError naming the location when it cannot be
// opened, is not a forager store, or has a schema this build does not know.
// A location in a message never holds a password (one is refused first).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "storage/report_queries.h"
#include "storage/schedule_store.h"
#include "storage/store.h"

namespace forager::storage {

// Why `location` may not be used, or nothing: a PostgreSQL URI that holds a
// password, or one libpq cannot parse. Commands check it first (exit 2).
std::optional<std::string> location_problem(const std::string& location);

// Whether `location` is a PostgreSQL connection URI (else a SQLite path).
bool is_postgres(const std::string& location);

// False when the location certainly holds no forager store: no such file, or
// a PostgreSQL database without the forager schema. True when the store is
// there, or when the server cannot be reached (opening it then says why).
bool exists(const std::string& location);

// Read-write: crawl and export. Creates the store and its schema if missing.
std::unique_ptr<Store> open(const std::string& location);
// Read-only: status and report. Never creates anything.
std::unique_ptr<ReportQueries> open_reports(const std::string& location);
// The schedules (creating the store if missing).
std::unique_ptr<ScheduleStore> open_schedules(const std::string& location);

}  // namespace forager::storage
