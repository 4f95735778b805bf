#include "crawler/cli/app.h"

#include <cstdio>
#include <string_view>

#include "crawler/cli/command_names.h"
#include "crawler/cli/crawl_cli.h"
#include "crawler/cli/option_defaults.h"
#include "crawler/util/duration.h"
#include "storage/open.h"

namespace forager {
namespace {

// "crawl", "schedule add": the subcommands the parser entered, outermost first.
std::string command_path(const CLI::App& app) {
  std::string path;
  const CLI::App* at = &app;
  while (true) {
    auto entered = at->get_subcommands();
    if (entered.empty()) break;
    at = entered.front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
  return path;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + names[i];
  return text;
}

int usage_error(const std::string& path, const std::string& message) {
  const std::string command = path.empty() ? "forager" : "forager " + path;
  std::fprintf(stderr, "%s: %s\nRun '%s --help' for more information.\n", command.c_str(), message.c_str(),
               command.c_str());
  return kExitUsage;
}

// Checks the command words in argv before CLI11 sees them: CLI11 reads an
// unknown word as a positional and only says "A subcommand is required".
// Returns -1 when the words are fine, else the exit status after the message.
int check_command_words(const CLI::App& app, int argc, char** argv) {
  const CLI::App* at = &app;
  std::string path;
  for (int i = 1; at->get_require_subcommand_min() > 0; ++i) {
    const auto names = subcommand_names(*at);
    if (i >= argc) {
      if (at == &app) {
        std::fprintf(stderr, "usage: forager COMMAND [OPTIONS] [ARGS]\ncommands: %s\n"
                             "Run 'forager --help' or 'forager COMMAND --help' for more information.\n",
                     joined(names).c_str());
        return kExitUsage;
      }
      return usage_error(path, "a subcommand is required: " + joined(names));
    }
    const std::string_view word = argv[i];
    if (!word.empty() && word[0] == '-') return -1;  // --help, --version, or CLI11's own error
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == word) next = sub;
    if (next == nullptr) {
      std::string message = "unknown command '" + std::string(word) + "'";
      const std::string nearest = nearest_name(word, names);
      if (!nearest.empty()) message += " (did you mean '" + nearest + "'?)";
      message += "; the commands are " + joined(names);
      return usage_error(path, message);
    }
    at = next;
    path += (path.empty() ? "" : " ") + next->get_name();
  }
  return -1;
}

}  // namespace

CommandLine::CommandLine() {
  app_.require_subcommand(1);
  app_.set_version_flag("--version", std::string("forager ") + FORAGER_VERSION);
  define_crawl();
  define_export();
  define_status();
  define_report();
  define_schedule();
  define_fetch();
  define_extract();
  // FORAGER_DB for every command's --db (crawl's options all have theirs).
  for (CLI::App* cmd : {export_cmd_, status_cmd_, report_cmd_, sched_add_cmd_, sched_list_cmd_, sched_remove_cmd_,
                        sched_run_cmd_, extract_cmd_})
    cmd->get_option("--db")->envname(option_env_name("db"));
}

void CommandLine::define_crawl() {
  crawl_cmd_ = app_.add_subcommand("crawl", "crawl seed URLs (or files of URLs, one per line)");
  crawl_cmd_->add_option("seeds", crawl_arguments_, "URL or FILE ...")->type_name("URL|FILE");
  add_crawl_options(*crawl_cmd_, crawl_, max_time_, scope_);
  crawl_cmd_->add_option("--config", config_path_,
                         "defaults for any crawl option from this TOML (or *.ini) file: option = value; "
                         "flags > environment FORAGER_* > file > built-in defaults")
      ->type_name("FILE");
}

void CommandLine::define_export() {
  export_cmd_ = app_.add_subcommand("export", "write scraped records as JSON, JSON Lines or CSV");
  export_cmd_->add_option("--db", export_.db_path, "store: a SQLite file or a postgresql:// URI")->type_name("PATH|URI")->capture_default_str();
  export_cmd_->add_option("--format", export_.format, "json | jsonl | csv")
      ->check(CLI::IsMember({"json", "jsonl", "csv"}))->capture_default_str();
  export_cmd_->add_option("-o,--output", export_.output, "output file [stdout]")->type_name("FILE");
  export_cmd_->add_option("--job", export_.job, "only this job")->type_name("NAME");
  export_cmd_->add_option("--run", export_.run, "run ID, latest or all")->type_name("RUN")->capture_default_str();
  export_cmd_->add_flag("--changed", export_.changed_only, "only records whose content changed");
  export_cmd_->add_option("--fields", export_.fields,
                          "only these fields, in this order: comma-separated record fields, or fields.NAME for a "
                          "rule field (e.g. url,title,fields.price)")
      ->type_name("LIST");
  export_cmd_->add_flag("--no-links", export_.no_links, "leave out the links of each record");
}

void CommandLine::define_status() {
  status_cmd_ = app_.add_subcommand("status", "jobs, runs and their counts");
  status_cmd_->add_option("--db", status_.db_path, "store: a SQLite file or a postgresql:// URI")->type_name("PATH|URI")->capture_default_str();
  status_cmd_->add_option("--job", status_.job, "only this job")->type_name("NAME");
  status_cmd_->add_flag("--json", status_.json, "machine-readable output");
}

void CommandLine::define_report() {
  report_cmd_ = app_.add_subcommand("report", "write a run's report as one self-contained HTML page");
  report_cmd_->add_option("--db", report_.db_path, "store: a SQLite file or a postgresql:// URI")->type_name("PATH|URI")->capture_default_str();
  report_cmd_->add_option("--job", report_.job, "the job whose run to report [the newest run's]")->type_name("NAME");
  report_cmd_->add_option("--run", report_.run, "run ID or latest")->type_name("RUN")->capture_default_str();
  report_cmd_->add_option("-o,--output", report_.output, "the HTML file to write")
      ->type_name("FILE")->capture_default_str();
}

void CommandLine::define_schedule() {
  auto* schedule = app_.add_subcommand("schedule", "recurring crawls: add, list, remove, run");
  schedule->require_subcommand(1);
  sched_add_cmd_ = schedule->add_subcommand(
      "add", "add a recurring crawl: NAME (--cron EXPR | --every DURATION) [crawl options] URL|FILE ...");
  sched_add_cmd_->add_option("name", sched_add_.name, "the schedule's name, also its job's name")
      ->type_name("NAME")->required();
  sched_add_cmd_->add_option("seeds", sched_add_.seeds, "URL or FILE ...")->type_name("URL|FILE");
  auto* cron = sched_add_cmd_->add_option("--cron", sched_add_.cron, "5-field cron expression, or @hourly, @daily ...")
                   ->type_name("EXPR");
  sched_add_cmd_->add_option("--every", sched_add_.every, "interval after the last start: 90s, 30m, 6h, 1d")
      ->type_name("DURATION")->excludes(cron);
  sched_add_cmd_->add_flag("--utc", sched_add_.utc, "read --cron in UTC instead of local time");
  sched_crawl_options_ = add_crawl_options(*sched_add_cmd_, sched_add_.options, sched_add_.max_time, sched_add_.scope);
  // Stored with the schedule's other options: the crawl it starts reads the file.
  sched_crawl_options_.push_back(
      sched_add_cmd_->add_option("--config", sched_config_path_, "the crawls read defaults from this file (see crawl)")
          ->type_name("FILE"));

  sched_list_cmd_ = schedule->add_subcommand("list", "schedules, their next run and last outcome");
  sched_list_cmd_->add_option("--db", sched_db_, "store: a SQLite file or a postgresql:// URI")->type_name("PATH|URI")->capture_default_str();
  sched_remove_cmd_ = schedule->add_subcommand("remove", "remove a schedule (its records stay)");
  sched_remove_cmd_->add_option("--db", sched_db_, "store: a SQLite file or a postgresql:// URI")->type_name("PATH|URI")->capture_default_str();
  sched_remove_cmd_->add_option("name", sched_name_, "the schedule's name")->type_name("NAME")->required();
  sched_run_cmd_ = schedule->add_subcommand("run", "run the schedules in the foreground until stopped");
  sched_run_cmd_->add_option("--db", sched_db_, "store: a SQLite file or a postgresql:// URI")->type_name("PATH|URI")->capture_default_str();
  sched_run_cmd_->add_flag("--once", sched_once_, "start what is due now, wait for it, then exit");
}

void CommandLine::define_fetch() {
  fetch_cmd_ = app_.add_subcommand(
      "fetch", "fetch one page (or read a local HTML file) and print the record a crawl would store");
  fetch_cmd_->add_option("target", fetch_.target, "http(s) URL, or a local HTML file")
      ->type_name("URL|FILE")->required();
  fetch_cmd_->add_option("--rules", fetch_.http.rules_path, "extraction rules (JSON)")->type_name("FILE");
  fetch_cmd_->add_option("--base", fetch_.base, "for a local file: the URL its links resolve against [none]")
      ->type_name("URL");
  fetch_cmd_->add_flag("--html", fetch_.html, "print the page decoded to UTF-8 instead of the record");
  add_http_options(*fetch_cmd_, fetch_.http);
}

void CommandLine::define_extract() {
  extract_cmd_ = app_.add_subcommand(
      "extract", "extract again from a run's archived bodies (--keep-bodies or --warc), no network: a new run");
  extract_cmd_->add_option("--db", extract_.db_path, "store: a SQLite file or a postgresql:// URI")
      ->type_name("PATH|URI")->capture_default_str();
  extract_cmd_->add_option("--job", extract_.job, "the job whose run to extract from")
      ->type_name("NAME")->capture_default_str();
  extract_cmd_->add_option("--rules", extract_.rules_path, "extraction rules (JSON)")->type_name("FILE")->required();
  extract_cmd_->add_option("--run", extract_.run, "the run to extract from [the job's newest finished run]")
      ->type_name("ID")->check(CLI::PositiveNumber);
  extract_cmd_->add_option("--workers", extract_.workers, "worker processes [number of cores]")
      ->check(CLI::Range(1, 256));
  extract_cmd_
      ->add_option_function<std::string>(
          "--timeout", [this](const std::string& text) { extract_.timeout_ms = *parse_duration_ms(text, kSecond); },
          "a worker silent this long with extractions in hand is replaced: seconds, or 500ms, 1m [30]")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            auto ms = parse_duration_ms(text, kSecond);
            if (ms && *ms >= 1 && *ms <= 86400 * kSecond) return "";
            return "'" + text + "' is not a duration from 1 ms to 1 day: seconds, or with ms, s, m or h (500ms, 2s, 1m)";
          },
          ""))
      ->type_name("DURATION");
  extract_cmd_->add_flag_callback("--quiet", [this] { extract_.progress = false; }, "only the summary");
}

