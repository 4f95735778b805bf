// forager's command line (CLI11). Parsing only: each subcommand's work is in
// its own *_command.cc.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>

#include "crawler/commands.h"

namespace {

using forager::CrawlOptions;

void add_crawl_options(CLI::App& cmd, CrawlOptions& o, std::string& max_time, std::string& scope) {
  cmd.add_option("--db", o.db_path, "SQLite store")->capture_default_str();
  cmd.add_option("--job", o.job, "the crawl job this run belongs to")->capture_default_str();
  cmd.add_option("--workers", o.workers, "worker processes [number of cores]")->check(CLI::Range(1, 256));
  cmd.add_option("--concurrency", o.concurrency, "transfers in flight per worker")
      ->check(CLI::Range(1, 10000))->capture_default_str();
  cmd.add_option("--per-host", o.per_host, "transfers in flight per host, whole crawl")
      ->check(CLI::Range(1, 10000))->capture_default_str();
  cmd.add_option("--delay", o.delay_ms, "least gap in ms between two requests to one host")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd.add_option("--max-pages", o.max_pages, "stop dispatching after N fetches")->check(CLI::NonNegativeNumber);
  cmd.add_option("--max-depth", o.max_depth, "link distance from a seed")->check(CLI::NonNegativeNumber);
  cmd.add_option("--max-time", max_time, "stop dispatching after DURATION (e.g. 90s, 30m, 2h)");
  cmd.add_option("--scope", scope, "host | domain | any")->check(CLI::IsMember({"host", "domain", "any"}))
      ->capture_default_str();
  cmd.add_option("--allow", o.allow, "follow only links matching REGEX (repeatable)");
  cmd.add_option("--deny", o.deny, "never follow links matching REGEX (repeatable)");
  cmd.add_option("--rules", o.rules_path, "extraction rules (JSON)");
  cmd.add_option("--user-agent", o.user_agent, "User-Agent, also matched in robots.txt")->capture_default_str();
  cmd.add_option_function<double>(
         "--timeout", [&o](double s) { o.timeout_ms = static_cast<int64_t>(s * 1000); },
         "whole-transfer limit in seconds [30]")
      ->check(CLI::Range(0.001, 86400.0));
  cmd.add_option("--retries", o.retries, "retries for timeouts, connection errors, 429 and 5xx")
      ->check(CLI::Range(0, 100))->capture_default_str();
  cmd.add_option("--max-bytes", o.max_bytes, "body limit after decompression")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))->capture_default_str();
  cmd.add_flag("--ignore-robots", o.ignore_robots, "do not fetch or obey robots.txt");
  cmd.add_flag_callback("--quiet", [&o] { o.progress = false; }, "no progress lines, only the summary");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"forager: a polite, fast web-scraping crawler"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("forager ") + FORAGER_VERSION);

  CrawlOptions crawl;
  std::vector<std::string> crawl_arguments;
  std::string max_time, scope = "host";
  auto* crawl_cmd = app.add_subcommand("crawl", "crawl seed URLs (or files of URLs, one per line)");
  crawl_cmd->add_option("seeds", crawl_arguments, "URL or FILE ...");
  add_crawl_options(*crawl_cmd, crawl, max_time, scope);

  forager::ExportOptions exp;
  auto* export_cmd = app.add_subcommand("export", "write scraped records as JSON, JSON Lines or CSV");
  export_cmd->add_option("--db", exp.db_path, "SQLite store")->capture_default_str();
  export_cmd->add_option("--format", exp.format, "json | jsonl | csv")
      ->check(CLI::IsMember({"json", "jsonl", "csv"}))->capture_default_str();
  export_cmd->add_option("-o,--output", exp.output, "output file [stdout]");
  export_cmd->add_option("--job", exp.job, "only this job");
  export_cmd->add_option("--run", exp.run, "run ID, latest or all")->capture_default_str();
  export_cmd->add_flag("--changed", exp.changed_only, "only records whose content changed");

  forager::StatusOptions status;
  auto* status_cmd = app.add_subcommand("status", "jobs, runs and their counts");
  status_cmd->add_option("--db", status.db_path, "SQLite store")->capture_default_str();
  status_cmd->add_option("--job", status.job, "only this job");
  status_cmd->add_flag("--json", status.json, "machine-readable output");

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

  if (*crawl_cmd) return forager::crawl_command(std::move(crawl), crawl_arguments, max_time, scope);
  if (*export_cmd) return forager::export_command(exp);
  if (*status_cmd) return forager::status_command(status);
  return forager::kExitUsage;
}
