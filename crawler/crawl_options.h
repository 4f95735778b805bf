// Everything `forager crawl` can be told, with the documented defaults.
// Recorded with each run as JSON (runs.options_json); a resumed run takes its
// settings from the command that resumes it, not from that record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crawler/frontier/scope.h"
#include "crawler/wire/protocol.h"

namespace forager {

struct CrawlOptions {
  std::string db_path = "forager.db";
  std::string job = "default";
  std::vector<std::string> seeds;       // normalized seed URLs
  int workers = 0;                      // 0: number of cores
  int concurrency = 32;
  int per_host = 2;
  int64_t delay_ms = 0;
  std::optional<int64_t> max_pages;
  std::optional<int> max_depth;
  std::optional<int64_t> max_time_ms;
  ScopeMode scope = ScopeMode::kHost;
  std::vector<std::string> allow;       // regexes searched in the URL
  std::vector<std::string> deny;
  std::string rules_path;
  std::string rules_json;               // the rules file's contents
  std::string user_agent = std::string("forager/") + FORAGER_VERSION;
  std::string robots_agent;             // --robots-agent; empty: robots_token(user_agent)
  int64_t timeout_ms = 30000;
  int retries = 2;
  int64_t max_bytes = 10ll << 20;
  bool ignore_robots = false;
  bool insecure = false;                // no TLS verification
  std::string ca_file;                  // --cacert: PEM CA bundle, absolute path; empty: the system's
  std::string proxy;                    // empty: http_proxy/https_proxy/no_proxy from the environment
  bool cookies = true;
  std::string cookie_file;              // --cookies: Netscape cookie file loaded at the start (absolute path)
  std::string save_cookies;             // --save-cookies: the jar written there at the end (absolute path)
  std::vector<std::string> headers;     // --header "Name: value", checked
  std::vector<std::string> resolve;     // --resolve HOST:PORT:ADDR, checked
  std::string user;                     // --user: HTTP auth user name
  std::string password;                 // from FORAGER_PASSWORD; never recorded (to_json leaves it out)
  bool sitemaps = false;                // also seed from robots.txt's sitemaps and /sitemap.xml
  std::optional<int64_t> max_pages_per_host;  // fetches per host name
  int max_query_params = 20;            // links with more are traps (0: no limit)
  int64_t worker_max_pages = 100000;    // a worker is recycled after this many results (0: never)
  int64_t worker_max_memory_mb = 1024;  // ... or above this resident size (0: no cap)
  bool progress = true;                 // progress lines on stderr
  bool continue_run = false;            // --continue: reopen the job's last run when a budget ended it
  bool fail_on_error = false;           // exit 4 when a record failed (the command's exit status only)
  std::string warc_dir;                 // --warc: write WARC files there; empty: none
  int64_t warc_max_bytes = 1ll << 30;   // --warc-max-size
  bool keep_bodies = false;             // --keep-bodies: warc_dir defaults to keep_bodies_dir(db_path)
};

// The product token matched in robots.txt and in page-level robots directives:
// --robots-agent, or the token robots::robots_token() derives from the User-Agent.
std::string robots_agent(const CrawlOptions& options);

// The options as the run records them (storage::RunInfo::options_json).
nlohmann::json to_json(const CrawlOptions& options);

// The settings a worker is given for a crawl with these options (the
// rules_json must already be loaded). The auth user and password go to the
// seeds' hosts only.
protocol::Config worker_config(const CrawlOptions& options);
// The warcinfo block (application/warc-fields) that starts every WARC file
// of the crawl: software, format, the user agent, the robots policy and the
// options as to_json() records them.
std::string warcinfo_fields(const CrawlOptions& options);

// Where --keep-bodies keeps the WARC files when --warc names no folder:
// "DB.bodies" beside a SQLite store; "" for a PostgreSQL store (no folder
// beside it: --warc must name one).
std::string keep_bodies_dir(const std::string& db_location);

// "host", "domain" or "any" (--scope); nullopt for anything else.
std::optional<ScopeMode> parse_scope(std::string_view name);

}  // namespace forager