// `crawl --config FILE`: CLI11 reads a config file for the main app, so the
// file is found in argv first and given to it (ConfigFile puts its keys under
// the crawl command). Returns -1, or the exit status of a usage error.
int CommandLine::use_config_file(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "crawl") return -1;
  // The environment too, only now: CLI11 checks the variables of every
  // command's options, and a bad FORAGER_MAX_BYTES must not fail `status`.
  add_env_names(*crawl_cmd_);
  const std::string path = find_config_argument(argc, argv, 1);
  if (path.empty()) return -1;
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return usage_error("crawl", "--config: cannot read '" + path + "'");
  std::fclose(file);
  const bool ini = path.size() > 4 && path.compare(path.size() - 4, 4, ".ini") == 0;
  app_.config_formatter(std::make_shared<ConfigFile>("crawl", ini));
  app_.set_config("--crawl-config-file", path, "")->group("");
  app_.allow_config_extras(CLI::config_extras_mode::error);
  return -1;
}

int CommandLine::run(int argc, char** argv) {
  if (int status = check_command_words(app_, argc, argv); status >= 0) return status;
  if (int status = use_config_file(argc, argv); status >= 0) return status;
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app_.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app_.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app_.exit(e);
  } catch (const CLI::ConfigError& e) {
    return usage_error(command_path(app_), "--config " + config_path_ + ": " + e.what());
  } catch (const CLI::ParseError& e) {
    return usage_error(command_path(app_), e.what());
  }
  // A store location that may not be used (a PostgreSQL URI with a password)
  // is refused before anything runs.
  if (auto problem = storage::location_problem(db_location())) {
    std::fprintf(stderr, "forager %s: --db: %s\n", command_path(app_).c_str(), problem->c_str());
    return kExitUsage;
  }
  return dispatch();
}

