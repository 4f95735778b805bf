// The `forager schedule` subcommands: add, list, remove, run. Each returns
// the process exit status: 0, 1 on a runtime failure (reported on stderr),
// 2 on wrong usage (nothing written to the store).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crawler/crawl_options.h"

namespace forager {

// `schedule add NAME (--cron EXPR | --every DURATION) [--utc] [crawl options] [URL|FILE ...]`
struct ScheduleAddRequest {
  std::string name;
  std::optional<std::string> cron;
  std::optional<std::string> every;
  bool utc = false;
  bool job_given = false;                 // --job was given (refused: NAME is the job)
  std::vector<std::string> seeds;         // URL | FILE, as given
  std::vector<std::string> crawl_args;    // the crawl options given, as tokens (no --db/--job/--quiet)
  // The same options as parsed by the crawl's CLI, for validation.
  CrawlOptions options;                   // options.db_path is the store
  std::string max_time, scope = "host";
};
int schedule_add_command(const ScheduleAddRequest& request);

int schedule_list_command(const std::string& db_path);
int schedule_remove_command(const std::string& db_path, const std::string& name);
// `schedule run [--once]`: the foreground scheduler (crawler/schedule/scheduler.h).
int schedule_run_command(const std::string& db_path, bool once);

}  // namespace forager
