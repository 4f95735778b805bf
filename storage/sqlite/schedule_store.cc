#include "storage/sqlite/schedule_store.h"

#include <nlohmann/json.hpp>

#include "storage/sqlite/sqlite_store.h"

namespace forager::storage {
namespace {

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS schedules (
  name TEXT PRIMARY KEY,
  cron TEXT NULL,
  every_ms INTEGER NULL,
  utc INTEGER NOT NULL DEFAULT 0,
  args_json TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_started_at_ms INTEGER NULL,
  last_finished_at_ms INTEGER NULL,
  last_exit INTEGER NULL,
  last_outcome TEXT NULL,
  CHECK ((cron IS NULL) <> (every_ms IS NULL))
))sql";

constexpr const char* kColumns =
    "SELECT name, cron, every_ms, utc, args_json, created_at_ms, last_started_at_ms, "
    "last_finished_at_ms, last_exit, last_outcome FROM schedules";

std::vector<std::string> args_from_json(const std::string& text) {
  std::vector<std::string> args;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return args;
  for (const auto& item : j)
    if (item.is_string()) args.push_back(item.get<std::string>());
  return args;
}

}  // namespace

std::unique_ptr<SqliteScheduleStore> SqliteScheduleStore::open(const std::string& path) {
  // Creates or checks the forager schema (and refuses foreign files) first.
  SqliteStore::open(path);
  Database db = Database::open(path);
  try {
    if (sqlite3_busy_timeout(db.get(), 5000) != SQLITE_OK) throw_sqlite_error(db.get(), "cannot set busy timeout");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(kCreateTable);
  } catch (const StoreError& e) {
    throw StoreError("cannot open " + path + ": " + e.what());
  }
  return std::unique_ptr<SqliteScheduleStore>(new SqliteScheduleStore(std::move(db)));
}

bool SqliteScheduleStore::add(const Schedule& s) {
  Statement stmt(db_.get(),
                 "INSERT INTO schedules (name, cron, every_ms, utc, args_json, created_at_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(name) DO NOTHING");
  stmt.bind(1, s.name);
  if (s.cron) {
    stmt.bind(2, *s.cron);
  } else {
    stmt.bind_null(2);
  }
  stmt.bind(3, s.every_ms);
  stmt.bind(4, int64_t{s.utc ? 1 : 0});
  stmt.bind(5, nlohmann::json(s.args).dump());
  stmt.bind(6, s.created_at_ms);
  stmt.run();
  return sqlite3_changes(db_.get()) == 1;
}

bool SqliteScheduleStore::remove(const std::string& name) {
  Statement stmt(db_.get(), "DELETE FROM schedules WHERE name = ?1");
  stmt.bind(1, name);
  stmt.run();
  return sqlite3_changes(db_.get()) == 1;
}

Schedule SqliteScheduleStore::read_row(const Statement& stmt) const {
  Schedule s;
  s.name = stmt.text(0);
  if (!stmt.is_null(1)) s.cron = stmt.text(1);
  if (!stmt.is_null(2)) s.every_ms = stmt.int64(2);
  s.utc = stmt.int64(3) != 0;
  s.args = args_from_json(stmt.text(4));
  s.created_at_ms = stmt.int64(5);
  if (!stmt.is_null(6)) s.last_started_at_ms = stmt.int64(6);
  if (!stmt.is_null(7)) s.last_finished_at_ms = stmt.int64(7);
  if (!stmt.is_null(8)) s.last_exit = stmt.int32(8);
  if (!stmt.is_null(9)) s.last_outcome = stmt.text(9);
  return s;
}

std::vector<Schedule> SqliteScheduleStore::list() {
  Statement stmt(db_.get(), std::string(kColumns) + " ORDER BY name");
  std::vector<Schedule> out;
  while (stmt.step()) out.push_back(read_row(stmt));
  return out;
}

std::optional<Schedule> SqliteScheduleStore::get(const std::string& name) {
  Statement stmt(db_.get(), std::string(kColumns) + " WHERE name = ?1");
  stmt.bind(1, name);
  if (!stmt.step()) return std::nullopt;
  return read_row(stmt);
}

bool SqliteScheduleStore::claim_start(const std::string& name, std::optional<int64_t> expected_last_start,
                                int64_t started_at_ms) {
  Statement stmt(db_.get(),
                 "UPDATE schedules SET last_started_at_ms = ?3, last_finished_at_ms = NULL, last_exit = NULL, "
                 "last_outcome = NULL WHERE name = ?1 AND last_started_at_ms IS ?2");
  stmt.bind(1, name);
  stmt.bind(2, expected_last_start);
  stmt.bind(3, started_at_ms);
  stmt.run();
  return sqlite3_changes(db_.get()) == 1;
}

void SqliteScheduleStore::record_finish(const std::string& name, int64_t started_at_ms, int64_t finished_at_ms,
                                  std::optional<int> exit_status, const std::string& outcome) {
  Statement stmt(db_.get(),
                 "UPDATE schedules SET last_finished_at_ms = ?3, last_exit = ?4, last_outcome = ?5 "
                 "WHERE name = ?1 AND last_started_at_ms = ?2");
  stmt.bind(1, name);
  stmt.bind(2, started_at_ms);
  stmt.bind(3, finished_at_ms);
  stmt.bind(4, exit_status);
  stmt.bind(5, outcome);
  stmt.run();
}

}  // namespace forager::storage