const std::string& CommandLine::db_location() const {
  if (*crawl_cmd_) return crawl_.db_path;
  if (*export_cmd_) return export_.db_path;
  if (*status_cmd_) return status_.db_path;
  if (*report_cmd_) return report_.db_path;
  if (*fetch_cmd_) return fetch_.http.db_path;  // unused: fetch opens no store
  if (*extract_cmd_) return extract_.db_path;
  if (*sched_add_cmd_) return sched_add_.options.db_path;
  return sched_db_;
}

int CommandLine::dispatch() {
  if (*crawl_cmd_) return crawl_command(std::move(crawl_), crawl_arguments_, max_time_, scope_);
  if (*export_cmd_) return export_command(export_);
  if (*status_cmd_) return status_command(status_);
  if (*report_cmd_) return report_command(report_);
  if (*fetch_cmd_) return fetch_command(std::move(fetch_));
  if (*extract_cmd_) return extract_command(extract_);
  if (*sched_add_cmd_) {
    sched_add_.job_given = sched_add_cmd_->count("--job") > 0;
    sched_add_.crawl_args = given_arguments(sched_crawl_options_, {"--db", "--job", "--quiet"});
    return schedule_add_command(sched_add_);
  }
  if (*sched_list_cmd_) return schedule_list_command(sched_db_);
  if (*sched_remove_cmd_) return schedule_remove_command(sched_db_, sched_name_);
  if (*sched_run_cmd_) return schedule_run_command(sched_db_, sched_once_);
  return kExitUsage;
}

}  // namespace forager
