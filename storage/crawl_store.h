// CrawlStore: what the coordinator needs while it crawls: its run, the
// frontier, batched commits, and the previous run's records for re-crawls.
// Only the coordinator holds one (workers never touch the store).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.h"
#include "storage/shared_run.h"

namespace forager::storage {

class CrawlStore {
 public:
  virtual ~CrawlStore() = default;

  // Resumes the job's newest run if it is not kDone (resetting its kLeased
  // URLs to kQueued), otherwise starts a new run recording options_json.
  virtual RunInfo open_run(const std::string& job, const std::string& options_json) = 0;
  virtual void finish_run(int64_t run, RunState state) = 0;

  // The highest seq used in the run's frontier (0 when empty).
  virtual int64_t max_seq(int64_t run) = 0;
  // Calls `visit` for every frontier entry of the run, in seq order. Used on
  // resume to rebuild the seen set and the queues.
  virtual void for_each_frontier_entry(int64_t run,
                                       const std::function<void(const FrontierEntry&)>& visit) = 0;
  // Up to `limit` kQueued entries of one origin with seq > after_seq, in seq
  // order: the coordinator keeps only a window of each queue in memory.
  virtual std::vector<FrontierEntry> queued_entries(int64_t run, const std::string& origin,
                                                    int64_t after_seq, size_t limit) = 0;
  // Number of page records of the run that came from a fetch: all but those
  // with error robots, out_of_scope or worker_crash.
  virtual int64_t fetched_count(int64_t run) = 0;

  // Applies the batch in one transaction; when it returns, it is durable.
  virtual void commit(const Batch& batch) = 0;

  // Re-crawls. The job's run before `run`, or 0 when `run` is its first.
  virtual int64_t previous_run(const std::string& job, int64_t run) = 0;
  // The options_json a run was started with ("" when there is no such run).
  virtual std::string run_options(int64_t run) = 0;
  // The newest record of `url` that got a response (any status, no error) in
  // the job's runs before `run`, links included.
  virtual std::optional<PageRecord> previous_record(const std::string& job, int64_t run,
                                                    const std::string& url) = 0;

  // Several members on one run (shared_run.h), or null when this store
  // cannot share a run (SQLite).
  virtual SharedRun* shared_run() { return nullptr; }
};

}  // namespace forager::storage
