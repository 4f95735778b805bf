// The scheduler behind `forager schedule run`: it reads the schedules from the
// store, starts each due run as a `forager crawl` child process, and records
// when runs start and how they end.
//
// When a schedule is due (docs/SCHEDULING.md):
// - --every D: at once when it never ran, else D after its last run started.
// - --cron E: when the first instant matching E after its last start (or,
//   never started, after its creation) has come. However many instants were
//   missed while no scheduler ran, that is one run.
// A schedule whose run this scheduler started is never started again before
// that run ends; across processes, the store's compare-and-set on the last
// start and the crawl's job lock (exit 75, "skipped") keep a job single.
//
// Time comes from a Clock (wall_ms for schedule times), processes from a
// Spawner, so tests drive the loop with a manual clock and a fake spawner.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crawler/schedule/cron.h"
#include "crawler/util/clock.h"
#include "crawler/util/exit_codes.h"
#include "crawler/util/signals.h"
#include "storage/schedule_store.h"

namespace forager {

// "ok" (0), "skipped" (75: the job was already running), "interrupted"
// (130, 143: SIGINT/SIGTERM) or "failed" (anything else).
const char* outcome_for_exit(int exit_status);

// When `schedule` is next due, in Unix ms (at or before now: due now), or
// nullopt when it never will be (a bad cron expression). Cron schedules are
// read in UTC or in `local`, as the schedule says.
std::optional<int64_t> next_due_ms(const storage::Schedule& schedule, const TimeZone& local);

// "--every 90m" / "--cron '0 6 * * *' --utc": the schedule as `add` takes it.
std::string describe_schedule(const storage::Schedule& schedule);
// 3600000 -> "1h", 90000 -> "90s", 1500 -> "1500ms".
std::string format_duration_ms(int64_t ms);

// The process seam: starting crawls, signalling them, and waiting for them
// or for a signal to this process.
class Spawner {
 public:
  virtual ~Spawner() = default;

  struct Exit {
    int pid = 0;
    int status = 0;  // exit status, or 128+N when killed by signal N
  };
  struct Events {
    std::vector<Exit> exits;
    std::optional<int> stop_signal;  // SIGINT or SIGTERM received
  };

  // Starts `forager crawl --db DB --job JOB --quiet ARGS...`; returns its
  // pid, or nullopt with `error` set.
  virtual std::optional<int> start(const std::string& db_path, const std::string& job,
                                   const std::vector<std::string>& args, std::string& error) = 0;
  virtual void signal(int pid, int signo) = 0;
  // Returns at once when something happened, else after at most `timeout_ms`.
  virtual Events wait(int64_t timeout_ms) = 0;
};

// The real Spawner. Each crawl is a fork + exec of `binary` (forager itself,
// /proc/self/exe, by default) in its own process group, so that a terminal's
// Ctrl-C reaches only the scheduler, which forwards it once; and with
// PR_SET_PDEATHSIG, so that a crawl gets SIGTERM (a clean, resumable stop) if
// the scheduler dies. Its stdin is /dev/null; stdout and stderr are shared.
// SIGINT, SIGTERM and SIGCHLD are caught while it lives (a SignalPipe), so
// there must be only one per process.
class ProcessSpawner final : public Spawner {
 public:
  explicit ProcessSpawner(std::string binary = "/proc/self/exe");
  ~ProcessSpawner() override;
  std::optional<int> start(const std::string& db_path, const std::string& job,
                           const std::vector<std::string>& args, std::string& error) override;
  void signal(int pid, int signo) override;
  Events wait(int64_t timeout_ms) override;

 private:
  void reap(Events& events);

  std::string binary_;
  std::unique_ptr<SignalPipe> signals_;
  std::vector<int> children_;
};

struct SchedulerOptions {
  std::string db_path;           // passed to each crawl as --db
  bool once = false;             // start what is due now, wait for it, return
  int64_t max_wait_ms = 1000;    // how often the store is read for new schedules
};

class Scheduler {
 public:
  // Everything passed must outlive the Scheduler. `log` gets one line per
  // start and finish.
  Scheduler(storage::ScheduleStore& store, Spawner& spawner, const Clock& clock, const TimeZone& local,
            std::FILE* log, SchedulerOptions options);

  // Runs until stopped by SIGINT/SIGTERM (forwarded to the running crawls,
  // which are waited for), or with `once` until the runs due at the start
  // have ended. Returns the exit status: 0; with `once`, 1 when a run failed;
  // 128+N when `once` was stopped by signal N.
  int run();

 private:
  struct Running {
    int pid;
    int64_t started_at_ms;  // wall
    int64_t started_mono_ms;
  };
  struct Unrecorded {
    std::string name;
    int64_t started_at_ms, finished_at_ms;
    std::optional<int> exit_status;
    std::string outcome;
  };

  // Starts every due schedule that is not running; returns ms until the next
  // one is due (capped by max_wait_ms).
  int64_t start_due();
  void start(const storage::Schedule& schedule, int64_t now_ms);
  void finished(int pid, int status);
  void record(const Unrecorded& finish);
  void flush_unrecorded();
  void log(const std::string& line);

  storage::ScheduleStore& store_;
  Spawner& spawner_;
  const Clock& clock_;
  const TimeZone& local_;
  std::FILE* log_;
  SchedulerOptions options_;
  std::map<std::string, Running> running_;
  std::vector<Unrecorded> unrecorded_;  // finishes the store refused (busy); retried
  bool any_failed_ = false;
};

}  // namespace forager
