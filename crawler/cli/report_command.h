// `forager report`: one run's report as a self-contained HTML page.
#pragma once

#include <optional>
#include <string>

namespace forager {

struct ReportOptions {
  std::string db_path = "forager.db";
  std::optional<std::string> job;  // the run's job; unset: any job
  std::string run = "latest";      // a run ID, or latest (of the job, or of all runs)
  std::string output = "report.html";
};

// Writes the report to options.output (through output + ".tmp", renamed
// when complete, so a reader never sees half a file). Returns 0, 1 on a
// runtime failure, 2 (kExitUsage) when the store, job or run does not exist
// or --run is not an ID; nothing is written then.
int report_command(const ReportOptions& options);

}  // namespace forager
