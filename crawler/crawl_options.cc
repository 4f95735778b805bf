#include "crawler/crawl_options.h"

namespace forager {

const char* scope_name(ScopeMode mode) {
  switch (mode) {
    case ScopeMode::kHost: return "host";
    case ScopeMode::kDomain: return "domain";
    case ScopeMode::kAny: return "any";
  }
  return "host";
}

std::optional<ScopeMode> parse_scope(std::string_view name) {
  if (name == "host") return ScopeMode::kHost;
  if (name == "domain") return ScopeMode::kDomain;
  if (name == "any") return ScopeMode::kAny;
  return std::nullopt;
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
  j["worker_max_pages"] = o.worker_max_pages;
  j["insecure"] = o.insecure;
  j["proxy"] = o.proxy;
  j["cacert"] = o.ca_file;
  j["cookies"] = o.cookies;
  j["sitemaps"] = o.sitemaps;
  j["worker_max_memory_mb"] = o.worker_max_memory_mb;
  if (o.max_pages) j["max_pages"] = *o.max_pages;
  if (o.max_depth) j["max_depth"] = *o.max_depth;
  if (o.max_time_ms) j["max_time_ms"] = *o.max_time_ms;
  return j;
}

namespace {
template <typename T>
void take(const nlohmann::json& j, const char* key, T& field) {
  if (j.contains(key) && !j[key].is_null()) field = j[key].get<T>();
}
template <typename T>
void take(const nlohmann::json& j, const char* key, std::optional<T>& field) {
  if (j.contains(key) && !j[key].is_null()) field = j[key].get<T>();
}
}  // namespace

CrawlOptions crawl_options_from_json(const nlohmann::json& j) {
  CrawlOptions o;
  if (!j.is_object()) return o;
  take(j, "job", o.job);
  take(j, "seeds", o.seeds);
  take(j, "workers", o.workers);
  take(j, "concurrency", o.concurrency);
  take(j, "per_host", o.per_host);
  take(j, "delay_ms", o.delay_ms);
  take(j, "max_pages", o.max_pages);
  take(j, "max_depth", o.max_depth);
  take(j, "max_time_ms", o.max_time_ms);
  std::string scope;
  take(j, "scope", scope);
  if (auto mode = parse_scope(scope)) o.scope = *mode;
  take(j, "allow", o.allow);
  take(j, "deny", o.deny);
  take(j, "rules_path", o.rules_path);
  take(j, "user_agent", o.user_agent);
  take(j, "timeout_ms", o.timeout_ms);
  take(j, "retries", o.retries);
  take(j, "max_bytes", o.max_bytes);
  take(j, "ignore_robots", o.ignore_robots);
  take(j, "max_pages_per_host", o.max_pages_per_host);
  take(j, "max_query_params", o.max_query_params);
  take(j, "worker_max_pages", o.worker_max_pages);
  take(j, "insecure", o.insecure);
  take(j, "proxy", o.proxy);
  take(j, "cacert", o.ca_file);
  take(j, "cookies", o.cookies);
  take(j, "sitemaps", o.sitemaps);
  take(j, "worker_max_memory_mb", o.worker_max_memory_mb);
  return o;
}

}  // namespace forager
