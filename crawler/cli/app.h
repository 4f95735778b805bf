// forager's whole command line as one CLI11 definition. main() parses with
// it, and the man page and the shell completions are generated from it
// (crawler/cli/help_docs.h), so that `--help`, forager(1) and the
// completions cannot drift apart.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "crawler/cli/commands.h"
#include "crawler/cli/report_command.h"
#include "crawler/cli/schedule_command.h"
#include "crawler/crawl_options.h"

namespace forager {

class CommandLine {
 public:
  // Defines every command and option; the options parse into this object's
  // members, so it is neither copied nor moved.
  CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // Parses argv and runs the command; returns the process exit status
  // (crawler/util/exit_codes.h). Every message about wrong usage starts with
  // "forager COMMAND: " and exits 2: an unknown command (with the nearest
  // known one suggested), a missing command (the short usage), and each
  // error of the option parser.
  int run(int argc, char** argv);

  const CLI::App& app() const { return app_; }

 private:
  void define_crawl();
  void define_export();
  void define_status();
  void define_report();
  void define_schedule();
  void define_fetch();
  void define_extract();
  int use_config_file(int argc, char** argv);
  int dispatch();
  // The --db of the command that was parsed.
  const std::string& db_location() const;

  CLI::App app_{"a polite, fast web-scraping crawler", "forager"};

  CrawlOptions crawl_;
  std::vector<std::string> crawl_arguments_;
  std::string config_path_;        // crawl --config (read by CLI11 through ConfigFile)
  std::string sched_config_path_;  // schedule add --config (stored, read by the crawls)
  std::string max_time_, scope_ = "host";
  ExportOptions export_;
  StatusOptions status_;
  ReportOptions report_;
  FetchOptions fetch_;
  ExtractOptions extract_;
  ScheduleAddRequest sched_add_;
  std::vector<CLI::Option*> sched_crawl_options_;
  std::string sched_db_ = "forager.db", sched_name_;
  bool sched_once_ = false;

  CLI::App* crawl_cmd_ = nullptr;
  CLI::App* export_cmd_ = nullptr;
  CLI::App* status_cmd_ = nullptr;
  CLI::App* report_cmd_ = nullptr;
  CLI::App* fetch_cmd_ = nullptr;
  CLI::App* extract_cmd_ = nullptr;
  CLI::App* sched_add_cmd_ = nullptr;
  CLI::App* sched_list_cmd_ = nullptr;
  CLI::App* sched_remove_cmd_ = nullptr;
  CLI::App* sched_run_cmd_ = nullptr;
};

}  // namespace forager
