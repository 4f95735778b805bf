#include "crawler/cli/known_runs.h"

#include <algorithm>

namespace forager {
namespace {

// Names listed in a message before "and N more".
constexpr size_t kListed = 20;

std::string listed(const std::vector<std::string>& items) {
  std::string text;
  for (size_t i = 0; i < items.size() && i < kListed; ++i) text += (i ? ", " : "") + items[i];
  if (items.size() > kListed) text += " and " + std::to_string(items.size() - kListed) + " more";
  return text;
}

std::string jobs_text(const std::vector<storage::RunSummary>& runs) {
  std::vector<std::string> jobs;
  for (const auto& r : runs)
    if (std::find(jobs.begin(), jobs.end(), r.job) == jobs.end()) jobs.push_back(r.job);
  std::sort(jobs.begin(), jobs.end());
  return jobs.empty() ? "it has no runs yet" : "its jobs are: " + listed(jobs);
}

}  // namespace

std::string unknown_job_or_run(const std::vector<storage::RunSummary>& runs, const std::optional<std::string>& job,
                               std::optional<int64_t> run_id, const std::string& db_path) {
  std::vector<std::string> ids;  // the runs of `job` (all when unset), newest first
  for (const auto& r : runs) {
    if (job && r.job != *job) continue;
    if (run_id && r.id == *run_id) return "";
    ids.push_back(std::to_string(r.id));
  }
  if (job && ids.empty()) return "no job '" + *job + "' in " + db_path + "; " + jobs_text(runs);
  if (!run_id) return "";
  const std::string of_job = job ? " of job '" + *job + "'" : "";
  if (ids.empty()) return "no run " + std::to_string(*run_id) + " in " + db_path + "; it has no runs yet";
  return "no run " + std::to_string(*run_id) + of_job + " in " + db_path + "; its runs" + of_job +
         " are: " + listed(ids);
}

}  // namespace forager
