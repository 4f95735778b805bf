#include "crawler/crawl_options.h"

#include "crawler/frontier/robots.h"

namespace forager {
namespace {

const char* scope_name(ScopeMode mode) {
  switch (mode) {
    case ScopeMode::kHost: return "host";
    case ScopeMode::kDomain: return "domain";
    case ScopeMode::kAny: return "any";
  }
  return "host";
}

}  // namespace

std::optional<ScopeMode> parse_scope(std::string_view name) {
  if (name == "host") return ScopeMode::kHost;
  if (name == "domain") return ScopeMode::kDomain;
  if (name == "any") return ScopeMode::kAny;
  return std::nullopt;
}

std::string robots_agent(const CrawlOptions& options) {
  if (!options.robots_agent.empty()) return options.robots_agent;
  return std::string(robots::robots_token(options.user_agent));
}

nlohmann::json to_json(const CrawlOptions& o) {
  nlohmann::json j = {
      {"job", o.job},           {"seeds", o.seeds},
      {"workers", o.workers},   {"concurrency", o.concurrency},
      {"per_host", o.per_host}, {"delay_ms", o.delay_ms},
      {"scope", scope_name(o.scope)}, {"allow", o.allow},
      {"deny", o.deny},         {"rules_path", o.rules_path},
      {"user_agent", o.user_agent}, {"timeout_ms", o.timeout_ms},
      {"retries", o.retries},   {"max_bytes", o.max_bytes},
      {"ignore_robots", o.ignore_robots}, {"max_query_params", o.max_query_params},
  };
  if (o.max_pages_per_host) j["max_pages_per_host"] = *o.max_pages_per_host;
  j["robots_agent"] = robots_agent(o);
  j["worker_max_pages"] = o.worker_max_pages;
  j["insecure"] = o.insecure;
  j["proxy"] = o.proxy;
  j["cookies"] = o.cookies;
  j["sitemaps"] = o.sitemaps;
  j["worker_max_memory_mb"] = o.worker_max_memory_mb;
  if (o.max_pages) j["max_pages"] = *o.max_pages;
  if (o.max_depth) j["max_depth"] = *o.max_depth;
  if (o.max_time_ms) j["max_time_ms"] = *o.max_time_ms;
  return j;
}

}  // namespace forager
