// forager's command line (CLI11). Parsing only: each subcommand's work is in
// its own *_command.cc.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "crawler/cli/commands.h"
#include "crawler/cli/crawl_cli.h"
#include "crawler/cli/report_command.h"
#include "crawler/cli/schedule_command.h"
#include "storage/open.h"
#include "workers/worker_main.h"

using forager::CrawlOptions;

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == forager::kWorkerArgument) forager::run_worker_process(argv[2]);
  CLI::App app{"forager: a polite, fast web-scraping crawler"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("forager ") + FORAGER_VERSION);

  CrawlOptions crawl;
  std::vector<std::string> crawl_arguments;
  std::string max_time, scope = "host";
  auto* crawl_cmd = app.add_subcommand("crawl", "crawl seed URLs (or files of URLs, one per line)");
  crawl_cmd->add_option("seeds", crawl_arguments, "URL or FILE ...");
  forager::add_crawl_options(*crawl_cmd, crawl, max_time, scope);

  forager::ExportOptions exp;
  auto* export_cmd = app.add_subcommand("export", "write scraped records as JSON, JSON Lines or CSV");
  export_cmd->add_option("--db", exp.db_path, "store: a SQLite file or a postgresql:// URI")->capture_default_str();
  export_cmd->add_option("--format", exp.format, "json | jsonl | csv")
      ->check(CLI::IsMember({"json", "jsonl", "csv"}))->capture_default_str();
  export_cmd->add_option("-o,--output", exp.output, "output file [stdout]");
  export_cmd->add_option("--job", exp.job, "only this job");
  export_cmd->add_option("--run", exp.run, "run ID, latest or all")->capture_default_str();
  export_cmd->add_flag("--changed", exp.changed_only, "only records whose content changed");

  forager::StatusOptions status;
  auto* status_cmd = app.add_subcommand("status", "jobs, runs and their counts");
  status_cmd->add_option("--db", status.db_path, "store: a SQLite file or a postgresql:// URI")->capture_default_str();
  status_cmd->add_option("--job", status.job, "only this job");
  status_cmd->add_flag("--json", status.json, "machine-readable output");

  forager::ReportOptions report;
  auto* report_cmd = app.add_subcommand("report", "write a run's report as one self-contained HTML page");
  report_cmd->add_option("--db", report.db_path, "store: a SQLite file or a postgresql:// URI")->capture_default_str();
  report_cmd->add_option("--job", report.job, "the job whose run to report [the newest run's]");
  report_cmd->add_option("--run", report.run, "run ID or latest")->capture_default_str();
  report_cmd->add_option("-o,--output", report.output, "the HTML file to write")->capture_default_str();

  auto* schedule_cmd = app.add_subcommand("schedule", "recurring crawls: add, list, remove, run");
  schedule_cmd->require_subcommand(1);
  forager::ScheduleAddRequest sched_add;
  auto* sched_add_cmd = schedule_cmd->add_subcommand(
      "add", "add a recurring crawl: NAME (--cron EXPR | --every DURATION) [crawl options] URL|FILE ...");
  sched_add_cmd->add_option("name", sched_add.name, "the schedule's name, also its job's name")->required();
  sched_add_cmd->add_option("seeds", sched_add.seeds, "URL or FILE ...");
  auto* cron_opt =
      sched_add_cmd->add_option("--cron", sched_add.cron, "5-field cron expression, or @hourly, @daily ...");
  sched_add_cmd->add_option("--every", sched_add.every, "interval after the last start: 90s, 30m, 6h, 1d")
      ->excludes(cron_opt);
  sched_add_cmd->add_flag("--utc", sched_add.utc, "read --cron in UTC instead of local time");
  auto sched_crawl_opts =
      forager::add_crawl_options(*sched_add_cmd, sched_add.options, sched_add.max_time, sched_add.scope);

  std::string sched_db = "forager.db", sched_name;
  bool sched_once = false;
  auto* sched_list_cmd = schedule_cmd->add_subcommand("list", "schedules, their next run and last outcome");
  sched_list_cmd->add_option("--db", sched_db, "store: a SQLite file or a postgresql:// URI")->capture_default_str();
  auto* sched_remove_cmd = schedule_cmd->add_subcommand("remove", "remove a schedule (its records stay)");
  sched_remove_cmd->add_option("--db", sched_db, "store: a SQLite file or a postgresql:// URI")->capture_default_str();
  sched_remove_cmd->add_option("name", sched_name, "the schedule's name")->required();
  auto* sched_run_cmd = schedule_cmd->add_subcommand("run", "run the schedules in the foreground until stopped");
  sched_run_cmd->add_option("--db", sched_db, "store: a SQLite file or a postgresql:// URI")->capture_default_str();
  sched_run_cmd->add_flag("--once", sched_once, "start what is due now, wait for it, then exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints what is wrong
    return forager::kExitUsage;
  }

  // A store location that may not be used (a PostgreSQL URI with a password)
  // is refused before anything runs.
  const std::string& db = *crawl_cmd      ? crawl.db_path
                          : *export_cmd   ? exp.db_path
                          : *status_cmd   ? status.db_path
                          : *report_cmd   ? report.db_path
                          : *sched_add_cmd ? sched_add.options.db_path
                                          : sched_db;
  if (auto problem = forager::storage::location_problem(db)) {
    std::fprintf(stderr, "forager: --db: %s\n", problem->c_str());
    return forager::kExitUsage;
  }

  if (*crawl_cmd) return forager::crawl_command(std::move(crawl), crawl_arguments, max_time, scope);
  if (*export_cmd) return forager::export_command(exp);
  if (*status_cmd) return forager::status_command(status);
  if (*report_cmd) return forager::report_command(report);
  if (*sched_add_cmd) {
    sched_add.job_given = sched_add_cmd->count("--job") > 0;
    sched_add.crawl_args = forager::given_arguments(sched_crawl_opts, {"--db", "--job", "--quiet"});
    return forager::schedule_add_command(sched_add);
  }
  if (*sched_list_cmd) return forager::schedule_list_command(sched_db);
  if (*sched_remove_cmd) return forager::schedule_remove_command(sched_db, sched_name);
  if (*sched_run_cmd) return forager::schedule_run_command(sched_db, sched_once);
  return forager::kExitUsage;
}
