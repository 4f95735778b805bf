// ScheduleStore: the schedules of recurring crawls, kept in the store.
// storage::open_schedules (open.h) returns one for a location.
//
// Contract:
// - Use one from one thread, never in a forked child. Every method is atomic
//   on its own and throws StoreError on failure.
// - A schedule's name is its crawl job's name. Exactly one of `cron` and
//   `every_ms` is set. Times are Unix milliseconds (UTC).
// - args are the crawl options and seeds, so that a run is
//   `forager crawl --db DB --job NAME --quiet <args>`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace forager::storage {

struct Schedule {
  std::string name;
  std::optional<std::string> cron;   // a cron expression (crawler/schedule/cron.h) ...
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
  virtual ~ScheduleStore() = default;

  // Adds `schedule`; false (and nothing written) when the name is taken.
  virtual bool add(const Schedule& schedule) = 0;
  // Removes the schedule; false when there was none of that name.
  virtual bool remove(const std::string& name) = 0;
  // Every schedule, by name.
  virtual std::vector<Schedule> list() = 0;
  virtual std::optional<Schedule> get(const std::string& name) = 0;

  // Records the start of a run, only if the schedule's last start is still
  // `expected_last_start` (compare-and-set, so that two schedulers never
  // start the same due run). Clears the previous outcome. True when claimed.
  virtual bool claim_start(const std::string& name, std::optional<int64_t> expected_last_start,
                           int64_t started_at_ms) = 0;
  // Records how the run that started at `started_at_ms` ended; ignored when a
  // later run has started since, or the schedule was removed.
  virtual void record_finish(const std::string& name, int64_t started_at_ms, int64_t finished_at_ms,
                             std::optional<int> exit_status, const std::string& outcome) = 0;
};

}  // namespace forager::storage
