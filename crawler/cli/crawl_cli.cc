#include "crawler/cli/crawl_cli.h"

#include <algorithm>

namespace forager {

std::vector<CLI::Option*> add_crawl_options(CLI::App& cmd, CrawlOptions& o, std::string& max_time,
                                            std::string& scope) {
  const size_t before = cmd.get_options().size();
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
  // One value per occurrence, so that `--allow X URL` leaves URL a seed.
  cmd.add_option("--allow", o.allow, "follow only links matching REGEX (repeatable)")->allow_extra_args(false);
  cmd.add_option("--deny", o.deny, "never follow links matching REGEX (repeatable)")->allow_extra_args(false);
  cmd.add_option("--rules", o.rules_path, "extraction rules (JSON)");
  cmd.add_option("--user-agent", o.user_agent, "User-Agent header sent with every request")->capture_default_str();
  cmd.add_option("--robots-agent", o.robots_agent,
                 "product token matched in robots.txt [derived from --user-agent: its first product, or the "
                 "compatible; NAME/ part of a browser-style string]")
      ->check([](const std::string& name) {
        const bool ok = !name.empty() && name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                "0123456789_-.") == std::string::npos;
        return ok ? std::string() : "a product token is letters, digits, '_', '-' and '.'";
      });
  cmd.add_option_function<double>(
         "--timeout", [&o](double s) { o.timeout_ms = static_cast<int64_t>(s * 1000); },
         "whole-transfer limit in seconds [30]")
      ->check(CLI::Range(0.001, 86400.0));
  cmd.add_option("--retries", o.retries, "retries for timeouts, connection errors, 429 and 5xx")
      ->check(CLI::Range(0, 100))->capture_default_str();
  cmd.add_option("--max-bytes", o.max_bytes, "body limit after decompression")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40))->capture_default_str();
  cmd.add_flag("--ignore-robots", o.ignore_robots, "do not fetch or obey robots.txt");
  cmd.add_flag("--insecure", o.insecure, "do not verify TLS certificates");
  cmd.add_flag("--sitemaps", o.sitemaps, "also crawl the URLs in robots.txt's sitemaps and /sitemap.xml");
  cmd.add_option("--proxy", o.proxy, "proxy URL [the http_proxy/https_proxy/no_proxy environment variables]");
  cmd.add_flag_callback("--no-cookies", [&o] { o.cookies = false; }, "do not keep cookies between requests");
  cmd.add_option("--max-pages-per-host", o.max_pages_per_host, "fetches per host name [unlimited]")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--max-query-params", o.max_query_params, "links with more query parameters are not followed (0: no limit)")
      ->check(CLI::Range(0, 10000))->capture_default_str();
  cmd.add_option("--worker-max-pages", o.worker_max_pages, "recycle a worker after N pages (0: never)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd.add_option("--worker-max-memory", o.worker_max_memory_mb, "recycle a worker above N MiB resident (0: no cap)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd.add_flag_callback("--quiet", [&o] { o.progress = false; }, "no progress lines, only the summary");
  std::vector<CLI::Option*> added;
  auto all = cmd.get_options();
  for (size_t i = before; i < all.size(); ++i) added.push_back(all[i]);
  return added;
}

std::vector<std::string> given_arguments(const std::vector<CLI::Option*>& options,
                                         const std::vector<std::string>& skip) {
  std::vector<std::string> tokens;
  for (const CLI::Option* option : options) {
    if (option->count() == 0 || option->get_lnames().empty()) continue;
    const std::string name = "--" + option->get_lnames().front();
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    if (option->get_expected_min() == 0) {  // a flag
      tokens.push_back(name);
      continue;
    }
    for (const auto& value : option->results()) {
      tokens.push_back(name);
      tokens.push_back(value);
    }
  }
  return tokens;
}

}  // namespace forager
