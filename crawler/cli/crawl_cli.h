// The `forager crawl` options on the command line (CLI11), shared by `crawl`
// and `schedule add`, so that a schedule takes exactly the crawl's options.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "crawler/crawl_options.h"

namespace forager {

// Adds every crawl option (--db, --job, --workers ... --quiet; not the seeds)
// to `cmd`, parsing into `o`, `max_time` and `scope`, which must outlive
// `cmd`'s parsing. Returns the options added.
std::vector<CLI::Option*> add_crawl_options(CLI::App& cmd, CrawlOptions& o, std::string& max_time,
                                            std::string& scope);

// Adds the options of one HTTP request (--user-agent, --timeout, --max-bytes,
// --ignore-robots, --insecure, --proxy, --no-cookies, ...), shared by
// add_crawl_options and `fetch`. Returns the options added.
std::vector<CLI::Option*> add_http_options(CLI::App& cmd, CrawlOptions& o);

// With --user given, takes the password from the environment variable
// FORAGER_PASSWORD when it is set (else curl looks in ~/.netrc).
void read_password(CrawlOptions& o);

// The options among `options` that were given, as "--name value" tokens (each
// value as given, repeatable options in their order; flags once), leaving out
// the names in `skip` (e.g. "--db").
std::vector<std::string> given_arguments(const std::vector<CLI::Option*>& options,
                                         const std::vector<std::string>& skip);

}  // namespace forager
