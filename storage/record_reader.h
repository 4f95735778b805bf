// RecordReader: what `export` reads: the records of runs, and the runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.h"

namespace forager::storage {

class RecordReader {
 public:
  virtual ~RecordReader() = default;

  // Streams records in (run, seq) order without holding them all in memory.
  virtual void for_each_record(const ExportQuery& query,
                               const std::function<void(const ExportRecord&)>& visit) = 0;
  // Runs, newest first; all jobs when job is unset.
  virtual std::vector<RunSummary> list_runs(const std::optional<std::string>& job) = 0;
  // Worker events of a run, in time order (for reports).
  virtual std::vector<WorkerEvent> worker_events(int64_t run) = 0;
};

}  // namespace forager::storage
