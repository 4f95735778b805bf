// Checks that a job or run named on the command line exists, so that
// `export`, `status` and `report` of a typo say so (exit 2) instead of
// writing an empty file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.h"

namespace forager {

// "" when `job` (if set) has a run among `runs` and run `run_id` (if set)
// exists, of `job` when set. Otherwise a message naming what does not exist
// in the store at `db_path` and listing what does: "no job 'x' in
// forager.db; its jobs are: books, news".
std::string unknown_job_or_run(const std::vector<storage::RunSummary>& runs, const std::optional<std::string>& job,
                               std::optional<int64_t> run_id, const std::string& db_path);

}  // namespace forager
