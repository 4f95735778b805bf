#include "crawler/crawl_options.h"

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
  j["cookies"] = o.cookies;
  j["sitemaps"] = o.sitemaps;
  j["worker_max_memory_mb"] = o.worker_max_memory_mb;
  if (o.max_pages) j["max_pages"] = *o.max_pages;
  if (o.max_depth) j["max_depth"] = *o.max_depth;
  if (o.max_time_ms) j["max_time_ms"] = *o.max_time_ms;
  if (!o.warc_dir.empty()) {
    j["warc_dir"] = o.warc_dir;
    j["warc_max_bytes"] = o.warc_max_bytes;
  }
  return j;
}

std::string warcinfo_fields(const CrawlOptions& o) {
  nlohmann::json options = to_json(o);
  options.erase("seeds");  // may be long; they are in the store
  std::string text;
  text += std::string("software: forager/") + FORAGER_VERSION + "\r\n";
  text += "format: WARC File Format 1.1\r\n";
  text += "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n";
  text += "http-header-user-agent: " + o.user_agent + "\r\n";
  text += std::string("robots: ") + (o.ignore_robots ? "ignore" : "obey") + "\r\n";
  text += "forager-job: " + o.job + "\r\n";
  text += "forager-options: " + options.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\r\n";
  return text;
}

}  // namespace forager
