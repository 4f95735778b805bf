// The `forager` subcommands. Each returns the process exit status
// (crawler/util/exit_codes.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crawler/crawl_options.h"
#include "crawler/util/exit_codes.h"

namespace forager {

// `crawl`: arguments are URLs or seed files; options already parsed.
int crawl_command(CrawlOptions options, const std::vector<std::string>& arguments,
                  const std::string& max_time, const std::string& scope);

struct ExportOptions {
  std::string db_path = "forager.db";
  std::string format = "json";
  std::string output;             // empty: stdout
  std::optional<std::string> job;
  std::string run = "latest";     // ID, latest or all
  bool changed_only = false;
  std::string fields;             // --fields: comma-separated names; empty: every field
  bool no_links = false;          // --no-links
};
int export_command(const ExportOptions& options);

struct StatusOptions {
  std::string db_path = "forager.db";
  std::optional<std::string> job;
  bool json = false;
};
int status_command(const StatusOptions& options);

// `fetch`: one URL (or a local HTML file) printed as the record a crawl
// would store, or with `html` as the page decoded to UTF-8.
struct FetchOptions {
  std::string target;  // http(s) URL or FILE
  std::string base;    // for a FILE: the URL its links resolve against
  bool html = false;
  CrawlOptions http;   // rules_path and the HTTP options; the rest is unused
};
int fetch_command(FetchOptions options);

// `extract`: extraction again over a run's archived bodies, as a new run
// (crawler/extract_run.h).
struct ExtractOptions {
  std::string db_path = "forager.db";
  std::string job = "default";
  std::string rules_path;
  std::optional<int64_t> run;  // the run to extract from; unset: the job's newest finished run
  int workers = 0;             // 0: number of cores
  int64_t timeout_ms = 30000;  // a worker silent this long with tasks in hand is replaced
  bool progress = true;        // the summary line only when false
};
int extract_command(const ExtractOptions& options);

}  // namespace forager
