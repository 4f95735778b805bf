// ScheduleStore: the `schedules` table of a forager database.
//
// Contract:
// - It opens the same SQLite file as SqliteStore, on its own connection (WAL,
//   busy_timeout 5 s). open() first lets SqliteStore create or check the
//   forager schema, then creates the schedules table if it is missing.
// - One ScheduleStore is one connection: use it from one thread, never in a
//   forked child. Every method is one statement (atomic on its own) and
//   throws StoreError on failure.
// - A schedule's name is its crawl job's name. Exactly one of `cron` and
//   `every_ms` is set. Times are Unix milliseconds (UTC).
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

#include "storage/sqlite_handles.h"

namespace forager::storage {

struct Schedule {
  std::string name;
  std::optional<std::string> cron;   // a cron expression (crawler/cron.h) ...
  std::optional<int64_t> every_ms;   // ... or an interval
  bool utc = false;                  // cron read in UTC instead of local time
  std::vector<std::string> args;     // crawl arguments (options, then seeds)
  int64_t created_at_ms = 0;
  std::optional<int64_t> last_started_at_ms;
  std::optional<int64_t> last_finished_at_ms;
  std::optional<int> last_exit;      // the crawl's exit status (128+N: signal N)
  std::optional<std::string> last_outcome;  // ok | skipped | interrupted | failed
};

class ScheduleStore {
 public:
  // Opens (creating if missing) the database at `path`. Throws StoreError
  // naming `path`, as SqliteStore::open does.
  static std::unique_ptr<ScheduleStore> open(const std::string& path);

  // Adds `schedule`; false (and nothing written) when the name is taken.
  bool add(const Schedule& schedule);
  // Removes the schedule; false when there was none of that name.
  bool remove(const std::string& name);
  // Every schedule, by name.
  std::vector<Schedule> list();
  std::optional<Schedule> get(const std::string& name);

  // Records the start of a run, only if the schedule's last start is still
  // `expected_last_start` (compare-and-set, so that two schedulers never
  // start the same due run). Clears the previous outcome. True when claimed.
  bool claim_start(const std::string& name, std::optional<int64_t> expected_last_start, int64_t started_at_ms);
  // Records how the run that started at `started_at_ms` ended; ignored when a
  // later run has started since, or the schedule was removed.
  void record_finish(const std::string& name, int64_t started_at_ms, int64_t finished_at_ms,
                     std::optional<int> exit_status, const std::string& outcome);

 private:
  explicit ScheduleStore(Database db) : db_(std::move(db)) {}
  Schedule read_row(const Statement& stmt) const;

  Database db_;
};

}  // namespace forager::storage
