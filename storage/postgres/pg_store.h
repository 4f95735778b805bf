// PgStore: the Store (storage/store.h) on a PostgreSQL server, through one
// libpq connection. It behaves as SqliteStore does, so that every command
// gives the same results on either backend; export gives the same bytes.
//
// Contract (in addition to store.h):
// - One PgStore is one connection; use it from one thread, never in a forked
//   child (open it after the workers are forked, as SqliteStore).
// - commit() applies a batch in one transaction with one statement per part
//   (arrays and unnest), sent as one pipeline with its BEGIN and COMMIT: one
//   round trip for the batch. A batch without a run
//   throws. When commit() returns, the batch is durable (synchronous_commit
//   of the server).
// - for_each_record and for_each_frontier_entry page through the rows by key
//   (run, seq), a chunk per query, so that no transaction stays open while a
//   large export is written. The runs an export covers are fixed when it
//   starts; a record committed again while the export runs may be read in
//   its new version.
// - The job lock is a row of job_locks plus a session-level advisory lock on
//   the job's id: it ends with the holder's connection (its process died, or
//   its server connection was lost), and a holder on this machine that is
//   still alive keeps it as on SQLite (`alive`). A holder that `alive` says
//   is gone (killed, or on another machine) gets kLockGraceMs for its server
//   session to end before lock_job reports the job as running.
// - Callbacks passed to for_each_* must not call back into this store.
// - Every crawl goes through shared_run() (pg_shared_run.h), so that several
//   members can work on one run; open_run (forager extract) refuses to resume
//   a crawl's unfinished run.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>

#include "storage/postgres/pg_connection.h"
#include "storage/postgres/pg_shared_run.h"
#include "storage/store.h"

namespace forager::storage {

class PgStore final : public Store {
 public:
  // Connects to `location` (a postgresql:// URI), creating the schema when
  // missing. Throws StoreError naming the location when it cannot connect,
  // the URI holds a password, or the schema is newer than this build.
  static std::unique_ptr<PgStore> open(const std::string& location);

  RunInfo open_run(const std::string& job, const std::string& options_json) override;
  void finish_run(int64_t run, RunState state) override;
  int64_t max_seq(int64_t run) override;
  void for_each_frontier_entry(int64_t run,
                               const std::function<void(const FrontierEntry&)>& visit) override;
  std::vector<FrontierEntry> queued_entries(int64_t run, const std::string& origin, int64_t after_seq,
                                            size_t limit) override;
  int64_t fetched_count(int64_t run) override;
  void commit(const Batch& batch) override;
  void for_each_record(const ExportQuery& query,
                       const std::function<void(const ExportRecord&)>& visit) override;
  std::vector<RunSummary> list_runs(const std::optional<std::string>& job) override;
  int64_t previous_run(const std::string& job, int64_t run) override;
  std::string run_options(int64_t run) override;
  std::optional<PageRecord> previous_record(const std::string& job, int64_t run,
                                            const std::string& url) override;
  std::optional<std::string> lock_job(const std::string& job, const std::string& holder,
                                      const std::function<bool(const std::string&)>& alive) override;
  void unlock_job(const std::string& job, const std::string& holder) override;
  std::vector<WorkerEvent> worker_events(int64_t run) override;
  SharedRun* shared_run() override { return &shared_; }

  // Rows per query when paging through records or the frontier.
  static constexpr int kRecordChunk = 1000;
  static constexpr int kFrontierChunk = 10000;
  // How long lock_job waits for the server session of a holder that is not
  // alive (by `alive`) to end, before it reports the job as running.
  static constexpr int kLockGraceMs = 3000;

 private:
  friend class PgSharedRun;  // applies completions as commit() does
  explicit PgStore(pg::Connection conn) : conn_(std::move(conn)), shared_(conn_, *this) {}
  // The statements of a batch, or of its completions, added to `parts`.
  void apply(pg::Pipeline& parts, const Batch& batch);
  // `leased`: the completions of a shared run's lease, whose URLs are their
  // frontier entries' (a record is replaced by seq alone).
  void apply_completions(pg::Pipeline& parts, int64_t run, const std::vector<Batch::Completion>& completions,
                         bool leased = false);
  // The job's newest earlier record of each URL that got a response (what
  // previous_record gives, for many URLs in one query), by URL.
  std::map<std::string, PageRecord> previous_records(int64_t run, const std::vector<std::string>& urls);
  std::vector<int64_t> export_runs(const ExportQuery& query);
  int64_t job_key(const std::string& job);
  bool try_advisory_lock(const std::string& job, const std::vector<pg::Param>& lock_key,
                         const std::function<bool(const std::string&)>& alive);

  pg::Connection conn_;
  std::set<int64_t> advisory_held_;  // job keys whose advisory lock this session holds
  PgSharedRun shared_;
};

}  // namespace forager::storage
