// SqliteScheduleStore: ScheduleStore (storage/schedule_store.h) as the
// `schedules` table of a forager SQLite database.
//
// Contract:
// - It opens the same SQLite file as SqliteStore, on its own connection (WAL,
//   busy_timeout 5 s). open() first lets SqliteStore create or check the
//   forager schema, then creates the schedules table if it is missing.
// - One ScheduleStore is one connection: use it from one thread, never in a
//   forked child. Every method is one statement (atomic on its own) and
//   throws StoreError on failure.
//
// Table (created if missing, independent of the schema version):
//   schedules(name TEXT PRIMARY KEY, cron TEXT NULL, every_ms INTEGER NULL,
//             utc INTEGER, args_json TEXT, created_at_ms INTEGER,
//             last_started_at_ms INTEGER NULL, last_finished_at_ms INTEGER NULL,
//             last_exit INTEGER NULL, last_outcome TEXT NULL)
// args_json is a JSON array of strings: the crawl options and seeds, so that a
// run is `forager crawl --db DB --job NAME --quiet <args>`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/schedule_store.h"
#include "storage/sqlite/sqlite_handles.h"

namespace forager::storage {

class SqliteScheduleStore final : public ScheduleStore {
 public:
  // Opens (creating if missing) the database at `path`. Throws StoreError
  // naming `path`, as SqliteStore::open does.
  static std::unique_ptr<SqliteScheduleStore> open(const std::string& path);

  bool add(const Schedule& schedule) override;
  bool remove(const std::string& name) override;
  std::vector<Schedule> list() override;
  std::optional<Schedule> get(const std::string& name) override;
  bool claim_start(const std::string& name, std::optional<int64_t> expected_last_start,
                   int64_t started_at_ms) override;
  void record_finish(const std::string& name, int64_t started_at_ms, int64_t finished_at_ms,
                     std::optional<int> exit_status, const std::string& outcome) override;

 private:
  explicit SqliteScheduleStore(Database db) : db_(std::move(db)) {}
  Schedule read_row(const Statement& stmt) const;

  Database db_;
};

}  // namespace forager::storage
