// SqliteStore: the Store on one SQLite file in WAL mode.
//
// Contract (in addition to store.h):
// - One SqliteStore is one connection; use it from one thread. SQLite is not
//   fork-safe: open the store only after the worker processes are forked, and
//   never use it in a child.
// - commit() applies to batch.run; a batch without a run throws.
// - Callbacks passed to for_each_frontier_entry / for_each_record must not
//   call back into this store.
// - Durability: journal_mode=WAL with synchronous=NORMAL. A committed
//   transaction survives a crash of any process (the WAL is in the OS page
//   cache); only an OS crash or power loss may lose the last transactions,
//   and never leaves the database corrupt or half-written.
// - Timestamps are Unix milliseconds (UTC) in the database.
#pragma once

#include <memory>
#include <string>

#include "storage/sqlite/sqlite_handles.h"
#include "storage/store.h"

namespace forager::storage {

// The schema version this build reads and writes (PRAGMA user_version).
inline constexpr int kSchemaVersion = 4;  // 2: frontier.origin; 3: pages.noindex; 4: pages.warc_*
// PRAGMA application_id of a forager database ("FRGR").
inline constexpr int kApplicationId = 0x46524752;

class SqliteStore final : public Store {
 public:
  // Opens the database at `path`, creating the file and the schema when
  // missing. Throws StoreError naming `path` when it cannot be opened, is not
  // a forager database, or has a schema version this build does not know.
  static std::unique_ptr<SqliteStore> open(const std::string& path);

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

 private:
  // Statements reused for every call (prepared once, at open).
  struct Statements {
    explicit Statements(sqlite3* db);
    Statement newest_run, resume_run, unlease_all, insert_job, insert_run, finish_run;
    Statement max_seq, frontier_entries, queued_of_origin, fetched_count;
    Statement discover, lease, requeue, set_url_state;
    Statement insert_page;
    Statement list_runs;
    Statement previous_run, run_options, previous_record, lock_holder, take_lock, release_lock;
    Statement insert_worker_event, worker_events;
  };

  SqliteStore(Database db, std::string path);
  void apply_completion(int64_t run, const Batch::Completion& completion);

  Database db_;
  std::string path_;
  Statements stmts_;
};

}  // namespace forager::storage
